// Random modules that exercise each canonicalize rule: every step builds one pattern (an identity
// reshape, x * 1, a transpose chain, conv + batch norm, ...) on values from the pool, mixed with
// the generic recipes, and records which rule(s) may remove it. The property tests then require
// results to stay the same and every recorded pattern to have been rewritten.

import fc from 'fast-check';
import { attr } from '../../ir/attrs.js';
import { TenthError } from '../../ir/diagnostics.js';
import type { DType } from '../../ir/dtype.js';
import { Func, Module, Region, Value, type AttrValue } from '../../ir/ir.js';
import { type Tensor, tensorFrom } from '../../ir/tensor.js';
import type { Dim } from '../../ir/types.js';
import { availableRecipes, inlineStore, randomInputs, type ModuleWithInputs } from '../gen/random-module.js';
import { RecipeCtx } from '../gen/recipes.js';
import { pickOne, randomTensor, type G } from '../gen/random-values.js';
import '../../ir/ops/index.js';

export interface PatternModule extends ModuleWithInputs {
  /** One entry per pattern built: the rules any one of which must fire for it. */
  readonly expect: readonly (readonly string[])[];
}

const DIMS: readonly Dim[] = [1, 2, 3, 4, 'batch', 'n'];
const DTYPES: readonly DType[] = ['f32', 'f32', 'f64', 'f16'];

type Step = (c: RecipeCtx, expect: string[][]) => void;

const staticShape = (v: Value): number[] | undefined =>
  v.type.shape && v.type.shape.every((d): d is number => typeof d === 'number') ? [...v.type.shape] : undefined;
const rank = (v: Value): number => v.type.shape!.length;
const splat = (dtype: DType, shape: readonly number[], x: number): Tensor =>
  tensorFrom(dtype, shape, new Array<number>(shape.reduce((a, b) => a * b, 1)).fill(x));

/** A shape that broadcasts into `v`'s without enlarging it: a suffix with some dims set to 1. */
function constShapeFor(c: RecipeCtx, v: Value): number[] {
  const s = v.type.shape!;
  const n = c.int(0, s.length);
  return s.slice(s.length - n).map((d) => (typeof d === 'number' && c.int(0, 1) ? d : 1));
}

function shuffled(c: RecipeCtx, n: number): number[] {
  return c.g(fc.shuffledSubarray, [...Array(n).keys()], { minLength: n, maxLength: n });
}

/** `n` split into up to three factors, in random order. */
function factorShape(c: RecipeCtx, n: number): number[] {
  const out: number[] = [];
  let rest = n;
  for (let i = c.int(0, 2); i > 0 && rest > 1; i--) {
    const divs = [...Array(rest).keys()].map((d) => d + 1).filter((d) => rest % d === 0);
    const d = pickOne(c.g, divs);
    out.push(d);
    rest /= d;
  }
  out.push(rest);
  return out;
}

