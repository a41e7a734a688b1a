// The WebGPU runtime refuses bad folders, bad inputs and sizes past the device's limits with one
// clear `tenth runtime:` line naming the cause (a new-user audit found: a truncated weights.bin ran
// and answered garbage; a broken subgroups shader was blamed on the plain file; a corrupt
// manifest.json said only "Unterminated string in JSON"; an arena past maxBufferSize spilled Dawn
// validation text; i64 inputs beyond 32 bits wrapped silently; dims [-1,64] got an element-count
// message; there was no dispose()).

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { interpret } from '../../ir/interp.js';
import { parseModule } from '../../ir/parser.js';
import { tensorFrom } from '../../ir/tensor.js';
import { compileWebGpu, writeWebGpuArtifact } from '../../src/backends/webgpu/index.js';
import { fmtSize, instantiateWebGpu, loadCompiledWebGpu, type WebGpuDevice } from '../../src/runtime/webgpu.js';
import { gpuDevice } from '../backends/webgpu/helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'tenth-webgpu-load-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;

const MLP = `module @m {
  weight @w : f32[4,3] = bytes("0x${'0000803f'.repeat(12)}")
  func @main(%x: f32[batch,4]) -> (%m: f32[batch,3], %y: f32[batch,1]) {
    %w = const {value = @w} : f32[4,3]
    %m = matmul(%x, %w) : f32[batch,3]
    %y = reduce_sum(%m) {axes = [1], keepdims = 1} : f32[batch,1]
    return %m, %y
  }
}`;

function folder(text: string, opts: { subgroups?: boolean; f16?: boolean } = {}): string {
  const dir = join(tmp, String(n++));
  writeWebGpuArtifact(dir, compileWebGpu(parseModule(text, { file: 't.ir' }), { passes: 'fuse', ...opts }));
  return dir;
}

