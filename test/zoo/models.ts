// The model zoo: small models with the architectures (and the node patterns torch.onnx.export
// writes, opset 13-18) of real CNNs, recurrent nets and transformers, with seeded random weights.
// Each is a few hundred KiB at most and runs in milliseconds. test/zoo/README.md says which real
// architecture each mirrors. Every model has symbolic dims and 2-3 bindings to run at. The
// builders live in models-vision.ts and models-text.ts; ZOO names them all.

import type { ZooModel } from './models-common.js';
import {
  convnext, kerasCnn, mlpMixer, mobilenet, multiInput, resnet, shufflenet, styleTransfer, swin, tcn, unet, vit, yolo,
} from './models-vision.js';
import { LEGACY_ZOO } from './models-legacy.js';
import { OPTIMUM_ZOO } from './models-optimum.js';
import { TF2ONNX_ZOO } from './models-tf2onnx.js';
import { MS_ATTENTION_ZOO } from './models-ms-attention.js';
import { MS_FUSED_ZOO } from './models-ms-fused.js';
import { MS_LLM_ZOO } from './models-ms-llm.js';
import { QUANT_ZOO } from './models-quant.js';
import { bert, bilstmPacked, distilbert, gpt2, gpt2Past, gruTagger, llama, lstmLm, sentencePool } from './models-text.js';

export type { ZooModel } from './models-common.js';
export * from './models-vision.js';
export * from './models-text.js';

export const ZOO: Readonly<Record<string, () => ZooModel>> = {
  // Vision.
  resnet, mobilenet, unet, unet_static: () => unet(false), yolo, style_transfer: styleTransfer, shufflenet, convnext,
  keras_cnn: kerasCnn, multi_input: multiInput, tcn, tcn_static: () => tcn(false), vit, swin, mlp_mixer: mlpMixer,
  // Recurrent.
  lstm_lm: lstmLm, bilstm_packed: bilstmPacked, gru_tagger: gruTagger,
  // Transformers.
  bert, distilbert, gpt2, gpt2_past: gpt2Past, llama, sentence_pool: sentencePool,
  bert_slice: () => bert({ name: 'bert_slice', d: 32, heads: 4, vocab: 50, maxPos: 40, positions: 'slice', bindings: [{ batch: 2, sequence: 9 }, { batch: 1, sequence: 33 }] }),
  // Odd widths (head size 10 or 7, vocab 37) and longer sequences: the GEMM and attention kernels' edge paths.
  bert_odd: () => bert({ name: 'bert_odd', d: 30, heads: 3, vocab: 37, maxPos: 160, bindings: [{ batch: 2, sequence: 71 }, { batch: 1, sequence: 130 }, { batch: 3, sequence: 3 }] }),
  gpt2_odd: () => gpt2({ name: 'gpt2_odd', d: 21, heads: 3, vocab: 37, maxPos: 160, bindings: [{ batch: 1, sequence: 129 }, { batch: 2, sequence: 13 }] }),
  // onnxruntime's contrib ops (com.microsoft) as its transformer optimizer and quantizer write them,
  // and quantized / half-precision exports (each family's test file runs them on wasm and webgpu).
  ...MS_FUSED_ZOO, ...MS_ATTENTION_ZOO, ...MS_LLM_ZOO, ...QUANT_ZOO,
  // The ONNX model zoo's classic exports at opsets 7-12 and tf2onnx's detection exports.
  ...LEGACY_ZOO, ...TF2ONNX_ZOO,
  // Hugging Face optimum's exports (merged decoders with an If on use_cache_branch, encoder-decoders).
  ...OPTIMUM_ZOO,
};
