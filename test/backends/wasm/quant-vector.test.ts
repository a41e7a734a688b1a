// The four-lane paths of per-tensor quantize_linear (f32 -> u8/i8) and dequantize_linear
// (u8/i8 -> f32) against the interpreter, exactly, on the values where a vector rounding could
// differ from the scalar one: exact halves (ties to even), values past 2^24 and 1e30 (the zero
// point added in f32 before the clamp), NaN, infinities, -0, every 8-bit code, zero points at
// both ends, and lengths 1-37 (the scalar tail after the groups of four).

import fc from 'fast-check';
import { describe, it } from 'vitest';
import { checkExact, tensor } from '../quant-cases.js';
import { oneOp, rng, runWasmT, ty } from './dtype-helpers.js';

const SPECIAL = [NaN, Infinity, -Infinity, -0, 0, 1e30, -1e30, 2 ** 24 + 2, -(2 ** 24) - 2, 2 ** 23 + 0.5];

describe('wasm per-tensor quantize / dequantize, four lanes at a time, vs interpreter', () => {
  it('quantize_linear f32 -> u8 / i8: ties, huge values, NaN, infinities, zero points at the ends', async () => {
    const cases = fc.tuple(fc.integer({ min: 1, max: 37 }), fc.constantFrom('u8', 'i8'), fc.constantFrom(-1, 0, 1, 2), fc.integer({ min: -4, max: 3 }), fc.integer()).map(([n, dt, zpKind, e, seed]) => {
      const r = rng(seed);
      const scale = 2 ** e; // a power of two: (k + 0.5) * scale is an exact tie
      const x = tensor('f32', [n], () => {
        const u = r();
        if (u < 0.2) return SPECIAL[Math.floor(r() * SPECIAL.length)]!;
        if (u < 0.6) return (Math.floor(r() * 600) - 300 + 0.5) * scale;
        return (r() - 0.5) * 700 * scale;
      });
      const [lo, hi] = dt === 'u8' ? [0, 255] : [-128, 127];
      const zp = zpKind === 0 ? lo : zpKind === 1 ? hi : lo + Math.floor(r() * (hi - lo + 1));
      const args: [string, string][] = [['x', ty('f32', [n])], ['s', ty('f32', [])], ...(zpKind >= 0 ? [['z', ty(dt, [])] as [string, string]] : [])];
      const text = oneOp(args, (rt) => [`%y = quantize_linear(%x, %s${zpKind >= 0 ? ', %z' : ''}) {axis = 0${zpKind >= 0 ? '' : `, output_dtype = ${dt}`}} : ${rt}`], ty(dt, [n]));
      return { text, ins: [x, tensor('f32', [], () => scale), ...(zpKind >= 0 ? [tensor(dt, [], () => zp)] : [])] };
    });
    await checkExact(cases, runWasmT, { numRuns: 120 });
  });

  it('dequantize_linear u8 / i8 -> f32: every code, zero points at the ends, any scale', async () => {
    const cases = fc.tuple(fc.integer({ min: 1, max: 37 }), fc.constantFrom('u8', 'i8'), fc.boolean(), fc.integer()).map(([n, dt, withZp, seed]) => {
      const r = rng(seed);
      const [lo, hi] = dt === 'u8' ? [0, 255] : [-128, 127];
      const x = tensor(dt, [n], (i) => (i % 5 === 0 ? (i % 2 ? lo : hi) : lo + Math.floor(r() * (hi - lo + 1))));
      const s = tensor('f32', [], () => (r() - 0.5) * 2 ** Math.floor(r() * 40 - 20));
      const z = tensor(dt, [], () => (r() < 0.5 ? (r() < 0.5 ? lo : hi) : lo + Math.floor(r() * (hi - lo + 1))));
      const text = oneOp([['x', ty(dt, [n])], ['s', ty('f32', [])], ...(withZp ? [['z', ty(dt, [])] as [string, string]] : [])],
        (rt) => [`%y = dequantize_linear(%x, %s${withZp ? ', %z' : ''}) {axis = 0} : ${rt}`], ty('f32', [n]));
      return { text, ins: withZp ? [x, s, z] : [x, s] };
    });
    await checkExact(cases, runWasmT, { numRuns: 120 });
  });
});
