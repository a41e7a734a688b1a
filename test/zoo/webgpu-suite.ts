// The WebGPU part of the zoo, shared by the test files that run their models on Dawn + SwiftShader:
// each model compiled once, run at every binding against onnxruntime's outputs. One device per
// vitest worker (Dawn aborts when the instance is garbage-collected).

import { expect, it } from 'vitest';
import { nodeDevice, NODE_DAWN_FLAGS } from '../../src/runtime/webgpu-node.js';
import type { WebGpuDevice } from '../../src/runtime/webgpu.js';
import { mismatch, referenceCases, runWebGpuCases } from './harness.js';
import { ZOO } from './models.js';

let device: Promise<WebGpuDevice> | undefined;
export const zooGpu = (): Promise<WebGpuDevice> => (device ??= nodeDevice(NODE_DAWN_FLAGS));

export function webgpuZooSuite(names: readonly string[]): void {
  for (const name of names) {
    it(`${name}: compiled once, matches onnxruntime at every binding`, async () => {
      const m = ZOO[name]!();
      const cases = await referenceCases(m);
      const got = await runWebGpuCases(m, cases, await zooGpu());
      cases.forEach((c, k) => expect(mismatch(m, got[k]!, c.want), `${name} at ${c.label}`).toBeNull());
    });
  }
}
