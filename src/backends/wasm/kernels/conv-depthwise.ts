// Depthwise 2-D convolution (NCHW, one input and one output channel per group) over a zero-padded
// copy of each input plane: the plane is copied into a scratch buffer whose border (the conv's
// padding plus the reach of the last, partial block of 4 output columns) stays zero, so the loop
// over output columns has no bounds checks at all. 4 output columns in f32x4 lanes; every tap is
// one v128.load at a constant offset from the block's input pointer. For stride 2 the padded plane
// is stored as its even columns and its odd columns (the copy deinterleaves), so a tap is one load
// there too instead of two loads and a shuffle (mobilenet's stride-2 layers: 0.61 -> 0.49 ms CPU);
// rows wider than 256 keep the shuffle. One partial sum per kernel row (3 chains, not one). The epilogue (bias, then relu/clip/residual add of the
// group, conv-epilogue.ts) runs in registers before the store. Needs static spatial sizes (the
// scratch is sized at compile time); conv.ts keeps its bounds-checked kernel for the rest.
// Threaded: the channels are split; every thread copies its planes into its own scratch slot
// (lower.ts offsets k.scratch by the thread id) and zeroes that slot itself.

import type { Op } from '../../../../ir/ir.js';
import { add, addr, get, i32, mul } from '../emitter.js';
import type { KernelCtx } from '../kernel-api.js';
import { takeEpilogue } from './conv-epilogue.js';
import type { Window } from './conv.js';
import { shareLoop, splits, workOf } from '../threads.js';

/** Scratch planes above this many bytes are not worth it (and would bloat the arena). */
export const MAX_SCRATCH = 4 << 20;

interface Geometry {
  H: number; W: number; OH: number; OW: number; PH: number; PW: number;
  /** Stride 2: the padded plane is stored as its even columns then its odd columns, Q wide each. */
  deint: boolean; Q: number;
}

function geometry(k: KernelCtx, op: Op, win: Window): Geometry | undefined {
  const [, , H, W] = k.dims(op.operands[0]!);
  const [, , OH, OW] = k.dims(op.results[0]!);
  if (typeof H !== 'number' || typeof W !== 'number' || typeof OH !== 'number' || typeof OW !== 'number') return undefined;
  if (win.sw !== 1 && win.sw !== 2) return undefined;
  if (op.results[0]!.type.dtype !== 'f32' || OW === 0 || OH === 0) return undefined;
  const owb = Math.ceil(OW / 4) * 4;
  // Last column read by the last block's rightmost tap, in padded coordinates.
  const maxCol = (win.sw === 1 ? owb - 1 : 2 * owb - 1) + (win.kw - 1) * win.dw;
  const PW = Math.max(W + win.pl, maxCol + 1);
  const PH = Math.max(H + win.pt, (OH - 1) * win.sh + (win.kh - 1) * win.dh + 1);
  if (PH * PW * 4 > MAX_SCRATCH) return undefined;
  // (Rows of up to 256 columns: the copy is unrolled.)
  const deint = win.sw === 2 && W <= 256;
  // Even/odd planes: block j reads indices up to owb - 1 + floor((kw - 1) * dw / 2).
  const Q = Math.max(Math.ceil(PW / 2), owb + Math.ceil(((win.kw - 1) * win.dw) / 2));
  return { H, W, OH, OW, PH, PW, deint, Q };
}

