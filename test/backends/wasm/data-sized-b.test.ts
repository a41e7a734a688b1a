// Unique and NonMaxSuppression through the WASM backend (kernels/data-sized-b.ts): the result
// size is counted by the kernel at run time (src/backends/data-dims.ts). Every case is compared
// exactly with the interpreter: random shapes (dims 0, 1, primes), data with many duplicates
// (+-0, NaN), unique with/without (negative) axis, both sorted modes and every subset of its
// outputs; NMS with random boxes in both formats (flipped corners, identical and zero-area boxes),
// thresholds at boundary values, max_output as input or constant, static and symbolic box counts;
// counted results feeding other ops, zero counts, symbolic input dims at several sizes on one
// instance, and an ONNX NMS -> Slice -> Squeeze -> Gather model.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Module } from '../../../ir/ir.js';
import { interpret } from '../../../ir/interp.js';
import { parseModule } from '../../../ir/parser.js';
import { tensorFrom, type Tensor } from '../../../ir/tensor.js';
import type { DType } from '../../../ir/dtype.js';
import { fromRunTensor, toRunTensor } from '../../../src/conformance/feeds.js';
import { compileWasm, type CompiledWasm } from '../../../src/backends/wasm/index.js';
import { importOnnxBytes } from '../../../src/onnx/import.js';
import { buildModel, type ModelSpec } from '../../../src/onnx/writer.js';
import { instantiateCompiled, type CompiledModel, type RunTensor } from '../../../src/runtime/index.js';
import { expectExact, rng } from './dtype-helpers.js';

const ty = (dt: string, s: readonly (number | string)[]): string => `${dt}[${s.join(',')}]`;

const mod = (args: string, results: string, lines: readonly string[], rets: string): string =>
  ['module @m {', `  func @main(${args}) -> (${results}) {`, ...lines.map((l) => `    ${l}`), `    return ${rets}`, '  }', '}'].join('\n');

const compileText = (text: string, passes = 'fuse'): Promise<CompiledWasm> => compileWasm(parseModule(text, { file: 'test.ir' }), { passes, verifyEach: true });

async function runOn(cm: CompiledModel, c: CompiledWasm, inputs: readonly Tensor[]): Promise<Tensor[]> {
  const feed: Record<string, RunTensor> = {};
  c.manifest.inputs.forEach((inp, i) => (feed[inp.name] = toRunTensor(inputs[i]!)));
  const out = await cm.run(feed);
  return c.manifest.outputs.map((o) => fromRunTensor(o.dtype as DType, out[o.name]!));
}

const interp = (text: string, inputs: readonly Tensor[]): Tensor[] => interpret(parseModule(text, { file: 'test.ir' }), [...inputs]);

/** Compile, run once, compare exactly with the interpreter. */
async function check(text: string, inputs: readonly Tensor[]): Promise<Tensor[]> {
  const c = await compileText(text);
  const got = await runOn(await instantiateCompiled(c.manifest, c.wasm, c.weights), c, inputs);
  expectExact(got, interp(text, inputs));
  return got;
}

// ---------------------------------------------------------------------------------------------
// Unique

// Small pools, so slices repeat. NaN only where the order does not involve it (sorted=0).
const UPOOLS: Record<string, readonly number[]> = {
  f32: [0, -0, 1.5, -2, Infinity, -Infinity, 1e-40], f64: [0, -0, 1.5, -2, 5e-324], f16: [0, -0, 1.5, -2, 65504], bf16: [0, -0, 1.5, -2],
  i8: [0, -1, 127, -128], u8: [0, 1, 255], i16: [0, -300, 300], u16: [0, 65535, 7], i32: [0, -1, 2147483647, -2147483648], u32: [0, 7, 2 ** 31, 4294967295],
  i64: [0, -1, 2 ** 40, -(2 ** 40)], u64: [0, 3, 2 ** 63], bool: [0, 1],
};
const UDTYPES = Object.keys(UPOOLS) as DType[];
const FLOAT = new Set(['f32', 'f64', 'f16', 'bf16']);

function udata(dt: DType, shape: readonly number[], seed: number, width: number, nan: boolean): Tensor {
  const r = rng(seed);
  const pool = [...UPOOLS[dt]!, ...(nan && FLOAT.has(dt) ? [NaN] : [])].slice(0, Math.max(1, width));
  const n = shape.reduce((a, b) => a * b, 1);
  return tensorFrom(dt, shape, Array.from({ length: n }, () => pool[Math.floor(r() * pool.length)]!));
}

