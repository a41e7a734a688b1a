// --f16 GEMM against the interpreter, fast-check over shapes (1, odd, primes, across the 32x32x16
// and 128x64x16 tiles; each case forces one of the two tile configurations, alternately, plus one
// large-tile case with interior tiles) with a runtime A and a constant B (stored as f16). Shaders are validated by Tint (Dawn's
// null backend offers shader-f16) and run in Deno on lavapipe, all cases in one process.
// Two references: (1) the interpreter on the f32 values: A and B are each rounded to f16 (relative
// error <= 2^-11 each), so |error| <= 2^-10 * sum_k |a||b| <= K * 2^-10 for values in [-1, 1);
// (2) the interpreter on A and B rounded to f16 first: a product of two f16 values is exact in f32,
// so only the f32 accumulation differs, which the tight tolerance checks (f16 sums would fail).

import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { roundF16 } from '../../../ir/numeric.js';
import { type Tensor, tensorFrom } from '../../../ir/tensor.js';
import { compileText, expectClose, fmtShape, hexF32, interpText, rand, validateShaders } from './helpers.js';
import { denoRuntimeDir, type DenoJob, runDenoJobs } from './deno-jobs.js';
import { writeWebGpuArtifact, compileWebGpu } from '../../../src/backends/webgpu/index.js';
import { LARGE_TILES, SMALL_TILES, withGemmTiles } from '../../../src/backends/webgpu/kernels/gemm-tiles.js';
import { parseModule } from '../../../ir/parser.js';

const rt = denoRuntimeDir();
afterAll(() => rmSync(rt, { recursive: true, force: true }));

const gemmText = (M: number, K: number, N: number, w: Float32Array): string => [
  'module @m {',
  `  weight @w : ${fmtShape([K, N])} = bytes("${hexF32(w)}")`,
  `  func @main(%a: ${fmtShape([M, K])}) -> (%y: ${fmtShape([M, N])}) {`,
  `    %b = const {value = @w} : ${fmtShape([K, N])}`,
  `    %y = matmul(%a, %b) : ${fmtShape([M, N])}`,
  '    return %y',
  '  }',
  '}',
].join('\n');

const half = (t: Tensor): Tensor => tensorFrom('f32', t.shape, Float32Array.from(t.data as Float32Array, roundF16));

describe('webgpu --f16 GEMM vs interpreter (Deno on lavapipe)', () => {
  it('matmul with an f16 weight: error within K * 2^-10; exact up to f32 sums on f16-rounded inputs', async () => {
    const dim = fc.constantFrom(1, 3, 17, 33, 40);
    const cases = [...fc.sample(fc.tuple(dim, fc.constantFrom(1, 7, 31, 64, 257), dim, fc.integer({ min: 1, max: 1e6 })), { numRuns: 10, seed: 16 }), [131, 37, 67, 7]] as const;
    const tmp = mkdtempSync(join(rt, 'gemm-'));
    const jobs: DenoJob[] = [];
    const refs: { K: number; text: string; a: Tensor; w: Tensor }[] = [];
    for (const [n, [M, K, N, seed]] of cases.entries()) {
      const a = rand([M, K], seed), w = rand([K, N], seed + 1);
      const text = gemmText(M, K, N, w.data as Float32Array);
      const tiles = n % 2 === 0 || n === cases.length - 1 ? LARGE_TILES : SMALL_TILES;
      const c = withGemmTiles(tiles, () => compileWebGpu(parseModule(text, { file: 'gemm.ir' }), { passes: 'fuse', f16: true }));
      expect(c.manifest.features).toEqual(['shader-f16']);
      expect(c.shaders[0]!.code).toContain(`@workgroup_size(${tiles.TN}, ${tiles.TM}, 1)`);
      expect(c.shaders[0]!.code).toContain('var<workgroup> As: array<vec4<f16>');
      expect(await validateShaders(c)).toEqual([]);
      const dir = join(tmp, String(n));
      writeWebGpuArtifact(dir, c);
      jobs.push({ dir, inputs: [{ name: 'a', tensor: a }] });
      refs.push({ K, text, a, w });
    }
    const got = await runDenoJobs(rt, jobs);
    got.forEach((r, n) => {
      if ('error' in r) expect.fail(r.error);
      const { K, text, a, w } = refs[n]!;
      const y = r.outputs.map((o) => o.tensor);
      expectClose(y, interpText(text, [a]), 0, K * 2 ** -10 + 1e-6);
      const rounded = gemmText(a.shape[0]!, K, w.shape[1]!, half(w).data as Float32Array);
      expectClose(y, interpText(rounded, [half(a)]), 1e-5, K * 1e-6);
    });
    // The f32 path is untouched by the flag.
    expect(compileText(refs[0]!.text).manifest.features).toEqual([]);
  }, 30_000);
});
