// Cast, CastLike and BitCast between all non-string dtypes.
//
// Conversion rules (ONNX Cast, matching its reference implementation and test data):
// - float -> integer truncates toward zero, then wraps to the target width (numpy's astype on
//   the usual targets; 4- and 2-bit targets wrap too, e.g. -9 -> int4 7). NaN and ±inf -> 0.
// - float -> bool: anything but ±0 is true (NaN too).
// - to f16/bf16: round to nearest even; to float8: round to nearest even, out-of-range values
//   (and ±inf) clamp to ±max when `saturate` (default), else become inf/NaN as the format allows.
// - to float4e2m1: always saturates; NaN becomes 0 (the format has no NaN).
// - to float8e8m0: from the float32 bits by `round_mode` (up | down | nearest), as ONNX's
//   to_float8e8m0: the sign is dropped, inf/NaN -> NaN, 0 -> 2^-127.
// - 64-bit integers convert exactly (bigint) among themselves and to/from other integers.
// String tensors are out of scope: the shape rule rejects them.

import type { DType } from '../dtype.js';
import { DTYPE_INFO } from '../dtype.js';
import type { InferCtx, OpDef } from '../op-def.js';
import { defineOps } from '../op-def.js';
import { numberToMiniFloat, miniFloatToNumber, roundBF16, roundF16, type MiniFloatName } from '../numeric.js';
import type { Tensor } from '../tensor.js';
import { decodeBytes, encodeBytes, roundToDType } from '../tensor.js';
import { isBigDType, mapTensor, truncOrZero } from './elementwise-kernels.js';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** ONNX's float32 -> float8e8m0 conversion, returned as the decoded value. */
export function toE8M0(x: number, saturate: boolean, mode: string): number {
  f32[0] = x;
  const bits = u32[0]!;
  let e = (bits >>> 23) & 0xff;
  if (e === 0xff) return NaN;
  if (mode === 'up') {
    if ((bits & 0x7fffff) !== 0 && !(saturate && e === 0xfe)) e++;
  } else if (mode === 'nearest') {
    const g = (bits & 0x400000) !== 0, r = (bits & 0x200000) !== 0, s = (bits & 0x1fffff) !== 0;
    // ONNX uses "exponent > 0" as the tie-breaking lsb; kept for identical results.
    if (g && (r || s || e > 0) && !(saturate && e === 0xfe)) e++;
  } else if (mode !== 'down') {
    throw new Error(`unknown round_mode '${mode}'`);
  }
  return e >= 0xff ? NaN : miniFloatToNumber('f8e8m0', e);
}

type Conv = (v: number) => number;

/** Number -> number conversion into a non-64-bit dtype held in a number typed array. */
function numberConverter(to: DType, fromFloat: boolean, saturate: boolean, roundMode: string): Conv {
  switch (to) {
    case 'f32': case 'f64': return (v) => v;
    case 'f16': return roundF16;
    case 'bf16': return roundBF16;
    case 'f8e4m3fn': case 'f8e4m3fnuz': case 'f8e5m2': case 'f8e5m2fnuz':
      return (v) => miniFloatToNumber(to, numberToMiniFloat(to as MiniFloatName, v, saturate));
    case 'f8e8m0': return (v) => toE8M0(v, saturate, roundMode);
    case 'f4e2m1': return (v) => (Number.isNaN(v) ? 0 : miniFloatToNumber('f4e2m1', numberToMiniFloat('f4e2m1', v, true)));
    case 'bool': return (v) => (v !== 0 ? 1 : 0);
    case 'i4': case 'u4': case 'i2': case 'u2':
      return fromFloat ? (v) => roundToDType(to, truncOrZero(v)) : (v) => roundToDType(to, v);
    default:
      // 8/16/32-bit integers: the typed-array write truncates and wraps; only NaN/inf need care.
      return fromFloat ? truncOrZero : (v) => v;
  }
}

