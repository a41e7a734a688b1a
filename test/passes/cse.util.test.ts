// The helpers cse builds on (passes/util-attrs.ts, passes/util-uses.ts), which other passes may
// import: exact attribute/tensor equality and use counting/replacement, checked on hand-made cases.

import { describe, expect, it } from 'vitest';
import { attr } from '../../ir/attrs.js';
import { Builder } from '../../ir/builder.js';
import { Module, Op, Region, Value } from '../../ir/ir.js';
import { UNKNOWN_LOC } from '../../ir/location.js';
import { tensorFrom } from '../../ir/tensor.js';
import { attrKey, attrsEqual, tensorsEqual, tensorFingerprint } from '../../passes/util-attrs.js';
import { countOps, replaceUses, useCounts, userMap } from '../../passes/util-uses.js';
import '../../ir/ops/index.js';

const op = (name: string, attrs: Record<string, ReturnType<typeof attr.int>>): Op =>
  new Op(name, [], [], new Map(Object.entries(attrs)), [], UNKNOWN_LOC);

describe('util-attrs', () => {
  it('compares floats by bits: -0 differs from 0, NaN equals NaN', () => {
    expect(attrKey(attr.float(0))).not.toBe(attrKey(attr.float(-0)));
    expect(attrKey(attr.float(NaN))).toBe(attrKey(attr.float(NaN)));
    expect(attrKey(attr.floats([1, -0]))).not.toBe(attrKey(attr.floats([1, 0])));
    expect(attrKey(attr.float(0.1))).not.toBe(attrKey(attr.float(0.1 + 2 ** -56)));
  });

  it('compares tensors by dtype, shape and bytes', () => {
    const a = tensorFrom('f32', [2], [1, -0]);
    expect(tensorsEqual(a, tensorFrom('f32', [2], [1, -0]))).toBe(true);
    expect(tensorsEqual(a, tensorFrom('f32', [2], [1, 0]))).toBe(false);
    expect(tensorsEqual(a, tensorFrom('f32', [1, 2], [1, -0]))).toBe(false);
    expect(tensorsEqual(a, tensorFrom('f64', [2], [1, -0]))).toBe(false);
    expect(tensorsEqual(tensorFrom('i64', [1], [2n ** 62n + 1n]), tensorFrom('i64', [1], [2n ** 62n]))).toBe(false);
    expect(tensorsEqual(tensorFrom('string', [2], ['a', 'b']), tensorFrom('string', [2], ['a', 'b']))).toBe(true);
    expect(tensorsEqual(tensorFrom('string', [2], ['a', 'b']), tensorFrom('string', [2], ['a', 'c']))).toBe(false);
    expect(tensorFingerprint(a)).toBe(tensorFingerprint(tensorFrom('f32', [2], [1, -0])));
  });

  it('fills schema defaults: an omitted attribute equals its default, not another value', () => {
    expect(attrsEqual(op('gather', { axis: attr.int(0) }), op('gather', {}))).toBe(true);
    expect(attrsEqual(op('gather', { axis: attr.int(1) }), op('gather', {}))).toBe(false);
    expect(attrsEqual(op('gather', { 'x.note': attr.int(1) }), op('gather', {}))).toBe(false);
  });
});

describe('util-uses', () => {
  it('counts uses in nested regions and replaces them, following chains', () => {
    const m = new Module('m');
    const x = new Value('x', { dtype: 'f32', shape: [2] });
    const body = new Region([x]);
    const b = new Builder(body, m);
    const a = b.op1('neg', [x]);
    const c = b.op1('abs', [x]);
    const inner = new Region();
    new Builder(inner, m).op('yield', [a], { results: 0 });
    const other = new Region();
    new Builder(other, m).op('yield', [a], { results: 0 });
    const cond = b.op1('const', [], { attrs: { value: attr.tensor(tensorFrom('bool', [], [1])) } });
    const r = b.op1('if', [cond], { regions: [inner, other] });
    b.op('return', [r, a, a], { results: 0 });
    expect(useCounts(body).get(a)).toBe(4);
    expect(useCounts(body).get(x)).toBe(2);
    expect(userMap(body).get(a)!.map((o) => o.name)).toEqual(['yield', 'yield', 'return', 'return']);
    expect(countOps(body)).toBe(7);
    const d = b.op1('exp', [x]);
    expect(replaceUses(body, new Map([[a, c], [c, d]]))).toBe(4);
    expect(useCounts(body).get(d)).toBe(4);
    expect(useCounts(body).get(a)).toBeUndefined();
  });
});
