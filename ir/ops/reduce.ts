// Op family: reduce. The ten ONNX Reduce* ops are one table of {init, map, combine, finalize}
// from which the OpDefs are generated; arg/cumulative/top-k ops live in reduce-index.ts.
//
// Semantics are those of the newest opsets (ReduceSum 13, the others 18/20): `axes` is an optional
// int64 operand; absent or empty means "all axes" unless noop_with_empty_axes=1, in which case the
// reduction runs over no axes (every element is reduced alone: the identity for sum/max/min/mean/
// prod, |x| for L1, x^2 for sum_square, ...). Reducing an empty set gives the identity of the
// combine (0, 1, -inf/+inf, or the integer range ends), as ONNX says.

import { dimAdd, dimEq, dimMin, dimSel, dimWrap } from '../symbolic.js';
import { keptDims } from './shape-common.js';
import { DTYPE_INFO, intRange, isInteger, type DType } from '../dtype.js';
import { defineOps, type EvalCtx, type InferCtx, type OpDef } from '../op-def.js';
import { getNumber, isBigData, sizeOf, stridesOf, zeros, type BigArray, type NumericArray, type Tensor } from '../tensor.js';
import type { Dim, TensorType } from '../types.js';
import { UNKNOWN_DIM } from '../types.js';
import { normAxis } from './util.js';
import './reduce-index.js';

/** One reduction, in two arithmetics: plain numbers (floats, and ints where exactness cannot matter) and bigint. */
interface Reduction {
  readonly name: string;
  readonly summary: string;
  /** Identity of `combine` for the element dtype (the result of reducing an empty set, before finalize). */
  init(dtype: DType): number;
  map(x: number): number;
  combine(acc: number, x: number): number;
  finalize(acc: number, count: number): number;
  /** Exact integer path (sum-like and min/max reductions); absent = integers go through numbers and truncate. */
  readonly big?: {
    init(dtype: DType): bigint;
    map(x: bigint): bigint;
    combine(acc: bigint, x: bigint): bigint;
    finalize(acc: bigint, count: number): bigint;
  };
}

const id = <T>(x: T): T => x;
const keep = <T>(acc: T): T => acc;
const add = (a: number, b: number): number => a + b;
const addBig = (a: bigint, b: bigint): bigint => a + b;
const absBig = (x: bigint): bigint => (x < 0n ? -x : x);

// Stable log(exp(a) + exp(b)); a streaming form of log-sum-exp that never overflows.
function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const m = Math.max(a, b);
  if (m === Infinity) return Number.isNaN(a + b) ? NaN : Infinity;
  return m + Math.log1p(Math.exp(-Math.abs(a - b)));
}

function lowest(dtype: DType): number {
  return DTYPE_INFO[dtype].kind === 'float' ? -Infinity : intRange(dtype)[0];
}
function highest(dtype: DType): number {
  return DTYPE_INFO[dtype].kind === 'float' ? Infinity : intRange(dtype)[1];
}
const bigRange = (dtype: DType): [bigint, bigint] =>
  dtype === 'u64' ? [0n, 2n ** 64n - 1n] : dtype === 'i64' ? [-(2n ** 63n), 2n ** 63n - 1n] : intRange(dtype).map(BigInt) as [bigint, bigint];

// Math.max/min already propagate NaN, which is what ONNX asks of ReduceMax/ReduceMin.
export const REDUCTIONS: readonly Reduction[] = [
  {
    name: 'reduce_sum', summary: 'Sum over `axes`.',
    init: () => 0, map: id, combine: add, finalize: keep,
    big: { init: () => 0n, map: id, combine: addBig, finalize: keep },
  },
  {
    name: 'reduce_mean', summary: 'Arithmetic mean over `axes` (integers: truncated; empty set: NaN).',
    init: () => 0, map: id, combine: add, finalize: (acc, n) => acc / n,
    big: { init: () => 0n, map: id, combine: addBig, finalize: (acc, n) => (n === 0 ? 0n : acc / BigInt(n)) },
  },
  {
    name: 'reduce_prod', summary: 'Product over `axes`.',
    init: () => 1, map: id, combine: (a, b) => a * b, finalize: keep,
    big: { init: () => 1n, map: id, combine: (a, b) => a * b, finalize: keep },
  },
  {
    name: 'reduce_max', summary: 'Maximum over `axes` (NaN propagates; empty set: lowest value of the dtype).',
    init: lowest, map: id, combine: Math.max, finalize: keep,
    big: { init: (d) => bigRange(d)[0], map: id, combine: (a, b) => (b > a ? b : a), finalize: keep },
  },
  {
    name: 'reduce_min', summary: 'Minimum over `axes` (NaN propagates; empty set: highest value of the dtype).',
    init: highest, map: id, combine: Math.min, finalize: keep,
    big: { init: (d) => bigRange(d)[1], map: id, combine: (a, b) => (b < a ? b : a), finalize: keep },
  },
  {
    name: 'reduce_l1', summary: 'Sum of absolute values over `axes`.',
    init: () => 0, map: Math.abs, combine: add, finalize: keep,
    big: { init: () => 0n, map: absBig, combine: addBig, finalize: keep },
  },
  {
    name: 'reduce_l2', summary: 'Square root of the sum of squares over `axes`.',
    init: () => 0, map: (x) => x * x, combine: add, finalize: Math.sqrt,
  },
  {
    name: 'reduce_sum_square', summary: 'Sum of squares over `axes`.',
    init: () => 0, map: (x) => x * x, combine: add, finalize: keep,
    big: { init: () => 0n, map: (x) => x * x, combine: addBig, finalize: keep },
  },
  {
    name: 'reduce_log_sum', summary: 'Natural log of the sum over `axes` (empty set: -inf).',
    init: () => 0, map: id, combine: add, finalize: Math.log,
  },
  {
    name: 'reduce_log_sum_exp', summary: 'log(sum(exp(x))) over `axes`, computed stably (empty set: -inf).',
    init: () => -Infinity, map: id, combine: logAddExp, finalize: keep,
  },
];

