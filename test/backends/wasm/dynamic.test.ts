// Dims known only at run time through the WASM backend: shapes computed in the graph from other
// shapes (a transformer exported with symbolic batch and sequence length), and shape tensors fed
// as graph-input data (Reshape's shape, Expand's shape, Slice's starts). Each model compiles once
// and runs at several bindings, checked against the interpreter; impossible bindings are refused.

import { describe, expect, it } from 'vitest';
import { interpret } from '../../../ir/interp.js';
import { parseModule } from '../../../ir/parser.js';
import { tensorFrom, type Tensor } from '../../../ir/tensor.js';
import { compileWasm } from '../../../src/backends/wasm/index.js';
import { importOnnxBytes } from '../../../src/onnx/import.js';
import { buildModel, type ModelSpec } from '../../../src/onnx/writer.js';
import { instantiateCompiled, type CompiledModel, type RunTensor } from '../../../src/runtime/index.js';
import { expectClose } from './helpers.js';
import type { Module } from '../../../ir/ir.js';
import { inferOp } from '../../../ir/infer.js';

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
const i64s = (shape: number[], v: readonly number[]): Tensor => tensorFrom('i64', shape, v.map(BigInt));

async function compiled(load: () => Module): Promise<{ cm: CompiledModel; names: string[]; outs: string[] }> {
  const c = await compileWasm(load());
  const cm = await instantiateCompiled(c.manifest, c.wasm, c.weights);
  return { cm, names: c.manifest.inputs.map((i) => i.name), outs: c.manifest.outputs.map((o) => o.name) };
}

async function runBoth(load: () => Module, c: { cm: CompiledModel; names: string[]; outs: string[] }, inputs: Tensor[]): Promise<void> {
  const feed: Record<string, RunTensor> = {};
  c.names.forEach((n, i) => (feed[n] = { data: inputs[i]!.data as RunTensor['data'], dims: inputs[i]!.shape }));
  const out = await c.cm.run(feed);
  const got = c.outs.map((n) => ({ dtype: 'f32' as const, shape: [...out[n]!.dims], data: out[n]!.data as Tensor['data'] }));
  expectClose(got, interpret(load(), inputs), 1e-4, 1e-5);
}

const E = 8, H = 2, D = 4, VOCAB = 11, MAXPOS = 16;

