// Zoo models for the ms-llm family (see test/zoo/README.md).

import { tensorFrom } from '../../ir/tensor.js';
import { Graph, rng } from './graph.js';
import { f32, finish, nameLast, type ZooModel } from './models-common.js';

/**
 * A q4 MatMulNBits as onnxruntime's 4-bit quantizer writes it (initializers `<scope>.MatMul.weight_Q4`,
 * `_scales`, `_zero_points`): random codes with scales sized for unit-variance outputs.
 */
function matMulNBits(g: Graph, x: string, k: number, n: number, bs: number, zeroPoints: boolean, seed: number): string {
  const r = rng(seed);
  const kb = Math.ceil(k / bs), base = `${g.scope}.MatMul`.replace(/^[/.]+/, '').replaceAll('/', '.');
  const add = (name: string, t: ReturnType<typeof tensorFrom>): string => { g.inits.push({ name: `${base}.${name}`, tensor: t }); return `${base}.${name}`; };
  const bytes = (len: number): Uint8Array => Uint8Array.from({ length: len }, () => Math.floor(r() * 256));
  // (code - zero point) has a standard deviation of about 4.6 for uniform 4-bit codes.
  const s = 1 / (4.6 * Math.sqrt(k));
  const ins = [x, add('weight_Q4', tensorFrom('u8', [n, kb, bs / 2], bytes(n * kb * (bs / 2)))),
    add('weight_scales', tensorFrom('f32', [n * kb], Float32Array.from({ length: n * kb }, () => s * (0.5 + r()))))];
  // Zero points near the middle code (as asymmetric quantization of centred weights gives).
  if (zeroPoints) {
    const row = Math.ceil(kb / 2);
    ins.push(add('weight_zero_points', tensorFrom('u8', [n * row], Uint8Array.from({ length: n * row }, () => (6 + Math.floor(r() * 4)) * 17))));
  }
  return g.op('com.microsoft:MatMulNBits', ins, { K: k, N: n, bits: 4, block_size: bs, accuracy_level: 0 });
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
  const V = 50, D = 64, H = 4, KVH = 2, HD = 16, FF = 96, MAX = 32;
  const rms = (x: string): string => {
    const v = g.op('ReduceMean', [g.op('Pow', [x, g.f32s(2)])], { axes: [-1], keepdims: 1 });
    return g.op('Mul', [g.op('Div', [x, g.op('Sqrt', [g.op('Add', [v, g.f32s(1e-5)])])]), g.uniform('weight', [D], 0.5, 1.5)]);
  };
  const ang = Array.from({ length: MAX * (HD / 2) }, (_, i) => Math.floor(i / (HD / 2)) * 10000 ** (-(i % (HD / 2)) / (HD / 2)));
  g.inits.push({ name: 'cos_cache', tensor: tensorFrom('f32', [MAX, HD / 2], ang.map(Math.cos)) }, { name: 'sin_cache', tensor: tensorFrom('f32', [MAX, HD / 2], ang.map(Math.sin)) });
  let h = g.in('model.embed_tokens', () => g.op('Gather', [g.uniform('weight', [V, D], -1, 1), 'input_ids'], { axis: 0 }));
  h = g.in('model.layers.0', () => {
    const x = g.in('input_layernorm', () => rms(h));
    const qkv = g.in('attn.qkv_proj', () => matMulNBits(g, x, D, (H + 2 * KVH) * HD, 32, false, 1));
    const [attn] = g.in('attn', () => g.opN('com.microsoft:GroupQueryAttention',
      [qkv, '', '', 'past_key_values.0.key', 'past_key_values.0.value', 'seqlens_k', 'total_sequence_length', 'cos_cache', 'sin_cache'], 3,
      { num_heads: H, kv_num_heads: KVH, do_rotary: 1, rotary_interleaved: 0, local_window_size: -1, scale: { float: 1 / Math.sqrt(HD) } }));
    const gqaNode = g.nodes[g.nodes.length - 1]!;
    g.nodes[g.nodes.length - 1] = { ...gqaNode, outputs: [gqaNode.outputs[0]!, 'present.0.key', 'present.0.value'] };
    const r = g.op('Add', [h, g.in('attn.o_proj', () => matMulNBits(g, attn!, H * HD, D, 16, true, 2))]);
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

export const MS_LLM_ZOO: Readonly<Record<string, () => ZooModel>> = { phi3_q4: phi3Q4 };
