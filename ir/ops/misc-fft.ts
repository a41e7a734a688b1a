// A single-precision complex FFT that reproduces, operation for operation, the mixed-radix
// FFTPACK algorithm NumPy (pocketfft) runs on complex64 data. ONNX's expected DFT outputs come from
// it, and for values that should be exactly zero (e.g. the imaginary part at the Nyquist bin) the
// float32 rounding noise it leaves (~1e-7) exceeds the conformance tolerance (atol 1e-7) when we
// compute exactly. Lengths whose factors are not all 2, 3, 4 or 5 return false (callers fall back
// to an exact DFT).

const f = Math.fround;

// Radix constants rounded to float, as pocketfft declares them (T0(...)).
export const TW3I = f(0.8660254037844386);
export const TW5_1R = f(0.30901699437494745), TW5_1I = f(0.9510565162951535);
export const TW5_2R = f(-0.8090169943749475), TW5_2I = f(0.5877852522924731);

/**
 * pocketfft's radix order for n (4s, a 2 swapped to the front, then odd factors), or null where
 * the FFT is not reproduced (a radix-8 pass, or a factor above 5) and the caller keeps the direct
 * DFT. The backends' unrolled FFTs use the same order so they match this one bit for bit.
 */
export function fftFactors(n: number): number[] | null {
  const fact: number[] = [];
  let len = n;
  if (len % 8 === 0) return null; // pocketfft would use its radix-8 pass, not reproduced here
  while (len % 4 === 0) { fact.push(4); len /= 4; }
  if (len % 2 === 0) {
    len /= 2;
    fact.push(2);
    [fact[0], fact[fact.length - 1]] = [fact[fact.length - 1]!, fact[0]!];
  }
  for (let d = 3; d * d <= len; d += 2) while (len % d === 0) { fact.push(d); len /= d; }
  if (len > 1) fact.push(len);
  return fact.every((x) => x <= 5) ? fact : null;
}

/**
 * In-place FFT of n complex float32 values (re/im arrays), unnormalised except for `fct`
 * (NumPy passes 1 forward and float32(1/n) backward). Returns false if n is not supported.
 */
