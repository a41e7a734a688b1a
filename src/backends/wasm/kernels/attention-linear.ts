// Recurrent ops of linear-attention models, f32.
//  - linear_attention: the [d_k, d_v] state per KV head lives in present_state when that output
//    is requested (else in scratch, which needs static sizes) and is updated token by token as
//    the interpreter does: decay (S *= exp(g)), delta (v <- beta (v - S^T k'), k' = erase * k),
//    then S += k v^T; every query head then reads o = scale q^T S of its KV head. All passes run
//    along d_v, which is contiguous in S, v and o, in f32x4 with a scalar tail.
//  - causal_conv_with_state: depthwise causal conv1d whose left context is past_state (or zeros);
//    output positions l >= K-1 read only the input and run four at a time, the first K-1 read
//    through the state; optional SiLU; present_state = the last K-1 padded inputs.

import type { Op, Value } from '../../../../ir/ir.js';
import { add, constValue, f32c, get, i32, isConst, mul, sub } from '../emitter.js';
import type { KernelCtx, KernelDef } from '../kernel-api.js';

const bytes = (e: string): string => mul(e, i32(4));
const ZERO4 = '(v128.const i32x4 0 0 0 0)';

function f32Only(k: KernelCtx, op: Op, vs: readonly (Value | null)[]): void {
  for (const v of vs) if (v && v.type.dtype !== 'f32') k.fail(op, `${op.name} on ${v.type.dtype} is not supported by the wasm backend (f32 only)`);
}

/** dst[e] = f(dst[e], e) over n floats: f32x4 body, scalar tail through lane 0. */
function rowOp(k: KernelCtx, n: string, dst: string, f: (cur: string, at: (p: string) => string, vec: boolean) => string): void {
  const em = k.em;
  em.vecLoop(n, (e) => {
    const at = (p: string): string => `(v128.load align=4 ${add(p, bytes(e))})`;
    em.line(`(v128.store align=4 ${add(dst, bytes(e))} ${f(at(dst), at, true)})`);
  }, (e) => {
    const at = (p: string): string => `(f32x4.splat (f32.load ${add(p, bytes(e))}))`;
    em.line(`(f32.store ${add(dst, bytes(e))} (f32x4.extract_lane 0 ${f(at(dst), at, false)}))`);
  });
}

