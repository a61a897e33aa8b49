/**
 * html/template's contextual escaper (Go's html/template/escape.go): computes the context at every action and
 * rewrites pipelines to end in the right escaper functions, deriving per-context copies of called templates.
 * @module
 */
import type { ActionNode, BranchNode, CommandNode, IdentifierNode, ListNode, LoopCtlNode, Node, PipeNode, TemplateNode, TextNode, Tree } from '../parse/nodes.js';
import { nodeString } from '../parse/nodes.js';
import { sprintf } from '../printf.js';
import { A, ctx, ctxEq, ctxString, D, E, errCtx, HtmlEscapeError, isComment, J, mangle, S, U, type Ctx } from './context.js';
import { unescapeHTML } from './escapers.js';
import { nullProto } from '../value.js';
import { ATTR_START, isJSType, tSpecialTagEnd, TRANSITION } from './transition.js';

export { htmlEscaperFuncs } from './escapers.js';
export { HtmlEscapeError } from './context.js';

interface RangeContext {
  outer: RangeContext | null;
  breaks: Ctx[];
  continues: Ctx[];
}

/** A namespace being escaped: the set's trees plus derived copies, shared across executions. */
export interface EscapeNamespace {
  trees: Map<string, Tree>;
  derived: Map<string, Tree>;
  output: Map<string, Ctx>;
}

const PREDEFINED = new Set(['html', 'urlquery']);
const EQUIV: Record<string, string> = nullProto({
  _html_template_attrescaper: 'html',
  _html_template_htmlescaper: 'html',
  _html_template_rcdataescaper: 'html',
  _html_template_urlescaper: 'urlquery',
  _html_template_urlnormalizer: 'urlquery',
});
const REDUNDANT: Record<string, Set<string>> = nullProto({
  _html_template_commentescaper: new Set(['_html_template_attrescaper', '_html_template_nospaceescaper', '_html_template_htmlescaper']),
  _html_template_cssescaper: new Set(['_html_template_attrescaper']),
  _html_template_jsregexpescaper: new Set(['_html_template_attrescaper']),
  _html_template_jsstrescaper: new Set(['_html_template_attrescaper']),
  _html_template_urlescaper: new Set(['_html_template_urlnormalizer']),
});
const normalizeEscFn = (e: string) => EQUIV[e] ?? e;

class Escaper {
  output: Map<string, Ctx>;
  derived = new Map<string, Tree>();
  called = new Set<string>();
  actionEdits = new Map<ActionNode, string[]>();
  templateEdits = new Map<TemplateNode, string>();
  textEdits = new Map<TextNode, string>();
  rangeContext: RangeContext | null = null;

  constructor(
    readonly ns: EscapeNamespace,
    output?: Map<string, Ctx>,
  ) {
    this.output = new Map(output ?? ns.output);
  }

  template(name: string): Tree | undefined {
    const t = this.ns.trees.get(name);
    if (t && t.root) return t;
    return this.ns.derived.get(name) ?? this.derived.get(name);
  }

  escape(c: Ctx, n: Node): Ctx {
    switch (n.type) {
      case 'action':
        return this.escapeAction(c, n);
      case 'break':
        this.rangeContext!.breaks.push({ ...c, n });
        return ctx({ state: S.Dead });
      case 'continue':
        // Go 1.19 appends to a copy of breaks here (a bug kept for fidelity).
        this.rangeContext!.continues = [...this.rangeContext!.breaks, { ...c, n }];
        return ctx({ state: S.Dead });
      case 'comment':
        return c;
      case 'if':
      case 'with':
      case 'range':
        return this.escapeBranch(c, n, n.type);
      case 'list':
        return this.escapeList(c, n);
      case 'template':
        return this.escapeTemplate(c, n);
      case 'text':
        return this.escapeText(c, n);
    }
    throw new Error('escaping ' + nodeString(n) + ' is unimplemented');
  }

