// tf2onnx's exports (models-tf2onnx.ts) on WASM and WebGPU (Dawn + SwiftShader) against
// onnxruntime. The interpreter runs them all in zoo-interp.test.ts.
// Refused today (a diagnostic naming the node, never a crash or a wrong answer), reproductions
// under .tmp/tf2onnx/:
// - ssd_postprocess_tf2onnx and efficientdet_postprocess_tf2onnx at O2, both backends: E205 on the
//   TopK whose k is min(count, 10) of the NMS count, and on the Range up to a NonZero count. After
//   data-dims.ts binds the count, src/backends/loop-scans.ts refineTypes re-infers what follows,
//   but (1) inside a fused group a shape operand from outside it (TopK's k) is a region argument
//   that symbolicValue (ir/shape-value.ts) cannot trace back to the group's operand, and (2) a
//   fused group's result whose type did not change (the i32 count of a Shape -> Gather -> Cast
//   group) is not marked refined, so its readers (the Range) are not re-inferred. Without fuse
//   (O1) both compile and match (tested below). Minimal: .tmp/tf2onnx/repro-topk-fused.ts; a fix
//   passing the data-sized, control-flow and zoo tests: .tmp/tf2onnx/fused-refine.patch.
// - ssd_map_fn_tf2onnx: E201 (wasm) / E205 (webgpu) naming the NonMaxSuppression inside the
//   Loop's body (a data-sized op in a Loop body is not counted; README, known gap).
// - deeplab_tf2onnx: E201 on the first Conv: auto_pad = SAME_UPPER with symbolic spatial sizes
//   (both backends' conv kernels need static sizes to place SAME padding). The padding computed
//   from Shape at import (.tmp/tf2onnx/same-pads.patch, Conv/MaxPool in src/onnx/mapping/nn.ts)
//   makes it pass on webgpu; wasm then crashes on its identity linear Resize (sizes equal to the
//   input's: "Reduce of empty array", src/backends/wasm/kernels/data-resize.ts), fixed by
//   .tmp/tf2onnx/resize-identity.patch (repro: .tmp/tf2onnx/repro-resize-identity.ts).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Tensor } from '../../ir/tensor.js';
import { compileWebGpu } from '../../src/backends/webgpu/index.js';
import { nodeDevice, NODE_DAWN_FLAGS } from '../../src/runtime/webgpu-node.js';
import { instantiateWebGpu, type WebGpuDevice } from '../../src/runtime/webgpu.js';
import { diagnosticCodes, importZoo, mismatch, referenceCases, runWasmCases, runWebGpuCases } from './harness.js';
import { ZOO } from './models.js';
import { wasmZooSuite } from './wasm-suite.js';

const PASSING = ['keras_mobilenet_tf2onnx', 'movenet_tf2onnx', 'standardize_map_fn_tf2onnx', 'standardize_while_tf1_tf2onnx', 'tflite_quant_tf2onnx', 'keras_misc_tf2onnx',
  'atrous_s2b_tf2onnx'];
const REFUSED = ['ssd_postprocess_tf2onnx', 'efficientdet_postprocess_tf2onnx', 'ssd_map_fn_tf2onnx', 'deeplab_tf2onnx'];
/** Refused at O2 for the fused-group bug above; they must match without fusion. */
const NO_FUSE = ['ssd_postprocess_tf2onnx', 'efficientdet_postprocess_tf2onnx'];

let device: Promise<WebGpuDevice> | undefined;
const gpu = (): Promise<WebGpuDevice> => (device ??= nodeDevice(NODE_DAWN_FLAGS));

describe('tf2onnx zoo on wasm', () => {
  wasmZooSuite(PASSING, REFUSED);
  const tmp = mkdtempSync(join(tmpdir(), 'tenth-tf2onnx-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  for (const name of NO_FUSE) {
    it(`${name} compiled with O1 (no fusion) matches onnxruntime at every binding`, async () => {
      const m = ZOO[name]!();
      const cases = await referenceCases(m);
      const got = await runWasmCases(m, cases, join(tmp, name), 'O1,plan-memory');
      cases.forEach((c, k) => expect(mismatch(m, got[k]!, c.want), c.label).toBeNull());
    });
  }
});

describe('tf2onnx zoo on webgpu (SwiftShader)', () => {
  for (const name of PASSING) {
    it(`${name}: compiled once, matches onnxruntime at every binding`, async () => {
      const m = ZOO[name]!();
      const cases = await referenceCases(m);
      const got = await runWebGpuCases(m, cases, await gpu());
      cases.forEach((c, k) => expect(mismatch(m, got[k]!, c.want), `${name} at ${c.label}`).toBeNull());
    });
  }

  for (const name of REFUSED) {
    it(`${name}: matches onnxruntime or is refused with a diagnostic`, async () => {
      const m = ZOO[name]!();
      const cases = await referenceCases(m);
      let got;
      try {
        got = await runWebGpuCases(m, cases, await gpu());
      } catch (e) {
        expect(diagnosticCodes(e), String(e)).not.toBeNull();
        return;
      }
      cases.forEach((c, k) => expect(mismatch(m, got[k]!, c.want), `${name} at ${c.label}`).toBeNull());
    });
  }

  for (const name of NO_FUSE) {
    it(`${name} compiled with O1 (no fusion) matches onnxruntime at every binding`, async () => {
      const m = ZOO[name]!();
      const cases = await referenceCases(m);
      const c = compileWebGpu(importZoo(m), { passes: 'O1,plan-memory' });
      const gm = await instantiateWebGpu(c.manifest, c.shaders.map((sh) => sh.code), c.weights, await gpu());
      for (const cs of cases) {
        const out = await gm.run(Object.fromEntries(c.manifest.inputs.map((inp, k) => [inp.name, { data: cs.inputs[k]!.data as Float32Array, dims: cs.inputs[k]!.shape }])));
        const got = c.manifest.outputs.map((o) => ({ dtype: o.dtype, shape: [...out[o.name]!.dims], data: out[o.name]!.data }) as Tensor);
        expect(mismatch(m, got, cs.want), `${name} at ${cs.label}`).toBeNull();
      }
    });
  }
});
