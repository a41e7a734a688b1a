// com.microsoft QOperator pooling and softmax: QLinearGlobalAveragePool, QLinearAveragePool,
// QLinearSoftmax, with onnxruntime's CPU numerics:
// - QLinearGlobalAveragePool (MLAS): the integer sum minus x_zero_point * n, times
//   f32(x_scale / (y_scale * n)), rounded half to even, plus y_zero_point: bit-exact.
// - QLinearAveragePool: dequantize, average in float, then round(avg / y_scale + y_zero_point);
//   onnxruntime sums the window in f32 in row order, tenth in its own order: at most 1 unit apart.
//   A window covering the whole image without padding takes the global path (bit-exact), as in
//   onnxruntime.
// - QLinearSoftmax: onnxruntime's own scheme, not dequantize/softmax/quantize: a table of
//   exp((i - 255 + shift) * x_scale) (f64, stored as f32) indexed by x - max(x) + 255, the row sum in
//   f32, y = saturate(round(e * floor(1 / y_scale) / sum) + y_zero_point) (x_zero_point unused). The row sum's
//   order differs: at most 1 unit apart.

import { attr } from '../../../ir/attrs.js';
import type { DType } from '../../../ir/dtype.js';
import type { Value } from '../../../ir/ir.js';
import { tensorFrom } from '../../../ir/tensor.js';
import type { Lowerer, Lowering, MappingTable } from '../mapping-api.js';
import { since } from './helpers.js';
import {
  bin, cast, dequant, f32Const, inputCount, intAttr, onlyAttrs, optZp, passAttrs, perTensor, qOperand, rankOf, requantize, required, roundSaturate, staticDim,
} from './ms-quant-util.js';

interface PoolIO { x: Value; dt: DType; sx: Value; zx: Value | null; sy: Value; zy: Value | null }

/** (X, x_scale, x_zero_point?, y_scale, y_zero_point?) of the pools. */
function poolInputs(node: Parameters<Lowering>[0], b: Lowerer): PoolIO {
  inputCount(node, b, 4, 5);
  const x = qOperand(node, b, 0, 'X');
  const dt = x.type.dtype;
  return {
    x, dt,
    sx: perTensor(b, required(node, b, 1, 'x_scale'), 'x_scale', 'f32'), zx: optZp(node, b, 2, 'x_zero_point', dt),
    sy: perTensor(b, required(node, b, 3, 'y_scale'), 'y_scale', 'f32'), zy: optZp(node, b, 4, 'y_zero_point', dt),
  };
}

/** NHWC <-> NCHW permutations for rank r. */
const toFirst = (r: number): number[] => [0, r - 1, ...Array.from({ length: r - 2 }, (_, i) => i + 1)];
const toLast = (r: number): number[] => [0, ...Array.from({ length: r - 2 }, (_, i) => i + 2), 1];
const transpose = (b: Lowerer, x: Value, perm: number[]): Value => b.emit('transpose', [x], { perm: attr.ints(perm) })[0]!;

/** Number of elements over `axes` of x as an f32 and i32 scalar (constants when static). */
function countOver(b: Lowerer, x: Value, axes: readonly number[]): { f: Value; i: Value } {
  const dims = axes.map((a) => staticDim(x, a));
  if (dims.every((d) => d !== undefined)) {
    const n = dims.reduce<number>((p, d) => p * d!, 1);
    return { f: f32Const(b, n), i: b.constant(tensorFrom('i32', [], [n])) };
  }
  const shape = b.emit('shape', [x])[0]!;
  const picked = b.emit('gather', [shape, b.constInts([...axes])], { axis: attr.int(0) })[0]!;
  const n = b.emit('reduce_prod', [picked, b.constInts([0])], { keepdims: attr.int(0) })[0]!;
  return { f: cast(b, n, 'f32'), i: cast(b, n, 'i32') };
}

