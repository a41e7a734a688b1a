// Zoo models for the optimum family (see test/zoo/README.md): Hugging Face optimum's
// `decoder_model_merged.onnx` as transformers.js ships it. ONE graph with a bool input
// `use_cache_branch` [1] feeding an If: the then-branch is the decoder with past key/values, the
// else-branch the decoder without (the past inputs are then fed EMPTY, past length 0, and not
// read). Both branches read the outer graph's initializers (optimum dedups the two decoders'
// weights into the outer graph); logits and present.* come out of the If with a length that
// differs per branch (past + seq vs seq). Whisper's and T5's merged decoders: models-optimum-whisper.ts,
// models-optimum-t5.ts; the shared merge machinery: optimum-common.ts.

import { tensorFrom } from '../../ir/tensor.js';
import { dimOf, Graph, reshapeDyn, unsqueeze, type ZooInput } from './graph.js';
import { f32, finish, INT64_MAX, type ZooModel } from './models-common.js';
import { t5DecoderMerged } from './models-optimum-t5.js';
import { whisperDecoderMerged, whisperEncoder } from './models-optimum-whisper.js';
import { branch, lin, mergedIf, quantizeBranches, USE_CACHE, type BranchOutput } from './optimum-common.js';

export { USE_CACHE } from './optimum-common.js';

interface Gpt2Weights {
  wte: string; wpe: string; bias: string;
  layers: { ln1: [string, string]; cAttn: [string, string]; cProj: [string, string]; ln2: [string, string]; fc: [string, string]; proj: [string, string] }[];
  lnf: [string, string];
}

/** LayerNorm as opset 14 exports it, over the outer graph's gain/bias. */
function ln(g: Graph, x: string, [w, b]: [string, string]): string {
  const mean = (v: string): string => g.op('ReduceMean', [v], { axes: [-1], keepdims: 1 });
  const c = g.op('Sub', [x, mean(x)]);
  const varr = mean(g.op('Pow', [c, g.f32s(2)]));
  const norm = g.op('Div', [c, g.op('Sqrt', [g.op('Add', [varr, g.f32s(1e-5)])])]);
  return g.op('Add', [g.op('Mul', [norm, w]), b]);
}

const GPT2 = { V: 40, D: 16, H: 2, DH: 8, MAXPOS: 48, LAYERS: 2 };

/**
 * GPT-2 decoder body (GPT2LMHeadModel as optimum exports it at opset 14): position ids from the
 * attention mask (CumSum - 1, padding set to 1) Slice-d past the cache, pre-norm blocks with the
 * fused c_attn Split in three, keys/values Concat-ed after past_key_values.N.* (withPast), the
 * causal mask Slice-d out of the registered `bias` buffer at rows [k_len - q_len, k_len), the
 * padding mask as (1 - m) * finfo.min, gelu_new MLP, ln_f, the tied LM head.
 */
