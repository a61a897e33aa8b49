/**
 * A Kratos-style template folder (our own templates: i18n `define`s spread over several
 * files, sprig helpers) loaded through the registry from a real directory, checked
 * against expected text and against Go itself (go-template's Go reference program,
 * given the same files, the same entry and the same model).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GoRef } from '@courier/go-template/test/go-ref';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { templatesConfigSchema } from '../src/config/schema.js';
import { TEMPLATE_TYPES, type TemplateData } from '../src/message.js';
import { BUILTIN_TEMPLATES } from '../src/templates/builtin/index.js';
import { buildModel } from '../src/templates/models.js';
import { createTemplateRegistry } from '../src/templates/registry/create.js';

const FILES: Record<string, string> = {
  'email.subject.gotmpl':
    '{{ define "de" }}Dein Code: {{ .RecoveryCode }}{{ end }}{{ define "en" }}Your code: {{ .RecoveryCode }}{{ end }}' +
    '{{- if eq .Identity.traits.language "de" -}}{{ template "de" . }}{{- else -}}{{ template "en" . }}{{- end -}}\n',
  'email.body.gotmpl': '{{- if eq .Identity.traits.language "de" -}}{{ template "de" . }}{{- else -}}{{ template "en" . }}{{- end -}}\n',
  'email.body.en.gotmpl':
    '{{ define "en" }}<p>Hi {{ .Identity.traits.name | title }},</p>\n<p>your code is <b>{{ upper .RecoveryCode }}</b>.</p>\n' +
    '<p><a href="{{ .RequestURL }}">{{ cat "back to" .RequestURLDomain }}</a></p>{{ end }}',
  'email.body.de.gotmpl': '{{ define "de" }}<p>Hallo {{ default "Kundin" .Identity.traits.nickname | title }},</p>\n<p>Code: <b>{{ .RecoveryCode | nospace }}</b></p>{{ end }}',
  'email.body.plaintext.gotmpl': '{{- if eq .Identity.traits.language "de" -}}{{ template "text-de" . }}{{- else -}}{{ template "text-en" . }}{{- end -}}',
  'email.body.plaintext.i18n.gotmpl':
    '{{ define "text-en" }}Hi {{ title .Identity.traits.name }}, your code is {{ .RecoveryCode }} ({{ .ExpiresInMinutes }} min).{{ end }}' +
    '{{ define "text-de" }}Hallo {{ default "Kundin" .Identity.traits.nickname }}, Code {{ .RecoveryCode | nospace }}.{{ end }}',
  'sms.body.gotmpl': '{{ cat "Code" (.RecoveryCode | nospace) }}{{ if .RequestURLDomain }}\n\n@{{ .RequestURLDomain }} #{{ .RecoveryCode | nospace }}{{ end }}\n',
  // Not part of any set: a Handlebars file matching a prefix, and an unrelated file.
  'email.body.html.hbs': '{{broken',
  'notes.txt': '{{ broken',
};

/** Which files Kratos's glob puts into each part's set (sorted), and the entry it executes. */
const SETS = {
  'email.subject': { entry: 'email.subject.gotmpl', files: ['email.subject.gotmpl'], html: false },
  'email.body.html': {
    entry: 'email.body.gotmpl',
    // Kratos's `email.body*` also takes the plaintext files into the HTML set.
    files: ['email.body.de.gotmpl', 'email.body.en.gotmpl', 'email.body.gotmpl', 'email.body.plaintext.gotmpl', 'email.body.plaintext.i18n.gotmpl'],
    html: true,
  },
  'email.body.plaintext': {
    entry: 'email.body.plaintext.gotmpl',
    files: ['email.body.plaintext.gotmpl', 'email.body.plaintext.i18n.gotmpl'],
    html: false,
  },
  'sms.body.plaintext': { entry: 'sms.body.gotmpl', files: ['sms.body.gotmpl'], html: false },
} as const;

const EN: TemplateData = {
  to: 'ann@example.org',
  recovery_code: '47 19 32',
  identity: { id: 'i-1', traits: { name: 'ann lee', language: 'en' } },
  request_url: 'https://auth.example.org:4433/self-service/recovery?flow=1&x=<y>',
  expires_in_minutes: 15,
};
const DE: TemplateData = { ...EN, identity: { id: 'i-2', traits: { name: 'jo', language: 'de' } } };

let root: string;
let go: GoRef | undefined;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'courier-kratos-folder-'));
  const dir = join(root, 'recovery_code/valid');
  await mkdir(dir, { recursive: true });
  for (const [name, source] of Object.entries(FILES)) await writeFile(join(dir, name), source);
  go = new GoRef();
});
afterAll(async () => {
  go?.close();
  await rm(root, { recursive: true, force: true });
});

