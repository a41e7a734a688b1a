// Zoo CNNs (and the conv-fronted ViT / MLP-Mixer / Swin) through the WASM backend against onnxruntime.
// Known bugs, reported with reproductions under .tmp/zoo/:
// - unet and tcn with symbolic spatial dims are refused (E205): the conv/pool/conv_transpose/resize
//   shape rules (ir/ops/nn-common.ts windowDimSym and friends) give '?' for a symbolic spatial size
//   instead of an expression, so no CNN over a dynamic height/width/time compiles
//   (.tmp/zoo/conv-symbolic.onnx). Their static-spatial twins unet_static and tcn_static cover the ops.
// - convnext, swin, keras_cnn and shufflenet are miscompiled at O2: next to a Transpose to or from
//   channels-last (Conv -> Transpose(0,2,3,1); tf2onnx's NHWC input -> Transpose(0,3,1,2) -> Conv)
//   select-layout gives conv, max_pool, global_average_pool and batch_normalization the attributes
//   layout/out_layout = "nhwc" and weight_layout = "ohwi"; the interpreter honours them, the wasm
//   kernels ignore them (webgpu refuses them with E201). Repros: .tmp/zoo/conv-nhwc-out.ir,
//   maxpool-nhwc-out.ir, batchnorm-nhwc-out.ir, conv-nhwc-in.ir. Without select-layout all match.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mismatch, referenceCases, runWasmCases } from './harness.js';
import { ZOO } from './models.js';
import { wasmZooSuite } from './wasm-suite.js';

const LAYOUT_BUG = 'O2 select-layout gives conv/max_pool/batch_normalization nhwc/ohwi layouts that the wasm kernels ignore';

describe('zoo on wasm: CNNs', () => {
  wasmZooSuite(['resnet', 'mobilenet', 'unet_static', 'tcn_static', 'yolo', 'style_transfer', 'vit', 'mlp_mixer', 'multi_input'], ['unet', 'tcn'],
    { convnext: LAYOUT_BUG, swin: LAYOUT_BUG, keras_cnn: LAYOUT_BUG, shufflenet: LAYOUT_BUG });

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
