// kernels/data-sized-b.ts (Unique, NonMaxSuppression: result sizes counted at run time) on Dawn +
// SwiftShader against the interpreter, compared exactly (f32 bit for bit, -0 apart from 0):
// fast-check over random small shapes (1, primes, empty) with many duplicates, every subset of
// Unique's results, sorted and first-occurrence order, with and without axis; NMS over grid boxes
// (identical boxes, degenerate and swapped corners, both box formats), tied scores, thresholds
// exactly at a pair's IoU, max_output constant, input, 0 and absent. Also: counted results feeding
// other ops and returned, zero counts, one loaded model run at several symbolic sizes, Tint, naga
// and byte-identical compiles.
//
// NaN with sorted=1: the interpreter sorts with a comparator that calls NaN equal to everything,
// so its order is whatever V8's sort leaves ([3, NaN, 1, 2] stays as is); the kernel puts NaN
// after +inf (as numpy's unique). Those cases are checked against a naive loop instead.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DType } from '../../../ir/dtype.js';
import { type Tensor, tensorFrom } from '../../../ir/tensor.js';
import type { CompiledWebGpu } from '../../../src/backends/webgpu/index.js';
import { fromRunTensor, toRunTensor } from '../../../src/conformance/feeds.js';
import { instantiateWebGpu } from '../../../src/runtime/webgpu.js';
import { expectExact, mod, ty } from '../wasm/dtype-helpers.js';
import { interpText } from '../wasm/helpers.js';
import { compileText, gpuDevice, runCompiled, validateShaders } from './helpers.js';
import { nagaErrors } from './naga-run.js';

/** Same shapes, dtypes and values: floats bit-exact up to NaN payloads (-0 is not 0). */
const expectSame = (got: readonly Tensor[], want: readonly Tensor[], what: string): void => expectExact(got, want, true, what);

const compiled = new Map<string, CompiledWebGpu>();
const compileOnce = (text: string): CompiledWebGpu => {
  let c = compiled.get(text);
  if (!c) { c = compileText(text); compiled.set(text, c); }
  return c;
};
async function checkText(text: string, inputs: Tensor[], what: string, want = interpText(text, inputs)): Promise<void> {
  expectSame(await runCompiled(compileOnce(text), inputs), want, what);
}

// ---------------------------------------------------------------------------------------------
// Unique

/** Values per dtype with many duplicates, signed zeros, subnormals, infinities and extremes. */
const POOLS: Record<string, readonly (number | bigint)[]> = {
  f32: [-1, 0, -0, 1, 2.5, 1e-40, -1e-40, Infinity, -Infinity],
  i32: [-3, 0, 1, 2, 2147483647, -2147483648],
  i64: [-3n, 0n, 5n, 2147483647n, -2147483648n],
  bool: [0, 1],
  u8: [0, 1, 7, 255],
  i8: [-128, 0, 5, 127],
};

interface UniqueCase { dtype: string; shape: number[]; axis: number | undefined; sorted: 0 | 1; nres: number; used: number[]; pick: number[]; nans: number[] }

const shapeArb = fc.array(fc.constantFrom<number>(0, 1, 1, 2, 3, 5, 7), { minLength: 1, maxLength: 3 }).filter((s) => s.reduce((a, b) => a * b, 1) <= 60);
const uniqueCase: fc.Arbitrary<UniqueCase> = fc.record({ dtype: fc.constantFrom('f32', 'f32', 'i32', 'i64', 'bool', 'u8', 'i8'), shape: shapeArb, ax: fc.integer({ min: -4, max: 2 }), sorted: fc.constantFrom(0 as const, 1 as const), nres: fc.integer({ min: 1, max: 4 }), mask: fc.integer({ min: 1, max: 15 }), pick: fc.array(fc.nat(), { minLength: 60, maxLength: 60 }), nans: fc.array(fc.nat(), { maxLength: 3 }) })
  .map(({ dtype, shape, ax, sorted, nres, mask, pick, nans }) => {
    const used = [0, 1, 2, 3].filter((r) => r < nres && (mask & (1 << r)) !== 0);
    return { dtype, shape, axis: ax < -shape.length ? undefined : ax >= shape.length ? undefined : ax, sorted, nres, used: used.length ? used : [nres - 1], pick, nans };
  });

