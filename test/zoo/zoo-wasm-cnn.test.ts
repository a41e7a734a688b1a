// Zoo CNNs (and the conv-fronted ViT / MLP-Mixer / Swin) through the WASM backend against onnxruntime.
// Known bugs, reported with reproductions under .tmp/zoo/:
// - unet and tcn with symbolic spatial dims are refused (E205): the conv/pool/conv_transpose/resize
//   shape rules (ir/ops/nn-common.ts windowDimSym and friends) give '?' for a symbolic spatial size
//   instead of an expression, so no CNN over a dynamic height/width/time compiles
//   (.tmp/zoo/conv-symbolic.onnx). Their static-spatial twins unet_static and tcn_static cover the ops.
// - convnext, swin, keras_cnn and shufflenet were miscompiled at O2 (fixed): next to a Transpose to
//   or from channels-last, select-layout gave conv, max_pool, global_average_pool and
//   batch_normalization nhwc/ohwi layouts that the wasm kernels ignored. select-layout now keeps to
//   the target profile's `layouts` (wasm: nchw) and the wasm lowering refuses any other layout (E201).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mismatch, referenceCases, runWasmCases } from './harness.js';
import { ZOO } from './models.js';
import { wasmZooSuite } from './wasm-suite.js';

describe('zoo on wasm: CNNs', () => {
  wasmZooSuite(['resnet', 'mobilenet', 'unet_static', 'tcn_static', 'yolo', 'style_transfer', 'vit', 'mlp_mixer', 'multi_input',
    'convnext', 'swin', 'keras_cnn', 'shufflenet'], ['unet', 'tcn']);

  const tmp = mkdtempSync(join(tmpdir(), 'tenth-zoo-wasm-nolayout-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  for (const name of ['convnext', 'swin', 'keras_cnn', 'shufflenet']) {
    it(`${name}: matches onnxruntime compiled with O2 less select-layout`, async () => {
      const m = ZOO[name]!();
      const cases = await referenceCases(m);
      const got = await runWasmCases(m, cases, join(tmp, name), 'O1,fuse,plan-memory');
      cases.forEach((c, k) => expect(mismatch(m, got[k]!, c.want), `${name} at ${c.label}`).toBeNull());
    });
  }
});
