// MatMul and Gemm: C[m, n..n+3] += splat(A[m, k]) * B[k, n..n+3], one f32x4 accumulator per
// 4 columns. A constant B is packed at compile time into panels of 4 columns, contiguous along k
// (`[ceil(N/4)][K][4]`, zero-padded), so the inner loop reads 16 consecutive bytes per k. A
// MatMul's run-time B is packed per GEMM into scratch for the register-blocked kernel
// (gemm-runtime-b.ts) unless A has fewer than 4 rows; Gemm's, and those tiny ones, are read in
// place (row-major, columns contiguous) with a scalar tail for N % 4.
// Batched MatMul broadcasts the batch dims of A and B (numpy rules).

import type { Op, Value } from '../../../../ir/ir.js';
import type { Tensor } from '../../../../ir/tensor.js';
import type { Dim } from '../../../../ir/types.js';
import { add, addr, get, i32, isConst, mul, splat, sub } from '../emitter.js';
import type { KernelCtx, KernelDef } from '../kernel-api.js';
import { gemmOptionsFor, gemmWat, gemmWorkspaceBytes, packB, type GemmOptions } from '../gemm-kernel.js';
import { broadcastStrides, rowOffset } from './elementwise.js';
import { share, shareLoop, splits, workOf, type Work } from '../threads.js';
import { emitRuntimeBGemm, NR, planRuntimeB } from './gemm-runtime-b.js';

/**
 * The register-blocked GEMM of gemm-kernel.ts, for the common case: a constant [K,N] (or [N,K]
 * with transB) B with static N, a dense row-major A of `rows` rows, and no epilogue beyond a bias
 * row. One generated function per option set serves every shape; B is packed in its panels.
 */
function tunedGemm(k: KernelCtx, a: Value, b: Value, y: Value, rows: string, K: number | string, N: number, transB: boolean, bias: Value | null): void {
  const base = gemmOptionsFor(N);
  const epilogue = bias ? 'bias-row' : 'none';
  const opts: GemmOptions = { ...base, name: `gemm_mr${base.mr}_nr${base.nr}_kc${base.kc}_nc${base.nc}${base.packA ? '_pa' : ''}_${epilogue.replace('-', '_')}`, epilogue: { kind: epilogue } };
  const fn = k.moduleFunc(opts.name, gemmWat(opts));
  const nr = opts.nr!;
  const bp = k.packed(b, `gemm-nr${nr}${transB ? '-t' : ''}`, (t) => packB(t.data as Float32Array, Number(K), N, nr, transB));
  const ws = base.packA ? k.scratch(Math.max(16, gemmWorkspaceBytes(opts, Number(K)))) : i32(0);
  k.em.comment(`gemm (tuned kernel ${opts.name}) rows x ${N}, K=${K}`);
  const call = (aP: string, bP: string, yP: string, biasP: string, m: string, n: string): void =>
    k.em.line(`(call ${fn} ${aP} ${k.dim(K)} ${bP} ${yP} ${i32(N)} ${biasP} ${m} ${n} ${k.dim(K)} ${ws})`);
  if (!splits(k, workOf(k, y, K))) {
    return call(k.ptr(a), bp, k.ptr(y), bias ? k.ptr(bias) : i32(0), rows, i32(N));
  }
  // Threaded: row blocks when there are at least as many rows as columns, else column panels.
  // Every element still sums its K products in the same order, so results do not change.
  k.em.line(`(if (i32.ge_u ${rows} ${i32(N)}) (then`);
  const r = share(k, rows, { align: opts.mr!, grain: opts.mr! });
  call(addr(k.ptr(a), mul(r.lo, k.dim(K)), 4), bp, addr(k.ptr(y), mul(r.lo, i32(N)), 4), bias ? k.ptr(bias) : i32(0), sub(r.hi, r.lo), i32(N));
  k.em.line(') (else');
  const c = share(k, i32(N), { align: nr, grain: nr });
  call(k.ptr(a), addr(bp, mul(c.lo, k.dim(K)), 4), addr(k.ptr(y), c.lo, 4), bias ? addr(k.ptr(bias), c.lo, 4) : i32(0), rows, sub(c.hi, c.lo));
  k.em.line('))');
}

