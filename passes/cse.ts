// cse: common subexpression elimination.
//
// Two ops are the same computation when they have the same name, the same operands (the same
// values, in the same order), equal attributes (exactly: floats by bits, tensors by dtype, shape
// and bytes; a missing attribute equals its schema default) and the same result types. The later
// one is removed and its results' uses point at the earlier one's results. Constants are ops too:
// identical inline tensors merge, and so do `const` ops naming the same weight.
//
// Scoping follows dominance: ops are visited in order and a nested region (If/Loop/Scan body,
// fused group) sees the ops of its enclosing regions that precede it, so an op inside a region may
// reuse a value computed outside, never the reverse, and two sibling regions share nothing.
// Since uses are rewritten while walking, chains merge in one run (two equal constants, then the
// two equal ops using them).
//
// Not merged: ops with regions, ops with the 'random' trait (each draws its own numbers),
// terminators, ops missing from the op table, ops without results. Operands of commutative ops are
// not reordered (a + b and b + a stay apart). Nothing is reassociated, so results are bitwise
// unchanged. Counter: ops-merged (ops removed because an earlier op computes the same).

import type { Op, Region, Value } from '../ir/ir.js';
import { getOpDef } from '../ir/op-def.js';
import { formatType } from '../ir/types.js';
import type { Pass } from './pass.js';
import { attrsEqual, attrsKey } from './util-attrs.js';

export const csePass: Pass = {
  name: 'cse',
  summary: 'Merge ops that compute the same thing (same op, operands, attributes and result types), constants included.',
  options: {},
  run(module) {
    let merged = 0;
    for (const f of module.funcs) {
      const state: CseState = { ids: new Map(), replace: new Map(), merged: 0 };
      walk(f.body, [], state);
      merged += state.merged;
    }
    return { changed: merged > 0, counters: { 'ops-merged': merged } };
  },
};

interface CseState {
  /** Stable numbering of values for keys (first-seen order). */
  readonly ids: Map<Value, number>;
  /** Results of removed ops -> the results that replace them. */
  readonly replace: Map<Value, Value>;
  merged: number;
}

type Scope = Map<string, Op[]>;

export function isCseCandidate(op: Op): boolean {
  const def = getOpDef(op.name);
  if (!def || op.regions.length > 0 || op.results.length === 0) return false;
  return !def.traits.includes('terminator') && !def.traits.includes('random');
}

function valueId(state: CseState, v: Value | null): string {
  if (!v) return '-';
  let id = state.ids.get(v);
  if (id === undefined) {
    id = state.ids.size;
    state.ids.set(v, id);
  }
  return String(id);
}

function opKey(op: Op, state: CseState): string {
  const operands = op.operands.map((v) => valueId(state, v)).join(',');
  const types = op.results.map((r) => formatType(r.type)).join(',');
  return `${op.name}(${operands})->${types}{${attrsKey(op)}}`;
}

/** Same computation, given equal keys (keys only fingerprint tensors, so compare them exactly). */
function sameOp(a: Op, b: Op): boolean {
  return a.name === b.name
    && a.operands.length === b.operands.length && a.operands.every((v, i) => v === b.operands[i])
    && a.results.length === b.results.length
    && a.results.every((r, i) => formatType(r.type) === formatType(b.results[i]!.type))
    && attrsEqual(a, b);
}

function walk(region: Region, outer: readonly Scope[], state: CseState): void {
  const scope: Scope = new Map();
  const scopes = [...outer, scope];
  const kept: Op[] = [];
  for (const op of region.ops) {
    op.operands = op.operands.map((v) => (v ? state.replace.get(v) ?? v : v));
    if (isCseCandidate(op)) {
      const key = opKey(op, state);
      const found = findEqual(scopes, key, op);
      if (found) {
        op.results.forEach((r, i) => state.replace.set(r, found.results[i]!));
        state.merged++;
        continue;
      }
      const bucket = scope.get(key);
      if (bucket) bucket.push(op);
      else scope.set(key, [op]);
    }
    for (const r of op.regions) walk(r, scopes, state);
    kept.push(op);
  }
  region.ops = kept;
}

function findEqual(scopes: readonly Scope[], key: string, op: Op): Op | undefined {
  for (const s of scopes) {
    const hit = s.get(key)?.find((c) => sameOp(c, op));
    if (hit) return hit;
  }
  return undefined;
}
