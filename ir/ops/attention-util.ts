// Small helpers shared by the attention and misc families: symbolic dim arithmetic for shape
// rules, float rounding for reduced-precision intermediates, and a masked-row-safe softmax.

import type { DType } from '../dtype.js';
import { DTYPE_INFO } from '../dtype.js';
import { roundToDType, type Tensor } from '../tensor.js';
import type { Dim } from '../types.js';
import { UNKNOWN_DIM } from '../types.js';

/** a + b when both are static, else unknown. */
export const addDims = (a: Dim, b: Dim): Dim => (typeof a === 'number' && typeof b === 'number' ? a + b : a === 0 ? b : b === 0 ? a : UNKNOWN_DIM);

/** a * b when both are static (or one is 1), else unknown. */
export const mulDims = (a: Dim, b: Dim): Dim =>
  typeof a === 'number' && typeof b === 'number' ? a * b : a === 1 ? b : b === 1 ? a : UNKNOWN_DIM;

/** a / b when a is static and b divides it, else unknown. */
export const divDim = (a: Dim, b: number): Dim => (b === 1 ? a : typeof a === 'number' && a % b === 0 ? a / b : UNKNOWN_DIM);

/**
 * Rounding to apply to intermediates so that reduced-precision computations (f16, bf16) match
 * what a runtime computing in that dtype produces; identity for f32/f64 (we compute in f64 and
 * the final write rounds).
 */
export function rounder(dtype: DType): (x: number) => number {
  if (dtype === 'f32' || dtype === 'f64' || DTYPE_INFO[dtype].storage !== 'f32') return (x) => x;
  return (x) => roundToDType(dtype, x);
}

/** Element values of a float or integer tensor as a Float64Array (bigints converted). */
export function asF64(t: Tensor): Float64Array {
  const out = new Float64Array(t.data.length);
  const d = t.data;
  for (let i = 0; i < d.length; i++) out[i] = Number(d[i]);
  return out;
}

/**
 * In-place softmax of row[0..n). A row whose entries are all -inf (fully masked) becomes all
 * zeros rather than NaN, as ONNX Attention requires.
 */
export function softmaxRow(row: Float64Array, n: number, rnd: (x: number) => number = (x) => x): void {
  let max = -Infinity;
  for (let j = 0; j < n; j++) max = Math.max(max, row[j]!); // NaN propagates
  if (max === -Infinity) { row.fill(0, 0, n); return; }
  let sum = 0;
  for (let j = 0; j < n; j++) { const e = rnd(Math.exp(rnd(row[j]! - max))); row[j] = e; sum += e; }
  sum = rnd(sum);
  for (let j = 0; j < n; j++) row[j] = rnd(row[j]! / sum);
}
