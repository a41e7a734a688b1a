// Attention through the register-blocked GEMM of gemm-kernel.ts, for static sequence lengths and
// head sizes (the scratch it needs is sized at compile time). Per (batch, KV head) the keys (past
// then new) are packed once into the GEMM's 8-column panels of K^T and the values into panels of
// V; every query head of the group then runs, per block of up to 64 query rows:
//   S = Q_rows K^T            (gemm: A = Q rows in place, lda = their row stride)
//   S = exp(bias(softcap(scale S)) - rowmax)   row by row in f32x4, masked entries exactly 0
//   Y_rows = S V / rowsum     (gemm: C = Y rows in place, ldc = their row stride; then scaled)
// so both products run at GEMM speed instead of one dot product per (query, key).

import type { Value } from '../../../../ir/ir.js';
import { add, f32c, get, i32, mul, sub } from '../emitter.js';
import type { KernelCtx } from '../kernel-api.js';
import { gemmOptionsFor, gemmWat, gemmWorkspaceBytes, type GemmOptions } from '../gemm-kernel.js';
import { biasLane, type BiasCtx } from './attention.js';

const NR = 8;
const ROWS = 64;
const bytes = (e: string): string => mul(e, i32(4));

/** Everything emitAttention derived from the op (i32 expressions, element strides). */
export interface Geo {
  Q: Value; K: Value; V: Value; PK: Value | null; PV: Value | null; Y: Value; QK: Value | null; M: Value | null; NP: Value | null;
  B: string; Hq: string; Hkv: string; P: string; group: string;
  qs: readonly string[]; ks: readonly string[]; vs: readonly string[]; ys: readonly string[]; ps: readonly string[]; pvs: readonly string[];
  ms: readonly string[]; maskLen: string; mode: number; causal: boolean; softcap: number; scale: string;
  /** Byte address of row r of head h of batch b of an operand with strides [sb, sh, sr]. */
  row(o: Value, s: readonly string[], b: string, h: string, r: string): string;
  /** Sets the nonpad length and causal offset locals for batch b. */
  perBatch(b: string): { offset: string; npLen: string };
}

/** The tuned GEMM function for an N-column product (options as matmul.ts picks them), added once. */
export function gemmFn(k: KernelCtx, n: number): [string, GemmOptions] {
  const base = gemmOptionsFor(n);
  const opts: GemmOptions = { ...base, name: `gemm_mr${base.mr}_nr${base.nr}_kc${base.kc}_nc${base.nc}${base.packA ? '_pa' : ''}_none`, epilogue: { kind: 'none' } };
  return [k.moduleFunc(opts.name, gemmWat(opts)), opts];
}

