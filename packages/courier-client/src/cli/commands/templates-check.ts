/**
 * `courier templates check [--config <path>] [--format text|json]`: load and
 * compile every configured template (override folder, `courier.templates` URIs,
 * built-ins) for every type and channel, the pass the worker makes at start-up,
 * and report each failure with its file and line:column. Exit status 0 when all
 * compile, 1 when any fails, 2 for a usage or configuration error (a missing
 * override folder is one): fit for the CI of a template repository.
 */
import type { TemplateCheckReport, TemplateProblem } from '@courier/core';
import type { OptionValues } from '../args.js';
import { json, safeText } from '../format.js';
import type { CliIo } from '../io.js';
import { formatOption } from './templates-format.js';
import { SetupError, setUpTemplates } from './templates-setup.js';

/** `file:line:column` (or as much of it as is known), as compilers print it. */
function problemPosition(p: TemplateProblem): string {
  const file = p.file ?? '(configuration)';
  return p.line === undefined ? file : `${file}:${p.line}:${p.column ?? 1}`;
}

function summary(report: TemplateCheckReport): string {
  const count = (kind: string): number => report.parts.filter((p) => p.source === kind).length;
  return `${report.parts.length} template parts: ${count('override')} from the override folder, ${count('config')} from courier.templates, ${count('builtin')} built-in`;
}

/** Run the command. */
export async function templatesCheck(values: OptionValues, io: CliIo): Promise<number> {
  const format = formatOption(values);
  let report: TemplateCheckReport;
  try {
    const { registry } = await setUpTemplates(values, io);
    report = await registry.check();
  } catch (err) {
    if (err instanceof SetupError) {
      io.stderr(`courier: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const ok = report.problems.length === 0;
  // A problem of no template is the override folder itself (missing, not a folder): a configuration error.
  const failed = report.problems.some((p) => p.template_type === undefined) ? 2 : 1;
  if (format === 'json') {
    io.stdout(`${json({ ok, problems: report.problems, parts: report.parts })}\n`);
    return ok ? 0 : failed;
  }
  if (ok) {
    io.stdout(`templates OK (${summary(report)})\n`);
    return 0;
  }
  for (const p of report.problems) io.stderr(`${safeText(problemPosition(p))}: ${p.code}\n  ${p.message.split('\n').map(safeText).join('\n  ')}\n`);
  if (failed === 2) return 2;
  io.stderr(`${report.problems.length} template part${report.problems.length === 1 ? '' : 's'} failed (${summary(report)})\n`);
  return 1;
}
