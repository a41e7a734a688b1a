// plan-memory: picks each function's execution order, then places every intermediate tensor in
// one arena, reusing memory between tensors that are never live at the same time.
//
// What it does (see memory-*.ts for each step):
//   1. order: reorders the top-level ops of the function body into the topological order with
//      the smallest arena among the original order, a greedy list schedule and a Sethi-Ullman-like
//      post-order (memory-order.ts). Nested regions keep their order.
//   2. liveness and in-place reuse over that order (memory-liveness.ts; the rule for which ops may
//      write over a dying operand is written there).
//   3. offsets in one arena, aligned to `alignment` (default: the target's), by the best of
//      greedy-by-size, best-fit-by-time and greedy-by-breadth placements (memory-arena.ts).
// The lower bound reported is the largest total of bytes live at one op of the chosen order
// (a buffer written in place over its operand counted once); naive = every buffer on its own.
// Buffers are the results of top-level ops except consts (weights live elsewhere). Function
// arguments are not in the arena (the caller owns the inputs); function results are, and stay
// live to the end. Symbolic dims take sizes from `bind` (`batch:1;seq:128`), else `default-dim`;
// buffers of unknown size (`?` dims, unranked, strings, or symbols when default-dim=0) are left
// unplanned (counter `unplanned`, offset -1).
//
// Afterwards: every top-level op except consts and the terminator carries
//   mem.offset = [byte offset per result, -1 if unplanned], mem.size = [bytes per result, -1 if
//   unplanned], and mem.inplace = [operand slot written over per result, -1 if none] when some
//   result reuses an operand's buffer;
// the terminator carries mem.arena (arena bytes), mem.align, and mem.bind when symbols were sized.
// Earlier mem.* annotations are replaced. The interpreter's results are unchanged (only the order
// of independent ops changes).

import { attr } from '../ir/attrs.js';
import type { Func, Module, Op } from '../ir/ir.js';
import type { Pass, PassContext, PassOptions, PassResult } from './pass.js';
import { PLACEMENTS, type PlacementStrategy } from './memory-arena.js';
import { allocates, isTerminator } from './memory-liveness.js';
import { ORDERS, type OrderStrategy } from './memory-order.js';
import { planMemory, type MemoryPlan, type PlanOptions } from './memory-plan.js';
import { parseBindings } from './memory-sizes.js';
import { fail } from '../ir/diagnostics.js';

export { planMemory, type MemoryPlan, type PlannedBuffer, type PlanOptions } from './memory-plan.js';

/** Plan options from the pass's options and the target. */
export function planOptionsFrom(ctx: PassContext, options: PassOptions): PlanOptions {
  const alignment = Number(options['alignment'] ?? 0) || ctx.target.alignment;
  if (!Number.isInteger(alignment) || alignment < 1) fail('E108', `plan-memory: alignment must be a positive integer, got ${alignment}`);
  const defaultDim = Number(options['default-dim'] ?? 1);
  if (!Number.isInteger(defaultDim) || defaultDim < 0) fail('E108', `plan-memory: default-dim must be an integer >= 0, got ${defaultDim}`);
  return {
    alignment,
    bind: parseBindings(String(options['bind'] ?? '')),
    defaultDim,
    order: String(options['order'] ?? 'auto') as OrderStrategy | 'auto',
    placement: String(options['placement'] ?? 'auto') as PlacementStrategy | 'auto',
    inPlace: options['in-place'] !== false,
  };
}

function stripAnnotations(ops: readonly Op[]): void {
  for (const op of ops) for (const k of [...op.attrs.keys()]) if (k.startsWith('mem.')) op.attrs.delete(k);
}

const annotationText = (ops: readonly Op[]): string =>
  ops.map((op) => [...op.attrs].filter(([k]) => k.startsWith('mem.')).map(([k, v]) => `${k}=${JSON.stringify(v.value)}`).join(' ')).join('\n');

function annotate(func: Func, plan: MemoryPlan): void {
  const byValue = new Map(plan.buffers.map((b) => [b.value, b]));
  for (const op of plan.order) {
    if (isTerminator(op)) {
      op.attrs.set('mem.arena', attr.int(plan.peak));
      op.attrs.set('mem.align', attr.int(plan.alignment));
      if (plan.bindings) op.attrs.set('mem.bind', attr.string(plan.bindings));
      continue;
    }
    if (!allocates(op)) continue;
    const bs = op.results.map((v) => byValue.get(v));
    op.attrs.set('mem.offset', attr.ints(bs.map((b) => b?.offset ?? -1)));
    op.attrs.set('mem.size', attr.ints(bs.map((b) => b?.size ?? -1)));
    if (bs.some((b) => b?.inPlaceOperand != null)) op.attrs.set('mem.inplace', attr.ints(bs.map((b) => b?.inPlaceOperand ?? -1)));
  }
  func.body.ops = plan.order;
}

export const planMemoryPass: Pass = {
  name: 'plan-memory',
  summary: 'Pick a low-memory execution order and place intermediate tensors in one arena (mem.offset annotations)',
  options: {
    alignment: { type: 'int', default: 0, summary: 'Offset alignment in bytes (0 = the target profile\'s alignment)' },
    bind: { type: 'string', default: '', summary: 'Sizes of symbolic dims, e.g. batch:1;seq:128' },
    'default-dim': { type: 'int', default: 1, summary: 'Size of a symbol not in bind (0 = leave such buffers unplanned)' },
    order: { type: 'string', default: 'auto', summary: 'Execution order strategy (auto = the best)', choices: ['auto', ...ORDERS] },
    placement: { type: 'string', default: 'auto', summary: 'Offset assignment heuristic (auto = the best)', choices: ['auto', ...PLACEMENTS] },
    'in-place': { type: 'bool', default: true, summary: 'Let elementwise and reshape-like ops write over an operand that dies there' },
  },
  run(module: Module, ctx: PassContext, options: PassOptions): PassResult {
    const opts = planOptionsFrom(ctx, options);
    const counters = { 'peak-bytes': 0, 'lower-bound-bytes': 0, 'naive-bytes': 0, buffers: 0, 'in-place': 0, unplanned: 0, 'ops-moved': 0 };
    let changed = false;
    for (const func of module.funcs) {
      const before = [...func.body.ops];
      const oldText = annotationText(before);
      stripAnnotations(before);
      const plan = planMemory(func, opts);
      annotate(func, plan);
      const moved = plan.order.filter((op, i) => op !== before[i]).length;
      changed ||= moved > 0 || annotationText(plan.order) !== oldText;
      counters['peak-bytes'] += plan.peak;
      counters['lower-bound-bytes'] += plan.lowerBound;
      counters['naive-bytes'] += plan.naive;
      counters.buffers += plan.buffers.length;
      counters['in-place'] += plan.inPlace;
      counters.unplanned += plan.unplanned.length;
      counters['ops-moved'] += moved;
    }
    return { changed, counters };
  },
};
