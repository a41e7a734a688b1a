// Broadcasting binary ops, declared as tables: arithmetic (with separate number / 32-bit integer /
// bigint kernels), comparisons and boolean logic (one generic kernel, JS relational operators work
// on numbers, bigints and strings alike), plus Pow whose exponent may have another dtype.
//
// Integer division or modulo by zero is undefined in ONNX; here it yields 0 for every integer
// dtype (no trap, deterministic). Mod with fmod=0 takes the sign of the divisor (Python/numpy
// `mod`), fmod=1 the sign of the dividend (C `fmod`, JS `%`).

import type { DType } from '../dtype.js';
import type { AttrReader, AttrSpec, OpDef, Trait } from '../op-def.js';
import { defineOps } from '../op-def.js';
import type { Tensor } from '../tensor.js';
import {
  ALL_NON_STRING, BOOL, type BigFn, type Elem, INTS, NUMERIC, type NumFn, UNSIGNED_INTS,
  broadcastType, checkDType, checkSameDType, isBigDType, isSmallInt, mapTensor, truncOrZero, zipTensors,
} from './elementwise-kernels.js';

interface Kernels {
  /** Floats, and small integers when `int` is absent. */
  readonly num: NumFn;
  /** 8/16/32-bit integers, where the float formula would be inexact or wrong. */
  readonly int?: NumFn;
  /** 64-bit integers. */
  readonly big?: BigFn;
}

interface ArithSpec {
  readonly name: string;
  readonly summary: string;
  readonly types: readonly DType[];
  readonly commutative?: boolean;
  readonly attrs?: Readonly<Record<string, AttrSpec>>;
  readonly kernels: (attrs: AttrReader) => Kernels;
}

/** Floored modulo: the result has the divisor's sign (Python `%`). */
const floorMod: NumFn = (a, b) => {
  const r = a % b;
  return r !== 0 && (r < 0) !== (b < 0) ? r + b : r;
};
const floorModBig: BigFn = (a, b) => {
  if (b === 0n) return 0n;
  const r = a % b;
  return r !== 0n && (r < 0n) !== (b < 0n) ? r + b : r;
};

const ADD: Kernels = { num: (a, b) => a + b, big: (a, b) => a + b };
const SUB: Kernels = { num: (a, b) => a - b, big: (a, b) => a - b };
const MUL: Kernels = { num: (a, b) => a * b, int: Math.imul, big: (a, b) => a * b };
const DIV: Kernels = { num: (a, b) => a / b, int: (a, b) => (b === 0 ? 0 : a / b), big: (a, b) => (b === 0n ? 0n : a / b) };
const MOD_FLOOR: Kernels = { num: floorMod, int: (a, b) => (b === 0 ? 0 : floorMod(a, b)), big: floorModBig };
const MOD_TRUNC: Kernels = { num: (a, b) => a % b, int: (a, b) => (b === 0 ? 0 : a % b), big: (a, b) => (b === 0n ? 0n : a % b) };

