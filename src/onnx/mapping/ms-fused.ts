// ONNX -> IR mapping entries for onnxruntime's fused contrib ops (domain com.microsoft, opset 1),
// as its transformer optimizer and graph fusions save them: Gelu, BiasGelu, FastGelu, QuickGelu,
// SkipLayerNormalization, SkipSimplifiedLayerNormalization, FusedMatMul (and its older name
// TransposeMatMul), FusedConv, FusedGemm, and SimplifiedLayerNormalization, which onnxruntime
// registers in the DEFAULT domain.
// Each lowers to standard IR ops with onnxruntime 1.30's CPU semantics (onnxruntime-node is the
// reference the tests compare with), so the backends' fusion sees the usual patterns.
// Not mapped, as onnxruntime-node 1.30 has no CPU kernel for them (a session refuses the model):
// BiasAdd, BiasSoftmax, BiasSplitGelu, BiasDropout, GemmFastGelu, FusedMatMulActivation,
// NhwcFusedConv, GroupNorm, SkipGroupNorm.
// Where onnxruntime refuses a node at session creation or run time (an unknown activation, a
// missing activation parameter, a bias that is not 1-D), the importer refuses it too (E204/E205).

import { attr } from '../../../ir/attrs.js';
import type { AttrValue, Value } from '../../../ir/ir.js';
import { tensorFrom } from '../../../ir/tensor.js';
import type { Lowerer, Lowering, MappingTable, OnnxNodeView } from '../mapping-api.js';
import { convertAttrs, floatAttr, intAttr, maxInputs, onlyAttrs, since } from './helpers.js';

/** Refuse any attribute not in `known` (a silently ignored attribute is a wrong answer). */
/** 0/1 flag attribute. */
function flagAttr(node: OnnxNodeView, b: Lowerer, name: string): boolean {
  const v = intAttr(node, b, name, 0);
  if (v !== 0 && v !== 1) b.fail(`attribute '${name}' must be 0 or 1, got ${v}`);
  return v === 1;
}

/** The inputs, checked against the op's required and maximal counts (E207). */
function inputs(node: OnnxNodeView, b: Lowerer, required: number, max: number): (Value | null)[] {
  maxInputs(node, b, max);
  const ins = node.inputs.slice(0, max);
  for (let i = 0; i < required; i++) if (!ins[i]) b.fail(`needs at least ${required} inputs, input ${i} is missing`, 'E207');
  while (ins.length < max) ins.push(null);
  return ins;
}

const scalar = (b: Lowerer, like: Value, v: number): Value => b.constant(tensorFrom(like.type.dtype, [], [v]));
const emit1 = (b: Lowerer, op: string, xs: readonly (Value | null)[], attrs: Record<string, AttrValue> = {}): Value => b.emit(op, xs, attrs)[0]!;

/** onnxruntime's Gelu-family bias is 1-D (its kernels check at run time), added along the last dim. */
function addBias(b: Lowerer, x: Value, bias: Value | null): Value {
  if (!bias) return x;
  const r = bias.type.shape?.length;
  if (r !== undefined && r !== 1) b.fail(`bias must be 1-D, got rank ${r}`, 'E205');
  return emit1(b, 'add', [x, bias]);
}

// ---------------------------------------------------------------------------------------------
// Activations

const gelu: Lowering = (node, b) => {
  onlyAttrs(node, b, []);
  const [x] = inputs(node, b, 1, 1);
  return [emit1(b, 'gelu', [x!])];
};

const biasGelu: Lowering = (node, b) => {
  onlyAttrs(node, b, []);
  const [x, bias] = inputs(node, b, 2, 2);
  return [emit1(b, 'gelu', [addBias(b, x!, bias!)])];
};

/** 0.5 x (1 + tanh(0.797885 x + 0.035677 x^3)): the IR's tanh Gelu (sqrt(2/pi) (x + 0.044715 x^3)). */
const fastGelu: Lowering = (node, b) => {
  onlyAttrs(node, b, []);
  const [x, bias] = inputs(node, b, 1, 2);
  return [emit1(b, 'gelu', [addBias(b, x!, bias)], { approximate: attr.string('tanh') })];
};

/** x * sigmoid(alpha x), onnxruntime's default alpha 1.702: the IR's swish. */
const quickGelu: Lowering = (node, b) => {
  onlyAttrs(node, b, ['alpha']);
  const [x] = inputs(node, b, 1, 1);
  return [emit1(b, 'swish', [x!], { alpha: attr.float(floatAttr(node, b, 'alpha', 1.702)) })];
};

// ---------------------------------------------------------------------------------------------
// Normalisations

/** onnxruntime's Skip*LayerNormalization kernels take a 2-D or 3-D input (other ranks fail at run time). */
function checkSkipRank(b: Lowerer, x: Value): void {
  const r = x.type.shape?.length;
  if (r !== undefined && r !== 2 && r !== 3) b.fail(`input must be 2-D or 3-D (as onnxruntime requires), got rank ${r}`, 'E205');
}

