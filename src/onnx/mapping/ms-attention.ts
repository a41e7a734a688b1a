// ONNX -> IR mapping entries for onnxruntime's contrib ops (domain com.microsoft): attention (Attention, MultiHeadAttention, EmbedLayerNormalization, RotaryEmbedding).
// onnxruntime writes these into models its transformer optimizer or quantizer saved, and web
// model hubs ship such models; each lowers to standard IR ops with onnxruntime's semantics
// (onnxruntime-node is the reference the tests compare with).
//
// Attention and MultiHeadAttention become the IR `attention` op on 3-D Q/K/V (heads as attributes),
// so the backends' attention kernels run them. onnxruntime's masks are additive: a masked key gets
// `mask_filter_value` (default -10000) ADDED to its score, not -inf, so a row whose keys are all
// padded still spreads over them; the mask is therefore built here as an f32 tensor
// [B, 1, 1|S, T] (plus attention_bias) and passed as attn_mask. unidirectional is the op's
// is_causal: onnxruntime writes the lowest float over the causal part, which softmax turns into
// exact zeros as the op's -inf does, with the frontier moved by the past length in both.
import { attr } from '../../../ir/attrs.js';
import type { AttrValue, Value } from '../../../ir/ir.js';
import { tensorFrom } from '../../../ir/tensor.js';
import type { Dim } from '../../../ir/types.js';
import type { Lowerer, Lowering, MappingTable } from '../mapping-api.js';
import { since } from './helpers.js';
import { EMBED_MAPPINGS } from './ms-attention-embed.js';
import { dimScalar, msAttrs, refuseInputs } from './ms-attention-util.js';

const staticDim = (b: Lowerer, d: Dim | undefined, what: string): number =>
  typeof d === 'number' ? d : b.fail(`${what} must be static, got ${String(d ?? 'unranked')}`, 'E205');

const scalarOf = (b: Lowerer, like: Value, x: number): Value => b.constant(tensorFrom(like.type.dtype, [], [x]));

/**
 * onnxruntime's mask_index / key_padding_mask as an additive mask broadcastable to [B, H, S, T]:
 * 1-D [B] key lengths (keys at or past the length masked), 1-D [2B] ends then starts (left
 * padding too), 2-D [B, T] and 3-D [B, S, T] raw 0/1 masks (a value > 0 keeps the key).
 * `total` is T as an i64 scalar (past + new keys); `q` gives the batch dim and the float dtype.
 */
function additiveMask(b: Lowerer, mask: Value, q: Value, total: () => Value, filter: number, allow2B: boolean): Value {
  const shape = mask.type.shape;
  if (!shape) return b.fail('the mask must be ranked', 'E205');
  const fill = scalarOf(b, q, filter), zero = scalarOf(b, q, 0);
  if (shape.length === 1) {
    const batch = q.type.shape?.[0];
    const n = shape[0];
    let twoB = false;
    if (n !== batch) {
      if (typeof n === 'number' && typeof batch === 'number' && n === 2 * batch && allow2B) twoB = true;
      else b.fail(`1-D mask of ${String(n)} entries for batch ${String(batch)}: only the [batch] key lengths${allow2B ? ' and [2 * batch] end/start' : ''} forms are supported (the [3 * batch + 2] form is not)`, 'E205');
    }
    const pos = b.emit('range', [b.constInts([0], []), total(), b.constInts([1], [])])[0]!;
    const m64 = b.emit('cast', [mask], { to: attr.dtype('i64') })[0]!;
    const nb = typeof batch === 'number' ? batch : 0;
    const ends = twoB ? b.emit('slice', [m64, b.constInts([0]), b.constInts([nb])])[0]! : m64;
    const col = (v: Value): Value => b.emit('unsqueeze', [v, b.constInts([1])])[0]!;
    let masked = b.emit('greater_or_equal', [pos, col(ends)])[0]!;
    if (twoB) {
      const starts = b.emit('slice', [m64, b.constInts([nb]), b.constInts([2 * nb])])[0]!;
      masked = b.emit('or', [masked, b.emit('less', [pos, col(starts)])[0]!])[0]!;
    }
    const add = b.emit('where', [masked, fill, zero])[0]!;
    return b.emit('unsqueeze', [add, b.constInts([1, 2])])[0]!;
  }
  if (shape.length !== 2 && shape.length !== 3) {
    return b.fail(`a ${shape.length}-D mask is not supported (onnxruntime's CPU kernels take 1-D, 2-D and 3-D masks)`, 'E205');
  }
  const keep = b.emit('greater', [mask, b.constant(tensorFrom(mask.type.dtype, [], [0]))])[0]!;
  const add = b.emit('where', [keep, zero, fill])[0]!;
  return b.emit('unsqueeze', [add, b.constInts(shape.length === 2 ? [1, 2] : [1])])[0]!;
}

