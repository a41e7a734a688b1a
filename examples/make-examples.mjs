#!/usr/bin/env node
// Generates the example models and their test data (the generated files are not checked in):
//
//   examples/mlp/model.onnx                      64 -> 32 -> 10 MLP (Gemm, Relu, Gemm), batch dim symbolic
//   examples/mlp/test_data_set_0/input_0.pb      a [3,64] input
//   examples/mlp/test_data_set_0/output_0.pb     the expected [3,10] output
//   examples/cnn/model.onnx                      a small CNN: Conv 3x3 (1->8) + Relu, MaxPool 2x2, Conv 3x3 (8->16)
//                                                + Relu, GlobalAveragePool, Flatten, Gemm -> 10; input [batch,1,12,12]
//   examples/cnn/test_data_set_0/                a [2,1,12,12] input and its expected [2,10] output
//
// Weights and inputs come from a seeded generator, so every run writes the same bytes. The expected
// output is computed here with plain loops in float64, independently of tenth's interpreter, so
// `tenth run examples/mlp/model.onnx --check` is a real check. Uses the project's ONNX writer from
// dist/ (run `npm run build` first; `npm run demo` does both).

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** The library functions the generator needs: from dist/ when run as a script, from src/ in tests. */
async function loadLib() {
  const dist = join(here, '..', 'dist');
  if (!existsSync(join(dist, 'src', 'onnx', 'writer.js'))) {
    console.error('make-examples: dist/ is missing; run `npm run build` first');
    process.exit(2);
  }
  const url = (p) => pathToFileURL(join(dist, p)).href;
  const { buildModel } = await import(url('src/onnx/writer.js'));
  const { encodeTensorProto } = await import(url('src/onnx/tensor-proto.js'));
  const { tensorFrom } = await import(url('ir/tensor.js'));
  return { buildModel, encodeTensorProto, tensorFrom };
}

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n float32 values uniform in [-scale, scale). */
function uniform(next, n, scale) {
  return Array.from({ length: n }, () => Math.fround((next() * 2 - 1) * scale));
}

/** y[b][o] = sum_i x[b][i] * w[o][i] + bias[o]  (Gemm with transB = 1, PyTorch's Linear layout). */
function linear(x, batch, nIn, w, bias, nOut) {
  const y = new Array(batch * nOut);
  for (let b = 0; b < batch; b++) {
    for (let o = 0; o < nOut; o++) {
      let acc = bias[o];
      for (let i = 0; i < nIn; i++) acc += x[b * nIn + i] * w[o * nIn + i];
      y[b * nOut + o] = acc;
    }
  }
  return y;
}

/**
 * Write DIR/model.onnx and DIR/test_data_set_0/{input_0,output_0}.pb.
 * `lib` = { buildModel, encodeTensorProto, tensorFrom } from tenth.
 */
