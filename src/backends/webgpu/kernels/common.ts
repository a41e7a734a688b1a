// Small pieces of WGSL and attribute handling that many kernels share: clamped loads, the
// index preambles of special kernels, u32 sums, workgroup tree reductions, axes and auto_pad.
// Moving a kernel onto them left its shaders byte-identical, except autoPads: it resolves pads by
// the interpreter's windowDim, so pool with auto_pad VALID and a `pads` attribute now pads with
// zeros, per ONNX (the old copy used the attribute).

import type { Op, Value } from '../../../../ir/ir.js';
import { type AutoPad, windowDim, type WindowAttrs } from '../../../../ir/ops/nn-common.js';
import { intAttr, intsAttr, type KernelCtx } from '../kernel-api.js';
import { type Body, type Reg, runtimeF32 } from '../wgsl.js';
import { isNanF32 } from './elementwise.js';

/** `min(idx, n - 1u)` for v's n elements: a computed index that cannot leave v's buffer. */
export const clampIndex = (k: KernelCtx, v: Value, idx: string): string => `min(${idx}, ${lastIndex(k, v)})`;
/** `n - 1u`, v's last flat index. */
export const lastIndex = (k: KernelCtx, v: Value): string => `${k.size(k.dims(v))} - 1u`;
/** Element idx of v, idx clamped into v's buffer. */
export const loadClamped = (k: KernelCtx, v: Value, idx: string): string => k.load(v, clampIndex(k, v, idx));

/** u32 terms joined by `+` (0u terms dropped; `0u` when none is left). */
export const sumU = (ts: readonly string[]): string => ts.filter((t) => t !== '0u').join(' + ') || '0u';
/** sumU as an operand (of `*`, or an index a load may scale): in parentheses when it adds two or more terms. */
export const groupedSumU = (ts: readonly string[]): string => (ts.filter((t) => t !== '0u').length > 1 ? `(${sumU(ts)})` : sumU(ts));

/** `let name = wid.x + wid.y * nwg.x;` and a return past `count` workgroups: one workgroup per item. */
export function workgroupIndex(b: Body, name: string, count: string): string {
  b.line(`let ${name} = wid.x + wid.y * nwg.x;`);
  b.line(`if (${name} >= ${count}) { return; }`);
  return name;
}

/** `let name` = the invocation's global index (workgroups of wg threads), and a return past `count`: one invocation per item. */
export function invocationIndex(b: Body, name: string, wg: number, count: string): string {
  b.line(`let ${name} = (wid.x + wid.y * nwg.x) * ${wg}u + lid;`);
  b.line(`if (${name} >= ${count}) { return; }`);
  return name;
}

/** One slot array of a workgroup tree reduction: `arr[lid]` starts as `value`. */
export interface TreeSlot { readonly arr: string; readonly value: string; combine(a: string, b: string): string }

/**
 * Tree reduction over workgroup arrays of wg (a power of two) slots, each thread writing its own
 * slot before the first barrier; the totals end in arr[0], read after the last barrier. Every
 * thread runs every barrier (uniform control flow). `s` names the stride variable.
 */
export function treeReduce(b: Body, wg: number, slots: readonly TreeSlot[], s = 's'): void {
  for (const t of slots) b.line(`${t.arr}[lid] = ${t.value};`);
  b.line('workgroupBarrier();');
  const step = (t: TreeSlot): string => `${t.arr}[lid] = ${t.combine(`${t.arr}[lid]`, `${t.arr}[lid + ${s}]`)};`;
  b.block(`for (var ${s} = ${wg / 2}u; ${s} > 0u; ${s} = ${s} >> 1u)`, () => {
    if (slots.length === 1) b.line(`if (lid < ${s}) { ${step(slots[0]!)} }`);
    else b.block(`if (lid < ${s})`, () => slots.forEach((t) => b.line(step(t))));
    b.line('workgroupBarrier();');
  });
}

/** The `axis` attribute (default d) as an index in [0, rank). */
export const axisOf = (op: Op, rank: number, d: number, name = 'axis'): number => (intAttr(op, name, d) + rank) % rank;

/** The `axes` attribute with negative axes counted from the end; all axes (or `dflt`) without one. */
export function axesOf(op: Op, rank: number, dflt?: readonly number[]): number[] {
  return [...(intsAttr(op, 'axes') ?? dflt ?? Array.from({ length: rank }, (_v, a) => a))].map((a) => (a < 0 ? a + rank : a));
}