function gpt2Decoder(g: Graph, w: Gpt2Weights, withPast: boolean): BranchOutput[] {
  const { D, H, DH } = GPT2;
  const ids = 'input_ids', mask = 'attention_mask';
  const b = dimOf(g, ids, 0), s = dimOf(g, ids, 1);
  const cum = g.op('Sub', [g.op('CumSum', [mask, g.i64s(-1)]), g.constant('i64', [], [1])]);
  let posIds = g.op('Where', [g.op('Equal', [mask, g.constant('i64', [], [0])]), g.constant('i64', [], [1]), cum]);
  if (withPast) posIds = g.op('Slice', [posIds, dimOf(g, 'past_key_values.0.key', 2), g.constant('i64', [1], [INT64_MAX]), g.i64([1])]);
  let h = g.op('Add', [g.op('Gather', [w.wte, ids], { axis: 0 }), g.op('Gather', [w.wpe, posIds], { axis: 0 })]);
  const minVal = g.f32s(-3.4028234663852886e38);
  const ext = g.op('Mul', [g.op('Sub', [g.f32s(1), g.op('Cast', [unsqueeze(g, mask, [1, 2])], { to: 1 })]), minVal]);
  const total = withPast ? 'past_sequence_length + sequence_length' : 'sequence_length';
  const presentSpec = f32('', ['batch_size', H, total, DH]);
  const outs: BranchOutput[] = [];
  const presents: BranchOutput[] = [];
  w.layers.forEach((lw, l) => {
    h = g.in(`transformer.h.${l}`, () => {
      const qkv = lin(g, ln(g, h, lw.ln1), lw.cAttn);
      const [q, k, v] = g.opN('Split', [qkv, g.i64([D, D, D])], 3, { axis: 2 }) as [string, string, string];
      const heads = (t: string): string => g.op('Transpose', [reshapeDyn(g, t, [b, s, H, DH])], { perm: [0, 2, 1, 3] });
      let key = heads(k), value = heads(v);
      if (withPast) {
        key = g.op('Concat', [`past_key_values.${l}.key`, key], { axis: -2 });
        value = g.op('Concat', [`past_key_values.${l}.value`, value], { axis: -2 });
      }
      presents.push({ name: `${g.scope.split('/')[1]}_present.${l}.key`, value: key, spec: presentSpec });
      presents.push({ name: `${g.scope.split('/')[1]}_present.${l}.value`, value, spec: presentSpec });
      const qh = heads(q);
      const scores = g.op('Div', [g.op('MatMul', [qh, g.op('Transpose', [key], { perm: [0, 1, 3, 2] })]), g.f32s(Math.sqrt(DH))]);
      const kLen = dimOf(g, key, 2), qLen = dimOf(g, qh, 2);
      const rows = g.op('Slice', [w.bias, g.op('Sub', [kLen, qLen]), kLen, g.i64([2]), g.i64([1])]);
      const causal = g.op('Cast', [g.op('Slice', [rows, g.i64([0]), kLen, g.i64([3]), g.i64([1])])], { to: 9 });
      const p = g.op('Softmax', [g.op('Add', [g.op('Where', [causal, scores, minVal]), ext])], { axis: -1 });
      const ctx = reshapeDyn(g, g.op('Transpose', [g.op('MatMul', [p, value])], { perm: [0, 2, 1, 3] }), [b, s, D]);
      const r = g.op('Add', [h, lin(g, ctx, lw.cProj)]);
      const fc = lin(g, ln(g, r, lw.ln2), lw.fc);
      const x3 = g.op('Mul', [g.op('Pow', [fc, g.f32s(3)]), g.f32s(0.044715)]);
      const t = g.op('Tanh', [g.op('Mul', [g.op('Add', [fc, x3]), g.f32s(Math.sqrt(2 / Math.PI))])]);
      const gelu = g.op('Mul', [g.op('Mul', [g.f32s(0.5), fc]), g.op('Add', [g.f32s(1), t])]);
      return g.op('Add', [r, lin(g, gelu, lw.proj)]);
    });
  });
  const logits = g.op('MatMul', [ln(g, h, w.lnf), g.op('Transpose', [w.wte], { perm: [1, 0] })]);
  outs.push({ name: `${g.scope.split('/')[1]}_logits`, value: logits, spec: f32('', ['batch_size', 'sequence_length', GPT2.V]) });
  return [...outs, ...presents];
}

