// Elementwise family: properties that hold for all inputs, checked with fast-check against plainly
// written references (nested-loop broadcasting, BigInt arithmetic, the f16 rounding helper).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attr } from '../../../ir/attrs.js';
import { Builder } from '../../../ir/builder.js';
import type { DType } from '../../../ir/dtype.js';
import type { AttrValue } from '../../../ir/ir.js';
import { Func, Module, Region, Value } from '../../../ir/ir.js';
import { interpret } from '../../../ir/interp.js';
import { roundF16 } from '../../../ir/numeric.js';
import type { Tensor } from '../../../ir/tensor.js';
import { tensorFrom, toNumbers } from '../../../ir/tensor.js';
import '../../../ir/ops/index.js';

function run(op: string, inputs: Tensor[], attrs: Record<string, AttrValue> = {}): Tensor {
  const m = new Module('t');
  const args = inputs.map((t, i) => new Value(`a${i}`, { dtype: t.dtype, shape: [...t.shape] }));
  const body = new Region(args);
  const b = new Builder(body, m);
  const r = b.op1(op, args, { attrs });
  b.op('return', [r], { results: 0 });
  m.funcs.push(new Func('main', body, ['r']));
  return interpret(m, inputs)[0]!;
}

/** Broadcast reference: walk every output coordinate, map it into each operand by hand. */
function naiveBroadcast(shapes: number[][], values: number[][], fn: (...xs: number[]) => number): { shape: number[]; data: number[] } {
  const rank = Math.max(...shapes.map((s) => s.length));
  const padded = shapes.map((s) => [...new Array<number>(rank - s.length).fill(1), ...s]);
  const shape = Array.from({ length: rank }, (_, d) => Math.max(...padded.map((s) => s[d]!)));
  const total = shape.reduce((a, b) => a * b, 1);
  const data: number[] = [];
  for (let flat = 0; flat < total; flat++) {
    const coord: number[] = [];
    let r = flat;
    for (let d = rank - 1; d >= 0; d--) { coord[d] = r % shape[d]!; r = Math.floor(r / shape[d]!); }
    const xs = padded.map((s, k) => {
      let off = 0;
      for (let d = 0; d < rank; d++) off = off * s[d]! + (s[d] === 1 ? 0 : coord[d]!);
      return values[k]![off]!;
    });
    data.push(fn(...xs));
  }
  return { shape, data };
}

/** A base shape plus variants of it where some dims became 1 or leading dims were dropped. */
const broadcastShapes = (count: number) => fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 0, maxLength: 4 }).chain((base) =>
  fc.array(
    fc.tuple(fc.integer({ min: 0, max: base.length }), fc.array(fc.boolean(), { minLength: base.length, maxLength: base.length }))
      .map(([drop, ones]) => base.map((d, i) => (ones[i] ? 1 : d)).slice(drop)),
    { minLength: count, maxLength: count },
  ));

const valuesFor = (shape: number[]) => fc.array(fc.integer({ min: -50, max: 50 }), {
  minLength: shape.reduce((a, b) => a * b, 1), maxLength: shape.reduce((a, b) => a * b, 1),
});

describe('broadcasting agrees with a nested-loop reference', () => {
  const cases: [string, (a: number, b: number) => number][] = [
    ['add', (a, b) => a + b], ['sub', (a, b) => a - b], ['mul', (a, b) => a * b],
    ['greater', (a, b) => (a > b ? 1 : 0)], ['max', Math.max],
  ];
  for (const [op, ref] of cases) {
    it(op, () => {
      fc.assert(fc.property(broadcastShapes(2).chain((shapes) =>
        fc.tuple(fc.constant(shapes), valuesFor(shapes[0]!), valuesFor(shapes[1]!))), ([shapes, va, vb]) => {
        const want = naiveBroadcast(shapes, [va, vb], ref);
        const got = run(op, [tensorFrom('f32', shapes[0]!, va), tensorFrom('f32', shapes[1]!, vb)]);
        expect(got.shape).toEqual(want.shape);
        expect(toNumbers(got)).toEqual(want.data);
      }), { numRuns: 60 });
    });
  }

  it('where over three operands', () => {
    fc.assert(fc.property(broadcastShapes(3).chain((shapes) =>
      fc.tuple(fc.constant(shapes), valuesFor(shapes[0]!), valuesFor(shapes[1]!), valuesFor(shapes[2]!))), ([shapes, vc, vx, vy]) => {
      const cond = vc.map((v) => (v > 0 ? 1 : 0));
      const want = naiveBroadcast(shapes, [cond, vx, vy], (c, x, y) => (c ? x : y));
      const got = run('where', [tensorFrom('bool', shapes[0]!, cond), tensorFrom('i32', shapes[1]!, vx), tensorFrom('i32', shapes[2]!, vy)]);
      expect(got.shape).toEqual(want.shape);
      expect(toNumbers(got)).toEqual(want.data);
    }), { numRuns: 60 });
  });
});

