// Op family: quant (continued). Integer matmul/conv: matmul_integer and conv_integer accumulate
// (a - a_zero_point) * (b - b_zero_point) exactly into int32; qlinear_matmul and qlinear_conv then
// requantize with the combined scale (computed in the scales' dtype, as the ONNX reference does),
// rounding half to even and saturating to the output type.

import { intRange, type DType } from '../dtype.js';
import { defineOps, type AttrReader, type EvalCtx, type InferCtx, type OpDef } from '../op-def.js';
import { getNumber, roundToDType, sizeOf, zeros, type NumericArray, type Tensor } from '../tensor.js';
import type { Dim, TensorType } from '../types.js';
import { UNKNOWN_DIM } from '../types.js';
import { broadcastIndex, broadcastShapes, broadcastStatic, roundHalfEven } from './util.js';
import { CONV_ATTRS } from './nn-conv.js';

const Q8: readonly DType[] = ['u8', 'i8'];

function checkQ(ctx: InferCtx, i: number, allowed: readonly DType[] = Q8): DType {
  const t = ctx.inputs[i];
  if (!t) return ctx.fail(`operand ${i} is required`);
  if (!allowed.includes(t.dtype)) ctx.fail(`operand ${i} must be one of ${allowed.join(', ')}, got ${t.dtype}`);
  return t.dtype;
}

/** x - zero_point as float64 (exact for 8/16-bit values). The zero point broadcasts against x. */
function centered(x: Tensor, zp: Tensor | null, zpShape?: readonly number[]): Float64Array {
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < out.length; i++) out[i] = getNumber(x, i);
  if (!zp) return out;
  if (zp.data.length === 1) {
    const z = getNumber(zp, 0);
    for (let i = 0; i < out.length; i++) out[i]! -= z;
    return out;
  }
  const idx = broadcastIndex(zpShape ?? zp.shape, x.shape);
  for (let i = 0; i < out.length; i++) out[i]! -= getNumber(zp, idx ? idx[i]! : i);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Matmul with numpy broadcasting (1-D operands promoted and the unit dim dropped again).

function matmulShape(ctx: InferCtx, a: TensorType, b: TensorType): Dim[] | null {
  if (a.shape === null || b.shape === null) return null;
  if (a.shape.length === 0 || b.shape.length === 0) ctx.fail('matmul operands must have rank >= 1');
  const as = a.shape.length === 1 ? [1, a.shape[0]!] : a.shape;
  const bs = b.shape.length === 1 ? [b.shape[0]!, 1] : b.shape;
  const ka = as[as.length - 1]!, kb = bs[bs.length - 2]!;
  if (typeof ka === 'number' && typeof kb === 'number' && ka !== kb) ctx.fail(`inner dims differ: ${ka} vs ${kb}`);
  const batch = broadcastShapes([as.slice(0, -2), bs.slice(0, -2)]);
  if (!batch) ctx.fail('batch dims do not broadcast');
  const out: Dim[] = [...batch];
  if (a.shape.length > 1) out.push(as[as.length - 2]!);
  if (b.shape.length > 1) out.push(bs[bs.length - 1]!);
  return out;
}

/** Batched float64 matmul; returns the result and its [batch..., M, N] shape before 1-D squeezing. */
function matmulF64(A: Float64Array, aShape: readonly number[], B: Float64Array, bShape: readonly number[]): { data: Float64Array; M: number; N: number; batch: number[] } {
  const as = aShape.length === 1 ? [1, aShape[0]!] : aShape;
  const bs = bShape.length === 1 ? [bShape[0]!, 1] : bShape;
  const M = as[as.length - 2]!, K = as[as.length - 1]!, N = bs[bs.length - 1]!;
  const batch = broadcastStatic([as.slice(0, -2), bs.slice(0, -2)]);
  const nb = sizeOf(batch);
  const ai = broadcastIndex(as.slice(0, -2), batch), bi = broadcastIndex(bs.slice(0, -2), batch);
  const C = new Float64Array(nb * M * N);
  for (let p = 0; p < nb; p++) {
    const ao = (ai ? ai[p]! : p) * M * K, bo = (bi ? bi[p]! : p) * K * N, co = p * M * N;
    for (let i = 0; i < M; i++) {
      for (let k = 0; k < K; k++) {
        const a = A[ao + i * K + k]!;
        if (a === 0) continue;
        for (let j = 0; j < N; j++) C[co + i * N + j] += a * B[bo + k * N + j]!;
      }
    }
  }
  return { data: C, M, N, batch };
}

