// The fast paths of the wasm quantisation kernels: the four-lane paths of per-tensor quantize_linear (f32 -> u8/i8) and dequantize_linear
// (u8/i8 -> f32) against the interpreter, exactly, on the values where a vector rounding could
// differ from the scalar one: exact halves (ties to even), values past 2^24 and 1e30 (the zero
// point added in f32 before the clamp), NaN, infinities, -0, every 8-bit code, zero points at
// both ends, and lengths 1-37 (the scalar tail after the groups of four); and matmul_integer /
// qlinear_matmul with a constant B and zero point, whose centred i16 B^T is packed at compile time;
// dynamic_quantize_linear's range and quantize loops.

import fc from 'fast-check';
import { describe, it } from 'vitest';
import type { Tensor } from '../../../ir/tensor.js';
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

  it('dynamic_quantize_linear: lengths 1-37, ties, NaN, infinities, -0, all zeros, one sign only', async () => {
    const cases = fc.tuple(fc.integer({ min: 1, max: 37 }), fc.constantFrom('mixed', 'special', 'pos', 'neg', 'zero'), fc.integer()).map(([n, kind, seed]) => {
      const r = rng(seed);
      const x = tensor('f32', [n], () => {
        if (kind === 'zero') return r() < 0.5 ? 0 : -0;
        if (kind === 'special' && r() < 0.15) return SPECIAL[Math.floor(r() * 4)]!;
        const v = r() < 0.5 ? Math.floor(r() * 255) / 16 + 1 / 32 : r() * 10; // k + 0.5 steps of 1/16 when the range is 255/16
        return kind === 'pos' ? v : kind === 'neg' ? -v : r() < 0.5 ? v : -v;
      });
      const text = ['module @m {', `  func @main(%x: ${ty('f32', [n])}) -> (%y: ${ty('u8', [n])}, %s: f32[], %z: u8[]) {`,
        `    %y, %s, %z = dynamic_quantize_linear(%x) : (${ty('u8', [n])}, f32[], u8[])`, '    return %y, %s, %z', '  }', '}'].join('\n');
      return { text, ins: [x] };
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

const dense = (dt: string, shape: number[], vals: readonly number[]): string => `const {value = dense<[${vals.join(', ')}]> : ${ty(dt, shape)}} : ${ty(dt, shape)}`;

describe('wasm matmul_integer / qlinear_matmul with a constant B (centred and transposed at compile time) vs interpreter', () => {
  it('u8/i8 B of 1-3 batches (broadcast against A), zero point none / scalar / per column, K not a multiple of 8', async () => {
    const cases = fc.tuple(fc.constantFrom(1, 2, 5), fc.constantFrom(1, 3, 8, 9, 17), fc.constantFrom(1, 2, 7), fc.constantFrom<number[]>([], [2], [3]), fc.constantFrom<number[]>([], [1], [2]),
      fc.constantFrom('u8', 'i8'), fc.constantFrom('u8', 'i8'), fc.constantFrom('none', 'scalar', 'vec'), fc.boolean(), fc.integer(),
    ).filter(([, , , ba, bb, , , , q]) => (ba.length === 0 || bb.length === 0 || bb[0] === 1 || ba[0] === bb[0]) && !(q && ba.length + bb.length > 0)).map(([M, K, N, ba, bb, adt, bdt, zbK, q, seed]) => {
      const r = rng(seed);
      const lo = (dt: string): number => (dt === 'u8' ? 0 : -128);
      const draw = (dt: string, n: number): number[] => Array.from({ length: n }, () => lo(dt) + Math.floor(r() * 256));
      const a = tensor(adt, [...ba, M, K], () => lo(adt) + Math.floor(r() * 256));
      const bShape = [...bb, K, N], zShape = zbK === 'vec' ? [N] : [];
      const consts = [`%b = ${dense(bdt, bShape, draw(bdt, bShape.reduce((x, y) => x * y, 1)))}`, ...(zbK !== 'none' || q ? [`%zb = ${dense(bdt, zShape, draw(bdt, zShape.length ? N : 1))}`] : [])];
      if (!q) {
        const call = zbK === 'none' ? 'matmul_integer(%a, %b)' : 'matmul_integer(%a, %b, none, %zb)';
        return { text: oneOp([['a', ty(adt, a.shape)]], (rt) => [...consts, `%y = ${call} : ${rt}`], ty('i32', [M, N])), ins: [a] };
      }
      const sc = (n: number[]): Tensor => tensor('f32', n, () => 0.01 + r() * 0.1);
      const [sa, za, sb, sy, yz] = [sc([]), tensor(adt, [], () => lo(adt) + Math.floor(r() * 256)), sc(zShape), tensor('f32', [], () => 0.5 + r() * 4), tensor(adt, [], () => lo(adt) + Math.floor(r() * 256))];
      const args: [string, string][] = [['a', ty(adt, a.shape)], ['sa', ty('f32', [])], ['za', ty(adt, [])], ['sb', ty('f32', zShape)], ['sy', ty('f32', [])], ['yz', ty(adt, [])]];
      return { text: oneOp(args, (rt) => [...consts, `%y = qlinear_matmul(%a, %sa, %za, %b, %sb, %zb, %sy, %yz) : ${rt}`], ty(adt, [M, N])), ins: [a, sa, za, sb, sy, yz] };
    });
    await checkExact(cases, runWasmT, { numRuns: 80 });
  });
});
