// The ten reductions on every dtype the webgpu backend takes (reduce-dynamic.ts's table, used by
// the tiled reduce of rows.ts for constant axes and by the per-element kernel for axes read at
// run time), against the interpreter on random small shapes (1s, primes), random axes, keepdims,
// noop_with_empty_axes: floats compute in f32 and round on store (tolerance one unit of the
// dtype), integers and bool exactly. Random integer values stay small, so that the 32-bit registers
// of i64 hold the exact results (storage.ts); integer means also run on values at the ends of 32
// bits (their sums need 64). Every artifact also passes Tint and naga.

import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { interpret } from '../../../ir/interp.js';
import { castTensor } from '../../../ir/ops/elementwise-cast.js';
import type { DType } from '../../../ir/dtype.js';
import type { Module } from '../../../ir/ir.js';
import { tensorFrom, type Tensor } from '../../../ir/tensor.js';
import { compileWebGpu, type CompiledWebGpu, writeWebGpuArtifact } from '../../../src/backends/webgpu/index.js';
import { fromRunTensor, toRunTensor } from '../../../src/conformance/feeds.js';
import { importOnnxBytes } from '../../../src/onnx/import.js';
import { buildModel } from '../../../src/onnx/writer.js';
import { instantiateWebGpu, loadCompiledWebGpu } from '../../../src/runtime/webgpu.js';
import { expectClose, gpuDevice, rand, validateShaders } from './helpers.js';
import { nagaErrors } from './naga-run.js';

const OPS = ['ReduceSum', 'ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2', 'ReduceSumSquare', 'ReduceLogSum', 'ReduceLogSumExp'];
const FLOATS = ['f32', 'f16', 'bf16', 'f64'];
const INTS = ['i32', 'i8', 'u8', 'i16', 'u32', 'i64', 'u64'];
const TOL: Readonly<Record<string, readonly [number, number]>> = { f32: [1e-4, 1e-5], f64: [1e-4, 1e-5], f16: [2e-3, 2e-3], bf16: [1.6e-2, 1.6e-2] };

interface Case { op: string; dt: string; shape: number[]; axes: number[]; runtime: boolean; keep: boolean; noop: boolean }

function load(c: Case): () => Module {
  const axesT = tensorFrom('i64', [c.axes.length], c.axes.map(BigInt));
  const bytes = buildModel({
    opset: 18,
    inputs: [{ name: 'x', dtype: c.dt as DType, shape: c.shape }, ...(c.runtime ? [{ name: 'axes', dtype: 'i64' as DType, shape: [c.axes.length] }] : [])],
    initializers: c.runtime ? [] : [{ name: 'axes', tensor: axesT }],
    outputs: [{ name: 'y', dtype: c.dt as DType, shape: null }],
    nodes: [{ opType: c.op, inputs: ['x', 'axes'], outputs: ['y'], attrs: { keepdims: c.keep ? 1 : 0, noop_with_empty_axes: c.noop ? 1 : 0 } }],
  });
  return () => importOnnxBytes(bytes, { file: 'reduce.onnx', baseDir: '.' });
}

/** Values the op keeps exact and finite in every dtype: small integers, floats in [0.5, 1.5) for prod/log. */
function input(c: Case, seed: number): Tensor {
  const r = rand(c.shape, seed);
  const v = r.data as Float32Array;
  if (c.dt === 'bool') return tensorFrom('bool', c.shape, Array.from(v, (x) => (x > 0 ? 1 : 0)));
  if (FLOATS.includes(c.dt)) {
    if (['ReduceProd', 'ReduceLogSum'].includes(c.op)) v.forEach((x, j) => (v[j] = x / 2 + 1));
    return castTensor(r, c.dt as DType);
  }
  const signed = c.dt.startsWith('i');
  const span = c.op === 'ReduceProd' ? 2 : 5;
  const ints = Array.from(v, (x) => Math.floor(((x + 1) / 2) * span) - (signed ? Math.floor(span / 2) : 0));
  return c.dt.endsWith('64') ? tensorFrom(c.dt as DType, c.shape, ints.map(BigInt)) : tensorFrom(c.dt as DType, c.shape, ints);
}

