// Random modules for property tests.
//
// - arbModule / arbModuleWithInputs: well-typed modules built with the Builder from ops that are
//   registered in the op table (checked when the generator runs, so families written later join
//   in automatically). They verify, and the interpreter can run them on the generated inputs,
//   which is what pass tests need ("the pass keeps the interpreter's results").
// - arbTextModule: structurally random modules for the printer and parser: unregistered op names,
//   attributes of every kind, nested regions with block arguments, omitted operands, duplicate and
//   quoted names, weights of both sources. They do not verify and are never run.
//
// Recipes live in ./recipes.ts; each one adds one op (plus the constants it needs) and is skipped
// when its op is missing or its shape rule refuses the operands it picked.

import fc from 'fast-check';
import { DTYPES, type DType } from '../../ir/dtype.js';
import { TenthError } from '../../ir/diagnostics.js';
import { Func, Module, Op, Region, Value, type WeightStore } from '../../ir/ir.js';
import { getOpDef } from '../../ir/op-def.js';
import { encodeBytes, packedByteLength, sizeOf, type Tensor } from '../../ir/tensor.js';
import type { Dim } from '../../ir/types.js';
import { RECIPES, RecipeCtx, type Recipe } from './recipes.js';
import { arbName, pickOne, arbType, type G, randomAttr, randomLoc, randomShape, randomTensor } from './random-values.js';
import '../../ir/ops/index.js';

export { RECIPES, type Recipe } from './recipes.js';

export interface GenOptions {
  /** Most function arguments (default 3). */
  readonly maxArgs?: number;
  /** Most recipe applications in the function body (default 8). */
  readonly maxOps?: number;
  /** NaN, ±inf and -0 in inputs (default true). Constants always may hold them. */
  readonly specialValues?: boolean;
  /** Restrict to these recipes (by op name); default: every recipe whose op is registered. */
  readonly ops?: readonly string[];
}

export interface ModuleWithInputs {
  readonly module: Module;
  /** One tensor per argument of `main`, matching its declared type (symbols bound consistently). */
  readonly inputs: Tensor[];
}

/** Weight bytes for in-memory modules: inline weights only. */
export const inlineStore: WeightStore = {
  bytes(w) {
    if (w.source.kind !== 'inline') throw new Error(`weight @${w.name} is not inline`);
    return w.source.bytes;
  },
};

/** Recipes whose op (and every op they also need) is in the op table. */
export function availableRecipes(only?: readonly string[]): Recipe[] {
  return RECIPES.filter((r) => (!only || only.includes(r.op)) && [r.op, ...(r.needs ?? [])].every((n) => getOpDef(n)));
}

const ARG_DTYPES: readonly DType[] = ['f32', 'f32', 'f32', 'f64', 'f16'];
const SYMBOLS = ['batch', 'n', 'seq len'];

function buildRealModule(g: G, opts: GenOptions): ModuleWithInputs {
  const m = new Module(g(fc.constantFrom, 'random', 'model.v2', 'm 1'));
  m.store = inlineStore;
  m.meta.set('producer', 'random-module');
  const nArgs = g(fc.integer, { min: 0, max: opts.maxArgs ?? 3 });
  const args = Array.from({ length: nArgs }, (_, i) => {
    const shape: Dim[] = g(fc.array, fc.oneof(fc.integer({ min: 1, max: 4 }), fc.constantFrom(...SYMBOLS)), { maxLength: 3 });
    return new Value(g(fc.constantFrom, `arg${i}`, `/input_${i}`, `x.${i}`), { dtype: g(fc.constantFrom, ...ARG_DTYPES), shape });
  });
  const body = new Region(args);
  const ctx = new RecipeCtx(g, m, body, [...args]);
  const recipes = availableRecipes(opts.ops);
  const n = g(fc.integer, { min: 0, max: opts.maxOps ?? 8 });
  for (let i = 0; i < n && recipes.length > 0; i++) {
    const r = pickOne(g, recipes);
    try {
      const out = r.build(ctx);
      if (out) ctx.pool.push(...out);
    } catch (e) {
      // The shape rule refused what the recipe picked: the Builder added nothing (helper constants may stay).
      if (!(e instanceof TenthError)) throw e;
    }
  }
  if (ctx.pool.length === 0) ctx.pool.push(ctx.constant(randomTensor(g, 'f32', randomShape(g, 2, 3))));
  const k = g(fc.integer, { min: 1, max: Math.min(3, ctx.pool.length) });
  const returned = Array.from({ length: k }, () => ctx.pool[ctx.pool.length - 1 - g(fc.integer, { min: 0, max: Math.min(4, ctx.pool.length - 1) })]!);
  ctx.b.op('return', returned, { results: 0 });
  m.funcs.push(new Func('main', body, returned.map((v, i) => (g(fc.boolean) ? v.name : `out${i}`))));
  return { module: m, inputs: randomInputs(g, args, opts.specialValues ?? true) };
}

