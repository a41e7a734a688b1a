// Zoo models for the tf2onnx family (see test/zoo/README.md): Keras / TF / TFLite graphs as
// tf2onnx (opsets 11-15) writes them. What sets them apart from torch exports: NHWC inputs
// Transpose-d to NCHW, batch dims named `unk__NNN` (a different symbol on the outputs), SAME
// padding computed into explicit Conv pads, a Pad node in front (Keras' ZeroPadding2D) or, where
// the spatial size is unknown, auto_pad; BatchNormalization folded into the conv's bias, Relu6 as
// Clip with Constant min/max, Identity on every output, int32 <-> int64 Cast chains around shape
// arithmetic (TF computes sizes in int32), TF1 / TF2 while loops as Loops with a counter
// condition. The detection post-processing models are in models-tf2onnx-detect.ts.

import type { AttrSpecValue } from '../../src/onnx/writer.js';
import { batchNorm, conv, Graph, rng } from './graph.js';
import { f32, finish, INT64_MAX, type ZooModel } from './models-common.js';
import { efficientdetPostprocessTf2onnx, output, ssdMapFnTf2onnx, ssdPostprocessTf2onnx } from './models-tf2onnx-detect.js';

/** Relu6 as tf2onnx writes it: Clip with min / max as Constant inputs (opset >= 11). */
const relu6 = (g: Graph, x: string): string => g.op('Clip', [x, g.f32s(0), g.f32s(6)]);

/**
 * Keras MobileNetV2 / V3 in miniature, through tf2onnx (opset 13): NHWC input with an `unk__`
 * batch, Transpose to NCHW, a strided 3x3 conv whose SAME padding is explicit and asymmetric
 * (pads 0,0,1,1), depthwise convs as Conv with group = channels, Relu6 as Clip, Keras'
 * ZeroPadding2D((0,1),(0,1)) as a Pad node before a VALID strided depthwise conv, an inverted
 * residual with Add, a MobileNetV3 squeeze-excite (ReduceMean keepdims, 1x1 convs, hard sigmoid as
 * Relu6(x + 3) * 1/6), GlobalAveragePooling2D as ReduceMean keepdims = 1 + Squeeze with axes as
 * an input, Dropout dropped to an Identity, Dense as MatMul + Add, Softmax; and the feature map
 * Transpose-d back to NHWC and flattened by Reshape with a shape built from
 * Shape -> Slice -> Cast chain -> Concat.
 */
export function kerasMobilenetTf2onnx(): ZooModel {
  const g = new Graph(71);
  const x = g.op('Transpose', ['input_1'], { perm: [0, 3, 1, 2] });
  // 16x16, k3 s2 SAME: out 8, total padding (8-1)*2+3-16 = 1, all of it at the end.
  const stem = g.in('Conv1', () => relu6(g, conv(g, x, 3, 8, 3, { stride: 2, pads: [0, 0, 1, 1] })));
  const b1 = g.in('expanded_conv', () => {
    const dw = relu6(g, conv(g, stem, 8, 8, 3, { group: 8, pad: 1 }));
    return conv(g, dw, 8, 16, 1);
  });
  const b2 = g.in('block_1', () => {
    const e = relu6(g, conv(g, b1, 16, 32, 1));
    const padded = g.op('Pad', [e, g.i64([0, 0, 0, 0, 0, 0, 1, 1]), g.f32s(0)], { mode: 'constant' });
    const dw = relu6(g, conv(g, padded, 32, 32, 3, { stride: 2, group: 32 }));
    return conv(g, dw, 32, 16, 1);
  });
  const b3 = g.in('block_2', () => {
    const e = relu6(g, conv(g, b2, 16, 32, 1));
    const dw = relu6(g, conv(g, e, 32, 32, 3, { group: 32, pad: 1 }));
    const se = g.in('squeeze_excite', () => {
      const sq = g.op('ReduceMean', [dw], { axes: [2, 3], keepdims: 1 });
      const r = g.op('Relu', [conv(g, sq, 32, 8, 1)]);
      const hs = g.op('Mul', [relu6(g, g.op('Add', [conv(g, r, 8, 32, 1), g.f32s(3)])), g.f32s(1 / 6)]);
      return g.op('Mul', [dw, hs]);
    });
    return g.op('Add', [b2, conv(g, se, 32, 16, 1)]);
  });
  const pooled = g.op('Squeeze', [g.op('ReduceMean', [b3], { axes: [2, 3], keepdims: 1 }), g.i64([2, 3])]);
  const dropped = g.op('Identity', [pooled]);
  const logits = g.in('predictions', () => g.op('Add', [g.op('MatMul', [dropped, g.weight('kernel', [16, 10], 16)]), g.uniform('bias', [10], -0.1, 0.1)]));
  output(g, g.op('Softmax', [logits], { axis: -1 }), 'predictions');
  // tf.reshape(features, [tf.shape(features)[0], -1]): the batch read as int32, then int64 for ONNX.
  const nhwc = g.op('Transpose', [b3], { perm: [0, 2, 3, 1] });
  const batch = g.op('Slice', [g.op('Cast', [g.op('Shape', [nhwc])], { to: 6 }), g.i64([0]), g.i64([1]), g.i64([0])]);
  const shape = g.op('Cast', [g.op('Concat', [batch, g.constant('i32', [1], [-1])], { axis: 0 })], { to: 7 });
  output(g, g.op('Reshape', [nhwc, shape]), 'features');
  return finish(g, 'keras_mobilenet_tf2onnx', [{ name: 'input_1', dtype: 'f32', shape: ['unk__615', 16, 16, 3] }],
    [f32('predictions', ['unk__616', 10]), f32('features', ['unk__617', 256])], [{ unk__615: 1 }, { unk__615: 3 }], 13);
}