const ARITH: readonly ArithSpec[] = [
  { name: 'add', summary: 'Elementwise sum with broadcasting.', types: NUMERIC, commutative: true, kernels: () => ADD },
  { name: 'sub', summary: 'Elementwise difference with broadcasting.', types: NUMERIC, kernels: () => SUB },
  { name: 'mul', summary: 'Elementwise product with broadcasting.', types: NUMERIC, commutative: true, kernels: () => MUL },
  { name: 'div', summary: 'Elementwise quotient; integers truncate toward zero (x/0 = 0).', types: NUMERIC, kernels: () => DIV },
  {
    name: 'mod', summary: 'Elementwise remainder: sign of the divisor (fmod=0) or of the dividend (fmod=1).',
    types: NUMERIC, attrs: { fmod: { kind: 'int', default: 0 } },
    kernels: (at) => (at.int('fmod') === 1 ? MOD_TRUNC : MOD_FLOOR),
  },
  {
    name: 'bitwise_and', summary: 'Bitwise AND of integers.', types: INTS, commutative: true,
    kernels: () => ({ num: (a, b) => a & b, big: (a, b) => a & b }),
  },
  {
    name: 'bitwise_or', summary: 'Bitwise OR of integers.', types: INTS, commutative: true,
    kernels: () => ({ num: (a, b) => a | b, big: (a, b) => a | b }),
  },
  {
    name: 'bitwise_xor', summary: 'Bitwise XOR of integers.', types: INTS, commutative: true,
    kernels: () => ({ num: (a, b) => a ^ b, big: (a, b) => a ^ b }),
  },
  {
    // JS shifts take the count modulo 32, so counts past the width are handled explicitly;
    // the typed-array write drops the bits shifted past 8/16/32.
    name: 'bit_shift', summary: 'Shift unsigned integers LEFT or RIGHT by the second operand.',
    types: UNSIGNED_INTS, attrs: { direction: { kind: 'string', required: true } },
    kernels: (at) => (at.string('direction') === 'LEFT'
      ? { num: (a, b) => (b >= 32 ? 0 : a << b), big: (a, b) => (b >= 64n ? 0n : a << b) }
      : { num: (a, b) => (b >= 32 ? 0 : a >>> b), big: (a, b) => (b >= 64n ? 0n : a >> b) }),
  },
];

function arithDef(spec: ArithSpec): OpDef {
  return {
    name: spec.name,
    summary: spec.summary,
    inputs: [{ name: 'A' }, { name: 'B' }],
    outputs: [{ name: 'C' }],
    attrs: spec.attrs ?? {},
    traits: spec.commutative ? ['pure', 'commutative'] : ['pure'],
    fusion: 'broadcast',
    infer(ctx) {
      if (spec.name === 'bit_shift') {
        const dir = ctx.attrs.string('direction');
        if (dir !== 'LEFT' && dir !== 'RIGHT') ctx.fail(`direction must be LEFT or RIGHT, got '${dir}'`);
      }
      return [broadcastType(ctx, [0, 1], checkSameDType(ctx, [0, 1], spec.types))];
    },
    eval(ctx) {
      const [a, b] = ctx.inputs as Tensor[];
      const k = spec.kernels(ctx.attrs);
      const dtype = ctx.resultTypes[0]!.dtype;
      if (isBigDType(a!.dtype)) {
        if (!k.big) return ctx.fail(`no 64-bit integer kernel`);
        return [zipTensors(ctx, a!, b!, dtype, k.big)];
      }
      return [zipTensors(ctx, a!, b!, dtype, isSmallInt(a!.dtype) && k.int ? k.int : k.num)];
    },
  };
}

interface PredicateSpec {
  readonly name: string;
  readonly summary: string;
  readonly types: readonly DType[];
  readonly commutative?: boolean;
  readonly fn: (a: Elem, b: Elem) => boolean;
}

const PREDICATES: readonly PredicateSpec[] = [
  { name: 'equal', summary: 'Elementwise a == b (NaN is unequal to everything).', types: [...ALL_NON_STRING, 'string'], commutative: true, fn: (a, b) => a === b },
  { name: 'greater', summary: 'Elementwise a > b.', types: NUMERIC, fn: (a, b) => a > b },
  { name: 'greater_or_equal', summary: 'Elementwise a >= b.', types: NUMERIC, fn: (a, b) => a >= b },
  { name: 'less', summary: 'Elementwise a < b.', types: NUMERIC, fn: (a, b) => a < b },
  { name: 'less_or_equal', summary: 'Elementwise a <= b.', types: NUMERIC, fn: (a, b) => a <= b },
  { name: 'and', summary: 'Logical AND of booleans.', types: BOOL, commutative: true, fn: (a, b) => a === 1 && b === 1 },
  { name: 'or', summary: 'Logical OR of booleans.', types: BOOL, commutative: true, fn: (a, b) => a === 1 || b === 1 },
  { name: 'xor', summary: 'Logical XOR of booleans.', types: BOOL, commutative: true, fn: (a, b) => a !== b },
];

