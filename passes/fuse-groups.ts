// fuse, part 1: choosing the groups. Works on one region's top-level ops (a function body or a
// control-flow body) and only decides membership; passes/fuse-build.ts turns groups into `fused`
// ops. Rules (which op may join which group) are in canJoin* below; the order in which groups are
// seeded is what makes the result match hand-written kernels:
//   1. contractions (matmul, gemm, conv, ...) in program order, each taking its epilogue;
//   2. reductions (softmax, layer_normalization, pools, reduce_*) with prologue and epilogue;
//   3. the remaining elementwise and injective ops;
//   4. shape arithmetic (small integer tensors computed from `shape`), kept apart from data groups.
// A group never creates a cycle in the graph of groups (checked by reachability before an op joins
// as a consumer; an op joining as a producer has all its users in the group, which cannot close one).

import type { Op, Region, Value } from '../ir/ir.js';
import { walkOps } from '../ir/ir.js';
import { constantValue } from '../ir/infer.js';
import { getOpDef } from '../ir/op-def.js';
import { DTYPE_INFO } from '../ir/dtype.js';
import { getNumber } from '../ir/tensor.js';

/** How an op takes part in fusion ('shape' = host-side arithmetic on small integer tensors). */
export type Role = 'ew' | 'inj' | 'red' | 'con' | 'shape';
export type GroupKind = 'elementwise' | 'reduction' | 'contraction' | 'attention' | 'shape';

export interface Group {
  kind: GroupKind;
  /** Members in the order they joined (the seed first). */
  readonly members: Op[];
  readonly contractions: Op[];
  readonly reductions: Op[];
  /** Members that (within the group) depend on a contraction: the epilogue. */
  readonly afterContraction: Set<Op>;
  /** Members that depend on a softmax of the group (attention: the second matmul reads these). */
  readonly afterSoftmax: Set<Op>;
}

/** Integer tensors this small with static shapes are shape arithmetic, not data. */
const SHAPE_MAX_ELEMENTS = 64;

const isShapeValue = (v: Value): boolean => {
  const t = v.type;
  const info = DTYPE_INFO[t.dtype];
  if (!(info.kind === 'int' || info.kind === 'uint' || t.dtype === 'bool')) return false;
  if (t.shape === null || !t.shape.every((d) => typeof d === 'number')) return false;
  return (t.shape as number[]).reduce((a, b) => a * b, 1) <= SHAPE_MAX_ELEMENTS;
};

/** The op's role, or null when it stays outside every group (consts, regions, random/impure, opaque). */
export function roleOf(op: Op): Role | null {
  const def = getOpDef(op.name);
  if (!def || op.regions.length > 0 || (def.regions ?? 0) > 0) return null;
  if (!def.traits.includes('pure') || def.traits.includes('random') || def.traits.includes('constant-like')) return null;
  const data = def.fusion === 'elementwise' || def.fusion === 'broadcast' || def.fusion === 'injective' || def.fusion === 'reduction';
  // `shape`/`size` read only the operand's type, so they are shape arithmetic whatever their class.
  const metadata = op.name === 'shape' || op.name === 'size';
  // Other ops are shape arithmetic only when they read small integer tensors too (an arg_max of
  // a large tensor gives a small result but is data work).
  const smallIn = metadata || op.operands.every((v) => v === null || isShapeValue(v));
  if ((data || metadata) && smallIn && op.results.length > 0 && op.results.every(isShapeValue)) return 'shape';
  switch (def.fusion) {
    case 'elementwise': case 'broadcast': return 'ew';
    case 'injective': return 'inj';
    case 'reduction': return 'red';
    case 'contraction': return 'con';
    default: return null;
  }
}

/** Contractions whose output rows a kernel holds whole, so a last-axis reduction can follow in it. */
const ROW_CONTRACTIONS = new Set(['matmul', 'gemm']);
const ROW_NORMALIZATIONS = new Set(['softmax', 'log_softmax', 'layer_normalization', 'rms_normalization']);
const AXES_REDUCTIONS = new Set(['reduce_mean', 'reduce_sum', 'reduce_max', 'reduce_sum_square', 'reduce_l2']);

