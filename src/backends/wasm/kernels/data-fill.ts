// Ops that make tensors from scalars: range (start + i * delta, the element count from the result
// type, so a symbolic length works) and constant_of_shape (the `value` attribute's element
// repeated; the shape operand is only read through the result type).

import type { Op } from '../../../../ir/ir.js';
import { addr } from '../emitter.js';
import type { KernelCtx, KernelDef } from '../kernel-api.js';
import { DTS } from './generic-elementwise.js';
import { elem } from './dtype-codec.js';

function emitRange(k: KernelCtx, op: Op): void {
  const y = op.results[0]!;
  const [a, , c] = op.operands;
  if (y.type.dtype === 'f16' || y.type.dtype === 'bf16') { emitRangeHalf(k, op); return; }
  const dt = DTS[y.type.dtype];
  if (!dt) k.fail(op, `range on ${y.type.dtype} is not supported by the wasm backend`);
  const ld = (v: NonNullable<typeof a>): string => `(${dt.load} ${k.ptr(v)})`;
  const em = k.em;
  em.comment(`range ${y.type.dtype}`);
  em.loop('i', k.size(k.dims(y)), (i) => {
    let v: string;
    // Floats: start + i * delta in f64, rounded once (as the interpreter does).
    if (dt.t === 'f32') v = `(f32.demote_f64 (f64.add (f64.promote_f32 ${ld(a!)}) (f64.mul (f64.convert_i32_u ${i}) (f64.promote_f32 ${ld(c!)}))))`;
    else if (dt.t === 'f64') v = `(f64.add ${ld(a!)} (f64.mul (f64.convert_i32_u ${i}) ${ld(c!)}))`;
    else if (dt.t === 'i64') v = `(i64.add ${ld(a!)} (i64.mul (i64.extend_i32_u ${i}) ${ld(c!)}))`;
    else v = `(i32.add ${ld(a!)} (i32.mul ${i} ${ld(c!)}))`;
    em.line(`(${dt.store} ${addr(k.ptr(y), i, dt.size)} ${v})`);
  });
}

/** f16/bf16: start + i * delta in f64 from the decoded scalars, then rounded to f32 and encoded. */
function emitRangeHalf(k: KernelCtx, op: Op): void {
  const y = op.results[0]!;
  const e = elem(k, y.type.dtype)!;
  const [a, , c] = op.operands;
  const ld = (v: NonNullable<typeof a>): string => `(f64.promote_f32 ${e.load(k.ptr(v))})`;
  k.em.comment(`range ${y.type.dtype}`);
  k.em.loop('i', k.size(k.dims(y)), (i) => {
    k.em.line(e.store(addr(k.ptr(y), i, e.size), `(f32.demote_f64 (f64.add ${ld(a!)} (f64.mul (f64.convert_i32_u ${i}) ${ld(c!)})))`));
  });
}

function emitConstantOfShape(k: KernelCtx, op: Op): void {
  const y = op.results[0]!;
  const dt = DTS[y.type.dtype];
  if (!dt) k.fail(op, `constant_of_shape on ${y.type.dtype} is not supported by the wasm backend`);
  const a = op.attrs.get('value');
  const t = a?.kind === 'tensor' ? a.value : undefined;
  const x = t && t.data.length > 0 ? t.data[0]! : 0;
  const num = Number(x);
  const val = dt.t === 'i64' ? `(i64.const ${String(x)})`
    : dt.t === 'i32' ? `(i32.const ${num | 0})`
      : `(${dt.t}.const ${Number.isNaN(num) ? 'nan' : num === Infinity ? 'inf' : num === -Infinity ? '-inf' : num})`;
  const em = k.em;
  em.comment(`constant_of_shape ${y.type.dtype}`);
  em.loop('i', k.size(k.dims(y)), (i) => em.line(`(${dt.store} ${addr(k.ptr(y), i, dt.size)} ${val})`));
}

export const RANGE_KERNEL: KernelDef = { emit: emitRange };
export const CONSTANT_OF_SHAPE_KERNEL: KernelDef = { emit: emitConstantOfShape };