function matmulOutShape(aShape: readonly number[], bShape: readonly number[], batch: number[], M: number, N: number): number[] {
  return [...batch, ...(aShape.length > 1 ? [M] : []), ...(bShape.length > 1 ? [N] : [])];
}

/** a_zero_point of size M is per row: view it as [M, 1] so it broadcasts against [..., M, K]. */
const rowZpShape = (zp: Tensor, a: Tensor): readonly number[] =>
  zp.shape.length === 1 && a.shape.length >= 2 ? [zp.shape[0]!, 1] : zp.shape;

function integerMatmul(a: Tensor, azp: Tensor | null, b: Tensor, bzp: Tensor | null) {
  const A = centered(a, azp, azp ? rowZpShape(azp, a) : undefined);
  const B = centered(b, bzp);
  const r = matmulF64(A, a.shape, B, b.shape);
  return { ...r, shape: matmulOutShape(a.shape, b.shape, r.batch, r.M, r.N) };
}

const matmulInteger: OpDef = {
  name: 'matmul_integer',
  summary: 'int32 matmul of (A - a_zero_point) and (B - b_zero_point); zero points per tensor, per row of A or per column of B.',
  inputs: [{ name: 'A' }, { name: 'B' }, { name: 'a_zero_point', optional: true }, { name: 'b_zero_point', optional: true }],
  outputs: [{ name: 'Y' }],
  attrs: {},
  traits: ['pure'],
  fusion: 'contraction',
  infer(ctx) {
    checkQ(ctx, 0);
    checkQ(ctx, 1);
    return [{ dtype: 'i32', shape: matmulShape(ctx, ctx.inputs[0]!, ctx.inputs[1]!) }];
  },
  eval(ctx) {
    const [a, b, azp, bzp] = ctx.inputs as [Tensor, Tensor, Tensor | null, Tensor | null];
    const r = integerMatmul(a, azp, b, bzp);
    const out = zeros('i32', r.shape);
    (out.data as Int32Array).set(r.data);
    return [out];
  },
};

/** Requantize an int32 accumulator: rint(acc * multiplier) + zero point, saturated to `dt`. */
function requantize(acc: number, mult: number, zp: number, dt: DType): number {
  const [lo, hi] = intRange(dt);
  return Math.min(hi, Math.max(lo, roundHalfEven(acc * mult) + zp));
}

/** a_scale * b_scale / y_scale, rounded after each step in the scales' dtype. */
function multiplier(sa: number, sb: number, sy: number, dt: DType): number {
  const r = (v: number): number => roundToDType(dt, v);
  return r(r(sa * sb) / sy);
}

const qlinearMatmul: OpDef = {
  name: 'qlinear_matmul',
  summary: 'Quantized matmul: integer matmul of the centred operands, requantized with a_scale*b_scale/y_scale.',
  // ONNX lists the zero points as required; the reference treats them as optional (0, output type of a).
  inputs: ['a', 'a_scale', 'a_zero_point', 'b', 'b_scale', 'b_zero_point', 'y_scale', 'y_zero_point'].map((name) => ({ name, optional: name.endsWith('zero_point') })),
  outputs: [{ name: 'y' }],
  attrs: {},
  traits: ['pure'],
  fusion: 'contraction',
  infer(ctx) {
    checkQ(ctx, 0);
    checkQ(ctx, 3);
    const dt = ctx.inputs[7] ? checkQ(ctx, 7) : ctx.inputs[0]!.dtype;
    return [{ dtype: dt, shape: matmulShape(ctx, ctx.inputs[0]!, ctx.inputs[3]!) }];
  },
  eval(ctx) {
    const [a, sa, azp, b, sb, bzp, sy, yzp] = ctx.inputs as (Tensor | null)[];
    const r = integerMatmul(a!, azp!, b!, bzp!);
    const out = zeros(ctx.resultTypes[0]!.dtype, r.shape);
    const od = out.data as NumericArray;
    const z = yzp ? getNumber(yzp, 0) : 0, y = getNumber(sy!, 0);
    for (let i = 0; i < od.length; i++) {
      const m = Math.floor(i / r.N) % r.M, n = i % r.N;
      const mult = multiplier(getNumber(sa!, sa!.data.length > 1 ? m : 0), getNumber(sb!, sb!.data.length > 1 ? n : 0), y, sa!.dtype);
      od[i] = requantize(r.data[i]!, mult, z, out.dtype);
    }
    return [out];
  },
};

