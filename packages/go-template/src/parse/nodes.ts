/**
 * Parse-tree nodes, mirroring Go's text/template/parse/node.go (including `String()` forms used in error messages).
 * @module
 */

/** A parsed template: its name, the name of the source it came from, its root list and the source text. */
export interface Tree {
  name: string;
  parseName: string;
  root: ListNode | null;
  text: string;
}

interface Base {
  pos: number;
  tr: Tree;
}

/** Plain text between actions. */
export interface TextNode extends Base {
  type: 'text';
  text: string;
}
/** A template comment action (kept for html/template bookkeeping). */
interface CommentNode extends Base {
  type: 'comment';
  text: string;
}
/** A `{{pipeline}}` action. */
export interface ActionNode extends Base {
  type: 'action';
  line: number;
  pipe: PipeNode;
}
/** A pipeline with optional variable declarations. */
export interface PipeNode extends Base {
  type: 'pipe';
  line: number;
  isAssign: boolean;
  decl: VariableNode[];
  cmds: CommandNode[];
}
/** One command of a pipeline (function or operand with arguments). */
export interface CommandNode extends Base {
  type: 'command';
  args: ArgNode[];
}
/** A function name. */
export interface IdentifierNode extends Base {
  type: 'identifier';
  ident: string;
}
/** `$x.f.g`. */
export interface VariableNode extends Base {
  type: 'variable';
  ident: string[];
}
/** `.` */
interface DotNode extends Base {
  type: 'dot';
}
/** `nil` */
interface NilNode extends Base {
  type: 'nil';
}
/** `.f.g` */
export interface FieldNode extends Base {
  type: 'field';
  ident: string[];
}
/** `(pipe).f.g` */
export interface ChainNode extends Base {
  type: 'chain';
  node: ArgNode;
  field: string[];
}
/** `true` / `false` */
interface BoolNode extends Base {
  type: 'bool';
  value: boolean;
}
/** A number constant with Go's interpretations. */
export interface NumberNode extends Base {
  type: 'number';
  text: string;
  isInt: boolean;
  isUint: boolean;
  isFloat: boolean;
  isComplex: boolean;
  int64: number;
  float64: number;
}
/** A string constant (`quoted` is the source form). */
interface StringNode extends Base {
  type: 'string';
  quoted: string;
  text: string;
}
/** `{{end}}` (parser-internal). */
interface EndNode extends Base {
  type: 'end';
}
/** `{{else}}` (parser-internal). */
interface ElseNode extends Base {
  type: 'else';
  line: number;
}
/** if / range / with. */
export interface BranchNode extends Base {
  type: 'if' | 'range' | 'with';
  line: number;
  pipe: PipeNode;
  list: ListNode;
  elseList: ListNode | null;
}
/** `{{template "name" pipe}}` */
export interface TemplateNode extends Base {
  type: 'template';
  line: number;
  name: string;
  pipe: PipeNode | null;
}
/** `{{break}}` / `{{continue}}` */
export interface LoopCtlNode extends Base {
  type: 'break' | 'continue';
  line: number;
}
/** A sequence of nodes. */
export interface ListNode extends Base {
  type: 'list';
  nodes: Node[];
}

/** Nodes that can be command arguments. */
export type ArgNode = IdentifierNode | VariableNode | DotNode | NilNode | FieldNode | ChainNode | BoolNode | NumberNode | StringNode | PipeNode;
/** Any node. */
export type Node = TextNode | CommentNode | ActionNode | PipeNode | CommandNode | ArgNode | EndNode | ElseNode | BranchNode | TemplateNode | LoopCtlNode | ListNode;

/** Go's `Node.String()`. */
export function nodeString(n: Node): string {
  switch (n.type) {
    case 'text':
      return n.text;
    case 'comment':
      return '{{' + n.text + '}}';
    case 'action':
      return '{{' + nodeString(n.pipe) + '}}';
    case 'pipe': {
      let s = '';
      if (n.decl.length > 0) s = n.decl.map(nodeString).join(', ') + ' := ';
      return s + n.cmds.map(nodeString).join(' | ');
    }
    case 'command':
      return n.args.map((a) => (a.type === 'pipe' ? '(' + nodeString(a) + ')' : nodeString(a))).join(' ');
    case 'identifier':
      return n.ident;
    case 'variable':
      return n.ident.join('.');
    case 'dot':
      return '.';
    case 'nil':
      return 'nil';
    case 'field':
      return n.ident.map((i) => '.' + i).join('');
    case 'chain':
      return (n.node.type === 'pipe' ? '(' + nodeString(n.node) + ')' : nodeString(n.node)) + n.field.map((f) => '.' + f).join('');
    case 'bool':
      return n.value ? 'true' : 'false';
    case 'number':
      return n.text;
    case 'string':
      return n.quoted;
    case 'end':
      return '{{end}}';
    case 'else':
      return '{{else}}';
    case 'if':
    case 'range':
    case 'with': {
      let s = `{{${n.type} ${nodeString(n.pipe)}}}${nodeString(n.list)}`;
      if (n.elseList) s += '{{else}}' + nodeString(n.elseList);
      return s + '{{end}}';
    }
    case 'template':
      return n.pipe ? `{{template ${JSON.stringify(n.name)} ${nodeString(n.pipe)}}}` : `{{template ${JSON.stringify(n.name)}}}`;
    case 'break':
      return '{{break}}';
    case 'continue':
      return '{{continue}}';
    case 'list':
      return n.nodes.map(nodeString).join('');
  }
}

/** Go's `parse.IsEmptyTree`. */
export function isEmptyTree(n: Node | null): boolean {
  if (!n) return true;
  switch (n.type) {
    case 'comment':
      return true;
    case 'list':
      return n.nodes.every(isEmptyTree);
    case 'text':
      return n.text.trim().length === 0 || /^[ \t\n\r\v\f\u0085\u00a0]*$/.test(n.text);
    default:
      return false;
  }
}

/** Go's `Tree.ErrorContext`: "name:line:col" (column in bytes) and the node's text. */
export function errorContext(n: Node): [string, string] {
  const tree = n.tr;
  const text = tree.text.slice(0, n.pos);
  const nl = text.lastIndexOf('\n');
  const col = nl === -1 ? Buffer.byteLength(text) : Buffer.byteLength(text.slice(nl + 1));
  let line = 1;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return [`${tree.parseName}:${line}:${col}`, nodeString(n)];
}
