// NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss, f32 scores [N, C, d...] with i64/i32
// targets [N, d...]: one scalar pass per (n, position) over the class axis (stride = the
// spatial size). SCE first takes max and sum of exp(x - max) over the classes (the row's
// log-sum-exp), writes log_prob when asked, then reads only the target's entry. Sums and the
// summed weights of 'mean' are f64, as in the interpreter; a target equal to ignore_index adds
// neither loss nor weight. Any other target outside [0, C) is refused at run time, as by the
// interpreter (index-check.ts).

import type { Op } from '../../../../ir/ir.js';
import { add, get, i32, mul } from '../emitter.js';
import type { KernelCtx, KernelDef } from '../kernel-api.js';
import { checkFrom0 } from './index-check.js';
import { logF32, viaVec } from './generic-elementwise.js';

function emitLoss(k: KernelCtx, op: Op): void {
  const sce = op.name === 'softmax_cross_entropy_loss';
  const [X, Tg, W] = [0, 1, 2].map((i) => op.operands[i] ?? null);
  const [out, logProb] = [0, 1].map((i) => op.results[i] ?? null);
  for (const v of [X, W, out, logProb]) if (v && v.type.dtype !== 'f32') k.fail(op, `${op.name} on ${v.type.dtype} is not supported by the wasm backend (f32 only)`);
  const tdt = Tg!.type.dtype;
  if (tdt !== 'i64' && tdt !== 'i32') k.fail(op, `${op.name} targets of dtype ${tdt} are not supported by the wasm backend (i64 or i32)`);
  const red = String(op.attrs.get('reduction')?.value ?? 'mean');
  if (!['none', 'sum', 'mean'].includes(red)) k.fail(op, `${op.name}: unknown reduction '${red}'`);
  const ignoreAttr = op.attrs.get('ignore_index');
  const em = k.em;
  const xd = k.dims(X!);
  const N = k.dim(xd[0]!), C = k.dim(xd[1]!), inner = k.size(xd.slice(2));
  em.comment(`${op.name} ${xd.join('x')} reduction=${red}${ignoreAttr ? ` ignore_index=${ignoreAttr.value}` : ''}`);
  const f = (p: string, idx: string): string => add(p, mul(idx, i32(4)));
  const ld = (p: string, idx: string): string => `(f32.load ${f(p, idx)})`;
  const sum = em.local('sum', 'f64'), wsum = em.local('wsum', 'f64');
  const base = em.local('base', 'i32'), t = em.local('t', 'i64'), c32 = em.local('c', 'i32');
  const mx = em.local('mx', 'f32'), se = em.local('se', 'f32'), lse = em.local('lse', 'f32');
  const w = em.local('w', 'f32'), loss = em.local('loss', 'f32');
  em.set(sum, '(f64.const 0)');
  em.set(wsum, '(f64.const 0)');
  em.loop('n', N, (n) => em.loop('i', inner, (i) => {
    em.set(base, add(mul(mul(n, C), inner), i));
    const at = (c: string): string => add(get(base), mul(c, inner));
    if (sce) {
      em.set(mx, '(f32.const -inf)');
      em.loop('c', C, (c) => em.set(mx, `(f32.max ${get(mx)} ${ld(k.ptr(X!), at(c))})`));
      em.set(se, '(f32.const 0)');
      em.loop('c', C, (c) => em.set(se, `(f32.add ${get(se)} ${viaVec(k, 'exp4', `(f32.sub ${ld(k.ptr(X!), at(c))} ${get(mx)})`)})`));
      em.set(lse, `(f32.add ${get(mx)} ${logF32(k, get(se))})`);
      if (logProb) em.loop('c', C, (c) => em.line(`(f32.store ${f(k.ptr(logProb), at(c))} (f32.sub ${ld(k.ptr(X!), at(c))} ${get(lse)}))`));
    }
    const ti = add(mul(n, inner), i);
    em.set(t, tdt === 'i64' ? `(i64.load ${add(k.ptr(Tg!), mul(ti, i32(8)))})` : `(i64.extend_i32_s (i32.load ${f(k.ptr(Tg!), ti)}))`);
    const ignored = ignoreAttr ? `(i64.eq ${get(t)} (i64.const ${BigInt(Number(ignoreAttr.value))}))` : undefined;
    checkFrom0(k, op, get(t), C, ignored);
    em.set(loss, '(f32.const 0)');
    em.line(`(if (i32.eqz ${ignored ?? '(i32.const 0)'}) (then`);
    em.set(c32, `(i32.wrap_i64 ${get(t)})`);
    em.set(w, W ? ld(k.ptr(W), get(c32)) : '(f32.const 1)');
    const lp = sce ? `(f32.sub ${ld(k.ptr(X!), at(get(c32)))} ${get(lse)})` : ld(k.ptr(X!), at(get(c32)));
    em.set(loss, `(f32.mul (f32.neg ${lp}) ${get(w)})`);
    if (red !== 'none') {
      em.set(sum, `(f64.add ${get(sum)} (f64.promote_f32 ${get(loss)}))`);
      em.set(wsum, `(f64.add ${get(wsum)} (f64.promote_f32 ${get(w)}))`);
    }
    em.line('))');
    if (red === 'none') em.line(`(f32.store ${f(k.ptr(out!), ti)} ${get(loss)})`);
  }));
  if (red === 'sum') em.line(`(f32.store ${k.ptr(out!)} (f32.demote_f64 ${get(sum)}))`);
  if (red === 'mean') em.line(`(f32.store ${k.ptr(out!)} (f32.demote_f64 (f64.div ${get(sum)} ${get(wsum)})))`);
}

export const LOSS_KERNEL: KernelDef = {
  emit: emitLoss,
  flops: (op, numel) => (op.name === 'softmax_cross_entropy_loss' ? 20 : 2) * numel(op.operands[0]!),
};
