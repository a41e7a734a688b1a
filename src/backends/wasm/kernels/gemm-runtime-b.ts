// The register-blocked GEMM of gemm-kernel.ts for a B known only at run time (MatMul with both
// operands computed, einsum's matmul form): B is packed per call into the kernel's 8-column
// panels in a scratch buffer, then the micro-kernel runs over them. Reading B in place instead
// (one f32x4 column group per k step, no register blocking) is 2.5-5x slower on attention shapes.
//
// Scratch is sized at compile time, so B goes through it in blocks of at most KB x NB: every k
// when K is static and at most 256 (KB = K), else chunks of 256 rows (128 for a symbolic K), and
// NB columns (a multiple of 8; 64 KiB of panels at most, 128 columns for a symbolic N). A chunk
// after the first adds its product to C through a second kernel whose epilogue adds the C
// already stored (KB <= the kernel's kc, so each call sums its chunk in registers and reads C
// once, at the end: the same order of additions as the kernel's own K blocking). Symbolic N or K
// therefore cost a fixed scratch (BERT's Q K^T and P V: 16 and 16 KiB), whatever they are bound to.
//
// Threads: the caller gives a column range [lo, hi) (aligned to the panels) for the threads to
// share, or shares whole GEMMs (batches) among them; every thread packs into its own scratch slot.

import { add, get, i32, mul } from '../emitter.js';
import type { KernelCtx } from '../kernel-api.js';
import { gemmWat, gemmWorkspaceBytes, type GemmOptions } from '../gemm-kernel.js';
import { gemmFn } from './attention-gemm.js';

/** Columns of one packed panel (gemmOptionsFor's nr). */
export const NR = 8;
/** Rows of B per chunk: at most the kernel's kc, so one call is one K block. */
const KB_MAX = 256;
/** Rows per chunk for a symbolic K (scratch is sized for it whatever K is bound to). */
const KB_SYMBOLIC = 128;
/** Floats of packed B per scratch slot (64 KiB: an L2-resident block). */
const PACK_FLOATS = 16384;
/** Widest column block (the kernel's nc). */
const NB_MAX = 512;
/** Column block for a symbolic N: scratch is sized for it whatever N is bound to. */
const NB_SYMBOLIC = 128;

/** The kernels and scratch one op's GEMMs share (made once per op, outside its batch loops). */
export interface RuntimeBPlan {
  readonly fn: string;
  /** The accumulating kernel, when K may need more than one chunk. */
  readonly fnAcc?: string;
  /** Scratch: packed panels (KB x NB block) and the kernel's workspace. */
  readonly bp: string;
  readonly ws: string;
  readonly KB: number;
  readonly NB: number;
  readonly N: number | string;
  readonly K: number | string;
}

const roundUp = (n: number, m: number): number => Math.ceil(n / m) * m;

/**
 * Adds the old C (same address as the store) to the kernel's result: runs with $v holding the
 * result, after the only K block of a call. Lanes past N are neither read nor stored.
 */
const ACCUMULATE = [
  'drop',
  '(local.set $addr (i32.add (local.get $crow) (i32.shl (i32.sub (local.get $col) (local.get $jr)) (i32.const 2))))',
  '(if (result v128) (i32.le_u (i32.add (local.get $col) (i32.const 4)) (local.get $n)) (then (v128.load align=4 (local.get $addr))) (else',
  '  (local.set $t (v128.const i32x4 0 0 0 0))',
  ...[0, 1, 2, 3].map((l) => `  (if (i32.lt_u (i32.add (local.get $col) (i32.const ${l})) (local.get $n)) (then (local.set $t (f32x4.replace_lane ${l} (local.get $t) (f32.load offset=${4 * l} (local.get $addr))))))`),
  '  (local.get $t)))',
  '(f32x4.add (local.get $v))',
].join('\n');

