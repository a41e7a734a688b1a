// The wasm backend's quantisation kernels against the interpreter, exactly: quantize_linear /
// dequantize_linear (per-tensor, per-axis, blocked; 8/16/4/2-bit integers and float8/float4),
// dynamic_quantize_linear, matmul_integer / qlinear_matmul (batched, broadcast, 1-D operands,
// zero points per tensor/row/column, static and symbolic K) and conv_integer / qlinear_conv.
// The properties are shared with the webgpu suite (../quant-cases.ts); wasm draws more runs,
// the full i32 range, 1-D operands and a symbolic K.

import fc from 'fast-check';
import { describe, it } from 'vitest';
import { checkExact, dequantizeCases, dynamicQuantizeCases, intConvCases, intMatmulCases, quantizeCases } from '../quant-cases.js';
import { runWasmT } from './dtype-helpers.js';

const DIMS = [1, 2, 3, 4, 5, 7, 11];

describe('wasm quantize_linear / dequantize_linear / dynamic_quantize_linear vs interpreter', () => {
  it('quantize_linear: every target, per-tensor / per-axis / blocked, f32 or f16 inputs and scales', async () => {
    await checkExact(quantizeCases(DIMS), runWasmT, { numRuns: 200 });
  });

  it('dequantize_linear: every source, per-tensor / per-axis / blocked, f32 / f16 scales', async () => {
    await checkExact(dequantizeCases(DIMS, [-(2 ** 31), 2 ** 31 - 1]), runWasmT, { numRuns: 150 });
  });

  it('dynamic_quantize_linear on mixed, positive, negative and zero inputs', async () => {
    await checkExact(dynamicQuantizeCases(fc.array(fc.constantFrom(...DIMS), { minLength: 1, maxLength: 3 })), runWasmT, { numRuns: 60 });
  });
});

describe('wasm integer matmul and conv vs interpreter', () => {
  it('matmul_integer / qlinear_matmul: batches, broadcasting, 1-D operands, zero points per tensor/row/column, f32/f16 scales', async () => {
    await checkExact(intMatmulCases({ K: [1, 3, 8, 9, 17, 33], oneD: true, symK: true }), runWasmT, { numRuns: 150 });
  });

  it('conv_integer / qlinear_conv: 1-D to 3-D, groups, strides, pads, dilations, per-channel w_zero_point, bias', async () => {
    await checkExact(intConvCases(), runWasmT, { numRuns: 80 });
  });
});
