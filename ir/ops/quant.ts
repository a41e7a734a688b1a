// Op family: quant. Linear (de)quantization with per-tensor, per-axis and blocked scales, dynamic
// uint8 quantization; the integer matmul/conv ops live in quant-int.ts.
//
// Numerics follow the ONNX reference: QuantizeLinear divides in the wider float type of x and the
// scale (or `precision` when given), rounds half to even and saturates to the integer range; float8
// targets convert with `saturate`; float4 always saturates. DequantizeLinear computes
// (x - zero_point) * scale in float32 and casts to `output_dtype` (default: the scale's dtype).

import { DTYPE_INFO, intRange, type DType } from '../dtype.js';
import { defineOps, type EvalCtx, type InferCtx, type OpDef } from '../op-def.js';
import { getNumber, roundToDType, sizeOf, stridesOf, zeros, type NumericArray, type Tensor } from '../tensor.js';
import { normAxis, roundHalfEven } from './util.js';
import { formatType, isStaticShape, type Dim } from '../types.js';
import './quant-int.js';

const INT_TARGETS: readonly DType[] = ['u8', 'i8', 'u16', 'i16', 'u4', 'i4', 'u2', 'i2'];
const FLOAT_TARGETS: readonly DType[] = ['f8e4m3fn', 'f8e4m3fnuz', 'f8e5m2', 'f8e5m2fnuz', 'f4e2m1'];

/**
 * Map from each flat index of x to the flat index of its scale/zero point: one scale (size 1),
 * per-axis (1-D, block_size 0) or blocked (same rank, `axis` dim divided into blocks).
 * Returns null for per-tensor.
 */
export function scaleIndexMap(
  xShape: readonly number[], sShape: readonly number[], axisAttr: number, blockSize: number, bad: (m: string) => never,
): Int32Array | null {
  if (sizeOf(sShape) === 1 && (blockSize === 0 || sShape.length <= 1)) return null;
  const rank = xShape.length;
  const axis = normAxis(axisAttr, rank, bad);
  const n = sizeOf(xShape);
  const map = new Int32Array(n);
  if (blockSize === 0) {
    if (sShape.length !== 1 || sShape[0] !== xShape[axis]) {
      bad(`per-axis scale of shape [${sShape.join(',')}] does not match dim ${axis} (${xShape[axis]}) of the input`);
    }
    const inner = sizeOf(xShape.slice(axis + 1)), d = xShape[axis]!;
    for (let i = 0; i < n; i++) map[i] = Math.floor(i / inner) % d;
    return map;
  }
  if (blockSize < 0) bad(`block_size must be positive, got ${blockSize}`);
  if (sShape.length !== rank || sShape.some((s, i) => (i === axis ? s !== Math.ceil(xShape[i]! / blockSize) : s !== xShape[i]))) {
    bad(`blocked scale of shape [${sShape.join(',')}] does not fit input [${xShape.join(',')}] with block_size ${blockSize} on axis ${axis}`);
  }
  const xs = stridesOf(xShape), ss = stridesOf(sShape);
  for (let i = 0; i < n; i++) {
    let j = 0;
    for (let d = 0; d < rank; d++) {
      const c = Math.floor(i / xs[d]!) % xShape[d]!;
      j += (d === axis ? Math.floor(c / blockSize) : c) * ss[d]!;
    }
    map[i] = j;
  }
  return map;
}

/** The zero point has the scale's shape; one-element tensors of any rank count as per-tensor. */
function checkZeroPoint(ctx: EvalCtx, s: Tensor, zp: Tensor | null): void {
  if (!zp || (zp.data.length === 1 && s.data.length === 1)) return;
  if (zp.shape.join() !== s.shape.join()) ctx.fail(`zero point of shape [${zp.shape.join(',')}] differs from scale [${s.shape.join(',')}]`);
}

/**
 * Float dtype of a computation over two float inputs, numpy-style: f64, then f32, else the wider
 * of the two (the first when the widths tie). The webgpu backend's dequantize uses it too.
 */
