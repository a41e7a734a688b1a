// Symbolic dim expressions (ir/symbolic.ts): canonical text, exact simplification, evaluation;
// and the shape rules that produce them (ir/shape-value.ts traces shape arithmetic and reads
// small integer graph inputs as data symbols).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseModule } from '../../ir/parser.js';
import { printModule } from '../../ir/printer.js';
import {
  dimAdd, dimCeilDiv, dimExpr, dimFloorDiv, dimMax, dimMul, dimSub, dimWrap, evaluate, parseExpr, printExpr, simplify, type Expr,
} from '../../ir/symbolic.js';
import { inferOp } from '../../ir/infer.js';
import '../../ir/ops/index.js';

const SYMS = ['a', 'b', 'seq', '%x[0]', '%x[1]', '%y[f0]'];

const exprArb: fc.Arbitrary<Expr> = fc.letrec<{ e: Expr }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.integer({ min: -7, max: 9 }).map((v): Expr => ({ k: 'num', v })),
    fc.constantFrom(...SYMS).map((name): Expr => ({ k: 'sym', name })),
    fc.tuple(fc.constantFrom('add', 'mul', 'max', 'min'), fc.array(tie('e'), { minLength: 1, maxLength: 3 }))
      .map(([k, args]): Expr => ({ k: k as 'add', args })),
    fc.tuple(fc.constantFrom('floordiv', 'ceildiv', 'mod'), tie('e'), fc.constantFrom(1, 2, 3, -2, 5))
      .map(([k, a, d]): Expr => ({ k: k as 'mod', args: [a, { k: 'num', v: d }] })),
    fc.tuple(tie('e'), tie('e')).map(([a, b]): Expr => ({ k: 'wrap', args: [a, b] })),
    fc.tuple(tie('e'), tie('e')).map(([a, b]): Expr => ({ k: 'eq', args: [a, b] })),
    fc.tuple(tie('e'), tie('e'), tie('e')).map(([c, a, b]): Expr => ({ k: 'sel', args: [c, a, b] })),
  ),
})).e;

// Dim symbols are sizes (>= 0, below 2^31); data symbols may be any integer, float ones any number.
const bindArb = fc.record({
  a: fc.integer({ min: 0, max: 40 }), b: fc.integer({ min: 0, max: 40 }), seq: fc.integer({ min: 0, max: 1000 }),
  '%x[0]': fc.integer({ min: -50, max: 50 }), '%x[1]': fc.integer({ min: -50, max: 50 }),
  // A float input's data symbol (Range limits) may be fractional.
  '%y[f0]': fc.integer({ min: -50, max: 50 }).map((v) => v / 4),
});

const depth = (e: Expr): number => (e.k === 'num' || e.k === 'sym' ? 0 : 1 + Math.max(...e.args.map(depth)));

