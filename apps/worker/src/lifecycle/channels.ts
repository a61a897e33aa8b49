/**
 * Start-up verification of the delivery channels. The first verification
 * decides whether start-up goes on: a body template that does not compile never
 * will, so it stops the process (exit 2) instead of failing messages; an
 * unreachable provider is retried in the background (readiness reports it), and
 * a slow one does not hold start-up longer than INITIAL_VERIFY_MS.
 */
import { TemplateError, type DeliveryChannels, type Logger } from '@courier/core';

const VERIFY_RETRY_MS = 5_000;
const INITIAL_VERIFY_MS = 5_000;

/** The state of channel verification, for readiness. */
export interface ChannelVerification {
  /** True once every channel verified. */
  verified(): boolean;
  /** Stop retrying. */
  stop(): void;
}

/**
 * Verify the channels. Rejects (after closing the channels) when a template does
 * not compile; otherwise resolves once verified, failed (and retrying) or after
 * INITIAL_VERIFY_MS, whichever comes first.
 */
export async function verifyChannels(channels: DeliveryChannels, logger: Logger): Promise<ChannelVerification> {
  let verified = false;
  let verifyTimer: NodeJS.Timeout | undefined;
  /** One verification of every channel: 'ok', or the error. */
  const attempt = (): Promise<unknown> =>
    channels.verifyAll().then(
      () => 'ok' as const,
      (err: unknown) => err,
    );
  /** Record an outcome: verified, or retried after VERIFY_RETRY_MS (readiness says which). */
  const settle = (outcome: unknown): void => {
    if (outcome === 'ok') {
      verified = true;
      logger.info({ channels: channels.ids }, 'delivery channels verified');
      return;
    }
    const verifyError = (outcome as Error).message;
    logger.warn({ error: verifyError }, 'delivery channel verification failed; retrying');
    verifyTimer = setTimeout(() => void attempt().then(settle), VERIFY_RETRY_MS);
  };
  const initial = attempt();
  const first = await Promise.race([initial, new Promise<'pending'>((r) => setTimeout(() => r('pending'), INITIAL_VERIFY_MS).unref())]);
  if (first === 'pending') {
    void initial.then(settle);
  } else {
    const cause = first === 'ok' ? undefined : (first as Error).cause;
    if (cause instanceof TemplateError && cause.code === 'TEMPLATE_COMPILE_FAILED') {
      await channels.closeAll();
      throw cause;
    }
    settle(first);
  }
  return {
    verified: () => verified,
    stop: () => clearTimeout(verifyTimer),
  };
}
