// Zoo models for the ms-llm family (see test/zoo/README.md).

import { tensorFrom } from '../../ir/tensor.js';
import { Graph, rng } from './graph.js';
import { f32, finish, nameLast, type ZooModel } from './models-common.js';

/**
 * A q4 MatMulNBits as onnxruntime's 4-bit quantizer writes it (initializers `<scope>.MatMul.weight_Q4`,
 * `_scales`, `_zero_points`): random codes with scales sized for unit-variance outputs.
 */
interface Q4 { codes: Uint8Array; scales: Float32Array; zeroPoints: Uint8Array | null }

/** Random 4-bit weights for an [n, k] matrix in blocks of bs along k, scaled for unit-variance outputs. */
function q4Weights(k: number, n: number, bs: number, zeroPoints: boolean, seed: number): Q4 {
  const r = rng(seed);
  const kb = Math.ceil(k / bs);
  // (code - zero point) has a standard deviation of about 4.6 for uniform 4-bit codes.
  const s = 1 / (4.6 * Math.sqrt(k));
  return {
    codes: Uint8Array.from({ length: n * kb * (bs / 2) }, () => Math.floor(r() * 256)),
    scales: Float32Array.from({ length: n * kb }, () => s * (0.5 + r())),
    // Zero points near the middle code (as asymmetric quantization of centred weights gives).
    zeroPoints: zeroPoints ? Uint8Array.from({ length: n * Math.ceil(kb / 2) }, () => (6 + Math.floor(r() * 4)) * 17) : null,
  };
}

const scopeName = (g: Graph, name: string): string => `${g.scope}.${name}`.replace(/^[/.]+/, '').replaceAll('/', '.');

function matMulNBits(g: Graph, x: string, k: number, n: number, bs: number, zeroPoints: boolean, seed: number, w = q4Weights(k, n, bs, zeroPoints, seed), bias?: string): string {
  const kb = Math.ceil(k / bs), base = scopeName(g, 'MatMul');
  const add = (name: string, t: ReturnType<typeof tensorFrom>): string => { g.inits.push({ name: `${base}.${name}`, tensor: t }); return `${base}.${name}`; };
  const ins = [x, add('weight_Q4', tensorFrom('u8', [n, kb, bs / 2], w.codes)), add('weight_scales', tensorFrom('f32', [n * kb], w.scales))];
  if (w.zeroPoints) ins.push(add('weight_zero_points', tensorFrom('u8', [w.zeroPoints.length], w.zeroPoints)));
  if (bias) ins.push(...(w.zeroPoints ? [''] : ['', '']), bias);
  return g.op('com.microsoft:MatMulNBits', ins, { K: k, N: n, bits: 4, block_size: bs, accuracy_level: 0 });
}

/** Rotary caches [max, hd/2] of the default theta, as the builder stores them. */
function rotaryCaches(g: Graph, max: number, hd: number): void {
  const ang = Array.from({ length: max * (hd / 2) }, (_, i) => Math.floor(i / (hd / 2)) * 10000 ** (-(i % (hd / 2)) / (hd / 2)));
  g.inits.push({ name: 'cos_cache', tensor: tensorFrom('f32', [max, hd / 2], ang.map(Math.cos)) }, { name: 'sin_cache', tensor: tensorFrom('f32', [max, hd / 2], ang.map(Math.sin)) });
}

/** RMSNorm in standard ops (Pow, ReduceMean, Add, Sqrt, Div, Mul). */
function rmsNorm(g: Graph, x: string, d: number): string {
  const v = g.op('ReduceMean', [g.op('Pow', [x, g.f32s(2)])], { axes: [-1], keepdims: 1 });
  return g.op('Mul', [g.op('Div', [x, g.op('Sqrt', [g.op('Add', [v, g.f32s(1e-5)])])]), g.uniform('weight', [d], 0.5, 1.5)]);
}

/** A GroupQueryAttention node whose outputs 1 and 2 are the graph's present.0.key / present.0.value. */
function gqaNode(g: Graph, inputs: string[], attrs: Parameters<Graph['op']>[2]): string {
  const [attn] = g.opN('com.microsoft:GroupQueryAttention', inputs, 3, attrs);
  const n = g.nodes[g.nodes.length - 1]!;
  g.nodes[g.nodes.length - 1] = { ...n, outputs: [n.outputs[0]!, 'present.0.key', 'present.0.value'] };
  return attn!;
}

