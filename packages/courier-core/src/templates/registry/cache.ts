/**
 * The compiled parts, one slot per template type and part. A part is compiled once
 * and kept; one whose sources can change is resolved again (`resolve.ts`) at most
 * once per check interval. Concurrent renders share one check or load, so a burst
 * of messages does not stat or fetch N times. A check that fails is reported to
 * the renders waiting on it and tried again by the next render.
 */
import type { TemplateType } from '../../message.js';
import type { TemplatePart } from '../parts.js';
import { slotKey } from './load.js';
import { resolvePart } from './resolve.js';
import type { CompiledPart, RegistryContext } from './types.js';

interface Slot {
  compiled: CompiledPart | undefined;
  checkedAt: number;
  pending: Promise<CompiledPart> | undefined;
}

/** The part getter of one registry. */
export type PartCache = (type: TemplateType, part: TemplatePart) => Promise<CompiledPart>;

export function createPartCache(registry: RegistryContext): PartCache {
  const slots = new Map<string, Slot>();
  return (type, part) => {
    const key = slotKey(type, part);
    let slot = slots.get(key);
    if (slot === undefined) {
      slot = { compiled: undefined, checkedAt: 0, pending: undefined };
      slots.set(key, slot);
    }
    const current = slot.compiled;
    if (current !== undefined && (current.stable || Date.now() - slot.checkedAt < registry.checkIntervalMs)) {
      return Promise.resolve(current);
    }
    if (slot.pending !== undefined) return slot.pending;
    const s = slot;
    const pending = resolvePart(registry, type, part, current)
      .then((compiled) => {
        s.compiled = compiled;
        s.checkedAt = Date.now();
        return compiled;
      })
      .finally(() => {
        s.pending = undefined;
      });
    s.pending = pending;
    return pending;
  };
}
