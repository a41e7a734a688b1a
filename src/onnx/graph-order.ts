// Node ordering: some exporters list nodes out of topological order, so each graph's nodes are
// sorted (stable: a graph already in order keeps its order). Dependencies include the outer-scope
// names a node's subgraphs read. Undefined inputs are E202, cycles E203, duplicate outputs E207.

import { type Diagnostic, diag, fail, TenthError } from '../../ir/diagnostics.js';
import { nodeLoc } from '../../ir/location.js';
import type { GraphProto, NodeProto } from './decode.js';
import type { FunctionInliner } from './functions.js';

/** A node's name, or `opType_index` for unnamed nodes; `prefix` places a subgraph's nodes (`If_0/then_branch/`). */
export const nodeLabel = (n: NodeProto, index: number, prefix = ''): string => n.name || `${prefix}${n.opType}_${index}`;

/** Names a subgraph reads from enclosing scopes (used but not defined inside it). */
export function freeVars(g: GraphProto, inliner: FunctionInliner, cache: WeakMap<GraphProto, Set<string>>): Set<string> {
  const hit = cache.get(g);
  if (hit) return hit;
  const defined = new Set<string>();
  for (const v of g.input ?? []) defined.add(v.name ?? '');
  for (const t of g.initializer ?? []) defined.add(t.name ?? '');
  const nodes = inliner.nodes(g);
  for (const n of nodes) for (const o of n.output ?? []) defined.add(o);
  const free = new Set<string>();
  const use = (name: string): void => { if (name && !defined.has(name)) free.add(name); };
  for (const n of nodes) {
    for (const i of n.input ?? []) use(i);
    for (const name of subgraphFreeVars(n, inliner, cache)) use(name);
  }
  for (const o of g.output ?? []) use(o.name ?? '');
  cache.set(g, free);
  return free;
}

export function subgraphFreeVars(n: NodeProto, inliner: FunctionInliner, cache: WeakMap<GraphProto, Set<string>>): string[] {
  const out: string[] = [];
  for (const a of n.attribute ?? []) {
    for (const g of [a.g, ...(a.graphs ?? [])]) if (g) out.push(...freeVars(g, inliner, cache));
  }
  return out;
}

/**
 * Topological order of `nodes` (indices). `known(name)` says whether a name is defined outside the
 * node list (graph inputs, initializers, enclosing scopes).
 */
export function topoOrder(nodes: readonly NodeProto[], known: (name: string) => boolean, file: string,
  inliner: FunctionInliner, cache: WeakMap<GraphProto, Set<string>>, prefix = ''): number[] {
  const label = (n: NodeProto, i: number): string => nodeLabel(n, i, prefix);
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => {
    for (const o of n.output ?? []) {
      if (!o) continue;
      if (producer.has(o)) {
        fail('E207', `value '${o}' is produced by more than one node`, nodeLoc(file, label(n, i)),
          [`also produced by node "${label(nodes[producer.get(o)!]!, producer.get(o)!)}"`]);
      }
      producer.set(o, i);
    }
  });
  const missing: Diagnostic[] = [];
  const deps: number[][] = nodes.map((n, i) => {
    const d: number[] = [];
    const names = [...(n.input ?? []).filter((x) => x !== ''), ...subgraphFreeVars(n, inliner, cache)];
    for (const name of names) {
      const p = producer.get(name);
      if (p !== undefined) d.push(p);
      else if (!known(name)) {
        missing.push(diag('E202', `node "${label(n, i)}" (${n.opType}) reads '${name}', which is never defined`, nodeLoc(file, label(n, i))));
      }
    }
    return d;
  });
  if (missing.length > 0) throw new TenthError(missing);

  // Iterative DFS post-order; state 1 = on the stack, 2 = done.
  const state = new Uint8Array(nodes.length);
  const order: number[] = [];
  for (let root = 0; root < nodes.length; root++) {
    if (state[root]) continue;
    const stack: [number, number][] = [[root, 0]];
    state[root] = 1;
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const [i, k] = top;
      if (k < deps[i]!.length) {
        top[1]++;
        const j = deps[i]![k]!;
        if (state[j] === 1) {
          const cyc = stack.slice(stack.findIndex(([x]) => x === j)).map(([x]) => `"${label(nodes[x]!, x)}"`);
          fail('E203', `nodes ${cyc.join(' -> ')} form a cycle`, nodeLoc(file, label(nodes[j]!, j)));
        }
        if (state[j] === 0) { state[j] = 1; stack.push([j, 0]); }
      } else {
        state[i] = 2;
        order.push(i);
        stack.pop();
      }
    }
  }
  return order;
}
