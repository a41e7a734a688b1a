// The legacy family of the zoo (models-legacy.ts: the ONNX model zoo's classic opset 7-12 exports
// in miniature) on WASM (compiled once, every binding and in reverse, `tenth run DIR --check`)
// and on WebGPU (Dawn + SwiftShader), against onnxruntime-node. The interpreter runs them in
// zoo-interp.test.ts with the rest of the zoo.

import { describe, expect, it } from 'vitest';
import { nodeDevice, NODE_DAWN_FLAGS } from '../../src/runtime/webgpu-node.js';
import type { WebGpuDevice } from '../../src/runtime/webgpu.js';
import { mismatch, referenceCases, runWebGpuCases } from './harness.js';
import { LEGACY_ZOO } from './models-legacy.js';
import { wasmZooSuite } from './wasm-suite.js';

const ALL = Object.keys(LEGACY_ZOO);

describe('legacy zoo on wasm', () => {
  wasmZooSuite(ALL);
});

let device: Promise<WebGpuDevice> | undefined;
// One device for the worker's life (Dawn aborts when the instance is garbage-collected).
const gpu = (): Promise<WebGpuDevice> => (device ??= nodeDevice(NODE_DAWN_FLAGS));

describe('legacy zoo on webgpu (SwiftShader)', () => {
  for (const name of ALL) {
    it(`${name}: compiled once, matches onnxruntime at every binding`, async () => {
      const m = LEGACY_ZOO[name]!();
      expect(m.bytes.length).toBeLessThan(150 * 1024);
      const cases = await referenceCases(m);
      const got = await runWebGpuCases(m, cases, await gpu());
      cases.forEach((c, k) => expect(mismatch(m, got[k]!, c.want), `${name} at ${c.label}`).toBeNull());
    });
  }
});
