// Zoo models for the legacy family (see test/zoo/README.md): the ONNX model zoo's classic exports
// (Caffe2, CNTK, MXNet, WinMLTools, PyTorch 1.x, tf2onnx) at opsets 7-12, in miniature. They keep
// what those files look like: IR version of their time with every weight also listed as a graph
// input, fixed 1xCxHxW inputs (a symbolic batch only where the original had one), shapes as int64
// initializers or Constant nodes, and the old operator forms (attributes that later became
// inputs, Softmax's 2-D coercion, BatchNormalization's `spatial`, Upsample, Pad-2, ImageScaler).
// onnxruntime-node runs opset 7 and up (opset 1-6 kernels are gone), so nothing older is here.
// This file: detection, generation and sequence models and LEGACY_ZOO; the classifiers are in
// models-legacy-cls.ts, the exporters' conventions in models-legacy-common.ts.

import { tensorFrom } from '../../ir/tensor.js';
import { Graph, rng } from './graph.js';
import { f32, nameLast, type ZooModel } from './models-common.js';
import {
  alexnetOp7, arcfaceOp8, densenetOp9, efficientnetLite4Op11, emotionFerplusOp8, inceptionOp7, mnistOp8, mobilenetV2Op7, shufflenetV2Op10,
  squeezenetOp12, squeezenetOp7,
} from './models-legacy-cls.js';
import { finishLegacy, initOf, lbn, lconv, maxPool } from './models-legacy-common.js';

export * from './models-legacy-cls.js';

/**
 * Tiny YOLOv2 (tinyyolov2-7 / -8, WinMLTools): the image scaled by ImageScaler (opset 7) or by
 * Mul + Add of constants (opset 8), Conv without bias + BatchNormalization-7 (spatial) +
 * LeakyRelu(0.1) + MaxPool 2x2/2, the last MaxPool 2x2/1 with asymmetric pads [0, 0, 1, 1],
 * a 1x1 detection conv with bias.
 */
export function tinyYolov2(opset: 7 | 8): ZooModel {
  const g = new Graph(106 + opset);
  let x: string;
  if (opset === 7) {
    x = g.op('ImageScaler', ['image'], { bias: { floats: [0.1, -0.2, 0.05] }, scale: { float: 1 / 255 } });
  } else {
    const s = g.op('Mul', ['image', initOf(g, 'scalerPreprocessor_scale', 'f32', [1], [1 / 255])]);
    x = g.op('Add', [s, initOf(g, 'scalerPreprocessor_bias', 'f32', [1, 3, 1, 1], [0.1, -0.2, 0.05])]);
  }
  const block = (i: number, v: string, cin: number, cout: number): string => g.in(`convolution${i}`, () =>
    g.op('LeakyRelu', [lbn(g, lconv(g, v, cin, cout, { k: 3, pad: 1, bias: false }), cout, opset)], { alpha: { float: 0.1 } }));
  let h = x, c = 3;
  for (const [i, cout] of [8, 12, 16].entries()) {
    h = maxPool(g, block(i, h, c, cout), 2, 2);
    c = cout;
  }
  h = maxPool(g, block(3, h, c, 16), 2, 1, [0, 0, 1, 1]); // 4x4 stays 4x4
  h = block(4, h, 16, 16);
  g.in('convolution8', () => lconv(g, h, 16, 15, { k: 1 }));
  nameLast(g, 'grid');
  return finishLegacy(g, `tinyyolov2_op${opset}`, [{ name: 'image', dtype: 'f32', shape: [1, 3, 32, 32] }], [f32('grid', [1, 15, 4, 4])], [{}], opset);
}

/**
 * Fast neural style (candy/mosaic/udnie-8 and -9): ReflectionPad2d as Pad-2 (pads attribute,
 * mode reflect), Conv, InstanceNormalization, a residual block, upsampling by Upsample (opset 8:
 * scales attribute; opset 9: scales from a Constant node), a final Pad + Conv; a side output
 * upsampled by Upsample in linear mode.
 */
