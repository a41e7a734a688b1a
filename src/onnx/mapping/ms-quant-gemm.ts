// com.microsoft quantized matrix products: QGemm, MatMulIntegerToFloat, DynamicQuantizeMatMul.
// Each is an exact int32 matmul_integer of the centred operands, then onnxruntime's MLAS output
// processor spelled with IR ops:
// - QGemm: acc + C (int32 bias, Gemm broadcasting), times f32(alpha * a_scale * b_scale[n]) (divided by
//   y_scale when given), then rounded half to even, plus y_zero_point, saturated (bit-exact); without
//   y_scale / y_zero_point the scaled f32 is the output.
// - MatMulIntegerToFloat: acc * f32(a_scale * b_scale[n]) + bias.
// - DynamicQuantizeMatMul: A quantized to uint8 first with the range of all of A widened to 0
//   (dynamic_quantize_linear, as onnxruntime's GetQuantizationParameter), then as above.
// B's scale and zero point are per tensor or per column (1-D of N), as onnxruntime accepts.

import { attr } from '../../../ir/attrs.js';
import type { Value } from '../../../ir/ir.js';
import type { Lowerer, Lowering, MappingTable } from '../mapping-api.js';
import { since } from './helpers.js';
import {
  bin, cast, f32Const, floatAttr, inputCount, intAttr, onlyAttrs, optZp, perColumn, perTensor, qOperand, rankOf, requantize, required,
} from './ms-quant-util.js';

/** N: the last dim of B (1-D B has no column dim). */
const colsOf = (v: Value): number | string | undefined => {
  const s = v.type.shape;
  if (!s || s.length < 2) return undefined;
  const d = s[s.length - 1]!;
  return d === '?' ? undefined : d;
};

/** f32(acc) * multiplier (+ bias): MLAS_QGEMM_SCALE_BIAS_OUTPUT_PROCESSOR. */
function scaleBias(b: Lowerer, acc: Value, mult: Value, bias: Value | null): Value {
  const y = bin(b, 'mul', cast(b, acc, 'f32'), mult);
  return bias ? bin(b, 'add', y, bias) : y;
}

/** Bias of MatMulIntegerToFloat / DynamicQuantizeMatMul: f32, one value per column. */
function biasOf(node: Parameters<Lowering>[0], b: Lowerer, i: number, n: number | string | undefined): Value | null {
  const v = node.inputs[i];
  if (!v) return null;
  return perColumn(b, v, 'bias', ['f32'], n);
}

const qGemm: Lowering = (node, b) => {
  onlyAttrs(node, b, ['alpha', 'transA', 'transB']);
  inputCount(node, b, 6, 9);
  const alpha = floatAttr(node, b, 'alpha', 1);
  const ta = intAttr(node, b, 'transA', 0) !== 0, tb = intAttr(node, b, 'transB', 0) !== 0;
  let a = qOperand(node, b, 0, 'A');
  let bm = qOperand(node, b, 3, 'B', a.type.dtype === 'i8' ? ['i8'] : ['u8', 'i8']);
  if (rankOf(b, a, 'A') !== 2 || rankOf(b, bm, 'B') !== 2) b.fail('A and B must be 2-D');
  if (ta) a = b.emit('transpose', [a], { perm: attr.ints([1, 0]) })[0]!;
  if (tb) bm = b.emit('transpose', [bm], { perm: attr.ints([1, 0]) })[0]!;
  const n = colsOf(bm);
  const sa = perTensor(b, required(node, b, 1, 'a_scale'), 'a_scale', 'f32');
  const za = optZp(node, b, 2, 'a_zero_point', a.type.dtype);
  const sb = perColumn(b, required(node, b, 4, 'b_scale'), 'b_scale', ['f32'], n);
  const zb0 = node.inputs[5];
  const zb = zb0 ? perColumn(b, zb0, 'b_zero_point', [bm.type.dtype], n) : null;
  const c = node.inputs[6] ?? null;
  if (c && c.type.dtype !== 'i32') b.fail(`C must be i32, got ${c.type.dtype}`);
  const ys0 = node.inputs[7] ?? null, yz0 = node.inputs[8] ?? null;
  // onnxruntime requantizes only with both (the schema's float output has neither).
  if ((ys0 === null) !== (yz0 === null)) b.fail('y_scale and y_zero_point must be given together (or neither, for a float output)');
  let acc = b.emit('matmul_integer', [a, bm, za, zb])[0]!;
  if (c) acc = bin(b, 'add', acc, c);
  let mult = alpha === 1 ? sa : bin(b, 'mul', f32Const(b, alpha), sa);
  mult = bin(b, 'mul', mult, sb);
  if (!ys0) return [scaleBias(b, acc, mult, null)];
  const yz = perTensor(b, yz0!, 'y_zero_point', a.type.dtype);
  mult = bin(b, 'div', mult, perTensor(b, ys0, 'y_scale', 'f32'));
  return [requantize(b, scaleBias(b, acc, mult, null), a.type.dtype, yz)];
};

/** (A, B, a_scale, b_scale, a_zero_point?, b_zero_point?, bias?). */
const matMulIntegerToFloat: Lowering = (node, b) => {
  onlyAttrs(node, b, []);
  inputCount(node, b, 4, 7);
  const a = qOperand(node, b, 0, 'A'), bm = qOperand(node, b, 1, 'B');
  const n = colsOf(bm);
  const sa = perTensor(b, required(node, b, 2, 'a_scale'), 'a_scale', 'f32');
  const sb = perColumn(b, required(node, b, 3, 'b_scale'), 'b_scale', ['f32'], n);
  const za = optZp(node, b, 4, 'a_zero_point', a.type.dtype);
  const zb0 = node.inputs[5];
  const zb = zb0 ? perColumn(b, zb0, 'b_zero_point', [bm.type.dtype], n) : null;
  const acc = b.emit('matmul_integer', [a, bm, za, zb])[0]!;
  return [scaleBias(b, acc, bin(b, 'mul', sa, sb), biasOf(node, b, 6, n))];
};

/** (A f32, B, b_scale, b_zero_point?, bias?). */
const dynamicQuantizeMatMul: Lowering = (node, b) => {
  onlyAttrs(node, b, []);
  inputCount(node, b, 3, 5);
  const a = qOperand(node, b, 0, 'A', ['f32']), bm = qOperand(node, b, 1, 'B');
  const n = colsOf(bm);
  const sb = perColumn(b, required(node, b, 2, 'b_scale'), 'b_scale', ['f32'], n);
  const zb0 = node.inputs[3];
  const zb = zb0 ? perColumn(b, zb0, 'b_zero_point', [bm.type.dtype], n) : null;
  const [qa, sa, za] = b.emit('dynamic_quantize_linear', [a], {}, { results: 3 }) as [Value, Value, Value];
  const acc = b.emit('matmul_integer', [qa, bm, za, zb])[0]!;
  return [scaleBias(b, acc, bin(b, 'mul', sa, sb), biasOf(node, b, 4, n))];
};

export const MS_QUANT_GEMM: MappingTable = {
  'com.microsoft:QGemm': [since(1, qGemm)],
  'com.microsoft:MatMulIntegerToFloat': [since(1, matMulIntegerToFloat)],
  'com.microsoft:DynamicQuantizeMatMul': [since(1, dynamicQuantizeMatMul)],
};
