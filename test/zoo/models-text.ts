// Zoo models, sequences: recurrent nets (LSTM LM, BiGRU tagger, packed BiLSTM) and transformers
// (BERT, DistilBERT, GPT-2 with and without past, Llama, a sentence-embedding head).

import { tensorFrom } from '../../ir/tensor.js';
import { dimOf, gemm, geluErf, geluTanh, Graph, layerNorm, layerNormDecomposed, linear, reshapeDyn, selfAttention, unsqueeze, type ZooInput } from './graph.js';
import { f32, finish, INT64_MAX, nameLast, tensorOne, type ZooModel } from './models-common.js';

/**
 * BERT encoder as transformers exports BertModel with dynamic batch/sequence axes: word +
 * position (Range over the sequence length read from Shape) + token-type embeddings, an
 * attention mask turned into an additive bias (Unsqueeze, Cast, Sub from 1, Mul by -10000),
 * 2 layers of multi-head attention and an Erf-GELU feed-forward, one layer's norms in the
 * decomposed (opset < 17) form, the pooler (first token, Gemm, Tanh).
 */
export interface TransformerSize {
  readonly name: string; readonly d: number; readonly heads: number; readonly vocab: number; readonly maxPos: number; readonly bindings: Record<string, number>[];
  /** BERT position ids: Range(0, seq) (default), or Slice of the registered position_ids buffer up to seq (older transformers). */
  readonly positions?: 'range' | 'slice';
}

export function bert(size: TransformerSize = { name: 'bert', d: 32, heads: 4, vocab: 50, maxPos: 40, bindings: [{ batch: 1, sequence: 5 }, { batch: 3, sequence: 17 }, { batch: 2, sequence: 32 }] }): ZooModel {
  const g = new Graph(6);
  const V = size.vocab, D = size.d, HEADS = size.heads, FF = 2 * size.d, MAXPOS = size.maxPos;
  const word = g.op('Gather', [g.uniform('embeddings.word_embeddings.weight', [V, D], -1, 1), 'input_ids'], { axis: 0 });
  const seq = g.op('Gather', [g.op('Shape', ['input_ids']), g.i64s(1)], { axis: 0 });
  const posIds = size.positions === 'slice'
    ? g.op('Slice', [g.constant('i64', [1, MAXPOS], Array.from({ length: MAXPOS }, (_, i) => i)), g.i64([0]), unsqueeze(g, seq, [0]), g.i64([1]), g.i64([1])])
    : unsqueeze(g, g.op('Range', [g.i64s(0), seq, g.i64s(1)]), [0]);
  const pos = g.op('Gather', [g.uniform('embeddings.position_embeddings.weight', [MAXPOS, D], -1, 1), posIds], { axis: 0 });
  const typ = g.op('Gather', [g.uniform('embeddings.token_type_embeddings.weight', [2, D], -1, 1), 'token_type_ids'], { axis: 0 });
  let h = g.in('embeddings', () => layerNorm(g, g.op('Add', [g.op('Add', [word, typ]), pos]), D));
  const ext = g.op('Cast', [unsqueeze(g, 'attention_mask', [1, 2])], { to: 1 });
  const maskBias = g.op('Mul', [g.op('Sub', [g.f32s(1), ext]), g.f32s(-10000)]);
  for (let l = 0; l < 2; l++) {
    h = g.in(`encoder.layer.${l}`, () => {
      const norm = (x: string): string => (l === 0 ? layerNormDecomposed(g, x, D, 13) : layerNorm(g, x, D));
      const att = g.in('attention', () => selfAttention(g, h, D, HEADS, (s) => g.op('Add', [s, maskBias])));
      const a = g.in('attention.output', () => norm(g.op('Add', [att, h])));
      const ff = g.in('intermediate', () => geluErf(g, linear(g, a, D, FF)));
      return g.in('output', () => norm(g.op('Add', [linear(g, ff, FF, D), a])));
    });
  }
  g.op('Identity', [h]);
  nameLast(g, 'last_hidden_state');
  const first = g.op('Gather', [h, g.i64s(0)], { axis: 1 });
  g.op('Tanh', [g.in('pooler.dense', () => gemm(g, first, D, D))]);
  nameLast(g, 'pooler_output');
  const ids = (name: string, extra: Partial<ZooInput>): ZooInput => ({ name, dtype: 'i64', shape: ['batch', 'sequence'], ...extra });
  return finish(g, size.name, [ids('input_ids', { vocab: V }), ids('attention_mask', { mask: true }), ids('token_type_ids', { vocab: 2 })],
    [f32('last_hidden_state', ['batch', 'sequence', D]), f32('pooler_output', ['batch', D])], size.bindings, 17);
}

