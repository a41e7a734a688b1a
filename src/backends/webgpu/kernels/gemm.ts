// MatMul, Gemm and (implicit-GEMM) Conv on the tiled GEMM engine (gemm-tiles.ts: tile
// configurations, the rule choosing one per problem, the shader). Each op states its matrices'
// dims, how to load an element of A and B, and where a result element goes.
// Conv: C[co, p] = sum_k W[co, k] * X_im2col[k, p] per (batch, group), k = (ci, kh, kw).

import type { Op, Value } from '../../../../ir/ir.js';
import type { Dim } from '../../../../ir/types.js';
import { coords, floatAttr, intAttr, intsAttr, type KernelCtx, needFloat, type SpecialKernel, type SpecialShader, strides } from '../kernel-api.js';
import { f32Lit, mulU } from '../wgsl.js';
import { dequantB, loadDequant } from './gemm-dequant.js';
import { emitGemm } from './gemm-tiles.js';
import { as2d, windowOf } from './window.js';

/** Batch offset of an operand with batch dims `own` broadcast against `out` (right-aligned). */
function batchOffset(k: KernelCtx, bc: readonly string[], own: readonly Dim[], out: readonly Dim[], matrix: string): string {
  const pad = out.length - own.length;
  const st = strides(k, own);
  let e = '0u';
  own.forEach((d, a) => {
    if (d === 1) return;
    // A symbolic dim other than the result's may be 1 at run time (it broadcasts): clamp.
    const c = typeof d === 'string' && d !== out[a + pad] ? `min(${bc[a + pad]}, ${k.dim(d)} - 1u)` : bc[a + pad]!;
    e = e === '0u' ? mulU(c, st[a]!) : `${e} + ${mulU(c, st[a]!)}`;
  });
  return e === '0u' ? '0u' : `(${e}) * ${matrix}`;
}

function emitMatmul(k: KernelCtx, op: Op): SpecialShader {
  const [A, B] = op.operands as Value[];
  const y = op.results[0]!;
  needFloat(k, op, [y]);
  let ad = [...k.dims(A!)], bd = [...k.dims(B!)];
  if (ad.length === 1) ad = [1, ad[0]!];
  if (bd.length === 1) bd = [bd[0]!, 1];
  const M = ad[ad.length - 2]!, Kd = ad[ad.length - 1]!, N = bd[bd.length - 1]!;
  const ab = ad.slice(0, -2), bb = bd.slice(0, -2);
  // The result's batch dims: max(m,n) where two symbols broadcast, not either operand's.
  const yd = k.dims(y);
  const ob = yd.slice(0, yd.length - (k.dims(A!).length > 1 ? 1 : 0) - (k.dims(B!).length > 1 ? 1 : 0));
  let aOff = '0u', bOff = '0u';
  // B through a weight dequantization (gemm-dequant.ts): decoded from the packed codes as loaded.
  const dq = dequantB(op);
  return emitGemm(k, {
    M: [M], N: [N], K: [Kd], batch: ob, aContig: 'k', bContig: 'n',
    prologue: (bz) => {
      const bc = coords(k, bz, ob, 'bc');
      aOff = k.body.let('aoff', batchOffset(k, bc, ab, ob, k.size([M, Kd])));
      bOff = k.body.let('boff', batchOffset(k, bc, bb, ob, k.size([Kd, N])));
    },
    loadA: (m, kk) => k.load(A!, `${aOff} + ${m} * ${k.dim(Kd)} + ${kk}`),
    loadB: (kk, n) => (dq ? loadDequant(k, dq, `${bOff} + ${kk} * ${k.dim(N)} + ${n}`) : k.load(B!, `${bOff} + ${kk} * ${k.dim(N)} + ${n}`)),
    store: (m, n, acc) => k.body.line(`epi((bz * ${k.dim(M)} + ${m}) * ${k.dim(N)} + ${n}, ${acc});`),
  });
}

function emitGemmOp(k: KernelCtx, op: Op): SpecialShader {
  const [A, B, C] = op.operands;
  const y = op.results[0]!;
  needFloat(k, op, [y]);
  const tA = intAttr(op, 'transA', 0) === 1, tB = intAttr(op, 'transB', 0) === 1;
  const alpha = floatAttr(op, 'alpha', 1), beta = floatAttr(op, 'beta', 1);
  const [M, N] = k.dims(y) as [Dim, Dim];
  const ad = k.dims(A!), bd = k.dims(B!);
  const Kd = tA ? ad[0]! : ad[1]!;
  const cd = C ? k.dims(C) : [];
  return emitGemm(k, {
    M: [M], N: [N], K: [Kd], batch: [], aContig: tA ? 'm' : 'k', bContig: tB ? 'k' : 'n',
    prologue: () => undefined,
    loadA: (m, kk) => k.load(A!, tA ? `${kk} * ${k.dim(M)} + ${m}` : `${m} * ${k.dim(Kd)} + ${kk}`),
    loadB: (kk, n) => k.load(B!, tB ? `${n} * ${k.dim(Kd)} + ${kk}` : `${kk} * ${k.dim(N)} + ${n}`),
    store: (m, n, acc) => {
      let v = alpha === 1 ? acc : `${f32Lit(alpha)} * ${acc}`;
      if (C && beta !== 0) {
        // C broadcasts to [M, N] (right-aligned): [N], [1,N], [M,1], [M,N] or a scalar.
        const cm = cd.length === 2 && cd[0] !== 1 ? m : '0u';
        const cn = cd.length >= 1 && cd[cd.length - 1] !== 1 ? n : '0u';
        const idx = cd.length === 2 ? `${cm} * ${k.dim(cd[1]!)} + ${cn}` : cn;
        v = `${v} + ${beta === 1 ? '' : `${f32Lit(beta)} * `}${k.load(C, idx)}`;
      }
      k.body.line(`epi(${m} * ${k.dim(N)} + ${n}, ${v});`);
    },
  });
}

