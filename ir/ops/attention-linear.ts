// Recurrent-state ops of linear-attention models (ONNX opset 27/28):
//  - LinearAttention: per-head state S [d_k, d_v] updated token by token with one of the rules
//    linear (S += k⊗v), gated (S = S·exp(g) + k⊗v), delta (v ← β(v − Sᵀk)) or gated_delta
//    (both); output o = scale · qᵀS. State is kept in f32 like the ONNX reference.
//  - CausalConvWithState: depthwise causal conv1d whose left padding is the carried state,
//    with optional fused SiLU.

import type { EvalCtx, InferCtx } from '../op-def.js';
import { defineOps } from '../op-def.js';
import { zeros, type NumericArray, type Tensor } from '../tensor.js';
import type { Dim, TensorType } from '../types.js';
import { UNKNOWN_DIM } from '../types.js';
import { asF64, divDim } from './attention-util.js';
import { rankedShape } from './util.js';

const UPDATE_RULES = ['linear', 'gated', 'delta', 'gated_delta'];

function inferLinearAttention(ctx: InferCtx): TensorType[] {
  const q = rankedShape(ctx, 0), v = rankedShape(ctx, 2);
  if (q.length !== 3 || v.length !== 3) ctx.fail('query, key and value must be 3-D [B, T, H*D]');
  const hq = ctx.attrs.int('q_num_heads'), hkv = ctx.attrs.int('kv_num_heads');
  if (hq <= 0 || hkv <= 0 || hq % hkv !== 0) ctx.fail(`q_num_heads (${hq}) must be a positive multiple of kv_num_heads (${hkv})`);
  if (!UPDATE_RULES.includes(ctx.attrs.string('update_rule'))) ctx.fail(`unknown update_rule '${ctx.attrs.string('update_rule')}'`);
  const k = rankedShape(ctx, 1);
  for (const [hidden, heads, name] of [[q[2]!, hq, 'query'], [k[2]!, hkv, 'key'], [v[2]!, hkv, 'value']] as const) {
    if (typeof hidden === 'number' && hidden % heads !== 0) ctx.fail(`${name} hidden size ${hidden} is not divisible by ${heads} heads`);
  }
  const dk = divDim(q[2]!, hq), dv = divDim(v[2]!, hkv);
  const past = ctx.inputs[3];
  const out: Dim = typeof dv === 'number' ? hq * dv : UNKNOWN_DIM;
  return [
    { dtype: ctx.inputs[0]!.dtype, shape: [q[0]!, q[1]!, out] },
    { dtype: past ? past.dtype : ctx.inputs[0]!.dtype, shape: [q[0]!, hkv, dk, dv] },
  ].slice(0, ctx.numResults);
}