/**
 * GPT-2 decoder as transformers exports GPT2LMHeadModel: token + position embeddings, 2 blocks of
 * pre-norm causal self-attention (fused c_attn split in three) and a gelu_new MLP, the final
 * LayerNorm and the tied LM head. Block 0 builds its causal mask from Range/Less/Where, block 1
 * from ConstantOfShape + Trilu (torch.tril), both sized by the sequence length read from Shape.
 */
export function gpt2(size: TransformerSize = { name: 'gpt2', d: 32, heads: 4, vocab: 48, maxPos: 40, bindings: [{ batch: 1, sequence: 5 }, { batch: 2, sequence: 17 }, { batch: 1, sequence: 32 }] }): ZooModel {
  const g = new Graph(7);
  const V = size.vocab, D = size.d, HEADS = size.heads, MAXPOS = size.maxPos;
  const wte = g.uniform('transformer.wte.weight', [V, D], -1, 1);
  const seq = g.op('Gather', [g.op('Shape', ['input_ids']), g.i64s(1)], { axis: 0 });
  const range = g.op('Range', [g.i64s(0), seq, g.i64s(1)]);
  const pos = g.op('Gather', [g.uniform('transformer.wpe.weight', [MAXPOS, D], -1, 1), unsqueeze(g, range, [0])], { axis: 0 });
  let h = g.op('Add', [g.op('Gather', [wte, 'input_ids'], { axis: 0 }), pos]);
  // Future positions: column index > row index.
  const future = g.op('Less', [unsqueeze(g, range, [1]), unsqueeze(g, range, [0])]);
  const seq1 = unsqueeze(g, seq, [0]);
  const ones = g.op('ConstantOfShape', [g.op('Concat', [seq1, seq1], { axis: 0 })], { value: tensorOne() });
  const allowed = g.op('Cast', [g.op('Trilu', [ones], { upper: 0 })], { to: 9 });
  const minus = g.f32s(-3.4028234663852886e38);
  const masks = [(s: string): string => g.op('Where', [future, minus, s]), (s: string): string => g.op('Where', [allowed, s, minus])];
  for (let l = 0; l < 2; l++) {
    h = g.in(`transformer.h.${l}`, () => {
      const a = g.in('attn', () => selfAttention(g, g.in('ln_1', () => layerNorm(g, h, D)), D, HEADS, masks[l]!, true));
      const r = g.op('Add', [h, a]);
      const m = g.in('mlp', () => linear(g, geluTanh(g, g.in('c_fc', () => linear(g, g.in('ln_2', () => layerNorm(g, r, D)), D, 4 * D))), 4 * D, D));
      return g.op('Add', [r, m]);
    });
  }
  const f = g.in('transformer.ln_f', () => layerNorm(g, h, D));
  g.op('MatMul', [f, g.op('Transpose', [wte], { perm: [1, 0] })]);
  nameLast(g, 'logits');
  return finish(g, size.name, [{ name: 'input_ids', dtype: 'i64', shape: ['batch', 'sequence'], vocab: V }],
    [f32('logits', ['batch', 'sequence', V])], size.bindings, 17);
}

/**
 * Word-level LSTM language model (PyTorch's word_language_model): Embedding as Gather, a 2-layer
 * nn.LSTM exported as one LSTM node per layer (gates reordered to ONNX's iofc, sequence_lens
 * absent, zero initial state built from the input's Shape), Squeeze of the direction axis, the
 * decoder as MatMul + Add. Tokens are (seq, batch).
 */
