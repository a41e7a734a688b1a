// Helpers shared by op families: broadcasting (symbolic-aware for shape rules, index maps for
// eval), axis normalisation, result allocation. Family-specific helpers stay in their own files.

import type { Dim, TensorType } from '../types.js';
import { UNKNOWN_DIM } from '../types.js';
import { dimMax } from '../symbolic.js';
import type { InferCtx } from '../op-def.js';
import type { Tensor } from '../tensor.js';
import { stridesOf, sizeOf } from '../tensor.js';

/** Multidirectional (numpy) broadcast of shapes with symbolic dims. Returns undefined if incompatible. */
export function broadcastShapes(shapes: readonly (readonly Dim[])[]): Dim[] | undefined {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let d: Dim = 1;
    for (const s of shapes) {
      const k = s.length - rank + i;
      if (k < 0) continue;
      const e = s[k]!;
      if (e === 1) continue;
      if (d === 1) d = e;
      else if (d === e) continue;
      else if (typeof d === 'number' && typeof e === 'number') return undefined;
      else if (d === UNKNOWN_DIM || e === UNKNOWN_DIM) d = typeof d === 'number' ? d : typeof e === 'number' ? e : UNKNOWN_DIM;
      else if (typeof d === 'number') continue; // symbol must equal the static dim at run time
      else if (typeof e === 'number') d = e;
      // Two different symbols: equal, or one is 1, at run time; max(a,b) is exact in both cases.
      else d = dimMax(d, e);
    }
    out.push(d);
  }
  return out;
}

/** Shape rule for ops whose result is the broadcast of some operands, with a given dtype. */
export function inferBroadcast(ctx: InferCtx, operandIdx: readonly number[], dtype = ctx.inputs[operandIdx[0]!]!.dtype): TensorType {
  const types = operandIdx.map((i) => ctx.inputs[i]).filter((t): t is TensorType => t !== null);
  if (types.some((t) => t.shape === null)) return { dtype, shape: null };
  const shape = broadcastShapes(types.map((t) => t.shape!));
  if (!shape) ctx.fail(`shapes ${types.map((t) => `[${t.shape!.join(',')}]`).join(' and ')} do not broadcast`);
  return { dtype, shape };
}

/** Concrete broadcast of static shapes; throws a plain Error if incompatible (callers add context). */
export function broadcastStatic(shapes: readonly (readonly number[])[]): number[] {
  const s = broadcastShapes(shapes);
  if (!s || s.some((d) => typeof d !== 'number')) {
    throw new Error(`shapes ${shapes.map((x) => `[${x.join(',')}]`).join(' and ')} do not broadcast`);
  }
  return s as number[];
}

/**
 * For each flat index of `outShape`, the flat index into a tensor of shape `inShape` broadcast to it.
 * Returns null when no broadcasting is needed (identical shapes): index i maps to i.
 */
export function broadcastIndex(inShape: readonly number[], outShape: readonly number[]): Int32Array | null {
  const n = sizeOf(outShape);
  if (inShape.length === outShape.length && inShape.every((d, i) => d === outShape[i])) return null;
  const rank = outShape.length;
  const inStrides = stridesOf(inShape);
  const eff = new Array<number>(rank).fill(0);
  for (let i = 0; i < rank; i++) {
    const k = inShape.length - rank + i;
    if (k >= 0 && inShape[k] !== 1) eff[i] = inStrides[k]!;
  }
  const idx = new Int32Array(n);
  const counter = new Array<number>(rank).fill(0);
  let off = 0;
  for (let i = 0; i < n; i++) {
    idx[i] = off;
    for (let d = rank - 1; d >= 0; d--) {
      counter[d]!++;
      off += eff[d]!;
      if (counter[d]! < outShape[d]!) break;
      off -= eff[d]! * counter[d]!;
      counter[d] = 0;
    }
  }
  return idx;
}

/** Normalise a possibly negative axis into [0, rank) or report through `bad`. */
export function normAxis(axis: number, rank: number, bad: (msg: string) => never): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!(a >= 0 && a < rank)) bad(`axis ${axis} is out of range for rank ${rank}`);
  return a;
}

/** Shape of a tensor type, or fail if unranked. */
export function rankedShape(ctx: InferCtx, i: number): readonly Dim[] {
  const t = ctx.inputs[i];
  if (!t) return ctx.fail(`operand ${i} is required`);
  if (t.shape === null) return ctx.fail(`operand ${i} must be ranked`);
  return t.shape;
}

export const sameAs = (ctx: InferCtx, i = 0): TensorType[] => [ctx.inputs[i]!];

/** Tensor shape as a dim list (for building result types from concrete tensors). */
export const shapeOf = (t: Tensor): number[] => [...t.shape];

/** Round to the nearest integer, ties to even (numpy.rint; ONNX Round and QuantizeLinear). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
