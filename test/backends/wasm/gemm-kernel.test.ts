// The WASM-SIMD GEMM generator against a naive f64 loop: every epilogue, block shape, K/N blocking and
// stride, on sizes 1..70 (primes included), with guard cells around C that must stay untouched.
import { setFlagsFromString } from 'node:v8';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import wabtInit from 'wabt';
import { gemmModuleWat, gemmOptionsFor, gemmWat, gemmWorkspaceBytes, packB, packedBSize, type GemmEpilogue, type GemmOptions } from '../../../src/backends/wasm/gemm-kernel.js';

// Relaxed SIMD is behind a flag in Node 20; set before any module is compiled (forks pool: one
// process per file, so this reaches V8 before our first compile).
setFlagsFromString('--experimental-wasm-relaxed-simd');

const wabt = await wabtInit();

type Gemm = (a: number, lda: number, bp: number, c: number, ldc: number, bias: number, m: number, n: number, k: number, ws: number) => void;
interface Built { gemm: Gemm; memory: WebAssembly.Memory }

const cache = new Map<string, Built>();
function build(o: GemmOptions): Built {
  const key = JSON.stringify(o);
  let b = cache.get(key);
  if (!b) {
    const mod = wabt.parseWat('gemm.wat', gemmModuleWat(o), { simd: true, relaxed_simd: true, multi_value: true });
    const bytes = mod.toBinary({}).buffer as Uint8Array<ArrayBuffer>;
    mod.destroy();
    const memory = new WebAssembly.Memory({ initial: 8 });
    const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
    b = { gemm: inst.exports[o.name] as Gemm, memory };
    cache.set(key, b);
  }
  return b;
}

// Adds row*1000 + column to every element: checks the $row/$col contract of custom epilogues.
const WAT_EPILOGUE: GemmEpilogue = {
  kind: 'wat',
  code: `(f32x4.splat (f32.convert_i32_u (i32.add (i32.mul (local.get $row) (i32.const 1000)) (local.get $col))))
         f32x4.add
         (f32x4.add (v128.const f32x4 0 1 2 3))`,
};

function applyEpilogue(e: GemmEpilogue, x: number, i: number, j: number, bias: Float32Array): number {
  switch (e.kind) {
    case 'none': return x;
    case 'bias-row': return x + bias[j]!;
    case 'bias-col': return x + bias[i]!;
    case 'relu': return Math.max(0, x);
    case 'clip': return Math.min(Math.max(x, e.min), e.max);
    case 'wat': return x + i * 1000 + j;
  }
}

const GUARD = 32;       // floats of sentinel before and after C
const SENTINEL = 777.25;

interface Case { M: number; N: number; K: number; padA: number; padC: number; seed: number }

