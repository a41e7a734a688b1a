// select-layout, part 1: what each op of a region can do with layouts, and the classes of values
// that must share one physical layout. See passes/select-layout.ts for the design.
//
// Roles of the ops directly in a region:
//   anchor    a spatial op with layout attributes (conv, pools, per-channel norms): it reads operand
//             0 and writes result 0 in any layout, so it absorbs conversions at no cost.
//   agnostic  an elementwise/broadcast op: it works in any layout as long as its full-rank operands
//             share the layout of its result and its constant operands are rearranged to match.
//             concat is agnostic too (all operands in the result's layout, its axis renumbered).
//   transpose composes with a layout change of its input or result (and disappears when the
//             composed permutation is the identity).
//   fixed     everything else (and every use in a nested region): sees the value as it is now.
// A class is a set of values joined through agnostic ops; a layout change applies to a whole class.

import { constantValue } from '../ir/infer.js';
import type { Module, Op, Region, Value } from '../ir/ir.js';
import { getOpDef, type OpDef } from '../ir/op-def.js';
import { isLayout, layoutSupport, type Layout } from '../ir/ops/nn-layout.js';
import type { Tensor } from '../ir/tensor.js';

/** Elementwise/broadcast ops that are not layout-agnostic: axis or shape operands, hidden structure. */
const NOT_AGNOSTIC = new Set([
  'batch_normalization', 'expand', 'quantize_linear', 'dequantize_linear', 'dropout', 'swiglu', 'cast_like', 'bit_cast',
]);

export function isAgnosticDef(def: OpDef | undefined): boolean {
  if (!def || NOT_AGNOSTIC.has(def.name) || layoutSupport(def).layouts) return false;
  return (def.fusion === 'elementwise' || def.fusion === 'broadcast') && !def.traits.includes('random');
}

/** The constant an agnostic op's operand i holds when it must be rearranged with its class. */
export function classConstant(roles: ReadonlyMap<Op, Role>, op: Op, i: number): Tensor | undefined {
  const role = roles.get(op);
  const k = role?.kind === 'agnostic' ? role.operands[i] : undefined;
  return k?.kind === 'const' ? k.value : undefined;
}

/** How an agnostic op treats one operand. */
export type OperandKind =
  | { kind: 'absent' }
  /** Full rank, not constant: shares the result's class. */
  | { kind: 'class' }
  /** All static 1s (or rank 0): broadcasts the same way in every layout. */
  | { kind: 'inert' }
  /** A compile-time constant of rank <= the result's: rearranged with the class. */
  | { kind: 'const'; value: Tensor };

export type Role =
  | { kind: 'anchor'; input: Layout; output: Layout }
  /** `axis`: the op works along this dim of its result (concat), renumbered by a move. */
  | { kind: 'agnostic'; operands: OperandKind[]; axis?: number }
  | { kind: 'transpose'; perm: number[] }
  | { kind: 'fixed' };

const allOnes = (shape: readonly (number | string)[]): boolean => shape.every((d) => d === 1);

export function constOf(v: Value, module: Module): Tensor | undefined {
  return v.def?.name === 'const' ? constantValue(v.def, module) : undefined;
}

export function roleOf(op: Op, module: Module): Role {
  const def = getOpDef(op.name);
  if (op.name === 'transpose') {
    const rank = op.operands[0]?.type.shape?.length;
    if (rank === undefined || op.results.length !== 1) return { kind: 'fixed' };
    const p = op.attrs.get('perm');
    if (!p) return { kind: 'transpose', perm: Array.from({ length: rank }, (_, i) => rank - 1 - i) };
    if (p.kind !== 'ints' || p.value.length !== rank) return { kind: 'fixed' };
    return { kind: 'transpose', perm: p.value.map((a) => (a < 0 ? a + rank : a)) };
  }
  if (layoutSupport(def).layouts) return anchorRole(op, def!);
  if (isAgnosticDef(def)) return agnosticRole(op, module);
  if (op.name === 'concat') return concatRole(op);
  return { kind: 'fixed' };
}

