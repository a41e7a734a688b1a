// cum_sum / cum_prod along a constant axis (exclusive, reverse): f32 accumulates in f64 and
// rounds each output like the interpreter; integers wrap in their own width.

import type { Op } from '../../../../ir/ir.js';
import { toNumbers } from '../../../../ir/tensor.js';
import { add, addr, get, i32, mul, sub } from '../emitter.js';
import type { KernelCtx, KernelDef } from '../kernel-api.js';
import { DTS } from './generic-elementwise.js';

function emitCum(k: KernelCtx, op: Op): void {
  const x = op.operands[0]!, y = op.results[0]!;
  const dt = DTS[x.type.dtype];
  if (!dt || dt.t === 'f64') k.fail(op, `${op.name} on ${x.type.dtype} is not supported by the wasm backend`);
  const at = k.constant(op.operands[1] ?? null);
  if (!at) k.fail(op, `${op.name} needs a constant axis in the wasm backend`);
  const xd = k.dims(x);
  const a0 = toNumbers(at)[0]!;
  const axis = a0 < 0 ? a0 + xd.length : a0;
  const isSum = op.name === 'cum_sum';
  const exclusive = Number(op.attrs.get('exclusive')?.value ?? 0) !== 0;
  const reverse = Number(op.attrs.get('reverse')?.value ?? 0) !== 0;
  const t = dt.t === 'f32' ? 'f64' : dt.t;
  const em = k.em;
  em.comment(`${op.name} axis=${axis}${exclusive ? ' exclusive' : ''}${reverse ? ' reverse' : ''}`);
  const n = k.dim(xd[axis]!), inner = k.size(xd.slice(axis + 1));
  const acc = em.local('acc', t), idx = em.local('idx', 'i32');
  const load = (e: string): string => (dt.t === 'f32' ? `(f64.promote_f32 (f32.load ${e}))` : `(${dt.load} ${e})`);
  const store = (e: string, v: string): void => em.line(`(${dt.store} ${e} ${dt.t === 'f32' ? `(f32.demote_f64 ${v})` : v})`);
  em.loop('o', k.size(xd.slice(0, axis)), (o) => em.loop('in', inner, (i) => {
    em.set(acc, `(${t}.const ${isSum ? 0 : 1})`);
    em.loop('s', n, (s) => {
      const kk = reverse ? sub(sub(n, i32(1)), s) : s;
      em.set(idx, add(mul(add(mul(o, n), kk), inner), i));
      if (exclusive) store(addr(k.ptr(y), get(idx), dt.size), get(acc));
      em.set(acc, `(${t}.${isSum ? 'add' : 'mul'} ${get(acc)} ${load(addr(k.ptr(x), get(idx), dt.size))})`);
      if (!exclusive) store(addr(k.ptr(y), get(idx), dt.size), get(acc));
    });
  }));
}

export const CUM_KERNEL: KernelDef = { emit: emitCum, flops: (op, numel) => numel(op.operands[0]!) };
