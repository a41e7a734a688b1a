// Subgroup variants of the reduction shaders (reduce_*, global pools, softmax and layer-norm row
// reductions): compiled beside the workgroup-only shaders when asked (compileWebGpu { subgroups }),
// listed per kernel in the manifest, and picked by the runtime at load time from the device's
// features. Dawn + SwiftShader has `subgroups` (size 4): the variants run there and match the
// interpreter; with { subgroups: false } the runtime loads the plain shaders (the fallback a device
// without the feature gets), which must match too. fast-check over shapes (1, odd, primes, > 64).

import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseModule } from '../../../ir/parser.js';
import type { Tensor } from '../../../ir/tensor.js';
import { tensorFrom } from '../../../ir/tensor.js';
import { compileWebGpu, writeWebGpuArtifact } from '../../../src/backends/webgpu/index.js';
import { loadCompiledWebGpu } from '../../../src/runtime/webgpu.js';
import { denoRuntimeDir, runDenoJobs } from './deno-jobs.js';
import { expectClose, fmtShape, gpuDevice, hexF32, interpText, rand } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'tenth-subgroups-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;

interface Manifest { kernels: { file: string; variants?: { subgroups?: string } }[] }

/** Compile with variants, run with and without them, compare both to the interpreter. */
async function checkBoth(text: string, inputs: Tensor[], rtol = 2e-4, atol = 2e-5): Promise<Manifest> {
  const dir = join(tmp, String(n++));
  writeWebGpuArtifact(dir, compileWebGpu(parseModule(text, { file: 'sg.ir' }), { passes: 'fuse', subgroups: true }));
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  const want = interpText(text, inputs);
  const device = await gpuDevice();
  for (const subgroups of [true, false]) {
    const m = await loadCompiledWebGpu(dir, { device, subgroups });
    const feeds = Object.fromEntries(m.manifest.inputs.map((t, k) => [t.name, { data: inputs[k]!.data as Float32Array, dims: inputs[k]!.shape }]));
    const out = await m.run(feeds);
    expectClose(m.manifest.outputs.map((o) => tensorFrom('f32', out[o.name]!.dims, out[o.name]!.data as Float32Array)), want, rtol, atol);
  }
  return manifest;
}

const size = fc.constantFrom(1, 2, 3, 7, 31, 64, 97);