/** A reduction over the last axis only (softmax/normalisation rows, reduce_* with axes [-1]). */
export function isRowReduction(op: Op): boolean {
  const x = op.operands[0];
  const rank = x?.type.shape?.length;
  if (rank === undefined || rank === 0) return false;
  const last = (a: number): boolean => a === -1 || a === rank - 1;
  if (ROW_NORMALIZATIONS.has(op.name)) {
    const a = op.attrs.get('axis');
    return last(a?.kind === 'int' ? a.value : -1);
  }
  if (AXES_REDUCTIONS.has(op.name)) {
    const axesDef = op.operands[1]?.def;
    const axes = axesDef ? constantValue(axesDef, null) : undefined;
    return axes !== undefined && axes.data.length === 1 && last(getNumber(axes, 0));
  }
  return false;
}

/** Use lists of one region: for each top-level op, the top-level ops that read its results
 *  (a use inside a nested region counts as a use by the op holding that region). */
export class RegionGraph {
  readonly index = new Map<Op, number>();
  readonly users = new Map<Op, Op[]>();
  readonly preds = new Map<Op, Op[]>();
  /** Top-level ops reading each value defined here, as they were when the graph was built. */
  readonly valueUsers = new Map<Value, Op[]>();
  private readonly defOf = new Map<Value, Op>();

  constructor(readonly region: Region) {
    region.ops.forEach((op, i) => {
      this.index.set(op, i);
      this.users.set(op, []);
      for (const r of op.results) this.defOf.set(r, op);
    });
    for (const op of region.ops) {
      const preds: Op[] = [];
      const visit = (v: Value | null): void => {
        const d = v ? this.defOf.get(v) : undefined;
        if (!d || d === op) return;
        if (!preds.includes(d)) preds.push(d);
        const vu = this.valueUsers.get(v!) ?? [];
        if (!vu.includes(op)) vu.push(op);
        this.valueUsers.set(v!, vu);
      };
      op.operands.forEach(visit);
      for (const r of op.regions) for (const inner of walkOps(r)) inner.operands.forEach(visit);
      this.preds.set(op, preds);
      for (const p of preds) this.users.get(p)!.push(op);
    }
  }

  /** The top-level op of this region defining v (undefined for args and outer values). */
  def(v: Value | null): Op | undefined {
    return v ? this.defOf.get(v) : undefined;
  }
}

export interface GroupOptions {
  /** Most non-const ops in one group. */
  readonly maxOps: number;
  /** Pull the Q/K/V projections (matmul/gemm + bias, reshape, transpose) into attention groups. */
  readonly qkvProjections: boolean;
  /**
   * A dequantize_linear of constants read only as a matmul's B joins that matmul's group as a
   * prologue (for backends whose matmul loads B through it: no dequantized copy of the weight).
   */
  readonly dequantPrologue?: boolean;
}

export class GroupFinder {
  readonly groupOf = new Map<Op, Group>();
  groups: Group[] = [];
  private readonly roles = new Map<Op, Role | null>();

  constructor(readonly graph: RegionGraph, readonly opts: GroupOptions) {
    for (const op of graph.region.ops) this.roles.set(op, roleOf(op));
  }

  role(op: Op): Role | null {
    return this.roles.get(op) ?? null;
  }

  /** Seed and grow groups in the four phases described at the top of the file. */
  run(): Group[] {
    const ops = this.graph.region.ops;
    for (const phase of [['con'], ['red'], ['ew', 'inj'], ['shape']] as Role[][]) {
      for (const op of ops) {
        const role = this.role(op);
        if (role === null || !phase.includes(role) || this.groupOf.has(op)) continue;
        this.grow(this.seed(op, role));
      }
    }
    if (this.opts.qkvProjections) this.mergeProjections();
    return this.groups;
  }

  /** Like onnxruntime's Attention op: a projection (a contraction group without reductions, or a
   *  lone matmul/gemm) read only by one attention group becomes part of it. Every use of the
   *  projection is then inside the merged group, so the merge cannot close a cycle. */
  private mergeProjections(): void {
    const merged = new Set<Group>();
    for (const g of this.groups) {
      if (g.kind !== 'attention') continue;
      for (let again = true; again;) {
        again = false;
        for (const m of g.members) {
          for (const p of this.graph.preds.get(m)!) {
            const pg = this.groupOf.get(p);
            const ops = pg ? pg.members : [p];
            if (pg === g || !this.isProjection(pg, p) || g.members.length + ops.length > this.opts.maxOps) continue;
            if (!ops.every((o) => this.graph.users.get(o)!.every((u) => this.groupOf.get(u) === g || ops.includes(u)))) continue;
            for (const o of ops) { g.members.push(o); this.groupOf.set(o, g); }
            g.contractions.push(...(pg ? pg.contractions : [p]));
            if (pg) merged.add(pg);
            again = true;
            break;
          }
          if (again) break;
        }
      }
    }
    this.groups = this.groups.filter((g) => !merged.has(g));
  }

