// Shape operands of shape rules: the operand's elements as dims (numbers, dim expressions or '?'),
// through InferCtx.shapeValue (ir/shape-value.ts traces Shape -> Gather -> Concat chains and reads
// small integer graph inputs as data symbols); a ctx without it falls back to constants.

import type { InferCtx } from '../op-def.js';
import type { Dim } from '../types.js';
import { intsOf } from './shape-common.js';

/**
 * Operand i of a shape rule as dims: exact numbers when constant, else traced dims/'?',
 * else undefined (not traceable: the caller falls back to '?' dims).
 */
export function shapeOperand(ctx: InferCtx, i: number): Dim[] | undefined {
  if (!ctx.inputs[i]) return undefined;
  const t = ctx.constant(i);
  if (t) return intsOf(t);
  return ctx.shapeValue?.(i);
}
