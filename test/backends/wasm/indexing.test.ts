// The wasm indexing kernels (kernels/index-*.ts, misc-bits/cum/linalg/tfidf.ts)
// against the interpreter: gather_nd, scatter_elements / scatter_nd with every reduction,
// tensor_scatter, top_k, eye_like, bit_shift, bit_cast, cum_sum/cum_prod on f64 or with a run-time
// axis, reverse_sequence, one_hot, center_crop_pad, det and tf_idf_vectorizer, on random shapes
// with 1s and primes; plus hand-checked cases and the refusal of out-of-range indices (the run
// fails naming the op; index-refuse.test.ts checks every op and position).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tensorFrom, type Tensor } from '../../../ir/tensor.js';
import { interpText, runWasm } from './helpers.js';

const dim = fc.constantFrom(1, 2, 3, 5, 7);
const ty = (dt: string, s: readonly number[]): string => `${dt}[${s.join(',')}]`;
const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** Deterministic pseudo-random tensor; integers in [lo, hi], floats in [lo, hi). */
function randT(dtype: string, shape: readonly number[], seed: number, lo = -9, hi = 9): Tensor {
  let s = seed >>> 0 || 1;
  const vals: (number | bigint)[] = [];
  for (let i = 0; i < numel(shape); i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    const u = (s >>> 8) / 2 ** 24;
    if (dtype === 'f32' || dtype === 'f64') vals.push(u * (hi - lo) + lo);
    else if (dtype === 'i64' || dtype === 'u64') vals.push(BigInt(Math.floor(u * (hi - lo + 1)) + lo));
    else vals.push(Math.floor(u * (hi - lo + 1)) + lo);
  }
  return tensorFrom(dtype as Tensor['dtype'], shape, vals);
}

const constI64 = (name: string, vals: readonly number[], shape: readonly number[]): string =>
  `    %${name} = const {value = dense<${shape.length ? `[${vals.join(', ')}]` : vals[0]}> : ${ty('i64', shape)}} : ${ty('i64', shape)}`;

const module = (args: string, results: string, body: readonly string[], ret: string): string =>
  ['module @m {', `  func @main(${args}) -> (${results}) {`, ...body, `    return ${ret}`, '  }', '}'].join('\n');

/** Exact equality of every output (dtype-generic). */
function expectSame(got: readonly Tensor[], want: readonly Tensor[]): void {
  expect(got.map((g) => g.shape)).toEqual(want.map((w) => w.shape));
  got.forEach((g, i) => expect(Array.from(g.data as ArrayLike<number | bigint>)).toEqual(Array.from(want[i]!.data as ArrayLike<number | bigint>)));
}

async function same(text: string, ins: readonly Tensor[], passes = ''): Promise<Tensor[]> {
  const got = await runWasm(text, ins, passes);
  expectSame(got, interpText(text, ins));
  return got;
}

