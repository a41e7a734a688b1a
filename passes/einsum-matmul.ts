// einsum-matmul: rewrites einsums that are (batched) matrix products, outer or elementwise
// products, dot products, sums or transposes into matmul / mul / reduce_sum with the transposes,
// reshapes, unsqueezes and squeezes around them (planned in einsum-plan.ts), so the backends run
// them on their tiled GEMM kernels instead of a general per-element einsum loop.
//
// Only f32 einsums are rewritten: the backends' matmul kernels are f32 (wasm refuses f64 matmul
// while its einsum kernel takes f64). Kept as they are: diagonals, three or more operands, and
// anything einsum-plan.ts cannot map exactly for every size of the symbols.
//
// Results: a matmul or a reduce_sum sums in another order than the einsum's one loop and a
// reduce_sum before a matmul rounds to f32 in between, so results agree within f32 rounding, not
// bitwise. Afterwards the module verifies; new ops carry the einsum's location; the einsum's result
// name stays on the value that replaces it. Counters: einsums rewritten per form (matmul, mul, dot,
// copy) and `kept` (f32 einsums left as they are).

import { attr } from '../ir/attrs.js';
import type { Module, Op, Value } from '../ir/ir.js';
import { transposeTensor } from '../ir/ops/shape-common.js';
import type { Tensor } from '../ir/tensor.js';
import type { Pass } from './pass.js';
import { applyRules, rule, type Rewriter } from './rewrite.js';
import { planEinsum, type EinsumPlan, type Step } from './einsum-plan.js';
import { LAYOUT_RULES } from './rules/layout.js';

/** Data-movement steps on a constant, at compile time; undefined when a step computes (reduce_sum). */
function moveConstant(t: Tensor, steps: readonly Step[]): Tensor | undefined {
  for (const s of steps) {
    const dims = [...t.shape];
    switch (s.op) {
      case 'transpose': t = transposeTensor(t, s.perm); continue;
      case 'reduce_sum': return undefined;
      case 'unsqueeze': for (const a of s.axes) dims.splice(a, 0, 1); break;
      case 'squeeze': t = { ...t, shape: dims.filter((_, i) => !s.axes.includes(i)) }; continue;
      case 'reshape': {
        // Specs from reshapeSpec: 0 copies, at most one -1 (inferred).
        const out = s.spec.map((d, i) => (d === 0 ? dims[i]! : d));
        const known = out.reduce((p, d) => (d === -1 ? p : p * d), 1);
        dims.splice(0, dims.length, ...out.map((d) => (d === -1 ? t.data.length / known : d)));
        break;
      }
    }
    t = { ...t, shape: dims };
  }
  return t;
}

function apply(x: Value, steps: readonly Step[], r: Rewriter, constant?: Tensor): Value {
  const moved = constant && steps.length > 0 ? moveConstant(constant, steps) : undefined;
  if (moved) return r.constant(moved, `${x.name}_einsum`);
  for (const s of steps) {
    switch (s.op) {
      case 'transpose': x = r.op('transpose', [x], { attrs: { perm: attr.ints(s.perm) } }); break;
      case 'reshape': x = r.op('reshape', [x, r.ints(s.spec)]); break;
      case 'unsqueeze': x = r.op('unsqueeze', [x, r.ints(s.axes)]); break;
      case 'squeeze': x = r.op('squeeze', [x, r.ints(s.axes)]); break;
      case 'reduce_sum': x = r.op('reduce_sum', [x, r.ints(s.axes)], { attrs: { keepdims: attr.int(0) } }); break;
    }
  }
  return x;
}

/** The plan for `op`, or undefined when it is not an f32 einsum that maps exactly. */
export function einsumPlanOf(op: Op): EinsumPlan | undefined {
  const y = op.results[0]!;
  const xs = op.operands;
  if (y.type.dtype !== 'f32' || !y.type.shape || xs.some((v) => !v || v.type.dtype !== 'f32' || !v.type.shape)) return undefined;
  const eq = op.attrs.get('equation');
  if (eq?.kind !== 'string') return undefined;
  return planEinsum(eq.value, xs.map((v) => v!.type.shape!), y.type.shape);
}

const FORMS = ['matmul', 'mul', 'dot', 'copy'] as const;

const EINSUM_RULES = FORMS.map((form) => rule({
  name: form,
  root: ['einsum'],
  match: (op, m) => {
    const plan = einsumPlanOf(op);
    if (plan?.form !== form) return undefined;
    const xs = op.operands as Value[];
    // A weight used only here is stored already transposed (no copy of shared data).
    const consts = xs.map((x) => (m.uses(x) === 1 || xs.every((y) => y === x) ? m.constant(x) : undefined));
    return { plan, xs, consts };
  },
  rewrite: ({ plan, xs, consts }, r) => {
    const ready = xs.map((x, i) => apply(x, plan.operands[i]!, r, consts[i]));
    if (!plan.combine) return [apply(ready[0]!, plan.after, r)];
    const [a, b] = plan.left === 0 ? ready : [ready[1]!, ready[0]!];
    return [apply(r.op(plan.combine, [a!, b!]), plan.after, r)];
  },
}));

export const einsumMatmulPass: Pass = {
  name: 'einsum-matmul',
  summary: 'Rewrite f32 einsums that are matrix, outer or dot products, sums or transposes into matmul/mul/reduce_sum with transposes and reshapes (diagonals and 3+ operands kept)',
  options: {},
  run(module) {
    if (countEinsums(module) === 0) return { changed: false, counters: {} };
    // The layout rules merge the new transposes and reshapes with those around the einsum.
    const res = applyRules(module, [...EINSUM_RULES, ...LAYOUT_RULES]);
    const kept = countEinsums(module);
    return { changed: res.changed, counters: kept > 0 ? { ...res.counters, kept } : res.counters };
  },
};

function countEinsums(module: Module): number {
  let n = 0;
  const visit = (ops: readonly Op[]): void => {
    for (const op of ops) {
      if (op.name === 'einsum' && op.results[0]!.type.dtype === 'f32') n++;
      for (const g of op.regions) visit(g.ops);
    }
  };
  for (const f of module.funcs) visit(f.body.ops);
  return n;
}
