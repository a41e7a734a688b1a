// Legacy zoo, classifiers: the ONNX model zoo's classic image classification and recognition
// exports (SqueezeNet, AlexNet/CaffeNet, Inception v1, DenseNet, MobileNetV2, ShuffleNetV2,
// EfficientNet-Lite4, MNIST, Emotion FER+, ArcFace) in miniature; see models-legacy.ts.

import { Graph } from './graph.js';
import { f32, nameLast, type ZooModel } from './models-common.js';
import { finishLegacy, initOf, lbn, lconv, lrn, maxPool } from './models-legacy-common.js';

/**
 * SqueezeNet 1.1 (squeezenet1.1-7, converted from MXNet): stride-2 stem, fire modules (1x1
 * squeeze, 1x1 and 3x3 expands Concat-ed), MaxPools whose ceil_mode (no attribute before opset 10)
 * is written as an extra end pad, Dropout with its mask output, a 1x1 classifier conv,
 * GlobalAveragePool, Reshape by an int64 initializer, Softmax-1 on the 2-D logits; plus the
 * classifier map through Softmax-1 at axis 1 (coerced to [N, C*H*W]).
 */
export function squeezenetOp7(): ZooModel {
  const g = new Graph(101);
  const relu = (x: string): string => g.op('Relu', [x]);
  const fire = (scope: string, x: string, cin: number, sq: number, ex: number): string => g.in(scope, () => {
    const s = relu(lconv(g, x, cin, sq, { k: 1 }));
    return g.op('Concat', [relu(lconv(g, s, sq, ex, { k: 1 })), relu(lconv(g, s, sq, ex, { k: 3, pad: 1 }))], { axis: 1 });
  });
  const stem = g.in('conv0', () => relu(lconv(g, 'data', 3, 8, { k: 3, stride: 2 }))); // 17x17
  const p0 = maxPool(g, stem, 3, 2); // 8x8
  const f1 = fire('fire2', p0, 8, 4, 8), f2 = fire('fire3', f1, 16, 4, 8);
  const p1 = maxPool(g, f2, 3, 2, [0, 0, 1, 1]); // ceil: 4x4 instead of 3x3
  const f3 = fire('fire4', p1, 16, 6, 12);
  const [dropped] = g.opN('Dropout', [f3], 2, { ratio: { float: 0.5 } });
  const cls = g.in('conv10', () => relu(lconv(g, dropped!, 24, 10, { k: 1 })));
  const pooled = g.op('GlobalAveragePool', [cls]);
  const flat = g.op('Reshape', [pooled, initOf(g, 'flatten_shape', 'i64', [2], [1, 10])]);
  g.op('Softmax', [flat], { axis: 1 });
  nameLast(g, 'prob');
  g.op('Softmax', [cls], { axis: 1 });
  nameLast(g, 'prob_map');
  return finishLegacy(g, 'squeezenet_v11_op7', [{ name: 'data', dtype: 'f32', shape: [1, 3, 35, 35] }],
    [f32('prob', [1, 10]), f32('prob_map', [1, 10, 4, 4])], [{}], 7);
}

/**
 * SqueezeNet 1.0 as PyTorch exports it at opset 12 (squeezenet1.0-12): MaxPool-12 with ceil_mode,
 * 7x7/2 stem, Dropout-12 (no ratio input), Flatten, symbolic batch.
 */
