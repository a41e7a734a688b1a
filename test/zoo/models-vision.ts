// Zoo models, vision: CNNs (ResNet, MobileNet/EfficientNet, U-Net, YOLO, style transfer,
// ShuffleNet, ConvNeXt, a Keras CNN), a TCN, and the conv-fronted ViT, Swin and MLP-Mixer.

import { batchNorm, conv, dimOf, gemm, geluErf, Graph, layerNorm, linear, reshapeDyn, selfAttention } from './graph.js';
import { f32, finish, nameLast, type ZooModel } from './models-common.js';

/**
 * ResNet-18 in miniature: stem conv/BN/ReLU + MaxPool, a basic block, a strided block with a 1x1 projection.
 */
export function resnet(): ZooModel {
  const g = new Graph(1);
  const relu = (x: string): string => g.op('Relu', [x]);
  const stem = g.in('conv1', () => relu(batchNorm(g, conv(g, 'input', 3, 8, 3, { stride: 1, pad: 1, bias: false }), 8)));
  const pooled = g.op('MaxPool', [stem], { ceil_mode: 0, kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2] });
  const basic = (x: string, cin: number, cout: number, stride: number): string => {
    const a = relu(batchNorm(g, conv(g, x, cin, cout, 3, { stride, pad: 1, bias: false }), cout));
    const b = batchNorm(g, conv(g, a, cout, cout, 3, { pad: 1, bias: false }), cout);
    const skip = stride === 1 && cin === cout ? x : g.in('downsample', () => batchNorm(g, conv(g, x, cin, cout, 1, { stride, bias: false }), cout));
    return relu(g.op('Add', [b, skip]));
  };
  const l1 = g.in('layer1', () => basic(pooled, 8, 8, 1));
  const l2 = g.in('layer2', () => basic(l1, 8, 16, 2));
  const flat = g.op('Flatten', [g.op('GlobalAveragePool', [l2])], { axis: 1 });
  g.in('fc', () => gemm(g, flat, 16, 10));
  nameLast(g, 'logits');
  return finish(g, 'resnet', [{ name: 'input', dtype: 'f32', shape: ['batch', 3, 20, 20] }], [f32('logits', ['batch', 10])], [{ batch: 1 }, { batch: 3 }], 13);
}

/**
 * MobileNetV2/V3 + EfficientNet pieces: ReLU6 as Clip, depthwise convs, HardSwish, squeeze-excite, inverted residual.
 */
export function mobilenet(): ZooModel {
  const g = new Graph(2);
  const clip6 = (x: string): string => g.op('Clip', [x, g.f32s(0), g.f32s(6)]);
  const stem = g.in('features.0', () => clip6(batchNorm(g, conv(g, 'image', 3, 16, 3, { stride: 2, pad: 1, bias: false }), 16)));
  // MobileNetV3 block: depthwise 3x3 + BN + HardSwish, squeeze-excite, pointwise projection.
  const b1 = g.in('features.1', () => {
    const dw = g.op('HardSwish', [batchNorm(g, conv(g, stem, 16, 16, 3, { pad: 1, group: 16, bias: false }), 16)]);
    const se = g.in('se', () => {
      const sq = g.op('ReduceMean', [dw], { axes: [2, 3], keepdims: 1 });
      const fc1 = g.op('Relu', [conv(g, sq, 16, 4, 1)]);
      const gate = g.op('Sigmoid', [conv(g, fc1, 4, 16, 1)]);
      return g.op('Mul', [gate, dw]);
    });
    return batchNorm(g, conv(g, se, 16, 24, 1, { bias: false }), 24);
  });
  // MobileNetV2 inverted residual: expand 1x1 + ReLU6, depthwise 3x3 + ReLU6, project 1x1, Add.
  const b2 = g.in('features.2', () => {
    const e = clip6(batchNorm(g, conv(g, b1, 24, 48, 1, { bias: false }), 48));
    const d = clip6(batchNorm(g, conv(g, e, 48, 48, 3, { pad: 1, group: 48, bias: false }), 48));
    return g.op('Add', [b1, batchNorm(g, conv(g, d, 48, 24, 1, { bias: false }), 24)]);
  });
  // EfficientNet MBConv tail: strided depthwise 5x5 + Swish (x * sigmoid x), HardSigmoid-gated SE.
  const b3 = g.in('features.3', () => {
    const d = batchNorm(g, conv(g, b2, 24, 24, 5, { stride: 2, pad: 2, group: 24, bias: false }), 24);
    const sw = g.op('Mul', [d, g.op('Sigmoid', [d])]);
    const sq = g.op('GlobalAveragePool', [sw]);
    const gate = g.op('HardSigmoid', [conv(g, g.op('Relu', [conv(g, sq, 24, 8, 1)]), 8, 24, 1)], { alpha: { float: 1 / 6 }, beta: { float: 0.5 } });
    return g.op('Mul', [sw, gate]);
  });
  const pooled = g.op('Flatten', [g.op('GlobalAveragePool', [b3])], { axis: 1 });
  g.in('classifier', () => gemm(g, pooled, 24, 7));
  nameLast(g, 'logits');
  return finish(g, 'mobilenet', [{ name: 'image', dtype: 'f32', shape: ['batch', 3, 24, 24] }], [f32('logits', ['batch', 7])], [{ batch: 1 }, { batch: 2 }], 17);
}

