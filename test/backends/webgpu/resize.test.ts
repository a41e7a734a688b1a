// fast-check on Dawn + SwiftShader: resize (kernels/resize.ts with constant scales: taps computed
// at compile time; resize-dynamic.ts with scales as a graph input: coordinates in f32 at run time,
// run-time result dims) against the interpreter, over modes, coordinate transformations, nearest
// rounding, exclude_outside, cubic_coeff_a, down- and upsampling of odd sizes.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { interpret } from '../../../ir/interp.js';
import { tensorFrom, type Tensor } from '../../../ir/tensor.js';
import { compileWebGpu } from '../../../src/backends/webgpu/index.js';
import { importOnnxBytes } from '../../../src/onnx/import.js';
import { buildModel } from '../../../src/onnx/writer.js';
import { expectClose, rand, runCompiled } from './helpers.js';

const CTMS = ['half_pixel', 'asymmetric', 'align_corners', 'pytorch_half_pixel', 'half_pixel_symmetric', 'tf_half_pixel_for_nn'];
const NEAREST = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'];
// Scales exact in binary, so the f32 coordinates of the run-time path meet the f64 reference's ties.
const SCALES = [0.5, 0.75, 1, 1.5, 2, 3];

function model(shape: readonly number[], scales: readonly number[], runtime: boolean, attrs: Record<string, number | string>) {
  const sc = tensorFrom('f32', [4], [1, 1, ...scales]);
  const bytes = buildModel({
    opset: 19,
    inputs: [{ name: 'x', dtype: 'f32', shape }, ...(runtime ? [{ name: 'scales', dtype: 'f32' as const, shape: [4] }] : [])],
    outputs: [{ name: 'y', dtype: 'f32', shape: null }],
    initializers: [{ name: 'roi', tensor: tensorFrom('f32', [0], []) }, ...(runtime ? [] : [{ name: 'scales', tensor: sc }])],
    nodes: [{ opType: 'Resize', inputs: ['x', 'roi', 'scales'], outputs: ['y'], attrs }],
  });
  return { load: () => importOnnxBytes(bytes, { file: 'resize.onnx', baseDir: '.' }), sc };
}

describe('webgpu resize vs interpreter (fast-check)', () => {
  it('constant or run-time scales, every mode and coordinate transformation', async () => {
    await fc.assert(fc.asyncProperty(
      fc.constantFrom(1, 2, 3, 5), fc.constantFrom(1, 4, 7), fc.constantFrom(...SCALES), fc.constantFrom(...SCALES),
      fc.constantFrom('nearest', 'linear', 'cubic'), fc.constantFrom(...CTMS), fc.constantFrom(...NEAREST), fc.boolean(), fc.boolean(), fc.integer(),
      async (H, W, sh, sw, mode, ctm, nearest, exclude, runtime, seed) => {
        const shape = [1, 2, H, W];
        const attrs = { mode, coordinate_transformation_mode: ctm, nearest_mode: nearest, exclude_outside: exclude ? 1 : 0, cubic_coeff_a: -0.5 };
        const { load, sc } = model(shape, [sh, sw], runtime, attrs);
        const c = compileWebGpu(load(), { passes: 'fuse' });
        expect(c.manifest.derived !== undefined).toBe(runtime);
        const inputs: Tensor[] = [rand(shape, seed), ...(runtime ? [sc] : [])];
        expectClose(await runCompiled(c, inputs), interpret(load(), inputs), 1e-4, 1e-5);
      },
    ), { numRuns: 40, seed: 41 });
  }, 30_000);
});