/** Emits the kernel and returns true, or returns false (emitting nothing) when it does not apply. */
export function emitDepthwisePadded(k: KernelCtx, op: Op, win: Window): boolean {
  const g = geometry(k, op, win);
  if (!g) return false;
  const [X, Wt, B] = op.operands;
  const epi = takeEpilogue(k, op);
  const { H, W, OH, OW, PW } = g;
  const xd = k.dims(X!), yd = k.dims(op.results[0]!);
  const C = xd[1]!;
  const em = k.em;
  em.comment(`depthwise conv ${xd.join('x')} -> ${yd.join('x')} k=${win.kh}x${win.kw} s=${win.sh} (padded plane ${g.PH}x${PW})${epi.names.length ? ` + ${epi.names.join(' + ')}` : ''}`);
  const bytes = g.deint ? 2 * g.PH * g.Q * 4 : g.PH * PW * 4;
  const rowBytes = g.deint ? g.Q * 4 : PW * 4;
  /** Byte offset of tap (ky, kx) from the block's input pointer. */
  const tapOff = (ky: number, kx: number): number => {
    const row = ky * win.dh * rowBytes, col = kx * win.dw;
    if (!g.deint) return row + col * 4;
    // Padded column 2 * ow + col: even -> E[ow + col / 2], odd -> O[ow + (col - 1) / 2].
    return col % 2 === 0 ? row + (col / 2) * 4 : g.PH * rowBytes + row + ((col - 1) / 2) * 4;
  };
  const sp = k.scratch(bytes);
  const taps = win.kh * win.kw;
  const wp = k.ptr(Wt!);
  const wv = Array.from({ length: taps }, () => em.local('w', 'v128'));
  const acc = em.local('acc', 'v128'), bias = em.local('bias', 'v128');
  // The shuffling stride-2 path keeps one chain: its shuffles need the registers (measured: 3 parts
  // help stride 1 by ~10% and slow the shuffling stride 2 by ~5%).
  const parts = Array.from({ length: win.sw === 1 || g.deint ? Math.min(3, win.kh) : 1 }, () => em.local('part', 'v128'));
  const pin = em.local('pin', 'i32'), py = em.local('py', 'i32');
  const at0 = em.local('at', 'i32');
  // The border is never written: zero it once per run.
  em.line(`(memory.fill ${sp} (i32.const 0) ${i32(bytes)})`);
  const split = splits(k, workOf(k, op.results[0]!, taps));
  em.loop('n', k.dim(xd[0]!), (n) => shareLoop(k, 'c', k.dim(C), split && {}, (c) => {
    const plane = add(mul(n, k.dim(C)), c);
    const src = addr(k.ptr(X!), mul(plane, i32(H * W)), 4);
    if (g.deint) copyDeinterleaved(k, src, { H, W, PH: g.PH, PW: g.Q, pt: win.pt, pl: win.pl }, sp);
    else copyPadded(k, src, 1, { H, W, PH: g.PH, PW, pt: win.pt, pl: win.pl }, sp);
    wv.forEach((l, t) => em.set(l, `(v128.load32_splat ${addr(wp, add(mul(c, i32(taps)), i32(t)), 4)})`));
    em.set(bias, B ? `(v128.load32_splat ${addr(k.ptr(B), c, 4)})` : '(v128.const i32x4 0 0 0 0)');
    const yPlane = addr(k.ptr(epi.out), mul(plane, i32(OH * OW)), 4);
    em.loop('oh', i32(OH), (oh) => {
      em.set(pin, add(sp, mul(oh, i32(win.sh * rowBytes))));
      em.set(py, add(yPlane, mul(oh, i32(OW * 4))));
      em.set(at0, add(mul(plane, i32(OH * OW)), mul(oh, i32(OW))));
      // acc = bias + sum of taps for the 4 columns at $pin.
      // One partial sum per kernel row, added at the end: a single accumulator would make every
      // block one chain of kh*kw dependent adds (latency-bound).
      const compute = (): void => {
        for (let ky = 0; ky < win.kh; ky++) {
          const part = parts[ky % parts.length]!;
          for (let kx = 0; kx < win.kw; kx++) {
            const off = tapOff(ky, kx);
            const xs = win.sw === 1 || g.deint ? `(v128.load offset=${off} align=4 ${get(pin)})`
              : `(i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (v128.load offset=${off} align=4 ${get(pin)}) (v128.load offset=${off + 16} align=4 ${get(pin)}))`;
            const prod = `(f32x4.mul ${xs} ${get(wv[ky * win.kw + kx]!)})`;
            const first = ky < parts.length && kx === 0;
            em.set(part, first ? (ky === 0 ? `(f32x4.add ${get(bias)} ${prod})` : prod) : `(f32x4.add ${get(part)} ${prod})`);
          }
        }
        em.set(acc, parts.map(get).reduce((a, b) => `(f32x4.add ${a} ${b})`));
      };
      const next = (): void => {
        em.set(pin, add(get(pin), i32(g.deint ? 16 : 16 * win.sw)));
        em.set(py, add(get(py), i32(16)));
        em.set(at0, add(get(at0), i32(4)));
      };
      const full = Math.floor(OW / 4);
      if (full > 0) {
        em.loop('ow', i32(full), () => {
          compute();
          em.line(`(v128.store align=4 ${get(py)} ${epi.vec(get(acc), get(at0))})`);
          next();
        });
      }
      if (OW % 4 !== 0) {
        compute();
        if (epi.lanewise && epi.names.length > 0) em.set(acc, epi.vec(get(acc), get(at0)));
        for (let l = 0; l < OW % 4; l++) {
          const v = `(f32x4.extract_lane ${l} ${get(acc)})`;
          em.line(`(f32.store offset=${l * 4} ${get(py)} ${epi.lanewise ? v : epi.scalar(v, add(get(at0), i32(l)))})`);
        }
      }
    });
  }));
  return true;
}