function emitLinearAttention(k: KernelCtx, op: Op): void {
  const [Q, K, V, PS, DEC, BETA, ERASE] = [0, 1, 2, 3, 4, 5, 6].map((i) => op.operands[i] ?? null);
  const [O, PSo] = [0, 1].map((i) => op.results[i] ?? null);
  f32Only(k, op, [Q, K, V, PS, DEC, BETA, ERASE, O, PSo]);
  const rule = String(op.attrs.get('update_rule')?.value ?? 'gated_delta');
  const gating = rule === 'gated' || rule === 'gated_delta', delta = rule === 'delta' || rule === 'gated_delta';
  if (gating !== !!DEC) k.fail(op, `linear_attention: update_rule '${rule}' ${gating ? 'requires' : 'forbids'} the decay input`);
  if (delta !== !!BETA) k.fail(op, `linear_attention: update_rule '${rule}' ${delta ? 'requires' : 'forbids'} the beta input`);
  if (ERASE && !delta) k.fail(op, `linear_attention: update_rule '${rule}' forbids the erase_gate input`);
  const hq = Number(op.attrs.get('q_num_heads')?.value ?? 0), hkv = Number(op.attrs.get('kv_num_heads')?.value ?? 0);
  const qd = k.dims(Q!), vd = k.dims(V!);
  const [qh, vh] = [qd[2]!, vd[2]!];
  if (typeof qh !== 'number' || typeof vh !== 'number') k.fail(op, 'linear_attention needs static hidden sizes in the wasm backend');
  const dk = qh / hq, dv = vh / hkv, group = hq / hkv;
  const B = k.dim(qd[0]!), T = k.dim(qd[1]!);
  const scaleAttr = Number(op.attrs.get('scale')?.value ?? 0);
  const scale = scaleAttr === 0 ? 1 / Math.sqrt(dk) : scaleAttr;
  const decayLast = DEC ? k.dims(DEC)[2] : 0, betaLast = BETA ? k.dims(BETA)[2] : 0;
  const em = k.em;
  em.comment(`linear_attention ${rule} B=${qd[0]} T=${qd[1]} hq=${hq} hkv=${hkv} dk=${dk} dv=${dv}`);
  // State: present_state itself when requested, else scratch (static batch only).
  const stateBytes = (): number => {
    const b = qd[0];
    if (typeof b !== 'number') k.fail(op, 'linear_attention without a present_state output needs a static batch in the wasm backend');
    return 4 * b * hkv * dk * dv;
  };
  const state = PSo ? k.ptr(PSo) : k.scratch(stateBytes());
  const tmp = k.scratch(4 * (dk + dv));
  const vt = tmp, ke = add(tmp, i32(4 * dv));
  const nState = mul(B, i32(hkv * dk * dv));
  if (PS) em.line(`(memory.copy ${state} ${k.ptr(PS)} ${bytes(nState)})`);
  else em.line(`(memory.fill ${state} (i32.const 0) ${bytes(nState)})`);
  const sp = em.local('sp', 'i32'), srow = em.local('srow', 'i32'), tok = em.local('tok', 'i32'), kOff = em.local('koff', 'i32');
  const g = em.local('g', 'v128'), bt = em.local('bt', 'v128'), kd = em.local('kd', 'v128'), op_ = em.local('op', 'i32');
  const exp4 = k.helper('exp4');
  const ld = (v: Value, idx: string): string => `(f32.load ${add(k.ptr(v), bytes(idx))})`;
  em.loop('b', B, (b) => em.loop('t', T, (t) => {
    em.set(tok, add(mul(b, T), t));
    em.loop('h', i32(hkv), (h) => {
      em.set(sp, add(state, bytes(mul(add(mul(b, i32(hkv)), h), i32(dk * dv)))));
      em.set(kOff, add(mul(get(tok), i32(hkv * dk)), mul(h, i32(dk))));
      const vsrc = add(k.ptr(V!), bytes(add(mul(get(tok), i32(hkv * dv)), mul(h, i32(dv)))));
      rowOp(k, i32(dv), vt, (_c, at) => at(vsrc));
      const rows = (body: (d: string) => void): void => { em.loop('d', i32(dk), (d) => { em.set(srow, add(get(sp), bytes(mul(d, i32(dv))))); body(d); }); };
      if (DEC) {
        rows((d) => {
          const gi = decayLast === hkv ? add(mul(get(tok), i32(hkv)), h) : add(get(kOff), d);
          em.set(g, `(call ${exp4} (f32x4.splat ${ld(DEC, gi)}))`);
          rowOp(k, i32(dv), get(srow), (c) => `(f32x4.mul ${c} ${get(g)})`);
        });
      }
      if (BETA) {
        em.loop('d', i32(dk), (d) => {
          const kv = ld(K!, add(get(kOff), d));
          em.line(`(f32.store ${add(ke, bytes(d))} ${ERASE ? `(f32.mul ${ld(ERASE, add(get(kOff), d))} ${kv})` : kv})`);
        });
        rows((d) => {
          em.set(kd, `(f32x4.splat (f32.load ${add(ke, bytes(d))}))`);
          rowOp(k, i32(dv), vt, (c, at) => `(f32x4.sub ${c} (f32x4.mul ${get(kd)} ${at(get(srow))}))`);
        });
        em.set(bt, `(f32x4.splat ${ld(BETA, add(mul(get(tok), i32(Number(betaLast))), betaLast === 1 ? i32(0) : h))})`);
        rowOp(k, i32(dv), vt, (c) => `(f32x4.mul ${c} ${get(bt)})`);
      }
      rows((d) => {
        em.set(kd, `(f32x4.splat ${ld(K!, add(get(kOff), d))})`);
        rowOp(k, i32(dv), get(srow), (c, at) => `(f32x4.add ${c} (f32x4.mul ${get(kd)} ${at(vt)}))`);
      });
    });
    // Query heads read their KV head's state after every KV head took this token.
    em.loop('h', i32(hq), (h) => {
      em.set(sp, add(state, bytes(mul(add(mul(b, i32(hkv)), group === 1 ? h : `(i32.div_u ${h} ${i32(group)})`), i32(dk * dv)))));
      em.set(op_, add(k.ptr(O!), bytes(add(mul(get(tok), i32(hq * dv)), mul(h, i32(dv))))));
      rowOp(k, i32(dv), get(op_), () => ZERO4);
      em.loop('d', i32(dk), (d) => {
        em.set(srow, add(get(sp), bytes(mul(d, i32(dv)))));
        em.set(kd, `(f32x4.splat ${ld(Q!, add(add(mul(get(tok), i32(hq * dk)), mul(h, i32(dk))), d))})`);
        rowOp(k, i32(dv), get(op_), (c, at) => `(f32x4.add ${c} (f32x4.mul ${get(kd)} ${at(get(srow))}))`);
      });
      rowOp(k, i32(dv), get(op_), (c) => `(f32x4.mul ${c} (f32x4.splat ${f32c(scale)}))`);
    });
  }));
}

