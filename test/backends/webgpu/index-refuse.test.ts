// Out-of-range indices are refused at run time by every index-taking webgpu kernel of
// data.ts/index-extra.ts/index-ops.ts (gather_elements, gather_nd, scatter_nd, scatter_elements,
// and tensor_scatter's linear write positions), as for gather (gather-index-check.test.ts): the
// kernel records the bad index in the status buffer and the runtime raises naming the op, the
// index and the size. Before, these kernels clamped silently and answered a wrong tensor. Valid
// runs (negative in-range indices included) match the interpreter, which raises on the bad inputs
// too; the same instance runs again correctly after a refused run.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tensorFrom, type Tensor } from '../../../ir/tensor.js';
import type { CompiledWebGpu } from '../../../src/backends/webgpu/index.js';
import { instantiateWebGpu, type RunTensor } from '../../../src/runtime/webgpu.js';
import { compileText, expectClose, fmtShape, gpuDevice, interpText, rand, validateShaders } from './helpers.js';
import { irModule } from './kernel-check.js';
import { nagaErrors } from './naga-run.js';

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
const i64 = (shape: readonly number[], v: readonly number[]): Tensor => tensorFrom('i64', shape, v.map(BigInt));
const dim = fc.constantFrom(1, 2, 3, 5);

/** An out-of-range index for a dim of size n: n + d - 1 for d > 0, -n + d for d < 0 (d != 0). */
const outside = (n: number, d: number): number => (d > 0 ? n + d - 1 : -n + d);
const bad = fc.integer({ min: -4, max: 4 }).filter((d) => d !== 0);
/** Every module compiled below, for one naga pass at the end. */
const seen: CompiledWebGpu[] = [];

/**
 * Compile `text` (its op on line 3 with result %y), check the shaders with Tint, then: the valid
 * inputs match the interpreter; the bad inputs are refused by the interpreter and by the runtime
 * with `op %y: index j ... size n`; a valid run afterwards still matches.
 */
async function refuses(text: string, op: string, valid: Tensor[], wrong: Tensor[], j: number, n: number, from0 = false): Promise<void> {
  const c = compileText(text);
  seen.push(c);
  expect(c.manifest.indexSites).toEqual([from0 ? { site: `${op} %y at test.ir:3:5`, from: 0 } : `${op} %y at test.ir:3:5`]);
  expect(await validateShaders(c)).toEqual([]);
  const m = await instantiateWebGpu(c.manifest, c.shaders.map((s) => s.code), c.weights, await gpuDevice());
  const run = async (inputs: Tensor[]): Promise<Tensor[]> => {
    const feed: Record<string, RunTensor> = {};
    c.manifest.inputs.forEach((inp, q) => (feed[inp.name] = { data: inputs[q]!.data as RunTensor['data'], dims: inputs[q]!.shape }));
    const out = await m.run(feed);
    return c.manifest.outputs.map((o) => ({ dtype: o.dtype as Tensor['dtype'], shape: [...out[o.name]!.dims], data: out[o.name]!.data as Tensor['data'] }));
  };
  expectClose(await run(valid), interpText(text, valid), 0, 0);
  expect(() => interpText(text, wrong)).toThrow(/E501/);
  await expect(run(wrong)).rejects.toThrow(new RegExp(`^tenth runtime: ${op} %y at test\\.ir:3:5: index ${j} is out of range for a dim of size ${n} \\(valid: ${from0 ? 0 : -n} to ${n - 1}\\)$`));
  expectClose(await run(valid), interpText(text, valid), 0, 0);
}

/** In-range indices for dims `ds` (cycled), negative ones included. */
const inRange = (count: number, ds: readonly number[], seed: number): number[] =>
  Array.from({ length: count }, (_v, q) => {
    const d = ds[q % ds.length]!;
    return (((seed >>> 0) + q * 7) % (2 * d)) - d;
  });

