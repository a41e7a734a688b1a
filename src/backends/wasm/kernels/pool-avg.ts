// AveragePool (and 1-D MaxPool) on NCHW (1-D pools as H = 1), f32: pads, strides, dilations, ceil_mode (the output
// size comes from the result type) and count_include_pad (taps inside the padded extent count,
// as in the interpreter; taps past it, from ceil_mode, do not). Also GlobalMaxPool.

import type { Op } from '../../../../ir/ir.js';
import type { Dim } from '../../../../ir/types.js';
import { add, addr, get, i32, mul, sub } from '../emitter.js';
import type { KernelCtx, KernelDef } from '../kernel-api.js';
import { MAX_POOL_KERNEL } from './pool.js';

function emitAvgPool(k: KernelCtx, op: Op): void {
  const x = op.operands[0]!, y = op.results[0]!;
  const isMax = op.name === 'max_pool';
  const xd0 = k.dims(x), yd0 = k.dims(y);
  if ((xd0.length !== 4 && xd0.length !== 3) || y.type.dtype !== 'f32') k.fail(op, `only 1-D and 2-D f32 ${op.name} is supported by the wasm backend`);
  if (isMax && op.results[1]) k.fail(op, 'max_pool Indices output is not supported by the wasm backend');
  const one = xd0.length === 3;
  const xd: Dim[] = one ? [xd0[0]!, xd0[1]!, 1, xd0[2]!] : [...xd0];
  const yd: Dim[] = one ? [yd0[0]!, yd0[1]!, 1, yd0[2]!] : [...yd0];
  const ints = (n: string): number[] | undefined => op.attrs.get(n)?.value as number[] | undefined;
  const lift = (v: number[] | undefined, d: number): number[] | undefined => (v && one ? [d, ...v] : v);
  const [kh, kw] = lift(ints('kernel_shape'), 1)!;
  const [sh, sw] = lift(ints('strides'), 1) ?? [1, 1];
  const [dh, dw] = lift(ints('dilations'), 1) ?? [1, 1];
  const p0 = ints('pads');
  let [pt, pl, pb, pr] = p0 ? (one ? [0, p0[0]!, 0, p0[1]!] : p0) : [0, 0, 0, 0];
  const [N, C, H, W] = xd, [, , OH, OW] = yd;
  const autoPad = String(op.attrs.get('auto_pad')?.value ?? 'NOTSET');
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    if (typeof H !== 'number' || typeof W !== 'number' || typeof OH !== 'number' || typeof OW !== 'number') k.fail(op, 'auto_pad needs static spatial sizes');
    const th = Math.max(0, (OH - 1) * sh! + (kh! - 1) * dh! + 1 - H), tw = Math.max(0, (OW - 1) * sw! + (kw! - 1) * dw! + 1 - W);
    pt = autoPad === 'SAME_UPPER' ? Math.floor(th / 2) : Math.ceil(th / 2);
    pl = autoPad === 'SAME_UPPER' ? Math.floor(tw / 2) : Math.ceil(tw / 2);
    pb = th - pt; pr = tw - pl;
  } else if (autoPad === 'VALID') { pt = pl = pb = pr = 0; }
  const includePad = Number(op.attrs.get('count_include_pad')?.value ?? 0) !== 0;
  const em = k.em;
  em.comment(`${op.name} ${xd0.join('x')} -> ${yd0.join('x')}`);
  const s = em.local('s', 'f32'), ih = em.local('ih', 'i32'), iw = em.local('iw', 'i32');
  const cy = em.local('cy', 'i32'), cx = em.local('cx', 'i32');
  // Tap counts per axis: inside the image, or inside the padded extent [-pad_begin, size + pad_end).
  const inRange = (v: string, lo: number, size: string, hi: number): string =>
    `(i32.and (i32.ge_s ${v} ${i32(-lo)}) (i32.lt_s ${v} ${add(size, i32(hi))}))`;
  em.loop('p', mul(k.dim(N!), k.dim(C!)), (p) => em.loop('oh', k.dim(OH!), (oh) => em.loop('ow', k.dim(OW!), (ow) => {
    em.set(s, isMax ? '(f32.const -inf)' : '(f32.const 0)');
    em.set(cy, i32(0));
    em.set(cx, i32(0));
    const plane = addr(k.ptr(x), mul(p, mul(k.dim(H!), k.dim(W!))), 4);
    for (let kx = 0; kx < kw!; kx++) {
      em.set(iw, sub(add(mul(ow, i32(sw!)), i32(kx * dw!)), i32(pl!)));
      em.set(cx, add(get(cx), includePad ? inRange(get(iw), pl!, k.dim(W!), pr!) : `(i32.lt_u ${get(iw)} ${k.dim(W!)})`));
    }
    for (let ky = 0; ky < kh!; ky++) {
      em.set(ih, sub(add(mul(oh, i32(sh!)), i32(ky * dh!)), i32(pt!)));
      em.set(cy, add(get(cy), includePad ? inRange(get(ih), pt!, k.dim(H!), pb!) : `(i32.lt_u ${get(ih)} ${k.dim(H!)})`));
      em.when(`(i32.lt_u ${get(ih)} ${k.dim(H!)})`, () => {
        for (let kx = 0; kx < kw!; kx++) {
          em.set(iw, sub(add(mul(ow, i32(sw!)), i32(kx * dw!)), i32(pl!)));
          em.when(`(i32.lt_u ${get(iw)} ${k.dim(W!)})`, () => em.set(s, `(f32.${isMax ? 'max' : 'add'} ${get(s)} (f32.load ${addr(plane, add(mul(get(ih), k.dim(W!)), get(iw)), 4)}))`));
        }
      });
    }
    const v = isMax ? get(s) : `(f32.div ${get(s)} (f32.convert_i32_s (i32.mul ${get(cy)} ${get(cx)})))`;
    em.line(`(f32.store ${addr(k.ptr(y), add(mul(add(mul(p, k.dim(OH!)), oh), k.dim(OW!)), ow), 4)} ${v})`);
  })));
}

