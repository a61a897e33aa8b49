/**
 * A long-running session: one libjsonnet evaluation that loops, asking for the
 * next batch through a native function and handing back the results through the
 * same call, so libjsonnet's set-up (tens of milliseconds) is paid once per
 * session instead of once per batch.
 *
 * A session ends when no render has been requested for `sessionIdleMs`, after
 * `sessionMaxItems` renders, when the template changes or its source fails, when
 * the renderer is closed, or when a batch takes longer than `timeoutMs` (the
 * session is then abandoned: libjsonnet cannot be interrupted).
 */
import { newJsonnetVm, NEXT_NATIVE, SESSION_SUFFIX, TEMPLATE_PREFIX } from '../vm.js';
import { renderBatch } from './bisect.js';
import { timeoutError } from './errors.js';
import { contextsArray, parseResults } from './json.js';
import { settleAll, settleResults, takeBatch, type BatchState, type Pending } from './state.js';
import type { JsonnetTemplateSource } from './types.js';

/**
 * Why a session ended; after `failed` (which includes a session that ended without
 * rendering anything) the next batch is evaluated on its own, which reports the error.
 */
export type SessionEnd = 'ended' | 'failed' | 'timeout';

/**
 * Run one session until it ends. Resolves when it has ended or was given up on
 * (a batch that timed out); `release` is called only when libjsonnet's
 * evaluation has really finished, since until then it keeps its thread.
 *
 * @param checkedSource - The template, loaded and checked (see `createStandaloneCheck`).
 */
export async function runSession(state: BatchState, checkedSource: () => Promise<JsonnetTemplateSource>, release: () => void): Promise<SessionEnd> {
  const { settings } = state;
  let source: JsonnetTemplateSource;
  try {
    source = await checkedSource();
  } catch {
    release();
    return 'failed';
  }
  state.counts.evaluations++;
  state.counts.sessions++;
  let inflight: Pending[] | undefined;
  let timer: NodeJS.Timeout | undefined;
  let abandoned = false;
  let handled = 0;
  let handedOut = 0;

  return new Promise<SessionEnd>((resolve) => {
    let vm: ReturnType<typeof newJsonnetVm>;
    try {
      vm = newJsonnetVm();
    } catch {
      release();
      resolve('failed');
      return;
    }
    /** The template's version as last seen, refreshed in the background whenever a batch is handed out. */
    let latestVersion = source.version;
    let sourceFailed = false;
    const refreshVersion = (): void => {
      settings.source().then(
        (current) => (latestVersion = current.version),
        () => (sourceFailed = true), // the next batch evaluation reports the source's error
      );
    };
    /** The next batch as JSON text; null ends the session; undefined: nothing queued yet. */
    const handOut = (): string | null | undefined => {
      if (abandoned || state.closed || sourceFailed || handled >= settings.sessionMaxItems || latestVersion !== source.version) return null;
      if (state.queue.length === 0) return undefined;
      refreshVersion();
      const batch = takeBatch(state);
      inflight = batch;
      handedOut++;
      timer = setTimeout(() => {
        abandoned = true;
        inflight = undefined;
        settleAll(state, batch, timeoutError(settings.filename, settings.timeoutMs));
        resolve('timeout');
      }, settings.timeoutMs);
      return contextsArray(batch.map((p) => p.json));
    };
    const afterWaiting = async (): Promise<string | null> => {
      await workOrIdle(state, settings.sessionIdleMs);
      // Let every render requested in this turn join the batch.
      await new Promise((r) => setImmediate(r));
      // After a pause the template may have changed: check before rendering with it.
      try {
        latestVersion = (await settings.source()).version;
      } catch {
        sourceFailed = true;
      }
      return handOut() ?? null;
    };
    /** Settle the batch handed out last with the results the session brought back. */
    const takeResults = (out: string): void => {
      clearTimeout(timer);
      const batch = inflight;
      inflight = undefined;
      if (batch === undefined) return; // the first call, or a batch already timed out
      handled += batch.length;
      try {
        settleResults(state, batch, parseResults(out, batch.length));
      } catch (err) {
        settleAll(state, batch, err);
      }
    };
    // One call per batch: it brings the previous batch's results and takes the next batch,
    // at once while renders are queued (no promise, no extra turn).
    vm.nativeCallback(
      NEXT_NATIVE,
      (out: string): string | null | Promise<string | null> => {
        takeResults(out);
        const batch = handOut();
        return batch === undefined ? afterWaiting() : batch;
      },
      'out',
    );
    let evaluation: Promise<string>;
    try {
      evaluation = vm.evaluateSnippet(TEMPLATE_PREFIX + source.text + SESSION_SUFFIX, settings.filename);
    } catch (err) {
      evaluation = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    evaluation.then(
      () => resolve(handedOut > 0 || state.queue.length === 0 ? 'ended' : 'failed'),
      () => {
        clearTimeout(timer);
        if (abandoned) return;
        const batch = inflight;
        inflight = undefined;
        // The batch the session failed on goes through batch evaluations, which
        // find the contexts that fail (or report a compile error to all).
        if (batch === undefined) resolve('failed');
        else void renderBatch(state, source, batch).finally(() => resolve('failed'));
      },
    );
    evaluation.catch(() => undefined).finally(release);
  });
}

/** Resolves when a render is queued (`state.wakeSession`), or after `ms`. */
function workOrIdle(state: BatchState, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      state.wakeSession = undefined;
      resolve();
    }
    state.wakeSession = done;
  });
}
