// fuse, part 2: turning chosen groups into `fused` ops (see ir/ops/fused.ts for the op).
//
// - The group's ops move into the region in their original order; values from outside become the
//   op's operands and the region's arguments (first-use order, each once).
// - Small inline constants (at most INLINE_CONST_ELEMENTS elements: scalars, clip bounds, shape
//   vectors) read by the group go inside: moved when only the group reads them, copied otherwise.
//   Weights and larger constants stay outside as operands, so a kernel's bindings are its tensors
//   and its literals are in its body (shape rules inside still see constant shape operands).
// - A value used after the group (by another op, a nested region or the terminator) becomes a
//   result. The outer Value object is kept as the fused op's result, so outside uses need no
//   rewrite; inside, a fresh value `<name>.in` stands for it. Region arguments are named the same
//   way after their operand: inside a group, `%x.in` is `%x` as seen by the kernel.
// - Afterwards the region is re-sorted topologically (stable: each op keeps its place where it can;
//   a fused op takes its first member's place), because a group may be used by an op that stood
//   between its members.

import { attr } from '../ir/attrs.js';
import { type Func, Op, Region, Value, walkOps } from '../ir/ir.js';
import type { Group, RegionGraph } from './fuse-groups.js';

/** Constants with at most this many elements are copied into the groups that read them. */
export const INLINE_CONST_ELEMENTS = 16;

/** Allocates value names unique within one function. */
export class NameTable {
  private readonly used = new Set<string>();
  constructor(func: Func) {
    for (const a of func.args) this.used.add(a.name);
    for (const op of walkOps(func.body)) {
      for (const r of op.results) this.used.add(r.name);
      for (const reg of op.regions) for (const a of reg.args) this.used.add(a.name);
    }
    for (const reg of allRegions(func.body)) for (const a of reg.args) this.used.add(a.name);
  }

  fresh(base: string): string {
    let name = base;
    for (let k = 2; this.used.has(name); k++) name = `${base}${k}`;
    this.used.add(name);
    return name;
  }
}

function* allRegions(r: Region): Generator<Region> {
  yield r;
  for (const op of r.ops) for (const sub of op.regions) yield* allRegions(sub);
}

const inlineConst = (op: Op | undefined, limit: number): boolean => {
  if (!op || op.name !== 'const') return false;
  const v = op.attrs.get('value');
  return v?.kind === 'tensor' && v.value.data.length <= limit;
};

/** A stable kernel name: the member ops' names in first-occurrence order ('matmul-add-relu'). */
export function kernelName(members: readonly Op[]): string {
  const names: string[] = [];
  for (const m of members) if (!names.includes(m.name)) names.push(m.name);
  return names.join('-');
}

export interface BuildResult {
  readonly fused: Op;
  /** Consts moved out of the enclosing region (now only inside the group). */
  readonly movedConsts: readonly Op[];
}