  escapeAction(c: Ctx, n: ActionNode): Ctx {
    if (n.pipe.decl.length !== 0) return c;
    c = nudge(c);
    for (let pos = 0; pos < n.pipe.cmds.length; pos++) {
      const a0 = n.pipe.cmds[pos]!.args[0]!;
      if (a0.type !== 'identifier') continue;
      const ident = a0.ident;
      if (PREDEFINED.has(ident)) {
        if (pos < n.pipe.cmds.length - 1 || (c.state === S.Attr && c.delim === D.SpaceOrTagEnd && ident === 'html')) {
          return errCtx(`predefined escaper ${JSON.stringify(ident)} disallowed in template`, n, n.line);
        }
      }
    }
    const s: string[] = [];
    switch (c.state) {
      case S.Error:
        return c;
      case S.URL:
      case S.CSSDqStr:
      case S.CSSSqStr:
      case S.CSSDqURL:
      case S.CSSSqURL:
      case S.CSSURL:
        switch (c.urlPart) {
          case U.None:
          case U.PreQuery:
            if (c.urlPart === U.None) s.push('_html_template_urlfilter');
            if (c.state === S.CSSDqStr || c.state === S.CSSSqStr) s.push('_html_template_cssescaper');
            else s.push('_html_template_urlnormalizer');
            break;
          case U.QueryOrFrag:
            s.push('_html_template_urlescaper');
            break;
          case U.Unknown:
            return errCtx(`${nodeString(n)} appears in an ambiguous context within a URL`, n, n.line);
        }
        break;
      case S.JS:
        s.push('_html_template_jsvalescaper');
        c = { ...c, jsCtx: J.DivOp };
        break;
      case S.JSDqStr:
      case S.JSSqStr:
        s.push('_html_template_jsstrescaper');
        break;
      case S.JSBqStr:
        return errCtx(`${nodeString(n)} appears in a JS template literal`, n, n.line);
      case S.JSRegexp:
        s.push('_html_template_jsregexpescaper');
        break;
      case S.CSS:
        s.push('_html_template_cssvaluefilter');
        break;
      case S.Text:
        s.push('_html_template_htmlescaper');
        break;
      case S.RCDATA:
        s.push('_html_template_rcdataescaper');
        break;
      case S.Attr:
        break;
      case S.AttrName:
      case S.Tag:
        c = { ...c, state: S.AttrName };
        s.push('_html_template_htmlnamefilter');
        break;
      case S.Srcset:
        s.push('_html_template_srcsetescaper');
        break;
      default:
        if (isComment(c.state)) s.push('_html_template_commentescaper');
        else throw new Error('unexpected state ' + String(c.state));
    }
    if (c.delim === D.SpaceOrTagEnd) s.push('_html_template_nospaceescaper');
    else if (c.delim !== D.None) s.push('_html_template_attrescaper');
    this.editActionNode(n, s);
    return c;
  }

  escapeBranch(c: Ctx, n: BranchNode, nodeName: string): Ctx {
    if (nodeName === 'range') this.rangeContext = { outer: this.rangeContext, breaks: [], continues: [] };
    let c0 = this.escapeList(c, n.list);
    if (nodeName === 'range') {
      if (c0.state !== S.Error) c0 = joinRange(c0, this.rangeContext!);
      this.rangeContext = this.rangeContext!.outer;
      if (c0.state === S.Error) return c0;
      this.rangeContext = { outer: this.rangeContext, breaks: [], continues: [] };
      const [c1] = this.escapeListConditionally(c0, n.list, null);
      c0 = join(c0, c1, n, nodeName);
      if (c0.state === S.Error) {
        this.rangeContext = this.rangeContext.outer;
        c0.err!.line = n.line;
        c0.err!.description = 'on range loop re-entry: ' + c0.err!.description;
        return c0;
      }
      c0 = joinRange(c0, this.rangeContext);
      this.rangeContext = this.rangeContext.outer;
      if (c0.state === S.Error) return c0;
    }
    const c1 = this.escapeList(c, n.elseList);
    return join(c0, c1, n, nodeName);
  }

  escapeList(c: Ctx, n: ListNode | null): Ctx {
    if (!n) return c;
    for (const m of n.nodes) {
      c = this.escape(c, m);
      if (c.state === S.Dead) break;
    }
    return c;
  }

