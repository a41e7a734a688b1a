// NegativeLogLikelihoodLoss, SoftmaxCrossEntropyLoss, Det, NonMaxSuppression, TfIdfVectorizer,
// random ops.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attr } from '../../../ir/attrs.js';
import { tensorFrom, toNumbers } from '../../../ir/tensor.js';
import { inferTypes, maxRelErr, randomValues, runOp } from './nn-helpers.js';

describe('negative_log_likelihood_loss', () => {
  // input [N=2, C=3], targets [2, 0]
  const x = tensorFrom('f32', [2, 3], [-1, -2, -3, -4, -5, -6]);
  const t = tensorFrom('i64', [2], [2, 0]);
  it('reduces by mean, sum and none, with weights and ignore_index (hand-checked)', () => {
    expect(toNumbers(runOp('negative_log_likelihood_loss', [x, t, null])[0]!)).toEqual([3.5]);
    expect(toNumbers(runOp('negative_log_likelihood_loss', [x, t, null], { reduction: attr.string('none') })[0]!)).toEqual([3, 4]);
    const w = tensorFrom('f32', [3], [1, 1, 3]);
    // weighted: (3*3 + 4*1) / (3 + 1)
    expect(toNumbers(runOp('negative_log_likelihood_loss', [x, t, w])[0]!)).toEqual([13 / 4]);
    expect(toNumbers(runOp('negative_log_likelihood_loss', [x, t, w], { reduction: attr.string('sum') })[0]!)).toEqual([13]);
    expect(toNumbers(runOp('negative_log_likelihood_loss', [x, t, w], { ignore_index: attr.int(2) })[0]!)).toEqual([4]);
    expect(() => runOp('negative_log_likelihood_loss', [x, tensorFrom('i64', [2], [3, 0]), null])).toThrow(/out of range/);
  });
  it('infers scalar or per-element shapes', () => {
    const types = [{ dtype: 'f32' as const, shape: ['n', 5, 'd'] }, { dtype: 'i64' as const, shape: ['n', 'd'] }, null];
    expect(inferTypes('negative_log_likelihood_loss', types)[0]!.shape).toEqual([]);
    expect(inferTypes('negative_log_likelihood_loss', types, { reduction: attr.string('none') })[0]!.shape).toEqual(['n', 'd']);
  });
});

describe('softmax_cross_entropy_loss', () => {
  it('equals NLL of log_softmax and returns log_prob', () => {
    fc.assert(fc.property(fc.record({ N: fc.integer({ min: 1, max: 3 }), C: fc.integer({ min: 2, max: 4 }), D: fc.integer({ min: 1, max: 3 }), seed: fc.integer() }), (p) => {
      const xv = randomValues(p.N * p.C * p.D, p.seed).map((v) => v * 4);
      const labels = randomValues(p.N * p.D, p.seed + 1).map((v) => Math.floor((v + 1) / 2 * p.C));
      const lp: number[] = new Array(xv.length);
      for (let n = 0; n < p.N; n++) for (let d = 0; d < p.D; d++) {
        const at = (c: number) => (n * p.C + c) * p.D + d;
        const z = Array.from({ length: p.C }, (_, c) => Math.exp(xv[at(c)]!)).reduce((a, b) => a + b, 0);
        for (let c = 0; c < p.C; c++) lp[at(c)] = xv[at(c)]! - Math.log(z);
      }
      let sum = 0;
      for (let n = 0; n < p.N; n++) for (let d = 0; d < p.D; d++) sum -= lp[(n * p.C + labels[n * p.D + d]!) * p.D + d]!;
      const [loss, logp] = runOp('softmax_cross_entropy_loss', [tensorFrom('f32', [p.N, p.C, p.D], xv), tensorFrom('i64', [p.N, p.D], labels), null], {}, 2);
      expect(maxRelErr(loss!, [sum / (p.N * p.D)])).toBeLessThan(1e-5);
      expect(maxRelErr(logp!, lp)).toBeLessThan(1e-5);
    }), { numRuns: 60 });
  });
});

describe('det', () => {
  it('computes hand-checked determinants, including a singular matrix', () => {
    const [d] = runOp('det', [tensorFrom('f32', [3, 2, 2], [1, 2, 3, 4, 2, 0, 0, 3, 1, 2, 2, 4])]);
    expect(toNumbers(d!)).toEqual([-2, 6, 0]);
  });
  it('det(AB) = det(A) det(B)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 5 }), fc.integer(), (n, seed) => {
      const a = randomValues(n * n, seed), b = randomValues(n * n, seed + 1);
      const ab = Array.from({ length: n * n }, (_, k) => {
        let s = 0;
        for (let j = 0; j < n; j++) s += a[Math.floor(k / n) * n + j]! * b[j * n + (k % n)]!;
        return s;
      });
      const [da, db, dab] = [a, b, ab].map((m) => toNumbers(runOp('det', [tensorFrom('f64', [n, n], m)])[0]!)[0]!);
      expect(Math.abs(dab! - da! * db!)).toBeLessThan(1e-9 * Math.max(1, Math.abs(dab!)));
    }), { numRuns: 80 });
  });
});

