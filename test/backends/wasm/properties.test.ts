// fast-check: the wasm backend agrees with the interpreter on MatMul (batched, broadcast, constant
// and runtime B), Gemm, Conv (grouped, depthwise, strides, pads, dilations) and fused elementwise
// chains with broadcasting, on random shapes including 1, odd sizes and primes.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tensorFrom, type Tensor } from '../../../ir/tensor.js';
import { expectClose, fmtShape, hexF32, interpText, runWasm } from './helpers.js';

const SIZES = [1, 2, 3, 4, 5, 7, 8, 9, 13, 17];
const size = fc.constantFrom(...SIZES);
const small = fc.constantFrom(1, 2, 3, 5);

function rand(shape: readonly number[], seed: number): Tensor {
  let s = seed >>> 0 || 1;
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    v[i] = ((s >>> 8) / 2 ** 24) * 2 - 1;
  }
  return tensorFrom('f32', shape, v);
}

async function check(text: string, inputs: Tensor[], passes = 'fuse'): Promise<void> {
  expectClose(await runWasm(text, inputs, passes), interpText(text, inputs));
}

describe('wasm vs interpreter (fast-check)', () => {
  it('matmul: batched with broadcasting, runtime B', async () => {
    await fc.assert(fc.asyncProperty(size, size, size, fc.constantFrom([], [1], [3], [2, 1]), fc.constantFrom([], [1], [3], [1, 3]), fc.integer(), async (M, K, N, ba, bb, seed) => {
      const aShape = [...ba, M, K], bShape = [...bb, K, N];
      const r = Math.max(ba.length, bb.length);
      const pa = [...Array(r - ba.length).fill(1), ...ba], pb = [...Array(r - bb.length).fill(1), ...bb];
      const batch = pa.map((d, i) => Math.max(d, pb[i]!));
      if (pa.some((d, i) => d !== 1 && pb[i] !== 1 && d !== pb[i])) return;
      const text = `module @m {\n  func @main(%a: ${fmtShape(aShape)}, %b: ${fmtShape(bShape)}) -> (%y: ${fmtShape([...batch, M, N])}) {\n    %y = matmul(%a, %b) : ${fmtShape([...batch, M, N])}\n    return %y\n  }\n}`;
      await check(text, [rand(aShape, seed), rand(bShape, seed + 1)]);
    }), { numRuns: 40 });
  });

  it('matmul: constant B (the tuned register-blocked kernel) under batched A', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom(1, 3, 5, 9, 33), fc.constantFrom(1, 4, 7, 17, 300), fc.constantFrom(1, 3, 8, 13, 40), fc.constantFrom([], [2], [2, 3]), fc.integer(), async (M, K, N, batch, seed) => {
      const w = rand([K, N], seed + 1).data as Float32Array;
      const text = [
        'module @m {',
        `  weight @w : ${fmtShape([K, N])} = bytes("${hexF32(w)}")`,
        `  func @main(%a: ${fmtShape([...batch, M, K])}) -> (%y: ${fmtShape([...batch, M, N])}) {`,
        `    %w = const {value = @w} : ${fmtShape([K, N])}`,
        `    %y = matmul(%a, %w) : ${fmtShape([...batch, M, N])}`,
        '    return %y',
        '  }',
        '}',
      ].join('\n');
      await check(text, [rand([...batch, M, K], seed)]);
    }), { numRuns: 30 });
  });

  it('gemm: constant (packed) B with bias, transposes, alpha/beta', async () => {
    await fc.assert(fc.asyncProperty(size, size, size, fc.boolean(), fc.boolean(), fc.constantFrom('vec', 'row', 'scalar', 'full', 'none'), fc.constantFrom([1, 1], [0.5, 2]), fc.integer(), async (M, K, N, tA, tB, cKind, [alpha, beta], seed) => {
      const w = rand(tB ? [N, K] : [K, N], seed + 2).data as Float32Array;
      const cShape = cKind === 'vec' || cKind === 'none' ? [N] : cKind === 'row' ? [1, N] : cKind === 'scalar' ? [] : [M, N];
      const c = rand(cShape, seed + 3).data as Float32Array;
      const aShape = tA ? [K, M] : [M, K];
      const text = [
        'module @m {',
        `  weight @w : ${fmtShape(tB ? [N, K] : [K, N])} = bytes("${hexF32(w)}")`,
        `  weight @c : ${fmtShape(cShape)} = bytes("${hexF32(c)}")`,
        `  func @main(%a: ${fmtShape(aShape)}) -> (%y: ${fmtShape([M, N])}) {`,
        `    %w = const {value = @w} : ${fmtShape(tB ? [N, K] : [K, N])}`,
        `    %c = const {value = @c} : ${fmtShape(cShape)}`,
        `    %y = gemm(%a, %w${cKind === 'none' ? '' : ', %c'}) {alpha = ${alpha!.toFixed(1)}, beta = ${beta!.toFixed(1)}, transA = ${tA ? 1 : 0}, transB = ${tB ? 1 : 0}} : ${fmtShape([M, N])}`,
        '    return %y',
        '  }',
        '}',
      ].join('\n');
      await check(text, [rand(aShape, seed)]);
    }), { numRuns: 60 });
  });

  it('conv: groups, depthwise, strides, pads, dilations, bias', async () => {
    await fc.assert(fc.asyncProperty(
      fc.constantFrom(1, 2), small, fc.constantFrom(1, 2, 3, 5, 8, 13, 16), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }),
      fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 1, max: 2 }),
      fc.constantFrom('one', 'depthwise', 'two'), fc.boolean(), fc.integer(),
      async (N, cg, coPerG, H, W, k, s, p, d, gKind, bias, seed) => {
        const group = gKind === 'one' ? 1 : gKind === 'two' ? 2 : cg;
        const C = gKind === 'depthwise' ? cg : cg * group;
        const Co = gKind === 'depthwise' ? cg : coPerG * group;
        const OH = Math.floor((H + 2 * p - d * (k - 1) - 1) / s) + 1, OW = Math.floor((W + 2 * p - d * (k - 1) - 1) / s) + 1;
        if (OH < 1 || OW < 1) return;
        const wShape = [Co, C / group, k, k];
        const text = [
          'module @m {',
          `  weight @w : ${fmtShape(wShape)} = bytes("${hexF32(rand(wShape, seed + 1).data as Float32Array)}")`,
          `  weight @b : f32[${Co}] = bytes("${hexF32(rand([Co], seed + 2).data as Float32Array)}")`,
          `  func @main(%x: ${fmtShape([N, C, H, W])}) -> (%y: ${fmtShape([N, Co, OH, OW])}) {`,
          `    %w = const {value = @w} : ${fmtShape(wShape)}`,
          `    %b = const {value = @b} : f32[${Co}]`,
          `    %y = conv(%x, %w${bias ? ', %b' : ''}) {dilations = [${d}, ${d}], group = ${group}, kernel_shape = [${k}, ${k}], pads = [${p}, ${p}, ${p}, ${p}], strides = [${s}, ${s}]} : ${fmtShape([N, Co, OH, OW])}`,
          '    return %y',
          '  }',
          '}',
        ].join('\n');
        await check(text, [rand([N, C, H, W], seed)]);
      }), { numRuns: 40 });
  });

  it('depthwise conv on wide rows (interior fast paths for strides 1 and 2, borders)', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom(1, 3, 4), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 8, max: 40 }), fc.constantFrom(1, 3, 5), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 1, max: 2 }), fc.integer(), async (C, H, W, k, s, p, d, seed) => {
      const OH = Math.floor((H + 2 * p - d * (k - 1) - 1) / s) + 1, OW = Math.floor((W + 2 * p - d * (k - 1) - 1) / s) + 1;
      if (OH < 1 || OW < 1) return;
      const wShape = [C, 1, k, k];
      const text = [
        'module @m {',
        `  weight @w : ${fmtShape(wShape)} = bytes("${hexF32(rand(wShape, seed + 1).data as Float32Array)}")`,
        `  func @main(%x: ${fmtShape([1, C, H, W])}) -> (%y: ${fmtShape([1, C, OH, OW])}) {`,
        `    %w = const {value = @w} : ${fmtShape(wShape)}`,
        `    %y = conv(%x, %w) {dilations = [${d}, ${d}], group = ${C}, kernel_shape = [${k}, ${k}], pads = [${p}, ${p}, ${p}, ${p}], strides = [${s}, ${s}]} : ${fmtShape([1, C, OH, OW])}`,
        '    return %y',
        '  }',
        '}',
      ].join('\n');
      await check(text, [rand([1, C, H, W], seed)]);
    }), { numRuns: 50 });
  });

  it('pointwise (1x1) conv: channel and pixel tails', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom(1, 2), fc.constantFrom(1, 3, 4, 8, 17), fc.constantFrom(1, 2, 4, 5, 7, 13), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 7 }), fc.boolean(), fc.integer(), async (N, C, Co, H, W, bias, seed) => {
      const wShape = [Co, C, 1, 1];
      const text = [
        'module @m {',
        `  weight @w : ${fmtShape(wShape)} = bytes("${hexF32(rand(wShape, seed + 1).data as Float32Array)}")`,
        `  weight @b : f32[${Co}] = bytes("${hexF32(rand([Co], seed + 2).data as Float32Array)}")`,
        `  func @main(%x: ${fmtShape([N, C, H, W])}) -> (%y: ${fmtShape([N, Co, H, W])}) {`,
        `    %w = const {value = @w} : ${fmtShape(wShape)}`,
        `    %b = const {value = @b} : f32[${Co}]`,
        `    %y = conv(%x, %w${bias ? ', %b' : ''}) {kernel_shape = [1, 1]} : ${fmtShape([N, Co, H, W])}`,
        '    return %y',
        '  }',
        '}',
      ].join('\n');
      await check(text, [rand([N, C, H, W], seed)]);
    }), { numRuns: 40 });
  });

  it('reductions over constant axes (trailing rows in f32x4, other axes strided)', async () => {
    const ops = ['reduce_sum', 'reduce_mean', 'reduce_max', 'reduce_min', 'reduce_prod', 'reduce_l1', 'reduce_l2', 'reduce_sum_square'];
    await fc.assert(fc.asyncProperty(fc.array(size, { minLength: 1, maxLength: 3 }), fc.constantFrom(...ops), fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), fc.boolean(), fc.integer(), async (shape, op, pick, keep, seed) => {
      const axes = shape.map((_d, i) => i).filter((i) => pick[i]);
      const all = axes.length === 0 ? shape.map((_d, i) => i) : axes;
      const out = keep ? shape.map((d, i) => (all.includes(i) ? 1 : d)) : shape.filter((_d, i) => !all.includes(i));
      const axesText = axes.length === 0 ? '' : `, %ax`;
      const text = [
        'module @m {',
        `  func @main(%x: ${fmtShape(shape)}) -> (%y: ${fmtShape(out)}) {`,
        ...(axes.length === 0 ? [] : [`    %ax = const {value = dense<[${axes.map((a) => (seed % 2 ? a - shape.length : a)).join(', ')}]> : i64[${axes.length}]} : i64[${axes.length}]`]),
        `    %y = ${op}(%x${axesText}) {keepdims = ${keep ? 1 : 0}} : ${fmtShape(out)}`,
        '    return %y',
        '  }',
        '}',
      ].join('\n');
      await check(text, [rand(shape, seed)], '');
    }), { numRuns: 60 });
  });

  it('softmax and layer_normalization rows of any length (one fused kernel)', async () => {
    await fc.assert(fc.asyncProperty(fc.array(size, { minLength: 1, maxLength: 3 }), fc.boolean(), fc.integer(), async (shape, bias, seed) => {
      const L = shape[shape.length - 1]!;
      const text = [
        'module @m {',
        `  weight @s : f32[${L}] = bytes("${hexF32(rand([L], seed + 1).data as Float32Array)}")`,
        `  weight @b : f32[${L}] = bytes("${hexF32(rand([L], seed + 2).data as Float32Array)}")`,
        `  func @main(%x: ${fmtShape(shape)}) -> (%y: ${fmtShape(shape)}) {`,
        `    %s = const {value = @s} : f32[${L}]`,
        `    %b = const {value = @b} : f32[${L}]`,
        `    %n = layer_normalization(%x, %s${bias ? ', %b' : ''}) {axis = -1, epsilon = 1e-5} : ${fmtShape(shape)}`,
        `    %y = softmax(%n) {axis = -1} : ${fmtShape(shape)}`,
        '    return %y',
        '  }',
        '}',
      ].join('\n');
      const x = rand(shape, seed);
      (x.data as Float32Array).forEach((v, i, a) => (a[i] = v * 5 + 1));
      await check(text, [x]);
    }), { numRuns: 40 });
  });

  it('fused elementwise chains with broadcasting (one kernel)', async () => {
    // floor/ceil stay out of chains with approximated ops (exp, erf, ...), whose last-bit differences
    // could cross an integer; they are checked on their own below.
    const unary = ['relu', 'tanh', 'erf', 'exp', 'sigmoid', 'neg', 'abs', 'leaky_relu', 'hard_sigmoid', 'hard_swish'];
    const binary = ['add', 'sub', 'mul', 'max', 'min'];
    await fc.assert(fc.asyncProperty(
      fc.array(size, { minLength: 1, maxLength: 3 }), fc.array(fc.oneof(fc.constantFrom(...unary), fc.constantFrom(...binary)), { minLength: 1, maxLength: 5 }),
      fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), fc.integer(),
      async (shape, chain, bmask, seed) => {
        // The second operand broadcasts: some of its dims are 1, and it may have a lower rank.
        const bShape = shape.map((dd, i) => (bmask[i] ? 1 : dd)).slice(seed % 2 === 0 ? 0 : Math.min(1, shape.length - 1));
        const lines: string[] = [];
        let cur = '%x';
        chain.forEach((op, i) => {
          const next = `%v${i}`;
          lines.push(binary.includes(op) ? `    ${next} = ${op}(${cur}, %b) : ${fmtShape(shape)}` : `    ${next} = ${op}(${cur}) : ${fmtShape(shape)}`);
          cur = next;
        });
        lines.push(`    %y = clip(${cur}, %lo, %hi) : ${fmtShape(shape)}`);
        const text = [
          'module @m {',
          `  func @main(%x: ${fmtShape(shape)}, %b: ${fmtShape(bShape)}) -> (%y: ${fmtShape(shape)}) {`,
          '    %lo = const {value = dense<-0.75> : f32[]} : f32[]',
          '    %hi = const {value = dense<2.5> : f32[]} : f32[]',
          ...lines,
          '    return %y',
          '  }',
          '}',
        ].join('\n');
        const x = rand(shape, seed);
        (x.data as Float32Array).forEach((v, i, a) => (a[i] = v * 3));
        await check(text, [x, rand(bShape, seed + 7)]);
      }), { numRuns: 60 });
  });

  it('floor and ceil, exactly', async () => {
    const xs = [-2.5, -1.5, -1, -0.5, -0, 0, 0.25, 0.5, 1.5, 2.999, 7, NaN, 1e9, -3.75];
    for (const op of ['floor', 'ceil']) {
      const text = `module @m {\n  func @main(%x: f32[${xs.length}]) -> (%y: f32[${xs.length}]) {\n    %y = ${op}(%x) : f32[${xs.length}]\n    return %y\n  }\n}`;
      const x = tensorFrom('f32', [xs.length], xs);
      const [got] = await runWasm(text, [x]);
      expect(Array.from(got!.data as Float32Array)).toEqual(xs.map((v) => Math.fround(op === 'floor' ? Math.floor(v) : Math.ceil(v))));
    }
  });

  it('exp at the ends of the f32 range', async () => {
    const xs = [88.7, 88.72, 88.73, 89, 100, Infinity, -Infinity, NaN, 0, 1, -1, 10, -10, 80, -80, 0.6931472];
    const text = `module @m {\n  func @main(%x: f32[${xs.length}]) -> (%y: f32[${xs.length}]) {\n    %y = exp(%x) : f32[${xs.length}]\n    return %y\n  }\n}`;
    const x = tensorFrom('f32', [xs.length], xs);
    expectClose(await runWasm(text, [x]), interpText(text, [x]), 1e-6, 1e-30);
  });
});
