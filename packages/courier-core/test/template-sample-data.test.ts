/**
 * The sample data `courier templates preview` renders with when no `--data` is
 * given: valid template data for every type, filling every field of the type's
 * Kratos model, and enough for every built-in template on both channels. And
 * `registry.check()`: the start-up pass, reported per part.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { templatesConfigSchema } from '../src/config/schema.js';
import { MESSAGE_TYPES, TEMPLATE_TYPES, templateDataSchema } from '../src/message.js';
import { MODEL_FIELDS } from '../src/templates/model-fields.js';
import { createTemplateRegistry } from '../src/templates/registry/create.js';
import { renderTemplated } from '../src/templates/render-templated.js';
import { SAMPLE_RECIPIENTS, sampleTemplateData } from '../src/templates/sample-data.js';

const registry = createTemplateRegistry({ templates: templatesConfigSchema.parse({}) });

describe('sampleTemplateData', () => {
  for (const type of TEMPLATE_TYPES) {
    for (const channel of MESSAGE_TYPES) {
      it(`${type} (${channel}): valid template data with every model field, rendered by the built-ins`, async () => {
        const data = sampleTemplateData(type, channel);
        expect(templateDataSchema.safeParse(data).success).toBe(true);
        const derived = new Set(['request_url_domain']);
        for (const field of MODEL_FIELDS[type]) if (!derived.has(field.key)) expect(data, field.key).toHaveProperty(field.key);
        expect(data.to).toBe(SAMPLE_RECIPIENTS[channel]);
        const { content } = await renderTemplated(registry, { type: channel, recipient: SAMPLE_RECIPIENTS[channel], template_type: type, template_data: data });
        expect(content.body.length).toBeGreaterThan(0);
        for (const code of ['recovery_code', 'verification_code', 'login_code', 'registration_code'] as const) {
          const value = data[code];
          if (typeof value === 'string') expect(content.body).toContain(value);
        }
      });
    }
  }
});

describe('registry.check', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'courier-check-'));
    await mkdir(join(dir, 'login_code/valid'), { recursive: true });
    await writeFile(join(dir, 'login_code/valid/email.subject.gotmpl'), 'Code {{ .LoginCode }}');
    await writeFile(join(dir, 'login_code/valid/email.body.gotmpl'), '{{ define "x" }}ok{{ end }}{{ template "x" . }}');
    await writeFile(join(dir, 'login_code/valid/email.body.layout.gotmpl'), '\n{{ define "y" }}{{ .LoginCode | nosuchfunc }}{{ end }}');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reports where each part comes from and names the file of a set where Go stopped, with line and column', async () => {
    const report = await createTemplateRegistry({ templates: templatesConfigSchema.parse({}), overridePath: dir }).check();
    expect(report.parts).toHaveLength(TEMPLATE_TYPES.length * 4);
    expect(report.parts.find((p) => p.template_type === 'login_code_valid' && p.part === 'email.subject')).toEqual({
      template_type: 'login_code_valid',
      part: 'email.subject',
      source: 'override',
      where: join(dir, 'login_code/valid/email.subject.gotmpl'),
    });
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0]).toMatchObject({
      template_type: 'login_code_valid',
      part: 'email.body.html',
      code: 'TEMPLATE_COMPILE_FAILED',
      file: join(dir, 'login_code/valid/email.body.layout.gotmpl'),
      line: 2,
    });
    expect(report.problems[0]?.column).toBeGreaterThan(1);
    // preload() fails on exactly the same problem.
    await expect(createTemplateRegistry({ templates: templatesConfigSchema.parse({}), overridePath: dir }).preload()).rejects.toThrow(/nosuchfunc/);
  });
});
