/** The figures as a fixed-width text table (terminal) and as a Markdown table (BENCHMARKS.md). */
import type { Figure } from './figures.js';

const fmt = (v: number | null, unit: string): string => {
  if (v === null) return '-';
  if (unit === 'x') return `${v.toFixed(2)}x`;
  const digits = unit === 'MB' ? 1 : unit === 'ms' && Math.abs(v) < 10 ? 2 : 0;
  return v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: unit === 'MB' ? 1 : 0 });
};

function rows(figures: Record<string, Figure>): string[][] {
  return Object.entries(figures).map(([key, f]) => [
    key,
    f.label,
    `${fmt(f.courier, f.unit)}${f.unit === 'x' ? '' : ` ${f.unit}`}`,
    f.baseline === null ? '-' : `${fmt(f.baseline, f.unit)}${f.unit === 'x' ? '' : ` ${f.unit}`}`,
    f.ratio === null ? '-' : f.ratio.toFixed(2),
    f.goal ?? '-',
    f.met === null ? '' : f.met ? 'met' : 'MISSED',
  ]);
}

const HEADER = ['key', 'figure', 'Courier', 'baseline', 'ratio', 'goal', ''];

/** A text table for the terminal. */
export function textTable(figures: Record<string, Figure>): string {
  const all = [HEADER, ...rows(figures)].map((r) => r.slice(1));
  const widths = all[0]!.map((_, c) => Math.max(...all.map((r) => r[c]!.length)));
  const line = (r: string[]): string => r.map((cell, c) => (c >= 1 && c <= 3 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ');
  return [line(all[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...all.slice(1).map(line)].join('\n');
}

/** A Markdown table. */
export function markdownTable(figures: Record<string, Figure>): string {
  const body = rows(figures).map((r) => `| ${r[1]} | ${r[2]} | ${r[3]} | ${r[4]} | ${r[5]} | ${r[6] === 'MISSED' ? '**missed**' : r[6]} |`);
  return ['| Figure | Courier | Baseline | Ratio | Goal | |', '|---|---:|---:|---:|---|---|', ...body].join('\n');
}
