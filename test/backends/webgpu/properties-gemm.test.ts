// fast-check on Dawn + SwiftShader: the tiled GEMM kernel agrees with the interpreter for MatMul
// (batched, broadcast, 1-D operands), Gemm (transposes, alpha/beta, every bias shape) and Conv
// (implicit GEMM: groups, strides, pads, dilations, 1x1; depthwise has its own kernel) with a
// fused epilogue, on shapes that are 1, odd, prime or cross the 32x32x16 tile edges, with the tile
// configuration chosen as compiles choose it (small shapes: the 32x32 tile); gemm-tiles.test.ts
// forces each configuration. Few runs: SwiftShader compiles each pipeline on the CPU.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { check, compileText, fmtShape, hexF32, rand } from './helpers.js';

const dimA = fc.constantFrom(1, 3, 17, 33, 40);

describe('webgpu GEMM family vs interpreter (fast-check)', () => {
  it('matmul: batched with broadcasting, runtime A and B, relu epilogue', async () => {
    await fc.assert(fc.asyncProperty(dimA, dimA, dimA, fc.constantFrom([], [2], [2, 1]), fc.constantFrom([], [1], [3]), fc.integer(), async (M, K, N, ba, bb, seed) => {
      const r = Math.max(ba.length, bb.length);
      const pa = [...Array(r - ba.length).fill(1), ...ba], pb = [...Array(r - bb.length).fill(1), ...bb];
      if (pa.some((d, i) => d !== 1 && pb[i] !== 1 && d !== pb[i])) return;
      const batch = pa.map((d, i) => Math.max(d, pb[i]!));
      const y = fmtShape([...batch, M, N]);
      const text = `module @m {\n  func @main(%a: ${fmtShape([...ba, M, K])}, %b: ${fmtShape([...bb, K, N])}) -> (%y: ${y}) {\n    %p = matmul(%a, %b) : ${y}\n    %y = relu(%p) : ${y}\n    return %y\n  }\n}`;
      await check(text, [rand([...ba, M, K], seed), rand([...bb, K, N], seed + 1)]);
    }), { numRuns: 12 });
  });

  it('matmul with 1-D operands', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom(1, 5, 19), fc.constantFrom(1, 7, 33), fc.integer(), async (K, N, seed) => {
      const text = `module @m {\n  func @main(%a: f32[${K}], %b: f32[${K},${N}], %c: f32[${N}]) -> (%y: f32[${N}], %z: f32[]) {\n    %y = matmul(%a, %b) : f32[${N}]\n    %z = matmul(%y, %c) : f32[]\n    return %y, %z\n  }\n}`;
      await check(text, [rand([K], seed), rand([K, N], seed + 1), rand([N], seed + 2)], 'fuse', 1e-4, 1e-4);
    }), { numRuns: 3 });
  });

  it('gemm: constant B, transposes, alpha/beta, bias shapes', async () => {
    await fc.assert(fc.asyncProperty(dimA, dimA, dimA, fc.boolean(), fc.boolean(), fc.constantFrom('vec', 'row', 'col', 'scalar', 'full', 'none'), fc.constantFrom([1, 1], [0.5, 2]), fc.integer(), async (M, K, N, tA, tB, cKind, [alpha, beta], seed) => {
      const wShape = tB ? [N, K] : [K, N];
      const cShape = cKind === 'vec' || cKind === 'none' ? [N] : cKind === 'row' ? [1, N] : cKind === 'col' ? [M, 1] : cKind === 'scalar' ? [] : [M, N];
      const aShape = tA ? [K, M] : [M, K];
      const text = [
        'module @m {',
        `  weight @w : ${fmtShape(wShape)} = bytes("${hexF32(rand(wShape, seed + 2).data as Float32Array)}")`,
        `  weight @c : ${fmtShape(cShape)} = bytes("${hexF32(rand(cShape, seed + 3).data as Float32Array)}")`,
        `  func @main(%a: ${fmtShape(aShape)}) -> (%y: ${fmtShape([M, N])}) {`,
        `    %w = const {value = @w} : ${fmtShape(wShape)}`,
        `    %c = const {value = @c} : ${fmtShape(cShape)}`,
        `    %y = gemm(%a, %w${cKind === 'none' ? '' : ', %c'}) {alpha = ${alpha!.toFixed(1)}, beta = ${beta!.toFixed(1)}, transA = ${tA ? 1 : 0}, transB = ${tB ? 1 : 0}} : ${fmtShape([M, N])}`,
        '    return %y',
        '  }',
        '}',
      ].join('\n');
      await check(text, [rand(aShape, seed)]);
    }), { numRuns: 15 });
  });

  it('conv: groups, depthwise, strides, pads, dilations, bias, clip epilogue', async () => {
    await fc.assert(fc.asyncProperty(
      fc.constantFrom(1, 2), fc.constantFrom(1, 3), fc.constantFrom(1, 5, 33), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }),
      fc.constantFrom(1, 3), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 1, max: 2 }),
      fc.constantFrom('one', 'depthwise', 'two'), fc.boolean(), fc.integer(),
      async (N, cg, coPerG, H, W, k, s, p, d, gKind, bias, seed) => {
        const group = gKind === 'one' ? 1 : gKind === 'two' ? 2 : cg + 1;
        const C = gKind === 'depthwise' ? group : cg * group;
        const Co = gKind === 'depthwise' ? group * (coPerG === 1 ? 1 : 2) : coPerG * group;
        const OH = Math.floor((H + 2 * p - d * (k - 1) - 1) / s) + 1, OW = Math.floor((W + 2 * p - d * (k - 1) - 1) / s) + 1;
        if (OH < 1 || OW < 1) return;
        const wShape = [Co, C / group, k, k];
        const y = fmtShape([N, Co, OH, OW]);
        const text = [
          'module @m {',
          `  weight @w : ${fmtShape(wShape)} = bytes("${hexF32(rand(wShape, seed + 1).data as Float32Array)}")`,
          `  weight @b : f32[${Co}] = bytes("${hexF32(rand([Co], seed + 2).data as Float32Array)}")`,
          `  func @main(%x: ${fmtShape([N, C, H, W])}) -> (%y: ${y}) {`,
          `    %w = const {value = @w} : ${fmtShape(wShape)}`,
          `    %b = const {value = @b} : f32[${Co}]`,
          '    %lo = const {value = dense<0> : f32[]} : f32[]',
          '    %hi = const {value = dense<0.5> : f32[]} : f32[]',
          `    %c = conv(%x, %w${bias ? ', %b' : ''}) {dilations = [${d}, ${d}], group = ${group}, kernel_shape = [${k}, ${k}], pads = [${p}, ${p}, ${p}, ${p}], strides = [${s}, ${s}]} : ${y}`,
          `    %y = clip(%c, %lo, %hi) : ${y}`,
          '    return %y',
          '  }',
          '}',
        ].join('\n');
        await check(text, [rand([N, C, H, W], seed)]);
      }), { numRuns: 24 });
  });

  it('matmul + bias + reshape + transpose: the transpose is a permuted store in the GEMM epilogue', async () => {
    const perms = [[0, 2, 1, 3], [0, 2, 3, 1], [3, 1, 0, 2], [0, 1, 2, 3]];
    await fc.assert(fc.asyncProperty(fc.constantFrom(1, 2), fc.constantFrom(1, 5, 33), fc.constantFrom(1, 7), fc.constantFrom(1, 3), fc.constantFrom(2, 5), fc.constantFrom(...perms), fc.integer(), async (B, M, K, H, D, perm, seed) => {
      const N = H * D, r = [B, M, H, D], t = perm.map((p) => r[p]!);
      const text = [
        'module @m {',
        `  func @main(%a: ${fmtShape([B, M, K])}, %b: ${fmtShape([K, N])}, %c: f32[${N}]) -> (%y: ${fmtShape(t)}) {`,
        `    %p = matmul(%a, %b) : ${fmtShape([B, M, N])}`,
        `    %q = add(%p, %c) : ${fmtShape([B, M, N])}`,
        `    %sh = const {value = dense<[${r.join(', ')}]> : i64[4]} : i64[4]`,
        `    %r = reshape(%q, %sh) : ${fmtShape(r)}`,
        `    %y = transpose(%r) {perm = [${perm.join(', ')}]} : ${fmtShape(t)}`,
        '    return %y',
        '  }',
        '}',
      ].join('\n');
      expect(compileText(text).shaders.map((x) => x.file)).toEqual(['000-matmul-add-transpose.wgsl']);
      await check(text, [rand([B, M, K], seed), rand([K, N], seed + 1), rand([N], seed + 2)]);
    }), { numRuns: 10 });
  });

  it('1-D conv (implicit GEMM and depthwise) and 1-D pooling run as height-1 2-D windows', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom(1, 3), fc.integer({ min: 1, max: 12 }), fc.constantFrom(1, 2, 3), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 0, max: 1 }), fc.boolean(), fc.integer(), async (C, W, k, s, p, dw, seed) => {
      const OW = Math.floor((W + 2 * p - k) / s) + 1;
      if (OW < 1 || p >= k) return;
      const group = dw ? C : 1, Co = dw ? C : 4;
      const wShape = [Co, C / group, k];
      const text = [
        'module @m {',
        `  weight @w : ${fmtShape(wShape)} = bytes("${hexF32(rand(wShape, seed + 1).data as Float32Array)}")`,
        `  func @main(%x: f32[2,${C},${W}]) -> (%y: f32[2,${Co},${OW}], %m: f32[2,${C},${OW}]) {`,
        `    %w = const {value = @w} : ${fmtShape(wShape)}`,
        `    %y = conv(%x, %w) {group = ${group}, kernel_shape = [${k}], pads = [${p}, ${p}], strides = [${s}]} : f32[2,${Co},${OW}]`,
        `    %m = max_pool(%x) {kernel_shape = [${k}], pads = [${p}, ${p}], strides = [${s}]} : f32[2,${C},${OW}]`,
        '    return %y, %m',
        '  }',
        '}',
      ].join('\n');
      await check(text, [rand([2, C, W], seed)], '');
    }), { numRuns: 8 });
  });

  it('one set of shaders serves every binding of a symbolic dim (uniforms, workgroup counts)', async () => {
    const text = [
      'module @m {',
      `  weight @w : f32[37,20] = bytes("${hexF32(rand([37, 20], 5).data as Float32Array)}")`,
      '  func @main(%x: f32[n,37]) -> (%y: f32[n,20]) {',
      '    %w = const {value = @w} : f32[37,20]',
      '    %p = matmul(%x, %w) : f32[n,20]',
      '    %y = tanh(%p) : f32[n,20]',
      '    return %y',
      '  }',
      '}',
    ].join('\n');
    for (const n of [1, 2, 33, 70]) await check(text, [rand([n, 37], n)]);
  });
});
