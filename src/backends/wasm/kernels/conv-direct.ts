// General 2-D convolution (NCHW, any group with more than one output channel per group) with static
// spatial sizes: the group's input planes are copied into zero-padded planes in a scratch buffer
// (conv-depthwise.ts's copyPadded), so the taps of an output pixel are loads at constant offsets
// from pointers that move by the stride and by a row: no bounds checks and no index arithmetic per
// tap. The loop over input channels and kernel rows is not unrolled: V8 hoists all loads of a
// basic block ahead of the arithmetic, so a fully unrolled window (27 taps of the first
// mobilenet conv) spills (measured: unrolled 1.04 ms, per channel 0.92, per kernel row 0.87; the
// checked kernel 1.0; two pixels per step 0.81). Output channels in f32x4 lanes over packed
// weights, up to 4 blocks of 4 channels per pixel share each input splat and two adjacent pixels
// share each weight load; the epilogue (conv-epilogue.ts) runs on the vector before the lanes are
// stored.
// Threaded: the output rows (or the channel blocks, when there are more of them) are split; every
// thread zeroes and fills its own scratch slot with all of the group's padded planes (the copy is
// small next to the taps: 3 planes for the first mobilenet conv) and reads only its own slot.

import type { Op } from '../../../../ir/ir.js';
import { add, addr, get, i32, mul } from '../emitter.js';
import type { KernelCtx } from '../kernel-api.js';
import { copyPadded, MAX_SCRATCH } from './conv-depthwise.js';
import { takeEpilogue } from './conv-epilogue.js';
import type { Window } from './conv.js';
import { shareLoop, splits, workOf } from '../threads.js';

/**
 * Emits the kernel and returns true, or returns false (emitting nothing) when the sizes are not
 * static or the padded planes would be too large. `wp`/`bp` are the packed weights and bias
 * ([group][ceil(Cog/4)][Cig][kh][kw][4] and [group][ceil(Cog/4)][4]).
 */
