// Control flow (ONNX If, Loop, Scan) on the GPU, with no CPU round trip: the ops of a region are
// lowered by lower.ts with the same kernel generators as top-level ops (every body value gets an
// arena buffer of its own), and this file adds the small copy dispatches around them:
// - scan/loop: the body's dispatches form a range the runtime records `count` times in the same
//   compute pass (manifest `repeats`, src/runtime/webgpu-repeat.ts). The iteration index lives on
//   the GPU: a counter word reset before the range and bumped by a one-thread dispatch at its end;
//   the slice copies of scan inputs and outputs read it. State and carried values are copied from
//   the body's yields into the body's arguments at the end of each iteration (through the result
//   buffers when a yield is another state's argument, a swap), and into the results after the range.
// - loop condition: the cond argument is a flag word; when the body can turn it false, every
//   dispatch of the range is predicated on it (lower.ts: thread 0 reads the flag into workgroup
//   memory, workgroupUniformLoad, return when false), so the remaining iterations do nothing.
// - if: each branch's dispatches are predicated on the condition (then: true, else: false) and end
//   by copying the branch's yields into the results, so only the chosen branch runs and writes.
// Sizes come from the types: results with dims unknown at compile time are refused (E205), as
// are loops without a trip count the runtime knows (E201).

import { fail } from '../../../ir/diagnostics.js';
import { type Func, type Module, type Op, Value } from '../../../ir/ir.js';
import { branchDims, ifSelector } from '../../../ir/ops/control.js';
import { symbolicValue } from '../../../ir/shape-value.js';
import { dimExpr, exprDim } from '../../../ir/symbolic.js';
import type { Tensor } from '../../../ir/tensor.js';
import { formatType, type Dim } from '../../../ir/types.js';
import type { CountExpr } from './artifact.js';
import { type KernelCtx, type SpecialKernel } from './kernel-api.js';
import { invocationIndex } from './kernels/common.js';
import { MAP_WG, mapShader } from './shader-text.js';
import { addU, divU, modU, mulU } from './wgsl.js';
import { dynamicDims } from '../dims.js';

export const CONTROL_OPS: ReadonlySet<string> = new Set(['if', 'loop', 'scan']);

/** A dispatch runs only where every condition holds: `v` (a bool scalar) is true, or false with `neg`. */
export interface Pred { readonly v: Value; readonly neg: boolean }

/** A range of dispatches [from, to) the runtime records `count` times (pre-order: outer before inner). */
export interface Repeat { readonly from: number; to: number; readonly count: CountExpr }

/** What lower.ts gives the control lowering. */
export interface ControlCtx {
  readonly module: Module;
  readonly func: Func;
  canon(v: Value): Value;
  /** The constant behind a value (through fused groups and views), if any. */
  constant(v: Value): Tensor | undefined;
  /** Append a dispatch writing `target` (its own buffer, kept across writes) with `def`. */
  dispatch(op: Op, target: Value, def: SpecialKernel, label: string, pred: readonly Pred[]): void;
  /** Lower a region's ops (fused groups and nested control ops included) under `pred`. */
  lower(ops: readonly Op[], pred: readonly Pred[]): void;
  /** Number of dispatches so far. */
  readonly count: number;
  /** Record a repeat range (filled in by the caller as the body is lowered). */
  repeat(r: Repeat): void;
}

/** Trip counts larger than this are refused: the runtime records every iteration's dispatches. */
export const MAX_TRIPS = 1 << 16;

const ints = (op: Op, name: string): readonly number[] => (op.attrs.get(name)?.value as number[] | undefined) ?? [];
const norm = (a: number, rank: number): number => (a < 0 ? a + rank : a);
const shapeOf = (v: Value): Dim[] => [...(v.type.shape ?? [])];
const numelKey = (dims: readonly Dim[]): string => {
  let n = 1;
  const syms: string[] = [];
  // Canonical text ("past + seq" as an input dim names it and "past+seq" as a rule builds it).
  const canon = (d: string): Dim => { const e = dimExpr(d); return e ? exprDim(e) : d; };
  for (const d0 of dims) { const d = typeof d0 === 'string' ? canon(d0) : d0; typeof d === 'number' ? (n *= d) : syms.push(d); }
  return `${n}*${syms.sort().join('*')}`;
};

