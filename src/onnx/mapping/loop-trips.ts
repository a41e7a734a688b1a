// tf2onnx's while loops (tf.map_fn, tf.while_loop) test a counter: i, carried from a constant c0
// and stepped by Add(i, 1), is compared `i < n` before the loop (Less(c0, n)) and at the end of
// every iteration (Less(i + 1, n)), n a dim read through Shape. The loop runs max(n - c0, 0)
// times when its trip count M allows that many: M is n - c0 itself (TF2's maximum_iterations), or
// omitted, or a constant of at least 2^31 - 1 (TF1 loops, rewritten with INT64_MAX). Then the
// condition can be dropped (initial one omitted, the body passing its condition argument through),
// M being n - c0 (computed before the loop where it was not), and the backends size the scan
// outputs by it.

import { attr } from '../../../ir/attrs.js';
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

/** A trip count no int32 counter loop reaches: TF1 loops get INT64_MAX. */
const UNBOUNDED = 2 ** 31 - 1;

/**
 * The loop `(m, cond, ...init)` with `body` when it runs exactly max(n - c0, 0) times as counted
 * (see the file comment): the body's yielded condition is replaced by its condition argument and
 * the trip count to give the loop, with no initial condition, is returned (m, or n - c0 computed
 * here). Anything else: undefined, nothing changed.
 */
export function counterLoopTrips(b: Lowerer, m: Value | null | undefined, cond: Value | null | undefined, init: readonly (Value | null | undefined)[], body: Region): Value | undefined {
  const y = body.terminator;
  const before = lessOperands(cond?.def), after = lessOperands(y?.operands[0]?.def);
  if (!y || !before || !after) return undefined;
  const unbounded = !m || (constInt(m, b) ?? 0) >= UNBOUNDED;
  const trips = unbounded ? undefined : dimOf(m);
  if (!unbounded && trips === undefined) return undefined;
  // i + 1, where i is carried argument k and the body yields i + 1 for it.
  const [next, nIn] = after;
  const step = next.def;
  if (step?.name !== 'add' || !body.ops.includes(step)) return undefined;
  const [p, q] = step.operands;
  const counter = constInt(q, b) === 1 ? p : constInt(p, b) === 1 ? q : undefined;
  const k = counter ? body.args.indexOf(counter) - 2 : -1;
  if (k < 0 || y.operands[1 + k] !== next) return undefined;
  const c0 = constInt(init[k], b);
  if (c0 === undefined || constInt(before[0], b) !== c0) return undefined;
  // n must be the same dims before and inside the loop (dims do not change between iterations),
  // and M = n - c0 unless M is unbounded.
  const n0 = dimOf(before[1]), n1 = dimOf(nIn);
  if (n0 === undefined || n0 !== n1 || (!unbounded && dimSub(n0, c0) !== trips)) return undefined;
  y.operands[0] = body.args[1]!;
  if (!unbounded) return m!;
  const n = b.emit('cast', [before[1]], { to: attr.dtype('i64') })[0]!;
  if (c0 === 0) return n;
  return b.emit('max', [b.emit('sub', [n, b.constInts([c0], [])])[0]!, b.constInts([0], [])])[0]!;
}
