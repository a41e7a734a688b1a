// Comparing a computed tensor with an expected one, the way ONNX's backend tests do
// (numpy.testing.assert_allclose): |got - want| <= atol + rtol * |want| element by element.
// NaN matches NaN, an infinity matches only the same infinity, and dtype and shape must agree
// exactly (a right number in the wrong dtype is a wrong answer). 64-bit integers are compared as
// bigints, so values beyond 2^53 are exact.

import type { Tensor } from '../../ir/tensor.js';
import { stridesOf } from '../../ir/tensor.js';

export interface Tolerance {
  readonly rtol: number;
  readonly atol: number;
}

/** ONNX backend-test defaults. */
export const ONNX_TOLERANCE: Tolerance = { rtol: 1e-3, atol: 1e-7 };

export interface ElementMismatch {
  readonly index: number;
  /** Multi-dimensional index of the element. */
  readonly coords: readonly number[];
  readonly got: string;
  readonly want: string;
}

export interface Comparison {
  readonly ok: boolean;
  /** Why it failed: dtype, shape, or the first mismatching element. Empty when ok. */
  readonly reason: string;
  /** Largest |got - want| over finite pairs (0 when there are none). */
  readonly maxAbs: number;
  /** Largest |got - want| / |want| over finite pairs with want != 0. */
  readonly maxRel: number;
  /** Number of elements outside the tolerance. */
  readonly mismatches: number;
  readonly first?: ElementMismatch;
}

/** Short, deterministic rendering of a number for reports. */
export function formatNumber(x: number | bigint | string): string {
  if (typeof x !== 'number') return String(x);
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (Number.isInteger(x) && Math.abs(x) < 1e15) return String(x);
  const a = Math.abs(x);
  if (a >= 1e-3 && a < 1e6) return String(Number(x.toPrecision(6)));
  return x.toExponential(5).replace(/\.?0+e/, 'e');
}

/**
 * The shortest decimal that reads back as exactly `x` in its dtype (f32: through Math.fround; f64:
 * String(x)), so two values that differ never print alike, as 6-digit formatNumber can. f16 and
 * bf16 values are exact f32 values, so the f32 rule shows them exactly too.
 */
export function formatExact(x: number | bigint | string, dtype: string): string {
  if (typeof x !== 'number' || !Number.isFinite(x) || (Number.isInteger(x) && Math.abs(x) < 1e15)) return formatNumber(x);
  if (dtype === 'f64') return String(x);
  for (let p = 1; p <= 9; p++) {
    const y = Number(x.toPrecision(p));
    if (Math.fround(y) === x) return String(y);
  }
  return String(x);
}

const shapeText = (s: readonly number[]): string => `[${s.join(',')}]`;

function coordsOf(index: number, shape: readonly number[]): number[] {
  const strides = stridesOf(shape);
  return strides.map((s, i) => Math.floor(index / s) % Math.max(1, shape[i]!));
}

export function compareTensors(got: Tensor, want: Tensor, tol: Tolerance = ONNX_TOLERANCE): Comparison {
  const bad = (reason: string): Comparison => ({ ok: false, reason, maxAbs: NaN, maxRel: NaN, mismatches: NaN });
  if (got.dtype !== want.dtype) return bad(`dtype ${got.dtype}, expected ${want.dtype}`);
  if (got.shape.length !== want.shape.length || got.shape.some((d, i) => d !== want.shape[i])) {
    return bad(`shape ${shapeText(got.shape)}, expected ${shapeText(want.shape)}`);
  }
  const n = want.data.length;
  if (got.data.length !== n) return bad(`${got.data.length} elements, expected ${n}`);
  let maxAbs = 0, maxRel = 0, mismatches = 0;
  let firstIndex = -1;
  for (let i = 0; i < n; i++) {
    const g = got.data[i]!, w = want.data[i]!;
    let ok: boolean;
    if (typeof g === 'string' || typeof w === 'string') {
      ok = g === w;
    } else if (typeof g === 'bigint' && typeof w === 'bigint') {
      const d = g > w ? g - w : w - g;
      const abs = Number(d);
      const wAbs = Math.abs(Number(w));
      ok = d === 0n || abs <= tol.atol + tol.rtol * wAbs;
      if (abs > maxAbs) maxAbs = abs;
      if (wAbs !== 0 && abs / wAbs > maxRel) maxRel = abs / wAbs;
    } else {
      const gn = Number(g), wn = Number(w);
      if (Number.isNaN(wn) || Number.isNaN(gn)) {
        ok = Number.isNaN(wn) && Number.isNaN(gn);
      } else if (!Number.isFinite(wn) || !Number.isFinite(gn)) {
        ok = gn === wn;
      } else {
        const abs = Math.abs(gn - wn);
        const wAbs = Math.abs(wn);
        ok = abs <= tol.atol + tol.rtol * wAbs;
        if (abs > maxAbs) maxAbs = abs;
        if (wAbs !== 0 && abs / wAbs > maxRel) maxRel = abs / wAbs;
      }
    }
    if (!ok) {
      mismatches++;
      if (firstIndex < 0) firstIndex = i;
    }
  }
  if (mismatches === 0) return { ok: true, reason: '', maxAbs, maxRel, mismatches };
  const first: ElementMismatch = {
    index: firstIndex,
    coords: coordsOf(firstIndex, want.shape),
    got: formatExact(got.data[firstIndex]!, got.dtype),
    want: formatExact(want.data[firstIndex]!, want.dtype),
  };
  const where = want.shape.length === 0 ? 'the scalar' : `element [${first.coords.join(',')}]`;
  const reason = `${mismatches} of ${n} elements differ; first at ${where}: got ${first.got}, expected ${first.want}`;
  return { ok: false, reason, maxAbs, maxRel, mismatches, first };
}