function uniqueText(dtype: string, shape: readonly (number | string)[], axis: number | undefined, sorted: number, nres: number, used: readonly number[]): string {
  const a = axis === undefined ? undefined : axis < 0 ? axis + shape.length : axis;
  const D = a === undefined ? (shape.every((d) => typeof d === 'number') ? (shape as number[]).reduce((x, y) => x * y, 1) : shape.join('*')) : shape[a]!;
  const types = [ty(dtype, a === undefined ? ['?'] : shape.map((d, i) => (i === a ? '?' : d))), 'i64[?]', ty('i64', [D]), 'i64[?]'].slice(0, nres);
  const names = ['%y', '%i', '%v', '%c'].slice(0, nres);
  const attrs = [...(axis === undefined ? [] : [`axis = ${axis}`]), `sorted = ${sorted}`].join(', ');
  const ret = used.map((r) => names[r]!);
  return mod(`%x: ${ty(dtype, shape)}`, used.map((r) => `${names[r]}: ${types[r]}`).join(', '), [`${names.join(', ')} = unique(%x) {${attrs}} : (${types.join(', ')})`], ret.join(', '));
}

function uniqueInput(c: UniqueCase): Tensor {
  const n = c.shape.reduce((a, b) => a * b, 1), pool = POOLS[c.dtype]!;
  const vals = Array.from({ length: n }, (_v, i) => pool[c.pick[i]! % pool.length]!);
  if (c.dtype === 'f32') c.nans.forEach((q) => { if (n > 0) vals[q % n] = NaN; });
  return tensorFrom(c.dtype as DType, c.shape, vals as never);
}

/** A total order: NaN after +inf, -0 equal to 0 (the kernel's); lexicographic over slices. */
const keyCmp = (a: number | bigint, b: number | bigint): number => {
  const na = typeof a === 'number' && Number.isNaN(a), nb = typeof b === 'number' && Number.isNaN(b);
  if (na || nb) return na === nb ? 0 : na ? 1 : -1;
  return a < b ? -1 : a > b ? 1 : 0;
};

/** Unique written plainly (the kernel's order for NaN): groups by content, first occurrence kept. */
function naiveUnique(x: Tensor, axis: number | undefined, sorted: boolean): Tensor[] {
  const shape = axis === undefined ? [x.data.length] : x.shape;
  const a = axis === undefined ? 0 : axis < 0 ? axis + shape.length : axis;
  const outer = shape.slice(0, a).reduce((p, q) => p * q, 1), D = shape[a]!, inner = shape.slice(a + 1).reduce((p, q) => p * q, 1);
  const slice = (j: number): (number | bigint)[] => {
    const v: (number | bigint)[] = [];
    for (let o = 0; o < outer; o++) for (let t = 0; t < inner; t++) v.push((x.data as ArrayLike<number | bigint>)[(o * D + j) * inner + t]!);
    return v;
  };
  const eq = (p: (number | bigint)[], q: (number | bigint)[]): boolean => p.every((v, i) => keyCmp(v, q[i]!) === 0);
  const firsts: number[] = [], groupOf: number[] = [];
  for (let j = 0; j < D; j++) {
    const g = firsts.findIndex((f) => eq(slice(f), slice(j)));
    if (g < 0) { groupOf.push(firsts.length); firsts.push(j); } else groupOf.push(g);
  }
  const order = firsts.map((_f, g) => g);
  if (sorted) order.sort((p, q) => { const s = slice(firsts[p]!), t = slice(firsts[q]!); for (let i = 0; i < s.length; i++) { const c = keyCmp(s[i]!, t[i]!); if (c) return c; } return 0; });
  const pos = new Map(order.map((g, p) => [g, p]));
  const u = order.length;
  const y: (number | bigint)[] = new Array(outer * u * inner);
  order.forEach((g, p) => { const s = slice(firsts[g]!); for (let o = 0; o < outer; o++) for (let t = 0; t < inner; t++) y[(o * u + p) * inner + t] = s[o * inner + t]!; });
  return [
    tensorFrom(x.dtype, shape.map((d, i) => (i === a ? u : d)), y as never),
    tensorFrom('i64', [u], order.map((g) => firsts[g]!)),
    tensorFrom('i64', [D], groupOf.map((g) => pos.get(g)!)),
    tensorFrom('i64', [u], order.map((g) => groupOf.filter((h) => h === g).length)),
  ];
}

