// Zoo models for the optimum family: Whisper as optimum exports it for transformers.js
// (encoder_model.onnx, and decoder_model_merged.onnx with the cross-attention cache).

import type { ValueSpec } from '../../src/onnx/writer.js';
import { dimOf, Graph, reshapeDyn, unsqueeze } from './graph.js';
import { f32, finish, nameLast, type ZooModel } from './models-common.js';
import { branch, hoistConstants, lin, mergedIf, quantizeBranches, seq2seqCache, USE_CACHE, type BranchOutput } from './optimum-common.js';

const WHISPER = { V: 36, D: 16, H: 2, DH: 8, FF: 32, MAXPOS: 40, LAYERS: 2, MELS: 8, FRAMES: 16 };

interface AttnWeights { q: [string, string]; k: string; v: [string, string]; o: [string, string] }
interface WhisperDecWeights {
  embed: string; pos: string;
  layers: { ln1: [string, string]; self: AttnWeights; ln2: [string, string]; cross: AttnWeights; ln3: [string, string]; fc1: [string, string]; fc2: [string, string] }[];
  lnf: [string, string];
}

const layerNorm17 = (g: Graph, x: string, [w, b]: [string, string]): string => g.op('LayerNormalization', [x, w, b], { axis: -1, epsilon: 1e-5 });

/** Whisper's GELU (exact, erf). */
function gelu(g: Graph, x: string): string {
  const e = g.op('Erf', [g.op('Div', [x, g.f32s(Math.SQRT2)])]);
  return g.op('Mul', [g.op('Mul', [x, g.op('Add', [e, g.f32s(1)])]), g.f32s(0.5)]);
}

/** `t.view(bsz, len, H, dh).transpose(1, 2)` with bsz and len read from t's Shape. */
function splitHeads(g: Graph, t: string): string {
  return g.op('Transpose', [reshapeDyn(g, t, [dimOf(g, t, 0), dimOf(g, t, 1), WHISPER.H, WHISPER.DH])], { perm: [0, 2, 1, 3] });
}

/**
 * WhisperAttention as transformers 4.3x exports it: q_proj(h) * dh^-0.5, heads folded into the
 * batch for bmm (view(bsz * H, -1, dh)), the scores viewed back to (bsz, H, tgt, src) to add the
 * mask, Softmax, bmm with the values, heads merged back by view + transpose + reshape(bsz, tgt, D).
 */
function whisperAttention(g: Graph, h: string, w: AttnWeights, key: string, value: string, mask?: string): string {
  const { H, DH, D } = WHISPER;
  const bsz = dimOf(g, h, 0), tgt = dimOf(g, h, 1);
  const q = splitHeads(g, g.op('Mul', [lin(g, h, w.q), g.f32s(DH ** -0.5)]));
  const bh = g.op('Mul', [bsz, g.i64([H])]);
  const fold = (t: string): string => reshapeDyn(g, t, [bh, -1, DH]);
  let scores = g.op('MatMul', [fold(q), g.op('Transpose', [fold(key)], { perm: [0, 2, 1] })]);
  if (mask) {
    const src = dimOf(g, key, 2);
    scores = reshapeDyn(g, g.op('Add', [reshapeDyn(g, scores, [bsz, H, tgt, src]), mask]), [bh, tgt, src]);
  }
  const ctx = g.op('MatMul', [g.op('Softmax', [scores], { axis: -1 }), fold(value)]);
  const merged = g.op('Transpose', [reshapeDyn(g, ctx, [bsz, H, tgt, DH])], { perm: [0, 2, 1, 3] });
  return lin(g, reshapeDyn(g, merged, [bsz, tgt, D]), w.o);
}

/**
 * Whisper's decoder (WhisperForConditionalGeneration's decoder + proj_out tied to embed_tokens).
 * withPast: positions Slice-d from embed_positions at [past, past + seq), self-attention keys and
 * values Concat-ed after past_key_values.N.decoder.*, cross-attention over the PASSED-IN
 * past_key_values.N.encoder.* (passed through as present.N.encoder.*); without: positions [0, seq),
 * cross keys/values projected from encoder_hidden_states. The causal mask is additive,
 * finfo.min where key position > past + query position.
 */
