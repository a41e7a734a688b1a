// Result shapes that depend on graph-input data (data symbols, ir/shape-value.ts): each op below
// takes the operand that sizes its result as a graph input, is compiled ONCE per backend, and is
// run at several data values, each compared with the interpreter. The shape rules' dims over data
// symbols are checked against the interpreter's shapes for all small inputs (fast-check).

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { inferOp } from '../../ir/infer.js';
import { interpret } from '../../ir/interp.js';
import { parseModule } from '../../ir/parser.js';
import { evalDim } from '../../ir/symbolic.js';
import { tensorFrom, type Tensor } from '../../ir/tensor.js';
import { formatType } from '../../ir/types.js';
import { compileWasm } from '../../src/backends/wasm/index.js';
import { fromRunTensor, toRunTensor } from '../../src/conformance/feeds.js';
import { instantiateCompiled, type RunTensor } from '../../src/runtime/index.js';
import { compileText, runCompiled } from './webgpu/helpers.js';
import { nagaErrors } from './webgpu/naga-run.js';

const f32 = (shape: number[], data: number[]): Tensor => ({ dtype: 'f32', shape, data: Float32Array.from(data) });
const i64 = (shape: number[], data: number[]): Tensor => ({ dtype: 'i64', shape, data: BigInt64Array.from(data.map(BigInt)) });
const i32 = (shape: number[], data: number[]): Tensor => ({ dtype: 'i32', shape, data: Int32Array.from(data) });
const bool = (v: boolean): Tensor => ({ dtype: 'bool', shape: [], data: Uint8Array.from([v ? 1 : 0]) });
/** Deterministic values in [-1, 1). */
function rand(shape: number[], seed: number): Tensor {
  let s = seed >>> 0 || 1;
  const n = shape.reduce((a, b) => a * b, 1);
  return f32(shape, Array.from({ length: n }, () => { s = (Math.imul(s, 1103515245) + 12345) >>> 0; return ((s >>> 8) / 2 ** 24) * 2 - 1; }));
}

/**
 * A module main(args) -> results whose one op's result types come from its shape rule (over the
 * data symbols of the graph inputs), as the importer gives them.
 */
function oneOp(args: string, op: string, results: string[]): string {
  const text = (types: string[]): string => `module @m {
  func @main(${args}) -> (${results.map((r, i) => `%${r}: ${types[i]}`).join(', ')}) {
    ${results.map((r) => `%${r}`).join(', ')} = ${op} : ${types.length > 1 ? `(${types.join(', ')})` : types[0]}
    return ${results.map((r) => `%${r}`).join(', ')}
  }
}`;
  const m = parseModule(text(results.map(() => 'f32[?]')), { file: 'draft.ir' });
  return text(inferOp(m.main.body.ops[0]!, m).map(formatType));
}

/** The dims of the op's first result. */
const resultDims = (text: string): (string | number)[] => [...(parseModule(text, { file: 'draft.ir' }).main.body.ops[0]!.results[0]!.type.shape ?? [])];

const interp = (text: string, inputs: readonly Tensor[]): Tensor[] => interpret(parseModule(text, { file: 'test.ir' }), [...inputs]);

type Runner = (inputs: readonly Tensor[]) => Promise<Tensor[]>;

async function wasmRunner(text: string): Promise<Runner> {
  const c = await compileWasm(parseModule(text, { file: 'test.ir' }), { passes: 'fuse', verifyEach: true });
  const cm = await instantiateCompiled(c.manifest, c.wasm, c.weights);
  return async (inputs) => {
    const feed: Record<string, RunTensor> = {};
    // f16/bf16 cross the runtime boundary as raw bits, as in conformance.
    c.manifest.inputs.forEach((inp, i) => (feed[inp.name] = toRunTensor(inputs[i]!)));
    const out = await cm.run(feed);
    return c.manifest.outputs.map((o) => fromRunTensor(o.dtype as Tensor['dtype'], out[o.name]!));
  };
}

/** Every model the webgpu tests compiled: their shaders go through naga at the end. */
const gpuTexts: string[] = [];

