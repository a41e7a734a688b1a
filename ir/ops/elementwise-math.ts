// Scalar math the JS Math object lacks, accurate well beyond float32 so the interpreter can serve
// as a reference: erf, round-half-to-even, and overflow-safe sigmoid/softplus.

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const INV_SQRT_PI = 1 / Math.sqrt(Math.PI);

/**
 * Gauss error function. |x| < 3: Maclaurin series (terms peak near 3^19/9!, so cancellation
 * costs at most ~4 of 16 digits). |x| >= 3: erfc by its continued fraction, which converges fast
 * there. Beyond |x| = 6, erf is ±1 in double precision.
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  if (a >= 6) return Math.sign(x);
  if (a < 3) {
    const x2 = x * x;
    let term = x, sum = x;
    for (let n = 1; n < 100; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return TWO_OVER_SQRT_PI * sum;
  }
  // erfc(a) = e^{-a^2}/sqrt(pi) * 1/(a + (1/2)/(a + 1/(a + (3/2)/(a + ...)))), evaluated backward.
  let cf = a;
  for (let k = 60; k >= 1; k--) cf = a + k / 2 / cf;
  const erfc = (Math.exp(-a * a) * INV_SQRT_PI) / cf;
  return Math.sign(x) * (1 - erfc);
}

/** Round to the nearest integer, ties to even (ONNX Round, numpy.round). */
export function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const r = Math.round(x);
  // Math.round sends ties toward +inf; pick the even neighbour instead.
  if (Math.abs(x - Math.trunc(x)) === 0.5) return 2 * Math.round(x / 2);
  return r;
}

/** Logistic function without overflow for large |x|. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** ln(1 + e^x) without overflow: x + ln(1 + e^-x) for positive x. */
export function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}
