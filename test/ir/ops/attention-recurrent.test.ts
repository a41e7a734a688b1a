// RotaryEmbedding, LinearAttention and CausalConvWithState.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attr } from '../../../ir/attrs.js';
import { tensorFrom, toNumbers } from '../../../ir/tensor.js';
import { inferTypes, maxRelErr, prod, randomValues, runOp } from './nn-helpers.js';

describe('rotary_embedding', () => {
  it('rotates channel pairs by the cached angle (hand-checked)', () => {
    // One head of size 4, rotating pairs (x0, x2) and (x1, x3) by 90 and 180 degrees.
    const x = tensorFrom('f32', [1, 1, 1, 4], [1, 2, 3, 4]);
    const cos = tensorFrom('f32', [1, 1, 2], [0, -1]), sin = tensorFrom('f32', [1, 1, 2], [1, 0]);
    const [y] = runOp('rotary_embedding', [x, cos, sin, null]);
    // (1,3) by 90°: (-3, 1); (2,4) by 180°: (-2, -4)
    expect(toNumbers(y!)).toEqual([-3, -2, 1, -4]);
    const [yi] = runOp('rotary_embedding', [x, cos, sin, null], { interleaved: attr.int(1) });
    // interleaved pairs (1,2) by 90°: (-2, 1); (3,4) by 180°: (-3, -4)
    expect(toNumbers(yi!)).toEqual([-2, 1, -3, -4]);
  });

  it('preserves each rotated pair\'s length and passes channels past rotary_embedding_dim through', () => {
    fc.assert(fc.property(fc.record({ S: fc.integer({ min: 1, max: 4 }), H: fc.integer({ min: 1, max: 3 }), seed: fc.integer(), inter: fc.boolean() }), (p) => {
      const D = 6, rd = 4, half = 2, maxPos = 8;
      const xv = randomValues(p.S * p.H * D, p.seed);
      const ang = randomValues(maxPos * half, p.seed + 1).map((a) => a * Math.PI);
      const pos = Array.from({ length: p.S }, (_, i) => (i * 3) % maxPos);
      const [y] = runOp('rotary_embedding', [
        tensorFrom('f32', [1, p.S, p.H * D], xv),
        tensorFrom('f32', [maxPos, half], ang.map(Math.cos)), tensorFrom('f32', [maxPos, half], ang.map(Math.sin)),
        tensorFrom('i64', [1, p.S], pos),
      ], { num_heads: attr.int(p.H), rotary_embedding_dim: attr.int(rd), interleaved: attr.int(p.inter ? 1 : 0) });
      const out = toNumbers(y!);
      for (let t = 0; t < p.S * p.H; t++) {
        for (let i = 0; i < half; i++) {
          const [a, b] = p.inter ? [2 * i, 2 * i + 1] : [i, i + half];
          const n0 = Math.hypot(xv[t * D + a]!, xv[t * D + b]!), n1 = Math.hypot(out[t * D + a]!, out[t * D + b]!);
          expect(Math.abs(n0 - n1)).toBeLessThan(1e-5);
        }
        for (let d = rd; d < D; d++) expect(out[t * D + d]).toBe(xv[t * D + d]);
      }
    }), { numRuns: 50 });
  });
});