describe('wasm gather_nd / scatter vs interpreter (fast-check)', () => {
  it('gather_nd with batch_dims and negative indices on f32, i64, u8', async () => {
    await fc.assert(fc.asyncProperty(fc.array(dim, { minLength: 1, maxLength: 4 }), fc.nat(), fc.nat(), fc.array(dim, { maxLength: 2 }), fc.constantFrom('f32', 'i64', 'u8'), fc.integer(), async (ds, bb, kk, extra, dt, seed) => {
      const b = bb % Math.min(ds.length, 3);
      const k = 1 + (kk % (ds.length - b));
      const ishape = [...ds.slice(0, b), ...extra, k];
      const vals = Array.from({ length: numel(ishape) }, (_, i) => {
        const d = ds[b + (i % k)]!;
        return ((i * 7919 + (seed >>> 0)) % (2 * d)) - d;
      });
      const oshape = [...ishape.slice(0, -1), ...ds.slice(b + k)];
      const text = module(`%x: ${ty(dt, ds)}`, `%y: ${ty(dt, oshape)}`, [
        constI64('i', vals, ishape),
        `    %y = gather_nd(%x, %i) {batch_dims = ${b}} : ${ty(dt, oshape)}`,
      ], '%y');
      await same(text, [randT(dt, ds, seed, 0, 200)]);
    }), { numRuns: 60 });
  });

  it('scatter_elements on any axis with reductions none/add/mul/max/min on f32, i32, i64', async () => {
    await fc.assert(fc.asyncProperty(fc.array(dim, { minLength: 1, maxLength: 3 }), fc.nat(), fc.constantFrom('none', 'add', 'mul', 'max', 'min'), fc.constantFrom('f32', 'i32', 'i64'), fc.integer(), async (ds, ax, red, dt, seed) => {
      const axis = ax % ds.length;
      const ishape = ds.map((d, i) => (i === axis ? 1 + ((seed >>> 3) % 4) : Math.max(1, d - ((seed >>> i) & 1))));
      const vals = Array.from({ length: numel(ishape) }, (_, i) => ((i * 31 + (seed >>> 0)) % (2 * ds[axis]!)) - ds[axis]!);
      const text = module(`%x: ${ty(dt, ds)}, %u: ${ty(dt, ishape)}`, `%y: ${ty(dt, ds)}`, [
        constI64('i', vals, ishape),
        `    %y = scatter_elements(%x, %i, %u) {axis = ${axis - (seed & 1 ? ds.length : 0)}, reduction = "${red}"} : ${ty(dt, ds)}`,
      ], '%y');
      await same(text, [randT(dt, ds, seed), randT(dt, ishape, seed + 1, -4, 4)]);
    }), { numRuns: 60 });
  });

  it('scatter_nd (slices and elements, repeated indices) with every reduction', async () => {
    await fc.assert(fc.asyncProperty(fc.array(dim, { minLength: 1, maxLength: 3 }), fc.nat(), fc.array(dim, { minLength: 1, maxLength: 2 }), fc.constantFrom('none', 'add', 'mul', 'max', 'min'), fc.constantFrom('f32', 'i64'), fc.integer(), async (ds, kk, lead, red, dt, seed) => {
      const k = 1 + (kk % ds.length);
      const ishape = [...lead, k];
      const ushape = [...lead, ...ds.slice(k)];
      const vals = Array.from({ length: numel(ishape) }, (_, i) => {
        const d = ds[i % k]!;
        return ((i * 13 + (seed >>> 0)) % (2 * d)) - d;
      });
      const text = module(`%x: ${ty(dt, ds)}, %u: ${ty(dt, ushape)}`, `%y: ${ty(dt, ds)}`, [
        constI64('i', vals, ishape),
        `    %y = scatter_nd(%x, %i, %u) {reduction = "${red}"} : ${ty(dt, ds)}`,
      ], '%y');
      await same(text, [randT(dt, ds, seed), randT(dt, ushape, seed + 1, -4, 4)]);
    }), { numRuns: 60 });
  });

  it('tensor_scatter linear (in-range write positions) and circular (any), with and without write_indices', async () => {
    await fc.assert(fc.asyncProperty(dim, fc.array(dim, { minLength: 0, maxLength: 2 }), fc.constantFrom(2, 3, 5, 7), dim, fc.boolean(), fc.boolean(), fc.integer(), async (B, mid, maxSeq, inner, circular, withIdx, seed) => {
      const seq = 1 + ((seed >>> 2) % maxSeq);
      const past = [B, ...mid, maxSeq, inner], upd = [B, ...mid, seq, inner];
      const axis = past.length - 2;
      const w = Array.from({ length: B }, (_, b) => (circular ? ((b * 5 + seed) % 11) - 5 : (b * 3 + (seed >>> 0)) % (maxSeq - seq + 1)));
      const text = module(`%p: ${ty('f32', past)}, %u: ${ty('f32', upd)}`, `%y: ${ty('f32', past)}`, [
        constI64('w', w, [B]),
        `    %y = tensor_scatter(%p, %u${withIdx ? ', %w' : ''}) {axis = ${seed & 1 ? axis : -2}, mode = "${circular ? 'circular' : 'linear'}"} : ${ty('f32', past)}`,
      ], '%y');
      await same(text, [randT('f32', past, seed), randT('f32', upd, seed + 1)]);
    }), { numRuns: 40 });
  });
});

