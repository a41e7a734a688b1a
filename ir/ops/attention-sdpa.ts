// Attention (ONNX opset 23/24): scaled dot-product attention with optional mask, causal masking,
// KV cache (past/present), external-cache padding (nonpad_kv_seqlen), grouped-query heads,
// softcap and the optional qk_matmul_output tap.
//
// Order of operations (ONNX reference, opset 24):
//   qk = (Q·scale^½)(K·scale^½)^T → softcap → + bias (mask, causal, padding) → softmax → ·V
// Softcap comes before the bias so that -inf mask entries stay -inf. A row whose keys are all
// masked yields zeros (not NaN). qk_matmul_output_mode: 0 = raw qk, 1 = after softcap,
// 2 = after the bias, 3 = after softmax.

import { DTYPE_INFO } from '../dtype.js';
import type { EvalCtx, InferCtx } from '../op-def.js';
import { defineOps } from '../op-def.js';
import { zeros, type NumericArray, type Tensor } from '../tensor.js';
import type { Dim, TensorType } from '../types.js';
import { UNKNOWN_DIM } from '../types.js';
import { addDims, asF64, divDim, mulDims, rounder, softmaxRow } from './attention-util.js';
import { broadcastIndex, rankedShape } from './util.js';

const enum In { Q, K, V, Mask, PastK, PastV, NonPad }

interface Heads { readonly qHeads: Dim; readonly kvHeads: Dim }

function headCounts(ctx: InferCtx | EvalCtx, q: readonly Dim[], k: readonly Dim[]): Heads {
  if (q.length === 4) return { qHeads: q[1]!, kvHeads: k[1]! };
  if (!ctx.attrs.has('q_num_heads') || !ctx.attrs.has('kv_num_heads')) {
    return ctx.fail('3-D inputs need the q_num_heads and kv_num_heads attributes');
  }
  return { qHeads: ctx.attrs.int('q_num_heads'), kvHeads: ctx.attrs.int('kv_num_heads') };
}

function inferAttention(ctx: InferCtx): TensorType[] {
  const q = rankedShape(ctx, In.Q), k = rankedShape(ctx, In.K), v = rankedShape(ctx, In.V);
  const rank = q.length;
  if (rank !== 3 && rank !== 4) ctx.fail(`Q must be 3-D or 4-D, got rank ${rank}`);
  if (k.length !== rank || v.length !== rank) ctx.fail('Q, K and V must have the same rank');
  const { qHeads, kvHeads } = headCounts(ctx, q, k);
  if (typeof qHeads === 'number' && typeof kvHeads === 'number' && (kvHeads <= 0 || qHeads % kvHeads !== 0)) {
    ctx.fail(`q_num_heads (${qHeads}) must be a multiple of kv_num_heads (${kvHeads})`);
  }
  if (rank === 3) {
    const split: [Dim, Dim, string][] = [[q[2]!, qHeads, 'Q'], [k[2]!, kvHeads, 'K'], [v[2]!, kvHeads, 'V']];
    for (const [hidden, heads, name] of split) {
      if (typeof hidden === 'number' && typeof heads === 'number' && hidden % heads !== 0) ctx.fail(`${name} hidden size ${hidden} is not divisible by ${heads} heads`);
    }
  }
  const batch = q[0]!;
  const qSeq = rank === 4 ? q[2]! : q[1]!;
  const kvSeq = rank === 4 ? k[2]! : k[1]!;
  const headK = rank === 4 ? k[3]! : typeof kvHeads === 'number' ? divDim(k[2]!, kvHeads) : UNKNOWN_DIM;
  const headV = rank === 4 ? v[3]! : typeof kvHeads === 'number' ? divDim(v[2]!, kvHeads) : UNKNOWN_DIM;
  const past = ctx.inputs[In.PastK];
  const pastSeq: Dim = past ? (past.shape ? past.shape[2] ?? UNKNOWN_DIM : UNKNOWN_DIM) : 0;
  const total = addDims(pastSeq, kvSeq);
  const qt = ctx.inputs[In.Q]!, kt = ctx.inputs[In.K]!, vt = ctx.inputs[In.V]!;
  const y: Dim[] = rank === 4 ? [batch, qHeads, qSeq, headV] : [batch, qSeq, mulDims(qHeads, headV)];
  const types: TensorType[] = [
    { dtype: qt.dtype, shape: y },
    { dtype: kt.dtype, shape: [batch, kvHeads, total, headK] },
    { dtype: vt.dtype, shape: [batch, kvHeads, total, headV] },
    { dtype: qt.dtype, shape: [batch, qHeads, qSeq, total] },
  ];
  return types.slice(0, ctx.numResults);
}

