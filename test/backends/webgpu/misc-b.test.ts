// kernels/misc-b.ts on Dawn + SwiftShader against the interpreter (fast-check, random small shapes
// incl. 1 and primes): batch_normalization in training mode (Y, running mean and variance),
// mean_variance_normalization over any axes, max_pool with its Indices (1-D to 3-D, pads,
// strides, dilations, ceil_mode, storage_order, ties, NaN, integers), max_unpool (indices from
// max_pool and arbitrary ones, with and without output_shape). Also: the shaders pass Tint and
// naga and compile byte-identically, and unsupported cases fail with E201 naming the op.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Tensor, tensorFrom } from '../../../ir/tensor.js';
import type { CompiledWebGpu } from '../../../src/backends/webgpu/index.js';
import { check, compileText, expectClose, fmtShape, interpText, rand, runCompiled, validateShaders } from './helpers.js';
import { nagaErrors } from './naga-run.js';

const mod = (args: string, rets: string, lines: readonly string[], ret: string): string =>
  ['module @m {', `  func @main(${args}) -> (${rets}) {`, ...lines.map((l) => `    ${l}`), `    return ${ret}`, '  }', '}'].join('\n');

const dim: fc.Arbitrary<number> = fc.constantFrom(1, 2, 3, 5, 7);

/** Values on a coarse grid (ties for max_pool), optionally with NaNs. */
function gridValues(shape: readonly number[], seed: number, nans: number): Tensor {
  const t = rand(shape, seed);
  const d = t.data as Float32Array;
  for (let i = 0; i < d.length; i++) d[i] = Math.round(d[i]! * 3) / 3;
  for (let q = 0; q < nans && d.length > 0; q++) d[((seed + q * 7919) >>> 0) % d.length] = NaN;
  return t;
}

function bnText(shape: readonly (number | string)[], eps: number, mom: number, results: 1 | 3, relu: boolean): string {
  const C = shape.length >= 2 ? shape[1]! : 1, t = fmtShape(shape), p = `f32[${C}]`;
  const lhs = results === 3 ? '%y, %rm, %rv' : '%y';
  const types = results === 3 ? `(${t}, ${p}, ${p})` : t;
  const lines = [`${lhs} = batch_normalization(%x, %s, %b, %m, %v) {epsilon = ${eps.toExponential()}, momentum = ${mom.toFixed(2)}, training_mode = 1} : ${types}`];
  if (relu) lines.push(`%r = relu(%y) : ${t}`);
  const y = relu ? '%r' : '%y';
  return mod(`%x: ${t}, %s: ${p}, %b: ${p}, %m: ${p}, %v: ${p}`, results === 3 ? `${y}: ${t}, %rm: ${p}, %rv: ${p}` : `${y}: ${t}`, lines, results === 3 ? `${y}, %rm, %rv` : y);
}

function bnInputs(shape: readonly number[], seed: number): Tensor[] {
  const C = shape.length >= 2 ? shape[1]! : 1;
  const v = rand([C], seed + 4);
  (v.data as Float32Array).forEach((x, i, a) => (a[i] = x + 1.5));
  return [rand(shape, seed), rand([C], seed + 1), rand([C], seed + 2), rand([C], seed + 3), v];
}

interface PoolCase { n: number; c: number; sp: number[]; k: number[]; s: number[]; d: number[]; pb: number[]; pe: number[]; ceil: boolean; order: 0 | 1 }

/** Output size per axis (ceil_mode drops a last window that would start in the end padding). */
function poolOut(p: PoolCase): number[] {
  return p.sp.map((n, a) => {
    const ek = (p.k[a]! - 1) * p.d[a]! + 1, span = n + p.pb[a]! + p.pe[a]! - ek;
    let o = (p.ceil ? Math.ceil(span / p.s[a]!) : Math.floor(span / p.s[a]!)) + 1;
    if (p.ceil && (o - 1) * p.s[a]! >= n + p.pb[a]!) o--;
    return o;
  });
}

