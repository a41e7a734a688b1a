// Zoo models for the ms-attention family (see test/zoo/README.md): transformers as onnxruntime's
// transformer optimizer writes them, with its attention contrib ops (domain com.microsoft).

import { Graph, geluErf, layerNorm, linear, unsqueeze, type ZooInput } from './graph.js';
import { f32, finish, nameLast, type ZooModel } from './models-common.js';

/**
 * A 2-layer BERT encoder after onnxruntime's optimizer (`optimize_model(model_type='bert')`): the
 * i64 inputs Cast to int32, EmbedLayerNormalization (word + position + segment embeddings and
 * LayerNorm, the attention mask turned into key lengths `mask_index`), then per layer one fused
 * Attention node (packed QKV weights [d, 3d] + bias): layer 0 reads the 1-D mask_index, layer 1
 * the raw 2-D int32 mask; the rest in standard ops (dense MatMul + Add, residual, LayerNormalization
 * opset 17, Erf GELU).
 */
function bertOrtAttention(): ZooModel {
  const g = new Graph(61);
  const V = 40, D = 24, HEADS = 3, FF = 48, MAXPOS = 40;
  const i32 = (x: string): string => g.op('Cast', [x], { to: 6 });
  const [ids, seg, mask] = [i32('input_ids'), i32('token_type_ids'), i32('attention_mask')];
  const [emb, maskIndex] = g.in('embeddings', () => g.opN('com.microsoft:EmbedLayerNormalization', [
    ids, seg, g.uniform('word_embeddings', [V, D], -1, 1), g.uniform('position_embeddings', [MAXPOS, D], -1, 1),
    g.uniform('token_type_embeddings', [2, D], -1, 1), g.uniform('LayerNorm.weight', [D], 0.5, 1.5), g.uniform('LayerNorm.bias', [D], -0.1, 0.1), mask,
  ], 2, { epsilon: { float: 1e-12 } })) as [string, string];
  let h = emb;
  for (let l = 0; l < 2; l++) {
    h = g.in(`encoder.layer.${l}`, () => {
      const att = g.in('attention.self', () => g.op('com.microsoft:Attention', [
        h, g.weight('qkv.weight', [D, 3 * D], D), g.uniform('qkv.bias', [3 * D], -0.1, 0.1), l === 0 ? maskIndex : mask,
      ], { num_heads: HEADS }));
      const a = g.in('attention.output', () => layerNorm(g, g.op('Add', [linear(g, att, D, D), h]), D));
      const ff = g.in('intermediate', () => geluErf(g, linear(g, a, D, FF)));
      return g.in('output', () => layerNorm(g, g.op('Add', [linear(g, ff, FF, D), a]), D));
    });
  }
  g.op('Identity', [h]);
  nameLast(g, 'last_hidden_state');
  const input = (name: string, extra: Partial<ZooInput>): ZooInput => ({ name, dtype: 'i64', shape: ['batch', 'sequence'], ...extra });
  return finish(g, 'bert_ort_attention', [input('input_ids', { vocab: V }), input('attention_mask', { mask: true }), input('token_type_ids', { vocab: 2 })],
    [f32('last_hidden_state', ['batch', 'sequence', D])], [{ batch: 1, sequence: 5 }, { batch: 3, sequence: 17 }, { batch: 2, sequence: 32 }], 17, { 'com.microsoft': 1 });
}

/** T5's LayerNorm (RMS, no mean, no bias) in standard ops. */
function rmsNorm(g: Graph, x: string, d: number): string {
  const ms = g.op('ReduceMean', [g.op('Pow', [x, g.f32s(2)]), g.i64([-1])], { keepdims: 1 });
  const inv = g.op('Reciprocal', [g.op('Sqrt', [g.op('Add', [ms, g.f32s(1e-6)])])]);
  return g.op('Mul', [g.op('Mul', [x, inv]), g.uniform('weight', [d], 0.5, 1.5)]);
}

/**
 * A T5 decoder block with MultiHeadAttention (as onnxruntime's T5 fusion writes it): causal self
 * attention (unidirectional) with a relative-position bias [1, H, S, S] as attention_bias (a
 * clipped j - i looked up in a learned [2K + 1, H] table, T5's buckets simplified) and no scaling
 * (scale = 1, T5's convention); cross attention over the encoder output with the encoder's padding
 * mask as key_padding_mask and the projections' biases as the packed bias input; a ReLU FFN;
 * RMS norms before each part, residuals after. Encoder and decoder lengths are separate symbols.
 */
