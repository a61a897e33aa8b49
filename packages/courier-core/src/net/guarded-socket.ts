/**
 * Kratos's `clients.smtp.disallow_private_ip_ranges`: the SMTP connection is
 * opened by Courier (nodemailer's `getSocket` hook) to an address checked first,
 * so a server name that is or resolves to a private, loopback or link-local
 * address is refused before any byte is sent. nodemailer then runs SMTP (and
 * TLS, implicit or STARTTLS) over that socket as over its own.
 */
import { connect, type Socket } from 'node:net';
import { DISALLOW_PRIVATE_SMTP_RANGES_KEY, DisallowedAddressError, findDisallowedAddressError, resolveAllowedAddresses } from './address-guard.js';

/** nodemailer's `getSocket` option: hands back `{ connection }` or an error. */
export type GetSocket = (options: { host?: string; port?: number }, callback: (err: Error | null, socketOptions?: { connection: Socket }) => void) => void;

/** A `getSocket` that connects only to public addresses, within `timeoutMs`. */
export function guardedSmtpSocket(timeoutMs: number): GetSocket {
  return (options, callback) => {
    const host = options.host ?? 'localhost';
    const port = options.port ?? 25;
    resolveAllowedAddresses(host).then(
      (addresses) => {
        const [first] = addresses;
        if (first === undefined) {
          callback(new Error(`${host} has no address`));
          return;
        }
        const socket = connect({ host: first.address, port, family: first.family });
        const timer = setTimeout(() => socket.destroy(new Error(`connection to ${host}:${port} timed out`)), timeoutMs);
        socket.once('connect', () => {
          clearTimeout(timer);
          callback(null, { connection: socket });
        });
        socket.once('error', (err) => {
          clearTimeout(timer);
          callback(err);
        });
      },
      (err: unknown) => {
        const refused = findDisallowedAddressError(err);
        callback(refused === undefined ? (err as Error) : new DisallowedAddressError(refused.host, refused.address, refused.range, DISALLOW_PRIVATE_SMTP_RANGES_KEY));
      },
    );
  };
}