function emitConv(k: KernelCtx, op: Op): SpecialShader {
  const [X, Wt, Bias] = op.operands;
  const y = op.results[0]!;
  const xd = as2d(k.dims(X!)), wd = as2d(k.dims(Wt!)), yd = as2d(k.dims(y));
  if (xd.length !== 4) k.fail(op, 'conv: only 1-D and 2-D convolutions are supported by the webgpu backend');
  needFloat(k, op, [y]);
  const G = intAttr(op, 'group', 1);
  const Co = wd[0] as number, Cig = wd[1] as number;
  const Cog = Co / G;
  const w = windowOf(k, op, intsAttr(op, 'kernel_shape') ?? (op.operands[1]!.type.shape!.slice(2) as number[]), xd[2]!, xd[3]!, yd[2]!, yd[3]!);
  const taps = w.kh * w.kw;
  const H = k.dim(xd[2]!), W = k.dim(xd[3]!), OW = k.dim(yd[3]!);
  const P = k.size(yd.slice(2));
  const pointwise = taps === 1 && w.sh === 1 && w.sw === 1 && w.pt === 0 && w.pl === 0;
  let xOff = '0u', grp = '0u', nIdx = '0u';
  const shader = emitGemm(k, {
    M: [Cog], N: yd.slice(2), K: [Cig * taps], batch: G === 1 ? [xd[0]!] : [xd[0]!, G],
    // im2col rows: consecutive output positions p read (mostly) consecutive input words.
    aContig: 'k', bContig: 'n',
    prologue: (bz) => {
      nIdx = k.body.let('nb', G === 1 ? bz : `${bz} / ${G}u`);
      grp = G === 1 ? '0u' : k.body.let('grp', `${bz} % ${G}u`);
      xOff = k.body.let('xoff', `(${nIdx} * ${k.dim(xd[1]!)} + ${mulU(grp, `${Cig}u`)}) * ${H} * ${W}`);
    },
    loadA: (m, kk) => k.load(Wt!, `(${mulU(grp, `${Cog}u`)} + ${m}) * ${Cig * taps}u + ${kk}`),
    loadB: (kk, p) => {
      if (pointwise) return k.load(X!, `${xOff} + ${kk} * ${H} * ${W} + ${p}`);
      // im2col on the fly: tap (ci, ty, tx) of output p; zero outside the input (the padding).
      const ih = `i32(${p} / ${OW}) * ${w.sh}i - ${w.pt}i + i32((${kk} % ${taps}u) / ${w.kw}u) * ${w.dh}i`;
      const iw = `i32(${p} % ${OW}) * ${w.sw}i - ${w.pl}i + i32(${kk} % ${w.kw}u) * ${w.dw}i`;
      return `conv_tap(${xOff} + (${kk} / ${taps}u) * ${H} * ${W}, ${ih}, ${iw}, ${H}, ${W})`;
    },
    store: (m, n, acc) => {
      const co = G === 1 ? m : `${mulU(grp, `${Cog}u`)} + ${m}`;
      const v = Bias ? `${acc} + ${k.load(Bias, co)}` : acc;
      k.body.line(`epi((${nIdx} * ${Co}u + ${co}) * ${P} + ${n}, ${v});`);
    },
  });
  return pointwise ? shader : { ...shader, decls: [...shader.decls, convTapHelper((idx) => k.load(X!, idx))] };
}

/** The im2col tap loader: zero when (ih, iw) is in the padding. */
const convTapHelper = (load: (idx: string) => string): string => `fn conv_tap(base: u32, ih: i32, iw: i32, H: u32, W: u32) -> f32 {
  if (ih < 0i || iw < 0i || ih >= i32(H) || iw >= i32(W)) { return 0.0f; }
  return ${load('base + u32(ih) * W + u32(iw)')};
}`;

const gemmFlops = (m: number, n: number, kk: number): number => 2 * m * n * kk;

export const MATMUL_KERNEL: SpecialKernel = {
  kind: 'special', emit: emitMatmul,
  // B read through its dequantization reads the weights, not B: B is then neither computed nor stored.
  reads: (op) => (dequantB(op) ? [0] : [0, 1]),
  flops: (op, numel) => {
    const a = op.operands[0]!.type.shape!;
    const kk = a[a.length - 1];
    return gemmFlops(numel(op.results[0]!), 1, typeof kk === 'number' ? kk : 1);
  },
};
export const GEMM_KERNEL: SpecialKernel = {
  kind: 'special', emit: emitGemmOp,
  flops: (op, numel) => {
    const a = op.operands[0]!.type.shape!;
    const kk = intAttr(op, 'transA', 0) === 1 ? a[0] : a[1];
    return gemmFlops(numel(op.results[0]!), 1, typeof kk === 'number' ? kk : 1) + 2 * numel(op.results[0]!);
  },
};
export const CONV_KERNEL: SpecialKernel = {
  kind: 'special', emit: emitConv,
  flops: (op, numel) => 2 * numel(op.results[0]!) * numel(op.operands[1]!) / Number(op.operands[1]!.type.shape![0]),
};