export function styleTransferLegacy(opset: 8 | 9): ZooModel {
  const g = new Graph(110 + opset);
  const relu = (x: string): string => g.op('Relu', [x]);
  const pad = (x: string, p: number): string => g.op('Pad', [x], { mode: 'reflect', pads: [0, 0, p, p, 0, 0, p, p] });
  const inorm = (x: string, c: number): string => g.op('InstanceNormalization', [x, g.uniform('scale', [c], 0.5, 1.5), g.uniform('B', [c], -0.1, 0.1)], { epsilon: { float: 1e-5 } });
  const upsample = (x: string, mode: string): string => (opset === 8
    ? g.op('Upsample', [x], { mode, scales: { floats: [1, 1, 2, 2] } })
    : g.op('Upsample', [x, g.constant('f32', [4], [1, 1, 2, 2])], { mode }));
  const c1 = g.in('conv1', () => relu(inorm(lconv(g, pad('input1', 2), 3, 6, { k: 5 }), 6))); // 12x12
  const c2 = g.in('conv2', () => relu(inorm(lconv(g, pad(c1, 1), 6, 8, { k: 3, stride: 2 }), 8))); // 6x6
  const r = g.in('res1', () => {
    const a = relu(inorm(lconv(g, pad(c2, 1), 8, 8, { k: 3 }), 8));
    return g.op('Add', [c2, inorm(lconv(g, pad(a, 1), 8, 8, { k: 3 }), 8)]);
  });
  const up = g.in('deconv1', () => relu(inorm(lconv(g, pad(upsample(r, 'nearest'), 1), 8, 6, { k: 3 }), 6))); // 12x12
  g.in('deconv3', () => lconv(g, pad(up, 2), 6, 3, { k: 5 }));
  nameLast(g, 'output1');
  g.op('Upsample', opset === 8 ? [c2] : [c2, g.constant('f32', [4], [1, 1, 2, 2])], opset === 8 ? { mode: 'linear', scales: { floats: [1, 1, 2, 2] } } : { mode: 'linear' });
  nameLast(g, 'smooth');
  return finishLegacy(g, `style_transfer_op${opset}`, [{ name: 'input1', dtype: 'f32', shape: [1, 3, 12, 12] }],
    [f32('output1', [1, 3, 12, 12]), f32('smooth', [1, 8, 12, 12])], [{}], opset);
}

/**
 * YOLOv3 (yolov3-10, keras2onnx) neck in miniature: Conv + BatchNormalization + LeakyRelu,
 * a route upsampled by Resize-10 (nearest, scales input) and Concat-ed with the earlier stage,
 * two detection heads; symbolic batch as the original ('N').
 */
export function yolov3Op10(): ZooModel {
  const g = new Graph(120);
  const cbl = (x: string, cin: number, cout: number, k: number, stride = 1): string =>
    g.op('LeakyRelu', [lbn(g, lconv(g, x, cin, cout, { k, stride, pad: k === 3 && stride === 1 ? 1 : 0, pads: stride === 2 ? [1, 1, 0, 0] : undefined, bias: false }), cout, 10, 1e-3)], { alpha: { float: 0.1 } });
  const s1 = cbl(cbl('input_1', 3, 8, 3), 8, 12, 3, 2); // 16 -> 8
  const s2 = cbl(cbl(s1, 12, 16, 3, 2), 16, 16, 3); // 8 -> 4
  lconv(g, s2, 16, 9, { k: 1 });
  nameLast(g, 'conv2d_59');
  const route = cbl(s2, 16, 8, 1);
  const up = g.op('Resize', [route, g.constant('f32', [4], [1, 1, 2, 2])], { mode: 'nearest' });
  const merged = g.op('Concat', [up, s1], { axis: 1 });
  lconv(g, cbl(merged, 20, 12, 3), 12, 9, { k: 1 });
  nameLast(g, 'conv2d_67');
  return finishLegacy(g, 'yolov3_op10', [{ name: 'input_1', dtype: 'f32', shape: ['N', 3, 16, 16] }],
    [f32('conv2d_59', ['N', 9, 4, 4]), f32('conv2d_67', ['N', 9, 8, 8])], [{ N: 1 }, { N: 2 }], 10);
}

/**
 * Super resolution (super-resolution-10, PyTorch's example): Conv 5x5 / 3x3 + ReLU, the sub-pixel
 * shuffle as Reshape to [1, 1, 3, 3, H, W] by a Constant shape, Transpose (0, 1, 4, 2, 5, 3),
 * Reshape to [1, 1, 3H, 3W].
 */
