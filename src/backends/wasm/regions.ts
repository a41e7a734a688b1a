// Control flow (if / loop / scan) in the wasm backend: buffers for the values inside their regions
// and the emission of region bodies. A control op is one step, i.e. one function; its bodies are
// printed inline with the same kernel generators as top-level ops, so every value a body defines
// (region arguments, op results, values inside nested fused groups or nested control ops) gets an
// arena buffer live during that step only. Scan state arguments write straight into the op's
// result buffers when no state is fed from another state's argument (see scanStateAliased).
// Before lowering, sizeLoopScans (../loop-scans.ts) gives a loop's scan outputs its trip count as row count where
// the loop provably runs that often; checkControl refuses what still has unknown dims (E205).

import { fail } from '../../../ir/diagnostics.js';
import type { Module, Op, Value } from '../../../ir/ir.js';
import { formatType } from '../../../ir/types.js';
import { i32, mul } from './emitter.js';
import { esize, type KernelCtx, type KernelDef } from './kernel-api.js';

export const CONTROL_OPS: ReadonlySet<string> = new Set(['if', 'loop', 'scan']);
const SKIP = new Set(['const', 'yield', 'return']);

export interface RegionHooks {
  /** Give `v` a fresh buffer live during the current step. */
  temp(v: Value): void;
  /** `v` reads the buffer of `to` (a fused group's argument reads its operand). */
  alias(v: Value, to: Value): void;
  /** `v` lives in `owner`'s buffer (written in place). */
  share(v: Value, owner: Value): void;
}

/** Copies a nested fused group owes after its ops: yields that are not its own results' buffers. */
const FUSED_COPIES = new WeakMap<Op, [Value, Value][]>();

/** Buffers for every value inside a control op's regions (its results already have theirs). */
export function planRegions(op: Op, h: RegionHooks): void {
  op.regions.forEach((r, ri) => {
    r.args.forEach((a, i) => {
      if (op.name === 'scan' && ri === 0 && i < stateCount(op) && scanStateAliased(op)) h.share(a, op.results[i]!);
      else h.temp(a);
    });
    for (const inner of r.ops) {
      if (SKIP.has(inner.name)) continue;
      if (inner.name === 'fused') planFused(inner, h);
      else {
        inner.results.forEach((v) => h.temp(v));
        if (inner.regions.length > 0) planRegions(inner, h);
      }
    }
  });
}

/** As lower.ts does for top-level groups: arguments alias operands, yields own the results' buffers. */
function planFused(op: Op, h: RegionHooks): void {
  op.results.forEach((v) => h.temp(v));
  const region = op.regions[0]!;
  region.args.forEach((a, i) => h.alias(a, op.operands[i]!));
  const owned = new Set<Value>();
  const pending: [Value, Value][] = [];
  region.terminator!.operands.forEach((v, i) => {
    if (v && v.def && v.def.name !== 'const' && region.ops.includes(v.def) && !owned.has(v)) {
      owned.add(v);
      h.share(v, op.results[i]!);
    } else if (v) pending.push([v, op.results[i]!]);
  });
  FUSED_COPIES.set(op, pending);
  for (const inner of region.ops) {
    if (SKIP.has(inner.name)) continue;
    inner.results.forEach((v) => { if (!owned.has(v)) h.temp(v); });
  }
}

/** Emit a region's ops in order (nested fused groups and control ops included). */
export function emitOps(k: KernelCtx, ops: readonly Op[], kernels: ReadonlyMap<string, KernelDef>): void {
  for (const o of ops) {
    if (SKIP.has(o.name)) continue;
    if (o.name === 'fused') {
      emitOps(k, o.regions[0]!.ops, kernels);
      for (const [from, to] of FUSED_COPIES.get(o) ?? []) copyValue(k, o, from, to);
      continue;
    }
    const kd = kernels.get(o.name);
    if (!kd) k.fail(o, `the wasm backend has no kernel for ${o.name}`);
    kd.emit(k, o);
  }
}

/** Sum of the kernels' FLOPs over a region (one pass through it). */
export function regionFlops(ops: readonly Op[], kernels: ReadonlyMap<string, KernelDef>, numel: (v: Value) => number): number {
  let n = 0;
  for (const o of ops) {
    if (SKIP.has(o.name)) continue;
    if (o.name === 'fused') n += regionFlops(o.regions[0]!.ops, kernels, numel);
    else n += kernels.get(o.name)?.flops?.(o, numel) ?? 0;
  }
  return n;
}

/** Whole-buffer copy of `from` into `to` (same element count), skipped when both are one buffer. */
export function copyValue(k: KernelCtx, op: Op, from: Value, to: Value): void {
  const dst = k.ptr(to), src = k.ptr(from);
  if (dst === src) return;
  k.em.line(`(memory.copy ${dst} ${src} ${mul(k.size(k.dims(to)), i32(esize(k, op, to)))})`);
}

/** Number of scan state values (operands before the scan inputs). */
export const stateCount = (op: Op): number => op.operands.length - Number(op.attrs.get('num_scan_inputs')?.value ?? 0);

/**
 * Scan state arguments can live in the result buffers (each iteration ends by copying the state
 * yields there) unless a state yield is another state's argument: a swap would read a buffer
 * already overwritten by the same iteration's copies.
 */
export function scanStateAliased(op: Op): boolean {
  const body = op.regions[0]!;
  const n = stateCount(op);
  const yields = body.terminator?.operands ?? [];
  return yields.every((v, i) => {
    const j = v ? body.args.indexOf(v) : -1;
    return j < 0 || j >= n || i >= n || j === i;
  });
}

/**
 * E205 with the reason when a control op's results cannot be sized at compile time; runs before
 * the generic unknown-dim check so the message says why.
 */
export function checkControl(op: Op): void {
  if (!CONTROL_OPS.has(op.name)) return;
  const unknown = op.results.find((v) => v.type.shape === null || v.type.shape.includes('?'));
  if (!unknown) return;
  const i = op.results.indexOf(unknown);
  const what = `%${unknown.name} : ${formatType(unknown.type)}`;
  let why: string;
  if (op.name === 'if') why = `result ${what}: the branches yield values of different shapes`;
  else if (op.name === 'scan') why = `result ${what}: the scan length or a body value's shape is not known at compile time`;
  else {
    const carried = op.operands.length - 2;
    why = i < carried
      ? `carried value ${what} changes shape between iterations (the wasm backend needs loop-carried values of fixed shape)`
      : `scan output ${what} has a length known only at run time (the trip count is neither a constant, an input dim nor an input's data, or the body may stop early)`;
  }
  fail('E205', `the wasm backend cannot lower ${op.name}: ${why}`, op.loc);
}