export function lstmLm(): ZooModel {
  const g = new Graph(4);
  const V = 40, E = 12, H = 16;
  const emb = g.in('encoder', () => g.op('Gather', [g.uniform('weight', [V, E], -1, 1), 'tokens'], { axis: 0 }));
  const batch = dimOf(g, 'tokens', 1);
  let x = emb;
  const hs: string[] = [];
  for (let l = 0; l < 2; l++) {
    const din = l === 0 ? E : H;
    [x] = g.in(`rnn.l${l}`, () => {
      const state = g.op('Expand', [g.constant('f32', [1, 1, 1], [0]), g.op('Concat', [g.i64([1]), batch, g.i64([H])], { axis: 0 })]);
      const w = g.weight('W', [1, 4 * H, din], H), r = g.weight('R', [1, 4 * H, H], H), b = g.uniform('B', [1, 8 * H], -0.2, 0.2);
      const [y, yh] = g.opN('LSTM', [x, w, r, b, '', state, state], 2, { hidden_size: H });
      hs.push(yh!);
      return [g.op('Squeeze', [y!, g.i64([1])])];
    });
  }
  g.in('decoder', () => linear(g, x, H, V));
  nameLast(g, 'logits');
  g.op('Concat', hs, { axis: 0 });
  nameLast(g, 'h_n');
  return finish(g, 'lstm_lm', [{ name: 'tokens', dtype: 'i64', shape: ['seq', 'batch'], vocab: V }],
    [f32('logits', ['seq', 'batch', V]), f32('h_n', [2, 'batch', H])],
    [{ seq: 5, batch: 1 }, { seq: 17, batch: 3 }, { seq: 1, batch: 2 }], 14);
}

/**
 * Bidirectional GRU tagger (batch_first): Embedding, Transpose to time-major, nn.GRU(bidirectional)
 * as one GRU node with linear_before_reset = 1 (as PyTorch exports it), directions merged by
 * Transpose + Reshape, a MatMul + Add tag head, LogSoftmax. A padding mask zeroes the padded steps.
 */
export function gruTagger(): ZooModel {
  const g = new Graph(5);
  const V = 30, E = 10, H = 8, T = 5;
  const emb = g.op('Gather', [g.uniform('embedding.weight', [V, E], -1, 1), 'tokens'], { axis: 0 });
  const x = g.op('Transpose', [emb], { perm: [1, 0, 2] });
  const w = g.weight('gru.W', [2, 3 * H, E], H), r = g.weight('gru.R', [2, 3 * H, H], H), b = g.uniform('gru.B', [2, 6 * H], -0.2, 0.2);
  const [y] = g.opN('GRU', [x, w, r, b], 2, { direction: 'bidirectional', hidden_size: H, linear_before_reset: 1 });
  const merged = g.op('Reshape', [g.op('Transpose', [y!], { perm: [2, 0, 1, 3] }), g.i64([0, 0, -1])]);
  const m = g.op('Unsqueeze', [g.op('Cast', ['mask'], { to: 1 }), g.i64([2])]);
  const feats = g.op('Mul', [merged, m]);
  const tags = g.in('hidden2tag', () => linear(g, feats, 2 * H, T));
  g.op('LogSoftmax', [tags], { axis: -1 });
  nameLast(g, 'tag_scores');
  return finish(g, 'gru_tagger',
    [{ name: 'tokens', dtype: 'i64', shape: ['batch', 'seq'], vocab: V }, { name: 'mask', dtype: 'i64', shape: ['batch', 'seq'], mask: true }],
    [f32('tag_scores', ['batch', 'seq', T])], [{ batch: 1, seq: 6 }, { batch: 3, seq: 11 }], 14);
}

/**
 * DistilBERT at opset 13 (older exporters): no LayerNormalization op (every norm decomposed),
 * the padding mask as a bool (Equal to 0), reshaped to (b, 1, 1, s), Expand-ed to the scores'
 * shape (read by Shape) and applied with Where(mask, finfo.min, scores); a T5-style RMSNorm
 * (Pow, ReduceMean, Add, Sqrt, Reciprocal, Mul) on the output.
 */
