/**
 * The template parser: a port of Go's text/template/parse/parse.go (Go 1.19) plus `{{else with}}` (Go 1.23).
 * @module
 */
import { itemString, lex, T, type Item } from '../lexer.js';
import type { ArgNode, BranchNode, CommandNode, ListNode, Node, NumberNode, PipeNode, TemplateNode, Tree, VariableNode } from './nodes.js';
import { isEmptyTree, nodeString } from './nodes.js';
import { parseFloatGo, parseIntBase0, SyntaxErr, unquote, unquoteChar } from './strconv.js';

/** A template parse error, formatted as Go formats it (`template: NAME:LINE: message`). */
export class TemplateParseError extends Error {
  /** Source (file) name the error is in. */
  readonly file: string;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column (characters) of the offending token, when known. */
  readonly column: number;
  constructor(message: string, file: string, line: number, column: number) {
    super(message);
    this.name = 'TemplateParseError';
    this.file = file;
    this.line = line;
    this.column = column;
  }
}

class Abort {
  constructor(readonly err: TemplateParseError) {}
}

/** Options for {@link parseTrees}. */
export interface ParseOptions {
  /** True when a function of that name is defined (builtins included). */
  hasFunction(name: string): boolean;
  /** Keep comment nodes (html/template does not need them). */
  leftDelim?: string;
  rightDelim?: string;
}

const EMPTY_TOKEN: Item = { typ: T.EOF, pos: 0, val: '', line: 1 };

class Parser {
  tree: Tree;
  token: [Item, Item, Item] = [EMPTY_TOKEN, EMPTY_TOKEN, EMPTY_TOKEN];
  peekCount = 0;
  vars: string[] = ['$'];
  actionLine = 0;
  rangeDepth = 0;
  items: Item[];
  ip = 0;

  constructor(
    tree: Tree,
    items: Item[],
    readonly opts: ParseOptions,
    readonly treeSet: Map<string, Tree>,
  ) {
    this.tree = tree;
    this.items = items;
  }

  nextItem(): Item {
    const it = this.items[this.ip];
    if (this.ip < this.items.length - 1) this.ip++;
    return it ?? EMPTY_TOKEN;
  }
  next(): Item {
    if (this.peekCount > 0) this.peekCount--;
    else this.token[0] = this.nextItem();
    return this.token[this.peekCount]!;
  }
  backup(): void {
    this.peekCount++;
  }
  backup2(t1: Item): void {
    this.token[1] = t1;
    this.peekCount = 2;
  }
  backup3(t2: Item, t1: Item): void {
    this.token[1] = t1;
    this.token[2] = t2;
    this.peekCount = 3;
  }
  peek(): Item {
    if (this.peekCount > 0) return this.token[this.peekCount - 1]!;
    this.peekCount = 1;
    this.token[0] = this.nextItem();
    return this.token[0];
  }
  nextNonSpace(): Item {
    let t: Item;
    do t = this.next();
    while (t.typ === T.Space);
    return t;
  }
  peekNonSpace(): Item {
    const t = this.nextNonSpace();
    this.backup();
    return t;
  }

  errorf(msg: string): never {
    const tok = this.token[0];
    const line = tok.line;
    const text = this.tree.text;
    const nl = text.lastIndexOf('\n', tok.pos - 1);
    const col = tok.pos - nl;
    this.tree.root = null;
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- Abort unwinds the parser to its entry point, which unwraps the error.
    throw new Abort(new TemplateParseError(`template: ${this.tree.parseName}:${line}: ${msg}`, this.tree.parseName, line, col));
  }
  expect(expected: T, context: string): Item {
    const token = this.nextNonSpace();
    if (token.typ !== expected) this.unexpected(token, context);
    return token;
  }
  expectOneOf(e1: T, e2: T, context: string): Item {
    const token = this.nextNonSpace();
    if (token.typ !== e1 && token.typ !== e2) this.unexpected(token, context);
    return token;
  }
  unexpected(token: Item, context: string): never {
    if (token.typ === T.Error) {
      let extra = '';
      if (this.actionLine !== 0 && this.actionLine !== token.line) {
        extra = ` in action started at ${this.tree.parseName}:${this.actionLine}`;
        if (token.val.endsWith(' action')) extra = extra.slice(' in action'.length);
      }
      this.errorf(`${itemString(token)}${extra}`);
    }
    this.errorf(`unexpected ${itemString(token)} in ${context}`);
  }

