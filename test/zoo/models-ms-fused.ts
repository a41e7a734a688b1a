// Zoo models for the ms-fused family (see test/zoo/README.md): what onnxruntime's transformer
// optimizer (onnxruntime.transformers.optimizer, model_type bert, attention fusion off) and its
// graph fusions write for an encoder.

import { Graph, unsqueeze, type ZooInput } from './graph.js';
import { f32, finish, nameLast, type ZooModel } from './models-common.js';

const MS = 'com.microsoft';

/**
 * A 2-layer BERT encoder after onnxruntime's optimizer: embeddings (word + token type + position
 * Gathers) and LayerNormalization at opset 14 (onnxruntime's own registration below 17); per
 * layer the Q/K/V projections as MatMul + Add, heads split by Reshape with the constant shape
 * [0, 0, H, dh] (its reshape fusion), Q K^T as FusedMatMul(transB = 1, alpha = 1/sqrt(dh)) (the
 * Transpose and the Div folded in), mask bias, Softmax, the context merged back; each residual +
 * LayerNorm as SkipLayerNormalization with the dense layer's bias as its `bias` input; the FFN
 * activation as BiasGelu (layer 0) or FastGelu with bias (layer 1); the pooler's Gemm + Tanh as
 * FusedGemm(activation Tanh). Symbolic batch and sequence.
 */
export function bertOrtFused(): ZooModel {
  const g = new Graph(11);
  const V = 50, D = 32, HEADS = 4, DH = D / HEADS, FF = 64, MAXPOS = 40;
  const word = g.op('Gather', [g.uniform('embeddings.word_embeddings.weight', [V, D], -1, 1), 'input_ids'], { axis: 0 });
  const seq = g.op('Gather', [g.op('Shape', ['input_ids']), g.i64s(1)], { axis: 0 });
  const posIds = unsqueeze(g, g.op('Range', [g.i64s(0), seq, g.i64s(1)]), [0]);
  const pos = g.op('Gather', [g.uniform('embeddings.position_embeddings.weight', [MAXPOS, D], -1, 1), posIds], { axis: 0 });
  const typ = g.op('Gather', [g.uniform('embeddings.token_type_embeddings.weight', [2, D], -1, 1), 'token_type_ids'], { axis: 0 });
  const emb = g.op('Add', [g.op('Add', [word, typ]), pos]);
  let h = g.in('embeddings', () => g.op('LayerNormalization', [emb, g.uniform('LayerNorm.weight', [D], 0.5, 1.5), g.uniform('LayerNorm.bias', [D], -0.1, 0.1)], { axis: -1, epsilon: { float: 1e-12 } }));
  const ext = g.op('Cast', [unsqueeze(g, 'attention_mask', [1, 2])], { to: 1 });
  const maskBias = g.op('Mul', [g.op('Sub', [g.f32s(1), ext]), g.f32s(-10000)]);
  const matmul = (x: string, din: number, dout: number): string => g.op('MatMul', [x, g.weight('weight', [din, dout], din)]);
  const bias = (n: number): string => g.uniform('bias', [n], -0.1, 0.1);
  const skipNorm = (x: string, skip: string, dout: number): string => g.op(`${MS}:SkipLayerNormalization`,
    [x, skip, g.uniform('LayerNorm.weight', [dout], 0.5, 1.5), g.uniform('LayerNorm.bias', [dout], -0.1, 0.1), bias(dout)], { epsilon: { float: 1e-12 } });
  for (let l = 0; l < 2; l++) {
    h = g.in(`encoder.layer.${l}`, () => {
      const x = h;
      const heads = (t: string): string => g.op('Transpose', [g.op('Reshape', [t, g.i64([0, 0, HEADS, DH])])], { perm: [0, 2, 1, 3] });
      const proj = (name: string): string => g.in(`attention.self.${name}`, () => heads(g.op('Add', [matmul(x, D, D), bias(D)])));
      const [q, k, v] = [proj('query'), proj('key'), proj('value')];
      const scores = g.op(`${MS}:FusedMatMul`, [q, k], { alpha: { float: 1 / Math.sqrt(DH) }, transA: 0, transB: 1, transBatchA: 0, transBatchB: 0 });
      const p = g.op('Softmax', [g.op('Add', [scores, maskBias])], { axis: -1 });
      const ctx = g.op('Reshape', [g.op('Transpose', [g.op('MatMul', [p, v])], { perm: [0, 2, 1, 3] }), g.i64([0, 0, D])]);
      const a = g.in('attention.output', () => skipNorm(matmul(ctx, D, D), x, D));
      const ff = g.in('intermediate', () => (l === 0
        ? g.op(`${MS}:BiasGelu`, [matmul(a, D, FF), bias(FF)])
        : g.op(`${MS}:FastGelu`, [matmul(a, D, FF), bias(FF)])));
      return g.in('output', () => skipNorm(matmul(ff, FF, D), a, D));
    });
  }
  g.op('Identity', [h]);
  nameLast(g, 'last_hidden_state');
  const first = g.op('Gather', [h, g.i64s(0)], { axis: 1 });
  g.in('pooler.dense', () => g.op(`${MS}:FusedGemm`, [first, g.weight('weight', [D, D], D), bias(D)], { activation: 'Tanh', alpha: { float: 1 }, beta: { float: 1 }, transB: 1 }));
  nameLast(g, 'pooler_output');
  const ids = (name: string, extra: Partial<ZooInput>): ZooInput => ({ name, dtype: 'i64', shape: ['batch', 'sequence'], ...extra });
  return finish(g, 'bert_ort_fused', [ids('input_ids', { vocab: V }), ids('attention_mask', { mask: true }), ids('token_type_ids', { vocab: 2 })],
    [f32('last_hidden_state', ['batch', 'sequence', D]), f32('pooler_output', ['batch', D])],
    [{ batch: 1, sequence: 5 }, { batch: 3, sequence: 17 }, { batch: 2, sequence: 33 }], 14, { [MS]: 1 });
}

export const MS_FUSED_ZOO: Readonly<Record<string, () => ZooModel>> = { bert_ort_fused: bertOrtFused };
