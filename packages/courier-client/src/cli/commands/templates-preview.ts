/**
 * `courier templates preview <template_type> [--data <file.json>] [--channel email|sms]
 * [--to <recipient>] [--out <dir>] [--format text|json] [--serve [--port <n>]] [--open]`:
 * render a template type from the configured templates exactly as the worker
 * would (`templates-render.ts`), with sample data unless `--data` is given.
 * Exit status 0 rendered, 1 the template failed, 2 usage or configuration error.
 */
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CourierConfig, MessageType, TemplateType } from '@courier/core';
import { UsageError, integerOption, stringOption, type OptionValues } from '../args.js';
import { json } from '../format.js';
import type { CliIo } from '../io.js';
import { formatOption } from './templates-format.js';
import { dataPathOf, renderPreview, type PreviewRequest, type PreviewResult } from './templates-render.js';
import { servePreview } from './templates-serve.js';
import { SetupError, setUpTemplates, type TemplateSetup } from './templates-setup.js';

/** The port `--serve` listens on unless `--port` says otherwise. */
const DEFAULT_PORT = 4747;

// Controls (escape sequences) and bidi overrides, except line breaks and tabs, which rendered text keeps.
const UNSAFE = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;

/** Rendered text made safe for a terminal, line breaks kept. */
function terminalText(text: string): string {
  return text.replace(UNSAFE, (c) => (c === '\n' || c === '\t' ? c : '?'));
}

function channelOption(values: OptionValues): MessageType {
  const channel = stringOption(values, 'channel') ?? 'email';
  if (channel !== 'email' && channel !== 'sms') throw new UsageError('--channel must be email or sms');
  return channel;
}

/** The files each part would be written to. */
function outputFiles(r: PreviewResult): [string, string][] {
  if (r.channel === 'sms') return [['sms.txt', r.text]];
  return [
    ['subject.txt', r.subject ?? ''],
    ['body.txt', r.text],
    ['body.html', r.html ?? ''],
  ];
}

/** Write the parts under `dir` (created if needed); returns the paths written. */
async function writeParts(r: PreviewResult, dir: string): Promise<string[]> {
  const st = await stat(dir).catch(() => undefined);
  if (st !== undefined && !st.isDirectory()) throw new UsageError(`--out ${dir} is not a directory`);
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const [name, content] of outputFiles(r)) {
    const path = join(dir, name);
    await writeFile(path, content);
    written.push(path);
  }
  return written;
}

/** The human form: subject and text, and where the HTML is. */
function formatPreview(r: PreviewResult, written: readonly string[] | undefined): string {
  const head = `${r.template_type} (${r.channel}) to ${r.recipient}, ${r.data_source === 'sample' ? 'sample data' : `data from ${r.data_source}`}`;
  const lines = [`# ${terminalText(head)}`];
  if (r.channel === 'email') {
    lines.push(`Subject: ${terminalText(r.subject ?? '')}`, '', terminalText(r.text).replace(/\n$/, ''), '');
    const html = `${(r.html ?? '').length} characters`;
    lines.push(written === undefined ? `# HTML body: ${html}, not shown (--out <dir> writes it to body.html, --serve shows it)` : `# HTML body: ${html}`);
  } else {
    lines.push(terminalText(r.text), '', `# ${r.text.length} characters`);
  }
  if (written !== undefined) lines.push(`# wrote ${written.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

/** Every `file://` template URI in `courier.templates`, as a path. */
function templateFiles(node: unknown, cwd: string, out: string[] = []): string[] {
  if (typeof node === 'string' && node.startsWith('file://')) {
    const rest = node.slice('file://'.length);
    out.push(rest.startsWith('/') ? fileURLToPath(node) : resolve(cwd, decodeURIComponent(rest)));
  } else if (typeof node === 'object' && node !== null) {
    for (const v of Object.values(node)) templateFiles(v, cwd, out);
  }
  return out;
}

/** What `--serve` watches: the override folder, the folders of `file://` templates, the data file. */
function watchPaths(config: CourierConfig, setup: TemplateSetup, request: PreviewRequest, cwd: string): string[] {
  const paths = new Set<string>();
  if (setup.overrideDir !== undefined) paths.add(setup.overrideDir);
  for (const f of templateFiles(config.courier.templates, cwd)) paths.add(dirname(f));
  if (request.dataPath !== undefined) paths.add(request.dataPath);
  return [...paths];
}

/** Run the command. */
export async function templatesPreview(values: OptionValues, templateTypeArg: string, io: CliIo): Promise<number> {
  const format = formatOption(values);
  const channel = channelOption(values);
  const open = values['open'] === true;
  const serve = values['serve'] === true || open;
  const port = integerOption(values, 'port', 0, 65_535) ?? DEFAULT_PORT;
  if (!serve && stringOption(values, 'port') !== undefined) throw new UsageError('--port goes with --serve');
  const outGiven = stringOption(values, 'out');
  if (serve && (outGiven !== undefined || stringOption(values, 'format') !== undefined))
    throw new UsageError('--serve shows the preview in a browser; it takes no --out or --format');

  let setup: TemplateSetup;
  try {
    setup = await setUpTemplates(values, io, 0);
  } catch (err) {
    if (err instanceof SetupError) {
      io.stderr(`courier: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const typeCheck = setup.core.templateTypeSchema.safeParse(templateTypeArg);
  if (!typeCheck.success) throw new UsageError(`unknown template type "${templateTypeArg}"; expected one of ${setup.core.TEMPLATE_TYPES.join(', ')}`);
  const templateType: TemplateType = typeCheck.data;
  const to = stringOption(values, 'to');
  // The API's bound on a recipient.
  if (to !== undefined && (to === '' || to.length > 320)) throw new UsageError('--to must be 1 to 320 characters');
  const request: PreviewRequest = { templateType, channel, dataPath: dataPathOf(stringOption(values, 'data'), io.cwd), to };

  if (serve) {
    return servePreview(
      { port, open, watchPaths: watchPaths(setup.config, setup, request, io.cwd), title: `${templateType} (${channel})`, render: () => renderPreview(setup, request) },
      io,
    );
  }

  let result: PreviewResult;
  try {
    result = await renderPreview(setup, request);
  } catch (err) {
    if (err instanceof setup.core.TemplateError) {
      if (format === 'json') io.stdout(`${json({ ok: false, error: { code: err.code, message: err.message } })}\n`);
      io.stderr(`courier: ${err.code}: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  const written = outGiven === undefined ? undefined : await writeParts(result, isAbsolute(outGiven) ? outGiven : resolve(io.cwd, outGiven));
  io.stdout(format === 'json' ? `${json({ ok: true, ...result, ...(written === undefined ? {} : { written }) })}\n` : formatPreview(result, written));
  return 0;
}
