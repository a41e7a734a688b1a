// WASM-SIMD GEMM micro-kernel generator: C[M,N] = epilogue(A[M,K] * B[K,N]) in f32.
//
// B is a weight known at compile time, so it is packed once by `packB` into column panels of NR
// floats: panel p holds columns p*NR .. p*NR+NR-1 for every k, row after row, so the inner loop reads
// B contiguously. The last panel is padded with zeros, which lets edge panels run the same full-width
// inner loop; only their loads/stores of C (and of a bias row) are masked lane by lane.
//
// Calling convention of the generated function (`gemmWat`), all pointers are byte addresses into the
// module's one memory, all counts are in elements:
//
//   (func $name (param $a i32) (param $lda i32) (param $bp i32) (param $c i32) (param $ldc i32)
//               (param $bias i32) (param $m i32) (param $n i32) (param $k i32))
//
//   a     A, row-major, row stride lda floats (lda >= k; a dense A passes lda = k)
//   bp    packB(B, K, N, NR) with the same NR as the kernel, 16-byte aligned for speed (not required)
//   c     C, row-major, row stride ldc floats (ldc >= n); written, never read before the first store
//   bias  epilogue 'bias-row': N floats, added to every row (MatMul + Add of a [N] vector, Gemm's C);
//         epilogue 'bias-col': M floats, bias[i] added to every element of row i (conv as GEMM with
//         output channels as M); ignored by the other epilogues (pass 0)
//   m, n, k  any values >= 0 (k = 0 gives C = epilogue(0))
//
// The function is not exported by itself and imports nothing: the caller puts it into a module that
// declares or imports a memory (`gemmModuleWat` builds such a module). A must not overlap C.
//
// Blocking (Goto/BLIS order): columns in blocks of NC, K in blocks of KC so that a KC x NC block of B
// stays in L2 while row blocks of MR rows of A stream past it; the MR x NR block of C lives in
// MR*NR/4 v128 locals for the whole KC loop. Partial sums of later K blocks are added to C in memory.
// Rows left over after the last full MR block run a kernel generated for exactly that many rows.
//
// Measured on the team machine (test/bench/wasm-gemm.ts): see the defaults below.

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
}

/** Best measured block sizes (see test/bench/wasm-gemm.ts). */
export const GEMM_DEFAULTS = { mr: 4, nr: 8, kc: 256, nc: 512, unroll: 1 } as const;

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

/** A small line emitter: owns indentation so the generator reads like the WAT it prints. */
class Emitter {
  private readonly lines: string[] = [];
  private depth = 0;
  line(...ls: string[]): void {
    for (const l of ls) this.lines.push('  '.repeat(this.depth) + l);
  }
  open(l: string): void {
    this.line(l);
    this.depth++;
  }
  close(l = 'end'): void {
    this.depth--;
    this.line(l);
  }
  /** A line between two indented parts (`else`). */
  mid(l: string): void {
    this.depth--;
    this.line(l);
    this.depth++;
  }
  text(): string {
    return this.lines.join('\n');
  }
}

