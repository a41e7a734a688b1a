// fast-check on Dawn + SwiftShader: top_k (largest/smallest, ties, every axis, k from 0 to the
// axis length, both results), scatter_nd (every reduction, negative and repeated indices),
// gather_nd (batch_dims 0 and 1, negative indices) and tensor_scatter (linear and circular, with
// and without write_indices) from kernels/index-extra.ts against the interpreter; the emitted
// shaders pass Tint and naga and compile to the same bytes twice.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tensorFrom, type Tensor } from '../../../ir/tensor.js';
import { compileText, fmtShape, rand } from './helpers.js';
import { checkAll, checkBindings, irModule, nagaFailures } from './kernel-check.js';

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
/** Small integers as f32 (many ties). */
const ints = (shape: readonly number[], seed: number, span: number): Tensor =>
  tensorFrom('f32', shape, Array.from({ length: size(shape) }, (_v, j) => (((seed >>> 0) + j * 7919) % span) - Math.floor(span / 2)));
const dims = fc.array(fc.constantFrom(1, 2, 3, 5), { minLength: 1, maxLength: 3 });

describe('webgpu index-extra kernels vs interpreter (fast-check)', () => {
  it('top_k: values and indices, ties keep the lower index', async () => {
    await fc.assert(fc.asyncProperty(dims, fc.nat(5), fc.nat(5), fc.boolean(), fc.constantFrom('f32', 'i32'), fc.integer(),
      async (shape, ax, kk, largest, dtype, seed) => {
        const axis = ax % shape.length;
        const k = kk % (shape[axis]! + 1);
        const yd = shape.map((d, a) => (a === axis ? k : d));
        const x = ints(shape, seed, 4);
        const xin = dtype === 'f32' ? x : tensorFrom('i32', shape, Int32Array.from(x.data as Float32Array));
        await checkAll(irModule(`%x: ${fmtShape(shape, dtype)}`, [['v', fmtShape(yd, dtype)], ['ix', fmtShape(yd, 'i64')]], [
          `%k = const {value = dense<${k}> : i64[1]} : i64[1]`,
          `%v, %ix = top_k(%x, %k) {axis = ${axis - (seed & 1 ? shape.length : 0)}, largest = ${largest ? 1 : 0}} : (${fmtShape(yd, dtype)}, ${fmtShape(yd, 'i64')})`,
        ]), [xin]);
      }), { numRuns: 12, seed: 71 });
  }, 30_000);

  it('top_k on long axes: distinct values, several elements per thread, ties in a 600-long row, sorted rows', async () => {
    const text = (shape: number[], k: number, largest: number): string => {
      const yd = shape.map((d, a) => (a === 1 ? k : d));
      return irModule(`%x: ${fmtShape(shape)}`, [['v', fmtShape(yd)], ['ix', fmtShape(yd, 'i64')]], [
        `%k = const {value = dense<${k}> : i64[1]} : i64[1]`, `%v, %ix = top_k(%x, %k) {axis = 1, largest = ${largest}} : (${fmtShape(yd)}, ${fmtShape(yd, 'i64')})`,
      ]);
    };
    await checkAll(text([3, 17], 5, 0), [rand([3, 17], 5)]);
    await checkAll(text([2, 600, 2], 9, 1), [ints([2, 600, 2], 3, 50)]);
    await checkAll(text([1, 300], 300, 1), [rand([1, 300], 6)]);
    const sorted = tensorFrom('f32', [2, 257], Array.from({ length: 514 }, (_v, j) => (j < 257 ? j : 514 - j) / 8));
    await checkAll(text([2, 257], 4, 1), [sorted]);
    await checkAll(text([2, 257], 4, 0), [sorted]);
  });

  it('top_k where only the indices are read', async () => {
    const text = irModule('%x: f32[4,70]', [['ix', 'i64[4,3]']], [
      '%k = const {value = dense<3> : i64[1]} : i64[1]', '%v, %ix = top_k(%x, %k) {axis = -1} : (f32[4,3], i64[4,3])',
    ]);
    await checkAll(text, [rand([4, 70], 8)]);
  });

  it('top_k with an elementwise op on its values: one dispatch, the op in the epilogue', async () => {
    const text = irModule('%x: f32[2,6]', [['a', 'f32[2,3]'], ['ix', 'i64[2,3]']], [
      '%k = const {value = dense<3> : i64[1]} : i64[1]', '%a0, %ix = top_k(%x, %k) {axis = 1} : (f32[2,3], i64[2,3])', '%a = exp(%a0) : f32[2,3]',
    ]);
    await checkAll(text, [rand([2, 6], 9)]);
    expect(compileText(text).manifest.kernels.map((kk) => kk.name)).toEqual(['000-top-k-exp']);
  });

  it('scatter_nd: every reduction, negative and repeated indices', async () => {
    await fc.assert(fc.asyncProperty(dims, fc.nat(2), fc.integer({ min: 1, max: 4 }), fc.constantFrom('none', 'add', 'mul', 'max', 'min'), fc.integer(),
      async (shape, k0, tuples, red, seed) => {
        const kk = 1 + (k0 % shape.length);
        const ud = [tuples, ...shape.slice(kk)];
        const idx = Array.from({ length: tuples * kk }, (_v, j) => {
          const d = shape[j % kk]!;
          return ((seed >>> 0) * 3 + j * 5) % (2 * d) - d;
        });
        await checkAll(irModule(`%x: ${fmtShape(shape)}, %i: i64[${tuples},${kk}], %u: ${fmtShape(ud)}`, [['y', fmtShape(shape)]], [
          `%y = scatter_nd(%x, %i, %u) {reduction = "${red}"} : ${fmtShape(shape)}`,
        ]), [rand(shape, seed), tensorFrom('i64', [tuples, kk], idx.map(BigInt)), rand(ud, seed + 1)]);
      }), { numRuns: 12, seed: 72 });
  }, 30_000);

  it('scatter_nd with constant indices: a box in row-major order (found by arithmetic), or shuffled (walked)', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.constantFrom(1, 2, 3, 5), { minLength: 1, maxLength: 4 }), fc.nat(3), fc.constantFrom('none', 'add', 'max'), fc.boolean(), fc.integer(),
      async (shape, k0, red, shuffle, seed) => {
        const kk = 1 + (k0 % shape.length);
        // A box inside the first kk dims: a random corner and size per axis.
        const off = shape.slice(0, kk).map((d, j) => (seed >>> (3 * j)) % d);
        const box = shape.slice(0, kk).map((d, j) => 1 + ((seed >>> (3 * j + 12)) % (d - off[j]!)));
        const n = size(box);
        const tuples = Array.from({ length: n }, (_v, q) => {
          let rest = q;
          const t = new Array<number>(kk);
          for (let j = kk - 1; j >= 0; j--) { t[j] = off[j]! + (rest % box[j]!); rest = Math.floor(rest / box[j]!); }
          return t.map((v, j) => (q % 2 === 1 ? v - shape[j]! : v)); // some negative, same element
        });
        if (shuffle) tuples.reverse();
        const idx = `dense<[${tuples.flat().join(', ')}]> : i64[${n},${kk}]`;
        const ud = [n, ...shape.slice(kk)];
        const text = irModule(`%x: ${fmtShape(shape)}, %u: ${fmtShape(ud)}`, [['y', fmtShape(shape)]], [
          `%i = const {value = ${idx}} : i64[${n},${kk}]`, `%y = scatter_nd(%x, %i, %u) {reduction = "${red}"} : ${fmtShape(shape)}`,
        ]);
        await checkAll(text, [rand(shape, seed), rand(ud, seed + 1)]);
        const walks = compileText(text).shaders.some((sh) => sh.code.includes('for (var t'));
        expect(walks).toBe(shuffle && n > 1);
      }), { numRuns: 14, seed: 75 });
  }, 30_000);

  it('gather_nd: batch_dims 0 and 1, negative indices', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.constantFrom(1, 2, 3, 5), { minLength: 2, maxLength: 3 }), fc.nat(1), fc.nat(2), fc.integer({ min: 1, max: 3 }), fc.integer(),
      async (shape, bd, k0, tuples, seed) => {
        const kk = 1 + (k0 % (shape.length - bd));
        const id = [...shape.slice(0, bd), tuples, kk];
        const yd = [...id.slice(0, -1), ...shape.slice(bd + kk)];
        const idx = Array.from({ length: size(id) }, (_v, j) => {
          const d = shape[bd + (j % kk)]!;
          return ((seed >>> 0) + j * 7) % (2 * d) - d;
        });
        await checkAll(irModule(`%x: ${fmtShape(shape)}, %i: i64[${id.join(',')}]`, [['y', fmtShape(yd)]], [
          `%y = gather_nd(%x, %i) {batch_dims = ${bd}} : ${fmtShape(yd)}`,
        ]), [rand(shape, seed), tensorFrom('i64', id, idx.map(BigInt))]);
      }), { numRuns: 12, seed: 73 });
  }, 30_000);

  it('tensor_scatter: linear and circular, with and without write_indices', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 3 }), fc.boolean(), fc.boolean(), fc.integer(),
      async (B, maxSeq, seq0, inner, circular, withIdx, seed) => {
        // Linear writes must stay inside the cache (the interpreter refuses others); circular ones wrap.
        const seq = circular ? seq0 : 1 + (seq0 % maxSeq);
        const writes = Array.from({ length: B }, (_v, b) => (circular ? ((seed >>> 0) + b * 3) % (2 * maxSeq) - maxSeq : ((seed >>> 0) + b) % (maxSeq - seq + 1)));
        const pd = [B, 2, maxSeq, inner], ud = [B, 2, seq, inner];
        const args = `%p: ${fmtShape(pd)}, %u: ${fmtShape(ud)}${withIdx ? `, %w: i64[${B}]` : ''}`;
        const inputs = [rand(pd, seed), rand(ud, seed + 1), ...(withIdx ? [tensorFrom('i64', [B], writes.map(BigInt))] : [])];
        await checkAll(irModule(args, [['y', fmtShape(pd)]], [
          `%y = tensor_scatter(%p, %u${withIdx ? ', %w' : ''}) {axis = 2, mode = "${circular ? 'circular' : 'linear'}"} : ${fmtShape(pd)}`,
        ]), inputs);
      }), { numRuns: 12, seed: 74 });
  }, 30_000);

  it('bool data moved by tensor_scatter and scatter_nd (reduction none)', async () => {
    const b = (shape: number[], v: number[]) => tensorFrom('bool', shape, v);
    await checkAll(irModule('%p: bool[1,4,2], %u: bool[1,2,2], %w: i64[1], %x: bool[3,2], %i: i64[2,1], %v: bool[2,2]', [['y', 'bool[1,4,2]'], ['z', 'bool[3,2]']], [
      '%y = tensor_scatter(%p, %u, %w) {axis = 1} : bool[1,4,2]', '%z = scatter_nd(%x, %i, %v) : bool[3,2]',
    ]), [b([1, 4, 2], [1, 0, 1, 1, 0, 0, 1, 0]), b([1, 2, 2], [0, 1, 1, 0]), tensorFrom('i64', [1], [1n]),
      b([3, 2], [1, 0, 0, 1, 1, 1]), tensorFrom('i64', [2, 1], [2n, -3n]), b([2, 2], [0, 0, 1, 0])]);
  });

  it('symbolic dims: one compile, run for several bindings', async () => {
    const i64 = (shape: number[], f: (j: number) => number) => tensorFrom('i64', shape, Array.from({ length: size(shape) }, (_v, j) => BigInt(f(j))));
    await checkBindings(irModule('%x: f32["N",6]', [['v', 'f32["N",2]'], ['ix', 'i64["N",2]']], [
      '%k = const {value = dense<2> : i64[1]} : i64[1]', '%v, %ix = top_k(%x, %k) {axis = 1} : (f32["N",2], i64["N",2])',
    ]), [1, 4].map((n) => [ints([n, 6], n, 3)]));
    await checkBindings(irModule('%x: f32[5,3], %i: i64["T",1], %u: f32["T",3]', [['y', 'f32[5,3]']], [
      '%y = scatter_nd(%x, %i, %u) {reduction = "add"} : f32[5,3]',
    ]), [1, 6].map((t) => [rand([5, 3], t), i64([t, 1], (j) => (j * 3) % 10 - 5), rand([t, 3], t + 1)]));
    await checkBindings(irModule('%x: f32[4,3], %i: i64["T",2]', [['y', 'f32["T"]']], ['%y = gather_nd(%x, %i) : f32["T"]']),
      [2, 5].map((t) => [rand([4, 3], t), i64([t, 2], (j) => (j % 2 === 0 ? (j * 5) % 8 - 4 : (j * 2) % 6 - 3))]));
    await checkBindings(irModule('%p: f32[2,"M",3], %u: f32[2,"S",3], %w: i64[2]', [['y', 'f32[2,"M",3]']], [
      '%y = tensor_scatter(%p, %u, %w) {axis = 1, mode = "circular"} : f32[2,"M",3]',
    ]), [[4, 2], [3, 5]].map(([m, sq]) => [rand([2, m!, 3], m!), rand([2, sq!, 3], sq!), i64([2], (j) => j * 3 - 1)]));
  }, 30_000);

  it('naga accepts every shader the properties above compiled', async () => {
    expect(await nagaFailures()).toEqual([]);
  }, 30_000);
});
