// Convolutions: conv and conv_transpose (any number of spatial dims, groups, dilations, auto_pad).
// conv lowers each (batch, group) to im2col + GEMM, with two fast paths: pointwise (1x1, stride 1,
// no pads: the input already is the column matrix) and 2-D depthwise (one filter per channel,
// direct loops over contiguous output rows). conv_transpose is GEMM + col2im scatter.

import type { EvalCtx, InferCtx, OpDef } from '../op-def.js';
import { defineOps } from '../op-def.js';
import { sizeOf, type Tensor } from '../tensor.js';
import type { Dim, TensorType } from '../types.js';
import { UNKNOWN_DIM } from '../types.js';
import { dimAdd, dimMul } from '../symbolic.js';
import {
  asF64, col2imAdd, fromF64, gemmAcc, geometry, readAutoPad, readWindow, spatialInput,
  transpose2d, windowDimSym, type Geometry, type WindowAttrs,
} from './nn-common.js';
import { withLayout } from './nn-layout.js';

/** Attributes of Conv and its quantised forms (ConvInteger, QLinearConv). */
export const CONV_ATTRS = {
  auto_pad: { kind: 'string', default: 'NOTSET' },
  dilations: { kind: 'ints' },
  group: { kind: 'int', default: 1 },
  kernel_shape: { kind: 'ints' },
  pads: { kind: 'ints' },
  strides: { kind: 'ints' },
} as const;

/** Kernel spatial shape: the attribute, else the weight's static dims from index 2, else undefined. */
function kernelOf(ctx: InferCtx | EvalCtx, w: readonly Dim[] | null, r: number): number[] | undefined {
  if (ctx.attrs.has('kernel_shape')) {
    const k = ctx.attrs.ints('kernel_shape');
    if (k.length !== r) ctx.fail(`kernel_shape has ${k.length} dims, input has ${r} spatial dims`);
    return [...k];
  }
  if (!w) return undefined;
  const k = w.slice(2);
  return k.every((d): d is number => typeof d === 'number') ? k : undefined;
}

function inferConv(ctx: InferCtx): TensorType[] {
  const x = spatialInput(ctx, 0);
  const wt = ctx.inputs[1]!;
  const dtype = ctx.inputs[0]!.dtype;
  if (!x) return [{ dtype, shape: null }];
  const r = x.length - 2;
  if (wt.shape && wt.shape.length !== x.length) ctx.fail(`weight rank ${wt.shape.length} differs from input rank ${x.length}`);
  const group = ctx.attrs.int('group');
  const C = x[1]!, Wc = wt.shape?.[1];
  if (typeof C === 'number' && typeof Wc === 'number' && C !== Wc * group) {
    ctx.fail(`input has ${C} channels but weight expects ${Wc} x group ${group}`);
  }
  const M = wt.shape?.[0] ?? UNKNOWN_DIM;
  const k = kernelOf(ctx, wt.shape, r);
  if (!k) return [{ dtype, shape: [x[0]!, M, ...new Array<Dim>(r).fill(UNKNOWN_DIM)] }];
  const w = readWindow(ctx.attrs, k, ctx.fail);
  return [{ dtype, shape: [x[0]!, M, ...x.slice(2).map((s, i) => windowDimSym(w, i, s))] }];
}

/** im2col of one (batch, group) slice: col[(c*K + k), p] for Cg channels. */
function im2col(X: Float64Array, xOff: number, Cg: number, g: Geometry, col: Float64Array): void {
  const r = g.inSp.length;
  const K = sizeOf(g.kernel), P = sizeOf(g.outSp), inSize = sizeOf(g.inSp);
  const outL = g.outSp[r - 1]!, Pouter = P / outL;
  // tab[d][k * out_d + o] = input coordinate of tap k at output o, or -1 when in the padding.
  const tab = g.inSp.map((size, d) => {
    const t = new Int32Array(g.kernel[d]! * g.outSp[d]!);
    for (let k = 0; k < g.kernel[d]!; k++) {
      for (let o = 0; o < g.outSp[d]!; o++) {
        const c = o * g.strides[d]! - g.padsBegin[d]! + k * g.dilations[d]!;
        t[k * g.outSp[d]! + o] = c >= 0 && c < size ? c : -1;
      }
    }
    return t;
  });
  const inStr = new Array<number>(r);
  for (let d = r - 1, acc = 1; d >= 0; d--) { inStr[d] = acc; acc *= g.inSp[d]!; }
  const kIdx = new Array<number>(r).fill(0), oIdx = new Array<number>(r).fill(0);
  const tabL = tab[r - 1]!;
  for (let c = 0; c < Cg; c++) {
    kIdx.fill(0);
    for (let k = 0; k < K; k++) {
      const rowOff = (c * K + k) * P;
      const kL = kIdx[r - 1]! * outL;
      oIdx.fill(0);
      for (let q = 0; q < Pouter; q++) {
        let base = xOff + c * inSize, valid = true;
        for (let d = 0; d < r - 1; d++) {
          const ic = tab[d]![kIdx[d]! * g.outSp[d]! + oIdx[d]!]!;
          if (ic < 0) { valid = false; break; }
          base += ic * inStr[d]!;
        }
        const dst = rowOff + q * outL;
        if (!valid) { col.fill(0, dst, dst + outL); } else {
          for (let o = 0; o < outL; o++) {
            const ic = tabL[kL + o]!;
            col[dst + o] = ic >= 0 ? X[base + ic]! : 0;
          }
        }
        for (let d = r - 2; d >= 0; d--) { if (++oIdx[d]! < g.outSp[d]!) break; oIdx[d] = 0; }
      }
      for (let d = r - 1; d >= 0; d--) { if (++kIdx[d]! < g.kernel[d]!) break; kIdx[d] = 0; }
    }
  }
}

