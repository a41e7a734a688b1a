// com.microsoft GroupQueryAttention-1 as onnxruntime's CPU kernel computes it, for separate past and
// present buffers (the form onnxruntime-genai exports with past_present_share_buffer off):
//   query [B, S, Hq*D] (or packed QKV [B, S, (Hq + 2 Hkv) * D] with key/value omitted),
//   key/value [B, S, Hkv*D], past_key/past_value [B, Hkv, P, D], seqlens_k i32 [B] (each batch's
//   total length - 1), total_sequence_length i32 scalar, cos_cache/sin_cache [max_pos, rd/2].
// Per batch b, the first prompt (P = 0) attends causally from position 0; later calls hold
// pb = seqlens_k[b] + 1 - S valid past entries (right padding beyond them), and query s sees the
// present positions [0, pb + s] (only the last local_window_size of them when a window is set,
// as onnxruntime 1.30 counts it: the query's own position included).
// present = [past[:pb], new K/V, zeros] of length P + S; onnxruntime sizes it
// max(total_sequence_length, P), which is the same whenever total_sequence_length = P + S (how
// onnxruntime-genai feeds separate buffers); tenth does not read total_sequence_length.
// Rotary (do_rotary) rotates Q and K at positions pb + s before attention.
// Lowered to: rotary_embedding (Q, K); the present K/V as tensor_scatter of the new K/V at pb into
// [past | new] zeroed from pb on; attention of Q over the present K/V in its causal mode with
// nonpad_kv_seqlen = pb + S (a bool mask instead when a local window or smooth softmax is set).
// smooth_softmax adds a zero logit to each softmax row: a zero key (and zero value) appended to
// the present K/V that every query sees.

import { attr } from '../../../ir/attrs.js';
import type { Value } from '../../../ir/ir.js';
import { tensorFrom } from '../../../ir/tensor.js';
import type { Lowering, MappingTable } from '../mapping-api.js';
import { floatAttr, since } from './helpers.js';
import { intAttr, onlyAttrs } from './ms-llm-common.js';

const ATTRS = ['num_heads', 'kv_num_heads', 'scale', 'softcap', 'local_window_size', 'do_rotary', 'rotary_interleaved', 'smooth_softmax', 'qk_output'];
const EXTRA_INPUTS = ['position_ids', 'attention_bias', 'head_sink'];