/** MlasQLinearGlobalAveragePool over the spatial axes of x (layout as given). */
function globalAverage(b: Lowerer, io: PoolIO, spatial: readonly number[]): Value {
  const { f: nf, i: ni } = countOver(b, io.x, spatial);
  const sum = b.emit('reduce_sum', [cast(b, io.x, 'i32'), b.constInts([...spatial])], { keepdims: attr.int(1) })[0]!;
  // Integer bias -x_zero_point * n, as MLAS folds it into the accumulator.
  const acc = io.zx ? bin(b, 'sub', sum, bin(b, 'mul', cast(b, io.zx, 'i32'), ni)) : sum;
  const scale = bin(b, 'div', io.sx, bin(b, 'mul', io.sy, nf));
  return requantize(b, bin(b, 'mul', cast(b, acc, 'f32'), scale), io.dt, io.zy);
}

const qGlobalAveragePool: Lowering = (node, b) => {
  onlyAttrs(node, b, ['channels_last']);
  const io = poolInputs(node, b);
  const r = rankOf(b, io.x, 'X');
  if (r < 3) b.fail(`X must have rank >= 3 (N, C, spatial...), got rank ${r}`);
  const last = intAttr(node, b, 'channels_last', 0) !== 0;
  const spatial = Array.from({ length: r - 2 }, (_, i) => i + (last ? 1 : 2));
  return [globalAverage(b, io, spatial)];
};

/** True when the window is the whole (static) image with no padding: onnxruntime's global path. */
function coversImage(node: Parameters<Lowering>[0], b: Lowerer, x: Value, kernel: readonly number[], strides: readonly number[]): boolean {
  const sp = kernel.map((_, i) => staticDim(x, i + 2));
  if (sp.some((d, i) => d !== kernel[i])) return false;
  const autoPad = node.attrs.get('auto_pad');
  const mode = autoPad?.kind === 'string' ? autoPad.value : 'NOTSET';
  if (mode === 'SAME_UPPER' || mode === 'SAME_LOWER') {
    // Total SAME padding with k = size: (ceil(size / s) - 1) * s, zero only for a stride >= size.
    return kernel.every((k, i) => (Math.ceil(k / strides[i]!) - 1) * strides[i]! === 0);
  }
  if (mode === 'VALID') return true;
  const pads = node.attrs.get('pads');
  if (pads !== undefined && pads.kind !== 'ints') b.fail("attribute 'pads' must be ints");
  return pads === undefined || pads.value.every((p) => p === 0);
}

const qAveragePool: Lowering = (node, b) => {
  onlyAttrs(node, b, ['auto_pad', 'ceil_mode', 'channels_last', 'count_include_pad', 'kernel_shape', 'pads', 'strides']);
  const io = poolInputs(node, b);
  const r = rankOf(b, io.x, 'X');
  if (r < 3 || r > 5) b.fail(`X must have rank 3 to 5 (1-3 spatial dims, as onnxruntime), got rank ${r}`);
  const ks = node.attrs.get('kernel_shape');
  if (ks?.kind !== 'ints') return b.fail("missing required attribute 'kernel_shape' (ints)");
  if (ks.value.length !== r - 2) b.fail(`kernel_shape has ${ks.value.length} dims, X has ${r - 2} spatial dims`);
  const st = node.attrs.get('strides');
  const strides = st?.kind === 'ints' ? st.value : ks.value.map(() => 1);
  const ceil = intAttr(node, b, 'ceil_mode', 0) !== 0, includePad = intAttr(node, b, 'count_include_pad', 0) !== 0;
  // onnxruntime divides by the kernel size where ceil_mode lets a window run past the padding; the
  // IR op divides by the padded part of the window.
  if (ceil && includePad) b.fail('ceil_mode = 1 with count_include_pad = 1 is not supported (onnxruntime counts window positions past the padding)');
  const last = intAttr(node, b, 'channels_last', 0) !== 0;
  const x = last ? transpose(b, io.x, toFirst(r)) : io.x;
  let y: Value;
  if (coversImage(node, b, x, ks.value, strides)) {
    y = globalAverage(b, { ...io, x }, Array.from({ length: r - 2 }, (_, i) => i + 2));
  } else {
    const attrs = passAttrs(node, ['auto_pad', 'ceil_mode', 'count_include_pad', 'kernel_shape', 'pads', 'strides']);
    // onnxruntime sizes a VALID pool with ceil_mode like explicit zero pads (ONNX ignores ceil_mode there).
    if (attrs['auto_pad']?.value === 'VALID') {
      delete attrs['auto_pad'];
      attrs['pads'] = attr.ints(new Array<number>(2 * (r - 2)).fill(0));
    }
    const avg = b.emit('average_pool', [dequant(b, x, io.sx, io.zx)], attrs)[0]!;
    y = roundSaturate(b, bin(b, 'div', avg, io.sy), io.dt, io.zy);
  }
  return [last ? transpose(b, y, toLast(r)) : y];
};

