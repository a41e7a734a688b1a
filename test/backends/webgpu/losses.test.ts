// fast-check on Dawn + SwiftShader: the loss kernels (kernels/losses.ts) against the interpreter:
// negative_log_likelihood_loss and softmax_cross_entropy_loss with every reduction, class weights
// or none, ignore_index hitting some targets (or all: 'mean' is then 0/0 = NaN on both), i64 and
// i32 targets, the optional log_prob result, spatial dims of 1 and odd sizes; more positions than
// one workgroup has threads; the shaders through Tint and naga; byte-identical recompiles.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Tensor, tensorFrom } from '../../../ir/tensor.js';
import type { CompiledWebGpu } from '../../../src/backends/webgpu/index.js';
import { compileText, expectClose, fmtShape, interpText, rand, runCompiled, validateShaders } from './helpers.js';
import { nagaErrors } from './naga-run.js';

interface Case {
  op: 'negative_log_likelihood_loss' | 'softmax_cross_entropy_loss';
  n: number; c: number; inner: number[];
  reduction: 'none' | 'sum' | 'mean';
  weight: boolean; ignore: number | null; tdtype: 'i64' | 'i32'; logProb: boolean;
}

function lossText(k: Case): string {
  const x = [k.n, k.c, ...k.inner], t = [k.n, ...k.inner];
  const loss = k.reduction === 'none' ? fmtShape(t) : 'f32[]';
  const lp = k.logProb && k.op === 'softmax_cross_entropy_loss';
  const attrs = [...(k.ignore === null ? [] : [`ignore_index = ${k.ignore}`]), `reduction = "${k.reduction}"`].join(', ');
  const results = lp ? `(%z: ${loss}, %lp: ${fmtShape(x)})` : `(%z: ${loss})`;
  return [
    'module @m {',
    `  func @main(%x: ${fmtShape(x)}, %t: ${fmtShape(t, k.tdtype)}${k.weight ? `, %w: f32[${k.c}]` : ''}) -> ${results} {`,
    `    ${lp ? '%z, %lp' : '%z'} = ${k.op}(%x, %t${k.weight ? ', %w' : ''}) {${attrs}} : ${lp ? `(${loss}, ${fmtShape(x)})` : loss}`,
    `    return ${lp ? '%z, %lp' : '%z'}`,
    '  }',
    '}',
  ].join('\n');
}

function lossInputs(k: Case, seed: number): Tensor[] {
  const t = [k.n, ...k.inner];
  const count = t.reduce((a, b) => a * b, 1);
  let s = seed >>> 0 || 1;
  const labels = Array.from({ length: count }, () => { s = (s * 1103515245 + 12345) >>> 0; return (s >>> 8) % k.c; });
  const target = k.tdtype === 'i64' ? tensorFrom('i64', t, labels.map(BigInt)) : tensorFrom('i32', t, labels);
  const x = rand([k.n, k.c, ...k.inner], seed);
  (x.data as Float32Array).forEach((v, i, a) => (a[i] = 3 * v));
  const inputs = [x, target];
  if (k.weight) inputs.push(tensorFrom('f32', [k.c], Array.from(rand([k.c], seed + 1).data as Float32Array, (v) => 0.25 + Math.abs(v))));
  return inputs;
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  op: fc.constantFrom('negative_log_likelihood_loss' as const, 'softmax_cross_entropy_loss' as const),
  n: fc.constantFrom(1, 2, 3), c: fc.constantFrom(1, 2, 3, 5, 7),
  inner: fc.array(fc.constantFrom(1, 2, 3, 5), { maxLength: 2 }),
  reduction: fc.constantFrom('none' as const, 'sum' as const, 'mean' as const),
  weight: fc.boolean(), ignore: fc.option(fc.integer({ min: -1, max: 2 }), { nil: null }),
  tdtype: fc.constantFrom('i64' as const, 'i32' as const), logProb: fc.boolean(),
});

describe('webgpu loss kernels vs interpreter (fast-check)', () => {
  it('nll and softmax cross-entropy: every reduction, weights, ignore_index, log_prob', async () => {
    await fc.assert(fc.asyncProperty(caseArb, fc.integer(), async (k, seed) => {
      const text = lossText(k);
      const inputs = lossInputs(k, seed);
      expectClose(await runCompiled(compileText(text), inputs), interpText(text, inputs), 1e-4, 1e-4);
    }), { numRuns: 24, seed: 31 });
  }, 60_000);

  it('more positions than a workgroup has threads (130): strided sums and several workgroups', async () => {
    for (const reduction of ['none', 'sum', 'mean'] as const) {
      const k: Case = { op: 'softmax_cross_entropy_loss', n: 2, c: 3, inner: [5, 13], reduction, weight: true, ignore: 2, tdtype: 'i64', logProb: true };
      const text = lossText(k);
      const inputs = lossInputs(k, 7);
      expectClose(await runCompiled(compileText(text), inputs), interpText(text, inputs), 1e-4, 1e-4);
    }
  }, 30_000);

  it('every target ignored: mean is 0/0 = NaN, sum is 0, none is all 0', async () => {
    for (const reduction of ['none', 'sum', 'mean'] as const) {
      const k: Case = { op: 'negative_log_likelihood_loss', n: 3, c: 1, inner: [2], reduction, weight: false, ignore: 0, tdtype: 'i64', logProb: false };
      const text = lossText(k);
      const got = await runCompiled(compileText(text), lossInputs(k, 3));
      const want = interpText(text, lossInputs(k, 3));
      expectClose(got, want);
      expect(Number.isNaN((got[0]!.data as Float32Array)[0])).toBe(reduction === 'mean');
    }
  }, 30_000);
});

describe('loss shaders', () => {
  const cases: Case[] = (['none', 'sum', 'mean'] as const).flatMap((reduction) => [
    { op: 'softmax_cross_entropy_loss' as const, n: 2, c: 5, inner: [3], reduction, weight: true, ignore: 1, tdtype: 'i64' as const, logProb: true },
    { op: 'negative_log_likelihood_loss' as const, n: 3, c: 2, inner: [], reduction, weight: false, ignore: null, tdtype: 'i32' as const, logProb: false },
  ]);
  const compiled = (): { name: string; c: CompiledWebGpu }[] => cases.map((k, j) => ({ name: `${k.op}-${k.reduction}-${j}`, c: compileText(lossText(k)) }));

  it('pass Tint (Dawn null backend) and naga (wgpu), and compile byte-identically twice', async () => {
    const first = compiled(), second = compiled();
    for (const { c } of first) expect(await validateShaders(c)).toEqual([]);
    expect(await nagaErrors(first)).toEqual([]);
    // The check can fail: the same shader with its epilogue renamed no longer resolves.
    const c0 = first[0]!.c;
    const broken = { ...c0, shaders: c0.shaders.map((s) => ({ ...s, code: s.code.replace('fn epi(', 'fn epi_(') })) };
    expect((await nagaErrors([{ name: 'broken', c: broken }])).join('\n')).toMatch(/epi/);
    expect(second.map(({ c }) => c.shaders)).toEqual(first.map(({ c }) => c.shaders));
  }, 60_000);

  it('sum and mean reduce in one workgroup with workgroup memory; none uses none', () => {
    const all = compiled().map(({ c }) => c);
    const none = all[0], sum = all[2];
    expect(none!.manifest.workgroupStorageBytes).toBe(0);
    expect(sum!.manifest.workgroupStorageBytes).toBeGreaterThan(0);
    expect(sum!.manifest.kernels[0]!.dispatch.every((d) => d.dims.length === 0 && d.div === 1)).toBe(true);
  });
});
