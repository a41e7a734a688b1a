// select-layout, part 2: changing the physical layout of one class of values (a "move"), what it
// costs in transposes, and applying it. See passes/select-layout.ts for the design.
//
// A relayout maps every member's current physical form to a new one: a permutation (nchw <-> nhwc,
// or any permutation that cancels a transpose) or a change to or from the blocked nchw4c layout.
// Cost = transposes added - transposes removed:
//   +1 per member made by a fixed op (or outside the region) that class ops read: a conversion is
//      inserted after it (its fixed users keep the original);
//   +1 per member, made by a class op, that fixed ops use: one conversion back, shared by them;
//   -1 per transpose next to the class whose permutation, composed with the move, is the identity.
// Blocked moves allow none of these (no transpose can express them): every producer and user of
// the class must be an anchor or an agnostic op.

import { attr } from '../ir/attrs.js';
import type { AttrValue, Module, Op, Region } from '../ir/ir.js';
import { Op as IrOp, Value } from '../ir/ir.js';
import {
  fromLastPerm, logicalShape, physicalShape, toLastPerm, toLogical, toPhysical, type Layout,
} from '../ir/ops/nn-layout.js';
import { transposeTensor } from '../ir/ops/shape-common.js';
import { encodeBytes, type Tensor } from '../ir/tensor.js';
import type { Dim } from '../ir/types.js';
import { classConstant, type LayoutClass, type Member } from './layout-analysis.js';

export interface Relayout {
  /** Suffix for the names of new values and weights ('nhwc', 'nchw4c', 't' for a plain permutation). */
  readonly tag: string;
  /** The layout anchors read and write after the move; null for anchor-free classes. */
  readonly target: Layout | null;
  /** new = transpose(old, perm) for permutation moves; null for blocked moves. */
  readonly perm: readonly number[] | null;
  shape(s: readonly Dim[]): Dim[] | undefined;
  /** Where dim `a` of a member goes (undefined: it has no single place, e.g. nchw4c's channel lanes). */
  axis(a: number): number | undefined;
  /** For a constant operand padded to the class rank: its new shape (undefined: cannot follow). */
  constShape(s: readonly Dim[]): Dim[] | undefined;
  constant(t: Tensor): Tensor;
}

/** Permutation algebra: x.permute(a).permute(b) = x.permute(compose(a, b)). */
export const compose = (a: readonly number[], b: readonly number[]): number[] => b.map((i) => a[i]!);
export const invert = (p: readonly number[]): number[] => {
  const q = new Array<number>(p.length);
  p.forEach((v, i) => { q[v] = i; });
  return q;
};
export const isIdentity = (p: readonly number[]): boolean => p.every((v, i) => v === i);

export function permRelayout(perm: readonly number[], target: Layout | null, tag: string): Relayout {
  const apply = (s: readonly Dim[]): Dim[] | undefined => (s.length === perm.length ? perm.map((p) => s[p]!) : undefined);
  const inv = invert(perm);
  return { tag, target, perm, shape: apply, axis: (a) => inv[a], constShape: apply, constant: (t) => transposeTensor(t, perm) };
}

/** Move a class that anchors see in `from` to `to`; `rank` is its members' physical rank. */
export function layoutRelayout(from: Layout, to: Layout, rank: number): Relayout {
  if (from !== 'nchw4c' && to !== 'nchw4c') {
    return permRelayout(from === 'nchw' ? toLastPerm(rank) : fromLastPerm(rank), to, to);
  }
  const via = (s: readonly Dim[], broadcast: boolean): Dim[] | undefined => {
    const l = logicalShape(s, from, broadcast);
    if (!l.ok) return undefined;
    const p = physicalShape(l.shape, to, broadcast);
    return p.ok ? p.shape : undefined;
  };
  return {
    tag: to, target: to, perm: null,
    shape: (s) => via(s, false),
    axis: (a) => {
      const logical = layoutAxis(from, rank, a, 'toLogical');
      return logical === undefined ? undefined : layoutAxis(to, from === 'nchw4c' ? rank - 1 : rank, logical, 'toPhysical');
    },
    constShape: (s) => via(s, true),
    constant: (t) => toPhysical(toLogical(t, from, true), to, true),
  };
}