describe('integer arithmetic matches BigInt wraparound', () => {
  const i32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
  const i64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
  const ops: [string, (a: bigint, b: bigint) => bigint | null][] = [
    ['add', (a, b) => a + b], ['sub', (a, b) => a - b], ['mul', (a, b) => a * b],
    ['div', (a, b) => (b === 0n ? null : a / b)],
  ];
  for (const [op, ref] of ops) {
    it(`${op} on i32`, () => {
      fc.assert(fc.property(i32, i32, (a, b) => {
        const want = ref(BigInt(a), BigInt(b));
        fc.pre(want !== null);
        expect(toNumbers(run(op, [tensorFrom('i32', [1], [a]), tensorFrom('i32', [1], [b])]))).toEqual([Number(BigInt.asIntN(32, want!))]);
      }), { numRuns: 100 });
    });
    it(`${op} on i64`, () => {
      fc.assert(fc.property(i64, i64, (a, b) => {
        const want = ref(a, b);
        fc.pre(want !== null);
        const got = run(op, [tensorFrom('i64', [1], [a]), tensorFrom('i64', [1], [b])]);
        expect([...(got.data as BigInt64Array)]).toEqual([BigInt.asIntN(64, want!)]);
      }), { numRuns: 100 });
    });
  }

  it('mod (fmod=0) has the divisor sign and is congruent to the dividend', () => {
    fc.assert(fc.property(i32, i32.filter((b) => b !== 0), (a, b) => {
      const r = toNumbers(run('mod', [tensorFrom('i32', [1], [a]), tensorFrom('i32', [1], [b])]))[0]!;
      expect(Math.abs(r)).toBeLessThan(Math.abs(b));
      expect(r === 0 || Math.sign(r) === Math.sign(b)).toBe(true);
      expect((BigInt(a) - BigInt(r)) % BigInt(b)).toBe(0n);
    }), { numRuns: 100 });
  });
});

describe('casts', () => {
  it('f32 -> f16 -> f32 equals roundF16', () => {
    fc.assert(fc.property(fc.float({ noNaN: true }), (x) => {
      const h = run('cast', [tensorFrom('f32', [1], [x])], { to: attr.dtype('f16') });
      const back = run('cast', [h], { to: attr.dtype('f32') });
      expect(toNumbers(back)[0]).toBe(roundF16(Math.fround(x)));
    }), { numRuns: 200 });
  });

  it('f64 -> i32 truncates toward zero for in-range values', () => {
    fc.assert(fc.property(fc.double({ min: -(2 ** 31) + 1, max: 2 ** 31 - 1, noNaN: true }), (x) => {
      expect(toNumbers(run('cast', [tensorFrom('f64', [1], [x])], { to: attr.dtype('i32') }))).toEqual([Math.trunc(x) + 0]);
    }), { numRuns: 200 });
  });

  it('integer -> integer casts keep the low bits (two\'s complement)', () => {
    const targets: [DType, number, boolean][] = [['i8', 8, true], ['u8', 8, false], ['i16', 16, true], ['u16', 16, false], ['u32', 32, false]];
    fc.assert(fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.constantFrom(...targets), (x, [to, bits, signed]) => {
      const want = signed ? BigInt.asIntN(bits, x) : BigInt.asUintN(bits, x);
      expect(toNumbers(run('cast', [tensorFrom('i64', [1], [x])], { to: attr.dtype(to) }))).toEqual([Number(want)]);
    }), { numRuns: 200 });
  });

  it('bit_cast round-trips through a same-width integer', () => {
    fc.assert(fc.property(fc.float({ noNaN: true }), (x) => {
      const i = run('bit_cast', [tensorFrom('f32', [1], [x])], { to: attr.dtype('u32') });
      const back = run('bit_cast', [i], { to: attr.dtype('f32') });
      expect(Object.is(toNumbers(back)[0], Math.fround(x))).toBe(true);
    }), { numRuns: 200 });
  });
});
