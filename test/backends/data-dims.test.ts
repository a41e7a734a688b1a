// The counted dims of ops whose result size is data (src/backends/data-dims.ts), before any kernel
// runs: sizeDataDims names each top-level NonZero/Compress/Unique/NMS result size with a symbol of
// its own (unique, never an input's), dataDimsOf bounds it over the input dims, the ops after it
// are re-inferred over that symbol, and the manifest parts (dimSources, dynamicDims, countedDims)
// treat it as known at run time. Ops inside a loop body keep '?'. Compile-level: no kernels run.

import { describe, expect, it } from 'vitest';
import '../../ir/ops/index.js';
import type { Module, Value } from '../../ir/ir.js';
import { parseModule } from '../../ir/parser.js';
import { dimEq } from '../../ir/symbolic.js';
import type { Dim } from '../../ir/types.js';
import { countedSymbols, dataDimsOf, sizeDataDims } from '../../src/backends/data-dims.js';
import { countedDims, dimSources, dynamicDims, symbolsOf } from '../../src/backends/dims.js';

/** `main(args) -> results` with `lines` as its body; results are the values named in `rets`. */
const mod = (args: string, results: string, lines: readonly string[], rets: string): string =>
  ['module @m {', `  func @main(${args}) -> (${results}) {`, ...lines.map((l) => `    ${l}`), `    return ${rets}`, '  }', '}'].join('\n');

function sized(text: string): Module {
  const m = parseModule(text, { file: 't.ir' });
  sizeDataDims(m);
  return m;
}

/** The value named `name` anywhere in main's top level (results of ops). */
function value(m: Module, name: string): Value {
  for (const op of m.main.body.ops) for (const r of op.results) if (r.name === name) return r;
  throw new Error(`no value %${name}`);
}
const shape = (m: Module, name: string): readonly Dim[] => value(m, name).type.shape!;
const bounds = (m: Module): Record<string, Dim> => Object.fromEntries(dataDimsOf(m.main, m).map((d) => [d.symbol, d.bound]));
const expectDim = (got: Dim | undefined, want: Dim): void => {
  if (!(got !== undefined && dimEq(got, want))) expect.fail(`dim ${String(got)}, want ${String(want)}`);
};

