/**
 * Installing a peer the bench needs from Debian's packages: as root on
 * Debian/Ubuntu, `apt-get install` non-interactively (with one `apt-get update`
 * and a second try when the first fails), then stop the daemon the install may
 * have started (the bench runs only the binary, with its own settings).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** What to install and how to quiet it afterwards. */
export interface AptPeer {
  /** The binary the bench runs; nothing is installed when it exists. */
  readonly binary: string;
  /** The Debian package that provides it. */
  readonly pkg: string;
  /** What it is for, in the log line (`installing <pkg> for <purpose>`). */
  readonly purpose: string;
  /** How to install it by hand, in the refusal when this is not root. */
  readonly hint: string;
  /** Run before the install (a debconf answer); its failure is ignored. */
  readonly before?: readonly [string, readonly string[]];
  /** Stops the daemon the install may have started; its failure (not running) is ignored. */
  readonly stop: readonly [string, readonly string[]];
}

/** Make sure `peer.binary` exists, installing its package when it may. Returns why it is not available, or undefined. */
export function ensureAptPeer(peer: AptPeer, log: (m: string) => void): string | undefined {
  const { binary, pkg } = peer;
  if (existsSync(binary)) return undefined;
  if (process.getuid?.() !== 0) return `${binary} is missing and this is not root (${peer.hint})`;
  if (!existsSync('/usr/bin/apt-get')) return `${binary} is missing and there is no apt-get`;
  log(`installing ${pkg} for ${peer.purpose} (apt-get, non-interactive)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (peer.before !== undefined) {
    try {
      execFileSync(peer.before[0], [...peer.before[1]], { env, stdio: 'ignore' });
    } catch {
      // Only a hint to the installer.
    }
  }
  const install = (): void => {
    execFileSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', pkg], { env, stdio: 'ignore', timeout: 300_000 });
  };
  try {
    install();
  } catch {
    try {
      execFileSync('apt-get', ['update', '-q'], { env, stdio: 'ignore', timeout: 300_000 });
      install();
    } catch (err) {
      return `installing ${pkg} failed: ${(err as Error).message.split('\n')[0] ?? ''}`;
    }
  }
  try {
    execFileSync(peer.stop[0], [...peer.stop[1]], { stdio: 'ignore', timeout: 20_000 });
  } catch {
    // Not running.
  }
  return existsSync(binary) ? undefined : `${binary} still missing after installing ${pkg}`;
}