/**
 * MoveNet-style single-pose keypoints as tf2onnx exports them (opset 13): an int32 NHWC image Cast
 * to float and normalised, Transpose to NCHW, strided SAME convs (explicit pads) with Relu6,
 * tf.image.resize(half_pixel_centers) as Resize (linear, half_pixel) with sizes built from
 * Shape -> Slice -> Concat, heatmap (Sigmoid) and offset heads Transpose-d back to NHWC, ArgMax over
 * the flattened H*W per keypoint, row / column by integer Div and Mod, GatherND with batch_dims = 1
 * of the offsets and scores at (y, x, k) (k indices Expand-ed to the batch), keypoints below a
 * score threshold set to -1 by Where, and a derived mid-point keypoint written by ScatterND.
 */
export function movenetTf2onnx(): ZooModel {
  const K = 3, HW = 16;
  const g = new Graph(75);
  const img = g.op('Mul', [g.op('Sub', [g.op('Cast', ['input'], { to: 1 }), g.f32s(127.5)]), g.f32s(1 / 127.5)]);
  const x = g.op('Transpose', [img], { perm: [0, 3, 1, 2] });
  const c1 = g.in('stem', () => relu6(g, conv(g, x, 3, 8, 3, { stride: 2, pads: [0, 0, 1, 1] })));
  const c2 = g.in('block', () => relu6(g, conv(g, c1, 8, 16, 3, { stride: 2, pads: [0, 0, 1, 1] })));
  const sizes = g.op('Concat', [g.op('Slice', [g.op('Shape', [c2]), g.i64([0]), g.i64([2]), g.i64([0])]), g.i64([HW, HW])], { axis: 0 });
  const up = g.op('Resize', [c2, '', '', sizes], { coordinate_transformation_mode: 'half_pixel', mode: 'linear' });
  const feat = g.in('fpn', () => relu6(g, g.op('Add', [conv(g, up, 16, 8, 1), c1])));
  const heat = g.op('Transpose', [g.op('Sigmoid', [g.in('heatmap', () => conv(g, feat, 8, K, 1))])], { perm: [0, 2, 3, 1] });
  const offsets = g.op('Reshape', [g.op('Transpose', [g.in('offset', () => conv(g, feat, 8, 2 * K, 1))], { perm: [0, 2, 3, 1] }), g.i64([0, HW, HW, K, 2])]);
  const best = g.op('ArgMax', [g.op('Reshape', [heat, g.i64([0, HW * HW, K])])], { axis: 1, keepdims: 0 });
  const row = g.op('Div', [best, g.i64s(HW)]), col = g.op('Mod', [best, g.i64s(HW)]);
  const kIdx = g.op('Expand', [g.i64(Array.from({ length: K }, (_, i) => i)), g.op('Shape', [best])]);
  const at = g.op('Concat', [row, col, kIdx].map((t) => g.op('Unsqueeze', [t, g.i64([2])])), { axis: 2 });
  const off = g.op('GatherND', [offsets, at], { batch_dims: 1 });
  const score = g.op('GatherND', [heat, at], { batch_dims: 1 });
  const [dy, dx] = g.opN('Split', [off, g.i64([1, 1])], 2, { axis: 2 });
  const coord = (i: string, d: string): string => g.op('Div', [g.op('Add', [g.op('Unsqueeze', [g.op('Cast', [i], { to: 1 }), g.i64([2])]), d]), g.f32s(HW)]);
  const kp = g.op('Concat', [coord(row, dy!), coord(col, dx!), g.op('Unsqueeze', [score, g.i64([2])])], { axis: 2 });
  const shown = g.op('Where', [g.op('Unsqueeze', [g.op('Less', [score, g.f32s(0.8)]), g.i64([2])]), g.f32s(-1), kp]);
  // tf.tensor_scatter_nd_update(kp_by_joint, [[1]], [mean of joints 0 and 2]) on (K, batch, 3).
  const byJoint = g.op('Transpose', [shown], { perm: [1, 0, 2] });
  const mid = g.op('ReduceMean', [g.op('Gather', [byJoint, g.i64([0, 2])], { axis: 0 })], { axes: [0], keepdims: 1 });
  const scattered = g.op('ScatterND', [byJoint, g.constant('i64', [1, 1], [1]), mid]);
  output(g, g.op('Unsqueeze', [g.op('Transpose', [scattered], { perm: [1, 0, 2] }), g.i64([1])]), 'output_0');
  return finish(g, 'movenet_tf2onnx', [{ name: 'input', dtype: 'i32', shape: ['unk__801', 32, 32, 3], vocab: 256 }],
    [f32('output_0', ['unk__802', 1, K, 3])], [{ unk__801: 1 }, { unk__801: 2 }], 13);
}