export function distilbert(): ZooModel {
  const g = new Graph(11);
  const V = 40, D = 24, HEADS = 2, FF = 48, MAXPOS = 40;
  const word = g.op('Gather', [g.uniform('embeddings.word_embeddings.weight', [V, D], -1, 1), 'input_ids'], { axis: 0 });
  const seq = g.op('Gather', [g.op('Shape', ['input_ids']), g.i64s(1)], { axis: 0 });
  const pos = g.op('Gather', [g.uniform('embeddings.position_embeddings.weight', [MAXPOS, D], -1, 1), g.op('Range', [g.i64s(0), seq, g.i64s(1)])], { axis: 0 });
  let h = g.in('embeddings.LayerNorm', () => layerNormDecomposed(g, g.op('Add', [word, pos]), D, 13));
  const b = dimOf(g, 'input_ids', 0), s = unsqueeze(g, seq, [0]);
  const padded = reshapeDyn(g, g.op('Equal', ['attention_mask', g.constant('i64', [], [0])]), [b, 1, 1, s]);
  for (let l = 0; l < 2; l++) {
    h = g.in(`transformer.layer.${l}`, () => {
      const att = g.in('attention', () => selfAttention(g, h, D, HEADS, (sc) => g.op('Where', [g.op('Expand', [padded, g.op('Shape', [sc])]), g.f32s(-3.4028234663852886e38), sc])));
      const a = g.in('sa_layer_norm', () => layerNormDecomposed(g, g.op('Add', [att, h]), D, 13));
      const ff = g.in('ffn', () => linear(g, geluErf(g, g.in('lin1', () => linear(g, a, D, FF))), FF, D));
      return g.in('output_layer_norm', () => layerNormDecomposed(g, g.op('Add', [ff, a]), D, 13));
    });
  }
  const ms = g.op('ReduceMean', [g.op('Pow', [h, g.f32s(2)])], { axes: [-1], keepdims: 1 });
  const rms = g.op('Reciprocal', [g.op('Sqrt', [g.op('Add', [ms, g.f32s(1e-6)])])]);
  g.op('Mul', [g.uniform('final_norm.weight', [D], 0.5, 1.5), g.op('Mul', [h, rms])]);
  nameLast(g, 'hidden_state');
  return finish(g, 'distilbert',
    [{ name: 'input_ids', dtype: 'i64', shape: ['batch', 'sequence'], vocab: V }, { name: 'attention_mask', dtype: 'i64', shape: ['batch', 'sequence'], mask: true }],
    [f32('hidden_state', ['batch', 'sequence', D])], [{ batch: 2, sequence: 7 }, { batch: 1, sequence: 19 }], 13);
}

/**
 * One GPT-2 block exported with past key/values (use_cache = True), as transformers' ONNX export
 * of a decoder step: attention_mask spans past + new tokens (dim "past_sequence + sequence"),
 * position ids from its CumSum (masked positions set to 1) sliced past the cache length, keys
 * and values Concat-ed after the past ones and returned as present_*, the causal mask Slice-d out
 * of a constant lower-triangular bool buffer at rows [k_len - q_len, k_len) (lengths from Shape).
 */
