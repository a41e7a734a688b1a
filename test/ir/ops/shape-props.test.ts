// Shape family properties (fast-check): each op against a plainly written naive loop on random
// shapes, plus round-trip identities (transpose/inverse, concat/split, pad/slice, reshape).

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sizeOf, stridesOf, tensorFrom } from '../../../ir/tensor.js';
import { attr, f32, i64, iota, k, nums, one, run } from './shape-helpers.js';

const shapeArb = (minRank: number, maxRank: number, maxDim = 4) => fc.array(fc.integer({ min: 1, max: maxDim }), { minLength: minRank, maxLength: maxRank });
const permOf = (rank: number) => fc.shuffledSubarray(Array.from({ length: rank }, (_, i) => i), { minLength: rank, maxLength: rank });

/** Multi-index of flat position i in shape. */
function unravel(i: number, shape: readonly number[]): number[] {
  const st = stridesOf(shape);
  return shape.map((_, d) => Math.floor(i / st[d]!) % shape[d]!);
}
const ravel = (idx: readonly number[], shape: readonly number[]): number => idx.reduce((acc, v, d) => acc * shape[d]! + v, 0);

/**
 * The ONNX Slice spec, written out as a loop: negative bounds count from the end; start is clamped
 * to [0, len] (forward) or [0, len-1] (backward), end to [0, len] or [-1, len-1]. (numpy differs
 * only for start < -len with a negative step, where it yields nothing; ORT follows the spec.)
 */
function specRange(start: number, stop: number, step: number, len: number): number[] {
  const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);
  let a = start < 0 ? start + len : start, b = stop < 0 ? stop + len : stop;
  if (step > 0) { a = clamp(a, 0, len); b = clamp(b, 0, len); } else { a = clamp(a, 0, len - 1); b = clamp(b, -1, len - 1); }
  const out: number[] = [];
  for (let i = a; step > 0 ? i < b : i > b; i += step) out.push(i);
  return out;
}

