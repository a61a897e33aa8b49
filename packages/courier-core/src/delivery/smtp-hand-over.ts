/**
 * The moment an SMTP message is handed over, seen from nodemailer's inside.
 *
 * nodemailer pipes a message's stream into the connection only once the server accepted
 * DATA (354). The gate here is that stream's last stage (a MimeNode `processFunc`): it reads
 * nothing from the message until it is piped, then runs the caller's check first; a throw
 * destroys the stream with that error, so not a byte of the body and no final dot are sent
 * and nodemailer closes the connection (the server drops the unfinished message). When the
 * whole body went through, the message counts as handed over: a failure after that with no
 * reply from the server leaves its outcome unknown.
 */
import { PassThrough, type Readable } from 'node:stream';
import type { Transporter } from 'nodemailer';

/** The per-message hooks the gate calls (set on the mail data under {@link HAND_OVER_KEY}). */
export interface HandOverHooks {
  /** Throws to stop the send before any of the body is written. */
  readonly check: () => void;
  /** Called when the check threw, with the error. */
  readonly refused: (err: unknown) => void;
  /** Called when the whole body was passed to the connection (the final dot follows). */
  readonly handedOver: () => void;
}

/** The (nodemailer-ignored) key of the mail data that carries a message's hooks. */
export const HAND_OVER_KEY = 'courierHandOver';

class HandOverGate extends PassThrough {
  private opened = false;

  constructor(
    private readonly input: Readable,
    private readonly hooks: HandOverHooks,
  ) {
    super();
    input.once('error', (err) => this.destroy(err));
    this.once('end', () => hooks.handedOver());
  }

  override pipe<T extends NodeJS.WritableStream>(destination: T, options?: { end?: boolean }): T {
    if (!this.opened) {
      this.opened = true;
      try {
        this.hooks.check();
      } catch (err) {
        this.hooks.refused(err);
        process.nextTick(() => this.destroy(err instanceof Error ? err : new Error(String(err))));
        return destination;
      }
      this.input.pipe(this);
    }
    return super.pipe(destination, options);
  }
}

/** Install the gate on `transporter`: every message sent with hooks under {@link HAND_OVER_KEY} goes through one. */
export function installHandOverGate(transporter: Transporter): void {
  transporter.use('stream', (mail, done) => {
    const hooks = (mail.data as Record<string, unknown>)[HAND_OVER_KEY] as HandOverHooks | undefined;
    if (hooks !== undefined) mail.message.processFunc((input: Readable) => new HandOverGate(input, hooks));
    done();
  });
}
