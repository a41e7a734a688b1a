// Out-of-range indices are refused at run time by the wasm gather_nd, scatter_nd and
// scatter_elements kernels and by tensor_scatter's linear write positions (index-check.ts), as
// for gather (gather-index-check.test.ts): the run traps and the runtime raises naming the op, the
// index and the size. Before, these kernels clamped silently and answered a wrong tensor. Valid
// runs (negative in-range indices included) match the interpreter, which raises on the bad inputs
// too; the same instance runs again correctly after a refused run.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseModule } from '../../../ir/parser.js';
import { tensorFrom, type Tensor } from '../../../ir/tensor.js';
import { compileWasm } from '../../../src/backends/wasm/index.js';
import { instantiateCompiled, type RunTensor } from '../../../src/runtime/index.js';
import { expectClose, fmtShape, interpText } from './helpers.js';

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
const i64 = (shape: readonly number[], v: readonly (number | bigint)[]): Tensor => tensorFrom('i64', shape, v.map(BigInt));
const dim = fc.constantFrom(1, 2, 3, 5, 7);
/** An out-of-range index for a dim of size n: n + d - 1 for d > 0, -n + d for d < 0 (d != 0). */
const outside = (n: number, d: number): number => (d > 0 ? n + d - 1 : -n + d);
const bad = fc.integer({ min: -4, max: 4 }).filter((d) => d !== 0);

const module = (args: string, result: string, body: readonly string[]): string =>
  ['module @m {', `  func @main(${args}) -> (%y: ${result}) {`, ...body.map((l) => `    ${l}`), '    return %y', '  }', '}'].join('\n');

/** Deterministic values in [-1, 1). */
function rand(shape: readonly number[], seed: number): Tensor {
  let s = seed >>> 0 || 1;
  return tensorFrom('f32', shape, Array.from({ length: size(shape) }, () => {
    s = (s * 1103515245 + 12345) >>> 0;
    return ((s >>> 8) / 2 ** 24) * 2 - 1;
  }));
}

/** In-range indices for dims `ds` (cycled), negative ones included. */
const inRange = (count: number, ds: readonly number[], seed: number): number[] =>
  Array.from({ length: count }, (_v, q) => {
    const d = ds[q % ds.length]!;
    return (((seed >>> 0) + q * 7) % (2 * d)) - d;
  });

/**
 * Compile `text` (its op on line `line` with result %y): the valid inputs match the interpreter;
 * the bad inputs are refused by the interpreter and by the runtime with `op %y: index j ... size n`;
 * a valid run afterwards still matches.
 */
async function refuses(text: string, op: string, valid: Tensor[], wrong: Tensor[], j: number | bigint, n: number, line = 3, from0 = false): Promise<void> {
  const c = await compileWasm(parseModule(text, { file: 'test.ir' }), { passes: 'fuse', verifyEach: true });
  const m = await instantiateCompiled(c.manifest, c.wasm, c.weights);
  const run = async (inputs: Tensor[]): Promise<Tensor[]> => {
    const feed: Record<string, RunTensor> = {};
    c.manifest.inputs.forEach((inp, q) => (feed[inp.name] = { data: inputs[q]!.data as RunTensor['data'], dims: inputs[q]!.shape }));
    const out = (await m.run(feed))['y']!;
    return [{ dtype: 'f32', shape: [...out.dims], data: out.data as Float32Array }];
  };
  expectClose(await run(valid), interpText(text, valid), 0, 0);
  expect(() => interpText(text, wrong)).toThrow(/E501/);
  await expect(run(wrong)).rejects.toThrow(new RegExp(`^tenth runtime: ${op} %y at test\\.ir:${line}:5: index ${j} is out of range for a dim of size ${n} \\(valid: ${from0 ? 0 : -n} to ${n - 1}\\)$`));
  expectClose(await run(valid), interpText(text, valid), 0, 0);
}

