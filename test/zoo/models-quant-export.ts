// Zoo models for the quant family written by onnxruntime's quantization tools and
// onnxconverter-common (the quant-export helper's; spread into QUANT_ZOO in models-quant.ts):
// the zoo's float models rewritten by test/zoo/quant-rewrite.ts as those tools rewrite them.
// - bert_dynamic_quant: quantize_dynamic (transformers.js' model_quantized.onnx): every MatMul with
//   a constant weight -> DynamicQuantizeLinear / MatMulInteger / Cast / Mul; layer 0 u8 asymmetric
//   weights, layer 1 i8 symmetric, layer 1's FFN input projection per column (u8, 1-D zero point).
//   Gather embeddings and the pooler's Gemm stay float.
// - resnet_qdq: quantize_static in QDQ format: BN folded, int8 per-channel weights, int32 biases,
//   u8 activations MinMax-calibrated on seeded inputs.
// - bert_fp16 / vit_fp16: convert_float_to_float16(keep_io_types = False): f16 weights,
//   activations and outputs, int64 ids.

import type { Tolerance } from '../../src/check/compare.js';
import { Graph, linear, makeInputs } from './graph.js';
import { f32, finish, nameLast, type ZooModel } from './models-common.js';
import { bert } from './models-text.js';
import { resnet, vit } from './models-vision.js';
import { decodeSpec, encodeSpec, floatValues, quantizeDynamic, quantizeQdq, toFloat16, type WeightQuant } from './quant-rewrite.js';

function bertDynamicQuant(): ZooModel {
  const m = bert();
  const scheme = (w: string): WeightQuant => (w.includes('layer.1.intermediate') ? 'u8-per-column' : w.includes('layer.1.') ? 'i8' : 'u8');
  return { ...m, name: 'bert_dynamic_quant', bytes: encodeSpec(quantizeDynamic(decodeSpec(m.bytes), scheme)) };
}

/**
 * Three nn.Linear layers on one input, dynamically quantized as u8, i8 and u8 per column (K = 36
 * and N = 21: not multiples of the 8-wide dot products), the u8 one feeding a fourth (a DQL of a
 * computed value). Every value a DynamicQuantizeLinear reads is computed identically everywhere,
 * so the result is exactly reproducible: integer products, the same f32 scale products.
 */
function linearDynamicQuant(): ZooModel {
  const g = new Graph(12);
  const D = 36, N = 21;
  const a = g.in('u8', () => linear(g, 'x', D, N));
  g.in('i8', () => linear(g, 'x', D, N));
  nameLast(g, 'y_i8');
  g.in('col', () => linear(g, 'x', D, N));
  nameLast(g, 'y_col');
  g.in('u8_2', () => linear(g, a, N, 5));
  nameLast(g, 'y_u8');
  const m = finish(g, 'linear_dynamic_quant', [{ name: 'x', dtype: 'f32', shape: ['batch', 'sequence', D] }],
    [f32('y_i8', ['batch', 'sequence', N]), f32('y_col', ['batch', 'sequence', N]), f32('y_u8', ['batch', 'sequence', 5])],
    [{ batch: 1, sequence: 1 }, { batch: 2, sequence: 7 }, { batch: 3, sequence: 13 }], 17);
  const scheme = (w: string): WeightQuant => (w.startsWith('i8.') ? 'i8' : w.startsWith('col.') ? 'u8-per-column' : 'u8');
  return { ...m, bytes: encodeSpec(quantizeDynamic(decodeSpec(m.bytes), scheme)) };
}

function resnetQdq(): ZooModel {
  const m = resnet();
  // Calibration data: 8 seeded images, as a calibration data reader would feed.
  const [calib] = makeInputs(m.inputs, { batch: 8 }, 77);
  return { ...m, name: 'resnet_qdq', bytes: encodeSpec(quantizeQdq(decodeSpec(m.bytes), [calib!])) };
}

/** `fixed`: the symbolic dims given these sizes (static-shape twins: the f16 kernels' fixed-size paths). */
function toFp16(m: ZooModel, name: string, fixed?: Readonly<Record<string, number>>): ZooModel {
  const s = decodeSpec(m.bytes);
  const f16 = toFloat16(s, floatValues(s));
  const dims = <T extends { shape?: readonly (number | string)[] | null }>(v: T): T => (fixed && v.shape ? { ...v, shape: v.shape.map((d) => (typeof d === 'string' ? fixed[d] ?? d : d)) } : v);
  const spec = { ...f16, inputs: f16.inputs.map(dims), outputs: f16.outputs.map(dims) };
  return {
    ...m, name, bytes: encodeSpec(spec),
    inputs: m.inputs.map((i) => dims(i.dtype === 'f32' ? { ...i, dtype: 'f16' as const } : i)),
    outputs: spec.outputs,
    bindings: fixed ? [{}] : m.bindings,
  };
}

/** Models that match onnxruntime exactly (within the zoo's TOLERANCE on every backend). */
export const QUANT_EXPORT_ZOO: Readonly<Record<string, () => ZooModel>> = {
  linear_dynamic_quant: linearDynamicQuant,
  resnet_qdq: resnetQdq,
};

/**
 * Models that need a wider tolerance than the zoo's (so they are not in ZOO, whose tests use one
 * TOLERANCE for all): run by zoo-quant-export.test.ts with these.
 * - bert_dynamic_quant: DynamicQuantizeLinear picks one scale per tensor from its min and max, so
 *   a last-bit difference in a float activation (summation order) can move the scale one ulp and
 *   round one element to the other side of .5 (seen: x/scale = 52.4999987 in onnxruntime,
 *   52.5000026 on wasm); that element's token changes the next tensor's range, which re-rounds
 *   the whole batch: up to ~1 quantum per element downstream, 0.068 after LayerNorm at worst.
 *   atol 0.15 is twice that; a wrong zero point, scale or column is off by O(1).
 * - bert_fp16 / vit_fp16: tenth rounds every op's result to f16 (ONNX's float16 semantics), while
 *   onnxruntime's CPU f16 kernels keep f32 inside an op (MatMul, LayerNormalization, Softmax), so
 *   outputs differ by a few f16 ulps (2^-10 relative; 0.0039 at 4) after ~40 ops: rtol and atol
 *   1e-2 (seen: 0.0098 at |x| ~ 3).
 */
export const QUANT_EXPORT_LOOSE: Readonly<Record<string, { build: () => ZooModel; tolerance: Tolerance }>> = {
  bert_dynamic_quant: { build: bertDynamicQuant, tolerance: { rtol: 0, atol: 0.15 } },
  bert_fp16: { build: () => toFp16(bert(), 'bert_fp16'), tolerance: { rtol: 1e-2, atol: 1e-2 } },
  vit_fp16: { build: () => toFp16(vit(), 'vit_fp16'), tolerance: { rtol: 1e-2, atol: 1e-2 } },
  bert_fp16_static: { build: () => toFp16(bert(), 'bert_fp16_static', { batch: 2, sequence: 9 }), tolerance: { rtol: 1e-2, atol: 1e-2 } },
  vit_fp16_static: { build: () => toFp16(vit(), 'vit_fp16_static', { batch: 2 }), tolerance: { rtol: 1e-2, atol: 1e-2 } },
};

