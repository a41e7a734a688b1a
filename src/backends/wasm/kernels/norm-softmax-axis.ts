// Softmax / LogSoftmax along any axis (and legacy_flatten: over all dims from `axis`), f32: per
// (outer, inner) position three strided scalar passes over the axis: max, sum of exp(x - max),
// then scale (or x - max - log(sum)). Softmax along the last axis keeps the f32x4 row kernel.

import type { Op } from '../../../../ir/ir.js';
import { add, addr, get, mul } from '../emitter.js';
import type { KernelCtx, KernelDef } from '../kernel-api.js';
import { logF32, viaVec } from './generic-elementwise.js';
import { SOFTMAX_KERNEL } from './norm.js';

function axisOf(op: Op, rank: number): number {
  const a = Number(op.attrs.get('axis')?.value ?? -1);
  return a < 0 ? a + rank : a;
}
const legacy = (op: Op): boolean => Number(op.attrs.get('legacy_flatten')?.value ?? 0) !== 0;

function emitAxisSoftmax(k: KernelCtx, op: Op): void {
  const X = op.operands[0]!, y = op.results[0]!;
  if (y.type.dtype !== 'f32' || X.type.dtype !== 'f32') k.fail(op, `${op.name} is f32 only in the wasm backend`);
  const xd = k.dims(X);
  const axis = axisOf(op, xd.length);
  const flat = legacy(op);
  const L = flat ? k.size(xd.slice(axis)) : k.dim(xd[axis]!);
  const inner = flat ? k.size([]) : k.size(xd.slice(axis + 1));
  const outer = k.size(xd.slice(0, axis));
  const em = k.em;
  const log = op.name === 'log_softmax';
  em.comment(`${op.name} axis=${axis} outer=${xd.slice(0, axis).join('x') || '1'} L=${flat ? xd.slice(axis).join('x') : xd[axis]}`);
  const mx = em.local('mx', 'f32'), s = em.local('s', 'f32'), base = em.local('base', 'i32');
  em.loop('o', outer, (o) => em.loop('in', inner, (i) => {
    em.set(base, add(mul(mul(o, L), inner), i));
    const at = (j: string): string => add(get(base), mul(j, inner));
    const xa = (j: string): string => `(f32.load ${addr(k.ptr(X), at(j), 4)})`;
    em.set(mx, '(f32.const -inf)');
    em.loop('j', L, (j) => em.set(mx, `(f32.max ${get(mx)} ${xa(j)})`));
    em.set(s, '(f32.const 0)');
    em.loop('j', L, (j) => {
      const e = viaVec(k, 'exp4', `(f32.sub ${xa(j)} ${get(mx)})`);
      if (log) em.set(s, `(f32.add ${get(s)} ${e})`);
      else {
        em.line(`(f32.store ${addr(k.ptr(y), at(j), 4)} ${e})`);
        em.set(s, `(f32.add ${get(s)} (f32.load ${addr(k.ptr(y), at(j), 4)}))`);
      }
    });
    if (log) {
      em.set(s, `(f32.add ${get(mx)} ${logF32(k, get(s))})`);
      em.loop('j', L, (j) => em.line(`(f32.store ${addr(k.ptr(y), at(j), 4)} (f32.sub ${xa(j)} ${get(s)}))`));
    } else {
      em.set(s, `(f32.div (f32.const 1) ${get(s)})`);
      em.loop('j', L, (j) => em.line(`(f32.store ${addr(k.ptr(y), at(j), 4)} (f32.mul (f32.load ${addr(k.ptr(y), at(j), 4)}) ${get(s)}))`));
    }
  }));
}

export const AXIS_SOFTMAX_KERNEL: KernelDef = {
  emit: (k, op) => {
    const rank = k.dims(op.operands[0]!).length;
    if (op.name === 'softmax' && axisOf(op, rank) === rank - 1 && !legacy(op)) SOFTMAX_KERNEL.emit(k, op);
    else emitAxisSoftmax(k, op);
  },
  flops: (op, numel) => numel(op.results[0]!) * 14,
};
