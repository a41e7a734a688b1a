// kernels/data-sized-a.ts (NonZero, Compress: result sizes counted at run time) on Dawn +
// SwiftShader, compared exactly with the interpreter (floats bit for bit, -0 apart from 0, NaN
// with NaN): fast-check over random shapes (ranks 1..4, dims 0, 1, primes, > 256 elements so
// several 256-element chunks run) and dtypes with many zeros (+-0 false, NaN and subnormals
// true); compress with/without (negative) axis, a shorter and a longer condition, a constant one;
// counted results feeding transpose, gather_nd, reshape -1, reduce, compress and nonzero again
// and returned; zero counts and count == bound; symbolic input dims at several sizes on one
// loaded model; Tint, naga and byte-identical compiles. NonZero of a 0-D input and Compress
// along an axis beside a static 0 dim run too (a counting op always dispatches).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DType } from '../../../ir/dtype.js';
import { type Tensor, tensorFrom } from '../../../ir/tensor.js';
import type { CompiledWebGpu } from '../../../src/backends/webgpu/index.js';
import { fromRunTensor, toRunTensor } from '../../../src/conformance/feeds.js';
import { instantiateWebGpu } from '../../../src/runtime/webgpu.js';
import { expectExact, mod, ty } from '../wasm/dtype-helpers.js';
import { interpText } from '../wasm/helpers.js';
import { compileText, gpuDevice, runCompiled, validateShaders } from './helpers.js';
import { nagaErrors } from './naga-run.js';

/** Same shapes, dtypes and values: floats bit-exact up to NaN payloads (-0 is not 0). */
const expectSame = (got: readonly Tensor[], want: readonly Tensor[], what: string): void => expectExact(got, want, true, what);

const compiled = new Map<string, CompiledWebGpu>();
const compileOnce = (text: string, passes = 'fuse'): CompiledWebGpu => {
  const key = `${passes}\n${text}`;
  let c = compiled.get(key);
  if (!c) { c = compileText(text, passes); compiled.set(key, c); }
  return c;
};
async function checkText(text: string, inputs: Tensor[], what: string, want = interpText(text, inputs)): Promise<Tensor[]> {
  const got = await runCompiled(compileOnce(text), inputs);
  expectSame(got, want, what);
  return got;
}

/** One loaded model run on several input sets (counts vary run by run). */
async function loaded(text: string, passes = 'fuse'): Promise<(inputs: Tensor[]) => Promise<Tensor[]>> {
  const c = compileOnce(text, passes);
  const m = await instantiateWebGpu(c.manifest, c.shaders.map((s) => s.code), c.weights, await gpuDevice());
  return async (inputs) => {
    const out = await m.run(Object.fromEntries(c.manifest.inputs.map((inp, i) => [inp.name, toRunTensor(inputs[i]!)])));
    return c.manifest.outputs.map((o) => fromRunTensor(o.dtype as DType, out[o.name]!));
  };
}

// Value pools, half of them zeros. f64 is computed in f32 on the GPU (storage.ts), so its pool
// stays inside f32's range; 64-bit integers inside 32 bits (the runtime refuses inputs beyond).
const FLOATS = [0, 0, -0, 0, 0, 1.5, -2, NaN, 2 ** -20, Infinity];
const POOLS: Record<string, readonly (number | bigint)[]> = {
  f32: [...FLOATS, 1e-40, -1e-45], f16: [...FLOATS, 2 ** -24], bf16: [...FLOATS, 1e-40], f64: FLOATS,
  f8e4m3fn: [0, -0, 0, 0, 1, -2, NaN], i8: [0, 0, 0, 1, -1, -128], u8: [0, 0, 0, 1, 255], i16: [0, 0, 0, -1, 256],
  i32: [0, 0, 0, -1, 65536, -2147483648], u32: [0, 0, 0, 7, 2 ** 31], i64: [0n, 0n, 0n, -1n, 2147483647n, -2147483648n],
  u64: [0n, 0n, 0n, 3n, 4294967295n], bool: [0, 0, 1], i4: [0, 0, -8, 7],
};
const DTYPES = Object.keys(POOLS);

