// einsum-matmul: on random matmul-like einsums (batch, M, N, K and one-operand summed labels in
// random orders, sizes 1 / odd / primes, size-1 batch broadcasting, symbolic batch and M dims, a
// constant operand) the interpreter's results after the pass agree with those before it within f32
// rounding (a matmul sums in another order), and no einsum is left; einsums with a diagonal or
// three operands are kept. Then a few cases through the wasm and webgpu backends.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Module } from '../../ir/ir.js';
import { parseModule } from '../../ir/parser.js';
import { printModule } from '../../ir/printer.js';
import { tensorFrom, type Tensor } from '../../ir/tensor.js';
import { plainContraction } from '../../passes/einsum-plan.js';
import { runPipeline } from '../../passes/index.js';
import { WASM_PROFILE } from '../../src/backends/wasm/compile.js';
import { compileWasm } from '../../src/backends/wasm/index.js';
import { expectClose, interpText, runWasm } from '../backends/wasm/helpers.js';
import { compileText, runWebGpu } from '../backends/webgpu/helpers.js';
import { checkPreservesSemantics } from './property.js';

const SIZES = [1, 2, 3, 5, 7];

/** Deterministic values in [-1, 1). */
function values(n: number, seed: number): number[] {
  let s = seed >>> 0 || 1;
  return Array.from({ length: n }, () => { s = (Math.imul(s, 1103515245) + 12345) >>> 0; return (s >>> 8) / 2 ** 23 - 1; });
}

interface Case {
  eq: string;
  /** Per operand: its dims as written in the type (numbers or symbols) and its run-time dims. */
  types: (number | string)[][];
  dims: number[][];
  out: (number | string)[];
  /** Operand 1 is a constant instead of an argument. */
  constB: boolean;
}

function moduleText(c: Case): string {
  const ty = (d: readonly (number | string)[]): string => `f32[${d.join(',')}]`;
  const args = c.types.map((t, i) => `%x${i}: ${ty(t)}`).filter((_, i) => !(c.constB && i === 1));
  const w = c.constB
    ? `    %x1 = const {value = dense<[${values(c.dims[1]!.reduce((a, b) => a * b, 1), 99).map((v) => v.toFixed(6)).join(', ')}]> : ${ty(c.dims[1]!)}} : ${ty(c.dims[1]!)}\n`
    : '';
  const ops = c.types.map((_, i) => `%x${i}`).join(', ');
  return `module @m {\n  func @main(${args.join(', ')}) -> (%y: ${ty(c.out)}) {\n${w}    %y = einsum(${ops}) {equation = "${c.eq}"} : ${ty(c.out)}\n    return %y\n  }\n}\n`;
}

function inputsOf(c: Case): Tensor[] {
  return c.dims.flatMap((d, i) => (c.constB && i === 1 ? [] : [tensorFrom('f32', d, values(d.reduce((a, b) => a * b, 1), 7 + i))]));
}

const shuffled = <T>(xs: readonly T[], keys: readonly number[]): T[] =>
  xs.map((x, i) => [x, keys[i % keys.length]! * 31 + i] as const).sort((a, b) => a[1] - b[1]).map(([x]) => x);

