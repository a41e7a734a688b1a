// The ms-attention zoo models (models-ms-attention.ts: bert_ort_attention, t5_mha) through the
// WASM backend (compiled once, every binding, `tenth run --check` on the folder) and the WebGPU
// backend on Dawn + SwiftShader, against onnxruntime. zoo-interp.test.ts covers the interpreter.

import { describe, expect, it } from 'vitest';
import { nodeDevice, NODE_DAWN_FLAGS } from '../../src/runtime/webgpu-node.js';
import type { WebGpuDevice } from '../../src/runtime/webgpu.js';
import { mismatch, referenceCases, runWebGpuCases } from './harness.js';
import { MS_ATTENTION_ZOO } from './models-ms-attention.js';
import { wasmZooSuite } from './wasm-suite.js';

const NAMES = Object.keys(MS_ATTENTION_ZOO);

describe('ms-attention zoo on wasm', () => {
  wasmZooSuite(NAMES);
});

let device: Promise<WebGpuDevice> | undefined;
// One device for the worker's life (Dawn aborts when the instance is garbage-collected).
const gpu = (): Promise<WebGpuDevice> => (device ??= nodeDevice(NODE_DAWN_FLAGS));

describe('ms-attention zoo on webgpu (SwiftShader)', () => {
  for (const name of NAMES) {
    it(`${name}: compiled once, matches onnxruntime at every binding`, async () => {
      const m = MS_ATTENTION_ZOO[name]!();
      const cases = await referenceCases(m);
      const got = await runWebGpuCases(m, cases, await gpu());
      cases.forEach((c, k) => expect(mismatch(m, got[k]!, c.want), `${name} at ${c.label}`).toBeNull());
    });
  }
});