function anchorRole(op: Op, def: OpDef): Role {
  const x = op.operands[0]?.type.shape, y = op.results[0]?.type.shape;
  if (!x || !y || x.length < 3) return { kind: 'fixed' };
  // max_pool's Indices are only defined in NCHW.
  if (def.name === 'max_pool' && op.results.length > 1) return { kind: 'fixed' };
  const read = (name: string, fallback: string): string => {
    const a = op.attrs.get(name);
    return a?.kind === 'string' ? a.value : fallback;
  };
  const input = read('layout', 'nchw');
  const output = read('out_layout', input);
  if (!isLayout(input) || !isLayout(output)) return { kind: 'fixed' };
  return { kind: 'anchor', input, output };
}

function agnosticRole(op: Op, module: Module): Role {
  const y = op.results[0]?.type.shape;
  if (op.results.length !== 1 || !y || y.length === 0) return { kind: 'fixed' };
  const operands: OperandKind[] = [];
  for (const v of op.operands) {
    if (!v) { operands.push({ kind: 'absent' }); continue; }
    const s = v.type.shape;
    if (!s) return { kind: 'fixed' };
    if (allOnes(s) && s.length <= y.length) { operands.push({ kind: 'inert' }); continue; }
    const c = constOf(v, module);
    if (c && s.length <= y.length) operands.push({ kind: 'const', value: c });
    else if (s.length === y.length) operands.push({ kind: 'class' });
    else return { kind: 'fixed' };
  }
  return { kind: 'agnostic', operands };
}

/** concat of full-rank values (constants are left to other passes: no broadcasting to follow). */
function concatRole(op: Op): Role {
  const y = op.results[0]?.type.shape;
  const a = op.attrs.get('axis');
  if (op.results.length !== 1 || !y || y.length === 0 || a?.kind !== 'int') return { kind: 'fixed' };
  if (op.operands.some((v) => !v || v.type.shape?.length !== y.length || v.def?.name === 'const')) return { kind: 'fixed' };
  const axis = a.value < 0 ? a.value + y.length : a.value;
  return { kind: 'agnostic', operands: op.operands.map(() => ({ kind: 'class' as const })), axis };
}

// ---------------------------------------------------------------------------------------------
// Classes.

export type UseKind = 'anchor' | 'agnostic' | 'transpose' | 'fixed';
export interface Use { readonly op: Op; readonly index: number; readonly kind: UseKind }
export type ProducerKind = 'anchor' | 'agnostic' | 'transpose' | 'fixed';

export interface Member {
  readonly value: Value;
  readonly producer: ProducerKind;
  readonly uses: Use[];
}

export interface LayoutClass {
  readonly members: Member[];
  /** Physical rank of every member. */
  readonly rank: number;
  /** Layout the anchors around the class see it in; null without anchors; 'mixed' if they disagree. */
  readonly layout: Layout | null | 'mixed';
  /** Transposes producing or using a member (each once, in member order). */
  readonly transposes: Op[];
  /** Roles of the region's ops (shared by every class of the region). */
  readonly roles: ReadonlyMap<Op, Role>;
}

export interface RegionAnalysis {
  readonly roles: Map<Op, Role>;
  readonly classes: LayoutClass[];
}

class UnionFind {
  private readonly parent = new Map<Value, Value>();
  readonly order: Value[] = [];
  add(v: Value): void {
    if (!this.parent.has(v)) { this.parent.set(v, v); this.order.push(v); }
  }
  find(v: Value): Value {
    let r = v;
    while (this.parent.get(r) !== r) r = this.parent.get(r)!;
    for (let c = v; c !== r;) { const next = this.parent.get(c)!; this.parent.set(c, r); c = next; }
    return r;
  }
  union(a: Value, b: Value): void {
    this.add(a); this.add(b);
    const ra = this.find(a), rb = this.find(b);
    if (ra !== rb) this.parent.set(rb, ra);
  }
}

