// Hardmax along one axis (or, with the importer's private legacy_flatten, over all dims from the
// axis, as opsets < 13 meant), f32 or f64: per (outer, inner) position, a strided pass finds the
// first maximum (the first NaN wins over numbers, as in the interpreter), then a second pass
// writes the one-hot row.

import type { Op } from '../../../../ir/ir.js';
import { add, get, i32, mul } from '../emitter.js';
import type { KernelCtx, KernelDef } from '../kernel-api.js';

function emitHardmax(k: KernelCtx, op: Op): void {
  const X = op.operands[0]!, y = op.results[0]!;
  const t = X.type.dtype;
  if ((t !== 'f32' && t !== 'f64') || y.type.dtype !== t) k.fail(op, `hardmax on ${t} is not supported by the wasm backend (f32, f64)`);
  const size = t === 'f32' ? 4 : 8;
  const xd = k.dims(X);
  const rank = xd.length;
  const a = Number(op.attrs.get('axis')?.value ?? -1);
  const axis = rank === 0 ? 0 : a < 0 ? a + rank : a;
  const flat = Number(op.attrs.get('legacy_flatten')?.value ?? 0) !== 0;
  const L = rank === 0 ? i32(1) : flat ? k.size(xd.slice(axis)) : k.dim(xd[axis]!);
  const inner = rank === 0 || flat ? i32(1) : k.size(xd.slice(axis + 1));
  const outer = k.size(xd.slice(0, axis));
  const em = k.em;
  em.comment(`hardmax axis=${axis}${flat ? ' (legacy flatten)' : ''} ${xd.join('x')}`);
  const mx = em.local('mx', t), v = em.local('v', t), arg = em.local('arg', 'i32'), base = em.local('base', 'i32');
  const at = (p: string, j: string): string => add(p, mul(add(get(base), mul(j, inner)), i32(size)));
  em.loop('o', outer, (o) => em.loop('in', inner, (i) => {
    em.set(base, add(mul(mul(o, L), inner), i));
    em.set(mx, `(${t}.const -inf)`);
    em.set(arg, i32(0));
    em.loop('j', L, (j) => {
      em.set(v, `(${t}.load ${at(k.ptr(X), j)})`);
      const nanFirst = `(i32.and (${t}.ne ${get(v)} ${get(v)}) (${t}.eq ${get(mx)} ${get(mx)}))`;
      em.when(`(i32.or (${t}.gt ${get(v)} ${get(mx)}) ${nanFirst})`, () => {
        em.set(mx, get(v));
        em.set(arg, j);
      });
    });
    em.loop('j', L, (j) => em.line(`(${t}.store ${at(k.ptr(y), j)} (${t}.convert_i32_u (i32.eq ${j} ${get(arg)})))`));
  }));
}

export const HARDMAX_KERNEL: KernelDef = { emit: emitHardmax, flops: (op, numel) => numel(op.results[0]!) };