/** Cast a tensor to `to` (exported for other families that need a conversion). */
export function castTensor(x: Tensor, to: DType, saturate = true, roundMode = 'up'): Tensor {
  const fromFloat = DTYPE_INFO[x.dtype].kind === 'float';
  if (isBigDType(x.dtype)) {
    if (isBigDType(to)) return mapTensor<bigint, bigint>(x, to, (v) => v);
    if (to === 'bool') return mapTensor<bigint, number>(x, to, (v) => (v !== 0n ? 1 : 0));
    if (DTYPE_INFO[to].kind !== 'float') {
      // Wrap in bigint first so the low bits survive values beyond 2^53.
      const conv = numberConverter(to, false, saturate, roundMode);
      return mapTensor<bigint, number>(x, to, (v) => conv(Number(BigInt.asIntN(32, v))));
    }
    const conv = numberConverter(to, false, saturate, roundMode);
    return mapTensor<bigint, number>(x, to, (v) => conv(Number(v)));
  }
  if (isBigDType(to)) {
    return mapTensor<number, bigint>(x, to, fromFloat ? (v) => BigInt(truncOrZero(v)) : (v) => BigInt(v));
  }
  return mapTensor<number, number>(x, to, numberConverter(to, fromFloat, saturate, roundMode));
}

function checkCastable(ctx: InferCtx, from: DType, to: DType): void {
  if (from === 'string' || to === 'string') ctx.fail(`casts from or to string tensors are not supported (${from} -> ${to})`);
}

const ROUND_MODES = ['up', 'down', 'nearest'];
const castAttrs = {
  saturate: { kind: 'int', default: 1 },
  round_mode: { kind: 'string', default: 'up' },
} as const;

function checkRoundMode(ctx: InferCtx): void {
  const m = ctx.attrs.string('round_mode');
  if (!ROUND_MODES.includes(m)) ctx.fail(`round_mode must be one of ${ROUND_MODES.join(', ')}, got '${m}'`);
}

const CAST: OpDef = {
  name: 'cast',
  summary: 'Convert elements to dtype `to` (see elementwise-cast.ts for the rounding and range rules).',
  inputs: [{ name: 'input' }],
  outputs: [{ name: 'output' }],
  attrs: { to: { kind: 'dtype', required: true }, ...castAttrs },
  traits: ['pure'],
  fusion: 'elementwise',
  infer(ctx) {
    const x = ctx.inputs[0]!;
    const to = ctx.attrs.dtype('to');
    checkCastable(ctx, x.dtype, to);
    checkRoundMode(ctx);
    return [{ dtype: to, shape: x.shape }];
  },
  eval: (ctx) => [castTensor(ctx.inputs[0]!, ctx.attrs.dtype('to'), ctx.attrs.int('saturate') !== 0, ctx.attrs.string('round_mode'))],
};

const CAST_LIKE: OpDef = {
  name: 'cast_like',
  summary: "Cast the first operand to the second operand's dtype (its values are not read).",
  inputs: [{ name: 'input' }, { name: 'target_type' }],
  outputs: [{ name: 'output' }],
  attrs: castAttrs,
  traits: ['pure'],
  fusion: 'elementwise',
  infer(ctx) {
    const x = ctx.inputs[0]!, t = ctx.inputs[1]!;
    checkCastable(ctx, x.dtype, t.dtype);
    checkRoundMode(ctx);
    return [{ dtype: t.dtype, shape: x.shape }];
  },
  eval: (ctx) => [castTensor(ctx.inputs[0]!, ctx.inputs[1]!.dtype, ctx.attrs.int('saturate') !== 0, ctx.attrs.string('round_mode'))],
};

const BIT_CAST: OpDef = {
  name: 'bit_cast',
  summary: 'Reinterpret the little-endian bits of each element as dtype `to` of the same width.',
  inputs: [{ name: 'input' }],
  outputs: [{ name: 'output' }],
  attrs: { to: { kind: 'dtype', required: true } },
  traits: ['pure'],
  fusion: 'elementwise',
  infer(ctx) {
    const x = ctx.inputs[0]!;
    const to = ctx.attrs.dtype('to');
    checkCastable(ctx, x.dtype, to);
    if (DTYPE_INFO[x.dtype].bits !== DTYPE_INFO[to].bits) {
      ctx.fail(`${x.dtype} (${DTYPE_INFO[x.dtype].bits} bits) and ${to} (${DTYPE_INFO[to].bits} bits) differ in width`);
    }
    return [{ dtype: to, shape: x.shape }];
  },
  eval(ctx) {
    const x = ctx.inputs[0]!;
    return [decodeBytes(ctx.attrs.dtype('to'), x.shape, encodeBytes(x))];
  },
};

defineOps(CAST, CAST_LIKE, BIT_CAST);