/** Every use of a value in `region` and its nested regions (nested uses are recorded with their op). */
function collectUses(region: Region, local: Set<Op>, roles: Map<Op, Role>, out: Map<Value, Use[]>): void {
  const visit = (r: Region): void => {
    for (const op of r.ops) {
      const role = local.has(op) ? roles.get(op)! : { kind: 'fixed' as const };
      op.operands.forEach((v, index) => {
        if (!v) return;
        let kind: UseKind = 'fixed';
        if (role.kind === 'anchor' && index === 0) kind = 'anchor';
        else if (role.kind === 'transpose') kind = 'transpose';
        else if (role.kind === 'agnostic') {
          const k = role.operands[index]!.kind;
          // Constant and inert operands do not follow their value's class: skip them.
          if (k !== 'class') return;
          kind = 'agnostic';
        }
        const list = out.get(v);
        if (list) list.push({ op, index, kind }); else out.set(v, [{ op, index, kind }]);
      });
      for (const inner of op.regions) visit(inner);
    }
  };
  visit(region);
}

export function analyseRegion(region: Region, module: Module): RegionAnalysis {
  const roles = new Map<Op, Role>();
  const local = new Set(region.ops);
  for (const op of region.ops) roles.set(op, roleOf(op, module));
  const uf = new UnionFind();
  for (const op of region.ops) {
    const role = roles.get(op)!;
    if (role.kind === 'anchor') { uf.add(op.operands[0]!); uf.add(op.results[0]!); }
    else if (role.kind === 'transpose') { uf.add(op.operands[0]!); uf.add(op.results[0]!); }
    else if (role.kind === 'agnostic') {
      uf.add(op.results[0]!);
      role.operands.forEach((k, i) => { if (k.kind === 'class') uf.union(op.results[0]!, op.operands[i]!); });
    }
  }
  const uses = new Map<Value, Use[]>();
  collectUses(region, local, roles, uses);

  const groups = new Map<Value, Value[]>();
  for (const v of uf.order) {
    const root = uf.find(v);
    const g = groups.get(root);
    if (g) g.push(v); else groups.set(root, [v]);
  }
  const classes: LayoutClass[] = [];
  for (const values of groups.values()) {
    const c = makeClass(values, local, roles, uses);
    if (c) classes.push(c);
  }
  return { roles, classes };
}

function producerOf(v: Value, local: Set<Op>, roles: Map<Op, Role>): ProducerKind {
  const d = v.def;
  if (!d || !local.has(d)) return 'fixed';
  const role = roles.get(d)!;
  if (role.kind === 'anchor') return d.results[0] === v ? 'anchor' : 'fixed';
  return role.kind;
}

function makeClass(values: Value[], local: Set<Op>, roles: Map<Op, Role>, uses: Map<Value, Use[]>): LayoutClass | undefined {
  const rank = values[0]!.type.shape?.length;
  if (rank === undefined || values.some((v) => v.type.shape?.length !== rank)) return undefined;
  let layout: Layout | null | 'mixed' = null;
  const see = (l: Layout): void => { layout = layout === null || layout === l ? l : 'mixed'; };
  const transposes: Op[] = [];
  const members = values.map((value): Member => {
    const producer = producerOf(value, local, roles);
    if (producer === 'anchor') see((roles.get(value.def!) as { output: Layout }).output);
    if (producer === 'transpose' && !transposes.includes(value.def!)) transposes.push(value.def!);
    const us = uses.get(value) ?? [];
    for (const u of us) {
      if (u.kind === 'anchor') see((roles.get(u.op) as { input: Layout }).input);
      if (u.kind === 'transpose' && !transposes.includes(u.op)) transposes.push(u.op);
    }
    return { value, producer, uses: us };
  });
  if (layout !== null && layout !== 'mixed' && rank < 3) layout = 'mixed';
  return { members, rank, layout, transposes, roles };
}
