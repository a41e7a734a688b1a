// ONNX -> IR mapping entries for the elementwise op family.
//
// Most ops kept their semantics across opsets (later versions only added dtypes), so one `direct`
// entry from the first version covers them. Where the signature changed:
// - opset < 6 `consumed_inputs` is a buffer-reuse hint with no effect on values: dropped.
// - opset < 7 broadcasting binaries broadcast only with `broadcast=1`, aligning B at `axis`;
//   numpy-style trailing alignment covers the default axis; other axes are rejected.
// - Clip < 11 takes min/max as attributes: they become scalar constant operands.
// - Cast < 6 names its target dtype with a string.
// - PRelu < 7 has no numpy broadcasting; a 1-D slope of length C applies per channel (axis 1), as
//   the exporters of that era (and onnxruntime) read it: it is reshaped to [C,1,...,1].
// - The experimental ops of onnx 1.0-1.2 (gone from the standard at opset 10, still run by
//   onnxruntime, found in WinMLTools/CoreML-era models such as tinyyolov2-7) are compositions:
//   ImageScaler (scale * x + per-channel bias), Scale, Affine, ScaledTanh, ParametricSoftplus;
//   ThresholdedRelu before 10 is the later op. Attributes onnxruntime requires are required here.

import type { AttrValue } from '../../../ir/ir.js';
import { tensorFrom } from '../../../ir/tensor.js';
import { dtypeFromOnnx } from '../dtypes.js';
import type { Value } from '../../../ir/ir.js';
import type { Lowerer, Lowering, MappingTable, OnnxNodeView, OpMapping } from '../mapping-api.js';
import { attrsNowInputs, convertAttrs, direct, floatAttr, maxInputs, onlyAttrs, since } from './helpers.js';

const LEGACY = { drop: ['consumed_inputs'] };

/** Opset 1-6 binary ops: `broadcast`/`axis` attributes instead of numpy broadcasting. */
function legacyBinary(irOp: string): Lowering {
  return (node, b) => {
    const bcast = node.attrs.get('broadcast');
    const axis = node.attrs.get('axis');
    const [x, y] = node.inputs;
    if (bcast?.value === 1 && axis && x?.type.shape && y?.type.shape) {
      const want = x.type.shape.length - y.type.shape.length;
      const a = Number(axis.value) < 0 ? Number(axis.value) + x.type.shape.length : Number(axis.value);
      if (a !== want) b.fail(`legacy broadcast with axis=${String(axis.value)} (not trailing alignment) is not supported`);
    }
    const attrs = convertAttrs(irOp, node, b, { drop: ['consumed_inputs', 'broadcast', 'axis'] });
    return b.emit(irOp, node.inputs, attrs);
  };
}

/** Clip 1-10: min/max attributes -> scalar constant operands of the input's dtype. */
const clipFromAttrs: Lowering = (node, b) => {
  maxInputs(node, b, 1, { what: 'min', opset: 11 });
  const x = node.inputs[0];
  if (!x) return b.fail('Clip needs an input');
  const bound = (name: string) => {
    const a = node.attrs.get(name);
    if (!a) return null;
    if (a.kind !== 'float' && a.kind !== 'int') return b.fail(`attribute '${name}' must be a float`);
    return b.constant(tensorFrom(x.type.dtype, [], [a.value]));
  };
  return b.emit('clip', [x, bound('min'), bound('max')]);
};

// TensorProto.DataType names, for Cast-1's string `to`.
const ONNX_TYPE_NAMES: Readonly<Record<string, number>> = {
  FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7, STRING: 8, BOOL: 9,
  FLOAT16: 10, DOUBLE: 11, UINT32: 12, UINT64: 13, BFLOAT16: 16,
};

const castLegacy: Lowering = (node, b) => {
  const to = node.attrs.get('to');
  if (to?.kind !== 'string') return direct('cast')(node, b);
  const d = dtypeFromOnnx(ONNX_TYPE_NAMES[to.value.toUpperCase()] ?? 0);
  if (!d) return b.fail(`Cast: unknown target type '${to.value}'`);
  const attrs: Record<string, AttrValue> = { to: { kind: 'dtype', value: d } };
  return b.emit('cast', node.inputs, attrs);
};