// ---------------------------------------------------------------------------------------------
// Convolution (direct loop; these ops are small in practice and in the ONNX tests).

interface ConvGeom { kernel: number[]; strides: number[]; dilations: number[]; pb: number[]; out: number[] }

function convGeom(attrs: AttrReader, inSp: readonly Dim[], kernel: readonly Dim[], bad: (m: string) => never): { kernel: Dim[]; out: Dim[]; g?: ConvGeom } {
  const r = inSp.length;
  const k = attrs.has('kernel_shape') ? [...attrs.ints('kernel_shape')] : [...kernel];
  if (k.length !== r) bad(`kernel_shape has ${k.length} dims, input has ${r} spatial dims`);
  const list = (name: string, fill: number, len: number): number[] => (attrs.has(name) ? [...attrs.ints(name)] : new Array<number>(len).fill(fill));
  const strides = list('strides', 1, r), dilations = list('dilations', 1, r), pads = list('pads', 0, 2 * r);
  const autoPad = attrs.string('auto_pad');
  const out: Dim[] = [], pb: number[] = [];
  for (let i = 0; i < r; i++) {
    const size = inSp[i]!, ki = k[i]!;
    if (typeof size !== 'number' || typeof ki !== 'number') { out.push(UNKNOWN_DIM); pb.push(0); continue; }
    const ek = (ki - 1) * dilations[i]! + 1;
    if (autoPad === 'VALID') { out.push(Math.floor((size - ek) / strides[i]!) + 1); pb.push(0); }
    else if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
      const o = Math.ceil(size / strides[i]!);
      const total = Math.max(0, (o - 1) * strides[i]! + ek - size);
      out.push(o);
      pb.push(autoPad === 'SAME_UPPER' ? Math.floor(total / 2) : total - Math.floor(total / 2));
    } else if (autoPad === 'NOTSET') {
      out.push(Math.floor((size + pads[i]! + pads[i + r]! - ek) / strides[i]!) + 1);
      pb.push(pads[i]!);
    } else bad(`unknown auto_pad '${autoPad}'`);
  }
  const static_ = out.every((d) => typeof d === 'number') && k.every((d) => typeof d === 'number');
  return { kernel: k, out, g: static_ ? { kernel: k as number[], strides, dilations, pb, out: out as number[] } : undefined };
}

function inferConv(ctx: InferCtx, xi: number, wi: number, dtype: DType): TensorType[] {
  const x = ctx.inputs[xi]!, w = ctx.inputs[wi]!;
  if (x.shape === null || w.shape === null) return [{ dtype, shape: null }];
  if (x.shape.length < 3 || w.shape.length !== x.shape.length) ctx.fail('conv needs input [N,C,...] and weight [M,C/group,...] of the same rank');
  const { out } = convGeom(ctx.attrs, x.shape.slice(2), w.shape.slice(2), ctx.fail);
  return [{ dtype, shape: [x.shape[0]!, w.shape[0]!, ...out] }];
}

/** Direct N-d convolution of centred float64 data; result [N, M, ...out]. */
function convF64(ctx: EvalCtx, X: Float64Array, xShape: readonly number[], W: Float64Array, wShape: readonly number[]): { data: Float64Array; shape: number[] } {
  const { g } = convGeom(ctx.attrs, xShape.slice(2), wShape.slice(2), ctx.fail);
  const group = ctx.attrs.int('group');
  const [N, C] = xShape as [number, number];
  const M = wShape[0]!, Cg = wShape[1]!;
  if (C !== Cg * group || M % group !== 0) ctx.fail(`channels ${C} and weight [${wShape.join(',')}] do not fit group=${group}`);
  const inSp = xShape.slice(2), r = inSp.length;
  const O = sizeOf(g!.out), K = sizeOf(g!.kernel), I = sizeOf(inSp);
  const out = new Float64Array(N * M * O);
  const oIdx = new Array<number>(r), kIdx = new Array<number>(r);
  for (let n = 0; n < N; n++) {
    for (let m = 0; m < M; m++) {
      const c0 = Math.floor(m / (M / group)) * Cg;
      for (let o = 0; o < O; o++) {
        for (let d = r - 1, t = o; d >= 0; d--) { oIdx[d] = t % g!.out[d]!; t = Math.floor(t / g!.out[d]!); }
        let acc = 0;
        for (let k = 0; k < K; k++) {
          let pos = 0, inside = true;
          for (let d = r - 1, t = k; d >= 0; d--) { kIdx[d] = t % g!.kernel[d]!; t = Math.floor(t / g!.kernel[d]!); }
          for (let d = 0; d < r && inside; d++) {
            const p = oIdx[d]! * g!.strides[d]! + kIdx[d]! * g!.dilations[d]! - g!.pb[d]!;
            inside = p >= 0 && p < inSp[d]!;
            pos = pos * inSp[d]! + p;
          }
          if (!inside) continue;
          for (let c = 0; c < Cg; c++) acc += X[(n * C + c0 + c) * I + pos]! * W[(m * Cg + c) * K + k]!;
        }
        out[(n * M + m) * O + o] = acc;
      }
    }
  }
  return { data: out, shape: [N, M, ...g!.out] };
}