/** A two-operand einsum: label roles, sizes and orders drawn at random. */
const arbBinary: fc.Arbitrary<Case> = fc.record({
  nBatch: fc.nat(2), nM: fc.nat(2), nN: fc.nat(2), nK: fc.nat(2), sumA: fc.nat(1), sumB: fc.nat(1),
  sizes: fc.array(fc.constantFrom(...SIZES), { minLength: 10, maxLength: 10 }),
  keys: fc.array(fc.nat(20), { minLength: 10, maxLength: 10 }),
  bcast: fc.array(fc.nat(3), { minLength: 2, maxLength: 2 }),
  symBatch: fc.boolean(), symM: fc.boolean(), constB: fc.boolean(),
}).map((g) => {
  let next = 0;
  const take = (n: number): string[] => Array.from({ length: n }, () => 'abcdefghij'[next++]!);
  const batch = take(g.nBatch), M = take(g.nM), N = take(g.nN), K = take(g.nK), SA = take(g.sumA), SB = take(g.sumB);
  const size = (l: string): number => g.sizes['abcdefghij'.indexOf(l)]!;
  const la = shuffled([...batch, ...M, ...K, ...SA], g.keys), lb = shuffled([...batch, ...N, ...K, ...SB], g.keys.slice(3));
  const lo = shuffled([...batch, ...M, ...N], g.keys.slice(5));
  // Symbols: every batch label (same symbol in both operands), and the single M label.
  const sym = (l: string): string | undefined =>
    (g.symBatch && batch.includes(l) ? `s${l}` : g.symM && M.length === 1 && M[0] === l ? 'm' : undefined);
  // A batch label may be 1 in one operand (broadcast); not with a symbol (both sides must be equal).
  const ones = new Map<string, number>(batch.filter((l, i) => !sym(l) && g.bcast[i % 2]! === 0).map((l, i) => [l, i % 2]));
  const dimIn = (l: string, op: number): number => (ones.get(l) === op ? 1 : size(l));
  const typeIn = (l: string, op: number): number | string => (op === 1 && g.constB ? dimIn(l, op) : sym(l) ?? dimIn(l, op));
  return {
    eq: `${la.join('')},${lb.join('')}->${lo.join('')}`,
    types: [la.map((l) => typeIn(l, 0)), lb.map((l) => typeIn(l, 1))],
    dims: [la.map((l) => dimIn(l, 0)), lb.map((l) => dimIn(l, 1))],
    out: lo.map((l) => (g.constB ? size(l) : sym(l) ?? size(l))),
    constB: g.constB,
  };
}).filter((c) => !(c.constB && c.types[0]!.some((d) => typeof d === 'string')));

/** A one-operand einsum: a transpose with some labels summed. */
const arbUnary: fc.Arbitrary<Case> = fc.record({
  rank: fc.integer({ min: 0, max: 4 }), keep: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
  sizes: fc.array(fc.constantFrom(...SIZES), { minLength: 4, maxLength: 4 }), keys: fc.array(fc.nat(20), { minLength: 4, maxLength: 4 }),
}).map((g) => {
  const ls = [...'pqrs'.slice(0, g.rank)];
  const lo = shuffled(ls.filter((_, i) => g.keep[i]), g.keys);
  return { eq: `${ls.join('')}->${lo.join('')}`, types: [ls.map((_, i) => g.sizes[i]!)], dims: [ls.map((_, i) => g.sizes[i]!)], out: lo.map((l) => g.sizes[ls.indexOf(l)]!), constB: false };
});

/** Three or four operands over a shared pool of labels (no diagonals, no size-1 broadcasting). */
const arbChain: fc.Arbitrary<Case> = fc.record({
  n: fc.integer({ min: 3, max: 4 }),
  picks: fc.array(fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }), { minLength: 5, maxLength: 5 }),
  sizes: fc.array(fc.constantFrom(...SIZES), { minLength: 5, maxLength: 5 }),
  keys: fc.array(fc.nat(20), { minLength: 10, maxLength: 10 }),
}).map((g) => {
  const ops = Array.from({ length: g.n }, (_, i) => shuffled([...'pqrst'].filter((_, j) => g.picks[i]![j]), g.keys.slice(i)));
  const used = [...new Set(ops.flat())];
  const lo = shuffled(used.filter((_, j) => g.picks[4]![j]), g.keys.slice(5));
  const size = (l: string): number => g.sizes['pqrst'.indexOf(l)]!;
  const dims = ops.map((ls) => ls.map(size));
  return { eq: `${ops.map((ls) => ls.join('')).join(',')}->${lo.join('')}`, types: dims, dims, out: lo.map(size), constB: false };
});

const einsums = (m: Module): number => m.main.body.ops.filter((op) => op.name === 'einsum').length;

function preserved(arb: fc.Arbitrary<Case>, numRuns: number, atol = 1e-5): void {
  checkPreservesSemantics('einsum-matmul', {
    arbitrary: arb.map((c) => ({ module: parseModule(moduleText(c), { file: 't.ir' }), inputs: inputsOf(c) })),
    rtol: 1e-5, atol, numRuns,
    after: (x) => expect(einsums(x.module), printModule(x.module)).toBe(0),
  });
}

