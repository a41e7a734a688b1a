// Hugging Face optimum's merged decoders (GPT-2, Whisper, T5; the first two also as transformers.js
// quantizes them, decoder_model_merged_quantized.onnx) and the Whisper encoder against
// onnxruntime: one graph with an If on the bool input use_cache_branch, run with it false (past
// inputs fed empty) and true (a past > 0, and an empty past), on the interpreter (`tenth run
// --check`, and after O2), the WASM backend (compiled once, every binding forward then in
// reverse, `tenth run DIR --check`) and WebGPU on Dawn + SwiftShader. The If's results are sized
// sel(%use_cache_branch[0], then, else) (ir/ops/control.ts), and a branch's run-time dim checks
// apply only when it runs (src/backends/dims.ts). Only whisper_encoder is in ZOO: graph.ts'
// makeInputs has no bool inputs.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { interpret } from '../../ir/interp.js';
import { tensorFrom, type Tensor } from '../../ir/tensor.js';
import { runPipeline } from '../../passes/index.js';
import { main } from '../../src/cli/main.js';
import { TenthRuntimeError } from '../../src/runtime/errors.js';
import { nodeDevice, NODE_DAWN_FLAGS } from '../../src/runtime/webgpu-node.js';
import type { WebGpuDevice } from '../../src/runtime/webgpu.js';
import { importZoo, mismatch, runWasmCases, runWebGpuCases, TOLERANCE, writeModelDir, type ZooCase } from './harness.js';
import { OPTIMUM_MODELS } from './models-optimum.js';
import { optimumCases, optimumInputs, ortRuns } from './optimum-harness.js';

