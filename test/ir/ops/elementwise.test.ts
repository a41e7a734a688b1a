// Elementwise family: hand-computed values per op (integer wraparound, bigint exactness beyond
// 2^53, NaN handling, broadcasting), shape rules and their error messages.

import { describe, expect, it } from 'vitest';
import { attr } from '../../../ir/attrs.js';
import { Builder } from '../../../ir/builder.js';
import type { DType } from '../../../ir/dtype.js';
import type { AttrValue } from '../../../ir/ir.js';
import { Func, Module, Region, Value } from '../../../ir/ir.js';
import { interpret } from '../../../ir/interp.js';
import type { Tensor } from '../../../ir/tensor.js';
import { tensorFrom, toNumbers } from '../../../ir/tensor.js';
import type { TensorType } from '../../../ir/types.js';
import { verify } from '../../../ir/verify.js';
import '../../../ir/ops/index.js';

function run(op: string, inputs: (Tensor | null)[], attrs: Record<string, AttrValue> = {}): Tensor {
  const m = new Module('t');
  const present = inputs.filter((t): t is Tensor => t !== null);
  const args = present.map((t, i) => new Value(`a${i}`, { dtype: t.dtype, shape: [...t.shape] }));
  const body = new Region(args);
  const b = new Builder(body, m);
  let k = 0;
  const r = b.op1(op, inputs.map((t) => (t ? args[k++]! : null)), { attrs });
  b.op('return', [r], { results: 0 });
  m.funcs.push(new Func('main', body, ['r']));
  const diags = verify(m);
  if (diags.length) throw new Error(diags.map((d) => d.message).join('\n'));
  return interpret(m, present)[0]!;
}

function infer(op: string, types: TensorType[], attrs: Record<string, AttrValue> = {}): TensorType {
  const args = types.map((t, i) => new Value(`a${i}`, t));
  return new Builder(new Region(args), new Module('t')).op1(op, args, { attrs }).type;
}

const T = (dtype: DType, shape: number[], v: ArrayLike<number | bigint>): Tensor => tensorFrom(dtype, shape, v);
const v1 = (dtype: DType, v: (number | bigint)[]): Tensor => tensorFrom(dtype, [v.length], v);
const nums = (t: Tensor): number[] => toNumbers(t);
const bigs = (t: Tensor): bigint[] => [...(t.data as BigInt64Array)];
const close = (got: Tensor, want: number[], eps = 1e-6): void => {
  const g = nums(got);
  expect(g.length).toBe(want.length);
  g.forEach((x, i) => {
    if (Number.isNaN(want[i]!)) expect(x).toBeNaN();
    else if (!Number.isFinite(want[i]!)) expect(x).toBe(want[i]);
    else expect(Math.abs(x - want[i]!)).toBeLessThanOrEqual(eps * Math.max(1, Math.abs(want[i]!)));
  });
};