/** One attention layer as PyTorch exports it with dynamic batch and seq (opset 13). */
const transformer: ModelSpec = {
  opset: 13,
  inputs: [{ name: 'ids', dtype: 'i64', shape: ['batch', 'seq'] }, { name: 'mask', dtype: 'f32', shape: ['batch', 'seq'] }],
  outputs: [{ name: 'out', dtype: 'f32', shape: null }],
  initializers: [
    init('tok', rand([VOCAB, E], 1)), init('pos', rand([MAXPOS, E], 2)),
    init('wq', rand([E, E], 3, 0.5)), init('wk', rand([E, E], 4, 0.5)), init('wv', rand([E, E], 5, 0.5)),
    ints('i0', [0]), ints('i1', [1]), ints('ax0', [0]), ints('ax12', [1, 2]), ints('heads', [H]), ints('hd', [D]), ints('emb', [E]),
    init('zero', tensorFrom('i64', [], [0n])), init('one', tensorFrom('i64', [], [1n])),
    init('scale', tensorFrom('f32', [], [1 / Math.sqrt(D)])), init('onef', tensorFrom('f32', [], [1])), init('neg', tensorFrom('f32', [], [-1e4])),
  ],
  nodes: [
    { opType: 'Shape', inputs: ['ids'], outputs: ['shp'] },
    { opType: 'Gather', inputs: ['shp', 'zero'], outputs: ['B'], attrs: { axis: 0 } },
    { opType: 'Gather', inputs: ['shp', 'one'], outputs: ['S'], attrs: { axis: 0 } },
    { opType: 'Range', inputs: ['zero', 'S', 'one'], outputs: ['posids'] },
    { opType: 'Gather', inputs: ['pos', 'posids'], outputs: ['pe'] },
    { opType: 'Gather', inputs: ['tok', 'ids'], outputs: ['te'] },
    { opType: 'Add', inputs: ['te', 'pe'], outputs: ['h'] },
    { opType: 'Unsqueeze', inputs: ['B', 'ax0'], outputs: ['B1'] },
    { opType: 'Unsqueeze', inputs: ['S', 'ax0'], outputs: ['S1'] },
    { opType: 'Concat', inputs: ['B1', 'S1', 'heads', 'hd'], outputs: ['split'], attrs: { axis: 0 } },
    ...['q', 'k', 'v'].flatMap((n) => [
      { opType: 'MatMul', inputs: ['h', `w${n}`], outputs: [`${n}0`] },
      { opType: 'Reshape', inputs: [`${n}0`, 'split'], outputs: [`${n}4`] },
      { opType: 'Transpose', inputs: [`${n}4`], outputs: [`${n}t`], attrs: { perm: n === 'k' ? [0, 2, 3, 1] : [0, 2, 1, 3] } },
    ]),
    { opType: 'MatMul', inputs: ['qt', 'kt'], outputs: ['sc0'] },
    { opType: 'Mul', inputs: ['sc0', 'scale'], outputs: ['sc'] },
    // Mask: (1 - mask) * -1e4, [batch,1,1,seq] expanded to [batch,heads,seq,seq].
    { opType: 'Unsqueeze', inputs: ['mask', 'ax12'], outputs: ['m4'] },
    { opType: 'Sub', inputs: ['onef', 'm4'], outputs: ['inv'] },
    { opType: 'Mul', inputs: ['inv', 'neg'], outputs: ['bias'] },
    { opType: 'Concat', inputs: ['B1', 'heads', 'S1', 'S1'], outputs: ['bshape'], attrs: { axis: 0 } },
    { opType: 'Expand', inputs: ['bias', 'bshape'], outputs: ['bx'] },
    { opType: 'Add', inputs: ['sc', 'bx'], outputs: ['sm0'] },
    { opType: 'Softmax', inputs: ['sm0'], outputs: ['p'], attrs: { axis: -1 } },
    { opType: 'MatMul', inputs: ['p', 'vt'], outputs: ['ctx'] },
    { opType: 'Transpose', inputs: ['ctx'], outputs: ['ctxt'], attrs: { perm: [0, 2, 1, 3] } },
    { opType: 'Concat', inputs: ['B1', 'S1', 'emb'], outputs: ['oshape'], attrs: { axis: 0 } },
    { opType: 'Reshape', inputs: ['ctxt', 'oshape'], outputs: ['out'] },
  ],
};