/** For the wasm profile an einsum may stay only when it is a plain static matrix product. */
function keptOnlyWhenPlain(module: Module): void {
  for (const op of module.main.body.ops.filter((o) => o.name === 'einsum')) {
    const eq = op.attrs.get('equation')!.value as string;
    expect(plainContraction(eq, op.operands.map((v) => v!.type.shape!), op.results[0]!.type.shape!), eq).toBe(true);
  }
}

describe('einsum-matmul keeps results and removes the einsum', () => {
  it('two operands (fast-check)', () => preserved(arbBinary, 200));
  it('one operand (fast-check)', () => preserved(arbUnary, 60));
  // Pairwise contraction rounds each intermediate to f32: sums of up to 7^5 products, hence atol.
  it('three and four operands (fast-check)', () => preserved(arbChain, 100, 1e-4));

  it('two operands for the wasm profile (fast-check)', () => {
    checkPreservesSemantics('einsum-matmul', {
      arbitrary: arbBinary.map((c) => ({ module: parseModule(moduleText(c), { file: 't.ir' }), inputs: inputsOf(c) })),
      rtol: 1e-5, atol: 1e-5, numRuns: 100, run: { target: WASM_PROFILE },
      after: (x) => keptOnlyWhenPlain(x.module),
    });
  });

  it('named forms map to the expected ops', () => {
    const ops = (eq: string, types: string[], out: string): string[] => {
      const text = `module @m {\n  func @main(${types.map((t, i) => `%x${i}: f32[${t}]`).join(', ')}) -> (%y: f32[${out}]) {\n    %y = einsum(${types.map((_, i) => `%x${i}`).join(', ')}) {equation = "${eq}"} : f32[${out}]\n    return %y\n  }\n}\n`;
      const m = parseModule(text, { file: 't.ir' });
      runPipeline(m, 'einsum-matmul', { verifyEach: true });
      return m.main.body.ops.map((op) => op.name).filter((n) => n !== 'const' && n !== 'return');
    };
    expect(ops('bhid,bhjd->bhij', ['b,4,n,8', 'b,4,n,8'], 'b,4,n,n')).toEqual(['transpose', 'matmul']);
    expect(ops('ij,jk->ik', ['3,5', '5,7'], '3,7')).toEqual(['matmul']);
    expect(ops('ij,jk->ki', ['3,5', '5,7'], '7,3')).toEqual(['matmul', 'transpose']);
    expect(ops('bij,bjk->bik', ['1,3,5', 'b,5,7'], 'b,3,7')).toEqual(['matmul']);
    expect(ops('i,j->ij', ['3', '5'], '3,5')).toEqual(['unsqueeze', 'mul']);
    expect(ops('i,i', ['5', '5'], '')).toEqual(['mul', 'reduce_sum']);
    expect(ops('ij,j->i', ['3,5', '5'], '3')).toEqual(['matmul']);
    expect(ops('...ij,...jk', ['2,1,3,4', '5,4,6'], '2,5,3,6')).toEqual(['matmul']);
    expect(ops('ij->ji', ['3,5'], '5,3')).toEqual(['transpose']);
    expect(ops('bmk,kn->bmn', ['b,m,4', '4,6'], 'b,m,6')).toEqual(['matmul']);
    // Three operands: contracted pairwise, left to right.
    expect(ops('ij,jk,k->i', ['3,5', '5,6', '6'], '3')).toEqual(['matmul', 'matmul']);
    // Several static K labels merge into one dim with a reshape on each side.
    expect(ops('ikl,klj->ij', ['3,4,5', '4,5,6'], '3,6')).toEqual(['reshape', 'reshape', 'matmul']);
  });

  it('keeps diagonals, symbolic multi-label contractions and f64', () => {
    const kept = (eq: string, types: string[], out: string, dt = 'f32'): number => {
      const text = `module @m {\n  func @main(${types.map((t, i) => `%x${i}: ${dt}[${t}]`).join(', ')}) -> (%y: ${dt}[${out}]) {\n    %y = einsum(${types.map((_, i) => `%x${i}`).join(', ')}) {equation = "${eq}"} : ${dt}[${out}]\n    return %y\n  }\n}\n`;
      const m = parseModule(text, { file: 't.ir' });
      const r = runPipeline(m, 'einsum-matmul', { verifyEach: true });
      expect(r.changed).toBe(false);
      return einsums(m);
    };
    expect(kept('ii->i', ['4,4'], '4')).toBe(1);
    expect(kept('bii,bi->b', ['2,3,3', '2,3'], '2')).toBe(1);
    expect(kept('ij,jk,kk->ij', ['2,3', '3,4', '4,4'], '2,3')).toBe(1);
    expect(kept('ikl,klj->ij', ['3,p,q', 'p,q,6'], '3,6')).toBe(1);
    expect(kept('ij,jk->ik', ['3,5', '5,7'], '3,7', 'f64')).toBe(1);
    // A summed label that broadcasts (size 1 against 5) is not a plain contraction.
    expect(kept('ij,jk->ik', ['3,1', '5,7'], '3,7')).toBe(1);
  });

  it('stores a constant operand already transposed instead of transposing it at run time', () => {
    const c: Case = { eq: 'bid,hd->bih', types: [['b', 3, 4], [5, 4]], dims: [[2, 3, 4], [5, 4]], out: ['b', 3, 5], constB: true };
    const m = parseModule(moduleText(c), { file: 't.ir' });
    const before = interpText(moduleText(c), inputsOf(c));
    runPipeline(m, 'einsum-matmul', { verifyEach: true });
    expect(m.main.body.ops.map((op) => op.name)).toEqual(['const', 'matmul', 'return']);
    expectClose(interpText(printModule(m), inputsOf(c)), before, 1e-6, 1e-6);
  });
});