describe('binary arithmetic', () => {
  it('broadcasts [2,1,3] + [4,1] to [2,4,3]', () => {
    const a = T('f32', [2, 1, 3], [1, 2, 3, 10, 20, 30]);
    const b = T('f32', [4, 1], [100, 200, 300, 400]);
    const r = run('add', [a, b]);
    expect(r.shape).toEqual([2, 4, 3]);
    expect(nums(r).slice(0, 6)).toEqual([101, 102, 103, 201, 202, 203]);
    expect(nums(r).slice(12, 15)).toEqual([110, 120, 130]);
    expect(nums(r).slice(21)).toEqual([410, 420, 430]);
  });

  it('takes scalar fast paths on either side', () => {
    expect(nums(run('sub', [v1('f32', [5, 6]), T('f32', [], [1])]))).toEqual([4, 5]);
    expect(nums(run('sub', [T('f32', [], [10]), v1('f32', [5, 6])]))).toEqual([5, 4]);
  });

  it.each<[string, DType, number[], number[], number[]]>([
    ['add', 'i8', [100, -100], [100, -100], [-56, 56]],
    ['add', 'u8', [200, 0], [100, 0], [44, 0]],
    ['sub', 'u16', [0], [1], [65535]],
    ['add', 'i32', [2147483647], [1], [-2147483648]],
    ['mul', 'i32', [65536, 46341], [65536, 46341], [0, -2147479015]],
    ['mul', 'u32', [0xffffffff], [2], [0xfffffffe]],
    ['mul', 'i16', [300], [300], [24464]],
    ['div', 'i32', [7, -7, 7, -7, 5], [2, 2, -2, -2, 0], [3, -3, -3, 3, 0]],
    ['div', 'u8', [255, 9], [2, 0], [127, 0]],
    ['div', 'i32', [-2147483648], [-1], [-2147483648]],
    ['mod', 'i32', [-4, 4, -4, 4, 5], [3, -3, -3, 3, 0], [2, -2, -1, 1, 0]],
    ['bitwise_and', 'u8', [0b1100], [0b1010], [0b1000]],
    ['bitwise_or', 'i16', [-32768], [1], [-32767]],
    ['bitwise_xor', 'u32', [0xffffffff], [1], [0xfffffffe]],
  ])('%s on %s wraps like the machine type', (op, dt, a, b, want) => {
    expect(nums(run(op, [v1(dt, a), v1(dt, b)]))).toEqual(want);
  });

  it('computes i64/u64 exactly beyond 2^53 and wraps at 64 bits', () => {
    const p53 = 2n ** 53n;
    expect(bigs(run('add', [v1('i64', [p53 + 1n]), v1('i64', [1n])]))).toEqual([p53 + 2n]);
    expect(bigs(run('mul', [v1('i64', [2n ** 62n, 3037000500n]), v1('i64', [4n, 3037000500n])])))
      .toEqual([0n, BigInt.asIntN(64, 3037000500n * 3037000500n)]);
    expect(bigs(run('add', [v1('i64', [2n ** 63n - 1n]), v1('i64', [1n])]))).toEqual([-(2n ** 63n)]);
    expect([...(run('sub', [v1('u64', [0n]), v1('u64', [1n])]).data as BigUint64Array)]).toEqual([2n ** 64n - 1n]);
    expect(bigs(run('div', [v1('i64', [-7n, p53 * 3n + 3n, 5n]), v1('i64', [2n, 3n, 0n])]))).toEqual([-3n, p53 + 1n, 0n]);
    expect(bigs(run('mod', [v1('i64', [-7n, 7n]), v1('i64', [3n, -3n])]))).toEqual([2n, -2n]);
    expect(bigs(run('mod', [v1('i64', [-7n, 7n]), v1('i64', [3n, -3n])], { fmod: attr.int(1) }))).toEqual([-1n, 1n]);
  });

  it('mod: fmod=1 keeps the dividend sign, fmod=0 the divisor sign', () => {
    close(run('mod', [v1('f32', [-4.5, 4.5]), v1('f32', [2, -2])], { fmod: attr.int(1) }), [-0.5, 0.5]);
    close(run('mod', [v1('f32', [-4.5, 4.5]), v1('f32', [2, -2])]), [1.5, -1.5]);
  });

  it('float division follows IEEE (x/0 = inf, 0/0 = NaN)', () => {
    close(run('div', [v1('f32', [1, -1, 0]), v1('f32', [0, 0, 0])]), [Infinity, -Infinity, NaN]);
  });

  it('bit_shift: counts past the width give 0; u64 on bigints', () => {
    const left = { direction: attr.string('LEFT') }, right = { direction: attr.string('RIGHT') };
    expect(nums(run('bit_shift', [v1('u8', [1, 1, 255]), v1('u8', [7, 8, 1])], left))).toEqual([128, 0, 254]);
    expect(nums(run('bit_shift', [v1('u32', [1, 0x80000000, 5]), v1('u32', [31, 31, 40])], left))).toEqual([0x80000000, 0, 0]);
    expect(nums(run('bit_shift', [v1('u32', [0x80000000]), v1('u32', [31])], right))).toEqual([1]);
    expect([...(run('bit_shift', [v1('u64', [1n, 3n]), v1('u64', [63n, 64n])], left).data as BigUint64Array)]).toEqual([2n ** 63n, 0n]);
  });
});

