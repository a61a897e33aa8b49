/**
 * Template sets: Go's `template.New(name).Funcs(...).ParseFiles(...)` / `Parse` semantics for text and html templates.
 * @module
 */
import { execute, TemplateExecError, type ExecSet } from './exec.js';
import { builtins } from './funcs/builtins.js';
import { toJS } from './funcs/builtins.js';
import { gf, type FuncMap, type GoFunc } from './funcs/types.js';
import { sprigFuncs } from './funcs/sprig/index.js';
import { isEmptyTree, type Tree } from './parse/nodes.js';
import { parseTrees } from './parse/parser.js';
import { escapeTemplateByName, HtmlEscapeError, htmlEscaperFuncs, type EscapeNamespace } from './escape/escape.js';
import { allFloats, wrap } from './value.js';

/** A caller-supplied function: a {@link GoFunc} description, or a plain JS function (variadic `interface {}` arguments). */
export type UserFunc = GoFunc | GoFunc['fn'];

/** Options for a template set. */
export interface TemplateOptions {
  /** html/template (contextual auto-escaping) instead of text/template. */
  html: boolean;
  /** Extra functions (added after sprig, may override). */
  funcs?: Record<string, UserFunc>;
  /** Register sprig's hermetic function map (what Kratos does). Default true. */
  sprig?: boolean;
  /**
   * How JS numbers in data map to Go: `'int-or-float'` (default) makes integral numbers `int` and others `float64`
   * (how Kratos's Go structs look: `ExpiresInMinutes int`); `'float64'` makes every number a `float64`
   * (Go's `encoding/json` into `map[string]any`).
   */
  numbers?: 'int-or-float' | 'float64';
}

function toGoFunc(f: UserFunc): GoFunc {
  if (typeof f !== 'function') return f;
  return gf([], (...args: unknown[]) => wrap(f(...args.map(toJS))), 'any');
}

/** A set of associated templates (Go's `*template.Template` namespace). Compile once, execute many times. */
export class TemplateSet {
  /** Name of the first template (what {@link TemplateSet.execute} runs). */
  readonly name: string;
  private readonly trees = new Map<string, Tree>();
  private readonly funcs: FuncMap;
  private readonly html: boolean;
  private readonly floats: boolean;
  private ns: EscapeNamespace | null = null;
  private escapeError: Map<string, TemplateExecError> = new Map();
  private escapedNames = new Set<string>();

  /** Creates an empty set whose first template is `name`. */
  constructor(name: string, opts: TemplateOptions) {
    this.name = name;
    this.html = opts.html;
    this.floats = opts.numbers === 'float64';
    const funcs: FuncMap = { ...builtins() };
    if (opts.sprig !== false) Object.assign(funcs, sprigFuncs(opts.html));
    for (const [k, v] of Object.entries(opts.funcs ?? {})) {
      if (!/^[\p{L}_][\p{L}\p{Nd}_]*$/u.test(k)) throw new Error(`function name ${JSON.stringify(k)} is not a valid identifier`);
      funcs[k] = toGoFunc(v);
    }
    if (opts.html) Object.assign(funcs, htmlEscaperFuncs());
    this.funcs = funcs;
  }

  /**
   * Parses `source` as the template `name` (and its `define`/`block`s) into this set, as Go's `ParseFiles` does per file.
   * Throws a {@link TemplateParseError} with file, line and column.
   */
  parse(name: string, source: string): this {
    if (this.ns) throw new Error('html/template: cannot Parse after Execute');
    const userFuncs = this.funcs;
    const trees = parseTrees(name, source, { hasFunction: (n) => Object.hasOwn(userFuncs, n) && !n.startsWith('_html_template_') && n !== '_eval_args_' });
    for (const [n, tree] of trees) {
      const old = this.trees.get(n);
      if (old && isEmptyTree(tree.root) && old.root) continue;
      this.trees.set(n, tree);
    }
    return this;
  }

  /** Names of the templates in the set. */
  templateNames(): string[] {
    return [...this.trees.keys()];
  }

  /** Executes the set's first template. */
  execute(data: unknown): string {
    return this.executeTemplate(this.name, data);
  }

  /** Executes the named template (Go's `ExecuteTemplate`); throws {@link TemplateExecError}. */
  executeTemplate(name: string, data: unknown): string {
    if (this.floats) data = allFloats(data);
    if (!this.html) {
      const tree = this.trees.get(name);
      if (!tree) throw new TemplateExecError(`template: no template ${JSON.stringify(name)} associated with template ${JSON.stringify(this.name)}`, name);
      if (!tree.root) throw new TemplateExecError(`template: ${name}: ${JSON.stringify(name)} is an incomplete or empty template`, name);
      return execute(this.textSet(), tree, data);
    }
    const tree = this.escapedTree(name);
    return execute(this.htmlSet(), tree, data);
  }

  private textSetCache: ExecSet | null = null;
  private textSet(): ExecSet {
    return (this.textSetCache ??= { funcs: this.funcs, lookup: (n) => this.trees.get(n) });
  }

  private htmlSetCache: ExecSet | null = null;
  private htmlSet(): ExecSet {
    return (this.htmlSetCache ??= { funcs: this.funcs, lookup: (n) => this.trees.get(n) ?? this.ns?.derived.get(n) });
  }

  private escapedTree(name: string): Tree {
    this.ns ??= { trees: this.trees, derived: new Map(), output: new Map() };
    const prev = this.escapeError.get(name);
    if (prev) throw prev;
    const tree = this.trees.get(name);
    if (!tree) throw new TemplateExecError(`html/template: ${JSON.stringify(name)} is undefined`, name);
    if (!this.escapedNames.has(name)) {
      if (!tree.root) throw new TemplateExecError(`html/template: ${JSON.stringify(name)} is an incomplete template`, name);
      try {
        escapeTemplateByName(this.ns, name);
      } catch (e) {
        if (e instanceof HtmlEscapeError) {
          const err = new TemplateExecError(e.render(), name);
          this.escapeError.set(name, err);
          throw err;
        }
        throw e;
      }
      this.escapedNames.add(name);
    }
    return tree;
  }
}

/** Parses one source into a new set (`template.New(name).Funcs(...).Parse(source)`). */
export function parse(name: string, source: string, opts: TemplateOptions): TemplateSet {
  return new TemplateSet(name, opts).parse(name, source);
}

/**
 * Parses several sources into one set, Kratos-style (`New(first).Funcs(...).ParseFiles(...)`): each becomes a template
 * named by its `name` (use the file's base name), `define`s are shared.
 */
export function parseFiles(files: ReadonlyArray<{ name: string; source: string }>, opts: TemplateOptions): TemplateSet {
  if (files.length === 0) throw new Error('template: no files named in call to ParseFiles');
  const set = new TemplateSet(files[0]!.name, opts);
  for (const f of files) set.parse(f.name, f.source);
  return set;
}
