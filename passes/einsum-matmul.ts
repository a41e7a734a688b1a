// einsum-matmul: rewrites einsums that are (batched) matrix products, outer or elementwise
// products, dot products, sums or transposes into matmul / mul / reduce_sum with the transposes,
// reshapes, unsqueezes and squeezes around them (planned in einsum-plan.ts), so the backends run
// them on their tiled GEMM kernels instead of a general per-element einsum loop. A constant operand
// used only by the einsum is stored already transposed/reshaped (no data movement at run time).
//
// Only f32 einsums are rewritten: the backends' matmul kernels are f32 (wasm refuses f64 matmul
// while its einsum kernel takes f64). Three or more operands are first split into two-operand
// einsums contracted left to right. Kept as they are: diagonals, and anything einsum-plan.ts
// cannot map exactly for every size of the symbols. For a target with keepsPlainEinsum (wasm),
// plain static matrix products (plainContraction) stay einsums unless the matmul's B would be a
// constant matrix: wasm's einsum kernel packs B into its register-blocked GEMM on every run, which
// measured 2.5-5x faster than its matmul kernel on a B computed at run time, and 1.4x slower than
// its matmul kernel on a constant B packed at compile time.
//
// Results: a matmul or a reduce_sum sums in another order than the einsum's one loop and a
// reduce_sum before a matmul rounds to f32 in between, so results agree within f32 rounding, not
// bitwise. Afterwards the module verifies; new ops carry the einsum's location; the einsum's result
// name stays on the value that replaces it. Counters: einsums rewritten per form (matmul, mul, dot,
// copy), `split-operands`, the layout rules that merged transposes or reshapes, and `kept` (f32 einsums left).

import { attr } from '../ir/attrs.js';
import type { Module, Op, Value } from '../ir/ir.js';
import { transposeTensor } from '../ir/ops/shape-common.js';
import type { Tensor } from '../ir/tensor.js';
import type { Pass } from './pass.js';
import { applyRules, rule, type Rewriter, type Rule } from './rewrite.js';
import { pairwiseEquations, plainContraction, planEinsum, type EinsumPlan, type Step } from './einsum-plan.js';
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

/**
 * The plan for `op`, or undefined when it is not an f32 einsum that maps exactly. `constant[i]`:
 * operand i is a constant the rewrite can store moved. With `keepsPlain` (wasm), a plain contraction
 * is only rewritten into a matmul whose right operand is such a constant 2-D matrix: its matmul
 * kernel then packs B at compile time and beats the einsum kernel, which packs B on every run
 * (see plainContraction), while for a B computed at run time its einsum kernel is the faster.
 */
export function einsumPlanOf(op: Op, keepsPlain: boolean, constant: readonly boolean[]): EinsumPlan | undefined {
  const y = op.results[0]!;
  const xs = op.operands;
  if (y.type.dtype !== 'f32' || !y.type.shape || xs.some((v) => !v || v.type.dtype !== 'f32' || !v.type.shape)) return undefined;
  const eq = op.attrs.get('equation');
  if (eq?.kind !== 'string') return undefined;
  const shapes = xs.map((v) => v!.type.shape!);
  const packedB = (p: EinsumPlan): boolean => p.combine === 'matmul' && constant[1 - p.left] === true && p.ranks[1 - p.left] === 2;
  const keepGemm = keepsPlain && plainContraction(eq.value, shapes, y.type.shape);
  return planEinsum(eq.value, shapes, y.type.shape, keepGemm ? packedB : undefined, constant);
}

const FORMS = ['matmul', 'mul', 'dot', 'copy'] as const;

// einsum(x0, x1, x2, ...) → einsum(einsum(x0, x1), x2, ...)   (pairwise, see pairwiseEquations;
// the two-operand einsums are then rewritten by the rules below, or kept)
const SPLIT_OPERANDS = rule({
  name: 'split-operands',
  root: ['einsum'],
  match: (op) => {
    const xs = op.operands as Value[];
    const y = op.results[0]!;
    if (y.type.dtype !== 'f32' || xs.some((x) => x.type.dtype !== 'f32' || !x.type.shape)) return undefined;
    const eq = op.attrs.get('equation');
    const eqs = eq?.kind === 'string' ? pairwiseEquations(eq.value, xs.map((x) => x.type.shape!.length)) : undefined;
    return eqs && { xs, eqs };
  },
  rewrite: ({ xs, eqs }, r) => [eqs.reduce((acc, e, i) => r.op('einsum', [acc, xs[i + 1]!], { attrs: { equation: attr.string(e) } }), xs[0]!)],
});

const einsumRules = (keepsPlain: boolean): Rule[] => [SPLIT_OPERANDS, ...FORMS.map((form) => rule({
  name: form,
  root: ['einsum'],
  match: (op, m) => {
    const xs = op.operands as Value[];
    // A weight used only here is stored already moved (no copy of shared data).
    const consts = xs.map((x) => (m.uses(x) === 1 || xs.every((y) => y === x) ? m.constant(x) : undefined));
    const plan = einsumPlanOf(op, keepsPlain, consts.map((c) => c !== undefined));
    return plan?.form === form ? { plan, xs, consts } : undefined;
  },
  rewrite: ({ plan, xs, consts }, r) => {
    const ready = xs.map((x, i) => apply(x, plan.operands[i]!, r, consts[i]));
    if (!plan.combine) return [apply(ready[0]!, plan.after, r)];
    const [a, b] = plan.left === 0 ? ready : [ready[1]!, ready[0]!];
    return [apply(r.op(plan.combine, [a!, b!]), plan.after, r)];
  },
}))];

export const einsumMatmulPass: Pass = {
  name: 'einsum-matmul',
  summary: 'Rewrite f32 einsums that are matrix, outer or dot products, sums or transposes into matmul/mul/reduce_sum with transposes and reshapes (3+ operands pairwise; diagonals kept)',
  options: {},
  run(module, ctx) {
    if (countEinsums(module) === 0) return { changed: false, counters: {} };
    // The layout rules merge the new transposes and reshapes with those around the einsum.
    const res = applyRules(module, [...einsumRules(ctx.target.keepsPlainEinsum === true), ...LAYOUT_RULES]);
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
