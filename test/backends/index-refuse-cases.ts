// Shared by the wasm and webgpu index-refuse tests: the fast-check case generators (valid
// in-range indices, negative ones included, and the same indices with one replaced by an
// out-of-range value), the deterministic data and the refusal message. Each backend's test keeps
// its own runner, its own module builder and its own numRuns/seed.

import fc from 'fast-check';
import { tensorFrom, type Tensor } from '../../ir/tensor.js';

export const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
export const i64 = (shape: readonly number[], v: readonly (number | bigint)[]): Tensor => tensorFrom('i64', shape, v.map(BigInt));
const fmt = (s: readonly number[], dtype = 'f32'): string => `${dtype}[${s.join(',')}]`;

/** An out-of-range index for a dim of size n: n + d - 1 for d > 0, -n + d for d < 0 (d != 0). */
export const outside = (n: number, d: number): number => (d > 0 ? n + d - 1 : -n + d);
export const bad = fc.integer({ min: -4, max: 4 }).filter((d) => d !== 0);

/** A one-result module `@main(args) -> (%y: result)`. */
export const oneResultModule = (args: string, result: string, body: readonly string[]): string =>
  ['module @m {', `  func @main(${args}) -> (%y: ${result}) {`, ...body.map((l) => `    ${l}`), '    return %y', '  }', '}'].join('\n');

/** Deterministic values in [-1, 1) (the same sequence as webgpu/helpers.ts rand). */
export function rand(shape: readonly number[], seed: number): Tensor {
  let s = seed >>> 0 || 1;
  return tensorFrom('f32', shape, Array.from({ length: size(shape) }, () => {
    s = (s * 1103515245 + 12345) >>> 0;
    return ((s >>> 8) / 2 ** 24) * 2 - 1;
  }));
}

/** In-range indices for dims `ds` (cycled), negative ones included. */
export const inRange = (count: number, ds: readonly number[], seed: number): number[] =>
  Array.from({ length: count }, (_v, q) => {
    const d = ds[q % ds.length]!;
    return (((seed >>> 0) + q * 7) % (2 * d)) - d;
  });

/** The runtime's refusal of index `j` for a dim of size `n` by `op %y` at test.ir:`line`:5. */
export const refusal = (op: string, j: number | bigint, n: number, line = 3, from0 = false): RegExp =>
  new RegExp(`^tenth runtime: ${op} %y at test\\.ir:${line}:5: index ${j} is out of range for a dim of size ${n} \\(valid: ${from0 ? 0 : -n} to ${n - 1}\\)$`);

/** One generated case: `%y = <line>` over inputs `args`; `wrong` differs from `valid` by index j (dim size n). */
export interface RefuseCase { readonly op: string; readonly args: string; readonly result: string; readonly line: string; readonly valid: Tensor[]; readonly wrong: Tensor[]; readonly j: number; readonly n: number }

type Dims = fc.Arbitrary<number[]>;

export function gatherElementsCases(dim: fc.Arbitrary<number>): fc.Arbitrary<RefuseCase> {
  return fc.tuple(fc.array(dim, { minLength: 1, maxLength: 3 }) as Dims, fc.nat(), fc.integer({ min: 1, max: 3 }), fc.nat(), bad, fc.integer()).map(([xd, ax, m, at, d, seed]) => {
    const axis = ax % xd.length, n = xd[axis]!;
    const id = xd.map((x, a) => (a === axis ? m : x));
    const idx = inRange(size(id), [n], seed);
    const wrong = [...idx];
    wrong[at % idx.length] = outside(n, d);
    return { op: 'gather_elements', args: `%x: ${fmt(xd)}, %i: ${fmt(id, 'i64')}`, result: fmt(id), line: `%y = gather_elements(%x, %i) {axis = ${axis}} : ${fmt(id)}`,
      valid: [rand(xd, seed), i64(id, idx)], wrong: [rand(xd, seed), i64(id, wrong)], j: outside(n, d), n };
  });
}

