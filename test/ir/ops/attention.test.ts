import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attr } from '../../../ir/attrs.js';
import { tensorFrom, toNumbers } from '../../../ir/tensor.js';
import { inferTypes, maxRelErr, prod, randomValues, runOp } from './nn-helpers.js';

/** softmax(Q K^T * scale + bias) V with plain loops on [B,H,S,D] arrays; GQA head h uses KV head h / (Hq/Hkv). */
function naiveAttention(
  q: number[], k: number[], v: number[],
  o: { B: number; Hq: number; Hkv: number; Sq: number; T: number; D: number; Dv: number; scale: number; bias: (b: number, h: number, i: number, j: number) => number },
): number[] {
  const y: number[] = [];
  for (let b = 0; b < o.B; b++) {
    for (let h = 0; h < o.Hq; h++) {
      const kh = Math.floor(h / (o.Hq / o.Hkv));
      for (let i = 0; i < o.Sq; i++) {
        const s: number[] = [];
        for (let j = 0; j < o.T; j++) {
          let dot = 0;
          for (let d = 0; d < o.D; d++) dot += q[((b * o.Hq + h) * o.Sq + i) * o.D + d]! * k[((b * o.Hkv + kh) * o.T + j) * o.D + d]!;
          s.push(dot * o.scale + o.bias(b, h, i, j));
        }
        const m = Math.max(...s);
        const e = s.map((x) => (m === -Infinity ? 0 : Math.exp(x - m)));
        const z = e.reduce((a, c) => a + c, 0);
        for (let c = 0; c < o.Dv; c++) {
          let acc = 0;
          for (let j = 0; j < o.T; j++) acc += (z === 0 ? 0 : e[j]! / z) * v[((b * o.Hkv + kh) * o.T + j) * o.Dv + c]!;
          y.push(acc);
        }
      }
    }
  }
  return y;
}