/**
 * DeepLabV3-style segmentation with unknown spatial dims, as tf2onnx writes it (opset 15): where
 * the input's height and width are unknown (`unk__` symbols) a strided conv's SAME padding cannot be
 * computed, so it carries auto_pad = SAME_UPPER (stride-1 convs, the atrous depthwise conv with
 * dilation 2 among them, get explicit pads);
 * ASPP with a 1x1 branch and an image-pooling branch (ReduceMean keepdims, 1x1 conv, Resize back
 * to the feature size read from Shape); the logits resized to the input's size by
 * tf.image.resize(logits, tf.shape(image)[1:3]) (Resize linear / half_pixel, sizes from
 * Shape -> Slice -> Cast int32 -> Cast int64 -> Concat) after a DeepLabV3+ decoder (ASPP resized to
 * the stem's size, Concat-ed with its 1x1 projection, 3x3 conv); Transpose to NHWC, Softmax, and ArgMax
 * Cast to int32 (TF's argmax output_type).
 */
export function deeplabTf2onnx(): ZooModel {
  const C = 4;
  const g = new Graph(76);
  const same = (x: string, cin: number, cout: number, k: number, o: { stride?: number; group?: number; dilation?: number } = {}): string => {
    const w = g.weight('weight', [cout, cin / (o.group ?? 1), k, k], (cin / (o.group ?? 1)) * k * k);
    const d = o.dilation ?? 1, st = o.stride ?? 1, p = (d * (k - 1)) >> 1;
    // At stride 1 SAME padding does not depend on the input size: tf2onnx writes it out (and must
    // for a dilated conv, which onnxruntime refuses with auto_pad).
    const pad: Record<string, AttrSpecValue> = st === 1 ? { pads: [p, p, p, p] } : { auto_pad: 'SAME_UPPER' };
    return g.op('Conv', [x, w, g.uniform('bias', [cout], -0.1, 0.1)], { ...pad, dilations: [d, d], group: o.group ?? 1, kernel_shape: [k, k], strides: [st, st] });
  };
  const x = g.op('Transpose', ['ImageTensor'], { perm: [0, 3, 1, 2] });
  const stem = g.in('entry', () => relu6(g, same(x, 3, 8, 3, { stride: 2 })));
  const atrous = g.in('atrous', () => relu6(g, same(relu6(g, same(stem, 8, 8, 3, { group: 8, dilation: 2 })), 8, 12, 1)));
  const sizeOf = (t: string, from: number): string => g.op('Slice', [g.op('Shape', [t]), g.i64([from]), g.i64([from + 2]), g.i64([0])]);
  const aspp = g.in('aspp', () => {
    const b0 = g.op('Relu', [same(atrous, 12, 8, 1)]);
    const pooled = g.op('Relu', [same(g.op('ReduceMean', [atrous], { axes: [2, 3], keepdims: 1 }), 12, 8, 1)]);
    const sizes = g.op('Concat', [sizeOf(pooled, 0), sizeOf(atrous, 2)], { axis: 0 });
    const b1 = g.op('Resize', [pooled, '', '', sizes], { coordinate_transformation_mode: 'half_pixel', mode: 'linear' });
    return g.op('Relu', [same(g.op('Concat', [b0, b1], { axis: 1 }), 16, 8, 1)]);
  });
  // DeepLabV3+ decoder: ASPP features resized to the stem's size, Concat-ed with the stem's 1x1
  // projection, a 3x3 conv to the class logits.
  const logits = g.in('decoder', () => {
    const sizes = g.op('Concat', [sizeOf(aspp, 0), sizeOf(stem, 2)], { axis: 0 });
    const a = g.op('Resize', [aspp, '', '', sizes], { coordinate_transformation_mode: 'half_pixel', mode: 'linear' });
    const low = g.op('Relu', [same(stem, 8, 4, 1)]);
    return same(g.op('Concat', [a, low], { axis: 1 }), 12, C, 3);
  });
  const hw = g.op('Cast', [g.op('Cast', [sizeOf('ImageTensor', 1)], { to: 6 })], { to: 7 });
  const up = g.op('Resize', [logits, '', '', g.op('Concat', [sizeOf(logits, 0), hw], { axis: 0 })], { coordinate_transformation_mode: 'half_pixel', mode: 'linear' });
  const nhwc = g.op('Transpose', [up], { perm: [0, 2, 3, 1] });
  output(g, g.op('Softmax', [nhwc], { axis: -1 }), 'SemanticProbabilities');
  output(g, g.op('Cast', [g.op('ArgMax', [nhwc], { axis: 3, keepdims: 0 })], { to: 6 }), 'SemanticPredictions');
  return finish(g, 'deeplab_tf2onnx', [{ name: 'ImageTensor', dtype: 'f32', shape: ['unk__911', 'unk__912', 'unk__913', 3] }],
    [f32('SemanticProbabilities', ['unk__914', 'unk__915', 'unk__916', C]), { name: 'SemanticPredictions', dtype: 'i32', shape: ['unk__917', 'unk__918', 'unk__919'] }],
    [{ unk__911: 1, unk__912: 16, unk__913: 16 }, { unk__911: 2, unk__912: 13, unk__913: 21 }, { unk__911: 1, unk__912: 9, unk__913: 4 }], 15);
}

