// Pooling (NCHW): max_pool with pads/strides/dilations/ceil_mode (output size from the type),
// and global_average_pool (a row sum in f32x4 per channel).

import type { Op, Value } from '../../../../ir/ir.js';
import { add, addr, get, i32, mul, sub } from '../emitter.js';
import type { KernelCtx, KernelDef } from '../kernel-api.js';
import { windowOf } from './conv.js';

function emitMaxPool(k: KernelCtx, op: Op): void {
  const x = op.operands[0]!, y = op.results[0]!;
  if (op.results.length > 1 && op.results[1]) k.fail(op, 'max_pool Indices output is not supported by the wasm backend');
  const xd = k.dims(x), yd = k.dims(y);
  if (xd.length !== 4 || y.type.dtype !== 'f32') k.fail(op, 'only 2-D f32 max_pool is supported by the wasm backend');
  const kernel = op.attrs.get('kernel_shape')!.value as number[];
  const [N, C, H, W] = xd, [, , OH, OW] = yd;
  const win = windowOf(k, op, kernel, H!, W!, OH!, OW!);
  const em = k.em;
  em.comment(`max_pool ${xd.join('x')} -> ${yd.join('x')}`);
  const m = em.local('m', 'f32'), ih = em.local('ih', 'i32'), iw = em.local('iw', 'i32');
  em.loop('p', mul(k.dim(N!), k.dim(C!)), (p) => em.loop('oh', k.dim(OH!), (oh) => em.loop('ow', k.dim(OW!), (ow) => {
    em.set(m, '(f32.const -inf)');
    const plane = addr(k.ptr(x), mul(p, mul(k.dim(H!), k.dim(W!))), 4);
    for (let ky = 0; ky < win.kh; ky++) {
      em.set(ih, sub(add(mul(oh, i32(win.sh)), i32(ky * win.dh)), i32(win.pt)));
      em.when(`(i32.lt_u ${get(ih)} ${k.dim(H!)})`, () => {
        for (let kx = 0; kx < win.kw; kx++) {
          em.set(iw, sub(add(mul(ow, i32(win.sw)), i32(kx * win.dw)), i32(win.pl)));
          em.when(`(i32.lt_u ${get(iw)} ${k.dim(W!)})`, () => em.set(m, `(f32.max ${get(m)} (f32.load ${addr(plane, add(mul(get(ih), k.dim(W!)), get(iw)), 4)}))`));
        }
      });
    }
    em.line(`(f32.store ${addr(k.ptr(y), add(mul(add(mul(p, k.dim(OH!)), oh), k.dim(OW!)), ow), 4)} ${get(m)})`);
  })));
}

function emitGlobalAvg(k: KernelCtx, op: Op): void {
  const x = op.operands[0]!, y = op.results[0]!;
  const xd = k.dims(x);
  if (y.type.dtype !== 'f32') k.fail(op, 'global_average_pool is f32 only in the wasm backend');
  const em = k.em;
  const L = k.size(xd.slice(2));
  em.comment(`global_average_pool ${xd.join('x')}`);
  const acc = em.local('acc', 'v128'), s = em.local('s', 'f32');
  const hsum = k.helper('hsum');
  em.loop('p', k.size(xd.slice(0, 2)), (p) => {
    const row = addr(k.ptr(x), mul(p, L), 4);
    em.set(acc, '(v128.const i32x4 0 0 0 0)');
    em.set(s, '(f32.const 0)');
    em.vecLoop(L, (i) => em.set(acc, `(f32x4.add ${get(acc)} (v128.load align=4 ${addr(row, i, 4)}))`),
      (i) => em.set(s, `(f32.add ${get(s)} (f32.load ${addr(row, i, 4)}))`));
    em.line(`(f32.store ${addr(k.ptr(y), p, 4)} (f32.div (f32.add (call ${hsum} ${get(acc)}) ${get(s)}) (f32.convert_i32_u ${L})))`);
  });
}

export const MAX_POOL_KERNEL: KernelDef = { emit: emitMaxPool, flops: (op: Op, numel: (v: Value) => number) => numel(op.results[0]!) * ((op.attrs.get('kernel_shape')?.value as number[]) ?? [1]).reduce((a, b) => a * b, 1) };
export const GLOBAL_AVG_KERNEL: KernelDef = { emit: emitGlobalAvg, flops: (op: Op, numel: (v: Value) => number) => numel(op.operands[0]!) };
