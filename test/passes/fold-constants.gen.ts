// Random modules that give fold-constants, cse and dce something to do (the generic random modules
// rarely hold the patterns): constant subgraphs (recipes applied to constants only, so every
// operand is a const), the exporter's Shape -> Gather -> Unsqueeze -> Concat -> Reshape chains
// (on static and symbolic dims), duplicated ops (clones of earlier ops with the same operands and
// attributes) and dead ops, mixed with the generic recipes (If, Loop, ...).
//
// Every generated module is guaranteed to contain at least one foldable op (an add of two fresh
// constants), one duplicate and one dead op, so the property tests can require each pass to
// change something on every run.

import fc from 'fast-check';
import { TenthError } from '../../ir/diagnostics.js';
import { Func, Module, Region, Value } from '../../ir/ir.js';
import { getOpDef } from '../../ir/op-def.js';
import { tensorFrom } from '../../ir/tensor.js';
import { runPipeline } from '../../passes/index.js';
import type { Dim } from '../../ir/types.js';
import { availableRecipes, inlineStore, randomInputs, type ModuleWithInputs } from '../gen/random-module.js';
import { RecipeCtx } from '../gen/recipes.js';
import { pickOne, randomTensor, type G } from '../gen/random-values.js';
import '../../ir/ops/index.js';

const DIMS: readonly Dim[] = [1, 2, 3, 'batch', 'n'];

function build(g: G): ModuleWithInputs {
  const m = new Module('opt');
  m.store = inlineStore;
  const nArgs = g(fc.integer, { min: 1, max: 2 });
  const args = Array.from({ length: nArgs }, (_, i) => {
    const shape = g(fc.array, fc.constantFrom(...DIMS), { minLength: 1, maxLength: 3 });
    return new Value(`arg${i}`, { dtype: 'f32', shape });
  });
  const body = new Region(args);
  const ctx = new RecipeCtx(g, m, body, [...args]);
  const recipes = availableRecipes();
  const steps: ((c: RecipeCtx) => void)[] = [
    (c) => tryStep(() => generic(c, recipes)),
    (c) => tryStep(() => constantSubgraph(c, recipes)),
    (c) => tryStep(() => shapeChain(c)),
    (c) => tryStep(() => duplicate(c)),
  ];
  // The guaranteed patterns, then random steps.
  foldableAdd(ctx);
  for (let i = g(fc.integer, { min: 2, max: 9 }); i > 0; i--) pickOne(g, steps)(ctx);
  duplicate(ctx);
  const k = g(fc.integer, { min: 1, max: Math.min(3, ctx.pool.length) });
  const returned = Array.from({ length: k }, () => ctx.pool[ctx.pool.length - 1 - g(fc.integer, { min: 0, max: Math.min(5, ctx.pool.length - 1) })]!);
  // Dead: used by nothing and never returned.
  ctx.b.op1('neg', [pickOne(g, args)], { names: ['dead'] });
  ctx.b.op('return', returned, { results: 0 });
  m.funcs.push(new Func('main', body, returned.map((_, i) => `out${i}`)));
  return { module: m, inputs: randomInputs(g, args, true) };
}

function tryStep(f: () => void): void {
  try {
    f();
  } catch (e) {
    // A shape rule refused what a recipe picked; the Builder added nothing for that op.
    if (!(e instanceof TenthError)) throw e;
  }
}

function generic(c: RecipeCtx, recipes: ReturnType<typeof availableRecipes>): void {
  const out = pickOne(c.g, recipes).build(c);
  if (out) c.pool.push(...out);
}

/** add(const, const) on small fresh tensors: always folds. */
function foldableAdd(c: RecipeCtx): void {
  const shape = c.g(fc.array, fc.integer({ min: 1, max: 3 }), { maxLength: 2 });
  const a = c.constant(randomTensor(c.g, 'f32', shape));
  const b = c.constant(randomTensor(c.g, 'f32', shape));
  c.pool.push(c.b.op1('add', [a, b]));
}

/** A recipe applied with only constants in the pool, so its op has constant operands. */
function constantSubgraph(c: RecipeCtx, recipes: ReturnType<typeof availableRecipes>): void {
  const saved = c.pool.splice(0);
  try {
    c.pool.push(...saved.filter((v) => v.def?.name === 'const'));
    const dtype = c.g(fc.constantFrom, 'f32' as const, 'f64' as const, 'f16' as const);
    const shape = c.g(fc.array, fc.integer({ min: 1, max: 3 }), { maxLength: 3 });
    c.pool.push(c.constant(randomTensor(c.g, dtype, shape)));
    const r = pickOne(c.g, recipes.filter((x) => x.op !== 'if' && x.op !== 'loop'));
    const out = r.build(c);
    saved.push(...c.pool.filter((v) => !saved.includes(v)), ...(out ?? []));
  } finally {
    c.pool.splice(0, c.pool.length, ...new Set(saved));
  }
}

/** Shape(x) -> Gather(i) -> Unsqueeze -> Concat -> Reshape(x): an identity reshape spelled the exporter's way. */
function shapeChain(c: RecipeCtx): void {
  const x = c.pickFloat((v) => v.type.shape!.length >= 1);
  if (!x) return;
  const rank = x.type.shape!.length;
  const s = c.b.op1('shape', [x]);
  const parts = Array.from({ length: rank }, (_, i) => {
    const useMinusOne = i === rank - 1 && c.int(0, 2) === 0;
    if (useMinusOne) return c.ints([-1]);
    const d = c.b.op1('gather', [s, c.constant(tensorFrom('i64', [], [BigInt(c.int(0, 1) ? i : i - rank)]))], { attrs: { axis: { kind: 'int', value: 0 } } });
    return c.b.op1('unsqueeze', [d, c.ints([0])]);
  });
  const spec = c.b.op1('concat', parts, { attrs: { axis: { kind: 'int', value: 0 } } });
  c.pool.push(c.b.op1('reshape', [x, spec]));
}

/** A clone of an earlier op (same operands, attributes, result types): cse merges it. */
function duplicate(c: RecipeCtx): void {
  const ops = c.b.region.ops.filter((o) => o.regions.length === 0 && o.results.length > 0 && !getOpDef(o.name)!.traits.includes('random'));
  if (ops.length === 0) return;
  const op = pickOne(c.g, ops);
  const out = c.b.op(op.name, [...op.operands], { attrs: op.attrs, results: op.results.length, types: op.results.map((r) => r.type) });
  c.pool.push(...out);
}

export function arbOptModule(): fc.Arbitrary<ModuleWithInputs> {
  return fc.gen().map((g) => build(g));
}

/** Counters of one pass run through the pass manager (verify-each on), keyed by counter name. */
export function runCounters(m: Module, pipeline: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(runPipeline(m, pipeline, { verifyEach: true }).counters)) {
    const name = k.slice(k.indexOf('/') + 1);
    out[name] = (out[name] ?? 0) + v;
  }
  return out;
}
