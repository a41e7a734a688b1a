// NonZero and Compress through the WASM backend (kernels/data-sized-a.ts): the result size is
// counted by the kernel at run time (src/backends/data-dims.ts). Every case is compared exactly
// with the interpreter: random shapes (ranks 0..4, dims 0, 1, primes) and dtypes with many
// zeros (+-0, NaN, subnormals), compress with/without (negative) axis and a shorter condition,
// counted results feeding other ops, two counted ops in one model, symbolic input dims at
// several sizes on one instance, the threaded module, and an ONNX Greater->NonZero->GatherND model.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Module } from '../../../ir/ir.js';
import { interpret } from '../../../ir/interp.js';
import { parseModule } from '../../../ir/parser.js';
import { tensorFrom, type Tensor } from '../../../ir/tensor.js';
import type { DType } from '../../../ir/dtype.js';
import { fromRunTensor, toRunTensor } from '../../../src/conformance/feeds.js';
import { compileWasm, type CompiledWasm } from '../../../src/backends/wasm/index.js';
import { importOnnxBytes } from '../../../src/onnx/import.js';
import { buildModel, type ModelSpec } from '../../../src/onnx/writer.js';
import { instantiateCompiled, type CompiledModel, type RunTensor } from '../../../src/runtime/index.js';
import { expectExact, mod, rng, ty } from './dtype-helpers.js';



async function compileText(text: string, threads = false, passes = 'fuse'): Promise<CompiledWasm> {
  return compileWasm(parseModule(text, { file: 'test.ir' }), { passes, verifyEach: true, ...(threads ? { threads: true, threadMinWork: 0 } : {}) });
}

async function runOn(cm: CompiledModel, c: CompiledWasm, inputs: readonly Tensor[]): Promise<Tensor[]> {
  const feed: Record<string, RunTensor> = {};
  c.manifest.inputs.forEach((inp, i) => (feed[inp.name] = toRunTensor(inputs[i]!)));
  const out = await cm.run(feed);
  return c.manifest.outputs.map((o) => fromRunTensor(o.dtype as DType, out[o.name]!));
}

/** Compile, run once, compare exactly with the interpreter. */
async function check(text: string, inputs: readonly Tensor[]): Promise<Tensor[]> {
  const c = await compileText(text);
  const got = await runOn(await instantiateCompiled(c.manifest, c.wasm, c.weights), c, inputs);
  const want = interpret(parseModule(text, { file: 'test.ir' }), [...inputs]);
  expectExact(got, want);
  return got;
}

// Value pools with many zeros; -0 must count as zero, NaN and subnormals as nonzero.
const FLOATS = [0, 0, -0, 0, 1.5, -2, NaN, 2 ** -20, Infinity];
const POOLS: Record<string, readonly number[]> = {
  f32: [...FLOATS, 1e-40], f64: [...FLOATS, 5e-324], f16: FLOATS, bf16: [...FLOATS, 1e-40],
  f8e4m3fn: [0, -0, 0, 1, -2, NaN], f8e4m3fnuz: [0, -0, 0, 1, -2, NaN], f8e5m2: [0, -0, 0, 1, -2, NaN, 2 ** -16], f4e2m1: [0, -0, 0, 1, -0.5],
  i8: [0, 0, 1, -1, -128], u8: [0, 0, 1, 255], i16: [0, 0, 1, -1, 256], u16: [0, 0, 65535, 256], i32: [0, 0, -1, 65536], u32: [0, 0, 7, 2 ** 31],
  i64: [0, 0, -1, 2 ** 40], u64: [0, 0, 3, 2 ** 33], bool: [0, 0, 1], i4: [0, 0, -8, 7], u2: [0, 0, 3],
};
const DTYPES = Object.keys(POOLS) as DType[];