  escapeListConditionally(c: Ctx, n: ListNode, filter: ((e1: Escaper, c1: Ctx) => boolean) | null): [Ctx, boolean] {
    const e1 = new Escaper(this.ns, this.output);
    e1.derived = new Map(this.derived);
    e1.rangeContext = this.rangeContext;
    c = e1.escapeList(c, n);
    const ok = filter !== null && filter(e1, c);
    if (ok) {
      for (const [k, v] of e1.output) this.output.set(k, v);
      for (const [k, v] of e1.derived) this.derived.set(k, v);
      for (const k of e1.called) this.called.add(k);
      for (const [k, v] of e1.actionEdits) this.editActionNode(k, v);
      for (const [k, v] of e1.templateEdits) this.editTemplateNode(k, v);
      for (const [k, v] of e1.textEdits) this.editTextNode(k, v);
    }
    return [c, ok];
  }

  escapeTemplate(c: Ctx, n: TemplateNode): Ctx {
    const [c2, name] = this.escapeTree(c, n, n.name, n.line);
    if (name !== n.name) this.editTemplateNode(n, name);
    return c2;
  }

  escapeTree(c: Ctx, node: Node | null, name: string, line: number): [Ctx, string] {
    const dname = mangle(c, name);
    this.called.add(dname);
    const out = this.output.get(dname);
    if (out) return [out, dname];
    let t = this.template(name);
    if (!t) {
      if (this.ns.trees.has(name)) return [errCtx(`${JSON.stringify(name)} is an incomplete or empty template`, node, line), dname];
      return [errCtx(`no such template ${JSON.stringify(name)}`, node, line), dname];
    }
    if (dname !== name) {
      let dt = this.template(dname);
      if (!dt) {
        dt = { name: dname, parseName: t.parseName, root: copyList(t.root!), text: t.text };
        this.derived.set(dname, dt);
      }
      t = dt;
    }
    return [this.computeOutCtx(c, t), dname];
  }

  computeOutCtx(c: Ctx, t: Tree): Ctx {
    let [c1, ok] = this.escapeTemplateBody(c, t);
    if (!ok) {
      const [c2, ok2] = this.escapeTemplateBody(c1, t);
      if (ok2) {
        c1 = c2;
        ok = true;
      }
    }
    if (!ok && c1.state !== S.Error) return errCtx(`cannot compute output context for template ${t.name}`, t.root, 0);
    return c1;
  }

  escapeTemplateBody(c: Ctx, t: Tree): [Ctx, boolean] {
    const filter = (e1: Escaper, c1: Ctx): boolean => {
      if (c1.state === S.Error) return false;
      if (!e1.called.has(t.name)) return true;
      return ctxEq(c, c1);
    };
    this.output.set(t.name, c);
    return this.escapeListConditionally(c, t.root!, filter);
  }

  escapeText(c: Ctx, n: TextNode): Ctx {
    const s = n.text;
    let written = 0;
    let i = 0;
    let b = '';
    while (i !== s.length) {
      const [c1, nread] = contextAfterText(c, s.slice(i));
      const i1 = i + nread;
      if (c.state === S.Text || c.state === S.RCDATA) {
        let end = i1;
        if (c1.state !== c.state) {
          for (let j = end - 1; j >= i; j--) {
            if (s[j] === '<') {
              end = j;
              break;
            }
          }
        }
        for (let j = i; j < end; j++) {
          if (
            s[j] === '<' &&
            !s
              .slice(j, j + 9)
              .toUpperCase()
              .startsWith('<!DOCTYPE')
          ) {
            b += s.slice(written, j) + '&lt;';
            written = j + 1;
          }
        }
      } else if (isComment(c.state) && c.delim === D.None) {
        if (c.state === S.JSBlockCmt) b += /[\n\r\u2028\u2029]/.test(s.slice(written, i1)) ? '\n' : ' ';
        else if (c.state === S.CSSBlockCmt) b += ' ';
        written = i1;
      }
      if (c.state !== c1.state && isComment(c1.state) && c1.delim === D.None) {
        let cs = i1 - 2;
        if (c1.state === S.HTMLCmt) cs -= 2;
        b += s.slice(written, cs);
        written = i1;
      }
      if (i === i1 && c.state === c1.state) throw new Error(`infinite loop from ${ctxString(c)} to ${ctxString(c1)}`);
      c = c1;
      i = i1;
    }
    if (written !== 0 && c.state !== S.Error) {
      if (!isComment(c.state) || c.delim !== D.None) b += n.text.slice(written);
      this.editTextNode(n, b);
    }
    return c;
  }

