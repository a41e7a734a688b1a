// The WebGPU runtime's contract on Dawn + SwiftShader: workgroup counts over the device limit are
// folded into y (map and row kernels recompute their linear index), inputs are checked, outputs
// may be graph inputs or constants, profile() times every kernel, and a rebinding of the symbols
// reuses the pipelines.

import { describe, expect, it } from 'vitest';
import { tensorFrom } from '../../../ir/tensor.js';
import { instantiateWebGpu, type WebGpuDevice } from '../../../src/runtime/webgpu.js';
import { check, compileText, expectClose, gpuDevice, interpText, rand, runCompiled } from './helpers.js';

/** The same device, claiming a tiny workgroup-count limit, so small models exercise the fold. */
async function tinyLimitDevice(limit: number): Promise<WebGpuDevice> {
  const d = await gpuDevice();
  return new Proxy(d, {
    get(target, prop) {
      if (prop === 'limits') return { maxComputeWorkgroupsPerDimension: limit };
      const v = (target as unknown as Record<string | symbol, unknown>)[prop];
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

describe('webgpu runtime', () => {
  it('folds workgroup counts over the limit into y (map, row and reduce kernels)', async () => {
    const text = [
      'module @m {',
      '  func @main(%x: f32[n,37]) -> (%y: f32[n,37], %s: f32[n]) {',
      '    %e = exp(%x) : f32[n,37]',
      '    %y = softmax(%e) {axis = -1} : f32[n,37]',
      '    %ax = const {value = dense<[1]> : i64[1]} : i64[1]',
      '    %s = reduce_sum(%x, %ax) {keepdims = 0} : f32[n]',
      '    return %y, %s',
      '  }',
      '}',
    ].join('\n');
    const c = compileText(text, '');
    const m = await instantiateWebGpu(c.manifest, c.shaders.map((s) => s.code), c.weights, await tinyLimitDevice(8));
    for (const n of [5, 60]) {
      const x = rand([n, 37], n);
      const out = await m.run({ x: { data: x.data as Float32Array, dims: [n, 37] } });
      expectClose([{ dtype: 'f32', shape: [n, 37], data: out['y']!.data as Float32Array }, { dtype: 'f32', shape: [n], data: out['s']!.data as Float32Array }], interpText(text, [x]));
    }
  });

  it('checks inputs: missing, rank, fixed dims, symbol consistency, dtype, length', async () => {
    const text = 'module @m {\n  func @main(%a: f32[n,3], %b: f32[n]) -> (%y: f32[n,3]) {\n    %y = mul(%a, %a) : f32[n,3]\n    return %y\n  }\n}';
    const c = compileText(text);
    const m = await instantiateWebGpu(c.manifest, c.shaders.map((s) => s.code), c.weights, await gpuDevice());
    const a = { data: new Float32Array(6), dims: [2, 3] };
    await expect(m.run({ a })).rejects.toThrow("missing input 'b'");
    await expect(m.run({ a: { data: new Float32Array(6), dims: [6] }, b: { data: new Float32Array(2), dims: [2] } })).rejects.toThrow('rank 1, expected 2');
    await expect(m.run({ a: { data: new Float32Array(8), dims: [2, 4] }, b: { data: new Float32Array(2), dims: [2] } })).rejects.toThrow('dim 1 is 4, expected 3');
    await expect(m.run({ a, b: { data: new Float32Array(3), dims: [3] } })).rejects.toThrow("'n' is 2");
    await expect(m.run({ a: { data: new Int32Array(6), dims: [2, 3] }, b: { data: new Float32Array(2), dims: [2] } })).rejects.toThrow('Float32Array');
    await expect(m.run({ a: { data: new Float32Array(5), dims: [2, 3] }, b: { data: new Float32Array(2), dims: [2] } })).rejects.toThrow('5 elements');
  });

  it('outputs that are graph inputs or constants, i64 and bool values', async () => {
    const text = [
      'module @m {',
      '  func @main(%x: i64[4], %b: bool[4]) -> (%x2: i64[4], %k: f32[2], %nb: bool[4], %lt: bool[4]) {',
      '    %k = const {value = dense<[1.5, -2]> : f32[2]} : f32[2]',
      '    %nb = not(%b) : bool[4]',
      '    %z = const {value = dense<0> : i64[]} : i64[]',
      '    %lt = less(%x, %z) : bool[4]',
      '    %x2 = identity(%x) : i64[4]',
      '    return %x2, %k, %nb, %lt',
      '  }',
      '}',
    ].join('\n');
    const x = tensorFrom('i64', [4], [-3n, 0n, 5n, -2147483648n]);
    const b = tensorFrom('bool', [4], [1, 0, 0, 1]);
    const got = await runCompiled(compileText(text), [x, b]);
    expect(got.map((t) => Array.from(t.data as ArrayLike<number | bigint>))).toEqual([[-3n, 0n, 5n, -2147483648n], [1.5, -2], [0, 1, 1, 0], [1, 0, 0, 1]]);
  });

  it('profile() gives one timing per kernel; rebinding a symbol keeps the pipelines', async () => {
    const text = 'module @m {\n  func @main(%a: f32[n,8]) -> (%y: f32[n,8]) {\n    %e = exp(%a) : f32[n,8]\n    %y = softmax(%e) {axis = 0} : f32[n,8]\n    return %y\n  }\n}';
    const c = compileText(text, '');
    const m = await instantiateWebGpu(c.manifest, c.shaders.map((s) => s.code), c.weights, await gpuDevice());
    const times = await m.profile({ a: { data: new Float32Array(16), dims: [2, 8] } }, 2);
    expect(times.map((t) => t.kernel)).toEqual(c.manifest.kernels.map((k) => k.name));
    expect(times.every((t) => t.ms >= 0)).toBe(true);
    for (const n of [1, 3, 2]) await check(text, [rand([n, 8], n)], '');
  });

  it('empty tensors: zero-size results get no work, empty concat operands are skipped', async () => {
    const text = [
      'module @m {',
      '  func @main(%x: f32[2,3], %e: f32[2,0]) -> (%c: f32[2,3], %z: f32[2,0], %s0: f32[2,3], %s1: f32[2,0]) {',
      '    %c = concat(%e, %x, %e) {axis = 1} : f32[2,3]',
      '    %z = relu(%e) : f32[2,0]',
      '    %sp = const {value = dense<[3, 0]> : i64[2]} : i64[2]',
      '    %s0, %s1 = split(%x, %sp) {axis = 1} : (f32[2,3], f32[2,0])',
      '    return %c, %z, %s0, %s1',
      '  }',
      '}',
    ].join('\n');
    await check(text, [rand([2, 3], 1), tensorFrom('f32', [2, 0], [])], '');
  });
});