/** An If result's dims as branch `ri` yields them (each `sel` on the condition picked, ir/ops/control.ts). */
const asBranch = (op: Op, ri: number, res: Value): Dim[] => branchDims(shapeOf(res), ifSelector(op.operands[0]), ri);

/** Number of scan state values (operands before the scan inputs). */
const stateCount = (op: Op): number => op.operands.length - Number(op.attrs.get('num_scan_inputs')?.value ?? 0);

/** A fused group's result as the value its region yields (shape traces read types inside). */
function inFused(v: Value): Value {
  const d = v.def;
  return d?.name === 'fused' ? d.regions[0]!.terminator?.operands[d.results.indexOf(v)] ?? v : v;
}

/** A loop's trip count as a dim (a number >= 0 or a symbol the runtime binds), or why there is none. */
export function loopTrips(op: Op, module: Module, func: Func): { trips: Dim } | { why: string } {
  const maxV = op.operands[0];
  if (!maxV) return { why: 'it has no trip count (max_trip_count omitted): the webgpu backend records every iteration and needs a bound' };
  const t = symbolicValue(inFused(maxV), module);
  const d = t?.length === 1 ? t[0]! : '?';
  if (typeof d === 'number') {
    return d > MAX_TRIPS ? { why: `its trip count ${d} exceeds ${MAX_TRIPS}, the most iterations the webgpu backend records` } : { trips: Math.max(0, d) };
  }
  if (d === '?' || dynamicDims(func, [d]).unbound.length > 0) {
    return { why: 'its trip count is neither a constant, an input dim nor the data of a graph input (the runtime must know it before the run)' };
  }
  return { trips: d };
}

/** Symbols the trip counts use that no type mentions (the runtime binds them for the repeats). */
export function tripSymbols(func: Func, module: Module, known: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (ops: readonly Op[]): void => ops.forEach((op) => {
    op.regions.forEach((r) => walk(r.ops));
    if (op.name !== 'loop') return;
    const d = loopTrips(op, module, func);
    if ('trips' in d && typeof d.trips === 'string' && !known.includes(d.trips) && !out.includes(d.trips)) out.push(d.trips);
  });
  walk(func.body.ops);
  return out;
}

/**
 * Why a control op cannot be lowered (E201/E205 thrown by the caller after the missing-kernel
 * report), or undefined. Called for every control op, nested ones included.
 */