const STEPS: readonly Step[] = [
  (c, e) => {
    const x = c.pickFloat();
    if (!x) return;
    c.pool.push(c.b.op1('identity', [x], c.opts('identity')));
    e.push(['identity-op']);
  },
  (c, e) => {
    const x = c.pickFloat((v) => (v.type.shape ?? ['?']).every((d) => d !== '?' && d !== 0));
    if (!x) return;
    const spec = x.type.shape!.map((d) => (typeof d === 'number' ? d : 0));
    c.pool.push(c.b.op1('reshape', [x, c.ints(spec)], c.opts('reshape')));
    e.push(['identity-reshape']);
  },
  (c, e) => {
    const x = c.pickFloat();
    if (!x) return;
    c.pool.push(c.b.op1('transpose', [x], c.opts('transpose', { perm: attr.ints([...Array(rank(x)).keys()]) })));
    e.push(['identity-transpose']);
  },
  (c, e) => {
    const x = c.pickFloat();
    if (!x) return;
    c.pool.push(c.b.op1('cast', [x], c.opts('cast', { to: attr.dtype(x.type.dtype) })));
    e.push(['identity-cast']);
  },
  (c, e) => {
    const x = c.pickFloat((v) => ['f16', 'bf16', 'f32', 'f8e4m3fn'].includes(v.type.dtype));
    if (!x) return;
    const wide = c.b.op1('cast', [x], c.opts('cast', { to: attr.dtype(x.type.dtype === 'f32' ? 'f64' : pickOne(c.g, ['f32', 'f64'])) }));
    c.pool.push(c.b.op1('cast', [wide], c.opts('cast', { to: attr.dtype(x.type.dtype) })));
    e.push(['cast-round-trip']);
  },
  (c) => {
    // Near miss: f32 → f16 → f32 rounds, so it must stay.
    const x = c.pickFloat((v) => v.type.dtype === 'f32');
    if (!x) return;
    const narrow = c.b.op1('cast', [x], c.opts('cast', { to: attr.dtype('f16') }));
    c.pool.push(c.b.op1('cast', [narrow], c.opts('cast', { to: attr.dtype('f32') })));
  },
  (c, e) => {
    const x = c.pickFloat();
    if (!x) return;
    const ratio = c.constant(tensorFrom('f32', [], [0.25]));
    const training = c.int(0, 1) ? [c.constant(tensorFrom('bool', [], [0]))] : [];
    const withMask = c.int(0, 1) === 1 && staticShape(x) !== undefined;
    const r = c.b.op('dropout', [x, ratio, ...training], c.opts('dropout', {}, { results: withMask ? 2 : 1 }));
    c.pool.push(...r);
    e.push(['dropout-inference']);
  },
  ...([['mul', 1, 'mul-by-one', true], ['div', 1, 'div-by-one', false], ['add', -0, 'add-zero', true], ['sub', 0, 'sub-zero', false]] as const)
    .map(([op, k, name, commutes]): Step => (c, e) => {
      const x = c.pickFloat();
      if (!x) return;
      const one = c.constant(splat(x.type.dtype, constShapeFor(c, x), k));
      c.pool.push(c.b.op1(op, commutes && c.int(0, 1) ? [one, x] : [x, one], c.opts(op)));
      e.push([name]);
    }),
  // Near misses that must stay: x + (+0) and x - (-0) change the sign of a -0 (nothing expected;
  // the bitwise comparison catches a rule that takes them).
  ...([['add', 0], ['sub', -0]] as const).map(([op, k]): Step => (c) => {
    const x = c.pickFloat();
    if (!x) return;
    const zero = c.constant(splat(x.type.dtype, constShapeFor(c, x), k));
    c.pool.push(c.b.op1(op, op === 'add' && c.int(0, 1) ? [zero, x] : [x, zero], c.opts(op)));
  }),
  (c, e) => {
    const x = c.pickFloat();
    if (!x) return;
    c.pool.push(c.b.op1('neg', [c.b.op1('neg', [x], c.opts('neg'))], c.opts('neg')));
    e.push(['double-neg']);
  },
  (c, e) => {
    const x = c.pickFloat((v) => rank(v) >= 2);
    if (!x) return;
    const t = c.b.op1('transpose', [x], c.opts('transpose', { perm: attr.ints(shuffled(c, rank(x))) }));
    c.pool.push(c.b.op1('transpose', [t], c.opts('transpose', c.int(0, 2) ? { perm: attr.ints(shuffled(c, rank(x))) } : {})));
    e.push(['transpose-of-transpose', 'identity-transpose']);
  },
  (c, e) => {
    const x = c.pickFloat((v) => staticShape(v) !== undefined && staticShape(v)!.every((d) => d > 0));
    if (!x) return;
    const n = staticShape(x)!.reduce((a, b) => a * b, 1);
    const first = (): Value => {
      switch (c.int(0, 2)) {
        case 0: return c.b.op1('flatten', [x], c.opts('flatten', { axis: attr.int(c.int(0, rank(x))) }));
        case 1: return c.b.op1('unsqueeze', [x, c.ints([c.int(0, rank(x))])], c.opts('unsqueeze'));
        default: return c.b.op1('reshape', [x, c.ints(factorShape(c, n))], c.opts('reshape'));
      }
    };
    const mid = first();
    const spec = factorShape(c, n);
    if (c.int(0, 1)) spec[c.int(0, spec.length - 1)] = -1;
    c.pool.push(c.b.op1('reshape', [mid, c.ints(spec)], c.opts('reshape')));
    e.push(['reshape-chain', 'identity-reshape', 'identity-reshape-like', 'unsqueeze-chain']);
  },
  (c, e) => {
    const x = c.pickFloat((v) => rank(v) <= 3);
    if (!x) return;
    const a = c.int(0, rank(x)), b = c.int(0, rank(x) + 1);
    const u = c.b.op1('unsqueeze', [x, c.ints([a])], c.opts('unsqueeze'));
    c.pool.push(c.b.op1('unsqueeze', [u, c.ints([c.int(0, 1) ? b : b - rank(x) - 2])], c.opts('unsqueeze')));
    e.push(['unsqueeze-chain', 'reshape-chain']);
  },
];

/** Dims for a new argument: static or symbolic, never zero. */
function argShape(g: G): Dim[] {
  return g(fc.array, fc.constantFrom(...DIMS), { minLength: 1, maxLength: 3 });
}

function tryStep(run: () => void): void {
  try { run(); } catch (e) { if (!(e instanceof TenthError)) throw e; }
}

function buildPatterns(g: G): PatternModule {
  const m = new Module('canon');
  m.store = inlineStore;
  const args = Array.from({ length: g(fc.integer, { min: 1, max: 2 }) }, (_, i) =>
    new Value(`arg${i}`, { dtype: g(fc.constantFrom, ...DTYPES), shape: argShape(g) }));
  const body = new Region(args);
  const c = new RecipeCtx(g, m, body, [...args]);
  const recipes = availableRecipes();
  const expect: string[][] = [];
  for (let i = g(fc.integer, { min: 1, max: 8 }); i > 0; i--) {
    if (g(fc.integer, { min: 0, max: 3 }) === 0) {
      tryStep(() => { const out = pickOne(g, recipes).build(c); if (out) c.pool.push(...out); });
    } else {
      // A step records its pattern last, so one its shape rule refused is never expected.
      tryStep(() => pickOne(g, STEPS)(c, expect));
    }
  }
  finish(g, c, body, m);
  return { module: m, inputs: randomInputs(g, args, true), expect };
}