const gqa: Lowering = (node, b) => {
  onlyAttrs(node, b, ATTRS);
  const [q0, k0, v0, pastK0, pastV0, seqlens, total, cos, sin] = node.inputs;
  // A past of static length 0 is no past (and the webgpu attention kernel mishandles an empty
  // static past: every output 0).
  const emptyPast = pastK0?.type.shape?.[2] === 0 && pastV0?.type.shape?.[2] === 0;
  const [pastK, pastV] = emptyPast ? [null, null] : [pastK0, pastV0];
  if (node.inputs.length > 12) b.fail(`takes at most 12 inputs, got ${node.inputs.length}`, 'E207');
  node.inputs.slice(9).forEach((x, i) => x && b.fail(`input '${EXTRA_INPUTS[i]}' is not supported`));
  if (!q0 || !seqlens || !total) return b.fail('needs the inputs query, seqlens_k and total_sequence_length', 'E207');
  if (!k0 !== !v0) b.fail('key and value must both be given, or both omitted (packed QKV)', 'E207');
  if (!pastK !== !pastV) b.fail('past_key and past_value must both be given or both omitted', 'E207');
  const hq = intAttr(node, b, 'num_heads'), hkv = intAttr(node, b, 'kv_num_heads');
  if (hq <= 0 || hkv <= 0 || hq % hkv !== 0) b.fail(`num_heads (${hq}) must be a positive multiple of kv_num_heads (${hkv})`);
  const scale = floatAttr(node, b, 'scale', 0), softcap = floatAttr(node, b, 'softcap', 0);
  const window = intAttr(node, b, 'local_window_size', -1);
  const rotary = intAttr(node, b, 'do_rotary', 0) !== 0, interleaved = intAttr(node, b, 'rotary_interleaved', 0);
  const smooth = intAttr(node, b, 'smooth_softmax', 0) !== 0;
  if (intAttr(node, b, 'qk_output', 0) !== 0 || node.outputUsed[3]) b.fail("the QK output (attribute 'qk_output') is not supported");

  const qs = q0.type.shape;
  if (!qs || qs.length !== 3) return b.fail('query must be 3-D [batch, sequence, hidden]', 'E205');
  const hidden = qs[2];
  const heads = k0 ? hq : hq + 2 * hkv;
  if (typeof hidden !== 'number' || hidden % heads !== 0) return b.fail(`query hidden size ${hidden} must be a static multiple of ${heads} heads`, 'E205');
  const D = hidden / heads;
  let [q, k, v] = [q0, k0, v0];
  if (!k || !v) [q, k, v] = b.emit('split', [q0, b.constInts([hq * D, hkv * D, hkv * D])], { axis: attr.int(2) }, { results: 3 }) as [Value, Value, Value];
  if (pastK && pastK.type.shape?.length !== 4) b.fail('past_key must be 4-D [batch, kv_num_heads, past_sequence, head_size]', 'E205');

  const ints = (xs: number[], shape?: number[]): Value => b.constInts(xs, shape);
  const emit1 = (op: string, xs: (Value | null)[], at: Record<string, ReturnType<typeof attr.int>> = {}): Value => b.emit(op, xs, at)[0]!;
  const dim = (x: Value, i: number): Value => emit1('shape', [x], { start: attr.int(i), end: attr.int(i + 1) });
  const scalar = (x: Value): Value => emit1('squeeze', [x, ints([0])]);
  const zeroOf = (x: Value): Value => b.constant(tensorFrom(x.type.dtype, [], [0]));
  const range = (n: Value): Value => emit1('range', [ints([0], []), scalar(n), ints([1], [])]);

  // Valid past entries per batch: 0 on the first prompt, else seqlens_k + 1 - S.
  const S = dim(q0, 1);
  const P = pastK ? dim(pastK, 2) : ints([0]);
  const sl = emit1('cast', [seqlens], { to: attr.dtype('i64') });
  const fromLens = emit1('sub', [emit1('add', [sl, ints([1])]), S]);
  const pb = pastK ? emit1('where', [emit1('equal', [P, ints([0])]), ints([0]), fromLens]) : emit1('mul', [sl, ints([0])]);

  if (rotary) {
    if (!cos || !sin) return b.fail('do_rotary needs cos_cache and sin_cache', 'E207');
    const half = cos.type.shape?.[1];
    if (typeof half !== 'number') return b.fail('cos_cache must be 2-D with a static second dim', 'E205');
    const pos = emit1('add', [emit1('unsqueeze', [pb, ints([1])]), emit1('unsqueeze', [range(S), ints([0])])]);
    const rot = (x: Value, n: number): Value => b.emit('rotary_embedding', [x, cos, sin, pos], {
      num_heads: attr.int(n), interleaved: attr.int(interleaved), rotary_embedding_dim: attr.int(2 * half === D ? 0 : 2 * half),
    })[0]!;
    [q, k] = [rot(q, hq), rot(k, hkv)];
  }

  // present = [past[:pb], new, zeros]: [past | new] with everything from pb on zeroed, then the
  // new K/V written at pb. Attention reads the present buffers.
  const pb4 = emit1('reshape', [pb, ints([-1, 1, 1, 1])]);
  const bnsh = (x: Value, n: number): Value => emit1('transpose', [emit1('reshape', [x, ints([0, 0, n, D])])], { perm: attr.ints([0, 2, 1, 3]) });
  const present = (x: Value, past: Value | null | undefined): Value => {
    const cur = bnsh(x, hkv);
    if (!past) return cur;
    const extended = emit1('concat', [past, cur], { axis: attr.int(2) });
    const t = emit1('reshape', [range(emit1('add', [P, S])), ints([1, 1, -1, 1])]);
    const kept = emit1('where', [emit1('less', [t, pb4]), extended, zeroOf(past)]);
    return emit1('tensor_scatter', [kept, cur, pb], { axis: attr.int(2) });
  };
  const [presentK, presentV] = [present(k, pastK), present(v, pastV)];

  const attAttrs: Record<string, ReturnType<typeof attr.int>> = {};
  if (scale !== 0) attAttrs['scale'] = attr.float(scale);
  if (softcap > 0) attAttrs['softcap'] = attr.float(softcap);
  const q4 = bnsh(q, hq);
  let y4: Value;
  if (window <= 0 && !smooth) {
    // Query s of batch b sees present positions t <= pb + s, keys from pb + S on are padding: the
    // attention op's causal mode with nonpad_kv_seqlen = pb + S (its causal offset is then pb).
    const valid = emit1('add', [pb, S]);
    y4 = emit1('attention', [q4, presentK, presentV, null, null, null, valid], { ...attAttrs, is_causal: attr.int(1) });
  } else {
    // A bool mask over the present positions (and the zero key of smooth softmax, last).
    const tKeys = emit1('add', [emit1('add', [P, S]), ints([smooth ? 1 : 0])]);
    const t = emit1('reshape', [range(tKeys), ints([1, 1, 1, -1])]);
    const last = emit1('add', [pb4, emit1('reshape', [range(S), ints([1, 1, -1, 1])])]);
    let ok = emit1('less_or_equal', [t, last]);
    if (window > 0) ok = emit1('and', [ok, emit1('greater', [t, emit1('sub', [last, ints([window])])])]);
    let [kA, vA] = [presentK, presentV];
    if (smooth) {
      ok = emit1('or', [ok, emit1('equal', [t, emit1('add', [P, S])])]);
      // One zero key/value after the present ones (where, not pad: the wasm backend has no f16 pad).
      const zeroRow = (x: Value): Value => {
        const first = emit1('slice', [x, ints([0]), ints([1]), ints([2])]);
        return emit1('concat', [x, emit1('where', [b.constant(tensorFrom('bool', [], [0])), first, zeroOf(x)])], { axis: attr.int(2) });
      };
      [kA, vA] = [zeroRow(presentK), zeroRow(presentV)];
    }
    y4 = emit1('attention', [q4, kA, vA, ok], attAttrs);
  }
  const y = emit1('reshape', [emit1('transpose', [y4], { perm: attr.ints([0, 2, 1, 3]) }), ints([0, 0, hq * D])]);
  return [y, node.outputUsed[1] ? presentK : null, node.outputUsed[2] ? presentV : null];
};

export const GQA_MAPPINGS: MappingTable = {
  'com.microsoft:GroupQueryAttention': [since(1, gqa)],
};