/**
 * Phi-3-mini as onnxruntime-genai's builder writes its int4 CPU/web export, in miniature: one
 * decoder layer + LM head. Embedding Gather, RMSNorm in standard ops (Pow, ReduceMean, Add, Sqrt,
 * Div, Mul), MatMulNBits projections (packed qkv, o, fused gate_up split in two, down, lm_head;
 * block sizes 32 and 16, with and without zero points), GroupQueryAttention on the packed QKV with
 * do_rotary (cos/sin caches as initializers), past_key/past_value in, present.* out, seqlens_k and
 * total_sequence_length as int32 inputs (genai feeds past + sequence - 1 and past + sequence), the
 * SiLU-gated MLP. accuracy_level 0: onnxruntime's int8-activation path (level 4) is a different
 * numerics choice than the f32 reference the zoo compares at rtol 1e-3.
 */
export function phi3Q4(): ZooModel {
  const g = new Graph(61);
  const V = 50, D = 64, H = 4, KVH = 2, HD = 16, FF = 96;
  const rms = (x: string): string => rmsNorm(g, x, D);
  rotaryCaches(g, 32, HD);
  let h = g.in('model.embed_tokens', () => g.op('Gather', [g.uniform('weight', [V, D], -1, 1), 'input_ids'], { axis: 0 }));
  h = g.in('model.layers.0', () => {
    const x = g.in('input_layernorm', () => rms(h));
    const qkv = g.in('attn.qkv_proj', () => matMulNBits(g, x, D, (H + 2 * KVH) * HD, 32, false, 1));
    const attn = g.in('attn', () => gqaNode(g,
      [qkv, '', '', 'past_key_values.0.key', 'past_key_values.0.value', 'seqlens_k', 'total_sequence_length', 'cos_cache', 'sin_cache'],
      { num_heads: H, kv_num_heads: KVH, do_rotary: 1, rotary_interleaved: 0, local_window_size: -1, scale: { float: 1 / Math.sqrt(HD) } }));
    const r = g.op('Add', [h, g.in('attn.o_proj', () => matMulNBits(g, attn, H * HD, D, 16, true, 2))]);
    const y = g.in('post_attention_layernorm', () => rms(r));
    const gateUp = g.in('mlp.gate_up_proj', () => matMulNBits(g, y, D, 2 * FF, 32, true, 3));
    const [gate, up] = g.opN('Split', [gateUp, g.i64([FF, FF])], 2, { axis: -1 });
    const act = g.op('Mul', [g.op('Mul', [gate!, g.op('Sigmoid', [gate!])]), up!]);
    return g.op('Add', [r, g.in('mlp.down_proj', () => matMulNBits(g, act, FF, D, 32, false, 4))]);
  });
  const n = g.in('model.norm', () => rms(h));
  g.in('lm_head', () => matMulNBits(g, n, D, V, 32, true, 5));
  nameLast(g, 'logits');
  const past = ['batch', KVH, 'past_sequence', HD];
  return finish(g, 'phi3_q4', [
    { name: 'input_ids', dtype: 'i64', shape: ['batch', 'sequence'], vocab: V },
    { name: 'past_key_values.0.key', dtype: 'f32', shape: past },
    { name: 'past_key_values.0.value', dtype: 'f32', shape: past },
    { name: 'seqlens_k', dtype: 'i32', shape: ['batch'], equals: 'past_sequence + sequence - 1' },
    { name: 'total_sequence_length', dtype: 'i32', shape: [], equals: 'past_sequence + sequence' },
  ], [
    f32('logits', ['batch', 'sequence', V]),
    f32('present.0.key', ['batch', KVH, 'past_sequence + sequence', HD]),
    f32('present.0.value', ['batch', KVH, 'past_sequence + sequence', HD]),
  ], [{ batch: 1, sequence: 7, past_sequence: 0 }, { batch: 2, sequence: 1, past_sequence: 9 }, { batch: 1, sequence: 3, past_sequence: 5 }], 17, { 'com.microsoft': 1 });
}

/**
 * Qwen2.5 as onnxruntime-genai's builder writes an int4 export with tied (shared) embeddings, in
 * miniature: the embedding is a GatherBlockQuantized over the LM head's 4-bit weights (uint8,
 * two codes per byte, block 32, zero points), seqlens_k and total_sequence_length computed in the
 * graph from attention_mask (ReduceSum - 1, Shape[1], each Cast to int32), separate q/k/v
 * MatMulNBits with bias (Qwen's qkv bias) feeding GroupQueryAttention with do_rotary, gate/up/down
 * MatMulNBits, RMSNorm in standard ops; the LM head is a MatMulNBits on the same codes.
 */