/** The device with some limits replaced (methods still called on the real device). */
function withLimits(dev: WebGpuDevice, limits: Record<string, number>): WebGpuDevice {
  return new Proxy(dev, {
    get: (t, p) => {
      if (p === 'limits') return { ...Object.fromEntries(['maxComputeWorkgroupsPerDimension', 'maxBufferSize', 'maxStorageBufferBindingSize'].map((k) => [k, (t.limits as Record<string, number>)[k]])), ...limits };
      const v = (t as unknown as Record<string | symbol, unknown>)[p];
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
}

const ones = (k: number): Float32Array => new Float32Array(k).fill(1);

describe('webgpu runtime: damaged folders are refused at load', () => {
  it('a truncated weights.bin is refused naming both sizes (was: ran, garbage, exit 0)', async () => {
    const dir = folder(MLP);
    const full = readFileSync(join(dir, 'weights.bin'));
    writeFileSync(join(dir, 'weights.bin'), full.subarray(0, 20));
    await expect(loadCompiledWebGpu(dir, { device: await gpuDevice() })).rejects.toThrow(/^tenth runtime: weights\.bin of m has 20 bytes, its manifest says 48: the folder is damaged/);
    writeFileSync(join(dir, 'weights.bin'), full);
    const m = await loadCompiledWebGpu(dir, { device: await gpuDevice() });
    expect(Array.from((await m.run({ x: { data: ones(8), dims: [2, 4] } }))['m']!.data as Float32Array)).toEqual([4, 4, 4, 4, 4, 4]);
  });

  it('a corrupt manifest.json is refused naming the file', async () => {
    const dir = folder(MLP);
    writeFileSync(join(dir, 'manifest.json'), readFileSync(join(dir, 'manifest.json'), 'utf8').slice(0, 100));
    await expect(loadCompiledWebGpu(dir, { device: await gpuDevice() })).rejects.toThrow(new RegExp(`^tenth runtime: ${dir.replace(/[/.]/g, '\\$&')}/manifest\\.json is not valid JSON \\(.*\\): the folder is damaged`));
  });

  it('a broken shader is blamed on the file actually compiled (the .subgroups.wgsl variant)', async () => {
    const dir = folder(MLP, { subgroups: true });
    const k = (JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { kernels: { file: string; variants?: { subgroups?: string } }[] }).kernels.find((x) => x.variants?.subgroups)!;
    writeFileSync(join(dir, k.variants!.subgroups!), 'garbage\n');
    await expect(loadCompiledWebGpu(dir, { device: await gpuDevice() })).rejects.toThrow(new RegExp(`failed: ${k.variants!.subgroups!.replace('.', '\\.')}:1:1: `));
    // The plain shader is intact: without subgroups it loads.
    await expect(loadCompiledWebGpu(dir, { device: await gpuDevice(), subgroups: false })).resolves.toBeDefined();
  });

  it('a broken shader is blamed on its own kernel, whichever of them it is (each error scope brackets one kernel)', async () => {
    const dir = folder(MLP);
    const kernels = (JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { kernels: { name: string; file: string }[] }).kernels;
    expect(kernels.length).toBeGreaterThan(1);
    for (const k of kernels) {
      const good = readFileSync(join(dir, k.file), 'utf8');
      writeFileSync(join(dir, k.file), 'garbage\n');
      const err = await loadCompiledWebGpu(dir, { device: await gpuDevice() }).then(() => undefined, (e: Error) => e);
      expect(err?.message).toMatch(new RegExp(`^tenth runtime: pipeline ${k.name} failed: ${k.file.replace('.', '\\.')}:1:1: `));
      writeFileSync(join(dir, k.file), good);
    }
    await expect(loadCompiledWebGpu(dir, { device: await gpuDevice() })).resolves.toBeDefined();
  });

  it('without { device } in Node the advice is to pass one (Node has no navigator.gpu)', async () => {
    expect((globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu).toBeUndefined();
    await expect(loadCompiledWebGpu(folder(MLP))).rejects.toThrow(/^tenth runtime: Node has no navigator\.gpu: pass \{ device \} \(nodeDevice\(\) from tenth's runtime\/webgpu-node/);
  });

  it('an --f16 folder on a device without shader-f16 says so and to compile without --f16', async () => {
    expect((await gpuDevice()).features?.has('shader-f16')).toBe(false);
    await expect(loadCompiledWebGpu(folder(MLP, { f16: true }), { device: await gpuDevice() })).rejects.toThrow(/lacks the WebGPU feature 'shader-f16'.*compile it without --f16/);
  });
});

describe('webgpu runtime: inputs and sizes it cannot run are refused before anything is allocated', () => {
  it('an arena past the device limits names its size and both limits', async () => {
    const dev = withLimits(await gpuDevice(), { maxBufferSize: 1024 ** 3, maxStorageBufferBindingSize: 4096 });
    const c = compileWebGpu(parseModule(MLP, { file: 't.ir' }), { passes: 'fuse' });
    const m = await instantiateWebGpu(c.manifest, c.shaders.map((s) => s.code), c.weights, dev);
    await expect(m.run({ x: { data: ones(4000), dims: [1000, 4] } })).rejects.toThrow(/^tenth runtime: the arena at batch=1000 needs \d+(\.\d)? kB, more than the device allows \(maxBufferSize 1 GiB, maxStorageBufferBindingSize 4\.1 kB\)$/);
    expect((await m.run({ x: { data: ones(8), dims: [2, 4] } }))['m']!.dims).toEqual([2, 3]);
    expect([fmtSize(19.6e9), fmtSize(1024 ** 3), fmtSize(128 * 1024 ** 2), fmtSize(512)]).toEqual(['19.6 GB', '1 GiB', '128 MiB', '512 B']);
  });

  it('i64/u64 inputs must fit the 32 bits webgpu computes them in; the ends of the range still match the interpreter', async () => {
    const text = `module @m {
  func @main(%a: i64[3], %b: u64[2]) -> (%y: i64[3], %z: u64[2]) {
    %one = const {value = dense<1> : i64[]} : i64[]
    %y = sub(%a, %one) : i64[3]
    %z = identity(%b) : u64[2]
    return %y, %z
  }
}`;
    const c = compileWebGpu(parseModule(text, { file: 't.ir' }), { passes: 'fuse' });
    const m = await instantiateWebGpu(c.manifest, c.shaders.map((s) => s.code), c.weights, await gpuDevice());
    const run = (a: bigint[], b: bigint[]): Promise<unknown> => m.run({ a: { data: BigInt64Array.from(a), dims: [3] }, b: { data: BigUint64Array.from(b), dims: [2] } });
    await expect(run([0n, 2n ** 32n + 1n, 5n], [0n, 1n])).rejects.toThrow(/^tenth runtime: input 'a' element 1 is 4294967297, outside the 32-bit range \(-2147483648 to 2147483647\) that webgpu computes i64 in$/);
    await expect(run([0n, -(2n ** 31n) - 1n, 5n], [0n, 1n])).rejects.toThrow(/input 'a' element 1 is -2147483649/);
    await expect(run([0n, 1n, 5n], [2n ** 32n, 1n])).rejects.toThrow(/^tenth runtime: input 'b' element 0 is 4294967296, outside the 32-bit range \(0 to 4294967295\)/);
    const a = [2n ** 31n - 1n, -(2n ** 31n) + 1n, -7n], b = [2n ** 32n - 1n, 0n];
    const got = await run(a, b) as Record<string, { data: BigInt64Array | BigUint64Array }>;
    const want = interpret(parseModule(text, { file: 't.ir' }), [tensorFrom('i64', [3], BigInt64Array.from(a)), tensorFrom('u64', [2], BigUint64Array.from(b))]);
    expect(Array.from(got['y']!.data)).toEqual(Array.from(want[0]!.data as BigInt64Array));
    expect(Array.from(got['z']!.data)).toEqual(Array.from(want[1]!.data as BigUint64Array));
  });

  it('negative dims are invalid (was: "has 0 elements, dims [-1,4] need -4")', async () => {
    const c = compileWebGpu(parseModule(MLP, { file: 't.ir' }), { passes: 'fuse' });
    const m = await instantiateWebGpu(c.manifest, c.shaders.map((s) => s.code), c.weights, await gpuDevice());
    await expect(m.run({ x: { data: new Float32Array(0), dims: [-1, 4] } })).rejects.toThrow(/^tenth runtime: input 'x' has dims \[-1,4\]: dims must be integers >= 0 \(a negative dim is invalid\)$/);
  });

  it('dispose() destroys the buffers; later runs are refused', async () => {
    const c = compileWebGpu(parseModule(MLP, { file: 't.ir' }), { passes: 'fuse' });
    const m = await instantiateWebGpu(c.manifest, c.shaders.map((s) => s.code), c.weights, await gpuDevice());
    const feed = { x: { data: ones(4), dims: [1, 4] } };
    expect(Array.from((await m.run(feed))['m']!.data as Float32Array)).toEqual([4, 4, 4]);
    await m.dispose();
    await m.dispose();
    await expect(m.run(feed)).rejects.toThrow(/^tenth runtime: m was disposed: load it again to run it$/);
  });
});