describe('shape family properties', () => {
  it('transpose agrees with a naive loop and its inverse perm restores the input', () => {
    fc.assert(fc.property(shapeArb(1, 5).chain((s) => fc.tuple(fc.constant(s), permOf(s.length))), ([shape, perm]) => {
      const x = iota(shape);
      const y = one('transpose', [x], { perm: attr.ints(perm) });
      const outShape = perm.map((p) => shape[p]!);
      expect(y.shape).toEqual(outShape);
      const want = Array.from({ length: sizeOf(outShape) }, (_, o) => {
        const oi = unravel(o, outShape);
        const ii = new Array<number>(shape.length);
        perm.forEach((p, d) => { ii[p] = oi[d]!; });
        return ravel(ii, shape);
      });
      expect(nums(y)).toEqual(want);
      const inv = new Array<number>(perm.length);
      perm.forEach((p, i) => { inv[p] = i; });
      expect(nums(one('transpose', [y], { perm: attr.ints(inv) }))).toEqual(nums(x));
    }), { numRuns: 60 });
  });

  it('slice agrees with a naive reference on random shapes, starts, ends and steps', () => {
    const spec = fc.tuple(fc.integer({ min: -7, max: 7 }), fc.integer({ min: -7, max: 7 }), fc.integer({ min: -3, max: 3 }).filter((s) => s !== 0));
    fc.assert(fc.property(shapeArb(1, 3, 5).chain((s) => fc.tuple(fc.constant(s), fc.array(spec, { minLength: s.length, maxLength: s.length }))), ([shape, specs]) => {
      const x = iota(shape);
      const axes = specs.map((_, i) => i);
      const y = one('slice', [x, k(i64([axes.length], specs.map((s) => s[0]))), k(i64([axes.length], specs.map((s) => s[1]))),
        k(i64([axes.length], axes)), k(i64([axes.length], specs.map((s) => s[2])))]);
      const ranges = shape.map((d, i) => specRange(specs[i]![0], specs[i]![1], specs[i]![2], d));
      const outShape = ranges.map((r) => r.length);
      expect(y.shape).toEqual(outShape);
      const want = Array.from({ length: sizeOf(outShape) }, (_, o) => ravel(unravel(o, outShape).map((v, d) => ranges[d]![v]!), shape));
      expect(nums(y)).toEqual(want);
    }), { numRuns: 100 });
  });

  it('reshape preserves data in order', () => {
    fc.assert(fc.property(shapeArb(1, 4), fc.integer({ min: 0, max: 3 }), (shape, cut) => {
      const x = iota(shape);
      const c = Math.min(cut, shape.length);
      const target = [sizeOf(shape.slice(0, c)), -1];
      const y = one('reshape', [x, k(i64([2], target))]);
      expect(y.shape).toEqual([sizeOf(shape.slice(0, c)), sizeOf(shape.slice(c))]);
      expect(nums(y)).toEqual(nums(x));
    }));
  });

  it('concat then split recovers the parts', () => {
    fc.assert(fc.property(shapeArb(1, 3), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 4 }), fc.nat(), (base, sizes, ax) => {
      const axis = ax % base.length;
      let next = 0;
      const parts = sizes.map((s) => {
        const shape = base.map((d, i) => (i === axis ? s : d));
        const t = f32(shape, Array.from({ length: sizeOf(shape) }, () => next++));
        return t;
      });
      const c = one('concat', parts, { axis: attr.int(axis) });
      expect(c.shape[axis]).toBe(sizes.reduce((a, b) => a + b, 0));
      const back = run('split', [c, k(i64([sizes.length], sizes))], { axis: attr.int(axis) }, sizes.length).out;
      back.forEach((b, i) => {
        expect(b.shape).toEqual(parts[i]!.shape);
        expect(nums(b)).toEqual(nums(parts[i]!));
      });
    }));
  });

  it('gather agrees with a naive loop (negative indices wrap)', () => {
    fc.assert(fc.property(shapeArb(1, 3).chain((s) => fc.tuple(fc.constant(s), fc.integer({ min: 0, max: s.length - 1 }))),
      fc.array(fc.integer({ min: -100, max: 100 }), { minLength: 0, maxLength: 5 }), ([shape, axis], raw) => {
        const dim = shape[axis]!;
        const idx = raw.map((r) => (((r % (2 * dim)) + 2 * dim) % (2 * dim)) - dim); // in [-dim, dim)
        const y = one('gather', [iota(shape), i64([idx.length], idx)], { axis: attr.int(axis) });
        const outShape = [...shape.slice(0, axis), idx.length, ...shape.slice(axis + 1)];
        expect(y.shape).toEqual(outShape);
        const want = Array.from({ length: sizeOf(outShape) }, (_, o) => {
          const oi = unravel(o, outShape);
          const j = idx[oi[axis]!]!;
          oi[axis] = j < 0 ? j + dim : j;
          return ravel(oi, shape);
        });
        expect(nums(y)).toEqual(want);
      }));
  });

  it('constant pad then slice back recovers the input; edge pad repeats the border', () => {
    fc.assert(fc.property(shapeArb(1, 3), fc.array(fc.nat({ max: 3 }), { minLength: 6, maxLength: 6 }), (shape, p) => {
      const r = shape.length;
      const before = p.slice(0, r), after = p.slice(3, 3 + r);
      const x = iota(shape);
      const y = one('pad', [x, k(i64([2 * r], [...before, ...after])), f32([], [-1])]);
      expect(y.shape).toEqual(shape.map((d, i) => d + before[i]! + after[i]!));
      const back = one('slice', [y, k(i64([r], before)), k(i64([r], shape.map((d, i) => before[i]! + d)))]);
      expect(nums(back)).toEqual(nums(x));
      const e = one('pad', [x, k(i64([2 * r], [...before, ...after]))], { mode: attr.string('edge') });
      const want = Array.from({ length: sizeOf(e.shape) }, (_, o) =>
        ravel(unravel(o, e.shape).map((v, d) => Math.min(Math.max(v - before[d]!, 0), shape[d]! - 1)), shape));
      expect(nums(e)).toEqual(want);
    }));
  });

  it('nearest resize with integer scales (asymmetric, floor) repeats elements', () => {
    fc.assert(fc.property(shapeArb(1, 3), fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 3, maxLength: 3 }), (shape, sc) => {
      const scales = shape.map((_, i) => sc[i]!);
      const y = one('resize', [iota(shape), null, k(f32([scales.length], scales)), null], {
        coordinate_transformation_mode: attr.string('asymmetric'), nearest_mode: attr.string('floor'),
      });
      const outShape = shape.map((d, i) => d * scales[i]!);
      expect(y.shape).toEqual(outShape);
      expect(nums(y)).toEqual(Array.from({ length: sizeOf(outShape) }, (_, o) =>
        ravel(unravel(o, outShape).map((v, d) => Math.floor(v / scales[d]!)), shape)));
    }), { numRuns: 50 });
  });

  it('linear and cubic resize at scale 1 are the identity; linear upsampling stays within the input range', () => {
    fc.assert(fc.property(shapeArb(2, 3), fc.constantFrom('linear', 'cubic'), (shape, mode) => {
      const x = iota(shape);
      const ones = shape.map(() => 1);
      expect(nums(one('resize', [x, null, k(f32([shape.length], ones)), null], { mode: attr.string(mode) }))).toEqual(nums(x));
      const up = one('resize', [x, null, k(f32([shape.length], shape.map(() => 2))), null], { mode: attr.string('linear') });
      for (const v of nums(up)) { expect(v).toBeGreaterThanOrEqual(0); expect(v).toBeLessThanOrEqual(sizeOf(shape) - 1); }
    }), { numRuns: 30 });
  });

  it('scatter_nd then gather_nd at distinct indices returns the updates', () => {
    fc.assert(fc.property(shapeArb(2, 3), fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), (shape, picks) => {
      const rows = [...new Set(picks.map((p) => p % shape[0]!))];
      const inner = sizeOf(shape.slice(1));
      const upd = f32([rows.length, ...shape.slice(1)], Array.from({ length: rows.length * inner }, (_, i) => -1 - i));
      const ind = i64([rows.length, 1], rows);
      const y = one('scatter_nd', [iota(shape), ind, upd]);
      expect(nums(one('gather_nd', [y, ind]))).toEqual(nums(upd));
      const untouched = Array.from({ length: shape[0]! }, (_, r) => r).filter((r) => !rows.includes(r));
      for (const r of untouched) expect(nums(y).slice(r * inner, (r + 1) * inner)).toEqual(nums(iota(shape)).slice(r * inner, (r + 1) * inner));
    }));
  });

  it('every data-movement op keeps i64 exact and moves strings', () => {
    const big = tensorFrom('i64', [2, 2], [2n ** 60n + 1n, -(2n ** 62n), 3n, 4n]);
    expect(one('transpose', [big]).data).toEqual(new BigInt64Array([2n ** 60n + 1n, 3n, -(2n ** 62n), 4n]));
    expect(one('gather', [big, i64([1], [1])]).data).toEqual(new BigInt64Array([3n, 4n]));
    expect(one('slice', [big, k(i64([1], [1])), k(i64([1], [2])), k(i64([1], [1]))]).data).toEqual(new BigInt64Array([-(2n ** 62n), 4n]));
    expect(one('concat', [big, big], { axis: attr.int(0) }).data.length).toBe(8);
    const s = tensorFrom('string', [3], ['x', 'y', 'z']);
    expect(one('gather', [s, i64([2], [2, 0])]).data).toEqual(['z', 'x']);
    expect(one('pad', [s, k(i64([2], [1, 0])), tensorFrom('string', [], ['-'])]).data).toEqual(['-', 'x', 'y', 'z']);
    expect(one('tile', [s, k(i64([1], [2]))]).data).toEqual(['x', 'y', 'z', 'x', 'y', 'z']);
  });
});