// ---------------------------------------------------------------------------------------------
// Shape rule

/** Normalised, sorted, duplicate-free axes from an int tensor. */
export function axesFrom(t: Tensor, rank: number, bad: (msg: string) => never): number[] {
  const out = new Set<number>();
  for (let i = 0; i < t.data.length; i++) {
    const a = normAxis(getNumber(t, i), rank, bad);
    if (out.has(a)) bad(`axis ${getNumber(t, i)} appears twice in axes`);
    out.add(a);
  }
  return [...out].sort((a, b) => a - b);
}

/** Which axes are reduced: a list, or 'unknown' (non-constant axes operand). */
function reducedAxes(ctx: InferCtx | EvalCtx, rank: number, axes: Tensor | null | undefined, axesGiven: boolean): number[] | 'unknown' {
  if (!axesGiven) return ctx.attrs.int('noop_with_empty_axes') ? [] : [...Array(rank).keys()];
  if (!axes) return 'unknown';
  if (axes.data.length === 0) return ctx.attrs.int('noop_with_empty_axes') ? [] : [...Array(rank).keys()];
  return axesFrom(axes, rank, (m) => ctx.fail(m));
}

/** Result dims for reducing `shape` over `axes` (shared with arg_max/arg_min). */
export function reducedShape(shape: readonly Dim[], axes: readonly number[], keepdims: boolean): Dim[] {
  const out: Dim[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepdims) out.push(1);
  });
  return out;
}

/**
 * Per input axis, a dim that is 1 when the axis is reduced and 0 when not, for axes read from input
 * data (`min(1, eq(wrap(%axes[0],r),i) + ...)`); undefined when the axes are not traced.
 */
export function runtimeReducedFlags(rank: number, axes: readonly Dim[] | undefined, noop: boolean): Dim[] | undefined {
  if (!axes || axes.includes(UNKNOWN_DIM)) return undefined;
  if (axes.length === 0) return Array<Dim>(rank).fill(noop ? 0 : 1);
  return Array.from({ length: rank }, (_, i) => dimMin(1, axes.reduce<Dim>((acc, a) => dimAdd(acc, dimEq(dimWrap(a, rank), i)), 0)));
}

export function inferReduce(ctx: InferCtx, dtype?: DType): TensorType[] {
  const x = ctx.inputs[0]!;
  const dt = dtype ?? x.dtype;
  if (x.shape === null) return [{ dtype: dt, shape: null }];
  const keepdims = ctx.attrs.int('keepdims') !== 0;
  const axesType = ctx.inputs[1] ?? null;
  const axes = reducedAxes(ctx, x.shape.length, axesType ? ctx.constant(1) : null, axesType !== null);
  if (axes !== 'unknown') return [{ dtype: dt, shape: reducedShape(x.shape, axes, keepdims) }];
  // Axes known only at run time: every dim may or may not be reduced.
  if (keepdims) {
    const flags = axesType ? runtimeReducedFlags(x.shape.length, ctx.shapeValue?.(1), ctx.attrs.int('noop_with_empty_axes') !== 0) : undefined;
    if (flags) return [{ dtype: dt, shape: x.shape.map((d, i) => (d === 1 ? 1 : dimSel(flags[i]!, 1, d))) }];
    return [{ dtype: dt, shape: x.shape.map((d) => (d === 1 ? 1 : UNKNOWN_DIM)) }];
  }
  const n = axesType!.shape?.length === 1 ? axesType!.shape[0] : undefined;
  if (typeof n === 'number' && n > x.shape.length) return ctx.fail(`${n} axes given for a rank-${x.shape.length} input`);
  // Axes given as data (distinct, as ONNX requires): the rank is known, which dims stay is not.
  const flags = typeof n === 'number' && n > 0 ? runtimeReducedFlags(x.shape.length, ctx.shapeValue?.(1), false) : undefined;
  if (flags) return [{ dtype: dt, shape: keptDims(x.shape, flags, x.shape.length - (n as number)) }];
  if (typeof n === 'number' && n > 0) return [{ dtype: dt, shape: Array<Dim>(x.shape.length - n).fill(UNKNOWN_DIM) }];
  return [{ dtype: dt, shape: null }];
}

