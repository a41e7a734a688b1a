// com.microsoft QOperator element-wise ops: QLinearAdd, QLinearMul, QLinearSigmoid,
// QLinearLeakyRelu, QLinearWhere, QLinearConcat and the contrib QuantizeLinear/DequantizeLinear.
// Each dequantizes, runs the float op and requantizes in onnxruntime's float order:
// - QLinearMul (MLAS, x86): (a - za)(b - zb) exactly, times f32(sa*sb/sc), plus zc, rounded half
//   to even and saturated: bit-exact.
// - QLinearAdd: sa/sc*(a - za) + sb/sc*(b - zb), then quantized with zc. MLAS's AVX2 kernel folds the
//   zero points into a constant and evaluates with two FMAs, so a value within an ulp of a .5 tie can
//   round the other way: at most 1 unit apart.
// - Sigmoid, LeakyRelu, Where, Concat: onnxruntime builds a 256-entry table of
//   quantize(f(dequantize(i))); computing f per element gives the same values (LeakyRelu, Where,
//   Concat bit-exact; Sigmoid uses MLAS's logistic approximation, within 1 unit).

import { attr } from '../../../ir/attrs.js';
import type { DType } from '../../../ir/dtype.js';
import type { Value } from '../../../ir/ir.js';
import type { Lowering, MappingTable } from '../mapping-api.js';
import { since } from './helpers.js';
import {
  bin, centred, dequant, floatAttr, inputCount, intAttr, onlyAttrs, optZp, perTensor, qOperand, quant, required, roundSaturate,
} from './ms-quant-util.js';

/** QLinearAdd / QLinearMul: (A, A_scale, A_zero_point?, B, B_scale, B_zero_point?, C_scale, C_zero_point?). */
function binary(kind: 'add' | 'mul'): Lowering {
  return (node, b) => {
    onlyAttrs(node, b, []);
    inputCount(node, b, 7, 8);
    const a = qOperand(node, b, 0, 'A');
    const dt = a.type.dtype;
    const bb = qOperand(node, b, 3, 'B', [dt]);
    const sa = perTensor(b, required(node, b, 1, 'A_scale'), 'A_scale', 'f32');
    const sb = perTensor(b, required(node, b, 4, 'B_scale'), 'B_scale', 'f32');
    const sc = perTensor(b, required(node, b, 6, 'C_scale'), 'C_scale', 'f32');
    const za = optZp(node, b, 2, 'A_zero_point', dt), zb = optZp(node, b, 5, 'B_zero_point', dt), zc = optZp(node, b, 7, 'C_zero_point', dt);
    const fa = centred(b, a, za), fb = centred(b, bb, zb);
    if (kind === 'mul') {
      const ratio = bin(b, 'div', bin(b, 'mul', sa, sb), sc);
      return [roundSaturate(b, bin(b, 'mul', bin(b, 'mul', fa, fb), ratio), dt, zc)];
    }
    const sum = bin(b, 'add', bin(b, 'mul', fa, bin(b, 'div', sa, sc)), bin(b, 'mul', fb, bin(b, 'div', sb, sc)));
    return [roundSaturate(b, sum, dt, zc)];
  };
}

/** (X, X_scale, X_zero_point?, Y_scale, Y_zero_point?) through a float function. */
function lookup(f: (x: Value, b: Parameters<Lowering>[1], alpha: number) => Value, attrs: readonly string[]): Lowering {
  return (node, b) => {
    onlyAttrs(node, b, attrs);
    inputCount(node, b, 4, 5);
    const x = qOperand(node, b, 0, 'X');
    const dt = x.type.dtype;
    const sx = perTensor(b, required(node, b, 1, 'X_scale'), 'X_scale', 'f32');
    const sy = perTensor(b, required(node, b, 3, 'Y_scale'), 'Y_scale', 'f32');
    const zx = optZp(node, b, 2, 'X_zero_point', dt), zy = optZp(node, b, 4, 'Y_zero_point', dt);
    const alpha = floatAttr(node, b, 'alpha', 0.01);
    return [quant(b, f(dequant(b, x, sx, zx), b, alpha), sy, zy, dt)];
  };
}

const sigmoid = lookup((x, b) => b.emit('sigmoid', [x])[0]!, []);
const leakyRelu = lookup((x, b, alpha) => b.emit('leaky_relu', [x], { alpha: attr.float(alpha) })[0]!, ['alpha']);

/** x requantized from (sx, zx) to (sz, zz); itself when those are the same constants. */
function requant(b: Parameters<Lowering>[1], x: Value, sx: Value, zx: Value | null, sz: Value, zz: Value | null, dt: DType): Value {
  const same = (p: Value | null, q: Value | null): boolean => {
    if (p === q) return true;
    const tp = p ? b.constantOf(p) : undefined, tq = q ? b.constantOf(q) : undefined;
    const val = (t: typeof tp, v: Value | null): number | undefined => (v === null ? 0 : t ? Number(t.data[0]) : undefined);
    const vp = val(tp, p), vq = val(tq, q);
    return vp !== undefined && vp === vq;
  };
  // onnxruntime copies when scale and zero point match; requantizing would give x back anyway.
  if (same(sx, sz) && same(zx, zz)) return x;
  return quant(b, dequant(b, x, sx, zx), sz, zz, dt);
}