interface Sdpa {
  q: Value; k: Value; v: Value; heads: number;
  mask: Value | null; bias: Value | null;
  pastK: Value | null; pastV: Value | null;
  scale: number | undefined; causal: boolean; presents: boolean;
}

/** The additive mask and attention_bias summed into one attn_mask (either may be absent). */
function sdpaMask(b: Lowerer, mask: Value | null, bias: Value | null): Value | null {
  return mask && bias ? b.emit('add', [mask, bias])[0]! : mask ?? bias;
}

function sdpaAttrs(scale: number | undefined, causal: boolean): Record<string, AttrValue> {
  const attrs: Record<string, AttrValue> = {};
  // onnxruntime reads scale = 0 (its attribute default) as 1/sqrt(head size), written or not.
  if (scale !== undefined && scale !== 0) attrs['scale'] = attr.float(scale);
  if (causal) attrs['is_causal'] = attr.int(1);
  return attrs;
}

/** The IR attention op on 3-D Q/K/V (heads as attributes). */
function sdpa(b: Lowerer, a: Sdpa): Value[] {
  const attrs = { q_num_heads: attr.int(a.heads), kv_num_heads: attr.int(a.heads), ...sdpaAttrs(a.scale, a.causal) };
  return b.emit('attention', [a.q, a.k, a.v, sdpaMask(b, a.mask, a.bias), a.pastK, a.pastV], attrs, { results: a.presents ? 3 : 1 });
}

/** Present length T = past + new keys as an i64 scalar (past as [B, H, P, Dh]). */
function totalLen(b: Lowerer, k: Value, seqAxis: number, past: Value | null): Value {
  const kv = dimScalar(b, k, seqAxis);
  return past ? b.emit('add', [kv, dimScalar(b, past, 2)])[0]! : kv;
}

const heads = (b: Lowerer, n: number): number => (n > 0 ? n : b.fail(`num_heads must be positive, got ${n}`));