describe('sizeDataDims: counted symbols', () => {
  it('each op gets a symbol of its own, numbered per op kind in graph order', () => {
    const m = sized(mod('%x: f32[n,4], %y: f32[3,k], %c: bool[n]', '%a: i64[2,?], %b: i64[2,?], %u: f32[?], %p: f32[?,4]', [
      '%a = nonzero(%x) : i64[2,?]',
      '%b = nonzero(%y) : i64[2,?]',
      '%u = unique(%y) : f32[?]',
      '%p = compress(%x, %c) {axis = 0} : f32[?,4]',
    ], '%a, %b, %u, %p'));
    expect(shape(m, 'a')).toEqual([2, 'nonzero_count0']);
    expect(shape(m, 'b')).toEqual([2, 'nonzero_count1']);
    expect(shape(m, 'u')).toEqual(['unique_count0']);
    expect(shape(m, 'p')).toEqual(['compress_count0', 4]);
    expect(dataDimsOf(m.main, m).map((d) => [d.symbol, d.op.name])).toEqual([
      ['nonzero_count0', 'nonzero'], ['nonzero_count1', 'nonzero'], ['unique_count0', 'unique'], ['compress_count0', 'compress'],
    ]);
    expect([...countedSymbols(m.main)].sort()).toEqual(['compress_count0', 'nonzero_count0', 'nonzero_count1', 'unique_count0']);
  });

  it('never takes a symbol the model already uses (an input dim named nonzero_count0, a result dim named nonzero_count1)', () => {
    const m = sized(mod('%x: f32[nonzero_count0,2]', '%a: i64[2,?], %r: f32[nonzero_count1]', [
      '%a = nonzero(%x) : i64[2,?]',
      '%s = reduce_sum(%x) {keepdims = 0, axes = [1]} : f32[nonzero_count0]',
      '%r = relu(%s) : f32[nonzero_count1]',
    ], '%a, %r'));
    expect(shape(m, 'a')).toEqual([2, 'nonzero_count2']);
    expect(dataDimsOf(m.main, m).map((d) => d.symbol)).toEqual(['nonzero_count2']);
    expectDim(bounds(m)['nonzero_count2'], '2*nonzero_count0');
  });

  it('never takes a symbol that only occurs inside an expression dim ("nonzero_count0+1")', () => {
    const m = sized(mod('%x: f32["nonzero_count0+1"]', '%a: i64[1,?]', ['%a = nonzero(%x) : i64[1,?]'], '%a'));
    const sym = shape(m, 'a')[1];
    expect(sym).toMatch(/^nonzero_count\d+$/);
    expect(sym).not.toBe('nonzero_count0');
  });

  it("Unique's Y, indices and counts share one symbol; its inverse indices keep the input's element count", () => {
    const m = sized(mod('%x: f32[n,3]', '%u: f32[?], %i: i64[?], %v: i64["3*n"], %c: i64[?]', [
      '%u, %i, %v, %c = unique(%x) {sorted = 1} : (f32[?], i64[?], i64["3*n"], i64[?])',
    ], '%u, %i, %v, %c'));
    for (const r of ['u', 'i', 'c']) expect(shape(m, r)).toEqual(['unique_count0']);
    expectDim(shape(m, 'v')[0], '3*n');
    expectDim(bounds(m)['unique_count0'], '3*n');
  });

  it('a compress of a counted result along another axis counts its own dim and keeps the first count', () => {
    const m = sized(mod('%x: f32[n,m], %c: bool[n], %d: bool[m]', '%z: f32[?,?]', [
      '%y = compress(%x, %c) {axis = 0} : f32[?,m]',
      '%z = compress(%y, %d) {axis = 1} : f32[?,?]',
    ], '%z'));
    expect(shape(m, 'y')).toEqual(['compress_count0', 'm']);
    expect(shape(m, 'z')).toEqual(['compress_count0', 'compress_count1']);
    expect(dataDimsOf(m.main, m).map((d) => d.symbol)).toEqual(['compress_count0', 'compress_count1']);
  });

  it("a compress of an input whose other dim is named like a count (compress_count0) counts a new symbol", () => {
    const m = sized(mod('%x: f32[compress_count0,3], %c: bool[3]', '%y: f32[compress_count0,?]', [
      '%y = compress(%x, %c) {axis = 1} : f32[compress_count0,?]',
    ], '%y'));
    expect(shape(m, 'y')).toEqual(['compress_count0', 'compress_count1']);
    expect(dataDimsOf(m.main, m).map((d) => [d.symbol, d.bound])).toEqual([['compress_count1', 3]]);
  });

  it("Unique's inverse indices after a counted op are sized by that op's count, not Unique's", () => {
    const m = sized(mod('%x: f32[n], %c: bool[n]', '%v: i64[?]', [
      '%y = compress(%x, %c) {axis = 0} : f32[?]',
      '%u, %i, %v, %k = unique(%y) {sorted = 1} : (f32[?], i64[?], i64[?], i64[?])',
    ], '%v'));
    expect(shape(m, 'v')).toEqual(['compress_count0']);
    expect(shape(m, 'u')).toEqual(['unique_count0']);
  });

  it('a result whose size the types already know (constant condition) gets no symbol', () => {
    const m = sized(mod('%x: f32[4,3]', '%y: f32[4,2]', [
      '%c = const {value = dense<[0, 1, 1]> : bool[3]} : bool[3]',
      '%y = compress(%x, %c) {axis = 1} : f32[4,2]',
    ], '%y'));
    expect(shape(m, 'y')).toEqual([4, 2]);
    expect(dataDimsOf(m.main, m)).toEqual([]);
  });

  it('sizing twice changes nothing (a module compiled twice)', () => {
    const m = sized(mod('%x: f32[n]', '%a: i64[1,?]', ['%a = nonzero(%x) : i64[1,?]'], '%a'));
    sizeDataDims(m);
    expect(shape(m, 'a')).toEqual([1, 'nonzero_count0']);
    expect(dataDimsOf(m.main, m).map((d) => d.symbol)).toEqual(['nonzero_count0']);
  });
});

