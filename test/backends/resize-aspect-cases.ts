// Shared by the wasm and webgpu resize keep_aspect_ratio_policy tests: the ONNX Resize model, the
// fast-check case generator and the properties / edge cases run against the interpreter. Each
// backend's test supplies its own runner (compile, determinism check, run), inputs and tolerance.

import fc from 'fast-check';
import { expect } from 'vitest';
import { interpret } from '../../ir/interp.js';
import type { DType } from '../../ir/dtype.js';
import type { Module } from '../../ir/ir.js';
import { tensorFrom, type Tensor } from '../../ir/tensor.js';
import { importOnnxBytes } from '../../src/onnx/import.js';
import { buildModel } from '../../src/onnx/writer.js';

export interface AspectCase { shape: number[]; axes: number[]; policy: string; mode: string; ctm: string; nearest: string; antialias: boolean; exclude: boolean; dtype: DType }

/** A Resize of x (sizes an input, or the constant `sizesConst`), loaded fresh on each call. */
export function aspectModel(c: AspectCase, sizesConst?: number[]): () => Module {
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

/**
 * Random cases: small shapes (1s, primes), a subset of axes in either order, both policies, every
 * mode. `ctm` lists the coordinate transformations, one list for all modes or one for nearest and
 * one for linear/cubic; with `int`, nearest cases may be i32.
 */
export function aspectCases(ctm: readonly string[] | { readonly nearest: readonly string[]; readonly interp: readonly string[] }, int: boolean): fc.Arbitrary<AspectCase> {
  // Keys in the order the backends' generators had them, so that their seeds give the same cases.
  const spec: Record<string, fc.Arbitrary<unknown>> = {
    shape: fc.array(fc.constantFrom(1, 2, 3, 5, 7), { minLength: 1, maxLength: 4 }),
    pick: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
    reverse: fc.boolean(),
    policy: fc.constantFrom('not_larger', 'not_smaller'),
    mode: fc.constantFrom('nearest', 'linear', 'cubic'),
    ...('nearest' in ctm ? { ctmN: fc.constantFrom(...ctm.nearest), ctmL: fc.constantFrom(...ctm.interp) } : { ctm: fc.constantFrom(...ctm) }),
    nearest: fc.constantFrom('round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'),
    antialias: fc.boolean(), exclude: fc.boolean(),
    ...(int ? { int: fc.boolean() } : {}),
  };
  return fc.record(spec).map((r0): AspectCase => {
    const r = r0 as { shape: number[]; pick: boolean[]; reverse: boolean; policy: string; mode: string; ctm?: string; ctmN?: string; ctmL?: string; nearest: string; antialias: boolean; exclude: boolean; int?: boolean };
    let axes = r.shape.map((_d, a) => a).filter((a) => r.pick[a]);
    if (axes.length === 0) axes = [r.shape.length - 1];
    if (r.reverse) axes.reverse();
    const nearest = r.mode === 'nearest';
    return { shape: r.shape, axes, policy: r.policy, mode: r.mode, ctm: r.ctm ?? (nearest ? r.ctmN! : r.ctmL!), nearest: r.nearest,
      antialias: !nearest && r.antialias, exclude: !nearest && r.exclude, dtype: nearest && r.int === true ? 'i32' : 'f32' };
  });
}

/** What a backend's test supplies. */
export interface AspectBackend {
  readonly cases: fc.Arbitrary<AspectCase>;
  /** Compile (checking determinism) and answer a runner of the compiled module. */
  compile(load: () => Module): Promise<(inputs: Tensor[]) => Promise<Tensor[]>>;
  input(shape: number[], dtype: DType, seed: number): Tensor;
  check(got: Tensor[], want: Tensor[], c: AspectCase): void;
}

/** Sizes read at run time: one artifact, three sizes each. */
export async function runtimeSizes(b: AspectBackend, seed: number): Promise<void> {
  let ran = 0;
  await fc.assert(fc.asyncProperty(b.cases, fc.array(fc.array(fc.integer({ min: 1, max: 11 }), { minLength: 4, maxLength: 4 }), { minLength: 3, maxLength: 3 }), fc.integer(),
    async (c, draws, s) => {
      const load = aspectModel(c);
      const run = await b.compile(load);
      const x = b.input(c.shape, c.dtype, s);
      for (const d of draws) {
        const sizes = tensorFrom('i64', [c.axes.length], d.slice(0, c.axes.length));
        const want = interpret(load(), [x, sizes]);
        b.check(await run([x, sizes]), want, c);
        ran++;
      }
    }), { numRuns: 60, seed });
  expect(ran).toBe(180);
}

/** Constant sizes: static result dims. */
export async function constantSizes(b: AspectBackend, seed: number): Promise<void> {
  await fc.assert(fc.asyncProperty(b.cases, fc.array(fc.integer({ min: 1, max: 11 }), { minLength: 4, maxLength: 4 }), fc.integer(), async (c, d, s) => {
    const sizes = d.slice(0, c.axes.length);
    const load = aspectModel(c, sizes);
    expect(load().main.body.ops.find((o) => o.name === 'resize')!.results[0]!.type.shape!.every((x) => typeof x === 'number')).toBe(true);
    const x = b.input(c.shape, c.dtype, s);
    b.check(await (await b.compile(load))([x]), interpret(load(), [x]), c);
  }), { numRuns: 30, seed });
}

const linear = (shape: number[], policy: string): AspectCase =>
  ({ shape, axes: [0, 1], policy, mode: 'linear', ctm: 'half_pixel', nearest: 'floor', antialias: false, exclude: false, dtype: 'f32' });

/** A result dim of 0 (not_larger, scale 1/7 on a dim of 1) and not_smaller keeping or doubling. */
export async function zeroAndDoubling(b: AspectBackend): Promise<void> {
  for (const [policy, sizes, want] of [['not_larger', [1, 1], [0, 1]], ['not_smaller', [1, 1], [1, 7]], ['not_larger', [3, 2], [0, 2]], ['not_smaller', [1, 2], [1, 7]], ['not_smaller', [2, 1], [2, 14]]] as const) {
    const c = linear([1, 7], policy);
    const load = aspectModel(c);
    const x = b.input([1, 7], 'f32', 9), s = tensorFrom('i64', [2], [...sizes]);
    const got = await (await b.compile(load))([x, s]);
    expect(got[0]!.shape).toEqual([...want]);
    b.check(got, interpret(load(), [x, s]), c);
  }
}

/** An axis whose size stays but whose scale is not 1 is still resized (4 -> 4 at scale 1.1). */
export async function sizeStaysScaleNot1(b: AspectBackend): Promise<void> {
  // in [4, 10], sizes [4, 11], not_smaller: s = 1.1, result [floor(4.4 + 0.5), 11] = [4, 11].
  const c = linear([4, 10], 'not_smaller');
  const load = aspectModel(c);
  const x = b.input(c.shape, 'f32', 3), sizes = tensorFrom('i64', [2], [4, 11]);
  const got = await (await b.compile(load))([x, sizes]);
  expect(got[0]!.shape).toEqual([4, 11]);
  const want = interpret(load(), [x, sizes]);
  b.check(got, want, c);
  // Stretch (scale 4/4 = 1 on axis 0) differs: there result row 3 reads source row 3, here 3.5 / 1.1 - 0.5 = 2.68.
  const stretch = interpret(aspectModel({ ...c, policy: 'stretch' })(), [x, sizes]);
  expect(Array.from(stretch[0]!.data as Float32Array)).not.toEqual(Array.from(want[0]!.data as Float32Array));
}
