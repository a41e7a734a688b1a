// 2-D convolution (NCHW). Dispatch, most specific first:
// - depthwise with static spatial sizes and stride 1 or 2: conv-depthwise.ts (zero-padded plane copy);
// - pointwise (1x1, stride 1, no padding): conv-pointwise.ts (4 channels x 8 pixels GEMM block);
// - general with static sizes and a small border: conv-direct.ts (zero-padded planes);
// - otherwise the two bounds-checked kernels below:
//   - general (any group with >1 output channel per group): output channels in f32x4 lanes. Weights
//     are packed at compile time as [group][ceil(Co_g/4)][Ci_g][kh][kw][4] (zero-padded), bias as
//     [group][ceil(Co_g/4)][4]; each tap is splat(x) * 4 weights. Taps are unrolled; bounds checks
//     are dropped when there is no padding.
//   - depthwise (one input and one output channel per group): 4 output columns in f32x4 lanes,
//     inputs gathered by $load4 (one v128.load when the stride is 1 and the row is in bounds).
// Every path applies the fused group's relu/clip/residual-add epilogue before its stores
// (conv-epilogue.ts).

import type { Op, Value } from '../../../../ir/ir.js';
import type { Tensor } from '../../../../ir/tensor.js';
import { add, addr, get, i32, mul, sub } from '../emitter.js';
import type { KernelCtx, KernelDef } from '../kernel-api.js';
import { emitPointwise, isPointwise } from './conv-pointwise.js';
import { emitDepthwisePadded } from './conv-depthwise.js';
import { takeEpilogue } from './conv-epilogue.js';
import { emitConvDirect } from './conv-direct.js';
import { shareLoop, splits, staticDim, workOf } from '../threads.js';

export interface Window {
  kh: number; kw: number; sh: number; sw: number; dh: number; dw: number; pt: number; pl: number; padded: boolean;
}

/** Window attributes with auto_pad resolved from the static input and output sizes. */
export function windowOf(k: KernelCtx, op: Op, kernel: readonly number[], H: number | string, W: number | string, OH: number | string, OW: number | string): Window {
  const ints = (n: string): readonly number[] | undefined => op.attrs.get(n)?.value as readonly number[] | undefined;
  const [sh, sw] = ints('strides') ?? [1, 1];
  const [dh, dw] = ints('dilations') ?? [1, 1];
  const autoPad = String(op.attrs.get('auto_pad')?.value ?? 'NOTSET');
  let [pt, pl, pb, pr] = ints('pads') ?? [0, 0, 0, 0];
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    if (typeof H !== 'number' || typeof W !== 'number' || typeof OH !== 'number' || typeof OW !== 'number') k.fail(op, 'auto_pad needs static spatial sizes');
    const th = Math.max(0, (OH - 1) * sh! + (kernel[0]! - 1) * dh! + 1 - H), tw = Math.max(0, (OW - 1) * sw! + (kernel[1]! - 1) * dw! + 1 - W);
    pt = autoPad === 'SAME_UPPER' ? Math.floor(th / 2) : Math.ceil(th / 2);
    pl = autoPad === 'SAME_UPPER' ? Math.floor(tw / 2) : Math.ceil(tw / 2);
    pb = th - pt; pr = tw - pl;
  }
  return { kh: kernel[0]!, kw: kernel[1]!, sh: sh!, sw: sw!, dh: dh!, dw: dw!, pt: pt!, pl: pl!, padded: pt! + pl! + pb! + pr! > 0 };
}

function packConv(t: Tensor, groups: number): Float32Array {
  const [Co, Cig, kh, kw] = t.shape as [number, number, number, number];
  const Cog = Co / groups, nb = Math.ceil(Cog / 4), taps = Cig * kh * kw;
  const out = new Float32Array(groups * nb * taps * 4);
  const d = t.data as Float32Array;
  for (let g = 0; g < groups; g++) for (let co = 0; co < Cog; co++) for (let i = 0; i < taps; i++) {
    out[((g * nb + (co >> 2)) * taps + i) * 4 + (co & 3)] = d[(g * Cog + co) * taps + i]!;
  }
  return out;
}