  add(t: Tree): void {
    const tree = this.treeSet.get(t.name);
    if (!tree || isEmptyTree(tree.root)) {
      this.treeSet.set(t.name, t);
      return;
    }
    if (!isEmptyTree(t.root)) this.errorf(`template: multiple definition of template ${JSON.stringify(t.name)}`);
  }

  newList(pos: number): ListNode {
    return { type: 'list', pos, tr: this.tree, nodes: [] };
  }

  parse(): void {
    this.tree.root = this.newList(this.peek().pos);
    while (this.peek().typ !== T.EOF) {
      if (this.peek().typ === T.LeftDelim) {
        const delim = this.next();
        if (this.nextNonSpace().typ === T.Define) {
          this.parseDefinition();
          continue;
        }
        this.backup2(delim);
      }
      const n = this.textOrAction();
      if (n.type === 'end' || n.type === 'else') this.errorf(`unexpected ${nodeString(n)}`);
      this.tree.root.nodes.push(n);
    }
  }

  /** Parses `{{define "name"}}...{{end}}` into a new tree sharing this token stream. */
  parseDefinition(): void {
    const outer = this.tree;
    const outerVars = this.vars;
    const newT: Tree = { name: 'definition', parseName: outer.parseName, root: null, text: outer.text };
    this.tree = newT;
    this.vars = ['$'];
    const context = 'define clause';
    const name = this.expectOneOf(T.String, T.RawString, context);
    newT.name = this.unquoteOrError(name.val);
    this.expect(T.RightDelim, context);
    const [list, end] = this.itemList();
    newT.root = list;
    if (end.type !== 'end') this.errorf(`unexpected ${nodeString(end)} in ${context}`);
    this.add(newT);
    this.tree = outer;
    this.vars = outerVars;
  }

  unquoteOrError(s: string): string {
    try {
      return unquote(s);
    } catch (e) {
      if (e instanceof SyntaxErr) this.errorf('invalid syntax');
      throw e;
    }
  }

  itemList(): [ListNode, Node] {
    const list = this.newList(this.peekNonSpace().pos);
    while (this.peekNonSpace().typ !== T.EOF) {
      const n = this.textOrAction();
      if (n.type === 'end' || n.type === 'else') return [list, n];
      list.nodes.push(n);
    }
    this.errorf('unexpected EOF');
  }

  textOrAction(): Node {
    const token = this.nextNonSpace();
    switch (token.typ) {
      case T.Text:
        return { type: 'text', pos: token.pos, tr: this.tree, text: token.val };
      case T.LeftDelim: {
        this.actionLine = token.line;
        try {
          return this.action();
        } finally {
          this.actionLine = 0;
        }
      }
      case T.Comment:
        return { type: 'comment', pos: token.pos, tr: this.tree, text: token.val };
      default:
        this.unexpected(token, 'input');
    }
  }

  action(): Node {
    const token = this.nextNonSpace();
    switch (token.typ) {
      case T.Block:
        return this.blockControl();
      case T.Break:
        return this.loopControl('break', token);
      case T.Continue:
        return this.loopControl('continue', token);
      case T.Else:
        return this.elseControl();
      case T.End:
        return { type: 'end', pos: this.expect(T.RightDelim, 'end').pos, tr: this.tree };
      case T.If:
        return this.branch('if');
      case T.Range:
        return this.branch('range');
      case T.Template:
        return this.templateControl();
      case T.With:
        return this.branch('with');
    }
    this.backup();
    const tk = this.peek();
    return { type: 'action', pos: tk.pos, tr: this.tree, line: tk.line, pipe: this.pipeline('command', T.RightDelim) };
  }