/** PRelu 1-6: a 1-D slope matching the channel dim becomes [C,1,...,1] so it broadcasts per channel. */
const preluLegacy: Lowering = (node, b) => {
  const [x, slope] = node.inputs;
  const xs = x?.type.shape, ss = slope?.type.shape;
  if (!x || !slope || !xs || !ss || ss.length !== 1 || xs.length < 3 || ss[0] === 1 || ss[0] !== xs[1]) {
    return b.emit('prelu', node.inputs, convertAttrs('prelu', node, b, LEGACY));
  }
  const shape = b.constInts([-1, ...Array<number>(xs.length - 2).fill(1)]);
  const perChannel = b.emit('reshape', [slope, shape])[0]!;
  return b.emit('prelu', [x, perChannel], convertAttrs('prelu', node, b, LEGACY));
};

/** The node's only attributes are `names` (an unknown one would be silently ignored). */
/** The float input of a one-input experimental op, and a scalar constant maker in its dtype. */
function floatInput(node: OnnxNodeView, b: Lowerer): [Value, (v: number) => Value] {
  maxInputs(node, b, 1);
  const x = node.inputs[0];
  if (!x) return b.fail(`${node.opType} needs an input`);
  if (!['f32', 'f16', 'f64', 'bf16'].includes(x.type.dtype)) b.fail(`${node.opType} takes a float tensor, got ${x.type.dtype}`);
  return [x, (v) => b.constant(tensorFrom(x.type.dtype, [], [v]))];
}

const one = (b: Lowerer, op: string, operands: readonly Value[]): Value => b.emit(op, operands)[0]!;

/** ImageScaler: scale * x + bias[c] on an [N, C, H, W] input (onnxruntime requires the bias and rank 4). */
const imageScaler: Lowering = (node, b) => {
  onlyAttrs(node, b, ['scale', 'bias']);
  const [x, scalar] = floatInput(node, b);
  const bias = node.attrs.get('bias');
  if (bias?.kind !== 'floats') return b.fail("ImageScaler needs the float list attribute 'bias' (one value per channel)");
  const shape = x.type.shape;
  if (shape && shape.length !== 4) b.fail(`ImageScaler takes an [N, C, H, W] input, got rank ${shape.length}`);
  const c = shape?.[1];
  if (typeof c === 'number' && c !== bias.value.length) b.fail(`ImageScaler bias has ${bias.value.length} values, the input ${c} channels`);
  const scaled = one(b, 'mul', [x, scalar(floatAttr(node, b, 'scale', 1))]);
  return [one(b, 'add', [scaled, b.constant(tensorFrom(x.type.dtype, [bias.value.length, 1, 1], bias.value))])];
};

/** Scale: scale * x. */
const scaleOp: Lowering = (node, b) => {
  onlyAttrs(node, b, ['scale']);
  const [x, scalar] = floatInput(node, b);
  return [one(b, 'mul', [x, scalar(floatAttr(node, b, 'scale', 1))])];
};

/** Affine: alpha * x + beta. */
const affine: Lowering = (node, b) => {
  onlyAttrs(node, b, ['alpha', 'beta']);
  const [x, scalar] = floatInput(node, b);
  return [one(b, 'add', [one(b, 'mul', [x, scalar(floatAttr(node, b, 'alpha', 1))]), scalar(floatAttr(node, b, 'beta', 0))])];
};

/** ScaledTanh: alpha * tanh(beta * x); ParametricSoftplus: alpha * ln(1 + e^(beta * x)). */
function scaledUnary(irOp: string): Lowering {
  return (node, b) => {
    onlyAttrs(node, b, ['alpha', 'beta']);
    const [x, scalar] = floatInput(node, b);
    const alpha = floatAttr(node, b, 'alpha'), beta = floatAttr(node, b, 'beta');
    return [one(b, 'mul', [one(b, irOp, [one(b, 'mul', [x, scalar(beta)])]), scalar(alpha)])];
  };
}

