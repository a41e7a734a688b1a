// The single-precision mixed-radix FFT (radix 2, 3, 4, 5) that the interpreter runs for complex
// f32 DFTs (ir/ops/misc-fft.ts, itself NumPy's pocketfft on complex64), emitted for a static
// length n: every f32 operation in the same order, so the float32 rounding noise that ONNX's
// expected outputs carry (~1e-7 where the exact value is 0) comes out identically. Twiddles are
// written as f32 constants into scratch once per kernel; the passes ping-pong between two scratch
// buffers. Lengths the interpreter does not run this way (a factor 8 or a prime factor > 5) get
// null from fftFactors, and the caller keeps the direct f64 DFT, as the interpreter does.

import { add, addr, get, i32, mul } from '../emitter.js';
import { fmtF32 } from '../emitter.js';
import type { KernelCtx } from '../kernel-api.js';
import { fftFactors, TW3I, TW5_1I, TW5_1R, TW5_2I, TW5_2R } from '../../../../ir/ops/misc-fft.js';

const f = Math.fround;

const c = (x: number): string => `(f32.const ${fmtF32(x)})`;
const fadd = (a: string, b: string): string => `(f32.add ${a} ${b})`;
const fsub = (a: string, b: string): string => `(f32.sub ${a} ${b})`;
const fmul = (a: string, b: string): string => `(f32.mul ${a} ${b})`;

export interface FftBuffers {
  /** Byte addresses of the two ping-pong buffers: re [n] then im [n] f32 each. */
  readonly a: string;
  readonly b: string;
  /** Byte address of the twiddle table: cos [n] then sin [n] f32. */
  readonly tw: string;
}

/** Scratch for an n-point FFT, and the twiddle table written into it (call once, outside loops). */
export function fftSetup(k: KernelCtx, n: number): FftBuffers {
  const base = k.scratch(24 * n);
  const bufs = { a: base, b: add(base, i32(8 * n)), tw: add(base, i32(16 * n)) };
  for (let m = 0; m < n; m++) {
    k.em.line(`(f32.store ${addr(bufs.tw, i32(m), 4)} ${c(f(Math.cos((2 * Math.PI * m) / n)))})`);
    k.em.line(`(f32.store ${addr(bufs.tw, i32(n + m), 4)} ${c(f(Math.sin((2 * Math.PI * m) / n)))})`);
  }
  return bufs;
}

/**
 * Transform buffer `a` (filled by the caller) in place of the ping-pong pair; returns the address
 * holding the result (re [n], im [n]), already scaled by fct (1 forward, float32(1/n) inverse).
 */
