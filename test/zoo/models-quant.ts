// Zoo models for the quant family (see test/zoo/README.md).
// - mobilenet_int8_qop: a MobileNetV2 piece as onnxruntime.quantization's quantize_static writes it
//   in QOperator format (the ONNX model zoo's mobilenetv2-12-int8 pattern): QuantizeLinear of the
//   f32 input, a stride-2 QLinearConv stem (int8 per-channel weights, int32 bias, ReLU folded into
//   a zero output zero point), an inverted residual (1x1 expand and depthwise 3x3 QLinearConvs with
//   ReLU6 folded into their output range, linear 1x1 projection) closed by com.microsoft
//   QLinearAdd, com.microsoft QLinearGlobalAveragePool, Flatten of the uint8 tensor, a
//   com.microsoft QGemm classifier (transB, int8 weights per column), DequantizeLinear to f32.
//   Activation scales are fixed ranges of the kind calibration gives for this init (unit-variance
//   activations). Symbolic batch.

import { tensorFrom, type Tensor } from '../../ir/tensor.js';
import { Graph, rng } from './graph.js';
import { f32, finish, type ZooModel } from './models-common.js';
import { QUANT_EXPORT_ZOO } from './models-quant-export.js';

/** A uint8 activation with its quantization (names of its scale and zero-point initializers). */
interface QAct { name: string; scale: string; zp: string; s: number }

class QBuilder {
  private readonly r: () => number;
  constructor(readonly g: Graph, seed: number) {
    this.r = rng(seed);
  }

  init(name: string, t: Tensor): string {
    this.g.inits.push({ name, tensor: t });
    return name;
  }

  /** Scale and zero point initializers of a tensor, named as the quantizer names them. */
  qparams(tensor: string, lo: number, hi: number): { scale: string; zp: string; s: number; z: number } {
    const s = Math.fround((hi - lo) / 255), z = Math.round(-lo / s);
    return { scale: this.init(`${tensor}_scale`, tensorFrom('f32', [], [s])), zp: this.init(`${tensor}_zero_point`, tensorFrom('u8', [], [z])), s, z };
  }

  /**
   * nn.Conv2d (+ folded BN) quantized per output channel (int8 symmetric, zero points 0) with an
   * int32 bias at x_scale * w_scale; `lo, hi`: the output's calibrated range (lo 0 = ReLU folded).
   */
  conv(x: QAct, name: string, cin: number, cout: number, k: number, o: { stride?: number; group?: number; lo: number; hi: number }): QAct {
    const group = o.group ?? 1, cg = cin / group;
    const a = Math.sqrt(3 / (cg * k * k));
    const w = Array.from({ length: cout * cg * k * k }, () => (this.r() * 2 - 1) * a);
    const per = cg * k * k;
    const ws = Array.from({ length: cout }, (_, c) => Math.fround(Math.max(...w.slice(c * per, (c + 1) * per).map(Math.abs)) / 127));
    const wq = w.map((v, i) => Math.round(v / ws[Math.floor(i / per)]!));
    const bias = Array.from({ length: cout }, (_, c) => Math.round((this.r() * 0.2 - 0.1) / (x.s * ws[c]!)));
    const W = this.init(`${name}.weight_quantized`, tensorFrom('i8', [cout, cg, k, k], wq));
    const WS = this.init(`${name}.weight_scale`, tensorFrom('f32', [cout], ws));
    const WZ = this.init(`${name}.weight_zero_point`, tensorFrom('i8', [cout], new Array<number>(cout).fill(0)));
    const B = this.init(`${name}.bias_quantized`, tensorFrom('i32', [cout], bias));
    const out = `${name}_output_quantized`;
    const q = this.qparams(out, o.lo, o.hi);
    const p = Math.floor(k / 2);
    const y = this.g.op('QLinearConv', [x.name, x.scale, x.zp, W, WS, WZ, q.scale, q.zp, B], {
      dilations: [1, 1], group, kernel_shape: [k, k], pads: [p, p, p, p], strides: [o.stride ?? 1, o.stride ?? 1],
    });
    return { name: y, scale: q.scale, zp: q.zp, s: q.s };
  }

  add(a: QAct, b: QAct, name: string, lo: number, hi: number): QAct {
    const q = this.qparams(`${name}_output_quantized`, lo, hi);
    const y = this.g.op('com.microsoft:QLinearAdd', [a.name, a.scale, a.zp, b.name, b.scale, b.zp, q.scale, q.zp]);
    return { name: y, scale: q.scale, zp: q.zp, s: q.s };
  }

