// Signal-processing ops: DFT (opset 20 form: axis as an input), STFT, the Hann/Hamming/Blackman
// windows and MelWeightMatrix. Complex tensors use a trailing dim of 2 (real, imag); real
// signals a trailing dim of 1. DFTs are computed directly in f64 (O(n²) per line; the sizes in
// models using these ops are small, and exactness beats speed in the reference interpreter).

import type { DType } from '../dtype.js';
import type { EvalCtx, InferCtx } from '../op-def.js';
import { defineOps, type OpDef } from '../op-def.js';
import { getNumber, zeros, type NumericArray, type Tensor } from '../tensor.js';
import type { Dim, TensorType } from '../types.js';
import { UNKNOWN_DIM } from '../types.js';
import { dimAdd, dimEq, dimFloorDiv, dimMul, dimSel, dimSub, dimWrap } from '../symbolic.js';
import { asF64 } from './attention-util.js';
import { fftF32 } from './misc-fft.js';
import { normAxis, rankedShape } from './util.js';

const scalarOf = (t: Tensor | undefined | null): number | undefined => (t ? getNumber(t, 0) : undefined);

// ---------------------------------------------------------------------------------------------
// DFT

function inferDft(ctx: InferCtx): TensorType[] {
  const x = rankedShape(ctx, 0);
  const rank = x.length;
  if (rank < 2) ctx.fail('input must have rank >= 2 (signal dims + a trailing complex dim)');
  const last = x[rank - 1];
  if (typeof last === 'number' && last !== 1 && last !== 2) ctx.fail(`last dim must be 1 (real) or 2 (complex), got ${last}`);
  const inverse = ctx.attrs.int('inverse') !== 0, onesided = ctx.attrs.int('onesided') !== 0;
  const dtype = ctx.inputs[0]!.dtype;
  const outLast = inverse && onesided ? 1 : 2;
  // axis and dft_length: constants, or graph-input data (data symbols the runtime reads).
  const scalarDim = (i: number): Dim | undefined => {
    const c = ctx.constant(i);
    return c ? scalarOf(c) : ctx.shapeValue?.(i)?.[0];
  };
  const axisD: Dim | undefined = ctx.inputs[2] ? scalarDim(2) : -2;
  const lenD: Dim = ctx.inputs[1] ? scalarDim(1) ?? UNKNOWN_DIM : UNKNOWN_DIM;
  // Result length along axis a when it is the transformed one.
  const outAt = (a: number): Dim => {
    let n: Dim = ctx.inputs[1] ? lenD : x[a]!;
    if (inverse && onesided && !ctx.inputs[1]) n = dimMul(2, dimSub(x[a]!, 1));
    return !inverse && onesided ? dimAdd(dimFloorDiv(n, 2), 1) : n;
  };
  if (axisD === undefined || axisD === UNKNOWN_DIM) return [{ dtype, shape: [...x.slice(0, -1).map(() => UNKNOWN_DIM), outLast] }];
  const shape = [...x];
  shape[rank - 1] = outLast;
  if (typeof axisD === 'number') {
    const axis = normAxis(axisD, rank, ctx.fail);
    if (axis === rank - 1) ctx.fail('axis cannot be the trailing complex dim');
    shape[axis] = outAt(axis);
    return [{ dtype, shape }];
  }
  // An axis read at run time: each signal dim is its transformed length when the axis names it
  // (an axis naming none, which the reference rejects, leaves every dim as it is).
  const axis = dimWrap(axisD, rank);
  for (let a = 0; a < rank - 1; a++) shape[a] = dimSel(dimEq(axis, a), outAt(a), x[a]!);
  return [{ dtype, shape }];
}