export function superResolutionOp10(): ZooModel {
  const g = new Graph(132);
  const relu = (x: string): string => g.op('Relu', [x]);
  const H = 10, W = 12;
  let h = relu(g.in('conv1', () => lconv(g, 'input', 1, 8, { k: 5, pad: 2 })));
  h = relu(g.in('conv2', () => lconv(g, h, 8, 8, { k: 3, pad: 1 })));
  h = relu(g.in('conv3', () => lconv(g, h, 8, 6, { k: 3, pad: 1 })));
  h = g.in('conv4', () => lconv(g, h, 6, 9, { k: 3, pad: 1 }));
  const r = g.op('Reshape', [h, g.constant('i64', [6], [1, 1, 3, 3, H, W])]);
  const t = g.op('Transpose', [r], { perm: [0, 1, 4, 2, 5, 3] });
  g.op('Reshape', [t, g.constant('i64', [4], [1, 1, 3 * H, 3 * W])]);
  nameLast(g, 'output');
  return finishLegacy(g, 'super_resolution_op10', [{ name: 'input', dtype: 'f32', shape: [1, 1, H, W] }], [f32('output', [1, 1, 3 * H, 3 * W])], [{}], 10);
}

/**
 * GPT-2 (gpt2-10, transformers 2.x exported by PyTorch 1.x at opset 10), one block: position ids
 * from torch.arange as opset 9/10 wrote it (ConstantOfShape of ones over the Unsqueeze-d length,
 * NonZero, Transpose, Squeeze-1, Cast), LayerNorm decomposed with ReduceMean-1, Conv1D as
 * Reshape to 2-D + Gemm + Reshape back (shapes from Shape/Gather/Unsqueeze-1/Concat), Split-2 of
 * the fused qkv, the causal mask Slice-10-d out of a [1, 1, P, P] buffer at rows
 * [k_len - q_len, k_len) with bounds from Shape and Sub, `w * b - 1e4 * (1 - b)`, Softmax-1 on the
 * last axis, the tanh GELU with Pow, ln_f, the tied LM head. Symbolic batch and sequence.
 */