  private isProjection(pg: Group | undefined, p: Op): boolean {
    const dense = (op: Op): boolean => op.name === 'matmul' || op.name === 'gemm';
    if (pg) return pg.kind === 'contraction' && pg.reductions.length === 0 && pg.contractions.every(dense);
    return this.role(p) === 'con' && dense(p);
  }

  private seed(op: Op, role: Role): Group {
    const kind: GroupKind = role === 'con' ? 'contraction' : role === 'red' ? 'reduction' : role === 'shape' ? 'shape' : 'elementwise';
    const g: Group = {
      kind, members: [op], contractions: role === 'con' ? [op] : [], reductions: role === 'red' ? [op] : [],
      afterContraction: new Set(), afterSoftmax: new Set(),
    };
    this.groupOf.set(op, g);
    return g;
  }

  private grow(g: Group): void {
    for (let changed = true; changed && g.members.length < this.opts.maxOps;) {
      changed = this.absorbConsumer(g) || this.absorbProducer(g);
    }
    if (g.members.length < 2) this.groupOf.delete(g.members[0]!);
    else this.groups.push(g);
  }

  private absorbConsumer(g: Group): boolean {
    for (const m of g.members) {
      for (const u of this.graph.users.get(m)!) {
        if (!this.groupOf.has(u) && this.canJoinAsConsumer(g, u)) {
          this.add(g, u, true);
          return true;
        }
      }
    }
    return false;
  }

  private absorbProducer(g: Group): boolean {
    for (const m of g.members) {
      for (const p of this.graph.preds.get(m)!) {
        if (!this.groupOf.has(p) && this.canJoinAsProducer(g, p)) {
          this.add(g, p, false);
          return true;
        }
      }
    }
    return false;
  }

  private add(g: Group, op: Op, consumer: boolean): void {
    const role = this.role(op)!;
    g.members.push(op);
    this.groupOf.set(op, g);
    if (role === 'con') g.contractions.push(op);
    if (role === 'red') g.reductions.push(op);
    if (!consumer) return;
    const inGroup = this.groupOperands(g, op);
    if (inGroup.some((p) => p.contractions || g.afterContraction.has(p.op))) g.afterContraction.add(op);
    if (inGroup.some((p) => p.op.name === 'softmax' || g.afterSoftmax.has(p.op))) g.afterSoftmax.add(op);
    if (role === 'red' && g.kind === 'elementwise') g.kind = 'reduction';
    if (role === 'con') g.kind = 'attention';
  }

  /** Members of g that define operands of op (with whether each is a contraction). */
  private groupOperands(g: Group, op: Op): { op: Op; contractions: boolean }[] {
    return this.graph.preds.get(op)!.filter((p) => this.groupOf.get(p) === g)
      .map((p) => ({ op: p, contractions: g.contractions.includes(p) }));
  }

  private sameWorld(g: Group, role: Role): boolean {
    return (g.kind === 'shape') === (role === 'shape');
  }

  private canJoinAsConsumer(g: Group, x: Op): boolean {
    const role = this.role(x);
    if (role === null || !this.sameWorld(g, role)) return false;
    if (!this.ruleAllowsConsumer(g, x, role)) return false;
    return !this.closesCycle(g, x);
  }