export function gpt2Past(): ZooModel {
  const g = new Graph(12);
  const V = 32, D = 16, HEADS = 2, DH = 8, MAXPOS = 48;
  const ids = 'input_ids', mask = 'attention_mask';
  const b = dimOf(g, ids, 0), s = dimOf(g, ids, 1);
  const pastLen = dimOf(g, 'past_key', 2);
  const cum = g.op('Sub', [g.op('CumSum', [mask, g.i64s(-1)]), g.constant('i64', [], [1])]);
  const posAll = g.op('Where', [g.op('Equal', [mask, g.constant('i64', [], [0])]), g.constant('i64', [], [1]), cum]);
  const posIds = g.op('Slice', [posAll, pastLen, g.constant('i64', [1], [INT64_MAX]), g.i64([1])]);
  const x = g.op('Add', [g.op('Gather', [g.uniform('wte', [V, D], -1, 1), ids], { axis: 0 }), g.op('Gather', [g.uniform('wpe', [MAXPOS, D], -1, 1), posIds], { axis: 0 })]);
  const ln = g.in('ln_1', () => layerNorm(g, x, D));
  const qkv = g.in('c_attn', () => linear(g, ln, D, 3 * D));
  const [q, k, v] = g.opN('Split', [qkv, g.i64([D, D, D])], 3, { axis: 2 }) as [string, string, string];
  const heads = (t: string): string => g.op('Transpose', [reshapeDyn(g, t, [b, s, HEADS, DH])], { perm: [0, 2, 1, 3] });
  const key = g.op('Concat', ['past_key', heads(k)], { axis: 2 });
  const value = g.op('Concat', ['past_value', heads(v)], { axis: 2 });
  const scores = g.op('Div', [g.op('MatMul', [heads(q), g.op('Transpose', [key], { perm: [0, 1, 3, 2] })]), g.f32s(Math.sqrt(DH))]);
  const kLen = dimOf(g, key, 2), qLen = dimOf(g, heads(q), 2);
  const tril = Array.from({ length: MAXPOS * MAXPOS }, (_, i) => (i % MAXPOS <= Math.floor(i / MAXPOS) ? 1 : 0));
  const bias = g.op('Constant', [], { value: tensorFrom('bool', [1, 1, MAXPOS, MAXPOS], tril) });
  const rows = g.op('Slice', [bias, g.op('Sub', [kLen, qLen]), kLen, g.i64([2]), g.i64([1])]);
  const causal = g.op('Slice', [rows, g.i64([0]), kLen, g.i64([3]), g.i64([1])]);
  const minVal = g.f32s(-3.4028234663852886e38);
  const masked = g.op('Where', [causal, scores, minVal]);
  const ext = g.op('Mul', [g.op('Sub', [g.f32s(1), g.op('Cast', [unsqueeze(g, mask, [1, 2])], { to: 1 })]), minVal]);
  const p = g.op('Softmax', [g.op('Add', [masked, ext])], { axis: -1 });
  const ctx = reshapeDyn(g, g.op('Transpose', [g.op('MatMul', [p, value])], { perm: [0, 2, 1, 3] }), [b, s, D]);
  const h = g.op('Add', [x, g.in('c_proj', () => linear(g, ctx, D, D))]);
  g.op('MatMul', [g.in('ln_f', () => layerNorm(g, h, D)), g.weight('lm_head', [D, V], D)]);
  nameLast(g, 'logits');
  g.op('Identity', [key]);
  nameLast(g, 'present_key');
  g.op('Identity', [value]);
  nameLast(g, 'present_value');
  const past: (string | number)[] = ['batch', HEADS, 'past_sequence', DH];
  const total = 'past_sequence + sequence';
  return finish(g, 'gpt2_past', [
    { name: ids, dtype: 'i64', shape: ['batch', 'sequence'], vocab: V },
    { name: mask, dtype: 'i64', shape: ['batch', total], mask: true },
    { name: 'past_key', dtype: 'f32', shape: past }, { name: 'past_value', dtype: 'f32', shape: past },
  ], [f32('logits', ['batch', 'sequence', V]), f32('present_key', ['batch', HEADS, total, DH]), f32('present_value', ['batch', HEADS, total, DH])],
  [{ batch: 1, sequence: 1, past_sequence: 6 }, { batch: 2, sequence: 5, past_sequence: 0 }, { batch: 3, sequence: 4, past_sequence: 11 }], 17);
}

/**
 * A packed bidirectional LSTM encoder (pack_padded_sequence): per-sequence lengths (Cast to int32)
 * as LSTM's sequence_lens, initial states from graph inputs, both directions' final states
 * returned, outputs past each length zero (as ONNX and PyTorch's pad_packed_sequence give).
 */
export function bilstmPacked(): ZooModel {
  const g = new Graph(14);
  const V = 25, E = 9, H = 7;
  const x = g.op('Gather', [g.uniform('embedding.weight', [V, E], -1, 1), 'tokens'], { axis: 0 });
  const lens = g.op('Cast', ['lengths'], { to: 6 });
  const w = g.weight('lstm.W', [2, 4 * H, E], H), r = g.weight('lstm.R', [2, 4 * H, H], H), b = g.uniform('lstm.B', [2, 8 * H], -0.2, 0.2);
  const [y, yh, yc] = g.opN('LSTM', [x, w, r, b, lens, 'h0', 'c0'], 3, { direction: 'bidirectional', hidden_size: H });
  g.op('Reshape', [g.op('Transpose', [y!], { perm: [0, 2, 1, 3] }), g.i64([0, 0, -1])]);
  nameLast(g, 'output');
  g.op('Identity', [yh!]);
  nameLast(g, 'h_n');
  g.op('Identity', [yc!]);
  nameLast(g, 'c_n');
  const state: ZooInput = { name: 'h0', dtype: 'f32', shape: [2, 'batch', H] };
  return finish(g, 'bilstm_packed', [
    { name: 'tokens', dtype: 'i64', shape: ['seq', 'batch'], vocab: V }, { name: 'lengths', dtype: 'i64', shape: ['batch'], lengthsOf: 'seq' },
    state, { ...state, name: 'c0' },
  ], [f32('output', ['seq', 'batch', 2 * H]), f32('h_n', [2, 'batch', H]), f32('c_n', [2, 'batch', H])],
  [{ seq: 6, batch: 3 }, { seq: 13, batch: 1 }, { seq: 9, batch: 4 }], 14);
}