function whisperDecoder(g: Graph, w: WhisperDecWeights, withPast: boolean): BranchOutput[] {
  const { V, H, DH } = WHISPER;
  const tag = g.scope.split('/')[1]!;
  const ids = 'input_ids';
  const seq = dimOf(g, ids, 1);
  const past = withPast ? dimOf(g, 'past_key_values.0.decoder.key', 2) : g.i64([0]);
  const end = g.op('Add', [past, seq]);
  const pos = g.op('Slice', [w.pos, past, end, g.i64([0]), g.i64([1])]);
  let h = g.op('Add', [g.op('Gather', [w.embed, ids], { axis: 0 }), pos]);
  // Causal mask (tgt, past + tgt): key j is masked for query i when j > past + i.
  const sq = (t: string): string => g.op('Squeeze', [t, g.i64([0])]);
  const kpos = g.op('Range', [g.i64s(0), sq(end), g.i64s(1)]);
  const qpos = g.op('Range', [sq(past), sq(end), g.i64s(1)]);
  const future = g.op('Greater', [unsqueeze(g, kpos, [0]), unsqueeze(g, qpos, [1])]);
  const mask = g.op('Where', [future, g.f32s(-3.4028234663852886e38), g.f32s(0)]);
  const selfLen = withPast ? 'past_decoder_sequence_length + decoder_sequence_length' : 'decoder_sequence_length';
  const encLen = withPast ? 'encoder_sequence_length_out' : 'encoder_sequence_length';
  const presents: BranchOutput[] = [];
  w.layers.forEach((lw, l) => {
    h = g.in(`layers.${l}`, () => {
      const x1 = layerNorm17(g, h, lw.ln1);
      let key = splitHeads(g, g.op('MatMul', [x1, lw.self.k])), value = splitHeads(g, lin(g, x1, lw.self.v));
      if (withPast) {
        key = g.op('Concat', [`past_key_values.${l}.decoder.key`, key], { axis: 2 });
        value = g.op('Concat', [`past_key_values.${l}.decoder.value`, value], { axis: 2 });
      }
      const r1 = g.op('Add', [h, g.in('self_attn', () => whisperAttention(g, x1, lw.self, key, value, mask))]);
      const x2 = layerNorm17(g, r1, lw.ln2);
      let ck: string, cv: string;
      if (withPast) {
        ck = `past_key_values.${l}.encoder.key`;
        cv = `past_key_values.${l}.encoder.value`;
      } else {
        ck = splitHeads(g, g.op('MatMul', ['encoder_hidden_states', lw.cross.k]));
        cv = splitHeads(g, lin(g, 'encoder_hidden_states', lw.cross.v));
      }
      const r2 = g.op('Add', [r1, g.in('encoder_attn', () => whisperAttention(g, x2, lw.cross, ck, cv))]);
      const ff = lin(g, gelu(g, lin(g, layerNorm17(g, r2, lw.ln3), lw.fc1)), lw.fc2);
      const spec = (len: string): ValueSpec => f32('', ['batch_size', H, len, DH]);
      presents.push({ name: `${tag}_present.${l}.decoder.key`, value: key, spec: spec(selfLen) });
      presents.push({ name: `${tag}_present.${l}.decoder.value`, value, spec: spec(selfLen) });
      presents.push({ name: `${tag}_present.${l}.encoder.key`, value: ck, spec: spec(encLen) });
      presents.push({ name: `${tag}_present.${l}.encoder.value`, value: cv, spec: spec(encLen) });
      return g.op('Add', [r2, ff]);
    });
  });
  const logits = g.op('MatMul', [layerNorm17(g, h, w.lnf), g.op('Transpose', [w.embed], { perm: [1, 0] })]);
  return [{ name: `${tag}_logits`, value: logits, spec: f32('', ['batch_size', 'decoder_sequence_length', V]) }, ...presents];
}

