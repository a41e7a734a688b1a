// DFT, STFT, windows, MelWeightMatrix.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attr } from '../../../ir/attrs.js';
import { tensorFrom, toNumbers } from '../../../ir/tensor.js';
import { fftF32 } from '../../../ir/ops/misc-fft.js';
import { inferTypes, maxRelErr, randomValues, runOp } from './nn-helpers.js';

const axis = (a: number) => tensorFrom('i64', [], [a]);

describe('dft', () => {
  it('transforms an impulse and a constant (hand-checked)', () => {
    const [y] = runOp('dft', [tensorFrom('f32', [4, 1], [1, 0, 0, 0]), null, axis(0)]);
    expect(y!.shape).toEqual([4, 2]);
    expect(toNumbers(y!)).toEqual([1, 0, 1, 0, 1, 0, 1, 0]);
    const [c] = runOp('dft', [tensorFrom('f32', [1, 4, 1], [2, 2, 2, 2]), null, null], { onesided: attr.int(1) });
    expect(c!.shape).toEqual([1, 3, 2]);
    expect(maxRelErr(c!, [8, 0, 0, 0, 0, 0])).toBeLessThan(1e-6);
  });

  it('inverse(forward(x)) = x, and the one-sided inverse rebuilds a real signal', () => {
    fc.assert(fc.property(fc.record({ n: fc.integer({ min: 1, max: 9 }), m: fc.integer({ min: 1, max: 3 }), seed: fc.integer(), onAxis0: fc.boolean() }), (p) => {
      const shape = p.onAxis0 ? [p.n, p.m, 2] : [p.m, p.n, 2];
      const ax = axis(p.onAxis0 ? 0 : 1);
      const xv = randomValues(p.n * p.m * 2, p.seed);
      const [f] = runOp('dft', [tensorFrom('f32', shape, xv), null, ax]);
      const [back] = runOp('dft', [f!, null, ax], { inverse: attr.int(1) });
      expect(maxRelErr(back!, xv)).toBeLessThan(1e-5);
      // Real signal: rfft then irfft with the original length gives the signal back.
      const real = randomValues(p.n, p.seed + 1);
      const [half] = runOp('dft', [tensorFrom('f32', [1, p.n, 1], real), null, null], { onesided: attr.int(1) });
      expect(half!.shape).toEqual([1, Math.floor(p.n / 2) + 1, 2]);
      const [rebuilt] = runOp('dft', [half!, tensorFrom('i64', [], [p.n]), null], { inverse: attr.int(1), onesided: attr.int(1) });
      expect(rebuilt!.shape).toEqual([1, p.n, 1]);
      expect(maxRelErr(rebuilt!, real)).toBeLessThan(1e-5);
    }), { numRuns: 60 });
  });

  it('zero-pads to dft_length and infers shapes from constant operands', () => {
    const [y] = runOp('dft', [tensorFrom('f32', [2, 1], [1, 1]), tensorFrom('i64', [], [4]), axis(0)]);
    // [1, 1, 0, 0] -> [2, 1-i, 0, 1+i]
    expect(maxRelErr(y!, [2, 0, 1, -1, 0, 0, 1, 1])).toBeLessThan(1e-6);
    const [t] = inferTypes('dft', [{ dtype: 'f32', shape: ['b', 16, 1] }, null, null], { onesided: attr.int(1) });
    expect(t!.shape).toEqual(['b', 9, 2]);
  });
});

describe('fftF32 (NumPy float32 FFT emulation)', () => {
  it('agrees with the exact DFT to float32 accuracy for lengths made of 2, 3, 4, 5', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 60 }), fc.boolean(), fc.integer(), (n, forward, seed) => {
      const re = Float64Array.from(randomValues(n, seed)), im = Float64Array.from(randomValues(n, seed + 1));
      const exact: number[] = [];
      for (let k = 0; k < n; k++) {
        let sr = 0, si = 0;
        for (let t = 0; t < n; t++) {
          const a = ((forward ? -2 : 2) * Math.PI * ((k * t) % n)) / n;
          sr += re[t]! * Math.cos(a) - im[t]! * Math.sin(a);
          si += re[t]! * Math.sin(a) + im[t]! * Math.cos(a);
        }
        exact.push(sr, si);
      }
      const supported = fftF32(re, im, n, forward, 1);
      let rest = n;
      for (const p of [4, 2, 3, 5]) while (rest % p === 0) rest /= p;
      expect(supported).toBe(rest === 1 && n % 8 !== 0);
      if (!supported) return;
      const got = Array.from({ length: n }, (_, k) => [re[k]!, im[k]!]).flat();
      expect(maxRelErr(tensorFrom('f64', [2 * n], got), exact)).toBeLessThan(1e-5 * n);
    }), { numRuns: 150 });
  });
});

describe('stft', () => {
  it('equals the DFT of each windowed frame', () => {
    const L = 12, step = 3, flen = 4;
    const x = randomValues(L, 5), win = [0.5, 1, 1, 0.5];
    const [s] = runOp('stft', [tensorFrom('f32', [1, L, 1], x), tensorFrom('i64', [], [step]), tensorFrom('f32', [flen], win), null]);
    const frames = 1 + Math.floor((L - flen) / step);
    expect(s!.shape).toEqual([1, frames, 3, 2]);
    const got = toNumbers(s!);
    for (let f = 0; f < frames; f++) {
      const frame = win.map((w, t) => w * x[f * step + t]!);
      const [d] = runOp('dft', [tensorFrom('f32', [flen, 1], frame), null, axis(0)], { onesided: attr.int(1) });
      expect(maxRelErr(tensorFrom('f32', [6], got.slice(f * 6, f * 6 + 6)), toNumbers(d!))).toBeLessThan(1e-5);
    }
  });
});

describe('windows', () => {
  const size = tensorFrom('i64', [], [4]);
  it('match their textbook values (periodic and symmetric)', () => {
    const [hann] = runOp('hann_window', [size]);
    expect(maxRelErr(hann!, [0, 0.5, 1, 0.5])).toBeLessThan(1e-6);
    const [hannSym] = runOp('hann_window', [tensorFrom('i64', [], [5])], { periodic: attr.int(0) });
    expect(maxRelErr(hannSym!, [0, 0.5, 1, 0.5, 0])).toBeLessThan(1e-6);
    const [ham] = runOp('hamming_window', [size]);
    expect(maxRelErr(ham!, [4 / 46, 25 / 46, 1, 25 / 46])).toBeLessThan(1e-6);
    const [bl] = runOp('blackman_window', [size]);
    expect(maxRelErr(bl!, [0, 0.34, 1, 0.34])).toBeLessThan(1e-6);
    const [d] = runOp('hann_window', [size], { output_datatype: attr.dtype('f64') });
    expect(d!.dtype).toBe('f64');
  });
});

describe('mel_weight_matrix', () => {
  it('builds triangular filters that peak at 1 and infers [dft/2+1, bins]', () => {
    const ins = [tensorFrom('i64', [], [4]), tensorFrom('i64', [], [32]), tensorFrom('i64', [], [16000]), tensorFrom('f32', [], [0]), tensorFrom('f32', [], [8000])];
    const [m] = runOp('mel_weight_matrix', ins);
    expect(m!.shape).toEqual([17, 4]);
    const v = toNumbers(m!);
    for (let b = 0; b < 4; b++) {
      const col = v.filter((_, i) => i % 4 === b);
      expect(Math.max(...col)).toBe(1);
      expect(Math.min(...col)).toBe(0);
    }
  });
});
