// Helpers shared by the shape / data-movement family: storage-agnostic copies (every storage kind,
// including BigInt64Array and string[]), integer operands read as plain numbers, index
// normalisation with clear errors, and symbolic dim arithmetic for shape rules.

import type { Dim } from '../types.js';
import { UNKNOWN_DIM } from '../types.js';
import type { InferCtx } from '../op-def.js';
import { dimAdd, dimEq, dimFloorDiv, dimMin, dimMul, dimProd, dimSub, dimWrap } from '../symbolic.js';
import type { Tensor, TensorData } from '../tensor.js';
import { sizeOf, stridesOf } from '../tensor.js';

/** A new data array of the same storage kind as `like`, with n elements. */
export function newLike(like: TensorData, n: number): TensorData {
  if (Array.isArray(like)) return new Array<string>(n).fill('');
  const Ctor = like.constructor as new (n: number) => Exclude<TensorData, string[]>;
  return new Ctor(n);
}

/** Writable element view of any storage (elements are number, bigint or string). */
export type AnyArray = { [i: number]: number | bigint | string; length: number };

/** Copy n elements src[so..] -> dst[do..]; both must have the same storage kind. */
export function copyRange(src: TensorData, so: number, dst: TensorData, d0: number, n: number): void {
  if (n > 16 && !Array.isArray(src)) {
    (dst as Float32Array).set((src as Float32Array).subarray(so, so + n), d0);
    return;
  }
  const s = src as AnyArray, d = dst as AnyArray;
  for (let i = 0; i < n; i++) d[d0 + i] = s[so + i]!;
}

/** Integer tensor elements as numbers (i64 beyond 2^53 keep their sign and magnitude approximately). */
export function intsOf(t: Tensor): number[] {
  const d = t.data;
  const out = new Array<number>(d.length);
  for (let i = 0; i < d.length; i++) out[i] = Number(d[i]);
  return out;
}

/** Constant integer operand i as numbers, if it is a compile-time constant. */
export function constInts(ctx: InferCtx, i: number): number[] | undefined {
  if (!ctx.inputs[i]) return undefined;
  const t = ctx.constant(i);
  return t ? intsOf(t) : undefined;
}

/** Static length of a 1-D operand (e.g. a shape operand), if known. */
export function staticLength(ctx: InferCtx, i: number): number | undefined {
  const s = ctx.inputs[i]?.shape;
  if (!s) return undefined;
  if (s.length === 0) return 1;
  return typeof s[0] === 'number' ? s[0] : undefined;
}

/**
 * Indices along a dim of size `dim` as Int32Array, negative values wrapped. Out-of-range values call
 * `bad` with a message naming the index.
 */
export function normIndices(t: Tensor, dim: number, what: string, bad: (msg: string) => never): Int32Array {
  const d = t.data;
  const out = new Int32Array(d.length);
  for (let i = 0; i < d.length; i++) {
    const raw = Number(d[i]);
    const v = raw < 0 ? raw + dim : raw;
    if (!(v >= 0 && v < dim)) bad(`${what} index ${raw} is out of range for a dim of size ${dim}`);
    out[i] = v;
  }
  return out;
}

/** Product of dims: a number when static, else a dim expression ('?' when a dim is '?'). */
export function dimProduct(dims: readonly Dim[]): Dim {
  return dimProd(dims);
}

/**
 * total / known, where both are products of dims (used for Reshape's -1): a number when static
 * and exact, else the quotient as a dim expression (exact whenever the reshape is valid); '?' when
 * a static quotient is not exact or a dim is unknown.
 */
export function dimQuotient(total: readonly Dim[], known: readonly Dim[]): Dim {
  const a = dimProd(total), b = dimProd(known);
  if (typeof a === 'number' && typeof b === 'number') return b !== 0 && a % b === 0 ? a / b : UNKNOWN_DIM;
  if (b === 0) return UNKNOWN_DIM;
  return dimFloorDiv(a, b);
}

/**
 * Per axis of a rank-`rank` tensor, a dim that is 1 when one of `axes` (dims, e.g. data symbols of
 * an axes input; negative counts from the end) names it, else 0: min(1, eq(wrap(a0,r),i) + ...).
 */
