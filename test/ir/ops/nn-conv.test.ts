import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attr } from '../../../ir/attrs.js';
import { tensorFrom, toNumbers } from '../../../ir/tensor.js';
import { inferTypes, maxRelErr, naiveConv, prod, randomValues, runOp } from './nn-helpers.js';

describe('conv', () => {
  it('computes a hand-checked 2x2 kernel over a 3x3 image, with pads and bias', () => {
    const x = tensorFrom('f32', [1, 1, 3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const w = tensorFrom('f32', [1, 1, 2, 2], [1, 1, 1, 1]);
    const [y] = runOp('conv', [x, w, null]);
    expect(y!.shape).toEqual([1, 1, 2, 2]);
    expect(toNumbers(y!)).toEqual([12, 16, 24, 28]);
    const b = tensorFrom('f32', [1], [10]);
    const [yp] = runOp('conv', [x, w, b], { pads: attr.ints([1, 1, 0, 0]), strides: attr.ints([2, 2]) });
    // windows start at (-1,-1), (-1,1), (1,-1), (1,1): sums 1, 2+3, 4+7, 5+6+8+9, plus bias 10
    expect(toNumbers(yp!)).toEqual([11, 15, 21, 38]);
  });

  it('matches a naive convolution on random shapes, strides, pads, dilations and groups', () => {
    fc.assert(fc.property(
      fc.record({
        rank: fc.integer({ min: 1, max: 3 }), n: fc.integer({ min: 1, max: 2 }), group: fc.integer({ min: 1, max: 3 }),
        cg: fc.integer({ min: 1, max: 3 }), mg: fc.integer({ min: 1, max: 3 }), seed: fc.integer(),
        dims: fc.array(fc.record({
          size: fc.integer({ min: 1, max: 7 }), k: fc.integer({ min: 1, max: 3 }), s: fc.integer({ min: 1, max: 3 }),
          d: fc.integer({ min: 1, max: 2 }), pb: fc.integer({ min: 0, max: 2 }), pe: fc.integer({ min: 0, max: 2 }),
        }), { minLength: 3, maxLength: 3 }),
        bias: fc.boolean(),
      }),
      (p) => {
        const dims = p.dims.slice(0, p.rank).map((d) => ({ ...d, size: Math.max(d.size, (d.k - 1) * d.d + 1 - d.pb - d.pe) }));
        const C = p.cg * p.group, M = p.mg * p.group;
        const xs = [p.n, C, ...dims.map((d) => d.size)], ws = [M, p.cg, ...dims.map((d) => d.k)];
        const xv = randomValues(prod(xs), p.seed), wv = randomValues(prod(ws), p.seed + 1), bv = randomValues(M, p.seed + 2);
        const o = {
          group: p.group, strides: dims.map((d) => d.s), dilations: dims.map((d) => d.d),
          pads: [...dims.map((d) => d.pb), ...dims.map((d) => d.pe)],
        };
        const ref = naiveConv(xv, xs, wv, ws, p.bias ? bv : null, o);
        const [y] = runOp('conv', [tensorFrom('f32', xs, xv), tensorFrom('f32', ws, wv), p.bias ? tensorFrom('f32', [M], bv) : null], {
          group: attr.int(o.group), strides: attr.ints(o.strides), dilations: attr.ints(o.dilations), pads: attr.ints(o.pads),
        });
        expect(y!.shape).toEqual(ref.shape);
        expect(maxRelErr(y!, ref.y)).toBeLessThan(1e-5);
      },
    ), { numRuns: 120 });
  });

  it('takes the depthwise path for group = channels and matches the naive loop', () => {
    const xs = [1, 5, 7, 6], ws = [5, 1, 3, 3];
    const xv = randomValues(prod(xs), 7), wv = randomValues(prod(ws), 8);
    const o = { group: 5, strides: [2, 1], dilations: [1, 2], pads: [1, 2, 1, 0] };
    const ref = naiveConv(xv, xs, wv, ws, null, o);
    const [y] = runOp('conv', [tensorFrom('f32', xs, xv), tensorFrom('f32', ws, wv), null], {
      group: attr.int(5), strides: attr.ints(o.strides), dilations: attr.ints(o.dilations), pads: attr.ints(o.pads),
    });
    expect(y!.shape).toEqual(ref.shape);
    expect(maxRelErr(y!, ref.y)).toBeLessThan(1e-6);
  });

  it('keeps a symbolic batch and gives ceildiv(H, stride) for SAME padding over a symbolic spatial dim', () => {
    const [t] = inferTypes('conv', [{ dtype: 'f32', shape: ['N', 3, 'H', 8] }, { dtype: 'f32', shape: [4, 3, 3, 3] }, null],
      { auto_pad: attr.string('SAME_UPPER'), strides: attr.ints([2, 2]) });
    expect(t!.shape).toEqual(['N', 4, 'ceildiv(H,2)', 4]);
    expect(() => inferTypes('conv', [{ dtype: 'f32', shape: [1, 3, 5, 5] }, { dtype: 'f32', shape: [4, 2, 3, 3] }, null]))
      .toThrow(/channels/);
  });

  it('resolves SAME_LOWER padding with the extra pad at the start', () => {
    const x = tensorFrom('f32', [1, 1, 1, 4], [1, 2, 3, 4]);
    const w = tensorFrom('f32', [1, 1, 1, 2], [1, 10]);
    const [lower] = runOp('conv', [x, w, null], { auto_pad: attr.string('SAME_LOWER') });
    const [upper] = runOp('conv', [x, w, null], { auto_pad: attr.string('SAME_UPPER') });
    expect(toNumbers(lower!)).toEqual([10, 21, 32, 43]);
    expect(toNumbers(upper!)).toEqual([21, 32, 43, 4]);
  });
});

describe('conv_transpose', () => {
  it('scatters a hand-checked 2x2 input with stride 2', () => {
    const x = tensorFrom('f32', [1, 1, 2, 2], [1, 2, 3, 4]);
    const w = tensorFrom('f32', [1, 1, 2, 2], [1, 10, 100, 1000]);
    const [y] = runOp('conv_transpose', [x, w, null], { strides: attr.ints([2, 2]) });
    expect(y!.shape).toEqual([1, 1, 4, 4]);
    expect(toNumbers(y!)).toEqual([1, 10, 2, 20, 100, 1000, 200, 2000, 3, 30, 4, 40, 300, 3000, 400, 4000]);
  });

  it('is the adjoint of conv: <conv(x), y> = <x, conv_transpose(y)>', () => {
    fc.assert(fc.property(
      fc.record({
        h: fc.integer({ min: 3, max: 8 }), w: fc.integer({ min: 3, max: 8 }), k: fc.integer({ min: 1, max: 3 }),
        s: fc.integer({ min: 1, max: 3 }), d: fc.integer({ min: 1, max: 2 }), p: fc.integer({ min: 0, max: 1 }),
        group: fc.integer({ min: 1, max: 2 }), seed: fc.integer(),
      }),
      (q) => {
        const C = 2 * q.group, M = 3 * q.group;
        const xs = [1, C, q.h, q.w], ws = [M, C / q.group, q.k, q.k];
        const attrs = { strides: attr.ints([q.s, q.s]), dilations: attr.ints([q.d, q.d]), pads: attr.ints([q.p, q.p, q.p, q.p]), group: attr.int(q.group) };
        const xv = randomValues(prod(xs), q.seed), wv = randomValues(prod(ws), q.seed + 1);
        const [cy] = runOp('conv', [tensorFrom('f64', xs, xv), tensorFrom('f64', ws, wv), null], attrs);
        const yv = randomValues(prod(cy!.shape), q.seed + 2);
        // conv_transpose weight layout is [C_in_of_transpose = M, C/group, k, k]: the same tensor.
        const op = cy!.shape.slice(2).map((o, i) => xs[i + 2]! - ((o - 1) * q.s + (q.k - 1) * q.d + 1 - 2 * q.p));
        const [tx] = runOp('conv_transpose', [tensorFrom('f64', cy!.shape, yv), tensorFrom('f64', ws, wv), null], { ...attrs, output_padding: attr.ints(op) });
        expect(tx!.shape).toEqual(xs);
        const dot = (a: number[], b: number[]): number => a.reduce((s, v, i) => s + v * b[i]!, 0);
        const lhs = dot(toNumbers(cy!), yv), rhs = dot(xv, toNumbers(tx!));
        expect(Math.abs(lhs - rhs)).toBeLessThan(1e-9 * Math.max(1, Math.abs(lhs)));
      },
    ), { numRuns: 60 });
  });

  it('honours output_shape and SAME_UPPER', () => {
    const x = tensorFrom('f32', [1, 1, 3], [1, 2, 3]);
    const w = tensorFrom('f32', [1, 1, 3], [1, 1, 1]);
    const [y] = runOp('conv_transpose', [x, w, null], { strides: attr.ints([2]), output_shape: attr.ints([8]) });
    // full output (length 7): [1,1,3,2,5,3,3], padded at the end to 8
    expect(toNumbers(y!)).toEqual([1, 1, 3, 2, 5, 3, 3, 0]);
    const [s] = runOp('conv_transpose', [x, w, null], { strides: attr.ints([2]), auto_pad: attr.string('SAME_UPPER') });
    // output 6, total padding 1: SAME_UPPER puts floor(1/2) = 0 at the start
    expect(toNumbers(s!)).toEqual([1, 1, 3, 2, 5, 3]);
  });
});

describe('col2im', () => {
  it('sums overlapping blocks back into the image', () => {
    // 1 channel, image 1x3, block 1x2 -> 2 blocks; block values [a b] for each position.
    const x = tensorFrom('f32', [1, 2, 2], [1, 2, 10, 20]);
    const [y] = runOp('col2im', [x, tensorFrom('i64', [2], [1, 3]), tensorFrom('i64', [2], [1, 2])]);
    expect(y!.shape).toEqual([1, 1, 1, 3]);
    expect(toNumbers(y!)).toEqual([1, 12, 20]);
  });
});