describe('attention', () => {
  it('computes a hand-checked single-head case', () => {
    // One query [1, 0] against keys [1, 0] and [0, 1] with scale 1: weights softmax([1, 0]).
    const q = tensorFrom('f32', [1, 1, 1, 2], [1, 0]);
    const k = tensorFrom('f32', [1, 1, 2, 2], [1, 0, 0, 1]);
    const v = tensorFrom('f32', [1, 1, 2, 1], [10, 20]);
    const [y] = runOp('attention', [q, k, v], { scale: attr.float(1) });
    const w0 = Math.E / (Math.E + 1);
    expect(toNumbers(y!)[0]).toBeCloseTo(10 * w0 + 20 * (1 - w0), 5);
  });

  it('yields zeros for a fully masked row and honours a boolean mask', () => {
    const q = tensorFrom('f32', [1, 1, 2, 1], [1, 1]);
    const k = tensorFrom('f32', [1, 1, 2, 1], [1, 2]);
    const v = tensorFrom('f32', [1, 1, 2, 1], [3, 5]);
    const mask = tensorFrom('bool', [2, 2], [0, 0, 0, 1]);
    const [y] = runOp('attention', [q, k, v, mask]);
    expect(toNumbers(y!)).toEqual([0, 5]);
  });

  it('matches naive softmax(QK^T*scale + mask)V on random shapes with GQA, causal masks and a KV cache', () => {
    fc.assert(fc.property(
      fc.record({
        B: fc.integer({ min: 1, max: 2 }), Hkv: fc.integer({ min: 1, max: 2 }), group: fc.integer({ min: 1, max: 3 }),
        Sq: fc.integer({ min: 1, max: 4 }), Skv: fc.integer({ min: 1, max: 4 }), P: fc.integer({ min: 0, max: 3 }),
        D: fc.integer({ min: 1, max: 4 }), Dv: fc.integer({ min: 1, max: 3 }), causal: fc.boolean(), mask: fc.boolean(),
        scale: fc.option(fc.double({ min: 0.1, max: 2, noNaN: true }), { nil: undefined }), seed: fc.integer(),
      }),
      (p) => {
        const Hq = p.Hkv * p.group, T = p.P + p.Skv;
        const qs = [p.B, Hq, p.Sq, p.D], ks = [p.B, p.Hkv, p.Skv, p.D], vs = [p.B, p.Hkv, p.Skv, p.Dv];
        const qv = randomValues(prod(qs), p.seed), kv = randomValues(prod(ks), p.seed + 1), vv = randomValues(prod(vs), p.seed + 2);
        const pk = randomValues(p.B * p.Hkv * p.P * p.D, p.seed + 3), pv = randomValues(p.B * p.Hkv * p.P * p.Dv, p.seed + 4);
        const mv = randomValues(p.Sq * T, p.seed + 5);
        // Full keys/values = past ++ new along the sequence axis.
        const cat = (past: number[], cur: number[], d: number): number[] => {
          const out: number[] = [];
          for (let bh = 0; bh < p.B * p.Hkv; bh++) out.push(...past.slice(bh * p.P * d, (bh + 1) * p.P * d), ...cur.slice(bh * p.Skv * d, (bh + 1) * p.Skv * d));
          return out;
        };
        const scale = p.scale ?? 1 / Math.sqrt(p.D);
        const ref = naiveAttention(qv, cat(pk, kv, p.D), cat(pv, vv, p.Dv), {
          B: p.B, Hq, Hkv: p.Hkv, Sq: p.Sq, T, D: p.D, Dv: p.Dv, scale,
          bias: (_b, _h, i, j) => (p.mask ? mv[i * T + j]! : 0) + (p.causal && j > i + p.P ? -Infinity : 0),
        });
        const attrs = { is_causal: attr.int(p.causal ? 1 : 0), ...(p.scale !== undefined ? { scale: attr.float(p.scale) } : {}) };
        const past = p.P > 0;
        const [y, pkOut] = runOp('attention', [
          tensorFrom('f32', qs, qv), tensorFrom('f32', ks, kv), tensorFrom('f32', vs, vv),
          p.mask ? tensorFrom('f32', [p.Sq, T], mv) : null,
          past ? tensorFrom('f32', [p.B, p.Hkv, p.P, p.D], pk) : null,
          past ? tensorFrom('f32', [p.B, p.Hkv, p.P, p.Dv], pv) : null,
        ], attrs, 2);
        expect(y!.shape).toEqual([p.B, Hq, p.Sq, p.Dv]);
        expect(pkOut!.shape).toEqual([p.B, p.Hkv, T, p.D]);
        expect(maxRelErr(y!, ref)).toBeLessThan(1e-5);
        expect(maxRelErr(pkOut!, cat(pk, kv, p.D))).toBe(0);
      },
    ), { numRuns: 150 });
  });

  it('treats 3-D inputs as [B, S, H*D] split into heads', () => {
    const B = 2, H = 3, S = 4, D = 2;
    const qv = randomValues(B * S * H * D, 1), kv = randomValues(B * S * H * D, 2), vv = randomValues(B * S * H * D, 3);
    // [B,S,H,D] -> [B,H,S,D]
    const to4 = (x: number[]): number[] => {
      const out = new Array<number>(x.length);
      for (let b = 0; b < B; b++) for (let s = 0; s < S; s++) for (let h = 0; h < H; h++) for (let d = 0; d < D; d++) out[((b * H + h) * S + s) * D + d] = x[((b * S + s) * H + h) * D + d]!;
      return out;
    };
    const heads = { q_num_heads: attr.int(H), kv_num_heads: attr.int(H), is_causal: attr.int(1) };
    const [y3] = runOp('attention', [tensorFrom('f32', [B, S, H * D], qv), tensorFrom('f32', [B, S, H * D], kv), tensorFrom('f32', [B, S, H * D], vv)], heads);
    const [y4] = runOp('attention', [tensorFrom('f32', [B, H, S, D], to4(qv)), tensorFrom('f32', [B, H, S, D], to4(kv)), tensorFrom('f32', [B, H, S, D], to4(vv))], { is_causal: attr.int(1) });
    expect(y3!.shape).toEqual([B, S, H * D]);
    expect(maxRelErr(tensorFrom('f32', [B * S * H * D], to4(toNumbers(y3!))), toNumbers(y4!))).toBeLessThan(1e-6);
  });

  it('infers shapes with symbolic dims, past length and the qk output', () => {
    const [y, pk, pv, qk] = inferTypes('attention', [
      { dtype: 'f32', shape: ['b', 8, 's', 16] }, { dtype: 'f32', shape: ['b', 2, 's', 16] }, { dtype: 'f32', shape: ['b', 2, 's', 12] },
      null, { dtype: 'f32', shape: ['b', 2, 'p', 16] }, { dtype: 'f32', shape: ['b', 2, 'p', 12] },
    ], {}, 4);
    expect(y!.shape).toEqual(['b', 8, 's', 12]);
    expect(pk!.shape).toEqual(['b', 2, '?', 16]);
    expect(pv!.shape).toEqual(['b', 2, '?', 12]);
    expect(qk!.shape).toEqual(['b', 8, 's', '?']);
    const [y3, pk3] = inferTypes('attention', [
      { dtype: 'f16', shape: [1, 5, 64] }, { dtype: 'f16', shape: [1, 7, 32] }, { dtype: 'f16', shape: [1, 7, 32] },
    ], { q_num_heads: attr.int(4), kv_num_heads: attr.int(2) }, 2);
    expect(y3).toEqual({ dtype: 'f16', shape: [1, 5, 64] });
    expect(pk3!.shape).toEqual([1, 2, 7, 16]);
    expect(() => inferTypes('attention', [{ dtype: 'f32', shape: [1, 5, 64] }, { dtype: 'f32', shape: [1, 7, 32] }, { dtype: 'f32', shape: [1, 7, 32] }])).toThrow(/q_num_heads/);
    const qkv = [{ dtype: 'f32' as const, shape: [1, 5, 60] }, { dtype: 'f32' as const, shape: [1, 7, 32] }, { dtype: 'f32' as const, shape: [1, 7, 32] }];
    expect(() => inferTypes('attention', qkv, { q_num_heads: attr.int(6), kv_num_heads: attr.int(4) })).toThrow(/multiple of kv_num_heads/);
    expect(() => inferTypes('attention', qkv, { q_num_heads: attr.int(8), kv_num_heads: attr.int(4) })).toThrow(/not divisible/);
  });
});