/** `unique` with `nres` results (a prefix of Y, indices, inverse, counts), returning those at `ret`. */
function uniqueText(dt: string, shape: readonly (number | string)[], axis: number | undefined, sorted: number, nres: number, ret: readonly number[]): string {
  const r = shape.length;
  const ax = axis === undefined ? undefined : (axis + r) % r;
  const invDim = ax === undefined ? (shape.every((d) => typeof d === 'number') ? [(shape as number[]).reduce((a, b) => a * b, 1)] : [shape.join('*')]) : [shape[ax]!];
  const types = [ty(dt, ax === undefined ? ['?'] : shape.map((d, i) => (i === ax ? '?' : d))), 'i64[?]', ty('i64', invDim), 'i64[?]'].slice(0, nres);
  const names = ['%y', '%i', '%v', '%c'].slice(0, nres);
  const attrs = [...(axis === undefined ? [] : [`axis = ${axis}`]), `sorted = ${sorted}`].join(', ');
  const sig = nres === 1 ? types[0]! : `(${types.join(', ')})`;
  return mod(`%x: ${ty(dt, shape)}`, ret.map((k) => `${names[k]}: ${types[k]}`).join(', '), [`${names.join(', ')} = unique(%x) {${attrs}} : ${sig}`], ret.map((k) => names[k]).join(', '));
}

const DIMS = [0, 1, 1, 2, 3, 5, 7];
const ucases = fc.record({
  dt: fc.constantFrom(...UDTYPES), shape: fc.array(fc.constantFrom(...DIMS), { minLength: 0, maxLength: 3 }),
  axisPick: fc.integer({ min: -4, max: 3 }), sorted: fc.constantFrom(0, 1), nres: fc.integer({ min: 1, max: 4 }),
  retMask: fc.integer({ min: 1, max: 15 }), width: fc.integer({ min: 1, max: 4 }), seed: fc.integer({ min: 1, max: 1e6 }),
});