export function controlProblem(op: Op, module: Module, func: Func): (() => never) | undefined {
  const unknown = op.results.find((v) => v.type.shape === null || v.type.shape === undefined || v.type.shape.includes('?'));
  const at = op.loc;
  if (unknown) {
    const what = `%${unknown.name} : ${formatType(unknown.type)}`;
    const i = op.results.indexOf(unknown);
    const why = op.name === 'if' ? `result ${what}: the branches yield values of different shapes`
      : op.name === 'scan' ? `result ${what}: the scan length or a body value's shape is not known at compile time`
        : i < op.operands.length - 2 ? `carried value ${what} changes shape between iterations (the webgpu backend needs loop-carried values of fixed shape)`
          : `scan output ${what} has a length known only at run time (the trip count is not known before the run, or the body may stop early)`;
    return () => fail('E205', `the webgpu backend cannot lower ${op.name}: ${why}`, at);
  }
  if (op.name === 'if') {
    for (const r of op.regions) {
      const ri = op.regions.indexOf(r);
      const bad = (r.terminator?.operands ?? []).findIndex((v, i) => !v || v.type.dtype !== op.results[i]!.type.dtype || numelKey(shapeOf(v)) !== numelKey(asBranch(op, ri, op.results[i]!)));
      if (bad >= 0) {
        const v = r.terminator!.operands[bad];
        return () => fail('E201', `the webgpu backend cannot lower if %${op.results[0]!.name}: ${op.regions.indexOf(r) === 0 ? 'then' : 'else'} branch yields ${v ? formatType(v.type) : 'nothing'} for result ${bad} of type ${formatType(op.results[bad]!.type)} (both branches must yield the results' types)`, at);
      }
    }
  }
  if (op.name === 'scan') {
    const n = stateCount(op);
    const xs = op.operands.slice(n);
    const lens = xs.map((x, j) => shapeOf(x!)[norm(ints(op, 'scan_input_axes')[j] ?? 0, shapeOf(x!).length)]);
    if (lens.some((l) => l !== lens[0])) return () => fail('E201', `the webgpu backend cannot lower scan %${op.results[0]?.name ?? ''}: its scan inputs have lengths ${lens.map(String).join(', ')} (they must be the same dim)`, at);
  }
  if (op.name === 'loop') {
    const d = loopTrips(op, module, func);
    if ('why' in d) return () => fail('E201', `the webgpu backend cannot lower loop %${op.results[0]?.name ?? ''}: ${d.why}`, at);
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// The copy kernels: one thread per element of `dims` (a map-shaped special kernel), each
// computing where it writes (`epi(at, value)`).

type Elem = (k: KernelCtx, i: string, op: Op) => { at: string; value: string };

function copyKernel(dims: readonly Dim[], what: string, elem: Elem): SpecialKernel {
  return {
    kind: 'special',
    emit: (k, op) => {
      const b = k.body;
      b.comment(what);
      if (dims.includes(0)) return mapShader([0]);
      const { at, value } = elem(k, invocationIndex(b, 'i', MAP_WG, k.size(dims)), op);
      b.line(`epi(${at}, ${value});`);
      return mapShader(dims);
    },
  };
}

/** The counter's value as u32 (reversed: len - 1 - t), and the guard that keeps it inside `len`. */
function iterIndex(k: KernelCtx, counter: Value, len: Dim, reverse: boolean): string {
  const t = k.body.let('t', `u32(${k.load(counter, '0u')})`);
  k.body.line(`if (${t} >= ${k.dim(len)}) { return; }`);
  return reverse ? k.body.let('ts', `${k.dim(len)} - 1u - ${t}`) : t;
}

/** Flat index into `whole` of element `i` of its slice `t` along `axis`. */
function sliceIndex(k: KernelCtx, whole: readonly Dim[], axis: number, t: string, i: string): string {
  const inner = k.size(whole.slice(axis + 1));
  const outer = divU(i, inner), rest = modU(i, inner);
  return k.body.let('w', addU(mulU(addU(mulU(outer, k.dim(whole[axis]!)), t), inner), rest));
}

/** Element i of src into element i of dst: the same count (types the IR verifier let differ are refused). */
const wholeCopy = (src: Value, dst: Value, dstAs: readonly Dim[] = shapeOf(dst)): SpecialKernel => copyKernel(shapeOf(dst), `copy %${src.name} -> %${dst.name}`, (k, i, op) => {
  if (numelKey(shapeOf(src)) !== numelKey(dstAs) || src.type.dtype !== dst.type.dtype) {
    k.fail(op, `${op.name}: %${src.name} : ${formatType(src.type)} cannot become %${dst.name} : ${formatType(dst.type)} (the webgpu backend copies between values of one type)`);
  }
  return { at: i, value: k.load(src, i) };
});

const setScalar = (dst: Value, value: string): SpecialKernel => copyKernel([], `%${dst.name} = ${value}`, () => ({ at: '0u', value }));

const bump = (counter: Value): SpecialKernel =>
  copyKernel([], `%${counter.name} += 1`, (k) => ({ at: '0u', value: `${k.load(counter, '0u')} + 1i` }));

/** A slice of `whole` along `axis` must hold exactly the elements of `part`, else its index would leave the buffer. */
function checkSlice(k: KernelCtx, op: Op, whole: Value, axis: number, part: Value): void {
  const row = shapeOf(whole).filter((_d, a) => a !== axis);
  if (numelKey(row) !== numelKey(shapeOf(part)) || whole.type.dtype !== part.type.dtype) {
    k.fail(op, `${op.name}: a slice of %${whole.name} : ${formatType(whole.type)} along axis ${axis} does not fit %${part.name} : ${formatType(part.type)}`);
  }
}

/** Scan input slice `t` of `x` along `axis` into the body argument. */
const take = (x: Value, axis: number, reverse: boolean, counter: Value, arg: Value): SpecialKernel =>
  copyKernel(shapeOf(arg), `slice of %${x.name} -> %${arg.name}`, (k, i, op) => {
    checkSlice(k, op, x, axis, arg);
    const t = iterIndex(k, counter, shapeOf(x)[axis]!, reverse);
    return { at: i, value: k.load(x, sliceIndex(k, shapeOf(x), axis, t, i)) };
  });

/** The body's yield into slice `t` along `axis` of the scan output. */
const put = (y: Value, axis: number, reverse: boolean, counter: Value, out: Value): SpecialKernel =>
  copyKernel(shapeOf(y), `%${y.name} -> slice of %${out.name}`, (k, i, op) => {
    checkSlice(k, op, out, axis, y);
    const t = iterIndex(k, counter, shapeOf(out)[axis]!, reverse);
    return { at: sliceIndex(k, shapeOf(out), axis, t, i), value: k.load(y, i) };
  });

// ---------------------------------------------------------------------------------------------

/** Lower one control op: its copies, its regions (through ctx.lower) and its repeat range. */
export function lowerControl(op: Op, c: ControlCtx, pred: readonly Pred[]): void {
  if (op.name === 'if') return lowerIf(op, c, pred);
  if (op.name === 'scan') return lowerScan(op, c, pred);
  return lowerLoop(op, c, pred);
}

function lowerIf(op: Op, c: ControlCtx, pred: readonly Pred[]): void {
  const cond = op.operands[0]!;
  op.regions.forEach((r, ri) => {
    const p = [...pred, { v: cond, neg: ri === 1 }];
    c.lower(r.ops, p);
    (r.terminator!.operands as Value[]).forEach((y, i) => c.dispatch(op, op.results[i]!, wholeCopy(y, op.results[i]!, asBranch(op, ri, op.results[i]!)), 'if-yield', p));
  });
}

/**
 * End of an iteration: state yields into the state arguments. When a yield is another state's
 * argument (a swap), all yields go to the results first, then the results to the arguments.
 */
function copyStates(op: Op, c: ControlCtx, p: readonly Pred[], args: readonly Value[], yields: readonly Value[], results: readonly Value[], label: string): void {
  const swap = yields.some((y, i) => { const j = args.indexOf(c.canon(y)); return j >= 0 && j !== i; });
  yields.forEach((y, i) => {
    if (c.canon(y) === args[i]) return;
    c.dispatch(op, swap ? results[i]! : args[i]!, wholeCopy(y, swap ? results[i]! : args[i]!), label, p);
  });
  if (swap) results.forEach((r, i) => { if (c.canon(yields[i]!) !== args[i]) c.dispatch(op, args[i]!, wholeCopy(r, args[i]!), label, p); });
}

function lowerScan(op: Op, c: ControlCtx, pred: readonly Pred[]): void {
  const body = op.regions[0]!;
  const n = stateCount(op);
  const yields = body.terminator!.operands as Value[];
  const xs = op.operands.slice(n) as Value[];
  const inAxes = xs.map((x, j) => norm(ints(op, 'scan_input_axes')[j] ?? 0, shapeOf(x).length));
  const outs = op.results.slice(n);
  const outAxes = outs.map((y, j) => norm(ints(op, 'scan_output_axes')[j] ?? 0, shapeOf(y).length));
  const len = shapeOf(xs[0]!)[inAxes[0]!]!;
  const args = body.args.slice(0, n), results = op.results.slice(0, n);
  // The iteration counter: a word of its own (i32), reset here and bumped at the end of each iteration.
  const counter = new Value(`${op.results[0]!.name}.iter`, { dtype: 'i32', shape: [] });
  c.dispatch(op, counter, setScalar(counter, '0i'), 'scan-start', pred);
  args.forEach((a, i) => c.dispatch(op, a, wholeCopy(op.operands[i]!, a), 'scan-init', pred));
  const r: Repeat = { from: c.count, to: c.count, count: { dims: [len], div: 1 } };
  c.repeat(r);
  xs.forEach((x, j) => c.dispatch(op, body.args[n + j]!, take(x, inAxes[j]!, ints(op, 'scan_input_directions')[j] === 1, counter, body.args[n + j]!), 'scan-take', pred));
  c.lower(body.ops, pred);
  // Scan outputs first: they may read a state argument that the state copies overwrite.
  outs.forEach((o, j) => c.dispatch(op, o, put(yields[n + j]!, outAxes[j]!, ints(op, 'scan_output_directions')[j] === 1, counter, o), 'scan-put', pred));
  copyStates(op, c, pred, args, yields.slice(0, n), results, 'scan-state');
  c.dispatch(op, counter, bump(counter), 'scan-next', pred);
  r.to = c.count;
  args.forEach((a, i) => c.dispatch(op, results[i]!, wholeCopy(a, results[i]!), 'scan-result', pred));
}

/**
 * Loop: repeated max_trip_count times; when the body's condition may turn false, its dispatches
 * are predicated on the cond argument (the flag), which the end of each iteration updates.
 */
function lowerLoop(op: Op, c: ControlCtx, pred: readonly Pred[]): void {
  const body = op.regions[0]!;
  const condV = op.operands[1];
  const carried = op.operands.length - 2;
  const yields = body.terminator!.operands as Value[];
  const [iter, flag] = [body.args[0]!, body.args[1]!];
  const args = body.args.slice(2), results = op.results.slice(0, carried), scans = op.results.slice(carried);
  const t = loopTrips(op, c.module, c.func);
  const constTrue = (v: Value): boolean => {
    const k = c.constant(v);
    return k !== undefined && k.data.length === 1 && Number(k.data[0]) !== 0;
  };
  const initTrue = !condV || constTrue(condV);
  const y0 = c.canon(yields[0]!);
  const stays = y0 === flag || constTrue(y0);
  c.dispatch(op, iter, setScalar(iter, '0i'), 'loop-start', pred);
  c.dispatch(op, flag, condV ? wholeCopy(condV, flag) : setScalar(flag, 'true'), 'loop-cond', pred);
  args.forEach((a, i) => c.dispatch(op, a, wholeCopy(op.operands[2 + i]!, a), 'loop-init', pred));
  const r: Repeat = { from: c.count, to: c.count, count: { dims: ['trips' in t ? t.trips : 0], div: 1 } };
  c.repeat(r);
  const p = initTrue && stays ? pred : [...pred, { v: flag, neg: false }];
  c.lower(body.ops, p);
  scans.forEach((s, j) => c.dispatch(op, s, put(yields[1 + carried + j]!, 0, false, iter, s), 'loop-put', p));
  // The next condition is read after the state copies; a condition that is a carried argument
  // would be overwritten by them, so it goes through a word of its own first.
  const early = !(initTrue && stays) && args.includes(y0);
  const next = early ? new Value(`${flag.name}.next`, flag.type) : undefined;
  if (next) c.dispatch(op, next, wholeCopy(y0, next), 'loop-cond', p);
  copyStates(op, c, p, args, yields.slice(1, 1 + carried), results, 'loop-state');
  if (!(initTrue && stays) && y0 !== flag) c.dispatch(op, flag, wholeCopy(next ?? y0, flag), 'loop-cond', p);
  c.dispatch(op, iter, bump(iter), 'loop-next', p);
  r.to = c.count;
  args.forEach((a, i) => c.dispatch(op, results[i]!, wholeCopy(a, results[i]!), 'loop-result', pred));
}

/**
 * A repeated range runs its dispatches again: a buffer defined before it and read inside stays
 * live to its end, one written inside and read after lives from its start (inner ranges first).
 */
export function repeatedLiveRanges(repeats: readonly Repeat[], buffers: { kind: string; first?: number; last?: number }[]): void {
  for (const r of [...repeats].reverse()) {
    for (const b of buffers) {
      if (b.kind === 'weight' || b.first === undefined || b.last === undefined || b.last < r.from || b.first >= r.to) continue;
      if (b.first < r.from) b.last = Math.max(b.last, r.to - 1);
      if (b.last >= r.to) b.first = Math.min(b.first, r.from);
    }
  }
}

/** Every value a control op defines or holds in its regions (nested ones included). */
export function controlValues(ops: readonly Op[], inside = false, out = new Set<Value>()): Set<Value> {
  for (const op of ops) {
    const c = inside || CONTROL_OPS.has(op.name);
    if (c) op.results.forEach((v) => out.add(v));
    op.regions.forEach((r) => {
      if (c) r.args.forEach((a) => out.add(a));
      controlValues(r.ops, c, out);
    });
  }
  return out;
}