/**
 * Begin and end pads per spatial axis of a window op (pool, conv), by the interpreter's windowDim
 * (ir/ops/nn-common.ts): the `pads` attribute, zeros for VALID (even with a `pads` attribute, as
 * ONNX says), or SAME_UPPER / SAME_LOWER resolved from the static input sizes xs.
 */
export function autoPads(k: KernelCtx, op: Op, xs: readonly (number | string)[], ks: readonly number[],
  st: readonly number[], dil: readonly number[]): [number[], number[]] {
  const r = ks.length;
  const auto = String(op.attrs.get('auto_pad')?.value ?? 'NOTSET');
  const same = auto === 'SAME_UPPER' || auto === 'SAME_LOWER';
  if (same && !xs.every((d) => typeof d === 'number')) k.fail(op, `${op.name}: auto_pad needs static spatial sizes in the webgpu backend`);
  const w: WindowAttrs = {
    kernel: ks, strides: st, dilations: dil, pads: intsAttr(op, 'pads') ?? new Array<number>(2 * r).fill(0),
    autoPad: same || auto === 'VALID' ? auto as AutoPad : 'NOTSET', ceil: false,
  };
  // Only SAME reads the size; the others' pads do not depend on it (a symbolic size passes as 0).
  const dims = ks.map((_k, a) => windowDim(w, a, typeof xs[a] === 'number' ? xs[a] : 0));
  return [dims.map((d) => d.pb), dims.map((d) => d.pe)];
}

/** Threads of the row and group kernels' workgroups (rows.ts, misc-b.ts), the length of their `red`. */
export const RED_WG = 64;

/** The subgroup operation that matches a combine function (checked on sample operands). */
function subgroupOp(combine: (a: string, b: string) => string): string | undefined {
  const c = combine('p', 'q');
  return c === 'p + q' ? 'subgroupAdd' : c === 'max(p, q)' || c === 'max_nan_f32(p, q)' ? 'subgroupMax' : c === 'min(p, q)' || c === 'min_nan_f32(p, q)' ? 'subgroupMin' : c === 'p * q' ? 'subgroupMul' : undefined;
}

/**
 * Emit a reduction of `partial` with `combine(a, b)` over a workgroup of RED_WG threads, through
 * `red` (workgroup memory of RED_WG slots); returns a let holding the result. `subgroups` false:
 * the tree only (kernels without a subgroup variant).
 * Subgroup variant: one subgroup operation, each subgroup's first invocation writes its total,
 * and after one barrier every thread combines the (64 / subgroup size) totals itself: two barriers
 * instead of seven. All of it is in uniform control flow (row and bounds are uniform). Assumes
 * that subgroups of a 1-D workgroup are runs of consecutive invocation indices (lid / sgsize),
 * as on the GPUs and SwiftShader we know; WGSL's subgroup_id builtin would state it, but
 * implementations do not all offer it yet.
 */
export function reduceWg(k: KernelCtx, partial: string, combine: (a: string, b: string) => string, name: string, reg: Reg | 'vec2<u32>' = 'f32',
  subgroups = k.subgroups === true): string {
  const b = k.body;
  const sg = subgroups ? subgroupOp(combine) : undefined;
  if (sg) {
    // subgroupMax/Min may drop a NaN: the NaN-propagating combines ask subgroupAny for one.
    const nanAware = combine('p', 'q').includes('_nan_f32');
    const t = b.let('sgt', nanAware
      ? `select(${sg}(${partial}), ${runtimeF32('0x7fc00000u', 'lid')}, subgroupAny(${isNanF32(partial)}))`
      : `${sg}(${partial})`);
    b.line(`if (sgid == 0u) { red[lid / sgsize] = ${t}; }`);
    b.line('workgroupBarrier();');
    const r = b.var(name, reg, 'red[0]');
    b.block(`for (var q = 1u; q < (${RED_WG}u + sgsize - 1u) / sgsize; q++)`, () => b.line(`${r} = ${combine(r, 'red[q]')};`));
    b.line('workgroupBarrier();');
    return r;
  }
  treeReduce(b, RED_WG, [{ arr: 'red', value: partial, combine }]);
  const r = b.let(name, 'red[0]');
  // The next reduction overwrites red: wait until everyone has read this one.
  b.line('workgroupBarrier();');
  return r;
}