const poolCase: fc.Arbitrary<PoolCase> = fc.integer({ min: 1, max: 3 }).chain((r) => fc.record({
  n: fc.constantFrom(1, 2), c: fc.constantFrom(1, 3),
  sp: fc.array(dim, { minLength: r, maxLength: r }),
  k: fc.array(fc.constantFrom(1, 2, 3), { minLength: r, maxLength: r }),
  s: fc.array(fc.constantFrom(1, 2, 3), { minLength: r, maxLength: r }),
  d: fc.array(fc.constantFrom(1, 2), { minLength: r, maxLength: r }),
  pb: fc.array(fc.constantFrom(0, 1, 2), { minLength: r, maxLength: r }),
  pe: fc.array(fc.constantFrom(0, 1, 2), { minLength: r, maxLength: r }),
  ceil: fc.boolean(), order: fc.constantFrom(0 as const, 1 as const),
})).map((p) => {
  // A window that fits the input (so also the padded one), pads smaller than the kernel.
  const k = p.k.map((kk, a) => Math.min(kk, p.sp[a]!));
  const d = p.d.map((dd, a) => ((k[a]! - 1) * dd + 1 <= p.sp[a]! ? dd : 1));
  return { ...p, k, d, pb: p.pb.map((x, a) => Math.min(x, k[a]! - 1)), pe: p.pe.map((x, a) => Math.min(x, k[a]! - 1)) };
});

const poolAttrs = (p: PoolCase): string =>
  `kernel_shape = [${p.k.join(', ')}], strides = [${p.s.join(', ')}], dilations = [${p.d.join(', ')}], pads = [${[...p.pb, ...p.pe].join(', ')}], ceil_mode = ${p.ceil ? 1 : 0}, storage_order = ${p.order}`;

function maxPoolText(p: PoolCase, dtype: string): string {
  const xs = [p.n, p.c, ...p.sp], ys = [p.n, p.c, ...poolOut(p)];
  const x = fmtShape(xs, dtype), y = fmtShape(ys, dtype), ind = fmtShape(ys, 'i64');
  return mod(`%x: ${x}`, `%y: ${y}, %i: ${ind}`, [`%y, %i = max_pool(%x) {${poolAttrs(p)}} : (${y}, ${ind})`], '%y, %i');
}

function unpoolText(xs: readonly number[], k: readonly number[], s: readonly number[], pads: readonly number[], out: readonly number[] | null): string {
  const r = k.length;
  const def = xs.slice(2).map((n, a) => (n - 1) * s[a]! + k[a]! - pads[a]! - pads[a + r]!);
  const ys = [xs[0]!, xs[1]!, ...(out ?? def)];
  const attrs = `kernel_shape = [${k.join(', ')}], strides = [${s.join(', ')}], pads = [${pads.join(', ')}]`;
  const lines = out ? [`%os = const {value = dense<[${ys.join(', ')}]> : i64[${ys.length}]} : i64[${ys.length}]`, `%y = max_unpool(%x, %i, %os) {${attrs}} : ${fmtShape(ys)}`]
    : [`%y = max_unpool(%x, %i) {${attrs}} : ${fmtShape(ys)}`];
  return mod(`%x: ${fmtShape(xs)}, %i: ${fmtShape(xs, 'i64')}`, `%y: ${fmtShape(ys)}`, lines, '%y');
}

