// ONNX -> IR mapping entries for the attention op family. The IR ops follow the newest opsets;
// older signatures only lack trailing optional inputs, so the same direct lowering serves them.
import type { MappingTable } from '../mapping-api.js';
import { direct, since } from './helpers.js';

export const ATTENTION_MAPPINGS: MappingTable = {
  // 24 adds the nonpad_kv_seqlen input and moves softcap before the mask.
  Attention: [since(23, direct('attention')), since(24, direct('attention'))],
  RotaryEmbedding: [since(23, direct('rotary_embedding'))],
  // chunk_size is a tiling hint with no effect on results; kept as an attribute.
  LinearAttention: [since(27, direct('linear_attention'))],
  CausalConvWithState: [since(27, direct('causal_conv_with_state'))],
};