/** gather_nd with batch_dims 0 and 1. */
export function gatherNdCases(dim: fc.Arbitrary<number>): fc.Arbitrary<RefuseCase> {
  return fc.tuple(fc.array(dim, { minLength: 2, maxLength: 3 }) as Dims, fc.nat(1), fc.nat(2), fc.integer({ min: 1, max: 3 }), fc.nat(), bad, fc.integer()).map(([xd, bd, k0, tuples, at, d, seed]) => {
    const kk = 1 + (k0 % (xd.length - bd));
    const id = [...xd.slice(0, bd), tuples, kk];
    const yd = [...id.slice(0, -1), ...xd.slice(bd + kk)];
    const idx = inRange(size(id), xd.slice(bd, bd + kk), seed);
    const p = at % idx.length, n = xd[bd + (p % kk)]!;
    const wrong = [...idx];
    wrong[p] = outside(n, d);
    return { op: 'gather_nd', args: `%x: ${fmt(xd)}, %i: ${fmt(id, 'i64')}`, result: fmt(yd), line: `%y = gather_nd(%x, %i) {batch_dims = ${bd}} : ${fmt(yd)}`,
      valid: [rand(xd, seed), i64(id, idx)], wrong: [rand(xd, seed), i64(id, wrong)], j: outside(n, d), n };
  });
}

/** scatter_nd with the given reductions, up to `maxTuples` index tuples. */
export function scatterNdCases(dim: fc.Arbitrary<number>, maxTuples: number, reductions: readonly string[]): fc.Arbitrary<RefuseCase> {
  return fc.tuple(fc.array(dim, { minLength: 1, maxLength: 3 }) as Dims, fc.nat(2), fc.integer({ min: 1, max: maxTuples }), fc.constantFrom(...reductions), fc.nat(), bad, fc.integer()).map(([xd, k0, tuples, red, at, d, seed]) => {
    const kk = 1 + (k0 % xd.length);
    const ud = [tuples, ...xd.slice(kk)];
    const idx = inRange(tuples * kk, xd.slice(0, kk), seed);
    const p = at % idx.length, n = xd[p % kk]!;
    const wrong = [...idx];
    wrong[p] = outside(n, d);
    // Reduction none with repeated indices: the last update wins (the interpreter's choice).
    return { op: 'scatter_nd', args: `%x: ${fmt(xd)}, %i: i64[${tuples},${kk}], %u: ${fmt(ud)}`, result: fmt(xd), line: `%y = scatter_nd(%x, %i, %u) {reduction = "${red}"} : ${fmt(xd)}`,
      valid: [rand(xd, seed), i64([tuples, kk], idx), rand(ud, seed + 1)], wrong: [rand(xd, seed), i64([tuples, kk], wrong), rand(ud, seed + 1)], j: outside(n, d), n };
  });
}

/** scatter_elements along any axis with the given reductions. */
export function scatterElementsCases(dim: fc.Arbitrary<number>, reductions: readonly string[]): fc.Arbitrary<RefuseCase> {
  return fc.tuple(fc.array(dim, { minLength: 1, maxLength: 3 }) as Dims, fc.nat(), fc.integer({ min: 1, max: 3 }), fc.constantFrom(...reductions), fc.nat(), bad, fc.integer()).map(([xd, ax, m, red, at, d, seed]) => {
    const axis = ax % xd.length, n = xd[axis]!;
    const id = xd.map((x, a) => (a === axis ? m : x));
    const idx = inRange(size(id), [n], seed);
    const wrong = [...idx];
    wrong[at % idx.length] = outside(n, d);
    return { op: 'scatter_elements', args: `%x: ${fmt(xd)}, %i: ${fmt(id, 'i64')}, %u: ${fmt(id)}`, result: fmt(xd),
      line: `%y = scatter_elements(%x, %i, %u) {axis = ${axis}, reduction = "${red}"} : ${fmt(xd)}`,
      valid: [rand(xd, seed), i64(id, idx), rand(id, seed + 1)], wrong: [rand(xd, seed), i64(id, wrong), rand(id, seed + 1)], j: outside(n, d), n };
  });
}

/**
 * tensor_scatter (linear) write positions for B rows of a maxSeq cache: in-range `writes` for an
 * update of `seq` rows, the same with row `at % B` moved to start outside, and `first`, the first
 * position written outside.
 */
export function tensorScatterWrites(B: number, maxSeq: number, seq0: number, at: number, by: number, below: boolean, seed: number): { seq: number; writes: number[]; wrong: number[]; first: number } {
  const seq = 1 + (seq0 % maxSeq);
  const writes = Array.from({ length: B }, (_v, b) => ((seed >>> 0) + b) % (maxSeq - seq + 1));
  // The first position written outside: the start itself when negative, else the first past the end.
  const w = below ? -by : maxSeq - seq + by;
  const first = below ? w : Math.max(w, maxSeq);
  const wrong = [...writes];
  wrong[at % B] = w;
  return { seq, writes, wrong, first };
}
