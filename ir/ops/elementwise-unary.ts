// Unary elementwise ops as one table: math functions, activations (with their ONNX attribute
// defaults) and predicates. Each entry gives a float kernel built from the attributes; entries
// that accept integers add exact integer/bigint kernels where the float formula would be wrong.

import type { DType } from '../dtype.js';
import type { AttrReader, AttrSpec, OpDef } from '../op-def.js';
import { defineOps } from '../op-def.js';
import {
  BOOL, FLOATS, INTS, NUMERIC, SIGNED_NUMERIC, checkDType, isBigDType, isSmallInt, mapTensor, truncOrZero,
} from './elementwise-kernels.js';
import { erf, roundHalfEven, sigmoid, softplus } from './elementwise-math.js';

type UnFn = (x: number) => number | boolean;

interface UnarySpec {
  readonly name: string;
  readonly summary: string;
  readonly types: readonly DType[];
  readonly attrs?: Readonly<Record<string, AttrSpec>>;
  /** Kernel for floats (and for small integers unless `int` is given). */
  readonly fn: (at: AttrReader) => UnFn;
  readonly int?: UnFn;
  /** Exact kernel for 64-bit integers; without one they go through Number (fine below 2^53). */
  readonly big?: (x: bigint) => bigint;
  /** Result dtype when it is not the operand's. */
  readonly result?: DType;
}

const f = (fn: UnFn) => (): UnFn => fn;
const alpha = (d: number): Record<string, AttrSpec> => ({ alpha: { kind: 'float', default: d } });
const SQRT1_2 = Math.SQRT1_2;
const SQRT_2_PI = Math.sqrt(2 / Math.PI);