  gap(x: QAct, name: string, lo: number, hi: number): QAct {
    const q = this.qparams(`${name}_output_quantized`, lo, hi);
    const y = this.g.op('com.microsoft:QLinearGlobalAveragePool', [x.name, x.scale, x.zp, q.scale, q.zp], { channels_last: 0 });
    return { name: y, scale: q.scale, zp: q.zp, s: q.s };
  }

  /** nn.Linear as QGemm (transB = 1), int8 weights per output column, int32 bias. */
  gemm(x: QAct, name: string, din: number, dout: number, lo: number, hi: number): QAct {
    const a = Math.sqrt(3 / din);
    const w = Array.from({ length: dout * din }, () => (this.r() * 2 - 1) * a);
    const ws = Array.from({ length: dout }, (_, n) => Math.fround(Math.max(...w.slice(n * din, (n + 1) * din).map(Math.abs)) / 127));
    const wq = w.map((v, i) => Math.round(v / ws[Math.floor(i / din)]!));
    const bias = Array.from({ length: dout }, (_, n) => Math.round((this.r() * 0.2 - 0.1) / (x.s * ws[n]!)));
    const W = this.init(`${name}.weight_quantized`, tensorFrom('i8', [dout, din], wq));
    const WS = this.init(`${name}.weight_scale`, tensorFrom('f32', [dout], ws));
    const WZ = this.init(`${name}.weight_zero_point`, tensorFrom('i8', [dout], new Array<number>(dout).fill(0)));
    const B = this.init(`${name}.bias_quantized`, tensorFrom('i32', [dout], bias));
    const q = this.qparams(`${name}_output_quantized`, lo, hi);
    const y = this.g.op('com.microsoft:QGemm', [x.name, x.scale, x.zp, W, WS, WZ, B, q.scale, q.zp], { alpha: { float: 1 }, transA: 0, transB: 1 });
    return { name: y, scale: q.scale, zp: q.zp, s: q.s };
  }
}

export function mobilenetInt8Qop(): ZooModel {
  const g = new Graph(4242);
  const qb = new QBuilder(g, 4243);
  const inq = qb.qparams('input', -1, 1);
  const x: QAct = { name: g.op('QuantizeLinear', ['input', inq.scale, inq.zp]), scale: inq.scale, zp: inq.zp, s: inq.s };
  const stem = qb.conv(x, 'features.0.0', 3, 16, 3, { stride: 2, lo: 0, hi: 3 });
  const e = qb.conv(stem, 'features.1.conv.0.0', 16, 32, 1, { lo: 0, hi: 6 });
  const d = qb.conv(e, 'features.1.conv.1.0', 32, 32, 3, { group: 32, lo: 0, hi: 6 });
  const p = qb.conv(d, 'features.1.conv.2', 32, 16, 1, { lo: -6, hi: 6 });
  const res = qb.add(p, stem, 'features.1.add', -6, 8);
  const pooled = qb.gap(res, 'GlobalAveragePool', -1, 3);
  const flat: QAct = { ...pooled, name: g.op('Flatten', [pooled.name], { axis: 1 }) };
  const logits = qb.gemm(flat, 'classifier.1', 16, 10, -4, 4);
  g.op('DequantizeLinear', [logits.name, logits.scale, logits.zp]);
  const last = g.nodes[g.nodes.length - 1]!;
  g.nodes[g.nodes.length - 1] = { ...last, outputs: ['logits'] };
  return finish(g, 'mobilenet_int8_qop', [{ name: 'input', dtype: 'f32', shape: ['batch', 3, 16, 16] }], [f32('logits', ['batch', 10])],
    [{ batch: 1 }, { batch: 2 }, { batch: 5 }], 13, { 'com.microsoft': 1 });
}

/** The output scale of a zoo model's quantized outputs (one quantization step), for the tests' tolerance. */
export const QUANT_STEP: Readonly<Record<string, number>> = { mobilenet_int8_qop: Math.fround(8 / 255) };

export const QUANT_ZOO: Readonly<Record<string, () => ZooModel>> = {
  ...QUANT_EXPORT_ZOO,
  mobilenet_int8_qop: mobilenetInt8Qop,
};
