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

/** main(x) = op(x, ...constant operands); returns the results' types and values. */
function run(op: string, x: Tensor, consts: Tensor[], attrs: Record<string, AttrValue>, results = 1): [TensorType[], Tensor[]] {
  const m = new Module('t');
  const xv = new Value('x', { dtype: x.dtype, shape: [...x.shape] });
  const body = new Region([xv]);
  const b = new Builder(body, m);
  const cs = consts.map((c) => b.op1('const', [], { attrs: { value: attr.tensor(c) } }));
  const rs = b.op(op, [xv, ...cs], { attrs, results });
  b.op('return', rs, { results: 0 });
  m.funcs.push(new Func('main', body, rs.map((_, i) => `r${i}`)));
  expect(verify(m)).toEqual([]);
  return [rs.map((r) => r.type), interpret(m, [x])];
}

const i64 = (v: number): Tensor => tensorFrom('i64', [1], [v]);

describe('arg_max / arg_min', () => {
  const x = tensorFrom('f32', [2, 3], [2, 5, 5, 7, 1, 7]);
  it('picks the first index, or the last with select_last_index', () => {
    expect(toNumbers(run('arg_max', x, [], { axis: attr.int(1) })[1][0]!)).toEqual([1, 0]);
    expect(toNumbers(run('arg_max', x, [], { axis: attr.int(1), select_last_index: attr.int(1) })[1][0]!)).toEqual([2, 2]);
    expect(toNumbers(run('arg_min', x, [], { axis: attr.int(-1), keepdims: attr.int(0) })[1][0]!)).toEqual([0, 1]);
    const [[t], [r]] = run('arg_max', x, [], {});
    expect(t).toEqual({ dtype: 'i64', shape: [1, 3] });
    expect(r!.dtype).toBe('i64');
    expect(toNumbers(r!)).toEqual([1, 0, 1]);
  });
  it('matches a naive scan on random rows', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 1, maxLength: 12 }), fc.boolean(), (v, last) => {
      const [, [r]] = run('arg_min', tensorFrom('i32', [v.length], v), [], { select_last_index: attr.int(last ? 1 : 0), keepdims: attr.int(0) });
      const m = Math.min(...v);
      expect(toNumbers(r!)).toEqual([last ? v.lastIndexOf(m) : v.indexOf(m)]);
    }));
  });
});

describe('cum_sum / cum_prod', () => {
  const x = tensorFrom('f64', [5], [1, 2, 3, 4, 5]);
  const axis0 = tensorFrom('i32', [], [0]);
  const cases: [string, number, number, number[]][] = [
    ['cum_sum', 0, 0, [1, 3, 6, 10, 15]],
    ['cum_sum', 1, 0, [0, 1, 3, 6, 10]],
    ['cum_sum', 0, 1, [15, 14, 12, 9, 5]],
    ['cum_sum', 1, 1, [14, 12, 9, 5, 0]],
    ['cum_prod', 0, 0, [1, 2, 6, 24, 120]],
    ['cum_prod', 1, 0, [1, 1, 2, 6, 24]],
    ['cum_prod', 1, 1, [120, 60, 20, 5, 1]],
  ];
  for (const [op, exclusive, reverse, want] of cases) {
    it(`${op} exclusive=${exclusive} reverse=${reverse}`, () => {
      const [, [r]] = run(op, x, [axis0], { exclusive: attr.int(exclusive), reverse: attr.int(reverse) });
      expect(toNumbers(r!)).toEqual(want);
    });
  }
  it('runs along a negative axis of a 2-D int tensor', () => {
    const m = tensorFrom('i32', [2, 3], [1, 2, 3, 4, 5, 6]);
    expect(toNumbers(run('cum_sum', m, [tensorFrom('i64', [], [-1])], {})[1][0]!)).toEqual([1, 3, 6, 4, 9, 15]);
    expect(toNumbers(run('cum_sum', m, [tensorFrom('i64', [], [0])], {})[1][0]!)).toEqual([1, 2, 3, 5, 7, 9]);
  });
  it('is exact for int64', () => {
    const big = tensorFrom('i64', [2], [2n ** 60n + 1n, 2n ** 60n]);
    expect([...run('cum_sum', big, [axis0], {})[1][0]!.data]).toEqual([2n ** 60n + 1n, 2n ** 61n + 1n]);
  });
});