function data(dt: DType, shape: readonly number[], seed: number): Tensor {
  const r = rng(seed), pool = POOLS[dt]!;
  const n = shape.reduce((a, b) => a * b, 1);
  return tensorFrom(dt, shape, Array.from({ length: n }, () => pool[Math.floor(r() * pool.length)]!));
}

const DIMS = [0, 1, 1, 2, 3, 5, 7];
const shapeArb = (minRank: number): fc.Arbitrary<number[]> => fc.array(fc.constantFrom(...DIMS), { minLength: minRank, maxLength: 4 });

const nonzeroText = (dt: string, shape: readonly (number | string)[]): string =>
  mod(`%x: ${ty(dt, shape)}`, `%y: i64[${shape.length},?]`, [`%y = nonzero(%x) : i64[${shape.length},?]`], '%y');

function compressText(dt: string, shape: readonly (number | string)[], cdt: string, len: number | string, axis: number | undefined): string {
  const out = axis === undefined ? ['?'] : shape.map((d, i) => (i === (axis + shape.length) % shape.length ? '?' : d));
  const attrs = axis === undefined ? '' : ` {axis = ${axis}}`;
  return mod(`%x: ${ty(dt, shape)}, %c: ${ty(cdt, [len])}`, `%y: ${ty(dt, out)}`, [`%y = compress(%x, %c)${attrs} : ${ty(dt, out)}`], '%y');
}

describe('wasm nonzero', () => {
  it('matches the interpreter on random shapes (rank 0..4, empty) and every stored dtype', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom(...DTYPES), shapeArb(0), fc.integer({ min: 1, max: 1e6 }), async (dt, shape, seed) => {
      await check(nonzeroText(dt, shape), [data(dt, shape, seed)]);
    }), { numRuns: 60 });
  });

  it('0-D input gives [0, n]; all zero gives count 0; all nonzero gives count = bound', async () => {
    expect((await check(nonzeroText('f32', []), [tensorFrom('f32', [], [NaN])]))[0]!.shape).toEqual([0, 1]);
    expect((await check(nonzeroText('f32', []), [tensorFrom('f32', [], [-0])]))[0]!.shape).toEqual([0, 0]);
    expect((await check(nonzeroText('f16', [3, 4]), [tensorFrom('f16', [3, 4], new Array(12).fill(-0))]))[0]!.shape).toEqual([2, 0]);
    const full = await check(nonzeroText('i32', [2, 3, 5]), [tensorFrom('i32', [2, 3, 5], Array.from({ length: 30 }, (_, i) => i + 1))]);
    expect(full[0]!.shape).toEqual([3, 30]);
  });

  it('symbolic dims: one instance runs several sizes (counts up and down, empty)', async () => {
    const text = nonzeroText('f32', ['n', 'm']);
    const c = await compileText(text);
    const cm = await instantiateCompiled(c.manifest, c.wasm, c.weights);
    for (const [s, seed] of [[[3, 5], 1], [[7, 2], 2], [[0, 4], 3], [[1, 1], 4], [[11, 13], 5], [[2, 3], 6]] as const) {
      const x = data('f32', s, seed);
      expectExact(await runOn(cm, c, [x]), interpret(parseModule(text, { file: 't.ir' }), [x]));
    }
  });
});

