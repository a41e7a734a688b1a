// ai.onnx.preview FlexAttention-1 (the form of the ONNX backend tests): scaled dot-product
// attention on rank-4 Q/K/V whose score_mod / mask_mod subgraphs (scores -> scores) and prob_mod
// subgraph (probabilities after softmax -> probabilities) each take and return one whole tensor.
// Without subgraphs it is the IR `attention` op (GQA and the default scale 1/sqrt(head_size)
// included). With them it is spelled out, the subgraphs inlined between the steps:
//   Y = prob_mod(softmax(mask_mod(score_mod(Q @ K^T * scale)))) @ V
// GQA (fewer K/V heads than Q heads): query head h reads K/V head floor(h / (Hq / Hkv)).
import { attr } from '../../../ir/attrs.js';
import type { Value } from '../../../ir/ir.js';
import { tensorFrom } from '../../../ir/tensor.js';
import type { Lowerer, Lowering, MappingTable } from '../mapping-api.js';
import { since } from './helpers.js';

const MODS = ['score_mod', 'mask_mod', 'prob_mod'];

/** K or V with each of its Hkv heads repeated `group` times in place: [B, Hkv*group, S, E]. */
function repeatHeads(b: Lowerer, x: Value, group: number, what: string): Value {
  const s = x.type.shape!;
  const [h, e] = [s[1], s[3]];
  if (typeof h !== 'number' || typeof e !== 'number') return b.fail(`${what} needs static head count and head size for grouped-query attention`, 'E205');
  const x5 = b.emit('unsqueeze', [x, b.constInts([2])])[0]!;
  const wide = b.emit('expand', [x5, b.constInts([1, 1, group, 1, 1])])[0]!;
  return b.emit('reshape', [wide, b.constInts([0, h * group, -1, e])])[0]!;
}

/** One subgraph applied to a whole tensor; it must have one input and one output. */
function applyMod(b: Lowerer, name: string, x: Value): Value {
  if (!b.inlineGraph) return b.fail(`${name} subgraphs cannot be inlined here`);
  const out = b.inlineGraph(name, [x]);
  if (out.length !== 1) b.fail(`subgraph '${name}' has ${out.length} outputs, expected 1`, 'E207');
  return out[0]!;
}

const flexAttention: Lowering = (node, b) => {
  const [q, k, v] = node.inputs;
  if (!q || !k || !v || node.inputs.length > 3) return b.fail('takes exactly the inputs Q, K and V', 'E207');
  for (const key of node.attrs.keys()) if (key !== 'scale') b.fail(`attribute '${key}' is not supported`);
  for (const g of node.graphAttrs) if (!MODS.includes(g)) b.fail(`subgraph attribute '${g}' is not supported`);
  const sa = node.attrs.get('scale');
  const scale = sa?.kind === 'float' || sa?.kind === 'int' ? sa.value : undefined;
  if (node.graphAttrs.length === 0) return b.emit('attention', [q, k, v], scale === undefined ? {} : { scale: attr.float(scale) });

  const [qs, ks, vs] = [q.type.shape, k.type.shape, v.type.shape];
  if (!qs || !ks || !vs || qs.length !== 4 || ks.length !== 4 || vs.length !== 4) return b.fail('Q, K and V must be rank-4 tensors', 'E205');
  const [hq, hkv, e] = [qs[1], ks[1], qs[3]];
  let [kx, vx] = [k, v];
  if (hq !== hkv) {
    if (typeof hq !== 'number' || typeof hkv !== 'number' || hkv === 0 || hq % hkv !== 0) {
      return b.fail(`Q has ${hq} heads, K ${hkv}: the query heads must be a static multiple of the K/V heads`, 'E205');
    }
    kx = repeatHeads(b, k, hq / hkv, 'K');
    vx = repeatHeads(b, v, hq / hkv, 'V');
  }
  if (scale === undefined && typeof e !== 'number') b.fail('the default scale needs a static head size (give the scale attribute)', 'E205');
  const kt = b.emit('transpose', [kx], { perm: attr.ints([0, 1, 3, 2]) })[0]!;
  let s = b.emit('matmul', [q, kt])[0]!;
  s = b.emit('mul', [s, b.constant(tensorFrom(q.type.dtype, [], [scale ?? 1 / Math.sqrt(e as number)]))])[0]!;
  if (node.graphAttrs.includes('score_mod')) s = applyMod(b, 'score_mod', s);
  if (node.graphAttrs.includes('mask_mod')) s = applyMod(b, 'mask_mod', s);
  let p = b.emit('softmax', [s], { axis: attr.int(-1) })[0]!;
  if (node.graphAttrs.includes('prob_mod')) p = applyMod(b, 'prob_mod', p);
  return b.emit('matmul', [p, vx]);
};

export const FLEX_ATTENTION_MAPPINGS: MappingTable = {
  'ai.onnx.preview:FlexAttention': [since(1, flexAttention)],
};
