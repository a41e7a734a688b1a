// Ops whose result size depends on the values of their inputs (NonZero, Compress, Unique,
// NonMaxSuppression), shared by the WASM and WebGPU backends. The IR types such a result with a
// '?' dim; before lowering, sizeDataDims gives that dim a symbol of its own (`nonzero_count0`), counted
// at run time, and re-infers the ops that follow, so they are sized by that symbol like by any
// input dim. Each symbol has an upper bound over the input dims (NonZero of X: numel(X)):
// - the runtime binds the symbol to its bound to place the arena (every buffer whose size the
//   symbol enters is placed for the bound), runs the kernels up to the op's, reads the count
//   the kernel wrote (WASM: into the dims table; WebGPU: into the status buffer), binds the
//   symbol to it and goes on with the kernels after it;
// - the op's kernel lays its results out for the actual count and writes the count
//   (KernelCtx.setCount of each backend); it must not read the symbol itself.
// Only ops at the top level of the graph: one inside an If/Loop/Scan body keeps its '?' dims
// and is refused as before.

import type { Func, Module, Op } from '../../ir/ir.js';
import { symbolicValue } from '../../ir/shape-value.js';
import { dimMin, dimMul, dimProd } from '../../ir/symbolic.js';
import type { Dim } from '../../ir/types.js';
import { refineTypes } from './loop-scans.js';
import { inferOp } from '../../ir/infer.js';
import { TenthError } from '../../ir/diagnostics.js';
import { dimExpr, isDataSymbol, symbolsOf as exprSymbols, type Expr } from '../../ir/symbolic.js';
import { fail } from '../../ir/diagnostics.js';

/** Ops whose output size depends on the input values. */
export const DATA_SIZED: ReadonlySet<string> = new Set(['nonzero', 'unique', 'compress', 'non_max_suppression']);

/** A DATA_SIZED op that sizeDataDims left with '?' (or unranked) results: the backends refuse it. */
export const uncounted = (op: Op): boolean => DATA_SIZED.has(op.name) && op.results.some((r) => r.type.shape?.includes('?') !== false);

/** Why a backend refuses an op of DATA_SIZED that sizeDataDims left with '?' dims. */
export const DATA_SIZED_WHY = 'its output size depends on the input values: counted at run time only at the top level of the graph, on operands whose dims are all known or symbolic';

/** One counted symbol: the op whose kernel counts it and its upper bound over input dims. */
export interface DataDim {
  readonly symbol: string;
  readonly op: Op;
  readonly bound: Dim;
}

const axisOf = (op: Op, rank: number): number => {
  const a = op.attrs.get('axis');
  const v = a?.kind === 'int' ? a.value : 0;
  return v < 0 ? v + rank : v;
};

/**
 * Compress's axis, checked (both backends' kernels): `hasAxis` false flattens the input. Throws
 * through `fail` (the kernel's refusal naming the op) for a condition not 1-D or an axis outside.
 */
export function compressAxis(op: Op, xRank: number, condRank: number, fail: (message: string) => never): { hasAxis: boolean; axis: number } {
  if (condRank !== 1) fail(`compress needs a 1-D condition, got rank ${condRank}`);
  const hasAxis = op.attrs.has('axis');
  const raw = hasAxis ? Number(op.attrs.get('axis')!.value) : 0;
  const axis = raw < 0 ? raw + xRank : raw;
  if (hasAxis && (axis < 0 || axis >= xRank)) fail(`compress axis ${raw} is outside a rank-${xRank} input`);
  return { hasAxis, axis };
}

