// Op recipes for the random module generator: each adds one op of the op table (with whatever
// constants it needs) on values picked from the pool of values built so far. Attribute names follow
// ONNX; attributes the op's schema does not declare are dropped, so recipes survive schema changes.
// A recipe returns the new values, or undefined when the pool has nothing suitable.

import fc from 'fast-check';
import { attr } from '../../ir/attrs.js';
import { DTYPES, type DType, isFloat } from '../../ir/dtype.js';
import { type AttrValue, type Module, Region, Value } from '../../ir/ir.js';
import { Builder, type BuildOptions } from '../../ir/builder.js';
import { getOpDef } from '../../ir/op-def.js';
import { encodeBytes, tensorFrom, type Tensor } from '../../ir/tensor.js';
import { typesEqual } from '../../ir/types.js';
import { arbName, type G, pickOne, randomLoc, randomShape, randomTensor } from './random-values.js';

export interface Recipe {
  /** The op this recipe adds (the recipe is used only when it is registered). */
  readonly op: string;
  /** Other ops the recipe creates (besides const/return/yield). */
  readonly needs?: readonly string[];
  build(ctx: RecipeCtx): Value[] | undefined;
}

export class RecipeCtx {
  readonly b: Builder;
  constructor(readonly g: G, readonly m: Module, region: Region, readonly pool: Value[]) {
    this.b = new Builder(region, m);
  }

  pick(ok: (v: Value) => boolean = () => true): Value | undefined {
    const c = this.pool.filter(ok);
    return c.length ? pickOne(this.g, c) : undefined;
  }

  /** A ranked float value (what most recipes work on). */
  pickFloat(ok: (v: Value) => boolean = () => true): Value | undefined {
    return this.pick((v) => isFloat(v.type.dtype) && v.type.shape !== null && ok(v));
  }

  /** Build options for `op`: a name sometimes, a location, and the attributes its schema knows. */
  opts(op: string, attrs: Record<string, AttrValue> = {}, extra: BuildOptions = {}): BuildOptions {
    const spec = getOpDef(op)?.attrs ?? {};
    const known = Object.entries(attrs).filter(([k, v]) => spec[k]?.kind === v.kind || (spec[k]?.kind === 'tensor' && v.kind === 'weight'));
    const names = extra.results === undefined && this.g(fc.boolean) ? [this.g(arbName)] : undefined;
    return { names, loc: randomLoc(this.g), ...extra, attrs: Object.fromEntries(known) };
  }

  /** A constant, inline or (when it has bytes) backed by a new module weight. */
  constant(t: Tensor, b: Builder = this.b): Value {
    if (t.dtype !== 'string' && this.g(fc.boolean)) {
      let name = this.g(fc.constantFrom, 'fc1.weight', '/conv/W', 'w');
      while (this.m.weights.has(name)) name += `_${this.m.weights.size}`;
      this.m.weights.set(name, { name, type: { dtype: t.dtype, shape: [...t.shape] }, source: { kind: 'inline', bytes: encodeBytes(t) } });
      return b.op1('const', [], this.opts('const', { value: attr.weight(name) }));
    }
    return b.op1('const', [], this.opts('const', { value: attr.tensor(t) }));
  }

  int(min: number, max: number): number { return this.g(fc.integer, { min, max }); }
  ints(values: readonly number[]): Value { return this.constant(tensorFrom('i64', [values.length], values.map(BigInt))); }
}

const rank = (v: Value): number => v.type.shape!.length;
const staticDim = (v: Value, i: number): number | undefined => {
  const d = v.type.shape![i];
  return typeof d === 'number' ? d : undefined;
};

const unary = (op: string, attrs: (ctx: RecipeCtx) => Record<string, AttrValue> = () => ({})): Recipe => ({
  op,
  build(ctx) {
    const x = ctx.pickFloat();
    return x && [ctx.b.op1(op, [x], ctx.opts(op, attrs(ctx)))];
  },
});

