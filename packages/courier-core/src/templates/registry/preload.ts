/**
 * Loading and compiling every part at start-up, so a bad template stops the
 * process before any message is taken, with every failure listed at once.
 */
import { stat } from 'node:fs/promises';
import { TemplateError } from '../../errors.js';
import { TEMPLATE_TYPES } from '../../message.js';
import { TEMPLATE_PARTS, type TemplatePart } from '../parts.js';
import type { PartCache } from './cache.js';

const ALL_PARTS = Object.keys(TEMPLATE_PARTS) as TemplatePart[];

/**
 * Check the override directory, then load and compile every part of every type.
 *
 * @throws TemplateError the one failure, or all of them in one error (code of the first).
 */
export async function preloadAll(parts: PartCache, overrideDir: string | undefined): Promise<void> {
  if (overrideDir !== undefined) {
    const st = await stat(overrideDir).catch(() => undefined);
    if (st === undefined || !st.isDirectory()) {
      throw new TemplateError('TEMPLATE_LOAD_FAILED', `template_override_path ${overrideDir} ${st === undefined ? 'does not exist' : 'is not a directory'}`);
    }
  }
  const jobs = TEMPLATE_TYPES.flatMap((type) => ALL_PARTS.map((part) => parts(type, part)));
  const results = await Promise.allSettled(jobs);
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [toTemplateError(r.reason)] : []));
  const [first] = failures;
  if (first === undefined) return;
  if (failures.length === 1) throw first;
  throw new TemplateError(first.code, `${failures.length} templates failed to load:\n${failures.map((f) => `  - ${f.message}`).join('\n')}`, {
    cause: new AggregateError(failures),
  });
}

function toTemplateError(err: unknown): TemplateError {
  if (err instanceof TemplateError) return err;
  return new TemplateError('TEMPLATE_LOAD_FAILED', `unexpected error while loading templates: ${(err as Error).name}`, {
    cause: err,
  });
}
