// webgpu resize with keep_aspect_ratio_policy not_larger / not_smaller: one scale for all listed
// axes, min (max) of sizes_j / in_j; sizes read at run time (kernels/resize-dynamic.ts, one
// artifact, several sizes) or constant (kernels/resize.ts tables). Against the interpreter over
// random small shapes (1s, primes), axes subsets in any order, nearest (any nearest_mode), linear
// and cubic (antialias, exclude_outside), the coordinate transformations. Shaders through Tint and naga.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { interpret } from '../../../ir/interp.js';
import type { DType } from '../../../ir/dtype.js';
import type { Module } from '../../../ir/ir.js';
import { tensorFrom, type Tensor } from '../../../ir/tensor.js';
import { compileWebGpu, type CompiledWebGpu } from '../../../src/backends/webgpu/index.js';
import { importOnnxBytes } from '../../../src/onnx/import.js';
import { buildModel } from '../../../src/onnx/writer.js';
import { expectClose, rand, runCompiled, validateShaders } from './helpers.js';
import { nagaErrors } from './naga-run.js';

interface Case { shape: number[]; axes: number[]; policy: string; mode: string; ctm: string; nearest: string; antialias: boolean; exclude: boolean }

function model(c: Case, sizesConst?: number[]): () => Module {
  const crop = c.ctm === 'tf_crop_and_resize';
  const roi = tensorFrom('f32', [2 * c.axes.length], [...c.axes.map(() => 0.2), ...c.axes.map(() => 0.9)]);
  const bytes = buildModel({
    opset: 19,
    inputs: [{ name: 'x', dtype: 'f32', shape: c.shape }, ...(sizesConst ? [] : [{ name: 'sizes', dtype: 'i64' as DType, shape: [c.axes.length] }])],
    initializers: [...(sizesConst ? [{ name: 'sizes', tensor: tensorFrom('i64', [c.axes.length], sizesConst) }] : []), ...(crop ? [{ name: 'roi', tensor: roi }] : [])],
    outputs: [{ name: 'y', dtype: 'f32', shape: null }],
    nodes: [{ opType: 'Resize', inputs: ['x', crop ? 'roi' : '', '', 'sizes'], outputs: ['y'], attrs: {
      axes: c.axes, keep_aspect_ratio_policy: c.policy, mode: c.mode, coordinate_transformation_mode: c.ctm, nearest_mode: c.nearest,
      antialias: c.antialias ? 1 : 0, exclude_outside: c.exclude ? 1 : 0,
    } }],
  });
  return () => importOnnxBytes(bytes, { file: 'resize.onnx', baseDir: '.' });
}

const compiled: { name: string; c: CompiledWebGpu }[] = [];

function compile(load: () => Module): CompiledWebGpu {
  const c = compileWebGpu(load(), { passes: 'fuse', verifyEach: true });
  expect(compileWebGpu(load(), { passes: 'fuse', verifyEach: true }).shaders.map((s) => s.code)).toEqual(c.shaders.map((s) => s.code));
  compiled.push({ name: `resize-aspect-${compiled.length}`, c });
  return c;
}