describe('wasm top_k / eye_like / bit ops / cum vs interpreter (fast-check)', () => {
  it('top_k largest/smallest on any axis with ties (and NaN for floats) on f32, i32, i64, u64', async () => {
    await fc.assert(fc.asyncProperty(fc.array(dim, { minLength: 1, maxLength: 3 }), fc.nat(), fc.nat(), fc.nat(1), fc.constantFrom('f32', 'i32', 'i64', 'u64'), fc.integer(), async (ds, ax, kk, largest, dt, seed) => {
      const axis = ax % ds.length;
      const k = kk % (ds[axis]! + 1);
      const os = ds.map((d, i) => (i === axis ? k : d));
      const x = randT(dt, ds, seed, dt === 'u64' ? 0 : -3, 3);
      if (dt === 'f32') (x.data as Float32Array).forEach((_v, i, a) => { if ((i * 7 + seed) % 9 === 0) a[i] = NaN; });
      const text = module(`%x: ${ty(dt, ds)}`, `%v: ${ty(dt, os)}, %i: ${ty('i64', os)}`, [
        constI64('k', [k], [1]),
        `    %v, %i = top_k(%x, %k) {axis = ${axis - ds.length}, largest = ${largest}} : (${ty(dt, os)}, ${ty('i64', os)})`,
      ], '%v, %i');
      await same(text, [x]);
    }), { numRuns: 60 });
  });

  it('eye_like with any k and output dtype', async () => {
    await fc.assert(fc.asyncProperty(dim, dim, fc.integer({ min: -8, max: 8 }), fc.constantFrom('f32', 'f64', 'i64', 'i32', 'u8', 'bool'), async (r, c, k, dt) => {
      const text = module(`%x: ${ty('f32', [r, c])}`, `%y: ${ty(dt, [r, c])}`, [`    %y = eye_like(%x) {dtype = ${dt}, k = ${k}} : ${ty(dt, [r, c])}`], '%y');
      await same(text, [randT('f32', [r, c], k)]);
    }), { numRuns: 30 });
  });

  it('bit_shift LEFT/RIGHT on u8, u16, u32, u64 with broadcasting and counts past the width', async () => {
    await fc.assert(fc.asyncProperty(fc.array(dim, { minLength: 1, maxLength: 3 }), fc.boolean(), fc.constantFrom('u8', 'u16', 'u32', 'u64'), fc.boolean(), fc.integer(), async (ds, bcast, dt, left, seed) => {
      const bs = bcast ? ds.map((d, i) => (i === 0 ? d : 1)) : ds;
      const text = module(`%x: ${ty(dt, ds)}, %n: ${ty(dt, bs)}`, `%y: ${ty(dt, ds)}`, [`    %y = bit_shift(%x, %n) {direction = "${left ? 'LEFT' : 'RIGHT'}"} : ${ty(dt, ds)}`], '%y');
      await same(text, [randT(dt, ds, seed, 0, 255), randT(dt, bs, seed + 1, 0, 70)]);
    }), { numRuns: 40 });
  });

  it('bit_cast between same-width dtypes keeps the bytes', async () => {
    const pairs = [['f32', 'i32'], ['i32', 'f32'], ['f64', 'i64'], ['i64', 'f64'], ['i8', 'u8'], ['u32', 'i32'], ['i16', 'u16']] as const;
    await fc.assert(fc.asyncProperty(fc.array(dim, { minLength: 0, maxLength: 3 }), fc.constantFrom(...pairs), fc.integer(), async (ds, [from, to], seed) => {
      const text = module(`%x: ${ty(from, ds)}`, `%y: ${ty(to, ds)}`, [`    %y = bit_cast(%x) {to = ${to}} : ${ty(to, ds)}`], '%y');
      const got = await runWasm(text, [randT(from, ds, seed, -100, 100)], '');
      const want = interpText(text, [randT(from, ds, seed, -100, 100)]);
      // Compare bytes: NaN payloads from reinterpreted integers must survive too.
      const bytes = (t: Tensor): number[] => { const d = t.data as unknown as ArrayBufferView; return Array.from(new Uint8Array(d.buffer, d.byteOffset, d.byteLength)); };
      expect(bytes(got[0]!)).toEqual(bytes(want[0]!));
    }), { numRuns: 30 });
  });

  it('cum_sum / cum_prod on f64 (constant axis) and on i32/f32 with a run-time axis', async () => {
    await fc.assert(fc.asyncProperty(fc.array(dim, { minLength: 1, maxLength: 3 }), fc.nat(), fc.constantFrom('cum_sum', 'cum_prod'), fc.constantFrom('f64', 'i32', 'f32'), fc.nat(1), fc.nat(1), fc.integer(), async (ds, ax, op, dt, ex, rev, seed) => {
      const axis = (ax % ds.length) - (seed & 1 ? ds.length : 0);
      const runtime = dt !== 'f64' || (seed & 2) !== 0;
      const text = module(`%x: ${ty(dt, ds)}${runtime ? ', %a: i32[]' : ''}`, `%y: ${ty(dt, ds)}`, [
        ...(runtime ? [] : [`    %a = const {value = dense<${axis}> : i32[]} : i32[]`]),
        `    %y = ${op}(%x, %a) {exclusive = ${ex}, reverse = ${rev}} : ${ty(dt, ds)}`,
      ], '%y');
      const ins = [randT(dt, ds, seed, -3, 3), ...(runtime ? [tensorFrom('i32', [], [axis])] : [])];
      const got = await runWasm(text, ins, ''), want = interpText(text, ins);
      if (dt === 'i32') expectSame(got, want);
      else {
        const g = got[0]!.data as Float64Array, w = want[0]!.data as Float64Array;
        w.forEach((v, i) => expect(Math.abs(g[i]! - v)).toBeLessThanOrEqual(1e-6 * Math.abs(v) + 1e-9));
      }
    }), { numRuns: 50 });
  });
});

