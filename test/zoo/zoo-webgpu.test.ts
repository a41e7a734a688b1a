// Zoo models through the WebGPU backend on Dawn + SwiftShader (the device test/backends/webgpu
// uses), compiled once and run at every binding, against onnxruntime's outputs.
// The other models must match onnxruntime too or be refused cleanly (E201/E205), never crash. At
// the time of writing none is left over.

import { describe, expect, it } from 'vitest';
import { diagnosticCodes, mismatch, referenceCases, runWebGpuCases } from './harness.js';
import { ZOO } from './models.js';
import { webgpuZooSuite, zooGpu } from './webgpu-suite.js';

const PASSING = [
  'resnet', 'mobilenet', 'unet_static', 'yolo', 'style_transfer', 'shufflenet', 'convnext', 'keras_cnn', 'multi_input', 'tcn',
  'tcn_static', 'vit', 'swin', 'mlp_mixer', 'bert', 'distilbert', 'gpt2', 'gpt2_past', 'llama', 'sentence_pool', 'bert_slice',
  'bert_odd', 'gpt2_odd', 'lstm_lm', 'bilstm_packed', 'gru_tagger', 'unet',
];

describe('zoo on webgpu (SwiftShader)', () => {
  webgpuZooSuite(PASSING);

  it('every other zoo model matches onnxruntime or is refused with a diagnostic', async () => {
    for (const name of Object.keys(ZOO).filter((n) => !PASSING.includes(n))) {
      const m = ZOO[name]!();
      const cases = await referenceCases(m);
      let got;
      try {
        got = await runWebGpuCases(m, cases, await zooGpu());
      } catch (e) {
        expect(diagnosticCodes(e), `${name}: ${String(e)}`).not.toBeNull();
        continue;
      }
      cases.forEach((c, k) => expect(mismatch(m, got[k]!, c.want), `${name} at ${c.label}`).toBeNull());
    }
  });
});
