// Attribute helpers shared by the ms-llm mapping files.

import type { Lowerer, OnnxNodeView } from '../mapping-api.js';

/** Integer attribute `name` (default `dflt`; undefined default = required). */
export function intAttr(node: OnnxNodeView, b: Lowerer, name: string, dflt?: number): number {
  const a = node.attrs.get(name);
  if (!a) return dflt ?? b.fail(`missing required attribute '${name}'`);
  if (a.kind !== 'int') return b.fail(`attribute '${name}' must be an int, got ${a.kind}`);
  return a.value;
}

/** Refuse any attribute outside `known` (a silently ignored attribute is a wrong answer). */
export function onlyAttrs(node: OnnxNodeView, b: Lowerer, known: readonly string[]): void {
  for (const k of node.attrs.keys()) if (!known.includes(k)) b.fail(`attribute '${k}' is not supported on ${node.opType}`);
  for (const g of node.graphAttrs) b.fail(`attribute '${g}' is not supported on ${node.opType}`);
}
