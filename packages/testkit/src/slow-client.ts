/**
 * A slow-loris client for timeout tests: a raw TCP socket that sends a request a
 * byte at a time and reports when the server closed the connection.
 */
import { connect } from 'node:net';

/** What {@link trickle} observed. */
export interface TrickleResult {
  /** Milliseconds from connecting until the server closed the connection (or the limit). */
  readonly closedAfterMs: number;
  /** False when the connection was still open at `limitMs` (the client then gave up). */
  readonly closedByServer: boolean;
  /** What the server answered, if anything (e.g. a 408). */
  readonly response: string;
}

/**
 * Connect to `port` on 127.0.0.1, send `head` at once, then one byte of `drip`
 * every `everyMs` until the server closes the connection or `limitMs` passes.
 */
export function trickle(port: number, head: string, drip: string, everyMs: number, limitMs: number): Promise<TrickleResult> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect({ host: '127.0.0.1', port });
    let response = '';
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const finish = (closedByServer: boolean): void => {
      if (done) return;
      done = true;
      clearInterval(timer);
      clearTimeout(limit);
      socket.destroy();
      resolve({ closedAfterMs: Date.now() - started, closedByServer, response });
    };
    const limit = setTimeout(() => finish(false), limitMs);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      response += chunk;
    });
    socket.on('close', () => finish(true));
    socket.on('end', () => finish(true));
    socket.on('error', () => finish(true));
    socket.on('connect', () => {
      socket.write(head);
      let i = 0;
      timer = setInterval(() => {
        if (!socket.writable) return;
        socket.write(drip[i % drip.length] ?? 'x');
        i++;
      }, everyMs);
    });
  });
}