/** A second operand that broadcasts with x: x itself, an equal-typed value, or a constant. */
function partner(ctx: RecipeCtx, x: Value): Value {
  const same = ctx.pick((v) => typesEqual(v.type, x.type));
  const choice = ctx.int(0, 2);
  if (choice === 0 && same) return same;
  const shape = x.type.shape!;
  const tail: number[] = [];
  for (let i = shape.length - 1; i >= 0 && typeof shape[i] === 'number' && ctx.int(0, 1) === 1; i--) tail.unshift(shape[i] as number);
  return choice === 1 ? x : ctx.constant(randomTensor(ctx.g, x.type.dtype, tail));
}

const binary = (op: string): Recipe => ({
  op,
  build(ctx) {
    const x = ctx.pickFloat();
    if (!x) return undefined;
    const y = partner(ctx, x);
    return [ctx.b.op1(op, ctx.int(0, 1) ? [x, y] : [y, x], ctx.opts(op))];
  },
});

const floatAttr = (ctx: RecipeCtx, lo: number, hi: number): AttrValue => attr.float(ctx.g(fc.double, { min: lo, max: hi, noNaN: true }));

export const RECIPES: readonly Recipe[] = [
  {
    op: 'const',
    build: (ctx) => [ctx.constant(randomTensor(ctx.g, ctx.g(fc.constantFrom, ...DTYPES), randomShape(ctx.g, 2, 5)))],
  },
  ...['relu', 'tanh', 'neg', 'abs', 'sigmoid', 'exp', 'sqrt', 'floor', 'ceil', 'sin', 'erf', 'softsign', 'identity'].map((op) => unary(op)),
  unary('leaky_relu', (ctx) => ({ alpha: floatAttr(ctx, -1, 1) })),
  unary('elu', (ctx) => ({ alpha: floatAttr(ctx, 0.1, 2) })),
  unary('hard_sigmoid', (ctx) => ({ alpha: floatAttr(ctx, 0, 1), beta: floatAttr(ctx, 0, 1) })),
  ...['add', 'sub', 'mul', 'div', 'max', 'min'].map(binary),
  {
    op: 'where',
    needs: ['less'],
    build(ctx) {
      const x = ctx.pickFloat();
      if (!x) return undefined;
      const y = partner(ctx, x);
      const c = ctx.b.op1('less', [x, y], ctx.opts('less'));
      return [c, ctx.b.op1('where', [c, x, y], ctx.opts('where'))];
    },
  },
  {
    op: 'cast',
    build(ctx) {
      const x = ctx.pickFloat();
      const to: DType = ctx.g(fc.constantFrom, 'f32', 'f16', 'bf16', 'f64');
      return x && [ctx.b.op1('cast', [x], ctx.opts('cast', { to: attr.dtype(to) }))];
    },
  },
  {
    op: 'matmul',
    build(ctx) {
      const x = ctx.pickFloat((v) => rank(v) >= 1 && (staticDim(v, rank(v) - 1) ?? 0) >= 1);
      if (!x) return undefined;
      const k = staticDim(x, rank(x) - 1)!;
      const w = ctx.constant(randomTensor(ctx.g, x.type.dtype, [k, ctx.int(1, 4)], false));
      return [ctx.b.op1('matmul', [x, w], ctx.opts('matmul'))];
    },
  },
  {
    op: 'transpose',
    build(ctx) {
      const x = ctx.pickFloat((v) => rank(v) >= 1);
      if (!x) return undefined;
      const perm = ctx.g(fc.shuffledSubarray, [...Array(rank(x)).keys()], { minLength: rank(x), maxLength: rank(x) });
      return [ctx.b.op1('transpose', [x], ctx.opts('transpose', { perm: attr.ints(perm) }))];
    },
  },
  {
    op: 'reshape',
    build(ctx) {
      const x = ctx.pickFloat((v) => v.type.shape!.every((d) => typeof d === 'number'));
      if (!x) return undefined;
      const size = (x.type.shape as number[]).reduce((a, b) => a * b, 1);
      const shape = ctx.g(fc.constantFrom, [size], [-1], [1, -1], [size, 1]);
      return [ctx.b.op1('reshape', [x, ctx.ints(shape)], ctx.opts('reshape'))];
    },
  },
  {
    op: 'concat',
    build(ctx) {
      const x = ctx.pickFloat((v) => rank(v) >= 1);
      if (!x) return undefined;
      const axis = ctx.int(-rank(x), rank(x) - 1);
      const y = ctx.pick((v) => typesEqual(v.type, x.type)) ?? x;
      return [ctx.b.op1('concat', [x, y], ctx.opts('concat', { axis: attr.int(axis) }))];
    },
  },
  {
    op: 'split',
    build(ctx) {
      const x = ctx.pickFloat((v) => rank(v) >= 1 && (staticDim(v, 0) ?? 0) >= 2);
      if (!x) return undefined;
      return ctx.b.op('split', [x], ctx.opts('split', { axis: attr.int(0), num_outputs: attr.int(2) }, { results: 2 }));
    },
  },
  {
    op: 'clip',
    build(ctx) {
      const x = ctx.pickFloat();
      if (!x) return undefined;
      const bound = ctx.constant(tensorFrom(x.type.dtype, [], [ctx.g(fc.double, { min: -2, max: 2, noNaN: true })]));
      return [ctx.b.op1('clip', ctx.int(0, 1) ? [x, bound, null] : [x, null, bound], ctx.opts('clip'))];
    },
  },
  {
    op: 'softmax',
    build(ctx) {
      const x = ctx.pickFloat((v) => rank(v) >= 1);
      return x && [ctx.b.op1('softmax', [x], ctx.opts('softmax', { axis: attr.int(ctx.int(-rank(x), rank(x) - 1)) }))];
    },
  },
  ...['reduce_sum', 'reduce_mean', 'reduce_max'].map((op): Recipe => ({
    op,
    build(ctx) {
      const x = ctx.pickFloat((v) => rank(v) >= 1);
      if (!x) return undefined;
      const axes = ctx.ints([ctx.int(-rank(x), rank(x) - 1)]);
      return [ctx.b.op1(op, [x, axes], ctx.opts(op, { keepdims: attr.int(ctx.int(0, 1)) }))];
    },
  })),
  {
    op: 'unsqueeze',
    build(ctx) {
      const x = ctx.pickFloat();
      return x && [ctx.b.op1('unsqueeze', [x, ctx.ints([ctx.int(0, rank(x))])], ctx.opts('unsqueeze'))];
    },
  },
  {
    op: 'gather',
    build(ctx) {
      const x = ctx.pickFloat((v) => rank(v) >= 1 && (staticDim(v, 0) ?? 0) >= 1);
      if (!x) return undefined;
      const d = staticDim(x, 0)!;
      const idx = ctx.constant(tensorFrom('i64', [2], [BigInt(ctx.int(0, d - 1)), BigInt(ctx.int(-d, -1))]));
      return [ctx.b.op1('gather', [x, idx], ctx.opts('gather', { axis: attr.int(0) }))];
    },
  },
  {
    op: 'if',
    needs: ['neg'],
    build(ctx) {
      const x = ctx.pickFloat();
      if (!x) return undefined;
      const cond = ctx.constant(tensorFrom('bool', [], [ctx.int(0, 1)]));
      const branch = (negate: boolean): Region => {
        const r = new Region();
        const b = new Builder(r, ctx.m);
        const v = negate ? b.op1('neg', [x], ctx.opts('neg')) : x;
        b.op('yield', [v], { results: 0 });
        return r;
      };
      return ctx.b.op('if', [cond], ctx.opts('if', {}, { results: 1, regions: [branch(ctx.int(0, 1) === 1), branch(true)] }));
    },
  },
  {
    op: 'loop',
    needs: ['add'],
    build(ctx) {
      const x = ctx.pickFloat();
      if (!x) return undefined;
      const trip = ctx.constant(tensorFrom('i64', [], [BigInt(ctx.int(0, 3))]));
      const cond = ctx.constant(tensorFrom('bool', [], [1]));
      const i = new Value('i', { dtype: 'i64', shape: [] });
      const c = new Value('cond', { dtype: 'bool', shape: [] });
      const acc = new Value('acc', x.type);
      const body = new Region([i, c, acc]);
      const b = new Builder(body, ctx.m);
      const next = b.op1('add', [acc, ctx.int(0, 1) ? acc : x], ctx.opts('add'));
      b.op('yield', [c, next], { results: 0 });
      return ctx.b.op('loop', [trip, cond, x], ctx.opts('loop', {}, { results: 1, regions: [body] }));
    },
  },
];