async function gpuRunner(text: string): Promise<Runner> {
  gpuTexts.push(text);
  const c = compileText(text);
  return (inputs) => runCompiled(c, inputs);
}

const RUNNERS: readonly [string, (text: string) => Promise<Runner>][] = [['wasm', wasmRunner], ['webgpu', gpuRunner]];

/** Same shapes; |got - want| <= atol + rtol |want| (bools and integers exactly). */
function expectClose(got: readonly Tensor[], want: readonly Tensor[], rtol: number, atol: number): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, r) => {
    const w = want[r]!;
    expect(g.shape, `result ${r} shape`).toEqual(w.shape);
    const gv = Array.from(g.data as ArrayLike<number>, Number), wv = Array.from(w.data as ArrayLike<number>, Number);
    const bad = gv.findIndex((v, i) => !(Math.abs(v - wv[i]!) <= atol + rtol * Math.abs(wv[i]!)));
    expect(bad, `result ${r}: element ${bad} is ${gv[bad]}, expected ${wv[bad]}`).toBe(-1);
  });
}

/** Compile once per backend; each input set's results match the interpreter's. */
function eachBackend(name: string, text: string, inputSets: readonly Tensor[][], rtol = 1e-4, atol = 1e-5): void {
  for (const [backend, make] of RUNNERS) {
    test(`${name} (${backend})`, async () => {
      const run = await make(text);
      for (const inputs of inputSets) expectClose(await run(inputs), interp(text, inputs), rtol, atol);
    });
  }
}

describe('max_unpool: output_shape as data', () => {
  const text = oneOp('%x: f32[1,1,2,2], %i: i64[1,1,2,2], %s: i64[4]', 'max_unpool(%x, %i, %s) {kernel_shape = [2, 2], strides = [2, 2]}', ['y']);
  test('the result dims are the data symbols', () => expect(resultDims(text)).toEqual(['%s[0]', '%s[1]', '%s[2]', '%s[3]']));
  const x = f32([1, 1, 2, 2], [1, 2, 3, 4]), ind = i64([1, 1, 2, 2], [5, 7, 13, 15]);
  // Larger, smaller (cut), and more batches than X (extra planes stay zero).
  eachBackend('max_unpool', text, [[x, ind, i64([4], [1, 1, 5, 5])], [x, ind, i64([4], [1, 1, 3, 2])], [x, ind, i64([4], [2, 1, 4, 4])]]);
});

describe('stft: frame_step / frame_length as data', () => {
  const text = oneOp('%x: f32[1,17,1], %step: i64[], %len: i64[]', 'stft(%x, %step, none, %len)', ['y']);
  const x = rand([1, 17, 1], 3);
  eachBackend('stft', text, [[x, i64([], [3]), i64([], [4])], [x, i64([], [5]), i64([], [7])], [x, i64([], [1]), i64([], [17])]], 1e-4, 1e-5);
  const cx = oneOp('%x: f32[2,13,2], %step: i64[], %w: f32[5]', 'stft(%x, %step, %w) {onesided = 0}', ['y']);
  const xc = rand([2, 13, 2], 5), w = rand([5], 7);
  eachBackend('stft complex with window', cx, [[xc, i64([], [2]), w], [xc, i64([], [4]), w]], 1e-4, 1e-5);
});

describe('mel_weight_matrix: sizes as data', () => {
  const text = oneOp('%n: i32[], %len: i32[], %rate: i32[], %lo: f32[], %hi: f32[]', 'mel_weight_matrix(%n, %len, %rate, %lo, %hi)', ['y']);
  test('the result dims derive from the data symbols', () => expect(resultDims(text)).toEqual(['floordiv(%len[0],2)+1', '%n[0]']));
  const sc = (v: number): Tensor => f32([], [v]);
  eachBackend('mel_weight_matrix', text, [
    [i32([], [8]), i32([], [16]), i32([], [8192]), sc(0), sc(4096)],
    [i32([], [5]), i32([], [13]), i32([], [16000]), sc(100), sc(6000)],
    [i32([], [1]), i32([], [7]), i32([], [22050]), sc(300), sc(3000)],
  ], 1e-5, 1e-6);
});

