import { describe, expect, it } from 'vitest';
import { Builder } from '../../ir/builder.js';
import { Func, Module, Region, Value } from '../../ir/ir.js';
import { attr } from '../../ir/attrs.js';
import { interpret } from '../../ir/interp.js';
import { tensorFrom, toNumbers } from '../../ir/tensor.js';
import { verify } from '../../ir/verify.js';
import { numberToF16Bits, f16BitsToNumber, roundMiniFloat, roundBF16 } from '../../ir/numeric.js';

describe('core IR', () => {
  it('builds, verifies and runs a function returning a constant and its argument', () => {
    const m = new Module('t');
    const x = new Value('x', { dtype: 'f32', shape: ['n'] });
    const body = new Region([x]);
    const b = new Builder(body, m);
    const c = b.op1('const', [], { attrs: { value: attr.tensor(tensorFrom('f32', [2], [1.5, -2])) } });
    b.op('return', [c, x], { results: 0 });
    m.funcs.push(new Func('main', body, ['c', 'x']));
    expect(verify(m)).toEqual([]);
    const [rc, rx] = interpret(m, [tensorFrom('f32', [3], [1, 2, 3])]);
    expect(toNumbers(rc!)).toEqual([1.5, -2]);
    expect(toNumbers(rx!)).toEqual([1, 2, 3]);
  });

  it('reports use before definition and a missing terminator', () => {
    const m = new Module('t');
    const body = new Region([]);
    const stray = new Value('ghost', { dtype: 'f32', shape: [] });
    const b = new Builder(body, m);
    b.op('return', [stray], { results: 0 });
    m.funcs.push(new Func('main', body, ['r']));
    expect(verify(m).map((d) => d.code)).toContain('E302');
    const m2 = new Module('t2');
    m2.funcs.push(new Func('main', new Region([]), []));
    expect(verify(m2).map((d) => d.code)).toContain('E308');
  });

  it('rejects inputs with the wrong dtype or inconsistent symbolic dims', () => {
    const m = new Module('t');
    const x = new Value('x', { dtype: 'f32', shape: ['n'] });
    const y = new Value('y', { dtype: 'f32', shape: ['n'] });
    const body = new Region([x, y]);
    new Builder(body, m).op('return', [x], { results: 0 });
    m.funcs.push(new Func('main', body, ['x']));
    expect(() => interpret(m, [tensorFrom('i32', [1], [1]), tensorFrom('f32', [1], [1])])).toThrow(/E503/);
    expect(() => interpret(m, [tensorFrom('f32', [2], [1, 2]), tensorFrom('f32', [3], [1, 2, 3])])).toThrow(/'n' is 2/);
  });
});

describe('reduced-precision floats', () => {
  it('round-trips every float16 bit pattern', () => {
    for (let h = 0; h < 0x10000; h++) {
      const x = f16BitsToNumber(h);
      if (Number.isNaN(x)) continue;
      expect(numberToF16Bits(x)).toBe(h);
    }
  });
  it('rounds to nearest even', () => {
    expect(f16BitsToNumber(numberToF16Bits(1 + 2 ** -11))).toBe(1); // tie -> even
    expect(f16BitsToNumber(numberToF16Bits(1 + 3 * 2 ** -11))).toBe(1 + 2 ** -9);
    expect(roundBF16(1 + 2 ** -8)).toBe(1);
    expect(roundMiniFloat('f8e4m3fn', 500)).toBe(448); // saturates
    expect(Number.isNaN(roundMiniFloat('f8e4m3fn', 500, false))).toBe(true);
    expect(roundMiniFloat('f8e5m2', 1e6, false)).toBe(Infinity);
    expect(roundMiniFloat('f4e2m1', 2.5)).toBe(2);
    expect(roundMiniFloat('f4e2m1', 5)).toBe(4);
  });
});