/** Inputs for `args`: each symbol gets one size (1..3) shared by every argument. */
export function randomInputs(g: G, args: readonly Value[], special = true): Tensor[] {
  const sizes = new Map<string, number>();
  return args.map((a) => {
    const shape = (a.type.shape ?? []).map((d) => {
      if (typeof d === 'number') return d;
      if (!sizes.has(d)) sizes.set(d, g(fc.integer, { min: 1, max: 3 }));
      return sizes.get(d)!;
    });
    return randomTensor(g, a.type.dtype, shape, special);
  });
}

export function arbModuleWithInputs(opts: GenOptions = {}): fc.Arbitrary<ModuleWithInputs> {
  return fc.gen().map((g) => buildRealModule(g, opts));
}

export function arbModule(opts: GenOptions = {}): fc.Arbitrary<Module> {
  return arbModuleWithInputs(opts).map((x) => x.module);
}

// ---------------------------------------------------------------------------------------------
// Structurally random modules (printer/parser only).

const OP_NAMES = ['foo', 'add', 'conv', 'my.op', 'if', 'loop', 'return', 'yield', 'const', 'x2', 'Weird-Op', '_op', '', 'none'];

function buildTextModule(g: G): Module {
  const m = new Module(g(arbName));
  for (let i = g(fc.integer, { min: 0, max: 3 }); i > 0; i--) m.meta.set(g(arbName), g(arbName));
  for (let i = g(fc.integer, { min: 0, max: 3 }); i > 0; i--) {
    const name = g(arbName);
    const dtype = g(fc.constantFrom, ...DTYPES.filter((d) => d !== 'string'));
    const shape = randomShape(g, 2, 4);
    const source = g(fc.boolean)
      ? { kind: 'inline' as const, bytes: encodeBytes(randomTensor(g, dtype, shape)) }
      : { kind: 'file' as const, path: g(fc.constantFrom, 'model.onnx', 'data/w.bin', 'a "b".bin'), offset: g(fc.nat), length: packedByteLength(dtype, sizeOf(shape)) };
    m.weights.set(name, { name, type: { dtype, shape }, source });
  }
  const weights = [...m.weights.keys()];
  const funcNames = new Set<string>();
  for (let i = g(fc.integer, { min: 1, max: 2 }); i > 0; i--) {
    const name = g(arbName);
    if (funcNames.has(name)) continue;
    funcNames.add(name);
    const body = randomRegion(g, [], 0, 'return', weights);
    const nRet = body.terminator!.operands.length;
    m.funcs.push(new Func(name, body, Array.from({ length: nRet }, () => g(arbName))));
  }
  return m;
}

function randomRegion(g: G, outer: readonly Value[], depth: number, terminator: string, weights: readonly string[]): Region {
  const args = Array.from({ length: g(fc.integer, { min: 0, max: 2 }) }, () => new Value(g(arbName), g(arbType)));
  const visible = [...outer, ...args];
  const ops: Op[] = [];
  const operand = (): Value | null =>
    visible.length === 0 || g(fc.integer, { min: 0, max: 5 }) === 0 ? null : pickOne(g, visible);
  for (let i = g(fc.integer, { min: 0, max: 4 }); i > 0; i--) {
    const operands = Array.from({ length: g(fc.integer, { min: 0, max: 3 }) }, operand);
    const results = Array.from({ length: g(fc.integer, { min: 0, max: 2 }) }, () => new Value(g(arbName), g(arbType)));
    const attrs = new Map(Array.from({ length: g(fc.integer, { min: 0, max: 3 }) }, () => [g(arbName), randomAttr(g, weights)] as const));
    const nRegions = depth < 2 ? g(fc.integer, { min: 0, max: 2 }) : 0;
    const regions = Array.from({ length: nRegions }, () => randomRegion(g, visible, depth + 1, 'yield', weights));
    ops.push(new Op(g(fc.constantFrom, ...OP_NAMES), operands, results, attrs, regions, randomLoc(g)));
    visible.push(...results);
  }
  const ret = Array.from({ length: g(fc.integer, { min: 0, max: 3 }) }, operand);
  ops.push(new Op(terminator, terminator === 'return' ? ret.map((v) => v ?? visible[0] ?? null).filter((v) => v) : ret, [], new Map(), [], randomLoc(g)));
  return new Region(args, ops);
}

export function arbTextModule(): fc.Arbitrary<Module> {
  return fc.gen().map((g) => buildTextModule(g));
}
