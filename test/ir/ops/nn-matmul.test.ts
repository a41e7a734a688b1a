import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attr } from '../../../ir/attrs.js';
import { tensorFrom, toNumbers } from '../../../ir/tensor.js';
import { inferTypes, maxRelErr, prod, randomValues, runOp } from './nn-helpers.js';

/** Naive numpy matmul over already-promoted 2-D-or-more shapes with broadcast batch dims. */
function naiveMatmul(a: number[], as: number[], b: number[], bs: number[]): { y: number[]; shape: number[] } {
  const M = as[as.length - 2]!, K = as[as.length - 1]!, N = bs[bs.length - 1]!;
  const ab = as.slice(0, -2), bb = bs.slice(0, -2);
  const r = Math.max(ab.length, bb.length);
  const pad = (s: number[]): number[] => [...new Array<number>(r - s.length).fill(1), ...s];
  const pa = pad(ab), pb = pad(bb);
  const batch = pa.map((d, i) => Math.max(d, pb[i]!));
  const y: number[] = [];
  for (let t = 0; t < prod(batch); t++) {
    const at: number[] = [];
    let rem = t;
    for (let i = r - 1; i >= 0; i--) { at[i] = rem % batch[i]!; rem = Math.floor(rem / batch[i]!); }
    const flat = (s: number[]): number => at.reduce((acc, v, i) => acc * s[i]! + (s[i] === 1 ? 0 : v), 0);
    const ao = flat(pa) * M * K, bo = flat(pb) * K * N;
    for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += a[ao + i * K + k]! * b[bo + k * N + j]!;
      y.push(s);
    }
  }
  return { y, shape: [...batch, M, N] };
}

describe('matmul', () => {
  it('multiplies hand-checked matrices and promotes 1-D operands', () => {
    const a = tensorFrom('f32', [2, 3], [1, 2, 3, 4, 5, 6]);
    const b = tensorFrom('f32', [3, 2], [1, 0, 0, 1, 1, 1]);
    expect(toNumbers(runOp('matmul', [a, b])[0]!)).toEqual([4, 5, 10, 11]);
    const v = tensorFrom('f32', [3], [1, 1, 1]);
    const [av] = runOp('matmul', [a, v]);
    expect(av!.shape).toEqual([2]);
    expect(toNumbers(av!)).toEqual([6, 15]);
    const [vv] = runOp('matmul', [v, v]);
    expect(vv!.shape).toEqual([]);
    expect(toNumbers(vv!)).toEqual([3]);
    const [vb] = runOp('matmul', [tensorFrom('f32', [2], [1, 2]), tensorFrom('f32', [4, 2, 1], [1, 2, 3, 4, 5, 6, 7, 8])]);
    expect(vb!.shape).toEqual([4, 1]);
    expect(toNumbers(vb!)).toEqual([5, 11, 17, 23]);
  });

  it('matches a naive loop with broadcast batch dims', () => {
    fc.assert(fc.property(
      fc.record({
        M: fc.integer({ min: 1, max: 5 }), K: fc.integer({ min: 1, max: 5 }), N: fc.integer({ min: 1, max: 5 }),
        ab: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 3 }), mask: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
        extra: fc.integer({ min: 0, max: 1 }), seed: fc.integer(),
      }),
      (p) => {
        // b's batch dims: a's with some set to 1, plus optionally one leading dim.
        const bb = [...(p.extra ? [2] : []), ...p.ab.map((d, i) => (p.mask[i] ? 1 : d))];
        const aShape = [...p.ab.map((d, i) => (p.mask[(i + 1) % 3] ? d : 1)), p.M, p.K], bShape = [...bb, p.K, p.N];
        const av = randomValues(prod(aShape), p.seed), bv = randomValues(prod(bShape), p.seed + 1);
        const ref = naiveMatmul(av, aShape, bv, bShape);
        const [y] = runOp('matmul', [tensorFrom('f32', aShape, av), tensorFrom('f32', bShape, bv)]);
        expect(y!.shape).toEqual(ref.shape);
        expect(maxRelErr(y!, ref.y)).toBeLessThan(1e-6);
      },
    ), { numRuns: 150 });
  });

  it('keeps integer matmul exact and symbolic dims in the shape rule', () => {
    const [y] = runOp('matmul', [tensorFrom('i32', [1, 2], [100000, 3]), tensorFrom('i32', [2, 1], [30000, -7])]);
    expect(toNumbers(y!)).toEqual([3000000000 - 21 - 2 ** 32]); // int32 wraps like numpy
    const [t] = inferTypes('matmul', [{ dtype: 'f32', shape: ['b', 'seq', 128] }, { dtype: 'f32', shape: [128, 64] }]);
    expect(t!.shape).toEqual(['b', 'seq', 64]);
    expect(() => inferTypes('matmul', [{ dtype: 'f32', shape: [2, 3] }, { dtype: 'f32', shape: [4, 5] }])).toThrow(/inner dims/);
  });
});