describe('wasm backend: dims known only at run time', () => {
  it('a transformer layer with symbolic batch and seq compiles once and runs at several lengths', async () => {
    const bytes = buildModel(transformer);
    const load = (): Module => importOnnxBytes(bytes, { file: 'model.onnx', baseDir: '.' });
    const c = await compiled(load);
    for (const [b, s] of [[1, 3], [2, 5], [3, 1], [2, 16]] as const) {
      const ids = i64s([b, s], Array.from({ length: b * s }, (_, i) => (i * 7 + 3) % VOCAB));
      const mask = tensorFrom('f32', [b, s], Array.from({ length: b * s }, (_, i) => (i % s < s - 1 || s === 1 ? 1 : 0)));
      await runBoth(load, c, [ids, mask]);
    }
  });

  it('shape operands given as input data: reshape with 0 and -1, expand, tile', async () => {
    const text = `module @m {
  func @main(%x: f32[2,3,4], %s: i64[3], %e: i64[3], %r: i64[3]) -> (%a: f32[*], %b: f32[*], %c: f32[*]) {
    %a0 = reshape(%x, %s) : f32[*]
    %a = relu(%a0) : f32[*]
    %y = slice(%x, %one, %two, %ax) : f32[*]
    %b = expand(%y, %e) : f32[*]
    %c = tile(%x, %r) : f32[*]
    return %a, %b, %c
  }
}`.replace('%y = slice', '%one = const {value = dense<[1]> : i64[1]} : i64[1]\n    %two = const {value = dense<[2]> : i64[1]} : i64[1]\n    %ax = const {value = dense<[2]> : i64[1]} : i64[1]\n    %y = slice');
    const load = (): Module => reinfer(parseModule(text, { file: 't.ir' }));
    const c = await compiled(load);
    const x = rand([2, 3, 4], 9);
    for (const [s, e, r] of [[[0, -1, 2], [2, 3, 5], [1, 1, 1]], [[-1, 4, 3], [1, 3, 1], [2, 1, 3]], [[2, 12, 1], [4, 2, 3, 1].slice(1), [1, 2, 1]]]) {
      await runBoth(load, c, [x, i64s([3], s!), i64s([3], e!), i64s([3], r!)]);
    }
    // A negative size is refused with the input named, not run.
    const feed = (s: number[]): Record<string, RunTensor> => ({
      x: { data: x.data as Float32Array, dims: [2, 3, 4] }, s: { data: BigInt64Array.from([2n, 12n, 1n]), dims: [3] },
      e: { data: BigInt64Array.from([2n, 3n, 1n]), dims: [3] }, r: { data: BigInt64Array.from(s.map(BigInt)), dims: [3] },
    });
    await expect(c.cm.run(feed([1, -2, 1]))).rejects.toThrow(/impossible value -6.*input 'r'|input 'r'.*-6/);
  });

  it('slice starts/ends and pad pads given as input data (negative, out of range, reversed)', async () => {
    const text = `module @m {
  func @main(%x: f32[s,5], %st: i64[2], %en: i64[2], %p: i64[4]) -> (%a: f32[*], %b: f32[*], %c: f32[*]) {
    %a = slice(%x, %st, %en) : f32[*]
    %b = slice(%x, %st, %en, %ax, %neg) : f32[*]
    %c = pad(%x, %p) : f32[*]
    return %a, %b, %c
  }
}`.replace('%b = slice', '%ax = const {value = dense<[1,0]> : i64[2]} : i64[2]\n    %neg = const {value = dense<[-1,-2]> : i64[2]} : i64[2]\n    %b = slice');
    const load = (): Module => reinfer(parseModule(text, { file: 't.ir' }));
    const c = await compiled(load);
    const cases: [number, number[], number[], number[]][] = [
      [4, [0, 1], [3, 4], [0, 1, 2, 0]], [6, [-2, -9], [99, -1], [1, 0, 0, 2]], [3, [5, 2], [-7, 2 ** 40], [2, 2, 1, 1]], [1, [0, 0], [1, 5], [0, 0, 0, 0]], [5, [1, 0], [3, 5], [1, -1, -2, 2]],
    ];
    for (const [n, st, en, p] of cases) {
      await runBoth(load, c, [rand([n, 5], n), i64s([2], st), i64s([2], en), i64s([4], p)]);
    }
  });

  it('reductions, squeeze and unsqueeze over axes given as input data (either keepdims): which axes only known at run time', async () => {
    const ops = ['reduce_sum', 'reduce_mean', 'reduce_max', 'reduce_l2', 'reduce_log_sum_exp'];
    const text = `module @m {
  func @main(%x: f32[b,3,4], %ax: i64[2], %x1: f32[b,1,4,1], %sq: i64[2]) -> (${ops.map((_, i) => `%y${i}: f32[*], %z${i}: f32[*]`).join(', ')}, %s: f32[*], %u: f32[*]) {
${ops.map((o, i) => `    %y${i} = ${o}(%x, %ax) {keepdims = 1} : f32[*]\n    %z${i} = ${o}(%x, %ax) {keepdims = 0} : f32[*]`).join('\n')}
    %s = squeeze(%x1, %sq) : f32[*]
    %u = unsqueeze(%x, %sq) : f32[*]
    return ${ops.map((_, i) => `%y${i}, %z${i}`).join(', ')}, %s, %u
  }
}`;
    const load = (): Module => reinfer(parseModule(text, { file: 't.ir' }));
    const c = await compiled(load);
    for (const [b, ax, sq] of [[2, [0, 2], [1, 3]], [3, [-1, 1], [-1, 1]], [1, [1, 2], [0, 3]], [2, [0, -2], [3, -3]]] as const) {
      await runBoth(load, c, [rand([b, 3, 4], b + 7), i64s([2], [...ax]), rand([b, 1, 4, 1], b), i64s([2], [...sq])]);
    }
  });

  it('range with float limits given as data (fractional: ceil of the count), and resize with scales given as data', async () => {
    const text = `module @m {
  func @main(%s: f32[], %l: f32[], %d: f32[], %x: f32[1,1,4,4], %sc: f32[4]) -> (%r: f32[*], %y: f32[*]) {
    %r = range(%s, %l, %d) : f32[*]
    %y = resize(%x, none, %sc) {mode = "nearest"} : f32[*]
    return %r, %y
  }
}`;
    const load = (): Module => reinfer(parseModule(text, { file: 't.ir' }));
    const c = await compiled(load);
    const f = (v: number[]): Tensor => tensorFrom('f32', v.length === 1 ? [] : [v.length], v);
    for (const [s, l, d, sc] of [[0, 3.5, 1, [1, 1, 2, 2]], [1, 5, 0.5, [1, 1, 0.5, 1.5]], [4, -2, -1.5, [1, 1, 0.75, 3]]] as const) {
      await runBoth(load, c, [f([s]), f([l]), f([d]), rand([1, 1, 4, 4], 5), tensorFrom('f32', [4], [...sc])]);
    }
  });

  it('two different symbols broadcast to max(a,b); a binding that does not broadcast is refused', async () => {
    const text = `module @m {
  func @main(%x: f32[r,a], %y: f32[b], %s: i64[2]) -> (%z: f32[*], %w: f32[*]) {
    %z = add(%x, %y) : f32[*]
    %w = reshape(%x, %s) : f32[*]
    return %z, %w
  }
}`;
    const load = (): Module => reinfer(parseModule(text, { file: 't.ir' }));
    expect(load().main.body.terminator!.operands[0]!.type.shape).toEqual(['r', 'max(a,b)']);
    const c = await compiled(load);
    for (const [r, a, b] of [[2, 3, 1], [2, 1, 4], [3, 5, 5], [1, 7, 7]] as const) {
      await runBoth(load, c, [rand([r, a], 3), rand([b], 4), i64s([2], [a, r])]);
    }
    const feed = (a: number, b: number, s: number[]): Record<string, RunTensor> => ({
      x: { data: new Float32Array(2 * a), dims: [2, a] }, y: { data: new Float32Array(b), dims: [b] }, s: { data: BigInt64Array.from(s.map(BigInt)), dims: [2] },
    });
    await expect(c.cm.run(feed(3, 4, [3, 2]))).rejects.toThrow(/add %z.*does not broadcast.*input 'x' dim 'a' = 3/);
    await expect(c.cm.run(feed(3, 3, [4, 2]))).rejects.toThrow(/cannot reshape.*data of input 's'/);
  });
});

/** Re-run every shape rule (the text declares f32[*]; the compiler wants the inferred dims). */
function reinfer(m: Module): Module {
  for (const op of m.main.body.ops) {
    const t = inferOp(op, m);
    op.results.forEach((r, i) => { r.type = t[i]!; });
  }
  return m;
}
