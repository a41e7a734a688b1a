#!/usr/bin/env node
// Generates the example models and their test data (the generated files are not checked in):
//
//   examples/mlp/model.onnx                      64 -> 32 -> 10 MLP (Gemm, Relu, Gemm), batch dim symbolic
//   examples/mlp/test_data_set_0/input_0.pb      a [3,64] input
//   examples/mlp/test_data_set_0/output_0.pb     the expected [3,10] output
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

const isMain = process.argv[1] !== undefined && pathToFileURL(process.argv[1]).href === import.meta.url;
if (isMain) {
  const mlp = makeMlp(join(here, 'mlp'), await loadLib());
  console.log(`make-examples: wrote examples/mlp (${mlp.params} parameters, test_data_set_0 with batch 3)`);
}
