// Attention (ONNX 23/24), f32. Static sequence lengths (>= 8 keys, >= 2 query rows) go through the
// GEMM (attention-gemm.ts); symbolic lengths and decode steps take the streaming kernel here:
// per (batch, query head, query row) one pass over the keys
// with an online softmax (running max m, running sum l, output row rescaled when m grows), so no
// score row is ever stored and symbolic sequence lengths need no scratch. Keys go in blocks of 4:
// the query row is loaded once per d-step for four f32x4 dot products, the 4 scores form one
// vector for softcap / bias / exp4, and the output row takes all four p_j * v_j in one pass.
// Past keys and new keys are two segments of the same loop (no concatenated copy is needed);
// present_key / present_value are written by plain copy loops when requested.
// Masked scores are exactly -inf and their probabilities are forced to exactly 0 (exp4 of a
// clamped -inf is ~1e-38, not 0); a row with every key masked stays zero, as the op requires.
// Without the qk_matmul_output tap, the key loop stops at the causal frontier / nonpad length /
// mask length, since keys past them cannot contribute.

import type { Op, Value } from '../../../../ir/ir.js';
import type { Dim } from '../../../../ir/types.js';
import { add, constValue, f32c, get, i32, isConst, mul, sub } from '../emitter.js';
import type { KernelCtx, KernelDef } from '../kernel-api.js';
import { emitGemmAttention, type Geo } from './attention-gemm.js';
import { broadcastStrides } from './elementwise.js';

// Static shapes with at least this many keys and query rows go through the GEMM (attention-gemm.ts).
const GEMM_MIN_KEYS = 8, GEMM_MIN_ROWS = 2;

const NEG_INF4 = '(f32x4.splat (f32.const -inf))';
const ZERO4 = '(v128.const i32x4 0 0 0 0)';

/** i32 a / b, folded when both are constants. */
function div(a: string, b: string): string {
  const x = /^\(i32\.const (-?\d+)\)$/.exec(a), y = /^\(i32\.const (-?\d+)\)$/.exec(b);
  if (x && y) return i32(Math.trunc(Number(x[1]) / Number(y[1])));
  if (y && Number(y[1]) === 1) return a;
  return `(i32.div_u ${a} ${b})`;
}
const minI = (a: string, b: string): string => `(select ${a} ${b} (i32.lt_s ${a} ${b}))`;
const bytes = (e: string): string => mul(e, i32(4));

