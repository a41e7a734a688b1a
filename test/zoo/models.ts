// The model zoo: small models with the architectures (and the node patterns torch.onnx.export
// writes, opset 13-18) of real CNNs, recurrent nets and transformers, with seeded random weights.
// Each is a few hundred KiB at most and runs in milliseconds. test/zoo/README.md says which real
// architecture each mirrors. Every model has symbolic dims and 2-3 bindings to run at.

import { tensorFrom, type Tensor } from '../../ir/tensor.js';
import type { ValueSpec } from '../../src/onnx/writer.js';
import {
  batchNorm, conv, dimOf, gemm, geluErf, geluTanh, Graph, layerNorm, layerNormDecomposed, linear,
  reshapeDyn, selfAttention, unsqueeze, type ZooInput,
} from './graph.js';

export interface ZooModel {
  readonly name: string;
  readonly inputs: readonly ZooInput[];
  readonly outputs: readonly ValueSpec[];
  /** Bindings of the symbolic dims to run at. */
  readonly bindings: readonly Readonly<Record<string, number>>[];
  /** The serialised ModelProto. */
  readonly bytes: Uint8Array;
}

const f32 = (name: string, shape: (number | string)[]): ValueSpec => ({ name, dtype: 'f32', shape });

/** ResNet-18 in miniature: stem conv/BN/ReLU + MaxPool, a basic block, a strided block with a 1x1 projection. */
export function resnet(): ZooModel {
  const g = new Graph(1);
  const relu = (x: string): string => g.op('Relu', [x]);
  const stem = g.in('conv1', () => relu(batchNorm(g, conv(g, 'input', 3, 8, 3, { stride: 1, pad: 1, bias: false }), 8)));
  const pooled = g.op('MaxPool', [stem], { ceil_mode: 0, kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2] });
  const basic = (x: string, cin: number, cout: number, stride: number): string => {
    const a = relu(batchNorm(g, conv(g, x, cin, cout, 3, { stride, pad: 1, bias: false }), cout));
    const b = batchNorm(g, conv(g, a, cout, cout, 3, { pad: 1, bias: false }), cout);
    const skip = stride === 1 && cin === cout ? x : g.in('downsample', () => batchNorm(g, conv(g, x, cin, cout, 1, { stride, bias: false }), cout));
    return relu(g.op('Add', [b, skip]));
  };
  const l1 = g.in('layer1', () => basic(pooled, 8, 8, 1));
  const l2 = g.in('layer2', () => basic(l1, 8, 16, 2));
  const flat = g.op('Flatten', [g.op('GlobalAveragePool', [l2])], { axis: 1 });
  g.in('fc', () => gemm(g, flat, 16, 10));
  nameLast(g, 'logits');
  return finish(g, 'resnet', [{ name: 'input', dtype: 'f32', shape: ['batch', 3, 20, 20] }], [f32('logits', ['batch', 10])], [{ batch: 1 }, { batch: 3 }], 13);
}

/** Rename the last node's output (graph outputs get user-facing names, as torch's output_names do). */
function nameLast(g: Graph, name: string): void {
  const n = g.nodes[g.nodes.length - 1]!;
  g.nodes[g.nodes.length - 1] = { ...n, outputs: [name, ...n.outputs.slice(1)] };
}

function finish(g: Graph, name: string, inputs: ZooInput[], outputs: ValueSpec[], bindings: Record<string, number>[], opset: number): ZooModel {
  const vis: ValueSpec[] = inputs.map((i) => ({ name: i.name, dtype: i.dtype, shape: i.shape }));
  return { name, inputs, outputs, bindings, bytes: g.model(vis, outputs, opset) };
}