/**
 * Axis numbering between a layout and logical NCHW. `rank` is the rank of the side the axis is
 * given on when converting to logical, and the logical rank when converting to physical.
 */
function layoutAxis(layout: Layout, rank: number, a: number, dir: 'toLogical' | 'toPhysical'): number | undefined {
  if (layout === 'nchw') return a;
  if (layout === 'nhwc') {
    // Physical dim j holds logical dim toLastPerm[j]; logical dim i sits at fromLastPerm[i].
    return (dir === 'toLogical' ? toLastPerm(rank) : fromLastPerm(rank))[a];
  }
  // nchw4c: [N, C/4, ...spatial, 4]; the lane dim has no logical counterpart on its own.
  if (dir === 'toLogical') return a === rank - 1 ? undefined : a;
  return a;
}

const padRank = (s: readonly Dim[], rank: number): Dim[] => [...new Array<number>(rank - s.length).fill(1), ...s];
const broadcastsInto = (c: readonly Dim[], y: readonly Dim[]): boolean =>
  c.length === y.length && c.every((d, i) => d === 1 || d === y[i]);

/** A transpose next to the class and the permutation it has after the move. */
interface TransposeChange { op: Op; perm: number[]; inChanged: boolean; outChanged: boolean }

const classUses = (m: Member): boolean => m.uses.some((u) => u.kind === 'anchor' || u.kind === 'agnostic');
const fixedUses = (m: Member): boolean => m.uses.some((u) => u.kind === 'fixed');

function permOfTranspose(op: Op, rank: number): number[] {
  const p = op.attrs.get('perm');
  return p?.kind === 'ints' ? p.value.map((a) => (a < 0 ? a + rank : a)) : Array.from({ length: rank }, (_, i) => rank - 1 - i);
}

function transposeChanges(cls: LayoutClass, perm: readonly number[]): TransposeChange[] {
  const byValue = new Map(cls.members.map((m) => [m.value, m]));
  const inv = invert(perm);
  return cls.transposes.map((op) => {
    const input = byValue.get(op.operands[0]!);
    const inChanged = input !== undefined && input.producer !== 'fixed';
    const outChanged = byValue.has(op.results[0]!);
    let q = permOfTranspose(op, op.operands[0]!.type.shape!.length);
    if (inChanged) q = compose(inv, q);
    if (outChanged) q = compose(q, perm);
    return { op, perm: q, inChanged, outChanged };
  });
}

/** Transposes added minus removed if `rel` is applied to `cls`; undefined when it cannot be. */
export function moveCost(cls: LayoutClass, rel: Relayout): number | undefined {
  const byValue = new Map(cls.members.map((m) => [m.value, m]));
  let delta = 0;
  for (const m of cls.members) {
    const s = rel.shape(m.value.type.shape!);
    if (!s) return undefined;
    const needs = m.producer === 'fixed' ? classUses(m) : fixedUses(m);
    if (needs) {
      if (!rel.perm) return undefined;
      delta++;
    }
    if (m.producer === 'agnostic') {
      const op = m.value.def!;
      const role = cls.roles.get(op);
      if (role?.kind === 'agnostic' && role.axis !== undefined && rel.axis(role.axis) === undefined) return undefined;
      for (let i = 0; i < op.operands.length; i++) {
        const c = classConstant(cls.roles, op, i);
        if (!c) continue;
        const cs = rel.constShape(padRank(c.shape, cls.rank));
        if (!cs || !broadcastsInto(cs, s)) return undefined;
      }
    }
  }
  const touched = (op: Op): boolean => {
    const input = byValue.get(op.operands[0]!);
    return byValue.has(op.results[0]!) || (input !== undefined && input.producer !== 'fixed');
  };
  if (cls.transposes.some(touched)) {
    if (!rel.perm) return undefined;
    for (const t of transposeChanges(cls, rel.perm)) if ((t.inChanged || t.outChanged) && isIdentity(t.perm)) delta--;
  }
  return delta;
}

