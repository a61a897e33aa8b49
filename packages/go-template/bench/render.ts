/**
 * Benchmark: renders/s of typical Kratos courier templates (compile once, render many).
 * Run with `pnpm --filter @courier/go-template bench`.
 */
import { parseFiles } from '../src/index.js';

const body = `{{define "en"}}<p>Hi {{ .Identity.traits.name.first | title }},</p>
<p>please recover access to your account by clicking the following link:</p>
<p><a href="{{ .RecoveryURL }}">{{ .RecoveryURL }}</a></p>
<p>The link expires in {{ .ExpiresInMinutes }} minutes.</p>{{end}}
{{- define "de"}}<p>Hallo {{ .Identity.traits.name.first | title }},</p>
<p>bitte klicke auf den folgenden Link:</p>
<p><a href="{{ .RecoveryURL }}">{{ .RecoveryURL }}</a></p>
<p>Der Link ist {{ .ExpiresInMinutes }} Minuten gültig.</p>{{end}}
{{- if eq .Identity.traits.language "de" -}}{{ template "de" . }}{{- else -}}{{ template "en" . }}{{- end -}}`;

const plaintext = `Hi {{ .Identity.traits.name.first | title | default "there" }},
your recovery code is {{ .RecoveryCode | nospace }} (valid {{ .ExpiresInMinutes }} min) for {{ .To }}.`;

const data = {
  To: 'ann@example.org',
  RecoveryURL: 'https://auth.example.org/self-service/recovery?flow=0a1b2c3d&token=Zx81-aa_bb',
  RecoveryCode: '471 932',
  ExpiresInMinutes: 15,
  Identity: { id: 'f3a7', traits: { email: 'ann@example.org', name: { first: 'ann', last: 'lee' }, language: 'en' } },
};

function bench(label: string, render: () => string, seconds = 2): number {
  for (let i = 0; i < 20_000; i++) render(); // warm-up
  let n = 0;
  const start = process.hrtime.bigint();
  const limit = BigInt(seconds * 1e9);
  let elapsed = 0n;
  while (elapsed < limit) {
    for (let i = 0; i < 1000; i++) render();
    n += 1000;
    elapsed = process.hrtime.bigint() - start;
  }
  const rate = n / (Number(elapsed) / 1e9);
  console.log(`${label.padEnd(44)} ${Math.round(rate).toLocaleString('en-US').padStart(10)} renders/s`);
  return rate;
}

const html = parseFiles([{ name: 'email.body.gotmpl', source: body }], { html: true });
const text = parseFiles([{ name: 'email.body.plaintext.gotmpl', source: plaintext }], { html: false });
console.log('sample html output:\n' + html.execute(data) + '\n');
const rates = [bench('html/template recovery body (i18n, en)', () => html.execute(data)), bench('text/template plaintext body (sprig)', () => text.execute(data))];
const min = Math.min(...rates);
console.log(`\nslowest: ${Math.round(min).toLocaleString('en-US')} renders/s (goal >= 100,000)`);