/** MobileNetV2/V3 + EfficientNet pieces: ReLU6 as Clip, depthwise convs, HardSwish, squeeze-excite, inverted residual. */
export function mobilenet(): ZooModel {
  const g = new Graph(2);
  const clip6 = (x: string): string => g.op('Clip', [x, g.f32s(0), g.f32s(6)]);
  const stem = g.in('features.0', () => clip6(batchNorm(g, conv(g, 'image', 3, 16, 3, { stride: 2, pad: 1, bias: false }), 16)));
  // MobileNetV3 block: depthwise 3x3 + BN + HardSwish, squeeze-excite, pointwise projection.
  const b1 = g.in('features.1', () => {
    const dw = g.op('HardSwish', [batchNorm(g, conv(g, stem, 16, 16, 3, { pad: 1, group: 16, bias: false }), 16)]);
    const se = g.in('se', () => {
      const sq = g.op('ReduceMean', [dw], { axes: [2, 3], keepdims: 1 });
      const fc1 = g.op('Relu', [conv(g, sq, 16, 4, 1)]);
      const gate = g.op('Sigmoid', [conv(g, fc1, 4, 16, 1)]);
      return g.op('Mul', [gate, dw]);
    });
    return batchNorm(g, conv(g, se, 16, 24, 1, { bias: false }), 24);
  });
  // MobileNetV2 inverted residual: expand 1x1 + ReLU6, depthwise 3x3 + ReLU6, project 1x1, Add.
  const b2 = g.in('features.2', () => {
    const e = clip6(batchNorm(g, conv(g, b1, 24, 48, 1, { bias: false }), 48));
    const d = clip6(batchNorm(g, conv(g, e, 48, 48, 3, { pad: 1, group: 48, bias: false }), 48));
    return g.op('Add', [b1, batchNorm(g, conv(g, d, 48, 24, 1, { bias: false }), 24)]);
  });
  // EfficientNet MBConv tail: strided depthwise 5x5 + Swish (x * sigmoid x), HardSigmoid-gated SE.
  const b3 = g.in('features.3', () => {
    const d = batchNorm(g, conv(g, b2, 24, 24, 5, { stride: 2, pad: 2, group: 24, bias: false }), 24);
    const sw = g.op('Mul', [d, g.op('Sigmoid', [d])]);
    const sq = g.op('GlobalAveragePool', [sw]);
    const gate = g.op('HardSigmoid', [conv(g, g.op('Relu', [conv(g, sq, 24, 8, 1)]), 8, 24, 1)], { alpha: { float: 1 / 6 }, beta: { float: 0.5 } });
    return g.op('Mul', [sw, gate]);
  });
  const pooled = g.op('Flatten', [g.op('GlobalAveragePool', [b3])], { axis: 1 });
  g.in('classifier', () => gemm(g, pooled, 24, 7));
  nameLast(g, 'logits');
  return finish(g, 'mobilenet', [{ name: 'image', dtype: 'f32', shape: ['batch', 3, 24, 24] }], [f32('logits', ['batch', 7])], [{ batch: 1 }, { batch: 2 }], 17);
}

/**
 * U-Net with symbolic height and width: two encoder levels (conv/ReLU, MaxPool), upsampling by
 * Resize (bilinear, pytorch_half_pixel), by Resize (nearest, asymmetric/floor) and by
 * ConvTranspose, Concat skip connections, a 1x1 head.
 */
