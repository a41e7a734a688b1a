// Elementwise ops with more than two operands or one-sided broadcasting: variadic Max/Min/Sum/Mean,
// Where, Clip (optional bound operands), PRelu (slope broadcast to X) and SwiGLU.

import type { DType } from '../dtype.js';
import type { EvalCtx, OpDef } from '../op-def.js';
import { defineOps } from '../op-def.js';
import type { Tensor } from '../tensor.js';
import { sizeOf, zeros } from '../tensor.js';
import { broadcastIndex } from './util.js';
import {
  ALL_NON_STRING, type BigFn, type Elem, FLOATS, NUMERIC, type NumFn, broadcastType, checkDType, checkSameDType,
  evalShape, isBigDType, isSmallInt, mapTensor, scalarOf, zipTensors,
} from './elementwise-kernels.js';
import { sigmoid } from './elementwise-math.js';

interface VariadicSpec {
  readonly name: string;
  readonly summary: string;
  readonly types: readonly DType[];
  readonly num: NumFn;
  readonly big?: BigFn;
  /** Divide the folded result by the operand count (Mean). */
  readonly mean?: boolean;
}

const VARIADIC: readonly VariadicSpec[] = [
  // Math.max/min propagate NaN, as ONNX (numpy.maximum) requires.
  { name: 'max', summary: 'Elementwise maximum of all operands, with broadcasting; NaN propagates.', types: NUMERIC, num: Math.max, big: (a, b) => (a > b ? a : b) },
  { name: 'min', summary: 'Elementwise minimum of all operands, with broadcasting; NaN propagates.', types: NUMERIC, num: Math.min, big: (a, b) => (a < b ? a : b) },
  { name: 'sum', summary: 'Elementwise sum of all operands, with broadcasting.', types: FLOATS, num: (a, b) => a + b },
  { name: 'mean', summary: 'Elementwise mean of all operands, with broadcasting.', types: FLOATS, num: (a, b) => a + b, mean: true },
];

function variadicDef(spec: VariadicSpec): OpDef {
  return {
    name: spec.name,
    summary: spec.summary,
    inputs: [{ name: 'data', variadic: true }],
    outputs: [{ name: 'result' }],
    attrs: {},
    traits: ['pure', 'commutative'],
    fusion: 'broadcast',
    infer(ctx) {
      const idx = ctx.inputs.map((_, i) => i);
      if (idx.length === 0) ctx.fail('needs at least one operand');
      return [broadcastType(ctx, idx, checkSameDType(ctx, idx, spec.types))];
    },
    eval(ctx) {
      const xs = ctx.inputs as Tensor[];
      const dtype = ctx.resultTypes[0]!.dtype;
      const big = isBigDType(dtype);
      if (big && !spec.big) return ctx.fail('no 64-bit integer kernel');
      let acc: Tensor = mapTensor<Elem, Elem>(xs[0]!, dtype, (v) => v);
      for (const x of xs.slice(1)) {
        acc = big ? zipTensors(ctx, acc, x, dtype, spec.big!) : zipTensors(ctx, acc, x, dtype, spec.num);
      }
      if (spec.mean) {
        const d = acc.data as Float32Array | Float64Array;
        for (let i = 0; i < d.length; i++) d[i] = d[i]! / xs.length;
      }
      return [acc];
    },
  };
}

/** Where: pick X where the condition is true, else Y, broadcasting all three. */
function evalWhere(ctx: EvalCtx): Tensor {
  const [c, x, y] = ctx.inputs as Tensor[];
  const shape = evalShape(ctx, [c!.shape, x!.shape, y!.shape]);
  const out = zeros(x!.dtype, shape);
  const n = sizeOf(shape);
  const cd = c!.data as Uint8Array, xd = x!.data as ArrayLike<Elem>, yd = y!.data as ArrayLike<Elem>;
  const od = out.data as unknown as Elem[];
  const ci = broadcastIndex(c!.shape, shape), xi = broadcastIndex(x!.shape, shape), yi = broadcastIndex(y!.shape, shape);
  if (!ci && !xi && !yi) {
    for (let i = 0; i < n; i++) od[i] = cd[i] ? xd[i]! : yd[i]!;
  } else {
    for (let i = 0; i < n; i++) {
      const k = ci ? ci[i]! : i;
      od[i] = cd[k] ? xd[xi ? xi[i]! : i]! : yd[yi ? yi[i]! : i]!;
    }
  }
  return out;
}

const WHERE: OpDef = {
  name: 'where',
  summary: 'condition ? X : Y elementwise, broadcasting all three operands.',
  inputs: [{ name: 'condition' }, { name: 'X' }, { name: 'Y' }],
  outputs: [{ name: 'output' }],
  attrs: {},
  traits: ['pure'],
  fusion: 'broadcast',
  infer(ctx) {
    checkDType(ctx, 0, ['bool']);
    const d = checkSameDType(ctx, [1, 2], [...ALL_NON_STRING, 'string']);
    return [broadcastType(ctx, [0, 1, 2], d)];
  },
  eval: (ctx) => [evalWhere(ctx)],
};