const UNARY: readonly UnarySpec[] = [
  // Math functions (floats only).
  { name: 'acos', summary: 'Arc cosine.', types: FLOATS, fn: f(Math.acos) },
  { name: 'acosh', summary: 'Inverse hyperbolic cosine.', types: FLOATS, fn: f(Math.acosh) },
  { name: 'asin', summary: 'Arc sine.', types: FLOATS, fn: f(Math.asin) },
  { name: 'asinh', summary: 'Inverse hyperbolic sine.', types: FLOATS, fn: f(Math.asinh) },
  { name: 'atan', summary: 'Arc tangent.', types: FLOATS, fn: f(Math.atan) },
  { name: 'atanh', summary: 'Inverse hyperbolic tangent.', types: FLOATS, fn: f(Math.atanh) },
  { name: 'cos', summary: 'Cosine.', types: FLOATS, fn: f(Math.cos) },
  { name: 'cosh', summary: 'Hyperbolic cosine.', types: FLOATS, fn: f(Math.cosh) },
  { name: 'sin', summary: 'Sine.', types: FLOATS, fn: f(Math.sin) },
  { name: 'sinh', summary: 'Hyperbolic sine.', types: FLOATS, fn: f(Math.sinh) },
  { name: 'tan', summary: 'Tangent.', types: FLOATS, fn: f(Math.tan) },
  { name: 'tanh', summary: 'Hyperbolic tangent.', types: FLOATS, fn: f(Math.tanh) },
  { name: 'exp', summary: 'e^x.', types: FLOATS, fn: f(Math.exp) },
  { name: 'log', summary: 'Natural logarithm.', types: FLOATS, fn: f(Math.log) },
  { name: 'sqrt', summary: 'Square root.', types: FLOATS, fn: f(Math.sqrt) },
  { name: 'erf', summary: 'Gauss error function.', types: FLOATS, fn: f(erf) },
  { name: 'ceil', summary: 'Round toward +inf.', types: FLOATS, fn: f(Math.ceil) },
  { name: 'floor', summary: 'Round toward -inf.', types: FLOATS, fn: f(Math.floor) },
  { name: 'round', summary: 'Round to nearest, halves to even.', types: FLOATS, fn: f(roundHalfEven) },
  { name: 'reciprocal', summary: '1 / x.', types: FLOATS, fn: f((x) => 1 / x) },
  // Sign-related ops also take integers.
  { name: 'abs', summary: '|x| (the most negative integer maps to itself).', types: NUMERIC, fn: f(Math.abs), big: (x) => (x < 0n ? -x : x) },
  { name: 'neg', summary: '-x (integers wrap).', types: SIGNED_NUMERIC, fn: f((x) => -x), big: (x) => -x },
  { name: 'sign', summary: '-1, 0 or 1 by the sign of x (NaN stays NaN).', types: NUMERIC, fn: f(Math.sign), big: (x) => (x > 0n ? 1n : x < 0n ? -1n : 0n) },
  { name: 'relu', summary: 'max(x, 0); NaN propagates.', types: SIGNED_NUMERIC, fn: f((x) => Math.max(x, 0)), big: (x) => (x < 0n ? 0n : x) },
  // Activations.
  { name: 'sigmoid', summary: '1 / (1 + e^-x).', types: FLOATS, fn: f(sigmoid) },
  { name: 'softplus', summary: 'ln(1 + e^x), computed without overflow.', types: FLOATS, fn: f(softplus) },
  { name: 'softsign', summary: 'x / (1 + |x|).', types: FLOATS, fn: f((x) => x / (1 + Math.abs(x))) },
  { name: 'hard_swish', summary: 'x * max(0, min(1, x/6 + 1/2)).', types: FLOATS, fn: f((x) => x * Math.max(0, Math.min(1, x / 6 + 0.5))) },
  { name: 'mish', summary: 'x * tanh(softplus(x)).', types: FLOATS, fn: f((x) => x * Math.tanh(softplus(x))) },
  {
    name: 'elu', summary: 'x if x >= 0 else alpha * (e^x - 1).', types: FLOATS, attrs: alpha(1),
    fn: (at) => { const a = at.float('alpha'); return (x) => (x < 0 ? a * Math.expm1(x) : x); },
  },
  {
    name: 'celu', summary: 'max(0, x) + min(0, alpha * (e^(x/alpha) - 1)).', types: FLOATS, attrs: alpha(1),
    fn: (at) => { const a = at.float('alpha'); return (x) => Math.max(0, x) + Math.min(0, a * Math.expm1(x / a)); },
  },
  {
    name: 'selu', summary: 'gamma * x if x > 0 else gamma * alpha * (e^x - 1).', types: FLOATS,
    attrs: { alpha: { kind: 'float', default: 1.67326319217681884765625 }, gamma: { kind: 'float', default: 1.05070102214813232421875 } },
    fn: (at) => {
      const a = at.float('alpha'), g = at.float('gamma');
      return (x) => (x > 0 ? g * x : g * (a * Math.exp(x) - a));
    },
  },
  {
    name: 'hard_sigmoid', summary: 'max(0, min(1, alpha * x + beta)).', types: FLOATS,
    attrs: { alpha: { kind: 'float', default: 0.2 }, beta: { kind: 'float', default: 0.5 } },
    fn: (at) => { const a = at.float('alpha'), b = at.float('beta'); return (x) => Math.max(0, Math.min(1, a * x + b)); },
  },
  {
    name: 'leaky_relu', summary: 'x if x >= 0 else alpha * x.', types: FLOATS, attrs: alpha(0.01),
    fn: (at) => { const a = at.float('alpha'); return (x) => (x < 0 ? a * x : x); },
  },
  {
    name: 'thresholded_relu', summary: 'x if x > alpha else 0.', types: FLOATS, attrs: alpha(1),
    fn: (at) => { const a = at.float('alpha'); return (x) => (x > a ? x : 0); },
  },
  {
    name: 'shrink', summary: 'x + bias if x < -lambd, x - bias if x > lambd, else 0.', types: NUMERIC,
    attrs: { bias: { kind: 'float', default: 0 }, lambd: { kind: 'float', default: 0.5 } },
    fn: (at) => {
      const b = at.float('bias'), l = at.float('lambd');
      return (x) => (x < -l ? x + b : x > l ? x - b : 0);
    },
  },
  {
    name: 'gelu', summary: 'x * Phi(x), exactly (approximate="none") or with the tanh formula.', types: FLOATS,
    attrs: { approximate: { kind: 'string', default: 'none' } },
    fn: (at) => (at.string('approximate') === 'tanh'
      ? (x) => 0.5 * x * (1 + Math.tanh(SQRT_2_PI * (x + 0.044715 * x * x * x)))
      : (x) => 0.5 * x * (1 + erf(x * SQRT1_2))),
  },
  {
    name: 'swish', summary: 'x * sigmoid(alpha * x).', types: FLOATS, attrs: alpha(1),
    fn: (at) => { const a = at.float('alpha'); return (x) => x * sigmoid(a * x); },
  },
  // Predicates and bit/bool negation.
  { name: 'is_nan', summary: 'x is NaN.', types: FLOATS, result: 'bool', fn: f(Number.isNaN) },
  {
    name: 'is_inf', summary: 'x is +inf (detect_positive) or -inf (detect_negative).', types: FLOATS, result: 'bool',
    attrs: { detect_negative: { kind: 'int', default: 1 }, detect_positive: { kind: 'int', default: 1 } },
    fn: (at) => {
      const neg = at.int('detect_negative') !== 0, pos = at.int('detect_positive') !== 0;
      return (x) => (x === Infinity && pos) || (x === -Infinity && neg);
    },
  },
  { name: 'not', summary: 'Logical negation of booleans.', types: BOOL, fn: f((x) => (x ? 0 : 1)) },
  { name: 'bitwise_not', summary: 'Bitwise complement of integers.', types: INTS, fn: f((x) => ~x), big: (x) => ~x },
];

function unaryDef(spec: UnarySpec): OpDef {
  return {
    name: spec.name,
    summary: spec.summary,
    inputs: [{ name: 'X' }],
    outputs: [{ name: 'Y' }],
    attrs: spec.attrs ?? {},
    traits: ['pure'],
    fusion: 'elementwise',
    infer(ctx) {
      if (spec.name === 'gelu') {
        const a = ctx.attrs.string('approximate');
        if (a !== 'none' && a !== 'tanh') ctx.fail(`approximate must be 'none' or 'tanh', got '${a}'`);
      }
      const d = checkDType(ctx, 0, spec.types);
      return [{ dtype: spec.result ?? d, shape: ctx.inputs[0]!.shape }];
    },
    eval(ctx) {
      const x = ctx.inputs[0]!;
      const dtype = ctx.resultTypes[0]!.dtype;
      if (isBigDType(x.dtype)) {
        if (spec.big) return [mapTensor(x, dtype, spec.big)];
        const fn = spec.fn(ctx.attrs);
        return [mapTensor<bigint, bigint>(x, dtype, (v) => BigInt(truncOrZero(Number(fn(Number(v))))))];
      }
      const fn = isSmallInt(x.dtype) && spec.int ? spec.int : spec.fn(ctx.attrs);
      return [mapTensor<number, number | boolean>(x, dtype, fn)];
    },
  };
}

defineOps(...UNARY.map(unaryDef));