export function unet(dynamic = true): ZooModel {
  const g = new Graph(3);
  const block = (x: string, cin: number, cout: number): string => g.op('Relu', [conv(g, g.op('Relu', [conv(g, x, cin, cout, 3, { pad: 1 })]), cout, cout, 3, { pad: 1 })]);
  const pool = (x: string): string => g.op('MaxPool', [x], { kernel_shape: [2, 2], strides: [2, 2] });
  const e1 = g.in('enc1', () => block('image', 2, 6));
  const e2 = g.in('enc2', () => block(pool(e1), 6, 8));
  const mid = g.in('mid', () => block(pool(e2), 8, 8));
  const scales = g.constant('f32', [4], [1, 1, 2, 2]);
  const roi = g.constant('f32', [0], []);
  const up2 = g.op('Resize', [mid, roi, scales], { coordinate_transformation_mode: 'pytorch_half_pixel', mode: 'linear', nearest_mode: 'floor' });
  const d2 = g.in('dec2', () => block(g.op('Concat', [up2, e2], { axis: 1 }), 16, 8));
  const upT = g.in('up1', () => {
    const w = g.weight('weight', [8, 4, 2, 2], 8 * 4);
    return g.op('ConvTranspose', [d2, w, g.uniform('bias', [4], -0.1, 0.1)], { kernel_shape: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0], dilations: [1, 1], group: 1 });
  });
  const upN = g.op('Resize', [d2, roi, scales], { coordinate_transformation_mode: 'asymmetric', mode: 'nearest', nearest_mode: 'floor' });
  const d1 = g.in('dec1', () => block(g.op('Concat', [upT, upN, e1], { axis: 1 }), 4 + 8 + 6, 6));
  g.in('head', () => conv(g, d1, 6, 3, 1));
  nameLast(g, 'mask');
  if (!dynamic) {
    return finish(g, 'unet_static', [{ name: 'image', dtype: 'f32', shape: ['batch', 2, 12, 16] }], [f32('mask', ['batch', 3, 12, 16])], [{ batch: 1 }, { batch: 2 }], 13);
  }
  return finish(g, 'unet', [{ name: 'image', dtype: 'f32', shape: ['batch', 2, 'height', 'width'] }], [f32('mask', ['batch', 3, 'height', 'width'])],
    [{ batch: 1, height: 8, width: 8 }, { batch: 2, height: 12, width: 20 }, { batch: 1, height: 16, width: 4 }], 13);
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

const tensorOne = (): Tensor => tensorFrom('f32', [1], [1]);

/**
 * ViT: patch embedding as a Conv with stride = kernel, flatten(2).transpose(1, 2), a class token
 * Expand-ed to the batch and Concat-ed in front, learned position embeddings, one pre-norm encoder
 * block (attention + Erf-GELU MLP), the class token's LayerNorm and a Gemm head.
 */
export function vit(): ZooModel {
  const g = new Graph(8);
  const D = 24, HEADS = 3, P = 4, N = 16;
  const patches = g.in('patch_embed.proj', () => conv(g, 'pixel_values', 3, D, P, { stride: P }));
  const b = dimOf(g, 'pixel_values', 0);
  const tokens = g.op('Transpose', [reshapeDyn(g, patches, [b, D, -1])], { perm: [0, 2, 1] });
  const cls = g.op('Expand', [g.uniform('cls_token', [1, 1, D], -1, 1), g.op('Concat', [b, g.i64([1, D])], { axis: 0 })]);
  let h = g.op('Add', [g.op('Concat', [cls, tokens], { axis: 1 }), g.uniform('pos_embed', [1, N + 1, D], -1, 1)]);
  h = g.in('blocks.0', () => {
    const a = g.in('attn', () => selfAttention(g, g.in('norm1', () => layerNorm(g, h, D)), D, HEADS, (s) => s, true));
    const r = g.op('Add', [h, a]);
    const m = g.in('mlp', () => linear(g, geluErf(g, g.in('fc1', () => linear(g, g.in('norm2', () => layerNorm(g, r, D)), D, 2 * D))), 2 * D, D));
    return g.op('Add', [r, m]);
  });
  const c = g.op('Gather', [g.in('norm', () => layerNorm(g, h, D)), g.i64s(0)], { axis: 1 });
  g.in('head', () => gemm(g, c, D, 5));
  nameLast(g, 'logits');
  return finish(g, 'vit', [{ name: 'pixel_values', dtype: 'f32', shape: ['batch', 3, 16, 16] }], [f32('logits', ['batch', 5])], [{ batch: 1 }, { batch: 3 }], 17);
}

/**
 * Temporal convolutional network (Bai et al.): causal dilated Conv1d (padding (k-1)d on both
 * sides, then the right end chomped off by Slice), ReLU, residual 1x1 conv, over a symbolic time axis.
 */