describe('wasm unique', () => {
  it('matches the interpreter: dtypes, (negative) axis or none, both orders, every output subset', async () => {
    await fc.assert(fc.asyncProperty(ucases, async ({ dt, shape, axisPick, sorted, nres, retMask, width, seed }) => {
      // axisPick outside [-rank, rank): no axis (flattened input).
      const axis = shape.length > 0 && axisPick >= -shape.length && axisPick < shape.length ? axisPick : undefined;
      const ret = [0, 1, 2, 3].filter((k) => k < nres && (retMask >> k) & 1);
      const text = uniqueText(dt, shape, axis, sorted, nres, ret.length > 0 ? ret : [0]);
      await check(text, [udata(dt, shape, seed, width, sorted === 0)]);
    }), { numRuns: 120 });
  });

  it('all distinct, all equal, -0 grouped with 0 (first occurrence kept), NaNs grouped in first-occurrence order', async () => {
    const all = (dt: string, s: number[], axis: number | undefined, sorted: number): string => uniqueText(dt, s, axis, sorted, 4, [0, 1, 2, 3]);
    const distinct = tensorFrom('i32', [2, 7], Array.from({ length: 14 }, (_, i) => (i * 5) % 14 - 7));
    expect((await check(all('i32', [2, 7], 1, 1), [distinct]))[0]!.shape).toEqual([2, 7]);
    expect((await check(all('i32', [2, 7], undefined, 0), [distinct]))[0]!.shape).toEqual([14]);
    const same = tensorFrom('f32', [3, 5], new Array(15).fill(2.5));
    expect((await check(all('f32', [3, 5], -2, 1), [same]))[0]!.shape).toEqual([1, 5]);
    const zeros = tensorFrom('f32', [6], [-0, 1, 0, -0, 1, 0]);
    const z = await check(all('f32', [6], undefined, 1), [zeros]);
    expect(Object.is((z[0]!.data as Float32Array)[0], -0)).toBe(true);
    await check(all('f32', [7], undefined, 0), [tensorFrom('f32', [7], [NaN, 1, NaN, -0, 0, 1, NaN])]);
    await check(all('f16', [2, 4], 1, 0), [tensorFrom('f16', [2, 4], [NaN, 1, NaN, 0, 2, 2, 2, -0])]);
  });

  it('sorted=1 with NaN: NaN slices last, in one group (numpy order; the interpreter has none)', async () => {
    const text = uniqueText('f32', [6], undefined, 1, 4, [0, 1, 2, 3]);
    const c = await compileText(text);
    const got = await runOn(await instantiateCompiled(c.manifest, c.wasm, c.weights), c, [tensorFrom('f32', [6], [NaN, 3, -1, NaN, 3, -0])]);
    expect([...(got[0]!.data as Float32Array)]).toEqual([-1, -0, 3, NaN]);
    expect([...(got[1]!.data as BigInt64Array)]).toEqual([2n, 5n, 1n, 0n]);
    expect([...(got[2]!.data as BigInt64Array)]).toEqual([3n, 2n, 0n, 3n, 2n, 1n]);
    expect([...(got[3]!.data as BigInt64Array)]).toEqual([1n, 1n, 2n, 2n]);
  });

  it('symbolic dims: one instance per model runs several sizes (rows, indices and scratch-free paths)', async () => {
    const models: [string, (n: number) => number[]][] = [
      [uniqueText('f32', ['n'], undefined, 1, 4, [0, 1, 2, 3]), (n) => [n]],
      [uniqueText('i64', ['n', 3], 0, 0, 4, [0, 2, 3]), (n) => [n, 3]],
      // Dims before the axis: first indices kept in the `indices` result.
      [uniqueText('u8', [2, 'n', 2], 1, 1, 2, [0, 1]), (n) => [2, n, 2]],
      [uniqueText('f16', ['n', 2], -1, 0, 3, [0, 2]), (n) => [n, 2]],
    ];
    for (const [text, shapeOf] of models) {
      const c = await compileText(text);
      const cm = await instantiateCompiled(c.manifest, c.wasm, c.weights);
      for (const [n, seed] of [[5, 1], [13, 2], [0, 3], [1, 4], [8, 5], [2, 6]] as const) {
        const x = udata(c.manifest.inputs[0]!.dtype as DType, shapeOf(n), seed, 3, false);
        expectExact(await runOn(cm, c, [x]), interp(text, [x]));
      }
    }
  });

  it('symbolic dims before the axis and no indices result: refused, naming the reason', async () => {
    await expect(compileText(uniqueText('f32', [2, 'n'], 1, 1, 1, [0]))).rejects.toThrow("unique along axis 1 of symbolic length 'n' after dims other than 1, without an 'indices' result: the wasm kernel needs memory for one index per slice");
    // The same with an indices result, or with a static axis dim, compiles.
    await compileText(uniqueText('f32', [2, 'n'], 1, 1, 2, [0]));
    await compileText(uniqueText('f32', ['m', 4], 1, 1, 1, [0]));
  });

  it('counted results feed other ops: gather(Y, inverse) rebuilds X, counts sum to its size', async () => {
    const text = mod('%x: i32[n]', '%y: i32[?], %neg: i32[?], %back: i32[n], %total: i64[], %c: i64[?]', [
      '%y, %i, %v, %c = unique(%x) {sorted = 1} : (i32[?], i64[?], i64[n], i64[?])',
      '%neg = neg(%y) : i32[?]',
      '%back = gather(%y, %v) {axis = 0} : i32[n]',
      '%total = reduce_sum(%c) {keepdims = 0} : i64[]',
    ], '%y, %neg, %back, %total, %c');
    const c = await compileText(text, 'O2');
    expect(Buffer.from((await compileText(text, 'O2')).wasm).equals(Buffer.from(c.wasm))).toBe(true);
    const cm = await instantiateCompiled(c.manifest, c.wasm, c.weights);
    for (const [n, seed] of [[9, 1], [0, 2], [1, 3], [17, 4]] as const) {
      const x = udata('i32', [n], seed, 3, false);
      const got = await runOn(cm, c, [x]);
      expectExact(got, interp(text, [x]));
      expectExact([got[2]!], [x]);
      expect(got[3]!.data[0]).toBe(BigInt(n));
    }
  });
});

// ---------------------------------------------------------------------------------------------
// NonMaxSuppression

interface NmsCase {
  readonly b: number; readonly c: number; readonly n: number;
  readonly center: number;
  /** max_output_boxes_per_class: absent, a constant, or an input (i64 scalar or [1]). */
  readonly max: 'none' | 'const' | 'input' | 'input1';
  readonly maxValue: number;
  readonly iou: number | null;
  readonly score: number | null;
}

