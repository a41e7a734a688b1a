// tf2onnx's while loops (tf.map_fn, tf.while_loop with maximum_iterations) carry a condition that
// never stops them early: a counter i, carried from a constant c0 and stepped by Add(i, 1), is
// tested `i < n` before the loop (Less(c0, n)) and at the end of every iteration (Less(i + 1, n)),
// while the trip count M is n - c0 itself (both read from the same dims through Shape). The loop
// then runs exactly M times. Dropping the condition (initial one omitted, the body passing its
// condition argument through) keeps that meaning and lets the backends size the scan outputs by M.

import { DTYPE_INFO } from '../../../ir/dtype.js';
import type { Op, Region, Value } from '../../../ir/ir.js';
import { symbolicValue } from '../../../ir/shape-value.js';
import { dimSub } from '../../../ir/symbolic.js';
import type { Dim } from '../../../ir/types.js';
import { UNKNOWN_DIM } from '../../../ir/types.js';
import type { Lowerer } from '../mapping-api.js';

/** The single integer of a constant scalar (or one-element) integer value, else undefined. */
function constInt(v: Value | null | undefined, b: Lowerer): number | undefined {
  const t = v ? b.constantOf(v) : undefined;
  if (!t || t.data.length !== 1 || DTYPE_INFO[t.dtype].kind === 'float' || DTYPE_INFO[t.dtype].kind === 'string') return undefined;
  return Number(t.data[0]);
}

/** The dim a scalar / one-element integer value holds (traced through shape arithmetic), else undefined. */
function dimOf(v: Value | null | undefined): Dim | undefined {
  const d = v ? symbolicValue(v, null) : undefined;
  return d?.length === 1 && d[0] !== UNKNOWN_DIM ? d[0] : undefined;
}

/** `less(a, n)` on integers: [a, n], else undefined. */
function lessOperands(op: Op | null | undefined): [Value, Value] | undefined {
  if (op?.name !== 'less') return undefined;
  const [a, n] = op.operands;
  if (!a || !n || DTYPE_INFO[a.type.dtype].kind === 'float') return undefined;
  return [a, n];
}

/**
 * Whether the loop `(m, cond, ...init)` with `body` runs exactly m times whatever its condition
 * says (see the file comment); when it does, the body's yielded condition is replaced by its
 * condition argument and the caller omits the initial condition.
 */
export function dropRedundantCounterCondition(b: Lowerer, m: Value | null | undefined, cond: Value | null | undefined, init: readonly (Value | null | undefined)[], body: Region): boolean {
  const y = body.terminator;
  const before = lessOperands(cond?.def), after = lessOperands(y?.operands[0]?.def);
  const trips = dimOf(m);
  if (!y || !before || !after || trips === undefined) return false;
  // i + 1, where i is carried argument k and the body yields i + 1 for it.
  const [next, nIn] = after;
  const step = next.def;
  if (step?.name !== 'add' || !body.ops.includes(step)) return false;
  const [p, q] = step.operands;
  const counter = constInt(q, b) === 1 ? p : constInt(p, b) === 1 ? q : undefined;
  const k = counter ? body.args.indexOf(counter) - 2 : -1;
  if (k < 0 || y.operands[1 + k] !== next) return false;
  const c0 = constInt(init[k], b);
  if (c0 === undefined || constInt(before[0], b) !== c0) return false;
  // n must be the same dims before and inside the loop (dims do not change between iterations),
  // and M = n - c0.
  const n0 = dimOf(before[1]), n1 = dimOf(nIn);
  if (n0 === undefined || n0 !== n1 || dimSub(n0, c0) !== trips) return false;
  y.operands[0] = body.args[1]!;
  return true;
}