/** 2-D depthwise conv of one channel plane: direct loops, bounds resolved per kernel tap. */
function depthwise2d(X: Float64Array, xOff: number, Wt: Float64Array, wOff: number, g: Geometry, out: Float64Array, oOff: number): void {
  const [H, W] = g.inSp as [number, number];
  const [OH, OW] = g.outSp as [number, number];
  const [KH, KW] = g.kernel as [number, number];
  const [sh, sw] = g.strides as [number, number];
  const [dh, dw] = g.dilations as [number, number];
  const [pt, pl] = g.padsBegin as [number, number];
  const owRange = new Int32Array(KW * 2);
  for (let kw = 0; kw < KW; kw++) {
    // ow with 0 <= ow*sw - pl + kw*dw < W
    const off = kw * dw - pl;
    owRange[2 * kw] = Math.max(0, Math.ceil(-off / sw));
    owRange[2 * kw + 1] = Math.min(OW - 1, Math.floor((W - 1 - off) / sw));
  }
  for (let oh = 0; oh < OH; oh++) {
    const orow = oOff + oh * OW;
    for (let kh = 0; kh < KH; kh++) {
      const ih = oh * sh - pt + kh * dh;
      if (ih < 0 || ih >= H) continue;
      const irow = xOff + ih * W;
      for (let kw = 0; kw < KW; kw++) {
        const wv = Wt[wOff + kh * KW + kw]!;
        const lo = owRange[2 * kw]!, hi = owRange[2 * kw + 1]!;
        const base = irow + kw * dw - pl;
        for (let ow = lo; ow <= hi; ow++) out[orow + ow] += wv * X[base + ow * sw]!;
      }
    }
  }
}

function evalConv(ctx: EvalCtx): Tensor[] {
  const [x, w, b] = ctx.inputs as [Tensor, Tensor, Tensor | null];
  const r = x.shape.length - 2;
  const N = x.shape[0]!, C = x.shape[1]!, M = w.shape[0]!;
  const group = ctx.attrs.int('group');
  const Cg = C / group, Mg = M / group;
  if (!Number.isInteger(Cg) || !Number.isInteger(Mg) || w.shape[1] !== Cg) {
    ctx.fail(`channels ${C} / weight [${w.shape.join(',')}] do not match group ${group}`);
  }
  const g = geometry(readWindow(ctx.attrs, kernelOf(ctx, w.shape, r)!, ctx.fail), x.shape.slice(2));
  const X = asF64(x), Wt = asF64(w);
  const K = sizeOf(g.kernel), P = sizeOf(g.outSp), inSize = sizeOf(g.inSp);
  const out = new Float64Array(N * M * P);
  const pointwise = K === 1 && g.strides.every((s) => s === 1) && g.padsBegin.every((p) => p === 0) && g.padsEnd.every((p) => p === 0);
  const depthwise = r === 2 && Cg === 1 && Mg === 1 && !pointwise;
  const col = pointwise || depthwise ? null : new Float64Array(Cg * K * P);
  for (let n = 0; n < N; n++) {
    for (let grp = 0; grp < group; grp++) {
      const xOff = (n * C + grp * Cg) * inSize, oOff = (n * M + grp * Mg) * P;
      if (depthwise) depthwise2d(X, xOff, Wt, grp * K, g, out, oOff);
      else if (col) {
        im2col(X, xOff, Cg, g, col);
        gemmAcc(Mg, P, Cg * K, Wt, grp * Mg * Cg * K, col, 0, out, oOff);
      } else gemmAcc(Mg, P, Cg, Wt, grp * Mg * Cg, X, xOff, out, oOff);
    }
  }
  if (b) addBias(out, asF64(b), N, M, P);
  return [fromF64(ctx.resultTypes[0]!.dtype, [N, M, ...g.outSp], out)];
}

