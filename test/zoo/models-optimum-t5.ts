// Zoo models for the optimum family: T5's merged decoder (decoder_model_merged.onnx) with the
// relative position bias computed over past + new keys and the encoder's padding mask.

import { tensorFrom } from '../../ir/tensor.js';
import type { ValueSpec } from '../../src/onnx/writer.js';
import { dimOf, Graph, reshapeDyn, unsqueeze } from './graph.js';
import { f32, finish, INT64_MAX, type ZooModel } from './models-common.js';
import { branch, mergedIf, seq2seqCache, USE_CACHE, type BranchOutput } from './optimum-common.js';

const T5 = { V: 32, D: 16, H: 2, DH: 8, FF: 32, BUCKETS: 8, MAX_DISTANCE: 20, LAYERS: 2 };

interface T5Weights {
  shared: string; relBias: string; lnf: string;
  layers: { ln1: string; q: string; k: string; v: string; o: string; ln2: string; cq: string; ck: string; cv: string; co: string; ln3: string; wi: string; wo: string }[];
}

/** T5LayerNorm: x * rsqrt(mean(x^2) + eps) * weight, as exported (Pow, ReduceMean, Add, Sqrt, Div). */
function t5Norm(g: Graph, x: string, w: string): string {
  const v = g.op('ReduceMean', [g.op('Pow', [x, g.f32s(2)])], { axes: [-1], keepdims: 1 });
  return g.op('Mul', [w, g.op('Div', [x, g.op('Sqrt', [g.op('Add', [v, g.f32s(1e-6)])])])]);
}

/**
 * T5's decoder relative position bias (bidirectional = False) for keys [0, k_len) and queries
 * [0, k_len), as transformers computes it with a cache and exports it: relative positions from two
 * Ranges, -min(rel, 0), the log-spaced buckets (Log of a Div, Cast to int64, Min with
 * buckets - 1; Log(0) = -inf is cast too and then dropped by the Where), Gather from the
 * [buckets, H] table, Transpose to (1, H, q, k), then the last `seq` query rows Slice-d off
 * (`position_bias[:, :, -seq:, :]`), plus the causal mask as (1 - tril) * finfo.min.
 */
function t5PositionBias(g: Graph, w: T5Weights, kLen: string, seq: string): string {
  const { BUCKETS, MAX_DISTANCE } = T5;
  const exact = BUCKETS / 2;
  const r = g.op('Range', [g.i64s(0), g.op('Squeeze', [kLen, g.i64([0])]), g.i64s(1)]);
  const rel = g.op('Sub', [unsqueeze(g, r, [0]), unsqueeze(g, r, [1])]);
  const neg = g.op('Neg', [g.op('Min', [rel, g.op('ConstantOfShape', [g.op('Shape', [rel])], { value: tensorFrom('i64', [1], [0n]) })])]);
  const small = g.op('Less', [neg, g.constant('i64', [], [exact])]);
  const logv = g.op('Div', [g.op('Log', [g.op('Div', [g.op('Cast', [neg], { to: 1 }), g.f32s(exact)])]), g.f32s(Math.log(MAX_DISTANCE / exact))]);
  let large = g.op('Add', [g.constant('i64', [], [exact]), g.op('Cast', [g.op('Mul', [logv, g.f32s(BUCKETS - exact)])], { to: 7 })]);
  large = g.op('Min', [large, g.op('ConstantOfShape', [g.op('Shape', [large])], { value: tensorFrom('i64', [1], [BigInt(BUCKETS - 1)]) })]);
  const buckets = g.op('Where', [small, neg, large]);
  const values = g.op('Unsqueeze', [g.op('Transpose', [g.op('Gather', [w.relBias, buckets], { axis: 0 })], { perm: [2, 0, 1] }), g.i64([0])]);
  const rows = g.op('Slice', [values, g.op('Neg', [seq]), g.constant('i64', [1], [INT64_MAX]), g.i64([2])]);
  // Causal: key j visible from query i (of k_len) when j <= i.
  const tril = g.op('LessOrEqual', [unsqueeze(g, r, [0]), unsqueeze(g, r, [1])]);
  const causal = g.op('Slice', [tril, g.op('Neg', [seq]), g.constant('i64', [1], [INT64_MAX]), g.i64([0])]);
  const maskBias = g.op('Mul', [g.op('Sub', [g.f32s(1), g.op('Cast', [causal], { to: 1 })]), g.f32s(-3.4028234663852886e38)]);
  return g.op('Add', [rows, maskBias]);
}

