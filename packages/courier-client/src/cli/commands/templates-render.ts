/**
 * One preview render: the template data (the `--data` file, checked with the
 * API's template_data schema and the configured limits, or the type's sample
 * data) rendered through core's `renderTemplated`, the function the worker's
 * render step calls, with a registry built from the same configuration.
 */
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { MessageType, TemplateData, TemplateType } from '@courier/core';
import { UsageError } from '../args.js';
import type { TemplateSetup } from './templates-setup.js';

/** What a preview shows. */
export interface PreviewResult {
  readonly template_type: TemplateType;
  readonly channel: MessageType;
  readonly recipient: string;
  /** `sample` or the `--data` file's path. */
  readonly data_source: string;
  /** The data the templates saw, `to` included. */
  readonly template_data: TemplateData;
  readonly subject?: string | undefined;
  readonly text: string;
  readonly html?: string | undefined;
}

/** What to render. */
export interface PreviewRequest {
  readonly templateType: TemplateType;
  readonly channel: MessageType;
  /** `--data`, absolute; undefined for sample data. */
  readonly dataPath: string | undefined;
  /** `--to`; defaults to the data's `to`, then the sample recipient of the channel. */
  readonly to: string | undefined;
}

/** `--data`'s path, absolute. */
export function dataPathOf(given: string | undefined, cwd: string): string | undefined {
  return given === undefined ? undefined : isAbsolute(given) ? given : resolve(cwd, given);
}

/**
 * Read and check a `--data` file: its size before reading (pretty-printed JSON may take
 * a few times the data's limit), then JSON, then the API's template_data schema.
 *
 * @throws UsageError naming the problem (and the path inside the data, never a value).
 */
export async function readTemplateData(setup: TemplateSetup, path: string): Promise<TemplateData> {
  const maxFileBytes = setup.config.limits.template_data_bytes * 4;
  const st = await stat(path).catch((err: unknown) => {
    throw new UsageError(`--data ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  });
  if (!st.isFile()) throw new UsageError(`--data ${path}: not a file`);
  if (st.size > maxFileBytes) throw new UsageError(`--data ${path}: ${st.size} bytes, more than ${maxFileBytes} (4 x limits.template_data_bytes)`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`--data ${path}: not JSON (${err instanceof SyntaxError ? err.message : 'unreadable'})`);
  }
  const checked = setup.core.templateDataSchema.safeParse(parsed);
  if (!checked.success) {
    const issues = checked.error.issues.slice(0, 5).map((i) => `${i.path.length === 0 ? '(top level)' : i.path.join('.')}: ${i.message}`);
    throw new UsageError(`--data ${path} is not valid template data:\n  ${issues.join('\n  ')}`);
  }
  return checked.data;
}

/**
 * Render a preview.
 *
 * @throws UsageError for bad `--data`; TemplateError when the template fails, as the worker would.
 */
export async function renderPreview(setup: TemplateSetup, request: PreviewRequest): Promise<PreviewResult> {
  const { core } = setup;
  const given = request.dataPath === undefined ? undefined : await readTemplateData(setup, request.dataPath);
  const templateData = given ?? core.sampleTemplateData(request.templateType, request.channel);
  const recipient = request.to ?? (typeof templateData.to === 'string' ? templateData.to : core.SAMPLE_RECIPIENTS[request.channel]);
  const { data, content } = await core.renderTemplated(setup.registry, {
    type: request.channel,
    recipient,
    template_type: request.templateType,
    template_data: templateData,
  });
  return {
    template_type: request.templateType,
    channel: request.channel,
    recipient,
    data_source: request.dataPath ?? 'sample',
    template_data: data,
    ...(request.channel === 'email' ? { subject: content.subject, html: content.html_body } : {}),
    text: content.body,
  };
}