describe('gemm', () => {
  it('applies transA, transB, alpha, beta and a broadcast C', () => {
    const a = tensorFrom('f32', [3, 2], [1, 4, 2, 5, 3, 6]); // A^T = [[1,2,3],[4,5,6]]
    const b = tensorFrom('f32', [2, 3], [1, 0, 1, 0, 1, 1]); // B^T = [[1,0],[0,1],[1,1]]
    const c = tensorFrom('f32', [2], [10, 20]);
    const [y] = runOp('gemm', [a, b, c], { transA: attr.int(1), transB: attr.int(1), alpha: attr.float(2), beta: attr.float(0.5) });
    // A^T B^T = [[4,5],[10,11]]
    expect(toNumbers(y!)).toEqual([13, 20, 25, 32]);
    const [n] = runOp('gemm', [tensorFrom('f32', [1, 2], [1, 2]), tensorFrom('f32', [2, 2], [1, 2, 3, 4]), null]);
    expect(toNumbers(n!)).toEqual([7, 10]);
    const [t] = inferTypes('gemm', [{ dtype: 'f32', shape: ['batch', 64] }, { dtype: 'f32', shape: [10, 64] }, { dtype: 'f32', shape: [10] }], { transB: attr.int(1) });
    expect(t!.shape).toEqual(['batch', 10]);
  });
});

describe('einsum', () => {
  it('handles transpose, sums, diagonals with ellipsis, batched products and implicit output', () => {
    const x = tensorFrom('f32', [2, 3], [1, 2, 3, 4, 5, 6]);
    expect(toNumbers(runOp('einsum', [x], { equation: attr.string('ij->ji') })[0]!)).toEqual([1, 4, 2, 5, 3, 6]);
    expect(toNumbers(runOp('einsum', [x], { equation: attr.string('ij->i') })[0]!)).toEqual([6, 15]);
    expect(toNumbers(runOp('einsum', [x], { equation: attr.string('ij') })[0]!)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(toNumbers(runOp('einsum', [x], { equation: attr.string('ji') })[0]!)).toEqual([1, 4, 2, 5, 3, 6]);
    const sq = tensorFrom('f32', [2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]);
    const [d] = runOp('einsum', [sq], { equation: attr.string('...ii->...i') });
    expect(d!.shape).toEqual([2, 2]);
    expect(toNumbers(d!)).toEqual([1, 4, 5, 8]);
    const [tr] = runOp('einsum', [sq], { equation: attr.string('bii') });
    expect(toNumbers(tr!)).toEqual([5, 13]);
    const [bm] = runOp('einsum', [sq, sq], { equation: attr.string('bij, bjk -> bik') });
    const ref = runOp('matmul', [sq, sq])[0]!;
    expect(toNumbers(bm!)).toEqual(toNumbers(ref));
  });
});

describe('nn ops on other dtypes', () => {
  it('keeps result dtypes for f16, f64, i64 and u8 inputs', () => {
    const [mi] = runOp('matmul', [tensorFrom('i64', [1, 2], [3n, -4n]), tensorFrom('i64', [2, 1], [5n, 6n])]);
    expect(mi!.dtype).toBe('i64');
    expect(Array.from(mi!.data as BigInt64Array)).toEqual([-9n]);
    // beyond 2^53 the product stays exact
    const [big] = runOp('matmul', [tensorFrom('i64', [1, 1], [2n ** 40n + 1n]), tensorFrom('i64', [1, 1], [2n ** 20n + 1n])]);
    expect(Array.from(big!.data as BigInt64Array)).toEqual([(2n ** 40n + 1n) * (2n ** 20n + 1n)]);
    const [ch] = runOp('conv', [tensorFrom('f16', [1, 1, 3], [0.1, 0.2, 0.3]), tensorFrom('f16', [1, 1, 2], [1, 1]), null]);
    expect(ch!.dtype).toBe('f16');
    // 0.1 + 0.2 in float16 values, rounded back to float16
    expect(toNumbers(ch!)[0]).toBeCloseTo(0.2999, 3);
    const [pu] = runOp('max_pool', [tensorFrom('u8', [1, 1, 4], [1, 200, 255, 3])], { kernel_shape: attr.ints([2]), strides: attr.ints([2]) });
    expect(pu!.dtype).toBe('u8');
    expect(toNumbers(pu!)).toEqual([200, 255]);
    const [gd] = runOp('gemm', [tensorFrom('f64', [1, 1], [0.1]), tensorFrom('f64', [1, 1], [0.2]), null]);
    expect(toNumbers(gd!)).toEqual([0.1 * 0.2]);
  });
});
