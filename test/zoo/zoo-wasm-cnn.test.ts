// Zoo CNNs (and the conv-fronted ViT / MLP-Mixer) through the WASM backend against onnxruntime.
// unet and tcn with symbolic spatial dims are refused today (E205): the conv/pool shape rule
// (ir/ops/nn-common.ts windowDimSym) gives '?' for a symbolic spatial size instead of an
// expression, so no CNN over a dynamic height/width/time compiles (repro .tmp/zoo/conv-symbolic.onnx).
// Their static-spatial twins (unet_static, tcn_static) cover the same ops meanwhile.

import { describe } from 'vitest';
import { wasmZooSuite } from './wasm-suite.js';

describe('zoo on wasm: CNNs', () => {
  wasmZooSuite(['resnet', 'mobilenet', 'unet_static', 'tcn_static', 'yolo', 'style_transfer', 'vit', 'mlp_mixer', 'multi_input'], ['unet', 'tcn']);
});
