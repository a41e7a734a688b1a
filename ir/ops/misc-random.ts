// Random ops: RandomUniform, RandomNormal, their *Like forms, and Bernoulli. Shapes and dtypes
// follow ONNX exactly; the values come from our own generator (mulberry32), seeded from the
// `seed` attribute or a fixed default, so every run of the interpreter is reproducible. They
// cannot match other runtimes' numbers bit for bit (ONNX leaves the generator unspecified).

import type { DType } from '../dtype.js';
import { isFloat } from '../dtype.js';
import type { AttrSpec, EvalCtx, InferCtx, OpDef } from '../op-def.js';
import { defineOps } from '../op-def.js';
import { sizeOf, zeros, type NumericArray, type Tensor } from '../tensor.js';
import type { TensorType } from '../types.js';
import { asF64 } from './attention-util.js';

const DEFAULT_SEED = 0x5eed;

/** A deterministic uniform generator on [0, 1). */
export function makeRng(seed: number): () => number {
  let s = (Math.floor(seed * 1000003) ^ 0x9e3779b9) >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rngFor = (ctx: EvalCtx): (() => number) => makeRng(ctx.attrs.has('seed') ? ctx.attrs.float('seed') : DEFAULT_SEED);

/** Standard normal samples by Box-Muller. */
function normal(rng: () => number): number {
  const u = 1 - rng(), v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

function fillWith(dtype: DType, shape: readonly number[], gen: () => number): Tensor {
  const t = zeros(dtype, shape);
  const d = t.data as NumericArray;
  for (let i = 0; i < d.length; i++) d[i] = gen();
  return t;
}

function checkFloat(ctx: InferCtx, d: DType): DType {
  if (!isFloat(d)) ctx.fail(`dtype must be a float type, got ${d}`);
  return d;
}

type Dist = 'uniform' | 'normal';

function sampler(ctx: EvalCtx, dist: Dist): () => number {
  const rng = rngFor(ctx);
  if (dist === 'uniform') {
    const lo = ctx.attrs.float('low'), hi = ctx.attrs.float('high');
    return () => lo + (hi - lo) * rng();
  }
  const mean = ctx.attrs.float('mean'), scale = ctx.attrs.float('scale');
  return () => mean + scale * normal(rng);
}

const distAttrs = (dist: Dist): Record<string, AttrSpec> =>
  dist === 'uniform'
    ? { low: { kind: 'float', default: 0 }, high: { kind: 'float', default: 1 }, seed: { kind: 'float' } }
    : { mean: { kind: 'float', default: 0 }, scale: { kind: 'float', default: 1 }, seed: { kind: 'float' } };

function generator(dist: Dist): OpDef {
  return {
    name: `random_${dist}`,
    summary: `Tensor of ${dist} random values with a static shape attribute (ONNX Random${dist === 'uniform' ? 'Uniform' : 'Normal'}-22).`,
    inputs: [],
    outputs: [{ name: 'output' }],
    attrs: { ...distAttrs(dist), dtype: { kind: 'dtype', default: 'f32' }, shape: { kind: 'ints', required: true } },
    traits: ['random'],
    fusion: 'opaque',
    infer: (ctx) => [{ dtype: checkFloat(ctx, ctx.attrs.dtype('dtype')), shape: [...ctx.attrs.ints('shape')] }],
    eval: (ctx) => [fillWith(ctx.resultTypes[0]!.dtype, ctx.attrs.ints('shape'), sampler(ctx, dist))],
  };
}

function like(dist: Dist): OpDef {
  return {
    name: `random_${dist}_like`,
    summary: `${dist} random values shaped like the input (ONNX Random${dist === 'uniform' ? 'Uniform' : 'Normal'}Like-22).`,
    inputs: [{ name: 'input' }],
    outputs: [{ name: 'output' }],
    attrs: { ...distAttrs(dist), dtype: { kind: 'dtype' } },
    traits: ['random'],
    fusion: 'opaque',
    infer(ctx): TensorType[] {
      const x = ctx.inputs[0]!;
      return [{ dtype: checkFloat(ctx, ctx.attrs.has('dtype') ? ctx.attrs.dtype('dtype') : x.dtype), shape: x.shape }];
    },
    eval: (ctx) => [fillWith(ctx.resultTypes[0]!.dtype, ctx.inputs[0]!.shape, sampler(ctx, dist))],
  };
}

defineOps(
  generator('uniform'),
  generator('normal'),
  like('uniform'),
  like('normal'),
  {
    name: 'bernoulli',
    summary: 'Draws 0/1 per element with the input as the probability of 1 (ONNX Bernoulli-22).',
    inputs: [{ name: 'input' }],
    outputs: [{ name: 'output' }],
    attrs: { dtype: { kind: 'dtype' }, seed: { kind: 'float' } },
    traits: ['random'],
    fusion: 'opaque',
    infer(ctx) {
      const x = ctx.inputs[0]!;
      checkFloat(ctx, x.dtype);
      return [{ dtype: ctx.attrs.has('dtype') ? ctx.attrs.dtype('dtype') : x.dtype, shape: x.shape }];
    },
    eval(ctx) {
      const x = ctx.inputs[0]!;
      const p = asF64(x);
      const rng = rngFor(ctx);
      const out = zeros(ctx.resultTypes[0]!.dtype, x.shape);
      const d = out.data;
      const big = d instanceof BigInt64Array || d instanceof BigUint64Array;
      for (let i = 0; i < sizeOf(x.shape); i++) {
        const v = rng() < p[i]! ? 1 : 0;
        if (big) (d as BigInt64Array)[i] = BigInt(v); else (d as NumericArray)[i] = v;
      }
      return [out];
    },
  },
);