/**
 * U-Net with symbolic height and width: two encoder levels (conv/ReLU, MaxPool), upsampling by
 * Resize (bilinear, pytorch_half_pixel), by Resize (nearest, asymmetric/floor) and by
 * ConvTranspose, Concat skip connections, a 1x1 head.
 */
export function unet(dynamic = true): ZooModel {
  const g = new Graph(3);
  const block = (x: string, cin: number, cout: number): string => g.op('Relu', [conv(g, g.op('Relu', [conv(g, x, cin, cout, 3, { pad: 1 })]), cout, cout, 3, { pad: 1 })]);
  const pool = (x: string): string => g.op('MaxPool', [x], { kernel_shape: [2, 2], strides: [2, 2] });
  const e1 = g.in('enc1', () => block('image', 2, 6));
  const e2 = g.in('enc2', () => block(pool(e1), 6, 8));
  const mid = g.in('mid', () => block(pool(e2), 8, 8));
  const scales = g.constant('f32', [4], [1, 1, 2, 2]);
  const roi = g.constant('f32', [0], []);
  const up2 = g.op('Resize', [mid, roi, scales], { coordinate_transformation_mode: 'pytorch_half_pixel', mode: 'linear', nearest_mode: 'floor' });
  const d2 = g.in('dec2', () => block(g.op('Concat', [up2, e2], { axis: 1 }), 16, 8));
  const upT = g.in('up1', () => {
    const w = g.weight('weight', [8, 4, 2, 2], 8 * 4);
    return g.op('ConvTranspose', [d2, w, g.uniform('bias', [4], -0.1, 0.1)], { kernel_shape: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0], dilations: [1, 1], group: 1 });
  });
  const upN = g.op('Resize', [d2, roi, scales], { coordinate_transformation_mode: 'asymmetric', mode: 'nearest', nearest_mode: 'floor' });
  const d1 = g.in('dec1', () => block(g.op('Concat', [upT, upN, e1], { axis: 1 }), 4 + 8 + 6, 6));
  g.in('head', () => conv(g, d1, 6, 3, 1));
  nameLast(g, 'mask');
  if (!dynamic) {
    return finish(g, 'unet_static', [{ name: 'image', dtype: 'f32', shape: ['batch', 2, 12, 16] }], [f32('mask', ['batch', 3, 12, 16])], [{ batch: 1 }, { batch: 2 }], 13);
  }
  return finish(g, 'unet', [{ name: 'image', dtype: 'f32', shape: ['batch', 2, 'height', 'width'] }], [f32('mask', ['batch', 3, 'height', 'width'])],
    [{ batch: 1, height: 8, width: 8 }, { batch: 2, height: 12, width: 20 }, { batch: 1, height: 16, width: 4 }], 13);
}

/**
 * ViT: patch embedding as a Conv with stride = kernel, flatten(2).transpose(1, 2), a class token
 * Expand-ed to the batch and Concat-ed in front, learned position embeddings, one pre-norm encoder
 * block (attention + Erf-GELU MLP), the class token's LayerNorm and a Gemm head.
 */
