// The multithreaded module variant (`compileWasm(..., { threads: true })`, model-threads.wasm).
//
// Same kernels, same buffers and manifest as model.wasm, but the memory is imported and shared
// (`(import "env" "memory" (memory 1 MAX_PAGES shared))`) and every instance (the main thread's
// and one per worker) runs `run_mt` in lockstep. Each instance knows its thread id and the thread
// count from globals set once by `init(tid, nt, ctl, wait)`.
//
// Work splitting is static: a kernel that is worth splitting (`splits`: its work reaches
// MIN_WORK, decided at compile time for static shapes and on entry to the step for symbolic ones)
// asks `share(k, n, ...)` for this thread's range of its outer loop (row blocks or column panels
// of a GEMM, output channels, rows or pixel blocks of a conv, chunks of an elementwise op); every
// other op runs on thread 0 only. A split never changes the order of the floating-point
// operations behind any output element, so results are bit-identical to model.wasm for every
// thread count.
//
// Ordering: the ops of a step (one function; several for a fused group) and the steps themselves
// form a sequence of units, each split or thread-0-only. Between two units a barrier is needed
// when either is split (thread 0 running two unsplit units in a row needs none); every thread
// computes the same split flags, so all take the same barriers. The barrier is sense-reversing on
// two words of a 16-byte control block at `ctl` (ctl+4 arrivals, ctl+8 generation): the last
// thread to arrive resets the count, bumps the generation and notifies; the others spin on the
// generation for a while, then `memory.atomic.wait32` on it (the browser main thread cannot
// block: it is initialised with wait = 0 and only spins). ctl+0 (the runtime's start generation)
// and ctl+12 (its exit flag) belong to src/runtime/threads.ts.

import type { Value } from '../../../ir/ir.js';
import { get, i32, mul } from './emitter.js';
import type { KernelCtx } from './kernel-api.js';

/** Most threads a threaded module serves (per-thread scratch slots are sized for it). */
export const MAX_THREADS = 16;
/** Maximum memory of the shared memory, in 64 KiB pages (2 GiB: what browsers reliably reserve). */
export const MAX_PAGES = 32768;
export const THREADS_FILE = 'model-threads.wasm';
export const RELAXED_THREADS_FILE = 'model-relaxed-threads.wasm';
/** Spins on the barrier's generation before blocking (a few microseconds). */
const SPINS = 4096;
/** Below this much work (multiply-adds or elements, at run time) an op is not split. */
export const MIN_WORK = 1 << 20;

/** What a kernel sees of threading (KernelCtx.threads, set only in the threaded variant). */
export interface ThreadCtx {
  /** Ops with less work run on thread 0 only (MIN_WORK unless a test asks for less). */
  readonly minWork: number;
  /** The split flag of the op being emitted (an i32 expression), once `splits` has set it. */
  flag(): string | undefined;
  setFlag(flag: string): void;
}

/** An op's work (multiply-adds or elements): its value with symbols sized 1, and the dims it scales with. */
export interface Work {
  readonly value: number;
  /** i64 expression of the work at run time, when it depends on symbolic dims. */
  readonly runtime?: string;
}

/** Work of an op: the elements of `y` times `perElement` (a dim: a contraction's K, a conv's taps). */
export function workOf(k: KernelCtx, y: Value, perElement: number | string): Work {
  const dims = [...(y.type.shape ?? []), perElement];
  const value = dims.reduce<number>((a, d) => a * staticDim(d), 1);
  const symbolic = dims.filter((d): d is string => typeof d === 'string');
  if (!k.threads || symbolic.length === 0) return { value };
  const runtime = symbolic.reduce((a, d) => `(i64.mul ${a} (i64.extend_i32_u ${k.dim(d)}))`, `(i64.const ${value})`);
  return { value, runtime };
}

const ALWAYS = '(i32.const 1)';

/**
 * Whether the op being emitted may split its loops (only ever in the threaded variant): static
 * work at least minWork, or work that depends on symbolic dims, which is then compared with
 * minWork at run time (a flag computed on entry to the step function, the same on every thread:
 * below it, the op runs on thread 0 alone and no barrier is taken around it).
 */
export function splits(k: KernelCtx, work: Work): boolean {
  const t = k.threads;
  if (!t) return false;
  if (t.flag() !== undefined) return true;
  if (work.runtime === undefined) {
    if (work.value < t.minWork) return false;
    t.setFlag(ALWAYS);
    return true;
  }
  // One flag per distinct work expression in a function, named by a hash of it (hoisted locals are named by their hint).
  t.setFlag(k.em.hoisted(`split:${work.runtime}`, `split_${fnv(work.runtime)}`, 'i32', `(i64.ge_u ${work.runtime} (i64.const ${t.minWork}))`));
  return true;
}

