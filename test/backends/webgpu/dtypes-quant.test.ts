// The webgpu quantisation and integer kernels (kernels/dtype-ops.ts) against the interpreter,
// exactly, on Dawn + SwiftShader (fast-check, few runs: each case compiles its pipelines):
// quantize_linear / dequantize_linear per tensor, per axis and blocked over 8/16/4/2-bit integers
// and float8/float4; dynamic_quantize_linear over inputs larger than one workgroup;
// matmul_integer / qlinear_matmul with batches, broadcasting and zero points per tensor, row or
// column; conv_integer in 1-D to 3-D with groups, strides, pads, dilations. The properties are
// shared with the wasm suite (../quant-cases.ts).

import fc from 'fast-check';
import { describe, it } from 'vitest';
import { checkExact, dequantizeCases, dynamicQuantizeCases, intConvCases, intMatmulCases, quantizeCases } from '../quant-cases.js';
import { runWebGpu } from './helpers.js';

const DIMS = [1, 2, 3, 5, 7, 11];

describe('webgpu quantisation kernels vs interpreter (fast-check)', () => {
  it('quantize_linear: every target, per tensor / axis / block, f32 or f16 inputs and scales, saturate 0/1', async () => {
    await checkExact(quantizeCases(DIMS), runWebGpu, { numRuns: 30, seed: 5 });
  }, 60_000);

  it('dequantize_linear: every source, per tensor / axis / block, f32 / f16 scales', async () => {
    // i32 within 2^23: the difference x - zero_point is computed in f32.
    await checkExact(dequantizeCases(DIMS, [-(2 ** 23), 2 ** 23]), runWebGpu, { numRuns: 30, seed: 6 });
  }, 60_000);

  it('dynamic_quantize_linear on mixed, positive, negative and zero inputs, up to 3 workgroups', async () => {
    await checkExact(dynamicQuantizeCases(fc.constantFrom<number[]>([1], [7], [3, 5], [256], [2, 13, 23])), runWebGpu, { numRuns: 12, seed: 7 });
  }, 60_000);
});

describe('webgpu integer matmul and conv vs interpreter (fast-check)', () => {
  it('matmul_integer / qlinear_matmul: batches, broadcasting, zero points per tensor / row / column, f32 / f16 scales', async () => {
    await checkExact(intMatmulCases({ K: [1, 3, 8, 17], oneD: false, symK: false }), runWebGpu, { numRuns: 25, seed: 8 });
  }, 60_000);

  it('conv_integer / qlinear_conv: 1-D to 3-D, groups, strides, pads, dilations, per-channel w_zero_point, bias', async () => {
    await checkExact(intConvCases(), runWebGpu, { numRuns: 20, seed: 9 });
  }, 60_000);
});