function emitAttention(k: KernelCtx, op: Op): void {
  const [Q, K, V, M, PK, PV, NP] = [0, 1, 2, 3, 4, 5, 6].map((i) => op.operands[i] ?? null);
  const [Y, PKo, PVo, QK] = [0, 1, 2, 3].map((i) => op.results[i] ?? null);
  for (const v of [Q, K, V, PK, PV, Y, PKo, PVo, QK]) {
    if (v && v.type.dtype !== 'f32') k.fail(op, `attention on ${v.type.dtype} is not supported by the wasm backend (f32 only)`);
  }
  if (M && M.type.dtype !== 'bool' && M.type.dtype !== 'f32') k.fail(op, `attention with a ${M.type.dtype} attn_mask is not supported by the wasm backend (bool or f32)`);
  if (NP && NP.type.dtype !== 'i64' && NP.type.dtype !== 'i32') k.fail(op, 'attention nonpad_kv_seqlen must be i64 or i32');
  if (!!PK !== !!PV) k.fail(op, 'attention needs both past_key and past_value, or neither');
  const em = k.em;
  const once = (hint: string, e: string): string => {
    if (isConst(e)) return e;
    const l = em.local(hint, 'i32');
    em.set(l, e);
    return get(l);
  };
  const qd = k.dims(Q!), kd = k.dims(K!), vd = k.dims(V!);
  const four = qd.length === 4;
  if (!four && qd.length !== 3) k.fail(op, `attention Q must be 3-D or 4-D, got rank ${qd.length}`);
  const attrInt = (n: string): number => {
    const a = op.attrs.get(n);
    if (!a) k.fail(op, `attention with 3-D inputs needs the ${n} attribute`);
    return Number(a.value);
  };
  const HqD: Dim = four ? qd[1]! : attrInt('q_num_heads');
  const HkvD: Dim = four ? kd[1]! : attrInt('kv_num_heads');
  const B = k.dim(qd[0]!), Hq = k.dim(HqD), Hkv = k.dim(HkvD);
  const Sq = k.dim(four ? qd[2]! : qd[1]!), Skv = k.dim(four ? kd[2]! : kd[1]!);
  const D = once('hd', four ? k.dim(qd[3]!) : div(k.dim(qd[2]!), Hq));
  const Dv = once('hdv', four ? k.dim(vd[3]!) : div(k.dim(vd[2]!), Hkv));
  const P = PK ? k.dim(k.dims(PK)[2]!) : i32(0);
  const T = once('tot', add(P, Skv));
  const group = once('grp', div(Hq, Hkv));
  const mode = Number(op.attrs.get('qk_matmul_output_mode')?.value ?? 0);
  const causal = Number(op.attrs.get('is_causal')?.value ?? 0) !== 0;
  const softcap = Number(op.attrs.get('softcap')?.value ?? 0);
  const scaleAttr = op.attrs.get('scale');
  em.comment(`attention ${four ? '4-D' : '3-D'} Q=${qd.join('x')} K=${kd.join('x')}${PK ? ' +past' : ''}${M ? ` mask(${M.type.dtype})` : ''}${causal ? ' causal' : ''}${QK ? ` qk mode ${mode}` : ''}`);

  const scale = em.local('scale', 'f32');
  em.set(scale, scaleAttr ? f32c(Number(scaleAttr.value)) : `(f32.div (f32.const 1) (f32.sqrt (f32.convert_i32_u ${D})))`);

  // Element strides (b, head, row) of each operand; the head dim is contiguous in both layouts.
  const bhsd = (H: string, S: string, d: string): [string, string, string] => [mul(mul(H, S), d), mul(S, d), d];
  const bshd = (H: string, S: string, d: string): [string, string, string] => [mul(mul(S, H), d), d, mul(H, d)];
  const lay = four ? bhsd : bshd;
  const qs = lay(Hq, Sq, D), ks = lay(Hkv, Skv, D), vs = lay(Hkv, Skv, Dv), ys = lay(Hq, Sq, Dv);
  const ps = bhsd(Hkv, P, D), pvs = bhsd(Hkv, P, Dv);

  if (PKo) copyPresent(k, PKo, PK, K!, ks, ps, B, Hkv, P, Skv, T, D);
  if (PVo) copyPresent(k, PVo, PV, V!, vs, pvs, B, Hkv, P, Skv, T, Dv);

  const maskDims = M ? k.dims(M) : [];
  const maskLenD: Dim = M ? maskDims[maskDims.length - 1]! : 0;
  const maskLen = k.dim(maskLenD);
  const ms = M ? broadcastStrides(k, maskDims, [four ? qd[0]! : qd[0]!, HqD, four ? qd[2]! : qd[1]!, maskLenD]) : [];
  const row = (o: Value, [sb, sh, sr]: readonly string[], b: string, h: string, r: string): string =>
    add(k.ptr(o), bytes(add(add(mul(b, sb), mul(h, sh)), mul(r, sr))));

  const offset = em.local('off', 'i32'), npLen = em.local('np', 'i32'), limit = em.local('lim', 'i32');
  const perBatch = (b: string): { offset: string; npLen: string } => {
    if (NP) {
      const ld = NP.type.dtype === 'i64' ? `(i32.wrap_i64 (i64.load ${add(k.ptr(NP), mul(b, i32(8)))}))` : `(i32.load ${add(k.ptr(NP), bytes(b))})`;
      em.set(npLen, ld);
    }
    // Causal frontier: query i sees keys j <= i + offset (past keys, or the padded cache's end).
    em.set(offset, PK || !NP ? P : sub(get(npLen), Sq));
    return { offset, npLen };
  };
  const statics = [Sq, T, D, Dv].map(constValue);
  if (statics.every((x) => x !== undefined) && statics[1]! >= GEMM_MIN_KEYS && statics[0]! >= GEMM_MIN_ROWS) {
    const g: Geo = { Q: Q!, K: K!, V: V!, PK, PV, Y: Y!, QK, M, NP, B, Hq, Hkv, P, group, qs, ks, vs, ys, ps, pvs, ms, maskLen, mode, causal, softcap, scale, row, perBatch };
    return emitGemmAttention(k, g, statics[0]!, statics[1]!, statics[2]!, statics[3]!);
  }
  const kvh = em.local('kvh', 'i32');
  const qp = em.local('qp', 'i32'), yp = em.local('yp', 'i32'), qkp = em.local('qkp', 'i32'), mp = em.local('mp', 'i32');
  const m = em.local('m', 'f32'), l = em.local('l', 'f32');
  em.loop('b', B, (b) => {
    perBatch(b);
    em.loop('h', Hq, (h) => {
      em.set(kvh, div(h, group));
      em.loop('i', Sq, (i) => {
        em.set(qp, row(Q!, qs, b, h, i));
        em.set(yp, row(Y!, ys, b, h, i));
        if (QK) em.set(qkp, add(k.ptr(QK), bytes(mul(add(mul(add(mul(b, Hq), h), Sq), i), T))));
        if (M) em.set(mp, add(add(mul(b, ms[0]!), mul(h, ms[1]!)), mul(i, ms[2]!)));
        let lim = T;
        if (!QK) {
          if (causal) lim = minI(lim, add(add(i, get(offset)), i32(1)));
          if (NP) lim = minI(lim, get(npLen));
          if (M && maskLen !== T) lim = minI(lim, maskLen);
        }
        em.set(limit, lim);
        em.vecLoop(Dv, (e) => em.line(`(v128.store align=4 ${add(get(yp), bytes(e))} ${ZERO4})`), (e) => em.line(`(f32.store ${add(get(yp), bytes(e))} (f32.const 0))`));
        em.set(m, '(f32.const -inf)');
        em.set(l, '(f32.const 0)');
        const ctx: Ctx = { k, op, D, Dv, scale, softcap, mode, causal, QK, M, maskLen, ms, NP, qp, yp, qkp, mp, offset, npLen, m, l, i };
        if (PK) segment(ctx, { kBase: row(PK, ps, b, get(kvh), i32(0)), kStep: bytes(D), vBase: row(PV!, pvs, b, get(kvh), i32(0)), vStep: bytes(Dv), start: i32(0), end: minI(P, get(limit)) });
        segment(ctx, { kBase: row(K!, ks, b, get(kvh), i32(0)), kStep: bytes(ks[2]), vBase: row(V!, vs, b, get(kvh), i32(0)), vStep: bytes(vs[2]), start: P, end: get(limit) });
        finish(ctx, T);
      });
    });
  });
}

