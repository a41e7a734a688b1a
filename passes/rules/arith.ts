// Arithmetic identities. Each is exact in IEEE arithmetic for every input (NaN, ±inf and -0
// included) and in wrapping integer arithmetic; that is why `x + 0` is only rewritten when the
// zero is -0.0 for floats: -0 + (+0) = +0, so `x + (+0) → x` would flip the sign of a -0.
// Deliberately absent: x - neg(y) → x + y and x + neg(y) → x - y. They are equal as numbers,
// but when y is NaN the result's NaN sign bit differs (neg flips it; a NaN operand of add/sub
// passes through unchanged), and results must stay bitwise identical.
// The constant side must not enlarge x by broadcasting: the result must have exactly x's type.

import { isFloat } from '../../ir/dtype.js';
import type { Op, Value } from '../../ir/ir.js';
import { typesEqual } from '../../ir/types.js';
import { broadcastsInto, type Matcher, rule } from '../rewrite.js';

/** x when `op`'s result is exactly x's type and the other operand is a constant that broadcasts into x. */
function keeps(op: Op, x: Value | null, c: Value | null): x is Value {
  return !!x && !!c && typesEqual(op.results[0]!.type, x.type) && broadcastsInto(c.type.shape, x.type.shape);
}

/** The additive identity that keeps every x: -0.0 for floats (x + -0 = x, even for x = -0), 0 for integers. */
const addZero = (v: Value): number => (isFloat(v.type.dtype) ? -0 : 0);

/** Match `x op c` (and `c op x` when `commutes`) where constant c is a splat of `k(x)`. */
function operandWithConst(op: Op, m: Matcher, k: (x: Value) => number, commutes: boolean): { x: Value } | undefined {
  const [a, b] = op.operands;
  if (keeps(op, a!, b!) && m.isSplat(b, k(a!))) return { x: a! };
  if (commutes && keeps(op, b!, a!) && m.isSplat(a, k(b!))) return { x: b! };
  return undefined;
}

export const ARITH_RULES = [
  // x * 1 → x,  1 * x → x
  rule({
    name: 'mul-by-one',
    root: ['mul'],
    match: (op, m) => operandWithConst(op, m, () => 1, true),
    rewrite: ({ x }) => [x],
  }),

  // x / 1 → x
  rule({
    name: 'div-by-one',
    root: ['div'],
    match: (op, m) => operandWithConst(op, m, () => 1, false),
    rewrite: ({ x }) => [x],
  }),

  // x + (-0.0) → x,  (-0.0) + x → x   (integers: x + 0 → x, 0 + x → x)
  rule({
    name: 'add-zero',
    root: ['add'],
    match: (op, m) => operandWithConst(op, m, addZero, true),
    rewrite: ({ x }) => [x],
  }),

  // x - (+0.0) → x   (x - (+0) = x + (-0) = x; integers: x - 0 → x)
  rule({
    name: 'sub-zero',
    root: ['sub'],
    match: (op, m) => operandWithConst(op, m, () => 0, false),
    rewrite: ({ x }) => [x],
  }),

  // neg(neg(x)) → x
  rule({
    name: 'double-neg',
    root: ['neg'],
    match: (op, m) => {
      const inner = m.def(op.operands[0], 'neg');
      return inner ? { x: inner.operands[0]! } : undefined;
    },
    rewrite: ({ x }) => [x],
  }),
];