export interface PadGeometry { H: number; W: number; PH: number; PW: number; pt: number; pl: number }

/**
 * Copies `planes` consecutive H x W planes starting at byte address `src` into the interiors of
 * PH x PW planes at `sp` (row pt, column pl); the rest of the scratch is left as it is (zero).
 */
export function copyPadded(k: KernelCtx, src: string, planes: number, g: PadGeometry, sp: string): void {
  const em = k.em;
  const s = em.local('src', 'i32'), d = em.local('dst', 'i32');
  em.set(s, src);
  em.loop('plane', i32(planes), (p) => {
    em.set(d, add(sp, add(mul(p, i32(g.PH * g.PW * 4)), i32((g.pt * g.PW + g.pl) * 4))));
    em.loop('ih', i32(g.H), () => {
      // Short rows unrolled (memory.copy is a call in V8), long ones copied in bulk.
      if (g.W > 128) em.line(`(memory.copy ${get(d)} ${get(s)} ${i32(g.W * 4)})`);
      else {
        for (let x = 0; x + 4 <= g.W; x += 4) em.line(`(v128.store offset=${x * 4} align=4 ${get(d)} (v128.load offset=${x * 4} align=4 ${get(s)}))`);
        for (let x = g.W - (g.W % 4); x < g.W; x++) em.line(`(f32.store offset=${x * 4} ${get(d)} (f32.load offset=${x * 4} ${get(s)}))`);
      }
      em.set(s, add(get(s), i32(g.W * 4)));
      em.set(d, add(get(d), i32(g.PW * 4)));
    });
  });
}

/**
 * Stride 2: copies the H x W plane at `src` into a zero-padded plane stored as two planes of its
 * even and of its odd padded columns (g.PW = their width; E at `sp`, O right after it), so every
 * tap of a block of 4 output columns is one contiguous load. 8 input columns at a time: two loads,
 * two shuffles, two stores.
 */
function copyDeinterleaved(k: KernelCtx, src: string, g: PadGeometry, sp: string): void {
  const em = k.em;
  const s = em.local('src', 'i32'), d = em.local('dst', 'i32'), a = em.local('a', 'v128'), b = em.local('b', 'v128');
  const odd = g.PH * g.PW * 4;
  // Byte offset of padded column c in the row (E or O plane).
  const colAt = (c: number): number => (c % 2 === 0 ? (c / 2) * 4 : odd + ((c - 1) / 2) * 4);
  em.set(s, src);
  em.set(d, add(sp, i32(g.pt * g.PW * 4)));
  em.loop('ih', i32(g.H), () => {
    let x = 0;
    for (; x + 8 <= g.W; x += 8) {
      em.set(a, `(v128.load offset=${x * 4} align=4 ${get(s)})`);
      em.set(b, `(v128.load offset=${x * 4 + 16} align=4 ${get(s)})`);
      // Lanes x, x+2, x+4, x+6 land in one plane (consecutive), x+1, ... in the other.
      em.line(`(v128.store offset=${colAt(g.pl + x)} align=4 ${get(d)} (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 ${get(a)} ${get(b)}))`);
      em.line(`(v128.store offset=${colAt(g.pl + x + 1)} align=4 ${get(d)} (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 ${get(a)} ${get(b)}))`);
    }
    for (; x < g.W; x++) em.line(`(f32.store offset=${colAt(g.pl + x)} ${get(d)} (f32.load offset=${x * 4} ${get(s)}))`);
    em.set(s, add(get(s), i32(g.W * 4)));
    em.set(d, add(get(d), i32(g.PW * 4)));
  });
}