  editActionNode(n: ActionNode, cmds: string[]): void {
    if (this.actionEdits.has(n)) throw new Error(`node ${nodeString(n)} shared between templates`);
    this.actionEdits.set(n, cmds);
  }
  editTemplateNode(n: TemplateNode, callee: string): void {
    if (this.templateEdits.has(n)) throw new Error(`node ${nodeString(n)} shared between templates`);
    this.templateEdits.set(n, callee);
  }
  editTextNode(n: TextNode, text: string): void {
    if (this.textEdits.has(n)) throw new Error(`node ${nodeString(n)} shared between templates`);
    this.textEdits.set(n, text);
  }

  commit(): void {
    for (const [k, v] of this.output) this.ns.output.set(k, v);
    for (const [k, t] of this.derived) this.ns.derived.set(k, t);
    for (const [n, s] of this.actionEdits) ensurePipelineContains(n.pipe, s);
    for (const [n, name] of this.templateEdits) n.name = name;
    for (const [n, text] of this.textEdits) n.text = text;
    this.called.clear();
    this.actionEdits.clear();
    this.templateEdits.clear();
    this.textEdits.clear();
  }
}

function nudge(c: Ctx): Ctx {
  switch (c.state) {
    case S.Tag:
      return { ...c, state: S.AttrName };
    case S.BeforeValue:
      return { ...c, state: ATTR_START[c.attr]!, delim: D.SpaceOrTagEnd, attr: A.None };
    case S.AfterName:
      return { ...c, state: S.AttrName, attr: A.None };
  }
  return c;
}

function join(a: Ctx, b: Ctx, node: Node, nodeName: string): Ctx {
  if (a.state === S.Error) return a;
  if (b.state === S.Error) return b;
  if (a.state === S.Dead) return b;
  if (b.state === S.Dead) return a;
  if (ctxEq(a, b)) return a;
  let c = { ...a, urlPart: b.urlPart };
  if (ctxEq(c, b)) return { ...c, urlPart: U.Unknown };
  c = { ...a, jsCtx: b.jsCtx };
  if (ctxEq(c, b)) return { ...c, jsCtx: J.Unknown };
  const cn = nudge(a);
  const dn = nudge(b);
  if (!(ctxEq(cn, a) && ctxEq(dn, b))) {
    const e = join(cn, dn, node, nodeName);
    if (e.state !== S.Error) return e;
  }
  return errCtx(`{{${nodeName}}} branches end in different contexts: ${ctxString(a)}, ${ctxString(b)}`, node, 0);
}

function joinRange(c0: Ctx, rc: RangeContext): Ctx {
  for (const c of rc.breaks) {
    c0 = join(c0, c, c.n!, 'range');
    if (c0.state === S.Error) {
      c0.err!.line = (c.n as LoopCtlNode).line;
      c0.err!.description = 'at range loop break: ' + c0.err!.description;
      return c0;
    }
  }
  for (const c of rc.continues) {
    c0 = join(c0, c, c.n!, 'range');
    if (c0.state === S.Error) {
      c0.err!.line = (c.n as LoopCtlNode).line;
      c0.err!.description = 'at range loop continue: ' + c0.err!.description;
      return c0;
    }
  }
  return c0;
}

const DELIM_ENDS = ['', '"', "'", ' \t\n\f\r>'];