describe('webgpu misc-b kernels vs interpreter (fast-check)', () => {
  it('batch_normalization in training mode: Y, running mean and variance; Y alone; a relu in its epilogue', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(dim, { minLength: 1, maxLength: 4 }), fc.constantFrom(1e-5, 0.01, 0.5), fc.constantFrom(0.9, 0.5, 0.0), fc.constantFrom(1 as const, 3 as const), fc.boolean(), fc.integer(),
      async (shape, eps, mom, results, relu, seed) => {
        await check(bnText(shape, eps, mom, results, relu), bnInputs(shape, seed), 'fuse', 1e-4, 1e-4);
      },
    ), { numRuns: 12, seed: 501 });
  }, 30_000);

  it('mean_variance_normalization over random axes (negative ones too), any rank', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(dim, { minLength: 1, maxLength: 4 }), fc.integer(), fc.integer(),
      async (shape, pick, seed) => {
        const r = shape.length;
        const axes = shape.map((_d, a) => a).filter((a) => (pick >>> a) & 1).map((a) => ((pick >>> (a + 8)) & 1 ? a - r : a));
        const use = axes.length > 0 ? axes : [r - 1];
        const t = fmtShape(shape);
        await check(mod(`%x: ${t}`, `%y: ${t}`, [`%y = mean_variance_normalization(%x) {axes = [${use.join(', ')}]} : ${t}`], '%y'), [rand(shape, seed)], 'fuse', 1e-3, 1e-4);
      },
    ), { numRuns: 12, seed: 502 });
  }, 30_000);

  it('max_pool Indices: 1-D to 3-D, pads, strides, dilations, ceil_mode, storage_order, ties, NaN, i32', async () => {
    await fc.assert(fc.asyncProperty(poolCase, fc.constantFrom(0, 0, 2), fc.constantFrom('f32', 'f32', 'i32'), fc.integer(),
      async (p, nans, dtype, seed) => {
        const xs = [p.n, p.c, ...p.sp];
        const g = gridValues(xs, seed, dtype === 'f32' ? nans : 0);
        const x = dtype === 'f32' ? g : tensorFrom('i32', xs, Array.from(g.data as Float32Array, (v) => Math.round(v * 3)));
        await check(maxPoolText(p, dtype), [x], 'fuse', 0, 0);
      },
    ), { numRuns: 25, seed: 503 });
  }, 30_000);

  it('max_unpool of max_pool results, and of arbitrary indices (duplicates: the last wins; other planes), with output_shape', async () => {
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 1, max: 2 }), fc.constantFrom(1, 2), fc.constantFrom(1, 3), dim, dim, fc.constantFrom(1, 2, 3), fc.constantFrom(1, 2), fc.constantFrom(0, 1), fc.boolean(), fc.integer(),
      async (r, n, c, h, w, k, s, pad, withShape, seed) => {
        const sp = [h, w].slice(0, r), ks = sp.map(() => k), ss = sp.map(() => s), pads = [...sp.map(() => Math.min(pad, k - 1)), ...sp.map(() => 0)];
        const xs = [n, c, ...sp];
        // Pads at most k - 1 (begin only): every default output dim is at least 1, and max_pool of it gives sp back.
        const def = sp.map((v, a) => (v - 1) * s + k - pads[a]! - pads[a + r]!);
        const total = n * c * def.reduce((a, v) => a * v, 1);
        const count = xs.reduce((a, v) => a * v, 1);
        let st = seed >>> 0;
        const idx = Array.from({ length: count }, () => BigInt((st = (st * 1103515245 + 12345) >>> 0) % total));
        const out = withShape ? def.map((v, a) => Math.max(1, v + ((seed >>> a) % 5) - 2)) : null;
        await check(unpoolText(xs, ks, ss, pads, out), [rand(xs, seed), tensorFrom('i64', xs, idx)], 'fuse', 0, 0);
        // Indices from max_pool in the same module: the round trip puts each window's max back.
        const p: PoolCase = { n, c, sp: def.map((v) => v), k: ks, s: ss, d: sp.map(() => 1), pb: pads.slice(0, r), pe: pads.slice(r), ceil: false, order: 0 };
        const ys = [n, c, ...poolOut(p)];
        const text = mod(`%x: ${fmtShape([n, c, ...def])}`, `%u: ${fmtShape([n, c, ...def])}`, [
          `%y, %i = max_pool(%x) {${poolAttrs(p)}} : (${fmtShape(ys)}, ${fmtShape(ys, 'i64')})`,
          `%u = max_unpool(%y, %i) {kernel_shape = [${ks.join(', ')}], strides = [${ss.join(', ')}], pads = [${pads.join(', ')}]} : ${fmtShape([n, c, ...def])}`,
        ], '%u');
        await check(text, [rand([n, c, ...def], seed + 1)], 'fuse', 0, 0);
      },
    ), { numRuns: 15, seed: 504 });
  }, 30_000);

  it('max_unpool of another X at max_pool Indices (window search; storage_order 1 walks all of X): overlapping windows, the last wins', async () => {
    await fc.assert(fc.asyncProperty(poolCase, fc.integer(), async (p, seed) => {
      const out = poolOut(p);
      fc.pre(out.every((o, a) => o >= 1 && o <= p.sp[a]!));
      const xs = [p.n, p.c, ...p.sp], ys = [p.n, p.c, ...out];
      // Unpool attributes whose default size is the pooled input's: kernel in - out + 1, stride 1.
      const uk = p.sp.map((n, a) => n - out[a]! + 1);
      const text = mod(`%x: ${fmtShape(xs)}, %z: ${fmtShape(ys)}`, `%u: ${fmtShape(xs)}`, [
        `%y, %i = max_pool(%x) {${poolAttrs(p)}} : (${fmtShape(ys)}, ${fmtShape(ys, 'i64')})`,
        `%u = max_unpool(%z, %i) {kernel_shape = [${uk.join(', ')}]} : ${fmtShape(xs)}`,
      ], '%u');
      await check(text, [gridValues(xs, seed, 0), rand(ys, seed + 1)], 'fuse', 0, 0);
    }), { numRuns: 60, seed: 505 });
  }, 30_000);
});