export function squeezenetOp12(): ZooModel {
  const g = new Graph(102);
  const relu = (x: string): string => g.op('Relu', [x]);
  const fire = (scope: string, x: string, cin: number, sq: number, ex: number): string => g.in(scope, () => {
    const s = relu(lconv(g, x, cin, sq, { k: 1 }));
    return g.op('Concat', [relu(lconv(g, s, sq, ex, { k: 1 })), relu(lconv(g, s, sq, ex, { k: 3, pad: 1 }))], { axis: 1 });
  });
  const stem = g.in('features.0', () => relu(lconv(g, 'data_0', 3, 8, { k: 7, stride: 2 }))); // 13x13
  const p0 = maxPool(g, stem, 3, 2, [0, 0, 0, 0], { ceil_mode: 1 }); // 6x6
  const f1 = fire('features.3', p0, 8, 4, 8);
  const p1 = maxPool(g, f1, 3, 2, [0, 0, 0, 0], { ceil_mode: 1 }); // 3x3 (ceil of 2.5)
  const f2 = fire('features.5', p1, 16, 4, 8);
  const d = g.op('Dropout', [f2]);
  const cls = g.in('classifier.1', () => relu(lconv(g, d, 16, 10, { k: 1 })));
  g.op('Flatten', [g.op('GlobalAveragePool', [cls])], { axis: 1 });
  nameLast(g, 'softmaxout_1');
  return finishLegacy(g, 'squeezenet_v10_op12', [{ name: 'data_0', dtype: 'f32', shape: ['N', 3, 32, 32] }],
    [f32('softmaxout_1', ['N', 10])], [{ N: 1 }, { N: 3 }], 12);
}

/**
 * BVLC AlexNet / CaffeNet (bvlc_alexnet-7, bvlc_reference_caffenet-7, converted from Caffe2):
 * strided conv, LRN then MaxPool (CaffeNet: MaxPool then LRN), grouped convs (group = 2),
 * Reshape to [1, -1] by an int64 initializer, fc layers as Gemm(transB) with a broadcast bias,
 * Dropout, Softmax-1.
 */
export function alexnetOp7(caffenet = false): ZooModel {
  const g = new Graph(caffenet ? 104 : 103);
  const relu = (x: string): string => g.op('Relu', [x]);
  const normPool = (x: string): string => (caffenet ? lrn(g, maxPool(g, x, 3, 2)) : maxPool(g, lrn(g, x), 3, 2));
  const c1 = normPool(g.in('conv1', () => relu(lconv(g, 'data_0', 3, 8, { k: 5, stride: 2 })))); // 27 -> 12 -> 5
  const c2 = normPool(g.in('conv2', () => relu(lconv(g, c1, 8, 12, { k: 3, pad: 1, group: 2 })))); // 5 -> 2
  const c3 = g.in('conv3', () => relu(lconv(g, c2, 12, 12, { k: 3, pad: 1, group: 2 })));
  const flat = g.op('Reshape', [c3, initOf(g, 'OC2_DUMMY_1', 'i64', [2], [1, -1])]);
  const fc = (scope: string, x: string, din: number, dout: number): string => g.in(scope, () =>
    g.op('Gemm', [x, g.weight('w', [dout, din], din), g.uniform('b', [dout], -0.1, 0.1)], { alpha: { float: 1 }, beta: { float: 1 }, transA: 0, transB: 1 }));
  const f6 = g.op('Dropout', [relu(fc('fc6', flat, 12 * 2 * 2, 32))], { ratio: { float: 0.5 } });
  const f7 = g.op('Dropout', [relu(fc('fc7', f6, 32, 32))], { ratio: { float: 0.5 } });
  g.op('Softmax', [fc('fc8', f7, 32, 10)]);
  nameLast(g, 'prob_1');
  const name = caffenet ? 'caffenet' : 'alexnet_op7';
  return finishLegacy(g, name, [{ name: 'data_0', dtype: 'f32', shape: [1, 3, 27, 27] }], [f32('prob_1', [1, 10])], [{}], 7);
}

/**
 * Inception v1 / GoogLeNet (inception_v1-7, converted from Caffe2): 7x7/2 stem, MaxPools with
 * Caffe's ceil rounding written as end pads, LRN, one inception module (1x1; 1x1 -> 3x3;
 * 1x1 -> 5x5; 3x3/1 MaxPool -> 1x1) Concat-ed, an AveragePool 3x3/1 with padding counted
 * (count_include_pad, as Caffe averages), the final AveragePool over the whole map, Dropout,
 * Reshape by an initializer, Gemm, Softmax-1.
 */