export function tcn(dynamic = true): ZooModel {
  const g = new Graph(9);
  const K = 3;
  let x = 'signal', cin = 4;
  for (const [i, d] of [1, 2, 4].entries()) {
    x = g.in(`tcn.${i}`, () => {
      const p = (K - 1) * d;
      const chomp = (t: string): string => g.op('Slice', [t, g.i64([0]), g.i64([-p]), g.i64([2]), g.i64([1])]);
      const c1 = g.op('Relu', [chomp(conv(g, x, cin, 8, [K], { dilation: d, pad: p }))]);
      const c2 = g.op('Relu', [chomp(conv(g, c1, 8, 8, [K], { dilation: d, pad: p }))]);
      const res = cin === 8 ? x : conv(g, x, cin, 8, [1]);
      return g.op('Relu', [g.op('Add', [c2, res])]);
    });
    cin = 8;
  }
  g.in('head', () => conv(g, x, 8, 2, [1]));
  nameLast(g, 'output');
  if (!dynamic) {
    return finish(g, 'tcn_static', [{ name: 'signal', dtype: 'f32', shape: ['batch', 4, 24] }], [f32('output', ['batch', 2, 24])], [{ batch: 1 }, { batch: 3 }], 13);
  }
  return finish(g, 'tcn', [{ name: 'signal', dtype: 'f32', shape: ['batch', 4, 'time'] }], [f32('output', ['batch', 2, 'time'])],
    [{ batch: 1, time: 7 }, { batch: 2, time: 30 }, { batch: 3, time: 1 }], 13);
}

/**
 * MLP-Mixer: patch Conv, token-mixing MLP (LayerNorm, Transpose, Linear, GELU, Linear, Transpose,
 * residual) and channel-mixing MLP, global mean over tokens (ReduceMean with axes as an input,
 * opset 18), Gemm head.
 */
export function mlpMixer(): ZooModel {
  const g = new Graph(10);
  const C = 16, T = 16;
  const p = conv(g, 'images', 3, C, 4, { stride: 4 });
  let h = g.op('Transpose', [g.op('Reshape', [p, g.i64([0, C, -1])])], { perm: [0, 2, 1] });
  for (let l = 0; l < 2; l++) {
    h = g.in(`mixer.${l}`, () => {
      const t = g.op('Transpose', [g.in('norm1', () => layerNorm(g, h, C))], { perm: [0, 2, 1] });
      const tm = g.in('token_mix', () => linear(g, geluErf(g, g.in('fc1', () => linear(g, t, T, 2 * T))), 2 * T, T));
      const r = g.op('Add', [h, g.op('Transpose', [tm], { perm: [0, 2, 1] })]);
      const cm = g.in('channel_mix', () => linear(g, geluErf(g, g.in('fc1', () => linear(g, g.in('norm2', () => layerNorm(g, r, C)), C, 2 * C))), 2 * C, C));
      return g.op('Add', [r, cm]);
    });
  }
  const pooled = g.op('ReduceMean', [h, g.i64([1])], { keepdims: 0 });
  g.in('head', () => gemm(g, pooled, C, 6));
  nameLast(g, 'logits');
  return finish(g, 'mlp_mixer', [{ name: 'images', dtype: 'f32', shape: ['batch', 3, 16, 16] }], [f32('logits', ['batch', 6])], [{ batch: 1 }, { batch: 4 }], 18);
}

export const ZOO: Readonly<Record<string, () => ZooModel>> = {
  resnet, mobilenet, unet, unet_static: () => unet(false), lstm_lm: lstmLm, gru_tagger: gruTagger, bert, distilbert, gpt2,
  gpt2_past: gpt2Past, bilstm_packed: bilstmPacked, style_transfer: styleTransfer, llama, sentence_pool: sentencePool, multi_input: multiInput, convnext, swin, keras_cnn: kerasCnn, shufflenet,
  // Odd widths (head size 10 or 7, vocab 37) and longer sequences: the GEMM and attention kernels' edge paths.
  bert_odd: () => bert({ name: 'bert_odd', d: 30, heads: 3, vocab: 37, maxPos: 160, bindings: [{ batch: 2, sequence: 71 }, { batch: 1, sequence: 130 }, { batch: 3, sequence: 3 }] }),
  bert_slice: () => bert({ name: 'bert_slice', d: 32, heads: 4, vocab: 50, maxPos: 40, positions: 'slice', bindings: [{ batch: 2, sequence: 9 }, { batch: 1, sequence: 33 }] }),
  gpt2_odd: () => gpt2({ name: 'gpt2_odd', d: 21, heads: 3, vocab: 37, maxPos: 160, bindings: [{ batch: 1, sequence: 129 }, { batch: 2, sequence: 13 }] }), vit, tcn, tcn_static: () => tcn(false), mlp_mixer: mlpMixer, yolo,
};

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