function data(dtype: string, shape: readonly number[], pick: readonly number[], zeros = 0): Tensor {
  const pool = POOLS[dtype]!;
  const n = shape.reduce((a, b) => a * b, 1);
  // zeros in [0, 1]: that share of elements forced to zero on top of the pool's own.
  const vals = Array.from({ length: n }, (_v, i) => {
    const r = pick[i % pick.length]! + i * 7919;
    return (r % 100) < zeros * 100 ? pool[0]! : pool[r % pool.length]!;
  });
  return tensorFrom(dtype as DType, shape, vals as never);
}

const DIMS = [0, 1, 1, 2, 3, 5, 7, 17, 19];
const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
const shapeArb = (minRank: number, maxRank: number): fc.Arbitrary<number[]> =>
  fc.array(fc.constantFrom(...DIMS), { minLength: minRank, maxLength: maxRank }).filter((s) => numel(s) <= 1200);
// Shapes of several chunks (and a chunk boundary exactly).
const BIG: readonly number[][] = [[256], [257], [17, 19], [2, 3, 5, 11], [1, 600], [3, 1, 7, 17], [300, 2], [2, 300, 1]];
const pickArb = fc.array(fc.nat({ max: 1 << 20 }), { minLength: 1, maxLength: 64 });

const nonzeroText = (dtype: string, shape: readonly (number | string)[]): string =>
  mod(`%x: ${ty(dtype, shape)}`, `%y: i64[${shape.length},?]`, [`%y = nonzero(%x) : i64[${shape.length},?]`], '%y');

function compressText(dtype: string, shape: readonly (number | string)[], cdt: string, len: number | string, axis: number | undefined): string {
  const out = axis === undefined ? ['?'] : shape.map((d, i) => (i === (axis + shape.length) % shape.length ? '?' : d));
  const attrs = axis === undefined ? '' : ` {axis = ${axis}}`;
  return mod(`%x: ${ty(dtype, shape)}, %c: ${ty(cdt, [len])}`, `%y: ${ty(dtype, out)}`, [`%y = compress(%x, %c)${attrs} : ${ty(dtype, out)}`], '%y');
}

describe('webgpu nonzero', () => {
  it('matches the interpreter on random shapes (rank 1..4, empty, several chunks) and dtypes', async () => {
    const shapes = fc.oneof({ arbitrary: shapeArb(0, 4), weight: 4 }, { arbitrary: fc.constantFrom(...BIG), weight: 1 });
    await fc.assert(fc.asyncProperty(fc.constantFrom(...DTYPES), shapes, pickArb, fc.constantFrom(0, 0.5, 0.9, 1), async (dt, shape, pick, zeros) => {
      await checkText(nonzeroText(dt, shape), [data(dt, shape, pick, zeros)], `${dt}[${shape}] zeros ${zeros}`);
    }), { numRuns: 40, seed: 1234 });
  }, 60_000);

  it('-0 is zero, NaN and subnormals are not; all zero gives count 0; none zero gives count = bound', async () => {
    const x = tensorFrom('f32', [2, 4], [-0, 0, NaN, 1e-45, -1e-40, 0, -Infinity, -0]);
    expect((await checkText(nonzeroText('f32', [2, 4]), [x], 'specials'))[0]!.shape).toEqual([2, 4]);
    expect((await checkText(nonzeroText('f16', [3, 4]), [tensorFrom('f16', [3, 4], new Array(12).fill(-0))], 'all zero'))[0]!.shape).toEqual([2, 0]);
    const full = tensorFrom('i32', [2, 3, 5, 11], Array.from({ length: 330 }, (_v, i) => i - 400));
    expect((await checkText(nonzeroText('i32', [2, 3, 5, 11]), [full], 'full'))[0]!.shape).toEqual([4, 330]);
  });

  it('symbolic dims: one loaded model runs several sizes (counts up and down, empty, several chunks)', async () => {
    const text = nonzeroText('f32', ['n', 'm']);
    const run = await loaded(text);
    for (const [s, seed] of [[[3, 5], 1], [[17, 19], 2], [[0, 4], 3], [[1, 1], 4], [[2, 300], 5], [[2, 3], 6]] as const) {
      const x = data('f32', s, [seed * 31, seed * 17 + 3], 0.5);
      expectSame(await run([x]), interpText(text, [x]), `[${s}]`);
    }
  });
});