export function emitGemmAttention(k: KernelCtx, g: Geo, Sq: number, T: number, D: number, Dv: number): void {
  const em = k.em;
  const [qkFn, qkOpts] = gemmFn(k, T), [pvFn, pvOpts] = gemmFn(k, Dv);
  const rows = Math.min(Sq, ROWS);
  const kPanels = Math.ceil(T / NR), vPanels = Math.ceil(Dv / NR);
  const kp = k.scratch(4 * kPanels * NR * D), vp = k.scratch(4 * vPanels * NR * T), sp = k.scratch(4 * rows * T);
  const ws = k.scratch(Math.max(16, gemmWorkspaceBytes(qkOpts, D), gemmWorkspaceBytes(pvOpts, T)));
  const invs = k.scratch(4 * rows);
  em.comment(`attention through gemm: Sq=${Sq} T=${T} D=${D} Dv=${Dv}, ${rows} query rows per block`);
  const src = em.local('src', 'i32'), h = em.local('h', 'i32'), i0 = em.local('i0', 'i32'), mr = em.local('mr', 'i32');
  const yp = em.local('yp', 'i32'), f = em.local('f', 'v128');
  em.loop('b', g.B, (b) => {
    const { offset, npLen } = g.perBatch(b);
    em.loop('kvh', g.Hkv, (kvh) => {
      // Panels of K^T: element (d, key j) at ((j / 8) * D + d) * 8 + j % 8; keys past T are zero.
      if (T % NR) em.line(`(memory.fill ${add(kp, i32(4 * (kPanels - 1) * D * NR))} (i32.const 0) ${i32(4 * D * NR)})`);
      if (Dv % NR) em.line(`(memory.fill ${add(vp, i32(4 * (vPanels - 1) * T * NR))} (i32.const 0) ${i32(4 * T * NR)})`);
      em.loop('j', i32(T), (j) => {
        const rowOf = (past: Value | null, ps: readonly string[], cur: Value, cs: readonly string[]): void => {
          if (!past) { em.set(src, g.row(cur, cs, b, kvh, j)); return; }
          em.set(src, `(if (result i32) (i32.lt_s ${j} ${g.P}) (then ${g.row(past, ps, b, kvh, j)}) (else ${g.row(cur, cs, b, kvh, sub(j, g.P))}))`);
        };
        rowOf(g.PK, g.ps, g.K, g.ks);
        const kDst = add(kp, bytes(add(mul(`(i32.shr_u ${j} (i32.const 3))`, i32(D * NR)), `(i32.and ${j} (i32.const 7))`)));
        em.loop('d', i32(D), (d) => em.line(`(f32.store ${add(kDst, mul(d, i32(4 * NR)))} (f32.load ${add(get(src), bytes(d))}))`));
        // Panels of V: element (key j, e) at ((e / 8) * T + j) * 8 + e % 8.
        rowOf(g.PV, g.pvs, g.V, g.vs);
        const vDst = add(vp, bytes(mul(j, i32(NR))));
        em.loop('e', i32(Dv), (e) => em.line(`(f32.store ${add(vDst, bytes(add(mul(`(i32.shr_u ${e} (i32.const 3))`, i32(T * NR)), `(i32.and ${e} (i32.const 7))`)))} (f32.load ${add(get(src), bytes(e))}))`));
      });
      em.loop('hh', g.group, (hh) => {
        em.set(h, add(mul(kvh, g.group), hh));
        em.forRange(i0, i32(0), i32(Sq - 1 + rows), rows, () => {
          em.set(mr, `(select ${i32(rows)} ${sub(i32(Sq), get(i0))} (i32.lt_s ${i32(rows)} ${sub(i32(Sq), get(i0))}))`);
          em.line(`(call ${qkFn} ${g.row(g.Q, g.qs, b, get(h), get(i0))} ${g.qs[2]} ${kp} ${sp} ${i32(T)} (i32.const 0) ${get(mr)} ${i32(T)} ${i32(D)} ${ws})`);
          em.loop('r', get(mr), (r) => softmaxRow(k, g, { b, h: get(h), i: add(get(i0), r), rp: add(sp, mul(r, i32(4 * T))), inv: add(invs, bytes(r)), offset, npLen, Sq, T }));
          em.line(`(call ${pvFn} ${sp} ${i32(T)} ${vp} ${g.row(g.Y, g.ys, b, get(h), get(i0))} ${g.ys[2]} (i32.const 0) ${get(mr)} ${i32(Dv)} ${i32(T)} ${ws})`);
          // Y rows were computed from unnormalised probabilities: scale each by 1 / its sum.
          em.loop('r', get(mr), (r) => {
            em.set(yp, g.row(g.Y, g.ys, b, get(h), add(get(i0), r)));
            em.set(f, `(f32x4.splat (f32.load ${add(invs, bytes(r))}))`);
            em.vecLoop(i32(Dv), (e) => em.line(`(v128.store align=4 ${add(get(yp), bytes(e))} (f32x4.mul (v128.load align=4 ${add(get(yp), bytes(e))}) ${get(f)}))`),
              (e) => em.line(`(f32.store ${add(get(yp), bytes(e))} (f32.mul (f32.load ${add(get(yp), bytes(e))}) (f32x4.extract_lane 0 ${get(f)})))`));
          });
        });
      });
    });
  });
}

interface Row { b: string; h: string; i: string; rp: string; inv: string; offset: string; npLen: string; Sq: number; T: number }