export function gpt2Op10(): ZooModel {
  const g = new Graph(143);
  const D = 16, H = 2, DH = D / H, V = 23, P = 12;
  const unsq = (x: string): string => g.op('Unsqueeze', [x], { axes: [0] });
  const dim = (x: string, i: number): string => g.op('Gather', [g.op('Shape', [x]), g.constant('i64', [], [i])], { axis: 0 });
  const ln = (x: string): string => g.in('ln', () => {
    const mean = (v: string): string => g.op('ReduceMean', [v], { axes: [-1], keepdims: 1 });
    const c = g.op('Sub', [x, mean(x)]);
    const s = g.op('Sqrt', [g.op('Add', [mean(g.op('Pow', [c, g.constant('f32', [], [2])])), g.constant('f32', [], [1e-5])])]);
    return g.op('Add', [g.op('Mul', [g.op('Div', [c, s]), g.uniform('weight', [D], 0.5, 1.5)]), g.uniform('bias', [D], -0.1, 0.1)]);
  });
  // transformers' Conv1D: addmm on x.view(-1, din), then view(*x.size()[:-1], dout).
  const conv1d = (scope: string, x: string, din: number, dout: number): string => g.in(scope, () => {
    const flat = g.op('Reshape', [x, g.op('Concat', [g.constant('i64', [1], [-1]), g.constant('i64', [1], [din])], { axis: 0 })]);
    const y = g.op('Gemm', [flat, g.weight('weight', [din, dout], din), g.uniform('bias', [dout], -0.1, 0.1)], { alpha: { float: 1 }, beta: { float: 1 } });
    return g.op('Reshape', [y, g.op('Concat', [unsq(dim(x, 0)), unsq(dim(x, 1)), g.constant('i64', [1], [dout])], { axis: 0 })]);
  });
  const wte = g.uniform('wte', [V, D], -1, 1);
  const seq = dim('input_ids', 1);
  const ones = g.op('ConstantOfShape', [unsq(seq)], { value: tensorFrom('i64', [1], [1n]) });
  const arange = g.op('Cast', [g.op('Squeeze', [g.op('Transpose', [g.op('NonZero', [ones])], { perm: [1, 0] })], { axes: [1] })], { to: 7 });
  const pos = g.op('Reshape', [unsq(arange), g.op('Concat', [g.constant('i64', [1], [-1]), unsq(seq)], { axis: 0 })]);
  let h = g.op('Add', [g.op('Gather', [wte, 'input_ids'], { axis: 0 }), g.op('Gather', [g.uniform('wpe', [P, D], -1, 1), pos], { axis: 0 })]);
  h = g.in('h.0', () => {
    const a = ln(h);
    const [q, k, v] = g.opN('Split', [conv1d('c_attn', a, D, 3 * D)], 3, { axis: 2, split: [D, D, D] });
    const heads = (t: string, perm: number[]): string =>
      g.op('Transpose', [g.op('Reshape', [t, g.op('Concat', [unsq(dim(t, 0)), unsq(dim(t, 1)), g.constant('i64', [1], [H]), g.constant('i64', [1], [DH])], { axis: 0 })])], { perm });
    const qh = heads(q!, [0, 2, 1, 3]), kt = heads(k!, [0, 2, 3, 1]), vh = heads(v!, [0, 2, 1, 3]);
    const w = g.op('Div', [g.op('MatMul', [qh, kt]), g.constant('f32', [], [Math.sqrt(DH)])]);
    const nd = dim(w, 2), ns = dim(w, 3);
    const buf = initOf(g, 'attn.bias', 'f32', [1, 1, P, P], Array.from({ length: P * P }, (_, i) => (i % P <= Math.floor(i / P) ? 1 : 0)));
    const rows = g.op('Slice', [buf, unsq(g.op('Sub', [ns, nd])), unsq(ns), g.constant('i64', [1], [2]), g.constant('i64', [1], [1])]);
    const b = g.op('Slice', [rows, g.constant('i64', [1], [0]), unsq(ns), g.constant('i64', [1], [3]), g.constant('i64', [1], [1])]);
    const masked = g.op('Sub', [g.op('Mul', [w, b]), g.op('Mul', [g.constant('f32', [], [1e4]), g.op('Sub', [g.constant('f32', [], [1]), b])])]);
    const p = g.op('Softmax', [masked], { axis: -1 });
    const ctx = g.op('Transpose', [g.op('MatMul', [p, vh])], { perm: [0, 2, 1, 3] });
    const merged = g.op('Reshape', [ctx, g.op('Concat', [unsq(dim(ctx, 0)), unsq(dim(ctx, 1)), g.constant('i64', [1], [D])], { axis: 0 })]);
    const r = g.op('Add', [h, conv1d('c_proj', merged, D, D)]);
    const m = conv1d('c_fc', ln(r), D, 2 * D);
    const x3 = g.op('Mul', [g.op('Pow', [m, g.constant('f32', [], [3])]), g.constant('f32', [], [0.044715])]);
    const t = g.op('Tanh', [g.op('Mul', [g.op('Add', [m, x3]), g.constant('f32', [], [Math.sqrt(2 / Math.PI)])])]);
    const gelu = g.op('Mul', [g.op('Mul', [g.constant('f32', [], [0.5]), m]), g.op('Add', [g.constant('f32', [], [1]), t])]);
    return g.op('Add', [r, conv1d('mlp.c_proj', gelu, 2 * D, D)]);
  });
  g.op('MatMul', [g.in('ln_f', () => ln(h)), g.op('Transpose', [wte], { perm: [1, 0] })]);
  nameLast(g, 'logits');
  return finishLegacy(g, 'gpt2_op10', [{ name: 'input_ids', dtype: 'i64', shape: ['batch', 'sequence'], vocab: V }], [f32('logits', ['batch', 'sequence', V])],
    [{ batch: 1, sequence: 7 }, { batch: 2, sequence: 12 }, { batch: 3, sequence: 1 }], 10);
}

/**
 * A U-Net as PyTorch 1.1-1.3 exported it at opset 9 with dynamic height and width:
 * F.interpolate(x, size=skip.shape[2:]) as Upsample-9 whose scales are computed in the graph
 * (Concat of Constant [1, 1] and Div of the Cast target size by the Cast input size, both
 * Slice-1-d out of Shape), MaxPool 2x2, Concat skips, BatchNormalization-9, a 1x1 head.
 */