describe('pow', () => {
  it('mixes base and exponent dtypes; the result has the base dtype', () => {
    close(run('pow', [v1('f32', [2, 4, -8]), v1('i64', [3n, -1n, 2n])]), [8, 0.25, 64]);
    expect(nums(run('pow', [v1('i32', [3, 2, -2, 2]), v1('i32', [4, 31, 3, -1])]))).toEqual([81, -2147483648, -8, 0]);
    expect(nums(run('pow', [v1('i32', [2, 3]), v1('f32', [0.5, 2])]))).toEqual([1, 9]);
    expect(bigs(run('pow', [v1('i64', [3n, 2n]), v1('i64', [40n, 64n])]))).toEqual([BigInt.asIntN(64, 3n ** 40n), 0n]);
  });
  it('follows C for pow(1, NaN) and pow(NaN, 0)', () => {
    close(run('pow', [v1('f32', [1, NaN, 2]), v1('f32', [NaN, 0, NaN])]), [1, 1, NaN]);
  });
});

describe('comparisons and logic', () => {
  it('treats NaN as unordered and unequal', () => {
    const a = v1('f32', [NaN, 1, 2]), b = v1('f32', [NaN, NaN, 2]);
    expect(nums(run('equal', [a, b]))).toEqual([0, 0, 1]);
    expect(nums(run('greater', [a, b]))).toEqual([0, 0, 0]);
    expect(nums(run('less_or_equal', [a, b]))).toEqual([0, 0, 1]);
    expect(run('equal', [a, b]).dtype).toBe('bool');
  });
  it('compares i64 exactly beyond 2^53', () => {
    const p53 = 2n ** 53n;
    expect(nums(run('greater', [v1('i64', [p53 + 1n]), v1('i64', [p53])]))).toEqual([1]);
    expect(nums(run('equal', [v1('i64', [p53 + 1n]), v1('i64', [p53])]))).toEqual([0]);
    expect(nums(run('less', [v1('u64', [2n ** 64n - 1n]), v1('u64', [2n ** 64n - 2n])]))).toEqual([0]);
  });
  it('broadcasts boolean logic', () => {
    const a = T('bool', [2, 2], [0, 1, 1, 0]), b = T('bool', [2], [1, 0]);
    expect(nums(run('and', [a, b]))).toEqual([0, 0, 1, 0]);
    expect(nums(run('or', [a, b]))).toEqual([1, 1, 1, 0]);
    expect(nums(run('xor', [a, b]))).toEqual([1, 1, 0, 0]);
    expect(nums(run('not', [a]))).toEqual([1, 0, 0, 1]);
  });
});

