// Index-driven data ops (dtype-generic): trilu (keep the upper/lower triangle of the last two
// dims, k from a constant or run-time operand), gather_elements (negative indices wrap), size.

import type { Op } from '../../../../ir/ir.js';
import { toNumbers } from '../../../../ir/tensor.js';
import type { Dim } from '../../../../ir/types.js';
import { add, addr, get, i32, mul } from '../emitter.js';
import { esize, type KernelCtx, type KernelDef } from '../kernel-api.js';
import { DTS } from './generic-elementwise.js';
import { loadCheckedIndex } from './index-check.js';

const BY_SIZE: Readonly<Record<number, string>> = { 1: 'u8', 2: 'u16', 4: 'i32', 8: 'i64' };
const dtOf = (k: KernelCtx, op: Op, dtype: string, size: number) => DTS[dtype] ?? DTS[BY_SIZE[size] ?? ''] ?? k.fail(op, `${op.name} on ${dtype} is not supported by the wasm backend`);

function emitTrilu(k: KernelCtx, op: Op): void {
  const x = op.operands[0]!, y = op.results[0]!;
  const dt = dtOf(k, op, y.type.dtype, esize(k, op, y));
  const xd = k.dims(x);
  if (xd.length < 2) k.fail(op, 'trilu needs rank >= 2');
  const upper = Number(op.attrs.get('upper')?.value ?? 1) !== 0;
  const kv = op.operands[1] ?? null;
  const kc = k.constant(kv);
  const em = k.em;
  const kk = em.local('k', 'i32');
  em.set(kk, !kv ? i32(0) : kc ? i32(Number(toNumbers(kc)[0])) : `(i32.wrap_i64 (i64.load ${k.ptr(kv)}))`);
  const R = k.dim(xd[xd.length - 2]!), C = k.dim(xd[xd.length - 1]!);
  em.comment(`trilu ${upper ? 'upper' : 'lower'}`);
  const zero = dt.t === 'i64' ? '(i64.const 0)' : `(${dt.t}.const 0)`;
  em.loop('m', k.size(xd.slice(0, -2)), (m) => em.loop('r', R, (r) => em.loop('c', C, (c) => {
    const e = add(mul(add(mul(m, R), r), C), c);
    const diff = `(i32.sub ${c} ${r})`;
    const keep = upper ? `(i32.ge_s ${diff} ${get(kk)})` : `(i32.le_s ${diff} ${get(kk)})`;
    em.line(`(${dt.store} ${addr(k.ptr(y), e, dt.size)} (select (${dt.load} ${addr(k.ptr(x), e, dt.size)}) ${zero} ${keep}))`);
  })));
}

function emitGatherElements(k: KernelCtx, op: Op): void {
  const [data, idx] = op.operands as [NonNullable<Op['operands'][0]>, NonNullable<Op['operands'][0]>];
  const y = op.results[0]!;
  const dt = dtOf(k, op, y.type.dtype, esize(k, op, y));
  const dd = k.dims(data), id: readonly Dim[] = k.dims(idx);
  const r = dd.length;
  const a0 = Number(op.attrs.get('axis')?.value ?? 0);
  const axis = a0 < 0 ? a0 + r : a0;
  const em = k.em;
  em.comment(`gather_elements axis=${axis}`);
  const ds: string[] = [];
  let acc = i32(1);
  for (let a = r - 1; a >= 0; a--) { ds[a] = acc; acc = mul(acc, k.dim(dd[a]!)); }
  const t = em.local('t', 'i32'), off = em.local('off', 'i32'), j = em.local('j', 'i32'), c = em.local('c', 'i32');
  em.loop('e', k.size(id), (e) => {
    em.set(t, e);
    em.set(off, i32(0));
    for (let a = r - 1; a >= 0; a--) {
      em.set(c, `(i32.rem_u ${get(t)} ${k.dim(id[a]!)})`);
      if (a > 0) em.set(t, `(i32.div_u ${get(t)} ${k.dim(id[a]!)})`);
      if (a === axis) {
        loadCheckedIndex(k, op, idx, e, k.dim(dd[axis]!), j);
        em.set(off, add(get(off), mul(get(j), ds[a]!)));
      } else em.set(off, add(get(off), mul(get(c), ds[a]!)));
    }
    em.line(`(${dt.store} ${addr(k.ptr(y), e, dt.size)} (${dt.load} ${addr(k.ptr(data), get(off), dt.size)}))`);
  });
}

function emitSize(k: KernelCtx, op: Op): void {
  const y = op.results[0]!;
  k.em.comment('size');
  k.em.line(`(i64.store ${k.ptr(y)} (i64.extend_i32_u ${k.size(k.dims(op.operands[0]!))}))`);
}

export const TRILU_KERNEL: KernelDef = { emit: emitTrilu };
export const GATHER_ELEMENTS_KERNEL: KernelDef = { emit: emitGatherElements };
export const SIZE_KERNEL: KernelDef = { emit: emitSize };