/** The NMS module; `n` may be a symbol (the selection path of the kernel). */
function nmsText(cs: NmsCase, dims: { b: number | string; n: number | string; c: number | string } = cs): string {
  const args = [`%boxes: ${ty('f32', [dims.b, dims.n, 4])}`, `%scores: ${ty('f32', [dims.b, dims.c, dims.n])}`];
  const lines: string[] = [];
  let m = 'none';
  if (cs.max === 'const') { lines.push(`%m = const {value = dense<${cs.maxValue}> : i64[1]} : i64[1]`); m = '%m'; }
  if (cs.max === 'input') { args.push('%m: i64[]'); m = '%m'; }
  if (cs.max === 'input1') { args.push('%m: i64[1]'); m = '%m'; }
  let iou = 'none', st = 'none';
  if (cs.iou !== null) { args.push('%iou: f32[]'); iou = '%iou'; }
  if (cs.score !== null) { args.push('%st: f32[1]'); st = '%st'; }
  const ops = [m, iou, st];
  while (ops.length > 0 && ops[ops.length - 1] === 'none') ops.pop();
  lines.push(`%sel = non_max_suppression(${['%boxes', '%scores', ...ops].join(', ')}) {center_point_box = ${cs.center}} : i64[?,3]`);
  return mod(args.join(', '), '%sel: i64[?,3]', lines, '%sel');
}

/** Boxes on a coarse grid (identical boxes, shared edges, zero areas, flipped corners), tied scores. */
function nmsInputs(cs: NmsCase, seed: number): Tensor[] {
  const r = rng(seed);
  const grid = (): number => Math.floor(r() * 5) / 2;
  const boxes = Array.from({ length: cs.b * cs.n * 4 }, grid);
  // Some boxes repeat an earlier one exactly.
  for (let i = 1; i < cs.b * cs.n; i++) if (r() < 0.2) for (let q = 0; q < 4; q++) boxes[i * 4 + q] = boxes[(i - 1) * 4 + q]!;
  const scores = Array.from({ length: cs.b * cs.c * cs.n }, () => [0.1, 0.5, 0.5, 0.9, 0.3, 0.75, 0][Math.floor(r() * 7)]!);
  const ins = [tensorFrom('f32', [cs.b, cs.n, 4], boxes), tensorFrom('f32', [cs.b, cs.c, cs.n], scores)];
  if (cs.max === 'input') ins.push(tensorFrom('i64', [], [cs.maxValue]));
  if (cs.max === 'input1') ins.push(tensorFrom('i64', [1], [cs.maxValue]));
  if (cs.iou !== null) ins.push(tensorFrom('f32', [], [cs.iou]));
  if (cs.score !== null) ins.push(tensorFrom('f32', [1], [cs.score]));
  return ins;
}

// IoU values of grid boxes that land on a threshold exactly (1/2, 1/3, 1/4, 2/3, f32-rounded).
const IOUS = [0, 0.5, 1 / 3, 0.25, 2 / 3, 1, 0.7, -1];
const ncases = fc.record({
  b: fc.constantFrom(1, 2, 3), c: fc.constantFrom(1, 2, 3), n: fc.constantFrom(0, 1, 2, 3, 5, 7, 11),
  center: fc.constantFrom(0, 1), max: fc.constantFrom('none', 'const', 'input', 'input1') as fc.Arbitrary<NmsCase['max']>,
  maxValue: fc.constantFrom(0, 1, 2, 3, 5, 100, -1), iou: fc.option(fc.constantFrom(...IOUS), { nil: null }),
  score: fc.option(fc.constantFrom(0, 0.5, 0.3, -1, 1), { nil: null }),
});