describe('dft: axis / dft_length as data', () => {
  const x = rand([2, 5, 3, 2], 11), xr = rand([1, 4, 6, 1], 13);
  const ax = (a: number): Tensor => i64([], [a]);
  eachBackend('dft complex, axis data', oneOp('%x: f32[2,5,3,2], %a: i64[]', 'dft(%x, none, %a)', ['y']), [[x, ax(1)], [x, ax(2)], [x, ax(-4)]], 1e-4, 1e-5);
  eachBackend('dft inverse, axis data', oneOp('%x: f32[2,5,3,2], %a: i64[]', 'dft(%x, none, %a) {inverse = 1}', ['y']), [[x, ax(1)], [x, ax(-2)]], 1e-4, 1e-5);
  eachBackend('rfft, axis data', oneOp('%x: f32[1,4,6,1], %a: i64[]', 'dft(%x, none, %a) {onesided = 1}', ['y']), [[xr, ax(1)], [xr, ax(2)], [xr, ax(0)]], 1e-4, 1e-5);
  const xh = rand([1, 4, 6, 2], 17);
  eachBackend('irfft, axis data', oneOp('%x: f32[1,4,6,2], %a: i64[]', 'dft(%x, none, %a) {inverse = 1, onesided = 1}', ['y']), [[xh, ax(1)], [xh, ax(2)]], 1e-4, 1e-5);
  const xl = rand([3, 7, 1], 19);
  eachBackend('rfft, dft_length data', oneOp('%x: f32[3,7,1], %n: i64[]', 'dft(%x, %n) {onesided = 1}', ['y']), [[xl, ax(7)], [xl, ax(4)], [xl, ax(10)]], 1e-4, 1e-5);
});

describe('dropout: ratio / training_mode as data', () => {
  const text = oneOp('%x: f32[3,5], %r: f32[], %t: bool[]', 'dropout(%x, %r, %t) {seed = 3}', ['y', 'mask']);
  const x = rand([3, 5], 23);
  // The interpreter's cases: not training, or a zero ratio (the identity and an all-true mask).
  eachBackend('dropout', text, [[x, f32([], [0]), bool(true)], [x, f32([], [0.5]), bool(false)], [x, f32([], [0]), bool(false)]], 0, 0);
  for (const [backend, make] of RUNNERS) {
    test(`dropout in training with a nonzero ratio: a random mask, kept values scaled (${backend})`, async () => {
      const big = oneOp('%x: f32[4000], %r: f32[], %t: bool[]', 'dropout(%x, %r, %t) {seed = 3}', ['y', 'mask']);
      const xb = rand([4000], 29), run = await make(big);
      for (const r of [0.25, 0.75]) {
        const [y, mask] = await run([xb, f32([], [r]), bool(true)]);
        const m = mask!.data as Uint8Array, yv = y!.data as Float32Array, xv = xb.data as Float32Array;
        const kept = m.reduce((a, v) => a + v, 0) / m.length;
        expect(Math.abs(kept - (1 - r))).toBeLessThan(0.04);
        xv.forEach((v, i) => expect(yv[i]).toBe(m[i] ? Math.fround(v / Math.fround(1 - r)) : 0));
      }
    });
  }
});

