// ONNX Attention (opset 23/24), f32: one workgroup of 64 threads per (batch, head, query row).
// Keys go in chunks of 64: each thread scores one key of the chunk (Q·K scaled, softcap, mask,
// causal) into workgroup memory; after the barrier every thread folds the whole chunk into the
// same running max and sum (online softmax, so all threads agree without a tree) and its own
// output column's weighted sum of V. Output columns beyond 64 take further passes over the keys.
// Masked keys score the sentinel -FLT_MAX (WGSL has no infinity literal); a float mask holding
// -inf gives -inf, below the sentinel, so `s > NEG` tells live keys. A row with no live key
// yields zeros, as in the interpreter. Row index and loop bounds are uniform, so every thread
// reaches every barrier. past_key/past_value are keys 0..P-1 before the new ones; present_key/
// present_value are copied by the query-row-0 workgroup of the group's first head; qk_matmul_output
// is stored during the first pass (modes 0-2) or by a last pass once max and sum are known (mode 3).
// nonpad_kv_seqlen masks the padded keys (and moves the causal frontier) per batch.

import type { Op } from '../../../../ir/ir.js';
import type { Dim } from '../../../../ir/types.js';
import { floatAttr, intAttr, type KernelCtx, needFloat, type SpecialKernel, type SpecialShader, strides } from '../kernel-api.js';
import { addU, f32Lit, mulU, REG, runtimeF32 } from '../wgsl.js';
import { workgroupIndex } from './common.js';

const WG = 64;
const NEG = f32Lit(-Infinity);
// A real -inf for qk_matmul_output mode 2 (masked scores read -inf, as in the interpreter). Tint
// refuses a constant -inf, so the bits go through a run-time value (lid & 0u).
const NEG_INF_BITS = runtimeF32('0xff800000u', 'lid');

