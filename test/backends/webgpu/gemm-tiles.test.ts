// The GEMM engine's tile configurations (gemm-tiles.ts), each forced on small shapes so both run
// on SwiftShader: fast-check against the interpreter on shapes that are 1, prime, or just below,
// at and above multiples of both tiles (32x32x16 and 128x64x16), with batch broadcast, Gemm
// transposes and bias shapes, implicit-GEMM Conv and fused epilogues; the selection rule; the
// workgroup grid (a batch of 70000 folds into y); Tint and naga accept every variant, f32 and --f16.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseModule } from '../../../ir/parser.js';
import { compileWebGpu, type CompiledWebGpu } from '../../../src/backends/webgpu/index.js';
import { chooseTiles, type GemmTiles, LARGE_TILES, SMALL_TILES, withGemmTiles } from '../../../src/backends/webgpu/kernels/gemm-tiles.js';
import { compileText, expectClose, fmtShape, hexF32, interpText, rand, runCompiled, validateShaders } from './helpers.js';
import { nagaErrors } from './naga-run.js';

const TILES = [SMALL_TILES, LARGE_TILES];
const sizeOf = (t: GemmTiles): string => `@workgroup_size(${t.TN}, ${t.TM}, 1)`;

/** Compile with the tiles forced, check they were used, run on SwiftShader, compare with the interpreter. */
async function checkTiles(t: GemmTiles, text: string, inputs: ReturnType<typeof rand>[], rtol = 1e-4, atol = 1e-5): Promise<void> {
  const c = withGemmTiles(t, () => compileText(text));
  expect(c.shaders.some((s) => s.code.includes(sizeOf(t)))).toBe(true);
  expectClose(await runCompiled(c, inputs), interpText(text, inputs), rtol, atol);
}

// Around the multiples of 4 (load groups), 32 (small tile) and 64/128 (large tile).
const dimMN = fc.constantFrom(1, 2, 5, 31, 33, 63, 64, 67, 127, 131);
const dimK = fc.constantFrom(1, 3, 4, 15, 16, 17, 37);
const tiles = fc.constantFrom(...TILES);

const matmulText = (ba: readonly number[], bb: readonly number[], M: number, K: number, N: number): string | undefined => {
  const r = Math.max(ba.length, bb.length);
  const pa = [...Array(r - ba.length).fill(1), ...ba], pb = [...Array(r - bb.length).fill(1), ...bb];
  if (pa.some((d, i) => d !== 1 && pb[i] !== 1 && d !== pb[i])) return undefined;
  const y = fmtShape([...pa.map((d, i) => Math.max(d, pb[i]!)), M, N]);
  return `module @m {\n  func @main(%a: ${fmtShape([...ba, M, K])}, %b: ${fmtShape([...bb, K, N])}) -> (%y: ${y}) {\n    %p = matmul(%a, %b) : ${y}\n    %y = tanh(%p) : ${y}\n    return %y\n  }\n}`;
};

const gemmText = (M: number, K: number, N: number, tA: boolean, tB: boolean, cShape: number[] | undefined, alpha: number, beta: number, seed: number): string => {
  const wShape = tB ? [N, K] : [K, N];
  return [
    'module @m {',
    `  weight @w : ${fmtShape(wShape)} = bytes("${hexF32(rand(wShape, seed + 2).data as Float32Array)}")`,
    ...(cShape ? [`  weight @c : ${fmtShape(cShape)} = bytes("${hexF32(rand(cShape, seed + 3).data as Float32Array)}")`] : []),
    `  func @main(%a: ${fmtShape(tA ? [K, M] : [M, K])}) -> (%y: ${fmtShape([M, N])}) {`,
    `    %w = const {value = @w} : ${fmtShape(wShape)}`,
    ...(cShape ? [`    %c = const {value = @c} : ${fmtShape(cShape)}`] : []),
    `    %y = gemm(%a, %w${cShape ? ', %c' : ''}) {alpha = ${alpha.toFixed(1)}, beta = ${beta.toFixed(1)}, transA = ${tA ? 1 : 0}, transB = ${tB ? 1 : 0}} : ${fmtShape([M, N])}`,
    '    return %y',
    '  }',
    '}',
  ].join('\n');
};

const convText = (N: number, C: number, H: number, W: number, Co: number, group: number, k: number, s: number, p: number, seed: number): string | undefined => {
  const OH = Math.floor((H + 2 * p - k) / s) + 1, OW = Math.floor((W + 2 * p - k) / s) + 1;
  if (OH < 1 || OW < 1) return undefined;
  const wShape = [Co, C / group, k, k], y = fmtShape([N, Co, OH, OW]);
  return [
    'module @m {',
    `  weight @w : ${fmtShape(wShape)} = bytes("${hexF32(rand(wShape, seed + 1).data as Float32Array)}")`,
    `  weight @b : f32[${Co}] = bytes("${hexF32(rand([Co], seed + 2).data as Float32Array)}")`,
    `  func @main(%x: ${fmtShape([N, C, H, W])}) -> (%y: ${y}) {`,
    `    %w = const {value = @w} : ${fmtShape(wShape)}`,
    `    %b = const {value = @b} : f32[${Co}]`,
    `    %c = conv(%x, %w, %b) {group = ${group}, kernel_shape = [${k}, ${k}], pads = [${p}, ${p}, ${p}, ${p}], strides = [${s}, ${s}]} : ${y}`,
    `    %y = relu(%c) : ${y}`,
    '    return %y',
    '  }',
    '}',
  ].join('\n');
};