const tmp = mkdtempSync(join(tmpdir(), 'tenth-zoo-optimum-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const NAMES = Object.keys(OPTIMUM_MODELS);
const cached = new Map<string, Promise<ZooCase[]>>();
const casesOf = (name: string): Promise<ZooCase[]> => {
  if (!cached.has(name)) cached.set(name, optimumCases(OPTIMUM_MODELS[name]!()));
  return cached.get(name)!;
};

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const code = await main(args, { out: (s) => (out += s), err: (s) => (err += s), cwd: process.cwd() });
  return { code, out, err };
}

describe('optimum zoo: interpreter', () => {
  for (const name of NAMES) {
    it(`${name}: both branches match onnxruntime (tenth run --check, and after O2)`, async () => {
      const m = OPTIMUM_MODELS[name]!();
      const cases = await casesOf(name);
      if (m.inputs.some((i) => i.name === 'use_cache_branch')) expect(new Set(m.bindings.map((b) => b['use_cache'])).size, 'both values of use_cache_branch').toBe(2);
      const dir = join(tmp, name);
      writeModelDir(dir, m, cases);
      const r = await cli(['run', join(dir, 'model.onnx'), '--check', '--rtol', String(TOLERANCE.rtol), '--atol', String(TOLERANCE.atol)]);
      expect(r.code, r.out + r.err).toBe(0);
      const opt = importZoo(m);
      runPipeline(opt, 'O2');
      for (const c of cases) expect(mismatch(m, interpret(opt, c.inputs), c.want), `O2 at ${c.label}`).toBeNull();
    });
  }
});

describe('optimum zoo: wasm', () => {
  for (const name of NAMES) {
    it(`${name}: compiled once, matches onnxruntime at every binding (twice, reversed); run --check agrees`, async () => {
      const m = OPTIMUM_MODELS[name]!();
      const cases = await casesOf(name);
      const order = [...cases, ...[...cases].reverse()];
      const compiled = join(tmp, `${name}-wasm`);
      const got = await runWasmCases(m, order, compiled);
      order.forEach((c, k) => expect(mismatch(m, got[k]!, c.want), `${name} at ${c.label} (run ${k})`).toBeNull());
      const dir = join(tmp, `${name}-data`);
      writeModelDir(dir, m, cases);
      const r = await cli(['run', compiled, '--data', dir, '--check', '--rtol', String(TOLERANCE.rtol), '--atol', String(TOLERANCE.atol)]);
      expect(r.code, r.out + r.err).toBe(0);
    });
  }

  it('gpt2_merged: use_cache_branch false with a non-empty past is refused before any kernel runs (E503)', async () => {
    const m = OPTIMUM_MODELS['gpt2_merged']!();
    const bind = { batch_size: 1, sequence_length: 2, past_sequence_length: 3, use_cache: 0 };
    const inputs = optimumInputs(m, bind, 0);
    const c: ZooCase = { label: 'misuse', inputs, want: [tensorFrom('f32', [1], [0])] };
    const err = await runWasmCases(m, [c], join(tmp, 'gpt2_merged-misuse')).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(TenthRuntimeError);
    expect((err as TenthRuntimeError).code).toBe('E503');
    expect(String(err)).toMatch(/do not fit the model/);
  });
});

let device: Promise<WebGpuDevice> | undefined;
// One device for the worker's life (Dawn aborts when the instance is garbage-collected).
const gpu = (): Promise<WebGpuDevice> => (device ??= nodeDevice(NODE_DAWN_FLAGS));

describe('optimum zoo: webgpu (SwiftShader)', () => {
  for (const name of NAMES) {
    it(`${name}: compiled once, matches onnxruntime at every binding`, async () => {
      const m = OPTIMUM_MODELS[name]!();
      const cases = await casesOf(name);
      const got = await runWebGpuCases(m, cases, await gpu());
      cases.forEach((c, k) => expect(mismatch(m, got[k]!, c.want), `${name} at ${c.label}`).toBeNull());
    });
  }
});

/**
 * transformers.js' generation loop: the encoder once, the merged decoder on the prompt without
 * cache (past inputs empty), then two single-token steps on the cache branch fed the previous
 * step's present.* (the encoder keys/values passed through). Each step's inputs come from
 * onnxruntime's previous outputs, so tenth's and onnxruntime's steps see the same feeds.
 */
describe('optimum zoo: whisper generation loop', () => {
  it('encoder, prompt without cache, 2 cached steps: interpreter and wasm match onnxruntime at every step', async () => {
    const enc = OPTIMUM_MODELS['whisper_encoder']!(), dec = OPTIMUM_MODELS['whisper_decoder_merged']!();
    const features = optimumInputs(enc, { batch_size: 2 }, 7);
    const [[hidden]] = await ortRuns(enc, [features]) as [[Tensor]];
    const ids = (k: number, n: number) => tensorFrom('i64', [2, n], Array.from({ length: 2 * n }, (_, i) => BigInt((5 * k + 3 * i) % 36)));
    const empty = tensorFrom('f32', [2, 2, 0, 8], []);
    const steps: Tensor[][] = [[ids(0, 3), hidden!, ...new Array<Tensor>(8).fill(empty), tensorFrom('bool', [1], [0])]];
    const want: Tensor[][] = [];
    for (let s = 0; s < 3; s++) {
      const [out] = await ortRuns(dec, [steps[s]!]);
      want.push(out!);
      // Next step: one token, past = this step's presents (decoder and encoder), the cache branch.
      if (s < 2) steps.push([ids(s + 1, 1), hidden!, ...out!.slice(1), tensorFrom('bool', [1], [1])]);
    }
    expect(want[2]![1]!.shape, 'present decoder length after 3 + 1 + 1 tokens').toEqual([2, 2, 5, 8]);
    const mod = importZoo(dec);
    steps.forEach((inp, s) => expect(mismatch(dec, interpret(mod, inp), want[s]!), `interp step ${s}`).toBeNull());
    const got = await runWasmCases(dec, steps.map((inputs, s) => ({ label: `step ${s}`, inputs, want: want[s]! })), join(tmp, 'whisper-loop-wasm'));
    steps.forEach((_, s) => expect(mismatch(dec, got[s]!, want[s]!), `wasm step ${s}`).toBeNull());
    const encGot = await runWasmCases(enc, [{ label: 'enc', inputs: features, want: [hidden!] }], join(tmp, 'whisper-enc-wasm'));
    expect(mismatch(enc, encGot[0]!, [hidden!])).toBeNull();
  });
});