const INT64_MAX = 9223372036854775807n;

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
 * YOLOv5/v8 in miniature: Conv + BN + SiLU (x * sigmoid x), a C2f block (Split in two, bottleneck
 * with residual, Concat), SPPF (three chained MaxPool 5x5 stride 1, Concat), a neck that upsamples
 * with Resize (nearest, scales 2) and Concat-s the earlier stage, a detect head reshaped to
 * (b, anchors, outputs, cells) and transposed, Sigmoid.
 */
export function yolo(): ZooModel {
  const g = new Graph(13);
  const cbs = (x: string, cin: number, cout: number, k: number, stride = 1): string => {
    const y = batchNorm(g, conv(g, x, cin, cout, k, { stride, pad: k >> 1, bias: false }), cout);
    return g.op('Mul', [y, g.op('Sigmoid', [y])]);
  };
  const s1 = g.in('model.0', () => cbs('images', 3, 8, 3, 2));
  const s2 = g.in('model.1', () => cbs(s1, 8, 16, 3, 2));
  const c2f = g.in('model.2', () => {
    const [a, c] = g.opN('Split', [cbs(s2, 16, 16, 1), g.i64([8, 8])], 2, { axis: 1 }) as [string, string];
    const bott = g.op('Add', [c, cbs(cbs(c, 8, 8, 3), 8, 8, 3)]);
    return cbs(g.op('Concat', [a, c, bott], { axis: 1 }), 24, 16, 1);
  });
  const s3 = g.in('model.3', () => cbs(c2f, 16, 16, 3, 2));
  const sppf = g.in('model.4', () => {
    const x = cbs(s3, 16, 8, 1);
    const mp = (t: string): string => g.op('MaxPool', [t], { kernel_shape: [5, 5], pads: [2, 2, 2, 2], strides: [1, 1] });
    const y1 = mp(x), y2 = mp(y1), y3 = mp(y2);
    return cbs(g.op('Concat', [x, y1, y2, y3], { axis: 1 }), 32, 16, 1);
  });
  const up = g.op('Resize', [sppf, '', g.constant('f32', [4], [1, 1, 2, 2])], { coordinate_transformation_mode: 'asymmetric', mode: 'nearest', nearest_mode: 'floor' });
  const neck = g.in('model.6', () => cbs(g.op('Concat', [up, c2f], { axis: 1 }), 32, 16, 3));
  const det = g.in('model.7', () => conv(g, neck, 16, 3 * 6, 1));
  const b = dimOf(g, 'images', 0);
  const r = reshapeDyn(g, det, [b, 3, 6, -1]);
  g.op('Sigmoid', [g.op('Transpose', [r], { perm: [0, 1, 3, 2] })]);
  nameLast(g, 'detections');
  return finish(g, 'yolo', [{ name: 'images', dtype: 'f32', shape: ['batch', 3, 32, 32] }], [f32('detections', ['batch', 3, 64, 6])], [{ batch: 1 }, { batch: 2 }], 17);
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
 * fast-neural-style / CycleGAN generator + ESPCN tail: ReflectionPad2d as Pad(mode = reflect,
 * pads as an input), Conv, InstanceNormalization, ReLU, a residual block, ConvTranspose
 * upsampling with output_padding, bilinear Resize with align_corners = True,
 * F.interpolate(size = skip.shape[2:]) as nearest Resize with sizes built from Shape, PixelShuffle
 * as DepthToSpace (CRD), Tanh (of x / 5); and a classifier head on x.view(x.size(0), -1).
 */
export function styleTransfer(): ZooModel {
  const g = new Graph(15);
  const reflect = (x: string, p: number): string => g.op('Pad', [x, g.i64([0, 0, p, p, 0, 0, p, p])], { mode: 'reflect' });
  const inorm = (x: string, c: number): string => g.op('InstanceNormalization', [x, g.uniform('in.weight', [c], 0.5, 1.5), g.uniform('in.bias', [c], -0.1, 0.1)], { epsilon: 1e-5 });
  const cin = (x: string, ci: number, co: number, k: number, stride = 1): string => g.op('Relu', [inorm(conv(g, reflect(x, k >> 1), ci, co, k, { stride }), co)]);
  const c1 = g.in('conv1', () => cin('image', 3, 8, 5));
  const c2 = g.in('conv2', () => cin(c1, 8, 12, 3, 2));
  const res = g.in('res1', () => g.op('Add', [c2, inorm(conv(g, reflect(cin(c2, 12, 12, 3), 1), 12, 12, 3), 12)]));
  const up = g.in('deconv1', () => {
    const w = g.weight('weight', [12, 8, 3, 3], 12 * 9);
    return g.op('Relu', [inorm(g.op('ConvTranspose', [res, w, g.uniform('bias', [8], -0.1, 0.1)], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] }), 8)]);
  });
  const smooth = g.op('Resize', [c2, '', g.constant('f32', [4], [1, 1, 2, 2])], { coordinate_transformation_mode: 'align_corners', mode: 'linear' });
  const sizes = g.op('Concat', [g.op('Slice', [g.op('Shape', [res]), g.i64([0]), g.i64([2])]), g.op('Slice', [g.op('Shape', [up]), g.i64([2]), g.i64([4])])], { axis: 0 });
  const near = g.op('Resize', [res, '', '', sizes], { coordinate_transformation_mode: 'asymmetric', mode: 'nearest', nearest_mode: 'floor' });
  const mix = g.op('Concat', [up, smooth, near], { axis: 1 });
  const sr = g.in('espcn', () => g.op('DepthToSpace', [conv(g, mix, 32, 3 * 4, 3, { pad: 1 })], { blocksize: 2, mode: 'CRD' }));
  // Scaled into tanh's linear range so the output still tells a wrong value from a right one.
  g.op('Tanh', [g.op('Mul', [sr, g.f32s(0.2)])]);
  nameLast(g, 'stylized');
  const pooled = g.op('MaxPool', [res], { kernel_shape: [2, 2], strides: [2, 2] });
  const flat = reshapeDyn(g, pooled, [dimOf(g, pooled, 0), -1]);
  g.in('classifier', () => gemm(g, flat, 12 * 4 * 4, 4));
  nameLast(g, 'style_logits');
  return finish(g, 'style_transfer', [{ name: 'image', dtype: 'f32', shape: ['batch', 3, 16, 16] }],
    [f32('stylized', ['batch', 3, 32, 32]), f32('style_logits', ['batch', 4])], [{ batch: 1 }, { batch: 2 }], 13);
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

