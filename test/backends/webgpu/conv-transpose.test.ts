// fast-check on Dawn + SwiftShader: conv_transpose (kernels/conv-transpose.ts) against the
// interpreter: 1-D and 2-D, groups, strides, dilations, explicit pads, output_padding, auto_pad,
// with and without bias, odd sizes, followed by a relu (chained into the same dispatch).

import fc from 'fast-check';
import { describe, it } from 'vitest';
import { interpret } from '../../../ir/interp.js';
import type { Tensor } from '../../../ir/tensor.js';
import { compileWebGpu } from '../../../src/backends/webgpu/index.js';
import { importOnnxBytes } from '../../../src/onnx/import.js';
import { buildModel } from '../../../src/onnx/writer.js';
import { expectClose, rand, runCompiled } from './helpers.js';

describe('webgpu conv_transpose vs interpreter (fast-check)', () => {
  it('groups, strides, dilations, pads, output_padding, auto_pad, bias', async () => {
    await fc.assert(fc.asyncProperty(
      fc.constantFrom(1, 2), fc.constantFrom(1, 2), fc.constantFrom(1, 3), fc.constantFrom(1, 2), fc.constantFrom(1, 2, 5),
      fc.constantFrom(1, 2, 3), fc.constantFrom(1, 2), fc.constantFrom(0, 1), fc.constantFrom('NOTSET', 'SAME_UPPER', 'VALID'),
      fc.boolean(), fc.boolean(), fc.integer(),
      async (rank, group, cg, mg, size, kern, stride, pad, auto, bias, dilate, seed) => {
        const C = group * cg, M = group * mg;
        const sp = Array(rank).fill(size) as number[], ks = Array(rank).fill(kern) as number[];
        const attrs: Record<string, number | string | readonly number[]> = { group, strides: Array(rank).fill(stride), dilations: Array(rank).fill(dilate ? 2 : 1) };
        if (auto === 'NOTSET') {
          attrs['pads'] = Array(2 * rank).fill(pad);
          // output_padding must stay below the stride.
          attrs['output_padding'] = Array(rank).fill(stride > 1 ? 1 : 0);
        } else attrs['auto_pad'] = auto;
        const bytes = buildModel({
          opset: 17,
          inputs: [{ name: 'x', dtype: 'f32', shape: [2, C, ...sp] }, { name: 'w', dtype: 'f32', shape: [C, mg, ...ks] }, ...(bias ? [{ name: 'b', dtype: 'f32' as const, shape: [M] }] : [])],
          outputs: [{ name: 'y', dtype: 'f32', shape: null }],
          nodes: [
            { opType: 'ConvTranspose', inputs: ['x', 'w', ...(bias ? ['b'] : [])], outputs: ['t'], attrs },
            { opType: 'Relu', inputs: ['t'], outputs: ['y'] },
          ],
        });
        const load = () => importOnnxBytes(bytes, { file: 'ct.onnx', baseDir: '.' });
        const inputs: Tensor[] = [rand([2, C, ...sp], seed), rand([C, mg, ...ks], seed + 1), ...(bias ? [rand([M], seed + 2)] : [])];
        expectClose(await runCompiled(compileWebGpu(load(), { passes: 'O1' }), inputs), interpret(load(), inputs), 1e-4, 1e-5);
      },
    ), { numRuns: 16, seed: 61 });
  }, 30_000);
});