function addBias(out: Float64Array, B: Float64Array, N: number, M: number, P: number): void {
  for (let n = 0; n < N; n++) {
    for (let m = 0; m < M; m++) {
      const bv = B[m]!, o = (n * M + m) * P;
      for (let p = 0; p < P; p++) out[o + p] += bv;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// conv_transpose

interface TransposeGeometry { outSp: number[]; padsBegin: number[] }

/**
 * onnxruntime's split of a surplus `total` (full size less the wanted output size, clamped at 0):
 * SAME_UPPER puts total / 2 (rounded down) at the begin, every other auto_pad (NOTSET, VALID,
 * SAME_LOWER) the rest, total - total / 2. The spec words this per auto_pad only; onnxruntime
 * 1.30 also applies it to output_shape under NOTSET (checked against it: test/onnx/conv-transpose-ort.test.ts).
 */
export function transposeSplit(auto: string, total: number): number {
  const t = Math.max(0, total);
  return auto === 'SAME_UPPER' ? Math.floor(t / 2) : t - Math.floor(t / 2);
}

/**
 * Output size and begin pads of a transposed conv (static input), as onnxruntime: with
 * output_shape the output is that size and the surplus full - out is split by transposeSplit
 * (an axis's `pads` are ignored, as onnxruntime does, unless they add up to its surplus: the
 * importer writes SAME_UPPER's split that way). SAME_* alone: the wanted size is in * stride, the surplus clamped at 0
 * (a kernel shorter than the stride keeps the full size rather than padding). VALID: no pads.
 */
export function transposeGeometry(ctx: InferCtx | EvalCtx, inSp: readonly number[], k: readonly number[]): TransposeGeometry {
  const r = inSp.length;
  const w: WindowAttrs = readWindow(ctx.attrs, k, ctx.fail);
  const opad = ctx.attrs.has('output_padding') ? ctx.attrs.ints('output_padding') : new Array<number>(r).fill(0);
  if (opad.length !== r) ctx.fail(`output_padding has ${opad.length} values, expected ${r}`);
  const full = inSp.map((s, i) => w.strides[i]! * (s - 1) + opad[i]! + (k[i]! - 1) * w.dilations[i]! + 1);
  const auto = readAutoPad(ctx.attrs, ctx.fail);
  if (ctx.attrs.has('output_shape')) {
    const os = ctx.attrs.ints('output_shape').slice(-r);
    if (os.length !== r) ctx.fail(`output_shape has ${os.length} values, expected ${r}`);
    const total = full.map((f, i) => Math.max(0, f - os[i]!));
    const explicit = (t: number, i: number): boolean => ctx.attrs.has('pads') && w.pads[i]! + w.pads[i + r]! === t;
    return { outSp: [...os], padsBegin: total.map((t, i) => (explicit(t, i) ? w.pads[i]! : transposeSplit(auto, t))) };
  }
  if (auto === 'SAME_UPPER' || auto === 'SAME_LOWER') {
    const total = full.map((f, i) => Math.max(0, f - inSp[i]! * w.strides[i]!));
    return { outSp: full.map((f, i) => f - total[i]!), padsBegin: total.map((t) => transposeSplit(auto, t)) };
  }
  if (auto === 'VALID') return { outSp: full, padsBegin: new Array<number>(r).fill(0) };
  return { outSp: full.map((f, i) => f - w.pads[i]! - w.pads[i + r]!), padsBegin: w.pads.slice(0, r) };
}

function inferConvTranspose(ctx: InferCtx): TensorType[] {
  const x = spatialInput(ctx, 0);
  const wt = ctx.inputs[1]!;
  const dtype = ctx.inputs[0]!.dtype;
  if (!x) return [{ dtype, shape: null }];
  const r = x.length - 2;
  const group = ctx.attrs.int('group');
  const wm = wt.shape?.[1];
  const M = typeof wm === 'number' ? wm * group : UNKNOWN_DIM;
  const k = kernelOf(ctx, wt.shape, r);
  const inSp = x.slice(2);
  if (!k) return [{ dtype, shape: [x[0]!, M, ...new Array<Dim>(r).fill(UNKNOWN_DIM)] }];
  if (inSp.every((d): d is number => typeof d === 'number')) {
    return [{ dtype, shape: [x[0]!, M, ...transposeGeometry(ctx, inSp, k).outSp] }];
  }
  if (ctx.attrs.has('output_shape')) {
    const os = ctx.attrs.ints('output_shape');
    return [{ dtype, shape: [x[0]!, M, ...os.slice(os.length - r)] }];
  }
  // Each dim on its own: static ones through transposeGeometry, symbolic ones as expressions.
  const sp = inSp.map((d, i) => {
    if (typeof d !== 'number') return transposeDimSym(ctx, d, i, k);
    const one = inSp.map(() => 1);
    one[i] = d;
    return transposeGeometry(ctx, one, k).outSp[i]!;
  });
  return [{ dtype, shape: [x[0]!, M, ...sp] }];
}

/** transposeGeometry's output size for a symbolic input size d (no output_shape attribute). */
function transposeDimSym(ctx: InferCtx, d: Dim, i: number, k: readonly number[]): Dim {
  const r = k.length;
  const w = readWindow(ctx.attrs, k, ctx.fail);
  const opad = ctx.attrs.has('output_padding') ? ctx.attrs.ints('output_padding') : new Array<number>(r).fill(0);
  const s = w.strides[i]!;
  // SAME_*: the surplus full - d * s = opad + (k - 1) * dilation + 1 - s does not depend on d.
  if (w.autoPad === 'SAME_UPPER' || w.autoPad === 'SAME_LOWER') {
    return dimAdd(dimMul(d, s), Math.min(0, opad[i]! + (k[i]! - 1) * w.dilations[i]! + 1 - s));
  }
  // full = s*(d - 1) + opad + (k - 1)*dilation + 1, less the explicit pads.
  const pads = w.autoPad === 'VALID' ? 0 : w.pads[i]! + w.pads[i + r]!;
  return dimAdd(dimMul(d, s), -s + opad[i]! + (k[i]! - 1) * w.dilations[i]! + 1 - pads);
}

function evalConvTranspose(ctx: EvalCtx): Tensor[] {
  const [x, w, b] = ctx.inputs as [Tensor, Tensor, Tensor | null];
  const r = x.shape.length - 2;
  const N = x.shape[0]!, C = x.shape[1]!;
  const group = ctx.attrs.int('group');
  const Cg = C / group, Mg = w.shape[1]!, M = Mg * group;
  if (!Number.isInteger(Cg) || w.shape[0] !== C) ctx.fail(`channels ${C} / weight [${w.shape.join(',')}] do not match group ${group}`);
  const inSp = x.shape.slice(2);
  const k = kernelOf(ctx, w.shape, r)!;
  const tg = transposeGeometry(ctx, inSp, k);
  const win = readWindow(ctx.attrs, k, ctx.fail);
  const K = sizeOf(k), inP = sizeOf(inSp), O = sizeOf(tg.outSp);
  const X = asF64(x), Wt = asF64(w);
  const out = new Float64Array(N * M * O);
  const col = new Float64Array(Mg * K * inP);
  const wT = Array.from({ length: group }, (_, grp) => transpose2d(Wt, grp * Cg * Mg * K, Cg, Mg * K));
  for (let n = 0; n < N; n++) {
    for (let grp = 0; grp < group; grp++) {
      col.fill(0);
      gemmAcc(Mg * K, inP, Cg, wT[grp]!, 0, X, (n * C + grp * Cg) * inP, col, 0);
      col2imAdd(col, 0, Mg, inSp, { kernel: k, strides: win.strides, dilations: win.dilations, padsBegin: tg.padsBegin },
        tg.outSp, out, (n * M + grp * Mg) * O);
    }
  }
  if (b) addBias(out, asF64(b), N, M, O);
  return [fromF64(ctx.resultTypes[0]!.dtype, [N, M, ...tg.outSp], out)];
}

const CONV_DEFS: OpDef[] = [
  {
    name: 'conv',
    summary: 'N-D convolution (cross-correlation) with groups, strides, dilations and padding.',
    inputs: [{ name: 'X' }, { name: 'W' }, { name: 'B', optional: true }],
    outputs: [{ name: 'Y' }],
    attrs: CONV_ATTRS,
    traits: ['pure'],
    fusion: 'contraction',
    infer: inferConv,
    eval: evalConv,
  },
  {
    name: 'conv_transpose',
    summary: 'N-D transposed convolution (output_padding, output_shape, auto_pad, groups, dilations).',
    inputs: [{ name: 'X' }, { name: 'W' }, { name: 'B', optional: true }],
    outputs: [{ name: 'Y' }],
    attrs: { ...CONV_ATTRS, output_padding: { kind: 'ints' }, output_shape: { kind: 'ints' } },
    traits: ['pure'],
    fusion: 'contraction',
    infer: inferConvTranspose,
    eval: evalConvTranspose,
  },
];

// conv takes layout attributes (select-layout); conv_transpose stays NCHW.
defineOps(...CONV_DEFS.map((d) => (d.name === 'conv' ? withLayout(d, { weight: true }) : d)));
