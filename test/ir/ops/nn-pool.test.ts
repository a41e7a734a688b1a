import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attr } from '../../../ir/attrs.js';
import { tensorFrom, toNumbers } from '../../../ir/tensor.js';
import { inferTypes, maxRelErr, prod, randomValues, runOp } from './nn-helpers.js';

interface PoolParams { k: number[]; s: number[]; d: number[]; pads: number[]; includePad: boolean }

/** Naive 2-D pooling with explicit pads (floor mode), one plane at a time. */
function naivePool2d(x: number[], shape: number[], kind: 'max' | 'avg', p: PoolParams): { y: number[]; idx: number[]; shape: number[] } {
  const [N, C, H, W] = shape as [number, number, number, number];
  const OH = Math.floor((H + p.pads[0]! + p.pads[2]! - ((p.k[0]! - 1) * p.d[0]! + 1)) / p.s[0]!) + 1;
  const OW = Math.floor((W + p.pads[1]! + p.pads[3]! - ((p.k[1]! - 1) * p.d[1]! + 1)) / p.s[1]!) + 1;
  const y: number[] = [], idx: number[] = [];
  for (let nc = 0; nc < N * C; nc++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
    let best = -Infinity, arg = -1, sum = 0, n = 0, padded = 0;
    for (let a = 0; a < p.k[0]!; a++) for (let b = 0; b < p.k[1]!; b++) {
      const h = oh * p.s[0]! - p.pads[0]! + a * p.d[0]!, w = ow * p.s[1]! - p.pads[1]! + b * p.d[1]!;
      if (h >= -p.pads[0]! && h < H + p.pads[2]! && w >= -p.pads[1]! && w < W + p.pads[3]!) padded++;
      if (h < 0 || h >= H || w < 0 || w >= W) continue;
      const i = nc * H * W + h * W + w;
      if (x[i]! > best) { best = x[i]!; arg = i; }
      sum += x[i]!; n++;
    }
    y.push(kind === 'max' ? best : sum / (p.includePad ? padded : n));
    idx.push(arg);
  }
  return { y, idx, shape: [N, C, OH, OW] };
}