/** Clip: bounds are optional scalar operands; min > max gives max everywhere (numpy.clip). */
function evalClip(ctx: EvalCtx): Tensor {
  const [x, lo, hi] = ctx.inputs;
  const dtype = x!.dtype;
  if (isBigDType(dtype)) {
    const l = lo ? (scalarOf(lo) as bigint) : null, h = hi ? (scalarOf(hi) as bigint) : null;
    return mapTensor<bigint, bigint>(x!, dtype, (v) => {
      const c = l !== null && v < l ? l : v;
      return h !== null && c > h ? h : c;
    });
  }
  const l = lo ? (scalarOf(lo) as number) : -Infinity, h = hi ? (scalarOf(hi) as number) : Infinity;
  // Comparisons with NaN are false, so a NaN element passes through.
  return mapTensor<number, number>(x!, dtype, (v) => {
    const c = v < l ? l : v;
    return c > h ? h : c;
  });
}

const CLIP: OpDef = {
  name: 'clip',
  summary: 'Limit values to [min, max]; either bound operand may be omitted.',
  inputs: [{ name: 'input' }, { name: 'min', optional: true }, { name: 'max', optional: true }],
  outputs: [{ name: 'output' }],
  attrs: {},
  traits: ['pure'],
  fusion: 'elementwise',
  infer(ctx) {
    const d = checkDType(ctx, 0, NUMERIC);
    for (const i of [1, 2]) {
      const t = ctx.inputs[i];
      if (!t) continue;
      if (t.dtype !== d) ctx.fail(`bound operand ${i} has dtype ${t.dtype}, expected ${d}`);
      if (t.shape && t.shape.some((s) => typeof s === 'number' && s !== 1)) {
        ctx.fail(`bound operand ${i} must be a scalar, got shape [${t.shape.join(',')}]`);
      }
    }
    return [{ dtype: d, shape: ctx.inputs[0]!.shape }];
  },
  eval(ctx) {
    for (const b of ctx.inputs.slice(1)) if (b && b.data.length !== 1) ctx.fail('min and max must have one element');
    return [evalClip(ctx)];
  },
};

const PRELU: OpDef = {
  name: 'prelu',
  summary: 'x if x >= 0 else slope * x; slope broadcasts to the shape of X.',
  inputs: [{ name: 'X' }, { name: 'slope' }],
  outputs: [{ name: 'Y' }],
  attrs: {},
  traits: ['pure'],
  fusion: 'broadcast',
  infer(ctx) {
    const d = checkSameDType(ctx, [0, 1], NUMERIC);
    const t = broadcastType(ctx, [0, 1], d);
    const xs = ctx.inputs[0]!.shape;
    if (xs && t.shape && t.shape.length !== xs.length) ctx.fail(`slope must broadcast to X's shape [${xs.join(',')}]`);
    if (xs && t.shape) {
      t.shape.forEach((dim, i) => {
        if (typeof dim === 'number' && typeof xs[i] === 'number' && dim !== xs[i]) {
          ctx.fail(`slope must broadcast to X's shape [${xs.join(',')}]`);
        }
      });
    }
    return [{ dtype: d, shape: xs }];
  },
  eval(ctx) {
    const [x, s] = ctx.inputs as Tensor[];
    const dtype = x!.dtype;
    if (isBigDType(dtype)) return [zipTensors<bigint, bigint>(ctx, x!, s!, dtype, (v, k) => (v < 0n ? v * k : v))];
    const mul = isSmallInt(dtype) ? Math.imul : (a: number, b: number) => a * b;
    return [zipTensors<number, number>(ctx, x!, s!, dtype, (v, k) => (v < 0 ? mul(v, k) : v))];
  },
};

const SWIGLU: OpDef = {
  name: 'swiglu',
  summary: 'A * sigmoid(alpha * A) * B (Swish-gated linear unit); A and B have one shape.',
  inputs: [{ name: 'A' }, { name: 'B' }],
  outputs: [{ name: 'Y' }],
  attrs: { alpha: { kind: 'float', default: 1 } },
  traits: ['pure'],
  fusion: 'elementwise',
  infer(ctx) {
    const d = checkSameDType(ctx, [0, 1], FLOATS);
    const a = ctx.inputs[0]!.shape, b = ctx.inputs[1]!.shape;
    if (a && b && (a.length !== b.length || a.some((dim, i) => typeof dim === 'number' && typeof b[i] === 'number' && dim !== b[i]))) {
      ctx.fail(`A [${a.join(',')}] and B [${b.join(',')}] must have the same shape`);
    }
    return [{ dtype: d, shape: a ?? b }];
  },
  eval(ctx) {
    const [a, b] = ctx.inputs as Tensor[];
    if (a!.shape.length !== b!.shape.length || a!.shape.some((d, i) => d !== b!.shape[i])) ctx.fail('A and B must have the same shape');
    const al = ctx.attrs.float('alpha');
    return [zipTensors<number, number>(ctx, a!, b!, a!.dtype, (g, v) => g * sigmoid(al * g) * v)];
  },
};

defineOps(...VARIADIC.map(variadicDef), WHERE, CLIP, PRELU, SWIGLU);
