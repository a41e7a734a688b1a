// Ops that return their (first) operand unchanged: each rule replaces the op's result by that
// operand. All are exact (bit for bit): the interpreter's kernels for these cases copy elements.

import type { DType } from '../../ir/dtype.js';
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

const SMALL_INTS: readonly DType[] = ['i8', 'u8', 'i16', 'u16'];
const WIDE_FLOATS: readonly DType[] = ['f16', 'bf16', 'f32', 'f64'];
/**
 * Dtypes that hold every value of the key dtype exactly, so casting there and back is the
 * identity (a signalling f32 NaN comes back quiet, the exception passes/README.md accepts). Left
 * out: f8e5m2 (ONNX's saturating cast back may map its ±inf to ±max) and f8e8m0 (its 2^-127 is an
 * f32 subnormal, which the cast back rounds up).
 */
export const EXACT_WIDENINGS: Readonly<Partial<Record<DType, readonly DType[]>>> = {
  f8e4m3fn: WIDE_FLOATS,
  f8e4m3fnuz: WIDE_FLOATS,
  f8e5m2fnuz: WIDE_FLOATS,
  f4e2m1: WIDE_FLOATS,
  f16: ['f32', 'f64'],
  bf16: ['f32', 'f64'],
  f32: ['f64'],
  bool: [...SMALL_INTS, 'i32', 'u32', 'i64', 'u64', 'f16', 'bf16', 'f32', 'f64'],
  i8: ['i16', 'i32', 'i64', 'f32', 'f64'],
  u8: ['u16', 'i16', 'u32', 'i32', 'u64', 'i64', 'f32', 'f64'],
  i16: ['i32', 'i64', 'f32', 'f64'],
  u16: ['u32', 'i32', 'u64', 'i64', 'f32', 'f64'],
  i32: ['i64', 'f64'],
  u32: ['u64', 'i64', 'f64'],
};

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

  // cast<A>(cast<B>(x: A)) → x   when B holds every value of A exactly (f32 → f64 → f32, i8 → i32 → i8, ...)
  rule({
    name: 'cast-round-trip',
    root: ['cast'],
    match: (op, m) => {
      const inner = m.def(op.operands[0], 'cast');
      const x = inner?.operands[0];
      if (!inner || !x || m.attrs(op).dtype('to') !== x.type.dtype) return undefined;
      return EXACT_WIDENINGS[x.type.dtype]?.includes(inner.results[0]!.type.dtype) ? { x } : undefined;
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
