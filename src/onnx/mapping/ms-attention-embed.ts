// onnxruntime contrib ops around attention that are not attention themselves:
// EmbedLayerNormalization (BERT's embeddings + LayerNorm, with the mask turned into key lengths)
// and the com.microsoft RotaryEmbedding (position ids as an offset or per token).
import { attr } from '../../../ir/attrs.js';
import type { Value } from '../../../ir/ir.js';
import type { Lowering, MappingTable } from '../mapping-api.js';
import { since } from './helpers.js';
import { dimScalar, msAttrs } from './ms-attention-util.js';

// output = LayerNorm(word[ids] + position[position_ids or 0..S-1] + segment[segment_ids]);
// mask_index = per batch row, the count of mask entries equal to 1 (onnxruntime counts exactly
// the 1s, so a row 1 1 0 1 gives 3), zeros without a mask; embedding_sum = the sum before the norm.
const embedLayerNorm: Lowering = (node, b) => {
  const at = msAttrs(node, b, { epsilon: 'float', mask_index_type: 'int' });
  const mit = at.int('mask_index_type', 1);
  if (mit !== 0 && mit !== 1) b.fail(`mask_index_type must be 0 or 1, got ${mit}`);
  const [ids, seg, word, pos, segEmb, gamma, beta, mask, posIds] = node.inputs;
  if (node.inputs.length > 9) b.fail(`takes at most 9 inputs, got ${node.inputs.length}`, 'E207');
  if (!ids || !word || !pos || !gamma || !beta) return b.fail('needs input_ids, word_embedding, position_embedding, gamma and beta', 'E207');
  if (!!seg !== !!segEmb) b.fail('segment_ids and segment_embedding must be given together', 'E207');
  if (ids.type.shape?.length !== 2) b.fail('input_ids must be 2-D [batch, sequence]', 'E205');
  for (const [v, n] of [[ids, 'input_ids'], [seg, 'segment_ids'], [mask, 'mask'], [posIds, 'position_ids']] as const) {
    if (v && v.type.dtype !== 'i32') b.fail(`${n} must be int32, got ${v.type.dtype}`, 'E205');
  }
  const gather = (table: Value, idx: Value): Value => b.emit('gather', [table, idx], { axis: attr.int(0) })[0]!;
  let sum = gather(word, ids);
  const positions = posIds ?? b.emit('range', [b.constInts([0], []), dimScalar(b, ids, 1), b.constInts([1], [])])[0]!;
  sum = b.emit('add', [sum, gather(pos, positions)])[0]!;
  if (seg && segEmb) sum = b.emit('add', [sum, gather(segEmb, seg)])[0]!;
  const eps = at.float('epsilon', 1e-12)!;
  const [out] = b.emit('layer_normalization', [sum, gamma, beta], { axis: attr.int(-1), epsilon: attr.float(eps) });
  let maskIndex: Value | null = null;
  if (node.outputUsed[1]) {
    if (mask) {
      const ones = b.emit('equal', [mask, b.emit('cast', [b.constInts([1], [])], { to: attr.dtype('i32') })[0]!])[0]!;
      const n = b.emit('cast', [ones], { to: attr.dtype('i32') })[0]!;
      maskIndex = b.emit('reduce_sum', [n, b.constInts([1])], { keepdims: attr.int(0) })[0]!;
    } else {
      // No mask: onnxruntime writes zeros of shape [batch].
      const zeros = b.emit('constant_of_shape', [b.emit('slice', [b.emit('shape', [ids])[0]!, b.constInts([0]), b.constInts([1])])[0]!]);
      maskIndex = b.emit('cast', [zeros[0]!], { to: attr.dtype('i32') })[0]!;
    }
  }
  return [out!, maskIndex, node.outputUsed[2] ? sum : null];
};

// com.microsoft RotaryEmbedding: input 3-D [B, S, H * Dh] or 4-D [B, H, S, Dh]; position_ids
// [B, S] or one offset [1] (token s of every row at offset + s); caches [max_positions, rd / 2].
// num_heads 0 takes the head size from the cache (rd = Dh). Lowered to the IR rotary_embedding
// with per-token positions.
const msRotary: Lowering = (node, b) => {
  const at = msAttrs(node, b, { interleaved: 'int', is_packed_batching: 'int', num_heads: 'int', rotary_embedding_dim: 'int', scale: 'float' });
  if (at.int('is_packed_batching', 0) !== 0) b.fail('is_packed_batching = 1 (ragged batches) is not supported');
  const scale = at.float('scale', 1)!;
  if (scale !== 1) b.fail(`scale = ${scale} is not supported (only 1)`);
  const [x, posIds, cos, sin] = node.inputs;
  if (!x || !posIds || !cos || !sin || node.inputs.length > 4) return b.fail('takes exactly the inputs input, position_ids, cos_cache and sin_cache', 'E207');
  const xs = x.type.shape, cs = cos.type.shape;
  if (!xs || (xs.length !== 3 && xs.length !== 4)) return b.fail('input must be 3-D or 4-D', 'E205');
  if (!cs || cs.length !== 2) return b.fail('cos_cache must be 2-D [max_positions, rotary_dim / 2]', 'E205');
  let H = at.int('num_heads', 0);
  const rd = at.int('rotary_embedding_dim', 0);
  if (H < 0 || rd < 0) b.fail('num_heads and rotary_embedding_dim must not be negative');
  if (rd > 0 && H === 0 && xs.length === 3) b.fail('rotary_embedding_dim needs num_heads');
  if (xs.length === 3 && H === 0) {
    const [hidden, half] = [xs[2], cs[1]];
    if (typeof hidden !== 'number' || typeof half !== 'number') return b.fail('num_heads = 0 needs static hidden size and cache width', 'E205');
    if (hidden % (2 * half) !== 0) b.fail(`hidden size ${hidden} is not a multiple of the head size ${2 * half} the cache implies`, 'E205');
    H = hidden / (2 * half);
  }
  if (posIds.type.dtype !== 'i64') b.fail(`position_ids must be int64, got ${posIds.type.dtype}`, 'E205');
  const ps = posIds.type.shape;
  let pos = posIds;
  if (ps?.length === 1) {
    // One offset for every row: positions offset .. offset + S - 1, the same for each batch row.
    const seqAxis = xs.length === 3 ? 1 : 2;
    const start = b.emit('squeeze', [posIds, b.constInts([0])])[0]!;
    const end = b.emit('add', [start, dimScalar(b, x, seqAxis)])[0]!;
    const row = b.emit('unsqueeze', [b.emit('range', [start, end, b.constInts([1], [])])[0]!, b.constInts([0])])[0]!;
    const bs = b.emit('concat', [b.emit('slice', [b.emit('shape', [x])[0]!, b.constInts([0]), b.constInts([1])])[0]!, b.constInts([1])], { axis: attr.int(0) })[0]!;
    pos = b.emit('expand', [row, bs])[0]!;
  } else if (ps?.length !== 2) b.fail('position_ids must be 1-D [1] or 2-D [batch, sequence]', 'E205');
  const attrs = { interleaved: attr.int(at.int('interleaved', 0)), num_heads: attr.int(xs.length === 3 ? H : 0), rotary_embedding_dim: attr.int(rd) };
  return b.emit('rotary_embedding', [x, cos, sin, pos], attrs);
};

export const EMBED_MAPPINGS: MappingTable = {
  'com.microsoft:EmbedLayerNormalization': [since(1, embedLayerNorm)],
  'com.microsoft:RotaryEmbedding': [since(1, msRotary)],
};
