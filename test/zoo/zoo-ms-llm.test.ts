// The ms-llm zoo models (models-ms-llm.ts: phi3_q4, qwen_q4) through the WASM backend (compiled
// once, every binding incl. an empty past and a single token after a past, `tenth run --check` on
// the folder) and the WebGPU backend on Dawn + SwiftShader, against onnxruntime.
// zoo-interp.test.ts covers the interpreter (and O2).

import { describe, expect, it } from 'vitest';
import { nodeDevice, NODE_DAWN_FLAGS } from '../../src/runtime/webgpu-node.js';
import type { WebGpuDevice } from '../../src/runtime/webgpu.js';
import { mismatch, referenceCases, runWebGpuCases } from './harness.js';
import { MS_LLM_ZOO } from './models-ms-llm.js';
import { wasmZooSuite } from './wasm-suite.js';

const NAMES = Object.keys(MS_LLM_ZOO);

describe('ms-llm zoo on wasm', () => {
  wasmZooSuite(NAMES);
});

let device: Promise<WebGpuDevice> | undefined;
// One device for the worker's life (Dawn aborts when the instance is garbage-collected).
const gpu = (): Promise<WebGpuDevice> => (device ??= nodeDevice(NODE_DAWN_FLAGS));

describe('ms-llm zoo on webgpu (SwiftShader)', () => {
  for (const name of NAMES) {
    it(`${name}: compiled once, matches onnxruntime at every binding`, async () => {
      const m = MS_LLM_ZOO[name]!();
      const cases = await referenceCases(m);
      const got = await runWebGpuCases(m, cases, await gpu());
      cases.forEach((c, k) => expect(mismatch(m, got[k]!, c.want), `${name} at ${c.label}`).toBeNull());
    });
  }
});
