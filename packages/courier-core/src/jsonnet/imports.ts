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
      // A text block ends at the first line that is only white space and `|||`.
      const end = /\n[ \t]*\|\|\|/g;
      end.lastIndex = i + 3;
      const m = end.exec(text);
      i = m === null ? n : m.index + m[0].length;
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
