// Model-local functions (ModelProto.functions, IR >= 8) are inlined at each call site before
// lowering: the body's nodes are copied with formal inputs/outputs replaced by the call's actual
// names, every other value given a fresh prefixed name, and attribute references (ref_attr_name)
// resolved against the call's attributes or the function's default attributes. Calls inside a body
// are expanded recursively; inlined nodes remember the function's opset imports.

import { fail } from '../../ir/diagnostics.js';
import type { AttributeProto, FunctionProto, GraphProto, NodeProto } from './decode.js';

export const normDomain = (d: string | null | undefined): string => (!d || d === 'ai.onnx' ? '' : d);
const fnKey = (domain: string | null | undefined, name: string | null | undefined): string => `${normDomain(domain)}:${name ?? ''}`;

/** Opset imports of the function an inlined node came from (absent: the model's). */
export const NODE_OPSETS = new WeakMap<NodeProto, ReadonlyMap<string, number>>();

export function opsetMap(list: readonly { domain?: string | null; version?: unknown }[] | null | undefined): Map<string, number> {
  const m = new Map<string, number>();
  for (const o of list ?? []) m.set(normDomain(o.domain), Number(o.version ?? 0));
  return m;
}

const MAX_DEPTH = 64;

export class FunctionInliner {
  private readonly fns = new Map<string, FunctionProto>();
  private readonly cache = new WeakMap<GraphProto, NodeProto[]>();
  private counter = 0;

  constructor(functions: readonly FunctionProto[], private readonly file: string) {
    for (const f of functions) this.fns.set(fnKey(f.domain, f.name), f);
  }

  /** The graph's nodes with every call of a model-local function expanded (cached per graph). */
  nodes(g: GraphProto): NodeProto[] {
    let out = this.cache.get(g);
    if (!out) {
      out = this.fns.size === 0 ? [...(g.node ?? [])] : this.expand(g.node ?? [], 0);
      this.cache.set(g, out);
    }
    return out;
  }

  private expand(nodes: readonly NodeProto[], depth: number): NodeProto[] {
    const out: NodeProto[] = [];
    for (const n of nodes) {
      const fn = this.fns.get(fnKey(n.domain, n.opType));
      if (!fn) { out.push(n); continue; }
      if (depth >= MAX_DEPTH) {
        fail('E207', `function ${fn.name} calls itself (inlining deeper than ${MAX_DEPTH})`, { kind: 'node', file: this.file, node: n.name ?? '' });
      }
      out.push(...this.expand(this.instantiate(n, fn), depth + 1));
    }
    return out;
  }

  private instantiate(call: NodeProto, fn: FunctionProto): NodeProto[] {
    const prefix = `${call.name || fn.name}#${this.counter++}/`;
    const map = new Map<string, string>();
    (fn.input ?? []).forEach((f, i) => map.set(f, call.input?.[i] ?? ''));
    (fn.output ?? []).forEach((f, i) => {
      const actual = call.output?.[i] ?? '';
      map.set(f, actual !== '' ? actual : prefix + f);
    });
    const rename = (name: string | null | undefined): string => {
      if (!name) return '';
      return map.get(name) ?? prefix + name;
    };
    // Inside subgraphs only names of the function's scope are renamed; the subgraph's own are kept.
    const internal = new Set<string>([...(fn.input ?? []), ...(fn.output ?? [])]);
    for (const n of fn.node ?? []) for (const o of n.output ?? []) internal.add(o);
    const renameInner = (name: string | null | undefined): string => (name && internal.has(name) ? rename(name) : name ?? '');
    const opsets = opsetMap(fn.opsetImport);
    return (fn.node ?? []).map((n, j) => {
      const copy = this.copyNode(n, rename, renameInner, call, fn, opsets);
      copy.name = prefix + (n.name || `${n.opType}_${j}`);
      return copy;
    });
  }

  /** Copy a body node (and its subgraphs), renamed; it keeps the function's opset imports. */
  private copyNode(n: NodeProto, rename: (s: string | null | undefined) => string, renameInner: (s: string | null | undefined) => string,
    call: NodeProto, fn: FunctionProto, opsets: ReadonlyMap<string, number>): NodeProto {
    const attribute: AttributeProto[] = [];
    for (const a of n.attribute ?? []) {
      if (a.refAttrName) {
        const src = call.attribute?.find((c) => c.name === a.refAttrName)
          ?? fn.attributeDefaults?.find((c) => c.name === a.refAttrName);
        if (src) attribute.push({ ...src, name: a.name });
        continue;
      }
      if (a.g || a.graphs?.length) {
        attribute.push({
          ...a,
          g: a.g ? this.copyGraph(a.g, renameInner, call, fn, opsets) : a.g,
          graphs: a.graphs?.map((g) => this.copyGraph(g, renameInner, call, fn, opsets)),
        });
        continue;
      }
      attribute.push(a);
    }
    const copy: NodeProto = { ...n, input: (n.input ?? []).map(rename), output: (n.output ?? []).map(rename), attribute };
    NODE_OPSETS.set(copy, opsets);
    return copy;
  }

  private copyGraph(g: GraphProto, r: (s: string | null | undefined) => string, call: NodeProto, fn: FunctionProto, opsets: ReadonlyMap<string, number>): GraphProto {
    return {
      ...g,
      node: (g.node ?? []).map((n) => this.copyNode(n, r, r, call, fn, opsets)),
      input: (g.input ?? []).map((v) => ({ ...v, name: r(v.name) })),
      output: (g.output ?? []).map((v) => ({ ...v, name: r(v.name) })),
      initializer: (g.initializer ?? []).map((t) => ({ ...t, name: r(t.name) })),
    };
  }
}