function emitGlobalMax(k: KernelCtx, op: Op): void {
  const x = op.operands[0]!, y = op.results[0]!;
  if (y.type.dtype !== 'f32') k.fail(op, 'global_max_pool is f32 only in the wasm backend');
  const xd = k.dims(x);
  const L = k.size(xd.slice(2));
  const em = k.em;
  em.comment(`global_max_pool ${xd.join('x')}`);
  const m = em.local('m', 'f32');
  em.loop('p', k.size(xd.slice(0, 2)), (p) => {
    em.set(m, '(f32.const -inf)');
    em.loop('i', L, (i) => em.set(m, `(f32.max ${get(m)} (f32.load ${addr(k.ptr(x), add(mul(p, L), i), 4)}))`));
    em.line(`(f32.store ${addr(k.ptr(y), p, 4)} ${get(m)})`);
  });
}

/** max_pool: 2-D stays on the existing kernel; 1-D goes through the lifted window loop here. */
export const MAX_POOL_1D_KERNEL: KernelDef = {
  emit: (k, op) => (k.dims(op.operands[0]!).length === 4 ? MAX_POOL_KERNEL.emit(k, op) : emitAvgPool(k, op)),
  flops: (op, numel) => MAX_POOL_KERNEL.flops!(op, numel),
};
export const AVG_POOL_KERNEL: KernelDef = { emit: emitAvgPool, flops: (op, numel) => numel(op.results[0]!) * ((op.attrs.get('kernel_shape')?.value as number[]) ?? [1]).reduce((a, b) => a * b, 1) };
export const GLOBAL_MAX_KERNEL: KernelDef = { emit: emitGlobalMax, flops: (op, numel) => numel(op.operands[0]!) };