export function vit(): ZooModel {
  const g = new Graph(8);
  const D = 24, HEADS = 3, P = 4, N = 16;
  const patches = g.in('patch_embed.proj', () => conv(g, 'pixel_values', 3, D, P, { stride: P }));
  const b = dimOf(g, 'pixel_values', 0);
  const tokens = g.op('Transpose', [reshapeDyn(g, patches, [b, D, -1])], { perm: [0, 2, 1] });
  const cls = g.op('Expand', [g.uniform('cls_token', [1, 1, D], -1, 1), g.op('Concat', [b, g.i64([1, D])], { axis: 0 })]);
  let h = g.op('Add', [g.op('Concat', [cls, tokens], { axis: 1 }), g.uniform('pos_embed', [1, N + 1, D], -1, 1)]);
  h = g.in('blocks.0', () => {
    const a = g.in('attn', () => selfAttention(g, g.in('norm1', () => layerNorm(g, h, D)), D, HEADS, (s) => s, true));
    const r = g.op('Add', [h, a]);
    const m = g.in('mlp', () => linear(g, geluErf(g, g.in('fc1', () => linear(g, g.in('norm2', () => layerNorm(g, r, D)), D, 2 * D))), 2 * D, D));
    return g.op('Add', [r, m]);
  });
  const c = g.op('Gather', [g.in('norm', () => layerNorm(g, h, D)), g.i64s(0)], { axis: 1 });
  g.in('head', () => gemm(g, c, D, 5));
  nameLast(g, 'logits');
  return finish(g, 'vit', [{ name: 'pixel_values', dtype: 'f32', shape: ['batch', 3, 16, 16] }], [f32('logits', ['batch', 5])], [{ batch: 1 }, { batch: 3 }], 17);
}

/**
 * Temporal convolutional network (Bai et al.): causal dilated Conv1d (padding (k-1)d on both
 * sides, then the right end chomped off by Slice), ReLU, residual 1x1 conv, over a symbolic time axis.
 */
export function tcn(dynamic = true): ZooModel {
  const g = new Graph(9);
  const K = 3;
  let x = 'signal', cin = 4;
  for (const [i, d] of [1, 2, 4].entries()) {
    x = g.in(`tcn.${i}`, () => {
      const p = (K - 1) * d;
      const chomp = (t: string): string => g.op('Slice', [t, g.i64([0]), g.i64([-p]), g.i64([2]), g.i64([1])]);
      const c1 = g.op('Relu', [chomp(conv(g, x, cin, 8, [K], { dilation: d, pad: p }))]);
      const c2 = g.op('Relu', [chomp(conv(g, c1, 8, 8, [K], { dilation: d, pad: p }))]);
      const res = cin === 8 ? x : conv(g, x, cin, 8, [1]);
      return g.op('Relu', [g.op('Add', [c2, res])]);
    });
    cin = 8;
  }
  g.in('head', () => conv(g, x, 8, 2, [1]));
  nameLast(g, 'output');
  if (!dynamic) {
    return finish(g, 'tcn_static', [{ name: 'signal', dtype: 'f32', shape: ['batch', 4, 24] }], [f32('output', ['batch', 2, 24])], [{ batch: 1 }, { batch: 3 }], 13);
  }
  return finish(g, 'tcn', [{ name: 'signal', dtype: 'f32', shape: ['batch', 4, 'time'] }], [f32('output', ['batch', 2, 'time'])],
    [{ batch: 1, time: 7 }, { batch: 2, time: 30 }, { batch: 3, time: 1 }], 13);
}

/**
 * MLP-Mixer: patch Conv, token-mixing MLP (LayerNorm, Transpose, Linear, GELU, Linear, Transpose,
 * residual) and channel-mixing MLP, global mean over tokens (ReduceMean with axes as an input,
 * opset 18), Gemm head.
 */