describe('wasm reverse_sequence / one_hot / center_crop_pad / det vs interpreter (fast-check)', () => {
  it('reverse_sequence with batch/time axes 0/1 either way, lengths 0..T+2', async () => {
    await fc.assert(fc.asyncProperty(dim, dim, fc.array(dim, { maxLength: 2 }), fc.boolean(), fc.constantFrom('f32', 'i64', 'u8'), fc.integer(), async (T, B, rest, batchFirst, dt, seed) => {
      const shape = batchFirst ? [B, T, ...rest] : [T, B, ...rest];
      const lens = Array.from({ length: B }, (_, b) => ((b * 5 + (seed >>> 0)) % (T + 3)));
      const text = module(`%x: ${ty(dt, shape)}`, `%y: ${ty(dt, shape)}`, [
        constI64('l', lens, [B]),
        `    %y = reverse_sequence(%x, %l) {batch_axis = ${batchFirst ? 0 : 1}, time_axis = ${batchFirst ? 1 : 0}} : ${ty(dt, shape)}`,
      ], '%y');
      await same(text, [randT(dt, shape, seed, 0, 100)]);
    }), { numRuns: 40 });
  });

  it('one_hot on any axis with i64/i32/f32 indices in and out of [-depth, depth)', async () => {
    await fc.assert(fc.asyncProperty(fc.array(dim, { maxLength: 2 }), fc.constantFrom(1, 3, 5), fc.nat(), fc.constantFrom('i64', 'i32', 'f32'), fc.constantFrom('f32', 'i64', 'i32'), fc.integer(), async (is, depth, ax, idt, vdt, seed) => {
      const axis = ax % (is.length + 1);
      const os = [...is.slice(0, axis), depth, ...is.slice(axis)];
      const text = module(`%i: ${ty(idt, is)}, %v: ${ty(vdt, [2])}`, `%y: ${ty(vdt, os)}`, [
        constI64('d', [depth], []),
        `    %y = one_hot(%i, %d, %v) {axis = ${axis - (seed & 1 ? is.length + 1 : 0)}} : ${ty(vdt, os)}`,
      ], '%y');
      await same(text, [randT(idt, is, seed, -depth - 2, depth + 2), randT(vdt, [2], seed + 1, -5, 5)]);
    }), { numRuns: 40 });
  });

  it('center_crop_pad cropping and padding (odd and even differences) on chosen axes', async () => {
    await fc.assert(fc.asyncProperty(fc.array(dim, { minLength: 1, maxLength: 3 }), fc.array(fc.constantFrom(1, 2, 4, 6, 7), { minLength: 3, maxLength: 3 }), fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), fc.constantFrom('f32', 'i64', 'u8'), fc.integer(), async (ds, want, pick, dt, seed) => {
      const axes = ds.map((_d, i) => i).filter((i) => pick[i]);
      const os = ds.map((d, i) => (pick[i] ? want[i]! : d));
      const text = module(`%x: ${ty(dt, ds)}`, `%y: ${ty(dt, os)}`, [
        constI64('s', axes.map((a) => want[a]!), [axes.length]),
        `    %y = center_crop_pad(%x, %s) {axes = [${axes.map((a) => a - (seed & 1 ? ds.length : 0)).join(', ')}]} : ${ty(dt, os)}`,
      ], '%y');
      await same(text, [randT(dt, ds, seed, 1, 100)]);
    }), { numRuns: 40 });
  });

  it('det of batches of n x n matrices (n = 1..5, singular ones included), f32 and f64', async () => {
    await fc.assert(fc.asyncProperty(fc.array(dim, { maxLength: 2 }), fc.integer({ min: 1, max: 5 }), fc.constantFrom('f32', 'f64'), fc.integer(), async (batch, n, dt, seed) => {
      const x = randT(dt, [...batch, n, n], seed, -3, 3);
      // Make some matrices singular: a repeated row.
      if (n > 1 && seed & 1) for (let j = 0; j < n; j++) (x.data as Float32Array)[n + j] = (x.data as Float32Array)[j]!;
      const text = module(`%x: ${ty(dt, [...batch, n, n])}`, `%y: ${ty(dt, batch)}`, [`    %y = det(%x) : ${ty(dt, batch)}`], '%y');
      const got = await runWasm(text, [x], ''), want = interpText(text, [x]);
      const g = got[0]!.data as Float64Array, w = want[0]!.data as Float64Array;
      expect(got[0]!.shape).toEqual(want[0]!.shape);
      w.forEach((v, i) => expect(Math.abs(g[i]! - v)).toBeLessThanOrEqual(1e-6 * Math.abs(v) + 1e-9));
    }), { numRuns: 40 });
  });
});