export function inceptionOp7(): ZooModel {
  const g = new Graph(105);
  const relu = (x: string): string => g.op('Relu', [x]);
  const stem = g.in('conv1', () => relu(lconv(g, 'data_0', 3, 8, { k: 7, stride: 2, pad: 3 }))); // 24 -> 12
  const p1 = lrn(g, maxPool(g, stem, 3, 2, [0, 0, 1, 1])); // 12 -> 6 (ceil)
  const c2 = g.in('conv2', () => relu(lconv(g, relu(lconv(g, p1, 8, 8, { k: 1 })), 8, 16, { k: 3, pad: 1 })));
  const p2 = maxPool(g, lrn(g, c2), 3, 2, [0, 0, 1, 1]); // 6 -> 3
  const mod = g.in('inception_3a', () => {
    const b1 = relu(lconv(g, p2, 16, 6, { k: 1 }));
    const b2 = relu(lconv(g, relu(lconv(g, p2, 16, 6, { k: 1 })), 6, 8, { k: 3, pad: 1 }));
    const b3 = relu(lconv(g, relu(lconv(g, p2, 16, 2, { k: 1 })), 2, 4, { k: 5, pad: 2 }));
    const b4 = relu(lconv(g, maxPool(g, p2, 3, 1, [1, 1, 1, 1]), 16, 4, { k: 1 }));
    return g.op('Concat', [b1, b2, b3, b4], { axis: 1 });
  });
  const smooth = g.op('AveragePool', [mod], { count_include_pad: 1, kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1] });
  const pooled = g.op('AveragePool', [smooth], { kernel_shape: [3, 3], pads: [0, 0, 0, 0], strides: [1, 1] });
  const d = g.op('Dropout', [pooled], { ratio: { float: 0.4 } });
  const flat = g.op('Reshape', [d, initOf(g, 'OC2_DUMMY_0', 'i64', [2], [1, 22])]);
  const fc = g.in('loss3', () => g.op('Gemm', [flat, g.weight('w', [10, 22], 22), g.uniform('b', [10], -0.1, 0.1)], { alpha: { float: 1 }, beta: { float: 1 }, transB: 1 }));
  g.op('Softmax', [fc]);
  nameLast(g, 'prob_1');
  return finishLegacy(g, 'inception_op7', [{ name: 'data_0', dtype: 'f32', shape: [1, 3, 24, 24] }], [f32('prob_1', [1, 10])], [{}], 7);
}

/** CNTK's Convolution: Conv with auto_pad SAME_UPPER and no bias, then Plus of a [C, 1, 1] bias. */
function cntkConv(g: Graph, x: string, cin: number, cout: number, k: number): string {
  const w = g.weight('W', [cout, cin, k, k], cin * k * k);
  const c = g.op('Conv', [x, w], { auto_pad: 'SAME_UPPER', dilations: [1, 1], group: 1, kernel_shape: [k, k], strides: [1, 1] });
  return g.op('Add', [c, g.uniform('Parameter', [cout, 1, 1], -0.1, 0.1)]);
}

/**
 * MNIST (mnist-8, CNTK): Convolution as SAME_UPPER Conv + Plus of a [C, 1, 1] bias, ReLU,
 * MaxPool 2x2/2 then 3x3/3, the dense weight stored as [16, 4, 4, 10] and Reshape-d to
 * [256, 10] by an int64 initializer (a constant subgraph), the input Reshape-d to [1, 256],
 * Times as MatMul, Plus of a [1, 10] bias.
 */
export function mnistOp8(): ZooModel {
  const g = new Graph(130);
  const relu = (x: string): string => g.op('Relu', [x]);
  const c1 = maxPool(g, relu(g.in('Convolution28', () => cntkConv(g, 'Input3', 1, 8, 5))), 2, 2); // 14
  const c2 = maxPool(g, relu(g.in('Convolution110', () => cntkConv(g, c1, 8, 16, 5))), 3, 3); // 4
  const wRaw = g.weight('Parameter193', [16, 4, 4, 10], 256);
  const w = g.op('Reshape', [wRaw, initOf(g, 'Parameter193_reshape1_shape', 'i64', [2], [256, 10])]);
  const flat = g.op('Reshape', [c2, initOf(g, 'Pooling160_Output_0_reshape0_shape', 'i64', [2], [1, 256])]);
  g.op('Add', [g.op('MatMul', [flat, w]), g.uniform('Parameter194', [1, 10], -0.1, 0.1)]);
  nameLast(g, 'Plus214_Output_0');
  return finishLegacy(g, 'mnist_op8', [{ name: 'Input3', dtype: 'f32', shape: [1, 1, 28, 28] }], [f32('Plus214_Output_0', [1, 10])], [{}], 8);
}

