// webgpu resize with keep_aspect_ratio_policy not_larger / not_smaller: one scale for all listed
// axes, min (max) of sizes_j / in_j; sizes read at run time (kernels/resize-dynamic.ts, one
// artifact, several sizes) or constant (kernels/resize.ts tables). Against the interpreter over
// random small shapes (1s, primes), axes subsets in any order, nearest (any nearest_mode), linear
// and cubic (antialias, exclude_outside), the coordinate transformations. Shaders through Tint and naga.

import { describe, expect, it } from 'vitest';
import type { Module } from '../../../ir/ir.js';
import { compileWebGpu, type CompiledWebGpu } from '../../../src/backends/webgpu/index.js';
import { type AspectBackend, aspectCases, constantSizes, runtimeSizes, sizeStaysScaleNot1, zeroAndDoubling } from '../resize-aspect-cases.js';
import { expectClose, rand, runCompiled, validateShaders } from './helpers.js';
import { nagaErrors } from './naga-run.js';

const compiled: { name: string; c: CompiledWebGpu }[] = [];

function compile(load: () => Module): CompiledWebGpu {
  const c = compileWebGpu(load(), { passes: 'fuse', verifyEach: true });
  expect(compileWebGpu(load(), { passes: 'fuse', verifyEach: true }).shaders.map((s) => s.code)).toEqual(c.shaders.map((s) => s.code));
  compiled.push({ name: `resize-aspect-${compiled.length}`, c });
  return c;
}

const webgpu: AspectBackend = {
  cases: aspectCases(['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'half_pixel_symmetric', 'tf_half_pixel_for_nn', 'tf_crop_and_resize'], false),
  compile: async (load) => {
    const cc = compile(load);
    return (inputs) => runCompiled(cc, inputs);
  },
  input: (shape, _dtype, seed) => rand(shape, seed),
  // Coordinates are f32 on the GPU, f64 in the interpreter: values agree to f32 rounding.
  check: (got, want) => expectClose(got, want, 1e-4, 1e-5),
};

describe('webgpu resize keep_aspect_ratio_policy vs interpreter (fast-check)', () => {
  it('sizes read at run time: one artifact, several sizes', () => runtimeSizes(webgpu, 47), 60_000);
  it('constant sizes (static result dims, tap tables)', () => constantSizes(webgpu, 53), 60_000);
  it('a result dim of 0 (not_larger, scale 1/7 on a dim of 1) and not_smaller keeping or doubling', () => zeroAndDoubling(webgpu));
  it('an axis whose size stays but whose scale is not 1 is still resized (4 -> 4 at scale 1.1)', () => sizeStaysScaleNot1(webgpu));

  it('the shaders pass Tint and naga', async () => {
    expect(compiled.length).toBeGreaterThan(30);
    for (const { c } of compiled) expect(await validateShaders(c)).toEqual([]);
    expect(await nagaErrors(compiled)).toEqual([]);
  }, 60_000);
});