/** Runs one case; returns a description of the first mismatch, or null. */
function check(o: GemmOptions, c: Case): string | null {
  const { M, N, K } = c;
  const nr = o.nr ?? 8, lda = K + c.padA, ldc = N + c.padC;
  const epi = o.epilogue ?? { kind: 'none' };
  let s = c.seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const A = Float32Array.from({ length: M * lda }, rnd);
  const B = Float32Array.from({ length: K * N }, rnd);
  const bias = Float32Array.from({ length: Math.max(M, N) }, rnd);
  const Bp = packB(B, K, N, nr);
  expect(Bp.length).toBe(packedBSize(K, N, nr));
  const { gemm, memory } = build(o);
  const f = new Float32Array(memory.buffer);
  const aOff = 16, bOff = aOff + A.length + 16, biasOff = bOff + Bp.length + 4;
  const cOff = biasOff + bias.length + GUARD, cEnd = cOff + Math.max(0, M - 1) * ldc + N;
  const wsOff = cEnd + GUARD, wsEnd = wsOff + gemmWorkspaceBytes(o, K) / 4;
  expect(wsEnd).toBeLessThan(f.length);
  f.set(A, aOff);
  f.set(Bp, bOff);
  f.set(bias, biasOff);
  f.fill(SENTINEL, cOff - GUARD, cEnd + GUARD);
  for (let i = 0; i < M; i++) f.fill(NaN, cOff + i * ldc, cOff + i * ldc + N); // C must never be read before written
  f.fill(SENTINEL, wsEnd, wsEnd + GUARD);
  gemm(aOff * 4, lda, bOff * 4, cOff * 4, ldc, biasOff * 4, M, N, K, wsOff * 4);
  // Inputs are read only; the workspace is the only other memory written.
  if (f.subarray(aOff, aOff + A.length).some((x, i) => x !== A[i])) return 'A changed';
  if (f.subarray(bOff, bOff + Bp.length).some((x, i) => x !== Bp[i])) return 'packed B changed';
  if (f.subarray(wsEnd, wsEnd + GUARD).some((x) => x !== SENTINEL)) return 'wrote past the workspace';
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let sum = 0, mag = 0;
      for (let k = 0; k < K; k++) {
        const p = A[i * lda + k]! * B[k * N + j]!;
        sum += p;
        mag += Math.abs(p);
      }
      const want = applyEpilogue(epi, sum, i, j, bias);
      const got = f[cOff + i * ldc + j]!;
      if (!(Math.abs(got - want) <= 1e-5 * (mag + Math.abs(want)) + 1e-6)) return `C[${i},${j}] = ${got}, want ${want}`;
    }
  }
  for (let x = cOff - GUARD; x < cEnd + GUARD; x++) {
    const inC = x >= cOff && x < cEnd && (x - cOff) % ldc < N;
    if (!inC && f[x] !== SENTINEL) return `wrote outside C at float ${x - cOff} (relative to C)`;
  }
  return null;
}

const PRIMES = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67];
const dim = fc.oneof(fc.integer({ min: 1, max: 70 }), fc.constantFrom(1, ...PRIMES));
const caseArb: fc.Arbitrary<Case> = fc.record({
  M: dim, N: dim, K: dim,
  padA: fc.constantFrom(0, 0, 3),
  padC: fc.constantFrom(0, 0, 5),
  seed: fc.integer(),
});

// Block shapes: the default, tall and wide register blocks, small K/N blocks (several K blocks add
// partial sums through C; N blocks end mid-panel), unrolled K loops with remainders.
const SHAPES: Omit<GemmOptions, 'name'>[] = [
  {},
  { mr: 1, nr: 4, kc: 0, nc: 0 },
  { mr: 3, nr: 12, kc: 7, nc: 0, unroll: 4 },
  { mr: 6, nr: 8, kc: 16, nc: 24, unroll: 2 },
  { mr: 2, nr: 16, kc: 0, nc: 32, unroll: 3 },
  { mr: 5, nr: 4, kc: 9, nc: 12 },
  { mr: 4, nr: 8, kc: 10, nc: 16, packA: true },
  { mr: 3, nr: 12, kc: 0, nc: 0, packA: true, unroll: 2 },
];

const EPILOGUES: GemmEpilogue[] = [
  { kind: 'none' }, { kind: 'bias-row' }, { kind: 'bias-col' }, { kind: 'relu' },
  { kind: 'clip', min: -0.5, max: 0.75 }, { kind: 'clip', min: -0.1, max: 1 / 3 }, WAT_EPILOGUE,
];

function property(relaxed: boolean, epilogue: GemmEpilogue, runs: number): void {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: SHAPES.length - 1 }), caseArb, (si, c) => {
      const o: GemmOptions = { name: 'gemm', ...SHAPES[si], relaxed, epilogue };
      const err = check(o, c);
      if (err) throw new Error(`${JSON.stringify(o)} ${JSON.stringify(c)}: ${err}`);
    }),
    { numRuns: runs, seed: 20261127 },
  );
}