export function fftF32(re: Float64Array, im: Float64Array, n: number, forward: boolean, fct: number): boolean {
  if (n === 1) { re[0] = f(re[0]! * fct); im[0] = f(im[0]! * fct); return true; }
  const fact = fftFactors(n);
  if (!fact) return false;
  // Twiddles w[m] = exp(2πi m / n), rounded to float.
  const twr = new Float64Array(n), twi = new Float64Array(n);
  for (let m = 0; m < n; m++) { twr[m] = f(Math.cos((2 * Math.PI * m) / n)); twi[m] = f(Math.sin((2 * Math.PI * m) / n)); }
  let ar = Float64Array.from(re, f), ai = Float64Array.from(im, f);
  let br = new Float64Array(n), bi = new Float64Array(n);
  const sgn = forward ? -1 : 1;
  let l1 = 1;
  for (const ip of fact) {
    const l2 = ip * l1, ido = n / l2;
    const CC = (a: number, b: number, c: number): number => a + ido * (b + ip * c);
    const CH = (a: number, b: number, c: number): number => a + ido * (b + l1 * c);
    // x * w^(j*l1*i) (backward) or x * conj(w^(...)) (forward), rounded like special_mul.
    const tw = (xr: number, xi: number, j: number, i: number, at: number): void => {
      const m = j * l1 * i, wr = twr[m]!, wi = twi[m]!;
      if (forward) { br[at] = f(f(xr * wr) + f(xi * wi)); bi[at] = f(f(xi * wr) - f(xr * wi)); } else { br[at] = f(f(xr * wr) - f(xi * wi)); bi[at] = f(f(xr * wi) + f(xi * wr)); }
    };
    const put = (at: number, r: number, i: number, twj: number, idx: number): void => {
      if (idx === 0 || twj === 0) { br[at] = r; bi[at] = i; } else tw(r, i, twj, idx, at);
    };
    for (let k = 0; k < l1; k++) {
      for (let i = 0; i < ido; i++) {
        if (ip === 2) {
          const a = CC(i, 0, k), b = CC(i, 1, k);
          put(CH(i, k, 0), f(ar[a]! + ar[b]!), f(ai[a]! + ai[b]!), 0, i);
          put(CH(i, k, 1), f(ar[a]! - ar[b]!), f(ai[a]! - ai[b]!), 1, i);
        } else if (ip === 3) {
          const c0 = CC(i, 0, k), c1 = CC(i, 1, k), c2 = CC(i, 2, k);
          const t0r = ar[c0]!, t0i = ai[c0]!;
          const t1r = f(ar[c1]! + ar[c2]!), t1i = f(ai[c1]! + ai[c2]!), t2r = f(ar[c1]! - ar[c2]!), t2i = f(ai[c1]! - ai[c2]!);
          put(CH(i, k, 0), f(t0r + t1r), f(t0i + t1i), 0, i);
          const car = f(t0r + f(-0.5 * t1r)), cai = f(t0i + f(-0.5 * t1i));
          // cb = t2 * (sgn * tw3i), rotated by 90 degrees
          const tw1i = sgn * TW3I;
          const cbr = -f(t2i * tw1i), cbi = f(t2r * tw1i);
          put(CH(i, k, 1), f(car + cbr), f(cai + cbi), 1, i);
          put(CH(i, k, 2), f(car - cbr), f(cai - cbi), 2, i);
        } else if (ip === 4) {
          const c0 = CC(i, 0, k), c1 = CC(i, 1, k), c2 = CC(i, 2, k), c3 = CC(i, 3, k);
          const t2r = f(ar[c0]! + ar[c2]!), t2i = f(ai[c0]! + ai[c2]!), t1r = f(ar[c0]! - ar[c2]!), t1i = f(ai[c0]! - ai[c2]!);
          const t3r = f(ar[c1]! + ar[c3]!), t3i = f(ai[c1]! + ai[c3]!);
          let t4r = f(ar[c1]! - ar[c3]!), t4i = f(ai[c1]! - ai[c3]!);
          // ROTX90<fwd>: multiply by -i (forward) or +i (backward)
          if (forward) [t4r, t4i] = [t4i, -t4r]; else [t4r, t4i] = [-t4i, t4r];
          put(CH(i, k, 0), f(t2r + t3r), f(t2i + t3i), 0, i);
          put(CH(i, k, 2), f(t2r - t3r), f(t2i - t3i), 2, i);
          put(CH(i, k, 1), f(t1r + t4r), f(t1i + t4i), 1, i);
          put(CH(i, k, 3), f(t1r - t4r), f(t1i - t4i), 3, i);
        } else if (ip === 5) {
          const c = [0, 1, 2, 3, 4].map((j) => CC(i, j, k));
          const t0r = ar[c[0]!]!, t0i = ai[c[0]!]!;
          const t1r = f(ar[c[1]!]! + ar[c[4]!]!), t1i = f(ai[c[1]!]! + ai[c[4]!]!), t4r = f(ar[c[1]!]! - ar[c[4]!]!), t4i = f(ai[c[1]!]! - ai[c[4]!]!);
          const t2r = f(ar[c[2]!]! + ar[c[3]!]!), t2i = f(ai[c[2]!]! + ai[c[3]!]!), t3r = f(ar[c[2]!]! - ar[c[3]!]!), t3i = f(ai[c[2]!]! - ai[c[3]!]!);
          put(CH(i, k, 0), f(f(t0r + t1r) + t2r), f(f(t0i + t1i) + t2i), 0, i);
          const step = (u1: number, u2: number, twar: number, twbr: number, twai: number, twbi: number): void => {
            const car = f(f(t0r + f(twar * t1r)) + f(twbr * t2r)), cai = f(f(t0i + f(twar * t1i)) + f(twbr * t2i));
            const cbi = f(f(twai * t4r) + f(twbi * t3r)), cbr = -f(f(twai * t4i) + f(twbi * t3i));
            put(CH(i, k, u1), f(car + cbr), f(cai + cbi), u1, i);
            put(CH(i, k, u2), f(car - cbr), f(cai - cbi), u2, i);
          };
          const w1i = sgn * TW5_1I, w2i = sgn * TW5_2I;
          step(1, 4, TW5_1R, TW5_2R, w1i, w2i);
          step(2, 3, TW5_2R, TW5_1R, w2i, -w1i);
        }
      }
    }
    [ar, br] = [br, ar];
    [ai, bi] = [bi, ai];
    l1 = l2;
  }
  for (let m = 0; m < n; m++) {
    re[m] = fct === 1 ? ar[m]! : f(ar[m]! * fct);
    im[m] = fct === 1 ? ai[m]! : f(ai[m]! * fct);
  }
  return true;
}
