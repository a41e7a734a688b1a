// Ops whose result size depends on the values of their inputs (NonZero, Compress, Unique,
// NonMaxSuppression), shared by the WASM and WebGPU backends. The IR types such a result with a
// '?' dim; before lowering, sizeDataDims gives that dim a symbol of its own (`nonzero0`), counted
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

/** Ops whose output size depends on the input values. */
export const DATA_SIZED: ReadonlySet<string> = new Set(['nonzero', 'unique', 'compress', 'non_max_suppression']);

/** Why a backend refuses an op of DATA_SIZED that sizeDataDims left with '?' dims. */
export const DATA_SIZED_WHY = 'its output size depends on the input values: counted at run time only at the top level of the graph, on operands of known rank';

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
  for (const r of op.results) {
    for (const d of r.type.shape ?? []) if (typeof d === 'string' && d.startsWith(countPrefix(op))) return d;
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
  const note = (s: readonly Dim[] | null | undefined): void => s?.forEach((d) => { if (typeof d === 'string') used.add(d); });
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
    op.results.forEach((r) => {
      const s = r.type.shape;
      if (s?.includes('?')) setType(r, { dtype: r.type.dtype, shape: s.map((d) => (d === '?' ? sym : d)) });
    });
    return true;
  });
}