describe('packB', () => {
  it('packs column panels of NR, zero-padded (hand-checked)', () => {
    // B = [[1 2 3 4 5], [6 7 8 9 10]], NR = 4: panel 0 = columns 0..3, panel 1 = column 4 + zeros.
    const B = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(Array.from(packB(B, 2, 5, 4))).toEqual([1, 2, 3, 4, 6, 7, 8, 9, 5, 0, 0, 0, 10, 0, 0, 0]);
  });
  it('packs a transposed B ([N,K]) to the same panels', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 19 }), fc.constantFrom(4, 8, 12), (K, N, NR) => {
      const B = Float32Array.from({ length: K * N }, (_, i) => i + 1);
      const Bt = new Float32Array(K * N);
      for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) Bt[n * K + k] = B[k * N + n]!;
      expect(packB(Bt, K, N, NR, true)).toEqual(packB(B, K, N, NR));
    }));
  });
  it('rejects an NR that is not a multiple of 4', () => {
    expect(() => packB(new Float32Array(6), 2, 3, 6)).toThrow(/multiple of 4/);
  });
});

describe('gemmWat', () => {
  it('computes a 2x3x2 product by hand', () => {
    // A = [[1 2], [3 4]], B = [[1 0 2], [0 1 3]] -> C = [[1 2 8], [3 4 18]]; relu leaves it; bias-row adds [10 20 30].
    const A = [1, 2, 3, 4], B = Float32Array.from([1, 0, 2, 0, 1, 3]);
    const { gemm, memory } = build({ name: 'g', epilogue: { kind: 'bias-row' } });
    const f = new Float32Array(memory.buffer);
    f.set(A, 0);
    f.set(packB(B, 2, 3, 8), 16);
    f.set([10, 20, 30], 64);
    gemm(0, 2, 64, 400, 3, 256, 2, 3, 2, 1024); // workspace (packA) past everything else
    expect(Array.from(f.subarray(100, 106))).toEqual([11, 22, 38, 13, 24, 48]);
  });

  it('k = 0 stores the epilogue of zero; m = 0 or n = 0 store nothing', () => {
    expect(check({ name: 'g', epilogue: { kind: 'bias-col' } }, { M: 5, N: 9, K: 0, padA: 0, padC: 0, seed: 1 })).toBeNull();
    expect(check({ name: 'g', epilogue: { kind: 'bias-row' } }, { M: 0, N: 9, K: 3, padA: 0, padC: 0, seed: 1 })).toBeNull();
    expect(check({ name: 'g', epilogue: { kind: 'relu' } }, { M: 6, N: 0, K: 3, padA: 0, padC: 0, seed: 1 })).toBeNull();
  });

  it('packs A only for N wide enough to reuse the packed block', () => {
    expect(gemmOptionsFor(8).packA).toBe(false);
    expect(gemmOptionsFor(1000).packA).toBe(true);
  });

  it('sizes the workspace for a known K, and bounds it for an unknown K', () => {
    expect(gemmWorkspaceBytes({ name: 'g', mr: 4, kc: 256, packA: true }, 100)).toBe(4 * 4 * 100);
    expect(gemmWorkspaceBytes({ name: 'g', mr: 4, kc: 256, packA: true }, 1000)).toBe(4 * 4 * 256);
    expect(gemmWorkspaceBytes({ name: 'g', mr: 4, kc: 256, packA: true }, Number('batch'))).toBe(4 * 4 * 256);
    expect(gemmWorkspaceBytes({ name: 'g', packA: false }, 1000)).toBe(0);
    expect(() => gemmWorkspaceBytes({ name: 'g', kc: 0, packA: true })).toThrow(/known K/);
  });

  it('uses relaxed_madd only when asked', () => {
    expect(gemmWat({ name: 'g' })).not.toContain('relaxed_madd');
    expect(gemmWat({ name: 'g', relaxed: true })).toContain('f32x4.relaxed_madd');
  });

  it('rejects bad block sizes', () => {
    expect(() => gemmWat({ name: 'g', nr: 6 })).toThrow(/nr/);
    expect(() => gemmWat({ name: 'g', mr: 0 })).toThrow(/mr/);
    expect(() => gemmWat({ name: 'bad name' })).toThrow(/name/);
  });

  for (const e of EPILOGUES) {
    it(`matches the naive loop, epilogue ${JSON.stringify(e).slice(0, 60)}`, () => property(false, e, 40));
  }
  for (const e of EPILOGUES) {
    it(`matches the naive loop with relaxed_madd, epilogue ${JSON.stringify(e).slice(0, 60)}`, () => property(true, e, 15));
  }
});