/**
 * Emotion FER+ (emotion-ferplus-8, CNTK): the input normalised by Sub and Div of Constant nodes,
 * pairs of SAME_UPPER convs + Plus + ReLU, MaxPool, Dropout, Reshape by an initializer, two dense
 * layers as MatMul + Plus (Times), the first followed by ReLU and Dropout.
 */
export function emotionFerplusOp8(): ZooModel {
  const g = new Graph(131);
  const relu = (x: string): string => g.op('Relu', [x]);
  const sub = g.op('Sub', ['Input3', g.constant('f32', [1, 1, 1, 1], [0.5])]);
  const x = g.op('Div', [sub, g.constant('f32', [1], [0.25])]);
  const stage = (scope: string, v: string, cin: number, cout: number): string => g.in(scope, () => {
    const a = relu(cntkConv(g, relu(cntkConv(g, v, cin, cout, 3)), cout, cout, 3));
    return g.op('Dropout', [maxPool(g, a, 2, 2)], { ratio: { float: 0.25 } });
  });
  const s2 = stage('stage2', stage('stage1', x, 1, 6), 6, 8); // 16 -> 8 -> 4
  const flat = g.op('Reshape', [s2, initOf(g, 'Dropout_reshape0_shape', 'i64', [2], [1, 128])]);
  const d1 = g.in('Times', () => g.op('Dropout', [relu(g.op('Add', [g.op('MatMul', [flat, g.weight('Parameter', [128, 24], 128)]), g.uniform('bias', [24], -0.1, 0.1)]))], { ratio: { float: 0.5 } }));
  g.in('Times2', () => g.op('Add', [g.op('MatMul', [d1, g.weight('Parameter', [24, 8], 24)]), g.uniform('bias', [8], -0.1, 0.1)]));
  nameLast(g, 'Plus692_Output_0');
  return finishLegacy(g, 'emotion_ferplus_op8', [{ name: 'Input3', dtype: 'f32', shape: [1, 1, 16, 16] }], [f32('Plus692_Output_0', [1, 8])], [{}], 8);
}

/**
 * ArcFace ResNet (arcfaceresnet100-8, MXNet): the input shifted and scaled by Sub/Mul of
 * initializers, Conv + BatchNormalization + PRelu with a [C, 1, 1] slope, a pre-activation
 * residual unit (BN, conv, BN, PRelu, strided conv, BN) with a 1x1 strided shortcut, BN,
 * Dropout, Flatten, Gemm to the embedding, BatchNormalization of the 2-D embedding.
 */
export function arcfaceOp8(): ZooModel {
  const g = new Graph(133);
  const prelu = (x: string, c: number): string => g.op('PRelu', [x, g.uniform('gamma', [c, 1, 1], 0.1, 0.3)]);
  const x = g.op('Mul', [g.op('Sub', ['data', initOf(g, 'minusscalar0_second', 'f32', [1], [0.1])]), initOf(g, 'mulscalar0_second', 'f32', [1], [1.5])]);
  const stem = g.in('conv0', () => prelu(lbn(g, lconv(g, x, 3, 8, { k: 3, pad: 1, bias: false }), 8, 8, 2e-5), 8));
  const unit = g.in('stage1_unit1', () => {
    const a = lbn(g, stem, 8, 8, 2e-5);
    const b = prelu(lbn(g, lconv(g, a, 8, 12, { k: 3, pad: 1, bias: false }), 12, 8, 2e-5), 12);
    const c = lbn(g, lconv(g, b, 12, 12, { k: 3, stride: 2, pad: 1, bias: false }), 12, 8, 2e-5);
    const sc = lbn(g, lconv(g, stem, 8, 12, { k: 1, stride: 2, bias: false }), 12, 8, 2e-5);
    return g.op('Add', [c, sc]);
  });
  const d = g.op('Dropout', [lbn(g, unit, 12, 8, 2e-5)], { ratio: { float: 0.4 } });
  const flat = g.op('Flatten', [d], { axis: 1 });
  const fc = g.in('pre_fc1', () => g.op('Gemm', [flat, g.weight('weight', [16, 12 * 4 * 4], 192), g.uniform('bias', [16], -0.1, 0.1)], { alpha: { float: 1 }, beta: { float: 1 }, transA: 0, transB: 1 }));
  g.in('fc1', () => lbn(g, fc, 16, 8, 2e-5));
  nameLast(g, 'fc1');
  return finishLegacy(g, 'arcface_op8', [{ name: 'data', dtype: 'f32', shape: [1, 3, 8, 8] }], [f32('fc1', [1, 16])], [{}], 8);
}

