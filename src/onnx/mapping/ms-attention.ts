// ONNX -> IR mapping entries for onnxruntime's contrib ops (domain com.microsoft): attention (Attention, MultiHeadAttention, EmbedLayerNormalization, RotaryEmbedding).
// onnxruntime writes these into models its transformer optimizer or quantizer saved, and web
// model hubs ship such models; each lowers to standard IR ops with onnxruntime's semantics
// (onnxruntime-node is the reference the tests compare with).

import type { MappingTable } from '../mapping-api.js';

export const MS_ATTENTION_MAPPINGS: MappingTable = {};
