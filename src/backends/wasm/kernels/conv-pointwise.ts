// Pointwise (1x1, stride 1, no padding, one group) convolution in NCHW is a GEMM with the pixels
// contiguous: Y[co, p] = bias[co] + sum_ci W[co, ci] * X[ci, p]. Register block: 4 output channels
// x 8 pixels (8 f32x4 accumulators, 2 vectors of X and one splat of W live: fits V8's 15 xmm
// registers, like gemm-kernel.ts's 4x8). Weights are packed as [ceil(Co/4)][Ci][4] (zero-padded), so
// a block's 4 weights of one input channel are adjacent; the inner loop walks X and W by pointer
// bumps (constant offsets, no index arithmetic). With static sizes the pixel tail is one more
// block of 8 or 4 placed to end at the last pixel (it recomputes a few pixels; y never aliases x
// or the residual), so no pixel runs at quarter speed; the epilogue (bias, then the group's relu/clip/residual add, see
// conv-epilogue.ts) is applied in registers before the store.

import type { Op } from '../../../../ir/ir.js';
import type { Tensor } from '../../../../ir/tensor.js';
import { add, addr, get, i32, mul } from '../emitter.js';
import type { KernelCtx } from '../kernel-api.js';
import { share, shareLoop, splits, staticDim, workOf } from '../threads.js';
import { takeEpilogue } from './conv-epilogue.js';

function packPointwise(t: Tensor): Float32Array {
  const [Co, Ci] = t.shape as [number, number];
  const nb = Math.ceil(Co / 4);
  const out = new Float32Array(nb * Ci * 4);
  const d = t.data as Float32Array;
  for (let co = 0; co < Co; co++) for (let ci = 0; ci < Ci; ci++) out[((co >> 2) * Ci + ci) * 4 + (co & 3)] = d[co * Ci + ci]!;
  return out;
}

/** Bias zero-padded to whole blocks of 4 channels. */
function packBias4(t: Tensor): Float32Array {
  const out = new Float32Array(Math.ceil(t.shape[0]! / 4) * 4);
  out.set(t.data as Float32Array);
  return out;
}

/** Whether `op` (a conv) is pointwise with static channel counts. */
export function isPointwise(op: Op, kernel: readonly number[], group: number, padded: boolean, strides: readonly number[]): boolean {
  return group === 1 && !padded && kernel.every((k) => k === 1) && strides.every((s) => s === 1) && op.operands[0]!.type.shape?.length === 4;
}