/** Picks the blocks for B of K x N (static or symbolic) and allocates the op's kernels and scratch. */
export function planRuntimeB(k: KernelCtx, N: number | string, K: number | string): RuntimeBPlan {
  const KB = typeof K === 'number' ? Math.max(1, Math.min(K, KB_MAX)) : KB_SYMBOLIC;
  let NB = Math.min(NB_MAX, Math.max(NR, Math.floor(PACK_FLOATS / KB / NR) * NR));
  NB = typeof N === 'number' ? Math.min(NB, roundUp(Math.max(N, 1), NR)) : Math.min(NB, NB_SYMBOLIC);
  // Options as for a constant B of the block's width (packA pays from 32 columns on).
  const [fn, opts] = gemmFn(k, typeof N === 'number' ? N : NB);
  const chunked = typeof K !== 'number' || K > KB;
  let fnAcc: string | undefined;
  if (chunked) {
    const acc: GemmOptions = { ...opts, name: `${opts.name}_accumulate`, epilogue: { kind: 'wat', code: ACCUMULATE } };
    if (acc.kc !== undefined && acc.kc > 0 && acc.kc < KB) throw new Error(`gemm-runtime-b: chunk ${KB} exceeds the kernel's kc ${acc.kc}`);
    fnAcc = k.moduleFunc(acc.name, gemmWat(acc));
  }
  const bp = k.scratch(4 * KB * NB);
  const ws = k.scratch(Math.max(16, gemmWorkspaceBytes(opts, KB)));
  return { fn, fnAcc, bp, ws, KB, NB, N, K };
}

/** Where B(k, n) is: element strides from a base address, or any address expression. */
export type RuntimeB = { p: string; sk: string; sn: string } | { at: (kk: string, nn: string) => string };

export interface RuntimeBGemm {
  /** Rows of A and C (i32 expression). */
  readonly M: string;
  /** A(m, k) at a + 4 (m lda + k). */
  readonly a: { p: string; lda: string };
  readonly b: RuntimeB;
  /** C(m, n) at c + 4 (m ldc + n). */
  readonly c: { p: string; ldc: string };
  /** Columns [lo, hi) to compute (a thread's share, lo a multiple of NR); default all N. */
  readonly cols?: { lo: string; hi: string };
}

/** `for (i = lo; i < hi; i += step)` with a body that may read i (any hi, no partial-step skip). */
function stepLoop(k: KernelCtx, hint: string, lo: string, hi: string, step: number, body: (i: string, left: string) => void): void {
  const em = k.em;
  const i = em.local(hint, 'i32'), end = em.local(`${hint}end`, 'i32');
  em.set(end, hi);
  em.set(i, lo);
  const l = i.slice(1);
  em.line(`(block $${l}_done (loop $${l}_next`);
  em.line(`  (br_if $${l}_done (i32.ge_u ${get(i)} ${get(end)}))`);
  body(get(i), `(i32.sub ${get(end)} ${get(i)})`);
  em.set(i, add(get(i), i32(step)));
  em.line(`  (br $${l}_next)`);
  em.line('))');
}

/** min(step, left) for a block of up to `step` of `left` remaining (constant when both are). */
function blockOf(k: KernelCtx, hint: string, step: number, left: string, staticTotal: number | undefined): string {
  if (staticTotal !== undefined && staticTotal <= step) return i32(staticTotal);
  const l = k.em.local(hint, 'i32');
  k.em.set(l, `(select ${i32(step)} ${left} (i32.lt_u ${i32(step)} ${left}))`);
  return get(l);
}

/**
 * Packs B(k0 .. k0+kb-1, n0 .. n0+nb-1) into panels of NR columns: element (kk, j) at
 * ((j / NR) kb + kk) NR + j % NR floats from bp; the last panel's columns past nb are zero.
 */
