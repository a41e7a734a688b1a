// The rewrite-rule helper and its worklist driver: matching through defining ops and constants,
// locations, names, use counting, erasure of dead producers and weights, the checks that catch
// a broken rule, and the fixed-point loop guard.

import { describe, expect, it } from 'vitest';
import { attr } from '../../ir/attrs.js';
import { type Module, Region } from '../../ir/ir.js';
import { nodeLoc } from '../../ir/location.js';
import { parseModule } from '../../ir/parser.js';
import { printModule } from '../../ir/printer.js';
import { tensorFrom } from '../../ir/tensor.js';
import { verify } from '../../ir/verify.js';
import { applyRules, broadcastsInto, MAX_INLINE_ELEMENTS, NameSource, Rewriter, rule, tensorIsSplat } from '../../passes/rewrite.js';
import { reshapeSpec } from '../../passes/rules/layout.js';
import '../../ir/ops/index.js';

const parse = (body: string, weights = ''): Module =>
  parseModule(`module @m {\n${weights}\n  func @main${body}\n}\n`, { file: 't.ir' });

const print = (m: Module): string => printModule(m);

// neg(neg(x)) → x, written with the helper the way rule tables are.
const doubleNeg = rule({
  name: 'double-neg',
  root: ['neg'],
  match: (op, m) => {
    const inner = m.def(op.operands[0], 'neg');
    return inner ? { x: inner.operands[0]! } : undefined;
  },
  rewrite: ({ x }) => [x],
});

