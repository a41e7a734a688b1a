// Loops shared by the elementwise op family: dtype sets for type constraints, a unary map and a
// broadcasting binary zip over typed arrays. Kernels are chosen per storage class (number, bigint)
// by the op tables in elementwise-*.ts; these loops only move elements.
//
// Numeric conventions every kernel relies on:
// - Floats compute in f64; writing into Float32Array rounds to f32 and the interpreter rounds
//   f16/bf16/f8 results afterwards.
// - 8/16/32-bit integers compute in f64 and wrap on the typed-array write (ToInt32 etc. truncate
//   toward zero first, so integer division needs no extra Math.trunc). Only products of 32-bit
//   values can exceed 2^53, so Mul uses Math.imul there.
// - 64-bit integers compute on bigints; BigInt64Array/BigUint64Array writes wrap modulo 2^64.

import type { DType } from '../dtype.js';
import { DTYPE_INFO } from '../dtype.js';
import type { EvalCtx, InferCtx } from '../op-def.js';
import type { Tensor } from '../tensor.js';
import { isBigData, sizeOf, zeros } from '../tensor.js';
import type { TensorType } from '../types.js';
import { broadcastShapes } from './util.js';

export type Elem = number | bigint | string;
export type NumFn = (a: number, b: number) => number;
export type BigFn = (a: bigint, b: bigint) => bigint;

export const FLOATS: readonly DType[] = ['f32', 'f16', 'bf16', 'f64'];
export const SIGNED_INTS: readonly DType[] = ['i8', 'i16', 'i32', 'i64'];
export const UNSIGNED_INTS: readonly DType[] = ['u8', 'u16', 'u32', 'u64'];
export const INTS: readonly DType[] = [...SIGNED_INTS, ...UNSIGNED_INTS];
export const NUMERIC: readonly DType[] = [...FLOATS, ...INTS];
export const SIGNED_NUMERIC: readonly DType[] = [...FLOATS, ...SIGNED_INTS];
export const BOOL: readonly DType[] = ['bool'];
/** Every dtype except string and the sub-byte types (what Where/Equal-like ops accept). */
export const ALL_NON_STRING: readonly DType[] = [...NUMERIC, 'bool'];

/** Check operand i's dtype against a type constraint; returns the dtype. */
export function checkDType(ctx: InferCtx, i: number, allowed: readonly DType[]): DType {
  const t = ctx.inputs[i];
  if (!t) return ctx.fail(`operand ${i} is required`);
  if (!allowed.includes(t.dtype)) {
    ctx.fail(`operand ${i} has dtype ${t.dtype}; allowed: ${allowed.join(', ')}`);
  }
  return t.dtype;
}

/** Check that operands share one dtype from `allowed`; returns it. */
export function checkSameDType(ctx: InferCtx, idx: readonly number[], allowed: readonly DType[]): DType {
  const d = checkDType(ctx, idx[0]!, allowed);
  for (const i of idx.slice(1)) {
    const t = ctx.inputs[i];
    if (t && t.dtype !== d) ctx.fail(`operand ${i} has dtype ${t.dtype}, expected ${d} like operand ${idx[0]}`);
  }
  return d;
}

/** Broadcast result type of the given (non-null) operands with an explicit dtype. */
export function broadcastType(ctx: InferCtx, idx: readonly number[], dtype: DType): TensorType {
  const types = idx.map((i) => ctx.inputs[i]).filter((t): t is TensorType => t !== null && t !== undefined);
  if (types.some((t) => t.shape === null)) return { dtype, shape: null };
  const shape = broadcastShapes(types.map((t) => t.shape!));
  if (!shape) ctx.fail(`shapes ${types.map((t) => `[${t.shape!.join(',')}]`).join(' and ')} do not broadcast`);
  return { dtype, shape };
}

/** Concrete broadcast shape at run time, reporting mismatches through the op. */
export function evalShape(ctx: EvalCtx, shapes: readonly (readonly number[])[]): number[] {
  const s = broadcastShapes(shapes);
  if (!s) ctx.fail(`shapes ${shapes.map((x) => `[${x.join(',')}]`).join(' and ')} do not broadcast`);
  return s as number[];
}

export const isBigDType = (d: DType): boolean => DTYPE_INFO[d].storage === 'i64' || DTYPE_INFO[d].storage === 'u64';
/** 8/16/32-bit integer dtypes held as numbers. */
export const isSmallInt = (d: DType): boolean =>
  (DTYPE_INFO[d].kind === 'int' || DTYPE_INFO[d].kind === 'uint') && !isBigDType(d);

type Out<R> = { [i: number]: R };

/** out[i] = fn(x[i]) over a whole tensor; returns a fresh tensor of `dtype` and x's shape. */
export function mapTensor<T extends Elem, R extends Elem | boolean>(x: Tensor, dtype: DType, fn: (v: T) => R): Tensor {
  const out = zeros(dtype, x.shape);
  const src = x.data as unknown as ArrayLike<T>;
  const dst = out.data as unknown as Out<R>;
  const n = src.length;
  for (let i = 0; i < n; i++) dst[i] = fn(src[i]!);
  return out;
}

