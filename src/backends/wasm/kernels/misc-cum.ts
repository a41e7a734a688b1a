// cum_sum / cum_prod for what the reduce-cum kernel refuses: f64 data and an axis known only at
// run time (read from its buffer; negative wraps; an axis out of range is clamped into [0, rank)
// so the loops never leave the buffers). Everything else goes to the reduce-cum kernel.

import type { Op } from '../../../../ir/ir.js';
import { add, addr, get, i32, mul, sub } from '../emitter.js';
import type { KernelCtx, KernelDef } from '../kernel-api.js';
import { DTS } from './generic-elementwise.js';
import { CUM_KERNEL } from './reduce-cum.js';

function emitCumAny(k: KernelCtx, op: Op): void {
  const x = op.operands[0]!, y = op.results[0]!, av = op.operands[1]!;
  const dt = DTS[x.type.dtype];
  if (!dt) k.fail(op, `${op.name} on ${x.type.dtype} is not supported by the wasm backend`);
  const xd = k.dims(x);
  const r = xd.length;
  if (r === 0) k.fail(op, `${op.name} of a scalar`);
  const isSum = op.name === 'cum_sum';
  const exclusive = Number(op.attrs.get('exclusive')?.value ?? 0) !== 0;
  const reverse = Number(op.attrs.get('reverse')?.value ?? 0) !== 0;
  // f32 accumulates in f64 like the reduce-cum kernel; the rest in their own width.
  const t = dt.t === 'f32' ? 'f64' : dt.t;
  const em = k.em;
  em.comment(`${op.name} (run-time axis)${exclusive ? ' exclusive' : ''}${reverse ? ' reverse' : ''}`);
  const axis = em.local('axis', 'i32');
  em.set(axis, av.type.dtype === 'i64' || av.type.dtype === 'u64' ? `(i32.wrap_i64 (i64.load ${k.ptr(av)}))` : `(i32.load ${k.ptr(av)})`);
  em.when(`(i32.lt_s ${get(axis)} (i32.const 0))`, () => em.set(axis, add(get(axis), i32(r))));
  em.set(axis, `(select (i32.const 0) (select ${get(axis)} ${i32(r - 1)} (i32.lt_s ${get(axis)} ${i32(r)})) (i32.lt_s ${get(axis)} (i32.const 0)))`);
  const outer = em.local('outer', 'i32'), n = em.local('n', 'i32'), inner = em.local('inner', 'i32');
  em.set(outer, i32(1));
  em.set(n, i32(1));
  em.set(inner, i32(1));
  xd.forEach((d, a) => {
    const ad = i32(a);
    em.set(outer, `(select ${mul(get(outer), k.dim(d))} ${get(outer)} (i32.lt_s ${ad} ${get(axis)}))`);
    em.set(n, `(select ${k.dim(d)} ${get(n)} (i32.eq ${ad} ${get(axis)}))`);
    em.set(inner, `(select ${mul(get(inner), k.dim(d))} ${get(inner)} (i32.gt_s ${ad} ${get(axis)}))`);
  });
  const acc = em.local('acc', t), idx = em.local('idx', 'i32');
  const load = (e: string): string => (dt.t === 'f32' ? `(f64.promote_f32 (f32.load ${e}))` : `(${dt.load} ${e})`);
  const store = (e: string, v: string): void => em.line(`(${dt.store} ${e} ${dt.t === 'f32' ? `(f32.demote_f64 ${v})` : v})`);
  em.loop('o', get(outer), (o) => em.loop('in', get(inner), (i) => {
    em.set(acc, `(${t}.const ${isSum ? 0 : 1})`);
    em.loop('s', get(n), (s) => {
      const kk = reverse ? sub(sub(get(n), i32(1)), s) : s;
      em.set(idx, add(mul(add(mul(o, get(n)), kk), get(inner)), i));
      if (exclusive) store(addr(k.ptr(y), get(idx), dt.size), get(acc));
      em.set(acc, `(${t}.${isSum ? 'add' : 'mul'} ${get(acc)} ${load(addr(k.ptr(x), get(idx), dt.size))})`);
      if (!exclusive) store(addr(k.ptr(y), get(idx), dt.size), get(acc));
    });
  }));
}

export const CUM_ANY_KERNEL: KernelDef = {
  emit: (k, op) => {
    const dt = op.operands[0]!.type.dtype;
    if (dt !== 'f64' && k.constant(op.operands[1] ?? null)) CUM_KERNEL.emit(k, op);
    else emitCumAny(k, op);
  },
  flops: (op, numel) => numel(op.operands[0]!),
};