const hasNaN = (t: Tensor): boolean => t.dtype === 'f32' && Array.from(t.data as Float32Array).some(Number.isNaN);

describe('webgpu unique', () => {
  it('matches the interpreter on random shapes, dtypes, axes, orders and result subsets', async () => {
    await fc.assert(fc.asyncProperty(uniqueCase, async (c) => {
      const text = uniqueText(c.dtype, c.shape, c.axis, c.sorted, c.nres, c.used);
      const x = uniqueInput(c);
      const what = `${c.dtype}[${c.shape}] axis ${c.axis} sorted ${c.sorted} results ${c.used}/${c.nres}`;
      // NaN and sorted: the interpreter's order is its sort's accident (see the top); a naive loop.
      const want = c.sorted === 1 && hasNaN(x) ? c.used.map((r) => naiveUnique(x, c.axis, true)[r]!) : undefined;
      await checkText(text, [x], what, want);
    }), { numRuns: 45, seed: 5150 });
  }, 60_000);

  it('the naive loop agrees with the interpreter where NaN is absent (so it is a fair reference)', () => {
    fc.assert(fc.property(uniqueCase, (c) => {
      const x = uniqueInput({ ...c, nans: [] });
      const text = uniqueText(c.dtype, c.shape, c.axis, c.sorted, 4, [0, 1, 2, 3]);
      expectSame(naiveUnique(x, c.axis, c.sorted === 1), interpText(text, [x]), 'naive');
    }), { numRuns: 200, seed: 7 });
  });

  it('sorts NaN after +inf, merges -0 with 0 keeping the first one, and keeps subnormals apart', async () => {
    const x = tensorFrom('f32', [10], [3, NaN, -0, 0, 1e-45, 1, NaN, -Infinity, 3, 1e-45]);
    const text = uniqueText('f32', [10], undefined, 1, 4, [0, 1, 2, 3]);
    const got = await runCompiled(compileOnce(text), [x]);
    expectSame(got, naiveUnique(x, undefined, true), 'nan');
    expect(Array.from(got[0]!.data as Float32Array)).toEqual([-Infinity, -0, Math.fround(1e-45), 1, 3, NaN]);
    // First-occurrence order is the interpreter's.
    await checkText(uniqueText('f32', [10], undefined, 0, 4, [0, 1, 2, 3]), [x], 'nan unsorted');
  });

  it('slices along an axis (ONNX example and a 3-D one) in both orders', async () => {
    const x = tensorFrom('f32', [3, 3], [1, 0, 0, 1, 0, 0, 2, 3, 4]);
    for (const s of [0, 1]) await checkText(uniqueText('f32', [3, 3], 0, s, 4, [0, 1, 2, 3]), [x], `2-D sorted ${s}`);
    const y = tensorFrom('i32', [2, 5, 3], Array.from({ length: 30 }, (_v, i) => [1, 0, 1, 2, 0, 1, 1, 0, 1][i % 9]! * (i % 2)));
    for (const [ax, s] of [[1, 1], [1, 0], [-1, 1], [0, 0]] as const) await checkText(uniqueText('i32', [2, 5, 3], ax, s, 4, [0, 1, 2, 3]), [y], `3-D axis ${ax} sorted ${s}`);
  });

  it('the counted results feed other ops and are returned; Shape of Y is the count', async () => {
    const text = mod('%x: f32[n]', '%y: f32[?], %z: f32[?], %s: i64[1], %t: i64[], %v: i64[n]', [
      '%y, %i, %v, %c = unique(%x) {sorted = 1} : (f32[?], i64[?], i64[n], i64[?])',
      '%z = mul(%y, %y) : f32[?]',
      '%s = shape(%y) : i64[1]',
      '%t = reduce_sum(%c) {keepdims = 0} : i64[]',
    ], '%y, %z, %s, %t, %v');
    const c = compileOnce(text);
    // One loaded model, several sizes of the symbolic input dim (and a zero count).
    const m = await instantiateWebGpu(c.manifest, c.shaders.map((s) => s.code), c.weights, await gpuDevice());
    for (const vals of [[4, 2, 4, 4, 1, 2, 9], [5, 5], [], [3], [7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3]]) {
      const x = tensorFrom('f32', [vals.length], vals);
      const out = await m.run({ x: toRunTensor(x) });
      const got = c.manifest.outputs.map((o) => fromRunTensor(o.dtype as DType, out[o.name]!));
      expectSame(got, interpText(text, [x]), `n = ${vals.length}`);
    }
  });

  it('an empty tensor counts 0 groups; empty slices (D > 0) count one', async () => {
    await checkText(uniqueText('f32', [0], undefined, 1, 4, [0, 1, 2, 3]), [tensorFrom('f32', [0], [])], 'empty');
    await checkText(uniqueText('f32', [3, 0], 0, 1, 4, [0, 1, 2, 3]), [tensorFrom('f32', [3, 0], [])], 'empty slices');
  });
});