export function emitPointwise(k: KernelCtx, op: Op): void {
  const [X, Wt, B] = op.operands;
  const epi = takeEpilogue(k, op);
  const y = epi.out;
  const xd = k.dims(X!), yd = k.dims(op.results[0]!);
  const Ci = Number(xd[1]), Co = Number(yd[1]);
  const em = k.em;
  em.comment(`pointwise conv ${xd.join('x')} -> ${yd.join('x')} (4 channels x 8 pixels)${epi.names.length ? ` + ${epi.names.join(' + ')}` : ''}`);
  const wp = k.packed(Wt!, 'conv1x1-oc4', packPointwise);
  const bp = B ? k.packed(B, 'bias-oc4', packBias4) : undefined;
  const hwStatic = typeof xd[2] === 'number' && typeof xd[3] === 'number' ? xd[2] * xd[3] : undefined;
  const HW = hwStatic !== undefined ? i32(hwStatic) : mul(k.dim(xd[2]!), k.dim(xd[3]!));
  const hwBytes = hwStatic !== undefined ? i32(hwStatic * 4) : (() => { const l = em.local('hwb', 'i32'); em.set(l, mul(HW, i32(4))); return get(l); })();
  const nb = Math.ceil(Co / 4);
  const acc = Array.from({ length: 8 }, (_v, i) => em.local(`c${i}`, 'v128'));
  const x0 = em.local('x0', 'v128'), x1 = em.local('x1', 'v128'), w = em.local('w', 'v128');
  const px = em.local('px', 'i32'), pw = em.local('pw', 'i32'), wEnd = em.local('wend', 'i32'), wBlk = em.local('wblk', 'i32');
  // Threaded: split the channel blocks or the 8-pixel blocks, whichever has more.
  const split = splits(k, workOf(k, op.results[0]!, Ci));
  const byPixels = split && staticDim(xd[2]!) * staticDim(xd[3]!) / 8 > nb;
  em.loop('n', k.dim(xd[0]!), (n) => shareLoop(k, 'cb', i32(nb), split && !byPixels && {}, (cb) => {
    const xImg = addr(k.ptr(X!), mul(n, mul(i32(Ci), HW)), 4);
    const plane0 = mul(add(mul(n, i32(Co)), mul(cb, i32(4))), HW);
    em.set(wBlk, add(wp, mul(cb, i32(Ci * 16))));
    em.set(wEnd, add(get(wBlk), i32(Ci * 16)));
    const co = (r: number): string => add(mul(cb, i32(4)), i32(r));
    const block = (p: string, width: 8 | 4 | 1): void => {
      const nv = width === 8 ? 2 : 1;
      for (let r = 0; r < 4; r++) {
        const b = bp ? `(v128.load32_splat offset=${r * 4} ${add(bp, mul(cb, i32(16)))})` : '(v128.const i32x4 0 0 0 0)';
        for (let v = 0; v < nv; v++) em.set(acc[r * 2 + v]!, b);
      }
      em.set(px, addr(xImg, p, 4));
      em.set(pw, get(wBlk));
      em.line('(loop $ci');
      if (width === 1) em.set(x0, `(v128.load32_splat ${get(px)})`);
      else em.set(x0, `(v128.load align=4 ${get(px)})`);
      if (width === 8) em.set(x1, `(v128.load offset=16 align=4 ${get(px)})`);
      for (let r = 0; r < 4; r++) {
        em.set(w, `(v128.load32_splat offset=${r * 4} ${get(pw)})`);
        for (let v = 0; v < nv; v++) {
          const a = acc[r * 2 + v]!;
          em.set(a, `(f32x4.add ${get(a)} (f32x4.mul ${get(w)} ${get(v === 0 ? x0 : x1)}))`);
        }
      }
      em.set(px, add(get(px), hwBytes));
      em.set(pw, add(get(pw), i32(16)));
      em.line(`(br_if $ci (i32.ne ${get(pw)} ${get(wEnd)})))`);
      for (let r = 0; r < 4; r++) {
        const at = add(add(plane0, mul(i32(r), HW)), p);
        const yRow = addr(k.ptr(y), at, 4);
        const store = (): void => {
          if (width === 1) em.line(`(f32.store ${yRow} ${epi.scalar(`(f32x4.extract_lane 0 ${get(acc[r * 2]!)})`, at)})`);
          else {
            em.line(`(v128.store align=4 ${yRow} ${epi.vec(get(acc[r * 2]!), at)})`);
            if (width === 8) em.line(`(v128.store offset=16 align=4 ${yRow} ${epi.vec(get(acc[r * 2 + 1]!), add(at, i32(4)))})`);
          }
        };
        if (Co % 4 === 0 || r === 0) store();
        else em.when(`(i32.lt_u ${co(r)} ${i32(Co)})`, store);
      }
    };
    const p = em.local('p', 'i32');
    if (byPixels) return pixelShare(k, HW, hwStatic, p, block);
    em.forRange(p, i32(0), HW, 8, () => block(get(p), 8));
    if (hwStatic !== undefined && hwStatic >= 8) {
      // A remainder of 1-4 pixels (7x7 planes: 49 = 6 x 8 + 1) needs only a 4-wide block.
      if (hwStatic % 8 !== 0) block(i32(hwStatic - (hwStatic % 8 <= 4 ? 4 : 8)), hwStatic % 8 <= 4 ? 4 : 8);
    } else if (hwStatic !== undefined && hwStatic >= 4) {
      block(i32(0), 4);
      if (hwStatic % 4 !== 0) block(i32(hwStatic - 4), 4);
    } else {
      em.forRange(p, get(p), HW, 4, () => block(get(p), 4));
      em.forRange(p, get(p), HW, 1, () => block(get(p), 1));
    }
  }));
}

/**
 * Threaded, split by pixels: this thread's 8-aligned share of the plane. Only the thread whose
 * share ends the plane has a remainder; it takes the overlapping static tail block when that block
 * lies inside its own share (another thread's pixels are never written twice), else 4 then 1
 * pixel at a time. Every pixel sums the same products in the same order whatever its block's
 * width, so the bits equal model.wasm's.
 */
function pixelShare(k: KernelCtx, HW: string, hwStatic: number | undefined, p: string, block: (p: string, width: 8 | 4 | 1) => void): void {
  const em = k.em;
  const r = share(k, HW, { align: 8 });
  em.forRange(p, r.lo, r.hi, 8, () => block(get(p), 8));
  const rest = (): void => {
    em.forRange(p, get(p), r.hi, 4, () => block(get(p), 4));
    em.forRange(p, get(p), r.hi, 1, () => block(get(p), 1));
  };
  if (hwStatic === undefined || hwStatic < 8) return rest();
  if (hwStatic % 8 === 0) return;
  const width = hwStatic % 8 <= 4 ? 4 : 8;
  em.line(`(if (i32.lt_s ${get(p)} ${r.hi}) (then`);
  em.line(`(if (i32.ge_s (i32.sub ${r.hi} ${r.lo}) ${i32(width)}) (then`);
  block(i32(hwStatic - width), width);
  em.line(') (else');
  rest();
  em.line('))))');
}