/** [ONNX op, IR op, first opset] for ops mapped one-to-one since their first version. */
const DIRECT: readonly [string, string, number][] = [
  ['Abs', 'abs', 1], ['Acos', 'acos', 7], ['Acosh', 'acosh', 9], ['Asin', 'asin', 7], ['Asinh', 'asinh', 9],
  ['Atan', 'atan', 7], ['Atanh', 'atanh', 9], ['BitShift', 'bit_shift', 11], ['BitwiseAnd', 'bitwise_and', 18],
  ['BitwiseNot', 'bitwise_not', 18], ['BitwiseOr', 'bitwise_or', 18], ['BitwiseXor', 'bitwise_xor', 18],
  ['BitCast', 'bit_cast', 26], ['CastLike', 'cast_like', 15], ['Ceil', 'ceil', 1], ['Celu', 'celu', 12],
  ['Cos', 'cos', 7], ['Cosh', 'cosh', 9], ['Elu', 'elu', 1], ['Erf', 'erf', 9], ['Exp', 'exp', 1],
  ['Floor', 'floor', 1], ['Gelu', 'gelu', 20], ['GreaterOrEqual', 'greater_or_equal', 12],
  ['HardSigmoid', 'hard_sigmoid', 1], ['HardSwish', 'hard_swish', 14], ['IsInf', 'is_inf', 10], ['IsNaN', 'is_nan', 9],
  ['LeakyRelu', 'leaky_relu', 1], ['LessOrEqual', 'less_or_equal', 12], ['Log', 'log', 1], ['Max', 'max', 1],
  ['Mean', 'mean', 1], ['Min', 'min', 1], ['Mish', 'mish', 18], ['Mod', 'mod', 10], ['Neg', 'neg', 1],
  ['Not', 'not', 1], ['Reciprocal', 'reciprocal', 1], ['Relu', 'relu', 1],
  ['Round', 'round', 11], ['Selu', 'selu', 1], ['Shrink', 'shrink', 9], ['Sigmoid', 'sigmoid', 1],
  ['Sign', 'sign', 9], ['Sin', 'sin', 7], ['Sinh', 'sinh', 9], ['Softplus', 'softplus', 1],
  ['Softsign', 'softsign', 1], ['Sqrt', 'sqrt', 1], ['Sum', 'sum', 1], ['Swish', 'swish', 24],
  ['SwiGLU', 'swiglu', 28], ['Tan', 'tan', 7], ['Tanh', 'tanh', 1], ['ThresholdedRelu', 'thresholded_relu', 1],
  ['Where', 'where', 9],
];

/** Binary ops with the pre-7 broadcast attributes. */
const LEGACY_BINARY: readonly [string, string][] = [
  ['Add', 'add'], ['Sub', 'sub'], ['Mul', 'mul'], ['Div', 'div'], ['Pow', 'pow'], ['And', 'and'], ['Or', 'or'],
  ['Xor', 'xor'], ['Equal', 'equal'], ['Greater', 'greater'], ['Less', 'less'],
];

function table(): MappingTable {
  const out: Record<string, readonly OpMapping[]> = {};
  for (const [onnx, ir, first] of DIRECT) out[onnx] = [since(first, direct(ir, LEGACY))];
  for (const [onnx, ir] of LEGACY_BINARY) out[onnx] = [since(1, legacyBinary(ir)), since(7, direct(ir))];
  out['Clip'] = [since(1, clipFromAttrs), since(11, attrsNowInputs(['min', 'max'], 11, direct('clip')))];
  out['Cast'] = [since(1, castLegacy), since(6, direct('cast'))];
  out['PRelu'] = [since(1, preluLegacy), since(7, direct('prelu'))];
  out['ImageScaler'] = [since(1, imageScaler)];
  out['Scale'] = [since(1, scaleOp)];
  out['Affine'] = [since(1, affine)];
  out['ScaledTanh'] = [since(1, scaledUnary('tanh'))];
  out['ParametricSoftplus'] = [since(1, scaledUnary('softplus'))];
  return out;
}

export const ELEMENTWISE_MAPPINGS: MappingTable = table();
