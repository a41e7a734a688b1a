// The loops of the GEMM kernel (see gemm-kernel.ts for the calling convention and the blocking):
// packing A, the MR x NR register block, the masked C stores and the epilogues.

import type { GemmEpilogue } from './gemm-kernel.js';

/** Options with every default filled in and checked. */
export interface Resolved {
  name: string;
  mr: number;
  nr: number;
  relaxed: boolean;
  epilogue: GemmEpilogue;
  kc: number;
  nc: number;
  unroll: number;
  packA: boolean;
}

/** A small line emitter: owns indentation so the generator reads like the WAT it prints. */
export class Emitter {
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

export const acc = (r: number, v: number) => `$c${r}_${v}`;

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

/** $pa0 .. $pa{mr-1}: addresses of A[$ic + r, $pc]. */
function rowPointers(em: Emitter, mr: number): void {
  em.line('(local.set $pa0 (i32.add (local.get $a) (i32.shl (i32.add (i32.mul (local.get $ic) (local.get $lda)) (local.get $pc)) (i32.const 2))))');
  for (let r = 1; r < mr; r++) em.line(`(local.set $pa${r} (i32.add (local.get $pa${r - 1}) (local.get $ldaB)))`);
}

/**
 * Copies A[$ic .. $ic+mr-1, $pc .. $pc+$kcur-1] into the workspace k-major (ws[kk*mr + r]), so the
 * micro-kernel reads A through one pointer with constant offsets.
 */
function packABlock(em: Emitter, mr: number): void {
  rowPointers(em, mr);
  em.line('(local.set $pb (local.get $ws))', '(local.set $pbend (i32.add (local.get $ws) (i32.mul (local.get $kcur) (i32.const ' + 4 * mr + '))))');
  em.open(`block $pk_done${mr}`);
  em.line(`(br_if $pk_done${mr} (i32.eq (local.get $pb) (local.get $pbend)))`);
  em.open(`loop $pk${mr}`);
  for (let r = 0; r < mr; r++) {
    em.line(`(f32.store offset=${4 * r} (local.get $pb) (f32.load (local.get $pa${r})))`);
    em.line(`(local.set $pa${r} (i32.add (local.get $pa${r}) (i32.const 4)))`);
  }
  em.line(`(local.set $pb (i32.add (local.get $pb) (i32.const ${4 * mr})))`);
  em.line(`(br_if $pk${mr} (i32.ne (local.get $pb) (local.get $pbend)))`);
  em.close();
  em.close();
}

/** Emits the MR' x NR register block for the panel at $jr and rows $ic .. $ic+mr-1. */
function microKernel(em: Emitter, o: Resolved, mr: number): void {
  const nv = o.nr / 4;
  const rowBytes = o.nr * 4;
  for (let r = 0; r < mr; r++) for (let v = 0; v < nv; v++) em.line(`(local.set ${acc(r, v)} (v128.const i32x4 0 0 0 0))`);
  // A: the packed MR' x KC block in the workspace (one pointer), or row pointers at column $pc.
  if (o.packA) em.line('(local.set $pa0 (local.get $ws))');
  else rowPointers(em, mr);
  em.line('(local.set $pb (local.get $pbj))', '(local.set $kk (local.get $kcur))');

  const step = (s: number) => {
    for (let v = 0; v < nv; v++) em.line(`(local.set $b${v} (v128.load offset=${(s * o.nr + v * 4) * 4} (local.get $pb)))`);
    for (let r = 0; r < mr; r++) {
      em.line(o.packA
        ? `(local.set $av (v128.load32_splat offset=${(s * mr + r) * 4} (local.get $pa0)))`
        : `(local.set $av (v128.load32_splat offset=${s * 4} (local.get $pa${r})))`);
      for (let v = 0; v < nv; v++) {
        em.line(o.relaxed
          ? `(local.set ${acc(r, v)} (f32x4.relaxed_madd (local.get $av) (local.get $b${v}) (local.get ${acc(r, v)})))`
          : `(local.set ${acc(r, v)} (f32x4.add (local.get ${acc(r, v)}) (f32x4.mul (local.get $av) (local.get $b${v}))))`);
      }
    }
  };
  const advance = (steps: number) => {
    if (o.packA) em.line(`(local.set $pa0 (i32.add (local.get $pa0) (i32.const ${4 * mr * steps})))`);
    else for (let r = 0; r < mr; r++) em.line(`(local.set $pa${r} (i32.add (local.get $pa${r}) (i32.const ${4 * steps})))`);
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
  // The single-step loop ends on the B pointer: no counter to update.
  em.line(`(local.set $pbend (i32.add (local.get $pb) (i32.mul (local.get $kk) (i32.const ${rowBytes}))))`);
  em.open('block $k1_done');
  em.line('(br_if $k1_done (i32.eq (local.get $pb) (local.get $pbend)))');
  em.open('loop $k1');
  step(0);
  advance(1);
  em.line('(br_if $k1 (i32.ne (local.get $pb) (local.get $pbend)))');
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
      // A vector wholly past N (the zero padding of the last panel) is skipped.
      if (masked) em.open(`(if (i32.lt_u (local.get $col) (local.get $n)) (then`);
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
        em.close('))');
      }
    }
  }
}

/** Emits the loop over the panels $jr of the current column block for rows $ic .. $ic+mr-1. */
export function panelLoop(em: Emitter, o: Resolved, mr: number): void {
  if (o.packA) packABlock(em, mr);
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