export function unetOp9(dynamic = true): ZooModel {
  const g = new Graph(144);
  const block = (x: string, cin: number, cout: number): string =>
    g.op('Relu', [lbn(g, lconv(g, g.op('Relu', [lconv(g, x, cin, cout, { k: 3, pad: 1 })]), cout, cout, { k: 3, pad: 1, bias: false }), cout, 9)]);
  const hw = (x: string): string => g.op('Slice', [g.op('Shape', [x])], { axes: [0], ends: [4], starts: [2] });
  const upTo = (x: string, like: string): string => {
    const size = g.op('Cast', [hw(like)], { to: 1 });
    const scales = g.op('Concat', [g.constant('f32', [2], [1, 1]), g.op('Div', [size, g.op('Cast', [hw(x)], { to: 1 })])], { axis: 0 });
    return g.op('Upsample', [x, scales], { mode: 'nearest' });
  };
  const pool = (x: string): string => maxPool(g, x, 2, 2);
  const e1 = g.in('inc', () => block('input.1', 2, 6));
  const e2 = g.in('down1', () => block(pool(e1), 6, 8));
  const mid = g.in('down2', () => block(pool(e2), 8, 8));
  const d2 = g.in('up1', () => block(g.op('Concat', [e2, upTo(mid, e2)], { axis: 1 }), 16, 6));
  const d1 = g.in('up2', () => block(g.op('Concat', [e1, upTo(d2, e1)], { axis: 1 }), 12, 6));
  g.in('outc', () => lconv(g, d1, 6, 3, { k: 1 }));
  nameLast(g, 'output');
  if (!dynamic) return finishLegacy(g, 'unet_op9_static', [{ name: 'input.1', dtype: 'f32', shape: [1, 2, 8, 12] }], [f32('output', [1, 3, 8, 12])], [{}], 9);
  return finishLegacy(g, 'unet_op9', [{ name: 'input.1', dtype: 'f32', shape: ['N', 2, 'H', 'W'] }], [f32('output', ['N', 3, 'H', 'W'])],
    [{ N: 1, H: 8, W: 12 }, { N: 2, H: 16, W: 4 }], 9);
}

/**
 * Ultra-Light face detector (version-RFB-320, PyTorch at opset 9): two detection scales, each a
 * conf head Transpose-d to NHWC and Reshape-d to [1, -1, 2] (Constant shapes) with Softmax-1 on
 * axis 2, and a box head decoded against prior boxes with Slice-1 (attributes) pieces, Mul,
 * Exp, Add, then centre form to corners (Div, Sub, Add, Concat).
 */
export function ultrafaceOp9(): ZooModel {
  const g = new Graph(146);
  const relu = (x: string): string => g.op('Relu', [x]);
  const s1 = g.in('backbone.0', () => relu(lbn(g, lconv(g, 'input', 3, 8, { k: 3, stride: 2, pad: 1, bias: false }), 8, 9))); // 16x20 -> 8x10
  const s2 = g.in('backbone.1', () => relu(lbn(g, lconv(g, s1, 8, 8, { k: 3, stride: 2, pad: 1, group: 8, bias: false }), 8, 9))); // 4x5
  const heads = (scope: string, x: string, anchors: number): [string, string] => g.in(scope, () => {
    const nhwc = (c: string, per: number): string => g.op('Reshape', [g.op('Transpose', [c], { perm: [0, 2, 3, 1] }), g.constant('i64', [3], [1, -1, per])]);
    return [nhwc(lconv(g, x, 8, anchors * 2, { k: 3, pad: 1 }), 2), nhwc(lconv(g, x, 8, anchors * 4, { k: 3, pad: 1 }), 4)];
  });
  const [c1, r1] = heads('classification_headers.0', s1, 2), [c2, r2] = heads('classification_headers.1', s2, 3);
  g.op('Softmax', [g.op('Concat', [c1, c2], { axis: 1 })], { axis: 2 });
  nameLast(g, 'scores');
  const nPriors = 8 * 10 * 2 + 4 * 5 * 3;
  const r = rngPriors(nPriors);
  const priors = initOf(g, 'priors', 'f32', [1, nPriors, 4], r);
  const loc = g.op('Concat', [r1, r2], { axis: 1 });
  const sl = (x: string, a: number, b: number): string => g.op('Slice', [x], { axes: [2], ends: [b], starts: [a] });
  const centre = g.op('Add', [g.op('Mul', [g.op('Mul', [sl(loc, 0, 2), g.constant('f32', [], [0.1])]), sl(priors, 2, 4)]), sl(priors, 0, 2)]);
  const size = g.op('Mul', [g.op('Exp', [g.op('Mul', [sl(loc, 2, 4), g.constant('f32', [], [0.2])])]), sl(priors, 2, 4)]);
  const half = g.op('Div', [size, g.constant('f32', [], [2])]);
  g.op('Concat', [g.op('Sub', [centre, half]), g.op('Add', [centre, half])], { axis: 2 });
  nameLast(g, 'boxes');
  return finishLegacy(g, 'ultraface_op9', [{ name: 'input', dtype: 'f32', shape: [1, 3, 16, 20] }], [f32('scores', [1, nPriors, 2]), f32('boxes', [1, nPriors, 4])], [{}], 9);
}

