// Execution orders for a function body: every order returned is a topological order of the
// top-level ops (an op comes after the ops defining the values it or its nested regions read),
// keeps the relative order of ops that draw random numbers, and ends with the terminator.
// Nested regions are never reordered.
//
//   - original: the body as it is.
//   - greedy: list scheduling; among the ready ops, run the one that grows live bytes the least
//     (bytes of its results minus bytes of operands it is the last reader of), ties by original
//     position. Good at finishing a branch before starting another.
//   - dfs: Sethi-Ullman-like post-order from the results: before an op, compute its operands'
//     producers, the one needing the most memory first (its need = the peak of computing it,
//     counting the results of earlier siblings held meanwhile, as if the graph were a tree).
// Constants hold no arena memory; in reordered bodies each sits just before its first reader.

import type { Op, Region, Value } from '../ir/ir.js';
import { getOpDef } from '../ir/op-def.js';
import { forEachUse, isTerminator } from './memory-liveness.js';
import { bufferBytes, type DimBindings } from './memory-sizes.js';

export const ORDERS = ['original', 'greedy', 'dfs'] as const;
export type OrderStrategy = (typeof ORDERS)[number];

interface Graph {
  readonly ops: readonly Op[];
  /** Distinct producers (op indices) each op depends on, in ascending order. */
  readonly preds: number[][];
  /** Bytes of each op's results (consts and unknown sizes count 0). */
  readonly outBytes: number[];
  readonly isConst: boolean[];
}

function drawsRandom(op: Op): boolean {
  if (getOpDef(op.name)?.traits.includes('random')) return true;
  return op.regions.some((r) => r.ops.some(drawsRandom));
}

function buildGraph(body: Region, bind: DimBindings): Graph {
  const ops = body.ops;
  const producer = new Map<Value, number>();
  ops.forEach((op, i) => op.results.forEach((v) => producer.set(v, i)));
  let lastRandom = -1;
  const preds = ops.map((op, i) => {
    const set = new Set<number>();
    forEachUse(op, (v) => {
      const p = producer.get(v);
      if (p !== undefined) set.add(p);
    });
    if (drawsRandom(op)) {
      if (lastRandom >= 0) set.add(lastRandom);
      lastRandom = i;
    }
    return [...set].sort((a, b) => a - b);
  });
  const isConst = ops.map((op) => op.name === 'const');
  const outBytes = ops.map((op, i) => (isConst[i] ? 0 : op.results.reduce((s, v) => s + (bufferBytes(v.type, bind) ?? 0), 0)));
  return { ops, preds, outBytes, isConst };
}

export function scheduleOrder(body: Region, strategy: OrderStrategy, bind: DimBindings): Op[] {
  const last = body.ops[body.ops.length - 1];
  if (strategy === 'original' || !last || !isTerminator(last)) return [...body.ops];
  const g = buildGraph(body, bind);
  const nonConst = strategy === 'greedy' ? greedy(g) : dfs(g);
  return placeConstants(g, nonConst);
}

/** Non-const, non-terminator op indices in greedy list-scheduling order. */
function greedy(g: Graph): number[] {
  const n = g.ops.length - 1; // the terminator is last, scheduled after everything
  const readers: number[][] = g.ops.map(() => []);
  g.preds.forEach((ps, i) => ps.forEach((p) => readers[p]!.push(i)));
  // Unscheduled readers of each op's results; results read by the terminator never reach 0.
  const pendingReaders = readers.map((r) => r.length);
  const waiting = g.preds.map((ps) => ps.filter((p) => !g.isConst[p]).length);
  const ready: number[] = [];
  for (let i = 0; i < n; i++) if (!g.isConst[i] && waiting[i] === 0) ready.push(i);
  const out: number[] = [];
  while (ready.length > 0) {
    let pick = 0, pickScore = Infinity;
    ready.forEach((i, k) => {
      let freed = 0;
      for (const p of g.preds[i]!) if (!g.isConst[p] && pendingReaders[p] === 1) freed += g.outBytes[p]!;
      const score = g.outBytes[i]! - freed;
      if (score < pickScore || (score === pickScore && i < ready[pick]!)) {
        pick = k;
        pickScore = score;
      }
    });
    const i = ready.splice(pick, 1)[0]!;
    out.push(i);
    for (const p of g.preds[i]!) pendingReaders[p]!--;
    for (const r of readers[i]!) if (r < n && --waiting[r]! === 0) ready.push(r);
  }
  return out;
}

/** Non-const, non-terminator op indices in Sethi-Ullman-like post-order. */
function dfs(g: Graph): number[] {
  const n = g.ops.length - 1;
  const kids = g.preds.map((ps) => ps.filter((p) => !g.isConst[p]));
  // The body is in topological order, so producers' needs are known before their readers'.
  const need = new Array<number>(g.ops.length).fill(0);
  const sorted: number[][] = g.ops.map(() => []);
  for (let i = 0; i <= n; i++) {
    const ks = [...kids[i]!].sort((a, b) => need[b]! - g.outBytes[b]! - (need[a]! - g.outBytes[a]!) || a - b);
    sorted[i] = ks;
    let held = 0, peak = 0;
    for (const k of ks) {
      peak = Math.max(peak, held + need[k]!);
      held += g.outBytes[k]!;
    }
    need[i] = Math.max(peak, held + g.outBytes[i]!);
  }
  const done = new Array<boolean>(g.ops.length).fill(false);
  const out: number[] = [];
  const visit = (root: number): void => {
    // Iterative post-order: long chains must not overflow the call stack.
    const stack: Array<[number, number]> = [[root, 0]];
    done[root] = true;
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const ks = sorted[top[0]]!;
      if (top[1] < ks.length) {
        const k = ks[top[1]++]!;
        if (!done[k]) {
          done[k] = true;
          stack.push([k, 0]);
        }
      } else {
        stack.pop();
        if (top[0] !== n) out.push(top[0]);
      }
    }
  };
  visit(n);
  // Ops nobody reads (dead results): in original order, before the terminator.
  for (let i = 0; i < n; i++) if (!g.isConst[i] && !done[i]) visit(i);
  return out;
}

/** Full order: constants just before their first reader (unread ones first), terminator last. */
function placeConstants(g: Graph, order: readonly number[]): Op[] {
  const full = [...order, g.ops.length - 1];
  const firstReader = new Map<number, number>(); // const index -> position in `full`
  full.forEach((i, k) => {
    for (const p of g.preds[i]!) if (g.isConst[p] && !firstReader.has(p)) firstReader.set(p, k);
  });
  const before = full.map((): number[] => []);
  const out: Op[] = [];
  g.ops.forEach((_, c) => {
    if (!g.isConst[c]) return;
    const k = firstReader.get(c);
    if (k === undefined) out.push(g.ops[c]!);
    else before[k]!.push(c);
  });
  full.forEach((i, k) => {
    for (const c of before[k]!) out.push(g.ops[c]!);
    out.push(g.ops[i]!);
  });
  if (out.length !== g.ops.length) throw new Error(`plan-memory: order has ${out.length} ops, the body has ${g.ops.length}`);
  return out;
}
