// ONNX -> IR mapping entries for the nn op family. IR ops have the newest opset's semantics;
// older entries drop attributes that no longer mean anything, make changed defaults explicit and
// lower changed semantics (softmax-family 2-D coercion, per-group GroupNormalization-18 scale).
import { samePadded } from './same-pads.js';
import { attr } from '../../../ir/attrs.js';
import type { Value } from '../../../ir/ir.js';
import { tensorFrom, toNumbers } from '../../../ir/tensor.js';
import type { Lowering, MappingTable } from '../mapping-api.js';
import { convertAttrs, direct, since } from './helpers.js';

/** Before opset 13 the softmax family coerced the input to 2-D at `axis` (default 1). */
function legacySoftmax(irOp: string): Lowering {
  return (node, b) => {
    const attrs = convertAttrs(irOp, node, b);
    const ax = attrs['axis'];
    const axis = ax?.kind === 'int' ? ax.value : 1;
    const shape = node.inputs[0]!.type.shape;
    const rank = shape?.length;
    const last = rank !== undefined && (axis === -1 || axis === rank - 1);
    attrs['axis'] = attr.int(axis);
    // Flattening [axis, rank) changes nothing when axis is already the last dim.
    if (!last) attrs['legacy_flatten'] = attr.int(1);
    return b.emit(irOp, node.inputs, attrs);
  };
}

/**
 * BatchNormalization before 14: inference only (opset 6's is_test is dropped). `spatial` = 0 (opset 6-8) means per-activation
 * parameters, which the IR op recognises from their size; the training outputs
 * (mean, var, saved_mean, saved_var) are not produced.
 */
const batchNormLegacy: Lowering = (node, b) => {
  if (node.outputUsed.slice(1).some((u) => u)) {
    b.fail('BatchNormalization training outputs (mean, var, saved_mean, saved_var) before opset 14 are not supported');
  }
  const attrs = convertAttrs('batch_normalization', node, b, { drop: ['spatial', 'is_test', 'consumed_inputs'] });
  const [y] = b.emit('batch_normalization', node.inputs, attrs);
  return [y!, ...new Array<Value | null>(node.numOutputs - 1).fill(null)];
};

/** GroupNormalization-18 took scale and bias per group; 21 takes them per channel. */
const groupNorm18: Lowering = (node, b) => {
  const [x, scale, bias] = node.inputs as [Value, Value, Value];
  const attrs = convertAttrs('group_normalization', node, b);
  const g = attrs['num_groups'];
  const G = g?.kind === 'int' ? g.value : b.fail("missing attribute 'num_groups'");
  const dim = x.type.shape?.[1];
  const C = typeof dim === 'number' ? dim : b.fail('GroupNormalization-18 needs a static channel dim to expand per-group scale and bias');
  if (C % G !== 0) b.fail(`${C} channels do not split into ${G} groups`);
  const expand = (v: Value, what: string): Value => {
    const t = b.constantOf(v);
    if (!t) return b.fail(`GroupNormalization-18 needs a constant ${what} (per-group values are expanded at import)`);
    const vals = toNumbers(t);
    if (vals.length !== G) b.fail(`${what} has ${vals.length} values, expected num_groups = ${G}`);
    return b.constant(tensorFrom(t.dtype, [C], Array.from({ length: C }, (_, c) => vals[Math.floor(c / (C / G))]!)));
  };
  return b.emit('group_normalization', [x, expand(scale, 'scale'), expand(bias, 'bias')], attrs);
};

/** LpPool-1 and GlobalLpPool-1 took `p` as a float; 2 made it an int. */
function floatP(irOp: string): Lowering {
  return (node, b) => {
    const pv = node.attrs.get('p');
    const rest = new Map([...node.attrs].filter(([k]) => k !== 'p'));
    const attrs = convertAttrs(irOp, { ...node, attrs: rest }, b);
    if (pv) {
      const p = pv.kind === 'float' || pv.kind === 'int' ? pv.value : b.fail("attribute 'p' must be a number");
      if (!Number.isInteger(p)) b.fail(`p = ${p} is not an integer (only integer norms are supported)`);
      attrs['p'] = attr.int(p);
    }
    return b.emit(irOp, node.inputs, attrs);
  };
}

/**
 * MeanVarianceNormalization 1-8 (experimental, still run by onnxruntime): across_channels picks
 * the axes of an [N, C, H, W] input ([0, 2, 3], or all with 1; onnxruntime's reading, batch
 * included); normalize_variance = 0 only subtracts the mean.
 */
const mvnLegacy: Lowering = (node, b) => {
  const flag = (name: string, dflt: number): number => {
    const a = node.attrs.get(name);
    if (a && a.kind !== 'int') b.fail(`attribute '${name}' must be an int`);
    return a ? Number(a.value) : dflt;
  };
  for (const k of node.attrs.keys()) if (k !== 'across_channels' && k !== 'normalize_variance') b.fail(`attribute '${k}' is not supported on MeanVarianceNormalization-1`);
  const x = node.inputs[0]!;
  if (x.type.shape && x.type.shape.length !== 4) b.fail(`MeanVarianceNormalization-1 takes an [N, C, H, W] input, got rank ${x.type.shape.length}`);
  const axes = flag('across_channels', 0) ? [0, 1, 2, 3] : [0, 2, 3];
  if (flag('normalize_variance', 1)) return b.emit('mean_variance_normalization', [x], { axes: attr.ints(axes) });
  const [mean] = b.emit('reduce_mean', [x, b.constInts(axes)], { keepdims: attr.int(1) });
  return b.emit('sub', [x, mean!]);
};