/**
 * A multi-input network: a tabular MLP with BatchNorm1d on (N, C), a Conv1d + BatchNorm1d
 * branch with LayerNorm over its last two axes and ReduceMax over time, Concat-ed; and a
 * segmentation head with per-pixel Softmax and LogSoftmax over the channel axis.
 */
export function multiInput(): ZooModel {
  const g = new Graph(32);
  const a = g.op('Relu', [batchNorm(g, gemm(g, 'tab', 10, 16), 16)]);
  const s = g.op('Relu', [batchNorm(g, conv(g, 'sig', 3, 6, [3], { pad: 1 }), 6)]);
  const ln = g.op('LayerNormalization', [s, g.uniform('ln.weight', [6, 20], 0.5, 1.5), g.uniform('ln.bias', [6, 20], -0.1, 0.1)], { axis: -2, epsilon: 1e-5 });
  g.op('Concat', [a, g.op('ReduceMax', [ln], { axes: [2], keepdims: 0 })], { axis: 1 });
  nameLast(g, 'features');
  const px = conv(g, 'img', 2, 5, 3, { pad: 1 });
  g.op('Softmax', [px], { axis: 1 });
  nameLast(g, 'seg');
  g.op('LogSoftmax', [px], { axis: 1 });
  nameLast(g, 'log_seg');
  return finish(g, 'multi_input',
    [{ name: 'tab', dtype: 'f32', shape: ['batch', 10] }, { name: 'sig', dtype: 'f32', shape: ['batch', 3, 20] }, { name: 'img', dtype: 'f32', shape: ['batch', 2, 6, 7] }],
    [f32('features', ['batch', 22]), f32('seg', ['batch', 5, 6, 7]), f32('log_seg', ['batch', 5, 6, 7])], [{ batch: 1 }, { batch: 5 }], 17);
}