export function makeMlp(dir, lib) {
  const { buildModel, encodeTensorProto, tensorFrom } = lib;
  const writeTensor = (path, name, tensor) => writeFileSync(path, encodeTensorProto(name, tensor));
  const [nIn, nHidden, nOut, batch] = [64, 32, 10, 3];
  const next = rng(20261127);
  const w1 = uniform(next, nHidden * nIn, 1 / Math.sqrt(nIn));
  const b1 = uniform(next, nHidden, 0.1);
  const w2 = uniform(next, nOut * nHidden, 1 / Math.sqrt(nHidden));
  const b2 = uniform(next, nOut, 0.1);
  const x = Array.from({ length: batch * nIn }, () => Math.fround(next()));

  const model = buildModel({
    name: 'mlp',
    opset: 13,
    inputs: [{ name: 'input', dtype: 'f32', shape: ['batch', nIn] }],
    outputs: [{ name: 'logits', dtype: 'f32', shape: ['batch', nOut] }],
    initializers: [
      { name: 'fc1.weight', tensor: tensorFrom('f32', [nHidden, nIn], w1) },
      { name: 'fc1.bias', tensor: tensorFrom('f32', [nHidden], b1) },
      { name: 'fc2.weight', tensor: tensorFrom('f32', [nOut, nHidden], w2) },
      { name: 'fc2.bias', tensor: tensorFrom('f32', [nOut], b2) },
    ],
    nodes: [
      { name: '/fc1/Gemm', opType: 'Gemm', inputs: ['input', 'fc1.weight', 'fc1.bias'], outputs: ['h1'], attrs: { transB: 1 } },
      { name: '/relu/Relu', opType: 'Relu', inputs: ['h1'], outputs: ['h1_relu'] },
      { name: '/fc2/Gemm', opType: 'Gemm', inputs: ['h1_relu', 'fc2.weight', 'fc2.bias'], outputs: ['logits'], attrs: { transB: 1 } },
    ],
  });

  const h = linear(x, batch, nIn, w1, b1, nHidden).map((v) => Math.max(0, v));
  const y = linear(h, batch, nHidden, w2, b2, nOut);

  mkdirSync(join(dir, 'test_data_set_0'), { recursive: true });
  writeFileSync(join(dir, 'model.onnx'), model);
  writeTensor(join(dir, 'test_data_set_0', 'input_0.pb'), 'input', tensorFrom('f32', [batch, nIn], x));
  writeTensor(join(dir, 'test_data_set_0', 'output_0.pb'), 'logits', tensorFrom('f32', [batch, nOut], y));
  return { params: w1.length + b1.length + w2.length + b2.length };
}

/** NCHW convolution, stride 1, symmetric zero padding `pad`, bias; plain loops in float64. */
function conv2d(x, [n, c, h, w], k, bias, cout, ks, pad) {
  const oh = h + 2 * pad - ks + 1, ow = w + 2 * pad - ks + 1;
  const y = new Array(n * cout * oh * ow).fill(0);
  for (let b = 0; b < n; b++) for (let o = 0; o < cout; o++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) {
    let acc = bias[o];
    for (let ci = 0; ci < c; ci++) for (let u = 0; u < ks; u++) for (let v = 0; v < ks; v++) {
      const yi = i + u - pad, xj = j + v - pad;
      if (yi >= 0 && yi < h && xj >= 0 && xj < w) acc += x[((b * c + ci) * h + yi) * w + xj] * k[((o * c + ci) * ks + u) * ks + v];
    }
    y[((b * cout + o) * oh + i) * ow + j] = acc;
  }
  return { y, shape: [n, cout, oh, ow] };
}

/**
 * Write DIR/model.onnx and DIR/test_data_set_0 for the example CNN (same conventions as makeMlp).
 */