/**
 * tf.map_fn(tf.image.per_image_standardization, images) in front of a small Keras classifier, as
 * tf2onnx writes it (opset 13): a Loop whose trip count is the batch read from Shape (Cast int32,
 * Gather, Cast int64), `i < n` recomputed in the body with a carried int32 counter; the body
 * Gathers one image, takes its mean and variance (ReduceMean keepdims), divides by
 * max(stddev, 1 / sqrt(numel)) and emits it as a scan output; then Transpose to NCHW, a SAME conv,
 * ReduceMean over H, W and a Dense softmax head. `tf1`: the TF1 while_loop rewrite instead, whose
 * trip count is an INT64_MAX constant (the condition alone stops the loop).
 */
export function standardizeMapFnTf2onnx(tf1 = false): ZooModel {
  const H = 6, W = 5;
  const g = new Graph(77);
  const n = g.op('Gather', [g.op('Cast', [g.op('Shape', ['image'])], { to: 6 }), g.constant('i32', [], [0])], { axis: 0 });
  const b = new Graph(78);
  b.scope = '/map/while';
  const x = b.op('Gather', ['image', 'iter'], { axis: 0 });
  const mean = b.op('ReduceMean', [x], { axes: [0, 1, 2], keepdims: 1 });
  const centred = b.op('Sub', [x, mean]);
  const variance = b.op('ReduceMean', [b.op('Mul', [centred, centred])], { axes: [0, 1, 2], keepdims: 1 });
  const std = b.op('Max', [b.op('Sqrt', [variance]), b.f32s(1 / Math.sqrt(H * W * 3))]);
  const standardized = b.op('Div', [centred, std]);
  const next = b.op('Add', ['i', b.constant('i32', [], [1])]);
  const body = {
    name: 'map_while_body',
    inputs: [{ name: 'iter', dtype: 'i64' as const, shape: [] }, { name: 'cond_in', dtype: 'bool' as const, shape: [] }, { name: 'i', dtype: 'i32' as const, shape: [] }],
    outputs: [{ name: b.op('Less', [next, n]), dtype: 'bool' as const, shape: [] }, { name: next, dtype: 'i32' as const, shape: [] },
      { name: standardized, dtype: 'f32' as const, shape: [H, W, 3] }],
    nodes: b.nodes,
  };
  const trips = tf1 ? g.constant('i64', [], [INT64_MAX]) : g.op('Cast', [n], { to: 7 });
  const [, images] = g.opN('Loop', [trips, g.op('Less', [g.constant('i32', [], [0]), n]), g.constant('i32', [], [0])], 2, { body });
  const c = g.in('conv2d', () => g.op('Relu', [conv(g, g.op('Transpose', [images!], { perm: [0, 3, 1, 2] }), 3, 6, 3, { pad: 1 })]));
  const pooled = g.op('ReduceMean', [c], { axes: [2, 3], keepdims: 0 });
  const logits = g.in('dense', () => g.op('Add', [g.op('MatMul', [pooled, g.weight('kernel', [6, 4], 6)]), g.uniform('bias', [4], -0.1, 0.1)]));
  output(g, g.op('Softmax', [logits], { axis: -1 }), 'dense');
  return finish(g, tf1 ? 'standardize_while_tf1_tf2onnx' : 'standardize_map_fn_tf2onnx', [{ name: 'image', dtype: 'f32', shape: ['unk__721', H, W, 3] }],
    [f32('dense', ['unk__722', 4])], [{ unk__721: 1 }, { unk__721: 3 }], 13);
}