// ---------------------------------------------------------------------------------------------
// Evaluation

/** For each flat input index, the flat output index when `axes` are reduced (keepdims layout). */
export function reduceIndexMap(shape: readonly number[], axes: readonly number[]): { map: Int32Array; outSize: number; count: number } {
  const keptShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const outStrides = stridesOf(keptShape).map((s, i) => (axes.includes(i) ? 0 : s));
  const n = sizeOf(shape);
  const map = new Int32Array(n);
  const rank = shape.length;
  const counter = new Array<number>(rank).fill(0);
  let off = 0;
  for (let i = 0; i < n; i++) {
    map[i] = off;
    for (let d = rank - 1; d >= 0; d--) {
      counter[d]!++;
      off += outStrides[d]!;
      if (counter[d]! < shape[d]!) break;
      off -= outStrides[d]! * counter[d]!;
      counter[d] = 0;
    }
  }
  return { map, outSize: sizeOf(keptShape), count: axes.reduce((a, ax) => a * shape[ax]!, 1) };
}

function evalReduce(r: Reduction, ctx: EvalCtx): Tensor[] {
  const x = ctx.inputs[0]!;
  const axesT = ctx.inputs[1] ?? null;
  const axes = reducedAxes(ctx, x.shape.length, axesT, axesT !== null) as number[];
  const keepdims = ctx.attrs.int('keepdims') !== 0;
  const outShape = reducedShape(x.shape, axes, keepdims) as number[];
  const out = zeros(ctx.resultTypes[0]!.dtype, outShape);
  const { map, outSize, count } = reduceIndexMap(x.shape, axes);
  if (isBigData(x.data) || (r.big && isInteger(x.dtype))) {
    reduceBig(r, x, out, map, outSize, count);
    return [out];
  }
  const acc = new Float64Array(outSize).fill(r.init(x.dtype));
  const xd = x.data as NumericArray;
  for (let i = 0; i < xd.length; i++) acc[map[i]!] = r.combine(acc[map[i]!]!, r.map(xd[i]!));
  const od = out.data as NumericArray;
  const trunc = isInteger(out.dtype);
  for (let j = 0; j < outSize; j++) {
    const v = r.finalize(acc[j]!, count);
    od[j] = trunc ? Math.trunc(v) : v;
  }
  return [out];
}

function reduceBig(r: Reduction, x: Tensor, out: Tensor, map: Int32Array, outSize: number, count: number): void {
  const bits = DTYPE_INFO[x.dtype].bits;
  const signed = DTYPE_INFO[x.dtype].kind === 'int';
  const od = out.data;
  const xs = x.data as NumericArray | BigArray;
  if (!r.big) {
    // No exact path (L2, log-sum): go through numbers and truncate, as a cast would.
    const acc = new Float64Array(outSize).fill(r.init(x.dtype));
    for (let i = 0; i < xs.length; i++) acc[map[i]!] = r.combine(acc[map[i]!]!, r.map(Number(xs[i]!)));
    for (let j = 0; j < outSize; j++) {
      const v = Math.trunc(r.finalize(acc[j]!, count));
      (od as BigArray)[j] = BigInt(Number.isFinite(v) ? v : 0);
    }
    return;
  }
  const b = r.big;
  const acc = new Array<bigint>(outSize).fill(b.init(x.dtype));
  for (let i = 0; i < xs.length; i++) acc[map[i]!] = b.combine(acc[map[i]!]!, b.map(BigInt(xs[i]!)));
  for (let j = 0; j < outSize; j++) {
    const v = b.finalize(acc[j]!, count);
    const w = signed ? BigInt.asIntN(bits, v) : BigInt.asUintN(bits, v);
    if (isBigData(od)) od[j] = w;
    else (od as NumericArray)[j] = Number(w);
  }
}

const reduceDef = (r: Reduction): OpDef => ({
  name: r.name,
  summary: r.summary,
  inputs: [{ name: 'data' }, { name: 'axes', optional: true }],
  outputs: [{ name: 'reduced' }],
  attrs: {
    keepdims: { kind: 'int', default: 1 },
    noop_with_empty_axes: { kind: 'int', default: 0 },
  },
  traits: ['pure'],
  fusion: 'reduction',
  infer: (ctx) => inferReduce(ctx),
  eval: (ctx) => evalReduce(r, ctx),
});

defineOps(...REDUCTIONS.map(reduceDef));