/** (condition, X, X_scale, X_zero_point, Y, Y_scale, Y_zero_point, Z_scale, Z_zero_point). */
const where: Lowering = (node, b) => {
  onlyAttrs(node, b, []);
  inputCount(node, b, 9, 9);
  const c = qOperand(node, b, 0, 'condition', ['bool']);
  const x = qOperand(node, b, 1, 'X');
  const dt = x.type.dtype;
  const y = qOperand(node, b, 4, 'Y', [dt]);
  const sz = perTensor(b, required(node, b, 7, 'Z_scale'), 'Z_scale', 'f32'), zz = optZp(node, b, 8, 'Z_zero_point', dt);
  const qx = requant(b, x, perTensor(b, required(node, b, 2, 'X_scale'), 'X_scale', 'f32'), optZp(node, b, 3, 'X_zero_point', dt), sz, zz, dt);
  const qy = requant(b, y, perTensor(b, required(node, b, 5, 'Y_scale'), 'Y_scale', 'f32'), optZp(node, b, 6, 'Y_zero_point', dt), sz, zz, dt);
  return b.emit('where', [c, qx, qy]);
};

/** (Y_scale, Y_zero_point, then X, X_scale, X_zero_point per input); attribute axis. */
const concat: Lowering = (node, b) => {
  onlyAttrs(node, b, ['axis']);
  const axis = intAttr(node, b, 'axis');
  const n = node.inputs.length;
  if (n < 5 || (n - 2) % 3 !== 0) b.fail(`takes Y_scale, Y_zero_point and (X, X_scale, X_zero_point) triples, got ${n} inputs`, 'E207');
  const zy0 = required(node, b, 1, 'Y_zero_point');
  const dt = zy0.type.dtype;
  if (dt !== 'u8' && dt !== 'i8') b.fail(`Y_zero_point must be u8 or i8, got ${dt}`);
  const sy = perTensor(b, required(node, b, 0, 'Y_scale'), 'Y_scale', 'f32'), zy = perTensor(b, zy0, 'Y_zero_point', dt);
  const parts: Value[] = [];
  for (let i = 2; i < n; i += 3) {
    const k = (i - 2) / 3;
    const x = qOperand(node, b, i, `X${k}`, [dt]);
    const sx = perTensor(b, required(node, b, i + 1, `X${k}_scale`), `X${k}_scale`, 'f32');
    const zx = perTensor(b, required(node, b, i + 2, `X${k}_zero_point`), `X${k}_zero_point`, dt);
    parts.push(requant(b, x, sx, zx, sy, zy, dt));
  }
  return b.emit('concat', parts, { axis: attr.int(axis) });
};

/**
 * The contrib QuantizeLinear / DequantizeLinear: the standard ops' semantics (scale per tensor or,
 * 1-D, per `axis`); onnxruntime has CPU kernels for u8, i8, u16 and i16.
 */
function qdq(irOp: 'quantize_linear' | 'dequantize_linear'): Lowering {
  return (node, b) => {
    onlyAttrs(node, b, ['axis']);
    inputCount(node, b, 2, 3);
    const x = required(node, b, 0, 'x');
    const s = required(node, b, 1, 'scale');
    if (s.type.shape !== null && s.type.shape.length > 1) b.fail(`scale must be a scalar or 1-D, got shape [${s.type.shape.join(',')}]`);
    const zp = node.inputs[2] ?? null;
    if (irOp === 'quantize_linear' && zp === null) return b.emit(irOp, [x, s], { axis: attr.int(intAttr(node, b, 'axis', 1)) });
    return b.emit(irOp, [x, s, zp], { axis: attr.int(intAttr(node, b, 'axis', 1)) });
  };
}

export const MS_QUANT_ELEMENTWISE: MappingTable = {
  'com.microsoft:QLinearAdd': [since(1, binary('add'))],
  'com.microsoft:QLinearMul': [since(1, binary('mul'))],
  'com.microsoft:QLinearSigmoid': [since(1, sigmoid)],
  'com.microsoft:QLinearLeakyRelu': [since(1, leakyRelu)],
  'com.microsoft:QLinearWhere': [since(1, where)],
  'com.microsoft:QLinearConcat': [since(1, concat)],
  'com.microsoft:QuantizeLinear': [since(1, qdq('quantize_linear'))],
  'com.microsoft:DequantizeLinear': [since(1, qdq('dequantize_linear'))],
};
