import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attr } from '../../../ir/attrs.js';
import { tensorFrom, toNumbers } from '../../../ir/tensor.js';
import { inferTypes, maxRelErr, prod, randomValues, runOp } from './nn-helpers.js';

const close = (got: number[], want: number[], tol = 1e-6): void => {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => expect(Math.abs(g - want[i]!)).toBeLessThan(tol * Math.max(1, Math.abs(want[i]!))));
};

describe('softmax family', () => {
  it('normalises along the axis; log_softmax and hardmax agree with it', () => {
    const x = tensorFrom('f64', [2, 3], [1, 2, 3, 0, 0, 1000]);
    const e = [Math.exp(-2), Math.exp(-1), 1], s = e[0]! + e[1]! + e[2]!;
    close(toNumbers(runOp('softmax', [x])[0]!), [e[0]! / s, e[1]! / s, 1 / s, 0, 0, 1]);
    close(toNumbers(runOp('log_softmax', [x])[0]!), [-2 - Math.log(s), -1 - Math.log(s), -Math.log(s), -1000, -1000, 0]);
    expect(toNumbers(runOp('hardmax', [x], { axis: attr.int(0) })[0]!)).toEqual([1, 1, 0, 0, 0, 1]);
    expect(toNumbers(runOp('hardmax', [tensorFrom('f32', [3], [2, 5, 5])])[0]!)).toEqual([0, 1, 0]);
  });

  it('sums to one along any axis (property) and legacy_flatten spans the trailing dims', () => {
    fc.assert(fc.property(
      fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }), fc.nat(), fc.integer(),
      (shape, a, seed) => {
        const axis = a % shape.length;
        const [y] = runOp('softmax', [tensorFrom('f64', shape, randomValues(prod(shape), seed).map((v) => v * 20))], { axis: attr.int(axis) });
        const v = toNumbers(y!);
        const inner = prod(shape.slice(axis + 1)), n = shape[axis]!;
        for (let o = 0; o < prod(shape.slice(0, axis)); o++) for (let i = 0; i < inner; i++) {
          let sum = 0;
          for (let k = 0; k < n; k++) sum += v[o * n * inner + k * inner + i]!;
          expect(Math.abs(sum - 1)).toBeLessThan(1e-12);
        }
      },
    ));
    const x = tensorFrom('f64', [2, 2], [0, 0, 0, Math.log(2)]);
    const [l] = runOp('softmax', [x], { axis: attr.int(0), legacy_flatten: attr.int(1) });
    close(toNumbers(l!), [0.2, 0.2, 0.2, 0.4]);
  });
});

