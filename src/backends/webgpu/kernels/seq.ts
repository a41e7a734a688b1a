// Sequence-model and signal ops. All f32 (32-bit words); every computed index is clamped into its
// buffer, so a bad index reads a wrong element, never outside the buffer; a position id outside
// the cache is refused at run time (index-check.ts).
//
// - rotary_embedding (map): the result element at channel d < rotary_embedding_dim reads itself
//   and its pair partner (d ± rd/2, or d ^ 1 when interleaved) and one cos/sin entry of the row
//   its position id (or b·S + s without ids) picks; channels past rd pass through.
// - causal_conv_with_state (map, two results): the input padded on the left by the carried state
//   (zeros without one) is convolved per channel; present_state is the padded row's last k-1
//   entries.
// - linear_attention (special): the state update S[:, e] for value column e only ever reads
//   column e (the delta rule's Sᵀk included), so one invocation per (batch, KV head, column)
//   carries its column of d_k floats in registers through all T steps, writes the output of each
//   query head of its group at each step, and stores its column of present_state at the end.
// - dft (special) and the Hann/Hamming/Blackman windows (map): seq-signal.ts.

import type { Op } from '../../../../ir/ir.js';
import { coords, floatAttr, intAttr, type KernelCtx, type KernelDef, type MapKernel, needFloat, type SpecialKernel, type SpecialShader } from '../kernel-api.js';
import { addU, f32Lit, mulU, REG, u32 } from '../wgsl.js';
import { index0 } from '../index-check.js';
import { clampIndex, invocationIndex, loadClamped } from './common.js';
import { emitDft, WINDOW_OPS, windowValue } from './seq-signal.js';

/** Float tensors (computed in f32), except rotary_embedding's integer position_ids (operand 3). */
function needF32(k: KernelCtx, op: Op): void {
  needFloat(k, op, [...op.operands.filter((_v, j) => !(op.name === 'rotary_embedding' && j === 3)), ...op.results]);
}

function rotary(k: KernelCtx, op: Op, i: string): string {
  const [x, cos, sin, pos] = op.operands;
  needF32(k, op);
  if (pos && REG[pos.type.dtype] !== 'i32') k.fail(op, 'rotary_embedding: position_ids must be integers');
  const xd = k.dims(x!);
  const four = xd.length === 4;
  if (!four && xd.length !== 3) k.fail(op, 'rotary_embedding: input must be 3-D or 4-D');
  const b = k.body;
  let D: string, bIdx: string, sIdx: string, d: string;
  const c = coords(k, i, xd);
  if (four) {
    D = k.dim(xd[3]!);
    [bIdx, sIdx, d] = [c[0]!, c[2]!, c[3]!];
  } else {
    const heads = intAttr(op, 'num_heads', 0);
    if (heads <= 0) k.fail(op, 'rotary_embedding: 3-D input needs a positive num_heads attribute');
    D = b.let('hd', `${k.dim(xd[2]!)} / ${u32(heads)}`);
    [bIdx, sIdx, d] = [c[0]!, c[1]!, b.let('d', `${c[2]} % ${D}`)];
  }
  const S = k.dim(xd[four ? 2 : 1]!);
  const rdAttr = intAttr(op, 'rotary_embedding_dim', 0);
  const rd = rdAttr > 0 ? u32(rdAttr) : D;
  const half = b.let('half', `${rd} / 2u`);
  const bs = b.let('bs', addU(mulU(bIdx, S), sIdx));
  // A position id outside the cache's rows is refused at run time, as the interpreter does.
  const row = pos ? index0(k, op, pos, clampIndex(k, pos, bs), k.dim(k.dims(cos!)[0]!)).idx : bs;
  const interleaved = intAttr(op, 'interleaved', 0) !== 0;
  // j: the pair; first: whether this channel is the pair's first; partner: the other channel.
  const j = b.let('j', interleaved ? `${d} / 2u` : `${d} % ${half}`);
  const first = b.let('first', interleaved ? `(${d} & 1u) == 0u` : `${d} < ${half}`);
  const partner = b.let('pd', interleaved ? `${d} ^ 1u` : `select(${d} - ${half}, ${d} + ${half}, ${first})`);
  const y = b.var('y', 'f32', k.load(x!, i));
  b.block(`if (${d} < ${rd})`, () => {
    const at = b.let('at', `${row} * ${half} + ${j}`);
    const cv = b.let('cv', loadClamped(k, cos!, at)), sv = b.let('sv', loadClamped(k, sin!, at));
    const o = b.let('o', loadClamped(k, x!, `${i} - ${d} + ${partner}`));
    b.line(`${y} = select(${sv} * ${o} + ${cv} * ${y}, ${cv} * ${y} - ${sv} * ${o}, ${first});`);
  });
  return y;
}