function evalDft(ctx: EvalCtx): Tensor[] {
  const [xT, lenT, axisT] = ctx.inputs;
  const shape = xT!.shape;
  const rank = shape.length;
  const axis = normAxis(scalarOf(axisT) ?? -2, rank, ctx.fail);
  if (axis === rank - 1) ctx.fail('axis cannot be the trailing complex dim');
  const inverse = ctx.attrs.int('inverse') !== 0, onesided = ctx.attrs.int('onesided') !== 0;
  const complexIn = shape[rank - 1] === 2;
  const m = shape[axis]!;
  // n: transform length. For an inverse one-sided (irfft) input, m = n/2 + 1 bins are given.
  const n = lenT ? scalarOf(lenT)! : inverse && onesided ? 2 * (m - 1) : m;
  if (!(n > 0)) ctx.fail(`dft_length must be positive, got ${n}`);
  const outN = !inverse && onesided ? Math.floor(n / 2) + 1 : n;
  const outLast = inverse && onesided ? 1 : 2;
  const outShape = [...shape];
  outShape[axis] = outN;
  outShape[rank - 1] = outLast;
  const out = zeros(xT!.dtype, outShape);
  const o = out.data as NumericArray;
  const x = asF64(xT!);
  const inner = shape.slice(axis + 1, rank - 1).reduce((a, b) => a * b, 1);
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const cin = shape[rank - 1]!;
  const re = new Float64Array(n), im = new Float64Array(n);
  const sign = inverse ? 1 : -1;
  // Only complex64 data goes through NumPy's float32 FFT; real float32 signals are transformed in
  // double precision by the reference (their expected outputs carry ~1e-15 noise).
  const f32Fft = xT!.dtype === 'f32' && !onesided && complexIn;
  for (let a = 0; a < outer; a++) {
    for (let i = 0; i < inner; i++) {
      re.fill(0); im.fill(0);
      const at = (k: number): number => ((a * m + k) * inner + i) * cin;
      if (inverse && onesided) {
        // Rebuild the full spectrum from its Hermitian half.
        for (let k = 0; k < n; k++) {
          const src = k < m ? k : n - k;
          if (src >= m) continue;
          re[k] = x[at(src)]!;
          im[k] = complexIn ? (k < m ? 1 : -1) * x[at(src) + 1]! : 0;
        }
      } else {
        for (let k = 0; k < Math.min(m, n); k++) { re[k] = x[at(k)]!; im[k] = complexIn ? x[at(k) + 1]! : 0; }
      }
      // Full complex f32 transforms follow NumPy's float32 FFT so near-zero outputs carry the same noise.
      if (f32Fft && fftF32(re, im, n, !inverse, inverse ? Math.fround(1 / n) : 1)) {
        for (let f = 0; f < outN; f++) {
          const oi = ((a * outN + f) * inner + i) * outLast;
          o[oi] = re[f]!;
          o[oi + 1] = im[f]!;
        }
        continue;
      }
      for (let f = 0; f < outN; f++) {
        let sr = 0, si = 0;
        for (let k = 0; k < n; k++) {
          const ang = (sign * 2 * Math.PI * ((f * k) % n)) / n;
          const c = Math.cos(ang), s = Math.sin(ang);
          sr += re[k]! * c - im[k]! * s;
          si += re[k]! * s + im[k]! * c;
        }
        if (inverse) { sr /= n; si /= n; }
        const oi = ((a * outN + f) * inner + i) * outLast;
        o[oi] = sr;
        if (outLast === 2) o[oi + 1] = si;
      }
    }
  }
  return [out];
}

// ---------------------------------------------------------------------------------------------
// STFT

function inferStft(ctx: InferCtx): TensorType[] {
  const x = rankedShape(ctx, 0);
  if (x.length !== 3) ctx.fail('signal must be 3-D [batch, length, 1 or 2]');
  // frame_step and frame_length: constants or graph-input data (data symbols).
  const scalarDim = (i: number): Dim => {
    const c = ctx.constant(i);
    return (c ? scalarOf(c) : ctx.shapeValue?.(i)?.[0]) ?? UNKNOWN_DIM;
  };
  const step = scalarDim(1);
  const win = ctx.inputs[2];
  const flen: Dim = ctx.inputs[3] ? scalarDim(3) : win?.shape?.[0] ?? UNKNOWN_DIM;
  const frames = dimAdd(1, dimFloorDiv(dimSub(x[1]!, flen), step));
  const onesided = ctx.attrs.int('onesided') !== 0;
  const bins: Dim = onesided ? dimAdd(dimFloorDiv(flen, 2), 1) : flen;
  return [{ dtype: ctx.inputs[0]!.dtype, shape: [x[0]!, frames, bins, 2] }];
}