// ---------------------------------------------------------------------------------------------
// Applying a move.

/** Fresh value names, unique in one function. */
export class Names {
  constructor(private readonly used: Set<string>) {}
  fresh(base: string): string {
    let name = base, k = 1;
    while (this.used.has(name)) name = `${base}_${k++}`;
    this.used.add(name);
    return name;
  }
}

export interface MoveEnv {
  readonly module: Module;
  readonly region: Region;
  /** The function body (replacements reach nested regions). */
  readonly body: Region;
  readonly names: Names;
  /** Const ops whose uses were redirected to a rewritten copy (removed at the end if unused). */
  readonly replacedConsts: Set<Op>;
  readonly converted: Set<Op>;
  counters: { weights: number };
}

function insertAfter(region: Region, anchor: Op | null, op: Op): void {
  const i = anchor ? region.ops.indexOf(anchor) : -1;
  region.ops.splice(i + 1, 0, op);
}

function insertBefore(region: Region, before: Op, op: Op): void {
  region.ops.splice(region.ops.indexOf(before), 0, op);
}

function transposeOp(v: Value, perm: readonly number[], name: string, loc: Op['loc']): Op {
  const shape = perm.map((p) => v.type.shape![p]!);
  return new IrOp('transpose', [v], [new Value(name, { dtype: v.type.dtype, shape })], new Map([['perm', attr.ints([...perm])]]), [], loc);
}

/** Set an anchor's layouts, writing only what differs from the defaults. */
export function setAnchorLayouts(op: Op, input: Layout, output: Layout): void {
  if (input === 'nchw') op.attrs.delete('layout'); else op.attrs.set('layout', attr.string(input));
  if (output === input) op.attrs.delete('out_layout'); else op.attrs.set('out_layout', attr.string(output));
}

export function anchorLayouts(op: Op): { input: Layout; output: Layout } {
  const a = op.attrs.get('layout'), b = op.attrs.get('out_layout');
  const input = (a?.kind === 'string' ? a.value : 'nchw') as Layout;
  return { input, output: (b?.kind === 'string' ? b.value : input) as Layout };
}

/** A const op holding `t`, in the same form as `like` (a module weight stays a weight). */
export function newConst(env: MoveEnv, like: Op, t: Tensor, tag: string): Op {
  const old = like.attrs.get('value')!;
  let value: AttrValue = attr.tensor(t);
  if (old.kind === 'weight') {
    let name = `${old.value}.${tag}`, k = 1;
    while (env.module.weights.has(name)) name = `${old.value}.${tag}_${k++}`;
    env.module.weights.set(name, { name, type: { dtype: t.dtype, shape: [...t.shape] }, source: { kind: 'inline', bytes: encodeBytes(t) } });
    value = attr.weight(name);
  }
  const result = new Value(env.names.fresh(`${like.results[0]!.name}.${tag}`), { dtype: t.dtype, shape: [...t.shape] });
  env.counters.weights++;
  return new IrOp('const', [], [result], new Map([['value', value]]), [], like.loc);
}