/** Pack a [K,N] (or [N,K] when transposed) f32 matrix into 4-column panels. */
export function packPanels(t: Tensor, trans: boolean): Float32Array {
  const [r, c] = [t.shape[0]!, t.shape[1]!];
  const K = trans ? c : r, N = trans ? r : c;
  const nb = Math.ceil(N / 4);
  const out = new Float32Array(nb * K * 4);
  const d = t.data as Float32Array;
  for (let b = 0; b < nb; b++) for (let k = 0; k < K; k++) for (let j = 0; j < 4; j++) {
    const n = b * 4 + j;
    if (n < N) out[(b * K + k) * 4 + j] = trans ? d[n * K + k]! : d[k * N + n]!;
  }
  return out;
}

interface Gemm {
  M: string; N: string; K: string;
  /** A(m,k) address element strides. */
  a: { p: string; sm: string; sk: string };
  /** Either packed panels or a row-major runtime matrix with strides. */
  b: { kind: 'packed'; p: string; Nc: number } | { kind: 'direct'; p: string; sk: string; sn: string };
  y: { p: string; ld: string };
  alpha: number;
  /** Epilogue addend beta*C(m,n) with strides (cn 0 = splat). */
  c?: { p: string; sm: string; sn: string; beta: number };
  /** Work of the whole op: threaded modules split its rows when it is big enough. */
  work: Work;
}

