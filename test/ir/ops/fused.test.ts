// The `fused` op: a region whose args are the operands and whose yield gives the results.
// Checked: hand-computed eval, the verifier's shape rule errors, print/parse round trip.
import { describe, expect, it } from 'vitest';
import { attr } from '../../../ir/attrs.js';
import { Builder } from '../../../ir/builder.js';
import { Func, Module, Region, Value, type AttrValue } from '../../../ir/ir.js';
import { interpret } from '../../../ir/interp.js';
import { getOpDef } from '../../../ir/op-def.js';
import { parseModule } from '../../../ir/parser.js';
import { printModule } from '../../../ir/printer.js';
import { tensorFrom, toNumbers } from '../../../ir/tensor.js';
import { verify } from '../../../ir/verify.js';

const f32 = (shape: number[], vals: number[]) => tensorFrom('f32', shape, vals);
const codes = (m: Module) => verify(m).map((d) => d.code);

/** main(x: f32[3], y: f32[3]) -> fused{ a = x*y; b = a + x } yielding (b, a). */
function build(opts: { argTypes?: string[]; yieldCount?: number; attrs?: boolean } = {}): Module {
  const m = new Module('m');
  const x = new Value('x', { dtype: 'f32', shape: [3] });
  const y = new Value('y', { dtype: 'f32', shape: [3] });
  const body = new Region([x, y]);
  const b = new Builder(body, m);
  const ax = new Value('x.in', { dtype: 'f32', shape: [opts.argTypes?.[0] === 'bad' ? 1 : 3] });
  const ay = new Value('y.in', { dtype: 'f32', shape: [3] });
  const inner = new Region(opts.argTypes?.[0] === 'missing' ? [ax] : [ax, ay]);
  const ib = new Builder(inner, m);
  const a = ib.op1('mul', [ax, opts.argTypes?.[0] === 'missing' ? ax : ay], { names: ['a'] });
  const s = ib.op1('add', [a, ax], { names: ['s'] });
  ib.op('yield', [s, a].slice(0, opts.yieldCount ?? 2), { results: 0 });
  const attrs: Record<string, AttrValue> = opts.attrs === false ? {} : { kind: attr.string('elementwise'), name: attr.string('mul-add') };
  const types = [{ dtype: 'f32' as const, shape: [3] }, { dtype: 'f32' as const, shape: [3] }];
  const res = b.op('fused', [x, y], { attrs, regions: [inner], results: 2, names: ['s_out', 'a_out'], types });
  b.op('return', res, { results: 0 });
  m.funcs.push(new Func('main', body, ['s_out', 'a_out']));
  return m;
}

describe('fused', () => {
  it('is in the op table as an opaque, pure op with one region', () => {
    const def = getOpDef('fused')!;
    expect(def.fusion).toBe('opaque');
    expect(def.regions).toBe(1);
    expect(def.traits).toContain('pure');
  });

  it('runs its region on its operands: (x*y + x, x*y)', () => {
    const m = build();
    expect(verify(m)).toEqual([]);
    const [s, a] = interpret(m, [f32([3], [1, 2, -3]), f32([3], [4, 0.5, 2])]);
    expect(toNumbers(s!)).toEqual([5, 3, -9]);
    expect(toNumbers(a!)).toEqual([4, 1, -6]);
  });

  it('rejects a region whose args do not match the operands', () => {
    expect(codes(build({ argTypes: ['missing'] }))).toContain('E307');
    expect(codes(build({ argTypes: ['bad'] }))).toContain('E307');
  });

  it('rejects a region yielding a different number of values than its results', () => {
    expect(codes(build({ yieldCount: 1 }))).toContain('E307');
  });

  it('requires kind and name', () => {
    expect(codes(build({ attrs: false }))).toContain('E306');
  });

  it('prints and parses back to the same text, and the parsed op runs', () => {
    const text = printModule(build());
    expect(text).toContain('%s_out, %a_out = fused(%x, %y) {kind = "elementwise", name = "mul-add"} : (f32[3], f32[3]) {');
    expect(text).toContain('^(%x.in: f32[3], %y.in: f32[3]):');
    expect(text).toContain('yield %s, %a');
    const back = parseModule(text);
    expect(verify(back)).toEqual([]);
    expect(printModule(back)).toBe(text);
    expect(toNumbers(interpret(back, [f32([3], [1, 1, 1]), f32([3], [2, 3, 4])])[0]!)).toEqual([3, 4, 5]);
  });

  it('parses a hand-written group with a constant inside and symbolic dims', () => {
    const m = parseModule(`module @m {
  func @main(%x: f32[n,2]) -> (%y: f32[n,2]) {
    %y = fused(%x) {kind = "elementwise", name = "mul-relu"} : f32[n,2] {
    ^(%a: f32[n,2]):
      %k = const {value = dense<-2> : f32[]} : f32[]
      %t = mul(%a, %k) : f32[n,2]
      %r = relu(%t) : f32[n,2]
      yield %r
    }
    return %y
  }
}
`);
    expect(verify(m)).toEqual([]);
    expect(toNumbers(interpret(m, [f32([2, 2], [1, -1, 0.5, -3])])[0]!)).toEqual([0, 2, 0, 6]);
  });

  it('rejects a region that does not end with yield', () => {
    const m = parseModule(`module @m {
  func @main(%x: f32[2]) -> (%y: f32[2]) {
    %y = fused(%x) {kind = "elementwise", name = "neg"} : f32[2] {
    ^(%a: f32[2]):
      %r = neg(%a) : f32[2]
    }
    return %y
  }
}
`);
    expect(codes(m)).toContain('E308');
  });
});