/** What the bias of one key needs: the mask row base (mp), the causal offset, the nonpad length, the query index i. */
export interface BiasCtx {
  k: KernelCtx; causal: boolean; M: Value | null; maskLen: string; ms: readonly string[]; NP: Value | null;
  mp: string; offset: string; npLen: string; i: string;
}
interface Ctx extends BiasCtx {
  op: Op; D: string; Dv: string; scale: string; softcap: number; mode: number;
  QK: Value | null; qp: string; yp: string; qkp: string; m: string; l: string;
}
interface Seg { kBase: string; kStep: string; vBase: string; vStep: string; start: string; end: string }

/** Keys [start, end) of one source: blocks of 4, then single keys. */
function segment(c: Ctx, s: Seg): void {
  const em = c.k.em;
  const kb = em.local('kb', 'i32'), vb = em.local('vb', 'i32'), j = em.local('j', 'i32');
  em.set(kb, s.kBase);
  em.set(vb, s.vBase);
  const at = (base: string, step: string, lane: number): string => add(add(get(base), mul(sub(get(j), s.start), step)), mul(i32(lane), step));
  em.forRange(j, s.start, s.end, 4, () => block(c, 4, get(j), (lane) => at(kb, s.kStep, lane), (lane) => at(vb, s.vStep, lane)));
  em.forRange(j, get(j), s.end, 1, () => block(c, 1, get(j), (lane) => at(kb, s.kStep, lane), (lane) => at(vb, s.vStep, lane)));
}