describe('dataSizedBound: the upper bound of each count', () => {
  const one = (args: string, line: string, out: string): Dim => {
    const m = sized(mod(args, `%y: ${out}`, [line], '%y'));
    const ds = dataDimsOf(m.main, m);
    expect(ds).toHaveLength(1);
    return ds[0]!.bound;
  };

  it('nonzero: the input element count, symbolic dims included; a 0-D input: 1', () => {
    expectDim(one('%x: f32[n,4,m]', '%y = nonzero(%x) : i64[3,?]', 'i64[3,?]'), '4*m*n');
    expect(one('%x: f32[2,3,5]', '%y = nonzero(%x) : i64[3,?]', 'i64[3,?]')).toBe(30);
    expect(one('%x: f32[]', '%y = nonzero(%x) : i64[0,?]', 'i64[0,?]')).toBe(1);
    expect(one('%x: f32[0,7]', '%y = nonzero(%x) : i64[2,?]', 'i64[2,?]')).toBe(0);
  });

  it('compress: the smaller of the condition length and the axis dim (or the element count without axis)', () => {
    expectDim(one('%x: f32[n,4], %c: bool[k]', '%y = compress(%x, %c) {axis = 0} : f32[?,4]', 'f32[?,4]'), 'min(k,n)');
    expectDim(one('%x: f32[n,4], %c: bool[k]', '%y = compress(%x, %c) {axis = -1} : f32[n,?]', 'f32[n,?]'), 'min(4,k)');
    expectDim(one('%x: f32[n,4], %c: bool[k]', '%y = compress(%x, %c) : f32[?]', 'f32[?]'), 'min(k,4*n)');
    expect(one('%x: f32[6,4], %c: bool[3]', '%y = compress(%x, %c) {axis = 0} : f32[?,4]', 'f32[?,4]')).toBe(3);
    expect(one('%x: f32[2,4], %c: bool[5]', '%y = compress(%x, %c) {axis = 0} : f32[?,4]', 'f32[?,4]')).toBe(2);
  });

  it('unique: the element count without axis, the axis dim with one', () => {
    expectDim(one('%x: f32[n,3]', '%y = unique(%x) : f32[?]', 'f32[?]'), '3*n');
    expectDim(one('%x: f32[n,3]', '%y = unique(%x) {axis = 0} : f32[?,3]', 'f32[?,3]'), 'n');
    expect(one('%x: f32[n,3]', '%y = unique(%x) {axis = -1} : f32[n,?]', 'f32[n,?]')).toBe(3);
  });

  it('non_max_suppression: batches * classes * min(constant max_output, boxes); every box when max_output is an input; 0 when absent', () => {
    const args = '%b: f32[B,N,4], %s: f32[B,C,N]';
    const withConst = (k: number): Dim => one(args, `%y = non_max_suppression(%b, %s, %k) : i64[?,3]`.replace('%y =', `%k = const {value = dense<[${k}]> : i64[1]} : i64[1]\n    %y =`), 'i64[?,3]');
    expectDim(withConst(2), 'B*C*min(2,N)');
    expectDim(withConst(0), 0);
    expectDim(one(`${args}, %k: i64[1]`, '%y = non_max_suppression(%b, %s, %k) : i64[?,3]', 'i64[?,3]'), 'B*C*N');
    // ONNX: max_output_boxes_per_class defaults to 0 (no box is selected).
    expectDim(one(args, '%y = non_max_suppression(%b, %s) : i64[?,3]', 'i64[?,3]'), 0);
    expect(one('%b: f32[2,5,4], %s: f32[2,3,5]', '%k = const {value = dense<[4]> : i64[1]} : i64[1]\n    %y = non_max_suppression(%b, %s, %k) : i64[?,3]', 'i64[?,3]')).toBe(24);
  });
});