// com.microsoft Attention: input [B, S, Din] projected by the packed weights [Din, Dq + Dk + Dv]
// (+ bias; onnxruntime-node 1.30 crashes without one, tenth takes it as zero), split into Q/K/V,
// attention, output [B, S, Dv]. past [2, B, H, P, D] -> present
// [2, B, H, P + S, D].
const msAttention: Lowering = (node, b) => {
  const at = msAttrs(node, b, {
    num_heads: 'int', qkv_hidden_sizes: 'ints', unidirectional: 'int', mask_filter_value: 'float', scale: 'float',
    do_rotary: 'int', past_present_share_buffer: 'int', rotary_embedding_dim: 'int',
  });
  if (at.int('do_rotary', 0) !== 0) b.fail('do_rotary = 1 is not supported (onnxruntime has no CPU kernel for it)');
  if (at.int('past_present_share_buffer', 0) !== 0) b.fail('past_present_share_buffer = 1 is not supported');
  const [x, w, bias, maskIndex, past, attnBias] = node.inputs;
  if (!x || !w) return b.fail('needs the inputs input and weights', 'E207');
  refuseInputs(node, b, { 6: 'past_sequence_length' });
  if (node.inputs.length > 7) b.fail(`takes at most 7 inputs, got ${node.inputs.length}`, 'E207');
  if (x.type.shape?.length !== 3) b.fail('input must be 3-D [batch, sequence, input_hidden]', 'E205');
  const H = heads(b, at.int('num_heads', 0));
  const width = staticDim(b, w.type.shape?.[1], 'the weights\' second dim');
  const sizes = at.ints('qkv_hidden_sizes') ?? [width / 3, width / 3, width / 3];
  if (sizes.length !== 3 || sizes.some((s) => !Number.isInteger(s) || s <= 0)) b.fail(`qkv_hidden_sizes must be 3 positive sizes, got [${sizes}]`);
  const [dq, dk, dv] = sizes as [number, number, number];
  if (dq !== dk) b.fail(`qkv_hidden_sizes: Q and K hidden sizes differ (${dq}, ${dk})`);
  if (dq + dk + dv !== width) b.fail(`qkv_hidden_sizes [${sizes}] do not add up to the weights' width ${width}`);
  if (dq % H !== 0 || dv % H !== 0) b.fail(`hidden sizes [${sizes}] are not divisible by num_heads ${H}`);
  if (past && dv !== dq) b.fail('with past, Q, K and V must have the same hidden size');
  let proj = b.emit('matmul', [x, w])[0]!;
  if (bias) proj = b.emit('add', [proj, bias])[0]!;
  const [q, k, v] = b.emit('split', [proj, b.constInts(sizes)], { axis: attr.int(2) }, { results: 3 }) as [Value, Value, Value];
  const pick = (i: number): Value | null => (past ? b.emit('gather', [past, b.constInts([i], [])], { axis: attr.int(0) })[0]! : null);
  const [pastK, pastV] = [pick(0), pick(1)];
  const mask = maskIndex
    ? additiveMask(b, maskIndex, q, () => totalLen(b, k, 1, pastK), at.float('mask_filter_value', -10000)!, true)
    : null;
  const wantPresent = node.outputUsed[1] === true;
  if (past && !wantPresent) b.fail('past is given but present is not used (onnxruntime requires both)', 'E205');
  const out = sdpa(b, {
    q, k, v, heads: H, mask, bias: attnBias ?? null, pastK, pastV, scale: at.float('scale'),
    causal: at.int('unidirectional', 0) !== 0, presents: wantPresent,
  });
  if (!wantPresent) return [out[0]!, null];
  const stack = (t: Value): Value => b.emit('unsqueeze', [t, b.constInts([0])])[0]!;
  return [out[0]!, b.emit('concat', [stack(out[1]!), stack(out[2]!)], { axis: attr.int(0) })[0]!];
};