interface Resolved {
  name: string;
  mr: number;
  nr: number;
  relaxed: boolean;
  epilogue: GemmEpilogue;
  kc: number;
  nc: number;
  unroll: number;
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

/** `f32.const` text that round-trips any f32 value (hex float keeps every bit). */
function f32Const(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  const f = Math.fround(x);
  return Object.is(f, -0) ? '-0x0p+0' : hexFloat(f);
}

function hexFloat(f: number): string {
  if (f === 0) return '0x0p+0';
  const sign = f < 0 ? '-' : '';
  let m = Math.abs(f);
  let e = 0;
  while (m >= 2) { m /= 2; e++; }
  while (m < 1) { m *= 2; e--; }
  // m in [1, 2): 23 fraction bits (f32) fit in 6 hex digits.
  const frac = Math.round((m - 1) * 2 ** 24).toString(16).padStart(6, '0');
  return `${sign}0x1.${frac}p${e >= 0 ? '+' : ''}${e}`;
}

const acc = (r: number, v: number) => `$c${r}_${v}`;

/** The epilogue's instructions: v128 on the stack -> v128; $row/$col are set; `masked` = N edge. */
function epilogueCode(e: GemmEpilogue, masked: boolean): string[] {
  switch (e.kind) {
    case 'none':
      return [];
    case 'bias-row':
      return [
        ...loadVec('(i32.add (local.get $bias) (i32.shl (local.get $col) (i32.const 2)))', masked),
        'f32x4.add',
      ];
    case 'bias-col':
      return ['(f32x4.splat (f32.load (i32.add (local.get $bias) (i32.shl (local.get $row) (i32.const 2)))))', 'f32x4.add'];
    case 'relu':
      return ['v128.const f32x4 0 0 0 0', 'f32x4.max'];
    case 'clip':
      return [
        `(f32x4.splat (f32.const ${f32Const(e.min)}))`, 'f32x4.max',
        `(f32x4.splat (f32.const ${f32Const(e.max)}))`, 'f32x4.min',
      ];
    case 'wat':
      return e.code.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  }
}

/**
 * Pushes the v128 at byte address `addr`; masked: only lanes whose column ($col + lane) is < $n are
 * read (the others are 0), so nothing past the end of a row (or of the buffer) is touched.
 */
function loadVec(addr: string, masked: boolean): string[] {
  if (!masked) return [`(v128.load ${addr})`];
  const out = [`(local.set $addr ${addr})`, '(local.set $t (v128.const i32x4 0 0 0 0))'];
  for (let l = 0; l < 4; l++) {
    out.push(
      `(if (i32.lt_u (i32.add (local.get $col) (i32.const ${l})) (local.get $n)) (then ` +
      `(local.set $t (f32x4.replace_lane ${l} (local.get $t) (f32.load offset=${4 * l} (local.get $addr))))))`,
    );
  }
  out.push('local.get $t');
  return out;
}

/** Emits the MR' x NR register block for the panel at $jr and rows $ic .. $ic+mr-1. */
function microKernel(em: Emitter, o: Resolved, mr: number): void {
  const nv = o.nr / 4;
  const rowBytes = o.nr * 4;
  for (let r = 0; r < mr; r++) for (let v = 0; v < nv; v++) em.line(`(local.set ${acc(r, v)} (v128.const i32x4 0 0 0 0))`);
  // Row pointers of A at column $pc; the B pointer of this panel at row $pc.
  em.line('(local.set $pa0 (i32.add (local.get $a) (i32.shl (i32.add (i32.mul (local.get $ic) (local.get $lda)) (local.get $pc)) (i32.const 2))))');
  for (let r = 1; r < mr; r++) em.line(`(local.set $pa${r} (i32.add (local.get $pa${r - 1}) (local.get $ldaB)))`);
  em.line('(local.set $pb (local.get $pbj))', '(local.set $kk (local.get $kcur))');

  const step = (s: number) => {
    for (let v = 0; v < nv; v++) em.line(`(local.set $b${v} (v128.load offset=${(s * o.nr + v * 4) * 4} (local.get $pb)))`);
    for (let r = 0; r < mr; r++) {
      em.line(`(local.set $av (v128.load32_splat offset=${s * 4} (local.get $pa${r})))`);
      for (let v = 0; v < nv; v++) {
        em.line(o.relaxed
          ? `(local.set ${acc(r, v)} (f32x4.relaxed_madd (local.get $av) (local.get $b${v}) (local.get ${acc(r, v)})))`
          : `(local.set ${acc(r, v)} (f32x4.add (local.get ${acc(r, v)}) (f32x4.mul (local.get $av) (local.get $b${v}))))`);
      }
    }
  };
  const advance = (steps: number) => {
    for (let r = 0; r < mr; r++) em.line(`(local.set $pa${r} (i32.add (local.get $pa${r}) (i32.const ${4 * steps})))`);
    em.line(`(local.set $pb (i32.add (local.get $pb) (i32.const ${rowBytes * steps})))`);
  };
  const U = o.unroll;
  if (U > 1) {
    em.open('block $ku_done');
    em.line(`(br_if $ku_done (i32.lt_u (local.get $kk) (i32.const ${U})))`);
    em.open('loop $ku');
    for (let s = 0; s < U; s++) step(s);
    advance(U);
    em.line(`(br_if $ku (i32.ge_u (local.tee $kk (i32.sub (local.get $kk) (i32.const ${U}))) (i32.const ${U})))`);
    em.close();
    em.close();
  }
  em.open('block $k1_done');
  em.line('(br_if $k1_done (i32.eqz (local.get $kk)))');
  em.open('loop $k1');
  step(0);
  advance(1);
  em.line('(br_if $k1 (local.tee $kk (i32.sub (local.get $kk) (i32.const 1))))');
  em.close();
  em.close();

  // C block: add the partial sums of earlier K blocks, apply the epilogue after the last, store.
  em.line('(local.set $crow (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (local.get $ic) (local.get $ldc)) (local.get $jr)) (i32.const 2))))');
  em.open(`(if (i32.le_u (i32.add (local.get $jr) (i32.const ${o.nr})) (local.get $n)) (then`);
  storeBlock(em, o, mr, false);
  em.mid(') (else');
  storeBlock(em, o, mr, true);
  em.close('))');
}

function storeBlock(em: Emitter, o: Resolved, mr: number, masked: boolean): void {
  const nv = o.nr / 4;
  const epi = epilogueCode(o.epilogue, masked);
  for (let r = 0; r < mr; r++) {
    if (r > 0) em.line('(local.set $crow (i32.add (local.get $crow) (local.get $ldcB)))');
    em.line(`(local.set $row (i32.add (local.get $ic) (i32.const ${r})))`);
    for (let v = 0; v < nv; v++) {
      em.line(`(local.set $col (i32.add (local.get $jr) (i32.const ${4 * v})))`);
      if (masked) em.line(`(if (i32.lt_u (local.get $col) (local.get $n)) (then`);
      const addr = `(i32.add (local.get $crow) (i32.const ${16 * v}))`;
      em.line(`(local.set $v (local.get ${acc(r, v)}))`);
      em.line('(if (i32.eqz (local.get $first)) (then', ...loadVec(addr, masked).map((l) => '  ' + l), '  (local.set $v (f32x4.add (local.get $v)))))');
      if (epi.length > 0) em.line('(if (local.get $last) (then', '  local.get $v', ...epi.map((l) => '  ' + l), '  local.set $v))');
      if (!masked) {
        em.line(`(v128.store offset=${16 * v} (local.get $crow) (local.get $v))`);
      } else {
        for (let l = 0; l < 4; l++) {
          em.line(
            `(if (i32.lt_u (i32.add (local.get $col) (i32.const ${l})) (local.get $n)) (then ` +
            `(f32.store offset=${16 * v + 4 * l} (local.get $crow) (f32x4.extract_lane ${l} (local.get $v)))))`,
          );
        }
        em.line('))');
      }
    }
  }
}

/** Emits the loop over the panels $jr of the current column block for rows $ic .. $ic+mr-1. */
function panelLoop(em: Emitter, o: Resolved, mr: number): void {
  em.line('(local.set $jr (local.get $jc))', '(local.set $pbj (local.get $pbc))');
  em.open(`block $jr_done${mr}`);
  em.open(`loop $jr_loop${mr}`);
  em.line(`(br_if $jr_done${mr} (i32.ge_u (local.get $jr) (local.get $jend)))`);
  microKernel(em, o, mr);
  em.line(`(local.set $jr (i32.add (local.get $jr) (i32.const ${o.nr})))`);
  em.line('(local.set $pbj (i32.add (local.get $pbj) (local.get $panelB)))');
  em.line(`br $jr_loop${mr}`);
  em.close();
  em.close();
}

/** The GEMM function (see the calling convention at the top of this file). */
export function gemmWat(opts: GemmOptions): string {
  const o = resolve(opts);
  const em = new Emitter();
  const nv = o.nr / 4;
  em.open(`(func $${o.name} (param $a i32) (param $lda i32) (param $bp i32) (param $c i32) (param $ldc i32) (param $bias i32) (param $m i32) (param $n i32) (param $k i32)`);
  em.line(
    `;; generated by gemm-kernel.ts: mr=${o.mr} nr=${o.nr} kc=${o.kc} nc=${o.nc} unroll=${o.unroll} relaxed=${o.relaxed} epilogue=${o.epilogue.kind}`,
    '(local $ldaB i32) (local $ldcB i32) (local $panelB i32) (local $jc i32) (local $jend i32) (local $pbc i32)',
    '(local $pc i32) (local $kcur i32) (local $first i32) (local $last i32) (local $ic i32) (local $jr i32)',
    '(local $pbj i32) (local $pb i32) (local $kk i32) (local $crow i32) (local $row i32) (local $col i32) (local $addr i32)',
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