function causalConv(k: KernelCtx, op: Op, i: string, result: number): string {
  const [x, w, bias, past0] = op.operands;
  needF32(k, op);
  // A kernel of size 1 carries an empty state: nothing to read.
  const past = past0 && !k.dims(past0).includes(0) ? past0 : null;
  const xd = k.dims(x!), wd = k.dims(w!);
  if (xd.length !== 3 || wd.length !== 3) k.fail(op, 'causal_conv_with_state: input must be [B, C, L] and weight [C, 1, k]');
  const b = k.body;
  const L = k.dim(xd[2]!), K = k.dim(wd[2]!);
  const P = b.let('P', `${K} - 1u`);
  const yd = k.dims(op.results[result]!);
  const [bb, cc, l] = coords(k, i, yd);
  const bc = b.let('bc', addU(mulU(bb!, k.dim(xd[1]!)), cc!));
  // Entry p of the padded row: the carried state before P, the input after.
  const padded = (p: string): string => {
    const fromX = loadClamped(k, x!, `${bc} * ${L} + ${p} - ${P}`);
    const fromPast = past ? loadClamped(k, past, `${bc} * ${P} + ${p}`) : '0.0f';
    return `select(${fromPast}, ${fromX}, ${p} >= ${P})`;
  };
  if (result === 1) return b.let('st', padded(`${L} + ${l}`));
  const acc = b.var('acc', 'f32', bias ? loadClamped(k, bias, cc!) : '0.0f');
  b.block(`for (var t = 0u; t < ${K}; t++)`, () => {
    b.line(`${acc} += ${padded(`${l} + t`)} * ${loadClamped(k, w!, `${cc} * ${K} + t`)};`);
  });
  return String(op.attrs.get('activation')?.value ?? 'none') === 'none' ? acc : b.let('silu', `${acc} / (1.0f + exp(-${acc}))`);
}

const LA_WG = 64;