describe('wasm non_max_suppression', () => {
  it('matches the interpreter: both box formats, thresholds at boundary values, max_output absent/constant/input', async () => {
    await fc.assert(fc.asyncProperty(ncases, fc.integer({ min: 1, max: 1e6 }), async (cs, seed) => {
      await check(nmsText(cs), nmsInputs(cs, seed));
    }), { numRuns: 100 });
  });

  it('symbolic box count (candidates selected by scans): one instance per format, several sizes and data', async () => {
    for (const center of [0, 1]) {
      for (const max of ['input', 'const'] as const) {
        const base: NmsCase = { b: 2, c: 2, n: 0, center, max, maxValue: 3, iou: 0.5, score: 0.2 };
        const text = nmsText(base, { b: 'b', n: 'n', c: 'c' });
        const c = await compileText(text);
        const cm = await instantiateCompiled(c.manifest, c.wasm, c.weights);
        const sizes: [number, number, number, number, number | null, number][] = [[1, 1, 5, 2, 0.5, 0.2], [2, 3, 7, 100, 1 / 3, 0.3], [1, 2, 0, 4, 0.5, 0], [3, 1, 11, 0, 0.25, 0], [2, 2, 13, 5, 0, -1], [1, 1, 1, 1, 0.5, 0.95]];
        for (const [i, [b, cl, n, mv, iou, score]] of sizes.entries()) {
          const cs: NmsCase = { ...base, b, c: cl, n, maxValue: mv, iou, score };
          const ins = nmsInputs(cs, 100 * center + i + 1);
          expectExact(await runOn(cm, c, ins), interp(text, ins));
        }
      }
    }
  });

  it('IoU at the threshold is decided as the reference rounds it (random f32 coordinates, threshold = a pair IoU)', async () => {
    // The threshold is the f64 IoU of boxes 0 and 1 rounded once: the reference's f32 steps land
    // on either side of it, so a kernel rounding differently decides some of these differently.
    const iou64 = (a: readonly number[], b: readonly number[], center: number): number => {
      const c = (v: readonly number[]): number[] => (center
        ? [v[0]! - v[2]! / 2, v[0]! + v[2]! / 2, v[1]! - v[3]! / 2, v[1]! + v[3]! / 2]
        : [Math.min(v[1]!, v[3]!), Math.max(v[1]!, v[3]!), Math.min(v[0]!, v[2]!), Math.max(v[0]!, v[2]!)]);
      const [p, q] = [c(a), c(b)];
      const inter = Math.max(0, Math.min(p[1]!, q[1]!) - Math.max(p[0]!, q[0]!)) * Math.max(0, Math.min(p[3]!, q[3]!) - Math.max(p[2]!, q[2]!));
      return inter / ((p[1]! - p[0]!) * (p[3]! - p[2]!) + (q[1]! - q[0]!) * (q[3]! - q[2]!) - inter);
    };
    for (const center of [0, 1]) {
      const cs: NmsCase = { b: 1, c: 1, n: 3, center, max: 'const', maxValue: 3, iou: 0, score: null };
      const c = await compileText(nmsText(cs));
      const cm = await instantiateCompiled(c.manifest, c.wasm, c.weights);
      for (let seed = 1; seed <= 150; seed++) {
        const r = rng(seed);
        const b0 = Array.from({ length: 4 }, () => Math.fround(r() + 1));
        const b1 = b0.map((v) => Math.fround(v + (r() - 0.5) * 0.3));
        const b2 = b0.map((v) => Math.fround(v + (r() - 0.5) * 0.3));
        const ins = [tensorFrom('f32', [1, 3, 4], [...b0, ...b1, ...b2]), tensorFrom('f32', [1, 1, 3], [0.9, 0.8, 0.7]), tensorFrom('f32', [], [iou64(b0, b1, center)])];
        expectExact(await runOn(cm, c, ins), interp(nmsText(cs), ins));
      }
    }
  });

  it('zero results: scores under the threshold, max_output 0, no max_output, no boxes', async () => {
    const cs: NmsCase = { b: 2, c: 3, n: 5, center: 0, max: 'input', maxValue: 4, iou: 0.5, score: 0.95 };
    expect((await check(nmsText(cs), nmsInputs(cs, 7)))[0]!.shape).toEqual([0, 3]);
    expect((await check(nmsText({ ...cs, maxValue: 0 }), nmsInputs({ ...cs, maxValue: 0, score: 0 }, 7)))[0]!.shape).toEqual([0, 3]);
    expect((await check(nmsText({ ...cs, max: 'none' }), nmsInputs({ ...cs, max: 'none', score: 0 }, 7)))[0]!.shape).toEqual([0, 3]);
    expect((await check(nmsText({ ...cs, n: 0 }), nmsInputs({ ...cs, n: 0 }, 7)))[0]!.shape).toEqual([0, 3]);
  });

  it('identical boxes keep the lowest index of the top score; every class keeps up to max (count at the bound)', async () => {
    const cs: NmsCase = { b: 1, c: 2, n: 4, center: 0, max: 'const', maxValue: 4, iou: 0.5, score: null };
    const same = [tensorFrom('f32', [1, 4, 4], new Array(4).fill([0, 0, 1, 1]).flat()), tensorFrom('f32', [1, 2, 4], [0.5, 0.9, 0.9, 0.1, 0.3, 0.3, 0.3, 0.3]), tensorFrom('f32', [], [0.5])];
    expect([...(await check(nmsText(cs), same))[0]!.data as BigInt64Array]).toEqual([0n, 0n, 1n, 0n, 1n, 0n]);
    // Disjoint boxes: all kept, the count reaches its bound b * c * min(max, n).
    const apart = [tensorFrom('f32', [1, 4, 4], [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 7, 7, 6, 6]), same[1]!, same[2]!];
    expect((await check(nmsText({ ...cs, iou: 0.5 }), apart))[0]!.shape).toEqual([8, 3]);
  });
});

