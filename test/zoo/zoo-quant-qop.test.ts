// The QOperator-format quant zoo models (models-quant.ts: onnxruntime's com.microsoft QLinear* ops as
// quantize_static writes them) against onnxruntime-node: interpreter (also after O2), WASM (compiled
// once with the symbolic batch, every binding forward and in reverse, then `tenth run DIR --check`)
// and WebGPU on Dawn + SwiftShader. The outputs are dequantized uint8 values, so the tolerance is
// one quantization step of the output (rtol 1e-3, atol = the step): a QLinearConv/QLinearMatMul
// requantization that rounds a value within an ulp of a .5 tie the other way moves an output by
// one step. zoo-interp.test.ts and zoo-webgpu.test.ts also run them at the zoo's default tolerance.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { interpret } from '../../ir/interp.js';
import { runPipeline } from '../../passes/index.js';
import { main } from '../../src/cli/main.js';
import type { Tolerance } from '../../src/check/compare.js';
import { nodeDevice, NODE_DAWN_FLAGS } from '../../src/runtime/webgpu-node.js';
import type { WebGpuDevice } from '../../src/runtime/webgpu.js';
import { importZoo, mismatch, referenceCases, runWasmCases, runWebGpuCases, writeModelDir } from './harness.js';
import { mobilenetInt8Qop, QUANT_STEP } from './models-quant.js';

const MODELS = { mobilenet_int8_qop: mobilenetInt8Qop };
const tolOf = (name: string): Tolerance => ({ rtol: 1e-3, atol: QUANT_STEP[name]! * 1.001 });

const tmp = mkdtempSync(join(tmpdir(), 'tenth-zoo-qop-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let device: Promise<WebGpuDevice> | undefined;
// One device for the worker's life (Dawn aborts when the instance is garbage-collected).
const gpu = (): Promise<WebGpuDevice> => (device ??= nodeDevice(NODE_DAWN_FLAGS));

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const code = await main(args, { out: (s) => (out += s), err: (s) => (err += s), cwd: process.cwd() });
  return { code, out, err };
}

describe('QOperator quant zoo vs onnxruntime (one output quantization step)', () => {
  for (const [name, build] of Object.entries(MODELS)) {
    it(`${name}: interpreter, and after O2`, async () => {
      const m = build();
      const cases = await referenceCases(m);
      const plain = importZoo(m), opt = importZoo(m);
      runPipeline(opt, 'O2');
      for (const c of cases) {
        expect(mismatch(m, interpret(plain, c.inputs), c.want, tolOf(name)), `${name} at ${c.label}`).toBeNull();
        expect(mismatch(m, interpret(opt, c.inputs), c.want, tolOf(name)), `${name} O2 at ${c.label}`).toBeNull();
      }
      // Not a degenerate model: the logits take many distinct values.
      expect(new Set(cases.flatMap((c) => Array.from(c.want[0]!.data as Float32Array))).size).toBeGreaterThan(20);
    });

    it(`${name}: wasm, compiled once, every binding and in reverse; run --check agrees`, async () => {
      const m = build();
      const cases = await referenceCases(m);
      const order = [...cases, ...[...cases].reverse()];
      const compiled = join(tmp, `${name}-wasm`);
      const got = await runWasmCases(m, order, compiled);
      order.forEach((c, k) => expect(mismatch(m, got[k]!, c.want, tolOf(name)), `${name} at ${c.label} (run ${k})`).toBeNull());
      const dir = join(tmp, name);
      writeModelDir(dir, m, cases);
      const r = await cli(['run', compiled, '--data', dir, '--check', '--rtol', '1e-3', '--atol', String(tolOf(name).atol)]);
      expect(r.code, r.out + r.err).toBe(0);
    });

    it(`${name}: webgpu, compiled once, every binding`, async () => {
      const m = build();
      const cases = await referenceCases(m);
      const got = await runWebGpuCases(m, cases, await gpu());
      cases.forEach((c, k) => expect(mismatch(m, got[k]!, c.want, tolOf(name)), `${name} at ${c.label}`).toBeNull());
    });
  }
});
