/**
 * The executor: walks parse trees against data, a port of Go's text/template/exec.go (Go 1.19).
 * @module
 */
import { canBeNil, type FuncMap, type GoFunc, type ParamType } from './funcs/types.js';
import { truth } from './funcs/builtins.js';
import type { ArgNode, BranchNode, CommandNode, FieldNode, Node, NumberNode, PipeNode, Tree, VariableNode, ChainNode, IdentifierNode, TemplateNode } from './parse/nodes.js';
import { errorContext, nodeString } from './parse/nodes.js';
import { formatStructValue, formatV } from './printf.js';
import { GoNum, GoObject, GoStruct, GoTyped, isMap, isTrue, sortedKeys, typeName, wrap, elemType } from './value.js';

/** A template execution error, formatted as Go formats it (`template: NAME:LINE:COL: executing "NAME" at <NODE>: ...`). */
export class TemplateExecError extends Error {
  /** Name of the template being executed when the error happened. */
  readonly templateName: string;
  /** Output produced before the error. */
  partialOutput = '';
  constructor(message: string, templateName: string) {
    super(message);
    this.name = 'TemplateExecError';
    this.templateName = templateName;
  }
}

/** The executor's view of a template set. */
export interface ExecSet {
  lookup(name: string): Tree | undefined;
  funcs: FuncMap;
}

const MISSING = Symbol('missing');
/** A final value passed down a pipeline, or MISSING (`unknown` already includes the symbol; the name documents it). */
type Final = unknown;

interface Variable {
  name: string;
  value: unknown;
  /** The value sits in an `interface {}` slot (a range element): field errors name `interface {}`. */
  iface: boolean;
}

const BREAK = 1;
const NO_ARGS: readonly ArgNode[] = [];
const CONTINUE = 2;

/**
 * Maximum nesting of `{{template}}` calls, Go's value. The JS stack usually gives out sooner: running out of stack
 * inside a template call is reported with the same error at that call.
 */
const MAX_EXEC_DEPTH = 100000;

/** Execution state for one render. */
class State {
  out = '';
  vars: Variable[];
  node: Node | null = null;
  depth = 0;
  /** Dot is a range element (an `interface {}` slot). */
  dotIface = false;
  constructor(
    public tree: Tree,
    readonly set: ExecSet,
    dot: unknown,
  ) {
    this.vars = [{ name: '$', value: dot, iface: false }];
  }

  at(n: Node): void {
    this.node = n;
  }

  errorf(msg: string): never {
    const name = this.tree.name;
    let full: string;
    if (!this.node) full = `template: ${name}: ${msg}`;
    else {
      const [loc, ctx] = errorContext(this.node);
      full = `template: ${loc}: executing ${JSON.stringify(name)} at <${ctx}>: ${msg}`;
    }
    const e = new TemplateExecError(full, name);
    throw e;
  }

