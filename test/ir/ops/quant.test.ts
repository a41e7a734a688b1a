import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Builder } from '../../../ir/builder.js';
import { Func, Module, Region, Value } from '../../../ir/ir.js';
import { attr } from '../../../ir/attrs.js';
import { interpret } from '../../../ir/interp.js';
import { verify } from '../../../ir/verify.js';
import type { AttrValue } from '../../../ir/ir.js';
import { tensorFrom, toNumbers, type Tensor } from '../../../ir/tensor.js';
import type { TensorType } from '../../../ir/types.js';

/** main(inputs...) = op(inputs...), null operands omitted; returns result types and values. */
function run(op: string, inputs: (Tensor | null)[], attrs: Record<string, AttrValue> = {}, results = 1): [TensorType[], Tensor[]] {
  const m = new Module('t');
  const args = inputs.filter((t): t is Tensor => t !== null).map((t, i) => new Value(`a${i}`, { dtype: t.dtype, shape: [...t.shape] }));
  const body = new Region(args);
  const b = new Builder(body, m);
  let k = 0;
  const rs = b.op(op, inputs.map((t) => (t ? args[k++]! : null)), { attrs, results });
  b.op('return', rs, { results: 0 });
  m.funcs.push(new Func('main', body, rs.map((_, i) => `r${i}`)));
  expect(verify(m)).toEqual([]);
  return [rs.map((r) => r.type), interpret(m, inputs.filter((t): t is Tensor => t !== null))];
}
const t = tensorFrom;
const one = (op: string, inputs: (Tensor | null)[], attrs: Record<string, AttrValue> = {}): Tensor => run(op, inputs, attrs)[1][0]!;

describe('quantize_linear', () => {
  it('rounds half to even and saturates (ONNX example)', () => {
    const y = one('quantize_linear', [t('f32', [6], [0, 2, 3, 1000, -254, -1000]), t('f32', [], [2]), t('u8', [], [128])]);
    expect(y.dtype).toBe('u8');
    expect(toNumbers(y)).toEqual([128, 129, 130, 255, 1, 0]);
    expect(toNumbers(one('quantize_linear', [t('f32', [5], [1, 3, 5, -1, -3]), t('f32', [], [2]), t('i8', [], [0])]))).toEqual([0, 2, 2, 0, -2]);
  });
  it('defaults to uint8 without a zero point, or to output_dtype', () => {
    expect(one('quantize_linear', [t('f32', [2], [-1, 300]), t('f32', [], [1]), null]).dtype).toBe('u8');
    const y = one('quantize_linear', [t('f32', [3], [-100, 7, 100]), t('f32', [], [1]), null], { output_dtype: attr.dtype('i4') });
    expect(y.dtype).toBe('i4');
    expect(toNumbers(y)).toEqual([-8, 7, 7]);
  });
  it('applies per-axis and blocked scales', () => {
    const x = t('f32', [2, 4], [1, 2, 3, 4, 5, 6, 7, 8]);
    const perAxis = one('quantize_linear', [x, t('f32', [2], [1, 2]), t('i16', [2], [0, 10])], { axis: attr.int(0) });
    expect(toNumbers(perAxis)).toEqual([1, 2, 3, 4, 12, 13, 14, 14]);
    const blocked = one('quantize_linear', [x, t('f32', [2, 2], [1, 2, 4, 8]), t('u8', [2, 2], [0, 0, 0, 100])], { axis: attr.int(1), block_size: attr.int(2) });
    expect(toNumbers(blocked)).toEqual([1, 2, 2, 2, 1, 2, 101, 101]);
  });
  it('converts to float8 with and without saturation', () => {
    const x = t('f32', [3], [500, -1, 0.3]);
    const zp = t('f8e4m3fn', [1], [0]);
    expect(toNumbers(one('quantize_linear', [x, t('f32', [], [1]), zp]))).toEqual([448, -1, 0.3125]);
    const ns = toNumbers(one('quantize_linear', [x, t('f32', [], [1]), zp], { saturate: attr.int(0) }));
    expect(ns[0]).toBeNaN();
  });
  it('matches the formula on random data', () => {
    fc.assert(fc.property(fc.array(fc.float({ min: -300, max: 300, noNaN: true }), { minLength: 1, maxLength: 20 }),
      fc.float({ min: Math.fround(0.01), max: 10, noNaN: true }), fc.integer({ min: -128, max: 127 }), (xs, s, z) => {
        const y = toNumbers(one('quantize_linear', [t('f32', [xs.length], xs), t('f32', [], [s]), t('i8', [], [z])]));
        xs.forEach((x, i) => {
          const q = Math.fround(Math.fround(x) / Math.fround(s));
          const fl = Math.floor(q), frac = q - fl;
          const r = frac > 0.5 || (frac === 0.5 && fl % 2 !== 0) ? fl + 1 : fl;
          expect(y[i]).toBe(Math.max(-128, Math.min(127, r + z)));
        });
      }));
  });
});