/** Q, K or V as [B, H, S, D] f64 data (3-D inputs are split into heads). */
function toBHSD(t: Tensor, heads: number, fail: (msg: string) => never): { data: Float64Array; shape: [number, number, number, number] } {
  const src = asF64(t);
  if (t.shape.length === 4) return { data: src, shape: t.shape as [number, number, number, number] };
  const [b, s, hidden] = t.shape as [number, number, number];
  const d = hidden / heads;
  if (!Number.isInteger(d)) fail(`hidden size ${hidden} is not divisible by ${heads} heads`);
  const out = new Float64Array(src.length);
  for (let bi = 0; bi < b; bi++)
    for (let si = 0; si < s; si++)
      for (let h = 0; h < heads; h++)
        for (let di = 0; di < d; di++) out[((bi * heads + h) * s + si) * d + di] = src[(bi * s + si) * hidden + h * d + di]!;
  return { data: out, shape: [b, heads, s, d] };
}

/** Concatenate past [B,H,P,D] and new [B,H,S,D] along the sequence axis. */
function concatSeq(past: Float64Array | null, pastLen: number, cur: Float64Array, b: number, h: number, s: number, d: number): Float64Array {
  if (!past || pastLen === 0) return cur;
  const t = pastLen + s;
  const out = new Float64Array(b * h * t * d);
  for (let bh = 0; bh < b * h; bh++) {
    out.set(past.subarray(bh * pastLen * d, (bh + 1) * pastLen * d), bh * t * d);
    out.set(cur.subarray(bh * s * d, (bh + 1) * s * d), bh * t * d + pastLen * d);
  }
  return out;
}