/** Scores of query row i (at rp) -> exp(s - max) in place, 1 / their sum to `inv`; qk_matmul_output taps on the way. */
function softmaxRow(k: KernelCtx, g: Geo, r: Row): void {
  const em = k.em;
  const rp = em.local('rp', 'i32'), qkp = em.local('qkp', 'i32'), mp = em.local('mp', 'i32'), iq = em.local('iq', 'i32');
  em.set(rp, r.rp);
  em.set(iq, r.i);
  const T = i32(r.T);
  if (g.QK) em.set(qkp, add(k.ptr(g.QK), bytes(mul(add(mul(add(mul(r.b, g.Hq), r.h), i32(r.Sq)), get(iq)), T))));
  if (g.M) em.set(mp, add(add(mul(r.b, g.ms[0]!), mul(r.h, g.ms[1]!)), mul(get(iq), g.ms[2]!)));
  const bc: BiasCtx = { k, causal: g.causal, M: g.M, maskLen: g.maskLen, ms: g.ms, NP: g.NP, mp, offset: r.offset, npLen: r.npLen, i: get(iq) };
  const hmax = k.helper('hmax'), hsum = k.helper('hsum'), exp4 = k.helper('exp4');
  const s = em.local('s', 'v128'), mx = em.local('mxv', 'v128'), sum = em.local('sumv', 'v128'), m = em.local('m', 'f32'), inv = em.local('inv', 'f32');
  const masked = g.M || g.causal || g.NP;
  // Pass 1: scale, softcap, bias (taps 0-2), running max.
  em.set(mx, '(f32x4.splat (f32.const -inf))');
  const pass1 = (j: string, width: number): void => {
    const at = add(get(rp), bytes(j));
    em.set(s, `(f32x4.mul ${width === 4 ? `(v128.load align=4 ${at})` : `(f32x4.splat (f32.load ${at}))`} (f32x4.splat ${get(g.scale)}))`);
    const tap = (when: boolean): void => {
      if (!g.QK || !when) return;
      const dst = add(get(qkp), bytes(j));
      em.line(width === 4 ? `(v128.store align=4 ${dst} ${get(s)})` : `(f32.store ${dst} (f32x4.extract_lane 0 ${get(s)}))`);
    };
    tap(g.mode === 0);
    if (g.softcap > 0) em.set(s, `(f32x4.mul (call ${k.helper('tanh4')} (f32x4.mul ${get(s)} (f32x4.splat ${f32c(1 / g.softcap)}))) (f32x4.splat ${f32c(g.softcap)}))`);
    tap(g.mode === 1);
    if (masked) {
      for (let x = 0; x < width; x++) {
        const v = biasLane(bc, add(j, i32(x)));
        if (v) em.set(s, `(f32x4.replace_lane ${x} ${get(s)} (f32.add (f32x4.extract_lane ${x} ${get(s)}) ${v}))`);
      }
    }
    tap(g.mode === 2);
    em.line(width === 4 ? `(v128.store align=4 ${at} ${get(s)})` : `(f32.store ${at} (f32x4.extract_lane 0 ${get(s)}))`);
    em.set(mx, width === 4 ? `(f32x4.max ${get(mx)} ${get(s)})` : `(f32x4.max ${get(mx)} (f32x4.splat (f32x4.extract_lane 0 ${get(s)})))`);
  };
  em.vecLoop(T, (j) => pass1(j, 4), (j) => pass1(j, 1));
  em.set(m, `(call ${hmax} ${get(mx)})`);
  // Pass 2: p = exp(s - m), exactly 0 where s = -inf; a fully masked row sums to 0 and stays 0.
  em.set(sum, '(v128.const i32x4 0 0 0 0)');
  const prob = (v: string): string => `(v128.and (call ${exp4} (f32x4.sub ${v} (f32x4.splat ${get(m)}))) (f32x4.ne ${v} (f32x4.splat (f32.const -inf))))`;
  em.vecLoop(T, (j) => {
    const at = add(get(rp), bytes(j));
    em.set(s, prob(`(v128.load align=4 ${at})`));
    em.line(`(v128.store align=4 ${at} ${get(s)})`);
    em.set(sum, `(f32x4.add ${get(sum)} ${get(s)})`);
  }, (j) => {
    const at = add(get(rp), bytes(j));
    em.set(s, prob(`(f32x4.splat (f32.load ${at}))`));
    em.line(`(f32.store ${at} (f32x4.extract_lane 0 ${get(s)}))`);
    em.set(sum, `(f32x4.add ${get(sum)} (f32x4.replace_lane 1 (f32x4.replace_lane 2 (f32x4.replace_lane 3 ${get(s)} (f32.const 0)) (f32.const 0)) (f32.const 0)))`);
  });
  em.set(inv, `(call ${hsum} ${get(sum)})`);
  em.set(inv, `(select (f32.div (f32.const 1) ${get(inv)}) (f32.const 0) (f32.gt ${get(inv)} (f32.const 0)))`);
  em.line(`(f32.store ${r.inv} ${get(inv)})`);
  if (!g.QK || g.mode !== 3) return;
  // Tap 3 wants the normalised probabilities.
  em.vecLoop(T, (j) => em.line(`(v128.store align=4 ${add(get(qkp), bytes(j))} (f32x4.mul (v128.load align=4 ${add(get(rp), bytes(j))}) (f32x4.splat ${get(inv)})))`),
    (j) => em.line(`(f32.store ${add(get(qkp), bytes(j))} (f32.mul (f32.load ${add(get(rp), bytes(j))}) ${get(inv)}))`));
}