/** Seed 41: optimum's merged Whisper decoder (decoder_model_merged.onnx), opset 17. */
export function whisperDecoderMerged(quantized = false): ZooModel {
  const { V, D, H, DH, FF, MAXPOS, LAYERS } = WHISPER;
  const g = new Graph(41);
  const pair = (scope: string, shape: number[], fanIn: number, lnGain = false): [string, string] => g.in(scope, () => [
    lnGain ? g.uniform('weight', shape, 0.5, 1.5) : g.weight('weight', shape, fanIn),
    g.uniform('bias', [shape[shape.length - 1]!], -0.1, 0.1),
  ]);
  const attn = (scope: string): AttnWeights => g.in(scope, () => ({
    q: pair('q_proj', [D, D], D), k: g.in('k_proj', () => g.weight('weight', [D, D], D)), v: pair('v_proj', [D, D], D), o: pair('out_proj', [D, D], D),
  }));
  const w: WhisperDecWeights = {
    embed: g.uniform('model.decoder.embed_tokens.weight', [V, D], -1, 1), pos: g.uniform('model.decoder.embed_positions.weight', [MAXPOS, D], -1, 1),
    layers: Array.from({ length: LAYERS }, (_, l) => g.in(`model.decoder.layers.${l}`, () => ({
      ln1: pair('self_attn_layer_norm', [D], D, true), self: attn('self_attn'), ln2: pair('encoder_attn_layer_norm', [D], D, true),
      cross: attn('encoder_attn'), ln3: pair('final_layer_norm', [D], D, true), fc1: pair('fc1', [D, FF], D), fc2: pair('fc2', [FF, D], FF),
    }))),
    lnf: pair('model.decoder.layer_norm', [D], D, true),
  };
  const then = branch(42, '/then', (bg) => whisperDecoder(bg, w, true));
  const els = branch(43, '/else', (bg) => whisperDecoder(bg, w, false));
  // GPT-2's branches keep their Constant nodes; Whisper's are read from the outer graph.
  hoistConstants(g, [then, els]);
  if (quantized) quantizeBranches(g, [then, els]);
  const { outNames, pastInputs, presents } = seq2seqCache(LAYERS, H, DH);
  mergedIf(g, outNames, then, els);
  return finish(g, quantized ? 'whisper_decoder_merged_quantized' : 'whisper_decoder_merged', [
    { name: 'input_ids', dtype: 'i64', shape: ['batch_size', 'decoder_sequence_length'], vocab: V },
    { name: 'encoder_hidden_states', dtype: 'f32', shape: ['batch_size', 'encoder_sequence_length', D] },
    ...pastInputs, USE_CACHE,
  ], [f32('logits', ['batch_size', 'decoder_sequence_length', V]), ...presents],
  [
    // The first step: no cache, the past inputs empty (both lengths 0).
    { batch_size: 2, decoder_sequence_length: 4, encoder_sequence_length: 6, past_decoder_sequence_length: 0, encoder_sequence_length_out: 0, use_cache: 0 },
    // Later steps: the cache branch reuses the encoder keys/values the first step returned.
    { batch_size: 1, decoder_sequence_length: 1, encoder_sequence_length: 6, past_decoder_sequence_length: 5, encoder_sequence_length_out: 6, use_cache: 1 },
    { batch_size: 3, decoder_sequence_length: 2, encoder_sequence_length: 7, past_decoder_sequence_length: 3, encoder_sequence_length_out: 7, use_cache: 1 },
  ], 17);
}

/**
 * Seed 51: Whisper's encoder (encoder_model.onnx), opset 17: input_features (batch, mels, frames)
 * with frames fixed (Whisper pads every clip to 30 s), Conv1d k3 + GELU, Conv1d k3 stride 2 +
 * GELU, permute to (batch, time, d), plus the whole embed_positions weight, 2 pre-norm encoder
 * layers (unmasked self-attention, GELU FFN), the final layer_norm.
 */
export function whisperEncoder(): ZooModel {
  const { D, FF, MELS, FRAMES, LAYERS } = WHISPER;
  const T = FRAMES / 2;
  const g = new Graph(51);
  const pair = (scope: string, shape: number[], fanIn: number, lnGain = false): [string, string] => g.in(scope, () => [
    lnGain ? g.uniform('weight', shape, 0.5, 1.5) : g.weight('weight', shape, fanIn),
    g.uniform('bias', [shape[shape.length - 1]!], -0.1, 0.1),
  ]);
  const conv1 = (x: string, cin: number, stride: number): string => g.op('Conv', [x, g.weight('weight', [D, cin, 3], cin * 3), g.uniform('bias', [D], -0.1, 0.1)],
    { dilations: [1], group: 1, kernel_shape: [3], pads: [1, 1], strides: [stride] });
  let h = g.in('model.encoder.conv1', () => gelu(g, conv1('input_features', MELS, 1)));
  h = g.in('model.encoder.conv2', () => gelu(g, conv1(h, D, 2)));
  h = g.op('Add', [g.op('Transpose', [h], { perm: [0, 2, 1] }), g.uniform('model.encoder.embed_positions.weight', [T, D], -1, 1)]);
  for (let l = 0; l < LAYERS; l++) {
    h = g.in(`model.encoder.layers.${l}`, () => {
      const aw: AttnWeights = g.in('self_attn', () => ({
        q: pair('q_proj', [D, D], D), k: g.in('k_proj', () => g.weight('weight', [D, D], D)), v: pair('v_proj', [D, D], D), o: pair('out_proj', [D, D], D),
      }));
      const x = layerNorm17(g, h, pair('self_attn_layer_norm', [D], D, true));
      const k = splitHeads(g, g.op('MatMul', [x, aw.k])), v = splitHeads(g, lin(g, x, aw.v));
      const r = g.op('Add', [h, g.in('self_attn', () => whisperAttention(g, x, aw, k, v))]);
      const ff = lin(g, gelu(g, lin(g, layerNorm17(g, r, pair('final_layer_norm', [D], D, true)), pair('fc1', [D, FF], D))), pair('fc2', [FF, D], FF));
      return g.op('Add', [r, ff]);
    });
  }
  layerNorm17(g, h, pair('model.encoder.layer_norm', [D], D, true));
  nameLast(g, 'last_hidden_state');
  return finish(g, 'whisper_encoder', [{ name: 'input_features', dtype: 'f32', shape: ['batch_size', MELS, FRAMES] }],
    [f32('last_hidden_state', ['batch_size', T, D])], [{ batch_size: 1 }, { batch_size: 3 }], 17);
}