function packBias(t: Tensor, groups: number): Float32Array {
  const Co = t.shape[0]!, Cog = Co / groups, nb = Math.ceil(Cog / 4);
  const out = new Float32Array(groups * nb * 4);
  for (let g = 0; g < groups; g++) for (let co = 0; co < Cog; co++) out[(g * nb + (co >> 2)) * 4 + (co & 3)] = (t.data as Float32Array)[g * Cog + co]!;
  return out;
}

function emitConv(k: KernelCtx, op: Op): void {
  const [X, Wt, B] = op.operands;
  const y = op.results[0]!;
  const xd = k.dims(X!), wd = k.dims(Wt!), yd = k.dims(y);
  if (xd.length !== 4 || y.type.dtype !== 'f32') k.fail(op, 'only 2-D f32 convolutions are supported by the wasm backend');
  const w = k.constant(Wt!);
  if (!w) k.fail(op, 'the convolution weight must be a constant');
  if (B && !k.constant(B)) k.fail(op, 'the convolution bias must be a constant');
  const group = Number(op.attrs.get('group')?.value ?? 1);
  const [, C, H, W] = xd as [unknown, number | string, number | string, number | string];
  const [, Co, OH, OW] = yd as [unknown, number, number | string, number | string];
  const win = windowOf(k, op, [wd[2] as number, wd[3] as number], H, W, OH, OW);
  const Cig = wd[1] as number, Cog = Co / group;
  if (Cig === 1 && Cog === 1) return void (emitDepthwisePadded(k, op, win) || emitDepthwise(k, op, win));
  if (isPointwise(op, [win.kh, win.kw], group, win.padded, [win.sh, win.sw]) && typeof C === 'number') return emitPointwise(k, op);
  const packedW = (): string => k.packed(Wt!, `conv-oc4-g${group}`, (t) => packConv(t, group));
  const packedB = B ? (): string => k.packed(B, `bias-oc4-g${group}`, (t) => packBias(t, group)) : undefined;
  if (emitConvDirect(k, op, win, group, packedW, packedB)) return;
  const em = k.em;
  const epi = takeEpilogue(k, op);
  const nb = Math.ceil(Cog / 4), taps = Cig * win.kh * win.kw;
  em.comment(`conv ${xd.join('x')} -> ${yd.join('x')} k=${win.kh}x${win.kw} s=${win.sh} group=${group}`);
  const wp = k.packed(Wt!, `conv-oc4-g${group}`, (t) => packConv(t, group));
  const bp = B ? k.packed(B, `bias-oc4-g${group}`, (t) => packBias(t, group)) : undefined;
  // Up to 4 blocks of 4 output channels per pixel share each input load (one splat, 4 FMAs).
  const per = [4, 2, 1].find((q) => nb % q === 0)!;
  const acc = Array.from({ length: per }, () => em.local('acc', 'v128'));
  const xv = em.local('xv', 'v128');
  const ih = em.local('ih', 'i32'), iw = em.local('iw', 'i32');
  const HW = mul(k.dim(H), k.dim(W)), OHW = mul(k.dim(OH), k.dim(OW));
  // Threaded: split the channel blocks or the output rows, whichever has more.
  const split = splits(k, workOf(k, y, taps));
  const byRows = staticDim(OH) > nb / per;
  em.loop('n', k.dim(xd[0]!), (n) => em.loop('g', i32(group), (g) => shareLoop(k, 'cb', i32(nb / per), split && !byRows && {}, (cb) => {
    const blk0 = add(mul(g, i32(nb)), mul(cb, i32(per)));
    const wBlk = addr(wp, mul(blk0, i32(taps * 4)), 4);
    shareLoop(k, 'oh', k.dim(OH), split && byRows && {}, (oh) => em.loop('ow', k.dim(OW), (ow) => {
      acc.forEach((a, j) => em.set(a, bp ? `(v128.load ${addr(bp, mul(add(blk0, i32(j)), i32(4)), 4)})` : '(v128.const i32x4 0 0 0 0)'));
      em.loop('ci', i32(Cig), (ci) => {
        const xPlane = addr(k.ptr(X!), mul(add(mul(n, k.dim(C)), add(mul(g, i32(Cig)), ci)), HW), 4);
        const wCi = add(wBlk, mul(ci, i32(win.kh * win.kw * 16)));
        for (let ky = 0; ky < win.kh; ky++) {
          em.set(ih, sub(add(mul(oh, i32(win.sh)), i32(ky * win.dh)), i32(win.pt)));
          const row = (): void => {
            for (let kx = 0; kx < win.kw; kx++) {
              em.set(iw, sub(add(mul(ow, i32(win.sw)), i32(kx * win.dw)), i32(win.pl)));
              const taps4 = (): void => {
                em.set(xv, `(f32x4.splat (f32.load ${addr(xPlane, add(mul(get(ih), k.dim(W)), get(iw)), 4)}))`);
                acc.forEach((a, j) => em.set(a, `(f32x4.add ${get(a)} (f32x4.mul ${get(xv)} (v128.load offset=${j * taps * 16 + (ky * win.kw + kx) * 16} ${wCi})))`));
              };
              if (win.padded) em.when(`(i32.lt_u ${get(iw)} ${k.dim(W)})`, taps4);
              else taps4();
            }
          };
          if (win.padded) em.when(`(i32.lt_u ${get(ih)} ${k.dim(H)})`, row);
          else row();
        }
      });
      const yPix = add(mul(oh, k.dim(OW)), ow);
      acc.forEach((a, j) => {
        // Lanes are output channels: a lane-wise epilogue runs once on the vector (scalar f32.min/max are slow in V8).
        if (epi.lanewise && epi.names.length > 0) em.set(a, epi.vec(get(a), i32(0)));
        for (let l = 0; l < 4; l++) {
          const co = add(mul(add(mul(cb, i32(per)), i32(j)), i32(4)), i32(l));
          const at = add(mul(add(mul(n, i32(Co)), add(mul(g, i32(Cog)), co)), OHW), yPix);
          const store = `(f32.store ${addr(k.ptr(epi.out), at, 4)} ${epi.lanewise ? `(f32x4.extract_lane ${l} ${get(a)})` : epi.scalar(`(f32x4.extract_lane ${l} ${get(a)})`, at)})`;
          if (Cog % 4 === 0) em.line(store);
          else em.when(`(i32.lt_u ${co} ${i32(Cog)})`, () => em.line(store));
        }
      });
    }));
  })));
}

