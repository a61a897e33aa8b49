/**
 * The configured limits, in the shape the checks take.
 */
import type { JsonLimits } from '../json-limits.js';
import type { CourierConfig } from './schema.js';

/** Template-data limits from `limits.template_data_*`. */
export function templateDataLimitsOf(config: Pick<CourierConfig, 'limits'>): JsonLimits {
  return {
    maxBytes: config.limits.template_data_bytes,
    maxElements: config.limits.template_data_elements,
    maxDepth: config.limits.template_data_depth,
  };
}