describe('dequantize_linear', () => {
  it('computes (x - zp) * scale in the scale dtype or output_dtype', () => {
    const y = one('dequantize_linear', [t('u8', [4], [0, 3, 128, 255]), t('f32', [], [2]), t('u8', [], [128])]);
    expect(y.dtype).toBe('f32');
    expect(toNumbers(y)).toEqual([-256, -250, 0, 254]);
    const h = one('dequantize_linear', [t('i4', [3], [-8, 1, 7]), t('f32', [], [0.5]), null], { output_dtype: attr.dtype('f16') });
    expect(h.dtype).toBe('f16');
    expect(toNumbers(h)).toEqual([-4, 0.5, 3.5]);
  });
  it('per-axis: one scale per channel', () => {
    const y = one('dequantize_linear', [t('i32', [1, 2, 2], [1, 2, 3, 4]), t('f32', [2], [10, 100]), null]);
    expect(toNumbers(y)).toEqual([10, 20, 300, 400]);
  });
  it('inverts quantize within half a step', () => {
    fc.assert(fc.property(fc.array(fc.float({ min: -100, max: 100, noNaN: true }), { minLength: 1, maxLength: 16 }), (xs) => {
      const s = t('f32', [], [1]);
      const q = one('quantize_linear', [t('f32', [xs.length], xs), s, t('i8', [], [0])]);
      const d = toNumbers(one('dequantize_linear', [q, s, t('i8', [], [0])]));
      xs.forEach((x, i) => expect(Math.abs(d[i]! - x)).toBeLessThanOrEqual(0.5));
    }));
  });
});

describe('dynamic_quantize_linear', () => {
  it('matches the ONNX example', () => {
    const [types, [y, s, z]] = run('dynamic_quantize_linear', [t('f32', [6], [0, 2, -3, -2.5, 1.34, 0.5])], {}, 3);
    expect(types.map((x) => x.dtype)).toEqual(['u8', 'f32', 'u8']);
    expect(toNumbers(s!)[0]).toBeCloseTo(5 / 255, 7);
    expect(toNumbers(z!)).toEqual([153]);
    expect(toNumbers(y!)).toEqual([153, 255, 0, 26, 221, 179]);
  });
});

/** Plain triple loop: (A - azp[row]) x (B - bzp[col]). */
function naiveMatmul(M: number, K: number, N: number, a: number[], b: number[], azp: number[], bzp: number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += (a[i * K + k]! - azp[azp.length > 1 ? i : 0]!) * (b[k * N + j]! - bzp[bzp.length > 1 ? j : 0]!);
      out.push(s);
    }
  }
  return out;
}