async function run(comp: CompiledWebGpu, inputs: readonly Tensor[]): Promise<Tensor[]> {
  const m = await instantiateWebGpu(comp.manifest, comp.shaders.map((s) => s.code), comp.weights, await gpuDevice());
  const out = await m.run(Object.fromEntries(comp.manifest.inputs.map((inp, i) => [inp.name, toRunTensor(inputs[i]!)])));
  return comp.manifest.outputs.map((o) => fromRunTensor(o.dtype as Tensor['dtype'], out[o.name]!));
}

const compiled: { name: string; c: CompiledWebGpu }[] = [];

async function check(c: Case, seed: number, x = input(c, seed)): Promise<void> {
  const mk = load(c);
  const comp = compileWebGpu(mk(), { passes: 'fuse' });
  // Byte-identical when compiled twice.
  expect(compileWebGpu(mk(), { passes: 'fuse' }).shaders.map((s) => s.code)).toEqual(comp.shaders.map((s) => s.code));
  compiled.push({ name: `${c.op}-${c.dt}-${compiled.length}`, c: comp });
  const inputs = c.runtime ? [x, tensorFrom('i64', [c.axes.length], c.axes.map(BigInt))] : [x];
  const [rtol, atol] = TOL[c.dt] ?? [0, 0];
  expectClose(await run(comp, inputs), interpret(mk(), inputs), rtol, atol);
}

const dims = fc.array(fc.constantFrom(1, 2, 3, 5, 7), { minLength: 1, maxLength: 3 });