/** Emit one (possibly batched-offset) GEMM; pointers may include per-batch offsets. */
function emitGemm(k: KernelCtx, g: Gemm): void {
  const em = k.em;
  const acc = em.local('acc', 'v128');
  const sacc = em.local('s', 'f32');
  const rows = splits(k, g.work) ? share(k, g.M) : { lo: i32(0), hi: g.M };
  const mL = em.local('m', 'i32');
  em.forRange(mL, rows.lo, rows.hi, 1, () => {
    const m = get(mL);
    const aRow = mul(m, g.a.sm);
    const yRow = mul(m, g.y.ld);
    const epilogueVec = (n: string): string => {
      let v = get(acc);
      if (g.alpha !== 1) v = `(f32x4.mul ${v} ${splat(g.alpha)})`;
      if (g.c) {
        const e = add(mul(m, g.c.sm), isConst(g.c.sn) && g.c.sn === i32(0) ? i32(0) : mul(n, g.c.sn));
        let c = g.c.sn === i32(0) ? `(f32x4.splat (f32.load ${addr(g.c.p, e, 4)}))` : `(v128.load align=4 ${addr(g.c.p, e, 4)})`;
        if (g.c.beta !== 1) c = `(f32x4.mul ${c} ${splat(g.c.beta)})`;
        v = `(f32x4.add ${v} ${c})`;
      }
      return v;
    };
    const epilogueScalar = (n: string, s: string): string => {
      let v = s;
      if (g.alpha !== 1) v = `(f32.mul ${v} (f32.const ${g.alpha}))`;
      if (g.c) {
        let c = `(f32.load ${addr(g.c.p, add(mul(m, g.c.sm), mul(n, g.c.sn)), 4)})`;
        if (g.c.beta !== 1) c = `(f32.mul ${c} (f32.const ${g.c.beta}))`;
        v = `(f32.add ${v} ${c})`;
      }
      return v;
    };
    const aAt = (kk: string): string => `(f32.load ${addr(g.a.p, add(aRow, mul(kk, g.a.sk)), 4)})`;
    if (g.b.kind === 'packed') {
      const b = g.b;
      const nb = Math.ceil(b.Nc / 4), full = Math.floor(b.Nc / 4);
      em.loop('nb', i32(nb), (j) => {
        const panel = add(b.p, mul(j, mul(g.K, i32(16))));
        em.set(acc, '(v128.const i32x4 0 0 0 0)');
        em.loop('k', g.K, (kk) => em.set(acc, `(f32x4.add ${get(acc)} (f32x4.mul (f32x4.splat ${aAt(kk)}) (v128.load ${add(panel, mul(kk, i32(16)))})))`));
        const n = mul(j, i32(4));
        if (full === nb) {
          em.line(`(v128.store align=4 ${addr(g.y.p, add(yRow, n), 4)} ${epilogueVec(n)})`);
        } else {
          // The last panel is partial: its lanes past N are stored one by one, and C is never read there.
          em.line(`(if (i32.lt_u ${j} ${i32(full)}) (then`);
          em.line(`  (v128.store align=4 ${addr(g.y.p, add(yRow, n), 4)} ${epilogueVec(n)})) (else`);
          for (let l = 0; l < b.Nc % 4; l++) {
            const nn = add(n, i32(l));
            em.line(`  (f32.store ${addr(g.y.p, add(yRow, nn), 4)} ${epilogueScalar(nn, `(f32x4.extract_lane ${l} ${get(acc)})`)})`);
          }
          em.line('))');
        }
      });
    } else {
      const b = g.b;
      const vecOk = b.sn === i32(1);
      const col = (n: string, vec: boolean): void => {
        if (vec) {
          em.set(acc, '(v128.const i32x4 0 0 0 0)');
          em.loop('k', g.K, (kk) => em.set(acc, `(f32x4.add ${get(acc)} (f32x4.mul (f32x4.splat ${aAt(kk)}) (v128.load align=4 ${addr(b.p, add(mul(kk, b.sk), n), 4)})))`));
          em.line(`(v128.store align=4 ${addr(g.y.p, add(yRow, n), 4)} ${epilogueVec(n)})`);
        } else {
          em.set(sacc, '(f32.const 0)');
          em.loop('k', g.K, (kk) => em.set(sacc, `(f32.add ${get(sacc)} (f32.mul ${aAt(kk)} (f32.load ${addr(b.p, add(mul(kk, b.sk), mul(n, b.sn)), 4)})))`));
          em.line(`(f32.store ${addr(g.y.p, add(yRow, n), 4)} ${epilogueScalar(n, get(sacc))})`);
        }
      };
      if (vecOk) em.vecLoop(g.N, (n) => col(n, true), (n) => col(n, false));
      else em.loop('n', g.N, (n) => col(n, false));
    }
  });
}

function cStrides(k: KernelCtx, c: Value, M: Dim, N: Dim): { sm: string; sn: string } {
  const s = broadcastStrides(k, k.dims(c), [M, N]);
  return { sm: s[0]!, sn: s[1]! };
}

