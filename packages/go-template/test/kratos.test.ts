/**
 * Kratos-style courier templates (our own, written in the shape of Kratos's built-in ones): multi-file sets with
 * i18n defines, sprig helpers, html bodies with links. Each is checked against an expected string AND against Go.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFiles } from '../src/index.js';
import { GoRef, runTs, type Case } from './go-ref.js';

const recoveryModel = {
  To: 'ann@example.org',
  RecoveryURL: 'https://auth.example.org/self-service/recovery?flow=f0e1&token=a b<c>',
  RecoveryCode: '471932',
  ExpiresInMinutes: 15,
  Identity: { id: 'f3a7', traits: { email: 'ann@example.org', name: { first: 'ann', last: 'lee' }, language: 'de' }, metadata_public: null },
};

interface KratosCase {
  title: string;
  files: { name: string; source: string }[];
  html: boolean;
  data: unknown;
  expected: string;
}

const I18N_BODY = `{{define "en"}}Hi {{ .Identity.traits.name.first | title }}, please recover access to your account by clicking the following link: {{ .RecoveryURL }}{{end}}
{{- define "de"}}Hallo {{ .Identity.traits.name.first | title }}, bitte klicke auf den folgenden Link: {{ .RecoveryURL }}{{end}}
{{- if eq .Identity.traits.language "de" -}}{{ template "de" . }}{{- else -}}{{ template "en" . }}{{- end -}}`;

const CASES: KratosCase[] = [
  {
    title: 'recovery_valid email.subject (text)',
    files: [{ name: 'email.subject.gotmpl', source: 'Recover access to your account' }],
    html: false,
    data: recoveryModel,
    expected: 'Recover access to your account',
  },
  {
    title: 'recovery_valid email.body (html): link escaped as URL and as text',
    files: [
      { name: 'email.body.gotmpl', source: 'Hi, please recover access to your account by clicking the following link:\n\n<a href="{{ .RecoveryURL }}">{{ .RecoveryURL }}</a>\n' },
    ],
    html: true,
    data: recoveryModel,
    expected:
      'Hi, please recover access to your account by clicking the following link:\n\n<a href="https://auth.example.org/self-service/recovery?flow=f0e1&amp;token=a%20b%3cc%3e">https://auth.example.org/self-service/recovery?flow=f0e1&amp;token=a b&lt;c&gt;</a>\n',
  },
  {
    title: 'recovery_valid email.body.plaintext (text) with i18n defines, language de',
    files: [{ name: 'email.body.plaintext.gotmpl', source: I18N_BODY }],
    html: false,
    data: recoveryModel,
    expected: 'Hallo Ann, bitte klicke auf den folgenden Link: https://auth.example.org/self-service/recovery?flow=f0e1&token=a b<c>',
  },
  {
    title: 'i18n defines, language en (html)',
    files: [{ name: 'email.body.gotmpl', source: I18N_BODY }],
    html: true,
    data: { ...recoveryModel, Identity: { ...recoveryModel.Identity, traits: { ...recoveryModel.Identity.traits, language: 'en' } } },
    expected: 'Hi Ann, please recover access to your account by clicking the following link: https://auth.example.org/self-service/recovery?flow=f0e1&amp;token=a b&lt;c&gt;',
  },
  {
    title: 'recovery_code: code, expiry as int, sprig upper/default/nospace/cat',
    files: [
      {
        name: 'email.body.gotmpl',
        source:
          'Hello {{ .Identity.traits.name.first | upper }}{{ if .Identity.traits.nickname }} ({{ .Identity.traits.nickname }}){{ end }},\n' +
          'your code: {{ .RecoveryCode | nospace }} (valid for {{ .ExpiresInMinutes }} minutes{{ if eq .ExpiresInMinutes 15 }}, a quarter hour{{ end }}).\n' +
          '{{ printf "%d min / %02d" .ExpiresInMinutes .ExpiresInMinutes }} {{ cat "to:" .To }} {{ .Identity.traits.phone | default "no phone" }}\n',
      },
    ],
    html: false,
    data: recoveryModel,
    expected: 'Hello ANN,\nyour code: 471932 (valid for 15 minutes, a quarter hour).\n15 min / 15 to: ann@example.org no phone\n',
  },
  {
    title: 'verification with a layout file and a content file',
    files: [
      { name: 'email.body.gotmpl', source: '<html><body>{{ template "content" . }}<p>{{ template "signature" }}</p></body></html>' },
      {
        name: 'content.gotmpl',
        source: '{{ define "content" }}<h1>Welcome {{ .Identity.traits.name.first | title }}!</h1><a href="{{ .VerificationURL }}" title="Verify {{ .To }}">Verify</a>{{ end }}',
      },
      { name: 'signature.gotmpl', source: '{{ define "signature" }}Your {{ "example" | title }} team{{ end }}' },
    ],
    html: true,
    data: { To: 'a"b@example.org', VerificationURL: 'javascript:alert(1)', Identity: { traits: { name: { first: 'zoë' } } } },
    expected: '<html><body><h1>Welcome Zoë!</h1><a href="#ZgotmplZ" title="Verify a&#34;b@example.org">Verify</a><p>Your Example team</p></body></html>',
  },
  {
    title: 'missing keys: <no value> in text, empty in html',
    files: [{ name: 'email.body.gotmpl', source: 'Hi {{ .Identity.traits.missing }}/{{ .Nope.deeper }}' }],
    html: false,
    data: recoveryModel,
    expected: 'Hi <no value>/<no value>',
  },
  {
    title: 'missing keys in html',
    files: [{ name: 'email.body.gotmpl', source: 'Hi {{ .Identity.traits.missing }}/{{ .Nope.deeper }}' }],
    html: true,
    data: recoveryModel,
    expected: 'Hi /',
  },
  {
    title: 'SMS body: range over traits in key order',
    files: [
      { name: 'sms.body.gotmpl', source: 'Code {{ .RecoveryCode }}.{{ range $k, $v := .Identity.traits }} {{ $k }}={{ if kindIs "map" $v }}…{{ else }}{{ $v }}{{ end }}{{ end }}' },
    ],
    html: false,
    data: recoveryModel,
    expected: 'Code 471932. email=ann@example.org language=de name=…',
  },
];

let go: GoRef;
let goResults: Awaited<ReturnType<GoRef['renderAll']>>;
const asCase = (k: KratosCase): Case => ({ templates: k.files, data: k.data, html: k.html });

beforeAll(async () => {
  go = new GoRef();
  goResults = await go.renderAll(CASES.map(asCase));
}, 60_000);
afterAll(() => go?.close());

describe('Kratos-style courier templates', () => {
  for (const [i, k] of CASES.entries()) {
    it(k.title, () => {
      const ts = runTs(asCase(k));
      expect(ts).toEqual({ ok: true, out: k.expected });
      expect(goResults[i]).toEqual({ ok: true, out: k.expected });
    });
  }

  it('compiles once and renders many times with different data', () => {
    const set = parseFiles([{ name: 'email.body.gotmpl', source: I18N_BODY }], { html: true });
    for (const lang of ['de', 'en', 'fr']) {
      const out = set.execute({ ...recoveryModel, Identity: { traits: { name: { first: 'bo' }, language: lang } } });
      expect(out.startsWith(lang === 'de' ? 'Hallo Bo' : 'Hi Bo')).toBe(true);
    }
  });
});