describe('GEMM tile selection', () => {
  it('large tiles for big problems with a GPU-full of tiles, small ones otherwise', () => {
    expect(chooseTiles([1024], [1024], [])).toBe(LARGE_TILES);
    expect(chooseTiles([4096], [4096], [])).toBe(LARGE_TILES);
    expect(chooseTiles([128], [64], [128])).toBe(LARGE_TILES);
    // Too few large tiles to fill the GPU: 64 workgroups.
    expect(chooseTiles([128], [64], [64])).toBe(SMALL_TILES);
    expect(chooseTiles([512], [512], [])).toBe(SMALL_TILES);
    // Batch-1 model layers: GEMV-like, mobilenet's convs (M = Co, N = OH*OW), bert's projections.
    expect(chooseTiles([1], [1000], [])).toBe(SMALL_TILES);
    expect(chooseTiles([144], [56, 56], [1])).toBe(SMALL_TILES);
    expect(chooseTiles([1280], [7, 7], [1])).toBe(SMALL_TILES);
    expect(chooseTiles([40], [768], [1])).toBe(SMALL_TILES);
    // Symbolic M or N: unknown size, small tile; a symbolic batch counts as 1.
    expect(chooseTiles(['seq'], [4096], [])).toBe(SMALL_TILES);
    expect(chooseTiles([1024], [1024], ['batch'])).toBe(LARGE_TILES);
    expect(chooseTiles([128], [64], ['batch'])).toBe(SMALL_TILES);
  });

  it('compiled without forcing: a large batched problem gets the large tile, and agrees with the interpreter', async () => {
    const text = matmulText([128], [], 128, 3, 64)!;
    const c = compileText(text);
    expect(c.shaders[0]!.code).toContain(sizeOf(LARGE_TILES));
    expect(c.manifest.kernels[0]!.dispatch[0]).toEqual({ dims: [128, 1], div: 1 });
    const inputs = [rand([128, 128, 3], 1), rand([3, 64], 2)];
    expectClose(await runCompiled(c, inputs), interpText(text, inputs));
    // Byte-identical when compiled twice.
    expect(compileText(text).shaders).toEqual(c.shaders);
  });
});