/** w_zero_point of size M is per output channel: view it as [M, 1, 1, ...]. */
const channelZpShape = (zp: Tensor, w: Tensor): readonly number[] =>
  zp.data.length > 1 ? [zp.data.length, ...new Array<number>(w.shape.length - 1).fill(1)] : zp.shape;

const convInteger: OpDef = {
  name: 'conv_integer',
  summary: 'int32 convolution of (x - x_zero_point) and (w - w_zero_point); w_zero_point per tensor or per output channel.',
  inputs: [{ name: 'x' }, { name: 'w' }, { name: 'x_zero_point', optional: true }, { name: 'w_zero_point', optional: true }],
  outputs: [{ name: 'y' }],
  attrs: CONV_ATTRS,
  traits: ['pure'],
  fusion: 'contraction',
  infer(ctx) {
    checkQ(ctx, 0);
    checkQ(ctx, 1);
    return inferConv(ctx, 0, 1, 'i32');
  },
  eval(ctx) {
    const [x, w, xzp, wzp] = ctx.inputs as [Tensor, Tensor, Tensor | null, Tensor | null];
    const r = convF64(ctx, centered(x, xzp), x.shape, centered(w, wzp, wzp ? channelZpShape(wzp, w) : undefined), w.shape);
    const out = zeros('i32', r.shape);
    (out.data as Int32Array).set(r.data);
    return [out];
  },
};

const qlinearConv: OpDef = {
  name: 'qlinear_conv',
  summary: 'Quantized convolution: integer conv of the centred operands plus int32 bias B, requantized with x_scale*w_scale/y_scale.',
  inputs: [...['x', 'x_scale', 'x_zero_point', 'w', 'w_scale', 'w_zero_point', 'y_scale', 'y_zero_point', 'B']
    .map((name) => ({ name, optional: name === 'B' || name.endsWith('zero_point') }))],
  outputs: [{ name: 'y' }],
  attrs: CONV_ATTRS,
  traits: ['pure'],
  fusion: 'contraction',
  infer(ctx) {
    checkQ(ctx, 0);
    checkQ(ctx, 3);
    const dt = ctx.inputs[7] ? checkQ(ctx, 7) : ctx.inputs[0]!.dtype;
    if (ctx.inputs[8] && ctx.inputs[8].dtype !== 'i32') ctx.fail('B must be i32');
    return inferConv(ctx, 0, 3, dt);
  },
  eval(ctx) {
    const [x, sx, xzp, w, sw, wzp, sy, yzp, B] = ctx.inputs as (Tensor | null)[];
    const r = convF64(ctx, centered(x!, xzp!), x!.shape, centered(w!, wzp!, wzp ? channelZpShape(wzp, w!) : undefined), w!.shape);
    const out = zeros(ctx.resultTypes[0]!.dtype, r.shape);
    const od = out.data as NumericArray;
    const M = r.shape[1]!, O = sizeOf(r.shape.slice(2));
    const z = yzp ? getNumber(yzp, 0) : 0, y = getNumber(sy!, 0), xs = getNumber(sx!, 0);
    for (let i = 0; i < od.length; i++) {
      const m = Math.floor(i / O) % M;
      const acc = r.data[i]! + (B ? getNumber(B, m) : 0);
      od[i] = requantize(acc, multiplier(xs, getNumber(sw!, sw!.data.length > 1 ? m : 0), y, sx!.dtype), z, out.dtype);
    }
    return [out];
  },
};

defineOps(matmulInteger, qlinearMatmul, convInteger, qlinearConv);