/** input + skip (+ bias): skip may be (batch, seq, hidden), (1, seq, hidden) or (seq, hidden): numpy broadcasting. */
function skipSum(b: Lowerer, x: Value, skip: Value, bias: Value | null): Value {
  checkSkipRank(b, x);
  return addBias(b, emit1(b, 'add', [x, skip]), bias);
}

/** 1 / sqrt(mean(x^2 over dims [axis, rank)) + epsilon), keepdims, in f32 (onnxruntime's U = float). */
function invRms(b: Lowerer, x: Value, axis: number, eps: number): Value {
  const rank = x.type.shape?.length;
  if (rank === undefined) return b.fail('inv_std_var needs the input rank', 'E205');
  const a = axis < 0 ? axis + rank : axis;
  const xf = x.type.dtype === 'f32' ? x : emit1(b, 'cast', [x], { to: attr.dtype('f32') });
  const axes = b.constInts(Array.from({ length: rank - a }, (_, i) => a + i));
  const ms = emit1(b, 'reduce_mean', [emit1(b, 'mul', [xf, xf]), axes], { keepdims: attr.int(1) });
  return emit1(b, 'reciprocal', [emit1(b, 'sqrt', [emit1(b, 'add', [ms, scalar(b, xf, eps)])])]);
}

// onnxruntime's default epsilon for the Skip* normalisations (kDefaultSkipLayerNormEpsilon).
const SKIP_EPS = 1e-12;

/** Outputs: output, mean, inv_std_var (over the last dim, kept as size 1), input_skip_bias_sum. */
const skipLayerNorm: Lowering = (node, b) => {
  onlyAttrs(node, b, ['epsilon']);
  if (node.numOutputs > 4) b.fail(`has at most 4 outputs, got ${node.numOutputs}`, 'E207');
  const [x, skip, gamma, beta, bias] = inputs(node, b, 3, 5);
  const sum = skipSum(b, x!, skip!, bias!);
  const eps = floatAttr(node, b, 'epsilon', SKIP_EPS);
  const stats = node.outputUsed[1] || node.outputUsed[2];
  const [y, mean, inv] = b.emit('layer_normalization', [sum, gamma!, beta!], { axis: attr.int(-1), epsilon: attr.float(eps) }, { results: stats ? 3 : 1 });
  return [y!, node.outputUsed[1] ? mean! : null, node.outputUsed[2] ? inv! : null, node.outputUsed[3] ? sum : null].slice(0, node.numOutputs);
};

/** RMS norm of input + skip (+ bias); onnxruntime writes zeros for its `mean` output, refused here. */
const skipSimplifiedLayerNorm: Lowering = (node, b) => {
  onlyAttrs(node, b, ['epsilon']);
  if (node.numOutputs > 4) b.fail(`has at most 4 outputs, got ${node.numOutputs}`, 'E207');
  if (node.outputUsed[1]) b.fail("output 1 ('mean') has no meaning for an RMS normalisation and is not supported", 'E207');
  const [x, skip, gamma, bias] = inputs(node, b, 3, 4);
  const sum = skipSum(b, x!, skip!, bias!);
  const eps = floatAttr(node, b, 'epsilon', SKIP_EPS);
  const y = emit1(b, 'rms_normalization', [sum, gamma!], { axis: attr.int(-1), epsilon: attr.float(eps) });
  return [y, null, node.outputUsed[2] ? invRms(b, sum, -1, eps) : null, node.outputUsed[3] ? sum : null].slice(0, node.numOutputs);
};

/** Default domain (onnxruntime's registration, opset 1 on): Y and optional inv_std_var. */
const simplifiedLayerNorm: Lowering = (node, b) => {
  onlyAttrs(node, b, ['axis', 'epsilon', 'stash_type']);
  if (node.numOutputs > 2) b.fail(`has at most 2 outputs, got ${node.numOutputs}`, 'E207');
  const [x, scale] = inputs(node, b, 2, 2);
  const axis = intAttr(node, b, 'axis', -1), eps = floatAttr(node, b, 'epsilon', 1e-5);
  const stash = intAttr(node, b, 'stash_type', 1);
  if (stash !== 1) b.fail(`stash_type ${stash} is not supported (onnxruntime computes in float, stash_type 1)`);
  const y = emit1(b, 'rms_normalization', [x!, scale!], { axis: attr.int(axis), epsilon: attr.float(eps), stash_type: attr.int(stash) });
  return [y, node.outputUsed[1] ? invRms(b, x!, axis, eps) : null].slice(0, node.numOutputs);
};

// ---------------------------------------------------------------------------------------------
// MatMul / Conv / Gemm with folded transposes, scales and activations

