// Pointwise (1x1, stride 1, no padding, one group) convolution in NCHW is a GEMM with the pixels
// contiguous: Y[co, p] = bias[co] + sum_ci W[co, ci] * X[ci, p]. Register block: 4 output channels
// x 8 pixels (8 f32x4 accumulators, 2 vectors of X and one splat of W live: fits V8's 15 xmm
// registers); pixel tails run 4 then 1 pixel at a time. Weights are packed as
// [ceil(Co/4)][Ci][4] (zero-padded), so a block's 4 weights of one input channel are adjacent.

import type { Op } from '../../../../ir/ir.js';
import type { Tensor } from '../../../../ir/tensor.js';
import { add, addr, get, i32, mul } from '../emitter.js';
import type { KernelCtx } from '../kernel-api.js';
import { share, shareLoop, splits, staticDim, workOf } from '../threads.js';

function packPointwise(t: Tensor): Float32Array {
  const [Co, Ci] = t.shape as [number, number];
  const nb = Math.ceil(Co / 4);
  const out = new Float32Array(nb * Ci * 4);
  const d = t.data as Float32Array;
  for (let co = 0; co < Co; co++) for (let ci = 0; ci < Ci; ci++) out[((co >> 2) * Ci + ci) * 4 + (co & 3)] = d[co * Ci + ci]!;
  return out;
}

/** Whether `op` (a conv) is pointwise with static channel counts. */
export function isPointwise(op: Op, kernel: readonly number[], group: number, padded: boolean, strides: readonly number[]): boolean {
  return group === 1 && !padded && kernel.every((k) => k === 1) && strides.every((s) => s === 1) && op.operands[0]!.type.shape?.length === 4;
}

export function emitPointwise(k: KernelCtx, op: Op): void {
  const [X, Wt, B] = op.operands;
  const y = op.results[0]!;
  const xd = k.dims(X!), yd = k.dims(y);
  const Ci = Number(xd[1]), Co = Number(yd[1]);
  const em = k.em;
  em.comment(`pointwise conv ${xd.join('x')} -> ${yd.join('x')} (4 channels x 8 pixels)`);
  const wp = k.packed(Wt!, 'conv1x1-oc4', packPointwise);
  const HW = mul(k.dim(xd[2]!), k.dim(xd[3]!));
  const nb = Math.ceil(Co / 4);
  const acc = Array.from({ length: 8 }, (_v, i) => em.local(`c${i}`, 'v128'));
  const x0 = em.local('x0', 'v128'), x1 = em.local('x1', 'v128'), w = em.local('w', 'f32');
  const bias = (r: string): string => (B ? `(f32x4.splat (f32.load ${addr(k.ptr(B), r, 4)}))` : '(v128.const i32x4 0 0 0 0)');
  // Threaded: split the channel blocks or the 8-pixel blocks, whichever has more.
  const split = splits(k, workOf(k, y, Ci));
  const byPixels = split && staticDim(xd[2]!) * staticDim(xd[3]!) / 8 > nb;
  em.loop('n', k.dim(xd[0]!), (n) => shareLoop(k, 'cb', i32(nb), split && !byPixels && {}, (cb) => {
    const xImg = addr(k.ptr(X!), mul(n, mul(i32(Ci), HW)), 4);
    const yImg = addr(k.ptr(y), mul(n, mul(i32(Co), HW)), 4);
    const wBlk = add(wp, mul(cb, i32(Ci * 16)));
    const co = (r: number): string => add(mul(cb, i32(4)), i32(r));
    // Bias of a padded channel reads past Co: clamp the index (its results are never stored).
    const biasAt = (r: number): string => bias(`(select ${co(r)} ${i32(Co - 1)} (i32.lt_u ${co(r)} ${i32(Co)}))`);
    const block = (p: string, width: 8 | 4 | 1): void => {
      const nv = width === 8 ? 2 : 1;
      for (let r = 0; r < 4; r++) for (let v = 0; v < nv; v++) em.set(acc[r * 2 + v]!, biasAt(r));
      em.loop('ci', i32(Ci), (ci) => {
        const xRow = addr(xImg, add(mul(ci, HW), p), 4);
        if (width === 1) em.set(x0, `(f32x4.splat (f32.load ${xRow}))`);
        else em.set(x0, `(v128.load align=4 ${xRow})`);
        if (width === 8) em.set(x1, `(v128.load offset=16 align=4 ${xRow})`);
        for (let r = 0; r < 4; r++) {
          em.set(w, `(f32.load offset=${r * 4} ${add(wBlk, mul(ci, i32(16)))})`);
          for (let v = 0; v < nv; v++) {
            const a = acc[r * 2 + v]!;
            em.set(a, `(f32x4.add ${get(a)} (f32x4.mul (f32x4.splat ${get(w)}) ${get(v === 0 ? x0 : x1)}))`);
          }
        }
      });
      for (let r = 0; r < 4; r++) {
        const yRow = addr(yImg, add(mul(co(r), HW), p), 4);
        const store = (): void => {
          if (width === 1) em.line(`(f32.store ${yRow} (f32x4.extract_lane 0 ${get(acc[r * 2]!)}))`);
          else {
            em.line(`(v128.store align=4 ${yRow} ${get(acc[r * 2]!)})`);
            if (width === 8) em.line(`(v128.store offset=16 align=4 ${yRow} ${get(acc[r * 2 + 1]!)})`);
          }
        };
        if (Co % 4 === 0 || r === 0) store();
        else em.when(`(i32.lt_u ${co(r)} ${i32(Co)})`, store);
      }
    };
    const px = byPixels ? share(k, HW, { align: 8 }) : { lo: i32(0), hi: HW };
    const p = em.local('p', 'i32');
    em.forRange(p, px.lo, px.hi, 8, () => block(get(p), 8));
    em.forRange(p, get(p), px.hi, 4, () => block(get(p), 4));
    em.forRange(p, get(p), px.hi, 1, () => block(get(p), 1));
  }));
}
