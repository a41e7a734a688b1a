// Every error of the runtime API (loadCompiled / run, WASM and WebGPU) is a TenthRuntimeError with
// a stable code from the compiler's table (README "Error codes") and its 'tenth runtime: ' text
// (a new-user audit found plain Errors without a code, `run(null)` and a feed without dims ending
// in raw TypeErrors, and misspelt feed names silently ignored).

import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseModule } from '../../ir/parser.js';
import { compileWasm, writeArtifact } from '../../src/backends/wasm/index.js';
import { compileWebGpu, writeWebGpuArtifact } from '../../src/backends/webgpu/index.js';
import { TenthRuntimeError, type RunTensor } from '../../src/runtime/common.js';
import { loadCompiled, type CompiledModel } from '../../src/runtime/index.js';
import { loadCompiledWebGpu, type CompiledWebGpuModel } from '../../src/runtime/webgpu.js';
import { gpuDevice } from '../backends/webgpu/helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'tenth-rt-codes-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// Two inputs sharing a symbol, so feeds can be wrong in every way the runtime checks.
const TEXT = `module @m {
  func @main(%x: f32[n,3], %y: f32[n,3]) -> (%z: f32[n,3]) {
    %z = add(%x, %y) : f32[n,3]
    return %z
  }
}`;
const GATHER = `module @g {
  func @main(%x: f32[3], %i: i32[2]) -> (%y: f32[2]) {
    %y = gather(%x, %i) {axis = 0} : f32[2]
    return %y
  }
}`;

const MLP = `module @mlp {
  weight @w : f32[3,2] = bytes("0x${'0000803f'.repeat(6)}")
  func @main(%x: f32[n,3]) -> (%y: f32[n,2]) {
    %w = const {value = @w} : f32[3,2]
    %m = matmul(%x, %w) : f32[n,2]
    %y = relu(%m) : f32[n,2]
    return %y
  }
}`;

type Model = CompiledModel | CompiledWebGpuModel;
const models: Record<'wasm' | 'webgpu', { add: Model; gather: Model; dir: string }> = {} as never;

beforeAll(async () => {
  for (const backend of ['wasm', 'webgpu'] as const) {
    const dirs = ['add', 'gather'].map((n) => join(tmp, `${backend}-${n}`));
    const mods = [TEXT, GATHER].map((t) => parseModule(t, { file: 'test.ir' }));
    if (backend === 'wasm') {
      for (let k = 0; k < 2; k++) writeArtifact(dirs[k]!, await compileWasm(mods[k]!));
    } else {
      for (let k = 0; k < 2; k++) writeWebGpuArtifact(dirs[k]!, compileWebGpu(mods[k]!));
    }
    const load = async (d: string): Promise<Model> => (backend === 'wasm' ? loadCompiled(d) : loadCompiledWebGpu(d, { device: await gpuDevice() }));
    models[backend] = { add: await load(dirs[0]!), gather: await load(dirs[1]!), dir: dirs[0]! };
  }
}, 30_000);

const f32 = (n: number): Float32Array => new Float32Array(n).fill(1);
const ok = { x: { data: f32(6), dims: [2, 3] }, y: { data: f32(6), dims: [2, 3] } };

/** The run's error: a TenthRuntimeError with this code and a message matching `re`. */
async function refused(p: Promise<unknown>, code: string, re: RegExp): Promise<void> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(TenthRuntimeError);
  expect((e as TenthRuntimeError).code).toBe(code);
  expect((e as Error).message).toMatch(re);
  expect((e as Error).message.startsWith('tenth runtime: ')).toBe(true);
}