function registry() {
  return createTemplateRegistry({ templates: templatesConfigSchema.parse({}), overridePath: root });
}

/** Go's rendering of one part for the same model (the model's fields as a map: field access reads the same). */
async function goRender(part: keyof typeof SETS, messageType: 'email' | 'sms', data: TemplateData): Promise<string> {
  const set = SETS[part];
  const model = buildModel('recovery_code_valid', messageType, data);
  const result = await go!.render({
    templates: set.files.map((name) => ({ name, source: FILES[name] ?? '' })),
    entry: set.entry,
    data: { ...model.fields },
    html: set.html,
  });
  expect(result.ok, result.err).toBe(true);
  return result.out;
}

describe('a Kratos template folder', () => {
  it('loads at start-up (Handlebars and unrelated files are not parsed into Go sets)', async () => {
    // email.body.html.hbs would not compile, but the Go entry email.body.gotmpl is preferred.
    await expect(registry().preload()).resolves.toBeUndefined();
  });

  it('renders English through defines in other files, with sprig', async () => {
    const email = await registry().render('email', 'recovery_code_valid', EN);
    expect(email.subject).toBe('Your code: 47 19 32');
    expect(email.html_body).toBe(
      '<p>Hi Ann Lee,</p>\n<p>your code is <b>47 19 32</b>.</p>\n' +
        '<p><a href="https://auth.example.org:4433/self-service/recovery?flow=1&amp;x=%3cy%3e">back to auth.example.org</a></p>',
    );
    expect(email.body).toBe('Hi Ann Lee, your code is 47 19 32 (15 min).');
    const sms = await registry().render('sms', 'recovery_code_valid', EN);
    expect(sms.body).toBe('Code 471932\n\n@auth.example.org #471932');
  });

  it('renders German', async () => {
    const email = await registry().render('email', 'recovery_code_valid', DE);
    expect(email.subject).toBe('Dein Code: 47 19 32');
    expect(email.html_body).toBe('<p>Hallo Kundin,</p>\n<p>Code: <b>471932</b></p>');
    expect(email.body).toBe('Hallo Kundin, Code 471932.');
  });

  for (const [label, data] of [
    ['en', EN],
    ['de', DE],
  ] as const) {
    it(`renders what Go renders for the same files and model (${label})`, async () => {
      const reg = registry();
      const email = await reg.render('email', 'recovery_code_valid', data);
      const sms = await reg.render('sms', 'recovery_code_valid', data);
      // Courier trims the subject (as Kratos does) and the SMS body.
      expect(email.subject).toBe((await goRender('email.subject', 'email', data)).trim());
      expect(email.html_body).toBe(await goRender('email.body.html', 'email', data));
      expect(email.body).toBe(await goRender('email.body.plaintext', 'email', data));
      expect(sms.body).toBe((await goRender('sms.body.plaintext', 'sms', data)).trim());
    });
  }
});

describe('the built-in templates', () => {
  const data: TemplateData = {
    ...EN,
    recovery_url: 'https://auth.example.org/r?flow=1&t=<a>',
    verification_url: 'https://auth.example.org/v?flow=2',
    verification_code: '271828',
    login_code: '161803',
    registration_code: '141421',
    changed_at: '2026-12-02 14:00',
    added_at: '2026-12-01 09:30',
  };

  it('render what Go renders for the same sources and model, for every type and part', async () => {
    const reg = createTemplateRegistry({ templates: templatesConfigSchema.parse({}) });
    for (const type of TEMPLATE_TYPES) {
      const builtin = BUILTIN_TEMPLATES[type];
      const email = await reg.render('email', type, data);
      const sms = await reg.render('sms', type, data);
      const byGo = async (source: string, messageType: 'email' | 'sms', html: boolean) => {
        const r = await go!.render({
          templates: [{ name: 'builtin.gotmpl', source }],
          data: { ...buildModel(type, messageType, data).fields },
          html,
        });
        expect(r.ok, `${type}: ${r.err ?? ''}`).toBe(true);
        return r.out;
      };
      expect(email.subject, type).toBe((await byGo(builtin.subject, 'email', false)).trim());
      expect(email.html_body, type).toBe(await byGo(builtin.html, 'email', true));
      expect(email.body, type).toBe(await byGo(builtin.plaintext, 'email', false));
      expect(sms.body, type).toBe((await byGo(builtin.sms, 'sms', false)).trim());
    }
  });
});
