// wasm resize with keep_aspect_ratio_policy not_larger / not_smaller (kernels/data-resize.ts
// aspectScale, odds-resize.ts): one scale for all listed axes, min (max) of sizes_j / in_j, with
// sizes read at run time (one artifact, several sizes) or constant. Against the interpreter over
// random small shapes (1s, primes), axes subsets in any order, nearest (exact, any nearest_mode),
// linear and cubic (antialias, exclude_outside), every coordinate transformation the kernels take.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { interpret } from '../../../ir/interp.js';
import type { DType } from '../../../ir/dtype.js';
import type { Module } from '../../../ir/ir.js';
import { tensorFrom, type Tensor } from '../../../ir/tensor.js';
import { compileWasm } from '../../../src/backends/wasm/index.js';
import { importOnnxBytes } from '../../../src/onnx/import.js';
import { buildModel } from '../../../src/onnx/writer.js';
import { instantiateCompiled, type RunTensor } from '../../../src/runtime/index.js';
import { expectClose } from './helpers.js';

interface Case { shape: number[]; axes: number[]; policy: string; mode: string; ctm: string; nearest: string; antialias: boolean; exclude: boolean; dtype: DType }

function model(c: Case, sizesConst?: number[]): () => Module {
  const crop = c.ctm === 'tf_crop_and_resize';
  const roi = tensorFrom('f32', [2 * c.axes.length], [...c.axes.map(() => 0.2), ...c.axes.map(() => 0.9)]);
  const bytes = buildModel({
    opset: 19,
    inputs: [{ name: 'x', dtype: c.dtype, shape: c.shape }, ...(sizesConst ? [] : [{ name: 'sizes', dtype: 'i64' as DType, shape: [c.axes.length] }])],
    initializers: [...(sizesConst ? [{ name: 'sizes', tensor: tensorFrom('i64', [c.axes.length], sizesConst) }] : []), ...(crop ? [{ name: 'roi', tensor: roi }] : [])],
    outputs: [{ name: 'y', dtype: c.dtype, shape: null }],
    nodes: [{ opType: 'Resize', inputs: ['x', crop ? 'roi' : '', '', 'sizes'], outputs: ['y'], attrs: {
      axes: c.axes, keep_aspect_ratio_policy: c.policy, mode: c.mode, coordinate_transformation_mode: c.ctm, nearest_mode: c.nearest,
      antialias: c.antialias ? 1 : 0, exclude_outside: c.exclude ? 1 : 0,
    } }],
  });
  return () => importOnnxBytes(bytes, { file: 'resize.onnx', baseDir: '.' });
}

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

