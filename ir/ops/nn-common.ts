// Shared pieces of the nn family: numeric staging (kernels compute on Float64Array and round once
// into the result's storage), sliding-window geometry for conv/pool (explicit pads, auto_pad,
// ceil_mode, symbolic dims), the i-k-j GEMM kernel and the col2im scatter used by ConvTranspose
// and Col2Im.

import type { DType } from '../dtype.js';
import { DTYPE_INFO } from '../dtype.js';
import type { AttrReader, InferCtx } from '../op-def.js';
import type { Tensor } from '../tensor.js';
import { allocData, isBigData, sizeOf } from '../tensor.js';
import type { Dim } from '../types.js';
import { UNKNOWN_DIM } from '../types.js';
import { dimAdd, dimCeilDiv, dimFloorDiv, dimMax, dimMin, dimMul, dimNeg, dimSel, dimSub } from '../symbolic.js';

/** Elements of a numeric tensor as float64 (64-bit integers beyond 2^53 lose precision). */
export function asF64(t: Tensor): Float64Array {
  const d = t.data;
  if (d instanceof Float64Array) return d;
  if (Array.isArray(d)) throw new Error('string tensors are not numeric');
  if (isBigData(d)) {
    const out = new Float64Array(d.length);
    for (let i = 0; i < d.length; i++) out[i] = Number(d[i]!);
    return out;
  }
  return Float64Array.from(d);
}

/** A tensor of `dtype` holding `values` (rounded/wrapped by the storage; the interpreter rounds f16 & co). */
export function fromF64(dtype: DType, shape: readonly number[], values: Float64Array): Tensor {
  const storage = DTYPE_INFO[dtype].storage;
  if (storage === 'f64') return { dtype, shape: [...shape], data: values };
  const data = allocData(storage, values.length);
  if (isBigData(data)) {
    for (let i = 0; i < values.length; i++) data[i] = BigInt(Math.round(values[i]!));
  } else if (storage === 'f32') {
    (data as Float32Array).set(values);
  } else {
    // Integer storage: ONNX integer kernels are exact; truncate any fraction before wrapping.
    const a = data as Int32Array;
    for (let i = 0; i < values.length; i++) a[i] = Math.trunc(values[i]!);
  }
  return { dtype, shape: [...shape], data };
}

// ---------------------------------------------------------------------------------------------
// Sliding-window geometry.

export type AutoPad = 'NOTSET' | 'SAME_UPPER' | 'SAME_LOWER' | 'VALID';

export function readAutoPad(attrs: AttrReader, bad: (m: string) => never): AutoPad {
  const a = attrs.has('auto_pad') ? attrs.string('auto_pad') : 'NOTSET';
  if (a !== 'NOTSET' && a !== 'SAME_UPPER' && a !== 'SAME_LOWER' && a !== 'VALID') bad(`unknown auto_pad '${a}'`);
  return a;
}

/** Per-spatial-dim window parameters as written in the attributes (pads may be overridden by auto_pad). */
export interface WindowAttrs {
  readonly kernel: readonly number[];
  readonly strides: readonly number[];
  readonly dilations: readonly number[];
  /** [begin..., end...] as in ONNX. */
  readonly pads: readonly number[];
  readonly autoPad: AutoPad;
  readonly ceil: boolean;
}

/** `autoPad` false: the op has no auto_pad attribute (deform_conv, col2im). */
export function readWindow(attrs: AttrReader, kernel: readonly number[], bad: (m: string) => never, ceil = false, autoPad = true): WindowAttrs {
  const r = kernel.length;
  const list = (name: string, fill: number, len: number): readonly number[] => {
    if (!attrs.has(name)) return new Array<number>(len).fill(fill);
    const v = attrs.ints(name);
    if (v.length !== len) bad(`'${name}' has ${v.length} values, expected ${len}`);
    return v;
  };
  const w: WindowAttrs = {
    kernel,
    strides: list('strides', 1, r),
    dilations: list('dilations', 1, r),
    pads: list('pads', 0, 2 * r),
    autoPad: autoPad ? readAutoPad(attrs, bad) : 'NOTSET',
    ceil,
  };
  if (w.strides.some((s) => s <= 0) || w.dilations.some((d) => d <= 0) || kernel.some((k) => k <= 0)) {
    bad('kernel_shape, strides and dilations must be positive');
  }
  return w;
}

