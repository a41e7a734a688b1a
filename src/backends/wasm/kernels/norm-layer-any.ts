// LayerNormalization with its Mean/InvStdDev outputs or a Scale/B that broadcasts to X, and
// RMSNormalization: per row of dims [axis, rank), mean and variance accumulated in f64 (as the
// interpreter does), then y = (x - mean) * inv * scale (+ B). The plain LayerNormalization
// (Y only, Scale/B of the normalised shape) keeps the f32x4 kernel of norm.ts.

import type { Op } from '../../../../ir/ir.js';
import { add, addr, f32c, get, mul } from '../emitter.js';
import { type KernelCtx, type KernelDef, sameDims } from '../kernel-api.js';
import { broadcastStrides, rowOffset } from './elementwise.js';
import { LAYER_NORM_KERNEL } from './norm.js';

function emitNorm(k: KernelCtx, op: Op): void {
  const [x, scale, bias] = op.operands;
  const rms = op.name === 'rms_normalization';
  const [y, meanOut, invOut] = op.results;
  if ([x, scale, bias, y, meanOut, invOut].some((v) => v && v.type.dtype !== 'f32')) k.fail(op, `${op.name} is f32 only in the wasm backend`);
  const xd = k.dims(x!);
  const a0 = Number(op.attrs.get('axis')?.value ?? -1);
  const axis = a0 < 0 ? a0 + xd.length : a0;
  const eps = Number(op.attrs.get('epsilon')?.value ?? 1e-5);
  const L = k.size(xd.slice(axis));
  const em = k.em;
  em.comment(`${op.name} axis=${axis} (scalar, f64 statistics)`);
  const m = em.local('m', 'f64'), v = em.local('v', 'f64'), dv = em.local('dv', 'f64'), inv = em.local('inv', 'f64');
  const params = [scale, bias].map((p) => (p ? { p, strides: broadcastStrides(k, k.dims(p), xd) } : null));
  const xl = (i: string): string => `(f64.promote_f32 (f32.load ${addr(k.ptr(x!), i, 4)}))`;
  em.loop('row', k.size(xd.slice(0, axis)), (row) => {
    const at = (i: string): string => add(mul(row, L), i);
    em.set(m, '(f64.const 0)');
    if (!rms) {
      em.loop('i', L, (i) => em.set(m, `(f64.add ${get(m)} ${xl(at(i))})`));
      em.set(m, `(f64.div ${get(m)} (f64.convert_i32_u ${L}))`);
    }
    em.set(v, '(f64.const 0)');
    em.loop('i', L, (i) => {
      em.set(dv, `(f64.sub ${xl(at(i))} ${get(m)})`);
      em.set(v, `(f64.add ${get(v)} (f64.mul ${get(dv)} ${get(dv)}))`);
    });
    em.set(inv, `(f64.div (f64.const 1) (f64.sqrt (f64.add (f64.div ${get(v)} (f64.convert_i32_u ${L})) (f64.promote_f32 ${f32c(eps)}))))`);
    if (meanOut) em.line(`(f32.store ${addr(k.ptr(meanOut), row, 4)} (f32.demote_f64 ${get(m)}))`);
    if (invOut) em.line(`(f32.store ${addr(k.ptr(invOut), row, 4)} (f32.demote_f64 ${get(inv)}))`);
    em.loop('i', L, (i) => {
      let e = `(f64.mul (f64.sub ${xl(at(i))} ${get(m)}) ${get(inv)})`;
      params.forEach((q, j) => {
        if (!q) return;
        const off = sameDims(k.dims(q.p), xd.slice(axis)) ? i : rowOffset(k, at(i), xd, q.strides, xd.length);
        e = `(f64.${j === 0 ? 'mul' : 'add'} ${e} (f64.promote_f32 (f32.load ${addr(k.ptr(q.p), off, 4)})))`;
      });
      em.line(`(f32.store ${addr(k.ptr(y!), at(i), 4)} (f32.demote_f64 ${e}))`);
    });
  });
}

export const NORM_ANY_KERNEL: KernelDef = {
  emit: (k, op) => {
    const xd = k.dims(op.operands[0]!);
    const a0 = Number(op.attrs.get('axis')?.value ?? -1);
    const norm = xd.slice(a0 < 0 ? a0 + xd.length : a0);
    const plain = op.name === 'layer_normalization' && !op.results.slice(1).some((r) => r)
      && op.operands.slice(1).every((p) => !p || sameDims(k.dims(p), norm));
    if (plain) LAYER_NORM_KERNEL.emit(k, op);
    else emitNorm(k, op);
  },
  flops: (op, numel) => 8 * numel(op.operands[0]!),
};