export function makeCnn(dir, lib) {
  const { buildModel, encodeTensorProto, tensorFrom } = lib;
  const writeTensor = (path, name, tensor) => writeFileSync(path, encodeTensorProto(name, tensor));
  const [batch, size, c1, c2, nOut] = [2, 12, 8, 16, 10];
  const next = rng(20261128);
  const k1 = uniform(next, c1 * 9, 1 / 3), b1 = uniform(next, c1, 0.1);
  const k2 = uniform(next, c2 * c1 * 9, 1 / Math.sqrt(c1 * 9)), b2 = uniform(next, c2, 0.1);
  const w3 = uniform(next, nOut * c2, 1 / Math.sqrt(c2)), b3 = uniform(next, nOut, 0.1);
  const x = Array.from({ length: batch * size * size }, () => Math.fround(next()));

  const model = buildModel({
    name: 'cnn',
    opset: 13,
    inputs: [{ name: 'image', dtype: 'f32', shape: ['batch', 1, size, size] }],
    outputs: [{ name: 'logits', dtype: 'f32', shape: ['batch', nOut] }],
    initializers: [
      { name: 'conv1.weight', tensor: tensorFrom('f32', [c1, 1, 3, 3], k1) },
      { name: 'conv1.bias', tensor: tensorFrom('f32', [c1], b1) },
      { name: 'conv2.weight', tensor: tensorFrom('f32', [c2, c1, 3, 3], k2) },
      { name: 'conv2.bias', tensor: tensorFrom('f32', [c2], b2) },
      { name: 'fc.weight', tensor: tensorFrom('f32', [nOut, c2], w3) },
      { name: 'fc.bias', tensor: tensorFrom('f32', [nOut], b3) },
    ],
    nodes: [
      { name: '/conv1/Conv', opType: 'Conv', inputs: ['image', 'conv1.weight', 'conv1.bias'], outputs: ['c1'], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
      { name: '/relu1/Relu', opType: 'Relu', inputs: ['c1'], outputs: ['r1'] },
      { name: '/pool/MaxPool', opType: 'MaxPool', inputs: ['r1'], outputs: ['p1'], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
      { name: '/conv2/Conv', opType: 'Conv', inputs: ['p1', 'conv2.weight', 'conv2.bias'], outputs: ['c2'], attrs: { kernel_shape: [3, 3] } },
      { name: '/relu2/Relu', opType: 'Relu', inputs: ['c2'], outputs: ['r2'] },
      { name: '/gap/GlobalAveragePool', opType: 'GlobalAveragePool', inputs: ['r2'], outputs: ['g'] },
      { name: '/flatten/Flatten', opType: 'Flatten', inputs: ['g'], outputs: ['f'] },
      { name: '/fc/Gemm', opType: 'Gemm', inputs: ['f', 'fc.weight', 'fc.bias'], outputs: ['logits'], attrs: { transB: 1 } },
    ],
  });

  const a = conv2d(x, [batch, 1, size, size], k1, b1, c1, 3, 1);
  const r1 = a.y.map((v) => Math.max(0, v));
  const [, , h1, w1] = a.shape, ph = h1 / 2, pw = w1 / 2;
  const p1 = new Array(batch * c1 * ph * pw);
  for (let b = 0; b < batch; b++) for (let c = 0; c < c1; c++) for (let i = 0; i < ph; i++) for (let j = 0; j < pw; j++) {
    let m = -Infinity;
    for (let u = 0; u < 2; u++) for (let v = 0; v < 2; v++) m = Math.max(m, r1[((b * c1 + c) * h1 + 2 * i + u) * w1 + 2 * j + v]);
    p1[((b * c1 + c) * ph + i) * pw + j] = m;
  }
  const d = conv2d(p1, [batch, c1, ph, pw], k2, b2, c2, 3, 0);
  const [, , h2, w2] = d.shape;
  const g = new Array(batch * c2).fill(0);
  d.y.forEach((v, i) => { g[Math.floor(i / (h2 * w2))] += Math.max(0, v) / (h2 * w2); });
  const y = linear(g, batch, c2, w3, b3, nOut);

  mkdirSync(join(dir, 'test_data_set_0'), { recursive: true });
  writeFileSync(join(dir, 'model.onnx'), model);
  writeTensor(join(dir, 'test_data_set_0', 'input_0.pb'), 'image', tensorFrom('f32', [batch, 1, size, size], x));
  writeTensor(join(dir, 'test_data_set_0', 'output_0.pb'), 'logits', tensorFrom('f32', [batch, nOut], y));
  return { params: k1.length + b1.length + k2.length + b2.length + w3.length + b3.length };
}

const isMain = process.argv[1] !== undefined && pathToFileURL(process.argv[1]).href === import.meta.url;
if (isMain) {
  const mlp = makeMlp(join(here, 'mlp'), await loadLib());
  console.log(`make-examples: wrote examples/mlp (${mlp.params} parameters, test_data_set_0 with batch 3)`);
  const cnn = makeCnn(join(here, 'cnn'), await loadLib());
  console.log(`make-examples: wrote examples/cnn (${cnn.params} parameters, test_data_set_0 with batch 2)`);
}