describe('wasm: out-of-range indices are refused at run time, naming the op', () => {
  it('gather_nd (batch_dims 0 and 1)', async () => {
    await fc.assert(fc.asyncProperty(fc.array(dim, { minLength: 2, maxLength: 3 }), fc.nat(1), fc.nat(2), fc.integer({ min: 1, max: 3 }), fc.nat(), bad, fc.integer(),
      async (xd, bd, k0, tuples, at, d, seed) => {
        const kk = 1 + (k0 % (xd.length - bd));
        const id = [...xd.slice(0, bd), tuples, kk];
        const yd = [...id.slice(0, -1), ...xd.slice(bd + kk)];
        const idx = inRange(size(id), xd.slice(bd, bd + kk), seed);
        const p = at % idx.length, n = xd[bd + (p % kk)]!;
        const wrong = [...idx];
        wrong[p] = outside(n, d);
        const text = module(`%x: ${fmtShape(xd)}, %i: i64[${id.join(',')}]`, fmtShape(yd), [`%y = gather_nd(%x, %i) {batch_dims = ${bd}} : ${fmtShape(yd)}`]);
        await refuses(text, 'gather_nd', [rand(xd, seed), i64(id, idx)], [rand(xd, seed), i64(id, wrong)], outside(n, d), n);
      }), { numRuns: 20, seed: 91 });
  });

  it('scatter_nd (every reduction)', async () => {
    await fc.assert(fc.asyncProperty(fc.array(dim, { minLength: 1, maxLength: 3 }), fc.nat(2), fc.integer({ min: 1, max: 4 }), fc.constantFrom('none', 'add', 'mul', 'max', 'min'), fc.nat(), bad, fc.integer(),
      async (xd, k0, tuples, red, at, d, seed) => {
        const kk = 1 + (k0 % xd.length);
        const ud = [tuples, ...xd.slice(kk)];
        const idx = inRange(tuples * kk, xd.slice(0, kk), seed);
        const p = at % idx.length, n = xd[p % kk]!;
        const wrong = [...idx];
        wrong[p] = outside(n, d);
        const text = module(`%x: ${fmtShape(xd)}, %i: i64[${tuples},${kk}], %u: ${fmtShape(ud)}`, fmtShape(xd), [`%y = scatter_nd(%x, %i, %u) {reduction = "${red}"} : ${fmtShape(xd)}`]);
        await refuses(text, 'scatter_nd', [rand(xd, seed), i64([tuples, kk], idx), rand(ud, seed + 1)], [rand(xd, seed), i64([tuples, kk], wrong), rand(ud, seed + 1)], outside(n, d), n);
      }), { numRuns: 20, seed: 92 });
  });

  it('scatter_elements (any axis, every reduction)', async () => {
    await fc.assert(fc.asyncProperty(fc.array(dim, { minLength: 1, maxLength: 3 }), fc.nat(), fc.integer({ min: 1, max: 3 }), fc.constantFrom('none', 'add', 'mul', 'max', 'min'), fc.nat(), bad, fc.integer(),
      async (xd, ax, m, red, at, d, seed) => {
        const axis = ax % xd.length, n = xd[axis]!;
        const id = xd.map((x, a) => (a === axis ? m : x));
        const idx = inRange(size(id), [n], seed);
        const wrong = [...idx];
        wrong[at % idx.length] = outside(n, d);
        const text = module(`%x: ${fmtShape(xd)}, %i: i64[${id.join(',')}], %u: ${fmtShape(id)}`, fmtShape(xd), [`%y = scatter_elements(%x, %i, %u) {axis = ${axis}, reduction = "${red}"} : ${fmtShape(xd)}`]);
        await refuses(text, 'scatter_elements', [rand(xd, seed), i64(id, idx), rand(id, seed + 1)], [rand(xd, seed), i64(id, wrong), rand(id, seed + 1)], outside(n, d), n);
      }), { numRuns: 20, seed: 93 });
  });

  it('i64 indices that only fit after wrapping to 32 bits (2^32 + 1) are refused, not read as 1', async () => {
    const g = module('%x: f32[3,2], %i: i64[1,1]', 'f32[1,2]', ['%y = gather_nd(%x, %i) : f32[1,2]']);
    await refuses(g, 'gather_nd', [rand([3, 2], 1), i64([1, 1], [1])], [rand([3, 2], 1), i64([1, 1], [2n ** 32n + 1n])], 2n ** 32n + 1n, 3);
    const s = module('%x: f32[3,2], %i: i64[1,1], %u: f32[1,2]', 'f32[3,2]', ['%y = scatter_nd(%x, %i, %u) : f32[3,2]']);
    await refuses(s, 'scatter_nd', [rand([3, 2], 1), i64([1, 1], [-2]), rand([1, 2], 2)], [rand([3, 2], 1), i64([1, 1], [-(2n ** 32n) + 1n]), rand([1, 2], 2)], -(2n ** 32n) + 1n, 3);
  });

  it('constant indices out of range are refused at run time too', async () => {
    const text = module('%x: f32[4,3], %u: f32[2,3]', 'f32[4,3]', ['%i = const {value = dense<[1, -5]> : i64[2,1]} : i64[2,1]', '%y = scatter_nd(%x, %i, %u) : f32[4,3]']);
    const c = await compileWasm(parseModule(text, { file: 'test.ir' }), { passes: 'fuse', verifyEach: true });
    const m = await instantiateCompiled(c.manifest, c.wasm, c.weights);
    const x = rand([4, 3], 1), u = rand([2, 3], 2);
    expect(() => interpText(text, [x, u])).toThrow(/E501/);
    await expect(m.run({ x: { data: x.data as Float32Array, dims: [4, 3] }, u: { data: u.data as Float32Array, dims: [2, 3] } }))
      .rejects.toThrow(/^tenth runtime: scatter_nd %y at test\.ir:4:5: index -5 is out of range for a dim of size 4/);
  });

  it('tensor_scatter (linear): a write position outside the cache is refused', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.nat(), fc.integer({ min: 1, max: 4 }), fc.boolean(), fc.constantFrom('i32', 'i64'), fc.integer(),
      async (B, maxSeq, seq0, at, by, below, it, seed) => {
        const seq = 1 + (seq0 % maxSeq);
        const writes = Array.from({ length: B }, (_v, b) => ((seed >>> 0) + b) % (maxSeq - seq + 1));
        // The first position written outside: the start itself when negative, else the first past the end.
        const w = below ? -by : maxSeq - seq + by;
        const first = below ? w : Math.max(w, maxSeq);
        const wrong = [...writes];
        wrong[at % B] = w;
        const wt = (v: number[]): Tensor => (it === 'i64' ? i64([B], v) : tensorFrom('i32', [B], v));
        const pd = [B, maxSeq, 2], ud = [B, seq, 2];
        const text = module(`%p: ${fmtShape(pd)}, %u: ${fmtShape(ud)}, %w: ${it}[${B}]`, fmtShape(pd), [`%y = tensor_scatter(%p, %u, %w) {axis = 1} : ${fmtShape(pd)}`]);
        await refuses(text, 'tensor_scatter', [rand(pd, seed), rand(ud, seed + 1), wt(writes)], [rand(pd, seed), rand(ud, seed + 1), wt(wrong)], first, maxSeq, 3, true);
      }), { numRuns: 20, seed: 95 });
  });

  it('tensor_scatter (linear) without write_indices: an update longer than the cache is refused; one that fits matches', async () => {
    const text = (seq: number): string => module(`%p: f32[2,3,2], %u: f32[2,${seq},2]`, 'f32[2,3,2]', [`%y = tensor_scatter(%p, %u) {axis = 1} : f32[2,3,2]`]);
    const load = async (t: string) => { const c = await compileWasm(parseModule(t, { file: 'test.ir' }), { passes: 'fuse', verifyEach: true }); return instantiateCompiled(c.manifest, c.wasm, c.weights); };
    const p = rand([2, 3, 2], 1);
    const ok = await (await load(text(3))).run({ p: { data: p.data as Float32Array, dims: [2, 3, 2] }, u: { data: rand([2, 3, 2], 2).data as Float32Array, dims: [2, 3, 2] } });
    expectClose([{ dtype: 'f32', shape: [...ok['y']!.dims], data: ok['y']!.data as Float32Array }], interpText(text(3), [p, rand([2, 3, 2], 2)]), 0, 0);
    const u = rand([2, 4, 2], 2);
    expect(() => interpText(text(4), [p, u])).toThrow(/E501/);
    await expect((await load(text(4))).run({ p: { data: p.data as Float32Array, dims: [2, 3, 2] }, u: { data: u.data as Float32Array, dims: [2, 4, 2] } }))
      .rejects.toThrow(/^tenth runtime: tensor_scatter %y at test\.ir:3:5: index 3 is out of range for a dim of size 3/);
  });
});