describe('webgpu subgroup reductions (SwiftShader, subgroup size 4) and the workgroup fallback', () => {
  it('the device has subgroups; reductions and global pools match the interpreter both ways', async () => {
    expect((await gpuDevice()).features?.has('subgroups')).toBe(true);
    const ops = ['reduce_sum', 'reduce_mean', 'reduce_max', 'reduce_min', 'reduce_prod', 'reduce_l2', 'reduce_l1'];
    await fc.assert(fc.asyncProperty(fc.array(size, { minLength: 1, maxLength: 3 }), fc.constantFrom(...ops), fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), fc.integer(), async (shape, op, pick, seed) => {
      const axes = shape.map((_d, i) => i).filter((i) => pick[i]);
      const all = axes.length === 0 ? shape.map((_d, i) => i) : axes;
      const out = shape.map((d, i) => (all.includes(i) ? 1 : d));
      const text = [
        'module @m {',
        `  func @main(%x: ${fmtShape(shape)}) -> (%y: ${fmtShape(out)}) {`,
        ...(axes.length === 0 ? [] : [`    %ax = const {value = dense<[${axes.join(', ')}]> : i64[${axes.length}]} : i64[${axes.length}]`]),
        `    %y = ${op}(%x${axes.length === 0 ? '' : ', %ax'}) {keepdims = 1} : ${fmtShape(out)}`,
        '    return %y',
        '  }',
        '}',
      ].join('\n');
      // Products of many values in [-1, 1) underflow; keep them near 1.
      const x = rand(shape, seed);
      if (op === 'reduce_prod') (x.data as Float32Array).forEach((v, i, a) => (a[i] = 1 + v / 64));
      const m = await checkBoth(text, [x], 1e-4, 1e-5);
      expect(m.kernels.some((k) => k.variants?.subgroups)).toBe(true);
    }), { numRuns: 8 });
    // Every reducer once on a row longer than the workgroup (each subgroup operation compiles and runs).
    for (const op of ops) {
      const x = rand([3, 130], 5);
      if (op === 'reduce_prod') (x.data as Float32Array).forEach((v, i, a) => (a[i] = 1 + v / 64));
      const m = await checkBoth(`module @m {\n  func @main(%x: f32[3,130]) -> (%y: f32[3,1]) {\n    %ax = const {value = dense<[1]> : i64[1]} : i64[1]\n    %y = ${op}(%x, %ax) {keepdims = 1} : f32[3,1]\n    return %y\n  }\n}`, [x], 1e-4, 1e-5);
      expect(m.kernels[0]!.variants?.subgroups).toBeDefined();
    }
    for (const op of ['global_average_pool', 'global_max_pool']) {
      await checkBoth(`module @m {\n  func @main(%x: f32[2,3,9,11]) -> (%y: f32[2,3,1,1]) {\n    %y = ${op}(%x) : f32[2,3,1,1]\n    return %y\n  }\n}`, [rand([2, 3, 9, 11], 3)]);
    }
  }, 30_000);

  it('softmax and layer_normalization rows match the interpreter both ways', async () => {
    await fc.assert(fc.asyncProperty(fc.array(size, { minLength: 1, maxLength: 3 }), fc.integer(), async (shape, seed) => {
      const norm = shape.slice(-1);
      const text = [
        'module @m {',
        `  weight @s : ${fmtShape(norm)} = bytes("${hexF32(rand(norm, seed + 1).data as Float32Array)}")`,
        `  func @main(%x: ${fmtShape(shape)}) -> (%y: ${fmtShape(shape)}) {`,
        `    %s = const {value = @s} : ${fmtShape(norm)}`,
        `    %n = layer_normalization(%x, %s) {axis = -1, epsilon = 1e-5} : ${fmtShape(shape)}`,
        `    %y = softmax(%n) {axis = -1} : ${fmtShape(shape)}`,
        '    return %y',
        '  }',
        '}',
      ].join('\n');
      const x = rand(shape, seed);
      (x.data as Float32Array).forEach((v, i, a) => (a[i] = v * 5 + 1));
      const m = await checkBoth(text, [x]);
      // Layer norm (mean, variance) and softmax (max, sum) each have a variant.
      expect(m.kernels.filter((k) => k.variants?.subgroups).length).toBe(2);
    }), { numRuns: 5 });
  }, 30_000);

  it('the runtime picks the variant from the device features: a broken variant fails only when used', async () => {
    const text = 'module @m {\n  func @main(%x: f32[3,100]) -> (%y: f32[3,1]) {\n    %ax = const {value = dense<[1]> : i64[1]} : i64[1]\n    %y = reduce_sum(%x, %ax) {keepdims = 1} : f32[3,1]\n    return %y\n  }\n}';
    const dir = join(tmp, 'pick');
    writeWebGpuArtifact(dir, compileWebGpu(parseModule(text, { file: 'sg.ir' }), { passes: 'fuse', subgroups: true }));
    const k = (JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest).kernels[0]!;
    expect(readFileSync(join(dir, k.variants!.subgroups!), 'utf8')).toMatch(/^enable subgroups;[^]*subgroupAdd\(/);
    expect(readFileSync(join(dir, k.file), 'utf8')).not.toMatch(/subgroup/);
    writeFileSync(join(dir, k.variants!.subgroups!), 'this is not WGSL');
    const device = await gpuDevice();
    await expect(loadCompiledWebGpu(dir, { device })).rejects.toThrow(/pipeline/);
    await expect(loadCompiledWebGpu(dir, { device, subgroups: false })).resolves.toBeDefined();
  });

  it('Deno on lavapipe (no subgroups): its default device path loads the workgroup shaders and matches', async () => {
    const text = 'module @m {\n  func @main(%x: f32[5,77]) -> (%y: f32[5,77], %z: f32[5,1]) {\n    %y = softmax(%x) {axis = -1} : f32[5,77]\n    %ax = const {value = dense<[1]> : i64[1]} : i64[1]\n    %z = reduce_sum(%x, %ax) {keepdims = 1} : f32[5,1]\n    return %y, %z\n  }\n}';
    const dir = join(tmp, 'deno');
    const c = compileWebGpu(parseModule(text, { file: 'sg.ir' }), { passes: 'fuse', subgroups: true });
    expect(c.manifest.kernels.filter((k) => k.variants?.subgroups).length).toBe(2);
    writeWebGpuArtifact(dir, c);
    const rt = denoRuntimeDir();
    try {
      const x = rand([5, 77], 11);
      const [r] = await runDenoJobs(rt, [{ dir, inputs: [{ name: 'x', tensor: x }] }]);
      if (!r || 'error' in r) return expect.fail(r?.error ?? 'no result');
      expectClose(r.outputs.map((o) => o.tensor), interpText(text, [x]), 2e-4, 2e-5);
    } finally {
      rmSync(rt, { recursive: true, force: true });
    }
  });

  it('without the option nothing changes: no variants, same shaders', () => {
    const text = 'module @m {\n  func @main(%x: f32[3,100]) -> (%y: f32[3]) {\n    %y = reduce_max(%x) {axes = [1], keepdims = 0} : f32[3]\n    return %y\n  }\n}';
    const a = compileWebGpu(parseModule(text, { file: 'a.ir' }), { passes: 'fuse' });
    const b = compileWebGpu(parseModule(text, { file: 'a.ir' }), { passes: 'fuse', subgroups: true });
    expect(a.manifest.kernels.every((k) => k.variants === undefined)).toBe(true);
    expect(b.shaders.slice(0, a.shaders.length)).toEqual(a.shaders);
    expect(b.shaders.length).toBe(a.shaders.length + 1);
  });
});