describe('both tile configurations vs the interpreter (fast-check, SwiftShader)', () => {
  it('matmul: batch broadcast, edges of M, N, K, tanh epilogue', async () => {
    await fc.assert(fc.asyncProperty(tiles, dimMN, dimK, dimMN, fc.constantFrom([], [2], [3, 1]), fc.constantFrom([], [1], [2], [3, 2]), fc.integer(), async (t, M, K, N, ba, bb, seed) => {
      const text = matmulText(ba, bb, M, K, N);
      // fc.pre, not a return: a skipped draw does not count as a run (every counted run checks).
      fc.pre(text !== undefined);
      await checkTiles(t, text, [rand([...ba, M, K], seed), rand([...bb, K, N], seed + 1)]);
    }), { numRuns: 10 });
  });

  it('gemm: transposes (the other load-group layouts), alpha/beta, bias shapes', async () => {
    await fc.assert(fc.asyncProperty(tiles, dimMN, dimK, dimMN, fc.boolean(), fc.boolean(), fc.constantFrom('vec', 'col', 'full', 'none'), fc.integer(), async (t, M, K, N, tA, tB, cKind, seed) => {
      const cShape = cKind === 'vec' ? [N] : cKind === 'col' ? [M, 1] : cKind === 'full' ? [M, N] : undefined;
      await checkTiles(t, gemmText(M, K, N, tA, tB, cShape, 0.5, 2, seed), [rand(tA ? [K, M] : [M, K], seed)]);
    }), { numRuns: 10 });
  });

  it('conv (implicit GEMM): groups, strides, pads, relu epilogue', async () => {
    await fc.assert(fc.asyncProperty(tiles, fc.constantFrom(1, 2), fc.constantFrom(1, 3, 5), fc.integer({ min: 1, max: 13 }), fc.integer({ min: 1, max: 13 }),
      fc.constantFrom(1, 5, 67), fc.constantFrom(1, 2), fc.constantFrom(1, 3), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 0, max: 1 }), fc.integer(),
      async (t, N, cg, H, W, coPerG, group, k, s, p, seed) => {
        // One input channel per group would be depthwise (its own map kernel), not a GEMM; a
        // window larger than the padded plane has no output. Neither counts as a run.
        fc.pre(group === 1 || cg > 1);
        const text = convText(N, cg * group, H, W, coPerG * group, group, k, s, p, seed);
        fc.pre(text !== undefined);
        await checkTiles(t, text, [rand([N, cg * group, H, W], seed)]);
      }), { numRuns: 8 });
  });

  it('large tiles: interior tiles (unchecked loads) beside edge tiles, every load layout', async () => {
    // 131 x 67 with K = 37: one full 128x64 tile, K steps of 16 and 16 full then 5 partial.
    await checkTiles(LARGE_TILES, matmulText([2], [], 131, 37, 67)!, [rand([2, 131, 37], 1), rand([37, 67], 2)]);
    for (const [tA, tB] of [[false, true], [true, false], [true, true]] as const) {
      await checkTiles(LARGE_TILES, gemmText(131, 37, 67, tA, tB, [67], 0.5, 2, 3), [rand(tA ? [37, 131] : [131, 37], 4)]);
    }
    // Static multiples of the tile: only inside tiles, no checks and no branch at all.
    const exact = matmulText([2], [], 128, 32, 64)!;
    expect(withGemmTiles(LARGE_TILES, () => compileText(exact)).shaders[0]!.code).not.toMatch(/else|m0 \+ am </);
    await checkTiles(LARGE_TILES, exact, [rand([2, 128, 32], 7), rand([32, 64], 8)]);
    // Conv: M = 130 output channels, N = 9x9 positions, K = 2 * 3 * 3.
    await checkTiles(LARGE_TILES, convText(1, 2, 9, 9, 130, 1, 3, 1, 1, 5)!, [rand([1, 2, 9, 9], 6)]);
  });

  it('symbolic M (x = n tiles, y = m tiles, z = batch): one shader for every binding', async () => {
    const text = [
      'module @m {',
      `  weight @w : f32[37,70] = bytes("${hexF32(rand([37, 70], 5).data as Float32Array)}")`,
      '  func @main(%x: f32[2,n,37]) -> (%y: f32[2,n,70]) {',
      '    %w = const {value = @w} : f32[37,70]',
      '    %p = matmul(%x, %w) : f32[2,n,70]',
      '    %y = relu(%p) : f32[2,n,70]',
      '    return %y',
      '  }',
      '}',
    ].join('\n');
    for (const t of TILES) {
      const c = withGemmTiles(t, () => compileText(text));
      expect(c.manifest.kernels[0]!.fold).toBe(false);
      for (const n of [1, 33, 130]) {
        const x = rand([2, n, 37], n);
        expectClose(await runCompiled(c, [x]), interpText(text, [x]));
      }
    }
  });
});

describe('workgroup grid', () => {
  it('a batch of 70000 runs: the linear tile index folds into y', async () => {
    const text = matmulText([70000], [], 1, 2, 3)!;
    const c = compileText(text);
    expect(c.manifest.kernels[0]).toMatchObject({ fold: true, dispatch: [{ dims: [70000, 1], div: 1 }, { dims: [], div: 1 }, { dims: [], div: 1 }] });
    const inputs = [rand([70000, 1, 2], 3), rand([2, 3], 4)];
    expectClose(await runCompiled(c, inputs), interpText(text, inputs));
  }, 60_000);
});

describe('Tint and naga accept every variant', () => {
  it('both tile configurations, f32 and --f16, every load layout, symbolic dims', async () => {
    const texts = [
      matmulText([2], [1], 33, 17, 67)!,
      gemmText(31, 17, 65, true, true, [65], 1, 1, 1),
      gemmText(5, 3, 7, false, false, undefined, 1, 1, 2),
      convText(1, 4, 9, 9, 6, 2, 3, 2, 1, 3)!,
      ['module @m {', '  func @main(%a: f32[b,n,9], %w: f32[9,m]) -> (%y: f32[b,n,m]) {', '    %y = matmul(%a, %w) : f32[b,n,m]', '    return %y', '  }', '}'].join('\n'),
    ];
    const compiled: { name: string; c: CompiledWebGpu }[] = [];
    for (const t of TILES) {
      for (const [n, text] of texts.entries()) {
        for (const f16 of [false, true]) {
          const c = withGemmTiles(t, () => compileWebGpu(parseModule(text, { file: 'gemm.ir' }), { passes: 'fuse', f16 }));
          expect(c.shaders.some((s) => s.code.includes(sizeOf(t)))).toBe(true);
          if (f16) expect(c.shaders.some((s) => s.code.includes('var<workgroup> As: array<vec4<f16>'))).toBe(true);
          expect(await validateShaders(c)).toEqual([]);
          compiled.push({ name: `${t.name}/${n}/${f16 ? 'f16' : 'f32'}`, c });
        }
      }
    }
    expect(await nagaErrors(compiled)).toEqual([]);
  }, 60_000);
});