const caseArb = fc.record({
  shape: fc.array(fc.constantFrom(1, 2, 3, 5, 7), { minLength: 1, maxLength: 4 }),
  pick: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
  reverse: fc.boolean(),
  policy: fc.constantFrom('not_larger', 'not_smaller'),
  mode: fc.constantFrom('nearest', 'linear', 'cubic'),
  ctmN: fc.constantFrom('half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_half_pixel_for_nn', 'half_pixel_symmetric'),
  ctmL: fc.constantFrom('half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'half_pixel_symmetric', 'tf_crop_and_resize'),
  nearest: fc.constantFrom('round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'),
  antialias: fc.boolean(), exclude: fc.boolean(), int: fc.boolean(),
}).map((r): Case => {
  let axes = r.shape.map((_d, a) => a).filter((a) => r.pick[a]);
  if (axes.length === 0) axes = [r.shape.length - 1];
  if (r.reverse) axes.reverse();
  const nearest = r.mode === 'nearest';
  return { shape: r.shape, axes, policy: r.policy, mode: r.mode, ctm: nearest ? r.ctmN : r.ctmL, nearest: r.nearest,
    antialias: !nearest && r.antialias, exclude: !nearest && r.exclude, dtype: nearest && r.int ? 'i32' : 'f32' };
});

const check = (got: Tensor[], want: Tensor[], c: Case): void => {
  expect(got[0]!.shape).toEqual(want[0]!.shape);
  // Nearest gathers: exact. Interpolation: the per-axis sums are expanded (f64 rounding apart).
  if (c.mode === 'nearest') expect(Array.from(got[0]!.data as ArrayLike<number>)).toEqual(Array.from(want[0]!.data as ArrayLike<number>));
  else expectClose(got, want, 1e-5, 1e-5);
};

describe('wasm resize keep_aspect_ratio_policy vs interpreter (fast-check)', () => {
  it('sizes read at run time: one artifact, several sizes', async () => {
    let ran = 0;
    await fc.assert(fc.asyncProperty(caseArb, fc.array(fc.array(fc.integer({ min: 1, max: 11 }), { minLength: 4, maxLength: 4 }), { minLength: 3, maxLength: 3 }), fc.integer(),
      async (c, draws, seed) => {
        const load = model(c);
        const run = await compiled(load);
        const x = input(c.shape, c.dtype, seed);
        for (const d of draws) {
          const sizes = tensorFrom('i64', [c.axes.length], d.slice(0, c.axes.length));
          const want = interpret(load(), [x, sizes]);
          check(await run([x, sizes]), want, c);
          ran++;
        }
      }), { numRuns: 60, seed: 41 });
    expect(ran).toBe(180);
  }, 60_000);

  it('constant sizes (static result dims)', async () => {
    await fc.assert(fc.asyncProperty(caseArb, fc.array(fc.integer({ min: 1, max: 11 }), { minLength: 4, maxLength: 4 }), fc.integer(), async (c, d, seed) => {
      const sizes = d.slice(0, c.axes.length);
      const load = model(c, sizes);
      expect(load().main.body.ops.find((o) => o.name === 'resize')!.results[0]!.type.shape!.every((x) => typeof x === 'number')).toBe(true);
      const x = input(c.shape, c.dtype, seed);
      check(await (await compiled(load))([x]), interpret(load(), [x]), c);
    }), { numRuns: 30, seed: 43 });
  }, 60_000);

  it('a result dim of 0 (not_larger, scale 1/7 on a dim of 1) and not_smaller keeping or doubling', async () => {
    for (const [policy, sizes, want] of [['not_larger', [1, 1], [0, 1]], ['not_smaller', [1, 1], [1, 7]], ['not_larger', [3, 2], [0, 2]], ['not_smaller', [1, 2], [1, 7]], ['not_smaller', [2, 1], [2, 14]]] as const) {
      const c: Case = { shape: [1, 7], axes: [0, 1], policy, mode: 'linear', ctm: 'half_pixel', nearest: 'floor', antialias: false, exclude: false, dtype: 'f32' };
      const load = model(c);
      const x = input([1, 7], 'f32', 9), s = tensorFrom('i64', [2], [...sizes]);
      const got = await (await compiled(load))([x, s]);
      expect(got[0]!.shape).toEqual([...want]);
      check(got, interpret(load(), [x, s]), c);
    }
  });

  it('an axis whose size stays but whose scale is not 1 is still resized (4 -> 4 at scale 1.1)', async () => {
    // in [4, 10], sizes [4, 11], not_smaller: s = 1.1, result [floor(4.4 + 0.5), 11] = [4, 11].
    const c: Case = { shape: [4, 10], axes: [0, 1], policy: 'not_smaller', mode: 'linear', ctm: 'half_pixel', nearest: 'floor', antialias: false, exclude: false, dtype: 'f32' };
    const load = model(c);
    const x = input(c.shape, 'f32', 3), sizes = tensorFrom('i64', [2], [4, 11]);
    const got = await (await compiled(load))([x, sizes]);
    expect(got[0]!.shape).toEqual([4, 11]);
    const want = interpret(load(), [x, sizes]);
    expectClose(got, want, 1e-5, 1e-5);
    // Stretch (scale 4/4 = 1 on axis 0) differs: there result row 3 reads source row 3, here 3.5 / 1.1 - 0.5 = 2.68.
    const stretch = interpret(model({ ...c, policy: 'stretch' })(), [x, sizes]);
    expect(Array.from(stretch[0]!.data as Float32Array)).not.toEqual(Array.from(want[0]!.data as Float32Array));
  });
});