// com.microsoft MultiHeadAttention: query [B, S, D], key [B, L, D], value [B, L, Dv] (already
// projected), optional packed bias [D + D + Dv], key_padding_mask, attention_bias,
// past_key / past_value [B, H, P, Dh] -> present_key / present_value. Key and value may instead
// come per head, [B, H, L, Dh] (a cross-attention cache): then the bias applies to the query only
// and the presents are key and value themselves, as onnxruntime does.
const msMultiHeadAttention: Lowering = (node, b) => {
  const at = msAttrs(node, b, { num_heads: 'int', unidirectional: 'int', mask_filter_value: 'float', scale: 'float' });
  const [q0, k0, v0, bias, kpm, attnBias, pastK, pastV] = node.inputs;
  refuseInputs(node, b, { 8: 'past_sequence_length', 9: 'cache_indirection' });
  if (node.inputs.length > 10) b.fail(`takes at most 10 inputs, got ${node.inputs.length}`, 'E207');
  if (!q0) return b.fail('needs the query input', 'E207');
  const qr = q0.type.shape?.length;
  if (qr === 5) b.fail('packed QKV (query of shape [B, S, H, 3, Dh]) is not supported (onnxruntime has no CPU kernel for it)', 'E205');
  if (!k0) return b.fail('needs key and value inputs (only the packed-QKV form omits them, and it is not supported)', 'E205');
  const kr = k0.type.shape?.length;
  if (kr === 5) b.fail('packed KV (key of shape [B, L, H, 2, Dh]) is not supported (onnxruntime has no CPU kernel for it)', 'E205');
  if (!v0) return b.fail('needs the value input', 'E207');
  const perHead = kr === 4;
  if (qr !== 3 || (kr !== 3 && kr !== 4) || v0.type.shape?.length !== kr) {
    b.fail('query must be 3-D [batch, sequence, hidden]; key and value both 3-D [batch, kv_sequence, hidden] or both 4-D [batch, heads, kv_sequence, head_size]', 'E205');
  }
  if (!!pastK !== !!pastV) b.fail('past_key and past_value must be given together', 'E207');
  if (perHead && pastK) b.fail('past_key/past_value with key and value given per head is not supported', 'E205');
  if (node.outputUsed[3]) b.fail("output 'qk' is not supported", 'E205');
  const H = heads(b, at.int('num_heads', 0));
  const [qs, ks, vs] = [q0.type.shape!, k0.type.shape!, v0.type.shape!];
  const kvSeqAxis = perHead ? 2 : 1;
  const causal = at.int('unidirectional', 0) !== 0;
  // onnxruntime's CPU kernel masks query row i < S - 1 at keys past i + P but leaves the last
  // row unmasked, which is the usual causal mask only when there are as many new keys as queries.
  if (causal && qs[1] !== ks[kvSeqAxis]) {
    b.fail(`unidirectional needs as many keys as queries (self-attention); got ${String(ks[kvSeqAxis])} keys for ${String(qs[1])} queries`, 'E205');
  }
  let [q, k, v] = [q0, k0, v0];
  if (bias) {
    const d = staticDim(b, qs[2], 'the query hidden size');
    const dk = perHead ? staticDim(b, ks[1], 'the key heads') * staticDim(b, ks[3], 'the key head size') : staticDim(b, ks[2], 'the key hidden size');
    const dv = perHead ? staticDim(b, vs[1], 'the value heads') * staticDim(b, vs[3], 'the value head size') : staticDim(b, vs[2], 'the value hidden size');
    const [bq, bk, bv] = b.emit('split', [bias, b.constInts([d, dk, dv])], { axis: attr.int(0) }, { results: 3 }) as [Value, Value, Value];
    q = b.emit('add', [q0, bq])[0]!;
    if (!perHead) { k = b.emit('add', [k0, bk])[0]!; v = b.emit('add', [v0, bv])[0]!; }
  }
  const mask = kpm ? additiveMask(b, kpm, q, () => totalLen(b, k, kvSeqAxis, pastK ?? null), at.float('mask_filter_value', -10000)!, false) : null;
  const presents = node.outputUsed[1] === true || node.outputUsed[2] === true;
  const common = { mask, bias: attnBias ?? null, scale: at.float('scale'), causal };
  if (!perHead) {
    const out = sdpa(b, { ...common, q, k, v, heads: H, pastK: pastK ?? null, pastV: pastV ?? null, presents });
    return [out[0]!, presents ? out[1]! : null, presents ? out[2]! : null, null];
  }
  // Query split into heads [B, H, S, Dh] to meet the 4-D key and value; the output merged back.
  const dh = staticDim(b, ks[3], 'the key head size');
  const q4 = b.emit('transpose', [b.emit('reshape', [q, b.constInts([0, 0, H, dh])])[0]!], { perm: attr.ints([0, 2, 1, 3]) })[0]!;
  const [y4] = b.emit('attention', [q4, k, v, sdpaMask(b, common.mask, common.bias)], sdpaAttrs(common.scale, causal));
  const y = b.emit('reshape', [b.emit('transpose', [y4!], { perm: attr.ints([0, 2, 1, 3]) })[0]!, b.constInts([0, 0, -1])])[0]!;
  return [y, presents ? k0 : null, presents ? v0 : null, null];
};

export const MS_ATTENTION_MAPPINGS: MappingTable = {
  'com.microsoft:Attention': [since(1, msAttention)],
  'com.microsoft:MultiHeadAttention': [since(1, msMultiHeadAttention)],
  ...EMBED_MAPPINGS,
};