describe('webgpu reductions on every dtype vs interpreter (fast-check)', () => {
  it('constant and run-time axes, floats and integers', async () => {
    await fc.assert(fc.asyncProperty(
      dims, fc.constantFrom(...OPS), fc.constantFrom(...FLOATS, ...INTS), fc.array(fc.integer({ min: -3, max: 2 }), { maxLength: 3 }),
      fc.boolean(), fc.boolean(), fc.boolean(), fc.integer(),
      async (shape, op, dt, raw, runtime, keep, noop, seed) => {
        const r = shape.length;
        // Distinct axes (ONNX refuses repeats), each written negative when its draw was.
        const axes: number[] = [];
        for (const a of raw) if (!axes.some((b) => (b + r) % r === ((a % r) + r) % r)) axes.push(a < 0 ? ((a % r) + r) % r - r : a % r);
        // keepdims = 0 with run-time axes needs at least one axis (the result rank comes from their count).
        if (runtime && !keep && axes.length === 0) axes.push(0);
        await check({ op, dt, shape, axes, runtime, keep, noop }, seed);
      },
    ), { numRuns: 40, seed: 7 });
  }, 60_000);

  it('bool max (any) and min (all)', async () => {
    for (const op of ['ReduceMax', 'ReduceMin']) {
      for (const [shape, axes, runtime] of [[[4, 2], [1], true], [[3, 5], [0], false], [[2, 3, 7], [0, 2], true], [[5], [], false]] as const) {
        await check({ op, dt: 'bool', shape: [...shape], axes: [...axes], runtime, keep: true, noop: false }, shape.length);
      }
    }
  }, 30_000);

  it('an empty set gives the identity of the dtype', async () => {
    for (const dt of ['f32', 'f16', 'i32', 'u8', 'i8', 'bool']) {
      for (const op of dt === 'bool' ? ['ReduceMax', 'ReduceMin'] : OPS) {
        for (const runtime of [false, true]) await check({ op, dt, shape: [2, 0, 3], axes: [1], runtime, keep: true, noop: false }, 3);
      }
    }
  }, 60_000);

  it('i64/u64 max/min of a set known empty is refused (its identity needs 64 bits); sum runs', async () => {
    for (const dt of ['i64', 'u64']) {
      for (const op of ['ReduceMax', 'ReduceMin']) {
        expect(() => compileWebGpu(load({ op, dt, shape: [2, 0], axes: [1], runtime: false, keep: true, noop: false })(), { passes: 'fuse' }))
          .toThrow(/E201: reduce_m(ax|in) of an empty set of u?i?64 gives a value beyond the 32 bits/);
      }
      await check({ op: 'ReduceSum', dt, shape: [2, 0], axes: [1], runtime: false, keep: true, noop: false }, 1);
    }
  });

  // Integer means have no subgroup variant: their partials are 64-bit pairs that no subgroup operation adds with carry.
  it('subgroup variants of the tiled reduce (integers, bool, log_sum_exp) match, and so do the plain shaders', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'tenth-redux-'));
    afterAll(() => rmSync(tmp, { recursive: true, force: true }));
    const device = await gpuDevice();
    let n = 0;
    for (const [dt, ops] of [['i32', ['ReduceSum', 'ReduceMax', 'ReduceProd', 'ReduceL2', 'ReduceLogSumExp']], ['u8', ['ReduceMin', 'ReduceSumSquare', 'ReduceL1']],
      ['bool', ['ReduceMax', 'ReduceMin']], ['f16', ['ReduceLogSumExp', 'ReduceMax']]] as const) {
      for (const op of ops) {
        for (const [shape, axes] of [[[3, 70], [1]], [[5, 7], [0]], [[2, 3, 5], [0, 2]]] as const) {
          const c: Case = { op, dt, shape: [...shape], axes: [...axes], runtime: false, keep: false, noop: false };
          const mk = load(c);
          const dir = join(tmp, String(n++));
          const comp = compileWebGpu(mk(), { passes: 'fuse', subgroups: true });
          expect(comp.manifest.kernels.some((kk) => kk.variants?.subgroups)).toBe(true);
          compiled.push({ name: `${op}-${dt}-sg-${n}`, c: comp });
          writeWebGpuArtifact(dir, comp);
          const x = input(c, n);
          const want = interpret(mk(), [x]);
          for (const subgroups of [true, false]) {
            const m = await loadCompiledWebGpu(dir, { device, subgroups });
            const out = await m.run({ [m.manifest.inputs[0]!.name]: toRunTensor(x) });
            const [rtol, atol] = TOL[dt] ?? [0, 0];
            expectClose(m.manifest.outputs.map((o) => fromRunTensor(o.dtype as Tensor['dtype'], out[o.name]!)), want, rtol, atol);
          }
        }
      }
    }
  }, 60_000);

  it('integer mean of values near the ends of 32 bits divides the exact sum (no 32-bit wrap)', async () => {
    const I32 = [2 ** 31 - 1, -(2 ** 31)], U32 = [4e9, 2 ** 32 - 1, 3];
    // A row of 70 spreads over the tiled reduce's 64 threads and its workgroup tree.
    const cases: [string, number[], (j: number) => number][] = [
      ['i32', [2, 2], (j) => I32[j >> 1]!], ['i32', [3, 70], (j) => I32[(j * 7) % 2]! + (j % 3)], ['i32', [5, 3], (j) => (j % 2 ? -(2 ** 31) : 2 ** 31 - 1 - j)],
      ['u32', [1, 3], () => 4e9], ['u32', [3, 70], (j) => U32[j % 3]!], ['i64', [2, 2], (j) => I32[j >> 1]!], ['u64', [2, 3], (j) => U32[j % 3]!],
      ['i8', [2, 3], (j) => (j < 3 ? 127 : -128)],
    ];
    const first = compiled.length;
    for (const [dt, shape, f] of cases) {
      const v = Array.from({ length: shape[0]! * shape[1]! }, (_v, j) => f(j));
      const x = dt.endsWith('64') ? tensorFrom(dt as DType, shape, v.map(BigInt)) : tensorFrom(dt as DType, shape, v);
      for (const runtime of [false, true]) for (const axes of [[1], [0], []]) await check({ op: 'ReduceMean', dt, shape, axes, runtime, keep: true, noop: false }, 0, x);
    }
    // The 64-bit accumulators (vec2<u32> partials in workgroup memory) through naga as well.
    expect(await nagaErrors(compiled.slice(first))).toEqual([]);
  }, 60_000);

  it('the shaders pass Tint and naga', async () => {
    expect(compiled.length).toBeGreaterThan(0);
    for (const { c } of compiled.slice(0, 40)) expect(await validateShaders(c)).toEqual([]);
    // The fast-check cases first, then the subgroup artifacts' plain shaders: naga has no `subgroups`
    // extension yet (Dawn compiled the variants when they ran above).
    const plain = compiled.filter((x) => x.name.includes('-sg-')).map(({ name, c }) => ({ name, c: { ...c, shaders: c.shaders.filter((sh) => !sh.file.includes('.subgroups.')) } }));
    const errs = await nagaErrors([...compiled.slice(0, 60), ...plain]);
    expect(errs).toEqual([]);
  }, 60_000);
});