describe('top_k', () => {
  const x = tensorFrom('f32', [3, 4], [0, 1, 2, 3, 4, 5, 6, 7, 11, 10, 9, 8]);
  it('returns the k largest with indices', () => {
    const [[tv, ti], [v, i]] = run('top_k', x, [i64(3)], { axis: attr.int(1) }, 2);
    expect(tv!.shape).toEqual([3, 3]);
    expect(ti!.dtype).toBe('i64');
    expect(toNumbers(v!)).toEqual([3, 2, 1, 7, 6, 5, 11, 10, 9]);
    expect(toNumbers(i!)).toEqual([3, 2, 1, 3, 2, 1, 0, 1, 2]);
  });
  it('returns the k smallest, ties lower index first', () => {
    const [, [v, i]] = run('top_k', tensorFrom('i64', [5], [3, 1, 3, 1, 2]), [i64(3)], { largest: attr.int(0) }, 2);
    expect(toNumbers(v!)).toEqual([1, 1, 2]);
    expect(toNumbers(i!)).toEqual([1, 3, 4]);
    const [, [v2, i2]] = run('top_k', tensorFrom('i64', [5], [3, 1, 3, 1, 2]), [i64(2)], {}, 2);
    expect(toNumbers(v2!)).toEqual([3, 3]);
    expect(toNumbers(i2!)).toEqual([0, 2]);
  });
  it('matches a stable sort on random rows', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 10 }), fc.nat(), fc.boolean(), (vals, kk, largest) => {
      const k = kk % (vals.length + 1);
      const [, [v, i]] = run('top_k', tensorFrom('f32', [vals.length], vals), [i64(k)], { largest: attr.int(largest ? 1 : 0) }, 2);
      const order = vals.map((_, j) => j).sort((a, b) => (largest ? vals[b]! - vals[a]! : vals[a]! - vals[b]!) || a - b).slice(0, k);
      expect(toNumbers(i!)).toEqual(order);
      expect(toNumbers(v!)).toEqual(order.map((j) => vals[j]));
    }));
  });
});

describe('properties on random N-d shapes and axes', () => {
  // Multi-index helpers for the naive references.
  const strides = (s: number[]) => s.map((_, i) => s.slice(i + 1).reduce((a, b) => a * b, 1));
  const arb = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }).chain((shape) => fc.record({
    shape: fc.constant(shape),
    data: fc.array(fc.integer({ min: -5, max: 5 }), { minLength: shape.reduce((a, b) => a * b, 1), maxLength: shape.reduce((a, b) => a * b, 1) }),
    axis: fc.integer({ min: 0, max: shape.length - 1 }),
    flag: fc.boolean(),
  }));

  it('cum_sum matches a loop over the axis', () => {
    fc.assert(fc.property(arb, ({ shape, data, axis, flag }) => {
      const st = strides(shape);
      const want = data.map((_, f) => {
        const pos = Math.floor(f / st[axis]!) % shape[axis]!;
        let s = 0;
        for (let k = 0; k <= pos - (flag ? 1 : 0); k++) s += data[f + (k - pos) * st[axis]!]!;
        return s;
      });
      const [, [r]] = run('cum_sum', tensorFrom('i32', shape, data), [tensorFrom('i64', [], [axis - (flag ? shape.length : 0)])], { exclusive: attr.int(flag ? 1 : 0) });
      expect(toNumbers(r!)).toEqual(want);
    }));
  });

  it('arg_max picks an index holding the maximum along the axis, the first one', () => {
    fc.assert(fc.property(arb, ({ shape, data, axis, flag }) => {
      const st = strides(shape);
      const [, [r]] = run('arg_max', tensorFrom('f32', shape, data), [], { axis: attr.int(axis), keepdims: attr.int(flag ? 1 : 0) });
      expect(r!.shape).toEqual(flag ? shape.map((d, i) => (i === axis ? 1 : d)) : shape.filter((_, i) => i !== axis));
      const got = toNumbers(r!);
      // Walk the input positions with index 0 on the axis: they enumerate the outputs in order.
      let o = 0;
      data.forEach((_, f) => {
        if (Math.floor(f / st[axis]!) % shape[axis]! !== 0) return;
        const line = Array.from({ length: shape[axis]! }, (_, k) => data[f + k * st[axis]!]!);
        expect(got[o++]).toBe(line.indexOf(Math.max(...line)));
      });
    }));
  });
});