/** T5Attention: no scaling, no biases; `bias` added to the scores; heads from Shape. */
function t5Attention(g: Graph, x: string, q: string, key: string, value: string, o: string, bias: string): string {
  const { D } = T5;
  const b = dimOf(g, x, 0), s = dimOf(g, x, 1);
  const scores = g.op('Add', [g.op('MatMul', [t5Heads(g, g.op('MatMul', [x, q])), g.op('Transpose', [key], { perm: [0, 1, 3, 2] })]), bias]);
  const ctx = g.op('MatMul', [g.op('Softmax', [scores], { axis: -1 }), value]);
  return g.op('MatMul', [reshapeDyn(g, g.op('Transpose', [ctx], { perm: [0, 2, 1, 3] }), [b, s, D]), o]);
}
const t5Heads = (g: Graph, t: string): string => g.op('Transpose', [reshapeDyn(g, t, [dimOf(g, t, 0), -1, T5.H, T5.DH])], { perm: [0, 2, 1, 3] });

/**
 * T5's decoder as optimum exports T5ForConditionalGeneration's (opset 15): shared embedding,
 * relative position bias computed in layer 0 over past + seq keys and sliced to the new queries,
 * the encoder's padding mask (encoder_attention_mask) as (1 - m) * finfo.min on the cross
 * scores, RMS norms, a ReLU FFN, the tied LM head scaled by d^-0.5. withPast: self keys/values
 * Concat-ed after the cache, cross keys/values the passed-in encoder cache.
 */
function t5Decoder(g: Graph, w: T5Weights, withPast: boolean): BranchOutput[] {
  const { V, H, DH, D } = T5;
  const tag = g.scope.split('/')[1]!;
  const seq = dimOf(g, 'input_ids', 1);
  const kLen = withPast ? g.op('Add', [dimOf(g, 'past_key_values.0.decoder.key', 2), seq]) : seq;
  let h = g.op('Gather', [w.shared, 'input_ids'], { axis: 0 });
  const selfBias = t5PositionBias(g, w, kLen, seq);
  const encBias = g.op('Mul', [g.op('Sub', [g.f32s(1), g.op('Cast', [unsqueeze(g, 'encoder_attention_mask', [1, 2])], { to: 1 })]), g.f32s(-3.4028234663852886e38)]);
  const selfLen = withPast ? 'past_decoder_sequence_length + decoder_sequence_length' : 'decoder_sequence_length';
  const encLen = withPast ? 'encoder_sequence_length_out' : 'encoder_sequence_length';
  const presents: BranchOutput[] = [];
  w.layers.forEach((lw, l) => {
    h = g.in(`block.${l}`, () => {
      const x1 = t5Norm(g, h, lw.ln1);
      let key = t5Heads(g, g.op('MatMul', [x1, lw.k])), value = t5Heads(g, g.op('MatMul', [x1, lw.v]));
      if (withPast) {
        key = g.op('Concat', [`past_key_values.${l}.decoder.key`, key], { axis: 2 });
        value = g.op('Concat', [`past_key_values.${l}.decoder.value`, value], { axis: 2 });
      }
      const r1 = g.op('Add', [h, t5Attention(g, x1, lw.q, key, value, lw.o, selfBias)]);
      const x2 = t5Norm(g, r1, lw.ln2);
      const ck = withPast ? `past_key_values.${l}.encoder.key` : t5Heads(g, g.op('MatMul', ['encoder_hidden_states', lw.ck]));
      const cv = withPast ? `past_key_values.${l}.encoder.value` : t5Heads(g, g.op('MatMul', ['encoder_hidden_states', lw.cv]));
      const r2 = g.op('Add', [r1, t5Attention(g, x2, lw.cq, ck, cv, lw.co, encBias)]);
      const ff = g.op('MatMul', [g.op('Relu', [g.op('MatMul', [t5Norm(g, r2, lw.ln3), lw.wi])]), lw.wo]);
      const spec = (len: string): ValueSpec => f32('', ['batch_size', H, len, DH]);
      presents.push({ name: `${tag}_present.${l}.decoder.key`, value: key, spec: spec(selfLen) }, { name: `${tag}_present.${l}.decoder.value`, value, spec: spec(selfLen) });
      presents.push({ name: `${tag}_present.${l}.encoder.key`, value: ck, spec: spec(encLen) }, { name: `${tag}_present.${l}.encoder.value`, value: cv, spec: spec(encLen) });
      return g.op('Add', [r2, ff]);
    });
  });
  const out = g.op('Mul', [t5Norm(g, h, w.lnf), g.f32s(D ** -0.5)]);
  const logits = g.op('MatMul', [out, g.op('Transpose', [w.shared], { perm: [1, 0] })]);
  return [{ name: `${tag}_logits`, value: logits, spec: f32('', ['batch_size', 'decoder_sequence_length', V]) }, ...presents];
}