export function qwenQ4(): ZooModel {
  const g = new Graph(62);
  const V = 40, D = 64, H = 4, KVH = 1, HD = 16, FF = 80, BS = 32;
  const rms = (x: string): string => rmsNorm(g, x, D);
  rotaryCaches(g, 32, HD);
  const tied = q4Weights(D, V, BS, true, 10);
  const mask = 'attention_mask';
  const seqlens = g.op('Cast', [g.op('Sub', [g.op('ReduceSum', [mask, g.i64([1])], { keepdims: 0 }), g.constant('i64', [], [1])])], { to: 6 });
  const total = g.op('Cast', [g.op('Gather', [g.op('Shape', [mask]), g.i64s(1)], { axis: 0 })], { to: 6 });
  let h = g.in('model.embed_tokens', () => {
    const kb = D / BS, base = scopeName(g, 'Gather');
    g.inits.push({ name: `${base}.weight_Q4`, tensor: tensorFrom('u8', [V, D / 2], tied.codes) }, { name: `${base}.weight_scales`, tensor: tensorFrom('f32', [V, kb], tied.scales) },
      { name: `${base}.weight_zero_points`, tensor: tensorFrom('u8', [V, Math.ceil(kb / 2)], tied.zeroPoints!) });
    // The tied codes have the LM head's scale (unit-variance logits); the embedding is scaled back up.
    const e = g.op('com.microsoft:GatherBlockQuantized', [`${base}.weight_Q4`, 'input_ids', `${base}.weight_scales`, `${base}.weight_zero_points`], { gather_axis: 0, quantize_axis: 1, block_size: BS, bits: 4 });
    return g.op('Mul', [e, g.f32s(4.6 * Math.sqrt(D) / 2)]);
  });
  h = g.in('model.layers.0', () => {
    const x = g.in('input_layernorm', () => rms(h));
    const proj = (name: string, n: number, seed: number): string => g.in(`attn.${name}`, () => matMulNBits(g, x, D, n, BS, seed % 2 === 0, seed, undefined, g.uniform('bias', [n], -0.2, 0.2)));
    const [q, k, v] = [proj('q_proj', H * HD, 11), proj('k_proj', KVH * HD, 12), proj('v_proj', KVH * HD, 13)];
    const attn = g.in('attn', () => gqaNode(g, [q, k, v, 'past_key_values.0.key', 'past_key_values.0.value', seqlens, total, 'cos_cache', 'sin_cache'],
      { num_heads: H, kv_num_heads: KVH, do_rotary: 1, rotary_interleaved: 0 }));
    const r = g.op('Add', [h, g.in('attn.o_proj', () => matMulNBits(g, attn, H * HD, D, BS, false, 14))]);
    const y = g.in('post_attention_layernorm', () => rms(r));
    const gate = g.in('mlp.gate_proj', () => matMulNBits(g, y, D, FF, BS, true, 15));
    const up = g.in('mlp.up_proj', () => matMulNBits(g, y, D, FF, BS, false, 16));
    const act = g.op('Mul', [g.op('Mul', [gate, g.op('Sigmoid', [gate])]), up]);
    return g.op('Add', [r, g.in('mlp.down_proj', () => matMulNBits(g, act, FF, D, 16, true, 17))]);
  });
  const n = g.in('model.norm', () => rms(h));
  g.in('lm_head', () => matMulNBits(g, n, D, V, BS, true, 0, tied));
  nameLast(g, 'logits');
  const past = ['batch', KVH, 'past_sequence', HD];
  return finish(g, 'qwen_q4', [
    { name: 'input_ids', dtype: 'i64', shape: ['batch', 'sequence'], vocab: V },
    { name: mask, dtype: 'i64', shape: ['batch', 'past_sequence + sequence'], equals: '1' },
    { name: 'past_key_values.0.key', dtype: 'f32', shape: past },
    { name: 'past_key_values.0.value', dtype: 'f32', shape: past },
  ], [
    f32('logits', ['batch', 'sequence', V]),
    f32('present.0.key', ['batch', KVH, 'past_sequence + sequence', HD]),
    f32('present.0.value', ['batch', KVH, 'past_sequence + sequence', HD]),
  ], [{ batch: 2, sequence: 5, past_sequence: 0 }, { batch: 2, sequence: 1, past_sequence: 8 }, { batch: 1, sequence: 1, past_sequence: 3 }], 17, { 'com.microsoft': 1 });
}

export const MS_LLM_ZOO: Readonly<Record<string, () => ZooModel>> = { phi3_q4: phi3Q4, qwen_q4: qwenQ4 };