/**
 * ConvTranspose whose pads follow from an output size (output_shape, which overrides `pads` as
 * the spec says, or auto_pad SAME_*): onnxruntime clamps the surplus total = full - out at 0 and puts total - total/2 at the
 * BEGIN (NOTSET, SAME_LOWER) or total/2 (SAME_UPPER). The IR op (ir/ops/nn-conv.ts
 * transposeGeometry) takes begin pads from `pads` (else 0) beside output_shape, and does not clamp for
 * SAME_* (a kernel smaller than the stride shifts the result); with static sizes the pads are
 * made explicit here. Symbolic sizes keep the IR op's rule.
 */
const convTranspose: Lowering = (node, b) => {
  const attrs = convertAttrs('conv_transpose', node, b);
  const ints = (name: string): readonly number[] | undefined => { const a = attrs[name]; return a?.kind === 'ints' ? a.value : undefined; };
  const auto = attrs['auto_pad']?.kind === 'string' ? attrs['auto_pad'].value : 'NOTSET';
  const same = auto === 'SAME_UPPER' || auto === 'SAME_LOWER';
  const os = ints('output_shape');
  const xs = node.inputs[0]?.type.shape, ws = node.inputs[1]?.type.shape;
  if (!(same || (auto === 'NOTSET' && os)) || !xs || !ws) return b.emit('conv_transpose', node.inputs, attrs);
  const r = xs.length - 2;
  const inSp = xs.slice(2), k = ints('kernel_shape') ?? ws.slice(2);
  const isNum = (d: unknown): d is number => typeof d === 'number';
  if (!inSp.every(isNum) || !k.every(isNum) || k.length !== r || (os && os.length < r)) return b.emit('conv_transpose', node.inputs, attrs);
  const at = (v: readonly number[] | undefined, i: number, d: number): number => v?.[i] ?? d;
  const stride = (i: number): number => at(ints('strides'), i, 1);
  const out = os ? os.slice(os.length - r) : inSp.map((n, i) => n * stride(i));
  const total = inSp.map((n, i) => Math.max(0, stride(i) * (n - 1) + at(ints('output_padding'), i, 0) + (k[i]! - 1) * at(ints('dilations'), i, 1) + 1 - out[i]!));
  const begin = total.map((t) => (auto === 'SAME_UPPER' ? Math.floor(t / 2) : t - Math.floor(t / 2)));
  attrs['pads'] = attr.ints([...begin, ...total.map((t, i) => t - begin[i]!)]);
  attrs['output_shape'] = attr.ints(out);
  attrs['auto_pad'] = attr.string('NOTSET');
  return b.emit('conv_transpose', node.inputs, attrs);
};

export const NN_MAPPINGS: MappingTable = {
  AveragePool: [since(1, direct('average_pool'))],
  MaxPool: [since(1, samePadded('max_pool')), since(8, samePadded('max_pool'))],
  LpPool: [since(1, floatP('lp_pool')), since(2, direct('lp_pool'))],
  GlobalAveragePool: [since(1, direct('global_average_pool'))],
  GlobalMaxPool: [since(1, direct('global_max_pool'))],
  GlobalLpPool: [since(1, floatP('global_lp_pool')), since(2, direct('global_lp_pool'))],
  MaxUnpool: [since(9, direct('max_unpool'))],

  Conv: [since(1, samePadded('conv'))],
  ConvTranspose: [since(1, convTranspose)],
  DeformConv: [since(19, direct('deform_conv'))],
  Col2Im: [since(18, direct('col2im'))],

  MatMul: [since(1, direct('matmul'))],
  // Gemm before 7 had `broadcast` (C broadcasting is always on since); before 11 C was required.
  Gemm: [since(1, direct('gemm', { drop: ['broadcast'] })), since(7, direct('gemm'))],
  Einsum: [since(12, direct('einsum'))],

  Softmax: [since(1, legacySoftmax('softmax')), since(13, direct('softmax'))],
  LogSoftmax: [since(1, legacySoftmax('log_softmax')), since(13, direct('log_softmax'))],
  Hardmax: [since(1, legacySoftmax('hardmax')), since(13, direct('hardmax'))],

  BatchNormalization: [since(6, batchNormLegacy), since(14, direct('batch_normalization'))],
  InstanceNormalization: [since(1, direct('instance_normalization', { drop: ['consumed_inputs'] })), since(6, direct('instance_normalization'))],
  GroupNormalization: [since(18, groupNorm18), since(21, direct('group_normalization'))],
  // ONNX added LayerNormalization at 17, but onnxruntime registers it in the default domain from
  // opset 1 with the same inputs, attributes and outputs, and its optimizer writes it into models
  // of older opsets (e.g. a BERT at opset 14): one lowering covers both.
  LayerNormalization: [since(1, direct('layer_normalization'))],
  RMSNormalization: [since(23, direct('rms_normalization'))],
  LpNormalization: [since(1, direct('lp_normalization'))],
  LRN: [since(1, direct('lrn'))],
  MeanVarianceNormalization: [since(1, mvnLegacy), since(9, direct('mean_variance_normalization'))],
};