/**
 * ConvNeXt block: patchify stem (Conv 4x4 / 4), depthwise 7x7 conv, permute to channels-last
 * (Transpose 0,2,3,1), LayerNorm, Linear x4, Erf GELU, Linear, layer scale (Mul by gamma), permute
 * back, residual Add, global mean (ReduceMean over -2, -1), LayerNorm, Gemm head.
 */
export function convnext(): ZooModel {
  const g = new Graph(42);
  const C = 12;
  const stem = g.in('stem', () => conv(g, 'images', 3, C, 4, { stride: 4 }));
  const dw = g.in('stages.0.dwconv', () => conv(g, stem, C, C, 7, { pad: 3, group: C }));
  const cl = g.op('Transpose', [dw], { perm: [0, 2, 3, 1] });
  const f = g.in('stages.0.pwconv', () => linear(g, geluErf(g, linear(g, layerNorm(g, cl, C), C, 4 * C)), 4 * C, C));
  const scaled = g.op('Mul', [f, g.uniform('stages.0.gamma', [C], 0.1, 0.2)]);
  const out = g.op('Add', [stem, g.op('Transpose', [scaled], { perm: [0, 3, 1, 2] })]);
  const pooled = g.op('ReduceMean', [out], { axes: [-2, -1], keepdims: 0 });
  g.in('head', () => gemm(g, layerNorm(g, pooled, C), C, 3));
  nameLast(g, 'logits');
  return finish(g, 'convnext', [{ name: 'images', dtype: 'f32', shape: ['batch', 3, 28, 28] }], [f32('logits', ['batch', 3])], [{ batch: 1 }, { batch: 2 }], 17);
}

/**
 * Swin Transformer stage: patch embedding permuted to channels-last, cyclic shift (torch.roll as
 * Slice + Concat on two axes), window partition through a rank-6 Reshape/Transpose, a per-window
 * LayerNorm + GELU MLP, window reverse, shift back, residual; mean over the spatial axes.
 */
export function swin(): ZooModel {
  const g = new Graph(41);
  const C = 8, H = 8, W = 8, WS = 4;
  const x = g.op('Transpose', [g.in('patch_embed', () => conv(g, 'images', 3, C, 2, { stride: 2 }))], { perm: [0, 2, 3, 1] });
  const roll = (t: string, axis: number, s: number, n: number): string =>
    g.op('Concat', [g.op('Slice', [t, g.i64([s]), g.i64([n]), g.i64([axis])]), g.op('Slice', [t, g.i64([0]), g.i64([s]), g.i64([axis])])], { axis });
  const shifted = roll(roll(x, 1, 2, H), 2, 2, W);
  const win = g.op('Reshape', [g.op('Transpose', [g.op('Reshape', [shifted, g.i64([-1, H / WS, WS, W / WS, WS, C])])], { perm: [0, 1, 3, 2, 4, 5] }), g.i64([-1, WS * WS, C])]);
  const mixed = g.in('mlp', () => linear(g, geluErf(g, linear(g, layerNorm(g, win, C), C, 2 * C)), 2 * C, C));
  const back = g.op('Reshape', [g.op('Transpose', [g.op('Reshape', [mixed, g.i64([-1, H / WS, W / WS, WS, WS, C])])], { perm: [0, 1, 3, 2, 4, 5] }), g.i64([-1, H, W, C])]);
  const y = g.op('Add', [x, roll(roll(back, 1, H - 2, H), 2, W - 2, W)]);
  g.op('Identity', [y]);
  nameLast(g, 'tokens');
  g.op('ReduceMean', [y], { axes: [1, 2], keepdims: 0 });
  nameLast(g, 'pooled');
  return finish(g, 'swin', [{ name: 'images', dtype: 'f32', shape: ['batch', 3, 16, 16] }], [f32('tokens', ['batch', H, W, C]), f32('pooled', ['batch', C])], [{ batch: 1 }, { batch: 3 }], 17);
}

