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
import { instantiateCompiled } from '../../../src/runtime/index.js';
import { gatherNdCases, i64, oneResultModule, rand, type RefuseCase, refusal, scatterElementsCases, scatterNdCases, tensorScatterWrites } from '../index-refuse-cases.js';
import { expectClose, fmtShape, interpText } from './helpers.js';
import { wasmRunner } from './index-refuse-run.js';

const dim = fc.constantFrom(1, 2, 3, 5, 7);
const module = oneResultModule;

/**
 * Compile `text` (its op on line `line` with result %y): the valid inputs match the interpreter;
 * the bad inputs are refused by the interpreter and by the runtime with `op %y: index j ... size n`;
 * a valid run afterwards still matches.
 */
async function refuses(text: string, op: string, valid: Tensor[], wrong: Tensor[], j: number | bigint, n: number, line = 3, from0 = false): Promise<void> {
  const run = await wasmRunner(text);
  expectClose(await run(valid), interpText(text, valid), 0, 0);
  expect(() => interpText(text, wrong)).toThrow(/E501/);
  await expect(run(wrong)).rejects.toThrow(refusal(op, j, n, line, from0));
  expectClose(await run(valid), interpText(text, valid), 0, 0);
}

describe('wasm: out-of-range indices are refused at run time, naming the op', () => {
  const check = (k: RefuseCase): Promise<void> => refuses(module(k.args, k.result, [k.line]), k.op, k.valid, k.wrong, k.j, k.n);

  it('gather_nd (batch_dims 0 and 1)', async () => {
    await fc.assert(fc.asyncProperty(gatherNdCases(dim), check), { numRuns: 20, seed: 91 });
  });

  it('scatter_nd (every reduction)', async () => {
    await fc.assert(fc.asyncProperty(scatterNdCases(dim, 4, ['none', 'add', 'mul', 'max', 'min']), check), { numRuns: 20, seed: 92 });
  });

  it('scatter_elements (any axis, every reduction)', async () => {
    await fc.assert(fc.asyncProperty(scatterElementsCases(dim, ['none', 'add', 'mul', 'max', 'min']), check), { numRuns: 20, seed: 93 });
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
        const { seq, writes, wrong, first } = tensorScatterWrites(B, maxSeq, seq0, at, by, below, seed);
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
