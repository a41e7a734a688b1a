import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Builder } from '../../../ir/builder.js';
import { Func, Module, Region, Value } from '../../../ir/ir.js';
import { attr } from '../../../ir/attrs.js';
import { interpret } from '../../../ir/interp.js';
import { verify } from '../../../ir/verify.js';
import type { AttrValue } from '../../../ir/ir.js';
import type { DType } from '../../../ir/dtype.js';
import { sizeOf, stridesOf, tensorFrom, toNumbers, type Tensor } from '../../../ir/tensor.js';
import type { TensorType } from '../../../ir/types.js';

/** Build main(x) = op(x, const axes?) and return [result type, result tensor]. */
function run(op: string, x: Tensor, axes: number[] | null, attrs: Record<string, AttrValue> = {}): [TensorType, Tensor] {
  const m = new Module('t');
  const xv = new Value('x', { dtype: x.dtype, shape: [...x.shape] });
  const body = new Region([xv]);
  const b = new Builder(body, m);
  const a = axes ? b.op1('const', [], { attrs: { value: attr.tensor(tensorFrom('i64', [axes.length], axes)) } }) : null;
  const r = b.op1(op, [xv, a], { attrs });
  b.op('return', [r], { results: 0 });
  m.funcs.push(new Func('main', body, ['r']));
  expect(verify(m)).toEqual([]);
  return [r.type, interpret(m, [x])[0]!];
}

const f32 = (shape: number[], v: number[]): Tensor => tensorFrom('f32', shape, v);

describe('reduce ops: hand-computed values', () => {
  const x = f32([3, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  const cases: [string, number[] | null, number, number[], number[]][] = [
    ['reduce_sum', [1], 1, [3, 1, 2], [4, 6, 12, 14, 20, 22]],
    ['reduce_sum', [1], 0, [3, 2], [4, 6, 12, 14, 20, 22]],
    ['reduce_sum', null, 1, [1, 1, 1], [78]],
    ['reduce_mean', [-2], 1, [3, 1, 2], [2, 3, 6, 7, 10, 11]],
    ['reduce_prod', [0, 2], 0, [2], [1 * 2 * 5 * 6 * 9 * 10, 3 * 4 * 7 * 8 * 11 * 12]],
    ['reduce_max', [2], 0, [3, 2], [2, 4, 6, 8, 10, 12]],
    ['reduce_min', [0], 0, [2, 2], [1, 2, 3, 4]],
    ['reduce_l1', [1, 2], 0, [3], [10, 26, 42]],
    ['reduce_sum_square', [2], 0, [3, 2], [5, 25, 61, 113, 181, 265]],
    ['reduce_l2', [2], 0, [3, 2], [5, 25, 61, 113, 181, 265].map(Math.sqrt)],
    ['reduce_log_sum', [0], 0, [2, 2], [15, 18, 21, 24].map(Math.log)],
    ['reduce_log_sum_exp', [0], 0, [2, 2], [1, 2, 3, 4].map((v) => Math.log(Math.exp(v) + Math.exp(v + 4) + Math.exp(v + 8)))],
  ];
  for (const [op, axes, keepdims, shape, want] of cases) {
    it(`${op} axes=${JSON.stringify(axes)} keepdims=${keepdims}`, () => {
      const [t, r] = run(op, x, axes, { keepdims: attr.int(keepdims) });
      expect(t.shape).toEqual(shape);
      expect(r.shape).toEqual(shape);
      toNumbers(r).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 4));
    });
  }

  it('gives the identity for empty sets', () => {
    const e = f32([2, 0, 4], []);
    const want: Record<string, number> = {
      reduce_sum: 0, reduce_prod: 1, reduce_l1: 0, reduce_l2: 0, reduce_sum_square: 0,
      reduce_log_sum: -Infinity, reduce_log_sum_exp: -Infinity, reduce_max: -Infinity, reduce_min: Infinity,
    };
    for (const [op, v] of Object.entries(want)) {
      const [, r] = run(op, e, [1]);
      expect(r.shape).toEqual([2, 1, 4]);
      expect(toNumbers(r)).toEqual(new Array(8).fill(v));
    }
    expect(toNumbers(run('reduce_max', tensorFrom('i32', [0], []), [0])[1])).toEqual([-(2 ** 31)]);
    expect(toNumbers(run('reduce_min', tensorFrom('u8', [0], []), [0])[1])).toEqual([255]);
  });

  it('keeps the input with noop_with_empty_axes and an empty axes list', () => {
    const [t, r] = run('reduce_sum', x, [], { noop_with_empty_axes: attr.int(1) });
    expect(t.shape).toEqual([3, 2, 2]);
    expect(toNumbers(r)).toEqual(toNumbers(x));
    const [, all] = run('reduce_sum', x, []);
    expect(toNumbers(all)).toEqual([78]);
  });

  it('propagates NaN in max/min and is stable in log_sum_exp', () => {
    const n = f32([3], [1, NaN, 3]);
    expect(toNumbers(run('reduce_max', n, null)[1])[0]).toBeNaN();
    expect(toNumbers(run('reduce_min', n, null)[1])[0]).toBeNaN();
    const big = tensorFrom('f64', [2], [1000, 1000]);
    expect(toNumbers(run('reduce_log_sum_exp', big, null)[1])[0]).toBeCloseTo(1000 + Math.log(2), 10);
  });

  it('sums int64 exactly and reduces bool with max/min', () => {
    const big = tensorFrom('i64', [3], [2n ** 62n, 2n ** 62n - 1n, -(2n ** 61n)]);
    expect(run('reduce_sum', big, null)[1].data[0]).toBe(2n ** 62n + 2n ** 62n - 1n - 2n ** 61n);
    expect(run('reduce_max', big, null)[1].data[0]).toBe(2n ** 62n);
    const bools = tensorFrom('bool', [2, 2], [1, 0, 0, 0]);
    expect(toNumbers(run('reduce_max', bools, [1])[1])).toEqual([1, 0]);
    expect(toNumbers(run('reduce_min', bools, [1])[1])).toEqual([0, 0]);
    expect(toNumbers(run('reduce_mean', tensorFrom('i32', [3], [1, 2, 4]), null)[1])).toEqual([2]);
  });

  it('infers symbolic and unknown shapes', () => {
    const m = new Module('t');
    const xv = new Value('x', { dtype: 'f32', shape: ['n', 3, 'k'] });
    const av = new Value('a', { dtype: 'i64', shape: [1] });
    const b = new Builder(new Region([xv, av]), m);
    const c = b.op1('const', [], { attrs: { value: attr.tensor(tensorFrom('i64', [1], [1])) } });
    expect(b.op1('reduce_sum', [xv, c]).type.shape).toEqual(['n', 1, 'k']);
    expect(b.op1('reduce_sum', [xv, c], { attrs: { keepdims: attr.int(0) } }).type.shape).toEqual(['n', 'k']);
    // Axes read from input data: each dim is 1 or itself at run time (ir/ops/reduce.ts runtimeReducedFlags).
    expect(b.op1('reduce_sum', [xv, av]).type.shape).toEqual(['n', 3, 'k'].map((d, i) => `sel(min(eq(${i},wrap(%a[0],3)),1),1,${d})`));
    // keepdims=0: the rank is known (one axis goes), which dims stay is an expression of the data.
    const kept = b.op1('reduce_sum', [xv, av], { attrs: { keepdims: attr.int(0) } }).type.shape!;
    expect(kept.length).toBe(2);
    expect(kept.every((d) => typeof d === 'string' && d.includes('%a[0]'))).toBe(true);
    expect(b.op1('reduce_max', [xv, null], { attrs: { keepdims: attr.int(0) } }).type.shape).toEqual([]);
    expect(() => b.op1('reduce_sum', [xv, b.op1('const', [], { attrs: { value: attr.tensor(tensorFrom('i64', [1], [3])) } })])).toThrow(/E307/);
  });
});

