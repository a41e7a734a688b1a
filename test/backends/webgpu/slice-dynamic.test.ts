// fast-check on Dawn + SwiftShader: slice with starts, ends, axes and steps as graph inputs
// (kernels/slice-dynamic.ts; run-time result dims): one artifact runs several slices (negative
// and out-of-range starts/ends, negative axes, negative steps) against the interpreter.

import fc from 'fast-check';
import { describe, it } from 'vitest';
import { interpret } from '../../../ir/interp.js';
import { tensorFrom, type Tensor } from '../../../ir/tensor.js';
import { compileWebGpu } from '../../../src/backends/webgpu/index.js';
import { importOnnxBytes } from '../../../src/onnx/import.js';
import { buildModel } from '../../../src/onnx/writer.js';
import { expectClose, rand, runCompiled } from './helpers.js';

const i64 = (xs: readonly number[]): Tensor => tensorFrom('i64', [xs.length], xs.map(BigInt));

describe('webgpu slice with run-time starts, ends, axes, steps vs interpreter (fast-check)', () => {
  it('one artifact, several slices', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.constantFrom(1, 2, 3, 5, 7), { minLength: 2, maxLength: 3 }),
      fc.array(fc.record({ s: fc.integer({ min: -8, max: 8 }), e: fc.integer({ min: -8, max: 8 }), neg: fc.boolean(), step: fc.constantFrom(-2, -1, 1, 2, 3), axis: fc.nat(2) }), { minLength: 2, maxLength: 3 }),
      fc.integer(),
      async (shape, draws, seed) => {
        const r = shape.length;
        const bytes = buildModel({
          opset: 13,
          inputs: [{ name: 'x', dtype: 'f32', shape }, ...['starts', 'ends', 'axes', 'steps'].map((name) => ({ name, dtype: 'i64' as const, shape: [1] }))],
          outputs: [{ name: 'y', dtype: 'f32', shape: null }],
          nodes: [{ opType: 'Slice', inputs: ['x', 'starts', 'ends', 'axes', 'steps'], outputs: ['y'] }],
        });
        const load = () => importOnnxBytes(bytes, { file: 'slice.onnx', baseDir: '.' });
        const c = compileWebGpu(load(), { passes: 'fuse' });
        const x = rand(shape, seed);
        for (const d of draws) {
          const axis = d.axis % r;
          const inputs = [x, i64([d.s]), i64([d.e]), i64([d.neg ? axis - r : axis]), i64([d.step])];
          const want = interpret(load(), inputs);
          // An empty slice runs no dispatch; its shape still must agree.
          expectClose(await runCompiled(c, inputs), want);
        }
      },
    ), { numRuns: 10, seed: 51 });
  }, 30_000);
});