describe('unary ops', () => {
  it.each<[string, number[], number[], Record<string, AttrValue>?]>([
    ['round', [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, 2.6, -2.6], [0, 2, 2, -0, -2, -2, 2, 3, -3]],
    ['abs', [-1.5, 0, NaN], [1.5, 0, NaN]],
    ['sign', [-3, 0, 2, NaN], [-1, 0, 1, NaN]],
    ['relu', [-1, 0, 3, NaN], [0, 0, 3, NaN]],
    ['ceil', [1.2, -1.2], [2, -1]],
    ['floor', [1.8, -1.2], [1, -2]],
    ['reciprocal', [4, -0.5], [0.25, -2]],
    ['erf', [0, 0.5, 1, -2, 3.5, 7], [0, 0.5204998778130465, 0.8427007929497149, -0.9953222650189527, 0.9999992569016276, 1]],
    ['sigmoid', [0, -1000, 1000, 2], [0.5, 0, 1, 0.8807970779778823]],
    ['softplus', [0, 1000, -1000, 1], [Math.LN2, 1000, 0, 1.3132616875182228]],
    ['softsign', [1, -3], [0.5, -0.75]],
    ['hard_swish', [-4, 1, 4], [0, 1 * (1 / 6 + 0.5), 4]],
    ['mish', [1], [0.8650983882673103]],
    ['gelu', [1, -1], [0.8413447460685429, -0.15865525393145707]],
    ['gelu', [1], [0.8411919906082768], { approximate: attr.string('tanh') }],
    ['elu', [-1, 2], [2 * (Math.exp(-1) - 1), 2], { alpha: attr.float(2) }],
    ['celu', [-1, 2], [2 * (Math.exp(-0.5) - 1), 2], { alpha: attr.float(2) }],
    ['selu', [-1, 2], [3 * (2 * Math.exp(-1) - 2), 6], { alpha: attr.float(2), gamma: attr.float(3) }],
    ['hard_sigmoid', [-10, 0, 0.5, 10], [0, 0.6, 0.85, 1], { alpha: attr.float(0.5), beta: attr.float(0.6) }],
    ['leaky_relu', [-10, 3], [-0.1, 3]],
    ['thresholded_relu', [1, 2, 3], [0, 0, 3], { alpha: attr.float(2) }],
    ['shrink', [-2, -1, 0, 1, 2], [-0.5, 0, 0, 0, 0.5], { lambd: attr.float(1.5), bias: attr.float(1.5) }],
    ['swish', [1, -2], [1 / (1 + Math.exp(-0.5)), -2 / (1 + Math.exp(1))], { alpha: attr.float(0.5) }],
    ['acosh', [1, 2], [0, 1.3169578969248166]],
    ['atanh', [0.5], [0.5493061443340549]],
  ])('%s(%j)', (op, x, want, attrs = {}) => {
    close(run(op, [v1('f64', x)], attrs), want, 1e-9);
  });

  it('keeps integer abs/neg exact and wrapping', () => {
    expect(nums(run('abs', [v1('i8', [-128, -5])]))).toEqual([-128, 5]);
    expect(nums(run('neg', [v1('i32', [-2147483648, 7])]))).toEqual([-2147483648, -7]);
    expect(bigs(run('abs', [v1('i64', [-(2n ** 53n) - 1n])]))).toEqual([2n ** 53n + 1n]);
    expect(bigs(run('neg', [v1('i64', [-(2n ** 63n)])]))).toEqual([-(2n ** 63n)]);
    expect(bigs(run('relu', [v1('i64', [-(2n ** 60n), 2n ** 60n + 1n])]))).toEqual([0n, 2n ** 60n + 1n]);
    expect(bigs(run('sign', [v1('i64', [-(2n ** 60n), 0n])]))).toEqual([-1n, 0n]);
  });

  it('bitwise_not complements within the width', () => {
    expect(nums(run('bitwise_not', [v1('u8', [0, 255])]))).toEqual([255, 0]);
    expect(nums(run('bitwise_not', [v1('i32', [0])]))).toEqual([-1]);
    expect([...(run('bitwise_not', [v1('u64', [0n])]).data as BigUint64Array)]).toEqual([2n ** 64n - 1n]);
  });

  it('is_inf honours detect_positive/detect_negative; is_nan', () => {
    const x = v1('f32', [Infinity, -Infinity, NaN, 1]);
    expect(nums(run('is_inf', [x]))).toEqual([1, 1, 0, 0]);
    expect(nums(run('is_inf', [x], { detect_positive: attr.int(0) }))).toEqual([0, 1, 0, 0]);
    expect(nums(run('is_inf', [x], { detect_negative: attr.int(0) }))).toEqual([1, 0, 0, 0]);
    expect(nums(run('is_nan', [x]))).toEqual([0, 0, 1, 0]);
  });

  it('rounds f16 results to f16', () => {
    // exp(1) = 2.718281828... nearest f16 is 2.71875.
    expect(nums(run('exp', [v1('f16', [1])]))).toEqual([2.71875]);
  });
});