describe.each(['wasm', 'webgpu'] as const)('%s runtime: error codes', (backend) => {
  const run = (feeds: unknown): Promise<unknown> => models[backend].add.run(feeds as Record<string, RunTensor>);

  it('runs a good feed (the checks below refuse only bad ones)', async () => {
    const out = (await run(ok)) as Record<string, RunTensor>;
    expect(Array.from(out['z']!.data as Float32Array)).toEqual(new Array(6).fill(2));
  });

  it('run(null), run(undefined), run(an array): E502 listing the inputs (was: a raw TypeError)', async () => {
    for (const bad of [null, undefined, [], 7]) {
      await refused(run(bad), 'E502', /^tenth runtime: run\(\) takes the inputs as an object \{ name: \{ data, dims \} \}, got .* \(the model's inputs: 'x', 'y'\)$/);
    }
  });

  it('a missing input: E502, same message as before', async () => {
    await refused(run({ x: ok.x }), 'E502', /^tenth runtime: missing input 'y'$/);
  });

  it('an unknown or misspelt feed name: E503 naming it and listing the inputs (was: silently ignored)', async () => {
    await refused(run({ ...ok, z: ok.x }), 'E503', /^tenth runtime: unknown input 'z' \(the model's inputs: 'x', 'y'\)$/);
    await refused(run({ x: ok.x, Y: ok.y, w: ok.y }), 'E503', /^tenth runtime: unknown inputs 'Y', 'w' \(the model's inputs: 'x', 'y'\)$/);
    // Not an own property: 'constructor' of a plain object is no input either.
    await refused(run({ x: ok.x, constructor: ok.y }), 'E503', /unknown input 'constructor'/);
  });

  it('a feed without dims or data, or not an object: E503 naming the input (was: "reading \'length\'")', async () => {
    await refused(run({ ...ok, y: { data: f32(6) } }), 'E503', /^tenth runtime: input 'y' has no dims; a tensor is \{ data: a typed array, dims: an array of numbers \}$/);
    await refused(run({ ...ok, y: { dims: [2, 3] } }), 'E503', /^tenth runtime: input 'y' has no data;/);
    await refused(run({ ...ok, y: { data: [1, 2, 3, 4, 5, 6], dims: [2, 3] } }), 'E503', /^tenth runtime: input 'y' has data an array;/);
    await refused(run({ ...ok, y: { data: f32(6), dims: '2,3' } }), 'E503', /^tenth runtime: input 'y' has dims the string "2,3";/);
    await refused(run({ ...ok, y: 5 }), 'E503', /^tenth runtime: input 'y' is the number 5;/);
  });

  it('wrong dtype, rank, dims and element count: E503 with the existing messages', async () => {
    await refused(run({ ...ok, y: { data: new Int32Array(6), dims: [2, 3] } }), 'E503', /^tenth runtime: input 'y' must be a Float32Array \(f32\)$/);
    await refused(run({ ...ok, y: { data: f32(6), dims: [6] } }), 'E503', /^tenth runtime: input 'y' has rank 1, expected 2$/);
    await refused(run({ ...ok, y: { data: f32(8), dims: [2, 4] } }), 'E503', /^tenth runtime: input 'y' dim 1 is 4, expected 3$/);
    await refused(run({ ...ok, y: { data: f32(9), dims: [3, 3] } }), 'E503', /^tenth runtime: input 'y' dim 0 is 3, but 'n' is 2$/);
    await refused(run({ ...ok, y: { data: f32(5), dims: [2, 3] } }), 'E503', /^tenth runtime: input 'y' has 5 elements, dims \[2,3\] need 6$/);
    await refused(run({ ...ok, y: { data: f32(0), dims: [-1, 3] } }), 'E503', /dims must be integers >= 0/);
  });

  it('an index out of range at run time: E501 naming the op', async () => {
    const r = models[backend].gather.run({ x: { data: f32(3), dims: [3] }, i: { data: new Int32Array([0, 7]), dims: [2] } });
    await refused(r, 'E501', /^tenth runtime: gather %y at test\.ir:3:5: index 7 is out of range for a dim of size 3 \(valid: -3 to 2\)$/);
  });

  it('any set of feed names other than the inputs is refused, never ignored (fast-check)', async () => {
    const name = fc.constantFrom('x', 'y', 'z', 'X', 'xx', '');
    await fc.assert(fc.asyncProperty(fc.uniqueArray(name, { maxLength: 4 }), async (names) => {
      const feeds = Object.fromEntries(names.map((n) => [n, ok.x]));
      const exact = names.length === 2 && names.includes('x') && names.includes('y');
      const e = await run(feeds).then(() => undefined, (x: unknown) => x as TenthRuntimeError);
      if (exact) {
        expect(e).toBeUndefined();
        return;
      }
      const unknown = names.filter((n) => n !== 'x' && n !== 'y');
      expect(e?.code).toBe(unknown.length > 0 ? 'E503' : 'E502');
      for (const n of unknown) expect(e?.message).toContain(`'${n}'`);
    }), { numRuns: 40 });
  });
});

describe('runtime load errors carry codes', () => {
  it('a damaged folder: E102 (manifest.json not JSON or without a tenth format, weights.bin of the wrong size), both runtimes', async () => {
    for (const [backend, dir] of [['wasm', models.wasm.dir], ['webgpu', models.webgpu.dir]] as const) {
      const load = async (d: string): Promise<unknown> => (backend === 'wasm' ? loadCompiled(d) : loadCompiledWebGpu(d, { device: await gpuDevice() }));
      const bad = join(tmp, `${backend}-bad`);
      cpSync(dir, bad, { recursive: true });
      writeFileSync(join(bad, 'manifest.json'), '{"format": ');
      await refused(load(bad), 'E102', /manifest\.json is not valid JSON/);
      cpSync(dir, bad, { recursive: true });
      writeFileSync(join(bad, 'weights.bin'), new Uint8Array(3));
      await refused(load(bad), 'E102', /^tenth runtime: weights\.bin of m has 3 bytes, its manifest says 0: the folder is damaged/);
      // No format, or one tenth never wrote: damaged too (E102, as the CLI says), not a device refusal.
      const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
      for (const [format, said] of [[undefined, 'has no format'], ['tenth-wasm/0', 'has format "tenth-wasm/0"']] as const) {
        cpSync(dir, bad, { recursive: true });
        writeFileSync(join(bad, 'manifest.json'), JSON.stringify({ ...manifest, format }));
        await refused(load(bad), 'E102', new RegExp(`manifest\\.json ${said}, expected "tenth-${backend}/1"`));
      }
    }
  });

  it('a missing folder or file: E101 naming the path (was: Node\'s bare ENOENT)', async () => {
    await refused(loadCompiled(join(tmp, 'nope')), 'E101', new RegExp(`^tenth runtime: cannot read ${tmp}/nope/manifest\\.json: ENOENT: no such file or directory$`));
    for (const [backend, dir] of [['wasm', models.wasm.dir], ['webgpu', models.webgpu.dir]] as const) {
      const gone = join(tmp, `${backend}-gone`);
      cpSync(dir, gone, { recursive: true });
      rmSync(join(gone, 'weights.bin'));
      const load = backend === 'wasm' ? loadCompiled(gone) : loadCompiledWebGpu(gone, { device: await gpuDevice() });
      await refused(load, 'E101', /cannot read .*-gone\/weights\.bin: ENOENT/);
    }
  });

  it('a folder for the other runtime, and a WebGPU model without a device in Node: E501', async () => {
    await refused(loadCompiled(models.webgpu.dir), 'E501', /was compiled for WebGPU/);
    await refused(loadCompiledWebGpu(models.wasm.dir), 'E501', /was compiled for WASM .*: load it with the WASM runtime's loadCompiled/);
    await refused(loadCompiledWebGpu(models.webgpu.dir), 'E501', /Node has no navigator\.gpu/);
  });

  it('an f16 model on a device without shader-f16: E501 naming the feature', async () => {
    const dev = await gpuDevice();
    const dir = join(tmp, 'f16');
    writeWebGpuArtifact(dir, compileWebGpu(parseModule(MLP, { file: 'test.ir' }), { f16: true }));
    // SwiftShader has no shader-f16; a real GPU that has it loads the model.
    if (dev.features?.has('shader-f16')) await expect(loadCompiledWebGpu(dir, { device: dev })).resolves.toBeDefined();
    else await refused(loadCompiledWebGpu(dir, { device: dev }), 'E501', /lacks the WebGPU feature 'shader-f16'/);
  });
});
