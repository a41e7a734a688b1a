// dce: dead code elimination.
//
// Removes every op none of whose results is used (transitively: an op used only by dead ops is
// dead too), in every function and in nested regions (If/Loop/Scan bodies, fused groups), then
// removes module weights that no op refers to any more.
//
// What may be removed: every op of the op table except terminators. Our IR has no side effects:
// ops only compute their results. That includes ops with the 'random' trait: the interpreter seeds
// each random op from its own attributes, so dropping an unused one changes no other value (and
// ONNX gives no guarantee on the random stream anyway). Ops with regions go as a whole, nested ops
// included. Ops missing from the op table are kept (we cannot know what they do).
// Not removed: function arguments and region arguments (signatures stay), unused results of an op
// that has another used result, ops whose eval would fail at run time but whose results are unused
// (removing them turns a run-time error into success, as in any compiler).
//
// Afterwards: every remaining non-terminator op has at least one used result (or is unknown), and
// every module weight is referenced by some op's `weight` attribute.
// Counters: ops-removed (nested ops of a removed op included), weights-removed.

import type { Module, Op, Region, Value } from '../ir/ir.js';
import { getOpDef } from '../ir/op-def.js';
import type { Pass } from './pass.js';
import { countOps } from './util-uses.js';

export const dcePass: Pass = {
  name: 'dce',
  summary: 'Remove ops whose results are unused (in nested regions too) and weights no op refers to.',
  options: {},
  run(module) {
    let opsRemoved = 0;
    for (const f of module.funcs) opsRemoved += sweepRegion(f.body, new Set());
    const weightsRemoved = removeUnusedWeights(module);
    return {
      changed: opsRemoved > 0 || weightsRemoved > 0,
      counters: { 'ops-removed': opsRemoved, 'weights-removed': weightsRemoved },
    };
  },
};

/** True when `op` may be deleted if its results are unused. */
export function isRemovable(op: Op): boolean {
  const def = getOpDef(op.name);
  return def !== undefined && !def.traits.includes('terminator');
}

/**
 * Backward liveness over one region: walking the ops last to first, an op is kept when it is
 * needed (terminator, not removable, or a result is live); a kept op makes its operands live,
 * then its nested regions are swept (their ops may use values of this region, all defined
 * earlier, so they are marked before the walk reaches their definitions). SSA has no back
 * edges (loops carry values through region arguments), so one walk finds every dead op.
 * Returns the number of ops removed, nested ones included.
 */
function sweepRegion(region: Region, live: Set<Value>): number {
  let removed = 0;
  const kept: Op[] = [];
  for (let i = region.ops.length - 1; i >= 0; i--) {
    const op = region.ops[i]!;
    if (isRemovable(op) && !op.results.some((r) => live.has(r))) {
      removed += 1 + op.regions.reduce((n, r) => n + countOps(r), 0);
      continue;
    }
    for (const v of op.operands) if (v) live.add(v);
    for (const r of op.regions) removed += sweepRegion(r, live);
    kept.push(op);
  }
  if (removed > 0) region.ops = kept.reverse();
  return removed;
}

/** Weight names referred to by any attribute of any op, in any function or nested region. */
export function referencedWeights(module: Module): Set<string> {
  const used = new Set<string>();
  const visit = (r: Region): void => {
    for (const op of r.ops) {
      for (const a of op.attrs.values()) if (a.kind === 'weight') used.add(a.value);
      for (const inner of op.regions) visit(inner);
    }
  };
  for (const f of module.funcs) visit(f.body);
  return used;
}

function removeUnusedWeights(module: Module): number {
  const used = referencedWeights(module);
  let n = 0;
  // Deleting from a Map keeps the insertion order of the rest, so the printed order is stable.
  for (const name of [...module.weights.keys()]) {
    if (!used.has(name)) {
      module.weights.delete(name);
      n++;
    }
  }
  return n;
}