function t5Mha(): ZooModel {
  const g = new Graph(62);
  const D = 16, HEADS = 2, FF = 32, K = 4;
  const mm = (x: string, din: number, dout: number, name: string): string => g.op('MatMul', [x, g.weight(name, [din, dout], din)]);
  // Relative positions j - i for the decoder's length, clipped to [-K, K], as table rows.
  const seq = g.op('Gather', [g.op('Shape', ['decoder_hidden']), g.i64s(1)], { axis: 0 });
  const range = g.op('Range', [g.i64s(0), seq, g.i64s(1)]);
  const rel = g.op('Sub', [unsqueeze(g, range, [0]), unsqueeze(g, range, [1])]);
  const bucket = g.op('Add', [g.op('Clip', [rel, g.constant('i64', [], [-K]), g.constant('i64', [], [K])]), g.i64s(K)]);
  const posBias = g.in('relative_attention_bias', () =>
    unsqueeze(g, g.op('Transpose', [g.op('Gather', [g.uniform('weight', [2 * K + 1, HEADS], -1, 1), bucket], { axis: 0 })], { perm: [2, 0, 1] }), [0]));
  let h = 'decoder_hidden';
  const self = g.in('layer.0', () => {
    const x = g.in('layer_norm', () => rmsNorm(g, h, D));
    const att = g.in('SelfAttention', () => g.op('com.microsoft:MultiHeadAttention', [
      mm(x, D, D, 'q'), mm(x, D, D, 'k'), mm(x, D, D, 'v'), '', '', posBias,
    ], { num_heads: HEADS, unidirectional: 1, scale: { float: 1 } }));
    return g.op('Add', [h, g.in('SelfAttention', () => mm(att, D, D, 'o'))]);
  });
  h = self;
  const cross = g.in('layer.1', () => {
    const x = g.in('layer_norm', () => rmsNorm(g, h, D));
    const q = g.in('EncDecAttention', () => mm(x, D, D, 'q'));
    const k = g.in('EncDecAttention', () => mm('encoder_hidden', D, D, 'k'));
    const v = g.in('EncDecAttention', () => mm('encoder_hidden', D, D, 'v'));
    const att = g.in('EncDecAttention', () => g.op('com.microsoft:MultiHeadAttention', [
      q, k, v, g.uniform('qkv_bias', [3 * D], -0.1, 0.1), 'encoder_attention_mask',
    ], { num_heads: HEADS, scale: { float: 1 } }));
    return g.op('Add', [h, g.in('EncDecAttention', () => mm(att, D, D, 'o'))]);
  });
  h = cross;
  const ffn = g.in('layer.2', () => {
    const x = g.in('layer_norm', () => rmsNorm(g, h, D));
    return g.op('Add', [h, g.in('DenseReluDense', () => mm(g.op('Relu', [mm(x, D, FF, 'wi')]), FF, D, 'wo'))]);
  });
  g.op('Identity', [ffn]);
  nameLast(g, 'hidden_states');
  return finish(g, 't5_mha', [
    { name: 'decoder_hidden', dtype: 'f32', shape: ['batch', 'decoder_sequence', D] },
    { name: 'encoder_hidden', dtype: 'f32', shape: ['batch', 'encoder_sequence', D] },
    { name: 'encoder_attention_mask', dtype: 'i32', shape: ['batch', 'encoder_sequence'], mask: true },
  ], [f32('hidden_states', ['batch', 'decoder_sequence', D])],
  [{ batch: 1, decoder_sequence: 4, encoder_sequence: 6 }, { batch: 2, decoder_sequence: 9, encoder_sequence: 13 }, { batch: 3, decoder_sequence: 1, encoder_sequence: 20 }], 18, { 'com.microsoft': 1 });
}

export const MS_ATTENTION_ZOO: Readonly<Record<string, () => ZooModel>> = {
  bert_ort_attention: bertOrtAttention,
  t5_mha: t5Mha,
};
