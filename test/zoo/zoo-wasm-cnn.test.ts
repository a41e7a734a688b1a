// Zoo CNNs (and the conv-fronted ViT / MLP-Mixer / Swin) through the WASM backend against onnxruntime.
// Known bugs, reported with reproductions under .tmp/zoo/:
// - tcn with a symbolic time dim was refused (E205, fixed): the conv/pool/conv_transpose/resize
//   shape rules gave '?' for a symbolic spatial size; they now give expressions (ir/ops/nn-common.ts
//   windowDimSym). unet with symbolic height/width was refused (E205, fixed): its Concat joins
//   2*floordiv(floordiv(height,2),2) (pool, pool, resize x2) with floordiv(height,2), which concat's
//   shape rule could not prove equal; it now takes one and checks their equality at run time
//   (ir/symbolic.ts dimUnify, src/backends/dims.ts runtimeChecks).
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
    'convnext', 'swin', 'keras_cnn', 'shufflenet', 'tcn', 'unet']);

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