  mark(): number {
    return this.vars.length;
  }
  pop(m: number): void {
    this.vars.length = m;
  }
  setVar(name: string, value: unknown): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) {
        this.vars[i]!.value = value;
        this.vars[i]!.iface = false;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }
  lookupVar(name: string): Variable {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i]!.name === name) return this.vars[i]!;
    this.errorf(`undefined variable: ${name}`);
  }

  /** Walks a node; returns BREAK/CONTINUE signals from range bodies. */
  walk(dot: unknown, node: Node): number {
    this.node = node;
    switch (node.type) {
      case 'action': {
        const val = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, val);
        return 0;
      }
      case 'break':
        return BREAK;
      case 'continue':
        return CONTINUE;
      case 'comment':
        return 0;
      case 'if':
      case 'with':
        return this.walkIfOrWith(dot, node);
      case 'list': {
        const nodes = node.nodes;
        for (let i = 0; i < nodes.length; i++) {
          const r = this.walk(dot, nodes[i]!);
          if (r !== 0) return r;
        }
        return 0;
      }
      case 'range':
        this.walkRange(dot, node);
        return 0;
      case 'template':
        this.walkTemplate(dot, node);
        return 0;
      case 'text':
        this.out += node.text;
        return 0;
      default:
        this.errorf(`unknown node: ${nodeString(node)}`);
    }
  }

  walkIfOrWith(dot: unknown, node: BranchNode): number {
    const m = this.mark();
    try {
      const val = this.evalPipeline(dot, node.pipe);
      const [t, ok] = isTrue(val);
      if (!ok) this.errorf(`if/with can't use ${formatV(val)}`);
      if (t) {
        if (node.type === 'if') return this.walk(dot, node.list);
        const saved = this.dotIface;
        this.dotIface = false;
        try {
          return this.walk(val, node.list);
        } finally {
          this.dotIface = saved;
        }
      }
      if (node.elseList) return this.walk(dot, node.elseList);
      return 0;
    } finally {
      this.pop(m);
    }
  }

  walkRange(dot: unknown, r: BranchNode): void {
    this.at(r);
    const m0 = this.mark();
    try {
      const val = this.evalPipeline(dot, r.pipe);
      const mark = this.mark();
      const decl = r.pipe.decl.length;
      const savedIface = this.dotIface;
      const one = (index: unknown, elem: unknown, iface = true): number => {
        if (decl > 0) {
          const v = this.vars[this.vars.length - 1]!;
          v.value = elem;
          v.iface = iface;
        }
        if (decl > 1) {
          const v = this.vars[this.vars.length - 2]!;
          v.value = index;
          v.iface = false;
        }
        this.dotIface = iface;
        try {
          return this.walk(elem, r.list);
        } finally {
          this.dotIface = savedIface;
          this.pop(mark);
        }
      };
      if (Array.isArray(val)) {
        if (val.length > 0) {
          {
            const iface = elemType(val) === 'interface {}';
            for (let i = 0; i < val.length; i++) if (one(i, wrap(val[i]), iface) === BREAK) break;
          }
          return;
        }
      } else if (val instanceof Uint8Array) {
        if (val.length > 0) {
          for (let i = 0; i < val.length; i++) if (one(i, new GoNum('uint8', val[i]!), false) === BREAK) break;
          return;
        }
      } else if (isMap(val)) {
        const keys = sortedKeys(val);
        if (keys.length > 0) {
          {
            const iface = elemType(val) === 'interface {}';
            for (const k of keys) if (one(k, wrap(val[k]), iface) === BREAK) break;
          }
          return;
        }
      } else if (val !== undefined && val !== null) {
        this.errorf(`range can't iterate over ${formatV(val)}`);
      }
      if (r.elseList) this.walk(dot, r.elseList);
    } finally {
      this.pop(m0);
    }
  }

  walkTemplate(dot: unknown, t: TemplateNode): void {
    this.at(t);
    const tree = this.set.lookup(t.name);
    if (!tree) this.errorf(`template ${JSON.stringify(t.name)} not defined`);
    if (this.depth >= MAX_EXEC_DEPTH) this.errorf(`exceeded maximum template depth (${MAX_EXEC_DEPTH})`);
    const newDot = this.evalPipeline(dot, t.pipe);
    const saved = { tree: this.tree, vars: this.vars };
    this.depth++;
    this.tree = tree;
    this.vars = [{ name: '$', value: newDot, iface: false }];
    const savedIface = this.dotIface;
    this.dotIface = false;
    try {
      if (tree.root) this.walk(newDot, tree.root);
    } catch (e) {
      if (e instanceof RangeError && e.message.includes('call stack')) {
        this.tree = saved.tree;
        this.node = t;
        this.errorf(`exceeded maximum template depth (${MAX_EXEC_DEPTH})`);
      }
      throw e;
    } finally {
      this.depth--;
      this.dotIface = savedIface;
      this.tree = saved.tree;
      this.vars = saved.vars;
    }
  }

  evalPipeline(dot: unknown, pipe: PipeNode | null): unknown {
    if (!pipe) return undefined;
    this.at(pipe);
    let value: Final = MISSING;
    const cmds = pipe.cmds;
    for (let i = 0; i < cmds.length; i++) {
      value = this.evalCommand(dot, cmds[i]!, value);
      if (value === null) value = undefined; // nil interface{} -> invalid ("lovely!")
    }
    for (const v of pipe.decl) {
      if (pipe.isAssign) this.setVar(v.ident[0]!, value);
      else this.vars.push({ name: v.ident[0]!, value, iface: false });
    }
    return value;
  }

  notAFunction(args: readonly ArgNode[], final: Final): void {
    if (args.length > 1 || final !== MISSING) this.errorf(`can't give argument to non-function ${nodeString(args[0]!)}`);
  }

  evalCommand(dot: unknown, cmd: CommandNode, final: Final): unknown {
    const first = cmd.args[0]!;
    switch (first.type) {
      case 'field':
        return this.evalFieldNode(dot, first, cmd.args, final);
      case 'chain':
        return this.evalChainNode(dot, first, cmd.args, final);
      case 'identifier':
        return this.evalFunction(dot, first, cmd, cmd.args, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case 'variable':
        return this.evalVariableNode(dot, first, cmd.args, final);
    }
    this.at(first);
    this.notAFunction(cmd.args, final);
    switch (first.type) {
      case 'bool':
        return first.value;
      case 'dot':
        return dot;
      case 'nil':
        this.errorf('nil is not a command');
      // eslint-disable-next-line no-fallthrough
      case 'number':
        return this.idealConstant(first);
      case 'string':
        return first.text;
    }
    this.errorf(`can't evaluate command ${JSON.stringify(nodeString(first))}`);
  }

  idealConstant(c: NumberNode): unknown {
    this.at(c);
    const isHexInt = c.text.length > 2 && c.text[0] === '0' && (c.text[1] === 'x' || c.text[1] === 'X') && !/[pP]/.test(c.text);
    if (c.isFloat && !isHexInt && c.text[0] !== "'" && /[.eEpP]/.test(c.text)) return new GoNum('float64', c.float64);
    if (c.isInt) {
      if (!Number.isSafeInteger(c.int64) && Math.abs(c.int64) >= 2 ** 63) this.errorf(`${c.text} overflows int`);
      return c.int64;
    }
    if (c.isUint) this.errorf(`${c.text} overflows int`);
    return undefined;
  }

  evalFieldNode(dot: unknown, field: FieldNode, args: readonly ArgNode[], final: Final): unknown {
    this.at(field);
    return this.evalFieldChain(dot, dot, field, field.ident, args, final, this.dotIface);
  }

  evalChainNode(dot: unknown, chain: ChainNode, args: readonly ArgNode[], final: Final): unknown {
    this.at(chain);
    if (chain.node.type === 'nil') this.errorf(`indirection through explicit nil in ${nodeString(chain)}`);
    const pipe = this.evalArg(dot, null, chain.node);
    return this.evalFieldChain(dot, pipe, chain, chain.field, args, final);
  }

  evalVariableNode(dot: unknown, v: VariableNode, args: readonly ArgNode[], final: Final): unknown {
    this.at(v);
    const variable = this.lookupVar(v.ident[0]!);
    if (v.ident.length === 1) {
      this.notAFunction(args, final);
      return variable.value;
    }
    return this.evalFieldChain(dot, variable.value, v, v.ident.slice(1), args, final, variable.iface);
  }

  evalFieldChain(dot: unknown, receiver: unknown, node: Node, ident: readonly string[], args: readonly ArgNode[], final: Final, iface = false): unknown {
    const n = ident.length;
    for (let i = 0; i < n - 1; i++) {
      const parent = receiver;
      receiver = this.evalField(ident[i]!, node, [], MISSING, receiver, iface, dot);
      // a method result (GoObject parent) has the method's concrete result type
      iface = !(parent instanceof GoObject) && (parent === undefined || parent === null || !isMap(parent) || elemType(parent) === 'interface {}');
    }
    return this.evalField(ident[n - 1]!, node, args, final, receiver, iface, dot);
  }

  evalField(fieldName: string, node: Node, args: readonly ArgNode[], final: Final, receiver: unknown, iface: boolean, dot?: unknown): unknown {
    if (receiver === undefined) return undefined;
    const typ = iface ? 'interface {}' : typeName(receiver);
    if (receiver === null) this.errorf(`nil pointer evaluating ${iface ? 'interface {}' : 'interface {}'}.${fieldName}`);
    if (receiver instanceof GoStruct) {
      if (!Object.hasOwn(receiver.fields, fieldName)) this.errorf(`can't evaluate field ${fieldName} in type ${typ}`);
      if (args.length > 1 || final !== MISSING) this.errorf(`${fieldName} has arguments but cannot be invoked as function`);
      return wrap(receiver.fields[fieldName]);
    }
    if (receiver instanceof GoObject) {
      const method = receiver.methods[fieldName];
      if (!method) this.errorf(`can't evaluate field ${fieldName} in type ${typ}`);
      return this.evalCall(dot, method, node, fieldName, args, final);
    }
    if (isMap(receiver)) {
      if (args.length > 1 || final !== MISSING) this.errorf(`${fieldName} is not a method but has arguments`);
      return Object.hasOwn(receiver, fieldName) ? wrap(receiver[fieldName]) : undefined;
    }
    this.errorf(`can't evaluate field ${fieldName} in type ${typ}`);
  }

  evalFunction(dot: unknown, node: IdentifierNode, cmd: Node, args: readonly ArgNode[], final: Final): unknown {
    this.at(node);
    const name = node.ident;
    const fn = this.set.funcs[name];
    if (!fn) this.errorf(`${JSON.stringify(name)} is not a defined function`);
    return this.evalCall(dot, fn, cmd, name, args, final);
  }

  evalCall(dot: unknown, fn: GoFunc, node: Node, name: string, allArgs: readonly ArgNode[], final: Final): unknown {
    const args = allArgs.length > 1 ? allArgs.slice(1) : NO_ARGS;
    let numIn = args.length;
    if (final !== MISSING) numIn++;
    let numFixed = args.length;
    const nParams = fn.params.length + (fn.variadic !== undefined ? 1 : 0);
    if (fn.variadic !== undefined) {
      numFixed = fn.params.length;
      if (numIn < numFixed) this.errorf(`wrong number of args for ${name}: want at least ${numFixed} got ${args.length}`);
    } else if (numIn !== nParams) this.errorf(`wrong number of args for ${name}: want ${nParams} got ${numIn}`);

    if (fn.lazy) {
      let v: unknown;
      for (const arg of args) {
        v = this.evalArg(dot, 'value', arg);
        if (truth(v) === (fn.lazy === 'or')) return v;
      }
      if (final !== MISSING) v = final;
      return v;
    }
    const argv: unknown[] = new Array(numIn);
    let i = 0;
    for (; i < numFixed && i < args.length; i++) argv[i] = this.evalArg(dot, fn.params[i]!, args[i]!);
    if (fn.variadic !== undefined) for (; i < args.length; i++) argv[i] = this.evalArg(dot, fn.variadic, args[i]!);
    if (final !== MISSING) {
      let t: ParamType;
      if (fn.variadic !== undefined) t = numIn - 1 < numFixed ? fn.params[numIn - 1]! : fn.variadic;
      else t = fn.params[fn.params.length - 1]!;
      argv[i] = this.validateType(final, t);
    }
    try {
      return fn.fn.apply(undefined, argv);
    } catch (e) {
      if (e instanceof TemplateExecError) throw e;
      this.at(node);
      const msg = e instanceof Error ? e.message : String(e);
      this.errorf(`error calling ${name}: ${msg}`);
    }
  }

  validateType(value: unknown, typ: ParamType | null): unknown {
    if (value === undefined) {
      if (typ === null) return undefined;
      if (typ === 'value') return undefined;
      if (canBeNil(typ)) return null;
      this.errorf(`invalid value; expected ${typ}`);
    }
    if (typ === null || typ === 'value' || typ === 'any') return value;
    if (typ === 'string' && typeof value === 'string') return value;
    if (value === null) this.errorf(`wrong type for value; expected ${typ}; got interface {}`);
    const vt = typeName(value);
    if (vt !== typ) this.errorf(`wrong type for value; expected ${typ}; got ${vt}`);
    return value;
  }

  evalArg(dot: unknown, typ: ParamType | null, n: ArgNode): unknown {
    this.at(n);
    switch (n.type) {
      case 'dot':
        return this.validateType(dot, typ);
      case 'nil':
        if (typ === 'value') return undefined;
        if (typ !== null && canBeNil(typ)) return null;
        this.errorf(`cannot assign nil to ${typ ?? '<nil>'}`);
      // eslint-disable-next-line no-fallthrough
      case 'field':
        return this.validateType(this.evalFieldNode(dot, n, [n], MISSING), typ);
      case 'variable':
        return this.validateType(this.evalVariableNode(dot, n, [], MISSING), typ);
      case 'pipe':
        return this.validateType(this.evalPipeline(dot, n), typ);
      case 'identifier':
        return this.validateType(this.evalFunction(dot, n, n, [n], MISSING), typ);
      case 'chain':
        return this.validateType(this.evalChainNode(dot, n, [], MISSING), typ);
    }
    switch (typ) {
      case 'bool':
        if (n.type === 'bool') return n.value;
        this.errorf(`expected bool; found ${nodeString(n)}`);
      // eslint-disable-next-line no-fallthrough
      case 'float64':
        if (n.type === 'number' && n.isFloat) return new GoNum('float64', n.float64);
        this.errorf(`expected float; found ${nodeString(n)}`);
      // eslint-disable-next-line no-fallthrough
      case 'int':
      case 'int64':
      case 'int32':
        if (n.type === 'number' && n.isInt) return typ === 'int' ? n.int64 : new GoNum(typ, n.int64);
        this.errorf(`expected integer; found ${nodeString(n)}`);
      // eslint-disable-next-line no-fallthrough
      case 'uint':
      case 'uint8':
      case 'uint32':
      case 'uint64':
        if (n.type === 'number' && n.isUint) return new GoNum(typ, n.int64);
        this.errorf(`expected unsigned integer; found ${nodeString(n)}`);
      // eslint-disable-next-line no-fallthrough
      case 'string':
        if (n.type === 'string') return n.text;
        this.errorf(`expected string; found ${nodeString(n)}`);
      // eslint-disable-next-line no-fallthrough
      case 'any':
      case 'value':
      case null:
        return this.evalEmptyInterface(n);
    }
    this.errorf(`can't handle ${nodeString(n)} for arg of type ${typ}`);
  }

  evalEmptyInterface(n: ArgNode): unknown {
    this.at(n);
    switch (n.type) {
      case 'bool':
        return n.value;
      case 'number':
        return this.idealConstant(n);
      case 'string':
        return n.text;
    }
    this.errorf(`can't handle assignment of ${nodeString(n)} to empty interface argument`);
  }

  printValue(n: Node, v: unknown): void {
    this.at(n);
    if (v === undefined) {
      this.out += '<no value>';
      return;
    }
    if (typeof v === 'string') {
      this.out += v;
      return;
    }
    if (typeof v === 'function') this.errorf(`can't print ${nodeString(n)} of type ${typeName(v)}`);
    // Go's printValue prints what a pointer points to: `{a b}` for a *struct, not `&{a b}`.
    if (v instanceof GoStruct) this.out += formatStructValue(v);
    else this.out += v instanceof GoTyped ? v.s : formatV(v);
  }
}

/** Executes `tree` of `set` against `data`; throws {@link TemplateExecError}. */
export function execute(set: ExecSet, tree: Tree, data: unknown): string {
  const dot = data === null ? undefined : wrap(data);
  const s = new State(tree, set, dot);
  try {
    if (tree.root) s.walk(dot, tree.root);
  } catch (e) {
    if (e instanceof TemplateExecError) {
      e.partialOutput = s.out;
      throw e;
    }
    if (e instanceof RangeError && e.message.includes('call stack')) {
      const err = new TemplateExecError(`template: ${tree.name}: exceeded maximum template depth`, tree.name);
      err.partialOutput = s.out;
      throw err;
    }
    throw e;
  }
  return s.out;
}
