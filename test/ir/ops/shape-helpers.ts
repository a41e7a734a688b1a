// Test helpers for the shape family: build main(args...) = op(operands...) where an operand is a
// run-time argument, a constant (so shape rules see its value), or omitted; verify; interpret.

import { expect } from 'vitest';
import { attr } from '../../../ir/attrs.js';
import { Builder } from '../../../ir/builder.js';
import type { AttrValue } from '../../../ir/ir.js';
import { Func, Module, Region, Value } from '../../../ir/ir.js';
import { interpret } from '../../../ir/interp.js';
import type { Tensor } from '../../../ir/tensor.js';
import { tensorFrom, toNumbers } from '../../../ir/tensor.js';
import type { TensorType } from '../../../ir/types.js';
import { verify } from '../../../ir/verify.js';

/** A constant operand (the shape rule can read its value). */
export interface Const { readonly c: Tensor }
export const k = (c: Tensor): Const => ({ c });
export type Operand = Tensor | Const | null;

const isConst = (o: Operand): o is Const => o !== null && 'c' in o;

/** Run one op; returns the inferred result types and the computed tensors. */
export function run(op: string, operands: readonly Operand[], attrs: Record<string, AttrValue> = {}, results = 1): { types: TensorType[]; out: Tensor[] } {
  const m = new Module('t');
  const argTensors = operands.filter((o): o is Tensor => o !== null && !isConst(o));
  const args = argTensors.map((t, i) => new Value(`a${i}`, { dtype: t.dtype, shape: [...t.shape] }));
  const body = new Region(args);
  const b = new Builder(body, m);
  let n = 0;
  const vals = operands.map((o) => {
    if (o === null) return null;
    if (isConst(o)) return b.op1('const', [], { attrs: { value: attr.tensor(o.c) } });
    return args[n++]!;
  });
  const rs = b.op(op, vals, { attrs, results });
  b.op('return', rs, { results: 0 });
  m.funcs.push(new Func('main', body, rs.map((_, i) => `r${i}`)));
  expect(verify(m)).toEqual([]);
  return { types: rs.map((r) => r.type), out: interpret(m, argTensors) };
}

/** Result types only, for operands given as types (symbolic dims) or constants. */
export function inferTypes(op: string, operands: readonly (TensorType | Const | null)[], attrs: Record<string, AttrValue> = {}, results = 1): TensorType[] {
  const m = new Module('t');
  const types = operands.filter((o): o is TensorType => o !== null && !('c' in o));
  const args = types.map((t, i) => new Value(`a${i}`, t));
  const b = new Builder(new Region(args), m);
  let n = 0;
  const vals = operands.map((o) => {
    if (o === null) return null;
    if ('c' in o) return b.op1('const', [], { attrs: { value: attr.tensor(o.c) } });
    return args[n++]!;
  });
  return b.op(op, vals, { attrs, results }).map((r) => r.type);
}

/** Run a one-result op and return it. */
export const one = (op: string, operands: readonly Operand[], attrs: Record<string, AttrValue> = {}): Tensor => run(op, operands, attrs).out[0]!;

export const f32 = (shape: number[], v: number[]): Tensor => tensorFrom('f32', shape, v);
export const i64 = (shape: number[], v: number[]): Tensor => tensorFrom('i64', shape, v);
export const i32 = (shape: number[], v: number[]): Tensor => tensorFrom('i32', shape, v);
/** 0..n-1 as f32 of the given shape. */
export const iota = (shape: number[]): Tensor => f32(shape, Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i));
export const nums = toNumbers;
export { attr };
