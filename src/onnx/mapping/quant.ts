// ONNX -> IR mapping entries for the quant op family.
// (De)QuantizeLinear changed across opsets only by adding attributes whose defaults keep the
// earlier meaning (axis in 13, saturate in 19, block_size/output_dtype in 21 (Quantize) / 23
// (Dequantize), precision in 23) and by widening the allowed types (float8 19, int4/int16 21,
// float4 23, float8e8m0 24, int2 25); before 13 the scale was a scalar, for which `axis` is moot.
// So one direct entry per op covers every version; the IR ops take all attributes.

import type { MappingTable } from '../mapping-api.js';
import { direct, since } from './helpers.js';

export const QUANT_MAPPINGS: MappingTable = {
  QuantizeLinear: [since(10, direct('quantize_linear'))],
  DequantizeLinear: [since(10, direct('dequantize_linear'))],
  DynamicQuantizeLinear: [since(11, direct('dynamic_quantize_linear'))],
  MatMulInteger: [since(10, direct('matmul_integer'))],
  ConvInteger: [since(10, direct('conv_integer'))],
  QLinearMatMul: [since(10, direct('qlinear_matmul'))],
  QLinearConv: [since(10, direct('qlinear_conv'))],
};
