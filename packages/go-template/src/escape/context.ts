/**
 * html/template's parsing context (Go's html/template/context.go): the state of an HTML/JS/CSS/URL parser at a point.
 * @module
 */
import type { Node } from '../parse/nodes.js';
import { errorContext } from '../parse/nodes.js';

/** Parser states, in Go's order. */
export const enum S {
  Text,
  Tag,
  AttrName,
  AfterName,
  BeforeValue,
  HTMLCmt,
  RCDATA,
  Attr,
  URL,
  Srcset,
  JS,
  JSDqStr,
  JSSqStr,
  JSBqStr,
  JSRegexp,
  JSBlockCmt,
  JSLineCmt,
  CSS,
  CSSDqStr,
  CSSSqStr,
  CSSDqURL,
  CSSSqURL,
  CSSURL,
  CSSBlockCmt,
  CSSLineCmt,
  Error,
  Dead,
}
/** Attribute value delimiters. */
export const enum D {
  None,
  DoubleQuote,
  SingleQuote,
  SpaceOrTagEnd,
}
/** Position within a URL. */
export const enum U {
  None,
  PreQuery,
  QueryOrFrag,
  Unknown,
}
/** What a `/` means in JS. */
export const enum J {
  Regexp,
  DivOp,
  Unknown,
}
/** Special elements. */
export const enum E {
  None,
  Script,
  Style,
  Textarea,
  Title,
}
/** Attribute kinds. */
export const enum A {
  None,
  Script,
  ScriptType,
  Style,
  URL,
  Srcset,
}

const STATE_NAMES = [
  'stateText',
  'stateTag',
  'stateAttrName',
  'stateAfterName',
  'stateBeforeValue',
  'stateHTMLCmt',
  'stateRCDATA',
  'stateAttr',
  'stateURL',
  'stateSrcset',
  'stateJS',
  'stateJSDqStr',
  'stateJSSqStr',
  'stateJSBqStr',
  'stateJSRegexp',
  'stateJSBlockCmt',
  'stateJSLineCmt',
  'stateCSS',
  'stateCSSDqStr',
  'stateCSSSqStr',
  'stateCSSDqURL',
  'stateCSSSqURL',
  'stateCSSURL',
  'stateCSSBlockCmt',
  'stateCSSLineCmt',
  'stateError',
  'stateDead',
];
const DELIM_NAMES = ['delimNone', 'delimDoubleQuote', 'delimSingleQuote', 'delimSpaceOrTagEnd'];
const URL_NAMES = ['urlPartNone', 'urlPartPreQuery', 'urlPartQueryOrFrag', 'urlPartUnknown'];
const JS_NAMES = ['jsCtxRegexp', 'jsCtxDivOp', 'jsCtxUnknown'];
const ATTR_NAMES = ['attrNone', 'attrScript', 'attrScriptType', 'attrStyle', 'attrURL', 'attrSrcset'];
const ELEM_NAMES = ['elementNone', 'elementScript', 'elementStyle', 'elementTextarea', 'elementTitle'];

/** An html/template escaping error (Go's `*template.Error`). */
export class HtmlEscapeError extends Error {
  constructor(
    public description: string,
    public node: Node | null,
    public line: number,
    public templateName = '',
  ) {
    super(description);
    this.name = 'HtmlEscapeError';
  }
  /** Go's `Error()` text. */
  render(): string {
    if (this.node) return `html/template:${errorContext(this.node)[0]}: ${this.description}`;
    if (this.line !== 0) return `html/template:${this.templateName}:${this.line}: ${this.description}`;
    if (this.templateName) return `html/template:${this.templateName}: ${this.description}`;
    return 'html/template: ' + this.description;
  }
}

/** A context value. */
export interface Ctx {
  state: S;
  delim: D;
  urlPart: U;
  jsCtx: J;
  attr: A;
  element: E;
  n?: Node;
  err?: HtmlEscapeError;
}

/** Builds a context (zero values by default). */
export function ctx(p: Partial<Ctx> = {}): Ctx {
  return { state: S.Text, delim: D.None, urlPart: U.None, jsCtx: J.Regexp, attr: A.None, element: E.None, ...p };
}

/** An error context. */
export function errCtx(description: string, node: Node | null = null, line = 0): Ctx {
  return ctx({ state: S.Error, err: new HtmlEscapeError(description, node, line) });
}

/** Go's `context.eq`. */
export function ctxEq(c: Ctx, d: Ctx): boolean {
  return c.state === d.state && c.delim === d.delim && c.urlPart === d.urlPart && c.jsCtx === d.jsCtx && c.attr === d.attr && c.element === d.element && c.err === d.err;
}

/** Go's `context.String()`. */
export function ctxString(c: Ctx): string {
  const err = c.err ? c.err.render() : '<nil>';
  return `{${STATE_NAMES[c.state]} ${DELIM_NAMES[c.delim]} ${URL_NAMES[c.urlPart]} ${JS_NAMES[c.jsCtx]} ${ATTR_NAMES[c.attr]} ${ELEM_NAMES[c.element]} ${err}}`;
}

/** Go's `context.mangle`: the name of a template derived for this start context. */
export function mangle(c: Ctx, name: string): string {
  if (c.state === S.Text) return name;
  let s = name + '$htmltemplate_' + STATE_NAMES[c.state]!;
  if (c.delim !== D.None) s += '_' + DELIM_NAMES[c.delim]!;
  if (c.urlPart !== U.None) s += '_' + URL_NAMES[c.urlPart]!;
  if (c.jsCtx !== J.Regexp) s += '_' + JS_NAMES[c.jsCtx]!;
  if (c.attr !== A.None) s += '_' + ATTR_NAMES[c.attr]!;
  if (c.element !== E.None) s += '_' + ELEM_NAMES[c.element]!;
  return s;
}

/** Comment states. */
export function isComment(s: S): boolean {
  return s === S.HTMLCmt || s === S.JSBlockCmt || s === S.JSLineCmt || s === S.CSSBlockCmt || s === S.CSSLineCmt;
}

/** States inside a tag. */
export function isInTag(s: S): boolean {
  return s === S.Tag || s === S.AttrName || s === S.AfterName || s === S.BeforeValue || s === S.Attr;
}
