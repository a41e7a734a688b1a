// Building blocks of the com.microsoft quantized-op lowerings (ms-quant*.ts): attribute and operand
// checks with onnxruntime's limits, and the dequantize / requantize steps spelled with IR ops in the
// float order onnxruntime's CPU kernels (MLAS) use, so that the quantized results are ORT's.

import { floatAttr as sharedFloatAttr } from './helpers.js';
import { attr } from '../../../ir/attrs.js';
import type { DType } from '../../../ir/dtype.js';
import type { AttrValue, Value } from '../../../ir/ir.js';
import { tensorFrom } from '../../../ir/tensor.js';
import type { Lowerer, OnnxNodeView } from '../mapping-api.js';

export const Q8: readonly DType[] = ['u8', 'i8'];

/** Refuse any attribute but `allowed` (a silently ignored attribute is a wrong answer). */
export { intAttr, onlyAttrs } from './helpers.js';

/** A float attribute rounded to f32, as onnxruntime reads it (default `dflt`). */
export function floatAttr(node: OnnxNodeView, b: Lowerer, name: string, dflt: number): number {
  return Math.fround(sharedFloatAttr(node, b, name, dflt));
}

/** Copy the listed attributes through unchanged (for an IR op that takes them with ONNX's meaning). */
export function passAttrs(node: OnnxNodeView, names: readonly string[]): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  for (const n of names) { const v = node.attrs.get(n); if (v) out[n] = v; }
  return out;
}

/** The node's operand count: at least `min`, at most `max` (trailing omitted inputs not counted). */
export function inputCount(node: OnnxNodeView, b: Lowerer, min: number, max: number): void {
  let n = node.inputs.length;
  while (n > 0 && node.inputs[n - 1] === null) n--;
  if (n < min || n > max) b.fail(`takes ${min === max ? min : `${min} to ${max}`} inputs, got ${n}`, 'E207');
}

export function required(node: OnnxNodeView, b: Lowerer, i: number, what: string): Value {
  return node.inputs[i] ?? b.fail(`input ${i} (${what}) is required`, 'E207');
}

/** A tensor operand of one of `allowed` dtypes. */
export function qOperand(node: OnnxNodeView, b: Lowerer, i: number, what: string, allowed: readonly DType[] = Q8): Value {
  const v = required(node, b, i, what);
  if (!allowed.includes(v.type.dtype)) b.fail(`${what} must be ${allowed.join(' or ')}, got ${v.type.dtype}`);
  return v;
}

const elems = (v: Value): number | null => {
  const s = v.type.shape;
  if (s === null || s.some((d) => typeof d !== 'number')) return null;
  return (s as number[]).reduce((a, d) => a * d, 1);
};

/**
 * A per-tensor scale or zero point (onnxruntime reads one element and requires a scalar or a
 * one-element tensor), as a 0-D value so that it broadcasts against any rank. `dtype`: the
 * dtype it must have (f32 for scales, the data's type for zero points).
 */
export function perTensor(b: Lowerer, v: Value, what: string, dtype: DType): Value {
  if (v.type.dtype !== dtype) b.fail(`${what} must be ${dtype}, got ${v.type.dtype}`);
  const n = elems(v);
  if (n !== 1) b.fail(`${what} must be a scalar or a 1-element tensor (onnxruntime quantizes this operand per tensor), got shape [${v.type.shape?.join(',') ?? '?'}]`);
  return v.type.shape!.length === 0 ? v : b.emit('reshape', [v, b.constInts([], [0])])[0]!;
}

/** Optional per-tensor zero point (null when omitted: onnxruntime uses 0). */
export function optZp(node: OnnxNodeView, b: Lowerer, i: number, what: string, dtype: DType): Value | null {
  const v = node.inputs[i];
  return v ? perTensor(b, v, what, dtype) : null;
}

/**
 * A scale or zero point per tensor or per column (1-D of `n` elements, n static or not), as QGemm,
 * MatMulIntegerToFloat and DynamicQuantizeMatMul accept for B.
 */
export function perColumn(b: Lowerer, v: Value, what: string, dtypes: readonly DType[], n: number | string | undefined): Value {
  if (!dtypes.includes(v.type.dtype)) b.fail(`${what} must be ${dtypes.join(' or ')}, got ${v.type.dtype}`);
  if (elems(v) === 1) return perTensor(b, v, what, v.type.dtype);
  const s = v.type.shape;
  const fits = s !== null && s.length === 1 && (typeof n !== 'number' || typeof s[0] !== 'number' || s[0] === n);
  if (!fits) b.fail(`${what} must be a scalar, a 1-element tensor or 1-D with one value per output column (${n ?? 'N'}), got shape [${s?.join(',') ?? '?'}]`);
  return v;
}

export const f32Const = (b: Lowerer, x: number): Value => b.constant(tensorFrom('f32', [], [x]));
export const zeroOf = (b: Lowerer, dt: DType): Value => b.constant(tensorFrom(dt, [], [0]));

export const bin = (b: Lowerer, op: string, x: Value, y: Value): Value => b.emit(op, [x, y])[0]!;
export const cast = (b: Lowerer, x: Value, to: DType): Value => (x.type.dtype === to ? x : b.emit('cast', [x], { to: attr.dtype(to) })[0]!);

/** x - zero_point as f32 (exact: both are 8-bit integers). */
export function centred(b: Lowerer, x: Value, zp: Value | null): Value {
  const fx = cast(b, x, 'f32');
  return zp ? bin(b, 'sub', fx, cast(b, zp, 'f32')) : fx;
}

/**
 * saturate(round_half_even(v) + zp) into `dt`: MlasRequantizeOutput (QGemm, global average pool),
 * the zero point added after rounding. quantize_linear with scale 1 (v / 1 is exact).
 */
export function requantize(b: Lowerer, v: Value, dt: DType, zp: Value | null = null): Value {
  return b.emit('quantize_linear', [v, f32Const(b, 1), zp ?? zeroOf(b, dt)])[0]!;
}

/**
 * saturate(round_half_even(v + zp)) into `dt`, the zero point added in float before rounding (MLAS's
 * QLinearAdd/QLinearMul kernels, onnxruntime's quantized average pool): the f32 sum can round onto
 * or off a .5 tie, so this differs from `requantize` near ties.
 */
export function roundSaturate(b: Lowerer, v: Value, dt: DType, zp: Value | null = null): Value {
  const t = zp ? bin(b, 'add', v, cast(b, zp, 'f32')) : v;
  return b.emit('quantize_linear', [t, f32Const(b, 1), zeroOf(b, dt)])[0]!;
}

/** (x - x_zp) * x_scale in f32, as onnxruntime dequantizes (and as its lookup tables are built). */
export function dequant(b: Lowerer, x: Value, s: Value, zp: Value | null): Value {
  return b.emit('dequantize_linear', [x, s, zp ?? zeroOf(b, x.type.dtype)])[0]!;
}

/** saturate(round_half_even(v / scale) + zp): MlasQuantizeLinear, i.e. ONNX QuantizeLinear. */
export function quant(b: Lowerer, v: Value, s: Value, zp: Value | null, dt: DType): Value {
  return b.emit('quantize_linear', [v, s, zp ?? zeroOf(b, dt)])[0]!;
}

/** A dim's size, when static. */
export const staticDim = (v: Value, i: number): number | undefined => {
  const d = v.type.shape?.[i];
  return typeof d === 'number' ? d : undefined;
};

/** The rank, which the lowering needs (a value of unknown rank is refused). */
export function rankOf(b: Lowerer, v: Value, what: string): number {
  return v.type.shape?.length ?? b.fail(`${what} needs a known rank`);
}