/**
 * A Keras CNN as tf2onnx exports it: NHWC input Transpose-d to NCHW before the first Conv, Conv +
 * BatchNormalization + Relu, MaxPool, Transpose back to NHWC before Flatten (Reshape to (-1, n)),
 * Dense as MatMul + Add, Softmax.
 */
export function kerasCnn(): ZooModel {
  const g = new Graph(51);
  const x = g.op('Transpose', ['input_1'], { perm: [0, 3, 1, 2] });
  const c = g.in('conv2d', () => g.op('Relu', [batchNorm(g, conv(g, x, 3, 8, 3, { pad: 1 }), 8)]));
  const p = g.op('MaxPool', [c], { kernel_shape: [2, 2], strides: [2, 2] });
  const flat = g.op('Reshape', [g.op('Transpose', [p], { perm: [0, 2, 3, 1] }), g.i64([-1, 8 * 6 * 6])]);
  g.op('Softmax', [g.in('dense', () => linear(g, flat, 8 * 6 * 6, 5))], { axis: -1 });
  nameLast(g, 'dense_softmax');
  return finish(g, 'keras_cnn', [{ name: 'input_1', dtype: 'f32', shape: ['N', 12, 12, 3] }], [f32('dense_softmax', ['N', 5])], [{ N: 1 }, { N: 3 }], 13);
}

/**
 * ShuffleNetV2 unit: strided stem conv, channel Split, a branch of 1x1 / depthwise 3x3 / 1x1 convs
 * with BN, Concat, channel shuffle by Reshape(0, 2, C/2, H, W) / Transpose / Reshape; then two
 * parallel convs Concat-ed and returned channels-last (Transpose 0,2,3,1) beside a
 * GlobalAveragePool + Gemm head.
 */
export function shufflenet(): ZooModel {
  const g = new Graph(61);
  const x = g.op('Relu', [batchNorm(g, conv(g, 'images', 3, 8, 3, { pad: 1, stride: 2, bias: false }), 8)]);
  const [a, b] = g.opN('Split', [x, g.i64([4, 4])], 2, { axis: 1 }) as [string, string];
  const br = g.in('branch2', () => {
    const dw = batchNorm(g, conv(g, g.op('Relu', [conv(g, b, 4, 4, 1)]), 4, 4, 3, { pad: 1, group: 4 }), 4);
    return g.op('Relu', [batchNorm(g, conv(g, dw, 4, 4, 1), 4)]);
  });
  const cat = g.op('Concat', [a, br], { axis: 1 });
  const shuffled = g.op('Reshape', [g.op('Transpose', [g.op('Reshape', [cat, g.i64([0, 2, 4, 8, 8])])], { perm: [0, 2, 1, 3, 4] }), g.i64([0, 8, 8, 8])]);
  const cat2 = g.op('Concat', [conv(g, shuffled, 8, 4, 1), conv(g, shuffled, 8, 4, 3, { pad: 1 })], { axis: 1 });
  g.op('Transpose', [cat2], { perm: [0, 2, 3, 1] });
  nameLast(g, 'features_nhwc');
  g.in('fc', () => gemm(g, g.op('Flatten', [g.op('GlobalAveragePool', [cat2])], { axis: 1 }), 8, 3));
  nameLast(g, 'logits');
  return finish(g, 'shufflenet', [{ name: 'images', dtype: 'f32', shape: ['batch', 3, 16, 16] }], [f32('features_nhwc', ['batch', 8, 8, 8]), f32('logits', ['batch', 3])], [{ batch: 1 }, { batch: 2 }], 13);
}
