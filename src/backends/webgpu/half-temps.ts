// With --f16, f32 intermediates are stored as f16 (the half arena AH). An f16 holds finite values
// up to 65504; a larger one stored there would become infinite. Models put such values in on
// purpose: masks of -1e9 added to attention scores, `where(m, x, -1e9)`. Their constants stay f32
// weights (lower.ts), and this finds the values computed from them, which stay f32 in the arena A:
// a value is wide when an op reads an f32 constant with a finite element beyond 65504 or a wide
// value, except
// - ops whose result is bounded whatever their operands (softmax, sigmoid, tanh, ...): the chain
//   ends there (softmax over scores masked with -1e9 is an ordinary probability);
// - min, max and clip do not become wide from a constant: they return an operand or the bound,
//   and a bound beyond f16 is only reached by an operand that is already that large.
// Values computed from the graph inputs alone are assumed to stay within f16's range (docs: an
// overflowing activation becomes +-inf).

import { DATA_SIZED } from '../data-dims.js';
import type { Op, Value } from '../../../ir/ir.js';
import type { Tensor } from '../../../ir/tensor.js';

/** The largest finite f16. */
export const F16_MAX = 65504;

const BOUNDED = new Set(['softmax', 'hardmax', 'sigmoid', 'hard_sigmoid', 'tanh', 'erf', 'sin', 'cos', 'atan', 'softsign', 'sign']);
const PICKS = new Set(['min', 'max', 'clip']);

/** Finite elements beyond f16's range (infinities store exactly as f16 infinities). */
export const beyondF16 = (t: Tensor): boolean => t.dtype === 'f32' && (t.data as Float32Array).some((x) => Number.isFinite(x) && Math.abs(x) > F16_MAX);

/**
 * The canonical values that must stay f32: walks the ops in program order (into fused groups),
 * `canon` naming each value's buffer and `constant` giving the tensor behind a constant.
 */
export function wideValues(ops: readonly Op[], canon: (v: Value) => Value, constant: (v: Value) => Tensor | undefined): Set<Value> {
  const wide = new Set<Value>();
  const big = new Map<Value, boolean>();
  const isBig = (v: Value): boolean => {
    let b = big.get(v);
    if (b === undefined) {
      const t = constant(v);
      b = t !== undefined && beyondF16(t);
      big.set(v, b);
    }
    return b;
  };
  const walk = (list: readonly Op[]): void => list.forEach((op) => {
    if (op.name === 'fused') return walk(op.regions[0]!.ops);
    // A size counted from values (NonZero of 1e-12, NMS scores at a threshold) must not depend on
    // f16 rounding: what these ops read stays f32.
    if (DATA_SIZED.has(op.name)) op.operands.forEach((v) => { if (v?.type.dtype === 'f32') wide.add(canon(v)); });
    if (BOUNDED.has(op.name)) return;
    const taints = op.operands.some((v) => {
      if (!v || v.type.dtype !== 'f32') return false;
      const c = canon(v);
      return wide.has(c) || (!PICKS.has(op.name) && isBig(c));
    });
    if (taints) op.results.forEach((r) => wide.add(canon(r)));
  });
  walk(ops);
  return wide;
}
