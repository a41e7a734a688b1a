// The zoo models with onnxruntime's contrib ops (models-ms-fused.ts: bert_ort_fused;
// models-ms-attention.ts: bert_ort_attention, t5_mha; models-ms-llm.ts: phi3_q4, qwen_q4, with an
// empty past and a single token after a past among the bindings) through the WASM backend
// (compiled once, every binding, `tenth run --check` on the folder) and the WebGPU backend on Dawn
// + SwiftShader, against onnxruntime-node. zoo-interp.test.ts covers the interpreter (and O2).

import { describe } from 'vitest';
import { MS_ATTENTION_ZOO } from './models-ms-attention.js';
import { MS_FUSED_ZOO } from './models-ms-fused.js';
import { MS_LLM_ZOO } from './models-ms-llm.js';
import { wasmZooSuite } from './wasm-suite.js';
import { webgpuZooSuite } from './webgpu-suite.js';

const NAMES = [...Object.keys(MS_FUSED_ZOO), ...Object.keys(MS_ATTENTION_ZOO), ...Object.keys(MS_LLM_ZOO)];

describe('contrib-op zoo on wasm', () => {
  wasmZooSuite(NAMES);
});

describe('contrib-op zoo on webgpu (SwiftShader)', () => {
  webgpuZooSuite(NAMES);
});
