// Small hand-built ONNX models through the whole path (importer, default O2 pipeline, wasm,
// runtime) against the interpreter: a resnet-like block, a recurrent stack (bidirectional LSTM
// then GRU), and a transformer block with a symbolic sequence dim run at two lengths with the
// same compiled artifact.

import { describe, expect, it } from 'vitest';
import { interpret } from '../../../ir/interp.js';
import { tensorFrom, type Tensor } from '../../../ir/tensor.js';
import { compileWasm } from '../../../src/backends/wasm/index.js';
import { importOnnxBytes } from '../../../src/onnx/import.js';
import { buildModel, type ModelSpec } from '../../../src/onnx/writer.js';
import { instantiateCompiled, type RunTensor } from '../../../src/runtime/index.js';
import { expectClose } from './helpers.js';

function rand(shape: readonly number[], seed: number, scale = 1): Tensor {
  let s = seed >>> 0 || 1;
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    v[i] = (((s >>> 8) / 2 ** 24) * 2 - 1) * scale;
  }
  return tensorFrom('f32', shape, v);
}
const init = (name: string, t: Tensor): { name: string; tensor: Tensor } => ({ name, tensor: t });
const ints = (name: string, v: readonly number[]): { name: string; tensor: Tensor } => init(name, tensorFrom('i64', [v.length], v.map(BigInt)));
const scalar = (name: string, v: number): { name: string; tensor: Tensor } => init(name, tensorFrom('f32', [], [v]));

/** Compile once; run each input set through the compiled module and the interpreter. */
async function check(spec: ModelSpec, inputSets: readonly Tensor[][], rtol = 1e-4, atol = 1e-5): Promise<void> {
  const bytes = buildModel(spec);
  const load = () => importOnnxBytes(bytes, { file: 'model.onnx', baseDir: '.' });
  const c = await compileWasm(load());
  const cm = await instantiateCompiled(c.manifest, c.wasm, c.weights);
  for (const inputs of inputSets) {
    const feed: Record<string, RunTensor> = {};
    c.manifest.inputs.forEach((inp, i) => (feed[inp.name] = { data: inputs[i]!.data as RunTensor['data'], dims: inputs[i]!.shape }));
    const out = await cm.run(feed);
    const got = c.manifest.outputs.map((o) => ({ dtype: o.dtype as Tensor['dtype'], shape: [...out[o.name]!.dims], data: out[o.name]!.data as Tensor['data'] }));
    const want = interpret(load(), [...inputs]);
    expect(got.length).toBe(want.length);
    expectClose(got, want, rtol, atol);
  }
}