export function mlpMixer(): ZooModel {
  const g = new Graph(10);
  const C = 16, T = 16;
  const p = conv(g, 'images', 3, C, 4, { stride: 4 });
  let h = g.op('Transpose', [g.op('Reshape', [p, g.i64([0, C, -1])])], { perm: [0, 2, 1] });
  for (let l = 0; l < 2; l++) {
    h = g.in(`mixer.${l}`, () => {
      const t = g.op('Transpose', [g.in('norm1', () => layerNorm(g, h, C))], { perm: [0, 2, 1] });
      const tm = g.in('token_mix', () => linear(g, geluErf(g, g.in('fc1', () => linear(g, t, T, 2 * T))), 2 * T, T));
      const r = g.op('Add', [h, g.op('Transpose', [tm], { perm: [0, 2, 1] })]);
      const cm = g.in('channel_mix', () => linear(g, geluErf(g, g.in('fc1', () => linear(g, g.in('norm2', () => layerNorm(g, r, C)), C, 2 * C))), 2 * C, C));
      return g.op('Add', [r, cm]);
    });
  }
  const pooled = g.op('ReduceMean', [h, g.i64([1])], { keepdims: 0 });
  g.in('head', () => gemm(g, pooled, C, 6));
  nameLast(g, 'logits');
  return finish(g, 'mlp_mixer', [{ name: 'images', dtype: 'f32', shape: ['batch', 3, 16, 16] }], [f32('logits', ['batch', 6])], [{ batch: 1 }, { batch: 4 }], 18);
}

/**
 * YOLOv5/v8 in miniature: Conv + BN + SiLU (x * sigmoid x), a C2f block (Split in two, bottleneck
 * with residual, Concat), SPPF (three chained MaxPool 5x5 stride 1, Concat), a neck that upsamples
 * with Resize (nearest, scales 2) and Concat-s the earlier stage, a detect head reshaped to
 * (b, anchors, outputs, cells) and transposed, Sigmoid.
 */
export function yolo(): ZooModel {
  const g = new Graph(13);
  const cbs = (x: string, cin: number, cout: number, k: number, stride = 1): string => {
    const y = batchNorm(g, conv(g, x, cin, cout, k, { stride, pad: k >> 1, bias: false }), cout);
    return g.op('Mul', [y, g.op('Sigmoid', [y])]);
  };
  const s1 = g.in('model.0', () => cbs('images', 3, 8, 3, 2));
  const s2 = g.in('model.1', () => cbs(s1, 8, 16, 3, 2));
  const c2f = g.in('model.2', () => {
    const [a, c] = g.opN('Split', [cbs(s2, 16, 16, 1), g.i64([8, 8])], 2, { axis: 1 }) as [string, string];
    const bott = g.op('Add', [c, cbs(cbs(c, 8, 8, 3), 8, 8, 3)]);
    return cbs(g.op('Concat', [a, c, bott], { axis: 1 }), 24, 16, 1);
  });
  const s3 = g.in('model.3', () => cbs(c2f, 16, 16, 3, 2));
  const sppf = g.in('model.4', () => {
    const x = cbs(s3, 16, 8, 1);
    const mp = (t: string): string => g.op('MaxPool', [t], { kernel_shape: [5, 5], pads: [2, 2, 2, 2], strides: [1, 1] });
    const y1 = mp(x), y2 = mp(y1), y3 = mp(y2);
    return cbs(g.op('Concat', [x, y1, y2, y3], { axis: 1 }), 32, 16, 1);
  });
  const up = g.op('Resize', [sppf, '', g.constant('f32', [4], [1, 1, 2, 2])], { coordinate_transformation_mode: 'asymmetric', mode: 'nearest', nearest_mode: 'floor' });
  const neck = g.in('model.6', () => cbs(g.op('Concat', [up, c2f], { axis: 1 }), 32, 16, 3));
  const det = g.in('model.7', () => conv(g, neck, 16, 3 * 6, 1));
  const b = dimOf(g, 'images', 0);
  const r = reshapeDyn(g, det, [b, 3, 6, -1]);
  g.op('Sigmoid', [g.op('Transpose', [r], { perm: [0, 1, 3, 2] })]);
  nameLast(g, 'detections');
  return finish(g, 'yolo', [{ name: 'images', dtype: 'f32', shape: ['batch', 3, 32, 32] }], [f32('detections', ['batch', 3, 64, 6])], [{ batch: 1 }, { batch: 2 }], 17);
}

