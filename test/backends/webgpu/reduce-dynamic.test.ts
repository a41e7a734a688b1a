// fast-check on Dawn + SwiftShader: reductions whose axes are a graph input (kernels/
// reduce-dynamic.ts). The result dims are run-time dims, so one compiled artifact runs several
// axes lists (negative ones, repeats, every axis); compared with the interpreter, on shapes with
// 1s and odd sizes, and an empty input (the reduction's initial value, e.g. -inf for max).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { interpret } from '../../../ir/interp.js';
import { tensorFrom, type Tensor } from '../../../ir/tensor.js';
import { importOnnxBytes } from '../../../src/onnx/import.js';
import { buildModel } from '../../../src/onnx/writer.js';
import { compileWebGpu } from '../../../src/backends/webgpu/index.js';
import { expectClose, rand, runCompiled } from './helpers.js';

const OPS = ['ReduceSum', 'ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2', 'ReduceSumSquare', 'ReduceLogSum'];

function model(op: string, shape: readonly number[], nAxes: number, keepdims = 1) {
  const bytes = buildModel({
    opset: 18,
    inputs: [{ name: 'x', dtype: 'f32', shape }, { name: 'axes', dtype: 'i64', shape: [nAxes] }],
    outputs: [{ name: 'y', dtype: 'f32', shape: null }],
    nodes: [{ opType: op, inputs: ['x', 'axes'], outputs: ['y'], attrs: { keepdims } }],
  });
  return () => importOnnxBytes(bytes, { file: 'reduce.onnx', baseDir: '.' });
}

describe('webgpu reductions over run-time axes vs interpreter (fast-check)', () => {
  it('one artifact, several axes lists', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.constantFrom(1, 2, 3, 5), { minLength: 1, maxLength: 3 }), fc.constantFrom(...OPS), fc.integer({ min: 1, max: 2 }),
      fc.array(fc.array(fc.integer({ min: -3, max: 2 }), { minLength: 2, maxLength: 2 }), { minLength: 2, maxLength: 2 }), fc.boolean(), fc.integer(),
      async (shape, op, n0, draws, keep, seed) => {
        const r = shape.length, n = Math.min(n0, r);
        const load = model(op, shape, n, keep ? 1 : 0);
        const c = compileWebGpu(load(), { passes: 'fuse' });
        // Axes of size 1 reduce to 1 either way: only other dims become run-time dims.
        if (keep) expect(c.manifest.derived !== undefined).toBe(shape.some((d) => d !== 1));
        // ReduceLogSum and ReduceProd of a wide range stay finite on values in [0.5, 1.5).
        const x = rand(shape, seed);
        (x.data as Float32Array).forEach((v, j, a) => (a[j] = v / 2 + 1));
        for (const raw of draws) {
          // n distinct axes (ONNX refuses repeats), each written negative when its draw was.
          const picked: number[] = [];
          for (const a of [...raw, 0, 1, 2]) if (picked.length < n && !picked.includes(((a % r) + r) % r)) picked.push(((a % r) + r) % r);
          const axes = picked.map((a, j) => ((raw[j] ?? 0) < 0 ? a - r : a));
          const inputs: Tensor[] = [x, tensorFrom('i64', [n], axes.map(BigInt))];
          expectClose(await runCompiled(c, inputs), interpret(load(), inputs), 1e-4, 1e-5);
        }
      },
    ), { numRuns: 12, seed: 21 });
  }, 30_000);

  it('an empty input reduces to the initial value', async () => {
    for (const [op, want] of [['ReduceMax', -Infinity], ['ReduceMin', Infinity], ['ReduceProd', 1], ['ReduceSum', 0], ['ReduceLogSum', -Infinity]] as const) {
      const load = model(op, [2, 0, 3], 1);
      const inputs: Tensor[] = [tensorFrom('f32', [2, 0, 3], []), tensorFrom('i64', [1], [1n])];
      const got = await runCompiled(compileWebGpu(load(), { passes: 'fuse' }), inputs);
      expect(got[0]!.shape).toEqual([2, 1, 3]);
      expect([...(got[0]!.data as Float32Array)]).toEqual(Array(6).fill(want));
      expectClose(got, interpret(load(), inputs));
    }
  }, 30_000);
});
