// wasm resize with keep_aspect_ratio_policy not_larger / not_smaller (kernels/data-resize.ts
// aspectScale, odds-resize.ts): one scale for all listed axes, min (max) of sizes_j / in_j, with
// sizes read at run time (one artifact, several sizes) or constant. Against the interpreter over
// random small shapes (1s, primes), axes subsets in any order, nearest (exact, any nearest_mode),
// linear and cubic (antialias, exclude_outside), every coordinate transformation the kernels take.

import { describe, expect, it } from 'vitest';
import type { DType } from '../../../ir/dtype.js';
import type { Module } from '../../../ir/ir.js';
import { tensorFrom, type Tensor } from '../../../ir/tensor.js';
import { compileWasm } from '../../../src/backends/wasm/index.js';
import { instantiateCompiled, type RunTensor } from '../../../src/runtime/index.js';
import { type AspectBackend, aspectCases, constantSizes, runtimeSizes, sizeStaysScaleNot1, zeroAndDoubling } from '../resize-aspect-cases.js';
import { expectClose } from './helpers.js';

async function compiled(load: () => Module): Promise<(inputs: Tensor[]) => Promise<Tensor[]>> {
  const c = await compileWasm(load(), { passes: 'fuse', verifyEach: true });
  const again = await compileWasm(load(), { passes: 'fuse', verifyEach: true });
  expect(Buffer.from(again.wasm).equals(Buffer.from(c.wasm))).toBe(true);
  const cm = await instantiateCompiled(c.manifest, c.wasm, c.weights);
  return async (inputs) => {
    const feed: Record<string, RunTensor> = {};
    c.manifest.inputs.forEach((inp, i) => (feed[inp.name] = { data: inputs[i]!.data as RunTensor['data'], dims: inputs[i]!.shape }));
    const out = await cm.run(feed);
    return c.manifest.outputs.map((o) => ({ dtype: o.dtype as Tensor['dtype'], shape: [...out[o.name]!.dims], data: out[o.name]!.data as Tensor['data'] }));
  };
}

function input(shape: number[], dtype: DType, seed: number): Tensor {
  let s = seed | 0;
  const n = shape.reduce((p, d) => p * d, 1);
  const v = Array.from({ length: n }, () => { s = (Math.imul(s, 1103515245) + 12345) | 0; return ((s >>> 8) % 2001) / 100 - 10; });
  return tensorFrom(dtype, shape, dtype === 'f32' ? v : v.map(Math.round));
}

const wasm: AspectBackend = {
  cases: aspectCases({
    nearest: ['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_half_pixel_for_nn', 'half_pixel_symmetric'],
    interp: ['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'half_pixel_symmetric', 'tf_crop_and_resize'],
  }, true),
  compile: compiled,
  input,
  check: (got, want, c) => {
    expect(got[0]!.shape).toEqual(want[0]!.shape);
    // Nearest gathers: exact. Interpolation: the per-axis sums are expanded (f64 rounding apart).
    if (c.mode === 'nearest') expect(Array.from(got[0]!.data as ArrayLike<number>)).toEqual(Array.from(want[0]!.data as ArrayLike<number>));
    else expectClose(got, want, 1e-5, 1e-5);
  },
};

describe('wasm resize keep_aspect_ratio_policy vs interpreter (fast-check)', () => {
  it('sizes read at run time: one artifact, several sizes', () => runtimeSizes(wasm, 41), 60_000);
  it('constant sizes (static result dims)', () => constantSizes(wasm, 43), 60_000);
  it('a result dim of 0 (not_larger, scale 1/7 on a dim of 1) and not_smaller keeping or doubling', () => zeroAndDoubling(wasm));
  it('an axis whose size stays but whose scale is not 1 is still resized (4 -> 4 at scale 1.1)', () => sizeStaysScaleNot1(wasm));
});
