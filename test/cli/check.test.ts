import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tensorFrom } from '../../ir/tensor.js';
import { compareTensors, formatNumber } from '../../src/check/compare.js';

const tol = { rtol: 1e-3, atol: 1e-5 };

describe('compareTensors', () => {
  it('accepts differences within atol + rtol*|want| and rejects the first one beyond', () => {
    const want = tensorFrom('f64', [3], [0, 100, -2]);
    // Allowed: 1e-5 at 0, 1e-5 + 0.1 at 100, 1e-5 + 0.002 at -2.
    expect(compareTensors(tensorFrom('f64', [3], [0.9e-5, 100.1, -2.002]), want, tol).ok).toBe(true);
    const c = compareTensors(tensorFrom('f64', [3], [0, 100.2, -2.01]), want, tol);
    expect(c.ok).toBe(false);
    expect(c.mismatches).toBe(2);
    expect(c.first?.coords).toEqual([1]);
    expect(c.reason).toContain('2 of 3 elements differ');
    expect(c.reason).toContain('got 100.2, expected 100');
    expect(c.maxAbs).toBeCloseTo(0.2, 10);
    expect(c.maxRel).toBeCloseTo(0.005, 10);
  });

  it('reports multi-dimensional coordinates of the first mismatch', () => {
    const want = tensorFrom('f32', [2, 3], [1, 2, 3, 4, 5, 6]);
    const got = tensorFrom('f32', [2, 3], [1, 2, 3, 4, 7, 6]);
    expect(compareTensors(got, want, tol).first?.coords).toEqual([1, 1]);
  });

  it('matches NaN with NaN only, and infinities only with the same infinity', () => {
    const want = tensorFrom('f32', [3], [NaN, Infinity, -Infinity]);
    expect(compareTensors(tensorFrom('f32', [3], [NaN, Infinity, -Infinity]), want, tol).ok).toBe(true);
    expect(compareTensors(tensorFrom('f32', [3], [0, Infinity, -Infinity]), want, tol).ok).toBe(false);
    expect(compareTensors(tensorFrom('f32', [3], [NaN, -Infinity, -Infinity]), want, tol).ok).toBe(false);
    expect(compareTensors(tensorFrom('f32', [1], [NaN]), tensorFrom('f32', [1], [1]), tol).ok).toBe(false);
  });

  it('requires the same dtype and shape', () => {
    const want = tensorFrom('f32', [2, 2], [1, 2, 3, 4]);
    const d = compareTensors(tensorFrom('f64', [2, 2], [1, 2, 3, 4]), want, tol);
    expect(d).toMatchObject({ ok: false, reason: 'dtype f64, expected f32' });
    const s = compareTensors(tensorFrom('f32', [4], [1, 2, 3, 4]), want, tol);
    expect(s).toMatchObject({ ok: false, reason: 'shape [4], expected [2,2]' });
  });

  it('compares 64-bit integers exactly beyond 2^53', () => {
    const big = 2n ** 60n;
    const want = tensorFrom('i64', [2], [big, -big]);
    expect(compareTensors(tensorFrom('i64', [2], [big, -big]), want, { rtol: 0, atol: 0 }).ok).toBe(true);
    const c = compareTensors(tensorFrom('i64', [2], [big + 1n, -big]), want, { rtol: 0, atol: 0 });
    expect(c.ok).toBe(false);
    expect(c.reason).toContain(`got ${big + 1n}, expected ${big}`);
  });

  it('compares bools and scalars', () => {
    expect(compareTensors(tensorFrom('bool', [2], [1, 0]), tensorFrom('bool', [2], [1, 1]), tol).reason).toContain('element [1]');
    expect(compareTensors(tensorFrom('f32', [], [2]), tensorFrom('f32', [], [3]), tol).reason).toContain('the scalar');
  });

  it('any tensor matches itself, and a perturbation beyond the tolerance is found', () => {
    fc.assert(fc.property(
      fc.array(fc.float({ noNaN: true, min: -1e6, max: 1e6 }), { minLength: 1, maxLength: 40 }),
      fc.nat(),
      (values, pick) => {
        const t = tensorFrom('f64', [values.length], values);
        expect(compareTensors(t, t, tol).ok).toBe(true);
        const i = pick % values.length;
        const bumped = [...values];
        bumped[i] = values[i]! + 2 * (tol.atol + tol.rtol * Math.abs(values[i]!));
        const c = compareTensors(tensorFrom('f64', [values.length], bumped), t, tol);
        expect(c.ok).toBe(false);
        expect(c.first?.index).toBe(i);
      },
    ));
  });
});

describe('formatNumber', () => {
  it('prints short, stable forms', () => {
    expect(formatNumber(3)).toBe('3');
    expect(formatNumber(0.5)).toBe('0.5');
    expect(formatNumber(1 / 3)).toBe('0.333333');
    expect(formatNumber(4.5136e-6)).toBe('4.5136e-6');
    expect(formatNumber(NaN)).toBe('NaN');
    expect(formatNumber(-Infinity)).toBe('-inf');
    expect(formatNumber(12345678901234567890n)).toBe('12345678901234567890');
  });
});