/** W (4 or 1) keys starting at absolute key index j; lanes >= W are inert (-inf scores). */
function block(c: Ctx, W: number, j: string, kRow: (lane: number) => string, vRow: (lane: number) => string): void {
  const k = c.k, em = k.em;
  const lanes = Array.from({ length: W }, (_, x) => x);
  const hsum = k.helper('hsum'), hmax = k.helper('hmax'), exp4 = k.helper('exp4');
  const kr = lanes.map((x) => { const r = em.local('kr', 'i32'); em.set(r, kRow(x)); return get(r); });
  const acc = lanes.map(() => em.local('dot', 'v128')), sc = lanes.map(() => em.local('dts', 'f32'));
  const qv = em.local('qv', 'v128'), s = em.local('sc', 'v128');
  for (const x of lanes) { em.set(acc[x]!, ZERO4); em.set(sc[x]!, '(f32.const 0)'); }
  em.vecLoop(c.D, (d) => {
    em.set(qv, `(v128.load align=4 ${add(get(c.qp), bytes(d))})`);
    for (const x of lanes) em.set(acc[x]!, `(f32x4.add ${get(acc[x]!)} (f32x4.mul ${get(qv)} (v128.load align=4 ${add(kr[x]!, bytes(d))})))`);
  }, (d) => {
    for (const x of lanes) em.set(sc[x]!, `(f32.add ${get(sc[x]!)} (f32.mul (f32.load ${add(get(c.qp), bytes(d))}) (f32.load ${add(kr[x]!, bytes(d))})))`);
  });
  em.set(s, ZERO4);
  for (const x of lanes) em.set(s, `(f32x4.replace_lane ${x} ${get(s)} (f32.mul (f32.add (call ${hsum} ${get(acc[x]!)}) ${get(sc[x]!)}) ${get(c.scale)}))`);
  const tap = (when: boolean): void => {
    if (!c.QK || !when) return;
    const dst = add(get(c.qkp), bytes(j));
    if (W === 4) em.line(`(v128.store align=4 ${dst} ${get(s)})`);
    else em.line(`(f32.store ${dst} (f32x4.extract_lane 0 ${get(s)}))`);
  };
  tap(c.mode === 0);
  if (c.softcap > 0) {
    em.set(s, `(f32x4.mul (call ${k.helper('tanh4')} (f32x4.mul ${get(s)} (f32x4.splat ${f32c(1 / c.softcap)}))) (f32x4.splat ${f32c(c.softcap)}))`);
  }
  tap(c.mode === 1);
  // Bias lanes: -inf for masked keys and for the inert lanes of a single-key block.
  const masked = c.M || c.causal || c.NP;
  if (masked || W < 4) {
    const bias = em.local('bias', 'v128');
    em.set(bias, W === 4 ? ZERO4 : '(v128.const f32x4 0 -inf -inf -inf)');
    for (const x of lanes) {
      const v = biasLane(c, add(j, i32(x)));
      if (v) em.set(bias, `(f32x4.replace_lane ${x} ${get(bias)} ${v})`);
    }
    em.set(s, `(f32x4.add ${get(s)} ${get(bias)})`);
  }
  tap(c.mode >= 2);
  // Online softmax step. A block whose scores are all -inf adds nothing (and must not rescale).
  const bm = em.local('bm', 'f32'), alpha = em.local('alpha', 'f32'), p = em.local('p', 'v128');
  em.set(bm, `(call ${hmax} ${get(s)})`);
  em.when(`(f32.ne ${get(bm)} (f32.const -inf))`, () => {
    em.when(`(f32.gt ${get(bm)} ${get(c.m)})`, () => {
      em.set(alpha, `(f32x4.extract_lane 0 (call ${exp4} (f32x4.splat (f32.sub ${get(c.m)} ${get(bm)}))))`);
      em.set(c.l, `(f32.mul ${get(c.l)} ${get(alpha)})`);
      scaleRow(c, get(alpha));
      em.set(c.m, get(bm));
    });
    em.set(p, `(v128.and (call ${exp4} (f32x4.sub ${get(s)} (f32x4.splat ${get(c.m)}))) (f32x4.ne ${get(s)} ${NEG_INF4}))`);
    em.set(c.l, `(f32.add ${get(c.l)} (call ${hsum} ${get(p)}))`);
    const vr = lanes.map((x) => { const r = em.local('vr', 'i32'); em.set(r, vRow(x)); return get(r); });
    const pv = lanes.map((x) => { const r = em.local('pv', 'v128'); em.set(r, `(f32x4.splat (f32x4.extract_lane ${x} ${get(p)}))`); return get(r); });
    em.vecLoop(c.Dv, (e) => {
      const terms = lanes.reduce((a, x) => `(f32x4.add ${a} (f32x4.mul ${pv[x]} (v128.load align=4 ${add(vr[x]!, bytes(e))})))`, `(v128.load align=4 ${add(get(c.yp), bytes(e))})`);
      em.line(`(v128.store align=4 ${add(get(c.yp), bytes(e))} ${terms})`);
    }, (e) => {
      const terms = lanes.reduce((a, x) => `(f32.add ${a} (f32.mul (f32x4.extract_lane 0 ${pv[x]}) (f32.load ${add(vr[x]!, bytes(e))})))`, `(f32.load ${add(get(c.yp), bytes(e))})`);
      em.line(`(f32.store ${add(get(c.yp), bytes(e))} ${terms})`);
    });
  });
}