describe('webgpu: out-of-range indices are refused at run time, naming the op', () => {
  it('gather_elements', async () => {
    await fc.assert(fc.asyncProperty(fc.array(dim, { minLength: 1, maxLength: 3 }), fc.nat(), fc.integer({ min: 1, max: 3 }), fc.nat(), bad, fc.integer(),
      async (xd, ax, m, at, d, seed) => {
        const axis = ax % xd.length, n = xd[axis]!;
        const id = xd.map((x, a) => (a === axis ? m : x));
        const idx = inRange(size(id), [n], seed);
        const wrong = [...idx];
        wrong[at % idx.length] = outside(n, d);
        const text = irModule(`%x: ${fmtShape(xd)}, %i: ${fmtShape(id, 'i64')}`, [['y', fmtShape(id)]], [`%y = gather_elements(%x, %i) {axis = ${axis}} : ${fmtShape(id)}`]);
        await refuses(text, 'gather_elements', [rand(xd, seed), i64(id, idx)], [rand(xd, seed), i64(id, wrong)], outside(n, d), n);
      }), { numRuns: 6, seed: 81 });
  }, 30_000);

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
        const text = irModule(`%x: ${fmtShape(xd)}, %i: ${fmtShape(id, 'i64')}`, [['y', fmtShape(yd)]], [`%y = gather_nd(%x, %i) {batch_dims = ${bd}} : ${fmtShape(yd)}`]);
        await refuses(text, 'gather_nd', [rand(xd, seed), i64(id, idx)], [rand(xd, seed), i64(id, wrong)], outside(n, d), n);
      }), { numRuns: 6, seed: 82 });
  }, 30_000);

  it('scatter_nd (every reduction)', async () => {
    await fc.assert(fc.asyncProperty(fc.array(dim, { minLength: 1, maxLength: 3 }), fc.nat(2), fc.integer({ min: 1, max: 3 }), fc.constantFrom('none', 'add', 'max'), fc.nat(), bad, fc.integer(),
      async (xd, k0, tuples, red, at, d, seed) => {
        const kk = 1 + (k0 % xd.length);
        const ud = [tuples, ...xd.slice(kk)];
        const idx = inRange(tuples * kk, xd.slice(0, kk), seed);
        const p = at % idx.length, n = xd[p % kk]!;
        const wrong = [...idx];
        wrong[p] = outside(n, d);
        const text = irModule(`%x: ${fmtShape(xd)}, %i: i64[${tuples},${kk}], %u: ${fmtShape(ud)}`, [['y', fmtShape(xd)]], [`%y = scatter_nd(%x, %i, %u) {reduction = "${red}"} : ${fmtShape(xd)}`]);
        // Reduction none with repeated indices: the last update wins (the interpreter's choice).
        await refuses(text, 'scatter_nd', [rand(xd, seed), i64([tuples, kk], idx), rand(ud, seed + 1)], [rand(xd, seed), i64([tuples, kk], wrong), rand(ud, seed + 1)], outside(n, d), n);
      }), { numRuns: 6, seed: 83 });
  }, 30_000);

  it('scatter_nd with constant indices out of range: refused at run time too', async () => {
    const text = irModule('%x: f32[4,3], %u: f32[2,3]', [['y', 'f32[4,3]']], ['%i = const {value = dense<[1, -5]> : i64[2,1]} : i64[2,1]', '%y = scatter_nd(%x, %i, %u) : f32[4,3]']);
    const c = compileText(text);
    const m = await instantiateWebGpu(c.manifest, c.shaders.map((s) => s.code), c.weights, await gpuDevice());
    const x = rand([4, 3], 1), u = rand([2, 3], 2);
    expect(() => interpText(text, [x, u])).toThrow(/E501/);
    await expect(m.run({ x: { data: x.data as Float32Array, dims: [4, 3] }, u: { data: u.data as Float32Array, dims: [2, 3] } }))
      .rejects.toThrow(/^tenth runtime: scatter_nd %y at test\.ir:4:5: index -5 is out of range for a dim of size 4/);
  });

  it('scatter_elements (any axis)', async () => {
    await fc.assert(fc.asyncProperty(fc.array(dim, { minLength: 1, maxLength: 3 }), fc.nat(), fc.integer({ min: 1, max: 3 }), fc.constantFrom('none', 'add', 'mul'), fc.nat(), bad, fc.integer(),
      async (xd, ax, m, red, at, d, seed) => {
        const axis = ax % xd.length, n = xd[axis]!;
        const id = xd.map((x, a) => (a === axis ? m : x));
        const idx = inRange(size(id), [n], seed);
        const wrong = [...idx];
        wrong[at % idx.length] = outside(n, d);
        const text = irModule(`%x: ${fmtShape(xd)}, %i: ${fmtShape(id, 'i64')}, %u: ${fmtShape(id)}`, [['y', fmtShape(xd)]],
          [`%y = scatter_elements(%x, %i, %u) {axis = ${axis}, reduction = "${red}"} : ${fmtShape(xd)}`]);
        await refuses(text, 'scatter_elements', [rand(xd, seed), i64(id, idx), rand(id, seed + 1)], [rand(xd, seed), i64(id, wrong), rand(id, seed + 1)], outside(n, d), n);
      }), { numRuns: 6, seed: 84 });
  }, 30_000);

  it('tensor_scatter (linear): a write position outside the cache is refused; circular ones wrap', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.nat(), fc.integer({ min: 1, max: 4 }), fc.boolean(), fc.integer(),
      async (B, maxSeq, seq0, at, by, below, seed) => {
        const seq = 1 + (seq0 % maxSeq);
        const writes = Array.from({ length: B }, (_v, b) => ((seed >>> 0) + b) % (maxSeq - seq + 1));
        // The first position written outside: the start itself when negative, else the first past the end.
        const w = below ? -by : maxSeq - seq + by;
        const first = below ? w : Math.max(w, maxSeq);
        const wrong = [...writes];
        wrong[at % B] = w;
        const pd = [B, maxSeq, 2], ud = [B, seq, 2];
        const text = irModule(`%p: ${fmtShape(pd)}, %u: ${fmtShape(ud)}, %w: i64[${B}]`, [['y', fmtShape(pd)]], [`%y = tensor_scatter(%p, %u, %w) {axis = 1} : ${fmtShape(pd)}`]);
        await refuses(text, 'tensor_scatter', [rand(pd, seed), rand(ud, seed + 1), i64([B], writes)], [rand(pd, seed), rand(ud, seed + 1), i64([B], wrong)], first, maxSeq, true);
        const circ = text.replace('axis = 1', 'axis = 1, mode = "circular"');
        expect(compileText(circ).manifest.indexSites).toBeUndefined();
      }), { numRuns: 6, seed: 85 });
  }, 30_000);

  it('tensor_scatter (linear) without write_indices: an update longer than the cache is refused', async () => {
    const text = irModule('%p: f32[2,3,2], %u: f32[2,4,2]', [['y', 'f32[2,3,2]']], ['%y = tensor_scatter(%p, %u) {axis = 1} : f32[2,3,2]']);
    const c = compileText(text);
    seen.push(c);
    const m = await instantiateWebGpu(c.manifest, c.shaders.map((s) => s.code), c.weights, await gpuDevice());
    const p = rand([2, 3, 2], 1), u = rand([2, 4, 2], 2);
    expect(() => interpText(text, [p, u])).toThrow(/E501/);
    await expect(m.run({ p: { data: p.data as Float32Array, dims: [2, 3, 2] }, u: { data: u.data as Float32Array, dims: [2, 4, 2] } }))
      .rejects.toThrow(/^tenth runtime: tensor_scatter %y at test\.ir:3:5: index 3 is out of range for a dim of size 3/);
    // An update that fits needs no check.
    expect(compileText(text.replace(/f32\[2,4,2\]/, 'f32[2,3,2]')).manifest.indexSites).toBeUndefined();
  });

  it('naga accepts every checking shader compiled above', async () => {
    expect(seen.length).toBeGreaterThan(0);
    expect(await nagaErrors(seen.map((c, n) => ({ name: String(n), c })))).toEqual([]);
  });
});