function finish(g: G, c: RecipeCtx, body: Region, m: Module): void {
  const k = g(fc.integer, { min: 1, max: Math.min(3, c.pool.length) });
  const returned = Array.from({ length: k }, (_, i) => c.pool[c.pool.length - 1 - Math.min(i * g(fc.integer, { min: 0, max: 2 }), c.pool.length - 1)]!);
  c.b.op('return', returned, { results: 0 });
  m.funcs.push(new Func('main', body, returned.map((_, i) => `out${i}`)));
}

export function arbPatternModule(): fc.Arbitrary<PatternModule> {
  return fc.gen().map(buildPatterns);
}

// ---------------------------------------------------------------------------------------------
// Contractions followed by batch normalization (the fold changes rounding: compare with a tolerance).

function bnParams(c: RecipeCtx, dtype: DType, ch: number): Value[] {
  const vals = (lo: number, hi: number): Value =>
    c.constant(tensorFrom(dtype, [ch], c.g(fc.array, fc.double({ min: lo, max: hi, noNaN: true }), { minLength: ch, maxLength: ch })));
  return [vals(-2, 2), vals(-2, 2), vals(-2, 2), vals(0.05, 3)];
}

function bn(c: RecipeCtx, y: Value, dtype: DType, ch: number): Value {
  const eps: Record<string, AttrValue> = c.int(0, 1) ? { epsilon: attr.float(c.g(fc.constantFrom, 1e-5, 1e-3, 0.1)) } : {};
  return c.b.op1('batch_normalization', [y, ...bnParams(c, dtype, ch)], c.opts('batch_normalization', eps));
}

const weights = (c: RecipeCtx, dtype: DType, shape: number[]): Value => c.constant(randomTensor(c.g, dtype, shape, false));

function buildBatchNorm(g: G): PatternModule {
  const m = new Module('bn');
  m.store = inlineStore;
  const dtype: DType = g(fc.constantFrom, 'f32', 'f64');
  const kind = g(fc.constantFrom, 'conv', 'gemm', 'matmul');
  const batch: Dim = g(fc.constantFrom, 1, 2, 'batch');
  const ch = g(fc.integer, { min: 1, max: 4 });
  let x: Value;
  const body = new Region();
  const c = new RecipeCtx(g, m, body, []);
  let y: Value;
  if (kind === 'conv') {
    const group = g(fc.constantFrom, 1, 2);
    const cin = group * g(fc.integer, { min: 1, max: 2 }), cout = group * ch;
    const k = g(fc.integer, { min: 1, max: 3 });
    x = new Value('x', { dtype, shape: [batch, cin, g(fc.integer, { min: k, max: 5 }), g(fc.integer, { min: k, max: 5 })] });
    const bias = g(fc.boolean) ? [weights(c, dtype, [cout])] : [];
    const attrs = { group: attr.int(group), pads: attr.ints(g(fc.boolean) ? [1, 0, 1, 0] : [0, 0, 0, 0]), strides: attr.ints([1, g(fc.integer, { min: 1, max: 2 })]) };
    y = c.b.op1('conv', [x, weights(c, dtype, [cout, cin / group, k, k]), ...bias], c.opts('conv', attrs));
    y = bn(c, y, dtype, cout);
  } else {
    const kdim = g(fc.integer, { min: 1, max: 4 });
    x = new Value('x', { dtype, shape: [batch, kdim] });
    if (kind === 'gemm') {
      const transB = g(fc.integer, { min: 0, max: 1 });
      const cShape = g(fc.constantFrom, [ch], [1, ch], [], [1]);
      const cv = g(fc.boolean) ? [weights(c, dtype, cShape)] : [];
      const attrs = { transB: attr.int(transB), alpha: attr.float(g(fc.constantFrom, 1, 0.5, -2)), beta: attr.float(g(fc.constantFrom, 1, 2)) };
      y = c.b.op1('gemm', [x, weights(c, dtype, transB ? [ch, kdim] : [kdim, ch]), ...cv], c.opts('gemm', attrs));
    } else {
      y = c.b.op1('matmul', [x, weights(c, dtype, [kdim, ch])], c.opts('matmul'));
    }
    y = bn(c, y, dtype, ch);
  }
  body.args.push(x);
  const out = g(fc.boolean) ? c.b.op1('relu', [y], c.opts('relu')) : y;
  c.b.op('return', [out], { results: 0 });
  m.funcs.push(new Func('main', body, ['y']));
  return { module: m, inputs: randomInputs(g, [x], false), expect: [[`fold-batchnorm-into-${kind}`]] };
}

export function arbBatchNormModule(): fc.Arbitrary<PatternModule> {
  return fc.gen().map(buildBatchNorm);
}