function packBlock(k: KernelCtx, plan: RuntimeBPlan, b: RuntimeB, k0: string, kb: string, n0: string, nb: string): void {
  const em = k.em, bp = plan.bp;
  const pstride = em.local('pstride', 'i32');
  em.set(pstride, mul(kb, i32(4 * NR)));
  const full = `(i32.shr_u ${nb} (i32.const 3))`;
  em.line(`(if (i32.and ${nb} (i32.const 7)) (then (memory.fill ${add(bp, mul(full, get(pstride)))} (i32.const 0) ${get(pstride)})))`);
  const dstAt = (j: string, kk: string): string =>
    add(bp, add(mul(`(i32.shr_u ${j} (i32.const 3))`, get(pstride)), add(mul(kk, i32(4 * NR)), `(i32.shl (i32.and ${j} (i32.const 7)) (i32.const 2))`)));
  if ('at' in b) {
    em.loop('pj', nb, (j) => em.loop('pk', kb, (kk) => em.line(`(f32.store ${dstAt(j, kk)} (f32.load ${b.at(add(k0, kk), add(n0, j))}))`)));
    return;
  }
  const src = em.local('src', 'i32'), dst = em.local('dst', 'i32');
  if (b.sn === i32(1)) {
    // Rows of B are contiguous: whole panels move as two v128 per k, the rest lane by lane.
    em.loop('pk', kb, (kk) => {
      em.set(src, add(b.p, mul(add(mul(add(k0, kk), b.sk), n0), i32(4))));
      em.set(dst, add(bp, mul(kk, i32(4 * NR))));
      em.loop('pp', full, () => {
        em.line(`(v128.store ${get(dst)} (v128.load align=4 ${get(src)}))`);
        em.line(`(v128.store offset=16 ${get(dst)} (v128.load offset=16 align=4 ${get(src)}))`);
        em.set(src, add(get(src), i32(4 * NR)));
        em.set(dst, add(get(dst), get(pstride)));
      });
      const j = em.local('pj', 'i32');
      em.forRange(j, `(i32.and ${nb} (i32.const -8))`, nb, 1, () => {
        em.line(`(f32.store ${add(get(dst), `(i32.shl (i32.and ${get(j)} (i32.const 7)) (i32.const 2))`)} (f32.load ${get(src)}))`);
        em.set(src, add(get(src), i32(4)));
      });
    });
    return;
  }
  // Columns of B are contiguous (a transposed B) or neither: one column at a time, down k.
  em.loop('pj', nb, (j) => {
    em.set(src, add(b.p, mul(add(mul(add(n0, j), b.sn), mul(k0, b.sk)), i32(4))));
    em.set(dst, dstAt(j, i32(0)));
    em.loop('pk', kb, () => {
      em.line(`(f32.store ${get(dst)} (f32.load ${get(src)}))`);
      em.set(src, add(get(src), mul(b.sk, i32(4))));
      em.set(dst, add(get(dst), i32(4 * NR)));
    });
  });
}

/** C = A B (C(m, n) for the columns asked), B packed block by block into the plan's scratch. */
export function emitRuntimeBGemm(k: KernelCtx, plan: RuntimeBPlan, g: RuntimeBGemm): void {
  const em = k.em;
  const keep = (hint: string, e: string): string => {
    if (/^\((local\.get \$[\w.]+|i32\.const -?\d+)\)$/.test(e)) return e;
    const l = em.local(hint, 'i32');
    em.set(l, e);
    return get(l);
  };
  const N = typeof plan.N === 'number' ? i32(plan.N) : k.dim(plan.N), K = typeof plan.K === 'number' ? i32(plan.K) : k.dim(plan.K);
  const aP = keep('ap', g.a.p), cP = keep('cp', g.c.p), M = keep('m', g.M);
  const b: RuntimeB = 'at' in g.b ? g.b : { p: keep('bsrc', g.b.p), sk: g.b.sk, sn: g.b.sn };
  const lda = keep('lda', g.a.lda), ldc = keep('ldc', g.c.ldc);
  const staticN = g.cols === undefined && typeof plan.N === 'number' ? plan.N : undefined;
  const lo = g.cols?.lo ?? i32(0), hi = g.cols?.hi ?? N;
  const columns = (jc: string, left: string): void => {
    const nb = blockOf(k, 'nb', plan.NB, left, staticN);
    const call = (pc: string, kb: string, fn: string): void =>
      em.line(`(call ${fn} ${add(aP, mul(pc, i32(4)))} ${lda} ${plan.bp} ${add(cP, mul(jc, i32(4)))} ${ldc} (i32.const 0) ${M} ${nb} ${kb} ${plan.ws})`);
    if (!plan.fnAcc) {
      packBlock(k, plan, b, i32(0), K, jc, nb);
      return call(i32(0), K, plan.fn);
    }
    // K in chunks of KB; the first (always run, so K = 0 still writes zeros) stores, the others add.
    const pc = em.local('pc', 'i32');
    em.set(pc, i32(0));
    const l = pc.slice(1);
    em.line(`(loop $${l}_next`);
    const kb = blockOf(k, 'kb', plan.KB, `(i32.sub ${K} ${get(pc)})`, undefined);
    packBlock(k, plan, b, get(pc), kb, jc, nb);
    em.line(`(if (i32.eqz ${get(pc)}) (then`);
    call(get(pc), kb, plan.fn);
    em.line(') (else');
    call(get(pc), kb, plan.fnAcc);
    em.line('))');
    em.set(pc, add(get(pc), i32(plan.KB)));
    em.line(`  (br_if $${l}_next (i32.lt_u ${get(pc)} ${K}))`);
    em.line(')');
  };
  if (staticN !== undefined && staticN <= plan.NB) return columns(i32(0), i32(staticN));
  stepLoop(k, 'jc', lo, hi, plan.NB, columns);
}