/** Prior boxes (cx, cy, w, h) in [0, 1], fixed by a seed. */
function rngPriors(n: number): number[] {
  const r = rng(7);
  return Array.from({ length: n * 4 }, (_, i) => (i % 4 < 2 ? r() : 0.05 + 0.3 * r()));
}

/**
 * YOLOv3's decoding and NonMaxSuppression tail (yolov3-10 / tiny-yolov3-11, keras2onnx) in
 * miniature: the head Reshape-d and Transpose-d to [1, anchors * cells, 5 + classes], Slice-10
 * pieces decoded (Sigmoid + grid offsets, Exp * anchor sizes, objectness * class scores),
 * corners Concat-ed, scores Transpose-d to [1, classes, boxes], NonMaxSuppression-10 with
 * constant limits; outputs boxes, scores and the selected indices (a count only the run knows).
 */
export function yolov3NmsOp10(): ZooModel {
  const g = new Graph(147);
  const A = 2, C = 3, CELLS = 16, N = A * CELLS;
  const f = g.op('LeakyRelu', [lconv(g, 'input_1', 3, 8, { k: 3, stride: 4, pad: 1 })], { alpha: { float: 0.1 } }); // 16 -> 4
  const head = lconv(g, f, 8, A * (5 + C), { k: 1 });
  const rows = g.op('Reshape', [g.op('Transpose', [g.op('Reshape', [head, g.constant('i64', [4], [1, A, 5 + C, CELLS])])], { perm: [0, 1, 3, 2] }), g.constant('i64', [3], [1, N, 5 + C])]);
  const sl = (a: number, b: number): string => g.op('Slice', [rows, g.constant('i64', [1], [a]), g.constant('i64', [1], [b]), g.constant('i64', [1], [2])]);
  const grid = initOf(g, 'grid', 'f32', [1, N, 2], Array.from({ length: N * 2 }, (_, i) => (i % 2 === 0 ? Math.floor(i / 2) % 4 : Math.floor(i / 8) % 4)));
  const anchors = initOf(g, 'anchors', 'f32', [1, N, 2], Array.from({ length: N * 2 }, (_, i) => (Math.floor(i / (2 * CELLS)) === 0 ? [1.2, 1.6] : [2.5, 2.1])[i % 2]!));
  const xy = g.op('Add', [g.op('Sigmoid', [sl(0, 2)]), grid]);
  const wh = g.op('Mul', [g.op('Exp', [sl(2, 4)]), anchors]);
  const half = g.op('Div', [wh, g.constant('f32', [1], [2])]);
  g.op('Concat', [g.op('Sub', [xy, half]), g.op('Add', [xy, half])], { axis: 2 });
  nameLast(g, 'boxes');
  const cls = g.op('Mul', [g.op('Sigmoid', [sl(5, 5 + C)]), g.op('Sigmoid', [sl(4, 5)])]);
  g.op('Transpose', [cls], { perm: [0, 2, 1] });
  nameLast(g, 'scores');
  g.op('NonMaxSuppression', ['boxes', 'scores', g.constant('i64', [1], [4]), g.constant('f32', [1], [0.5]), g.constant('f32', [1], [0.3])]);
  nameLast(g, 'selected_indices');
  return finishLegacy(g, 'yolov3_nms_op10', [{ name: 'input_1', dtype: 'f32', shape: [1, 3, 16, 16] }],
    [f32('boxes', [1, N, 4]), f32('scores', [1, C, N]), { name: 'selected_indices', dtype: 'i64', shape: ['nms', 3] }], [{}], 10);
}