/**
 * fast-neural-style / CycleGAN generator + ESPCN tail: ReflectionPad2d as Pad(mode = reflect,
 * pads as an input), Conv, InstanceNormalization, ReLU, a residual block, ConvTranspose
 * upsampling with output_padding, bilinear Resize with align_corners = True,
 * F.interpolate(size = skip.shape[2:]) as nearest Resize with sizes built from Shape, PixelShuffle
 * as DepthToSpace (CRD), Tanh (of x / 5); and a classifier head on x.view(x.size(0), -1).
 */
export function styleTransfer(): ZooModel {
  const g = new Graph(15);
  const reflect = (x: string, p: number): string => g.op('Pad', [x, g.i64([0, 0, p, p, 0, 0, p, p])], { mode: 'reflect' });
  const inorm = (x: string, c: number): string => g.op('InstanceNormalization', [x, g.uniform('in.weight', [c], 0.5, 1.5), g.uniform('in.bias', [c], -0.1, 0.1)], { epsilon: 1e-5 });
  const cin = (x: string, ci: number, co: number, k: number, stride = 1): string => g.op('Relu', [inorm(conv(g, reflect(x, k >> 1), ci, co, k, { stride }), co)]);
  const c1 = g.in('conv1', () => cin('image', 3, 8, 5));
  const c2 = g.in('conv2', () => cin(c1, 8, 12, 3, 2));
  const res = g.in('res1', () => g.op('Add', [c2, inorm(conv(g, reflect(cin(c2, 12, 12, 3), 1), 12, 12, 3), 12)]));
  const up = g.in('deconv1', () => {
    const w = g.weight('weight', [12, 8, 3, 3], 12 * 9);
    return g.op('Relu', [inorm(g.op('ConvTranspose', [res, w, g.uniform('bias', [8], -0.1, 0.1)], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] }), 8)]);
  });
  const smooth = g.op('Resize', [c2, '', g.constant('f32', [4], [1, 1, 2, 2])], { coordinate_transformation_mode: 'align_corners', mode: 'linear' });
  const sizes = g.op('Concat', [g.op('Slice', [g.op('Shape', [res]), g.i64([0]), g.i64([2])]), g.op('Slice', [g.op('Shape', [up]), g.i64([2]), g.i64([4])])], { axis: 0 });
  const near = g.op('Resize', [res, '', '', sizes], { coordinate_transformation_mode: 'asymmetric', mode: 'nearest', nearest_mode: 'floor' });
  const mix = g.op('Concat', [up, smooth, near], { axis: 1 });
  const sr = g.in('espcn', () => g.op('DepthToSpace', [conv(g, mix, 32, 3 * 4, 3, { pad: 1 })], { blocksize: 2, mode: 'CRD' }));
  // Scaled into tanh's linear range so the output still tells a wrong value from a right one.
  g.op('Tanh', [g.op('Mul', [sr, g.f32s(0.2)])]);
  nameLast(g, 'stylized');
  const pooled = g.op('MaxPool', [res], { kernel_shape: [2, 2], strides: [2, 2] });
  const flat = reshapeDyn(g, pooled, [dimOf(g, pooled, 0), -1]);
  g.in('classifier', () => gemm(g, flat, 12 * 4 * 4, 4));
  nameLast(g, 'style_logits');
  return finish(g, 'style_transfer', [{ name: 'image', dtype: 'f32', shape: ['batch', 3, 16, 16] }],
    [f32('stylized', ['batch', 3, 32, 32]), f32('style_logits', ['batch', 4])], [{ batch: 1 }, { batch: 2 }], 13);
}

/**
 * A multi-input network: a tabular MLP with BatchNorm1d on (N, C), a Conv1d + BatchNorm1d
 * branch with LayerNorm over its last two axes and ReduceMax over time, Concat-ed; and a
 * segmentation head with per-pixel Softmax and LogSoftmax over the channel axis.
 */