describe('einsum-matmul through the backends', () => {
  // Symbolic batch (not a static plain product: rewritten for every target); a static plain
  // product with a run-time B (wasm keeps it on its einsum GEMM); a constant B (a packed matmul).
  const symbolic: Case = { eq: 'bhid,bhjd->bhij', types: [['b', 2, 5, 8], ['b', 2, 7, 8]], dims: [[3, 2, 5, 8], [3, 2, 7, 8]], out: ['b', 2, 5, 7], constB: false };
  const plain: Case = { eq: 'bkm,bnk->bmn', types: [[2, 9, 5], [2, 6, 9]], dims: [[2, 9, 5], [2, 6, 9]], out: [2, 5, 6], constB: false };
  const weight: Case = { eq: 'bid,hd->bih', types: [[2, 3, 4], [5, 4]], dims: [[2, 3, 4], [5, 4]], out: [2, 3, 5], constB: true };

  it('wasm: matches the interpreter; keeps only the plain product with a run-time B', async () => {
    for (const c of [symbolic, plain, weight]) {
      const text = moduleText(c);
      const want = interpText(text, inputsOf(c));
      expectClose(await runWasm(text, inputsOf(c), 'einsum-matmul,fuse'), want, 1e-5, 1e-5);
      const wat = (await compileWasm(parseModule(text, { file: 't.ir' }), { passes: 'O2' })).wat;
      expect(wat.includes('einsum'), c.eq).toBe(c === plain);
      expect(wat.includes('einsum as gemm'), c.eq).toBe(c === plain);
      if (c === weight) expect(wat).toContain('tuned kernel');
    }
  });

  it('webgpu: every case becomes a matmul and matches the interpreter', async () => {
    for (const c of [symbolic, plain, weight]) {
      const text = moduleText(c);
      const want = interpText(text, inputsOf(c));
      expectClose(await runWebGpu(text, inputsOf(c), 'einsum-matmul,fuse'), want, 1e-5, 1e-5);
      const manifest = JSON.stringify(compileText(text, 'O2').manifest);
      expect(manifest).not.toContain('einsum');
      expect(manifest).toContain('matmul');
    }
  });
});
