// The tiled GEMM engine behind MatMul, Gemm and implicit-GEMM Conv (gemm.ts adapts each op to
// the `Gemm` description). A workgroup of TM x TN threads computes a BM x BN tile of C, each
// thread an RM x RN register block of neighbouring rows and columns (RN a multiple of 4, so it
// is RN/4 vec4 accumulators). K advances BK at a time through two workgroup tiles holding vec4s
// (As: 4 rows of A at one k, Bs: 4 columns of B at one k), so the inner loop reads RM/4 + RN/4
// vec4s from workgroup memory for RM*RN FMAs.
//
// Global loads: each thread loads groups of 4 consecutive elements along the operand's
// contiguous dim (4 scalar loads of neighbouring words: the arena is array<u32> with offsets only
// 4-byte aligned in general, and f16 weights are packed two per word, so no vec4<u32> binding;
// the compiler may merge them). Every element is guarded (zero outside the matrices), every tile
// slot is written exactly once before the barrier (the group counts divide the thread count, a
// checked invariant), and all loop bounds and early returns depend only on workgroup ids and
// uniforms, so barriers stay in uniform control flow.
//
// Workgroup grid: when the tile counts along M and N are compile-time numbers, one linear tile
// index over (batch, m tile, n tile) in x, which the runtime folds into y beyond 65535 (`fold`);
// surplus workgroups of the fold return at once. With a symbolic M or N: x = n tiles,
// y = m tiles, z = batch (a batch above the device limit then needs a runtime change).

import type { Dim } from '../../../../ir/types.js';
import type { CountExpr } from '../artifact.js';
import type { KernelCtx, SpecialShader } from '../kernel-api.js';
import { divU, mulU, u32 } from '../wgsl.js';
import { workgroupIndex } from './common.js';

export interface GemmTiles {
  readonly name: string;
  /** Threads along M and N (workgroup size TN x TM). */
  readonly TM: number; readonly TN: number;
  /** Outputs per thread along M and N (multiples of 4). */
  readonly RM: number; readonly RN: number;
  /** K step (a multiple of 4). */
  readonly BK: number;
  /** Tiles wholly inside the matrices load without per-element checks (more code, fewer branches). */
  readonly interior?: boolean;
}

/** 32x32 tile, 64 threads of 4x4: many workgroups, little padding; small and batch-1 layers. */
export const SMALL_TILES: GemmTiles = { name: 'small', TM: 8, TN: 8, RM: 4, RN: 4, BK: 16 };
/** 128x64 tile, 256 threads of 8x4: the shape GPU.md's fast f32 WGSL matmul used (~36 TFLOP/s on an H200). */
export const LARGE_TILES: GemmTiles = { name: 'large', TM: 16, TN: 16, RM: 8, RN: 4, BK: 16, interior: true };

const tileM = (t: GemmTiles): number => t.TM * t.RM;
const tileN = (t: GemmTiles): number => t.TN * t.RN;

/** Large tiles needed before they are worth it: about one per SM of a big GPU (an H200 has 132). */
const LARGE_MIN_TILES = 128;

/**
 * The tile configuration for a problem, from its compile-time dims (a symbolic dim counts as
 * unknown: a symbolic batch as 1, a symbolic M or N keeps the small tile). Reasoning, to be
 * retuned from real-GPU figures:
 * - The large tile does 2x the FMAs per workgroup-memory read of the small one and 4x its work
 *   per barrier, which is what reaches ~30 TFLOP/s on an H200, but only when every SM gets a
 *   workgroup or more: with fewer than LARGE_MIN_TILES large tiles the GPU idles, and the small
 *   tile's 8x more workgroups win.
 * - M < 128 or N < 64 would make most of a large tile padding (mobilenet's convs at batch 1 have
 *   M = output channels <= 96 until the 7x7 layers, where N = 49).
 * - GEMV-like shapes (M = 1, batch-1 linear layers) keep the small tile: a skinny tile would still
 *   stream B once per workgroup; splitting K is the better fix and is not done yet.
 */