export function multiInput(): ZooModel {
  const g = new Graph(32);
  const a = g.op('Relu', [batchNorm(g, gemm(g, 'tab', 10, 16), 16)]);
  const s = g.op('Relu', [batchNorm(g, conv(g, 'sig', 3, 6, [3], { pad: 1 }), 6)]);
  const ln = g.op('LayerNormalization', [s, g.uniform('ln.weight', [6, 20], 0.5, 1.5), g.uniform('ln.bias', [6, 20], -0.1, 0.1)], { axis: -2, epsilon: 1e-5 });
  g.op('Concat', [a, g.op('ReduceMax', [ln], { axes: [2], keepdims: 0 })], { axis: 1 });
  nameLast(g, 'features');
  const px = conv(g, 'img', 2, 5, 3, { pad: 1 });
  g.op('Softmax', [px], { axis: 1 });
  nameLast(g, 'seg');
  g.op('LogSoftmax', [px], { axis: 1 });
  nameLast(g, 'log_seg');
  return finish(g, 'multi_input',
    [{ name: 'tab', dtype: 'f32', shape: ['batch', 10] }, { name: 'sig', dtype: 'f32', shape: ['batch', 3, 20] }, { name: 'img', dtype: 'f32', shape: ['batch', 2, 6, 7] }],
    [f32('features', ['batch', 22]), f32('seg', ['batch', 5, 6, 7]), f32('log_seg', ['batch', 5, 6, 7])], [{ batch: 1 }, { batch: 5 }], 17);
}

/**
 * ConvNeXt block: patchify stem (Conv 4x4 / 4), depthwise 7x7 conv, permute to channels-last
 * (Transpose 0,2,3,1), LayerNorm, Linear x4, Erf GELU, Linear, layer scale (Mul by gamma), permute
 * back, residual Add, global mean (ReduceMean over -2, -1), LayerNorm, Gemm head.
 */
export function convnext(): ZooModel {
  const g = new Graph(42);
  const C = 12;
  const stem = g.in('stem', () => conv(g, 'images', 3, C, 4, { stride: 4 }));
  const dw = g.in('stages.0.dwconv', () => conv(g, stem, C, C, 7, { pad: 3, group: C }));
  const cl = g.op('Transpose', [dw], { perm: [0, 2, 3, 1] });
  const f = g.in('stages.0.pwconv', () => linear(g, geluErf(g, linear(g, layerNorm(g, cl, C), C, 4 * C)), 4 * C, C));
  const scaled = g.op('Mul', [f, g.uniform('stages.0.gamma', [C], 0.1, 0.2)]);
  const out = g.op('Add', [stem, g.op('Transpose', [scaled], { perm: [0, 3, 1, 2] })]);
  const pooled = g.op('ReduceMean', [out], { axes: [-2, -1], keepdims: 0 });
  g.in('head', () => gemm(g, layerNorm(g, pooled, C), C, 3));
  nameLast(g, 'logits');
  return finish(g, 'convnext', [{ name: 'images', dtype: 'f32', shape: ['batch', 3, 28, 28] }], [f32('logits', ['batch', 3])], [{ batch: 1 }, { batch: 2 }], 17);
}

/**
 * Swin Transformer stage: patch embedding permuted to channels-last, cyclic shift (torch.roll as
 * Slice + Concat on two axes), window partition through a rank-6 Reshape/Transpose, a per-window
 * LayerNorm + GELU MLP, window reverse, shift back, residual; mean over the spatial axes.
 */
export function swin(): ZooModel {
  const g = new Graph(41);
  const C = 8, H = 8, W = 8, WS = 4;
  const x = g.op('Transpose', [g.in('patch_embed', () => conv(g, 'images', 3, C, 2, { stride: 2 }))], { perm: [0, 2, 3, 1] });
  const roll = (t: string, axis: number, s: number, n: number): string =>
    g.op('Concat', [g.op('Slice', [t, g.i64([s]), g.i64([n]), g.i64([axis])]), g.op('Slice', [t, g.i64([0]), g.i64([s]), g.i64([axis])])], { axis });
  const shifted = roll(roll(x, 1, 2, H), 2, 2, W);
  const win = g.op('Reshape', [g.op('Transpose', [g.op('Reshape', [shifted, g.i64([-1, H / WS, WS, W / WS, WS, C])])], { perm: [0, 1, 3, 2, 4, 5] }), g.i64([-1, WS * WS, C])]);
  const mixed = g.in('mlp', () => linear(g, geluErf(g, linear(g, layerNorm(g, win, C), C, 2 * C)), 2 * C, C));
  const back = g.op('Reshape', [g.op('Transpose', [g.op('Reshape', [mixed, g.i64([-1, H / WS, W / WS, WS, WS, C])])], { perm: [0, 1, 3, 2, 4, 5] }), g.i64([-1, H, W, C])]);
  const y = g.op('Add', [x, roll(roll(back, 1, H - 2, H), 2, W - 2, W)]);
  g.op('Identity', [y]);
  nameLast(g, 'tokens');
  g.op('ReduceMean', [y], { axes: [1, 2], keepdims: 0 });
  nameLast(g, 'pooled');
  return finish(g, 'swin', [{ name: 'images', dtype: 'f32', shape: ['batch', 3, 16, 16] }], [f32('tokens', ['batch', H, W, C]), f32('pooled', ['batch', C])], [{ batch: 1 }, { batch: 3 }], 17);
}

