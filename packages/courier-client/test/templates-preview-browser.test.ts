/**
 * `courier templates preview --serve` in a real browser (Debian's Chromium through
 * playwright-core): the page's own script keeps a live-reload stream open and
 * reloads when a template file is edited, and a template's script and event
 * handlers never run (the HTML body is framed with `sandbox` and served with a
 * CSP `sandbox` and no script source). Whether a template script ran is seen by
 * a real HTTP sink it would call.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHttpSink, type HttpSink } from '@courier/testkit';
import { launchChromium } from '@courier/testkit/browser';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/run.js';
import { REPO_ROOT } from './support/courier.js';

let dir: string;
let browser: Browser;
let sink: HttpSink;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'courier-preview-browser-'));
  sink = await startHttpSink();
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await sink?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the preview page in Chromium', { timeout: 120_000 }, () => {
  it('reloads itself after a template edit, and runs no script of the template', async () => {
    const root = join(dir, 'templates');
    cpSync(join(REPO_ROOT, 'apps/worker/test/fixtures/kratos/i18n'), root, { recursive: true });
    // A hostile HTML body: an inline script, an event handler and a javascript: link, each calling the sink.
    const beacon = `${sink.url}/pwned`;
    writeFileSync(
      join(root, 'recovery_code/valid/email.body.gotmpl'),
      `<p id="code">{{ .RecoveryCode }}</p><script>fetch('${beacon}?via=script')</script>` +
        `<img src="data:," onerror="fetch('${beacon}?via=onerror')"><img src="x:y" onerror="fetch('${beacon}?via=onerror2')">`,
    );
    const stop = new AbortController();
    let announce: (url: string) => void = () => undefined;
    const announced = new Promise<string>((r) => (announce = r));
    let stdout = '';
    const running = runCli(['templates', 'preview', 'recovery_code_valid', '--serve', '--port', '0'], {
      stdout: (t) => {
        stdout += t;
        const m = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout);
        if (m?.[1] !== undefined) announce(m[1]);
      },
      stderr: () => undefined,
      env: { COURIER_TEMPLATE_OVERRIDE_PATH: root },
      cwd: dir,
      signal: stop.signal,
    });
    try {
      const url = await announced;
      const page = await browser.newPage();
      const pageErrors: string[] = [];
      page.on('pageerror', (e) => pageErrors.push(e.message));
      await page.goto(url);
      await expect.poll(() => page.locator('#subject').innerText()).toBe('Your recovery code: 123456');
      const frame = page.frameLocator('iframe');
      await expect.poll(() => frame.locator('#code').innerText()).toBe('123456');

      // The page's script is connected; an edit reloads the page with the new subject.
      writeFileSync(join(root, 'recovery_code/valid/email.subject.gotmpl'), 'Edited in the browser test: {{ .RecoveryCode }}');
      await expect.poll(() => page.locator('#subject').innerText(), { timeout: 30_000 }).toBe('Edited in the browser test: 123456');

      // Give any template script a moment to have run, then look at the sink.
      await new Promise((r) => setTimeout(r, 500));
      expect(sink.requests.filter((r) => r.url.includes('/pwned'))).toEqual([]);
      expect(pageErrors).toEqual([]);
      // Control: this browser does reach the sink when nothing stops it.
      await page.goto(`${sink.url}/control`);
      expect(sink.requests.some((r) => r.url.includes('/control'))).toBe(true);
      await page.close();
    } finally {
      stop.abort();
    }
    expect(await running).toBe(0);
  });
});