function contextAfterText(c: Ctx, s: string): [Ctx, number] {
  if (c.delim === D.None) {
    const [c1, i] = tSpecialTagEnd(c, s);
    if (i === 0) return [c1, 0];
    return TRANSITION[c.state]!(c, s.slice(0, i));
  }
  let i = -1;
  const ends = DELIM_ENDS[c.delim]!;
  for (let k = 0; k < s.length; k++) {
    if (ends.includes(s[k]!)) {
      i = k;
      break;
    }
  }
  if (i === -1) i = s.length;
  if (c.delim === D.SpaceOrTagEnd) {
    const m = /["'<=`]/.exec(s.slice(0, i));
    if (m) return [errCtx(`${sprintf('%q', [m[0]])} in unquoted attr: ${sprintf('%q', [s.slice(0, i)])}`), s.length];
  }
  if (i === s.length) {
    let u = unescapeHTML(s);
    while (u.length !== 0) {
      const [c1, i1] = TRANSITION[c.state]!(c, u);
      c = c1;
      u = u.slice(i1);
    }
    return [c, s.length];
  }
  let element = c.element;
  if (c.state === S.Attr && c.element === E.Script && c.attr === A.ScriptType && !isJSType(s.slice(0, i))) element = E.None;
  if (c.delim !== D.SpaceOrTagEnd) i++;
  return [ctx({ state: S.Tag, element }), i];
}

function newIdentCmd(name: string, p: PipeNode): CommandNode {
  const id: IdentifierNode = { type: 'identifier', pos: p.pos, tr: p.tr, ident: name };
  return { type: 'command', pos: p.pos, tr: p.tr, args: [id] };
}

function appendCmd(cmds: CommandNode[], cmd: CommandNode): CommandNode[] {
  const n = cmds.length;
  if (n !== 0) {
    const last = cmds[n - 1]!.args[0]!;
    const next = cmd.args[0]!;
    if (last.type === 'identifier' && next.type === 'identifier' && REDUNDANT[last.ident]?.has(next.ident)) return cmds;
  }
  cmds.push(cmd);
  return cmds;
}

function ensurePipelineContains(p: PipeNode, s: string[]): void {
  if (s.length === 0) return;
  s = [...s];
  let pipelineLen = p.cmds.length;
  if (pipelineLen > 0) {
    const lastCmd = p.cmds[pipelineLen - 1]!;
    const id = lastCmd.args[0]!;
    if (id.type === 'identifier' && PREDEFINED.has(id.ident)) {
      const esc = id.ident;
      if (p.cmds.length === 1 && lastCmd.args.length > 1) {
        lastCmd.args[0] = { type: 'identifier', pos: id.pos, tr: id.tr, ident: '_eval_args_' };
        p.cmds = appendCmd(p.cmds, newIdentCmd(esc, p));
        pipelineLen++;
      }
      let dup = false;
      for (let i = 0; i < s.length; i++) {
        if (normalizeEscFn(esc) === normalizeEscFn(s[i]!)) {
          s[i] = esc;
          dup = true;
        }
      }
      if (dup) pipelineLen--;
    }
  }
  let newCmds = p.cmds.slice(0, pipelineLen);
  const inserted = new Set<string>();
  for (const cmd of newCmds) {
    const a = cmd.args[0]!;
    if (a.type === 'identifier') inserted.add(normalizeEscFn(a.ident));
  }
  for (const name of s) if (!inserted.has(normalizeEscFn(name))) newCmds = appendCmd(newCmds, newIdentCmd(name, p));
  p.cmds = newCmds;
}

/** Deep copy of a list for a derived template (nodes keep their source tree for error positions). */
function copyList(l: ListNode): ListNode {
  return copyNode(l);
}
function copyNode<T extends Node>(n: T): T {
  const o: Record<string, unknown> = { ...n };
  for (const [k, v] of Object.entries(n)) {
    if (k === 'tr') continue;
    if (Array.isArray(v)) o[k] = (v as unknown[]).map((x) => (x && typeof x === 'object' && 'type' in x ? copyNode(x as Node) : x));
    else if (v && typeof v === 'object' && 'type' in v) o[k] = copyNode(v as Node);
  }
  return o as T;
}

/**
 * Escapes template `name` of the namespace (and everything it calls) if not done yet. Throws {@link HtmlEscapeError}
 * with Go's message; on success the namespace's trees are rewritten in place, as Go does.
 */
export function escapeTemplateByName(ns: EscapeNamespace, name: string): void {
  const e = new Escaper(ns);
  const t = ns.trees.get(name)!;
  const [c] = e.escapeTree(ctx(), t.root, name, 0);
  let err: HtmlEscapeError | null = null;
  if (c.err) {
    err = c.err;
    err.templateName = name;
  } else if (c.state !== S.Text) {
    err = new HtmlEscapeError(`ends in a non-text context: ${ctxString(c)}`, null, 0, name);
  }
  if (err) throw err;
  e.commit();
}
