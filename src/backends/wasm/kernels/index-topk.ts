// top_k with k = the result's dim along the axis (a constant K, or a symbol bound at run time):
// selection without scratch memory. Elements are totally ordered by (value, index): `largest`
// puts greater values first, `smallest` smaller ones; NaN counts as greater than every number
// in both (the interpreter's comparator), equal values keep the lower index first. The j-th
// output is the first element, in that order, after the (j-1)-th: O(n k) compares per row.
// sorted=0 is served sorted too (any order is valid; the interpreter sorts as well).

import type { Op, Value } from '../../../../ir/ir.js';
import { add, addr, get, i32, mul } from '../emitter.js';
import type { KernelCtx, KernelDef } from '../kernel-api.js';
import { DTS } from './generic-elementwise.js';

type DT = NonNullable<(typeof DTS)[string]>;

/** i32 expression: a > b in the interpreter's order (NaN above numbers). */
function greater(d: DT, a: string, b: string): string {
  if (d.t === 'f32' || d.t === 'f64') return `(select (${d.t}.eq ${b} ${b}) (${d.t}.gt ${a} ${b}) (${d.t}.ne ${a} ${a}))`;
  return `(${d.t}.gt_${d.signed ? 's' : 'u'} ${a} ${b})`;
}

function emitTopK(k: KernelCtx, op: Op): void {
  const x = op.operands[0]!;
  const [vals, inds] = op.results as [Value, Value | undefined];
  const d = DTS[x.type.dtype];
  if (!d || x.type.dtype === 'bool') k.fail(op, `top_k on ${x.type.dtype} is not supported by the wasm backend`);
  const xd = k.dims(x), vd = k.dims(vals);
  const r = xd.length;
  const a0 = Number(op.attrs.get('axis')?.value ?? -1);
  const axis = a0 < 0 ? a0 + r : a0;
  const largest = Number(op.attrs.get('largest')?.value ?? 1) !== 0;
  const n = k.dim(xd[axis]!), kk = k.dim(vd[axis]!);
  const inner = k.size(xd.slice(axis + 1));
  const em = k.em;
  em.comment(`top_k axis=${axis} ${largest ? 'largest' : 'smallest'}`);
  const prev = em.local('prev', 'i32'), best = em.local('best', 'i32'), base = em.local('base', 'i32'), dst = em.local('dst', 'i32');
  const xm = em.local('xm', d.t), xp = em.local('xp', d.t), xb = em.local('xb', d.t);
  const at = (m: string): string => `(${d.load} ${addr(k.ptr(x), add(get(base), mul(m, inner)), d.size)})`;
  const better = (a: string, b: string): string => (largest ? greater(d, a, b) : greater(d, b, a));
  // m before q in the total order: strictly better, or not worse and a lower index.
  const before = (a: string, ia: string, b: string, ib: string): string => `(i32.or ${better(a, b)} (i32.and (i32.eqz ${better(b, a)}) (i32.lt_s ${ia} ${ib})))`;
  em.loop('o', k.size(xd.slice(0, axis)), (o) => em.loop('in', inner, (i) => {
    em.set(base, add(mul(mul(o, n), inner), i));
    em.set(prev, i32(-1));
    em.loop('j', kk, (j) => {
      em.set(best, i32(-1));
      em.when(`(i32.ge_s ${get(prev)} (i32.const 0))`, () => em.set(xp, at(get(prev))));
      em.loop('m', n, (m) => {
        em.set(xm, at(m));
        const afterPrev = `(i32.or (i32.lt_s ${get(prev)} (i32.const 0)) ${before(get(xp), get(prev), get(xm), m)})`;
        const beatsBest = `(i32.or (i32.lt_s ${get(best)} (i32.const 0)) ${before(get(xm), m, get(xb), get(best))})`;
        em.when(`(i32.and ${afterPrev} ${beatsBest})`, () => { em.set(best, m); em.set(xb, get(xm)); });
      });
      // k > n cannot pass shape inference; should a run-time k exceed n, the extra slots read element 0 on.
      em.set(best, `(select (i32.const 0) ${get(best)} (i32.lt_s ${get(best)} (i32.const 0)))`);
      em.set(prev, get(best));
      em.set(dst, add(mul(add(mul(o, kk), j), inner), i));
      em.line(`(${d.store} ${addr(k.ptr(vals), get(dst), d.size)} ${at(get(best))})`);
      if (inds) em.line(`(i64.store ${addr(k.ptr(inds), get(dst), 8)} (i64.extend_i32_u ${get(best)}))`);
    });
  }));
}

export const TOP_K_KERNEL: KernelDef = { emit: emitTopK };
