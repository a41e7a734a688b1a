// WASM-SIMD GEMM micro-kernel generator: C[M,N] = epilogue(A[M,K] * B[K,N]) in f32.
//
// B is a weight known at compile time, so it is packed once by `packB` into column panels of NR
// floats: panel p holds columns p*NR .. p*NR+NR-1 for every k, row after row, so the inner loop reads
// B contiguously. The last panel is padded with zeros, which lets edge panels run the same full-width
// inner loop; only their loads/stores of C (and of a bias row) are masked lane by lane.
//
// Calling convention of the generated function (`gemmWat`); pointers are byte addresses into the
// module's one memory, counts and strides are in floats:
//
//   (func $name (param $a i32) (param $lda i32) (param $bp i32) (param $c i32) (param $ldc i32)
//               (param $bias i32) (param $m i32) (param $n i32) (param $k i32) (param $ws i32))
//
//   a     A, row-major, row stride lda (lda >= k; a dense A passes lda = k)
//   bp    packB(B, K, N, NR) with the kernel's NR; 16-byte aligned for speed (not required)
//   c     C, row-major, row stride ldc (ldc >= n); only C's M x N elements are written, and C is never
//         read before it is written (it may hold garbage); C must not overlap A, B or ws
//   bias  epilogue 'bias-row': N floats, bias[j] added to column j (MatMul + Add of a [N] vector,
//         Gemm's C of shape [N], conv as NHWC GEMM with output channels as N);
//         epilogue 'bias-col': M floats, bias[i] added to row i; ignored by the others (pass 0)
//   m n k any values >= 0 (k = 0 gives C = epilogue(0); m = 0 or n = 0 write nothing)
//   ws    workspace of gemmWorkspaceBytes(opts, K) bytes (packA only; pass 0 otherwise), 16-aligned
//
// The function is neither exported nor importing anything: the caller puts it into a module that
// declares or imports a memory (`gemmModuleWat` builds such a module) and calls it. One function
// serves every shape; `gemmOptionsFor(N)` picks the options for a known N.
//
// Blocking (Goto/BLIS order): columns in blocks of NC, K in blocks of KC so that a KC x NC block of B
// stays in L2 while row blocks of MR rows of A stream past it; the MR x NR block of C lives in
// MR*NR/4 v128 locals for the whole KC loop, partial sums of later K blocks are added to C in memory.
// Rows left over after the last full MR block run a kernel generated for exactly that many rows.
// With packA each MR x KC block of A is first copied k-major into the workspace, so the inner loop
// reads A through one pointer with constant offsets instead of MR row pointers (fewer integer ops
// per k step: ~58 -> ~65 GFLOP/s at 1024 on the team machine); it costs a copy per panel row, which
// narrow N (few panels) does not repay.
//
// Why 4x8 and no unrolling (test/bench/wasm-gemm.ts, Node 20 / V8 11.3 on x64): V8 schedules all
// loads of a basic block before the arithmetic that uses them, so an unrolled step or a tall block
// keeps every splat of A and vector of B live at once. The block fits the 15 allocatable xmm
// registers only while MR*NR/4 accumulators + NR/4 B vectors + MR splats (+1 product for mul+add) <= 15:
// 4x8 and 2x16 (both ~60-65 GFLOP/s); 5x8, 6x8, 4x12, 3x16 and any unroll > 1 spill and run at
// about half speed. relaxed_madd is no faster here (4x8 ~62, 3x12 ~63): the mul and add pipes
// already overlap.

import { acc, Emitter, panelLoop, type Resolved } from './gemm-emit.js';

export type GemmEpilogue =
  | { kind: 'none' }
  | { kind: 'bias-row' }
  | { kind: 'bias-col' }
  | { kind: 'relu' }
  | { kind: 'clip'; min: number; max: number }
  /**
   * A WAT instruction sequence that takes the output vector (v128, four f32 of one row) from the
   * stack and leaves the new one. It may read the locals $row (output row), $col (column of lane 0;
   * lanes past N are discarded), $t (v128 scratch), the params ($bias ...) and call functions of the
   * enclosing module. Runs once per output vector, after the last K block.
   */
  | { kind: 'wat'; code: string };

export interface GemmOptions {
  /** WAT identifier without the `$`. */
  name: string;
  /** Rows of the register block (1..8). */
  mr?: number;
  /** Columns of the register block: a multiple of 4 (one v128 = 4 floats); must match packB's NR. */
  nr?: number;
  /** Use f32x4.relaxed_madd (needs relaxed SIMD in the engine; may fuse, so results can differ in the last bit). */
  relaxed?: boolean;
  epilogue?: GemmEpilogue;
  /** K block (floats); 0 = no K blocking. */
  kc?: number;
  /** N block (floats, rounded up to a multiple of nr); 0 = no N blocking. */
  nc?: number;
  /** K steps unrolled in the inner loop. */
  unroll?: number;
  /** Copy each MR x KC block of A to the workspace $ws (gemmWorkspaceBytes) before use. */
  packA?: boolean;
}