function emitAttention(k: KernelCtx, op: Op): SpecialShader {
  const [q, kk, v, mask, pk, pv, nonPad] = op.operands;
  if (nonPad && nonPad.type.dtype !== 'i64') k.fail(op, 'attention: nonpad_kv_seqlen must be i64');
  if (!pk !== !pv) k.fail(op, 'attention: past_key and past_value must be given together');
  needFloat(k, op, [pk, pv], 'attention past_key/past_value');
  needFloat(k, op, [q, kk, v], 'attention Q/K/V');
  const qd = k.dims(q!), kd = k.dims(kk!), vd = k.dims(v!);
  const rank = qd.length;
  const b = k.body;
  // Dims as u32 expressions; 3-D inputs carry the head counts as attributes.
  let Hq: string, Hkv: string, Sq: string, S: string, D: string, Dv: string;
  let headD: Dim | undefined;
  if (rank === 4) {
    Hq = k.dim(qd[1]!); Hkv = k.dim(kd[1]!); Sq = k.dim(qd[2]!); S = k.dim(kd[2]!); D = k.dim(qd[3]!); Dv = k.dim(vd[3]!);
    headD = qd[3];
  } else if (rank === 3) {
    const hq = intAttr(op, 'q_num_heads', 0), hkv = intAttr(op, 'kv_num_heads', 0);
    if (hq <= 0 || hkv <= 0) k.fail(op, 'attention: 3-D inputs need q_num_heads and kv_num_heads');
    Hq = `${hq}u`; Hkv = `${hkv}u`; Sq = k.dim(qd[1]!); S = k.dim(kd[1]!);
    D = b.let('hd', `${k.dim(qd[2]!)} / ${Hq}`); Dv = b.let('hdv', `${k.dim(vd[2]!)} / ${Hkv}`);
    headD = typeof qd[2] === 'number' ? qd[2] / hq : undefined;
  } else return k.fail(op, `attention: Q of rank ${rank} is not supported`);
  const B = k.dim(qd[0]!);
  // Total keys: the past ones, then the new ones.
  const P = pk ? k.dim(k.dims(pk)[2]!) : '0u';
  const T = pk ? b.let('tk', `${P} + ${S}`) : S;
  const rowsExpr = `${B} * ${Hq} * ${Sq}`;
  workgroupIndex(b, 'row', rowsExpr);
  const qi = b.let('qi', `row % ${Sq}`);
  const h = b.let('qh', `(row / ${Sq}) % ${Hq}`);
  const bi = b.let('qb', `row / (${Sq} * ${Hq})`);
  const kvh = b.let('kvh', `${h} / (${Hq} / ${Hkv})`);
  // Element offsets of Q[b,h,i,:], K[b,kvh,j,:], V[b,kvh,j,:] and Y[b,h,i,:] (unit stride in d).
  const qBase = b.let('qbase', rank === 4 ? `((${bi} * ${Hq} + ${h}) * ${Sq} + ${qi}) * ${D}` : `((${bi} * ${Sq} + ${qi}) * ${Hq} + ${h}) * ${D}`);
  const kRow = (j: string, d: string): string => (rank === 4 ? `((${bi} * ${Hkv} + ${kvh}) * ${S} + ${j}) * ${d}` : `((${bi} * ${S} + ${j}) * ${Hkv} + ${kvh}) * ${d}`);
  const pRow = (j: string, d: string): string => `((${bi} * ${Hkv} + ${kvh}) * ${P} + ${j}) * ${d}`;
  /** Element d of key (or value) j of the total sequence, into var `out`. */
  const kvAt = (out: string, cur: Op['operands'][number], past: Op['operands'][number], j: string, d: string, width: string): void => {
    if (!past) { b.line(`${out} = ${k.load(cur!, `${kRow(j, width)} + ${d}`)};`); return; }
    b.line(`if (${j} < ${P}) { ${out} = ${k.load(past, `${pRow(j, width)} + ${d}`)}; } else { ${out} = ${k.load(cur!, `${kRow(`(${j} - ${P})`, width)} + ${d}`)}; }`);
  };
  const yBase = b.let('ybase', rank === 4 ? `((${bi} * ${Hq} + ${h}) * ${Sq} + ${qi}) * ${Dv}` : `((${bi} * ${Sq} + ${qi}) * ${Hq} + ${h}) * ${Dv}`);

  const hasScale = op.attrs.has('scale');
  const scale = hasScale ? floatAttr(op, 'scale', 1) : undefined;
  const sc = scale !== undefined ? f32Lit(scale) : typeof headD === 'number' ? f32Lit(1 / Math.sqrt(headD)) : b.let('scl', `inverseSqrt(f32(${D}))`);
  const softcap = floatAttr(op, 'softcap', 0);
  const causal = intAttr(op, 'is_causal', 0) !== 0;

  // Mask broadcast (numpy, right-aligned) to [B, Hq, Sq, maskLen]; keys at or past maskLen are masked.
  let maskAt: ((j: string) => string) | undefined, maskLen = '';
  if (mask) {
    const md = k.dims(mask);
    if (REG[mask.type.dtype] !== 'f32' && mask.type.dtype !== 'bool') k.fail(op, `attention: a ${mask.type.dtype} attn_mask is not supported by the webgpu backend`);
    if (md.length < 1 || md.length > 4) k.fail(op, `attention: attn_mask of rank ${md.length} is not supported`);
    const ms = strides(k, md);
    const tc = [bi, h, qi];
    maskLen = k.dim(md[md.length - 1]!);
    let off = '0u';
    for (let a = 0; a < md.length - 1; a++) {
      if (md[a] === 1) continue;
      off = addU(off, mulU(tc[4 - md.length + a]!, ms[a]!));
    }
    const mBase = b.let('mbase', off);
    maskAt = (j) => k.load(mask, addU(mBase, j));
  }

  const mode = intAttr(op, 'qk_matmul_output_mode', 0);
  const qkOut = op.results.length > 3;
  const qkRow = qkOut ? b.let('qkbase', `((${bi} * ${Hq} + ${h}) * ${Sq} + ${qi}) * ${T}`) : '';
  const npv = nonPad ? b.let('npv', k.load(nonPad, bi)) : undefined;
  const qkStore = (j: string, value: string): void => k.storeResult(op, 3, `${qkRow} + ${j}`, value);
  /** Score of key j (in range) into the caller's `var s`; `raw` keeps it before bias (mode 0/1). */
  const score = (j: string): void => {
    b.line('var qk: f32 = 0.0f;');
    b.block(`for (var d = 0u; d < ${D}; d++)`, () => {
      b.line('var kv: f32;');
      kvAt('kv', kk, pk, j, 'd', D);
      b.line(`qk = fma(${k.load(q!, `${qBase} + d`)}, kv, qk);`);
    });
    b.line(`s = qk * ${sc};`);
    if (qkOut && mode === 0) b.line('let raw = s;');
    if (softcap > 0) b.line(`s = tanh(s / ${f32Lit(softcap)}) * ${f32Lit(softcap)};`);
    if (qkOut && mode === 1) b.line('let raw = s;');
    if (maskAt) {
      b.block(`if (${j} >= ${maskLen})`, () => b.line(`s = ${NEG};`));
      b.block('else', () => {
        const mv = maskAt!(j);
        if (mask!.type.dtype === 'bool') b.line(`if (!${mv}) { s = ${NEG}; }`);
        else b.line(`s = s + ${mv};`);
      });
    }
    // External-cache padding: keys from nonpad_kv_seqlen[b] on are masked, and without a past the
    // causal frontier is that length minus the query count (signed: it may be negative).
    if (npv) b.line(`if (i32(${j}) >= ${npv}) { s = ${NEG}; }`);
    if (causal && npv && !pk) b.line(`if (i32(${j}) > i32(${qi}) + ${npv} - i32(${Sq})) { s = ${NEG}; }`);
    else if (causal) b.line(`if (${j} > ${addU(qi, P)}) { s = ${NEG}; }`);
  };
  // present_key / present_value: [B, Hkv, T, D], written once per kv head by query row 0 of its first q head.
  const present = (r: number, cur: Op['operands'][number], past: Op['operands'][number], width: string): void => {
    if (op.results.length <= r) return;
    b.block(`if (${qi} == 0u && ${h} % (${Hq} / ${Hkv}) == 0u)`, () => {
      b.block(`for (var x = lid; x < ${T} * ${width}; x += ${WG}u)`, () => {
        b.line(`var pval: f32;`);
        kvAt('pval', cur, past, `(x / ${width})`, `(x % ${width})`, width);
        k.storeResult(op, r, `(${bi} * ${Hkv} + ${kvh}) * ${T} * ${width} + x`, 'pval');
      });
    });
  };
  present(1, kk, pk, D);
  present(2, v, pv, Dv);

  b.block(`for (var e0 = 0u; e0 < ${Dv}; e0 += ${WG}u)`, () => {
    b.line('let col = e0 + lid;');
    b.line(`var m: f32 = ${NEG};`);
    b.line('var l: f32 = 0.0f;');
    b.line('var acc: f32 = 0.0f;');
    b.block(`for (var j0 = 0u; j0 < ${T}; j0 += ${WG}u)`, () => {
      b.line('let j = j0 + lid;');
      b.line(`var s: f32 = ${NEG};`);
      b.block(`if (j < ${T})`, () => {
        score('j');
        if (qkOut && mode < 3) b.block('if (e0 == 0u)', () => qkStore('j', mode === 2 ? `select(s, ${NEG_INF_BITS}, s <= ${NEG})` : 'raw'));
      });
      b.line('sc[lid] = s;');
      b.line('workgroupBarrier();');
      b.line(`let n = min(${WG}u, ${T} - j0);`);
      b.line('var cm = m;');
      b.line('for (var t = 0u; t < n; t++) { cm = max(cm, sc[t]); }');
      b.line(`let alpha = select(1.0f, exp(m - cm), m > ${NEG});`);
      b.line('l = l * alpha;');
      b.line('acc = acc * alpha;');
      b.block('for (var t = 0u; t < n; t++)', () => {
        b.line('let st = sc[t];');
        b.line(`let p = select(0.0f, exp(st - cm), st > ${NEG});`);
        b.line('l = l + p;');
        b.block(`if (col < ${Dv})`, () => {
          b.line('var vv: f32;');
          kvAt('vv', v, pv, '(j0 + t)', 'col', Dv);
          b.line('acc = fma(p, vv, acc);');
        });
      });
      b.line('m = cm;');
      // Everyone has read the chunk before the next one overwrites it.
      b.line('workgroupBarrier();');
    });
    b.line(`if (col < ${Dv}) { epi(${yBase} + col, select(0.0f, acc / l, l > 0.0f)); }`);
    if (qkOut && mode === 3) {
      b.block(`if (e0 == 0u)`, () => b.block(`for (var j = lid; j < ${T}; j += ${WG}u)`, () => {
        b.line(`var s: f32 = ${NEG};`);
        score('j');
        qkStore('j', `select(0.0f, exp(s - m) / l, s > ${NEG} && l > 0.0f)`);
      }));
    }
  });
  return {
    decls: [`var<workgroup> sc: array<f32, ${WG}>;`],
    workgroupSize: [WG, 1, 1],
    dispatch: [{ dims: rank === 4 ? qd.slice(0, 3) : [qd[0]!, qd[1]!, intAttr(op, 'q_num_heads', 1)], div: 1 }, { dims: [], div: 1 }, { dims: [], div: 1 }],
    fold: true, workgroupBytes: 4 * WG,
  };
}

// emptyOperands: a past_key/past_value of static length 0 (a prompt step exported with an empty
// cache) is an empty operand of a non-empty result; the kernel handles P = 0 like any length.
export const ATTENTION_KERNEL: SpecialKernel & { readonly emptyOperands: true } = {
  kind: 'special', emit: emitAttention, extraResults: true, emptyOperands: true, reads: (op) => [0, 1, 2, 3, 4, 5, 6].filter((j) => op.operands[j]),
  flops: (op, numel) => 4 * numel(op.results[0]!) * numel(op.operands[1]!) / Math.max(1, numel(op.operands[0]!)),
};