describe('the ops after a counted op are re-inferred over its symbol', () => {
  const text = mod('%x: f32[n,4], %w: f32[n]', '%t: i64[?,2], %r: i64[?], %r2: i64[?,2], %cat: i64[2,?], %g: f32[?,4], %gn: f32[?], %s: i64[2]', [
    '%a = nonzero(%x) : i64[2,?]',
    '%t = transpose(%a) {perm = [1, 0]} : i64[?,2]',
    '%m1 = const {value = dense<[-1]> : i64[1]} : i64[1]',
    '%r = reshape(%a, %m1) : i64[?]',
    '%sh = const {value = dense<[-1, 2]> : i64[2]} : i64[2]',
    '%r2 = reshape(%a, %sh) : i64[?,2]',
    '%cat = concat(%a, %a) {axis = 1} : i64[2,?]',
    '%i0 = const {value = dense<0> : i64[]} : i64[]',
    '%row = gather(%a, %i0) {axis = 0} : i64[?]',
    '%g = gather(%x, %row) {axis = 0} : f32[?,4]',
    '%gn = gather_nd(%x, %t) : f32[?]',
    '%s = shape(%a) : i64[2]',
  ], '%t, %r, %r2, %cat, %g, %gn, %s');

  it('transpose, reshape -1, concat, gather, gather_nd', () => {
    const m = sized(text);
    expect(shape(m, 't')).toEqual(['nonzero_count0', 2]);
    expectDim(shape(m, 'r')[0], '2*nonzero_count0');
    expect(shape(m, 'r2')).toEqual(['nonzero_count0', 2]);
    expect(shape(m, 'cat')[0]).toBe(2);
    expectDim(shape(m, 'cat')[1], '2*nonzero_count0');
    expect(shape(m, 'g')).toEqual(['nonzero_count0', 4]);
    expect(shape(m, 'gn')).toEqual(['nonzero_count0']);
    // The function's declared results are the same values: sharpened too.
    expect(m.main.body.terminator!.operands.map((v) => v!.type.shape)).toEqual([
      ['nonzero_count0', 2], shape(m, 'r'), ['nonzero_count0', 2], shape(m, 'cat'), ['nonzero_count0', 4], ['nonzero_count0'], [2],
    ]);
  });

  it('through a value whose type does not change: constant_of_shape / expand by the shape of a counted result', () => {
    const m = sized(mod('%x: f32[n]', '%c: f32[?,?], %e: f32[?,?]', [
      '%nz = nonzero(%x) : i64[1,?]',
      '%s = shape(%nz) : i64[2]',
      '%c = constant_of_shape(%s) {value = dense<[2.0]> : f32[1]} : f32[?,?]',
      '%one = const {value = dense<1.0> : f32[]} : f32[]',
      '%e = expand(%one, %s) : f32[?,?]',
    ], '%c, %e'));
    expect(shape(m, 's')).toEqual([2]);
    expect(shape(m, 'c')).toEqual([1, 'nonzero_count0']);
    expect(shape(m, 'e')).toEqual([1, 'nonzero_count0']);
  });

  it('the runtime knows the counted symbol and the dims derived from it (dimSources, dynamicDims, countedDims)', () => {
    const m = sized(text);
    const src = dimSources(m.main);
    expect([...src.counted]).toEqual(['nonzero_count0']);
    expect([...src.bound.keys()]).toEqual(['n']);
    const { dims, unbound } = dynamicDims(m.main, symbolsOf(m.main));
    expect(unbound).toEqual([]);
    expect(Object.keys(dims.derived ?? {})).toContain('2*nonzero_count0');
    expect(Object.keys(dims.derived ?? {})).not.toContain('nonzero_count0');
    const counted = countedDims(m.main, m, new Map([['nonzero_count0', { kernel: 3, word: 7 }]]), 'webgpu');
    expect(counted).toEqual([{ symbol: 'nonzero_count0', bound: expect.anything(), kernel: 3, word: 7, site: expect.stringMatching(/^nonzero %a at t\.ir:3:5/) }]);
    expect(JSON.stringify(counted[0]!.bound)).toMatch(/"n"/);
    expect(() => countedDims(m.main, m, new Map(), 'wasm')).toThrow(/E201: the wasm backend's kernel of nonzero does not count 'nonzero_count0'/);
  });

  it('a counted symbol a later counted op is bounded by', () => {
    const m = sized(mod('%x: f32[n,3], %y: f32[k]', '%z: i64[2,?]', [
      '%a = nonzero(%y) : i64[1,?]',
      '%m1 = const {value = dense<[-1]> : i64[1]} : i64[1]',
      '%f = reshape(%a, %m1) : i64[?]',
      '%g = gather(%x, %f) {axis = 0} : f32[?,3]',
      '%z = nonzero(%g) : i64[2,?]',
    ], '%z'));
    expect(bounds(m)).toEqual({ nonzero_count0: 'k', nonzero_count1: expect.anything() });
    expectDim(bounds(m)['nonzero_count1'], '3*nonzero_count0');
    expect(dynamicDims(m.main, symbolsOf(m.main)).unbound).toEqual([]);
    expect(countedDims(m.main, m, new Map([['nonzero_count0', { kernel: 0 }], ['nonzero_count1', { kernel: 3 }]]), 'wasm').map((c) => c.symbol)).toEqual(['nonzero_count0', 'nonzero_count1']);
  });
});

describe('ops inside a loop body keep their unknown dims', () => {
  it("a nonzero in a loop body keeps '?' and is not counted; a top-level one beside it is", () => {
    const m = sized(`module @m {
  func @main(%n: i64[], %a0: f32[3], %x: f32[5]) -> (%r: f32[3], %z: i64[1,?]) {
    %z = nonzero(%x) : i64[1,?]
    %r = loop(%n, none, %a0) : (f32[3]) {
    ^(%i: i64[], %ci: bool[], %a: f32[3]):
      %nz = nonzero(%a) : i64[1,?]
      %t = transpose(%nz) {perm = [1, 0]} : i64[?,1]
      %co = const {value = dense<true> : bool[]} : bool[]
      yield %co, %a
    }
    return %r, %z
  }
}`);
    expect(shape(m, 'z')).toEqual([1, 'nonzero_count0']);
    const loop = m.main.body.ops.find((o) => o.name === 'loop')!;
    const inner = loop.regions[0]!.ops;
    expect(inner.find((o) => o.name === 'nonzero')!.results[0]!.type.shape).toEqual([1, '?']);
    expect(inner.find((o) => o.name === 'transpose')!.results[0]!.type.shape).toEqual(['?', 1]);
    expect(dataDimsOf(m.main, m).map((d) => d.symbol)).toEqual(['nonzero_count0']);
  });
});