describe('webgpu compress', () => {
  const XDT = ['u8', 'bool', 'f16', 'i16', 'f32', 'i32', 'i64', 'bf16', 'u64'];
  const CDT = ['bool', 'bool', 'bool', 'i64', 'f32', 'u8'];
  const cases = fc.record({
    dt: fc.constantFrom(...XDT), cdt: fc.constantFrom(...CDT), shape: fc.oneof({ arbitrary: shapeArb(0, 3), weight: 3 }, { arbitrary: fc.constantFrom(...BIG), weight: 2 }),
    axisPick: fc.integer({ min: -4, max: 3 }), shorten: fc.integer({ min: 0, max: 3 }), pick: pickArb, zeros: fc.constantFrom(0, 0.5, 1),
  }).map((c) => ({ ...c, axis: c.shape.length > 0 && c.axisPick >= -c.shape.length && c.axisPick < c.shape.length ? c.axisPick : undefined }))

  it('matches the interpreter with and without (negative) axis, condition as long as the axis or shorter', async () => {
    await fc.assert(fc.asyncProperty(cases, async ({ dt, cdt, shape, axis, shorten, pick, zeros }) => {
      const dim = axis === undefined ? numel(shape) : shape[(axis + shape.length) % shape.length]!;
      const len = Math.max(0, dim - shorten);
      const text = compressText(dt, shape, cdt, len, axis);
      await checkText(text, [data(dt, shape, pick), data(cdt, [len], pick.map((p) => p + 5), zeros)], `${dt}[${shape}] axis ${axis} ${cdt}[${len}]`);
    }), { numRuns: 40, seed: 4321 });
  }, 60_000);

  it('a condition longer than the axis is refused as the interpreter refuses it: at compile time when static, before the run when symbolic', async () => {
    for (const axis of [1, undefined]) {
      const dim = axis === undefined ? 12 : 4;
      const text = compressText('f32', [3, 4], 'bool', dim + 300, axis);
      expect(() => compileOnce(text)).toThrow(`condition has ${dim + 300} entries, the axis has ${dim}`);
    }
    const sym = compressText('f32', [3, 4], 'bool', 'k', 1);
    const cond = tensorFrom('bool', [6], [1, 0, 1, 1, 1, 1]);
    await expect(runCompiled(compileOnce(sym), [data('f32', [3, 4], [9, 4, 1]), cond])).rejects.toThrow(/is longer than the axis/);
  });

  it('a constant condition (static result shape) runs the same kernel', async () => {
    const text = mod('%x: f32[4,3]', '%y: f32[4,2]', ['%c = const {value = dense<[0, 1, 1]> : bool[3]} : bool[3]', '%y = compress(%x, %c) {axis = -1} : f32[4,2]'], '%y');
    expect(compileOnce(text).manifest.counted).toBeUndefined();
    expect((await checkText(text, [data('f32', [4, 3], [3, 8])], 'const'))[0]!.shape).toEqual([4, 2]);
  });

  it('symbolic input and condition dims: one loaded model, several sizes, zero and full counts', async () => {
    for (const axis of [0, 1, -1]) {
      const text = compressText('i64', ['n', 'm'], 'bool', 'k', axis);
      const run = await loaded(text);
      for (const [n, m, k, zeros] of [[5, 3, 5, 0.5], [300, 2, 290, 0.3], [2, 3, 0, 0], [4, 4, 4, 0], [13, 11, 11, 1], [7, 260, 260, 0.5]] as const) {
        const dim = axis === 0 ? n : m;
        const ins = [data('i64', [n, m], [n, m, k]), data('bool', [Math.min(k, dim)], [k + 1, 3], zeros)];
        expectSame(await run(ins), interpText(text, ins), `axis ${axis} [${n},${m}] k ${k}`);
      }
    }
  }, 30_000);
});