describe('wasm backend on small hand-built models', () => {
  it('resnet-like block: conv/bn/relu/add, pools with pads and ceil_mode, pad, resize, concat, gemm', async () => {
    const C = 4;
    const bn = (p: string, seed: number) => [
      init(`${p}s`, rand([C], seed, 0.5)), init(`${p}b`, rand([C], seed + 1, 0.5)), init(`${p}m`, rand([C], seed + 2, 0.2)),
      init(`${p}v`, tensorFrom('f32', [C], Array.from(rand([C], seed + 3).data as Float32Array, (x) => 1 + Math.abs(x)))),
    ];
    const spec: ModelSpec = {
      opset: 13,
      inputs: [{ name: 'x', dtype: 'f32', shape: ['batch', C, 9, 9] }],
      outputs: [{ name: 'logits', dtype: 'f32', shape: ['batch', 5] }, { name: 'feat', dtype: 'f32', shape: null }],
      initializers: [
        init('w1', rand([C, C, 3, 3], 1, 0.3)), init('w2', rand([C, C, 3, 3], 2, 0.3)), ...bn('n1', 10), ...bn('n2', 20),
        init('fc', rand([5, 2 * C], 3, 0.5)), init('fcb', rand([5], 4)), ints('pads', [0, 0, 1, 1, 0, 0, 1, 1]),
        init('scales', tensorFrom('f32', [4], [1, 1, 2, 2])),
      ],
      nodes: [
        { opType: 'Conv', inputs: ['x', 'w1'], outputs: ['c1'], attrs: { pads: [1, 1, 1, 1] } },
        { opType: 'BatchNormalization', inputs: ['c1', 'n1s', 'n1b', 'n1m', 'n1v'], outputs: ['b1'] },
        { opType: 'Relu', inputs: ['b1'], outputs: ['r1'] },
        { opType: 'Conv', inputs: ['r1', 'w2'], outputs: ['c2'], attrs: { pads: [1, 1, 1, 1] } },
        { opType: 'BatchNormalization', inputs: ['c2', 'n2s', 'n2b', 'n2m', 'n2v'], outputs: ['b2'] },
        { opType: 'Add', inputs: ['b2', 'x'], outputs: ['s'] },
        { opType: 'Relu', inputs: ['s'], outputs: ['r2'] },
        { opType: 'MaxPool', inputs: ['r2'], outputs: ['mp'], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 } },
        { opType: 'AveragePool', inputs: ['mp'], outputs: ['ap'], attrs: { kernel_shape: [2, 2], pads: [1, 1, 0, 0], count_include_pad: 1 } },
        { opType: 'Pad', inputs: ['ap', 'pads'], outputs: ['pd'], attrs: { mode: 'reflect' } },
        { opType: 'Resize', inputs: ['pd', '', 'scales'], outputs: ['up'], attrs: { mode: 'nearest' } },
        { opType: 'LeakyRelu', inputs: ['up'], outputs: ['lr'], attrs: { alpha: 0.1 } },
        { opType: 'Sigmoid', inputs: ['lr'], outputs: ['sg'] },
        { opType: 'Mul', inputs: ['lr', 'sg'], outputs: ['sw'] },
        { opType: 'Concat', inputs: ['sw', 'up'], outputs: ['feat'], attrs: { axis: 1 } },
        { opType: 'GlobalAveragePool', inputs: ['feat'], outputs: ['gp'] },
        { opType: 'Flatten', inputs: ['gp'], outputs: ['fl'] },
        { opType: 'Gemm', inputs: ['fl', 'fc', 'fcb'], outputs: ['logits'], attrs: { transB: 1 } },
      ],
    };
    await check(spec, [[rand([1, C, 9, 9], 7)], [rand([3, C, 9, 9], 8)]]);
  });

  it('recurrent stack: bidirectional LSTM with sequence_lens, then GRU over its concatenated directions', async () => {
    const S = 5, B = 2, I = 3, H = 4;
    const spec: ModelSpec = {
      opset: 14,
      inputs: [{ name: 'x', dtype: 'f32', shape: [S, B, I] }, { name: 'lens', dtype: 'i32', shape: [B] }],
      outputs: [{ name: 'y', dtype: 'f32', shape: null }, { name: 'yh', dtype: 'f32', shape: null }],
      initializers: [
        init('W', rand([2, 4 * H, I], 1, 0.5)), init('R', rand([2, 4 * H, H], 2, 0.5)), init('Bi', rand([2, 8 * H], 3, 0.3)),
        init('GW', rand([1, 3 * H, 2 * H], 4, 0.5)), init('GR', rand([1, 3 * H, H], 5, 0.5)), ints('shape', [S, B, 2 * H]), ints('perm', [0, 2, 1, 3]),
      ],
      nodes: [
        { opType: 'LSTM', inputs: ['x', 'W', 'R', 'Bi', 'lens'], outputs: ['ly', 'lh', 'lc'], attrs: { hidden_size: H, direction: 'bidirectional' } },
        { opType: 'Transpose', inputs: ['ly'], outputs: ['lt'], attrs: { perm: [0, 2, 1, 3] } },
        { opType: 'Reshape', inputs: ['lt', 'shape'], outputs: ['lr'] },
        { opType: 'GRU', inputs: ['lr', 'GW', 'GR'], outputs: ['y', 'yh'], attrs: { hidden_size: H, linear_before_reset: 1 } },
      ],
    };
    await check(spec, [[rand([S, B, I], 9, 2), tensorFrom('i32', [B], [5, 3])]]);
  });

  it('transformer block with a symbolic seq dim: same artifact at seq 3 and 7', async () => {
    const D = 8;
    const spec: ModelSpec = {
      opset: 18, // ReduceMean takes its axes as an input from opset 18 on
      inputs: [{ name: 'x', dtype: 'f32', shape: [1, 'seq', D] }, { name: 'mask', dtype: 'i64', shape: [1, 'seq'] }],
      outputs: [{ name: 'y', dtype: 'f32', shape: null }, { name: 'ids', dtype: 'i64', shape: null }],
      initializers: [
        init('g', rand([D], 1)), init('bta', rand([D], 2)), init('wq', rand([D, D], 3, 0.4)), init('wk', rand([D, D], 4, 0.4)),
        init('wv', rand([D, D], 5, 0.4)), init('w1', rand([D, 2 * D], 6, 0.4)), init('w2', rand([2 * D, D], 7, 0.4)),
        scalar('scale', Math.sqrt(D)), scalar('neg', -1e9), scalar('half', 0.5), scalar('one', 1), scalar('r2', Math.SQRT2), scalar('two', 2), scalar('eps', 1e-5),
        ints('zero', [0]), ints('one_i', [1]), ints('ax1', [1]), ints('axm1', [-1]), ints('idx1', [1]), ints('dmodel', [D]),
        init('i1', tensorFrom('i64', [], [1n])), ints('ax12', [1, 2]),
      ],
      nodes: [
        { opType: 'LayerNormalization', inputs: ['x', 'g', 'bta'], outputs: ['ln'], attrs: { axis: -1 } },
        { opType: 'MatMul', inputs: ['ln', 'wq'], outputs: ['q'] },
        { opType: 'MatMul', inputs: ['ln', 'wk'], outputs: ['k'] },
        { opType: 'MatMul', inputs: ['ln', 'wv'], outputs: ['v'] },
        { opType: 'Transpose', inputs: ['k'], outputs: ['kt'], attrs: { perm: [0, 2, 1] } },
        { opType: 'MatMul', inputs: ['q', 'kt'], outputs: ['qk'] },
        { opType: 'Div', inputs: ['qk', 'scale'], outputs: ['sc'] },
        // key mask: mask == 0 -> -1e9, broadcast over query rows through Unsqueeze + Expand
        { opType: 'Equal', inputs: ['mask', 'zero'], outputs: ['m0'] },
        { opType: 'Unsqueeze', inputs: ['m0', 'ax1'], outputs: ['m1'] },
        { opType: 'Shape', inputs: ['sc'], outputs: ['scs'] },
        { opType: 'Expand', inputs: ['m1', 'scs'], outputs: ['m2'] },
        { opType: 'Where', inputs: ['m2', 'neg', 'sc'], outputs: ['msk'] },
        { opType: 'Softmax', inputs: ['msk'], outputs: ['p'], attrs: { axis: -1 } },
        { opType: 'Softmax', inputs: ['p'], outputs: ['p2'], attrs: { axis: 1 } },
        { opType: 'MatMul', inputs: ['p2', 'v'], outputs: ['att'] },
        { opType: 'Add', inputs: ['att', 'x'], outputs: ['res'] },
        // manual layer norm: (x - mean) / sqrt(mean((x - mean)^2) + eps)
        { opType: 'ReduceMean', inputs: ['res', 'axm1'], outputs: ['mu'] },
        { opType: 'Sub', inputs: ['res', 'mu'], outputs: ['dx'] },
        { opType: 'Pow', inputs: ['dx', 'two'], outputs: ['sq'] },
        { opType: 'ReduceMean', inputs: ['sq', 'axm1'], outputs: ['var'] },
        { opType: 'Add', inputs: ['var', 'eps'], outputs: ['ve'] },
        { opType: 'Sqrt', inputs: ['ve'], outputs: ['sd'] },
        { opType: 'Div', inputs: ['dx', 'sd'], outputs: ['nx'] },
        // GELU through Erf, then a Tanh branch
        { opType: 'MatMul', inputs: ['nx', 'w1'], outputs: ['h1'] },
        { opType: 'Div', inputs: ['h1', 'r2'], outputs: ['h2'] },
        { opType: 'Erf', inputs: ['h2'], outputs: ['h3'] },
        { opType: 'Add', inputs: ['h3', 'one'], outputs: ['h4'] },
        { opType: 'Mul', inputs: ['h1', 'h4'], outputs: ['h5'] },
        { opType: 'Mul', inputs: ['h5', 'half'], outputs: ['h6'] },
        { opType: 'Tanh', inputs: ['h6'], outputs: ['h7'] },
        { opType: 'MatMul', inputs: ['h7', 'w2'], outputs: ['ff'] },
        { opType: 'Add', inputs: ['ff', 'nx'], outputs: ['out'] },
        // shape arithmetic on the symbolic dim: reshape to [seq, D] via Shape/Gather/Unsqueeze/Concat
        { opType: 'Shape', inputs: ['out'], outputs: ['os'] },
        { opType: 'Gather', inputs: ['os', 'i1'], outputs: ['sl'], attrs: { axis: 0 } },
        { opType: 'Unsqueeze', inputs: ['sl', 'zero'], outputs: ['slu'] },
        { opType: 'Concat', inputs: ['slu', 'dmodel'], outputs: ['ns'], attrs: { axis: 0 } },
        { opType: 'Reshape', inputs: ['out', 'ns'], outputs: ['flat'] },
        { opType: 'Slice', inputs: ['flat', 'zero', 'dmodel', 'ax1'], outputs: ['y'] },
        // integer side output: argmax per position, cast and used as i64 arithmetic
        { opType: 'ArgMax', inputs: ['flat'], outputs: ['am'], attrs: { axis: 1, keepdims: 0 } },
        { opType: 'Mul', inputs: ['am', 'mask_s'], outputs: ['ids'] },
        { opType: 'Squeeze', inputs: ['mask', 'zero'], outputs: ['mask_s'] },
      ],
    };
    const mask = (n: number): Tensor => tensorFrom('i64', [1, n], Array.from({ length: n }, (_, i) => (i % 3 === 2 ? 0n : 1n)));
    await check({ ...spec, nodes: [...spec.nodes.slice(0, -2), spec.nodes.at(-1)!, spec.nodes.at(-2)!] }, [[rand([1, 3, D], 11), mask(3)], [rand([1, 7, D], 12), mask(7)]], 1e-3, 1e-4);
  });

  it('position ids and masks from the symbolic length: Range, ConstantOfShape, CumSum-free i64 arithmetic, at seq 1 and 6', async () => {
    const spec: ModelSpec = {
      opset: 17,
      inputs: [{ name: 'x', dtype: 'f32', shape: [1, 'seq', 4] }],
      outputs: [{ name: 'y', dtype: 'f32', shape: null }, { name: 'pos', dtype: 'i64', shape: null }],
      initializers: [
        init('i1', tensorFrom('i64', [], [1n])), init('z0', tensorFrom('i64', [], [0n])), init('two', tensorFrom('i64', [], [2n])),
        scalar('fz', 0.5), scalar('fd', 0.25),
      ],
      nodes: [
        { opType: 'Shape', inputs: ['x'], outputs: ['s'] },
        { opType: 'Gather', inputs: ['s', 'i1'], outputs: ['n'], attrs: { axis: 0 } },
        { opType: 'Range', inputs: ['z0', 'n', 'i1'], outputs: ['r'] },
        { opType: 'Mul', inputs: ['r', 'two'], outputs: ['pos'] },
        { opType: 'Cast', inputs: ['r'], outputs: ['rc'], attrs: { to: 1 } },
        { opType: 'Mul', inputs: ['rc', 'fd'], outputs: ['rm'] },
        { opType: 'Add', inputs: ['rm', 'fz'], outputs: ['rf'] },
        { opType: 'ConstantOfShape', inputs: ['s'], outputs: ['c'], attrs: { value: tensorFrom('f32', [1], [1.5]) } },
        { opType: 'Mul', inputs: ['c', 'x'], outputs: ['cx'] },
        { opType: 'ReduceSum', inputs: ['cx'], outputs: ['tot'], attrs: { keepdims: 0 } },
        { opType: 'Add', inputs: ['rf', 'tot'], outputs: ['y'] },
      ],
    };
    await check(spec, [[rand([1, 1, 4], 21)], [rand([1, 6, 4], 22)]]);
  });
});