// ---------------------------------------------------------------------------------------------
// NonMaxSuppression

interface NmsCase { B: number; C: number; N: number; center: 0 | 1; boxes: number[]; scores: number[]; max: number | null; maxConst: boolean; iou: number | 'pair'; st: number | null; pair: number }

const GRID = [0, 0.5, 1, 1.5, 2, 3];
const nmsCase: fc.Arbitrary<NmsCase> = fc.record({
  B: fc.constantFrom(1, 2), C: fc.constantFrom(1, 2, 3), N: fc.constantFrom(1, 2, 3, 5, 7, 13), center: fc.constantFrom(0 as const, 1 as const),
  boxes: fc.array(fc.constantFrom(...GRID), { minLength: 2 * 13 * 4, maxLength: 2 * 13 * 4 }),
  scores: fc.array(fc.constantFrom(0.1, 0.2, 0.5, 0.9, 0, -0.5), { minLength: 2 * 3 * 13, maxLength: 2 * 3 * 13 }),
  max: fc.constantFrom(null, 0, 1, 2, 3, 100), maxConst: fc.boolean(),
  iou: fc.constantFrom(0, 0.25, 0.5, 0.7, 1, 'pair' as const), st: fc.constantFrom(null, 0, 0.2, 0.5), pair: fc.nat(),
});

/** The interpreter's IoU of two boxes (f32 after each op), to set thresholds exactly at one. */
function iouF32(b: readonly number[], i: number, j: number, center: boolean): number {
  const f = Math.fround;
  const box = (k: number): number[] => {
    const o = k * 4;
    if (center) { const hw = f(b[o + 2]! / 2), hh = f(b[o + 3]! / 2); return [f(b[o]! - hw), f(b[o]! + hw), f(b[o + 1]! - hh), f(b[o + 1]! + hh)]; }
    return [Math.min(b[o + 1]!, b[o + 3]!), Math.max(b[o + 1]!, b[o + 3]!), Math.min(b[o]!, b[o + 2]!), Math.max(b[o]!, b[o + 2]!)];
  };
  const [ax0, ax1, ay0, ay1] = box(i), [bx0, bx1, by0, by1] = box(j);
  const iw = f(Math.min(ax1!, bx1!) - Math.max(ax0!, bx0!)), ih = f(Math.min(ay1!, by1!) - Math.max(ay0!, by0!));
  if (iw <= 0 || ih <= 0) return 0;
  const inter = f(iw * ih), un = f(f(f(f(ax1! - ax0!) * f(ay1! - ay0!)) + f(f(bx1! - bx0!) * f(by1! - by0!))) - inter);
  return un > 0 ? f(inter / un) : 0;
}