describe('pooling', () => {
  it('max_pool and average_pool on a hand-checked 4x4 image', () => {
    const x = tensorFrom('f32', [1, 1, 4, 4], Array.from({ length: 16 }, (_, i) => i));
    const [m, ind] = runOp('max_pool', [x], { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]) }, 2);
    expect(toNumbers(m!)).toEqual([5, 7, 13, 15]);
    expect(toNumbers(ind!)).toEqual([5, 7, 13, 15]);
    const [cm] = runOp('max_pool', [x], { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]), storage_order: attr.int(1) }, 2);
    expect(toNumbers(cm!)).toEqual([5, 7, 13, 15]);
    const [, cmi] = runOp('max_pool', [x], { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]), storage_order: attr.int(1) }, 2);
    // column-major: (h, w) -> w * H + h
    expect(toNumbers(cmi!)).toEqual([5, 13, 7, 15]);
    const [a] = runOp('average_pool', [x], { kernel_shape: attr.ints([3, 3]), pads: attr.ints([1, 1, 1, 1]), strides: attr.ints([3, 3]) });
    // windows rows/cols {-1,0,1} and {2,3,4}: corner means over in-image taps only
    expect(toNumbers(a!)).toEqual([(0 + 1 + 4 + 5) / 4, (2 + 3 + 6 + 7) / 4, (8 + 9 + 12 + 13) / 4, (10 + 11 + 14 + 15) / 4]);
    const [ai] = runOp('average_pool', [x], { kernel_shape: attr.ints([3, 3]), pads: attr.ints([1, 1, 1, 1]), strides: attr.ints([3, 3]), count_include_pad: attr.int(1) });
    expect(toNumbers(ai!)).toEqual([10 / 9, 18 / 9, 42 / 9, 50 / 9].map(Math.fround));
  });

  it('ceil_mode adds a partial last window but drops one that starts in the padding', () => {
    const x = tensorFrom('f32', [1, 1, 1, 5], [1, 2, 3, 4, 5]);
    const [c] = runOp('max_pool', [x], { kernel_shape: attr.ints([1, 2]), strides: attr.ints([1, 2]), ceil_mode: attr.int(1) });
    expect(toNumbers(c!)).toEqual([2, 4, 5]);
    const [f] = runOp('max_pool', [x], { kernel_shape: attr.ints([1, 2]), strides: attr.ints([1, 2]) });
    expect(toNumbers(f!)).toEqual([2, 4]);
    // in 4 + end pad 1, k 2, s 2: ceil gives 3 windows, but the third starts at 4 = in + pad_begin: dropped
    const y = tensorFrom('f32', [1, 1, 4], [1, 2, 3, 4]);
    const [d] = runOp('average_pool', [y], { kernel_shape: attr.ints([2]), strides: attr.ints([2]), pads: attr.ints([0, 1]), ceil_mode: attr.int(1) });
    expect(toNumbers(d!)).toEqual([1.5, 3.5]);
  });

  it('matches naive 2-D max/average pooling with pads, strides and dilations', () => {
    fc.assert(fc.property(
      fc.record({
        h: fc.integer({ min: 1, max: 9 }), w: fc.integer({ min: 1, max: 9 }), c: fc.integer({ min: 1, max: 3 }),
        k: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
        s: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
        d: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
        pads: fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })),
        includePad: fc.boolean(), seed: fc.integer(),
      }),
      (q) => {
        const ek = q.k.map((k, i) => (k - 1) * q.d[i]! + 1);
        // ONNX requires pads smaller than the kernel; keep every window overlapping the image.
        const pads = q.pads.map((p, i) => Math.min(p, q.k[i % 2]! - 1));
        const shape = [1, q.c, Math.max(q.h, ek[0]!), Math.max(q.w, ek[1]!)];
        const xv = randomValues(prod(shape), q.seed);
        const p: PoolParams = { k: q.k, s: q.s, d: q.d, pads, includePad: q.includePad };
        const attrs = { kernel_shape: attr.ints(q.k), strides: attr.ints(q.s), dilations: attr.ints(q.d), pads: attr.ints(pads) };
        const x = tensorFrom('f32', shape, xv);
        const rm = naivePool2d(xv, shape, 'max', p);
        const [m, mi] = runOp('max_pool', [x], attrs, 2);
        expect(m!.shape).toEqual(rm.shape);
        expect(toNumbers(m!)).toEqual(rm.y);
        expect(toNumbers(mi!)).toEqual(rm.idx);
        const ra = naivePool2d(xv, shape, 'avg', p);
        const [a] = runOp('average_pool', [x], { ...attrs, count_include_pad: attr.int(q.includePad ? 1 : 0) });
        expect(maxRelErr(a!, ra.y)).toBeLessThan(1e-6);
      },
    ), { numRuns: 150 });
  });

  it('global pools reduce every spatial dim; shapes stay symbolic in the batch', () => {
    const x = tensorFrom('f32', [1, 2, 2, 2], [1, 2, 3, 4, -1, -2, -3, -4]);
    expect(toNumbers(runOp('global_average_pool', [x])[0]!)).toEqual([2.5, -2.5]);
    expect(toNumbers(runOp('global_max_pool', [x])[0]!)).toEqual([4, -1]);
    expect(toNumbers(runOp('global_lp_pool', [x], { p: attr.int(1) })[0]!)).toEqual([10, 10]);
    expect(inferTypes('global_average_pool', [{ dtype: 'f32', shape: ['N', 8, 'H', 'W'] }])[0]!.shape).toEqual(['N', 8, 1, 1]);
    expect(inferTypes('max_pool', [{ dtype: 'f32', shape: ['N', 8, 'H', 9] }], { kernel_shape: attr.ints([3, 3]), auto_pad: attr.string('SAME_UPPER'), strides: attr.ints([2, 2]) })[0]!.shape)
      .toEqual(['N', 8, 'ceildiv(H,2)', 5]);
  });

  it('lp_pool takes the p-norm of each window and max_unpool scatters back', () => {
    const x = tensorFrom('f32', [1, 1, 4], [3, 4, -6, 8]);
    expect(toNumbers(runOp('lp_pool', [x], { kernel_shape: attr.ints([2]), strides: attr.ints([2]) })[0]!)).toEqual([5, 10]);
    const [u] = runOp('max_unpool', [tensorFrom('f32', [1, 1, 2], [7, 9]), tensorFrom('i64', [1, 1, 2], [1, 2])], { kernel_shape: attr.ints([2]), strides: attr.ints([2]) });
    expect(toNumbers(u!)).toEqual([0, 7, 9, 0]);
  });
});