export function axisFlags(rank: number, axes: readonly Dim[]): Dim[] {
  return Array.from({ length: rank }, (_, i) => dimMin(1, axes.reduce<Dim>((acc, a) => dimAdd(acc, dimEq(dimWrap(a, rank), i)), 0)));
}

/**
 * The `m` dims of `dims` whose flag is 0, in order, when the flags are only known at run time:
 * kept j = sum over i of (1 - flag_i) * eq(#kept before i, j) * dims_i (Squeeze, Reduce with
 * keepdims=0 over axes given as data).
 */
export function keptDims(dims: readonly Dim[], flags: readonly Dim[], m: number): Dim[] {
  const before: Dim[] = [];
  let n: Dim = 0;
  for (const f of flags) { before.push(n); n = dimAdd(n, dimSub(1, f)); }
  return Array.from({ length: m }, (_, j) => dims.reduce<Dim>((acc, d, i) => dimAdd(acc, dimMul(dimMul(dimSub(1, flags[i]!), dimEq(before[i]!, j)), d)), 0));
}

/** Static sizes of a tensor's leading/trailing parts around `axis` (outer, dim, inner). */
export function splitAt(shape: readonly number[], axis: number): [number, number, number] {
  return [sizeOf(shape.slice(0, axis)), shape[axis]!, sizeOf(shape.slice(axis + 1))];
}

/** Build a tensor from a data array (no copy). */
export const mk = (dtype: Tensor['dtype'], shape: readonly number[], data: TensorData): Tensor => ({ dtype, shape: [...shape], data });

/** Rank-n shape of unknown dims. */
export const unknownDims = (n: number): Dim[] => new Array<Dim>(n).fill(UNKNOWN_DIM);

/** i64 tensor of plain numbers. */
export function i64Tensor(shape: readonly number[], values: ArrayLike<number>): Tensor {
  const d = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) d[i] = BigInt(values[i]!);
  return { dtype: 'i64', shape: [...shape], data: d };
}

/**
 * Gather along every axis at once: result[o0,..,ok] = x[maps[0][o0], .., maps[k][ok]], where a
 * negative map entry selects `fill` instead (padding). Serves Slice, Tile, Pad and friends.
 */
export function gatherAxes(x: Tensor, outShape: readonly number[], maps: readonly Int32Array[], fill: number | bigint | string = 0): TensorData {
  const n = sizeOf(outShape);
  const out = newLike(x.data, n);
  if (n === 0) return out;
  const src = x.data as AnyArray, dst = out as AnyArray;
  const fillV = x.data instanceof BigInt64Array || x.data instanceof BigUint64Array
    ? (typeof fill === 'bigint' ? fill : BigInt(Math.trunc(Number(fill))))
    : Array.isArray(x.data) ? (typeof fill === 'string' ? fill : '') : Number(fill);
  const rank = outShape.length;
  if (rank === 0) { dst[0] = src[0]!; return out; }
  const strides = stridesOf(x.shape);
  const offs = maps.map((m, d) => {
    const o = new Float64Array(m.length);
    for (let i = 0; i < m.length; i++) o[i] = m[i]! < 0 ? -1 : m[i]! * strides[d]!;
    return o;
  });
  const inner = outShape[rank - 1]!;
  const runs = innerRuns(offs[rank - 1]!);
  const idx = new Array<number>(rank - 1).fill(0);
  const outerShape = outShape.slice(0, rank - 1);
  for (let o = 0; o < n; o += inner) {
    let base = 0;
    for (let d = 0; d < rank - 1; d++) {
      const v = offs[d]![idx[d]!]!;
      if (v < 0) { base = -1; break; }
      base += v;
    }
    if (base < 0) {
      for (let j = 0; j < inner; j++) dst[o + j] = fillV;
    } else {
      for (const r of runs) {
        if (r.src < 0) for (let j = 0; j < r.len; j++) dst[o + r.at + j] = fillV;
        else if (r.step === 1) copyRange(x.data, base + r.src, out, o + r.at, r.len);
        else for (let j = 0, q = base + r.src; j < r.len; j++, q += r.step) dst[o + r.at + j] = src[q]!;
      }
    }
    nextIndex(idx, outerShape);
  }
  return out;
}