const caseArb = fc.record({
  shape: fc.array(fc.constantFrom(1, 2, 3, 5, 7), { minLength: 1, maxLength: 4 }),
  pick: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
  reverse: fc.boolean(),
  policy: fc.constantFrom('not_larger', 'not_smaller'),
  mode: fc.constantFrom('nearest', 'linear', 'cubic'),
  ctm: fc.constantFrom('half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'half_pixel_symmetric', 'tf_half_pixel_for_nn', 'tf_crop_and_resize'),
  nearest: fc.constantFrom('round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'),
  antialias: fc.boolean(), exclude: fc.boolean(),
}).map((r): Case => {
  let axes = r.shape.map((_d, a) => a).filter((a) => r.pick[a]);
  if (axes.length === 0) axes = [r.shape.length - 1];
  if (r.reverse) axes.reverse();
  const nearest = r.mode === 'nearest';
  return { shape: r.shape, axes, policy: r.policy, mode: r.mode, ctm: r.ctm, nearest: r.nearest, antialias: !nearest && r.antialias, exclude: !nearest && r.exclude };
});

// Coordinates are f32 on the GPU, f64 in the interpreter: values agree to f32 rounding.
const check = (got: Tensor[], want: Tensor[]): void => expectClose(got, want, 1e-4, 1e-5);

describe('webgpu resize keep_aspect_ratio_policy vs interpreter (fast-check)', () => {
  it('sizes read at run time: one artifact, several sizes', async () => {
    let ran = 0;
    await fc.assert(fc.asyncProperty(caseArb, fc.array(fc.array(fc.integer({ min: 1, max: 11 }), { minLength: 4, maxLength: 4 }), { minLength: 3, maxLength: 3 }), fc.integer(),
      async (c, draws, seed) => {
        const load = model(c);
        const cc = compile(load);
        const x = rand(c.shape, seed);
        for (const d of draws) {
          const sizes = tensorFrom('i64', [c.axes.length], d.slice(0, c.axes.length));
          check(await runCompiled(cc, [x, sizes]), interpret(load(), [x, sizes]));
          ran++;
        }
      }), { numRuns: 60, seed: 47 });
    expect(ran).toBe(180);
  }, 60_000);

  it('constant sizes (static result dims, tap tables)', async () => {
    await fc.assert(fc.asyncProperty(caseArb, fc.array(fc.integer({ min: 1, max: 11 }), { minLength: 4, maxLength: 4 }), fc.integer(), async (c, d, seed) => {
      const sizes = d.slice(0, c.axes.length);
      const load = model(c, sizes);
      expect(load().main.body.ops.find((o) => o.name === 'resize')!.results[0]!.type.shape!.every((x) => typeof x === 'number')).toBe(true);
      const x = rand(c.shape, seed);
      check(await runCompiled(compile(load), [x]), interpret(load(), [x]));
    }), { numRuns: 30, seed: 53 });
  }, 60_000);

  it('a result dim of 0 (not_larger, scale 1/7 on a dim of 1) and not_smaller keeping or doubling', async () => {
    for (const [policy, sizes, want] of [['not_larger', [1, 1], [0, 1]], ['not_smaller', [1, 1], [1, 7]], ['not_larger', [3, 2], [0, 2]], ['not_smaller', [1, 2], [1, 7]], ['not_smaller', [2, 1], [2, 14]]] as const) {
      const c: Case = { shape: [1, 7], axes: [0, 1], policy, mode: 'linear', ctm: 'half_pixel', nearest: 'floor', antialias: false, exclude: false };
      const load = model(c);
      const x = rand([1, 7], 9), s = tensorFrom('i64', [2], [...sizes]);
      const got = await runCompiled(compile(load), [x, s]);
      expect(got[0]!.shape).toEqual([...want]);
      check(got, interpret(load(), [x, s]));
    }
  });

  it('an axis whose size stays but whose scale is not 1 is still resized (4 -> 4 at scale 1.1)', async () => {
    // in [4, 10], sizes [4, 11], not_smaller: s = 1.1, result [floor(4.4 + 0.5), 11] = [4, 11].
    const c: Case = { shape: [4, 10], axes: [0, 1], policy: 'not_smaller', mode: 'linear', ctm: 'half_pixel', nearest: 'floor', antialias: false, exclude: false };
    const load = model(c);
    const x = rand(c.shape, 3), sizes = tensorFrom('i64', [2], [4, 11]);
    const got = await runCompiled(compile(load), [x, sizes]);
    expect(got[0]!.shape).toEqual([4, 11]);
    const want = interpret(load(), [x, sizes]);
    check(got, want);
    // Stretch (scale 4/4 = 1 on axis 0) differs: there result row 3 reads source row 3, here 3.5 / 1.1 - 0.5 = 2.68.
    const stretch = interpret(model({ ...c, policy: 'stretch' })(), [x, sizes]);
    expect(Array.from(stretch[0]!.data as Float32Array)).not.toEqual(Array.from(want[0]!.data as Float32Array));
  });

  it('the shaders pass Tint and naga', async () => {
    expect(compiled.length).toBeGreaterThan(30);
    for (const { c } of compiled) expect(await validateShaders(c)).toEqual([]);
    expect(await nagaErrors(compiled)).toEqual([]);
  }, 60_000);
});