describe('non_max_suppression', () => {
  it('keeps the best box of each overlapping cluster, per class, up to the limit', () => {
    // Boxes 0 and 1 overlap heavily (IoU 0.81); box 2 is apart.
    const boxes = tensorFrom('f32', [1, 3, 4], [0, 0, 1, 1, 0, 0.1, 1, 1.1, 5, 5, 6, 6]);
    const scores = tensorFrom('f32', [1, 2, 3], [0.9, 0.95, 0.5, 0.1, 0.2, 0.3]);
    const run = (max: number, thr: number | null) => toNumbers(runOp('non_max_suppression', [
      boxes, scores, tensorFrom('i64', [1], [max]), tensorFrom('f32', [1], [0.5]), thr === null ? null : tensorFrom('f32', [1], [thr]),
    ])[0]!);
    expect(run(3, null)).toEqual([0, 0, 1, 0, 0, 2, 0, 1, 2, 0, 1, 1]);
    expect(run(1, null)).toEqual([0, 0, 1, 0, 1, 2]);
    expect(run(3, 0.4)).toEqual([0, 0, 1, 0, 0, 2]);
  });
});

describe('tf_idf_vectorizer', () => {
  it('counts unigrams and skip-bigrams (the ONNX documentation example)', () => {
    const x = tensorFrom('i32', [2, 6], [1, 1, 3, 3, 3, 7, 8, 6, 7, 5, 6, 8]);
    const attrs = {
      max_gram_length: attr.int(2), max_skip_count: attr.int(0), min_gram_length: attr.int(2), mode: attr.string('TF'),
      ngram_counts: attr.ints([0, 4]), ngram_indexes: attr.ints([0, 1, 2, 3, 4, 5, 6]), pool_int64s: attr.ints([2, 3, 5, 4, 5, 6, 7, 8, 6, 7]),
    };
    const [y] = runOp('tf_idf_vectorizer', [x], attrs);
    expect(y!.shape).toEqual([2, 7]);
    // Bigrams (5,6) (7,8) (6,7) are columns 4..6; only row 1 has adjacent ones: (6,7) and (5,6).
    expect(toNumbers(y!)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1]);
    const [u] = runOp('tf_idf_vectorizer', [x], { ...attrs, min_gram_length: attr.int(1), max_skip_count: attr.int(5) });
    // Row 0: unigram 3 three times. Row 1: unigram 5, and with skips (6,7), (5,6) and (7,8) at distance 3.
    expect(toNumbers(u!)).toEqual([0, 3, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 1, 1]);
  });
});

describe('random ops', () => {
  it('are deterministic per seed, respect ranges, shapes and dtypes', () => {
    const attrs = { shape: attr.ints([2, 50]), low: attr.float(-2), high: attr.float(3), seed: attr.float(7) };
    const [a] = runOp('random_uniform', [], attrs);
    const [b] = runOp('random_uniform', [], attrs);
    expect(a!.shape).toEqual([2, 50]);
    expect(toNumbers(a!)).toEqual(toNumbers(b!));
    expect(toNumbers(a!).every((v) => v >= -2 && v < 3)).toBe(true);
    const [c] = runOp('random_uniform', [], { ...attrs, seed: attr.float(8) });
    expect(toNumbers(c!)).not.toEqual(toNumbers(a!));
    const [n] = runOp('random_normal_like', [tensorFrom('f16', [1000], new Array(1000).fill(0))], { mean: attr.float(5) });
    expect(n!.dtype).toBe('f16');
    const mean = toNumbers(n!).reduce((s, v) => s + v, 0) / 1000;
    expect(Math.abs(mean - 5)).toBeLessThan(0.2);
    const [bern] = runOp('bernoulli', [tensorFrom('f64', [4], [0, 1, 0, 1])], { dtype: attr.dtype('bool') });
    expect(bern!.dtype).toBe('bool');
    expect(toNumbers(bern!)).toEqual([0, 1, 0, 1]);
    expect(() => inferTypes('random_uniform', [], { shape: attr.ints([2]), dtype: attr.dtype('i32') })).toThrow(/float/);
  });
});
