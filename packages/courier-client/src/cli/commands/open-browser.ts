/**
 * Opening a URL in the user's browser: `open` on macOS, `xdg-open` elsewhere
 * (there is no Windows support: the URL is printed to open by hand).
 */
import { spawn } from 'node:child_process';

/** Try to open `url`; resolves with an explanation when it could not. */
export function openBrowser(url: string, env: Readonly<Record<string, string | undefined>>, platform: NodeJS.Platform = process.platform): Promise<string | undefined> {
  const command = platform === 'darwin' ? 'open' : platform === 'win32' ? undefined : 'xdg-open';
  if (command === undefined) return Promise.resolve(`cannot open a browser on ${platform}`);
  return new Promise((resolve) => {
    const child = spawn(command, [url], { detached: true, stdio: 'ignore', env });
    child.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ENOENT' ? `${command} is not installed` : `${command} failed (${err.code ?? 'error'})`));
    child.once('spawn', () => {
      child.unref();
      resolve(undefined);
    });
  });
}