/**
 * DenseNet-121 (densenet-9, converted from Caffe2): 7x7/2 stem + BN + ReLU + MaxPool, dense
 * blocks whose layers (BN, ReLU, 1x1 conv, BN, ReLU, 3x3 conv) Concat their output onto the
 * running feature map, a transition (BN, ReLU, 1x1 conv, AveragePool 2x2/2), the classifier as a
 * 1x1 Conv on the GlobalAveragePool-ed map, Reshape by an initializer, Softmax-1.
 */
export function densenetOp9(): ZooModel {
  const g = new Graph(140);
  const brc = (x: string, cin: number, cout: number, k: number): string =>
    lconv(g, g.op('Relu', [lbn(g, x, cin, 9)]), cin, cout, { k, pad: (k - 1) / 2, bias: false });
  const block = (scope: string, x: string, cin: number, layers: number, growth: number): [string, number] => g.in(scope, () => {
    let h = x, c = cin;
    for (let i = 0; i < layers; i++) {
      const y = g.in(`layer${i + 1}`, () => brc(brc(h, c, 2 * growth, 1), 2 * growth, growth, 3));
      h = g.op('Concat', [h, y], { axis: 1 });
      c += growth;
    }
    return [h, c];
  });
  const stem = g.op('Relu', [lbn(g, g.in('conv0', () => lconv(g, 'data_0', 3, 8, { k: 7, stride: 2, pad: 3, bias: false })), 8, 9)]); // 24 -> 12
  const p0 = maxPool(g, stem, 3, 2, [1, 1, 1, 1]); // 6
  const [b1, c1] = block('denseblock1', p0, 8, 3, 4);
  const t1 = g.in('transition1', () => g.op('AveragePool', [brc(b1, c1, 10, 1)], { kernel_shape: [2, 2], pads: [0, 0, 0, 0], strides: [2, 2] })); // 3
  const [b2, c2] = block('denseblock2', t1, 10, 2, 4);
  const pooled = g.op('GlobalAveragePool', [g.op('Relu', [lbn(g, b2, c2, 9)])]);
  const fc = g.in('fc6', () => lconv(g, pooled, c2, 10, { k: 1 }));
  g.op('Softmax', [g.op('Reshape', [fc, initOf(g, 'fc6_shape', 'i64', [2], [1, 10])])]);
  nameLast(g, 'fc6_1');
  return finishLegacy(g, 'densenet_op9', [{ name: 'data_0', dtype: 'f32', shape: [1, 3, 24, 24] }], [f32('fc6_1', [1, 10])], [{}], 9);
}

/**
 * ShuffleNetV2 (shufflenet-v2-10, torchvision exported at opset 10 with a dynamic batch): BN
 * folded away, x.chunk(2, 1) as Split-2 (split attribute), channel_shuffle's views as Reshapes
 * whose shapes Concat Unsqueeze-1 (axes attribute) of Shape/Gather pieces with constants,
 * Transpose (0, 2, 1, 3, 4); a stride-2 unit with two branches; x.mean([2, 3]) as ReduceMean-1
 * (axes attribute, keepdims 0); Gemm.
 */