export function emitConvDirect(k: KernelCtx, op: Op, win: Window, group: number, wp: () => string, bp: (() => string) | undefined): boolean {
  const X = op.operands[0]!;
  const xd = k.dims(X), yd = k.dims(op.results[0]!);
  const [, C, H, W] = xd;
  const [, Co, OH, OW] = yd;
  if (typeof H !== 'number' || typeof W !== 'number' || typeof OH !== 'number' || typeof OW !== 'number' || typeof Co !== 'number') return false;
  const Cig = Number(k.dims(op.operands[1]!)[1]), Cog = Co / group;
  const PH = Math.max(H + win.pt, (OH - 1) * win.sh + (win.kh - 1) * win.dh + 1);
  const PW = Math.max(W + win.pl, (OW - 1) * win.sw + (win.kw - 1) * win.dw + 1);
  const bytes = Cig * PH * PW * 4;
  // Worth it only when the border is a small part of the planes: on tiny planes (4x4, pad 1) the
  // checked kernel skips almost half of the taps, which this one would multiply by zero.
  if (bytes > MAX_SCRATCH || OH === 0 || OW === 0 || PH * PW * 4 > 5 * H * W) return false;
  const epi = takeEpilogue(k, op);
  const em = k.em;
  em.comment(`conv ${xd.join('x')} -> ${yd.join('x')} k=${win.kh}x${win.kw} s=${win.sh} group=${group} (padded planes ${PH}x${PW})${epi.names.length ? ` + ${epi.names.join(' + ')}` : ''}`);
  const nb = Math.ceil(Cog / 4), window = win.kh * win.kw, taps = Cig * window;
  const per = [4, 2, 1].find((q) => nb % q === 0)!;
  const W4 = wp(), B4 = bp?.();
  const sp = k.scratch(bytes);
  const acc = [0, 1].map(() => Array.from({ length: per }, () => em.local('acc', 'v128')));
  const xv = [em.local('xv', 'v128'), em.local('xv', 'v128')], wv = em.local('wv', 'v128');
  const pin = em.local('pin', 'i32'), pc = em.local('pc', 'i32'), pr = em.local('pr', 'i32'), wc = em.local('wc', 'i32'), wBlk = em.local('wblk', 'i32'), at = em.local('at', 'i32');
  const planeBytes = PH * PW * 4;
  em.line(`(memory.fill ${sp} (i32.const 0) ${i32(bytes)})`);
  const split = splits(k, workOf(k, op.results[0]!, taps));
  const byRows = OH > nb / per;
  em.loop('n', k.dim(xd[0]!), (n) => em.loop('g', i32(group), (g) => {
    copyPadded(k, addr(k.ptr(X), mul(add(mul(n, k.dim(C!)), mul(g, i32(Cig))), i32(H * W)), 4), Cig, { H, W, PH, PW, pt: win.pt, pl: win.pl }, sp);
    shareLoop(k, 'cb', i32(nb / per), split && !byRows && {}, (cb) => {
      const blk0 = add(mul(g, i32(nb)), mul(cb, i32(per)));
      em.set(wBlk, addr(W4, mul(blk0, i32(taps * 4)), 4));
      shareLoop(k, 'oh', i32(OH), split && byRows && {}, (oh) => {
        em.set(pin, add(sp, mul(oh, i32(win.sh * PW * 4))));
        em.set(at, add(mul(oh, i32(OW)), mul(add(mul(n, i32(Co)), add(mul(g, i32(Cog)), mul(cb, i32(per * 4)))), i32(OH * OW))));
        // `q` adjacent output pixels at once: each weight load serves both, and 2 * per
        // independent accumulator chains keep the adders busy.
        const pixels = (q: number): void => {
          for (let i = 0; i < q; i++) acc[i]!.forEach((a, j) => em.set(a, B4 ? `(v128.load ${addr(B4, mul(add(blk0, i32(j)), i32(4)), 4)})` : '(v128.const i32x4 0 0 0 0)'));
          em.set(pc, get(pin));
          em.set(wc, get(wBlk));
          em.loop('ci', i32(Cig), () => {
            em.set(pr, get(pc));
            em.loop('ky', i32(win.kh), () => {
              for (let kx = 0; kx < win.kw; kx++) {
                for (let i = 0; i < q; i++) em.set(xv[i]!, `(v128.load32_splat offset=${(kx * win.dw + i * win.sw) * 4} ${get(pr)})`);
                for (let j = 0; j < per; j++) {
                  em.set(wv, `(v128.load offset=${j * taps * 16 + kx * 16} ${get(wc)})`);
                  for (let i = 0; i < q; i++) em.set(acc[i]![j]!, `(f32x4.add ${get(acc[i]![j]!)} (f32x4.mul ${get(xv[i]!)} ${get(wv)}))`);
                }
              }
              em.set(pr, add(get(pr), i32(win.dh * PW * 4)));
              em.set(wc, add(get(wc), i32(win.kw * 16)));
            });
            em.set(pc, add(get(pc), i32(planeBytes)));
          });
          for (let i = 0; i < q; i++) acc[i]!.forEach((a, j) => {
            if (epi.lanewise && epi.names.length > 0) em.set(a, epi.vec(get(a), i32(0)));
            for (let l = 0; l < 4; l++) {
              const coIn = j * 4 + l;  // channel within this pass's blocks
              const idx = add(get(at), i32(coIn * OH * OW + i));
              const v = `(f32x4.extract_lane ${l} ${get(a)})`;
              const store = (): void => em.line(`(f32.store ${addr(k.ptr(epi.out), idx, 4)} ${epi.lanewise ? v : epi.scalar(v, idx)})`);
              if (Cog % 4 === 0) store();
              else em.when(`(i32.lt_u ${add(mul(cb, i32(per * 4)), i32(coIn))} ${i32(Cog)})`, store);
            }
          });
          em.set(pin, add(get(pin), i32(q * win.sw * 4)));
          em.set(at, add(get(at), i32(q)));
        };
        if (OW >= 2) em.loop('ow2', i32(Math.floor(OW / 2)), () => pixels(2));
        if (OW % 2 === 1) pixels(1);
      });
    });
  }));
  return true;
}