function evalLinearAttention(ctx: EvalCtx): Tensor[] {
  const [qT, kT, vT, pastT, decayT, betaT, eraseT] = ctx.inputs;
  const rule = ctx.attrs.string('update_rule');
  const gating = rule === 'gated' || rule === 'gated_delta';
  const delta = rule === 'delta' || rule === 'gated_delta';
  if (gating !== !!decayT) ctx.fail(`update_rule '${rule}' ${gating ? 'requires' : 'forbids'} the decay input`);
  if (delta !== !!betaT) ctx.fail(`update_rule '${rule}' ${delta ? 'requires' : 'forbids'} the beta input`);
  if (eraseT && !delta) ctx.fail(`update_rule '${rule}' forbids the erase_gate input`);
  const hq = ctx.attrs.int('q_num_heads'), hkv = ctx.attrs.int('kv_num_heads');
  const [B, T] = qT!.shape as [number, number, number];
  const dk = qT!.shape[2]! / hq, dv = vT!.shape[2]! / hkv;
  if (!Number.isInteger(dk) || !Number.isInteger(dv)) ctx.fail('query/value hidden sizes must divide by the head counts');
  if (kT!.shape[2] !== hkv * dk) ctx.fail(`key hidden size must be kv_num_heads * ${dk}`);
  const group = hq / hkv;
  const q = asF64(qT!), k = asF64(kT!), v = asF64(vT!);
  const f = Math.fround;
  const decay = decayT ? asF64(decayT) : null;
  const decayLast = decayT ? decayT.shape[2]! : 0;
  if (decayT && decayLast !== hkv && decayLast !== hkv * dk) ctx.fail(`decay last dim must be ${hkv} or ${hkv * dk}`);
  const beta = betaT ? asF64(betaT) : null;
  const betaLast = betaT ? betaT.shape[2]! : 0;
  if (betaT && betaLast !== hkv && betaLast !== 1) ctx.fail(`beta last dim must be ${hkv} or 1`);
  const erase = eraseT ? asF64(eraseT) : null;
  const state = new Float64Array(B * hkv * dk * dv);
  if (pastT) {
    const p = pastT.shape;
    if (p.join() !== [B, hkv, dk, dv].join()) ctx.fail(`past_state shape [${p.join(',')}] must be [${[B, hkv, dk, dv].join(',')}]`);
    state.set(asF64(pastT));
  }
  const scaleAttr = ctx.attrs.has('scale') ? ctx.attrs.float('scale') : 0;
  const scale = scaleAttr === 0 ? 1 / Math.sqrt(dk) : scaleAttr;
  const out = zeros(qT!.dtype, [B, T, hq * dv]);
  const o = out.data as NumericArray;
  const vt = new Float64Array(dv), ke = new Float64Array(dk);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      for (let h = 0; h < hkv; h++) {
        const S = state.subarray(((b * hkv + h) * dk) * dv, ((b * hkv + h + 1) * dk) * dv);
        const kOff = (b * T + t) * hkv * dk + h * dk;
        for (let e = 0; e < dv; e++) vt[e] = v[(b * T + t) * hkv * dv + h * dv + e]!;
        if (decay) {
          for (let d = 0; d < dk; d++) {
            const g = decayLast === hkv ? decay[(b * T + t) * hkv + h]! : decay[kOff + d]!;
            const m = f(Math.exp(g));
            for (let e = 0; e < dv; e++) S[d * dv + e] = f(S[d * dv + e]! * m);
          }
        }
        if (beta) {
          for (let d = 0; d < dk; d++) ke[d] = erase ? f(erase[kOff + d]! * k[kOff + d]!) : k[kOff + d]!;
          const bt = beta[(b * T + t) * betaLast + (betaLast === 1 ? 0 : h)]!;
          for (let e = 0; e < dv; e++) {
            let r = 0;
            for (let d = 0; d < dk; d++) r += S[d * dv + e]! * ke[d]!;
            vt[e] = f(bt * f(vt[e]! - f(r)));
          }
        }
        for (let d = 0; d < dk; d++) {
          const kd = k[kOff + d]!;
          for (let e = 0; e < dv; e++) S[d * dv + e] = f(S[d * dv + e]! + kd * vt[e]!);
        }
      }
      // Read after all KV heads are updated for this step; query head h reads KV head h / group.
      for (let h = 0; h < hq; h++) {
        const S = state.subarray(((b * hkv + Math.floor(h / group)) * dk) * dv);
        const qOff = (b * T + t) * hq * dk + h * dk;
        for (let e = 0; e < dv; e++) {
          let acc = 0;
          for (let d = 0; d < dk; d++) acc += q[qOff + d]! * S[d * dv + e]!;
          o[(b * T + t) * hq * dv + h * dv + e] = scale * acc;
        }
      }
    }
  }
  const present = zeros(pastT ? pastT.dtype : qT!.dtype, [B, hkv, dk, dv]);
  (present.data as NumericArray).set(state);
  return [out, present].slice(0, ctx.resultTypes.length);
}