describe('integer matmul and conv', () => {
  it('matmul_integer: ONNX example', () => {
    const a = t('u8', [4, 3], [11, 7, 3, 10, 6, 2, 9, 5, 1, 8, 4, 0]);
    const b = t('u8', [3, 2], [1, 4, 2, 5, 3, 6]);
    const y = one('matmul_integer', [a, b, t('u8', [], [12]), t('u8', [], [0])]);
    expect(y.dtype).toBe('i32');
    expect(toNumbers(y)).toEqual([-38, -83, -44, -98, -50, -113, -56, -128]);
  });
  it('matmul_integer: per-row and per-column zero points match a naive loop', () => {
    const arb = fc.record({ M: fc.integer({ min: 1, max: 4 }), K: fc.integer({ min: 1, max: 4 }), N: fc.integer({ min: 1, max: 4 }) }).chain(({ M, K, N }) =>
      fc.record({
        M: fc.constant(M), K: fc.constant(K), N: fc.constant(N),
        a: fc.array(fc.integer({ min: -128, max: 127 }), { minLength: M * K, maxLength: M * K }),
        b: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: K * N, maxLength: K * N }),
        azp: fc.array(fc.integer({ min: -128, max: 127 }), { minLength: M, maxLength: M }),
        bzp: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: N, maxLength: N }),
      }));
    fc.assert(fc.property(arb, ({ M, K, N, a, b, azp, bzp }) => {
      const y = one('matmul_integer', [t('i8', [M, K], a), t('u8', [K, N], b), t('i8', [M], azp), t('u8', [N], bzp)]);
      expect(toNumbers(y)).toEqual(naiveMatmul(M, K, N, a, b, azp, bzp));
    }));
  });
  it('qlinear_matmul requantizes with a_scale*b_scale/y_scale, half to even', () => {
    const s1 = t('f32', [], [1]), z = t('u8', [], [0]);
    const y = one('qlinear_matmul', [t('u8', [1, 2], [1, 2]), s1, z, t('u8', [2, 2], [3, 1, 4, 0]), s1, z, t('f32', [], [2]), t('u8', [], [10])]);
    expect(toNumbers(y)).toEqual([16, 10]); // 11/2 = 5.5 -> 6; 1/2 = 0.5 -> 0
    // Omitted zero points count as 0 and the result takes a's type.
    const n = one('qlinear_matmul', [t('i8', [1, 2], [-1, 2]), s1, null, t('i8', [2, 1], [3, 4]), s1, null, t('f32', [], [1]), null]);
    expect(n.dtype).toBe('i8');
    expect(toNumbers(n)).toEqual([5]);
  });
  it('conv_integer: ONNX example, with and without padding', () => {
    const x = t('u8', [1, 1, 3, 3], [2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const w = t('u8', [1, 1, 2, 2], [1, 1, 1, 1]);
    expect(toNumbers(one('conv_integer', [x, w, t('u8', [], [1]), null]))).toEqual([12, 16, 24, 28]);
    const p = one('conv_integer', [x, w, t('u8', [], [1]), null], { pads: attr.ints([1, 1, 1, 1]) });
    expect(p.shape).toEqual([1, 1, 4, 4]);
    expect(toNumbers(p)).toEqual([1, 3, 5, 3, 5, 12, 16, 9, 11, 24, 28, 15, 7, 15, 17, 9]);
  });
  it('qlinear_conv: 1x1 kernel is per-pixel requantization', () => {
    const x = t('u8', [1, 1, 2, 2], [10, 20, 30, 40]);
    const y = one('qlinear_conv', [x, t('f32', [], [0.5]), t('u8', [], [10]), t('i8', [1, 1, 1, 1], [3]), t('f32', [1], [1]), t('i8', [1], [0]),
      t('f32', [], [0.25]), t('u8', [], [5]), t('i32', [1], [2])]);
    // ((x - 10) * 3 + 2) * 0.5 / 0.25 + 5
    expect(toNumbers(y)).toEqual([9, 69, 129, 189]);
  });
});

describe('blocked scales', () => {
  it('dequantize_linear: element (i, j) uses scale (i, floor(j / block)), including a short last block', () => {
    const arb = fc.record({ R: fc.integer({ min: 1, max: 3 }), C: fc.integer({ min: 1, max: 7 }), bs: fc.integer({ min: 1, max: 4 }) }).chain(({ R, C, bs }) => {
      const nb = Math.ceil(C / bs);
      return fc.record({
        R: fc.constant(R), C: fc.constant(C), bs: fc.constant(bs),
        x: fc.array(fc.integer({ min: -128, max: 127 }), { minLength: R * C, maxLength: R * C }),
        s: fc.array(fc.integer({ min: 1, max: 8 }), { minLength: R * nb, maxLength: R * nb }),
        z: fc.array(fc.integer({ min: -4, max: 4 }), { minLength: R * nb, maxLength: R * nb }),
      });
    });
    fc.assert(fc.property(arb, ({ R, C, bs, x, s, z }) => {
      const nb = Math.ceil(C / bs);
      const y = one('dequantize_linear', [t('i8', [R, C], x), t('f32', [R, nb], s.map((v) => v / 4)), t('i8', [R, nb], z)],
        { axis: attr.int(1), block_size: attr.int(bs) });
      const want = x.map((v, f) => {
        const i = Math.floor(f / C), j = f % C, k = i * nb + Math.floor(j / bs);
        return (v - z[k]!) * (s[k]! / 4);
      });
      expect(toNumbers(y)).toEqual(want);
    }));
  });
  it('rejects a scale that does not fit the blocks (shape rule)', () => {
    expect(() => one('dequantize_linear', [t('i8', [2, 4], new Array(8).fill(0)), t('f32', [2, 3], new Array(6).fill(1)), null],
      { axis: attr.int(1), block_size: attr.int(2) })).toThrow(/E307.*does not fit/);
  });
});
