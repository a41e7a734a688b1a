// fast-check on Dawn + SwiftShader: einsum (random equations with diagonals, broadcast dims of 1,
// implicit outputs, ellipses; f32 and i32), det (pivoting, singular and empty matrices),
// reverse_sequence (every axis pair, negative and too-long lengths) and tf_idf_vectorizer (random
// pools with repeated n-grams, every mode, skips, short weights) from kernels/misc-a.ts against
// the interpreter; symbolic dims compiled once and run for several bindings; the shaders pass
// Tint and naga and compile to the same bytes twice; refusals name the op and the reason.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tensorFrom, type Tensor } from '../../../ir/tensor.js';
import { compileText, fmtShape, rand } from './helpers.js';
import { checkAll, checkBindings, irModule, nagaFailures } from './kernel-check.js';

const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
/** Deterministic small integers in [-span/2, span/2). */
const ints = (dtype: 'i32' | 'i64' | 'f32', shape: readonly number[], seed: number, span: number): Tensor => {
  const v = Array.from({ length: numel(shape) }, (_v, j) => (((seed >>> 0) + j * 7919 + ((j * j) % 13)) % span) - Math.floor(span / 2));
  return tensorFrom(dtype, shape, dtype === 'i64' ? v.map(BigInt) : v);
};
const DIMS = [1, 2, 3, 5, 7];