// Counted results feeding other ops, returned, and two counted ops in one model (the second
// bounded by the first).
const CHAIN = mod('%x: f32[n,m], %c: bool[n]', '%nz: i64[2,?], %t: i64[?,2], %g: f32[?], %s: f32[], %fl: i64[?], %k: f32[?,m], %nz2: i64[2,?], %h: f32[?], %row: i64[?], %sh: i64[2]', [
  '%nz = nonzero(%x) : i64[2,?]',
  '%t = transpose(%nz) {perm = [1, 0]} : i64[?,2]',
  '%g = gather_nd(%x, %t) : f32[?]',
  '%s = reduce_sum(%g) {keepdims = 0} : f32[]',
  '%m1 = const {value = dense<[-1]> : i64[1]} : i64[1]',
  '%fl = reshape(%nz, %m1) : i64[?]',
  '%k = compress(%x, %c) {axis = 0} : f32[?,m]',
  '%nz2 = nonzero(%k) : i64[2,?]',
  '%one = const {value = dense<1> : f32[]} : f32[]',
  '%gt = greater(%g, %one) : bool[?]',
  '%h = compress(%g, %gt) : f32[?]',
  '%i1 = const {value = dense<1> : i64[]} : i64[]',
  '%row = gather(%nz2, %i1) {axis = 0} : i64[?]',
  '%sh = shape(%nz2) : i64[2]',
], '%nz, %t, %g, %s, %fl, %k, %nz2, %h, %row, %sh');

describe('webgpu data-sized results feeding other ops', () => {
  const inputsOf = (n: number, m: number, seed: number, zeros: number): Tensor[] => {
    const x = tensorFrom('f32', [n, m], Array.from({ length: n * m }, (_v, i) => ((i * 37 + seed * 11) % 100 < zeros * 100 ? 0 : ((i * 13 + seed) % 9) / 2 - 1.5 || 0.5)));
    return [x, tensorFrom('bool', [n], Array.from({ length: n }, (_v, i) => ((i * 7 + seed) % 5 < 3 ? 1 : 0)))];
  };
  for (const passes of ['fuse', 'O2']) {
    it(`transpose, gather_nd, reduce, reshape -1, compress of compress, nonzero of compress, gather, shape (${passes}): one loaded model, several sizes`, async () => {
      const c = compileOnce(CHAIN, passes);
      expect(c.manifest.counted?.map((x) => x.symbol).sort()).toEqual(['compress_count0', 'compress_count1', 'nonzero_count0', 'nonzero_count1']);
      const run = await loaded(CHAIN, passes);
      // Zero counts (all zero), count == bound (none zero), empty input, several chunks.
      for (const [n, m, seed, zeros] of [[3, 4, 1, 0.5], [5, 7, 2, 0], [0, 3, 3, 0.5], [6, 1, 4, 1], [17, 19, 5, 0.4], [4, 4, 6, 0.2], [20, 30, 7, 0.1]] as const) {
        const ins = inputsOf(n, m, seed, zeros);
        expectSame(await run(ins), interpText(CHAIN, ins), `${passes} [${n},${m}] zeros ${zeros}`);
      }
    }, 30_000);
  }
});

describe('webgpu data-sized-a shaders', () => {
  it('pass Tint (Dawn null backend) and naga (wgpu), and compile byte-identically twice', async () => {
    const texts = [
      nonzeroText('f32', ['n', 3, 'm']), nonzeroText('i64', [7]), nonzeroText('bool', [2, 0]), nonzeroText('f16', [5, 2, 3, 2]),
      compressText('u8', ['n', 4], 'bool', 'k', 0), compressText('f32', [2, 'n', 3], 'f32', 'k', -2), compressText('i64', ['n'], 'i32', 'k', undefined),
      compressText('bf16', [0, 3], 'bool', 0, undefined), CHAIN,
    ];
    const first = texts.map((t, i) => ({ name: `case${i}`, c: compileText(t) }));
    for (const { name, c } of first) expect(await validateShaders(c), name).toEqual([]);
    expect(await nagaErrors(first)).toEqual([]);
    texts.forEach((t, i) => expect(compileText(t).shaders.map((s) => s.code)).toEqual(first[i]!.c.shaders.map((s) => s.code)));
  }, 60_000);
});