/** The additive bias of key jj for the current query row (mask, causal, nonpad), or null for 0. */
export function biasLane(c: BiasCtx, jj: string): string | null {
  let v: string | null = null;
  if (c.M) {
    const mv = c.M.type.dtype === 'bool'
      ? `(select (f32.const 0) (f32.const -inf) (i32.load8_u ${add(c.k.ptr(c.M), add(get(c.mp), mul(jj, c.ms[3]!)))}))`
      : `(f32.load ${add(c.k.ptr(c.M), bytes(add(get(c.mp), mul(jj, c.ms[3]!))))})`;
    v = `(if (result f32) (i32.lt_s ${jj} ${c.maskLen}) (then ${mv}) (else (f32.const -inf)))`;
  }
  const off: string[] = [];
  if (c.causal) off.push(`(i32.gt_s ${jj} ${add(c.i, get(c.offset))})`);
  if (c.NP) off.push(`(i32.ge_s ${jj} ${get(c.npLen)})`);
  if (off.length) v = `(select (f32.const -inf) ${v ?? '(f32.const 0)'} ${off.reduce((a, b) => `(i32.or ${a} ${b})`)})`;
  return v;
}

function scaleRow(c: Ctx, f: string): void {
  const em = c.k.em;
  em.vecLoop(c.Dv, (e) => em.line(`(v128.store align=4 ${add(get(c.yp), bytes(e))} (f32x4.mul (v128.load align=4 ${add(get(c.yp), bytes(e))}) (f32x4.splat ${f})))`),
    (e) => em.line(`(f32.store ${add(get(c.yp), bytes(e))} (f32.mul (f32.load ${add(get(c.yp), bytes(e))}) ${f}))`));
}

