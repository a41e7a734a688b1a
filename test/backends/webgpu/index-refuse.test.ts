// Out-of-range indices are refused at run time by every index-taking webgpu kernel of
// data.ts/index-extra.ts/index-ops.ts (gather_elements, gather_nd, scatter_nd, scatter_elements,
// and tensor_scatter's linear write positions), as for gather (gather-index-check.test.ts): the
// kernel records the bad index in the status buffer and the runtime raises naming the op, the
// index and the size. Before, these kernels clamped silently and answered a wrong tensor. Valid
// runs (negative in-range indices included) match the interpreter, which raises on the bad inputs
// too; the same instance runs again correctly after a refused run.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../../ir/tensor.js';
import type { CompiledWebGpu } from '../../../src/backends/webgpu/index.js';
import { instantiateWebGpu } from '../../../src/runtime/webgpu.js';
import { gatherElementsCases, gatherNdCases, i64, type RefuseCase, refusal, scatterElementsCases, scatterNdCases, tensorScatterWrites } from '../index-refuse-cases.js';
import { compileText, expectClose, fmtShape, gpuDevice, interpText, rand } from './helpers.js';
import { checkedRunner } from './index-refuse-run.js';
import { irModule } from './kernel-check.js';
import { nagaErrors } from './naga-run.js';

const dim = fc.constantFrom(1, 2, 3, 5);
/** Every module compiled below, for one naga pass at the end. */
const seen: CompiledWebGpu[] = [];

/**
 * Compile `text` (its op on line 3 with result %y), check the shaders with Tint, then: the valid
 * inputs match the interpreter; the bad inputs are refused by the interpreter and by the runtime
 * with `op %y: index j ... size n`; a valid run afterwards still matches.
 */
async function refuses(text: string, op: string, valid: Tensor[], wrong: Tensor[], j: number, n: number, from0 = false): Promise<void> {
  const run = await checkedRunner(text, op, from0, seen);
  expectClose(await run(valid), interpText(text, valid), 0, 0);
  expect(() => interpText(text, wrong)).toThrow(/E501/);
  await expect(run(wrong)).rejects.toThrow(refusal(op, j, n, 3, from0));
  expectClose(await run(valid), interpText(text, valid), 0, 0);
}

describe('webgpu: out-of-range indices are refused at run time, naming the op', () => {
  const check = (k: RefuseCase): Promise<void> => refuses(irModule(k.args, [['y', k.result]], [k.line]), k.op, k.valid, k.wrong, k.j, k.n);

  it('gather_elements', async () => {
    await fc.assert(fc.asyncProperty(gatherElementsCases(dim), check), { numRuns: 6, seed: 81 });
  }, 30_000);

  it('gather_nd (batch_dims 0 and 1)', async () => {
    await fc.assert(fc.asyncProperty(gatherNdCases(dim), check), { numRuns: 6, seed: 82 });
  }, 30_000);

  it('scatter_nd (every reduction)', async () => {
    await fc.assert(fc.asyncProperty(scatterNdCases(dim, 3, ['none', 'add', 'max']), check), { numRuns: 6, seed: 83 });
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
    await fc.assert(fc.asyncProperty(scatterElementsCases(dim, ['none', 'add', 'mul']), check), { numRuns: 6, seed: 84 });
  }, 30_000);

  it('tensor_scatter (linear): a write position outside the cache is refused; circular ones wrap', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.nat(), fc.integer({ min: 1, max: 4 }), fc.boolean(), fc.integer(),
      async (B, maxSeq, seq0, at, by, below, seed) => {
        const { seq, writes, wrong, first } = tensorScatterWrites(B, maxSeq, seq0, at, by, below, seed);
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