describe('wasm tf_idf_vectorizer vs interpreter (fast-check)', () => {
  it('random uni/bi/trigram pools, gram lengths, skips, modes and weights on [C] and [B, C] tokens', async () => {
    const gram = (n: number): fc.Arbitrary<number[][]> => fc.array(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: n, maxLength: n }), { minLength: 0, maxLength: 3 });
    await fc.assert(fc.asyncProperty(gram(1), gram(2), gram(3), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 2 }), fc.nat(3), fc.constantFrom('TF', 'IDF', 'TFIDF'), fc.boolean(), fc.boolean(), fc.constantFrom('i64', 'i32'), fc.integer(), async (g1, g2, g3, minN, span, skip, mode, withW, batched, dt, seed) => {
      const maxN = Math.min(3, minN + span);
      const pool = [...g1.flat(), ...g2.flat(), ...g3.flat()];
      fc.pre(pool.length > 0);
      const counts = [0, g1.length, g1.length + 2 * g2.length];
      const nGrams = g1.length + g2.length + g3.length;
      // Output columns: a permutation-ish mapping with a repeat, so columns may be shared.
      const indexes = Array.from({ length: nGrams }, (_, i) => (i * 5 + (seed >>> 0)) % (nGrams + 1));
      const out = Math.max(...indexes) + 1;
      const weights = Array.from({ length: out }, (_, i) => (i % 3) * 0.5 + 0.25);
      const xs = batched ? [2, 7] : [9];
      const ys = batched ? [2, out] : [out];
      const attrs = [`max_gram_length = ${maxN}`, `max_skip_count = ${skip}`, `min_gram_length = ${minN}`, `mode = "${mode}"`, `ngram_counts = [${counts.join(', ')}]`,
        `ngram_indexes = [${indexes.join(', ')}]`, `pool_int64s = [${pool.join(', ')}]`, ...(withW ? [`weights = [${weights.map((w) => w.toFixed(2)).join(', ')}]`] : [])];
      const text = module(`%x: ${ty(dt, xs)}`, `%y: ${ty('f32', ys)}`, [`    %y = tf_idf_vectorizer(%x) {${attrs.join(', ')}} : ${ty('f32', ys)}`], '%y');
      await same(text, [randT(dt, xs, seed, 0, 3)]);
    }), { numRuns: 50 });
  });
});