/** Output size and begin/end pads of one spatial dim with a static input size. */
export function windowDim(w: WindowAttrs, i: number, size: number): { out: number; pb: number; pe: number } {
  const s = w.strides[i]!, ek = (w.kernel[i]! - 1) * w.dilations[i]! + 1;
  const r = w.kernel.length;
  if (w.autoPad === 'VALID') return { out: Math.max(0, Math.floor((size - ek) / s) + 1), pb: 0, pe: 0 };
  if (w.autoPad === 'SAME_UPPER' || w.autoPad === 'SAME_LOWER') {
    const out = Math.ceil(size / s);
    const total = Math.max(0, (out - 1) * s + ek - size);
    const small = Math.floor(total / 2);
    const pb = w.autoPad === 'SAME_UPPER' ? small : total - small;
    return { out, pb, pe: total - pb };
  }
  const pb = w.pads[i]!, pe = w.pads[i + r]!;
  const span = size + pb + pe - ek;
  if (span < 0) return { out: 0, pb, pe };
  let out = (w.ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  // ceil_mode: a last window that would start in the end padding is dropped (PyTorch/ONNX rule).
  if (w.ceil && (out - 1) * s >= size + pb) out--;
  return { out, pb, pe };
}

/**
 * Output dim for shape rules. A symbolic size gives the expression windowDim computes (so CNNs over
 * a dynamic height/width/time keep named sizes); '?' stays '?', and an opaque symbol (a dim_param
 * that is no expression) survives only where the output equals the input.
 */
export function windowDimSym(w: WindowAttrs, i: number, size: Dim): Dim {
  if (typeof size === 'number') return windowDim(w, i, size).out;
  if (size === UNKNOWN_DIM) return UNKNOWN_DIM;
  const s = w.strides[i]!, ek = (w.kernel[i]! - 1) * w.dilations[i]! + 1;
  const r = w.kernel.length;
  if (w.autoPad === 'SAME_UPPER' || w.autoPad === 'SAME_LOWER') return s === 1 ? size : dimCeilDiv(size, s);
  const valid = w.autoPad === 'VALID';
  const pb = valid ? 0 : w.pads[i]!, pe = valid ? 0 : w.pads[i + r]!;
  const ceil = w.ceil && !valid;
  // span = size + pb + pe - ek; out = floor(span / s) + 1 = floor((span + s) / s) (or ceil), and 0
  // when span < 0. For span < 0 the floor form is <= 0, so a clamp at 0 is exact.
  const extra = pb + pe - ek;
  if (s === 1 && extra === -1) return size;
  if (!ceil) {
    const out = dimFloorDiv(dimAdd(size, extra + s), s);
    return extra + s < 0 ? dimMax(out, 0) : out;
  }
  const span = dimAdd(size, extra);
  const c1 = dimCeilDiv(dimAdd(size, extra + s), s);
  // ceil_mode drops a last window starting in the end padding: (c1-1)*s >= size + pb (as windowDim).
  const drop = dimMin(1, dimMax(0, dimAdd(dimSub(dimMul(c1, s), size), 1 - pb - s)));
  const out = dimSub(c1, drop);
  return extra < 0 ? dimSel(dimMax(0, dimNeg(span)), 0, out) : out;
}

export interface Geometry {
  readonly inSp: readonly number[];
  readonly outSp: readonly number[];
  readonly kernel: readonly number[];
  readonly strides: readonly number[];
  readonly dilations: readonly number[];
  readonly padsBegin: readonly number[];
  readonly padsEnd: readonly number[];
}

export function geometry(w: WindowAttrs, inSp: readonly number[]): Geometry {
  const dims = inSp.map((s, i) => windowDim(w, i, s));
  return {
    inSp, outSp: dims.map((d) => d.out), kernel: w.kernel, strides: w.strides, dilations: w.dilations,
    padsBegin: dims.map((d) => d.pb), padsEnd: dims.map((d) => d.pe),
  };
}

/** Shape rule helper: [N, C, ...spatial] input of a conv/pool; fails on too small rank. */
export function spatialInput(ctx: InferCtx, i: number, minRank = 3): readonly Dim[] | null {
  const t = ctx.inputs[i];
  if (!t) return ctx.fail(`operand ${i} is required`);
  if (t.shape === null) return null;
  if (t.shape.length < minRank) ctx.fail(`operand ${i} must have rank >= ${minRank}, got ${t.shape.length}`);
  return t.shape;
}

// ---------------------------------------------------------------------------------------------
// Kernels.

/**
 * C[M,N] += A[M,K] * B[K,N] (row-major, with offsets). i-k-j order so the inner loop streams
 * contiguous rows of B and C; four rows of C at a time share each load of B, and columns are
 * tiled so the [K, tile] panel of B stays in cache while it is reused for every row block.
 */
export function gemmAcc(
  M: number, N: number, K: number,
  A: Float64Array, aOff: number, B: Float64Array, bOff: number, C: Float64Array, cOff: number,
): void {
  const tile = Math.max(64, Math.min(N, Math.floor(65536 / Math.max(1, K))));
  for (let j0 = 0; j0 < N; j0 += tile) {
    const j1 = Math.min(N, j0 + tile);
    let i = 0;
    for (; i + 4 <= M; i += 4) {
      const c0 = cOff + i * N, c1 = c0 + N, c2 = c1 + N, c3 = c2 + N;
      const a0 = aOff + i * K, a1 = a0 + K, a2 = a1 + K, a3 = a2 + K;
      for (let k = 0; k < K; k++) {
        const w0 = A[a0 + k]!, w1 = A[a1 + k]!, w2 = A[a2 + k]!, w3 = A[a3 + k]!;
        const bk = bOff + k * N;
        for (let j = j0; j < j1; j++) {
          const b = B[bk + j]!;
          C[c0 + j] += w0 * b;
          C[c1 + j] += w1 * b;
          C[c2 + j] += w2 * b;
          C[c3 + j] += w3 * b;
        }
      }
    }
    for (; i < M; i++) {
      const ci = cOff + i * N, ai = aOff + i * K;
      for (let k = 0; k < K; k++) {
        const a = A[ai + k]!;
        const bk = bOff + k * N;
        for (let j = j0; j < j1; j++) C[ci + j] += a * B[bk + j]!;
      }
    }
  }
}

/** C[M,N] += A[M,K] * B[N,K]^T: dot products of contiguous rows (for transposed right operands). */
export function gemmAccBT(
  M: number, N: number, K: number,
  A: Float64Array, aOff: number, B: Float64Array, bOff: number, C: Float64Array, cOff: number,
): void {
  for (let i = 0; i < M; i++) {
    const ai = aOff + i * K;
    for (let j = 0; j < N; j++) {
      const bj = bOff + j * K;
      let s = 0;
      for (let k = 0; k < K; k++) s += A[ai + k]! * B[bj + k]!;
      C[cOff + i * N + j] += s;
    }
  }
}

/** Row-major transpose of an [R, C] block. */
export function transpose2d(src: Float64Array, off: number, R: number, C: number): Float64Array {
  const out = new Float64Array(R * C);
  for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) out[c * R + r] = src[off + r * C + c]!;
  return out;
}