describe('range on f16 / bf16', () => {
  for (const dt of ['f16', 'bf16']) {
    test(`${dt} scalars given as data are float data symbols`, () => {
      const text = oneOp(`%a: ${dt}[], %b: ${dt}[], %d: ${dt}[]`, 'range(%a, %b, %d)', ['y']);
      expect(resultDims(text)).toEqual(['max(ceildiv(-%a[f0]+%b[f0],%d[f0]),0)']);
    });
    // Given as graph-input data: the runtimes decode the scalars' bits to bind the length.
    const dataText = oneOp(`%a: ${dt}[], %b: ${dt}[], %d: ${dt}[]`, 'range(%a, %b, %d)', ['y']);
    const sc = (v: number): Tensor => tensorFrom(dt as Tensor['dtype'], [], [v]);
    eachBackend(`range ${dt} (data operands)`, dataText, [[sc(1.5), sc(12.25), sc(1.625)], [sc(-2), sc(3), sc(0.5)], [sc(4), sc(-4), sc(-1.5)]], 0, 0);
    // And constant operands (the length then static).
    const text = `module @m {
  func @main(%x: ${dt}[1]) -> (%y: ${dt}[7]) {
    %a = const {value = dense<1.5> : ${dt}[]} : ${dt}[]
    %b = const {value = dense<12.25> : ${dt}[]} : ${dt}[]
    %d = const {value = dense<1.625> : ${dt}[]} : ${dt}[]
    %y = range(%a, %b, %d) : ${dt}[7]
    return %y
  }
}`;
    eachBackend(`range ${dt} (constant operands)`, text, [[{ dtype: dt as Tensor['dtype'], shape: [1], data: Float32Array.from([0]) }]], 0, 0);
  }
});

describe('shape rules over data symbols agree with the interpreter', () => {
  const bindOf = (inputs: Record<string, number>) => (s: string): number | undefined => {
    const m = /^%(\w+)\[f?(\d+)\]$/.exec(s);
    return m ? inputs[m[1]!] : undefined;
  };
  test('stft frames and bins', () => {
    const text = oneOp('%x: f32[1,40,1], %step: i64[], %len: i64[]', 'stft(%x, %step, none, %len) {onesided = 1}', ['y']);
    const d = resultDims(text);
    fc.assert(fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), (step, len) => {
      const want = interp(text, [rand([1, 40, 1], 1), i64([], [step]), i64([], [len])])[0]!.shape;
      expect(d.map((x) => evalDim(x, bindOf({ step, len })))).toEqual(want);
    }), { numRuns: 60 });
  });
  test('dft with axis and dft_length as data', () => {
    fc.assert(fc.property(fc.constantFrom(-4, -3, -2, 0, 1, 2), fc.integer({ min: 1, max: 9 }), fc.boolean(), fc.boolean(), (axis, len, inverse, onesided) => {
      const text = oneOp('%x: f32[2,3,5,2], %a: i64[], %n: i64[]', `dft(%x, %n, %a) {inverse = ${inverse ? 1 : 0}, onesided = ${onesided ? 1 : 0}}`, ['y']);
      const want = interp(text, [rand([2, 3, 5, 2], 2), i64([], [axis]), i64([], [len])])[0]!.shape;
      expect(resultDims(text).map((x) => evalDim(x, bindOf({ a: axis, n: len })))).toEqual(want);
    }), { numRuns: 60 });
  });
});

describe('every data-sized model', () => {
  test('stft on wasm matches the interpreter for all frame steps and lengths (one compiled model)', async () => {
    const text = oneOp('%x: f32[2,23,1], %step: i64[], %len: i64[]', 'stft(%x, %step, none, %len)', ['y']);
    const run = await wasmRunner(text), x = rand([2, 23, 1], 31);
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 23 }), fc.integer({ min: 1, max: 23 }), async (step, len) => {
      const inputs = [x, i64([], [step]), i64([], [len])];
      expectClose(await run(inputs), interp(text, inputs), 1e-4, 1e-5);
    }), { numRuns: 40 });
  });
  test('compiles byte-identically twice, and naga accepts every webgpu shader', async () => {
    for (const t of gpuTexts) expect(compileText(t).shaders).toEqual(compileText(t).shaders);
    const m = (t: string) => compileWasm(parseModule(t, { file: 'test.ir' }), { passes: 'fuse', verifyEach: true });
    for (const t of gpuTexts) expect(Buffer.from((await m(t)).wasm).equals(Buffer.from((await m(t)).wasm))).toBe(true);
    expect(await nagaErrors(gpuTexts.map((t, i) => ({ name: `m${i}`, c: compileText(t) })))).toEqual([]);
  }, 60_000);
});