/** FNV-1a of a string, 8 hex digits. */
function fnv(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

export interface ShareOptions {
  /** Each range except the last starts and ends on a multiple of `align` (SIMD lanes, GEMM row blocks). */
  readonly align?: number;
  /** Fewest iterations per thread: smaller loops run on fewer threads (thread 0 alone when tiny). */
  readonly grain?: number;
}

/**
 * This thread's range [lo, hi) of the loop [0, n): consecutive equal chunks in thread order, so
 * the union over threads is [0, n) exactly once. [0, n) without threads (model.wasm) or when
 * `splits` did not split the op (or its run-time flag is off: thread 0 alone runs the op then).
 * The expressions are locals computed where this is called.
 */
export function share(k: KernelCtx, n: string, opts: ShareOptions = {}): { lo: string; hi: string } {
  const flag = k.threads?.flag();
  if (flag === undefined) return { lo: i32(0), hi: n };
  const em = k.em;
  const tid = flag === ALWAYS ? '(global.get $tid)' : `(select (global.get $tid) (i32.const 0) ${flag})`;
  const nt = flag === ALWAYS ? '(global.get $nt)' : `(select (global.get $nt) (i32.const 1) ${flag})`;
  const align = opts.align ?? 1;
  const minUnits = Math.max(1, Math.ceil((opts.grain ?? 1) / align));
  const total = em.local('n', 'i32'), per = em.local('per', 'i32'), lo = em.local('lo', 'i32'), hi = em.local('hi', 'i32');
  em.set(total, n);
  const units = align === 1 ? get(total) : `(i32.div_u (i32.add ${get(total)} ${i32(align - 1)}) ${i32(align)})`;
  // per = max(ceil(units / nt), minUnits) * align
  em.set(per, `(i32.div_u (i32.add ${units} (i32.sub ${nt} (i32.const 1))) ${nt})`);
  if (minUnits > 1) em.set(per, `(select ${get(per)} ${i32(minUnits)} (i32.gt_u ${get(per)} ${i32(minUnits)}))`);
  em.set(per, mul(get(per), i32(align)));
  em.set(lo, `(i32.mul ${tid} ${get(per)})`);
  em.set(lo, `(select ${get(lo)} ${get(total)} (i32.lt_u ${get(lo)} ${get(total)}))`);
  em.set(hi, `(i32.add ${get(lo)} ${get(per)})`);
  em.set(hi, `(select ${get(hi)} ${get(total)} (i32.lt_u ${get(hi)} ${get(total)}))`);
  return { lo: get(lo), hi: get(hi) };
}

const UNIT = /^\s*;; @unit (\d+)$/;
const END = /^\s*;; @end (\d+)$/;

/** Marker lines lower.ts puts around each unit of a step while emitting the threaded variant. */
export const unitMarkers = (j: number): [string, string] => [`@unit ${j}`, `@end ${j}`];

/** `a | b` of two split flags (undefined: never split), folded where one is known. */
function either(a: string | undefined, b: string | undefined): string | undefined {
  if (a === ALWAYS || b === ALWAYS) return ALWAYS;
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a === b ? a : `(i32.or ${a} ${b})`;
}

const barrierIf = (pad: string, flag: string | undefined): string[] =>
  flag === undefined ? [] : flag === ALWAYS ? [`${pad}(call $barrier)`] : [`${pad}(if ${flag} (then (call $barrier)))`];

/**
 * Replace a step function's unit markers (`flags[j]`: unit j's split flag, undefined when it
 * never splits). A unit that may not split runs on thread 0 only (`if tid == 0`, or `if flag or
 * tid == 0`), and a barrier goes between two units when either splits. The step's first unit
 * also waits for the previous step when that split ($split_last), and the last unit leaves its
 * flag there for the next step. A step none of whose units may split keeps its plain body:
 * run_mt calls it on thread 0 only.
 */
export function placeBarriers(func: string, flags: readonly (string | undefined)[]): string {
  if (flags.every((f) => f === undefined)) return func.split('\n').filter((l) => !UNIT.test(l) && !END.test(l)).join('\n');
  const out: string[] = [];
  for (const line of func.split('\n')) {
    const u = UNIT.exec(line), e = END.exec(line);
    const pad = line.slice(0, line.length - line.trimStart().length);
    if (u) {
      const j = Number(u[1]), f = flags[j];
      out.push(...barrierIf(pad, either(j === 0 ? '(global.get $split_last)' : flags[j - 1], f)));
      if (f === undefined) out.push(`${pad}(if (i32.eqz (global.get $tid)) (then`);
      else if (f !== ALWAYS) out.push(`${pad}(if (i32.or ${f} (i32.eqz (global.get $tid))) (then`);
    } else if (e) {
      const j = Number(e[1]), f = flags[j];
      if (f !== ALWAYS) out.push(`${pad}))`);
      if (j === flags.length - 1) out.push(`${pad}(global.set $split_last ${f ?? '(i32.const 0)'})`);
    } else out.push(line);
  }
  return out.join('\n');
}

/** The module-level part of the threaded variant: imported shared memory, globals, init, barrier. */
export function threadedPrelude(): string[] {
  return [
    `  (import "env" "memory" (memory 1 ${MAX_PAGES} shared))`,
    '  (global $tid (mut i32) (i32.const 0))',
    '  (global $nt (mut i32) (i32.const 1))',
    '  (global $ctl (mut i32) (i32.const 0))',
    '  (global $wait (mut i32) (i32.const 1))',
    // Whether the last unit of the step just run was split (all threads compute the same value).
    '  (global $split_last (mut i32) (i32.const 0))',
    '  (func (export "init") (param $tid i32) (param $nt i32) (param $ctl i32) (param $wait i32)',
    '    (global.set $tid (local.get $tid))',
    '    (global.set $nt (local.get $nt))',
    '    (global.set $ctl (local.get $ctl))',
    '    (global.set $wait (local.get $wait))',
    '  )',
    '  (func $barrier',
    '    (local $gen i32) (local $spins i32)',
    '    (if (i32.le_u (global.get $nt) (i32.const 1)) (then (return)))',
    '    (local.set $gen (i32.atomic.load offset=8 (global.get $ctl)))',
    '    (if (i32.eq (i32.add (i32.atomic.rmw.add offset=4 (global.get $ctl) (i32.const 1)) (i32.const 1)) (global.get $nt)) (then',
    '      (i32.atomic.store offset=4 (global.get $ctl) (i32.const 0))',
    '      (i32.atomic.store offset=8 (global.get $ctl) (i32.add (local.get $gen) (i32.const 1)))',
    '      (drop (memory.atomic.notify offset=8 (global.get $ctl) (i32.const -1)))',
    '      (return)))',
    '    (loop $spin',
    '      (if (i32.ne (i32.atomic.load offset=8 (global.get $ctl)) (local.get $gen)) (then (return)))',
    '      (local.set $spins (i32.add (local.get $spins) (i32.const 1)))',
    `      (if (i32.and (global.get $wait) (i32.gt_u (local.get $spins) (i32.const ${SPINS}))) (then`,
    '        (drop (memory.atomic.wait32 offset=8 (global.get $ctl) (local.get $gen) (i64.const -1)))))',
    '      (br $spin))',
    '  )',
  ];
}

/**
 * `run_mt`: every instance calls it. A step that may split runs on every thread and places its
 * own barriers; any other runs on thread 0 only, after a barrier when the step before split.
 */
export function threadedRun(kernels: readonly string[], maysplit: readonly boolean[]): string[] {
  const waitLast = '(if (global.get $split_last) (then (call $barrier)))';
  // Reset first: profile() may have left this instance's flag set.
  const lines = ['  (func (export "run_mt")', '    (global.set $split_last (i32.const 0))'];
  kernels.forEach((name, s) => {
    if (maysplit[s]) lines.push(`    (call $${name})`);
    else lines.push(`    ${waitLast}`, `    (if (i32.eqz (global.get $tid)) (then (call $${name})))`, '    (global.set $split_last (i32.const 0))');
  });
  lines.push(`    ${waitLast}`, '  )');
  return lines;
}

/**
 * `em.loop(hint, n, body)` over this thread's share of [0, n) when `split` is given (and the op
 * is split), else over all of it; model.wasm gets exactly em.loop's text.
 */
export function shareLoop(k: KernelCtx, hint: string, n: string, split: ShareOptions | false, body: (i: string) => void): void {
  const r = split ? share(k, n, split) : { lo: i32(0), hi: n };
  const i = k.em.local(hint, 'i32');
  k.em.forRange(i, r.lo, r.hi, 1, () => body(get(i)));
}

/** A static dim's value, symbols counted as 1 (for choosing what to split). */
export const staticDim = (d: number | string): number => (typeof d === 'number' ? d : 1);

