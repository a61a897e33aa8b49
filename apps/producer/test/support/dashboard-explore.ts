import { parseConfig, createLogger } from '@courier/core';
import { chromium } from 'playwright-core';
import { buildProducer } from '../../src/app.js';
import { writeFileSync } from 'node:fs';

const readOnly = process.argv[2] === 'ro';
const KEY = 'dashboard-test-key-0123456789';
const config = parseConfig({
  courier: { smtp: { connection_uri: 'smtp://127.0.0.1:9/?disable_starttls=true' } },
  redis: { url: 'redis://127.0.0.1:6399', prefix: `{dash-x${Date.now()}}` },
  producer: { api_keys: [KEY], dashboard: { read_only: readOnly } },
});
const p = await buildProducer(config, createLogger({ level: 'warn', app: 'x' }));
await p.app.listen({ host: '127.0.0.1', port: 0 });
const addr = p.app.server.address();
const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
for (let i = 0; i < 3; i++) {
  const r = await fetch(`${url}/messages`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ recipient: `u${i}@example.com`, template_type: 'recovery_code_valid', template_data: { recovery_code: '424242' } }) });
  console.log(r.status, await r.text());
}
for (let i = 0; i < 2; i++) {
  const r = await fetch(`${url}/messages`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ recipient: `d${i}@example.com`, subject: 's', body: 'b', delay_ms: 600000 }) });
  console.log(r.status, await r.text());
}
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless','--no-sandbox','--disable-gpu','--disable-quic','--no-first-run','--disable-background-networking','--disable-component-update','--disable-sync'] });
const ctx = await browser.newContext({ httpCredentials: { username: 'admin', password: KEY } });
const page = await ctx.newPage();
const res = await page.goto(`${url}/admin/queues`, { waitUntil: 'networkidle' });
console.log('status', res?.status(), page.url());
await page.screenshot({ path: `/tmp/dashexp/home-${readOnly ? 'ro' : 'rw'}.png`, fullPage: true });
writeFileSync(`/tmp/dashexp/home-${readOnly ? 'ro' : 'rw'}.html`, await page.content());
await page.goto(`${url}/admin/queues/queue/courier?status=waiting`, { waitUntil: 'networkidle' });
await page.screenshot({ path: `/tmp/dashexp/waiting-${readOnly ? 'ro' : 'rw'}.png`, fullPage: true });
writeFileSync(`/tmp/dashexp/waiting-${readOnly ? 'ro' : 'rw'}.html`, await page.content());
await page.goto(`${url}/admin/queues/queue/courier?status=delayed`, { waitUntil: 'networkidle' });
await page.screenshot({ path: `/tmp/dashexp/delayed-${readOnly ? 'ro' : 'rw'}.png`, fullPage: true });
writeFileSync(`/tmp/dashexp/delayed-${readOnly ? 'ro' : 'rw'}.html`, await page.content());
await browser.close();
await p.close();