/**
 * alpha * A' @ B'. transBatch moves the leading (batch) dim to just before the matrix dims
 * (perm [1, ..., r-2, 0, r-1]), then trans swaps the last two; a vector is never transposed.
 */
const fusedMatMul = (attrs: readonly string[]): Lowering => (node, b) => {
  onlyAttrs(node, b, attrs);
  const [a, bm] = inputs(node, b, 2, 2);
  // onnxruntime 1.30 reads A untransposed when B is a vector (the product of A's data taken in
  // A's transposed shape): neither answer can be trusted, so the combination is refused.
  if (flagAttr(node, b, 'transA') && bm!.type.shape?.length === 1 && (a!.type.shape?.length ?? 0) !== 1) {
    b.fail('transA with a 1-D B is not supported (onnxruntime ignores the transpose there)');
  }
  const prep = (v: Value, which: 'A' | 'B'): Value => {
    const rank = v.type.shape?.length;
    const trans = flagAttr(node, b, `trans${which}`), batch = flagAttr(node, b, `transBatch${which}`);
    if (!trans && !batch) return v;
    if (rank === undefined) return b.fail(`${which} needs a known rank for trans${which}/transBatch${which}`, 'E205');
    if (rank === 1) return v;
    let perm = Array.from({ length: rank }, (_, i) => i);
    if (batch) perm = [...perm.slice(1, rank - 1), 0, rank - 1];
    if (trans) [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1]!, perm[rank - 2]!];
    return perm.every((p, i) => p === i) ? v : emit1(b, 'transpose', [v], { perm: attr.ints(perm) });
  };
  const y = emit1(b, 'matmul', [prep(a!, 'A'), prep(bm!, 'B')]);
  const alpha = floatAttr(node, b, 'alpha', 1);
  return [alpha === 1 ? y : emit1(b, 'mul', [y, scalar(b, y, alpha)])];
};

/** activation(x) with its parameters; null params = the attribute is absent. */
type Act = (b: Lowerer, x: Value, p: readonly (number | undefined)[]) => Value;

const unaryAct = (op: string): Act => (b, x) => emit1(b, op, [x]);
const scaled = (inner: string): Act => (b, x, [alpha, beta]) =>
  emit1(b, 'mul', [emit1(b, inner, [emit1(b, 'mul', [x, scalar(b, x, beta!)])]), scalar(b, x, alpha!)]);

interface ActSpec { readonly params: readonly string[]; readonly apply: Act }

const withAlpha = (op: string): ActSpec => ({ params: ['alpha'], apply: (b, x, [alpha]) => emit1(b, op, [x], { alpha: attr.float(alpha!) }) });

/** FusedGemm: onnxruntime's element-wise functors, every parameter required (activation_alpha, ...). */
const GEMM_ACTS: Readonly<Record<string, ActSpec>> = {
  Relu: { params: [], apply: unaryAct('relu') },
  Tanh: { params: [], apply: unaryAct('tanh') },
  Sigmoid: { params: [], apply: unaryAct('sigmoid') },
  Softplus: { params: [], apply: unaryAct('softplus') },
  Softsign: { params: [], apply: unaryAct('softsign') },
  LeakyRelu: withAlpha('leaky_relu'),
  Elu: withAlpha('elu'),
  Celu: withAlpha('celu'),
  ThresholdedRelu: withAlpha('thresholded_relu'),
  HardSigmoid: { params: ['alpha', 'beta'], apply: (b, x, [alpha, beta]) => emit1(b, 'hard_sigmoid', [x], { alpha: attr.float(alpha!), beta: attr.float(beta!) }) },
  Selu: { params: ['alpha', 'gamma'], apply: (b, x, [alpha, gamma]) => emit1(b, 'selu', [x], { alpha: attr.float(alpha!), gamma: attr.float(gamma!) }) },
  ScaledTanh: { params: ['alpha', 'beta'], apply: scaled('tanh') },
  ParametricSoftplus: { params: ['alpha', 'beta'], apply: scaled('softplus') },
};

/**
 * FusedConv: MLAS activations; activation_params holds exactly the parameters (LeakyRelu alpha,
 * Clip min/max, HardSigmoid alpha/beta); onnxruntime ignores them for the others.
 */
const CONV_ACTS: Readonly<Record<string, ActSpec>> = {
  Relu: { params: [], apply: unaryAct('relu') },
  Tanh: { params: [], apply: unaryAct('tanh') },
  Sigmoid: { params: [], apply: unaryAct('sigmoid') },
  HardSwish: { params: [], apply: unaryAct('hard_swish') },
  LeakyRelu: withAlpha('leaky_relu'),
  Clip: { params: ['min', 'max'], apply: (b, x, [lo, hi]) => emit1(b, 'clip', [x, scalar(b, x, lo!), scalar(b, x, hi!)]) },
  HardSigmoid: GEMM_ACTS['HardSigmoid']!,
};