function emitLinearAttention(k: KernelCtx, op: Op): SpecialShader {
  const [q, kk, v, past, decay, beta, erase] = op.operands;
  needF32(k, op);
  const rule = String(op.attrs.get('update_rule')?.value ?? 'gated_delta');
  const gating = rule === 'gated' || rule === 'gated_delta', delta = rule === 'delta' || rule === 'gated_delta';
  if (gating !== !!decay || delta !== !!beta || (erase && !delta)) k.fail(op, `linear_attention: inputs do not match update_rule '${rule}'`);
  const hq = intAttr(op, 'q_num_heads', 0), hkv = intAttr(op, 'kv_num_heads', 0);
  const qd = k.dims(q!), vd = k.dims(v!);
  const qh = qd[2], vh = vd[2];
  if (hq <= 0 || hkv <= 0 || hq % hkv !== 0 || typeof qh !== 'number' || typeof vh !== 'number' || qh % hq !== 0 || vh % hkv !== 0) {
    k.fail(op, 'linear_attention: head counts must divide constant hidden sizes in the webgpu backend');
  }
  const dk = qh / hq, dv = vh / hkv, group = hq / hkv;
  // The state column lives in a private array: its length must be a constant.
  if (dk > 256) k.fail(op, `linear_attention: d_k = ${dk} is over 256, the most the webgpu kernel keeps in registers`);
  const scaleAttr = floatAttr(op, 'scale', 0);
  const scale = f32Lit(scaleAttr === 0 ? 1 / Math.sqrt(dk) : scaleAttr);
  const b = k.body;
  const B = k.dim(qd[0]!), T = k.dim(qd[1]!);
  invocationIndex(b, 'g', LA_WG, mulU(B, u32(hkv * dv)));
  const e = b.let('e', `g % ${u32(dv)}`), h = b.let('h', `(g / ${u32(dv)}) % ${u32(hkv)}`), bb = b.let('bb', `g / ${u32(hkv * dv)}`);
  const s = b.var('s', `array<f32, ${dk}>`);
  const sBase = b.let('sb', `(${bb} * ${u32(hkv)} + ${h}) * ${u32(dk * dv)} + ${e}`);
  b.block(`for (var d = 0u; d < ${u32(dk)}; d++)`, () => {
    b.line(`${s}[d] = ${past ? loadClamped(k, past, `${sBase} + d * ${u32(dv)}`) : '0.0f'};`);
  });
  b.block(`for (var t = 0u; t < ${T}; t++)`, () => {
    const bt = b.let('bt', `${bb} * ${T} + t`);
    const kOff = b.let('ko', `${bt} * ${u32(hkv * dk)} + ${h} * ${u32(dk)}`);
    const kAt = (v0: typeof kk, dd: string): string => loadClamped(k, v0!, `${kOff} + ${dd}`);
    const vt = b.var('vt', 'f32', loadClamped(k, v!, `${bt} * ${u32(hkv * dv)} + ${h} * ${u32(dv)} + ${e}`));
    if (decay) {
      const last = k.dims(decay)[2];
      if (last !== hkv && last !== hkv * dk) k.fail(op, `linear_attention: decay last dim must be ${hkv} or ${hkv * dk}`);
      const perHead = last === hkv;
      const gh = perHead ? b.let('gh', `exp(${loadClamped(k, decay, `${bt} * ${u32(hkv)} + ${h}`)})`) : '';
      b.block(`for (var d = 0u; d < ${u32(dk)}; d++)`, () => {
        b.line(`${s}[d] = ${s}[d] * ${perHead ? gh : `exp(${kAt(decay, 'd')})`};`);
      });
    }
    if (beta) {
      const last = k.dims(beta)[2];
      if (last !== hkv && last !== 1) k.fail(op, `linear_attention: beta last dim must be ${hkv} or 1`);
      const r = b.var('r', 'f32', '0.0f');
      b.block(`for (var d = 0u; d < ${u32(dk)}; d++)`, () => {
        const ke = erase ? `${kAt(erase, 'd')} * ${kAt(kk, 'd')}` : kAt(kk, 'd');
        b.line(`${r} += ${s}[d] * ${ke};`);
      });
      const bv = loadClamped(k, beta, last === 1 ? bt : `${bt} * ${u32(hkv)} + ${h}`);
      b.line(`${vt} = ${bv} * (${vt} - ${r});`);
    }
    b.block(`for (var d = 0u; d < ${u32(dk)}; d++)`, () => b.line(`${s}[d] += ${kAt(kk, 'd')} * ${vt};`));
    // Query heads h·group .. h·group + group - 1 read this KV head, after its update.
    b.block(`for (var qh = ${h} * ${u32(group)}; qh < (${h} + 1u) * ${u32(group)}; qh++)`, () => {
      const qOff = b.let('qo', `${bt} * ${u32(hq * dk)} + qh * ${u32(dk)}`);
      const o = b.var('o', 'f32', '0.0f');
      b.block(`for (var d = 0u; d < ${u32(dk)}; d++)`, () => b.line(`${o} += ${loadClamped(k, q!, `${qOff} + d`)} * ${s}[d];`));
      b.line(`epi(${bt} * ${u32(hq * dv)} + qh * ${u32(dv)} + ${e}, ${scale} * ${o});`);
    });
  });
  // In bounds by construction (bb < B, h < kv heads, e < d_v, d < d_k).
  if (op.results.length > 1) b.block(`for (var d = 0u; d < ${u32(dk)}; d++)`, () => k.storeResult(op, 1, `${sBase} + d * ${u32(dv)}`, `${s}[d]`));
  return {
    decls: [], workgroupSize: [LA_WG, 1, 1],
    dispatch: [{ dims: [qd[0]!, vh], div: LA_WG }, { dims: [], div: 1 }, { dims: [], div: 1 }],
    fold: true, workgroupBytes: 0,
  };
}

const SEQ_MAP: MapKernel = {
  kind: 'map',
  pointwise: () => [],
  // A window's size operand only sized its result.
  reads: (op) => (op.name === 'rotary_embedding' ? op.operands.flatMap((v, j) => (v ? [j] : [])) : []),
  value: (k, op, i) => (op.name === 'rotary_embedding' ? rotary(k, op, i) : windowValue(k, op, i)),
};

const CAUSAL_CONV: MapKernel = {
  kind: 'map', multi: true,
  pointwise: () => [],
  reads: (op) => op.operands.flatMap((v, j) => (v && !(v.type.shape ?? []).includes(0) ? [j] : [])),
  value: (k, op, i, result = 0) => causalConv(k, op, i, result),
  flops: (op, numel) => 2 * numel(op.results[0]!) * Number(op.operands[1]!.type.shape?.[2] ?? 1),
};

const DFT: SpecialKernel = { kind: 'special', emit: emitDft, reads: () => [0] };

const LINEAR_ATTENTION: SpecialKernel = {
  kind: 'special', emit: emitLinearAttention, extraResults: true,
  flops: (op, numel) => 6 * numel(op.results[0]!) * Number(op.operands[0]!.type.shape?.[2] ?? 1) / Math.max(1, Number(op.attrs.get('q_num_heads')?.value ?? 1)),
};

export const SEQ_KERNELS: ReadonlyArray<readonly [string, KernelDef]> = [
  ...['rotary_embedding', ...WINDOW_OPS].map((n) => [n, SEQ_MAP] as const),
  ['dft', DFT],
  ['causal_conv_with_state', CAUSAL_CONV],
  ['linear_attention', LINEAR_ATTENTION],
];