describe('wasm compress', () => {
  const XDT: DType[] = ['u8', 'bool', 'f16', 'i16', 'f32', 'i32', 'f64', 'i64'];
  const CDT: DType[] = ['bool', 'bool', 'bool', 'i64', 'f32'];
  const cases = fc.record({
    dt: fc.constantFrom(...XDT), cdt: fc.constantFrom(...CDT), shape: shapeArb(0), axisPick: fc.integer({ min: -5, max: 4 }),
    shorten: fc.integer({ min: 0, max: 3 }), seed: fc.integer({ min: 1, max: 1e6 }),
  });

  it('matches the interpreter with and without (negative) axis, condition as long as the axis or shorter', async () => {
    await fc.assert(fc.asyncProperty(cases, async ({ dt, cdt, shape, axisPick, shorten, seed }) => {
      // axisPick < -rank or >= rank: no axis (flattened input).
      const axis = shape.length > 0 && axisPick >= -shape.length && axisPick < shape.length ? axisPick : undefined;
      const dim = axis === undefined ? shape.reduce((a, b) => a * b, 1) : shape[(axis + shape.length) % shape.length]!;
      const len = Math.max(0, dim - shorten);
      await check(compressText(dt, shape, cdt, len, axis), [data(dt, shape, seed), data(cdt, [len], seed + 1)]);
    }), { numRuns: 60 });
  });

  it('a condition longer than the axis is refused as the interpreter refuses it: at compile time when static, before the run when symbolic', async () => {
    await expect(compileText(compressText('f32', [3, 4], 'bool', 6, 1))).rejects.toThrow('condition has 6 entries, the axis has 4');
    const c = await compileText(compressText('f32', [3, 4], 'bool', 'k', 1));
    const cond = tensorFrom('bool', [6], [1, 0, 1, 1, 1, 1]);
    await expect(runOn(await instantiateCompiled(c.manifest, c.wasm, c.weights), c, [data('f32', [3, 4], 9), cond])).rejects.toThrow(/is longer than the axis/);
  });

  it('a constant condition (static result shape) runs the same kernel', async () => {
    const text = mod('%x: f32[4,3]', '%y: f32[4,2]', ['%c = const {value = dense<[0, 1, 1]> : bool[3]} : bool[3]', '%y = compress(%x, %c) {axis = -1} : f32[4,2]'], '%y');
    expect((await check(text, [data('f32', [4, 3], 4)]))[0]!.shape).toEqual([4, 2]);
  });

  it('symbolic input and condition dims: one instance, several sizes, zero and full counts', async () => {
    const text = compressText('i64', ['n', 3], 'bool', 'k', 0);
    const c = await compileText(text);
    const cm = await instantiateCompiled(c.manifest, c.wasm, c.weights);
    for (const [n, k, seed] of [[5, 5, 1], [7, 3, 2], [2, 0, 3], [4, 4, 4], [13, 11, 5]] as const) {
      const ins = [data('i64', [n, 3], seed), seed === 4 ? tensorFrom('bool', [k], new Array(k).fill(1)) : data('bool', [k], seed + 7)];
      expectExact(await runOn(cm, c, ins), interpret(parseModule(text, { file: 't.ir' }), ins));
    }
  });
});

// Counted results feeding other ops, two counted ops in one model (the second bounded by the first).
const CHAIN = mod('%x: f32[n,m], %c: bool[n]', '%nz: i64[2,?], %t: i64[?,2], %g: f32[?], %s: f32[], %k: f32[?,m], %nz2: i64[2,?], %h: f32[?], %cat: f32[?]', [
  '%nz = nonzero(%x) : i64[2,?]',
  '%t = transpose(%nz) {perm = [1, 0]} : i64[?,2]',
  '%g = gather_nd(%x, %t) : f32[?]',
  '%s = reduce_sum(%g) {keepdims = 0} : f32[]',
  '%k = compress(%x, %c) {axis = 0} : f32[?,m]',
  '%nz2 = nonzero(%k) : i64[2,?]',
  '%one = const {value = dense<1> : f32[]} : f32[]',
  '%gt = greater(%g, %one) : bool[?]',
  '%h = compress(%g, %gt) : f32[?]',
  '%cat = concat(%h, %g) {axis = 0} : f32[?]',
], '%nz, %t, %g, %s, %k, %nz2, %h, %cat');