export function widerFloat(a: DType, b: DType): DType {
  if (a === 'f64' || b === 'f64') return 'f64';
  if (a === 'f32' || b === 'f32') return 'f32';
  return DTYPE_INFO[a].bits >= DTYPE_INFO[b].bits ? a : b;
}

function quantizeDType(ctx: InferCtx | EvalCtx, zp: { dtype: DType } | null): DType {
  const od = ctx.attrs.has('output_dtype') ? ctx.attrs.dtype('output_dtype') : undefined;
  if (zp && od && zp.dtype !== od) ctx.fail(`output_dtype ${od} differs from the zero point's dtype ${zp.dtype}`);
  const d = zp?.dtype ?? od ?? 'u8';
  if (!INT_TARGETS.includes(d) && !FLOAT_TARGETS.includes(d)) ctx.fail(`cannot quantize to ${d}`);
  return d;
}

/** Shape rule checks of the scale: float, and (where dims are static) fitting x per axis or per block. */
function checkScale(ctx: InferCtx, i: number): void {
  const s = ctx.inputs[i]!, x = ctx.inputs[0]!;
  if (DTYPE_INFO[s.dtype].kind !== 'float') ctx.fail(`scale must be a float tensor, got ${s.dtype}`);
  if (!isStaticShape(s.shape) || x.shape === null || sizeOf(s.shape) === 1) return;
  const axis = normAxis(ctx.attrs.int('axis'), x.shape.length, ctx.fail);
  const bs = ctx.attrs.int('block_size');
  const fits = (want: Dim, got: number): boolean => typeof want !== 'number' || want === got;
  const ok = bs === 0
    ? s.shape.length === 1 && fits(x.shape[axis]!, s.shape[0]!)
    : s.shape.length === x.shape.length && s.shape.every((d, k) => {
      const xd = x.shape![k]!;
      return k === axis ? typeof xd !== 'number' || d === Math.ceil(xd / bs) : fits(xd, d);
    });
  if (!ok) ctx.fail(`scale of shape [${s.shape.join(',')}] does not fit input ${formatType(x)} (axis ${axis}, block_size ${bs})`);
}

const quantizeLinear: OpDef = {
  name: 'quantize_linear',
  summary: 'y = saturate(round_half_even(x / y_scale) + y_zero_point); per-tensor, per-axis or blocked scales.',
  inputs: [{ name: 'x' }, { name: 'y_scale' }, { name: 'y_zero_point', optional: true }],
  outputs: [{ name: 'y' }],
  attrs: {
    axis: { kind: 'int', default: 1 },
    saturate: { kind: 'int', default: 1 },
    block_size: { kind: 'int', default: 0 },
    output_dtype: { kind: 'dtype' },
    precision: { kind: 'dtype' },
  },
  traits: ['pure'],
  fusion: 'elementwise',
  infer(ctx) {
    checkScale(ctx, 1);
    return [{ dtype: quantizeDType(ctx, ctx.inputs[2] ?? null), shape: ctx.inputs[0]!.shape }];
  },
  eval(ctx) {
    const [x, s, zp] = ctx.inputs as [Tensor, Tensor, Tensor | null];
    const dt = quantizeDType(ctx, zp);
    const axis = ctx.attrs.int('axis'), bs = ctx.attrs.int('block_size');
    const map = scaleIndexMap(x.shape, s.shape, axis, bs, ctx.fail);
    checkZeroPoint(ctx, s, zp);
    const prec = ctx.attrs.has('precision') ? ctx.attrs.dtype('precision') : widerFloat(x.dtype, s.dtype);
    const rp = (v: number): number => roundToDType(prec, v);
    const saturate = ctx.attrs.int('saturate') !== 0;
    const out = zeros(dt, x.shape);
    const od = out.data as NumericArray;
    const isInt = INT_TARGETS.includes(dt);
    const [lo, hi] = isInt ? intRange(dt) : [0, 0];
    for (let i = 0; i < od.length; i++) {
      const j = map ? map[i]! : 0;
      const q = rp(rp(getNumber(x, i)) / rp(getNumber(s, j)));
      const z = zp ? getNumber(zp, j) : 0;
      if (isInt) {
        // NaN has no integer value; numpy's cast gives the range minimum after clipping, we give 0.
        const v = Number.isNaN(q) ? 0 : roundHalfEven(q) + z;
        od[i] = Math.min(hi, Math.max(lo, v));
      } else {
        od[i] = roundToDType(dt, q + z, saturate || dt === 'f4e2m1');
      }
    }
    return [out];
  },
};