/**
 * An int8 TFLite MobileNet through tf2onnx --tflite (opset 13): every activation
 * QuantizeLinear -> DequantizeLinear (uint8, per-tensor scale and zero point), int8 conv weights
 * DequantizeLinear-ed per output channel (axis 0, zero points 0), int32 biases DequantizeLinear-ed
 * with scale = input scale x weight scale per channel, NHWC kept by a Transpose around each conv
 * (tflite graphs are channels-last throughout), fused Relu6 as Clip, a depthwise conv, the
 * average pool as ReduceMean, FullyConnected as MatMul with a dequantized int8 weight + Add,
 * Softmax. Fixed batch 1, as TFLite models have.
 */
export function tfliteQuantTf2onnx(): ZooModel {
  const g = new Graph(79);
  const r = rng(80);
  const qdq = (x: string, scale: number, zp: number): string => {
    const sc = g.constant('f32', [], [scale]), z = g.constant('u8', [], [zp]);
    return g.op('DequantizeLinear', [g.op('QuantizeLinear', [x, sc, z]), sc, z]);
  };
  // int8 weight [cout, ...] with per-channel scales; int32 bias at in_scale * w_scale.
  const qweight = (shape: number[], inScale: number): [string, string] => {
    const cout = shape[0]!, per = shape.slice(1).reduce((a, b) => a * b, 1);
    const ws = Array.from({ length: cout }, () => 0.004 + 0.006 * r());
    const w = g.constant('i8', shape, Array.from({ length: cout * per }, () => Math.round(r() * 254 - 127)));
    const wq = g.op('DequantizeLinear', [w, g.constant('f32', [cout], ws), g.constant('i8', [cout], new Array<number>(cout).fill(0))], { axis: 0 });
    const bs = ws.map((x) => x * inScale);
    const bq = g.constant('i32', [cout], Array.from({ length: cout }, () => Math.round((r() - 0.5) * 40)));
    const bd = g.op('DequantizeLinear', [bq, g.constant('f32', [cout], bs), g.constant('i32', [cout], new Array<number>(cout).fill(0))], { axis: 0 });
    return [wq, bd];
  };
  const convNhwc = (x: string, inScale: number, cin: number, cout: number, k: number, o: { stride?: number; group?: number; pads: number[] }): string => {
    const [w, bias] = qweight([cout, cin / (o.group ?? 1), k, k], inScale);
    const y = g.op('Conv', [g.op('Transpose', [x], { perm: [0, 3, 1, 2] }), w, bias],
      { dilations: [1, 1], group: o.group ?? 1, kernel_shape: [k, k], pads: o.pads, strides: [o.stride ?? 1, o.stride ?? 1] });
    return g.op('Transpose', [relu6(g, y)], { perm: [0, 2, 3, 1] });
  };
  const IN = 1 / 128, ACT = 6 / 255;
  const x = qdq('input', IN, 128);
  const c1 = qdq(convNhwc(x, IN, 3, 8, 3, { stride: 2, pads: [0, 0, 1, 1] }), ACT, 0);
  const dw = qdq(convNhwc(c1, ACT, 8, 8, 3, { group: 8, pads: [1, 1, 1, 1] }), ACT, 0);
  const pw = qdq(convNhwc(dw, ACT, 8, 16, 1, { pads: [0, 0, 0, 0] }), ACT, 0);
  const pooled = qdq(g.op('ReduceMean', [pw], { axes: [1, 2], keepdims: 0 }), ACT / 4, 0);
  const fcw = g.constant('i8', [16, 5], Array.from({ length: 80 }, () => Math.round(r() * 254 - 127)));
  const fc = g.op('MatMul', [pooled, g.op('DequantizeLinear', [fcw, g.constant('f32', [], [0.01]), g.constant('i8', [], [0])])]);
  const logits = qdq(g.op('Add', [fc, g.uniform('bias', [5], -0.1, 0.1)]), 0.05, 128);
  output(g, g.op('Softmax', [logits], { axis: -1 }), 'Identity');
  return finish(g, 'tflite_quant_tf2onnx', [{ name: 'input', dtype: 'f32', shape: [1, 16, 16, 3] }], [f32('Identity', [1, 5])], [{}], 13);
}