// Naive reference: visit every output cell, loop over every input cell and pick those that map to it.
function naive(op: string, shape: number[], data: number[], axes: number[], keepdims: boolean): { shape: number[]; data: number[] } {
  const outShapeKeep = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const outData: number[] = [];
  const xs = stridesOf(shape);
  for (let o = 0; o < sizeOf(outShapeKeep); o++) {
    const oIdx = stridesOf(outShapeKeep).map((s, i) => Math.floor(o / s) % outShapeKeep[i]!);
    const vals: number[] = [];
    for (let f = 0; f < data.length; f++) {
      const idx = xs.map((s, i) => Math.floor(f / s) % shape[i]!);
      if (idx.every((v, i) => axes.includes(i) || v === oIdx[i])) vals.push(data[f]!);
    }
    const sum = (a: number[]) => a.reduce((p, q) => p + q, 0);
    const r: Record<string, () => number> = {
      reduce_sum: () => sum(vals),
      reduce_mean: () => sum(vals) / vals.length,
      reduce_prod: () => vals.reduce((p, q) => p * q, 1),
      reduce_max: () => Math.max(...vals),
      reduce_min: () => Math.min(...vals),
      reduce_l1: () => sum(vals.map(Math.abs)),
      reduce_l2: () => Math.sqrt(sum(vals.map((v) => v * v))),
      reduce_sum_square: () => sum(vals.map((v) => v * v)),
      reduce_log_sum: () => Math.log(sum(vals)),
      reduce_log_sum_exp: () => Math.log(sum(vals.map(Math.exp))),
    };
    outData.push(r[op]!());
  }
  return { shape: keepdims ? outShapeKeep : shape.filter((_, i) => !axes.includes(i)), data: outData };
}

describe('reduce ops: properties against a naive loop', () => {
  const ops = ['reduce_sum', 'reduce_mean', 'reduce_prod', 'reduce_max', 'reduce_min', 'reduce_l1', 'reduce_l2', 'reduce_sum_square', 'reduce_log_sum', 'reduce_log_sum_exp'];
  const arb = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }).chain((shape) =>
    fc.record({
      shape: fc.constant(shape),
      data: fc.array(fc.double({ min: 0.5, max: 2, noNaN: true }), { minLength: sizeOf(shape), maxLength: sizeOf(shape) }),
      axes: fc.subarray([...shape.keys()], { minLength: 1 }),
      neg: fc.boolean(),
      keepdims: fc.boolean(),
      op: fc.constantFrom(...ops),
    }));
  it('matches for random shapes, axes and keepdims', () => {
    fc.assert(fc.property(arb, ({ shape, data, axes, neg, keepdims, op }) => {
      const x = tensorFrom('f64', shape, data);
      const given = neg ? axes.map((a) => a - shape.length) : axes;
      const [, r] = run(op, x, given, { keepdims: attr.int(keepdims ? 1 : 0) });
      const want = naive(op, shape, data, axes, keepdims);
      expect(r.shape).toEqual(want.shape);
      toNumbers(r).forEach((v, i) => expect(v).toBeCloseTo(want.data[i]!, 9));
    }), { numRuns: 150 });
  });

  it('integer sums match a bigint loop', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { minLength: 1, maxLength: 20 }), (vals) => {
      const dt: DType = 'i32';
      const [, r] = run('reduce_sum', tensorFrom(dt, [vals.length], vals), null);
      const want = Number(BigInt.asIntN(32, vals.reduce((a, v) => a + BigInt(v), 0n)));
      expect(toNumbers(r)).toEqual([want]);
    }));
  });
});
