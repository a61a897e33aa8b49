import type { Tree } from '../parse/nodes.js';
import type { FuncMap } from '../funcs/types.js';
export function escapeSet(trees: Map<string, Tree>, name: string, out: Map<string, Tree>): void {
  for (const [k, v] of trees) out.set(k, v);
  void name;
}
export function htmlEscaperFuncs(): FuncMap {
  return {};
}
