// det (f32/f64, [*, n, n] -> [*], static n): LU with partial pivoting in f64 scratch, the
// interpreter's algorithm step for step (first strictly larger |pivot| wins; a zero pivot gives 0).

import type { Op } from '../../../../ir/ir.js';
import { add, addr, get, i32, mul } from '../emitter.js';
import type { KernelCtx, KernelDef } from '../kernel-api.js';
import { floatOf } from './misc-pool.js';

function emitDet(k: KernelCtx, op: Op): void {
  const x = op.operands[0]!, y = op.results[0]!;
  const f = floatOf(k, op, x);
  const xd = k.dims(x);
  const n = xd[xd.length - 1];
  if (typeof n !== 'number' || xd[xd.length - 2] !== n) k.fail(op, 'det needs static square matrices in the wasm backend');
  const a = k.scratch(Math.max(1, n * n) * 8);
  const em = k.em;
  em.comment(`det ${n}x${n}`);
  const d = em.local('d', 'f64'), p = em.local('p', 'i32'), piv = em.local('piv', 'f64'), m = em.local('m', 'f64'), tmp = em.local('tmp', 'f64');
  const A = (r: string, c: string): string => addr(a, add(mul(r, i32(n)), c), 8);
  const ld = (r: string, c: string): string => `(f64.load ${A(r, c)})`;
  em.loop('b', k.size(xd.slice(0, -2)), (b) => {
    em.loop('i', i32(n * n), (i) => em.line(`(f64.store ${addr(a, i, 8)} ${f.load(addr(k.ptr(x), add(mul(b, i32(n * n)), i), f.size))})`));
    em.set(d, '(f64.const 1)');
    // A zero pivot leaves the elimination early; the label borrows a fresh local's unique name.
    const exit = `$det_done_${em.local('lbl', 'i32').slice(1)}`;
    em.line(`(block ${exit}`);
    em.loop('k', i32(n), (kk) => {
      em.set(p, kk);
      em.loop('r', `(i32.sub ${i32(n)} (i32.add ${kk} (i32.const 1)))`, (r0) => {
        const r = add(r0, add(kk, i32(1)));
        em.when(`(f64.gt (f64.abs ${ld(r, kk)}) (f64.abs ${ld(get(p), kk)}))`, () => em.set(p, r));
      });
      em.when(`(f64.eq ${ld(get(p), kk)} (f64.const 0))`, () => { em.set(d, '(f64.const 0)'); em.line(`(br ${exit})`); });
      em.when(`(i32.ne ${get(p)} ${kk})`, () => {
        em.loop('j', i32(n), (j) => {
          em.set(tmp, ld(kk, j));
          em.line(`(f64.store ${A(kk, j)} ${ld(get(p), j)})`);
          em.line(`(f64.store ${A(get(p), j)} ${get(tmp)})`);
        });
        em.set(d, `(f64.neg ${get(d)})`);
      });
      em.set(piv, ld(kk, kk));
      em.set(d, `(f64.mul ${get(d)} ${get(piv)})`);
      em.loop('r', `(i32.sub ${i32(n)} (i32.add ${kk} (i32.const 1)))`, (r0) => {
        const r = add(r0, add(kk, i32(1)));
        em.set(m, `(f64.div ${ld(r, kk)} ${get(piv)})`);
        em.loop('j', `(i32.sub ${i32(n)} (i32.add ${kk} (i32.const 1)))`, (j0) => {
          const j = add(j0, add(kk, i32(1)));
          em.line(`(f64.store ${A(r, j)} (f64.sub ${ld(r, j)} (f64.mul ${get(m)} ${ld(kk, j)})))`);
        });
      });
    });
    em.line(')');
    em.line(f.store(addr(k.ptr(y), b, f.size), get(d)));
  });
}

export const DET_KERNEL: KernelDef = { emit: emitDet };