function predicateDef(spec: PredicateSpec): OpDef {
  const traits: Trait[] = spec.commutative ? ['pure', 'commutative'] : ['pure'];
  return {
    name: spec.name,
    summary: spec.summary,
    inputs: [{ name: 'A' }, { name: 'B' }],
    outputs: [{ name: 'C' }],
    attrs: {},
    traits,
    fusion: 'broadcast',
    infer(ctx) {
      checkSameDType(ctx, [0, 1], spec.types);
      return [broadcastType(ctx, [0, 1], 'bool')];
    },
    eval: (ctx) => [zipTensors(ctx, ctx.inputs[0]!, ctx.inputs[1]!, 'bool', spec.fn)],
  };
}

// ---------------------------------------------------------------------------------------------
// Pow: the exponent may have a different numeric dtype (opset 12+); the result has the base's.

/** pow as C computes it (pow(1, y) = 1 and pow(-1, ±inf) = 1, where JS gives NaN). */
const powF: NumFn = (x, y) => {
  if (x === 1 || y === 0) return 1;
  if (x === -1 && (y === Infinity || y === -Infinity)) return 1;
  return Math.pow(x, y);
};

/** Integer power modulo 2^32 by squaring; negative exponents give trunc(1 / x^|y|). */
const powI32: NumFn = (x, y) => {
  if (y < 0) return x === 1 ? 1 : x === -1 ? (y % 2 === 0 ? 1 : -1) : 0;
  let r = 1, base = x | 0, e = y;
  while (e > 0) {
    if (e % 2 === 1) r = Math.imul(r, base);
    base = Math.imul(base, base);
    e = Math.floor(e / 2);
  }
  return r;
};

function powBig(x: bigint, y: bigint, unsigned: boolean): bigint {
  const wrap = (v: bigint): bigint => (unsigned ? BigInt.asUintN(64, v) : BigInt.asIntN(64, v));
  if (y < 0n) return x === 1n ? 1n : x === -1n ? (y % 2n === 0n ? 1n : -1n) : 0n;
  let r = 1n, base = x, e = y;
  while (e > 0n) {
    if (e & 1n) r = wrap(r * base);
    base = wrap(base * base);
    e >>= 1n;
  }
  return r;
}

function evalPow(base: Tensor, exp: Tensor, ctx: Parameters<OpDef['eval']>[0]): Tensor {
  const dtype = base.dtype;
  const expIsInt = INTS.includes(exp.dtype);
  if (isBigDType(dtype)) {
    const unsigned = dtype === 'u64';
    if (expIsInt) {
      const e = isBigDType(exp.dtype) ? exp : mapTensor<number, bigint>(exp, 'i64', (v) => BigInt(v));
      return zipTensors<bigint, bigint>(ctx, base, e, dtype, (x, y) => powBig(x, y, unsigned));
    }
    const b = mapTensor<bigint, number>(base, 'f64', Number);
    return zipTensors<number, bigint>(ctx, b, exp, dtype, (x, y) => BigInt(truncOrZero(powF(x, y))));
  }
  const e = isBigDType(exp.dtype) ? mapTensor<bigint, number>(exp, 'f64', Number) : exp;
  if (isSmallInt(dtype)) {
    return zipTensors<number, number>(ctx, base, e, dtype, expIsInt ? powI32 : (x, y) => truncOrZero(powF(x, y)));
  }
  return zipTensors<number, number>(ctx, base, e, dtype, powF);
}

const POW: OpDef = {
  name: 'pow',
  summary: 'Elementwise base^exponent with broadcasting; the exponent may have another numeric dtype.',
  inputs: [{ name: 'X' }, { name: 'Y' }],
  outputs: [{ name: 'Z' }],
  attrs: {},
  traits: ['pure'],
  fusion: 'broadcast',
  infer(ctx) {
    const d = checkDType(ctx, 0, NUMERIC);
    checkDType(ctx, 1, NUMERIC);
    return [broadcastType(ctx, [0, 1], d)];
  },
  eval: (ctx) => [evalPow(ctx.inputs[0]!, ctx.inputs[1]!, ctx)],
};

defineOps(...ARITH.map(arithDef), ...PREDICATES.map(predicateDef), POW);