/** Build the fused op for one group (does not change the enclosing region's op list). */
export function buildFused(graph: RegionGraph, g: Group, names: NameTable): BuildResult {
  const members = [...g.members].sort((a, b) => graph.index.get(a)! - graph.index.get(b)!);
  const inGroup = new Set(members);
  const usedOutside = (op: Op): boolean => graph.users.get(op)!.some((u) => !inGroup.has(u));

  // Outer value -> inner value, filled as the region is built.
  const inner = new Map<Value, Value>();
  const operands: Value[] = [];
  const args: Value[] = [];
  const constOps: Op[] = [];
  const movedConsts: Op[] = [];
  for (const m of members) {
    for (const v of m.operands) {
      if (!v || inner.has(v)) continue;
      const d = graph.def(v);
      if (d && inGroup.has(d)) continue;
      if (d && inlineConst(d, INLINE_CONST_ELEMENTS)) {
        if (!usedOutside(d)) {
          movedConsts.push(d);
          constOps.push(d);
          inner.set(v, v);
        } else {
          const copy = new Value(names.fresh(`${v.name}.in`), v.type);
          constOps.push(new Op('const', [], [copy], new Map(d.attrs), [], d.loc));
          inner.set(v, copy);
        }
        continue;
      }
      const a = new Value(names.fresh(`${v.name}.in`), v.type);
      operands.push(v);
      args.push(a);
      inner.set(v, a);
    }
    // Results: a value read after the group gets an inner stand-in; the outer Value is the op's result.
    m.results.forEach((r, i) => {
      if ((graph.valueUsers.get(r) ?? []).some((u) => !inGroup.has(u))) {
        const stand = new Value(names.fresh(`${r.name}.in`), r.type, m);
        m.results[i] = stand;
        inner.set(r, stand);
      } else {
        inner.set(r, r);
      }
    });
  }
  const outer: Value[] = [];
  const yielded: Value[] = [];
  for (const m of members) {
    m.operands = m.operands.map((v) => (v ? inner.get(v) ?? v : null));
  }
  for (const [o, i] of inner) {
    if (o !== i && i.def && inGroup.has(i.def)) { outer.push(o); yielded.push(i); }
  }
  // A dead group still yields something, so the op has a result (DCE can remove it).
  if (outer.length === 0) {
    const last = members[members.length - 1]!;
    const r = last.results[0]!;
    const stand = new Value(names.fresh(`${r.name}.in`), r.type, last);
    last.results[0] = stand;
    rewireInside(members, r, stand);
    outer.push(r);
    yielded.push(stand);
  }
  const loc = members[0]!.loc;
  const body = new Region(args, [...constOps, ...members, new Op('yield', yielded, [], new Map(), [], loc)]);
  const attrs = new Map([['kind', attr.string(g.kind)], ['name', attr.string(kernelName(members))]]);
  const fused = new Op('fused', operands, outer, attrs, [body], loc);
  return { fused, movedConsts };
}

/** Point the group's own uses of `from` at `to` (used when a dead group's last value is yielded). */
function rewireInside(members: readonly Op[], from: Value, to: Value): void {
  for (const m of members) m.operands = m.operands.map((v) => (v === from ? to : v));
}

/** Re-sort a region's ops topologically, keeping each op as close to `priority` order as the
 *  dependencies allow (a min-priority Kahn sort); the terminator stays last. */
export function stableTopoSort(region: Region, priority: Map<Op, number>): void {
  const ops = region.ops;
  const term = ops[ops.length - 1]!;
  const body = ops.slice(0, -1);
  const defOf = new Map<Value, Op>();
  for (const op of body) for (const r of op.results) defOf.set(r, op);
  const waiting = new Map<Op, number>();
  const users = new Map<Op, Op[]>();
  for (const op of body) users.set(op, []);
  for (const op of body) {
    const preds = new Set<Op>();
    const visit = (v: Value | null): void => {
      const d = v ? defOf.get(v) : undefined;
      if (d && d !== op) preds.add(d);
    };
    op.operands.forEach(visit);
    for (const r of op.regions) for (const inner of walkOps(r)) inner.operands.forEach(visit);
    waiting.set(op, preds.size);
    for (const p of preds) users.get(p)!.push(op);
  }
  const heap = new MinHeap<Op>((a, b) => priority.get(a)! - priority.get(b)!);
  for (const op of body) if (waiting.get(op) === 0) heap.push(op);
  const out: Op[] = [];
  while (heap.size > 0) {
    const op = heap.pop();
    out.push(op);
    for (const u of users.get(op)!) {
      const n = waiting.get(u)! - 1;
      waiting.set(u, n);
      if (n === 0) heap.push(u);
    }
  }
  if (out.length !== body.length) throw new Error('fuse: the fused region has a cycle (internal error)');
  region.ops = [...out, term];
}

class MinHeap<T> {
  private readonly items: T[] = [];
  constructor(private readonly less: (a: T, b: T) => number) {}
  get size(): number { return this.items.length; }
  push(x: T): void {
    const a = this.items;
    a.push(x);
    for (let i = a.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (this.less(a[i]!, a[p]!) >= 0) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }
  pop(): T {
    const a = this.items;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l]!, a[m]!) < 0) m = l;
        if (r < a.length && this.less(a[r]!, a[m]!) < 0) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}