function activationName(node: OnnxNodeView, b: Lowerer): string | undefined {
  const a = node.attrs.get('activation');
  if (a === undefined) return undefined;
  if (a.kind !== 'string') return b.fail(`attribute 'activation' must be a string, got ${a.kind}`);
  return a.value;
}

/** The node with only the attributes in `names` (those of the un-fused op). */
const keepAttrs = (node: OnnxNodeView, names: readonly string[]): OnnxNodeView =>
  ({ ...node, attrs: new Map([...node.attrs].filter(([k]) => names.includes(k))) });

const CONV_ATTRS = ['auto_pad', 'dilations', 'group', 'kernel_shape', 'pads', 'strides'];

/** activation(conv(X, W, B) + Z): Z (same shape as the result) is summed before the activation. */
const fusedConv: Lowering = (node, b) => {
  onlyAttrs(node, b, [...CONV_ATTRS, 'activation', 'activation_params']);
  const [x, w, bias, z] = inputs(node, b, 2, 4);
  const name = activationName(node, b);
  const spec = name === undefined ? undefined : CONV_ACTS[name];
  if (name !== undefined && !spec) b.fail(`activation '${name}' is not supported by FusedConv (onnxruntime's are ${Object.keys(CONV_ACTS).join(', ')})`);
  const pa = node.attrs.get('activation_params');
  if (pa !== undefined && pa.kind !== 'floats' && pa.kind !== 'ints') b.fail(`attribute 'activation_params' must be floats, got ${pa.kind}`);
  const params = pa?.kind === 'floats' || pa?.kind === 'ints' ? pa.value : undefined;
  if (spec && spec.params.length > 0 && params?.length !== spec.params.length) {
    b.fail(`activation '${name}' needs activation_params with ${spec.params.length} value(s) (${spec.params.join(', ')}), got ${params?.length ?? 'none'}`);
  }
  let y = emit1(b, 'conv', [x!, w!, bias], convertAttrs('conv', keepAttrs(node, CONV_ATTRS), b));
  if (z) y = emit1(b, 'add', [y, z]);
  return [spec ? spec.apply(b, y, params ?? []) : y];
};

const GEMM_ATTRS = ['alpha', 'beta', 'transA', 'transB'];

/** activation(gemm(A, B, C)); the activation is required (onnxruntime has no identity functor). */
const fusedGemm: Lowering = (node, b) => {
  const actAttrs = ['activation_alpha', 'activation_beta', 'activation_gamma'];
  onlyAttrs(node, b, [...GEMM_ATTRS, 'activation', ...actAttrs]);
  const [x, w, c] = inputs(node, b, 2, 3);
  const name = activationName(node, b);
  if (name === undefined) return b.fail("attribute 'activation' is required");
  const spec = GEMM_ACTS[name];
  if (!spec) return b.fail(`activation '${name}' is not supported by FusedGemm (onnxruntime's are ${Object.keys(GEMM_ACTS).join(', ')})`);
  // Parameters the activation does not take are ignored, as onnxruntime ignores them.
  const params = spec.params.map((p) => {
    if (!node.attrs.has(`activation_${p}`)) b.fail(`activation '${name}' needs attribute 'activation_${p}'`);
    return floatAttr(node, b, `activation_${p}`, 0);
  });
  const y = emit1(b, 'gemm', [x!, w!, c], convertAttrs('gemm', keepAttrs(node, GEMM_ATTRS), b));
  return [spec.apply(b, y, params)];
};

export const MS_FUSED_MAPPINGS: MappingTable = {
  'com.microsoft:Gelu': [since(1, gelu)],
  'com.microsoft:BiasGelu': [since(1, biasGelu)],
  'com.microsoft:FastGelu': [since(1, fastGelu)],
  'com.microsoft:QuickGelu': [since(1, quickGelu)],
  'com.microsoft:SkipLayerNormalization': [since(1, skipLayerNorm)],
  'com.microsoft:SkipSimplifiedLayerNormalization': [since(1, skipSimplifiedLayerNorm)],
  'com.microsoft:FusedMatMul': [since(1, fusedMatMul(['alpha', 'transA', 'transB', 'transBatchA', 'transBatchB']))],
  // FusedMatMul's older name, still registered (without the transBatch attributes).
  'com.microsoft:TransposeMatMul': [since(1, fusedMatMul(['alpha', 'transA', 'transB']))],
  'com.microsoft:FusedConv': [since(1, fusedConv)],
  'com.microsoft:FusedGemm': [since(1, fusedGemm)],
  // onnxruntime registers it in the default domain (opset 1 on); ONNX itself has RMSNormalization-23.
  SimplifiedLayerNormalization: [since(1, simplifiedLayerNorm)],
};
