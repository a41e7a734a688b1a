// batch_normalization with training_mode = 1 on f32/f64 (norm.ts serves inference): per channel,
// the batch mean and (population) variance over N and the spatial dims in f64, then y with those
// statistics and, when asked for, the running mean/var outputs r * momentum + stat * (1 - momentum),
// in the interpreter's order of operations (ir/ops/nn-norm.ts evalBatchNorm).

import type { Op } from '../../../../ir/ir.js';
import { add, addr, get, mul } from '../emitter.js';
import type { KernelCtx } from '../kernel-api.js';

const FL: Readonly<Record<string, { size: number; load: (p: string) => string; store: (p: string, v: string) => string }>> = {
  f32: { size: 4, load: (p) => `(f64.promote_f32 (f32.load ${p}))`, store: (p, v) => `(f32.store ${p} (f32.demote_f64 ${v}))` },
  f64: { size: 8, load: (p) => `(f64.load ${p})`, store: (p, v) => `(f64.store ${p} ${v})` },
};

/** Whether this kernel serves `op`: training mode, float operands of one dtype, per-channel parameters. */
export function batchNormTrainingServes(k: KernelCtx, op: Op): boolean {
  if (Number(op.attrs.get('training_mode')?.value ?? 0) === 0) return false;
  const x = op.operands[0]!, dt = x.type.dtype;
  if (!FL[dt] || op.operands.length < 5 || op.operands.some((v) => !v || v.type.dtype !== dt) || op.results.some((r) => r && r.type.dtype !== dt)) return false;
  const xd = k.dims(x);
  return xd.length >= 2 && op.operands.slice(1).every((v) => { const d = k.dims(v!); return d.length === 1 && d[0] === xd[1]; });
}

export function emitBatchNormTraining(k: KernelCtx, op: Op): void {
  const [x, sc, bi, mu, va] = op.operands as NonNullable<Op['operands'][number]>[];
  const [y, rm, rv] = op.results;
  const fl = FL[x!.type.dtype]!, em = k.em;
  const eps = Number(op.attrs.get('epsilon')?.value ?? 1e-5), mom = Number(op.attrs.get('momentum')?.value ?? 0.9);
  const xd = k.dims(x!), N = k.dim(xd[0]!), C = k.dim(xd[1]!), S = k.size(xd.slice(2));
  const m = em.local('m', 'f64'), v = em.local('v', 'f64'), cnt = em.local('cnt', 'f64'), d = em.local('dx', 'f64');
  const at = (p: string, i: string): string => addr(p, i, fl.size);
  em.comment(`batch_normalization (training) ${x!.type.dtype}[${xd.join('x')}]`);
  em.set(cnt, `(f64.convert_i32_u ${mul(N, S)})`);
  em.loop('c', C, (c) => {
    const off = (n: string, s: string): string => add(mul(add(mul(n, C), c), S), s);
    em.set(m, '(f64.const 0)');
    em.loop('n', N, (n) => em.loop('s', S, (s) => em.set(m, `(f64.add ${get(m)} ${fl.load(at(k.ptr(x!), off(n, s)))})`)));
    em.set(m, `(f64.div ${get(m)} ${get(cnt)})`);
    em.set(v, '(f64.const 0)');
    em.loop('n', N, (n) => em.loop('s', S, (s) => {
      em.set(d, `(f64.sub ${fl.load(at(k.ptr(x!), off(n, s)))} ${get(m)})`);
      em.set(v, `(f64.add ${get(v)} (f64.mul ${get(d)} ${get(d)}))`);
    }));
    em.set(v, `(f64.div ${get(v)} ${get(cnt)})`);
    if (rm) em.line(fl.store(at(k.ptr(rm), c), `(f64.add (f64.mul ${fl.load(at(k.ptr(mu!), c))} (f64.const ${mom})) (f64.mul ${get(m)} (f64.const ${1 - mom})))`));
    if (rv) em.line(fl.store(at(k.ptr(rv), c), `(f64.add (f64.mul ${fl.load(at(k.ptr(va!), c))} (f64.const ${mom})) (f64.mul ${get(v)} (f64.const ${1 - mom})))`));
    if (y) {
      const inv = `(f64.sqrt (f64.add ${get(v)} (f64.const ${eps})))`;
      em.loop('n', N, (n) => em.loop('s', S, (s) => {
        const o = off(n, s);
        em.line(fl.store(at(k.ptr(y), o), `(f64.add (f64.mul (f64.div (f64.sub ${fl.load(at(k.ptr(x!), o))} ${get(m)}) ${inv}) ${fl.load(at(k.ptr(sc!), c))}) ${fl.load(at(k.ptr(bi!), c))})`));
      }));
    }
  });
}