describe('webgpu misc-a kernels vs interpreter (fast-check)', () => {
  it('einsum: random equations (diagonals, broadcast 1s, implicit output), f32 and i32', async () => {
    const labels = 'abcde';
    const eqArb = fc.record({
      sizes: fc.array(fc.constantFrom(...DIMS), { minLength: 5, maxLength: 5 }),
      terms: fc.array(fc.array(fc.nat(4), { maxLength: 3 }), { minLength: 1, maxLength: 3 }),
      ones: fc.array(fc.boolean(), { minLength: 9, maxLength: 9 }),
      out: fc.option(fc.shuffledSubarray([0, 1, 2, 3, 4]), { nil: undefined }),
      dtype: fc.constantFrom('f32', 'i32'),
      seed: fc.integer(),
    });
    await fc.assert(fc.asyncProperty(eqArb, async ({ sizes, terms, ones, out, dtype, seed }) => {
      const seen = [...new Set(terms.flat())];
      const outL = out === undefined ? undefined : out.filter((l) => seen.includes(l));
      // Some dims of 1 under a longer label broadcast (not a repeated label's: a diagonal needs equal dims).
      const shapes = terms.map((t, j) => t.map((l, a) => (ones[(j * 3 + a) % 9] && t.indexOf(l) === t.lastIndexOf(l) ? 1 : sizes[l]!)));
      const size = (l: number): number => shapes.flatMap((s, j) => s.filter((_d, a) => terms[j]![a] === l)).find((d) => d !== 1) ?? 1;
      const implicit = [...new Set(terms.flat())].filter((l) => terms.flat().filter((m) => m === l).length === 1).sort();
      const yd = (outL ?? implicit).map(size);
      const eq = `${terms.map((t) => t.map((l) => labels[l]).join('')).join(',')}${outL === undefined ? '' : `->${outL.map((l) => labels[l]).join('')}`}`;
      const args = shapes.map((s, j) => `%x${j}: ${fmtShape(s, dtype)}`).join(', ');
      const text = irModule(args, [['y', fmtShape(yd, dtype)]], [
        `%y = einsum(${shapes.map((_s, j) => `%x${j}`).join(', ')}) {equation = "${eq}"} : ${fmtShape(yd, dtype)}`,
      ]);
      const inputs = shapes.map((s, j) => (dtype === 'f32' ? rand(s, seed + j) : ints('i32', s, seed + j, 9)));
      await checkAll(text, inputs, 1e-4, 1e-4);
    }), { numRuns: 20, seed: 91 });
  }, 60_000);

  it('einsum: ellipses (broadcast batch), matmul, transpose, trace, scalar, empty sum', async () => {
    const one = (args: string, yd: number[], eq: string, n: number, inputs: Tensor[]): Promise<void> =>
      checkAll(irModule(args, [['y', fmtShape(yd)]], [`%y = einsum(${Array.from({ length: n }, (_v, j) => `%x${j}`).join(', ')}) {equation = "${eq}"} : ${fmtShape(yd)}`]), inputs, 1e-4, 1e-4);
    await one('%x0: f32[2,1,3,5], %x1: f32[7,5,3]', [2, 7, 3, 3], '...ij,...jk->...ik', 2, [rand([2, 1, 3, 5], 1), rand([7, 5, 3], 2)]);
    await one('%x0: f32[3,5,5]', [3, 5], '...ii ->...i', 1, [rand([3, 5, 5], 3)]);
    await one('%x0: f32[5,5]', [], 'ii', 1, [rand([5, 5], 4)]);
    await one('%x0: f32[3,7]', [7, 3], 'ij->ji', 1, [rand([3, 7], 5)]);
    await one('%x0: f32[2,3], %x1: f32[3,5], %x2: f32[5,2]', [], 'ab,bc,ca->', 3, [rand([2, 3], 6), rand([3, 5], 7), rand([5, 2], 8)]);
    await one('%x0: f32[3,0], %x1: f32[0,2]', [3, 2], 'ij,jk', 2, [rand([3, 0], 9), rand([0, 2], 10)]);
  });

  it('inside fused chains: computed operands, elementwise ops after', async () => {
    await checkAll(irModule('%a: f32[3,4], %b: f32[4,5]', [['y', 'f32[3,5]']], [
      '%e = exp(%a) : f32[3,4]', '%m = einsum(%e, %b) {equation = "ij,jk->ik"} : f32[3,5]', '%y = neg(%m) : f32[3,5]',
    ]), [rand([3, 4], 1), rand([4, 5], 2)], 1e-4, 1e-4);
    await checkAll(irModule('%a: f32[2,3,3], %l: i64[3]', [['d', 'f32[2]'], ['r', 'f32[2,3,3]']], [
      '%e = mul(%a, %a) : f32[2,3,3]', '%d0 = det(%e) : f32[2]', '%d = exp(%d0) : f32[2]',
      '%r0 = reverse_sequence(%e, %l) {batch_axis = 1, time_axis = 0} : f32[2,3,3]', '%r = neg(%r0) : f32[2,3,3]',
    ]), [rand([2, 3, 3], 3), tensorFrom('i64', [3], [1n, 2n, 0n])], 1e-3, 1e-4);
  });

  it('einsum with symbolic dims: one compile, several bindings (1, primes)', async () => {
    const text = irModule('%a: f32["b","m",5], %b: f32[5,"n"]', [['y', 'f32["b","n","m"]']], ['%y = einsum(%a, %b) {equation = "bmk,kn->bnm"} : f32["b","n","m"]']);
    await checkBindings(text, [[rand([1, 1, 5], 1), rand([5, 1], 2)], [rand([2, 3, 5], 3), rand([5, 7], 4)], [rand([3, 11, 5], 5), rand([5, 2], 6)]], 1e-4, 1e-4);
    // A summed label under two symbols: equal, or either one 1 at run time (it broadcasts).
    const two = irModule('%a: f32[2,"k"], %b: f32["j",3]', [['y', 'f32[2,3]']], ['%y = einsum(%a, %b) {equation = "ik,kj->ij"} : f32[2,3]']);
    await checkBindings(two, [[rand([2, 5], 7), rand([5, 3], 8)], [rand([2, 1], 9), rand([5, 3], 10)], [rand([2, 7], 11), rand([1, 3], 12)]], 1e-4, 1e-4);
  });

  it('det: random batches and sizes, pivoting, singular and empty matrices', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.constantFrom(1, 2, 3), { maxLength: 2 }), fc.constantFrom(1, 2, 3, 5, 7), fc.integer(), async (batch, n, seed) => {
      const shape = [...batch, n, n];
      await checkAll(irModule(`%x: ${fmtShape(shape)}`, [['y', fmtShape(batch)]], [`%y = det(%x) : ${fmtShape(batch)}`]), [rand(shape, seed)], 1e-3, 1e-4);
    }), { numRuns: 15, seed: 92 });
    // Zero leading pivots (a row swap flips the sign), a singular matrix, a zero matrix: exact.
    const m = tensorFrom('f32', [4, 3, 3], [0, 1, 2, 1, 0, 3, 4, -3, 8, 1, 2, 3, 2, 4, 6, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0]);
    await checkAll(irModule('%x: f32[4,3,3]', [['y', 'f32[4]']], ['%y = det(%x) : f32[4]']), [m], 0, 0);
    await checkAll(irModule('%x: f32[2,0,0]', [['y', 'f32[2]']], ['%y = det(%x) : f32[2]']), [tensorFrom('f32', [2, 0, 0], [])], 0, 0);
    await checkBindings(irModule('%x: f32["b",3,3]', [['y', 'f32["b"]']], ['%y = det(%x) : f32["b"]']), [[rand([1, 3, 3], 1)], [rand([7, 3, 3], 2)]], 1e-3, 1e-4);
  }, 30_000);

  it('reverse_sequence: every axis pair, negative and too-long lengths, f32 and i64', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.constantFrom(...DIMS), { minLength: 2, maxLength: 3 }), fc.nat(5), fc.nat(5), fc.constantFrom('f32', 'i64'), fc.integer(),
      async (shape, a0, a1, dtype, seed) => {
        const rank = shape.length;
        const ba = a0 % rank, ta = (ba + 1 + (a1 % (rank - 1))) % rank;
        const T = shape[ta]!;
        const lens = Array.from({ length: shape[ba]! }, (_v, j) => BigInt((((seed >>> 0) + j * 3) % (T + 4)) - 1));
        const text = irModule(`%x: ${fmtShape(shape, dtype)}, %l: i64[${shape[ba]}]`, [['y', fmtShape(shape, dtype)]], [
          `%y = reverse_sequence(%x, %l) {batch_axis = ${ba - (seed & 1 ? rank : 0)}, time_axis = ${ta}} : ${fmtShape(shape, dtype)}`,
        ]);
        await checkAll(text, [ints(dtype, shape, seed, 1000), tensorFrom('i64', [shape[ba]!], lens)], 0, 0);
      }), { numRuns: 15, seed: 93 });
    // Elements of any width are moved unchanged (bool and u8 one word each here, f16 rounded).
    for (const dtype of ['bool', 'u8', 'f16'] as const) {
      const v = Array.from({ length: 15 }, (_v, j) => (dtype === 'bool' ? Number((j * 7) % 3 === 0) : dtype === 'u8' ? (j * 37) % 256 : j / 4 - 1));
      await checkAll(irModule(`%x: ${dtype}[3,5], %l: i32[5]`, [['y', `${dtype}[3,5]`]], [`%y = reverse_sequence(%x, %l) : ${dtype}[3,5]`]),
        [tensorFrom(dtype, [3, 5], v), tensorFrom('i32', [5], [3, 2, 1, 0, 7])], 0, 0);
    }
    const text = irModule('%x: f32["t","b",2], %l: i64["b"]', [['y', 'f32["t","b",2]']], ['%y = reverse_sequence(%x, %l) {batch_axis = 1, time_axis = 0} : f32["t","b",2]']);
    await checkBindings(text, [
      [rand([1, 1, 2], 1), tensorFrom('i64', [1], [1n])],
      [rand([5, 3, 2], 2), tensorFrom('i64', [3], [5n, 2n, 0n])],
      [rand([7, 2, 2], 3), tensorFrom('i64', [2], [9n, -3n])],
    ], 0, 0);
  }, 30_000);

  it('tf_idf_vectorizer: random pools (repeated n-grams), every mode, skips, short weights', async () => {
    const arb = fc.record({
      uni: fc.array(fc.nat(4), { maxLength: 4 }),
      bi: fc.array(fc.nat(4), { maxLength: 6 }),
      tri: fc.array(fc.nat(4), { maxLength: 6 }),
      minN: fc.integer({ min: 1, max: 3 }), maxN: fc.integer({ min: 1, max: 3 }),
      skip: fc.nat(3), mode: fc.constantFrom('TF', 'IDF', 'TFIDF'), weights: fc.constantFrom('none', 'full', 'short'),
      rows: fc.constantFrom(0, 1, 2, 3), len: fc.constantFrom(1, 2, 3, 5, 7, 11), dtype: fc.constantFrom('i32', 'i64'), seed: fc.integer(),
    });
    await fc.assert(fc.asyncProperty(arb, async ({ uni: uni0, bi, tri, minN, maxN, skip, mode, weights, rows, len, dtype, seed }) => {
      const b2 = bi.slice(0, bi.length - (bi.length % 2)), t3 = tri.slice(0, tri.length - (tri.length % 3));
      // A pool needs at least one n-gram: an all-empty draw gets one unigram, so every case runs.
      const uni = uni0.length + b2.length + t3.length === 0 ? [seed & 3] : uni0;
      const pool = [...uni, ...b2, ...t3];
      const grams = uni.length + b2.length / 2 + t3.length / 3;
      // Indexes may repeat (two n-grams counted into one column).
      const idx = Array.from({ length: grams }, (_v, j) => ((seed >>> 0) + j * 5) % (grams + 1));
      const out = Math.max(...idx) + 1;
      const w = weights === 'none' ? [] : Array.from({ length: weights === 'full' ? out : Math.max(1, out - 2) }, (_v, j) => j * 0.5 + 0.25);
      const xd = rows === 0 ? [len] : [rows, len];
      const yd = rows === 0 ? [out] : [rows, out];
      const attrs = [`max_gram_length = ${maxN}`, `max_skip_count = ${skip}`, `min_gram_length = ${minN}`, `mode = "${mode}"`,
        `ngram_counts = [0, ${uni.length}, ${uni.length + b2.length}]`, `ngram_indexes = [${idx.join(', ')}]`, `pool_int64s = [${pool.join(', ')}]`,
        ...(w.length ? [`weights = [${w.join(', ')}]`] : [])];
      const text = irModule(`%x: ${fmtShape(xd, dtype)}`, [['y', fmtShape(yd)]], [`%y = tf_idf_vectorizer(%x) {${attrs.join(', ')}} : ${fmtShape(yd)}`]);
      await checkAll(text, [shiftTokens(ints(dtype, xd, seed, 5))], 0, 0);
    }), { numRuns: 20, seed: 94 });
  }, 60_000);

  it('tf_idf_vectorizer with a symbolic row length', async () => {
    const text = irModule('%x: i64[2,"n"]', [['y', 'f32[2,4]']], [
      '%y = tf_idf_vectorizer(%x) {max_gram_length = 2, max_skip_count = 2, min_gram_length = 1, mode = "TFIDF", ngram_counts = [0, 2], ngram_indexes = [0, 1, 2, 3], pool_int64s = [1, 2, 1, 2, 2, 2], weights = [0.5, 1.5, 2.5, 3.5]} : f32[2,4]',
    ]);
    const tok = (n: number, seed: number): Tensor => shiftTokens(ints('i64', [2, n], seed, 5));
    await checkBindings(text, [[tok(1, 1)], [tok(5, 2)], [tok(13, 3)]], 0, 0);
    // An empty row still gives its row of zeros.
    await checkAll(text.replace(/"n"/g, '0'), [tensorFrom('i64', [2, 0], [])], 0, 0);
  });

  it('the shaders pass naga', async () => {
    expect(await nagaFailures()).toEqual([]);
  }, 60_000);
});

