// Zoo recurrent models and transformers with dynamic batch and sequence length through the WASM
// backend against onnxruntime: one compiled module serves every binding.

import { describe } from 'vitest';
import { wasmZooSuite } from './wasm-suite.js';

describe('zoo on wasm: sequence models', () => {
  wasmZooSuite(['lstm_lm', 'bilstm_packed', 'gru_tagger', 'bert', 'bert_odd', 'bert_slice', 'distilbert', 'gpt2', 'gpt2_odd', 'gpt2_past', 'llama', 'sentence_pool']);
});
