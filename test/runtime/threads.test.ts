// The runtime's threads (src/runtime/threads.ts, worker.ts): loadCompiled(DIR, { threads: N })
// runs the threaded module on N threads with the same bits as the single-threaded module, falls
// back to it when the folder has no threaded module, profiles, disposes; and a process that loads
// a threaded model exits on its own, with or without dispose() (no worker keeps it alive).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileWasm, writeArtifact } from '../../src/backends/wasm/index.js';
import { main } from '../../src/cli/main.js';
import { importOnnxFile } from '../../src/onnx/import.js';
import { readTensorProtoFile } from '../../src/onnx/tensor-proto.js';
import { loadCompiled, supportsRelaxedSimd, type RunTensor } from '../../src/runtime/index.js';

// Node 20 runs relaxed SIMD only behind this flag (process-wide, so in workers too).
setFlagsFromString('--experimental-wasm-relaxed-simd');

const MODEL = '/work/shared/models/cnn_digits';
const tmp = mkdtempSync(join(tmpdir(), 'tenth-threads-'));
const threadedDir = join(tmp, 'threaded'), plainDir = join(tmp, 'plain');
let feed: Record<string, RunTensor>;

beforeAll(async () => {
  writeArtifact(threadedDir, await compileWasm(importOnnxFile(join(MODEL, 'model.onnx')), { threads: true, threadMinWork: 0 }));
  writeArtifact(plainDir, await compileWasm(importOnnxFile(join(MODEL, 'model.onnx'))));
  const x = readTensorProtoFile(join(MODEL, 'test_data_set_0', 'input_0.pb')).tensor;
  feed = { input: { data: x.data as Float32Array, dims: x.shape } };
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const bytes = (t: RunTensor): Buffer => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);

describe('runtime threads', () => {
  it('threads: 2 and 3 give the single-threaded bits; profile works; dispose stops the model', async () => {
    const single = await loadCompiled(threadedDir);
    expect(single.threads).toBe(1);
    const name = single.manifest.inputs[0]!.name;
    const f = { [name]: feed['input']! };
    const want = await single.run(f);
    for (const n of [2, 3]) {
      const m = await loadCompiled(threadedDir, { threads: n });
      expect(m.threads).toBe(n);
      const got = await m.run(f);
      for (const o of m.manifest.outputs) expect(bytes(got[o.name]!).equals(bytes(want[o.name]!))).toBe(true);
      const prof = await m.profile(f, 2);
      expect(prof.map((p) => p.kernel)).toEqual(m.manifest.kernels);
      // profile() ran the kernels alone; a run afterwards is split over the threads again.
      const again = await m.run(f);
      for (const o of m.manifest.outputs) expect(bytes(again[o.name]!).equals(bytes(want[o.name]!))).toBe(true);
      await m.dispose();
      await expect(m.run(f)).rejects.toThrow(/disposed/);
    }
    await single.dispose();
  });

  it('with --relaxed-simd too: four modules; each threaded one gives its single-threaded twin\'s bits', async () => {
    const dir = join(tmp, 'relaxed');
    writeArtifact(dir, await compileWasm(importOnnxFile(join(MODEL, 'model.onnx')), { threads: true, relaxedSimd: true, threadMinWork: 0 }));
    const single = await loadCompiled(dir, { simd: 'simd' });
    expect(single.manifest.modules?.map((m) => m.file)).toEqual(['model-relaxed-threads.wasm', 'model-threads.wasm', 'model-relaxed.wasm', 'model.wasm']);
    expect(supportsRelaxedSimd()).toBe(true);
    for (const simd of ['simd', 'relaxed'] as const) {
      const one = await loadCompiled(dir, { simd });
      const two = await loadCompiled(dir, { simd, threads: 2 });
      expect(two.threads).toBe(2);
      const f = { [one.manifest.inputs[0]!.name]: feed['input']! };
      const [a, b] = [await one.run(f), await two.run(f)];
      for (const o of one.manifest.outputs) expect(bytes(b[o.name]!).equals(bytes(a[o.name]!)), simd).toBe(true);
      await two.dispose();
    }
  });

  it('falls back to the single-threaded module when the folder has no threaded one', async () => {
    const m = await loadCompiled(plainDir, { threads: 2 });
    expect(m.threads).toBe(1);
    const name = m.manifest.inputs[0]!.name;
    const out = await m.run({ [name]: feed['input']! });
    const want = readTensorProtoFile(join(MODEL, 'test_data_set_0', 'output_0.pb')).tensor.data as Float32Array;
    const got = out[m.manifest.outputs[0]!.name]!.data as Float32Array;
    expect(got.length).toBe(want.length);
    got.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThanOrEqual(1e-5 + 1e-3 * Math.abs(want[i]!)));
  });

  it('tenth run --threads N: compiles a model with its threaded variant, checks; a folder without one runs on 1 thread with a note', async () => {
    const cli = async (args: string[]): Promise<{ code: number; out: string; err: string }> => {
      let out = '', err = '';
      const code = await main(args, { out: (x) => (out += x), err: (x) => (err += x), cwd: process.cwd() });
      return { code, out, err };
    };
    const a = await cli(['run', join(MODEL, 'model.onnx'), '--backend', 'wasm', '--threads', '2', '--check']);
    expect(a.code, a.out + a.err).toBe(0);
    expect(a.err).toBe('');
    const b = await cli(['run', threadedDir, '--data', MODEL, '--threads', '3', '--check']);
    expect(b.code, b.out + b.err).toBe(0);
    expect(b.err).toBe('');
    const c = await cli(['run', plainDir, '--data', MODEL, '--threads', '2', '--check']);
    expect(c.code, c.out + c.err).toBe(0);
    expect(c.err).toMatch(/running on 1 thread: the folder has no threaded module/);
    expect((await cli(['run', plainDir, '--threads', '0'])).code).toBe(2);
  });

  it('a process with a threaded model exits by itself, with or without dispose()', () => {
    const script = join(tmp, 'child.mts');
    const runtime = resolve('src/runtime/index.ts');
    writeFileSync(script, [
      `import { loadCompiled } from ${JSON.stringify(runtime)};`,
      `const m = await loadCompiled(${JSON.stringify(threadedDir)}, { threads: 3 });`,
      `const input = ${JSON.stringify(Array.from(feed['input']!.data as Float32Array))};`,
      `const out = await m.run({ [m.manifest.inputs[0].name]: { data: Float32Array.from(input), dims: ${JSON.stringify(feed['input']!.dims)} } });`,
      `if (process.argv[2] === 'dispose') await m.dispose();`,
      `console.log(m.threads, Object.values(out)[0].data.length);`,
    ].join('\n'));
    for (const mode of ['dispose', 'keep']) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', script, mode], { encoding: 'utf8', timeout: 30_000 });
      expect(r.error, `${mode}: ${r.stderr}`).toBeUndefined();
      expect(r.status, `${mode}: ${r.stderr}`).toBe(0);
      expect(r.stdout.trim()).toBe(`3 ${feed['input']!.dims[0]! * 10}`);
    }
  });
});