/**
 * PyTorch's word_language_model as PyTorch 1.x exported it at opset 9: Embedding as Gather, a
 * bidirectional nn.LSTM as one LSTM-7 node with the zero initial state built by ConstantOfShape-9
 * over Shape/Gather/Unsqueeze-1/Concat (dynamic batch), directions merged by Transpose and
 * Reshape(0, 0, -1), the decoder as MatMul + Add, LogSoftmax-1 on the last axis; h_n returned.
 */
export function lstmOp9(): ZooModel {
  const g = new Graph(148);
  const V = 20, E = 6, H = 5;
  const emb = g.op('Gather', [g.uniform('encoder.weight', [V, E], -1, 1), 'tokens'], { axis: 0 });
  const batch = g.op('Unsqueeze', [g.op('Gather', [g.op('Shape', ['tokens']), g.constant('i64', [], [1])], { axis: 0 })], { axes: [0] });
  const h0 = g.op('ConstantOfShape', [g.op('Concat', [g.constant('i64', [1], [2]), batch, g.constant('i64', [1], [H])], { axis: 0 })], { value: tensorFrom('f32', [1], [0]) });
  const w = g.weight('W', [2, 4 * H, E], H), r = g.weight('R', [2, 4 * H, H], H), b = g.uniform('B', [2, 8 * H], -0.2, 0.2);
  const [y, yh] = g.opN('LSTM', [emb, w, r, b, '', h0, h0], 2, { direction: 'bidirectional', hidden_size: H });
  const merged = g.op('Reshape', [g.op('Transpose', [y!], { perm: [0, 2, 1, 3] }), g.constant('i64', [3], [0, 0, -1])]);
  const logits = g.op('Add', [g.op('MatMul', [merged, g.weight('decoder.weight', [2 * H, V], 2 * H)]), g.uniform('decoder.bias', [V], -0.1, 0.1)]);
  g.op('LogSoftmax', [logits], { axis: 2 });
  nameLast(g, 'log_probs');
  g.op('Identity', [yh!]);
  nameLast(g, 'h_n');
  return finishLegacy(g, 'lstm_op9', [{ name: 'tokens', dtype: 'i64', shape: ['seq', 'batch'], vocab: V }],
    [f32('log_probs', ['seq', 'batch', V]), f32('h_n', [2, 'batch', H])], [{ seq: 4, batch: 1 }, { seq: 9, batch: 3 }], 9);
}

export const LEGACY_ZOO: Readonly<Record<string, () => ZooModel>> = {
  squeezenet_v11_op7: squeezenetOp7,
  squeezenet_v10_op12: squeezenetOp12,
  alexnet_op7: () => alexnetOp7(false),
  caffenet: () => alexnetOp7(true),
  inception_op7: inceptionOp7,
  tinyyolov2_op7: () => tinyYolov2(7),
  tinyyolov2_op8: () => tinyYolov2(8),
  style_transfer_op8: () => styleTransferLegacy(8),
  style_transfer_op9: () => styleTransferLegacy(9),
  yolov3_op10: yolov3Op10,
  mnist_op8: mnistOp8,
  emotion_ferplus_op8: emotionFerplusOp8,
  super_resolution_op10: superResolutionOp10,
  arcface_op8: arcfaceOp8,
  densenet_op9: densenetOp9,
  shufflenet_v2_op10: shufflenetV2Op10,
  efficientnet_lite4_op11: efficientnetLite4Op11,
  gpt2_op10: gpt2Op10,
  unet_op9: unetOp9,
  unet_op9_static: () => unetOp9(false),
  mobilenetv2_op7: mobilenetV2Op7,
  ultraface_op9: ultrafaceOp9,
  yolov3_nms_op10: yolov3NmsOp10,
  lstm_op9: lstmOp9,
};