/** y /= l (a fully masked row has l = 0 and stays zero); mode 3 turns the stored scores into probabilities. */
function finish(c: Ctx, T: string): void {
  const em = c.k.em;
  const inv = em.local('inv', 'f32');
  em.set(inv, `(select (f32.div (f32.const 1) ${get(c.l)}) (f32.const 0) (f32.gt ${get(c.l)} (f32.const 0)))`);
  em.when(`(f32.gt ${get(c.l)} (f32.const 0))`, () => scaleRow(c, get(inv)));
  if (c.QK && c.mode === 3) {
    const exp4 = c.k.helper('exp4');
    const x = em.local('x', 'v128');
    const prob = (v: string): string => `(f32x4.mul (v128.and (call ${exp4} (f32x4.sub ${v} (f32x4.splat ${get(c.m)}))) (f32x4.ne ${v} ${NEG_INF4})) (f32x4.splat ${get(inv)}))`;
    em.vecLoop(T, (j) => {
      em.set(x, `(v128.load align=4 ${add(get(c.qkp), bytes(j))})`);
      em.line(`(v128.store align=4 ${add(get(c.qkp), bytes(j))} ${prob(get(x))})`);
    }, (j) => {
      em.set(x, `(f32x4.splat (f32.load ${add(get(c.qkp), bytes(j))}))`);
      em.line(`(f32.store ${add(get(c.qkp), bytes(j))} (f32x4.extract_lane 0 ${prob(get(x))}))`);
    });
  }
}

/** present[b, h] = concat(past[b, h], cur[b, h]) along the sequence ([B, H, T, d] output). */
function copyPresent(k: KernelCtx, out: Value, past: Value | null, cur: Value, cs: readonly string[], ps: readonly string[],
  B: string, H: string, P: string, S: string, T: string, d: string): void {
  const em = k.em;
  const src = em.local('src', 'i32'), dst = em.local('dst', 'i32');
  const copyRow = (): void => em.vecLoop(d, (e) => em.line(`(v128.store align=4 ${add(get(dst), bytes(e))} (v128.load align=4 ${add(get(src), bytes(e))}))`),
    (e) => em.line(`(f32.store ${add(get(dst), bytes(e))} (f32.load ${add(get(src), bytes(e))}))`));
  em.loop('b', B, (b) => em.loop('h', H, (h) => {
    const rowOf = (j: string): string => add(k.ptr(out), bytes(mul(add(mul(add(mul(b, H), h), T), j), d)));
    if (past) em.loop('j', P, (j) => {
      em.set(src, add(k.ptr(past), bytes(add(add(mul(b, ps[0]!), mul(h, ps[1]!)), mul(j, ps[2]!)))));
      em.set(dst, rowOf(j));
      copyRow();
    });
    em.loop('j', S, (j) => {
      em.set(src, add(k.ptr(cur), bytes(add(add(mul(b, cs[0]!), mul(h, cs[1]!)), mul(j, cs[2]!)))));
      em.set(dst, rowOf(add(P, j)));
      copyRow();
    });
  }));
}

export const ATTENTION_KERNEL: KernelDef = {
  emit: emitAttention,
  // QK^T and PV products: 2 flops per multiply-add, T keys for every element of Q and of Y.
  flops: (op, numel) => {
    const kd = op.operands[1]!.type.shape ?? [], pd = op.operands[4]?.type.shape ?? [];
    const T = (Number(kd[kd.length === 4 ? 2 : 1]) || 1) + (Number(pd[2]) || 0);
    return 2 * T * (numel(op.operands[0]!) + numel(op.results[0]!));
  },
};
