/**
 * Loading and compiling every part at start-up, so a bad template stops the
 * process before any message is taken, with every failure listed at once. The
 * same pass backs `courier templates check` (`check.ts`), which reports the
 * failures one by one instead of throwing.
 */
import { stat } from 'node:fs/promises';
import { TemplateError } from '../../errors.js';
import { TEMPLATE_TYPES, type TemplateType } from '../../message.js';
import { TEMPLATE_PARTS, type TemplatePart } from '../parts.js';
import type { PartCache } from './cache.js';
import type { CompiledPart } from './types.js';

const ALL_PARTS = Object.keys(TEMPLATE_PARTS) as TemplatePart[];

/** One part's outcome in a preload pass. */
export type PreloadOutcome =
  | { readonly type: TemplateType; readonly part: TemplatePart; readonly compiled: CompiledPart }
  | { readonly type: TemplateType; readonly part: TemplatePart; readonly error: TemplateError };

/** The override directory's own problem (missing, not a directory), or undefined. */
export async function overrideDirProblem(overrideDir: string | undefined): Promise<TemplateError | undefined> {
  if (overrideDir === undefined) return undefined;
  const st = await stat(overrideDir).catch(() => undefined);
  if (st !== undefined && st.isDirectory()) return undefined;
  return new TemplateError('TEMPLATE_LOAD_FAILED', `template_override_path ${overrideDir} ${st === undefined ? 'does not exist' : 'is not a directory'}`);
}

/** Load and compile every part of every type; each outcome, in type then part order. */
export async function preloadEach(parts: PartCache): Promise<PreloadOutcome[]> {
  const slots = TEMPLATE_TYPES.flatMap((type) => ALL_PARTS.map((part) => ({ type, part })));
  const results = await Promise.allSettled(slots.map(({ type, part }) => parts(type, part)));
  return results.map((r, i) => {
    const { type, part } = slots[i] as { type: TemplateType; part: TemplatePart };
    return r.status === 'fulfilled' ? { type, part, compiled: r.value } : { type, part, error: toTemplateError(r.reason) };
  });
}

/**
 * Check the override directory, then load and compile every part of every type.
 *
 * @throws TemplateError the one failure, or all of them in one error (code of the first).
 */
export async function preloadAll(parts: PartCache, overrideDir: string | undefined): Promise<void> {
  const dirProblem = await overrideDirProblem(overrideDir);
  if (dirProblem !== undefined) throw dirProblem;
  const failures = (await preloadEach(parts)).flatMap((o) => ('error' in o ? [o.error] : []));
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