describe('applyRules', () => {
  it('runs to a fixed point and counts firings and erased producers', () => {
    const m = parse(`(%x: f32[3]) -> (%y: f32[3]) {
    %a = neg(%x) : f32[3]
    %b = neg(%a) : f32[3]
    %c = neg(%b) : f32[3]
    %y = neg(%c) : f32[3]
    return %y
  }`);
    const r = applyRules(m, [doubleNeg]);
    // %b = neg(neg(x)) → %x, leaving %a unused; then %y = neg(%c) = neg(neg(%x)) → %x, leaving %c unused.
    expect(r.counters).toEqual({ 'double-neg': 2, 'dead-ops-erased': 2 });
    expect(r.changed).toBe(true);
    expect(verify(m)).toEqual([]);
    expect(print(m)).toContain('  func @main(%x: f32[3]) -> (%y: f32[3]) {\n    return %x\n  }');
  });

  it('reports no change when nothing matches and leaves the module as it was', () => {
    const m = parse(`(%x: f32[3]) -> (%y: f32[3]) {
    %y = neg(%x) : f32[3]
    return %y
  }`);
    const before = print(m);
    expect(applyRules(m, [doubleNeg])).toEqual({ changed: false, counters: {} });
    expect(print(m)).toBe(before);
  });

  it('keeps a producer that still has other uses, and pre-existing dead ops (dce removes those)', () => {
    const m = parse(`(%x: f32[3]) -> (%y: f32[3], %a: f32[3]) {
    %dead = neg(%x) : f32[3]
    %a = neg(%x) : f32[3]
    %y = neg(%a) : f32[3]
    return %y, %a
  }`);
    expect(applyRules(m, [doubleNeg]).counters).toEqual({ 'double-neg': 1 });
    expect(print(m)).toContain('%dead = neg(%x)');
    expect(print(m)).toContain('return %x, %a');
  });

  it('gives new ops the root location (or the one asked for) and the replaced value its name', () => {
    const m = parse(`(%x: f32[2,3]) -> (%y: f32[3,2]) {
    %y = transpose(%x) {perm = [1, 0]} : f32[3,2] loc("m.onnx":"/t")
    return %y
  }`);
    const viaIdentity = rule({
      name: 'through-identity',
      root: ['transpose'],
      match: (op) => (op.operands[0]!.def ? undefined : { x: op.operands[0]!, perm: op.attrs.get('perm')! }),
      rewrite: ({ x, perm }, r) => {
        const i = r.op('identity', [x], { loc: nodeLoc('m.onnx', '/elsewhere') });
        return [r.op('transpose', [i], { attrs: { perm } })];
      },
    });
    expect(applyRules(m, [viaIdentity]).counters).toEqual({ 'through-identity': 1 });
    const text = print(m);
    expect(text).toContain('%y_1 = identity(%x) : f32[2,3] loc("m.onnx":"/elsewhere")');
    expect(text).toContain('%y = transpose(%y_1) {perm = [1, 0]} : f32[3,2] loc("m.onnx":"/t")');
    expect(verify(m)).toEqual([]);
  });

  it('rewrites inside nested regions with values of the enclosing region', () => {
    const m = parse(`(%x: f32[2], %c: bool[]) -> (%y: f32[2]) {
    %n = neg(%x) : f32[2]
    %y = if(%c) : f32[2] {
      %b = neg(%n) : f32[2]
      yield %b
    } {
      yield %x
    }
    return %y
  }`);
    expect(applyRules(m, [doubleNeg]).counters).toEqual({ 'double-neg': 1, 'dead-ops-erased': 1 });
    expect(verify(m)).toEqual([]);
    expect(print(m)).not.toContain('neg');
  });

  it('stores large new constants as module weights with inline bytes, small ones and splats inline', () => {
    const m = parse(`(%x: f32[20]) -> (%y: f32[20]) {
    %y = neg(%x) : f32[20]
    return %y
  }`);
    const root = m.main.body.ops[0]!;
    const r = new Rewriter(root, m, new Region(), new NameSource(new Set(['y']), m));
    const big = r.constant(tensorFrom('f32', [20], Array.from({ length: 20 }, (_, i) => i)), 'added');
    const again = r.constant(tensorFrom('f32', [20], Array.from({ length: 20 }, (_, i) => i)), 'added');
    const small = r.constant(tensorFrom('f32', [2], [1, 2]), 'unused');
    const splat = r.constant(tensorFrom('f32', [20], new Array<number>(20).fill(3)), 'unused');
    expect(20).toBeGreaterThan(MAX_INLINE_ELEMENTS);
    expect(big.def!.attrs.get('value')).toEqual({ kind: 'weight', value: 'added' });
    expect(again.def!.attrs.get('value')).toEqual({ kind: 'weight', value: 'added_1' });
    expect(m.weights.get('added')?.source.kind).toBe('inline');
    expect(small.def!.attrs.get('value')?.kind).toBe('tensor');
    expect(splat.def!.attrs.get('value')?.kind).toBe('tensor');
    expect([big.name, again.name, small.name, splat.name]).toEqual(['y_1', 'y_2', 'y_3', 'y_4']);
    expect(small.def!.loc).toBe(root.loc);
    m.main.body.ops.unshift(big.def!);
    expect(print(m)).toMatch(/weight @added : f32\[20\] = bytes\("0x000000000000803f/);
  });

  it('drops weights whose last const it erased, keeps weights still referenced', () => {
    const weights = `  weight @w : f32[2] = bytes("0x0000803f00000040")
  weight @v : f32[2] = bytes("0x0000803f00000040")`;
    const m = parse(`(%x: f32[2]) -> (%y: f32[2], %k: f32[2]) {
    %w = const {value = @w} : f32[2]
    %v = const {value = @v} : f32[2]
    %k = const {value = @v} : f32[2]
    %s = add(%w, %v) : f32[2]
    %y = identity(%s) : f32[2]
    return %y, %k
  }`, weights);
    const dropAdd = rule({
      name: 'drop-add',
      root: ['identity'],
      match: (op, m) => (m.def(op.operands[0], 'add') ? { x: op } : undefined),
      rewrite: (_, r) => [r.module.main.args[0]!],
    });
    expect(applyRules(m, [dropAdd]).counters).toEqual({ 'drop-add': 1, 'dead-ops-erased': 3 });
    expect([...m.weights.keys()]).toEqual(['v']);
    expect(verify(m)).toEqual([]);
  });

  it('throws an internal error when a rule breaks the contract', () => {
    const src = `(%x: f32[3]) -> (%y: f32[3]) {
    %y = neg(%x) : f32[3]
    return %y
  }`;
    const wrongType = rule({
      name: 'wrong-type',
      root: ['neg'],
      match: () => ({}),
      rewrite: (_, r) => [r.op('cast', [r.root.operands[0]!], { attrs: { to: attr.dtype('f16') } })],
    });
    expect(() => applyRules(parse(src), [wrongType])).toThrow(/wrong-type: replacement .* f16\[3\] for %y : f32\[3\]/);
    const forgets = rule({ name: 'forgets', root: ['neg'], match: () => ({}), rewrite: () => [undefined] });
    expect(() => applyRules(parse(src), [forgets])).toThrow(/forgets: result %y is used but not replaced/);
    const cycle = rule({
      name: 'cycle',
      root: ['neg'],
      match: (op) => ({ x: op.operands[0]! }),
      rewrite: ({ x }, r) => [r.op('neg', [x])],
    });
    expect(() => applyRules(parse(src), [cycle], { maxRewrites: 50 })).toThrow(/more than 50 rewrites/);
  });
});

describe('matching helpers', () => {
  it('tensorIsSplat tells -0 from +0 and compares 64-bit integers exactly', () => {
    expect(tensorIsSplat(tensorFrom('f32', [2], [-0, -0]), -0)).toBe(true);
    expect(tensorIsSplat(tensorFrom('f32', [2], [-0, 0]), -0)).toBe(false);
    expect(tensorIsSplat(tensorFrom('f32', [1], [0]), -0)).toBe(false);
    expect(tensorIsSplat(tensorFrom('f32', [1], [NaN]), NaN)).toBe(true);
    expect(tensorIsSplat(tensorFrom('f64', [3], [1, 1, 1]), 1)).toBe(true);
    expect(tensorIsSplat(tensorFrom('i64', [2], [1n, 1n]), 1)).toBe(true);
    expect(tensorIsSplat(tensorFrom('i64', [2], [1n, 2n ** 62n]), 1)).toBe(false);
    expect(tensorIsSplat(tensorFrom('i32', [2], [0, 0]), 0)).toBe(true);
  });

  it('broadcastsInto accepts only shapes that never enlarge the other', () => {
    expect(broadcastsInto([], [2, 3])).toBe(true);
    expect(broadcastsInto([1, 3], [2, 3])).toBe(true);
    expect(broadcastsInto([3], ['batch', 3])).toBe(true);
    expect(broadcastsInto([1], ['?'])).toBe(true);
    expect(broadcastsInto([2, 3], [3])).toBe(false);
    expect(broadcastsInto([3], ['n'])).toBe(false);
    expect(broadcastsInto(['?'], ['?'])).toBe(false);
    expect(broadcastsInto(['n'], ['n'])).toBe(true);
    expect(broadcastsInto([2], null)).toBe(false);
  });

  it('reshapeSpec copies symbols in place, infers at most one dim, and refuses what could fail', () => {
    expect(reshapeSpec([2, 3, 4], [6, 4])).toEqual([6, 4]);
    expect(reshapeSpec(['batch', 3, 4], ['batch', 12])).toEqual([0, 12]);
    expect(reshapeSpec([2, 'n'], [1, '?'])).toEqual([1, -1]);
    // -1 beside a copied symbol fails at run time when that symbol is 0.
    expect(reshapeSpec(['batch', 'n'], ['batch', 1, 'n'])).toBeUndefined();
    expect(reshapeSpec(['a', 'b'], ['b', 'a'])).toBeUndefined();
    expect(reshapeSpec([0, 3], [0, 3])).toBeUndefined();
    expect(reshapeSpec(null, [3])).toBeUndefined();
  });
});