export function chooseTiles(M: readonly Dim[], N: readonly Dim[], batch: readonly Dim[]): GemmTiles {
  const known = (ds: readonly Dim[]): number | undefined => (ds.every((d) => typeof d === 'number') ? ds.reduce<number>((a, d) => a * (d as number), 1) : undefined);
  const m = known(M), n = known(N);
  const b = batch.reduce<number>((a, d) => a * (typeof d === 'number' ? d : 1), 1);
  if (m === undefined || n === undefined) return SMALL_TILES;
  const L = LARGE_TILES;
  if (m < tileM(L) || n < tileN(L)) return SMALL_TILES;
  return b * Math.ceil(m / tileM(L)) * Math.ceil(n / tileN(L)) >= LARGE_MIN_TILES ? LARGE_TILES : SMALL_TILES;
}

let forced: GemmTiles | undefined;
/** Compile with one tile configuration for every GEMM (tests exercise each on small shapes). */
export function withGemmTiles<T>(tiles: GemmTiles, f: () => T): T {
  const before = forced;
  forced = tiles;
  try { return f(); } finally { forced = before; }
}

export interface Gemm {
  M: readonly Dim[]; N: readonly Dim[]; K: readonly Dim[]; batch: readonly Dim[];
  /** Which index of A and of B is contiguous in memory (where the 4-element load groups run). */
  aContig: 'k' | 'm'; bContig: 'n' | 'k';
  /** Statements at the top of main that need the batch index `b`. */
  prologue(b: string): void;
  /** f32 expressions, called with in-range indices only (parenthesised or plain names). */
  loadA(m: string, k: string): string;
  loadB(k: string, n: string): string;
  /** Result element: statements then `epi(index, value)`. */
  store(m: string, n: string, acc: string): void;
}