  loopControl(kind: 'break' | 'continue', tok: Item): Node {
    const token = this.nextNonSpace();
    if (token.typ !== T.RightDelim) this.unexpected(token, `{{${kind}}}`);
    if (this.rangeDepth === 0) this.errorf(`{{${kind}}} outside {{range}}`);
    return { type: kind, pos: tok.pos, tr: this.tree, line: tok.line };
  }

  newVariable(pos: number, ident: string): VariableNode {
    return { type: 'variable', pos, tr: this.tree, ident: ident.split('.') };
  }

  pipeline(context: string, end: T): PipeNode {
    const token = this.peekNonSpace();
    const pipe: PipeNode = { type: 'pipe', pos: token.pos, tr: this.tree, line: token.line, isAssign: false, decl: [], cmds: [] };
    decls: for (;;) {
      const v = this.peekNonSpace();
      if (v.typ === T.Variable) {
        this.next();
        const tokenAfterVariable = this.peek();
        const next = this.peekNonSpace();
        if (next.typ === T.Assign || next.typ === T.Declare) {
          pipe.isAssign = next.typ === T.Assign;
          this.nextNonSpace();
          pipe.decl.push(this.newVariable(v.pos, v.val));
          this.vars.push(v.val);
        } else if (next.typ === T.Char && next.val === ',') {
          this.nextNonSpace();
          pipe.decl.push(this.newVariable(v.pos, v.val));
          this.vars.push(v.val);
          if (context === 'range' && pipe.decl.length < 2) {
            const pk = this.peekNonSpace().typ;
            if (pk === T.Variable || pk === T.RightDelim || pk === T.RightParen) continue decls;
            this.errorf('range can only initialize variables');
          }
          this.errorf(`too many declarations in ${context}`);
        } else if (tokenAfterVariable.typ === T.Space) {
          this.backup3(v, tokenAfterVariable);
        } else {
          this.backup2(v);
        }
      }
      break;
    }
    for (;;) {
      const token = this.nextNonSpace();
      switch (token.typ) {
        case end:
          this.checkPipeline(pipe, context);
          return pipe;
        case T.Bool:
        case T.CharConstant:
        case T.Complex:
        case T.Dot:
        case T.Field:
        case T.Identifier:
        case T.Number:
        case T.Nil:
        case T.RawString:
        case T.String:
        case T.Variable:
        case T.LeftParen:
          this.backup();
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(token, context);
      }
    }
  }

  checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`);
    for (let i = 1; i < pipe.cmds.length; i++) {
      const t = pipe.cmds[i]!.args[0]!.type;
      if (t === 'bool' || t === 'dot' || t === 'nil' || t === 'number' || t === 'string') this.errorf(`non executable command in pipeline stage ${i + 1}`);
    }
  }

  parseControl(allowElseIf: boolean, context: 'if' | 'range' | 'with'): Omit<BranchNode, 'type'> {
    const mark = this.vars.length;
    try {
      const pipe = this.pipeline(context, T.RightDelim);
      if (context === 'range') this.rangeDepth++;
      const [list, firstNext] = this.itemList();
      let next = firstNext;
      if (context === 'range') this.rangeDepth--;
      let elseList: ListNode | null = null;
      if (next.type === 'else') {
        const pk = this.peek().typ;
        if (allowElseIf && ((context === 'if' && pk === T.If) || (context === 'with' && pk === T.With))) {
          this.next();
          elseList = this.newList(next.pos);
          elseList.nodes.push(this.branch(context));
        } else {
          [elseList, next] = this.itemList();
          if (next.type !== 'end') this.errorf(`expected end; found ${nodeString(next)}`);
        }
      }
      return { pos: pipe.pos, tr: this.tree, line: pipe.line, pipe, list, elseList };
    } finally {
      this.vars.length = mark;
    }
  }

  branch(kind: 'if' | 'range' | 'with'): BranchNode {
    return { type: kind, ...this.parseControl(kind !== 'range', kind) };
  }

  elseControl(): Node {
    const peek = this.peekNonSpace();
    if (peek.typ === T.If || peek.typ === T.With) return { type: 'else', pos: peek.pos, tr: this.tree, line: peek.line };
    const token = this.expect(T.RightDelim, 'else');
    return { type: 'else', pos: token.pos, tr: this.tree, line: token.line };
  }

  blockControl(): Node {
    const context = 'block clause';
    const token = this.nextNonSpace();
    const name = this.parseTemplateName(token, context);
    const pipe = this.pipeline(context, T.RightDelim);
    const outer = this.tree;
    const outerVars = this.vars;
    const outerRange = this.rangeDepth;
    const block: Tree = { name, parseName: outer.parseName, root: null, text: outer.text };
    this.tree = block;
    this.vars = ['$'];
    this.rangeDepth = 0;
    const [list, end] = this.itemList();
    block.root = list;
    if (end.type !== 'end') {
      this.tree = outer;
      this.errorf(`unexpected ${nodeString(end)} in ${context}`);
    }
    this.add(block);
    this.tree = outer;
    this.vars = outerVars;
    this.rangeDepth = outerRange;
    return { type: 'template', pos: token.pos, tr: this.tree, line: token.line, name, pipe } satisfies TemplateNode;
  }

  templateControl(): Node {
    const context = 'template clause';
    const token = this.nextNonSpace();
    const name = this.parseTemplateName(token, context);
    let pipe: PipeNode | null = null;
    if (this.nextNonSpace().typ !== T.RightDelim) {
      this.backup();
      pipe = this.pipeline(context, T.RightDelim);
    }
    return { type: 'template', pos: token.pos, tr: this.tree, line: token.line, name, pipe } satisfies TemplateNode;
  }

  parseTemplateName(token: Item, context: string): string {
    if (token.typ === T.String || token.typ === T.RawString) return this.unquoteOrError(token.val);
    this.unexpected(token, context);
  }

  command(): CommandNode {
    const cmd: CommandNode = { type: 'command', pos: this.peekNonSpace().pos, tr: this.tree, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand) cmd.args.push(operand);
      const token = this.next();
      if (token.typ === T.Space) continue;
      if (token.typ === T.RightDelim || token.typ === T.RightParen) this.backup();
      else if (token.typ !== T.Pipe) this.unexpected(token, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.errorf('empty command');
    return cmd;
  }

  operand(): ArgNode | null {
    let node = this.term();
    if (!node) return null;
    if (this.peek().typ === T.Field) {
      const pos = this.peek().pos;
      const fields: string[] = [];
      while (this.peek().typ === T.Field) fields.push(this.next().val.slice(1));
      switch (node.type) {
        case 'field':
          node = { type: 'field', pos, tr: this.tree, ident: [...node.ident, ...fields] };
          break;
        case 'variable':
          node = { type: 'variable', pos, tr: this.tree, ident: [...node.ident, ...fields] };
          break;
        case 'bool':
        case 'string':
        case 'number':
        case 'nil':
        case 'dot':
          this.errorf(`unexpected . after term ${JSON.stringify(nodeString(node))}`);
        // eslint-disable-next-line no-fallthrough
        default:
          node = { type: 'chain', pos, tr: this.tree, node, field: fields };
      }
    }
    return node;
  }

  term(): ArgNode | null {
    const token = this.nextNonSpace();
    const base = { pos: token.pos, tr: this.tree };
    switch (token.typ) {
      case T.Identifier:
        if (!this.opts.hasFunction(token.val)) this.errorf(`function ${JSON.stringify(token.val)} not defined`);
        return { type: 'identifier', ...base, ident: token.val };
      case T.Dot:
        return { type: 'dot', ...base };
      case T.Nil:
        return { type: 'nil', ...base };
      case T.Variable:
        return this.useVar(token.pos, token.val);
      case T.Field:
        return { type: 'field', ...base, ident: token.val.slice(1).split('.') };
      case T.Bool:
        return { type: 'bool', ...base, value: token.val === 'true' };
      case T.CharConstant:
      case T.Complex:
      case T.Number:
        return this.newNumber(token);
      case T.LeftParen:
        return this.pipeline('parenthesized pipeline', T.RightParen);
      case T.String:
      case T.RawString:
        return { type: 'string', ...base, quoted: token.val, text: this.unquoteOrError(token.val) };
    }
    this.backup();
    return null;
  }

  newNumber(token: Item): NumberNode {
    const text = token.val;
    const n: NumberNode = { type: 'number', pos: token.pos, tr: this.tree, text, isInt: false, isUint: false, isFloat: false, isComplex: false, int64: 0, float64: 0 };
    if (token.typ === T.CharConstant) {
      let r: string;
      let tail: string;
      try {
        [r, tail] = unquoteChar(text.slice(1), text[0]!);
      } catch {
        this.errorf('invalid syntax');
      }
      if (tail !== "'") this.errorf(`malformed character constant: ${text}`);
      const cp = r.length === 1 ? r.charCodeAt(0) : r.codePointAt(0)!;
      n.int64 = cp;
      n.float64 = cp;
      n.isInt = n.isUint = n.isFloat = true;
      return n;
    }
    if (token.typ === T.Complex || text.endsWith('i')) {
      this.errorf(`complex constants are not supported: ${JSON.stringify(text)}`);
    }
    const u = parseIntBase0(text, true);
    if (u !== null) n.isUint = true;
    const i = parseIntBase0(text, false);
    if (i !== null) {
      n.isInt = true;
      n.int64 = Number(i);
      if (i === 0n) n.isUint = true;
    }
    if (n.isInt) {
      n.isFloat = true;
      n.float64 = n.int64;
    } else if (n.isUint) {
      n.isFloat = true;
      n.float64 = Number(u);
    } else {
      const f = parseFloatGo(text);
      if (f !== null) {
        if (!/[.eEpP]/.test(text)) this.errorf(`integer overflow: ${JSON.stringify(text)}`);
        n.isFloat = true;
        n.float64 = f;
        if (Number.isInteger(f) && Math.abs(f) < 2 ** 63) {
          n.isInt = true;
          n.int64 = f;
        }
        if (Number.isInteger(f) && f >= 0 && f < 2 ** 64) n.isUint = true;
      }
    }
    if (!n.isInt && !n.isUint && !n.isFloat) this.errorf(`illegal number syntax: ${JSON.stringify(text)}`);
    return n;
  }

  useVar(pos: number, name: string): VariableNode {
    const v = this.newVariable(pos, name);
    if (this.vars.includes(v.ident[0]!)) return v;
    this.errorf(`undefined variable ${JSON.stringify(v.ident[0])}`);
  }
}

/**
 * Parses one source into trees added to `treeSet` (the top-level tree named `name`, plus one per define/block).
 * Throws {@link TemplateParseError}; on error nothing is added.
 */
export function parseTrees(name: string, text: string, opts: ParseOptions): Map<string, Tree> {
  const treeSet = new Map<string, Tree>();
  const breakOK = !opts.hasFunction('break');
  const continueOK = !opts.hasFunction('continue');
  const items = lex(text, breakOK, continueOK, opts.leftDelim, opts.rightDelim);
  const tree: Tree = { name, parseName: name, root: null, text };
  const p = new Parser(tree, items, opts, treeSet);
  try {
    p.parse();
    p.add(tree);
  } catch (e) {
    if (e instanceof Abort) throw e.err;
    throw e;
  }
  return treeSet;
}