describe('linear_attention', () => {
  it('with the linear rule equals scale * q^T sum_{s<=t} k_s v_s^T, continuing from a past state', () => {
    fc.assert(fc.property(fc.record({ T: fc.integer({ min: 1, max: 4 }), dk: fc.integer({ min: 1, max: 3 }), dv: fc.integer({ min: 1, max: 3 }), seed: fc.integer() }), (p) => {
      const q = randomValues(p.T * p.dk, p.seed), k = randomValues(p.T * p.dk, p.seed + 1), v = randomValues(p.T * p.dv, p.seed + 2);
      const past = randomValues(p.dk * p.dv, p.seed + 3);
      const S = [...past];
      const ref: number[] = [];
      for (let t = 0; t < p.T; t++) {
        for (let d = 0; d < p.dk; d++) for (let e = 0; e < p.dv; e++) S[d * p.dv + e]! += k[t * p.dk + d]! * v[t * p.dv + e]!;
        for (let e = 0; e < p.dv; e++) {
          let acc = 0;
          for (let d = 0; d < p.dk; d++) acc += q[t * p.dk + d]! * S[d * p.dv + e]!;
          ref.push(acc / Math.sqrt(p.dk));
        }
      }
      const [y, st] = runOp('linear_attention', [
        tensorFrom('f32', [1, p.T, p.dk], q), tensorFrom('f32', [1, p.T, p.dk], k), tensorFrom('f32', [1, p.T, p.dv], v),
        tensorFrom('f32', [1, 1, p.dk, p.dv], past),
      ], { q_num_heads: attr.int(1), kv_num_heads: attr.int(1), update_rule: attr.string('linear') }, 2);
      expect(maxRelErr(y!, ref)).toBeLessThan(1e-5);
      expect(maxRelErr(st!, S)).toBeLessThan(1e-5);
    }), { numRuns: 60 });
  });

  it('applies gating and the delta rule (hand-checked, d_k = d_v = 1)', () => {
    // gated_delta, one step from state 2: S = 2*exp(g); v' = beta*(v - S*k); S += k*v'; o = scale*q*S.
    const g = Math.log(0.5), beta = 0.5, k = 1, v = 3, q = 2;
    const S0 = 2 * Math.exp(g), vp = beta * (v - S0 * k), S1 = S0 + k * vp;
    const [y, st] = runOp('linear_attention', [
      tensorFrom('f32', [1, 1, 1], [q]), tensorFrom('f32', [1, 1, 1], [k]), tensorFrom('f32', [1, 1, 1], [v]),
      tensorFrom('f32', [1, 1, 1, 1], [2]), tensorFrom('f32', [1, 1, 1], [g]), tensorFrom('f32', [1, 1, 1], [beta]),
    ], { q_num_heads: attr.int(1), kv_num_heads: attr.int(1) }, 2);
    expect(toNumbers(st!)[0]).toBeCloseTo(S1, 6);
    expect(toNumbers(y!)[0]).toBeCloseTo(q * S1, 6);
    expect(() => runOp('linear_attention', [tensorFrom('f32', [1, 1, 1], [1]), tensorFrom('f32', [1, 1, 1], [1]), tensorFrom('f32', [1, 1, 1], [1])],
      { q_num_heads: attr.int(1), kv_num_heads: attr.int(1) })).toThrow(/requires the decay input/);
  });

  it('infers GQA output and state shapes', () => {
    const [y, s] = inferTypes('linear_attention', [
      { dtype: 'f16', shape: ['b', 't', 64] }, { dtype: 'f16', shape: ['b', 't', 32] }, { dtype: 'f16', shape: ['b', 't', 32] },
    ], { q_num_heads: attr.int(8), kv_num_heads: attr.int(4) }, 2);
    expect(y).toEqual({ dtype: 'f16', shape: ['b', 't', 64] });
    expect(s).toEqual({ dtype: 'f16', shape: ['b', 4, 8, 8] });
  });
});

describe('causal_conv_with_state', () => {
  it('convolves causally with zero left context (hand-checked)', () => {
    const x = tensorFrom('f32', [1, 1, 4], [1, 2, 3, 4]);
    const w = tensorFrom('f32', [1, 1, 2], [10, 1]);
    const [y, st] = runOp('causal_conv_with_state', [x, w, null, null], {}, 2);
    expect(toNumbers(y!)).toEqual([1, 12, 23, 34]);
    expect(toNumbers(st!)).toEqual([4]);
  });

  it('gives the same output streamed in two chunks as in one pass', () => {
    fc.assert(fc.property(fc.record({
      C: fc.integer({ min: 1, max: 3 }), K: fc.integer({ min: 1, max: 4 }), L1: fc.integer({ min: 1, max: 5 }), L2: fc.integer({ min: 1, max: 5 }),
      silu: fc.boolean(), seed: fc.integer(),
    }), (p) => {
      const L = p.L1 + p.L2;
      const x = randomValues(p.C * L, p.seed), w = randomValues(p.C * p.K, p.seed + 1), b = randomValues(p.C, p.seed + 2);
      const attrs = { activation: attr.string(p.silu ? 'silu' : 'none') };
      const wt = tensorFrom('f32', [p.C, 1, p.K], w), bt = tensorFrom('f32', [p.C], b);
      const part = (from: number, to: number): number[] => Array.from({ length: p.C }, (_, c) => x.slice(c * L + from, c * L + to)).flat();
      const [full, fullState] = runOp('causal_conv_with_state', [tensorFrom('f32', [1, p.C, L], x), wt, bt, null], attrs, 2);
      const [y1, s1] = runOp('causal_conv_with_state', [tensorFrom('f32', [1, p.C, p.L1], part(0, p.L1)), wt, bt, null], attrs, 2);
      const [y2, s2] = runOp('causal_conv_with_state', [tensorFrom('f32', [1, p.C, p.L2], part(p.L1, L)), wt, bt, s1!], attrs, 2);
      const joined = Array.from({ length: p.C }, (_, c) => [...toNumbers(y1!).slice(c * p.L1, (c + 1) * p.L1), ...toNumbers(y2!).slice(c * p.L2, (c + 1) * p.L2)]).flat();
      expect(maxRelErr(full!, joined)).toBeLessThan(1e-6);
      expect(toNumbers(s2!)).toEqual(toNumbers(fullState!));
      expect(prod(s2!.shape)).toBe(p.C * (p.K - 1));
    }), { numRuns: 60 });
  });
});
