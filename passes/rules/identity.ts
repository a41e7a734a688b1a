// Ops that return their (first) operand unchanged: each rule replaces the op's result by that
// operand. All are exact (bit for bit): the interpreter's kernels for these cases copy elements.

import type { Op, Value } from '../../ir/ir.js';
import type { Dim } from '../../ir/types.js';
import { typesEqual, UNKNOWN_DIM } from '../../ir/types.js';
import { tensorFrom } from '../../ir/tensor.js';
import { type Matcher, rule } from '../rewrite.js';

/** `v`'s type equals `like`'s, with no unknown (`?`) dims that could hide a difference. */
export function sameKnownType(v: Value, like: Value): boolean {
  return typesEqual(v.type, like.type) && v.type.shape !== null && !v.type.shape.includes(UNKNOWN_DIM);
}

/** A transpose's permutation (default: reversed dims), or undefined when the rank is unknown. */
export function permOf(op: Op, m: Matcher): number[] | undefined {
  const rank = op.operands[0]!.type.shape?.length;
  if (rank === undefined) return undefined;
  const a = m.attrs(op);
  if (!a.has('perm')) return [...Array(rank).keys()].reverse();
  const p = a.ints('perm');
  return p.map((d) => (d < 0 ? d + rank : d));
}

const isIdentityPerm = (p: readonly number[]): boolean => p.every((d, i) => d === i);

export const IDENTITY_RULES = [
  // identity(x) → x
  rule({
    name: 'identity-op',
    root: ['identity'],
    match: (op) => ({ x: op.operands[0]! }),
    rewrite: ({ x }) => [x],
  }),

  // reshape(x, s) → x   when the result type is x's type (every dim known or the same symbol)
  rule({
    name: 'identity-reshape',
    root: ['reshape'],
    match: (op) => {
      const x = op.operands[0]!;
      return sameKnownType(op.results[0]!, x) ? { x } : undefined;
    },
    rewrite: ({ x }) => [x],
  }),

  // transpose(x, perm) → x   when perm = [0, 1, ..., n-1]
  rule({
    name: 'identity-transpose',
    root: ['transpose'],
    match: (op, m) => {
      const p = permOf(op, m);
      return p && isIdentityPerm(p) ? { x: op.operands[0]! } : undefined;
    },
    rewrite: ({ x }) => [x],
  }),

  // cast<T>(x: T) → x
  rule({
    name: 'identity-cast',
    root: ['cast'],
    match: (op, m) => {
      const x = op.operands[0]!;
      return m.attrs(op).dtype('to') === x.type.dtype ? { x } : undefined;
    },
    rewrite: ({ x }) => [x],
  }),

  // dropout(x) → x, mask → all-true constant   (inference: no training_mode, or it is a constant
  // false, or the ratio is a constant 0). A used mask needs a static shape for its constant.
  rule({
    name: 'dropout-inference',
    root: ['dropout'],
    match: (op, m) => {
      const [x, ratio, training] = op.operands;
      if (training) {
        const t = m.constant(training);
        if (!t || t.data.length !== 1) return undefined;
        if (Number(t.data[0]) !== 0 && !m.isSplat(ratio, 0)) return undefined;
      }
      const mask = op.results[1];
      const maskShape = mask && m.uses(mask) > 0 ? staticShape(mask.type.shape) : [];
      if (!maskShape) return undefined;
      return { x: x!, mask: mask && m.uses(mask) > 0 ? maskShape : undefined };
    },
    rewrite: ({ x, mask }, r) => {
      const out: (Value | undefined)[] = [x];
      if (r.root.results.length > 1) {
        out.push(mask ? r.constant(tensorFrom('bool', mask, new Array<number>(mask.reduce((a, b) => a * b, 1)).fill(1)), 'mask') : undefined);
      }
      return out;
    },
  }),

  // concat(x) → x, sum(x) → x, mean(x) → x, max(x) → x, min(x) → x   (a single operand)
  rule({
    name: 'single-operand',
    root: ['concat', 'sum', 'mean', 'max', 'min'],
    match: (op) => {
      const x = op.operands[0];
      return op.operands.length === 1 && x && typesEqual(x.type, op.results[0]!.type) ? { x } : undefined;
    },
    rewrite: ({ x }) => [x],
  }),

  // expand(x, s) → x   when the result type is x's type (nothing is broadcast)
  rule({
    name: 'identity-expand',
    root: ['expand'],
    match: (op) => {
      const x = op.operands[0]!;
      return sameKnownType(op.results[0]!, x) ? { x } : undefined;
    },
    rewrite: ({ x }) => [x],
  }),
];

function staticShape(s: readonly Dim[] | null): number[] | undefined {
  return s && s.every((d): d is number => typeof d === 'number') ? [...s] : undefined;
}