const FLT_MAX = 3.4028234663852886e38;

const qSoftmax: Lowering = (node, b) => {
  onlyAttrs(node, b, ['axis', 'opset']);
  const io = poolInputs(node, b);
  const r = rankOf(b, io.x, 'X');
  const opset = intAttr(node, b, 'opset');
  let axis = intAttr(node, b, 'axis', opset < 13 ? 1 : -1);
  if (axis < -r || axis >= r) b.fail(`axis ${axis} is out of range for rank ${r}`);
  if (axis < 0) axis += r;
  // Before opset 13 Softmax works on the 2-D view [before axis, from axis on].
  const axes = opset < 13 ? Array.from({ length: r - axis }, (_, i) => axis + i) : [axis];
  const dims = axes.map((a) => staticDim(io.x, a));
  if (dims.some((d) => d === undefined)) b.fail(`needs a static size along the softmax axes [${axes.join(',')}] (onnxruntime sizes its exp table by it)`);
  const D = dims.reduce<number>((p, d) => p * d!, 1);
  const st = b.constantOf(node.inputs[1]!) ?? b.fail('needs a constant x_scale (its exp table is built at import)');
  const xs = Number(st.data[0]);
  if (!(xs > 0)) b.fail(`x_scale must be positive, got ${xs}`);
  // onnxruntime's table: exp((i - 255 + shift) * x_scale) in f64, stored as f32, the shift keeping
  // the row sum below FLT_MAX.
  const shift = Math.max(0, Math.log(Math.fround(FLT_MAX / D)) - 5) / xs;
  const table = b.constant(tensorFrom('f32', [256], Array.from({ length: 256 }, (_, i) => Math.fround(Math.exp((i - 255 + shift) * xs)))));
  const xi = cast(b, io.x, 'i32');
  const axesV = b.constInts(axes);
  const xmax = b.emit('reduce_max', [xi, axesV], { keepdims: attr.int(1) })[0]!;
  const idx = bin(b, 'add', bin(b, 'sub', xi, xmax), b.constant(tensorFrom('i32', [], [255])));
  const e = b.emit('gather', [table, idx], { axis: attr.int(0) })[0]!;
  const sum = b.emit('reduce_sum', [e, axesV], { keepdims: attr.int(1) })[0]!;
  const ys = b.emit('floor', [bin(b, 'div', f32Const(b, 1), io.sy)])[0]!;
  const scaled = bin(b, 'mul', e, ys);
  const q0 = b.emit('round', [bin(b, 'div', scaled, sum)])[0]!;
  // For a short axis with a large 1/y_scale, e * floor(1/y_scale) overflows to inf; onnxruntime's
  // float -> integer conversion of inf then gives 0 (uint8 path) or INT32_MIN (int8 path), to which
  // it adds the zero point in int32: a negative one wraps that to a large positive value.
  const zf = io.zy ? cast(b, io.zy, 'f32') : null;
  const over = bin(b, 'greater', scaled, f32Const(b, FLT_MAX));
  const int32Min = f32Const(b, -2147483648);
  const wrapped = io.dt === 'u8' ? f32Const(b, 0) : zf ? b.emit('where', [bin(b, 'less', zf, f32Const(b, 0)), f32Const(b, 2147483648), int32Min])[0]! : int32Min;
  const q = b.emit('where', [over, wrapped, q0])[0]!;
  const v = zf ? bin(b, 'add', q, zf) : q;
  return [roundSaturate(b, v, io.dt)];
};

export const MS_QUANT_POOL: MappingTable = {
  'com.microsoft:QLinearGlobalAveragePool': [since(1, qGlobalAveragePool)],
  'com.microsoft:QLinearAveragePool': [since(1, qAveragePool)],
  'com.microsoft:QLinearSoftmax': [since(1, qSoftmax)],
};