/** Apply `rel` to `cls`. Returns the transposes it modified or removed. */
export function applyMove(cls: LayoutClass, rel: Relayout, env: MoveEnv): Op[] {
  const { region } = env;
  const inv = rel.perm ? invert(rel.perm) : null;
  const changes = rel.perm ? transposeChanges(cls, rel.perm) : [];
  const anchorNew = new Map<Op, { input: Layout; output: Layout }>();
  const anchorOf = (op: Op): { input: Layout; output: Layout } => {
    let l = anchorNew.get(op);
    if (!l) { l = anchorLayouts(op); anchorNew.set(op, l); }
    return l;
  };
  const constCache = new Map<Value, Value>();

  for (const m of cls.members) {
    const v = m.value;
    const def = v.def && region.ops.includes(v.def) ? v.def : null;
    if (m.producer === 'fixed') {
      if (!classUses(m)) continue;
      // Class ops read a converted copy; fixed users keep the original.
      const loc = def?.loc ?? m.uses[0]!.op.loc;
      const t = transposeOp(v, rel.perm!, env.names.fresh(`${v.name}.${rel.tag}`), loc);
      insertAfter(region, def, t);
      for (const u of m.uses) {
        if (u.kind === 'anchor' || u.kind === 'agnostic') u.op.operands[u.index] = t.results[0]!;
        if (u.kind === 'anchor') anchorOf(u.op).input = rel.target!;
      }
      continue;
    }
    v.type = { dtype: v.type.dtype, shape: rel.shape(v.type.shape!)! };
    if (m.producer === 'anchor') { anchorOf(def!).output = rel.target!; env.converted.add(def!); }
    for (const u of m.uses) if (u.kind === 'anchor') anchorOf(u.op).input = rel.target!;
    if (m.producer === 'agnostic') rewriteConstants(cls, def!, rel, env, constCache);
    if (fixedUses(m)) {
      const back = transposeOp(v, inv!, env.names.fresh(`${v.name}.${cls.layout ?? 'orig'}`), def!.loc);
      insertAfter(region, def, back);
      for (const u of m.uses) if (u.kind === 'fixed') u.op.operands[u.index] = back.results[0]!;
    }
  }
  for (const [op, l] of anchorNew) { setAnchorLayouts(op, l.input, l.output); env.converted.add(op); }

  const removed = new Map<Value, Value>();
  for (const c of changes) {
    if (!c.inChanged && !c.outChanged) continue;
    const x = c.op.operands[0]!;
    if (isIdentity(c.perm)) {
      removed.set(c.op.results[0]!, x);
      region.ops.splice(region.ops.indexOf(c.op), 1);
      continue;
    }
    c.op.attrs.set('perm', attr.ints(c.perm));
    const r = c.op.results[0]!;
    r.type = { dtype: r.type.dtype, shape: c.perm.map((p) => x.type.shape![p]!) };
  }
  if (removed.size > 0) replaceAll(env.body, removed);
  return changes.filter((c) => c.inChanged || c.outChanged).map((c) => c.op);
}

function rewriteConstants(cls: LayoutClass, op: Op, rel: Relayout, env: MoveEnv, cache: Map<Value, Value>): void {
  const rank = cls.rank;
  env.converted.add(op);
  const role = cls.roles.get(op);
  if (role?.kind === 'agnostic' && role.axis !== undefined) op.attrs.set('axis', attr.int(rel.axis(role.axis)!));
  op.operands.forEach((v, i) => {
    const c = classConstant(cls.roles, op, i);
    if (!v || !c) return;
    let nv = cache.get(v);
    if (!nv) {
      const padded: Tensor = { dtype: c.dtype, shape: padRank(c.shape, rank) as number[], data: c.data };
      const k = newConst(env, v.def!, rel.constant(padded), rel.tag);
      insertBefore(env.region, op, k);
      nv = k.results[0]!;
      cache.set(v, nv);
      env.replacedConsts.add(v.def!);
    }
    op.operands[i] = nv;
  });
}

function replaceAll(region: Region, map: ReadonlyMap<Value, Value>): void {
  const resolve = (v: Value): Value => {
    let cur = v;
    for (let next = map.get(cur); next; next = map.get(cur)) cur = next;
    return cur;
  };
  for (const op of region.ops) {
    op.operands = op.operands.map((v) => v && resolve(v));
    for (const r of op.regions) replaceAll(r, map);
  }
}