export function emitGemm(k: KernelCtx, g: Gemm): SpecialShader {
  const t = forced ?? chooseTiles(g.M, g.N, g.batch);
  const { TM, TN, RM, RN, BK } = t;
  const BM = tileM(t), BN = tileN(t), NT = TM * TN;
  const am4 = BM / 4, bn4 = BN / 4, rn4 = RN / 4;
  // Each load group (4 elements) is written by exactly one thread: no slot is read unwritten.
  if (RM % 4 || RN % 4 || BK % 4 || (BM * BK / 4) % NT || (BK * BN / 4) % NT) throw new Error(`webgpu gemm: bad tile configuration ${t.name}`);
  const b = k.body;
  const M = b.let('M', k.size(g.M)), N = b.let('N', k.size(g.N)), K = b.let('K', k.size(g.K));
  const numM = g.M.every((d) => typeof d === 'number'), numN = g.N.every((d) => typeof d === 'number');
  const linear = numM && numN;
  let dispatch: [CountExpr, CountExpr, CountExpr];
  if (linear) {
    const tm = Math.ceil(prod(g.M) / BM), tn = Math.ceil(prod(g.N) / BN);
    const per = u32(tm * tn);
    workgroupIndex(b, 'tile', mulU(k.size(g.batch), per));
    // Constant divisors fold away (a single tile along N or M needs no division).
    const rem = (a: string, d: string): string => (d === '1u' ? '0u' : `(${a} % ${d})`);
    b.line(`let bz = ${divU('tile', per)};`);
    const tr = b.let('tr', rem('tile', per));
    b.line(`let m0 = ${mulU(divU(tr, u32(tn)), u32(BM))};`);
    b.line(`let n0 = ${mulU(rem(tr, u32(tn)), u32(BN))};`);
    dispatch = [{ dims: [...g.batch, tm * tn], div: 1 }, ONE, ONE];
  } else {
    b.line('let bz = wid.z;');
    b.line(`let m0 = wid.y * ${u32(BM)};`);
    b.line(`let n0 = wid.x * ${u32(BN)};`);
    dispatch = [{ dims: [...g.N], div: BN }, { dims: [...g.M], div: BM }, { dims: [...g.batch], div: 1 }];
  }
  g.prologue('bz');
  b.line(`let tm0 = lid3.y * ${u32(RM)};`);
  b.line(`let tn0 = lid3.x * ${u32(RN)};`);
  b.line(`var acc: array<vec4<f32>, ${(RM * RN) / 4}>;`);
  // --f16: the tiles hold f16 (half the workgroup memory and its traffic); products and sums stay f32.
  const h = k.f16 === true;
  const el = h ? 'f16' : 'f32';
  const put = (v: string): string => (h ? `f16(${v})` : v);
  const put4 = (vs: string[]): string => `vec4<${el}>(${vs.map(put).join(', ')})`;
  const get4 = (v: string): string => (h ? `vec4<f32>(${v})` : v);
  // A value of the tile: zero outside the matrix, unless the caller knows the whole tile is inside.
  const value = (name: string, check: boolean, cond: string, load: () => string): void => {
    if (!check) { b.line(`let ${name} = ${load()};`); return; }
    b.line(`var ${name} = 0.0f;`);
    b.block(`if (${cond})`, () => b.line(`${name} = ${load()};`));
  };
  // A tile: As[kk * BM/4 + m/4][m % 4] = A[m0 + m, k0 + kk].
  const tileA = (check: boolean): void => b.block(`for (var r = 0u; r < ${u32((BM * BK) / 4 / NT)}; r++)`, () => {
    b.line(`let e = r * ${u32(NT)} + lid;`);
    if (g.aContig === 'k') {
      b.line(`let am = e / ${u32(BK / 4)};`);
      b.line(`let ak = (e % ${u32(BK / 4)}) * 4u;`);
      for (let c = 0; c < 4; c++) {
        value(`a${c}`, check, `m0 + am < ${M} && k0 + ak + ${c}u < ${K}`, () => g.loadA('(m0 + am)', `(k0 + ak + ${c}u)`));
        b.line(`As[(ak + ${c}u) * ${u32(am4)} + am / 4u][am % 4u] = ${put(`a${c}`)};`);
      }
    } else {
      b.line(`let ak = e / ${u32(am4)};`);
      b.line(`let am = (e % ${u32(am4)}) * 4u;`);
      for (let c = 0; c < 4; c++) value(`a${c}`, check, `m0 + am + ${c}u < ${M} && k0 + ak < ${K}`, () => g.loadA(`(m0 + am + ${c}u)`, '(k0 + ak)'));
      b.line(`As[ak * ${u32(am4)} + am / 4u] = ${put4(['a0', 'a1', 'a2', 'a3'])};`);
    }
  });
  // B tile: Bs[kk * BN/4 + n/4][n % 4] = B[k0 + kk, n0 + n].
  const tileB = (check: boolean): void => b.block(`for (var r = 0u; r < ${u32((BK * BN) / 4 / NT)}; r++)`, () => {
    b.line(`let e = r * ${u32(NT)} + lid;`);
    if (g.bContig === 'n') {
      b.line(`let bk = e / ${u32(bn4)};`);
      b.line(`let bn = (e % ${u32(bn4)}) * 4u;`);
      for (let c = 0; c < 4; c++) value(`b${c}`, check, `k0 + bk < ${K} && n0 + bn + ${c}u < ${N}`, () => g.loadB('(k0 + bk)', `(n0 + bn + ${c}u)`));
      b.line(`Bs[bk * ${u32(bn4)} + bn / 4u] = ${put4(['b0', 'b1', 'b2', 'b3'])};`);
    } else {
      b.line(`let bn = e / ${u32(BK / 4)};`);
      b.line(`let bk = (e % ${u32(BK / 4)}) * 4u;`);
      for (let c = 0; c < 4; c++) {
        value(`b${c}`, check, `k0 + bk + ${c}u < ${K} && n0 + bn < ${N}`, () => g.loadB(`(k0 + bk + ${c}u)`, '(n0 + bn)'));
        b.line(`Bs[(bk + ${c}u) * ${u32(bn4)} + bn / 4u][bn % 4u] = ${put(`b${c}`)};`);
      }
    }
  });
  // With `interior`, a tile wholly inside its matrix skips the per-element checks (a uniform
  // branch: the condition depends on workgroup ids, k0 and uniforms only). Static dims settle it
  // at compile time: a dim smaller than its tile never has an inside tile, multiples of the tile
  // only have inside tiles.
  const fit = (dims: readonly Dim[], tileSize: number): 'never' | 'always' | 'maybe' => {
    if (!dims.every((d) => typeof d === 'number')) return 'maybe';
    const n = prod(dims);
    return n < tileSize ? 'never' : n % tileSize === 0 ? 'always' : 'maybe';
  };
  const tile = (f: (check: boolean) => void, dims: [readonly Dim[], number, string][]): void => {
    const fits = dims.map(([d, size]) => fit(d, size));
    if (!t.interior || fits.includes('never')) { f(true); return; }
    if (fits.every((x) => x === 'always')) { f(false); return; }
    const inside = dims.filter((_, i) => fits[i] === 'maybe').map(([, size, cond]) => cond.replace('#', u32(size))).join(' && ');
    b.block(`if (${inside})`, () => f(false));
    b.block('else', () => f(true));
  };
  b.block(`for (var k0 = 0u; k0 < ${K}; k0 += ${u32(BK)})`, () => {
    tile(tileA, [[g.M, BM, `m0 + # <= ${M}`], [g.K, BK, `k0 + # <= ${K}`]]);
    tile(tileB, [[g.K, BK, `k0 + # <= ${K}`], [g.N, BN, `n0 + # <= ${N}`]]);
    b.line('workgroupBarrier();');
    b.block(`for (var kk = 0u; kk < ${u32(BK)}; kk++)`, () => {
      for (let i = 0; i < RM / 4; i++) b.line(`let va${i} = ${get4(`As[kk * ${u32(am4)} + tm0 / 4u + ${u32(i)}]`)};`);
      for (let j = 0; j < rn4; j++) b.line(`let vb${j} = ${get4(`Bs[kk * ${u32(bn4)} + tn0 / 4u + ${u32(j)}]`)};`);
      for (let i = 0; i < RM; i++) {
        for (let j = 0; j < rn4; j++) {
          const a = `acc[${i * rn4 + j}]`;
          b.line(`${a} = fma(vec4<f32>(va${i >> 2}.${'xyzw'[i & 3]}), vb${j}, ${a});`);
        }
      }
    });
    b.line('workgroupBarrier();');
  });
  // One epilogue call site (loops, not RM*RN unrolled copies): the epilogue is inlined where it is called.
  b.block(`for (var i = 0u; i < ${u32(RM)}; i++)`, () => {
    b.line('let gm = m0 + tm0 + i;');
    b.block(`for (var j = 0u; j < ${u32(RN)}; j++)`, () => {
      b.line('let gn = n0 + tn0 + j;');
      b.block(`if (gm < ${M} && gn < ${N})`, () => g.store('gm', 'gn', `acc[i * ${u32(rn4)} + j / 4u][j % 4u]`));
    });
  });
  return {
    decls: [`var<workgroup> As: array<vec4<${el}>, ${BK * am4}>;`, `var<workgroup> Bs: array<vec4<${el}>, ${BK * bn4}>;`],
    workgroupSize: [TN, TM, 1],
    dispatch,
    fold: linear,
    workgroupBytes: (h ? 2 : 4) * (BM * BK + BK * BN),
  };
}

const ONE: CountExpr = { dims: [], div: 1 };
const prod = (ds: readonly Dim[]): number => ds.reduce<number>((a, d) => a * (d as number), 1);
