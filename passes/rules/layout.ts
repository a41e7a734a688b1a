// Data-movement chains: transposes compose, reshape-like ops (reshape, flatten, squeeze,
// unsqueeze) collapse into one reshape. All exact: they only move elements.

import type { Op } from '../../ir/ir.js';
import { attr } from '../../ir/attrs.js';
import type { Dim } from '../../ir/types.js';
import { UNKNOWN_DIM } from '../../ir/types.js';
import { type Matcher, rule } from '../rewrite.js';
import { permOf, sameKnownType } from './identity.js';

export const RESHAPE_LIKE = ['reshape', 'flatten', 'squeeze', 'unsqueeze'];

/**
 * A reshape target (allowzero = 0) that turns `from` into `to` for every run-time size of their
 * symbols: static dims are written out, a symbol at the same position in both is copied with 0,
 * and one remaining dim may be -1 when every other dim is a static non-zero number (so -1 is
 * always inferable). Undefined when no such spec exists.
 */
export function reshapeSpec(from: readonly Dim[] | null, to: readonly Dim[] | null): number[] | undefined {
  if (!from || !to) return undefined;
  let inferred = -1;
  let copies = false;
  const spec = to.map((d, i) => {
    if (typeof d === 'number') return d;
    if (d !== UNKNOWN_DIM && from[i] === d) { copies = true; return 0; }
    if (inferred >= 0) inferred = -2;
    else inferred = i;
    return -1;
  });
  // A literal 0 in `to` would read as "copy"; -1 next to a copied symbol fails when that symbol is 0.
  if (inferred === -2 || to.includes(0) || (inferred >= 0 && copies)) return undefined;
  return spec;
}

/** The shape operand of a reshape when it can be reused on another input: constant and free of
 *  0 entries (or allowzero = 1), so it does not depend on the input's dims. */
function portableShape(op: Op, m: Matcher): boolean {
  if (op.name !== 'reshape') return false;
  if (m.attrs(op).int('allowzero') !== 0) return true;
  const s = m.constant(op.operands[1]);
  return !!s && Array.from(s.data as ArrayLike<number | bigint>).every((v) => Number(v) !== 0);
}

/** Constant, in-range axes of operand `i` normalised to `rank`, or undefined. */
function constAxes(op: Op, i: number, rank: number, m: Matcher): number[] | undefined {
  const t = m.constant(op.operands[i]);
  if (!t) return undefined;
  const axes = Array.from(t.data as ArrayLike<number | bigint>, (v) => Number(v)).map((a) => (a < 0 ? a + rank : a));
  return axes.every((a) => a >= 0 && a < rank) && new Set(axes).size === axes.length ? axes : undefined;
}

/** unsqueeze(unsqueeze(x, a), b): the positions, in the final result, of every inserted dim. */
function unsqueezeAxes(inner: Op, outer: Op, m: Matcher): number[] | undefined {
  const rank = outer.results[0]!.type.shape?.length;
  const midRank = inner.results[0]!.type.shape?.length;
  if (rank === undefined || midRank === undefined) return undefined;
  const b = constAxes(outer, 1, rank, m), a = constAxes(inner, 1, midRank, m);
  if (!a || !b) return undefined;
  // Final positions not inserted by `outer` hold the intermediate dims in order.
  const mid = [...Array(rank).keys()].filter((p) => !b.includes(p));
  return [...b, ...a.map((p) => mid[p]!)].sort((x, y) => x - y);
}

/** squeeze(squeeze(x, a), b): the dims of x both remove. */
function squeezeAxes(inner: Op, outer: Op, m: Matcher): number[] | undefined {
  const rank = inner.operands[0]!.type.shape?.length;
  const midRank = inner.results[0]!.type.shape?.length;
  if (rank === undefined || midRank === undefined || !inner.operands[1] || !outer.operands[1]) return undefined;
  const a = constAxes(inner, 1, rank, m), b = constAxes(outer, 1, midRank, m);
  if (!a || !b) return undefined;
  const kept = [...Array(rank).keys()].filter((p) => !a.includes(p));
  return [...a, ...b.map((p) => kept[p]!)].sort((x, y) => x - y);
}

export const LAYOUT_RULES = [
  // flatten(x) → x, squeeze(x) → x, unsqueeze(x) → x   when the result type is x's type
  rule({
    name: 'identity-reshape-like',
    root: ['flatten', 'squeeze', 'unsqueeze'],
    match: (op) => {
      const x = op.operands[0]!;
      return sameKnownType(op.results[0]!, x) ? { x } : undefined;
    },
    rewrite: ({ x }) => [x],
  }),

  // transpose(transpose(x, p), q) → transpose(x, p∘q)   (p∘q[i] = p[q[i]]; dropped when it is the identity)
  rule({
    name: 'transpose-of-transpose',
    root: ['transpose'],
    match: (op, m) => {
      const inner = m.def(op.operands[0], 'transpose');
      const q = permOf(op, m);
      const p = inner && permOf(inner, m);
      if (!inner || !p || !q) return undefined;
      return { x: inner.operands[0]!, perm: q.map((d) => p[d]!) };
    },
    rewrite: ({ x, perm }, r) => [perm.every((d, i) => d === i) ? x : r.op('transpose', [x], { attrs: { perm: attr.ints(perm) } })],
  }),

  // unsqueeze(unsqueeze(x, a), b) → unsqueeze(x, a ∪ b)   (a renumbered to final positions; any sizes)
  rule({
    name: 'unsqueeze-chain',
    root: ['unsqueeze'],
    match: (op, m) => {
      const inner = m.def(op.operands[0], 'unsqueeze');
      const axes = inner && unsqueezeAxes(inner, op, m);
      return axes && { x: inner.operands[0]!, axes };
    },
    rewrite: ({ x, axes }, r) => [r.op('unsqueeze', [x, r.ints(axes)])],
  }),

  // squeeze(squeeze(x, a), b) → squeeze(x, a ∪ b)   (b renumbered to x's dims; any sizes)
  rule({
    name: 'squeeze-chain',
    root: ['squeeze'],
    match: (op, m) => {
      const inner = m.def(op.operands[0], 'squeeze');
      const axes = inner && squeezeAxes(inner, op, m);
      return axes && { x: inner.operands[0]!, axes };
    },
    rewrite: ({ x, axes }, r) => [r.op('squeeze', [x, r.ints(axes)])],
  }),

  // reshape-like(reshape-like(x)) → reshape(x, s)   (reshape-like: reshape, flatten, squeeze,
  // unsqueeze; s is the outer reshape's own shape when it does not depend on its input, else a
  // spec computed from the types, see reshapeSpec)
  rule({
    name: 'reshape-chain',
    root: RESHAPE_LIKE,
    match: (op, m) => {
      const inner = m.def(op.operands[0], ...RESHAPE_LIKE);
      if (!inner) return undefined;
      const x = inner.operands[0]!;
      if (portableShape(op, m)) return { x, shape: op.operands[1]!, spec: undefined, allowzero: m.attrs(op).int('allowzero') };
      const spec = reshapeSpec(x.type.shape, op.results[0]!.type.shape);
      return spec ? { x, shape: undefined, spec, allowzero: 0 } : undefined;
    },
    rewrite: ({ x, shape, spec, allowzero }, r) => {
      const s = shape ?? r.ints(spec!);
      return [r.op('reshape', [x, s], { attrs: allowzero ? { allowzero: attr.int(allowzero) } : {} })];
    },
  }),
];