/**
 * A Llama decoder layer as transformers exports LlamaForCausalLM: RMSNorm (Pow, ReduceMean, Add,
 * Sqrt, Reciprocal, Mul), bias-free projections, rotary embeddings computed in the graph (inverse
 * frequencies Expand-ed and MatMul-ed with Range positions, Concat of the freqs with themselves,
 * Cos/Sin, rotate_half by two Slices, Neg and Concat), grouped-query attention (2 KV heads repeated
 * by Unsqueeze/Expand/Reshape for 4 query heads), a causal mask from ConstantOfShape(min) + Trilu
 * (k = 1, upper) plus the padding mask, SiLU-gated MLP, final RMSNorm and LM head.
 */
export function llama(): ZooModel {
  const g = new Graph(16);
  const V = 40, D = 32, H = 4, KVH = 2, DH = 8, FF = 48;
  const ids = 'input_ids';
  const b = dimOf(g, ids, 0), s = dimOf(g, ids, 1);
  const seq = g.op('Gather', [g.op('Shape', [ids]), g.i64s(1)], { axis: 0 });
  const rms = (x: string): string => {
    const v = g.op('ReduceMean', [g.op('Pow', [x, g.f32s(2)])], { axes: [-1], keepdims: 1 });
    return g.op('Mul', [g.uniform('weight', [D], 0.5, 1.5), g.op('Mul', [x, g.op('Reciprocal', [g.op('Sqrt', [g.op('Add', [v, g.f32s(1e-6)])])])])]);
  };
  const proj = (x: string, din: number, dout: number): string => g.op('MatMul', [x, g.weight('weight', [din, dout], din)]);
  // Rotary tables: (1, 1, s, DH).
  const invFreq = g.op('Constant', [], { value: tensorFrom('f32', [1, DH / 2, 1], Array.from({ length: DH / 2 }, (_, i) => 1 / 10000 ** ((2 * i) / DH))) });
  const pos = g.op('Cast', [unsqueeze(g, unsqueeze(g, g.op('Range', [g.i64s(0), seq, g.i64s(1)]), [0]), [1])], { to: 1 });
  const freqs = g.op('Transpose', [g.op('MatMul', [g.op('Expand', [invFreq, g.i64([1, 1, 1])]), pos])], { perm: [0, 2, 1] });
  const emb = g.op('Concat', [freqs, freqs], { axis: -1 });
  const cos = unsqueeze(g, g.op('Cos', [emb]), [1]), sin = unsqueeze(g, g.op('Sin', [emb]), [1]);
  const rotate = (x: string): string => {
    const x1 = g.op('Slice', [x, g.i64([0]), g.i64([DH / 2]), g.i64([-1]), g.i64([1])]);
    const x2 = g.op('Slice', [x, g.i64([DH / 2]), g.constant('i64', [1], [INT64_MAX]), g.i64([-1]), g.i64([1])]);
    return g.op('Concat', [g.op('Neg', [x2]), x1], { axis: -1 });
  };
  const rope = (x: string): string => g.op('Add', [g.op('Mul', [x, cos]), g.op('Mul', [rotate(x), sin])]);
  const minVal = -3.4028234663852886e38;
  const seq1 = unsqueeze(g, seq, [0]);
  const full = g.op('ConstantOfShape', [g.op('Concat', [seq1, seq1], { axis: 0 })], { value: tensorFrom('f32', [1], [minVal]) });
  const causal = unsqueeze(g, g.op('Trilu', [full, g.i64s(1)], { upper: 1 }), [0, 1]);
  const padBias = g.op('Mul', [g.op('Sub', [g.f32s(1), g.op('Cast', [unsqueeze(g, 'attention_mask', [1, 2])], { to: 1 })]), g.f32s(minVal)]);
  let h = g.op('Gather', [g.uniform('embed_tokens.weight', [V, D], -1, 1), ids], { axis: 0 });
  h = g.in('layers.0', () => {
    const x = g.in('input_layernorm', () => rms(h));
    const heads = (t: string, n: number): string => g.op('Transpose', [reshapeDyn(g, t, [b, s, n, DH])], { perm: [0, 2, 1, 3] });
    const q = rope(heads(g.in('q_proj', () => proj(x, D, H * DH)), H));
    const repeat = (t: string): string => {
      const e = g.op('Expand', [unsqueeze(g, t, [2]), g.op('Concat', [b, g.i64([KVH, H / KVH]), s, g.i64([DH])], { axis: 0 })]);
      return reshapeDyn(g, e, [b, H, s, DH]);
    };
    const k = repeat(rope(heads(g.in('k_proj', () => proj(x, D, KVH * DH)), KVH)));
    const v = repeat(heads(g.in('v_proj', () => proj(x, D, KVH * DH)), KVH));
    const scores = g.op('Mul', [g.op('MatMul', [q, g.op('Transpose', [k], { perm: [0, 1, 3, 2] })]), g.f32s(1 / Math.sqrt(DH))]);
    const p = g.op('Softmax', [g.op('Add', [g.op('Add', [scores, causal]), padBias])], { axis: -1 });
    const ctx = reshapeDyn(g, g.op('Transpose', [g.op('MatMul', [p, v])], { perm: [0, 2, 1, 3] }), [b, s, D]);
    const r = g.op('Add', [h, g.in('o_proj', () => proj(ctx, D, D))]);
    const y = g.in('post_attention_layernorm', () => rms(r));
    const gate = g.in('gate_proj', () => proj(y, D, FF));
    const mlp = g.op('Mul', [g.op('Mul', [gate, g.op('Sigmoid', [gate])]), g.in('up_proj', () => proj(y, D, FF))]);
    return g.op('Add', [r, g.in('down_proj', () => proj(mlp, FF, D))]);
  });
  g.in('lm_head', () => proj(g.in('norm', () => rms(h)), D, V));
  nameLast(g, 'logits');
  return finish(g, 'llama', [{ name: ids, dtype: 'i64', shape: ['batch', 'sequence'], vocab: V }, { name: 'attention_mask', dtype: 'i64', shape: ['batch', 'sequence'], mask: true }],
    [f32('logits', ['batch', 'sequence', V])], [{ batch: 1, sequence: 6 }, { batch: 2, sequence: 23 }, { batch: 1, sequence: 64 }], 17);
}