// NMS -> Slice(column 2) -> Squeeze -> Gather of the boxes: the counted result feeds other ops.
const NMS_GATHER: ModelSpec = {
  opset: 17,
  inputs: [{ name: 'boxes', dtype: 'f32', shape: [1, 'n', 4] }, { name: 'scores', dtype: 'f32', shape: [1, 'c', 'n'] }],
  outputs: [{ name: 'sel', dtype: 'i64', shape: null }, { name: 'picked', dtype: 'f32', shape: null }],
  initializers: [
    { name: 'max', tensor: tensorFrom('i64', [1], [3]) }, { name: 'iou', tensor: tensorFrom('f32', [1], [0.4]) },
    { name: 'two', tensor: tensorFrom('i64', [1], [2]) }, { name: 'three', tensor: tensorFrom('i64', [1], [3]) },
    { name: 'one', tensor: tensorFrom('i64', [1], [1]) }, { name: 'zero', tensor: tensorFrom('i64', [1], [0]) },
  ],
  nodes: [
    { opType: 'NonMaxSuppression', inputs: ['boxes', 'scores', 'max', 'iou'], outputs: ['sel'], attrs: { center_point_box: 0 } },
    { opType: 'Slice', inputs: ['sel', 'two', 'three', 'one'], outputs: ['col'] },
    { opType: 'Squeeze', inputs: ['col', 'one'], outputs: ['idx'] },
    { opType: 'Squeeze', inputs: ['boxes', 'zero'], outputs: ['flat'] },
    { opType: 'Gather', inputs: ['flat', 'idx'], outputs: ['picked'], attrs: { axis: 0 } },
  ],
};

describe('wasm unique and NMS in the threaded module', () => {
  it('gives the interpreter\'s results (2 threads, scratch in the first slot)', async () => {
    const cs: NmsCase = { b: 2, c: 2, n: 7, center: 1, max: 'input', maxValue: 3, iou: 0.5, score: 0.2 };
    const cases: [string, Tensor[]][] = [
      [nmsText(cs), nmsInputs(cs, 3)],
      [uniqueText('f32', [3, 5, 2], 1, 1, 1, [0]), [udata('f32', [3, 5, 2], 4, 2, false)]],
    ];
    for (const [text, ins] of cases) {
      const c = await compileWasm(parseModule(text, { file: 'test.ir' }), { passes: 'fuse', threads: true, threadMinWork: 0 });
      const threaded = c.threads?.find((v) => v.file === 'model-threads.wasm');
      expect(threaded).toBeDefined();
      const cm = await instantiateCompiled(c.manifest, threaded!.wasm, c.weights, { threads: 2 });
      try {
        for (let k = 0; k < 2; k++) expectExact(await runOn(cm, c, ins), interp(text, ins));
      } finally {
        await cm.dispose();
      }
    }
  });
});

describe('wasm ONNX NMS feeding a gather', () => {
  it('NonMaxSuppression -> Slice -> Squeeze -> Gather(boxes): one instance, several sizes, zero count', async () => {
    const bytes = buildModel(NMS_GATHER);
    const load = (): Module => importOnnxBytes(bytes, { file: 'm.onnx', baseDir: '.' });
    const c = await compileWasm(load());
    const cm = await instantiateCompiled(c.manifest, c.wasm, c.weights);
    for (const [n, cl, seed] of [[6, 2, 1], [1, 1, 2], [0, 3, 3], [11, 1, 4], [5, 3, 5]] as const) {
      const cs: NmsCase = { b: 1, c: cl, n, center: 0, max: 'none', maxValue: 0, iou: null, score: null };
      const ins = nmsInputs(cs, seed);
      expectExact(await runOn(cm, c, ins), interpret(load(), ins));
    }
  });
});