describe('wasm data-sized results feeding other ops', () => {
  const sizes = [[3, 4, 1], [5, 7, 2], [0, 3, 3], [6, 1, 4], [4, 4, 5]] as const;
  const inputsOf = (n: number, m: number, seed: number): Tensor[] => {
    const r = rng(seed);
    const x = tensorFrom('f32', [n, m], Array.from({ length: n * m }, () => (r() < 0.5 ? 0 : Math.round(r() * 8 - 2) / 2)));
    return [x, tensorFrom('bool', [n], Array.from({ length: n }, () => (r() < 0.6 ? 1 : 0)))];
  };

  for (const passes of ['fuse', 'O2']) {
    it(`transpose, gather_nd, reduce, compress of compress, nonzero of compress, concat (${passes}): one instance, several sizes`, async () => {
      const c = await compileText(CHAIN, false, passes);
      expect(c.manifest.counted?.map((x) => x.symbol).sort()).toEqual(['compress_count0', 'compress_count1', 'nonzero_count0', 'nonzero_count1']);
      // Deterministic output: compiled twice, byte-identical.
      expect(Buffer.from((await compileText(CHAIN, false, passes)).wasm).equals(Buffer.from(c.wasm))).toBe(true);
      const cm = await instantiateCompiled(c.manifest, c.wasm, c.weights);
      for (const [n, m, seed] of sizes) {
        const ins = inputsOf(n, m, seed);
        expectExact(await runOn(cm, c, ins), interpret(parseModule(CHAIN, { file: 't.ir' }), ins));
      }
    });
  }

  it('the threaded module (2 threads) gives the same results', async () => {
    const c = await compileText(CHAIN, true);
    const threaded = c.threads?.find((v) => v.file === 'model-threads.wasm');
    expect(threaded).toBeDefined();
    const cm = await instantiateCompiled(c.manifest, threaded!.wasm, c.weights, { threads: 2 });
    try {
      expect(cm.threads).toBe(2);
      for (const [n, m, seed] of [...sizes, ...sizes]) {
        const ins = inputsOf(n, m, seed);
        expectExact(await runOn(cm, c, ins), interpret(parseModule(CHAIN, { file: 't.ir' }), ins));
      }
    } finally {
      await cm.dispose();
    }
  });
});

// The usual exported pattern: x[x > 0] as Greater -> NonZero -> Transpose -> GatherND.
export const MASKED_SELECT: ModelSpec = {
  opset: 17,
  inputs: [{ name: 'x', dtype: 'f32', shape: ['b', 'n'] }],
  outputs: [{ name: 'v', dtype: 'f32', shape: null }, { name: 'idx', dtype: 'i64', shape: null }, { name: 'flat', dtype: 'i64', shape: null }],
  initializers: [{ name: 'zero', tensor: tensorFrom('f32', [], [0]) }, { name: 'm1', tensor: tensorFrom('i64', [1], [-1n]) }],
  nodes: [
    { opType: 'Greater', inputs: ['x', 'zero'], outputs: ['pos'] },
    { opType: 'NonZero', inputs: ['pos'], outputs: ['nz'] },
    { opType: 'Transpose', inputs: ['nz'], outputs: ['idx'], attrs: { perm: [1, 0] } },
    { opType: 'GatherND', inputs: ['x', 'idx'], outputs: ['v'] },
    { opType: 'Reshape', inputs: ['nz', 'm1'], outputs: ['flat'] },
  ],
};

describe('wasm ONNX masked select', () => {
  it('Greater -> NonZero -> Transpose -> GatherND, Reshape -1 of the indices', async () => {
    const bytes = buildModel(MASKED_SELECT);
    const load = (): Module => importOnnxBytes(bytes, { file: 'm.onnx', baseDir: '.' });
    const c = await compileWasm(load());
    const cm = await instantiateCompiled(c.manifest, c.wasm, c.weights);
    for (const [s, seed] of [[[2, 5], 1], [[3, 1], 2], [[1, 0], 3], [[4, 7], 4]] as const) {
      const r = rng(seed);
      const x = tensorFrom('f32', s, Array.from({ length: s[0] * s[1] }, () => r() * 2 - 1));
      expectExact(await runOn(cm, c, [x]), interpret(load(), [x]));
    }
  });
});