function emitGemmOp(k: KernelCtx, op: Op): void {
  const [A, B, C] = op.operands;
  const y = op.results[0]!;
  if (y.type.dtype !== 'f32') k.fail(op, 'gemm is f32 only in the wasm backend');
  const tA = (op.attrs.get('transA')?.value ?? 0) !== 0, tB = (op.attrs.get('transB')?.value ?? 0) !== 0;
  const alpha = Number(op.attrs.get('alpha')?.value ?? 1), beta = Number(op.attrs.get('beta')?.value ?? 1);
  const ad = k.dims(A!), bd = k.dims(B!), yd = k.dims(y);
  const [M, N] = [yd[0]!, yd[1]!];
  const K = tA ? ad[0]! : ad[1]!;
  const bt = k.constant(B!);
  const cd = C ? k.dims(C) : [];
  const biasRow = !C || (beta === 1 && cd[cd.length - 1] === N && cd.slice(0, -1).every((d) => d === 1));
  if (bt && typeof N === 'number' && !tA && alpha === 1 && biasRow && bt.dtype === 'f32') {
    return tunedGemm(k, A!, B!, y, k.dim(M), K, N, tB, C ?? null);
  }
  k.em.comment(`gemm ${yd.join('x')} K=${K}${bt ? ' (B packed)' : ''}`);
  const b: Gemm['b'] = bt && typeof N === 'number'
    ? { kind: 'packed', p: k.packed(B!, `panels${tB ? '-t' : ''}`, (t) => packPanels(t, tB)), Nc: N }
    : { kind: 'direct', p: k.ptr(B!), sk: tB ? i32(1) : k.dim(N), sn: tB ? k.dim(K) : i32(1) };
  emitGemm(k, {
    M: k.dim(M), N: k.dim(N), K: k.dim(K),
    a: { p: k.ptr(A!), sm: tA ? i32(1) : k.dim(K), sk: tA ? k.dim(M) : i32(1) },
    b, y: { p: k.ptr(y), ld: k.dim(N) }, alpha,
    c: C && beta !== 0 ? { p: k.ptr(C), ...cStrides(k, C, M, N), beta } : undefined,
    work: workOf(k, y, K),
  });
}

function emitMatmul(k: KernelCtx, op: Op): void {
  const [A, B] = op.operands as Value[];
  const y = op.results[0]!;
  if (y.type.dtype !== 'f32') k.fail(op, 'matmul is f32 only in the wasm backend');
  // 1-D operands: promote to a row / a column; the output dims already dropped them.
  const ad0 = k.dims(A!), bd0 = k.dims(B!);
  const ad = ad0.length === 1 ? [1, ad0[0]!] : ad0;
  const bd = bd0.length === 1 ? [bd0[0]!, 1] : bd0;
  const M = ad[ad.length - 2]!, K = ad[ad.length - 1]!, N = bd[bd.length - 1]!;
  const batch = k.dims(y).slice(0, Math.max(ad.length, bd.length) - 2);
  const bt = bd.length === 2 ? k.constant(B!) : undefined;
  if (bt && typeof N === 'number' && bt.dtype === 'f32') return tunedGemm(k, A!, B!, y, k.size(ad.slice(0, -1)), K, N, false, null);
  const rowDims = bd.length === 2 ? ad.slice(0, -1) : [M];
  if (rowDims.some((d) => typeof d !== 'number') || rowDims.reduce<number>((a, d) => a * Number(d), 1) >= RUNTIME_B_MIN_ROWS) {
    return runtimeBMatmul(k, A!, B!, y, batch, ad, bd);
  }
  const em = k.em;
  em.comment(`matmul batch=[${batch.join(',')}] M=${M} N=${N} K=${K}${bt && typeof N === 'number' ? ' (B packed)' : ''}`);
  const aStr = broadcastStrides(k, ad.slice(0, -2), batch), bStr = broadcastStrides(k, bd.slice(0, -2), batch);
  em.loop('b', k.size(batch), (bi) => {
    const aOff = mul(rowOffset(k, bi, batch, aStr, batch.length), mul(k.dim(M), k.dim(K)));
    const bOff = mul(rowOffset(k, bi, batch, bStr, batch.length), mul(k.dim(K), k.dim(N)));
    const yOff = mul(bi, mul(k.dim(M), k.dim(N)));
    const b: Gemm['b'] = bt && typeof N === 'number'
      ? { kind: 'packed', p: k.packed(B!, 'panels', (t) => packPanels(t, false)), Nc: N }
      : { kind: 'direct', p: addr(k.ptr(B!), bOff, 4), sk: k.dim(N), sn: i32(1) };
    emitGemm(k, {
      M: k.dim(M), N: k.dim(N), K: k.dim(K),
      a: { p: addr(k.ptr(A!), aOff, 4), sm: k.dim(K), sk: i32(1) },
      b, y: { p: addr(k.ptr(y), yOff, 4), ld: k.dim(N) }, alpha: 1, work: workOf(k, y, K),
    });
  });
}