describe('n-ary ops', () => {
  it('max/min fold many operands with broadcasting and propagate NaN', () => {
    const a = v1('f32', [1, NaN, 3]), b = v1('f32', [2]), c = T('f32', [2, 1], [0, 5]);
    const mx = run('max', [a, b, c]);
    expect(mx.shape).toEqual([2, 3]);
    close(mx, [2, NaN, 3, 5, NaN, 5]);
    close(run('min', [a, b, c]), [0, NaN, 0, 1, NaN, 2]);
    expect(nums(run('max', [v1('i8', [-3, 4])]))).toEqual([-3, 4]);
    expect(bigs(run('min', [v1('i64', [2n ** 60n + 1n]), v1('i64', [2n ** 60n])]))).toEqual([2n ** 60n]);
  });
  it('sum and mean', () => {
    close(run('sum', [v1('f32', [1, 2]), v1('f32', [3, 4]), T('f32', [], [10])]), [14, 16]);
    close(run('mean', [v1('f32', [1, 2]), v1('f32', [3, 4]), T('f32', [], [2])]), [2, 8 / 3]);
  });
  it('where broadcasts condition, X and Y', () => {
    const c = T('bool', [2, 1], [1, 0]), x = v1('i64', [1n, 2n, 3n]), y = T('i64', [], [-1n]);
    const r = run('where', [c, x, y]);
    expect(r.shape).toEqual([2, 3]);
    expect(bigs(r)).toEqual([1n, 2n, 3n, -1n, -1n, -1n]);
  });
  it('clip: optional bounds, min > max, NaN passes, integers', () => {
    const x = v1('f32', [-2, 0, 2, NaN]);
    close(run('clip', [x, T('f32', [], [-1]), T('f32', [], [1])]), [-1, 0, 1, NaN]);
    close(run('clip', [x, null, T('f32', [], [1])]), [-2, 0, 1, NaN]);
    close(run('clip', [x, T('f32', [], [0]), null]), [0, 0, 2, NaN]);
    close(run('clip', [x, T('f32', [], [2]), T('f32', [], [1])]), [1, 1, 1, NaN]);
    expect(nums(run('clip', [v1('i8', [-128, 127]), T('i8', [], [-100])]))).toEqual([-100, 127]);
    expect(bigs(run('clip', [v1('i64', [2n ** 62n, 0n]), T('i64', [], [1n]), T('i64', [], [2n ** 61n])]))).toEqual([2n ** 61n, 1n]);
  });
  it('prelu broadcasts the slope to X', () => {
    close(run('prelu', [T('f32', [2, 3], [-1, -2, 3, -4, 5, -6]), v1('f32', [0.5, 1, 2])]), [-0.5, -2, 3, -2, 5, -12]);
    expect(() => infer('prelu', [{ dtype: 'f32', shape: [3] }, { dtype: 'f32', shape: [2, 3] }])).toThrow(/broadcast to X/);
  });
  it('swiglu = swish(A) * B', () => {
    close(run('swiglu', [v1('f32', [1, -2]), v1('f32', [2, 3])], { alpha: attr.float(0.5) }),
      [2 / (1 + Math.exp(-0.5)), -6 / (1 + Math.exp(1))]);
  });
});