export function shufflenetV2Op10(): ZooModel {
  const g = new Graph(141);
  const relu = (x: string): string => g.op('Relu', [x]);
  const dim = (x: string, i: number): string => g.op('Unsqueeze', [g.op('Gather', [g.op('Shape', [x]), g.constant('i64', [], [i])], { axis: 0 })], { axes: [0] });
  const shuffle = (x: string, c: number): string => {
    const [n, h, w] = [dim(x, 0), dim(x, 2), dim(x, 3)];
    const five = g.op('Reshape', [x, g.op('Concat', [n, g.constant('i64', [1], [2]), g.constant('i64', [1], [c / 2]), h, w], { axis: 0 })]);
    const t = g.op('Transpose', [five], { perm: [0, 2, 1, 3, 4] });
    return g.op('Reshape', [t, g.op('Concat', [n, g.constant('i64', [1], [-1]), h, w], { axis: 0 })]);
  };
  const branch = (x: string, cin: number, c: number, stride: number): string => {
    const a = relu(lconv(g, x, cin, c, { k: 1 }));
    const d = lconv(g, a, c, c, { k: 3, stride, pad: 1, group: c });
    return relu(lconv(g, d, c, c, { k: 1 }));
  };
  const stem = maxPool(g, g.in('conv1', () => relu(lconv(g, 'input', 3, 8, { k: 3, stride: 2, pad: 1 }))), 3, 2, [1, 1, 1, 1]); // 16 -> 8 -> 4
  const down = g.in('stage2.0', () => {
    const b1 = relu(lconv(g, lconv(g, stem, 8, 8, { k: 3, stride: 2, pad: 1, group: 8 }), 8, 8, { k: 1 }));
    return shuffle(g.op('Concat', [b1, branch(stem, 8, 8, 2)], { axis: 1 }), 16); // 2x2
  });
  const unit = g.in('stage2.1', () => {
    const [x1, x2] = g.opN('Split', [down], 2, { axis: 1, split: [8, 8] });
    return shuffle(g.op('Concat', [x1!, branch(x2!, 8, 8, 1)], { axis: 1 }), 16);
  });
  const c5 = g.in('conv5', () => relu(lconv(g, unit, 16, 24, { k: 1 })));
  const mean = g.op('ReduceMean', [c5], { axes: [2, 3], keepdims: 0 });
  g.in('fc', () => g.op('Gemm', [mean, g.weight('weight', [10, 24], 24), g.uniform('bias', [10], -0.1, 0.1)], { alpha: { float: 1 }, beta: { float: 1 }, transB: 1 }));
  nameLast(g, 'output');
  return finishLegacy(g, 'shufflenet_v2_op10', [{ name: 'input', dtype: 'f32', shape: ['batch_size', 3, 16, 16] }], [f32('output', ['batch_size', 10])],
    [{ batch_size: 1 }, { batch_size: 3 }], 10);
}

/**
 * EfficientNet-Lite4 (efficientnet-lite4-11, tf2onnx): NHWC input Transpose-d to NCHW, TF SAME
 * padding of strided convs written as asymmetric pads, ReLU6 as Clip-11 with min/max
 * initializers, depthwise convs, an MBConv with residual Add, the head's Transpose back to NHWC,
 * ReduceMean-11 over H, W (axes attribute, keepdims 0), MatMul + Add, Softmax-11.
 */
