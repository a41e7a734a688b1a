// Shared helpers for the nn op tests: run one op through the interpreter, infer types, and
// plain naive reference loops written independently of the kernels under test.

import { Builder } from '../../../ir/builder.js';
import type { AttrValue } from '../../../ir/ir.js';
import { Func, Module, Region, Value } from '../../../ir/ir.js';
import { interpret } from '../../../ir/interp.js';
import type { Tensor } from '../../../ir/tensor.js';
import { toNumbers } from '../../../ir/tensor.js';
import type { Dim, TensorType } from '../../../ir/types.js';
import { verify } from '../../../ir/verify.js';
import '../../../ir/ops/index.js';

/** Build `main(args) { r = op(args); return r }`, verify it and interpret it. */
export function runOp(op: string, inputs: (Tensor | null)[], attrs: Record<string, AttrValue> = {}, results = 1): Tensor[] {
  const m = new Module('t');
  const args = inputs.filter((t): t is Tensor => t !== null).map((t, i) => new Value(`a${i}`, { dtype: t.dtype, shape: [...t.shape] }));
  const body = new Region(args);
  const b = new Builder(body, m);
  let k = 0;
  const operands = inputs.map((t) => (t ? args[k++]! : null));
  const rs = b.op(op, operands, { attrs, results });
  b.op('return', rs, { results: 0 });
  m.funcs.push(new Func('main', body, rs.map((_, i) => `r${i}`)));
  const diags = verify(m);
  if (diags.length) throw new Error(diags.map((d) => d.message).join('\n'));
  return interpret(m, inputs.filter((t): t is Tensor => t !== null));
}

/** Result types of an op from operand types. */
export function inferTypes(op: string, types: (TensorType | null)[], attrs: Record<string, AttrValue> = {}, results = 1): TensorType[] {
  const m = new Module('t');
  const args = types.filter((t): t is TensorType => t !== null).map((t, i) => new Value(`a${i}`, t));
  const b = new Builder(new Region(args), m);
  let k = 0;
  return b.op(op, types.map((t) => (t ? args[k++]! : null)), { attrs, results }).map((v) => v.type);
}

export const shapeOfType = (t: TensorType): readonly Dim[] | null => t.shape;

/** Max |a - b| relative to max(1, |b|), elementwise. */
export function maxRelErr(a: Tensor, b: ArrayLike<number>): number {
  const x = toNumbers(a);
  let e = 0;
  for (let i = 0; i < x.length; i++) e = Math.max(e, Math.abs(x[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  return x.length === b.length ? e : Infinity;
}

/** Deterministic pseudo-random values in [-1, 1) from a seed (keeps fast-check inputs small). */
export function randomValues(n: number, seed: number): number[] {
  let s = (seed * 2654435761) >>> 0 || 1;
  return Array.from({ length: n }, () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return Math.fround((s / 2 ** 32) * 2 - 1);
  });
}

export const prod = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** Naive N-D convolution straight from the definition (explicit pads). */
export function naiveConv(
  x: number[], xs: number[], w: number[], ws: number[], bias: number[] | null,
  o: { group: number; strides: number[]; dilations: number[]; pads: number[] },
): { y: number[]; shape: number[] } {
  const r = xs.length - 2;
  const [N, C] = xs as [number, number];
  const M = ws[0]!, Cg = C / o.group, Mg = M / o.group;
  const k = ws.slice(2), inSp = xs.slice(2);
  const outSp = inSp.map((s, i) => Math.floor((s + o.pads[i]! + o.pads[i + r]! - ((k[i]! - 1) * o.dilations[i]! + 1)) / o.strides[i]!) + 1);
  const shape = [N, M, ...outSp];
  const y = new Array<number>(prod(shape)).fill(0);
  const idx = (dims: number[], at: number[]): number => at.reduce((a, v, i) => a * dims[i]! + v, 0);
  const each = (dims: number[], f: (at: number[]) => void): void => {
    const at = dims.map(() => 0);
    for (let p = 0; p < prod(dims); p++) {
      f(at);
      for (let d = dims.length - 1; d >= 0; d--) { if (++at[d]! < dims[d]!) break; at[d] = 0; }
    }
  };
  each([N, M, ...outSp], (oat) => {
    const [n, m] = oat as [number, number];
    const g = Math.floor(m / Mg);
    let s = bias ? bias[m]! : 0;
    for (let c = 0; c < Cg; c++) {
      each(k, (kat) => {
        const pos = kat.map((kk, i) => oat[i + 2]! * o.strides[i]! - o.pads[i]! + kk * o.dilations[i]!);
        if (pos.some((p, i) => p < 0 || p >= inSp[i]!)) return;
        s += x[idx(xs, [n, g * Cg + c, ...pos])]! * w[idx(ws, [m, c, ...kat])]!;
      });
    }
    y[idx(shape, [...oat])] = s;
  });
  return { y, shape };
}