function nmsModel(c: NmsCase): { text: string; inputs: Tensor[] } {
  const { B, C, N } = c;
  const boxes = tensorFrom('f32', [B, N, 4], c.boxes.slice(0, B * N * 4));
  const scores = tensorFrom('f32', [B, C, N], c.scores.slice(0, B * C * N));
  const pairs: number[] = [];
  for (let i = 0; i < N; i++) for (let j = 0; j < i; j++) { const v = iouF32(c.boxes, i, j, c.center === 1); if (v > 0) pairs.push(v); }
  const iou = c.iou === 'pair' ? (pairs.length ? pairs[c.pair % pairs.length]! : 0.5) : c.iou;
  const args = [`%b: ${ty('f32', [B, N, 4])}`, `%s: ${ty('f32', [B, C, N])}`, '%t: f32[1]'];
  const inputs = [boxes, scores, tensorFrom('f32', [1], [iou])];
  const lines: string[] = [];
  let m = 'none';
  if (c.max !== null && c.maxConst) { lines.push(`%m = const {value = dense<${c.max}> : i64[1]} : i64[1]`); m = '%m'; }
  if (c.max !== null && !c.maxConst) { args.push('%m: i64[1]'); inputs.push(tensorFrom('i64', [1], [BigInt(c.max)])); m = '%m'; }
  let st = 'none';
  if (c.st !== null) { args.push('%st: f32[1]'); inputs.push(tensorFrom('f32', [1], [c.st])); st = '%st'; }
  lines.push(`%r = non_max_suppression(%b, %s, ${m}, %t, ${st}) {center_point_box = ${c.center}} : i64[?,3]`);
  return { text: mod(args.join(', '), '%r: i64[?,3]', lines, '%r'), inputs };
}