describe('normalisations', () => {
  it('batch_normalization in inference and training mode', () => {
    const x = tensorFrom('f32', [2, 1, 2], [1, 2, 3, 6]);
    const p = (v: number): ReturnType<typeof tensorFrom> => tensorFrom('f32', [1], [v]);
    const [y] = runOp('batch_normalization', [x, p(2), p(1), p(1), p(4)], { epsilon: attr.float(0) });
    expect(toNumbers(y!)).toEqual([1, 2, 3, 6]);
    const [t, rm, rv] = runOp('batch_normalization', [x, p(1), p(0), p(0), p(1)], { epsilon: attr.float(0), momentum: attr.float(0.5), training_mode: attr.int(1) }, 3);
    // batch mean 3, population variance (4 + 1 + 0 + 9) / 4 = 3.5
    close(toNumbers(t!), [1, 2, 3, 6].map((v) => (v - 3) / Math.sqrt(3.5)), 1e-6);
    close(toNumbers(rm!), [1.5]);
    close(toNumbers(rv!), [2.25]);
  });

  it('layer_normalization with Mean/InvStdDev outputs matches a naive loop', () => {
    fc.assert(fc.property(
      fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 }), fc.nat(), fc.integer(), fc.boolean(),
      (shape, a, seed, withBias) => {
        const axis = a % shape.length;
        const inner = prod(shape.slice(axis)), outer = prod(shape.slice(0, axis));
        const xv = randomValues(prod(shape), seed), sv = randomValues(inner, seed + 1), bv = randomValues(inner, seed + 2);
        const want: number[] = [], means: number[] = [], invs: number[] = [];
        for (let o = 0; o < outer; o++) {
          const row = xv.slice(o * inner, (o + 1) * inner);
          const m = row.reduce((s, v) => s + v, 0) / inner;
          const inv = 1 / Math.sqrt(row.reduce((s, v) => s + (v - m) ** 2, 0) / inner + 1e-5);
          means.push(m); invs.push(inv);
          row.forEach((v, i) => want.push((v - m) * inv * sv[i]! + (withBias ? bv[i]! : 0)));
        }
        const sshape = shape.slice(axis);
        const [y, mean, inv] = runOp('layer_normalization',
          [tensorFrom('f32', shape, xv), tensorFrom('f32', sshape, sv), withBias ? tensorFrom('f32', sshape, bv) : null], { axis: attr.int(axis) }, 3);
        expect(maxRelErr(y!, want)).toBeLessThan(1e-4);
        expect(mean!.shape).toEqual(shape.map((d, i) => (i < axis ? d : 1)));
        expect(maxRelErr(mean!, means)).toBeLessThan(1e-5);
        expect(maxRelErr(inv!, invs)).toBeLessThan(1e-4);
      },
    ), { numRuns: 80 });
    expect(inferTypes('layer_normalization', [{ dtype: 'f32', shape: ['b', 's', 8] }, { dtype: 'f32', shape: [8] }, null], {}, 2).map((t) => t.shape))
      .toEqual([['b', 's', 8], ['b', 's', 1]]);
    // Mean and InvStdDev have the stash type (float32 by default), whatever X's type.
    expect(inferTypes('layer_normalization', [{ dtype: 'f16', shape: [2, 8] }, { dtype: 'f16', shape: [8] }, null], {}, 3).map((t) => t.dtype))
      .toEqual(['f16', 'f32', 'f32']);
  });

  it('instance, group, RMS, Lp, LRN and mean-variance normalisation on hand-checked inputs', () => {
    const x = tensorFrom('f64', [1, 2, 2], [1, 3, 10, 30]);
    const one = tensorFrom('f64', [2], [1, 1]), zero = tensorFrom('f64', [2], [0, 0]);
    close(toNumbers(runOp('instance_normalization', [x, one, zero], { epsilon: attr.float(0) })[0]!), [-1, 1, -1, 1]);
    // one group over all four values: mean 11, population std sqrt(((10^2)+(8^2)+(1^2)+(19^2))/4)
    const sd = Math.sqrt((100 + 64 + 1 + 361) / 4);
    close(toNumbers(runOp('group_normalization', [x, tensorFrom('f64', [2], [1, 2]), zero], { num_groups: attr.int(1), epsilon: attr.float(0) })[0]!),
      [-10 / sd, -8 / sd, (-1 / sd) * 2, (19 / sd) * 2]);
    close(toNumbers(runOp('rms_normalization', [tensorFrom('f64', [2], [3, 4]), tensorFrom('f64', [2], [1, 2])], { epsilon: attr.float(0) })[0]!),
      [3 / Math.sqrt(12.5), 8 / Math.sqrt(12.5)]);
    close(toNumbers(runOp('lp_normalization', [tensorFrom('f64', [2, 2], [3, 4, -1, 1])], { axis: attr.int(0), p: attr.int(1) })[0]!), [0.75, 0.8, -0.25, 0.2]);
    const lx = tensorFrom('f64', [1, 3, 1, 1], [1, 2, 3]);
    const [lrn] = runOp('lrn', [lx], { size: attr.int(3), alpha: attr.float(3), beta: attr.float(1), bias: attr.float(1) });
    close(toNumbers(lrn!), [1 / (1 + 5), 2 / (1 + 14), 3 / (1 + 13)]);
    const [mvn] = runOp('mean_variance_normalization', [tensorFrom('f64', [1, 2, 1, 2], [1, 3, 5, 5])]);
    close(toNumbers(mvn!), [-1, 1, 0, 0], 1e-8);
  });
});
