/**
 * Finding `import`, `importstr` and `importbin` in a Jsonnet template.
 *
 * libjsonnet resolves imports against the local file system and node-jsonnet
 * offers no import callback to refuse them, so a body template could read any
 * file the worker can (`importstr '/etc/passwd'`) and send it to the provider.
 * Kratos's runner refuses imports; so does Courier, by finding them before the
 * template is ever evaluated. The scan is lexical: it skips strings, text blocks
 * and comments as Jsonnet's lexer does, and reports the keywords in code.
 * Keywords cannot be unquoted field names, so every such token in code is an import.
 */

/** An import found in a template: the keyword and its 1-based position. */
export interface JsonnetImport {
  readonly keyword: 'import' | 'importstr' | 'importbin';
  readonly line: number;
  readonly column: number;
}

const IMPORT_KEYWORDS: ReadonlySet<string> = new Set(['import', 'importstr', 'importbin']);

/**
 * The first import in `text`, or undefined when it has none. A string or comment
 * left open runs to the end of the text, where Jsonnet would refuse it anyway.
 */
export function findJsonnetImport(text: string): JsonnetImport | undefined {
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === '#' || (c === '/' && next === '/')) {
      i = skipTo(text, i, '\n');
    } else if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end === -1 ? n : end + 2;
    } else if (c === '"' || c === "'") {
      i = skipQuoted(text, i + 1, c);
    } else if (c === '@' && (next === '"' || next === "'")) {
      i = skipVerbatim(text, i + 2, next);
    } else if (c === '|' && text.startsWith('|||', i)) {
      i = skipTextBlock(text, i + 3);
    } else if (isIdentifierStart(c)) {
      const start = i;
      while (i < n && isIdentifierPart(text[i]!)) i++;
      const word = text.slice(start, i);
      if (IMPORT_KEYWORDS.has(word)) return { keyword: word as JsonnetImport['keyword'], ...position(text, start) };
    } else {
      i++;
    }
  }
  return undefined;
}

/**
 * Past the end of a text block whose `|||` ends before `from`, by libjsonnet's rule:
 * the first non-empty line's leading white space is the block's indent, and the block
 * ends at the first non-empty line that does not start with it, which must be white
 * space and `|||`. Where the text is not a well-formed block (Jsonnet refuses it), the
 * scan goes on as code from where the block would have started or ended, so nothing
 * Jsonnet could read as code is ever skipped.
 */
function skipTextBlock(text: string, from: number): number {
  let i = from;
  if (text[i] === '-') i++;
  while (text[i] === ' ' || text[i] === '\t') i++;
  if (text[i] !== '\n') return from;
  i++;
  while (text[i] === '\n') i++;
  let indentEnd = i;
  while (text[indentEnd] === ' ' || text[indentEnd] === '\t') indentEnd++;
  const indent = text.slice(i, indentEnd);
  if (indent === '') return from;
  for (;;) {
    if (i >= text.length) return text.length;
    if (text[i] === '\n') {
      i++;
      continue;
    }
    if (text.startsWith(indent, i)) {
      const newline = text.indexOf('\n', i);
      if (newline === -1) return text.length;
      i = newline + 1;
      continue;
    }
    // The first line without the indent ends the block; it must be white space and `|||`.
    let j = i;
    while (text[j] === ' ' || text[j] === '\t') j++;
    return text.startsWith('|||', j) ? j + 3 : i;
  }
}

function skipTo(text: string, from: number, char: string): number {
  const end = text.indexOf(char, from);
  return end === -1 ? text.length : end + 1;
}

/** Past the closing quote of a string with backslash escapes. */
function skipQuoted(text: string, from: number, quote: string): number {
  let i = from;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\') i += 2;
    else if (c === quote) return i + 1;
    else i++;
  }
  return text.length;
}

/** Past the closing quote of a verbatim string, where a doubled quote stands for one. */
function skipVerbatim(text: string, from: number, quote: string): number {
  let i = from;
  while (i < text.length) {
    if (text[i] === quote) {
      if (text[i + 1] === quote) i += 2;
      else return i + 1;
    } else {
      i++;
    }
  }
  return text.length;
}

function isIdentifierStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
}

function isIdentifierPart(c: string): boolean {
  return isIdentifierStart(c) || (c >= '0' && c <= '9');
}

function position(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lastNewline = before.lastIndexOf('\n');
  return { line: before.split('\n').length, column: offset - lastNewline };
}