describe('wasm indexing kernels: hand-checked cases', () => {
  it('scatter_elements (ONNX example) and top_k (ONNX example)', async () => {
    const sc = module('%x: f32[3,3], %u: f32[2,3]', '%y: f32[3,3]', [
      constI64('i', [1, 0, 2, 0, 2, 1], [2, 3]),
      '    %y = scatter_elements(%x, %i, %u) : f32[3,3]',
    ], '%y');
    const [y] = await same(sc, [tensorFrom('f32', [3, 3], new Array(9).fill(0)), tensorFrom('f32', [2, 3], [1, 1.1, 1.2, 2, 2.1, 2.2])]);
    expect(Array.from(y!.data as Float32Array)).toEqual([2, 1.1, 0, 1, 0, 2.2, 0, 2.1, 1.2].map(Math.fround));
    const tk = module('%x: f32[3,4]', '%v: f32[3,3], %i: i64[3,3]', [constI64('k', [3], [1]), '    %v, %i = top_k(%x, %k) : (f32[3,3], i64[3,3])'], '%v, %i');
    const [v, i] = await same(tk, [tensorFrom('f32', [3, 4], Array.from({ length: 12 }, (_, j) => j))]);
    expect(Array.from(v!.data as Float32Array)).toEqual([3, 2, 1, 7, 6, 5, 11, 10, 9]);
    expect(Array.from(i!.data as BigInt64Array)).toEqual([3n, 2n, 1n, 3n, 2n, 1n, 3n, 2n, 1n]);
  });

  it('out-of-range indices are refused naming the op (were clamped into the dim: a wrong answer, exit 0)', async () => {
    // gather_nd of row 99, scatter_nd to row -40, scatter_elements to row 3 of 3 rows: the
    // interpreter raises E501 and the run fails naming the op, the index and the size.
    const x = tensorFrom('f32', [3, 2], [1, 2, 3, 4, 5, 6]), u = tensorFrom('f32', [2, 2], [10, 20, 30, 40]);
    const cases: [string, string, RegExp][] = [
      ['gather_nd', '    %y = gather_nd(%x, %i) : f32[2,2]', /^tenth runtime: gather_nd %y at test\.ir:4:5: index 99 is out of range for a dim of size 3 \(valid: -3 to 2\)$/],
      ['scatter_nd', '    %y = scatter_nd(%x, %i, %u) : f32[3,2]', /^tenth runtime: scatter_nd %y at test\.ir:4:5: index 99 is out of range for a dim of size 3/],
    ];
    for (const [, line, want] of cases) {
      const res = line.includes('gather_nd') ? 'f32[2,2]' : 'f32[3,2]';
      const text = module('%x: f32[3,2], %u: f32[2,2]', `%y: ${res}`, [constI64('i', [99, -40], [2, 1]), line], '%y');
      expect(() => interpText(text, [x, u])).toThrow(/E501/);
      await expect(runWasm(text, [x, u], '')).rejects.toThrow(want);
    }
    const se = module('%x: f32[3,2], %u: f32[1,2]', '%y: f32[3,2]', [constI64('i', [0, 3], [1, 2]), '    %y = scatter_elements(%x, %i, %u) : f32[3,2]'], '%y');
    expect(() => interpText(se, [x, tensorFrom('f32', [1, 2], [7, 8])])).toThrow(/E501/);
    await expect(runWasm(se, [x, tensorFrom('f32', [1, 2], [7, 8])], '')).rejects.toThrow(/^tenth runtime: scatter_elements %y at test\.ir:4:5: index 3 is out of range for a dim of size 3/);
  });
});
