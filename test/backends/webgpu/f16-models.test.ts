// The four shared models compiled with --f16 (f32 weights and intermediates stored as f16,
// arithmetic and accumulation in f32) run in Deno's WebGPU on lavapipe, which has shader-f16, and
// match PyTorch's expected outputs with a looser tolerance: f16 keeps an 11-bit significand, so
// each weight and each stored activation carries a relative error up to 2^-11 ~ 4.9e-4, and these
// errors add up over a dot product and through the layers. On Dawn + SwiftShader (no shader-f16)
// loading such a folder fails with an error naming the feature.

import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readTensorProtoFile } from '../../../src/onnx/tensor-proto.js';
import { loadCompiledWebGpu } from '../../../src/runtime/webgpu.js';
import { nodeDevice } from '../../../src/runtime/webgpu-node.js';
import { cli, MODELS } from './cli-models.js';
import { denoRuntimeDir, type DenoJob, runDenoJobs } from './deno-jobs.js';
import { expectClose } from './helpers.js';

const rt = denoRuntimeDir();
afterAll(() => rmSync(rt, { recursive: true, force: true }));

// Tolerance against PyTorch's f32 outputs: |got - want| <= ATOL + RTOL * |want|. Seen on lavapipe
// (2026-11), largest |error| per model: mlp_digits 4.5e-3 (outputs up to 22), cnn_digits 4.2e-3
// (10), tiny_bert 6.4e-3 (4.4), mobilenet_v2 7.5e-3 (0.47: its 52 layers of random weights end in
// small logits, while the error builds up at the scale of the activations inside). With weights
// only in f16 they were 4.5e-3, 4.2e-3, 3.2e-3 and 5.7e-3 (the digits models' activations were
// already rounded to f16 in the GEMM tiles). ATOL is about 2x the worst.
const RTOL = 1e-2, ATOL = 1.5e-2;

describe('webgpu --f16 (Deno on lavapipe)', () => {
  it('the four shared models pass their expected outputs; weights.bin and the bytes moved are about half', async () => {
    const names = ['mlp_digits', 'cnn_digits', 'tiny_bert', 'mobilenet_v2'];
    const jobs: DenoJob[] = [];
    const want: { model: string; set: string; outputs: ReturnType<typeof readTensorProtoFile>['tensor'][] }[] = [];
    for (const name of names) {
      const dir = join(rt, name), dir32 = join(rt, `${name}-f32`);
      const c = await cli(['compile', join(MODELS, name, 'model.onnx'), '--target', 'webgpu', '--f16', '--out', dir]);
      expect(c.err).toBe('');
      expect(c.code).toBe(0);
      await cli(['compile', join(MODELS, name, 'model.onnx'), '--target', 'webgpu', '--out', dir32]);
      const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { features: string[]; weightsBytes: number; inputs: { name: string }[] };
      expect(manifest.features).toEqual(['shader-f16']);
      const w32 = (JSON.parse(readFileSync(join(dir32, 'manifest.json'), 'utf8')) as { weightsBytes: number }).weightsBytes;
      expect(manifest.weightsBytes).toBeLessThan(0.55 * w32);
      // The cost report counts what the kernels move: f16 weights and f16 intermediates (only the
      // f32 graph inputs and outputs keep 4 bytes), and intermediates live in the half arena.
      const bytes = (d: string): number => (JSON.parse(readFileSync(join(d, 'report.json'), 'utf8')) as { totals: { bytes: number } }).totals.bytes;
      expect(bytes(dir), name).toBeLessThan(0.53 * bytes(dir32));
      const buffers = (JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { buffers: { kind: string; dtype: string; arena?: string }[] }).buffers;
      expect(buffers.filter((b) => b.kind === 'temp' && b.dtype === 'f32' && b.arena === undefined), name).toEqual([]);
      expect(readdirSync(dir).filter((f) => f.endsWith('.wgsl')).some((f) => readFileSync(join(dir, f), 'utf8').startsWith('enable f16;'))).toBe(true);
      for (const set of readdirSync(join(MODELS, name)).filter((n) => n.startsWith('test_data_set_')).sort()) {
        const files = readdirSync(join(MODELS, name, set)).sort();
        const read = (p: string): ReturnType<typeof readTensorProtoFile>['tensor'][] => files.filter((f) => f.startsWith(p)).map((f) => readTensorProtoFile(join(MODELS, name, set, f)).tensor);
        jobs.push({ dir, inputs: read('input_').map((tensor, k) => ({ name: manifest.inputs[k]!.name, tensor })) });
        want.push({ model: name, set, outputs: read('output_') });
      }
    }
    const got = await runDenoJobs(rt, jobs);
    got.forEach((r, n) => {
      if ('error' in r) expect.fail(`${want[n]!.model}/${want[n]!.set}: ${r.error}`);
      expectClose(r.outputs.map((o) => o.tensor), want[n]!.outputs, RTOL, ATOL);
    });
  }, 60_000);

  it('on a device without shader-f16 (SwiftShader) loading fails naming the feature', async () => {
    const dir = join(rt, 'mlp_digits');
    await expect(loadCompiledWebGpu(dir, { device: await nodeDevice() })).rejects.toThrow(/lacks the WebGPU feature 'shader-f16'.*compile it without --f16/);
  });

  it('the CLI: run on SwiftShader names the feature and the fix; --f16 is refused for wasm; compiling twice is byte-identical', async () => {
    const r = await cli(['run', join(rt, 'mlp_digits'), '--data', join(MODELS, 'mlp_digits'), '--check']);
    expect(r.code).not.toBe(0);
    expect(r.out + r.err).toMatch(/shader-f16.*compile it without --f16/);
    const w = await cli(['compile', join(MODELS, 'mlp_digits', 'model.onnx'), '--target', 'wasm', '--f16', '--out', join(rt, 'wasm')]);
    expect(w.code).not.toBe(0);
    expect(w.err).toMatch(/--f16 applies to --target webgpu only/);
    const again = join(rt, 'mlp_digits-again');
    expect((await cli(['compile', join(MODELS, 'mlp_digits', 'model.onnx'), '--target', 'webgpu', '--f16', '--subgroups', '--out', again])).code).toBe(0);
    const first = join(rt, 'mlp_digits-first');
    await cli(['compile', join(MODELS, 'mlp_digits', 'model.onnx'), '--target', 'webgpu', '--f16', '--subgroups', '--out', first]);
    for (const f of readdirSync(first)) expect(readFileSync(join(again, f)).equals(readFileSync(join(first, f))), f).toBe(true);
  });
});
