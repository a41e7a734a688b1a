// Bit-level ops: bit_shift (unsigned, broadcasting; counts >= the width give 0 as in the
// interpreter, where WASM would take the count modulo 32/64), bit_cast (same-width reinterpretation
// = a byte copy, little-endian on both sides) and eye_like (any dtype, ones on diagonal k).

import type { Op } from '../../../../ir/ir.js';
import { add, addr, i32, mul } from '../emitter.js';
import { esize, type KernelCtx, type KernelDef, sameDims } from '../kernel-api.js';
import { broadcastStrides, rowOffset } from './elementwise.js';
import { DTS } from './generic-elementwise.js';

function emitBitShift(k: KernelCtx, op: Op): void {
  const [a, b] = op.operands as [NonNullable<Op['operands'][0]>, NonNullable<Op['operands'][0]>];
  const y = op.results[0]!;
  const d = DTS[a.type.dtype];
  if (!d || d.signed || d.t === 'f32' || d.t === 'f64' || a.type.dtype === 'bool') k.fail(op, `bit_shift on ${a.type.dtype} is not supported by the wasm backend`);
  const left = String(op.attrs.get('direction')?.value) === 'LEFT';
  const t = d.t, width = t === 'i64' ? 64 : 32;
  const out = k.dims(y);
  const em = k.em;
  const ins = [a, b].map((v) => ({ v, same: sameDims(k.dims(v), out), strides: broadcastStrides(k, k.dims(v), out) }));
  const x = em.local('x', t), n = em.local('n', t);
  em.comment(`bit_shift ${left ? 'LEFT' : 'RIGHT'} ${a.type.dtype}[${out.join('x')}]`);
  em.loop('e', k.size(out), (i) => {
    const [xa, nb] = ins.map((s) => addr(k.ptr(s.v), s.same ? i : rowOffset(k, i, out, s.strides, out.length), d.size));
    em.set(x, `(${d.load} ${xa})`);
    em.set(n, `(${d.load} ${nb})`);
    // Narrow dtypes: bits shifted past 8/16 are dropped by the narrow store.
    const sh = `(${t}.${left ? 'shl' : 'shr_u'} (local.get ${x}) (local.get ${n}))`;
    em.line(`(${d.store} ${addr(k.ptr(y), i, d.size)} (select (${t}.const 0) ${sh} (${t}.ge_u (local.get ${n}) (${t}.const ${width}))))`);
  });
}

function emitBitCast(k: KernelCtx, op: Op): void {
  const x = op.operands[0]!, y = op.results[0]!;
  const n = esize(k, op, x);
  if (esize(k, op, y) !== n) k.fail(op, `bit_cast from ${x.type.dtype} to ${y.type.dtype} changes the width`);
  k.em.comment(`bit_cast ${x.type.dtype} -> ${y.type.dtype}`);
  k.em.line(`(memory.copy ${k.ptr(y)} ${k.ptr(x)} ${mul(k.size(k.dims(y)), i32(n))})`);
}

const ONE: Readonly<Record<string, string>> = { f32: '(f32.const 1)', f64: '(f64.const 1)', i64: '(i64.const 1)', i32: '(i32.const 1)' };

function emitEyeLike(k: KernelCtx, op: Op): void {
  const y = op.results[0]!;
  const d = DTS[y.type.dtype];
  if (!d) k.fail(op, `eye_like to ${y.type.dtype} is not supported by the wasm backend`);
  const yd = k.dims(y);
  if (yd.length !== 2) k.fail(op, 'eye_like needs a 2-D input');
  const kk = Number(op.attrs.get('k')?.value ?? 0);
  const R = k.dim(yd[0]!), C = k.dim(yd[1]!);
  const em = k.em;
  em.comment(`eye_like k=${kk}`);
  em.line(`(memory.fill ${k.ptr(y)} (i32.const 0) ${mul(mul(R, C), i32(d.size))})`);
  // Row r holds its one at column r + k when that column exists.
  em.loop('r', R, (r) => {
    const col = add(r, i32(kk));
    em.when(`(i32.lt_u ${col} ${C})`, () => em.line(`(${d.store} ${addr(k.ptr(y), add(mul(r, C), col), d.size)} ${ONE[d.t]})`));
  });
}

export const BIT_SHIFT_KERNEL: KernelDef = { emit: emitBitShift };
export const BIT_CAST_KERNEL: KernelDef = { emit: emitBitCast };
export const EYE_LIKE_KERNEL: KernelDef = { emit: emitEyeLike };