export function efficientnetLite4Op11(): ZooModel {
  const g = new Graph(142);
  const lo = initOf(g, 'const_fold_opt__min', 'f32', [], [0]), hi = initOf(g, 'const_fold_opt__max', 'f32', [], [6]);
  const relu6 = (x: string): string => g.op('Clip', [x, lo, hi]);
  const x = g.op('Transpose', ['images:0'], { perm: [0, 3, 1, 2] });
  const stem = g.in('stem', () => relu6(lconv(g, x, 3, 8, { k: 3, stride: 2, pads: [0, 0, 1, 1] }))); // 16 -> 8
  const mb1 = g.in('blocks_0', () => lconv(g, relu6(lconv(g, stem, 8, 8, { k: 3, pad: 1, group: 8 })), 8, 8, { k: 1 }));
  const res = g.op('Add', [mb1, stem]);
  const mb2 = g.in('blocks_1', () => {
    const e = relu6(lconv(g, res, 8, 16, { k: 1 }));
    const d = relu6(lconv(g, e, 16, 16, { k: 5, stride: 2, pads: [1, 1, 2, 2], group: 16 })); // 8 -> 4
    return lconv(g, d, 16, 12, { k: 1 });
  });
  const head = g.in('head', () => relu6(lconv(g, mb2, 12, 24, { k: 1 })));
  const nhwc = g.op('Transpose', [head], { perm: [0, 2, 3, 1] });
  const pooled = g.op('ReduceMean', [nhwc], { axes: [1, 2], keepdims: 0 });
  const logits = g.op('Add', [g.op('MatMul', [pooled, g.weight('dense_kernel', [24, 10], 24)]), g.uniform('dense_bias', [10], -0.1, 0.1)]);
  g.op('Softmax', [logits], { axis: 1 });
  nameLast(g, 'Softmax:0');
  return finishLegacy(g, 'efficientnet_lite4_op11', [{ name: 'images:0', dtype: 'f32', shape: [1, 16, 16, 3] }], [f32('Softmax:0', [1, 10])], [{}], 11);
}

/**
 * MobileNetV2 (mobilenetv2-7, PyTorch 1.x at opset 7 with a dynamic batch): ReLU6 as Clip-6
 * with min/max attributes, depthwise convs, an inverted residual with Add, GlobalAveragePool,
 * x.view(x.size(0), -1) as Shape/Gather/Unsqueeze-1/Concat + Reshape, Dropout, Gemm.
 */
export function mobilenetV2Op7(): ZooModel {
  const g = new Graph(145);
  const relu6 = (x: string): string => g.op('Clip', [x], { max: { float: 6 }, min: { float: 0 } });
  const cbr = (x: string, cin: number, cout: number, k: number, stride = 1, group = 1): string =>
    relu6(lbn(g, lconv(g, x, cin, cout, { k, stride, pad: (k - 1) / 2, group, bias: false }), cout, 7));
  const stem = g.in('features.0', () => cbr('data', 3, 8, 3, 2)); // 16 -> 8
  const b1 = g.in('features.1', () => lbn(g, lconv(g, cbr(stem, 8, 8, 3, 1, 8), 8, 8, { k: 1, bias: false }), 8, 7));
  const b2 = g.in('features.2', () => {
    const e = cbr(b1, 8, 24, 1), d = cbr(e, 24, 24, 3, 1, 24);
    return g.op('Add', [b1, lbn(g, lconv(g, d, 24, 8, { k: 1, bias: false }), 8, 7)]);
  });
  const b3 = g.in('features.3', () => lbn(g, lconv(g, cbr(cbr(b2, 8, 24, 1), 24, 24, 3, 2, 24), 24, 12, { k: 1, bias: false }), 12, 7)); // 4
  const head = g.in('features.4', () => cbr(b3, 12, 32, 1));
  const pooled = g.op('GlobalAveragePool', [head]);
  const n = g.op('Unsqueeze', [g.op('Gather', [g.op('Shape', [pooled]), g.constant('i64', [], [0])], { axis: 0 })], { axes: [0] });
  const flat = g.op('Reshape', [pooled, g.op('Concat', [n, g.constant('i64', [1], [-1])], { axis: 0 })]);
  const d = g.op('Dropout', [flat], { ratio: { float: 0.2 } });
  g.in('classifier.1', () => g.op('Gemm', [d, g.weight('weight', [10, 32], 32), g.uniform('bias', [10], -0.1, 0.1)], { alpha: { float: 1 }, beta: { float: 1 }, transB: 1 }));
  nameLast(g, 'mobilenetv20_output_flatten0_reshape0');
  return finishLegacy(g, 'mobilenetv2_op7', [{ name: 'data', dtype: 'f32', shape: ['N', 3, 16, 16] }], [f32('mobilenetv20_output_flatten0_reshape0', ['N', 10])],
    [{ N: 1 }, { N: 2 }], 7);
}