function evalAttention(ctx: EvalCtx): Tensor[] {
  const [qT, kT, vT, maskT, pastKT, pastVT, nonPadT] = ctx.inputs;
  const rank = qT!.shape.length;
  const heads = headCounts(ctx, qT!.shape, kT!.shape);
  const hq = heads.qHeads as number, hkv = heads.kvHeads as number;
  if (hkv <= 0 || hq % hkv !== 0) ctx.fail(`q_num_heads (${hq}) must be a multiple of kv_num_heads (${hkv})`);
  const Q = toBHSD(qT!, hq, ctx.fail), K = toBHSD(kT!, hkv, ctx.fail), V = toBHSD(vT!, hkv, ctx.fail);
  const [B, , Sq, D] = Q.shape;
  const Skv = K.shape[2], Dv = V.shape[3];
  if (K.shape[3] !== D) ctx.fail(`Q head size ${D} differs from K head size ${K.shape[3]}`);
  const pastLen = pastKT ? pastKT.shape[2]! : 0;
  const T = pastLen + Skv;
  const keys = concatSeq(pastKT ? asF64(pastKT) : null, pastLen, K.data, B, hkv, Skv, D);
  const vals = concatSeq(pastVT ? asF64(pastVT) : null, pastLen, V.data, B, hkv, Skv, Dv);

  const dt = qT!.dtype;
  const rnd = rounder(dt);
  const smDt = ctx.attrs.has('softmax_precision') ? ctx.attrs.dtype('softmax_precision') : dt;
  const smRnd = rounder(DTYPE_INFO[smDt].kind === 'float' ? smDt : dt);
  const scale = ctx.attrs.has('scale') ? ctx.attrs.float('scale') : 1 / Math.sqrt(D);
  const sqrtScale = Math.sqrt(scale);
  const softcap = ctx.attrs.float('softcap');
  const causal = ctx.attrs.int('is_causal') !== 0;
  const mode = ctx.attrs.int('qk_matmul_output_mode');
  const wantQk = ctx.resultTypes.length > 3;

  // The mask broadcasts to [B, Hq, Sq, maskLen]; keys beyond maskLen (when the mask is shorter
  // than the total sequence) are masked out.
  const maskLen = maskT ? maskT.shape[maskT.shape.length - 1]! : T;
  const maskIdx = maskT ? broadcastIndex(maskT.shape, [B, hq, Sq, maskLen]) : null;
  const maskBool = maskT?.dtype === 'bool';
  const maskData = maskT ? (maskT.data as NumericArray) : null;
  const nonPad = nonPadT ? Array.from(nonPadT.data as BigInt64Array, Number) : null;

  const y = new Float64Array(B * hq * Sq * Dv);
  const qkOut = wantQk ? new Float64Array(B * hq * Sq * T) : null;
  const qs = new Float64Array(D), row = new Float64Array(T), raw = new Float64Array(T);
  const group = hq / hkv;
  for (let b = 0; b < B; b++) {
    // Causal frontier: query i sees keys j <= i + offset.
    const offset = pastKT || !nonPad ? pastLen : nonPad[b]! - Sq;
    for (let h = 0; h < hq; h++) {
      const kvh = Math.floor(h / group);
      const kBase = (b * hkv + kvh) * T;
      for (let i = 0; i < Sq; i++) {
        const qOff = ((b * hq + h) * Sq + i) * D;
        for (let d = 0; d < D; d++) qs[d] = rnd(Q.data[qOff + d]! * sqrtScale);
        for (let j = 0; j < T; j++) {
          const kOff = (kBase + j) * D;
          let acc = 0;
          for (let d = 0; d < D; d++) acc += qs[d]! * rnd(keys[kOff + d]! * sqrtScale);
          let s = rnd(acc);
          if (mode === 0) raw[j] = s;
          if (softcap > 0) s = rnd(Math.tanh(rnd(s / softcap)) * softcap);
          if (mode === 1) raw[j] = s;
          let bias = 0;
          if (maskData) {
            if (j >= maskLen) bias = -Infinity;
            else {
              const flat = ((b * hq + h) * Sq + i) * maskLen + j;
              const m = maskData[maskIdx ? maskIdx[flat]! : flat]!;
              bias = maskBool ? (m ? 0 : -Infinity) : m;
            }
          }
          if (causal && j > i + offset) bias = -Infinity;
          if (nonPad && j >= nonPad[b]!) bias = -Infinity;
          row[j] = rnd(s + bias);
          if (mode === 2) raw[j] = row[j]!;
        }
        // Probabilities stay in softmax_precision when it is wider than the inputs.
        softmaxRow(row, T, smRnd);
        if (qkOut) qkOut.set(mode === 3 ? row : raw, ((b * hq + h) * Sq + i) * T);
        for (let e = 0; e < Dv; e++) {
          let acc = 0;
          for (let j = 0; j < T; j++) acc += row[j]! * vals[(kBase + j) * Dv + e]!;
          const o = rank === 4 ? ((b * hq + h) * Sq + i) * Dv + e : ((b * Sq + i) * hq + h) * Dv + e;
          y[o] = acc;
        }
      }
    }
  }
  const yShape = rank === 4 ? [B, hq, Sq, Dv] : [B, Sq, hq * Dv];
  const results = [
    fill(zeros(dt, yShape), y),
    fill(zeros(kT!.dtype, [B, hkv, T, D]), keys),
    fill(zeros(vT!.dtype, [B, hkv, T, Dv]), vals),
    qkOut ? fill(zeros(dt, [B, hq, Sq, T]), qkOut) : null,
  ];
  return results.slice(0, ctx.resultTypes.length) as Tensor[];
}

function fill(t: Tensor, src: Float64Array): Tensor {
  (t.data as NumericArray).set(src);
  return t;
}

defineOps({
  name: 'attention',
  summary: 'Scaled dot-product attention (MHA/GQA/MQA) with mask, causal mode, KV cache and softcap (ONNX Attention-24).',
  inputs: [
    { name: 'Q' }, { name: 'K' }, { name: 'V' },
    { name: 'attn_mask', optional: true }, { name: 'past_key', optional: true },
    { name: 'past_value', optional: true }, { name: 'nonpad_kv_seqlen', optional: true },
  ],
  outputs: [
    { name: 'Y' }, { name: 'present_key', optional: true },
    { name: 'present_value', optional: true }, { name: 'qk_matmul_output', optional: true },
  ],
  attrs: {
    is_causal: { kind: 'int', default: 0 },
    kv_num_heads: { kind: 'int' },
    q_num_heads: { kind: 'int' },
    qk_matmul_output_mode: { kind: 'int', default: 0 },
    scale: { kind: 'float' },
    softcap: { kind: 'float', default: 0 },
    softmax_precision: { kind: 'dtype' },
  },
  traits: ['pure'],
  fusion: 'opaque',
  infer: inferAttention,
  eval: evalAttention,
});