/** Seed 61: optimum's merged T5 decoder (decoder_model_merged.onnx), opset 15. */
export function t5DecoderMerged(): ZooModel {
  const { V, D, H, DH, FF, BUCKETS, LAYERS } = T5;
  const g = new Graph(61);
  const gain = (name: string): string => g.uniform(name, [D], 0.5, 1.5);
  const w: T5Weights = {
    shared: g.uniform('shared.weight', [V, D], -1, 1),
    relBias: g.uniform('decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight', [BUCKETS, H], -1, 1),
    layers: Array.from({ length: LAYERS }, (_, l) => g.in(`decoder.block.${l}`, () => ({
      ln1: gain('layer.0.layer_norm.weight'), q: g.weight('layer.0.SelfAttention.q.weight', [D, D], D), k: g.weight('layer.0.SelfAttention.k.weight', [D, D], D),
      v: g.weight('layer.0.SelfAttention.v.weight', [D, D], D), o: g.weight('layer.0.SelfAttention.o.weight', [D, D], D),
      ln2: gain('layer.1.layer_norm.weight'), cq: g.weight('layer.1.EncDecAttention.q.weight', [D, D], D), ck: g.weight('layer.1.EncDecAttention.k.weight', [D, D], D),
      cv: g.weight('layer.1.EncDecAttention.v.weight', [D, D], D), co: g.weight('layer.1.EncDecAttention.o.weight', [D, D], D),
      ln3: gain('layer.2.layer_norm.weight'), wi: g.weight('layer.2.DenseReluDense.wi.weight', [D, FF], D), wo: g.weight('layer.2.DenseReluDense.wo.weight', [FF, D], FF),
    }))),
    lnf: gain('decoder.final_layer_norm.weight'),
  };
  const then = branch(62, '/then', (bg) => t5Decoder(bg, w, true));
  const els = branch(63, '/else', (bg) => t5Decoder(bg, w, false));
  const { outNames, pastInputs, presents } = seq2seqCache(LAYERS, H, DH);
  mergedIf(g, outNames, then, els);
  return finish(g, 't5_decoder_merged', [
    { name: 'encoder_attention_mask', dtype: 'i64', shape: ['batch_size', 'encoder_sequence_length'], mask: true },
    { name: 'input_ids', dtype: 'i64', shape: ['batch_size', 'decoder_sequence_length'], vocab: V },
    { name: 'encoder_hidden_states', dtype: 'f32', shape: ['batch_size', 'encoder_sequence_length', D] },
    ...pastInputs, USE_CACHE,
  ], [f32('logits', ['batch_size', 'decoder_sequence_length', V]), ...presents],
  [
    { batch_size: 2, decoder_sequence_length: 3, encoder_sequence_length: 5, past_decoder_sequence_length: 0, encoder_sequence_length_out: 0, use_cache: 0 },
    // Past 21: distances reach the log-spaced buckets (>= 4) and the clipped last one (>= 20).
    { batch_size: 1, decoder_sequence_length: 1, encoder_sequence_length: 5, past_decoder_sequence_length: 21, encoder_sequence_length_out: 5, use_cache: 1 },
    { batch_size: 3, decoder_sequence_length: 2, encoder_sequence_length: 4, past_decoder_sequence_length: 6, encoder_sequence_length_out: 4, use_cache: 1 },
  ], 15);
}

