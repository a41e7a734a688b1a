// ONNX -> IR mapping entries for onnxruntime's contrib ops (domain com.microsoft): the QOperator-format
// quantized ops that onnxruntime.quantization's quantize_static (QuantFormat.QOperator) and
// quantize_dynamic write (the ONNX model zoo's int8 models use them). Each lowers to standard IR ops
// (dequantize -> float op -> quantize, or an exact integer matmul and requantization) in the float
// order of onnxruntime's CPU kernels; onnxruntime-node is the reference the tests compare with.
// The families live in ms-quant-elementwise.ts (QLinearAdd/Mul/Sigmoid/LeakyRelu/Where/Concat,
// QuantizeLinear, DequantizeLinear), ms-quant-pool.ts (QLinearGlobalAveragePool,
// QLinearAveragePool, QLinearSoftmax) and ms-quant-gemm.ts (QGemm, MatMulIntegerToFloat,
// DynamicQuantizeMatMul). QLinearReduceMean has no CPU kernel in onnxruntime 1.30 and is not mapped.

import type { MappingTable } from '../mapping-api.js';
import { MS_QUANT_ELEMENTWISE } from './ms-quant-elementwise.js';
import { MS_QUANT_GEMM } from './ms-quant-gemm.js';
import { MS_QUANT_POOL } from './ms-quant-pool.js';

export const MS_QUANT_MAPPINGS: MappingTable = {
  ...MS_QUANT_ELEMENTWISE,
  ...MS_QUANT_POOL,
  ...MS_QUANT_GEMM,
};