/**
 * sentence-transformers' pooling head (over a projected hidden state): the attention mask
 * Unsqueeze-d, Expand-ed to the hidden state's Shape and Cast, masked sum / Clip-ped count (mean
 * pooling), then F.normalize (ReduceL2, Clip(min = eps), Expand, Div).
 */
export function sentencePool(): ZooModel {
  const g = new Graph(31);
  const h = g.op('Tanh', [linear(g, 'hidden', 12, 12)]);
  const m = g.op('Cast', [g.op('Expand', [unsqueeze(g, 'attention_mask', [-1]), g.op('Shape', [h])])], { to: 1 });
  const sum = g.op('ReduceSum', [g.op('Mul', [h, m]), g.i64([1])], { keepdims: 0 });
  const mean = g.op('Div', [sum, g.op('Clip', [g.op('ReduceSum', [m, g.i64([1])], { keepdims: 0 }), g.f32s(1e-9)])]);
  const norm = g.op('Expand', [g.op('Clip', [g.op('ReduceL2', [mean], { axes: [1], keepdims: 1 }), g.f32s(1e-12)]), g.op('Shape', [mean])]);
  g.op('Div', [mean, norm]);
  nameLast(g, 'sentence_embedding');
  return finish(g, 'sentence_pool', [{ name: 'hidden', dtype: 'f32', shape: ['batch', 'seq', 12] }, { name: 'attention_mask', dtype: 'i64', shape: ['batch', 'seq'], mask: true }],
    [f32('sentence_embedding', ['batch', 12])], [{ batch: 3, seq: 7 }, { batch: 1, seq: 1 }], 13);
}