function evalStft(ctx: EvalCtx): Tensor[] {
  const [xT, stepT, winT, lenT] = ctx.inputs;
  const [B, L, C] = xT!.shape as [number, number, number];
  const step = scalarOf(stepT)!;
  const flen = lenT ? scalarOf(lenT)! : winT ? winT.shape[0]! : ctx.fail('either window or frame_length is required');
  if (winT && winT.shape[0] !== flen) ctx.fail(`window length ${winT.shape[0]} differs from frame_length ${flen}`);
  if (!(step > 0) || !(flen > 0) || flen > L) ctx.fail(`bad frame_step ${step} / frame_length ${flen} for a signal of length ${L}`);
  const win = winT ? asF64(winT) : new Float64Array(flen).fill(1);
  const onesided = ctx.attrs.int('onesided') !== 0;
  const frames = 1 + Math.floor((L - flen) / step);
  const bins = onesided ? Math.floor(flen / 2) + 1 : flen;
  const x = asF64(xT!);
  const out = zeros(xT!.dtype, [B, frames, bins, 2]);
  const o = out.data as NumericArray;
  for (let b = 0; b < B; b++) {
    for (let f = 0; f < frames; f++) {
      for (let k = 0; k < bins; k++) {
        let sr = 0, si = 0;
        for (let t = 0; t < flen; t++) {
          const idx = (b * L + f * step + t) * C;
          const xr = x[idx]! * win[t]!, xi = C === 2 ? x[idx + 1]! * win[t]! : 0;
          const ang = (-2 * Math.PI * ((k * t) % flen)) / flen;
          const c = Math.cos(ang), s = Math.sin(ang);
          sr += xr * c - xi * s;
          si += xr * s + xi * c;
        }
        const oi = ((b * frames + f) * bins + k) * 2;
        o[oi] = sr; o[oi + 1] = si;
      }
    }
  }
  return [out];
}

// ---------------------------------------------------------------------------------------------
// Windows and the mel filter bank

function inferWindow(ctx: InferCtx): TensorType[] {
  // A size given as input data is a data symbol the runtime reads (ir/shape-value.ts).
  const size = scalarOf(ctx.constant(0)) ?? ctx.shapeValue?.(0)?.[0];
  return [{ dtype: ctx.attrs.dtype('output_datatype'), shape: [size ?? UNKNOWN_DIM] }];
}

function windowOp(name: string, summary: string, fn: (n: number, N: number) => number): OpDef {
  return {
    name,
    summary,
    inputs: [{ name: 'size' }],
    outputs: [{ name: 'output' }],
    attrs: { output_datatype: { kind: 'dtype', default: 'f32' as DType }, periodic: { kind: 'int', default: 1 } },
    traits: ['pure'],
    fusion: 'opaque',
    infer: inferWindow,
    eval(ctx) {
      const size = scalarOf(ctx.inputs[0])!;
      if (!(size >= 0)) ctx.fail(`size must be non-negative, got ${size}`);
      // Periodic windows are the first `size` points of a window of size+1.
      const N = ctx.attrs.int('periodic') !== 0 ? size : size - 1;
      const out = zeros(ctx.resultTypes[0]!.dtype, [size]);
      const o = out.data as NumericArray;
      for (let i = 0; i < size; i++) o[i] = fn(i, N);
      return [out];
    },
  };
}

const cosTerm = (k: number, n: number, N: number): number => Math.cos((2 * Math.PI * k * n) / N);