const dequantizeLinear: OpDef = {
  name: 'dequantize_linear',
  summary: 'y = (x - x_zero_point) * x_scale in float32, cast to output_dtype (default: the scale dtype).',
  inputs: [{ name: 'x' }, { name: 'x_scale' }, { name: 'x_zero_point', optional: true }],
  outputs: [{ name: 'y' }],
  attrs: {
    axis: { kind: 'int', default: 1 },
    block_size: { kind: 'int', default: 0 },
    output_dtype: { kind: 'dtype' },
  },
  traits: ['pure'],
  fusion: 'elementwise',
  infer(ctx) {
    checkScale(ctx, 1);
    const x = ctx.inputs[0]!, zp = ctx.inputs[2];
    if (zp && zp.dtype !== x.dtype) ctx.fail(`x_zero_point is ${zp.dtype}, x is ${x.dtype}`);
    const dt = ctx.attrs.has('output_dtype') ? ctx.attrs.dtype('output_dtype') : ctx.inputs[1]!.dtype;
    return [{ dtype: dt, shape: x.shape }];
  },
  eval(ctx) {
    const [x, s, zp] = ctx.inputs as [Tensor, Tensor, Tensor | null];
    const map = scaleIndexMap(x.shape, s.shape, ctx.attrs.int('axis'), ctx.attrs.int('block_size'), ctx.fail);
    checkZeroPoint(ctx, s, zp);
    const out = zeros(ctx.resultTypes[0]!.dtype, x.shape);
    const od = out.data as NumericArray;
    const f = s.dtype === 'f64' ? (v: number) => v : Math.fround;
    for (let i = 0; i < od.length; i++) {
      const j = map ? map[i]! : 0;
      const d = f(getNumber(x, i) - (zp ? getNumber(zp, j) : 0));
      od[i] = f(d * getNumber(s, j));
    }
    return [out];
  },
};

const dynamicQuantizeLinear: OpDef = {
  name: 'dynamic_quantize_linear',
  summary: 'uint8 quantization with scale and zero point computed from the range of x (widened to include 0).',
  inputs: [{ name: 'x' }],
  outputs: [{ name: 'y' }, { name: 'y_scale' }, { name: 'y_zero_point' }],
  attrs: {},
  traits: ['pure'],
  fusion: 'reduction',
  infer(ctx) {
    const x = ctx.inputs[0]!;
    if (x.dtype !== 'f32') ctx.fail(`x must be f32, got ${x.dtype}`);
    return [{ dtype: 'u8', shape: x.shape }, { dtype: 'f32', shape: [] }, { dtype: 'u8', shape: [] }];
  },
  eval(ctx) {
    const x = ctx.inputs[0]!;
    const xd = x.data as Float32Array;
    let lo = 0, hi = 0;
    for (let i = 0; i < xd.length; i++) { lo = Math.min(lo, xd[i]!); hi = Math.max(hi, xd[i]!); }
    const f = Math.fround;
    const scale = f(f(hi - lo) / 255);
    const zp = scale === 0 ? 0 : Math.min(255, Math.max(0, roundHalfEven(f(0 - f(lo / scale)))));
    const y = zeros('u8', x.shape);
    const yd = y.data as Uint8Array;
    for (let i = 0; i < xd.length; i++) {
      yd[i] = scale === 0 ? zp : Math.min(255, Math.max(0, roundHalfEven(f(xd[i]! / scale)) + zp));
    }
    const st = zeros('f32', []);
    (st.data as Float32Array)[0] = scale;
    const zt = zeros('u8', []);
    (zt.data as Uint8Array)[0] = zp;
    return [y, st, zt];
  },
};

defineOps(quantizeLinear, dequantizeLinear, dynamicQuantizeLinear);
