// The legacy family of the zoo (models-legacy.ts: the ONNX model zoo's classic opset 7-12 exports
// in miniature) on WASM (compiled once, every binding and in reverse, `tenth run DIR --check`)
// and on WebGPU (Dawn + SwiftShader), against onnxruntime-node. The interpreter runs them in
// zoo-interp.test.ts with the rest of the zoo.
//
// Refused today on both backends (E205, a clean refusal): unet_op9, whose Upsample-9 scales are
// computed in the graph from the dynamic H/W (Div of Cast sizes); the output dim
// floor(H * (2H' / H)) is not derivable by the shape rules. unet_op9_static (the same graph at
// fixed dims, as the classic exports are) folds the scales and passes.

import { describe, expect, it } from 'vitest';
import { nodeDevice, NODE_DAWN_FLAGS } from '../../src/runtime/webgpu-node.js';
import type { WebGpuDevice } from '../../src/runtime/webgpu.js';
import { diagnosticCodes, mismatch, referenceCases, runWebGpuCases } from './harness.js';
import { LEGACY_ZOO } from './models-legacy.js';
import { wasmZooSuite } from './wasm-suite.js';

const REFUSED = ['unet_op9'];
const PASSING = Object.keys(LEGACY_ZOO).filter((n) => !REFUSED.includes(n));

describe('legacy zoo on wasm', () => {
  wasmZooSuite(PASSING, REFUSED);
});

let device: Promise<WebGpuDevice> | undefined;
// One device for the worker's life (Dawn aborts when the instance is garbage-collected).
const gpu = (): Promise<WebGpuDevice> => (device ??= nodeDevice(NODE_DAWN_FLAGS));

describe('legacy zoo on webgpu (SwiftShader)', () => {
  for (const name of PASSING) {
    it(`${name}: compiled once, matches onnxruntime at every binding`, async () => {
      const m = LEGACY_ZOO[name]!();
      expect(m.bytes.length).toBeLessThan(150 * 1024);
      const cases = await referenceCases(m);
      const got = await runWebGpuCases(m, cases, await gpu());
      cases.forEach((c, k) => expect(mismatch(m, got[k]!, c.want), `${name} at ${c.label}`).toBeNull());
    });
  }

  for (const name of REFUSED) {
    it(`${name}: matches onnxruntime or is refused with a diagnostic`, async () => {
      const m = LEGACY_ZOO[name]!();
      const cases = await referenceCases(m);
      let got;
      try {
        got = await runWebGpuCases(m, cases, await gpu());
      } catch (e) {
        expect(diagnosticCodes(e), String(e)).toEqual(['E205']);
        return;
      }
      cases.forEach((c, k) => expect(mismatch(m, got[k]!, c.want), `${name} at ${c.label}`).toBeNull());
    });
  }
});