function emitDepthwise(k: KernelCtx, op: Op, win: Window): void {
  const [X, Wt, B] = op.operands;
  const y = op.results[0]!;
  const xd = k.dims(X!), yd = k.dims(y);
  const [, C, H, W] = xd;
  const [, , OH, OW] = yd;
  const em = k.em;
  const epi = takeEpilogue(k, op);
  em.comment(`depthwise conv ${xd.join('x')} -> ${yd.join('x')} k=${win.kh}x${win.kw} s=${win.sh}`);
  const load4 = k.helper('load4');
  const wp = k.ptr(Wt!);
  const taps = win.kh * win.kw;
  const wv = Array.from({ length: taps }, () => em.local('w', 'v128'));
  const acc = em.local('acc', 'v128'), bias = em.local('bias', 'v128');
  const ih = em.local('ih', 'i32');
  const HW = mul(k.dim(H!), k.dim(W!)), OHW = mul(k.dim(OH!), k.dim(OW!));
  // Threaded: split the channels.
  const split = splits(k, workOf(k, y, taps));
  em.loop('n', k.dim(xd[0]!), (n) => shareLoop(k, 'c', k.dim(C!), split && {}, (c) => {
    wv.forEach((l, t) => em.set(l, `(f32x4.splat (f32.load ${addr(wp, add(mul(c, i32(taps)), i32(t)), 4)}))`));
    em.set(bias, B ? `(f32x4.splat (f32.load ${addr(k.ptr(B), c, 4)}))` : '(v128.const i32x4 0 0 0 0)');
    const plane = add(mul(n, k.dim(C!)), c);
    const xPlane = addr(k.ptr(X!), mul(plane, HW), 4);
    const yPlane = addr(k.ptr(epi.out), mul(plane, OHW), 4);
    const at = (oh: string, ow: string): string => add(mul(plane, OHW), add(mul(oh, k.dim(OW!)), ow));
    em.loop('oh', k.dim(OH!), (oh) => {
      // interior: every lane of every tap is inside the row, so lanes load directly (stride 1: one
      // v128.load; stride 2: two loads and a shuffle of the even lanes); else $load4 checks lanes.
      const body = (ow: string, interior: boolean): void => {
        em.set(acc, get(bias));
        for (let ky = 0; ky < win.kh; ky++) {
          em.set(ih, sub(add(mul(oh, i32(win.sh)), i32(ky * win.dh)), i32(win.pt)));
          em.when(`(i32.lt_u ${get(ih)} ${k.dim(H!)})`, () => {
            const row = addr(xPlane, mul(get(ih), k.dim(W!)), 4);
            for (let kx = 0; kx < win.kw; kx++) {
              const iw0 = sub(add(mul(ow, i32(win.sw)), i32(kx * win.dw)), i32(win.pl));
              const at = addr(row, iw0, 4);
              const xs = !interior ? `(call ${load4} ${row} ${iw0} ${i32(win.sw)} ${k.dim(W!)} (f32.const 0))`
                : win.sw === 1 ? `(v128.load align=4 ${at})`
                : `(i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (v128.load align=4 ${at}) (v128.load offset=16 align=4 ${at}))`;
              em.set(acc, `(f32x4.add ${get(acc)} (f32x4.mul ${xs} ${get(wv[ky * win.kw + kx]!)}))`);
            }
          });
        }
      };
      const fast = win.sw <= 2;
      // Last element read by the block's rightmost tap, relative to ow * sw (stride 2 loads 8 lanes).
      const reach = (win.sw === 1 ? 3 : 7) + (win.kw - 1) * win.dw - win.pl;
      // Blocks of 4 output columns, then one partial block whose valid lanes are stored one by one.
      const owL = em.local('ow', 'i32');
      const ow = get(owL);
      const yRow = addr(yPlane, mul(oh, k.dim(OW!)), 4);
      em.forRange(owL, i32(0), k.dim(OW!), 4, () => {
        if (fast) {
          const lo = sub(mul(ow, i32(win.sw)), i32(win.pl));
          em.line(`(if (i32.and (i32.ge_s ${lo} (i32.const 0)) (i32.lt_s ${add(mul(ow, i32(win.sw)), i32(reach))} ${k.dim(W!)})) (then`);
          body(ow, true);
          em.line(') (else');
          body(ow, false);
          em.line('))');
        } else body(ow, false);
        em.line(`(v128.store align=4 ${addr(yRow, ow, 4)} ${epi.vec(get(acc), at(oh, ow))})`);
      });
      em.when(`(i32.lt_s ${ow} ${k.dim(OW!)})`, () => {
        body(ow, false);
        if (epi.lanewise && epi.names.length > 0) em.set(acc, epi.vec(get(acc), i32(0)));
        for (let l = 0; l < 3; l++) {
          const v = `(f32x4.extract_lane ${l} ${get(acc)})`;
          em.when(`(i32.lt_s ${add(ow, i32(l))} ${k.dim(OW!)})`, () => em.line(`(f32.store ${addr(yRow, add(ow, i32(l)), 4)} ${epi.lanewise ? v : epi.scalar(v, at(oh, add(ow, i32(l))))})`));
        }
      });
    });
  }));
}

export const CONV_KERNEL: KernelDef = {
  emit: emitConv,
  flops: (op: Op, numel: (v: Value) => number) => {
    const w = op.operands[1]!.type.shape ?? [];
    return 2 * numel(op.results[0]!) * w.slice(1).reduce<number>((a, d) => a * (Number(d) || 1), 1);
  },
};
