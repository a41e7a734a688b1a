// fast-check: the einsum kernel against the interpreter: random equations over 1-3 operands
// (repeated labels = diagonals, summed labels, implicit output, ellipsis with broadcast dims,
// size-1 broadcasting) on random sizes (1, odd, primes), f32 and f64; plus the usual named forms
// (batched matmul, transposes, outer products); (batched) matmuls in every label order, checked
// to take the GEMM path.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tensorFrom } from '../../../ir/tensor.js';
import { oneOp, rand, ty } from './attention-helpers.js';
import { expectClose, interpText, runWasm } from './helpers.js';
import { parseModule } from '../../../ir/parser.js';
import { compileWasm } from '../../../src/backends/wasm/index.js';
import { parseEquation } from '../../../src/backends/wasm/kernels/einsum.js';

const LABELS = 'abcde';

async function check(eq: string, shapes: number[][], dt: 'f32' | 'f64', seed: number): Promise<void> {
  const params = shapes.map((s, i) => `%x${i}: ${ty(s, dt)}`);
  const args = shapes.map((_, i) => `%x${i}`);
  const inputs = shapes.map((s, i) => {
    const r = rand(s, seed + i, 1.5);
    return dt === 'f32' ? r : tensorFrom('f64', s, Array.from(r.data as Float32Array));
  });
  const text = oneOp(params, ['%y'], [ty(outputShape(eq, shapes), dt)], `einsum(${args.join(', ')}) {equation = "${eq}"}`);
  expectClose(await runWasm(text, inputs, ''), interpText(text, inputs), 1e-5, 1e-5);
}

/** Output dims by the equation's rules (the first non-1 size of each label). */
function outputShape(eq: string, shapes: number[][]): number[] {
  const p = parseEquation(eq, shapes.map((s) => s.length), (m) => { throw new Error(m); });
  const size = new Map<string, number>();
  p.inputs.forEach((ls, i) => ls.forEach((l, d) => { if ((size.get(l) ?? 1) === 1) size.set(l, shapes[i]![d]!); }));
  return p.output.map((l) => size.get(l)!);
}

describe('wasm einsum vs interpreter (fast-check)', () => {
  it('named forms', async () => {
    const cases: [string, number[][]][] = [
      ['ij,jk->ik', [[3, 5], [5, 7]]], ['bij,bjk->bik', [[2, 3, 4], [2, 4, 9]]], ['ij,kj->ik', [[3, 5], [6, 5]]],
      ['i,j->ij', [[5], [6]]], ['ii->i', [[4, 4]]], ['ii', [[3, 3]]], ['ij->ji', [[3, 7]]], ['...ij,...jk', [[2, 1, 3, 4], [5, 4, 6]]],
      ['i,i', [[9], [9]]], ['->', [[]]], ['bhqd,bhkd->bhqk', [[1, 2, 3, 5], [1, 2, 7, 5]]], ['ij,ij->ij', [[3, 9], [1, 9]]],
    ];
    for (const [eq, shapes] of cases) await check(eq, shapes, 'f32', 7);
  });

  it('random equations', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.constantFrom(1, 2, 3, 4, 5, 7), { minLength: 5, maxLength: 5 }),
      fc.array(fc.array(fc.nat(4), { minLength: 0, maxLength: 3 }), { minLength: 1, maxLength: 3 }),
      fc.option(fc.array(fc.nat(4), { maxLength: 3 })), fc.boolean(), fc.constantFrom(0, 1, 2), fc.constantFrom('f32', 'f64') as fc.Arbitrary<'f32' | 'f64'>, fc.integer(),
      async (sizes, terms, outPick, bcast, ell, dt, seed) => {
        const ellDims = [3, 2].slice(0, ell);
        const labels = terms.map((t) => t.map((x) => LABELS[x]!));
        const shapes = labels.map((ls, i) => [
          ...(ell ? ellDims.map((d, j) => (bcast && (i + j) % 2 === 1 ? 1 : d)) : []),
          ...ls.map((l, j) => (bcast && i === 0 && j === 0 ? 1 : sizes[LABELS.indexOf(l)]!)),
        ]);
        const used = [...new Set(labels.flat())];
        const out = outPick === null ? null : [...new Set(outPick.map((x) => LABELS[x]!))].filter((l) => used.includes(l));
        const e = ell ? '...' : '';
        const eq = `${labels.map((ls) => e + ls.join('')).join(',')}${out === null ? '' : `->${e}${out.join('')}`}`;
        await check(eq, shapes, dt, seed);
      }), { numRuns: 120 });
  });

  it('(batched) matmuls in any label order take the gemm path', async () => {
    const shuffle = <T>(xs: T[], seed: number): T[] => xs.map((x, i) => [x, (seed * 31 + i * 17) % 101] as const).sort((a, b) => a[1] - b[1]).map(([x]) => x);
    await fc.assert(fc.asyncProperty(
      fc.nat(2), fc.nat(2), fc.nat(2), fc.integer({ min: 1, max: 2 }), fc.array(fc.constantFrom(1, 2, 3, 5, 8, 9), { minLength: 8, maxLength: 8 }), fc.nat(1000), fc.integer(),
      async (nb, nm, nn, nk, sz, perm, seed) => {
        const L = 'abcdefgh';
        let c = 0;
        const take = (n: number): string[] => Array.from({ length: n }, () => L[c++]!);
        const b = take(nb), m = take(nm), n = take(nn), kk = take(nk);
        const la = shuffle([...b, ...m, ...kk], perm), lb = shuffle([...b, ...kk, ...n], perm + 1), lo = shuffle([...b, ...m, ...n], perm + 2);
        const dim = (l: string): number => sz[L.indexOf(l)]!;
        const eq = `${la.join('')},${lb.join('')}->${lo.join('')}`;
        const shapes = [la.map(dim), lb.map(dim)];
        const params = shapes.map((s, i) => `%x${i}: ${ty(s)}`);
        const text = oneOp(params, ['%y'], [ty(lo.map(dim))], `einsum(%x0, %x1) {equation = "${eq}"}`);
        const mnk = [...m, ...n, ...kk].reduce((a, l) => a * dim(l), 1);
        const c2 = await compileWasm(parseModule(text, { file: 't.ir' }), { passes: '' });
        expect(c2.wat.includes('einsum as gemm')).toBe(2 * mnk >= 128);
        const inputs = shapes.map((s, i) => rand(s, seed + i, 1.5));
        expectClose(await runWasm(text, inputs, ''), interpText(text, inputs), 1e-4, 1e-5);
      }), { numRuns: 60 });
  });

  it('an equation that does not match the operands is refused', async () => {
    const text = oneOp([`%a: ${ty([2, 3])}`], ['%y'], [ty([2])], 'einsum(%a) {equation = "ij,jk->i"}');
    await expect(runWasm(text, [rand([2, 3], 1)], '')).rejects.toThrow();
  });
});