describe('symbolic dims', () => {
  it('simplify keeps the value: evaluate(simplify(e)) == evaluate(e) for all bindings', () => {
    fc.assert(fc.property(exprArb.filter((e) => depth(e) <= 5), bindArb, (e, bind) => {
      const get = (n: string): number => (bind as Record<string, number>)[n]!;
      expect(evaluate(simplify(e), get) + 0).toBe(evaluate(e, get) + 0); // + 0: -0 and 0 are one dim
    }), { numRuns: 600 });
  });

  it('canonical text round-trips and is a fixed point of simplify', () => {
    fc.assert(fc.property(exprArb.filter((e) => depth(e) <= 4), (e) => {
      const text = printExpr(simplify(e));
      const back = parseExpr(text);
      expect(back).toBeDefined();
      expect(printExpr(simplify(back!))).toBe(text);
    }), { numRuns: 400 });
  });

  it('equal expressions print equal; folding without symbols gives numbers', () => {
    expect(dimMul('seq', 'batch')).toBe(dimMul('batch', 'seq'));
    expect(dimMul('batch', 'seq')).toBe('batch*seq');
    expect(dimAdd(dimMul('seq', 2), 1)).toBe('2*seq+1');
    expect(dimSub(dimAdd('seq', 1), 1)).toBe('seq');
    expect(dimMul(dimAdd('a', 'b'), dimSub('a', 'b'))).toBe(dimSub(dimMul('a', 'a'), dimMul('b', 'b')));
    expect(dimMax('b', 'a')).toBe('max(a,b)');
    expect(dimMax(dimMax('a', 'b'), 'a')).toBe('max(a,b)');
    expect(dimFloorDiv(dimMul('batch', dimMul('seq', 64)), dimMul('seq', 'batch'))).toBe(64);
    expect(dimFloorDiv(dimAdd(dimMul('a', 4), 2), 2)).toBe('2*a+1');
    expect(dimCeilDiv(7, 2)).toBe(4);
    expect(dimFloorDiv(-7, 2)).toBe(-4);
    expect(dimWrap(-2, 'seq')).toBe('seq-2');
    expect(dimWrap('%s[0]', 'seq')).toBe('wrap(%s[0],seq)');
    // A size is below 2^31: slicing to INT64_MAX takes the whole dim.
    expect(dimMax(0, dimMax(-5, 'seq'))).toBe('seq');
    expect(dimMax(0, '%s[0]')).toBe('max(%s[0],0)');
    // '?' and opaque ONNX dim_params do not combine, except through identities.
    expect(dimAdd('?', 1)).toBe('?');
    expect(dimMul('batch size', 1)).toBe('batch size');
    expect(dimAdd('batch size', 1)).toBe('?');
    expect(dimExpr('batch size')).toBeUndefined();
  });

  it('printer/parser round trip with random expression dims', () => {
    fc.assert(fc.property(fc.array(exprArb.filter((e) => depth(e) <= 3), { minLength: 1, maxLength: 3 }), (es) => {
      const dims = es.map((e) => { const d = dimExpr(printExpr(simplify(e))); return d ? printExpr(d) : 'a'; });
      const m = parseModule(`module @m {
  func @main(%x: f32[${dims.map((d) => JSON.stringify(d)).join(',')}]) -> (%y: f32[${dims.map((d) => JSON.stringify(d)).join(',')}]) {
    %y = relu(%x) : f32[${dims.map((d) => JSON.stringify(d)).join(',')}]
    return %y
  }
}`);
      const text = printModule(m);
      expect(printModule(parseModule(text))).toBe(text);
      expect(m.main.body.args[0]!.type.shape!.map(String)).toEqual(dims.map((d) => String(/^-?\d+$/.test(d) ? Number(d) : d)));
    }), { numRuns: 100 });
  });

  it('IR text keeps expression dims through print and parse', () => {
    const text = `module @m {
  func @main(%x: f32[b,s], %n: i64[2]) -> (%y: f32["b*s"]) {
    %y = reshape(%x, %k) : f32["b*s"]
    return %y
  }
}`.replace('%y = reshape', '%k = const {value = dense<[-1]> : i64[1]} : i64[1]\n    %y = reshape');
    const m = parseModule(text);
    expect(m.main.body.terminator!.operands[0]!.type.shape).toEqual(['b*s']);
    expect(printModule(parseModule(printModule(m)))).toBe(printModule(m));
  });

  it('shape rules build expressions from traced shapes and from input data', () => {
    const m = parseModule(`module @m {
  func @main(%x: f32[b,s,8], %p: i64[4], %st: i64[1]) -> (%z: f32[*]) {
    %sh = shape(%x) : i64[3]
    %c = concat(%sh, %sh) {axis = 0} : i64[6]
    %r = reshape(%x, %k) : f32[*]
    %cat = concat(%x, %x) {axis = 1} : f32[*]
    %pd = pad(%x, %p, %cv, %ax) : f32[*]
    %sl = slice(%x, %st, %big, %ax1) : f32[*]
    %z = relu(%sl) : f32[*]
    return %z
  }
}`.replace('%r = reshape', `%k = const {value = dense<[-1,4]> : i64[2]} : i64[2]
    %cv = const {value = dense<0.0> : f32[]} : f32[]
    %ax = const {value = dense<[0,1]> : i64[2]} : i64[2]
    %ax1 = const {value = dense<[1]> : i64[1]} : i64[1]
    %big = const {value = dense<[9223372036854775807]> : i64[1]} : i64[1]
    %r = reshape`));
    const shapes = new Map<string, unknown>();
    for (const op of m.main.body.ops) {
      const t = inferOp(op, m);
      op.results.forEach((r, i) => { r.type = t[i]!; shapes.set(r.name, t[i]!.shape); });
    }
    expect(shapes.get('r')).toEqual(['2*b*s', 4]);
    expect(shapes.get('cat')).toEqual(['b', '2*s', 8]);
    expect(shapes.get('pd')).toEqual(['%p[0]+%p[2]+b', '%p[1]+%p[3]+s', 8]);
    expect(shapes.get('sl')).toEqual(['b', 'max(-min(max(wrap(%st[0],s),0),s)+s,0)', 8]);
  });
});