/** Best measured block sizes for large shapes (see the notes at the top). */
export const GEMM_DEFAULTS = { mr: 4, nr: 8, kc: 256, nc: 512, unroll: 1, packA: true } as const;

/**
 * Options for a GEMM whose N is known (B is a constant, so it is): packing A pays only when the
 * packed block is reused over enough panels (measured: N = 8 or 16 lose 20-35% with packA, N >= 64
 * gain up to 10%).
 */
export function gemmOptionsFor(n: number): Omit<GemmOptions, 'name' | 'epilogue' | 'relaxed'> {
  return { ...GEMM_DEFAULTS, packA: n >= 4 * GEMM_DEFAULTS.nr };
}

/**
 * Packs B[K,N] (row-major; with `transposed`, B is given as its transpose, [N,K] row-major, as in
 * Gemm transB = 1) into ceil(N/NR) column panels of K x NR floats each, zero-padded on the right:
 * out[(p*K + k)*NR + j] = B[k, p*NR + j].
 */
export function packB(b: Float32Array, K: number, N: number, NR: number, transposed = false): Float32Array {
  if (NR <= 0 || NR % 4 !== 0) throw new Error(`packB: NR must be a positive multiple of 4, got ${NR}`);
  if (b.length < K * N) throw new Error(`packB: B has ${b.length} floats, K*N = ${K * N}`);
  const panels = Math.ceil(N / NR);
  const out = new Float32Array(panels * K * NR);
  for (let p = 0; p < panels; p++) {
    const j0 = p * NR;
    const w = Math.min(NR, N - j0);
    for (let k = 0; k < K; k++) {
      const dst = (p * K + k) * NR;
      if (transposed) for (let j = 0; j < w; j++) out[dst + j] = b[(j0 + j) * K + k]!;
      else for (let j = 0; j < w; j++) out[dst + j] = b[k * N + j0 + j]!;
    }
  }
  return out;
}

/** Floats of packB's output: the caller's buffer size for bp. */
export function packedBSize(K: number, N: number, NR: number): number {
  return Math.ceil(N / NR) * K * NR;
}

/**
 * Bytes of the workspace ($ws) a kernel with packA needs (0 without packA). K may be unknown at
 * compile time (undefined or NaN): with K blocking the bound MR*KC floats holds for every K.
 */
export function gemmWorkspaceBytes(opts: GemmOptions, K?: number): number {
  const o = resolve(opts);
  if (!o.packA) return 0;
  const known = K !== undefined && Number.isFinite(K);
  if (o.kc > 0) return 4 * o.mr * (known ? Math.min(o.kc, K) : o.kc);
  if (!known) throw new Error('gemmWorkspaceBytes: packA without K blocking (kc = 0) needs a known K');
  return 4 * o.mr * K;
}

function resolve(o: GemmOptions): Resolved {
  const r: Resolved = {
    name: o.name,
    mr: o.mr ?? GEMM_DEFAULTS.mr,
    nr: o.nr ?? GEMM_DEFAULTS.nr,
    relaxed: o.relaxed ?? false,
    epilogue: o.epilogue ?? { kind: 'none' },
    kc: o.kc ?? GEMM_DEFAULTS.kc,
    nc: o.nc ?? GEMM_DEFAULTS.nc,
    unroll: o.unroll ?? GEMM_DEFAULTS.unroll,
    packA: o.packA ?? GEMM_DEFAULTS.packA,
  };
  if (!/^[A-Za-z0-9_.]+$/.test(r.name)) throw new Error(`gemmWat: bad function name '${r.name}'`);
  if (!Number.isInteger(r.mr) || r.mr < 1 || r.mr > 8) throw new Error(`gemmWat: mr must be 1..8, got ${r.mr}`);
  if (!Number.isInteger(r.nr) || r.nr < 4 || r.nr > 32 || r.nr % 4 !== 0) throw new Error(`gemmWat: nr must be 4..32, a multiple of 4, got ${r.nr}`);
  if (!Number.isInteger(r.kc) || r.kc < 0) throw new Error(`gemmWat: kc must be >= 0, got ${r.kc}`);
  if (!Number.isInteger(r.nc) || r.nc < 0) throw new Error(`gemmWat: nc must be >= 0, got ${r.nc}`);
  if (!Number.isInteger(r.unroll) || r.unroll < 1 || r.unroll > 16) throw new Error(`gemmWat: unroll must be 1..16, got ${r.unroll}`);
  if (r.nc > 0) r.nc = Math.ceil(r.nc / r.nr) * r.nr;
  return r;
}