/** Seed 31: optimum's merged GPT-2 (decoder_model_merged.onnx), opset 14. */
export function gpt2Merged(quantized = false): ZooModel {
  const { V, D, H, DH, MAXPOS, LAYERS } = GPT2;
  const g = new Graph(31);
  const pair = (scope: string, shape: number[], fanIn: number, lnGain = false): [string, string] => g.in(scope, () => [
    lnGain ? g.uniform('weight', shape, 0.5, 1.5) : g.weight('weight', shape, fanIn),
    g.uniform('bias', [shape[shape.length - 1]!], -0.1, 0.1),
  ]);
  const tril = Array.from({ length: MAXPOS * MAXPOS }, (_, i) => (i % MAXPOS <= Math.floor(i / MAXPOS) ? 1 : 0));
  g.inits.push({ name: 'transformer.h.0.attn.bias', tensor: tensorFrom('u8', [1, 1, MAXPOS, MAXPOS], tril) });
  const w: Gpt2Weights = {
    wte: g.uniform('transformer.wte.weight', [V, D], -1, 1), wpe: g.uniform('transformer.wpe.weight', [MAXPOS, D], -1, 1),
    bias: 'transformer.h.0.attn.bias',
    layers: Array.from({ length: LAYERS }, (_, l) => g.in(`transformer.h.${l}`, () => ({
      ln1: pair('ln_1', [D], D, true), cAttn: pair('attn.c_attn', [D, 3 * D], D), cProj: pair('attn.c_proj', [D, D], D),
      ln2: pair('ln_2', [D], D, true), fc: pair('mlp.c_fc', [D, 4 * D], D), proj: pair('mlp.c_proj', [4 * D, D], 4 * D),
    }))),
    lnf: pair('transformer.ln_f', [D], D, true),
  };
  const then = branch(32, '/then', (bg) => gpt2Decoder(bg, w, true));
  const els = branch(33, '/else', (bg) => gpt2Decoder(bg, w, false));
  if (quantized) quantizeBranches(g, [then, els]);
  const outNames = ['logits', ...Array.from({ length: LAYERS }, (_, l) => [`present.${l}.key`, `present.${l}.value`]).flat()];
  mergedIf(g, outNames, then, els);
  const total = 'past_sequence_length + sequence_length';
  const past: (string | number)[] = ['batch_size', H, 'past_sequence_length', DH];
  const pastInputs: ZooInput[] = Array.from({ length: LAYERS }, (_, l) => [
    { name: `past_key_values.${l}.key`, dtype: 'f32' as const, shape: past }, { name: `past_key_values.${l}.value`, dtype: 'f32' as const, shape: past }]).flat();
  return finish(g, quantized ? 'gpt2_merged_quantized' : 'gpt2_merged', [
    { name: 'input_ids', dtype: 'i64', shape: ['batch_size', 'sequence_length'], vocab: V },
    { name: 'attention_mask', dtype: 'i64', shape: ['batch_size', total], mask: true },
    ...pastInputs, USE_CACHE,
  ], [f32('logits', ['batch_size', 'sequence_length', V]), ...outNames.slice(1).map((n) => f32(n, ['batch_size', H, total, DH]))],
  [
    { batch_size: 2, sequence_length: 5, past_sequence_length: 0, use_cache: 0 },
    { batch_size: 1, sequence_length: 1, past_sequence_length: 7, use_cache: 1 },
    { batch_size: 3, sequence_length: 3, past_sequence_length: 4, use_cache: 1 },
    // The cache branch with an empty past (a first step through the cache path).
    { batch_size: 2, sequence_length: 4, past_sequence_length: 0, use_cache: 1 },
  ], 14);
}

export const OPTIMUM_MODELS: Readonly<Record<string, () => ZooModel>> = {
  gpt2_merged: () => gpt2Merged(), gpt2_merged_quantized: () => gpt2Merged(true),
  whisper_decoder_merged: () => whisperDecoderMerged(), whisper_decoder_merged_quantized: () => whisperDecoderMerged(true),
  whisper_encoder: whisperEncoder, t5_decoder_merged: t5DecoderMerged,
};

/**
 * In ZOO (zoo-interp.test.ts): the models without the bool use_cache_branch input, which graph.ts'
 * makeInputs cannot make yet. zoo-optimum.test.ts runs all of OPTIMUM_MODELS on every backend.
 */
export const OPTIMUM_ZOO: Readonly<Record<string, () => ZooModel>> = { whisper_encoder: whisperEncoder };