function emitCausalConv(k: KernelCtx, op: Op): void {
  const [X, W, BIAS, PS] = [0, 1, 2, 3].map((i) => op.operands[i] ?? null);
  const [Y, PSo] = [0, 1].map((i) => op.results[i] ?? null);
  f32Only(k, op, [X, W, BIAS, PS, Y, PSo]);
  const act = String(op.attrs.get('activation')?.value ?? 'none');
  if (!['none', 'silu', 'swish'].includes(act)) k.fail(op, `causal_conv_with_state: unknown activation '${act}'`);
  const xd = k.dims(X!), wd = k.dims(W!);
  const B = k.dim(xd[0]!), C = k.dim(xd[1]!), L = k.dim(xd[2]!), K = k.dim(wd[2]!);
  const P = sub(K, i32(1));
  const em = k.em;
  em.comment(`causal_conv_with_state ${xd.join('x')} k=${wd[2]} activation=${act}`);
  const xp = em.local('xp', 'i32'), pp = em.local('pp', 'i32'), wp = em.local('wp', 'i32'), yp = em.local('yp', 'i32');
  const acc = em.local('acc', 'v128'), m = em.local('m', 'i32');
  const sig = act === 'none' ? '' : k.helper('sigmoid4');
  const finish = (v: string): string => (act === 'none' ? v : `(f32x4.mul ${v} (call ${sig} ${v}))`);
  // padded[m] = m < P ? past[m] (or 0) : x[m - P]
  const padded = (mm: string): string => {
    const fromPast = PS ? `(f32.load ${add(get(pp), bytes(mm))})` : '(f32.const 0)';
    return `(if (result f32) (i32.lt_s ${mm} ${P}) (then ${fromPast}) (else (f32.load ${add(get(xp), bytes(sub(mm, P)))})))`;
  };
  em.loop('b', B, (b) => em.loop('c', C, (c) => {
    const bc = add(mul(b, C), c);
    em.set(xp, add(k.ptr(X!), bytes(mul(bc, L))));
    em.set(yp, add(k.ptr(Y!), bytes(mul(bc, L))));
    if (PS) em.set(pp, add(k.ptr(PS), bytes(mul(bc, P))));
    em.set(wp, add(k.ptr(W!), bytes(mul(c, K))));
    const bias = BIAS ? `(f32x4.splat (f32.load ${add(k.ptr(BIAS), bytes(c))}))` : ZERO4;
    // Positions whose window reaches into the state, one at a time.
    const l = em.local('l', 'i32');
    const head = isConst(P) && isConst(L) ? i32(Math.min(constValue(P)!, constValue(L)!)) : `(select ${P} ${L} (i32.lt_s ${P} ${L}))`;
    em.forRange(l, i32(0), head, 1, () => {
      em.set(acc, bias);
      em.loop('j', K, (j) => {
        em.set(m, add(get(l), j));
        em.set(acc, `(f32x4.add ${get(acc)} (f32x4.mul (f32x4.splat ${padded(get(m))}) (f32x4.splat (f32.load ${add(get(wp), bytes(j))}))))`);
      });
      em.line(`(f32.store ${add(get(yp), bytes(get(l)))} (f32x4.extract_lane 0 ${finish(get(acc))}))`);
    });
    // The rest reads only x: out[l..l+3] = bias + sum_j w[j] x[l + j - P .. +3].
    const tap = (width: number): void => {
      em.set(acc, bias);
      em.loop('j', K, (j) => {
        const src = add(get(xp), bytes(sub(add(get(l), j), P)));
        const xv = width === 4 ? `(v128.load align=4 ${src})` : `(f32x4.splat (f32.load ${src}))`;
        em.set(acc, `(f32x4.add ${get(acc)} (f32x4.mul ${xv} (f32x4.splat (f32.load ${add(get(wp), bytes(j))}))))`);
      });
      const dst = add(get(yp), bytes(get(l)));
      em.line(width === 4 ? `(v128.store align=4 ${dst} ${finish(get(acc))})` : `(f32.store ${dst} (f32x4.extract_lane 0 ${finish(get(acc))}))`);
    };
    em.forRange(l, get(l), L, 4, () => tap(4));
    em.forRange(l, get(l), L, 1, () => tap(1));
    if (PSo) {
      em.loop('j', P, (j) => em.line(`(f32.store ${add(k.ptr(PSo), bytes(add(mul(bc, P), j)))} ${padded(add(L, j))})`));
    }
  }));
}

export const LINEAR_ATTENTION_KERNEL: KernelDef = {
  emit: emitLinearAttention,
  flops: (op, numel) => 6 * numel(op.results[0]!) * (Number((op.operands[0]!.type.shape ?? [])[2]) || 1) / Math.max(1, Number(op.attrs.get('q_num_heads')?.value ?? 1)),
};
export const CAUSAL_CONV_KERNEL: KernelDef = {
  emit: emitCausalConv,
  flops: (op, numel) => 2 * numel(op.results[0]!) * (Number((op.operands[1]!.type.shape ?? [])[2]) || 1),
};
