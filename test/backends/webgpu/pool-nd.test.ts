// fast-check on Dawn + SwiftShader: N-D pooling (kernels/pool-nd.ts): 3-D max/average pooling
// and lp_pool of 1 to 3 spatial axes, with pads, strides, dilations, count_include_pad, auto_pad,
// p = 1, 2, 3, on odd sizes, against the interpreter.

import fc from 'fast-check';
import { describe, it } from 'vitest';
import { interpret } from '../../../ir/interp.js';
import type { Tensor } from '../../../ir/tensor.js';
import { compileWebGpu } from '../../../src/backends/webgpu/index.js';
import { importOnnxBytes } from '../../../src/onnx/import.js';
import { buildModel } from '../../../src/onnx/writer.js';
import { expectClose, rand, runCompiled } from './helpers.js';

describe('webgpu N-D pooling vs interpreter (fast-check)', () => {
  it('3-D max/average pooling and lp_pool of any rank', async () => {
    await fc.assert(fc.asyncProperty(
      fc.constantFrom('MaxPool', 'AveragePool', 'LpPool'), fc.constantFrom(1, 2, 3), fc.constantFrom(3, 4, 5), fc.constantFrom(1, 2, 3),
      fc.constantFrom(1, 2), fc.constantFrom(0, 1), fc.constantFrom(1, 2), fc.boolean(), fc.constantFrom(1, 2, 3), fc.boolean(), fc.integer(),
      async (opType, r0, size, kern, stride, pad, dil, includePad, p, same, seed) => {
        const r = opType === 'LpPool' ? r0 : 3;
        const shape = [1, 2, ...Array(r).fill(size)];
        const attrs: Record<string, number | string | readonly number[]> = { kernel_shape: Array(r).fill(kern), strides: Array(r).fill(stride) };
        if (same) attrs['auto_pad'] = 'SAME_UPPER';
        else attrs['pads'] = Array(2 * r).fill(Math.min(pad, kern - 1));
        if (opType !== 'AveragePool' || !same) attrs['dilations'] = Array(r).fill(same ? 1 : dil);
        if (opType === 'AveragePool') attrs['count_include_pad'] = includePad ? 1 : 0;
        if (opType === 'LpPool') attrs['p'] = p;
        const bytes = buildModel({
          opset: 19,
          inputs: [{ name: 'x', dtype: 'f32', shape }],
          outputs: [{ name: 'y', dtype: 'f32', shape: null }],
          nodes: [{ opType, inputs: ['x'], outputs: ['y'], attrs }],
        });
        const load = () => importOnnxBytes(bytes, { file: 'pool.onnx', baseDir: '.' });
        const inputs: Tensor[] = [rand(shape, seed)];
        expectClose(await runCompiled(compileWebGpu(load(), { passes: 'fuse' }), inputs), interpret(load(), inputs), 1e-4, 1e-5);
      },
    ), { numRuns: 40, seed: 71 });
  }, 30_000);
});