/**
 * Keras layers and tf.math ops as tf2onnx writes them (opset 15), over a symbolic batch and an
 * unknown time axis (NWC sequences): Conv1D as Transpose + Conv, PReLU with its slope reshaped to
 * (C, 1), LeakyReLU(0.2), BatchNormalization left unfolded between Transposes (a
 * FusedBatchNormV3 after a non-conv op), tf.clip_by_value as Max / Min, tf.math.divide_no_nan as
 * Where(Equal(y, 0), 0, x / y), tf.math.cumsum(exclusive, reverse) as CumSum, tf.round as Round
 * (half to even), tf.math.floormod on floats as x - floor(x / y) * y, tf.math.l2_normalize as
 * ReduceSumSquare + Max(eps) + Sqrt + Div, GlobalMaxPooling1D as ReduceMax, Softplus, Erf GELU,
 * Dense as MatMul + Add.
 */
export function kerasMiscTf2onnx(): ZooModel {
  const C = 6;
  const g = new Graph(82);
  const x = g.op('Transpose', ['sequence'], { perm: [0, 2, 1] });
  const c = g.in('conv1d', () => conv(g, x, 4, C, [3], { pads: [1, 1] }));
  const pr = g.op('PRelu', [c, g.op('Reshape', [g.uniform('p_re_lu.alpha', [C], 0.1, 0.3), g.i64([C, 1])])]);
  const lk = g.op('LeakyRelu', [pr], { alpha: { float: 0.2 } });
  const nwc = g.op('Transpose', [lk], { perm: [0, 2, 1] });
  const bn = g.op('Transpose', [g.in('batch_normalization', () => batchNorm(g, g.op('Transpose', [nwc], { perm: [0, 2, 1] }), C))], { perm: [0, 2, 1] });
  const clipped = g.op('Min', [g.op('Max', [bn, g.f32s(-1.5)]), g.f32s(1.5)]);
  const den = g.op('Round', [g.op('Mul', [clipped, g.f32s(2)])]);
  const safe = g.op('Where', [g.op('Equal', [den, g.f32s(0)]), g.f32s(0), g.op('Div', [clipped, den])]);
  const cs = g.op('CumSum', [safe, g.constant('i32', [], [1])], { exclusive: 1, reverse: 1 });
  const fm = g.op('Sub', [cs, g.op('Mul', [g.op('Floor', [g.op('Div', [cs, g.f32s(0.75)])]), g.f32s(0.75)])]);
  const gelu = g.op('Mul', [g.op('Mul', [fm, g.f32s(0.5)]), g.op('Add', [g.op('Erf', [g.op('Div', [fm, g.f32s(Math.SQRT2)])]), g.f32s(1)])]);
  const sq = g.op('ReduceSumSquare', [gelu], { axes: [2], keepdims: 1 });
  const l2 = g.op('Div', [gelu, g.op('Sqrt', [g.op('Max', [sq, g.f32s(1e-12)])])]);
  output(g, g.op('Softplus', [l2]), 'features');
  const pooled = g.op('ReduceMax', [l2], { axes: [1], keepdims: 0 });
  const logits = g.in('dense', () => g.op('Add', [g.op('MatMul', [pooled, g.weight('kernel', [C, 3], C)]), g.uniform('bias', [3], -0.1, 0.1)]));
  output(g, g.op('Softmax', [logits], { axis: -1 }), 'dense');
  return finish(g, 'keras_misc_tf2onnx', [{ name: 'sequence', dtype: 'f32', shape: ['unk__941', 'unk__942', 4] }],
    [f32('features', ['unk__943', 'unk__944', C]), f32('dense', ['unk__945', 3])],
    [{ unk__941: 1, unk__942: 9 }, { unk__941: 3, unk__942: 2 }, { unk__941: 2, unk__942: 17 }], 15);
}

