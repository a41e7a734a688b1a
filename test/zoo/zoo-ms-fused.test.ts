// The ms-fused zoo models (onnxruntime's fused contrib ops as its transformer optimizer writes
// them) through the WASM backend (compiled once, every binding, run --check) and WebGPU on Dawn,
// against onnxruntime-node. zoo-interp.test.ts runs them through the interpreter.

import { describe, expect, it } from 'vitest';
import { nodeDevice, NODE_DAWN_FLAGS } from '../../src/runtime/webgpu-node.js';
import type { WebGpuDevice } from '../../src/runtime/webgpu.js';
import { mismatch, referenceCases, runWebGpuCases } from './harness.js';
import { MS_FUSED_ZOO } from './models-ms-fused.js';
import { wasmZooSuite } from './wasm-suite.js';

const MODELS = Object.keys(MS_FUSED_ZOO);

describe('ms-fused zoo on wasm', () => {
  wasmZooSuite(MODELS);
});

let device: Promise<WebGpuDevice> | undefined;
// One device for the worker's life (Dawn aborts when the instance is garbage-collected).
const gpu = (): Promise<WebGpuDevice> => (device ??= nodeDevice(NODE_DAWN_FLAGS));

describe('ms-fused zoo on webgpu (SwiftShader)', () => {
  for (const name of MODELS) {
    it(`${name}: compiled once, matches onnxruntime at every binding`, async () => {
      const m = MS_FUSED_ZOO[name]!();
      const cases = await referenceCases(m);
      const got = await runWebGpuCases(m, cases, await gpu());
      cases.forEach((c, k) => expect(mismatch(m, got[k]!, c.want), `${name} at ${c.label}`).toBeNull());
    });
  }
});