function evalMel(ctx: EvalCtx): Tensor[] {
  const [bins, dftLen, rate, lo, hi] = ctx.inputs.map((t) => scalarOf(t)!) as [number, number, number, number, number];
  const nSpec = Math.floor(dftLen / 2) + 1;
  const toMel = (hz: number): number => 2595 * Math.log10(1 + hz / 700);
  const loMel = toMel(lo), step = (toMel(hi) - loMel) / (bins + 2);
  // Filter edges in spectrogram-bin units (floor division like the reference).
  const edges = Array.from({ length: bins + 2 }, (_, i) => {
    const hz = 700 * (10 ** ((i * step + loMel) / 2595) - 1);
    return Math.floor(((dftLen + 1) * hz) / rate);
  });
  const out = zeros(ctx.resultTypes[0]!.dtype, [nSpec, bins]);
  const o = out.data as NumericArray;
  for (let i = 0; i < bins; i++) {
    const l = edges[i]!, c = edges[i + 1]!, r = edges[i + 2]!;
    if (c === l) o[c * bins + i] = 1;
    else for (let j = l; j <= c; j++) o[j * bins + i] = (j - l) / (c - l);
    if (r > c) for (let j = c; j < r; j++) o[j * bins + i] = (r - j) / (r - c);
  }
  return [out];
}

defineOps(
  {
    name: 'dft',
    summary: 'Discrete Fourier transform along an axis (ONNX DFT-20): forward/inverse, full or one-sided.',
    inputs: [{ name: 'input' }, { name: 'dft_length', optional: true }, { name: 'axis', optional: true }],
    outputs: [{ name: 'output' }],
    attrs: { inverse: { kind: 'int', default: 0 }, onesided: { kind: 'int', default: 0 } },
    traits: ['pure'],
    fusion: 'opaque',
    infer: inferDft,
    eval: evalDft,
  },
  {
    name: 'stft',
    summary: 'Short-time Fourier transform of [batch, length, 1|2] signals (ONNX STFT-17).',
    inputs: [{ name: 'signal' }, { name: 'frame_step' }, { name: 'window', optional: true }, { name: 'frame_length', optional: true }],
    outputs: [{ name: 'output' }],
    attrs: { onesided: { kind: 'int', default: 1 } },
    traits: ['pure'],
    fusion: 'opaque',
    infer: inferStft,
    eval: evalStft,
  },
  windowOp('hann_window', 'Hann window of a given size (ONNX HannWindow-17).', (n, N) => 0.5 - 0.5 * cosTerm(1, n, N)),
  windowOp('hamming_window', 'Hamming window of a given size (ONNX HammingWindow-17).', (n, N) => 25 / 46 - (21 / 46) * cosTerm(1, n, N)),
  windowOp('blackman_window', 'Blackman window of a given size (ONNX BlackmanWindow-17).',
    (n, N) => 0.42 - 0.5 * cosTerm(1, n, N) + 0.08 * cosTerm(2, n, N)),
  {
    name: 'mel_weight_matrix',
    summary: 'Triangular mel filter bank [dft_length/2+1, num_mel_bins] (ONNX MelWeightMatrix-17).',
    inputs: [{ name: 'num_mel_bins' }, { name: 'dft_length' }, { name: 'sample_rate' }, { name: 'lower_edge_hertz' }, { name: 'upper_edge_hertz' }],
    outputs: [{ name: 'output' }],
    attrs: { output_datatype: { kind: 'dtype', default: 'f32' as DType } },
    traits: ['pure'],
    fusion: 'opaque',
    infer(ctx) {
      // Sizes given as graph-input data are data symbols the runtime reads.
      const dim = (i: number): Dim => scalarOf(ctx.constant(i)) ?? ctx.shapeValue?.(i)?.[0] ?? UNKNOWN_DIM;
      return [{ dtype: ctx.attrs.dtype('output_datatype'), shape: [dimAdd(dimFloorDiv(dim(1), 2), 1), dim(0)] }];
    },
    eval: evalMel,
  },
);