/**
 * out = fn(a, b) with multidirectional broadcasting. Identical shapes and a one-element operand
 * take loops without index maps; otherwise each broadcast operand gets a flat index map.
 */
export function zipTensors<T extends Elem, R extends Elem | boolean>(
  ctx: EvalCtx, a: Tensor, b: Tensor, dtype: DType, fn: (x: T, y: T) => R,
): Tensor {
  const shape = evalShape(ctx, [a.shape, b.shape]);
  const out = zeros(dtype, shape);
  zipInto(a, b, out, fn);
  return out;
}

/** As zipTensors, writing into a preallocated tensor whose shape is the broadcast of a and b. */
export function zipInto<T extends Elem, R extends Elem | boolean>(a: Tensor, b: Tensor, out: Tensor, fn: (x: T, y: T) => R): void {
  const x = a.data as unknown as ArrayLike<T>;
  const y = b.data as unknown as ArrayLike<T>;
  const dst = out.data as unknown as Out<R>;
  const n = sizeOf(out.shape);
  const sameA = sameShape(a.shape, out.shape), sameB = sameShape(b.shape, out.shape);
  if (sameA && sameB) {
    for (let i = 0; i < n; i++) dst[i] = fn(x[i]!, y[i]!);
  } else if (sameA && y.length === 1) {
    const v = y[0]!;
    for (let i = 0; i < n; i++) dst[i] = fn(x[i]!, v);
  } else if (sameB && x.length === 1) {
    const v = x[0]!;
    for (let i = 0; i < n; i++) dst[i] = fn(v, y[i]!);
  } else {
    zipStrided(x, a.shape, y, b.shape, dst, out.shape, fn);
  }
}

/**
 * General broadcasting without index maps: rows of the innermost output dim, where each operand
 * either advances (stride 1) or repeats one element (stride 0); an odometer steps the outer dims.
 */
function zipStrided<T extends Elem, R extends Elem | boolean>(
  x: ArrayLike<T>, xShape: readonly number[], y: ArrayLike<T>, yShape: readonly number[],
  dst: Out<R>, shape: readonly number[], fn: (x: T, y: T) => R,
): void {
  const rank = shape.length;
  const sx = broadcastStrides(xShape, shape), sy = broadcastStrides(yShape, shape);
  const inner = shape[rank - 1]!;
  const ix = sx[rank - 1]!, iy = sy[rank - 1]!;
  const rows = sizeOf(shape) / inner;
  const counter = new Array<number>(rank).fill(0);
  let ox = 0, oy = 0, o = 0;
  for (let r = 0; r < rows; r++) {
    if (ix === 1 && iy === 1) for (let j = 0; j < inner; j++) dst[o + j] = fn(x[ox + j]!, y[oy + j]!);
    else if (ix === 1) { const v = y[oy]!; for (let j = 0; j < inner; j++) dst[o + j] = fn(x[ox + j]!, v); }
    else if (iy === 1) { const u = x[ox]!; for (let j = 0; j < inner; j++) dst[o + j] = fn(u, y[oy + j]!); }
    else { const w = fn(x[ox]!, y[oy]!); for (let j = 0; j < inner; j++) dst[o + j] = w; }
    o += inner;
    for (let d = rank - 2; d >= 0; d--) {
      counter[d]!++;
      ox += sx[d]!;
      oy += sy[d]!;
      if (counter[d]! < shape[d]!) break;
      ox -= sx[d]! * counter[d]!;
      oy -= sy[d]! * counter[d]!;
      counter[d] = 0;
    }
  }
}

/** Per output dim, the operand's element stride, 0 where the operand is broadcast (size 1 or absent). */
function broadcastStrides(inShape: readonly number[], outShape: readonly number[]): number[] {
  const rank = outShape.length;
  const out = new Array<number>(rank).fill(0);
  let acc = 1;
  for (let i = inShape.length - 1; i >= 0; i--) {
    const k = rank - inShape.length + i;
    if (inShape[i] !== 1) out[k] = acc;
    acc *= inShape[i]!;
  }
  return out;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Element i of any tensor as a JS value of its storage class. */
export const elemAt = (t: Tensor, i: number): Elem => t.data[i]!;

/** Scalar operand value as a number or bigint (for Clip bounds). */
export function scalarOf(t: Tensor): number | bigint {
  if (t.data.length !== 1) throw new Error('scalarOf: tensor has more than one element');
  const v = t.data[0]!;
  if (typeof v === 'string') throw new Error('scalarOf: string tensor');
  return v;
}

export const usesBigInts = (t: Tensor): boolean => isBigData(t.data);

/** A float converted to an integer: truncate toward zero; NaN and ±Inf become 0. */
export const truncOrZero = (v: number): number => (Number.isFinite(v) ? Math.trunc(v) : 0);