describe('webgpu misc-b kernels: cases handled before, validation, refusals', () => {
  it('inference batch_normalization (per channel; per activation, opset < 9) and one-result max_pool still run', async () => {
    const t = fmtShape([2, 3, 2, 5]);
    const bn = (p: string): string => mod(`%x: ${t}, %s: ${p}, %b: ${p}, %m: ${p}, %v: ${p}`, `%r: ${t}`,
      [`%y = batch_normalization(%x, %s, %b, %m, %v) {epsilon = 0.01} : ${t}`, `%r = relu(%y) : ${t}`], '%r');
    for (const ps of [[3], [3, 2, 5]]) {
      const v = rand(ps, 9);
      (v.data as Float32Array).forEach((x, i, a) => (a[i] = x + 1.5));
      await check(bn(fmtShape(ps)), [rand([2, 3, 2, 5], 1), rand(ps, 2), rand(ps, 3), rand(ps, 4), v], 'fuse', 1e-4, 1e-5);
    }
    // Inference batch_normalization stays a map kernel: it joins the dispatch of the op before it.
    const p3 = fmtShape([3]);
    const chain = mod(`%x: ${t}, %s: ${p3}, %b: ${p3}, %m: ${p3}, %v: ${p3}`, `%r: ${t}`,
      [`%e = exp(%x) : ${t}`, `%r = batch_normalization(%e, %s, %b, %m, %v) {epsilon = 0.01} : ${t}`], '%r');
    expect(compileText(chain).manifest.kernels.map((k) => k.ops)).toEqual([['exp', 'batch_normalization']]);
    const y = fmtShape([2, 3, 1, 2]);
    const mp = mod(`%x: ${t}`, `%r: ${y}`, [`%y = max_pool(%x) {kernel_shape = [2, 3], strides = [2, 2]} : ${y}`, `%r = relu(%y) : ${y}`], '%r');
    const c = compileText(mp);
    // The relu stays in max_pool's epilogue: one dispatch.
    expect(c.manifest.kernels.map((k) => k.ops)).toEqual([['max_pool', 'relu']]);
    expect(await runCompiled(c, [rand([2, 3, 2, 5], 5)])).toEqual(interpText(mp, [rand([2, 3, 2, 5], 5)]));
  });

  const compiled = (): { name: string; c: CompiledWebGpu }[] => {
    const p: PoolCase = { n: 1, c: 2, sp: [5, 7], k: [3, 2], s: [2, 1], d: [1, 2], pb: [1, 0], pe: [1, 1], ceil: true, order: 1 };
    const p3: PoolCase = { ...p, sp: [3, 5, 2], k: [2, 2, 2], s: [1, 2, 1], d: [1, 1, 1], pb: [0, 1, 0], pe: [1, 0, 0] };
    return [
      ['bn-train', bnText(['batch', 3, 5], 0.01, 0.9, 3, true)],
      ['bn-train-y', bnText([2, 3, 5], 0.01, 0.9, 1, false)],
      ['mvn', mod('%x: f32[batch,3,5,2]', '%y: f32[batch,3,5,2]', ['%y = mean_variance_normalization(%x) : f32[batch,3,5,2]'], '%y')],
      ['max-pool-indices', maxPoolText(p, 'f32')],
      ['max-pool-indices-3d-i32', maxPoolText(p3, 'i32')],
      ['max-unpool', unpoolText([1, 2, 2, 3], [2, 2], [2, 2], [0, 0, 0, 0], null)],
      ['max-unpool-shape', unpoolText([1, 2, 2, 3], [2, 2], [2, 2], [0, 0, 0, 0], [5, 5])],
    ].map(([name, text]) => ({ name: name!, c: compileText(text!) }));
  };

  it('pass Tint (Dawn null backend) and naga (wgpu), and compile byte-identically twice', async () => {
    const first = compiled(), second = compiled();
    for (const { c } of first) expect(await validateShaders(c)).toEqual([]);
    expect(await nagaErrors(first)).toEqual([]);
    expect(second.map(({ c }) => [c.shaders, c.manifest])).toEqual(first.map(({ c }) => [c.shaders, c.manifest]));
    // Training batch norm and MVN reduce in workgroup memory.
    expect(first[0]!.c.manifest.workgroupStorageBytes).toBeGreaterThan(0);
  }, 60_000);

  it('max_unpool at the Indices of a row-major max_pool searches the windows, not all of X', () => {
    const text = (order: number): string => mod('%x: f32[1,2,5,5], %z: f32[1,2,4,4]', '%u: f32[1,2,5,5]', [
      `%y, %i = max_pool(%x) {kernel_shape = [2, 2], storage_order = ${order}} : (f32[1,2,4,4], i64[1,2,4,4])`,
      '%u = max_unpool(%z, %i) {kernel_shape = [2, 2]} : f32[1,2,5,5]',
    ], '%u');
    const unpool = (order: number): string => compileText(text(order)).shaders.find((sh) => sh.code.includes('// max_unpool'))!.code;
    expect(unpool(0)).toMatch(/for \(var t1 = 0i; t1 < 2i; t1\+\+\)/);
    expect(unpool(0)).not.toMatch(/for \(var e = /);
    expect(unpool(1)).toMatch(/for \(var e = 32u; e > 0u; e--\)/);
  });

  it('symbolic batch: training batch_normalization and mean_variance_normalization at two batch sizes', async () => {
    for (const N of [1, 4]) {
      const text = bnText(['batch', 3, 5], 0.01, 0.9, 3, true);
      const inputs = bnInputs([N, 3, 5], N);
      expectClose(await runCompiled(compileText(text), inputs), interpText(text, inputs), 1e-4, 1e-4);
      const mvn = mod('%x: f32[batch,3,5,2]', '%y: f32[batch,3,5,2]', ['%y = mean_variance_normalization(%x) : f32[batch,3,5,2]'], '%y');
      expectClose(await runCompiled(compileText(mvn), [rand([N, 3, 5, 2], N)]), interpText(mvn, [rand([N, 3, 5, 2], N)]), 1e-3, 1e-4);
    }
  });

  it('refuses integer training batch norm, running statistics without training_mode, and per-activation training parameters (E201)', () => {
    const ti = fmtShape([2, 3, 4], 'i32');
    expect(() => compileText(mod(`%x: ${ti}, %s: i32[3], %b: i32[3], %m: i32[3], %v: i32[3]`, `%y: ${ti}`,
      [`%y = batch_normalization(%x, %s, %b, %m, %v) {training_mode = 1} : ${ti}`], '%y'))).toThrow(/E201.*batch_normalization on i32 is not supported by the webgpu backend/);
    const t = fmtShape([2, 3, 4]);
    expect(() => compileText(mod(`%x: ${t}, %s: f32[3,4], %b: f32[3,4], %m: f32[3,4], %v: f32[3,4]`, `%y: ${t}`,
      [`%y = batch_normalization(%x, %s, %b, %m, %v) {training_mode = 1} : ${t}`], '%y'))).toThrow(/E201.*training mode needs per-channel parameters of 3 elements/);
  });
});