/** Tokens in [0, 5) (ints() centres its range on 0). */
function shiftTokens(t: Tensor): Tensor {
  const d = Array.from(t.data as ArrayLike<number | bigint>, (v) => Number(v) + 2);
  return tensorFrom(t.dtype, t.shape, t.dtype === 'i64' ? d.map(BigInt) : d);
}

describe('webgpu misc-a refusals', () => {
  const refuses = (text: string, message: RegExp): void => expect(() => compileText(text)).toThrow(message);
  it('names the op and the reason', () => {
    refuses(irModule('%x: f32[2,40,40]', [['y', 'f32[2]']], ['%y = det(%x) : f32[2]']), /det: matrices of 40x40 exceed/);
    refuses(irModule('%x: f32[2,"n","n"]', [['y', 'f32[2]']], ['%y = det(%x) : f32[2]']), /det: the webgpu backend needs static square matrices/);
    refuses(irModule('%x: i32[2,2]', [['y', 'i32[]']], ['%y = det(%x) : i32[]']), /det on i32 is not supported/);
    refuses(irModule('%x: bool[2,2]', [['y', 'bool[2]']], ['%y = einsum(%x) {equation = "ii->i"} : bool[2]']), /einsum on bool is not supported/);
    refuses(irModule('%x: f32[2,3]', [['y', 'f32[2,4]']], [
      '%y = tf_idf_vectorizer(%x) {max_gram_length = 1, max_skip_count = 0, min_gram_length = 1, mode = "TF", ngram_counts = [0], ngram_indexes = [0, 3], pool_int64s = [1, 2]} : f32[2,4]',
    ]), /tf_idf_vectorizer on f32 tokens is not supported/);
    refuses(irModule('%x: i64[2,3]', [['y', 'f32[2,1]']], [
      '%y = tf_idf_vectorizer(%x) {max_gram_length = 1, max_skip_count = 0, min_gram_length = 1, mode = "TF", ngram_counts = [0], ngram_indexes = [0], pool_int64s = [8589934592]} : f32[2,1]',
    ]), /pool token 8589934592 does not fit in 32 bits/);
  });
});