/**
 * A TF1 atrous (dilated) conv as tf2onnx writes it when its dilation rewriter does not apply
 * (opset 13): SpaceToBatchND as Pad + Reshape (the batch read from Shape, Concat-ed with the block
 * dims) + Transpose + Reshape(-1, ...), the conv on the space-to-batch tensor between NHWC <-> NCHW
 * Transposes, BatchToSpaceND as Reshape(block, block, -1, ...) + Transpose + Reshape + a Slice of the
 * crops on two axes, then a Relu6; symbolic batch.
 */
export function atrousSpaceToBatchTf2onnx(): ZooModel {
  const g = new Graph(83);
  const BLOCK = 2, C = 3, P = 8;
  const batch = g.op('Slice', [g.op('Shape', ['input']), g.i64([0]), g.i64([1]), g.i64([0])]);
  const padded = g.op('Pad', ['input', g.i64([0, 1, 1, 0, 0, 1, 1, 0])]);
  const split = g.op('Reshape', [padded, g.op('Concat', [batch, g.i64([P / BLOCK, BLOCK, P / BLOCK, BLOCK, C])], { axis: 0 })]);
  const s2b = g.op('Reshape', [g.op('Transpose', [split], { perm: [2, 4, 0, 1, 3, 5] }), g.i64([-1, P / BLOCK, P / BLOCK, C])]);
  const cv = g.in('atrous', () => conv(g, g.op('Transpose', [s2b], { perm: [0, 3, 1, 2] }), C, 4, 3, { pad: 1 }));
  const nhwc = g.op('Transpose', [cv], { perm: [0, 2, 3, 1] });
  const blocks = g.op('Reshape', [nhwc, g.i64([BLOCK, BLOCK, -1, P / BLOCK, P / BLOCK, 4])]);
  const b2s = g.op('Reshape', [g.op('Transpose', [blocks], { perm: [2, 3, 0, 4, 1, 5] }), g.op('Concat', [batch, g.i64([P, P, 4])], { axis: 0 })]);
  const cropped = g.op('Slice', [b2s, g.i64([1, 1]), g.i64([P - 1, P - 1]), g.i64([1, 2])]);
  output(g, relu6(g, cropped), 'output');
  return finish(g, 'atrous_s2b_tf2onnx', [{ name: 'input', dtype: 'f32', shape: ['unk__951', P - 2, P - 2, C] }],
    [f32('output', ['unk__952', P - 2, P - 2, 4])], [{ unk__951: 1 }, { unk__951: 3 }], 13);
}

export const TF2ONNX_ZOO: Readonly<Record<string, () => ZooModel>> = {
  keras_mobilenet_tf2onnx: kerasMobilenetTf2onnx,
  movenet_tf2onnx: movenetTf2onnx,
  deeplab_tf2onnx: deeplabTf2onnx,
  standardize_map_fn_tf2onnx: () => standardizeMapFnTf2onnx(),
  standardize_while_tf1_tf2onnx: () => standardizeMapFnTf2onnx(true),
  tflite_quant_tf2onnx: tfliteQuantTf2onnx,
  keras_misc_tf2onnx: kerasMiscTf2onnx,
  atrous_s2b_tf2onnx: atrousSpaceToBatchTf2onnx,
  ssd_postprocess_tf2onnx: ssdPostprocessTf2onnx,
  efficientdet_postprocess_tf2onnx: efficientdetPostprocessTf2onnx,
  ssd_map_fn_tf2onnx: ssdMapFnTf2onnx,
};