export function emitFft(k: KernelCtx, n: number, forward: boolean, bufs: FftBuffers): string {
  const em = k.em;
  const fact = fftFactors(n)!;
  const sgn = forward ? -1 : 1;
  const L = (h: string): string => em.local(h, 'f32');
  const xr = L('xr'), xi = L('xi');
  let src = bufs.a, dst = bufs.b;
  let l1 = 1;
  for (const ip of fact) {
    const l2 = ip * l1, ido = n / l2;
    const re = (buf: string, e: string): string => addr(buf, e, 4);
    const im = (buf: string, e: string): string => addr(buf, add(e, i32(n)), 4);
    em.comment(`fft pass radix ${ip}, l1 ${l1}, ido ${ido}`);
    em.loop('fk', i32(l1), (kk) => em.loop('fi', i32(ido), (i) => {
      const CC = (b: number): string => add(i, mul(i32(ido), add(i32(b), mul(i32(ip), kk))));
      const CH = (b: number): string => add(i, mul(i32(ido), add(kk, i32(l1 * b))));
      const ldr = (b: number): string => `(f32.load ${re(src, CC(b))})`;
      const ldi = (b: number): string => `(f32.load ${im(src, CC(b))})`;
      // put(): store (r, i) at CH(j), times the twiddle w^(j l1 i) unless j = 0 or i = 0 (special_mul rounding).
      const put = (j: number, r: string, iv: string): void => {
        em.set(xr, r);
        em.set(xi, iv);
        const at = CH(j);
        if (j === 0) {
          em.line(`(f32.store ${re(dst, at)} ${get(xr)})`);
          em.line(`(f32.store ${im(dst, at)} ${get(xi)})`);
          return;
        }
        const m = mul(i, i32(j * l1));
        const wr = `(f32.load ${addr(bufs.tw, m, 4)})`, wi = `(f32.load ${addr(bufs.tw, add(m, i32(n)), 4)})`;
        const tr = forward ? fadd(fmul(get(xr), wr), fmul(get(xi), wi)) : fsub(fmul(get(xr), wr), fmul(get(xi), wi));
        const ti = forward ? fsub(fmul(get(xi), wr), fmul(get(xr), wi)) : fadd(fmul(get(xr), wi), fmul(get(xi), wr));
        const first = `(i32.eqz ${i})`;
        em.line(`(f32.store ${re(dst, at)} (select ${get(xr)} ${tr} ${first}))`);
        em.line(`(f32.store ${im(dst, at)} (select ${get(xi)} ${ti} ${first}))`);
      };
      const set = (h: string, e: string): string => { const l = L(h); em.set(l, e); return get(l); };
      if (ip === 2) {
        put(0, fadd(ldr(0), ldr(1)), fadd(ldi(0), ldi(1)));
        put(1, fsub(ldr(0), ldr(1)), fsub(ldi(0), ldi(1)));
      } else if (ip === 3) {
        const t0r = set('t0r', ldr(0)), t0i = set('t0i', ldi(0));
        const t1r = set('t1r', fadd(ldr(1), ldr(2))), t1i = set('t1i', fadd(ldi(1), ldi(2)));
        const t2r = set('t2r', fsub(ldr(1), ldr(2))), t2i = set('t2i', fsub(ldi(1), ldi(2)));
        put(0, fadd(t0r, t1r), fadd(t0i, t1i));
        const car = set('car', fadd(t0r, fmul(c(-0.5), t1r))), cai = set('cai', fadd(t0i, fmul(c(-0.5), t1i)));
        const w = c(sgn * TW3I);
        const cbr = set('cbr', `(f32.neg ${fmul(t2i, w)})`), cbi = set('cbi', fmul(t2r, w));
        put(1, fadd(car, cbr), fadd(cai, cbi));
        put(2, fsub(car, cbr), fsub(cai, cbi));
      } else if (ip === 4) {
        const t2r = set('t2r', fadd(ldr(0), ldr(2))), t2i = set('t2i', fadd(ldi(0), ldi(2)));
        const t1r = set('t1r', fsub(ldr(0), ldr(2))), t1i = set('t1i', fsub(ldi(0), ldi(2)));
        const t3r = set('t3r', fadd(ldr(1), ldr(3))), t3i = set('t3i', fadd(ldi(1), ldi(3)));
        const dr = set('dr', fsub(ldr(1), ldr(3))), di = set('di', fsub(ldi(1), ldi(3)));
        // ROTX90: multiply by -i (forward) or +i (backward).
        const [t4r, t4i] = forward ? [di, `(f32.neg ${dr})`] : [`(f32.neg ${di})`, dr];
        put(0, fadd(t2r, t3r), fadd(t2i, t3i));
        put(2, fsub(t2r, t3r), fsub(t2i, t3i));
        put(1, fadd(t1r, t4r), fadd(t1i, t4i));
        put(3, fsub(t1r, t4r), fsub(t1i, t4i));
      } else {
        const t0r = set('t0r', ldr(0)), t0i = set('t0i', ldi(0));
        const t1r = set('t1r', fadd(ldr(1), ldr(4))), t1i = set('t1i', fadd(ldi(1), ldi(4)));
        const t4r = set('t4r', fsub(ldr(1), ldr(4))), t4i = set('t4i', fsub(ldi(1), ldi(4)));
        const t2r = set('t2r', fadd(ldr(2), ldr(3))), t2i = set('t2i', fadd(ldi(2), ldi(3)));
        const t3r = set('t3r', fsub(ldr(2), ldr(3))), t3i = set('t3i', fsub(ldi(2), ldi(3)));
        put(0, fadd(fadd(t0r, t1r), t2r), fadd(fadd(t0i, t1i), t2i));
        const step = (u1: number, u2: number, twar: number, twbr: number, twai: number, twbi: number): void => {
          const car = set('car', fadd(fadd(t0r, fmul(c(twar), t1r)), fmul(c(twbr), t2r)));
          const cai = set('cai', fadd(fadd(t0i, fmul(c(twar), t1i)), fmul(c(twbr), t2i)));
          const cbi = set('cbi', fadd(fmul(c(twai), t4r), fmul(c(twbi), t3r)));
          const cbr = set('cbr', `(f32.neg ${fadd(fmul(c(twai), t4i), fmul(c(twbi), t3i))})`);
          put(u1, fadd(car, cbr), fadd(cai, cbi));
          put(u2, fsub(car, cbr), fsub(cai, cbi));
        };
        const w1i = sgn * TW5_1I, w2i = sgn * TW5_2I;
        step(1, 4, TW5_1R, TW5_2R, w1i, w2i);
        step(2, 3, TW5_2R, TW5_1R, w2i, -w1i);
      }
    }));
    [src, dst] = [dst, src];
    l1 = l2;
  }
  if (!forward) {
    const fct = c(f(1 / n));
    em.loop('fs', i32(2 * n), (e) => em.line(`(f32.store ${addr(src, e, 4)} (f32.mul (f32.load ${addr(src, e, 4)}) ${fct}))`));
  }
  return src;
}
