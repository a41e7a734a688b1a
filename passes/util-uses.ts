// Use information for passes: how often each value is used (operands anywhere in a region tree,
// nested regions included) and replacing uses of values by other values.
//
// Values are identified by object (Value), so none of this depends on names. Counting walks the
// ops in order, so everything derived from it is deterministic.

import type { Op, Region, Value } from '../ir/ir.js';

/** Number of operand slots that refer to each value, in `region` and every nested region. */
export function useCounts(region: Region, counts: Map<Value, number> = new Map()): Map<Value, number> {
  for (const op of region.ops) {
    for (const v of op.operands) if (v) counts.set(v, (counts.get(v) ?? 0) + 1);
    for (const r of op.regions) useCounts(r, counts);
  }
  return counts;
}

/** The ops that use each value (an op appears once per operand slot), nested regions included. */
export function userMap(region: Region, users: Map<Value, Op[]> = new Map()): Map<Value, Op[]> {
  for (const op of region.ops) {
    for (const v of op.operands) {
      if (!v) continue;
      const list = users.get(v);
      if (list) list.push(op);
      else users.set(v, [op]);
    }
    for (const r of op.regions) userMap(r, users);
  }
  return users;
}

/**
 * Rewrite every operand `v` with `replace.get(v)` in `region` and its nested regions. Chains are
 * followed (a -> b, b -> c rewrites a to c). Returns the number of operand slots rewritten.
 */
export function replaceUses(region: Region, replace: ReadonlyMap<Value, Value>): number {
  if (replace.size === 0) return 0;
  let n = 0;
  const resolve = (v: Value): Value => {
    let cur = v;
    for (let next = replace.get(cur); next !== undefined && next !== cur; next = replace.get(cur)) cur = next;
    return cur;
  };
  const visit = (r: Region): void => {
    for (const op of r.ops) {
      op.operands = op.operands.map((v) => {
        if (!v) return v;
        const to = resolve(v);
        if (to !== v) n++;
        return to;
      });
      for (const inner of op.regions) visit(inner);
    }
  };
  visit(region);
  return n;
}

/** Number of ops in a region tree (the region's own ops plus everything nested). */
export function countOps(region: Region): number {
  let n = 0;
  for (const op of region.ops) {
    n++;
    for (const r of op.regions) n += countOps(r);
  }
  return n;
}