  private ruleAllowsConsumer(g: Group, x: Op, role: Role): boolean {
    const fromGroup = this.groupOperands(g, x);
    const afterC = fromGroup.length > 0 && fromGroup.every((p) => p.contractions || g.afterContraction.has(p.op));
    switch (role) {
      case 'ew': case 'inj': case 'shape':
        return true;
      case 'red':
        if (g.kind === 'elementwise' || g.kind === 'reduction') return true;
        // A contraction keeps whole output rows, so a last-axis normalisation/softmax can finish in it.
        return g.kind === 'contraction' && afterC && isRowReduction(x) && ROW_CONTRACTIONS.has(g.contractions[0]!.name);
      case 'con': {
        // Attention: matmul -> (scale, mask) -> softmax -> matmul, the second reading the softmax.
        if (g.kind !== 'contraction' || g.contractions.length !== 1 || g.contractions[0]!.name !== 'matmul' || x.name !== 'matmul') return false;
        if (g.reductions.length !== 1 || g.reductions[0]!.name !== 'softmax' || !isRowReduction(g.reductions[0]!)) return false;
        const a = this.graph.def(x.operands[0] ?? null);
        const b = this.graph.def(x.operands[1] ?? null);
        return a !== undefined && this.groupOf.get(a) === g && (a.name === 'softmax' || g.afterSoftmax.has(a))
          && (b === undefined || this.groupOf.get(b) !== g);
      }
    }
  }

  private canJoinAsProducer(g: Group, p: Op): boolean {
    const role = this.role(p);
    if (role === null || !this.sameWorld(g, role)) return false;
    // Only ops whose every use is in the group: nothing is computed twice and no cycle can close.
    if (!this.graph.users.get(p)!.every((u) => this.groupOf.get(u) === g)) return false;
    if (role === 'shape') return true;
    if (this.opts.dequantPrologue === true && isDequantPrologue(this.graph, g, p)) return true;
    if (role !== 'ew' && role !== 'inj') return false;
    if (g.kind === 'elementwise' || g.kind === 'reduction') return true;
    // Contractions: an epilogue may take elementwise side inputs; what feeds the contraction itself
    // (directly or through other prologue ops) must be injective (a re-indexed read, e.g. a transpose).
    const feedsEpilogueOnly = this.graph.users.get(p)!.every((u) => g.afterContraction.has(u));
    return role === 'inj' || feedsEpilogueOnly;
  }

  /** Would x (a consumer of g) joining g close a cycle through ops or groups outside g? That is the
   *  case when another operand of x is reachable from g by a path of at least two edges. */
  private closesCycle(g: Group, x: Op): boolean {
    const reach = this.reachableFrom(g);
    return this.graph.preds.get(x)!.some((p) => {
      const n = this.node(p);
      return n !== g && reach.has(n);
    });
  }

  /** Nodes (ungrouped ops and other groups) reachable from g, cached until g changes; other groups
   *  do not change while g grows, so the set stays valid for every candidate checked meanwhile. */
  private reachCache: { g: Group; size: number; set: Set<Op | Group> } | undefined;

  private reachableFrom(g: Group): Set<Op | Group> {
    const c = this.reachCache;
    if (c && c.g === g && c.size === g.members.length) return c.set;
    const seen = new Set<Op | Group>();
    const stack: (Op | Group)[] = [g];
    while (stack.length > 0) {
      const n = stack.pop()!;
      for (const m of isGroup(n) ? n.members : [n]) {
        for (const u of this.graph.users.get(m)!) {
          const un = this.node(u);
          if (un !== g && !seen.has(un)) { seen.add(un); stack.push(un); }
        }
      }
    }
    this.reachCache = { g, size: g.members.length, set: seen };
    return seen;
  }

  private node(op: Op): Op | Group {
    return this.groupOf.get(op) ?? op;
  }
}

const isGroup = (n: Op | Group): n is Group => 'members' in n;

/**
 * A weight dequantization the group's matmuls can read B through (fuse option weight-dequant):
 * a float dequantize_linear whose operands are all constants and whose every use is as operand B
 * of a matmul of the contraction group g (never as A, never by the epilogue).
 */
export function isDequantPrologue(graph: RegionGraph, g: Group, p: Op): boolean {
  if (g.kind !== 'contraction' || p.name !== 'dequantize_linear' || p.results.length !== 1) return false;
  const y = p.results[0]!;
  if (DTYPE_INFO[y.type.dtype].kind !== 'float') return false;
  if (!p.operands.every((v) => v === null || graph.def(v)?.name === 'const')) return false;
  const users = graph.users.get(p)!;
  return users.length > 0 && users.every((u) => u.name === 'matmul' && g.contractions.includes(u)
    && u.operands[1] === y && u.operands[0] !== y && u.regions.length === 0);
}