/**
 * A Keras CNN as tf2onnx exports it: NHWC input Transpose-d to NCHW before the first Conv, Conv +
 * BatchNormalization + Relu, MaxPool, Transpose back to NHWC before Flatten (Reshape to (-1, n)),
 * Dense as MatMul + Add, Softmax.
 */
export function kerasCnn(): ZooModel {
  const g = new Graph(51);
  const x = g.op('Transpose', ['input_1'], { perm: [0, 3, 1, 2] });
  const c = g.in('conv2d', () => g.op('Relu', [batchNorm(g, conv(g, x, 3, 8, 3, { pad: 1 }), 8)]));
  const p = g.op('MaxPool', [c], { kernel_shape: [2, 2], strides: [2, 2] });
  const flat = g.op('Reshape', [g.op('Transpose', [p], { perm: [0, 2, 3, 1] }), g.i64([-1, 8 * 6 * 6])]);
  g.op('Softmax', [g.in('dense', () => linear(g, flat, 8 * 6 * 6, 5))], { axis: -1 });
  nameLast(g, 'dense_softmax');
  return finish(g, 'keras_cnn', [{ name: 'input_1', dtype: 'f32', shape: ['N', 12, 12, 3] }], [f32('dense_softmax', ['N', 5])], [{ N: 1 }, { N: 3 }], 13);
}

/**
 * ShuffleNetV2 unit: strided stem conv, channel Split, a branch of 1x1 / depthwise 3x3 / 1x1 convs
 * with BN, Concat, channel shuffle by Reshape(0, 2, C/2, H, W) / Transpose / Reshape; then two
 * parallel convs Concat-ed and returned channels-last (Transpose 0,2,3,1) beside a
 * GlobalAveragePool + Gemm head.
 */
export function shufflenet(): ZooModel {
  const g = new Graph(61);
  const x = g.op('Relu', [batchNorm(g, conv(g, 'images', 3, 8, 3, { pad: 1, stride: 2, bias: false }), 8)]);
  const [a, b] = g.opN('Split', [x, g.i64([4, 4])], 2, { axis: 1 }) as [string, string];
  const br = g.in('branch2', () => {
    const dw = batchNorm(g, conv(g, g.op('Relu', [conv(g, b, 4, 4, 1)]), 4, 4, 3, { pad: 1, group: 4 }), 4);
    return g.op('Relu', [batchNorm(g, conv(g, dw, 4, 4, 1), 4)]);
  });
  const cat = g.op('Concat', [a, br], { axis: 1 });
  const shuffled = g.op('Reshape', [g.op('Transpose', [g.op('Reshape', [cat, g.i64([0, 2, 4, 8, 8])])], { perm: [0, 2, 1, 3, 4] }), g.i64([0, 8, 8, 8])]);
  const cat2 = g.op('Concat', [conv(g, shuffled, 8, 4, 1), conv(g, shuffled, 8, 4, 3, { pad: 1 })], { axis: 1 });
  g.op('Transpose', [cat2], { perm: [0, 2, 3, 1] });
  nameLast(g, 'features_nhwc');
  g.in('fc', () => gemm(g, g.op('Flatten', [g.op('GlobalAveragePool', [cat2])], { axis: 1 }), 8, 3));
  nameLast(g, 'logits');
  return finish(g, 'shufflenet', [{ name: 'images', dtype: 'f32', shape: ['batch', 3, 16, 16] }], [f32('features_nhwc', ['batch', 8, 8, 8]), f32('logits', ['batch', 3])], [{ batch: 1 }, { batch: 2 }], 13);
}