function inferCausalConv(ctx: InferCtx): TensorType[] {
  const x = rankedShape(ctx, 0), w = rankedShape(ctx, 1);
  if (x.length !== 3) ctx.fail('input must be 3-D [B, C, L]');
  if (w.length !== 3) ctx.fail('weight must be 3-D [C, 1, k]');
  const act = ctx.attrs.string('activation');
  if (!['none', 'silu', 'swish'].includes(act)) ctx.fail(`unknown activation '${act}'`);
  const k = w[2]!;
  const dt = ctx.inputs[0]!.dtype;
  return [
    { dtype: dt, shape: [...x] },
    { dtype: dt, shape: [x[0]!, x[1]!, typeof k === 'number' ? k - 1 : UNKNOWN_DIM] },
  ].slice(0, ctx.numResults);
}

function evalCausalConv(ctx: EvalCtx): Tensor[] {
  const [xT, wT, biasT, pastT] = ctx.inputs;
  const [B, C, L] = xT!.shape as [number, number, number];
  const K = wT!.shape[2]!;
  if (wT!.shape[0] !== C || wT!.shape[1] !== 1) ctx.fail(`weight must be [${C}, 1, k]`);
  const P = K - 1, W = P + L;
  const x = asF64(xT!), w = asF64(wT!);
  const bias = biasT ? asF64(biasT) : null;
  const past = pastT ? asF64(pastT) : null;
  if (pastT && pastT.shape.join() !== [B, C, P].join()) ctx.fail(`past_state must be [${B}, ${C}, ${P}]`);
  const silu = ctx.attrs.string('activation') !== 'none';
  const out = zeros(xT!.dtype, [B, C, L]);
  const state = zeros(xT!.dtype, [B, C, P]);
  const o = out.data as NumericArray, st = state.data as NumericArray;
  const padded = new Float64Array(W);
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      padded.fill(0, 0, P);
      if (past) padded.set(past.subarray((b * C + c) * P, (b * C + c + 1) * P), 0);
      padded.set(x.subarray((b * C + c) * L, (b * C + c + 1) * L), P);
      for (let l = 0; l < L; l++) {
        let acc = bias ? bias[c]! : 0;
        for (let j = 0; j < K; j++) acc += padded[l + j]! * w[c * K + j]!;
        o[(b * C + c) * L + l] = silu ? acc / (1 + Math.exp(-acc)) : acc;
      }
      for (let j = 0; j < P; j++) st[(b * C + c) * P + j] = padded[W - P + j]!;
    }
  }
  return [out, state].slice(0, ctx.resultTypes.length);
}

defineOps(
  {
    name: 'linear_attention',
    summary: 'Linear attention with a recurrent [d_k, d_v] state per KV head (ONNX LinearAttention).',
    inputs: [
      { name: 'query' }, { name: 'key' }, { name: 'value' }, { name: 'past_state', optional: true },
      { name: 'decay', optional: true }, { name: 'beta', optional: true }, { name: 'erase_gate', optional: true },
    ],
    outputs: [{ name: 'output' }, { name: 'present_state', optional: true }],
    attrs: {
      chunk_size: { kind: 'int', default: 64 },
      kv_num_heads: { kind: 'int', required: true },
      q_num_heads: { kind: 'int', required: true },
      scale: { kind: 'float' },
      update_rule: { kind: 'string', default: 'gated_delta' },
    },
    traits: ['pure'],
    fusion: 'opaque',
    infer: inferLinearAttention,
    eval: evalLinearAttention,
  },
  {
    name: 'causal_conv_with_state',
    summary: 'Depthwise causal 1-D convolution carrying its left context as state, optional SiLU (ONNX CausalConvWithState).',
    inputs: [{ name: 'input' }, { name: 'weight' }, { name: 'bias', optional: true }, { name: 'past_state', optional: true }],
    outputs: [{ name: 'output' }, { name: 'present_state', optional: true }],
    attrs: { activation: { kind: 'string', default: 'none' } },
    traits: ['pure'],
    fusion: 'opaque',
    infer: inferCausalConv,
    eval: evalCausalConv,
  },
);