/**
 * Below this many rows (static) B is read in place: packing it would copy as many floats as the
 * product multiplies, and a row of A reuses each panel only once.
 */
const RUNTIME_B_MIN_ROWS = 4;

/**
 * MatMul with B not a 2-D constant: per GEMM (batch index), B is packed into the micro-kernel's
 * panels in scratch (gemm-runtime-b.ts); a 2-D B makes one GEMM over every row of A. Threaded:
 * whole GEMMs are shared among the threads when B is batched, else row blocks (rows >= columns)
 * or column panels of the one GEMM.
 */
function runtimeBMatmul(k: KernelCtx, A: Value, B: Value, y: Value, batch: readonly Dim[], ad: readonly Dim[], bd: readonly Dim[]): void {
  const em = k.em;
  const M = ad[ad.length - 2]!, K = ad[ad.length - 1]!, N = bd[bd.length - 1]!;
  em.comment(`matmul batch=[${batch.join(',')}] M=${M} N=${N} K=${K} (B packed at run time)`);
  const plan = planRuntimeB(k, N, K);
  const split = splits(k, workOf(k, y, K));
  const [m, n, kk] = [k.dim(M), k.dim(N), k.dim(K)];
  const gemm = (aP: string, bP: string, yP: string, rows: string, cols?: { lo: string; hi: string }): void =>
    emitRuntimeBGemm(k, plan, { M: rows, a: { p: aP, lda: kk }, b: { p: bP, sk: n, sn: i32(1) }, c: { p: yP, ldc: n }, cols });
  const nb = k.size(batch);
  // A B without batch dims is one GEMM over all rows of A (its batch dims are row-major rows).
  if (bd.length > 2 && batch.length > 0 && nb !== i32(1)) {
    const aStr = broadcastStrides(k, ad.slice(0, -2), batch), bStr = broadcastStrides(k, bd.slice(0, -2), batch);
    shareLoop(k, 'b', nb, split ? {} : false, (bi) => {
      const aOff = mul(rowOffset(k, bi, batch, aStr, batch.length), mul(m, kk));
      const bOff = mul(rowOffset(k, bi, batch, bStr, batch.length), mul(kk, n));
      gemm(addr(k.ptr(A), aOff, 4), addr(k.ptr(B), bOff, 4), addr(k.ptr(y), mul(bi, mul(m, n)), 4), m);
    });
    return;
  }
  const rows = bd.length > 2 ? m : k.size(ad.slice(0, -1));
  if (!split) return gemm(k.ptr(A), k.ptr(B), k.ptr(y), rows);
  // Every element sums its K products in the same order whatever the split: results do not change.
  em.line(`(if (i32.ge_u ${rows} ${n}) (then`);
  const r = share(k, rows, { align: 4, grain: 4 });
  gemm(addr(k.ptr(A), mul(r.lo, kk), 4), k.ptr(B), addr(k.ptr(y), mul(r.lo, n), 4), sub(r.hi, r.lo));
  em.line(') (else');
  gemm(k.ptr(A), k.ptr(B), k.ptr(y), rows, share(k, n, { align: NR, grain: NR }));
  em.line('))');
}

const contractionFlops = (op: Op, numel: (v: Value) => number): number => {
  const a = op.operands[0]!;
  const sh = a.type.shape ?? [];
  const trans = op.name === 'gemm' && (op.attrs.get('transA')?.value ?? 0) !== 0;
  const K = Number(trans ? sh[0] : sh[sh.length - 1]) || 1;
  return 2 * numel(op.results[0]!) * K;
};

export const GEMM_KERNEL: KernelDef = { emit: emitGemmOp, flops: contractionFlops };
export const MATMUL_KERNEL: KernelDef = { emit: emitMatmul, flops: contractionFlops };