/**
 * The same permutation on fewer dims: size-1 dims dropped, and input dims that stay adjacent and
 * in order in the output merged (e.g. [0,2,3,1] on [1,C,H,W] is a 2-D transpose of [C, H*W]).
 */
function simplifyPerm(shape: readonly number[], perm: readonly number[]): { shape: number[]; perm: number[] } {
  const remap: number[] = [];
  let c = 0;
  for (const d of shape) remap.push(d === 1 ? -1 : c++);
  const s = shape.filter((d) => d !== 1);
  const p = perm.filter((q) => shape[q] !== 1).map((q) => remap[q]!);
  const groups: number[][] = [];
  for (const q of p) {
    const g = groups[groups.length - 1];
    if (g && g[g.length - 1]! + 1 === q) g.push(q);
    else groups.push([q]);
  }
  const order = groups.map((_, i) => i).sort((a, b) => groups[a]![0]! - groups[b]![0]!);
  const pos = new Array<number>(groups.length);
  order.forEach((gi, i) => { pos[gi] = i; });
  return {
    shape: order.map((gi) => groups[gi]!.reduce((acc, q) => acc * s[q]!, 1)),
    perm: groups.map((_, gi) => pos[gi]!),
  };
}

interface Run { at: number; len: number; src: number; step: number }

/** Split the innermost offset map into runs: fill (src -1), or an arithmetic progression of offsets. */
function innerRuns(m: Float64Array): Run[] {
  const runs: Run[] = [];
  let j = 0;
  while (j < m.length) {
    const start = j, v = m[j]!;
    if (v < 0) {
      while (j < m.length && m[j]! < 0) j++;
      runs.push({ at: start, len: j - start, src: -1, step: 0 });
      continue;
    }
    const step = j + 1 < m.length && m[j + 1]! >= 0 ? m[j + 1]! - v : 0;
    j++;
    while (j < m.length && m[j]! >= 0 && m[j]! - m[j - 1]! === step) j++;
    runs.push({ at: start, len: j - start, src: v, step });
  }
  return runs;
}

/** Transpose with result dim i = input dim perm[i]. */
export function transposeTensor(x: Tensor, perm: readonly number[]): Tensor {
  const outShape = perm.map((p) => x.shape[p]!);
  const simple = simplifyPerm(x.shape, perm);
  if (simple.perm.every((p, i) => p === i)) return mk(x.dtype, outShape, x.data);
  return mk(x.dtype, outShape, transposeData(x.data, simple.shape, simple.perm));
}

function transposeData(data: TensorData, shape: readonly number[], perm: readonly number[]): TensorData {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]!);
  const n = data.length;
  const out = newLike(data, n);
  const inStrides = stridesOf(shape);
  const st = perm.map((p) => inStrides[p]!);
  const src = data as AnyArray, dst = out as AnyArray;
  const inner = outShape[rank - 1]!, sIn = st[rank - 1]!;
  const outer = outShape.slice(0, rank - 1);
  const idx = new Array<number>(rank - 1).fill(0);
  let base = 0;
  for (let o = 0; o < n; o += inner) {
    for (let j = 0, s = base; j < inner; j++, s += sIn) dst[o + j] = src[s]!;
    // Advance the outer odometer, keeping the input base offset in step.
    for (let d = rank - 2; d >= 0; d--) {
      base += st[d]!;
      if (++idx[d]! < outer[d]!) break;
      base -= st[d]! * idx[d]!;
      idx[d] = 0;
    }
  }
  return out;
}

/** Odometer step over `shape` (last axis fastest). Returns false after the last index. */
export function nextIndex(idx: number[], shape: readonly number[]): boolean {
  for (let d = shape.length - 1; d >= 0; d--) {
    if (++idx[d]! < shape[d]!) return true;
    idx[d] = 0;
  }
  return false;
}