/** The upper bound of the count of a DATA_SIZED op, or undefined when its operand shapes are unknown. */
export function dataSizedBound(op: Op, module: Module): Dim | undefined {
  const x = op.operands[0]?.type.shape;
  if (!x || x.includes('?')) return undefined;
  const hasAxis = op.attrs.has('axis');
  switch (op.name) {
    case 'nonzero': return dimProd(x);
    case 'unique': return hasAxis ? x[axisOf(op, x.length)] : dimProd(x);
    case 'compress': {
      const c = op.operands[1]?.type.shape;
      if (!c || c.length !== 1 || c[0] === '?') return undefined;
      return dimMin(c[0]!, hasAxis ? x[axisOf(op, x.length)]! : dimProd(x));
    }
    case 'non_max_suppression': {
      const s = op.operands[1]?.type.shape;
      if (x.length !== 3 || !s || s.length !== 3 || s.includes('?')) return undefined;
      // At most max_output_boxes_per_class boxes per (batch, class) when it is known, else every box.
      const m = op.operands[2] ? symbolicValue(op.operands[2], module) : [0];
      const per = m?.length === 1 && typeof m[0] === 'number' ? Math.max(0, m[0]) : undefined;
      const boxes = per === undefined ? x[1]! : dimMin(per, x[1]!);
      return dimMul(dimMul(s[0]!, s[1]!), boxes);
    }
    default: return undefined;
  }
}

/** The counted symbols of a function already sized by sizeDataDims (its top-level DATA_SIZED ops). */
export function dataDimsOf(func: Func, module: Module): DataDim[] {
  const out: DataDim[] = [];
  const taken = new Set<string>();
  for (const op of func.body.ops) {
    if (!DATA_SIZED.has(op.name)) continue;
    const sym = countedDim(op);
    const bound = dataSizedBound(op, module);
    if (sym !== undefined && bound !== undefined && !taken.has(sym)) { taken.add(sym); out.push({ symbol: sym, op, bound }); }
  }
  return out;
}

/** The counted symbols of a function sized by sizeDataDims. */
export function countedSymbols(func: Func): Set<string> {
  const out = new Set<string>();
  for (const op of func.body.ops) {
    const s = DATA_SIZED.has(op.name) ? countedDim(op) : undefined;
    if (s !== undefined) out.add(s);
  }
  return out;
}

/** The dim sizeDataDims gave `op`'s results (the same symbol in each of them). */
function countedDim(op: Op): string | undefined {
  // Its own symbol: not one of the operands' dims (an input dim, or an earlier op's count, may share the prefix).
  const given = new Set(op.operands.flatMap((v) => v?.type.shape ?? []));
  const own = new RegExp(`^${countPrefix(op)}\\d+$`);
  for (const r of op.results) {
    for (const d of r.type.shape ?? []) if (typeof d === 'string' && own.test(d) && !given.has(d)) return d;
  }
  return undefined;
}

const countPrefix = (op: Op): string => `${op.name === 'non_max_suppression' ? 'nms' : op.name}_count`;

/**
 * Give the '?' dims of the top-level DATA_SIZED ops' results a counted symbol each (one per op:
 * Unique's Y, indices and counts share it) and sharpen the types that follow. Ops whose bound
 * cannot be stated (operand shapes unknown) keep their '?' dims.
 */