describe('webgpu non_max_suppression', () => {
  it('matches the interpreter on grid boxes, tied scores and thresholds at a pair\'s IoU', async () => {
    await fc.assert(fc.asyncProperty(nmsCase, async (c) => {
      const { text, inputs } = nmsModel(c);
      await checkText(text, inputs, JSON.stringify({ ...c, boxes: c.boxes.slice(0, c.B * c.N * 4), scores: c.scores.slice(0, c.B * c.C * c.N) }));
    }), { numRuns: 50, seed: 4242 });
  }, 60_000);

  it('IoU exactly at the threshold is kept (strict >), a hair below suppresses; identical boxes; constant max beyond 32 bits', async () => {
    // Boxes 0/1: IoU exactly 1/2; boxes 0/2: IoU f32(1/3); box 3 equals box 0.
    const boxes = [0, 0, 1, 1, 0, 0, 1, 2, 0, 0.5, 1, 1.5, 0, 0, 1, 1];
    for (const [thr, max] of [[0.5, 10], [Math.fround(1 / 3), 2 ** 40], [0.49999997, 10], [0.3333333, 10], [0.99, 2 ** 53], [1, 3]] as const) {
      const c: NmsCase = { B: 1, C: 1, N: 4, center: 0, boxes, scores: [0.9, 0.8, 0.7, 0.6], max, maxConst: true, iou: thr, st: null, pair: 0 };
      const { text, inputs } = nmsModel(c);
      await checkText(text, inputs, `thr ${thr}`);
    }
  });

  it('zero selections (max 0, absent, every score below the threshold) and counted rows fed on', async () => {
    const base: NmsCase = { B: 2, C: 2, N: 3, center: 1, boxes: Array.from({ length: 24 }, (_v, i) => (i % 4) * 0.5 + 1), scores: [0.1, 0.2, 0.3, 0.1, 0.2, 0.3, 0.1, 0.2, 0.3, 0.1, 0.2, 0.3], max: 0, maxConst: false, iou: 0.5, st: null, pair: 0 };
    for (const c of [base, { ...base, max: null }, { ...base, max: 5, st: 0.9 }]) {
      const { text, inputs } = nmsModel(c);
      const got = await runCompiled(compileOnce(text), inputs);
      expect(got[0]!.shape).toEqual([0, 3]);
      expectSame(got, interpText(text, inputs), 'zero');
    }
    // The selected rows gathered and cast further (max_output an i64 input, negative too).
    const text = mod('%b: f32[1,n,4], %s: f32[1,1,n], %m: i64[1], %t: f32[1]', '%r: i64[?,3], %g: f32[?], %k: i64[2]', [
      '%r = non_max_suppression(%b, %s, %m, %t, none) : i64[?,3]',
      '%two = const {value = dense<2> : i64[]} : i64[]',
      '%col = gather(%r, %two) {axis = 1} : i64[?]',
      '%g = cast(%col) {to = f32} : f32[?]',
      '%k = shape(%r) : i64[2]',
    ], '%r, %g, %k');
    const c = compileOnce(text);
    const mdl = await instantiateWebGpu(c.manifest, c.shaders.map((s) => s.code), c.weights, await gpuDevice());
    for (const [n, max] of [[5, 2147483647n], [2, 1n], [7, 0n], [1, -3n], [6, 3n]] as const) {
      const bx = Array.from({ length: n * 4 }, (_v, i) => GRID[(i * 7 + n) % GRID.length]!);
      const inputs = [tensorFrom('f32', [1, n, 4], bx), tensorFrom('f32', [1, 1, n], Array.from({ length: n }, (_v, i) => ((i * 5) % 3) / 4)), tensorFrom('i64', [1], [max]), tensorFrom('f32', [1], [0.3])];
      const out = await mdl.run(Object.fromEntries(c.manifest.inputs.map((inp, i) => [inp.name, toRunTensor(inputs[i]!)])));
      const got = c.manifest.outputs.map((o) => fromRunTensor(o.dtype as DType, out[o.name]!));
      expectSame(got, interpText(text, inputs), `n ${n} max ${max}`);
    }
  });

  it('refuses at run time more boxes (and unique slices) than the kernel holds flags for', async () => {
    const u = 65537;
    await expect(runCompiled(compileOnce(uniqueText('f32', ['n'], undefined, 1, 2, [0, 1])), [tensorFrom('f32', [u], new Float32Array(u))])).rejects.toThrow(/unique.*65537/);
    expect(() => compileText(uniqueText('f32', [u], undefined, 1, 1, [0]))).toThrow(/E201[^]*65537 slices exceed/);
    const text = mod('%b: f32[1,n,4], %s: f32[1,1,n], %m: i64[1]', '%r: i64[?,3]', ['%r = non_max_suppression(%b, %s, %m, none, none) : i64[?,3]'], '%r');
    const n = 131073;
    const inputs = [tensorFrom('f32', [1, n, 4], new Float32Array(n * 4)), tensorFrom('f32', [1, 1, n], new Float32Array(n)), tensorFrom('i64', [1], [0n])];
    await expect(runCompiled(compileOnce(text), inputs)).rejects.toThrow(/non_max_suppression.*131073/);
  }, 20_000);
});

describe('webgpu data-sized-b shaders', () => {
  it('pass Tint (Dawn null backend) and naga (wgpu), and compile byte-identically twice', async () => {
    const texts = [
      uniqueText('f32', [3, 'n', 2], 1, 1, 4, [0, 1, 2, 3]), uniqueText('i64', ['n'], undefined, 0, 4, [1, 2]), uniqueText('bool', [5], undefined, 1, 1, [0]), uniqueText('u8', [2, 3], -1, 0, 4, [3]),
      nmsModel({ B: 2, C: 3, N: 5, center: 1, boxes: new Array(40).fill(1), scores: new Array(30).fill(0.5), max: 3, maxConst: false, iou: 0.5, st: 0.1, pair: 0 }).text,
      nmsModel({ B: 1, C: 1, N: 2, center: 0, boxes: new Array(8).fill(1), scores: new Array(2).fill(0.5), max: 3, maxConst: true, iou: 0.5, st: null, pair: 0 }).text,
    ];
    const first = texts.map((t, i) => ({ name: `case${i}`, c: compileText(t) }));
    for (const { name, c } of first) expect(await validateShaders(c), name).toEqual([]);
    expect(await nagaErrors(first)).toEqual([]);
    texts.forEach((t, i) => expect(compileText(t).shaders.map((s) => s.code)).toEqual(first[i]!.c.shaders.map((s) => s.code)));
  }, 60_000);
});