describe('cast', () => {
  const cast = (x: Tensor, to: DType, attrs: Record<string, AttrValue> = {}): Tensor => run('cast', [x], { to: attr.dtype(to), ...attrs });
  it('float -> int truncates toward zero, wraps, and sends NaN/inf to 0', () => {
    expect(nums(cast(v1('f32', [2.7, -2.7, NaN, Infinity]), 'i32'))).toEqual([2, -2, 0, 0]);
    expect(nums(cast(v1('f32', [300, -1]), 'u8'))).toEqual([44, 255]);
    expect(nums(cast(v1('f32', [-9, 8, 15]), 'i4'))).toEqual([7, -8, -1]);
    expect(nums(cast(v1('f32', [-3, 3]), 'u2'))).toEqual([1, 3]);
    expect(bigs(cast(v1('f64', [-2.5, 2 ** 60]), 'i64'))).toEqual([-2n, 2n ** 60n]);
  });
  it('float -> bool is true for NaN and false only for ±0', () => {
    expect(nums(cast(v1('f32', [0, -0, NaN, 0.1]), 'bool'))).toEqual([0, 0, 1, 1]);
  });
  it('64-bit integers convert exactly', () => {
    expect(nums(cast(v1('i64', [2n ** 53n + 1n, -1n]), 'i32'))).toEqual([1, -1]);
    expect([...(cast(v1('i64', [-1n]), 'u64').data as BigUint64Array)]).toEqual([2n ** 64n - 1n]);
    expect(bigs(cast(v1('u64', [2n ** 64n - 1n]), 'i64'))).toEqual([-1n]);
    expect(nums(cast(v1('i64', [2n ** 53n]), 'f64'))).toEqual([2 ** 53]);
    expect(bigs(cast(v1('u8', [255]), 'i64'))).toEqual([255n]);
  });
  it('rounds to f16/bf16 to nearest even', () => {
    expect(nums(cast(v1('f32', [65520, 1 + 2 ** -11, 1 + 3 * 2 ** -11]), 'f16'))).toEqual([Infinity, 1, 1 + 2 ** -9]);
    expect(nums(cast(v1('f32', [1 + 2 ** -8]), 'bf16'))).toEqual([1]);
  });
  it('float8: saturate clamps, saturate=0 overflows to NaN', () => {
    expect(nums(cast(v1('f32', [1000, -Infinity, 0.47]), 'f8e4m3fn'))).toEqual([448, -448, 0.46875]);
    const ns = nums(cast(v1('f32', [1000, Infinity]), 'f8e4m3fn', { saturate: attr.int(0) }));
    expect(ns.every(Number.isNaN)).toBe(true);
  });
  it('float4e2m1 saturates and maps NaN to 0', () => {
    expect(nums(cast(v1('f32', [0.48, 9, NaN, -Infinity, 2.5]), 'f4e2m1'))).toEqual([0.5, 6, 0, -6, 2]);
  });
  it('float8e8m0 rounds by round_mode', () => {
    const x = v1('f32', [1.1, 1.6, 4, 0]);
    expect(nums(cast(x, 'f8e8m0'))).toEqual([2, 2, 4, 2 ** -127]);
    expect(nums(cast(x, 'f8e8m0', { round_mode: attr.string('down') }))).toEqual([1, 1, 4, 2 ** -127]);
    expect(nums(cast(x, 'f8e8m0', { round_mode: attr.string('nearest') }))).toEqual([1, 2, 4, 2 ** -127]);
  });
  it('cast_like takes the dtype of its second operand', () => {
    const r = run('cast_like', [v1('f32', [1.9, -1.9]), v1('i8', [0])]);
    expect(r.dtype).toBe('i8');
    expect(nums(r)).toEqual([1, -1]);
  });
  it('bit_cast reinterprets bits', () => {
    expect(nums(run('bit_cast', [v1('f32', [1, -2])], { to: attr.dtype('i32') }))).toEqual([0x3f800000, -0x40000000]);
    expect(bigs(run('bit_cast', [v1('f64', [1])], { to: attr.dtype('i64') }))).toEqual([0x3ff0000000000000n]);
    expect(nums(run('bit_cast', [v1('u16', [0xffff])], { to: attr.dtype('i16') }))).toEqual([-1]);
    expect(nums(run('bit_cast', [v1('i32', [0x40490fdb])], { to: attr.dtype('f32') }))).toEqual([Math.fround(Math.PI)]);
  });
});

describe('shape rules', () => {
  it('keeps symbols and broadcasts static dims', () => {
    expect(infer('add', [{ dtype: 'f32', shape: ['n', 1] }, { dtype: 'f32', shape: [3] }]).shape).toEqual(['n', 3]);
    expect(infer('less', [{ dtype: 'i64', shape: [2, 'k'] }, { dtype: 'i64', shape: [] }])).toEqual({ dtype: 'bool', shape: [2, 'k'] });
    expect(infer('where', [{ dtype: 'bool', shape: [4, 1] }, { dtype: 'f16', shape: [5] }, { dtype: 'f16', shape: null }]).shape).toBeNull();
    expect(infer('cast', [{ dtype: 'f32', shape: ['b', 3] }], { to: attr.dtype('f16') })).toEqual({ dtype: 'f16', shape: ['b', 3] });
  });
  it('reports bad operands clearly', () => {
    expect(() => infer('add', [{ dtype: 'f32', shape: [2, 3] }, { dtype: 'f32', shape: [4] }])).toThrow(/do not broadcast/);
    expect(() => infer('add', [{ dtype: 'f32', shape: [2] }, { dtype: 'i32', shape: [2] }])).toThrow(/expected f32/);
    expect(() => infer('sqrt', [{ dtype: 'i32', shape: [2] }])).toThrow(/allowed: f32/);
    expect(() => infer('cast', [{ dtype: 'string', shape: [2] }], { to: attr.dtype('f32') })).toThrow(/string/);
    expect(() => infer('bit_cast', [{ dtype: 'f32', shape: [2] }], { to: attr.dtype('f16') })).toThrow(/differ in width/);
    expect(() => infer('bit_shift', [{ dtype: 'i32', shape: [2] }, { dtype: 'i32', shape: [2] }], { direction: attr.string('LEFT') })).toThrow(/allowed/);
  });
});