/** The GEMM function (see the calling convention at the top of this file). */
export function gemmWat(opts: GemmOptions): string {
  const o = resolve(opts);
  const em = new Emitter();
  const nv = o.nr / 4;
  em.open(`(func $${o.name} (param $a i32) (param $lda i32) (param $bp i32) (param $c i32) (param $ldc i32) (param $bias i32) (param $m i32) (param $n i32) (param $k i32) (param $ws i32)`);
  em.line(
    `;; generated by gemm-kernel.ts: mr=${o.mr} nr=${o.nr} kc=${o.kc} nc=${o.nc} unroll=${o.unroll} relaxed=${o.relaxed} epilogue=${o.epilogue.kind}`,
    '(local $ldaB i32) (local $ldcB i32) (local $panelB i32) (local $jc i32) (local $jend i32) (local $pbc i32)',
    '(local $pc i32) (local $kcur i32) (local $first i32) (local $last i32) (local $ic i32) (local $jr i32)',
    '(local $pbj i32) (local $pb i32) (local $pbend i32) (local $kk i32) (local $crow i32) (local $row i32) (local $col i32) (local $addr i32)',
    (Array.from({ length: o.mr }, (_, r) => `(local $pa${r} i32)`).join(' ')),
    '(local $av v128) (local $t v128) (local $v v128) ' + Array.from({ length: nv }, (_, v) => `(local $b${v} v128)`).join(' '),
  );
  for (let r = 0; r < o.mr; r++) em.line(Array.from({ length: nv }, (_, v) => `(local ${acc(r, v)} v128)`).join(' '));
  em.line(
    '(local.set $ldaB (i32.shl (local.get $lda) (i32.const 2)))',
    '(local.set $ldcB (i32.shl (local.get $ldc) (i32.const 2)))',
    `(local.set $panelB (i32.mul (local.get $k) (i32.const ${o.nr * 4})))`,
  );
  // Column blocks: $jc .. $jend (NC columns; the last block may be narrower).
  em.line('(local.set $jc (i32.const 0))', '(local.set $pbc (local.get $bp))');
  em.open('block $jc_done');
  em.open('loop $jc_loop');
  em.line('(br_if $jc_done (i32.ge_u (local.get $jc) (local.get $n)))');
  em.line(o.nc > 0
    ? `(local.set $jend (select (local.get $n) (i32.add (local.get $jc) (i32.const ${o.nc})) (i32.lt_u (i32.sub (local.get $n) (local.get $jc)) (i32.const ${o.nc}))))`
    : '(local.set $jend (local.get $n))');
  // K blocks: at least one pass so that k = 0 still stores epilogue(0).
  em.line('(local.set $pc (i32.const 0))');
  em.open('loop $pc_loop');
  em.line(o.kc > 0
    ? `(local.set $kcur (select (i32.sub (local.get $k) (local.get $pc)) (i32.const ${o.kc}) (i32.lt_u (i32.sub (local.get $k) (local.get $pc)) (i32.const ${o.kc}))))`
    : '(local.set $kcur (local.get $k))');
  em.line(
    '(local.set $first (i32.eqz (local.get $pc)))',
    '(local.set $last (i32.ge_u (i32.add (local.get $pc) (local.get $kcur)) (local.get $k)))',
  );
  // Full row blocks.
  em.line('(local.set $ic (i32.const 0))');
  em.open('block $ic_done');
  em.open('loop $ic_loop');
  em.line(`(br_if $ic_done (i32.gt_u (i32.add (local.get $ic) (i32.const ${o.mr})) (local.get $m)))`);
  panelLoop(em, o, o.mr);
  em.line(`(local.set $ic (i32.add (local.get $ic) (i32.const ${o.mr})))`, 'br $ic_loop');
  em.close();
  em.close();
  // Leftover rows: a kernel for exactly that many.
  for (let r = o.mr - 1; r >= 1; r--) {
    em.open(`(if (i32.eq (i32.sub (local.get $m) (local.get $ic)) (i32.const ${r})) (then`);
    panelLoop(em, o, r);
    em.close('))');
  }
  // $pbc moves down the panels with the K block: B pointer of panel 0 of this column block at row $pc.
  em.line(
    '(local.set $pbc (i32.add (local.get $pbc) (i32.mul (local.get $kcur) (i32.const ' + o.nr * 4 + '))))',
    '(local.set $pc (i32.add (local.get $pc) (local.get $kcur)))',
  );
  em.line('(br_if $pc_loop (i32.lt_u (local.get $pc) (local.get $k)))');
  em.close();
  // Next column block: its first panel, row 0.
  em.line(
    '(local.set $pbc (i32.add (local.get $pbc) (i32.sub (i32.mul (i32.div_u (i32.sub (local.get $jend) (local.get $jc)) (i32.const ' +
      o.nr + ')) (local.get $panelB)) (i32.mul (local.get $k) (i32.const ' + o.nr * 4 + ')))))',
  );
  em.line('(local.set $jc (local.get $jend))', 'br $jc_loop');
  em.close();
  em.close();
  em.close(')');
  return em.text();
}

/**
 * A whole module around one gemmWat function: imports `env.memory` (shared = false) and exports the
 * function under its name. What tests and the benchmark assemble; the backend builds its own module.
 */
export function gemmModuleWat(opts: GemmOptions): string {
  return ['(module', '  (import "env" "memory" (memory 1))', gemmWat(opts).replace(/^/gm, '  '), `  (export "${opts.name}" (func $${opts.name}))`, ')'].join('\n');
}