export function sizeDataDims(module: Module): void {
  const func = module.main;
  const used = new Set<string>();
  // The symbols inside an expression dim ("nonzero_count0+1") are taken too.
  const note = (s: readonly Dim[] | null | undefined): void => s?.forEach((d) => {
    if (typeof d !== 'string') return;
    used.add(d);
    const e = dimExpr(d);
    if (e) exprSymbols(e).forEach((x) => used.add(x));
  });
  const walk = (ops: readonly Op[]): void => ops.forEach((op) => { op.results.forEach((r) => note(r.type.shape)); op.regions.forEach((g) => { g.args.forEach((a) => note(a.type.shape)); walk(g.ops); }); });
  func.body.args.forEach((a) => note(a.type.shape));
  walk(func.body.ops);
  const top = new Set(func.body.ops);
  const next = new Map<string, number>();
  refineTypes(module, (op, setType) => {
    if (!DATA_SIZED.has(op.name) || !top.has(op)) return false;
    if (!op.results.some((r) => r.type.shape?.includes('?')) || dataSizedBound(op, module) === undefined) return true;
    const prefix = countPrefix(op);
    let n = next.get(prefix) ?? 0;
    while (used.has(`${prefix}${n}`)) n++;
    const sym = `${prefix}${n}`;
    next.set(prefix, n + 1);
    used.add(sym);
    // Re-inferred first: a '?' its operands now size (Compress's other dims, Unique's inverse
    // indices, after an earlier counted op) is theirs; only the '?' left is counted.
    let inferred: readonly { readonly shape?: readonly Dim[] | null }[] = [];
    try { inferred = inferOp(op, module); } catch (e) { if (!(e instanceof TenthError)) throw e; }
    op.results.forEach((r, i) => {
      const s = r.type.shape;
      const t = inferred[i]?.shape;
      const known = (d: Dim, k: number): Dim => (d === '?' && t && t.length === s!.length && t[k] !== '?' ? t[k]! : d);
      if (s?.includes('?')) setType(r, { dtype: r.type.dtype, shape: s.map((d, k) => known(d, k)).map((d) => (d === '?' ? sym : d)) });
    });
    return true;
  });
}


/**
 * How `e` moves as size symbol `s` grows, the others fixed: 0 not at all, 1 never down, -1 never
 * up, NaN not known. Sums, max and min of terms moving one way move that way; a product moves as
 * its one factor with `s` times the sign of its constant, other factors being sizes (>= 0).
 */
function trend(e: Expr, s: string): number {
  switch (e.k) {
    case 'num': return 0;
    case 'sym': return e.name === s ? 1 : 0;
    case 'add': case 'max': case 'min': {
      const ts = e.args.map((a) => trend(a, s)).filter((t) => t !== 0);
      return ts.length === 0 ? 0 : ts.every((t) => t === ts[0]) ? ts[0]! : NaN;
    }
    case 'mul': {
      // sign * sizes * f: moves as f does (times the sign), the sizes being >= 0; s^k as s.
      const f = e.args.filter((a) => a.k !== 'num' && exprSymbols(a).includes(s));
      if (f.length === 0) return 0;
      let sign = 1;
      for (const a of e.args) {
        if (a.k === 'num') sign *= Math.sign(a.v);
        else if (!f.includes(a) && (a.k !== 'sym' || isDataSymbol(a.name))) return NaN;
      }
      if (f.every((a) => a.k === 'sym')) return sign;
      return f.length === 1 ? sign * trend(f[0]!, s) : NaN;
    }
    case 'floordiv': case 'ceildiv': {
      const [a, b] = e.args;
      return b?.k === 'num' && b.v > 0 ? trend(a!, s) : exprSymbols(e).includes(s) ? NaN : 0;
    }
    default: return exprSymbols(e).includes(s) ? NaN : 0;
  }
}

/**
 * E205 for a value whose dim shrinks as a count grows (`x[count:]`): the runtime places every
 * buffer for the counts at their bounds, so such a value would outgrow its place at a smaller count.
 */
export function checkCountedGrowth(func: Func, module: Module, backend: string): void {
  const counted = dataDimsOf(func, module);
  if (counted.length === 0) return;
  const walk = (ops: readonly Op[]): void => {
    for (const op of ops) {
      if (op.name !== 'fused') op.regions.forEach((r) => walk(r.ops));
      for (const v of op.results) {
        for (const d of v.type.shape ?? []) {
          const e = typeof d === 'string' ? dimExpr(d) : undefined;
          const c = e && counted.find((x) => exprSymbols(e).includes(x.symbol) && trend(e, x.symbol) === -1);
          if (c) {
            fail('E205', `the ${backend} backend cannot place %${v.name} of ${op.name}: its dim '${d}' shrinks as '${c.symbol}' (the count of ${c.op.name} %${c.op.results[0]!.name}) grows, and buffers are placed for the largest count (${c.bound})`, op.loc);
          }
        }
      }
    }
  };
  walk(func.body.ops);
}