/**
 * Scatter-add columns into an image (inverse of im2col). `col` is [channels * prod(kernel), prod(grid)]
 * starting at colOff; grid position g and kernel tap k land at g*stride + k*dilation - padBegin.
 * `out` is [channels, ...outSp] starting at outOff. Taps outside the image are dropped.
 */
export function col2imAdd(
  col: Float64Array, colOff: number, channels: number, grid: readonly number[], g: Omit<Geometry, 'inSp' | 'outSp' | 'padsEnd'>,
  outSp: readonly number[], out: Float64Array, outOff: number,
): void {
  const r = grid.length;
  const K = sizeOf(g.kernel), P = sizeOf(grid), O = sizeOf(outSp);
  const outStrides = new Array<number>(r);
  for (let i = r - 1, acc = 1; i >= 0; i--) { outStrides[i] = acc; acc *= outSp[i]!; }
  const kIdx = new Array<number>(r).fill(0);
  const gIdx = new Array<number>(r).fill(0);
  for (let c = 0; c < channels; c++) {
    kIdx.fill(0);
    for (let k = 0; k < K; k++) {
      const row = colOff + (c * K + k) * P;
      gIdx.fill(0);
      for (let p = 0; p < P; p++) {
        let pos = 0, inside = true;
        for (let d = 0; d < r; d++) {
          const x = gIdx[d]! * g.strides[d]! + kIdx[d]! * g.dilations[d]! - g.padsBegin[d]!;
          if (x < 0 || x >= outSp[d]!) { inside = false; break; }
          pos += x * outStrides[d]!;
        }
        if (inside) out[outOff + c * O + pos] += col[row + p]!;
        for (let d = r - 1; d >= 0; d--) { if (++gIdx[d]! < grid[d]!) break; gIdx[d] = 0; }
      }
      for (let d = r - 1; d >= 0; d--) { if (++kIdx[d]! < g.kernel[d]!) break; kIdx[d] = 0; }
    }
  }
}
