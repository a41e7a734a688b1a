// Sliding-window map kernels over NCHW: 1-D and 2-D max/average pooling and depthwise convolution (one
// input channel per group), one thread per output element looping over its window. Taps outside
// the input are skipped (padding), so every load is in bounds.

import type { Op, Value } from '../../../../ir/ir.js';
import type { Dim } from '../../../../ir/types.js';
import { coords, intAttr, intsAttr, type KernelCtx, type MapKernel, needFloat } from '../kernel-api.js';
import { f32Lit, i32Lit, mulU, REG, type Reg, runtimeF32 } from '../wgsl.js';
import { autoPads } from './common.js';

export interface Window { kh: number; kw: number; sh: number; sw: number; dh: number; dw: number; pt: number; pl: number; pb: number; pr: number }

/** [N, C, W] as [N, C, 1, W]: 1-D windows run as 2-D ones of height 1 (same flat layout). */
export const as2d = (d: readonly Dim[]): Dim[] => (d.length === 3 ? [d[0]!, d[1]!, 1, d[2]!] : [...d]);

/**
 * Window attributes (1-D ones as height 1) with auto_pad resolved from static sizes. The result
 * sizes _OH, _OW are no longer read (autoPads derives SAME pads from the input, as the
 * interpreter); kept for the callers (gemm.ts).
 */
export function windowOf(k: KernelCtx, op: Op, kernel0: readonly number[], H: Dim, W: Dim, _OH: Dim, _OW: Dim): Window {
  const one = kernel0.length === 1;
  const r = kernel0.length;
  const st = intsAttr(op, 'strides') ?? new Array<number>(r).fill(1), dil = intsAttr(op, 'dilations') ?? new Array<number>(r).fill(1);
  // A 1-D window is the width of a 2-D one of height 1.
  const [begin, end] = autoPads(k, op, one ? [W] : [H, W], kernel0, st, dil);
  const two = (v: readonly number[], d: number): number[] => (one ? [d, ...v] : [...v]);
  const [kh, kw] = two(kernel0, 1), [sh, sw] = two(st, 1), [dh, dw] = two(dil, 1), [pt, pl] = two(begin, 0), [pb, pr] = two(end, 0);
  return { kh: kh!, kw: kw!, sh: sh!, sw: sw!, dh: dh!, dw: dw!, pt: pt!, pl: pl!, pb: pb!, pr: pr! };
}

/** Loop over the window taps of output (oh, ow) that fall inside the input; body gets (ih, iw) as u32. */
function taps(k: KernelCtx, w: Window, oh: string, ow: string, H: string, W: string, body: (ih: string, iw: string, t: string) => void): void {
  const b = k.body;
  b.block(`for (var ty = 0i; ty < ${w.kh}i; ty++)`, () => {
    const ih = b.let('ih', `i32(${oh}) * ${w.sh}i - ${w.pt}i + ty * ${w.dh}i`);
    b.line(`if (${ih} < 0i || ${ih} >= i32(${H})) { continue; }`);
    b.block(`for (var tx = 0i; tx < ${w.kw}i; tx++)`, () => {
      const iw = b.let('iw', `i32(${ow}) * ${w.sw}i - ${w.pl}i + tx * ${w.dw}i`);
      b.line(`if (${iw} < 0i || ${iw} >= i32(${W})) { continue; }`);
      body(`u32(${ih})`, `u32(${iw})`, `u32(ty * ${w.kw}i + tx)`);
    });
  });
}

/**
 * max_pool's accumulator start: -inf for floats, built at run time from `i` (WGSL constants cannot
 * hold it), the smallest value for integers (max pooling of integer dtypes).
 */
export const maxInit = (reg: Reg, i: string): string => (reg === 'f32' ? runtimeF32('0xff800000u', i) : reg === 'i32' ? i32Lit(-2147483648) : '0u');

/** One max_pool step: NaN propagates (elementwise.ts helper), integers take the builtin. */
export const maxStep = (reg: Reg, acc: string, v: string): string => (reg === 'f32' ? `max_nan_f32(${acc}, ${v})` : `max(${acc}, ${v})`);

/** Pooling dtypes: float ones, and integer ones for max_pool. */
export function poolReg(k: KernelCtx, op: Op): Reg {
  const reg = REG[op.results[0]!.type.dtype];
  if (reg !== 'f32' && !(op.name === 'max_pool' && (reg === 'i32' || reg === 'u32'))) {
    k.fail(op, `${op.name} on ${op.results[0]!.type.dtype} is not supported by the webgpu backend (float dtypes; integers for max_pool)`);
  }
  return reg!;
}

function pool(k: KernelCtx, op: Op, i: string): string {
  const x = op.operands[0]!, y = op.results[0]!;
  const xd = as2d(k.dims(x)), yd = as2d(k.dims(y));
  if (xd.length !== 4) k.fail(op, `${op.name}: only 1-D and 2-D pooling is supported by this kernel`);
  const reg = poolReg(k, op);
  if (op.results.length > 1) k.fail(op, 'max_pool with an Indices output is not supported by this kernel (misc-b.ts has it)');
  const kernel = intsAttr(op, 'kernel_shape')!;
  const w = windowOf(k, op, kernel, xd[2]!, xd[3]!, yd[2]!, yd[3]!);
  const [n, c, oh, ow] = coords(k, i, yd);
  const H = k.dim(xd[2]!), W = k.dim(xd[3]!);
  const b = k.body;
  const plane = b.let('plane', `(${n} * ${k.dim(xd[1]!)} + ${c}) * ${H} * ${W}`);
  const max = op.name === 'max_pool';
  const acc = b.var('acc', reg, max ? maxInit(reg, i) : '0.0f');
  const cnt = b.var('cnt', 'f32', '0.0f');
  taps(k, w, oh!, ow!, H, W, (ih, iw) => {
    const v = k.load(x, `${plane} + ${ih} * ${W} + ${iw}`);
    b.line(max ? `${acc} = ${maxStep(reg, acc, v)};` : `${acc} = ${acc} + ${v};`);
    b.line(`${cnt} = ${cnt} + 1.0f;`);
  });
  if (max) return acc;
  const includePad = intAttr(op, 'count_include_pad', 0) === 1;
  // count_include_pad counts taps over the padded input, but not those past its padded end.
  if (includePad) {
    const { pb, pr } = w;
    const ih0 = `(i32(${oh}) * ${w.sh}i - ${w.pt}i)`, iw0 = `(i32(${ow}) * ${w.sw}i - ${w.pl}i)`;
    const rows = b.let('rows', `min(${ih0} + ${(w.kh - 1) * w.dh + 1}i, i32(${H}) + ${pb}i) - ${ih0}`);
    const cols = b.let('cols', `min(${iw0} + ${(w.kw - 1) * w.dw + 1}i, i32(${W}) + ${pr}i) - ${iw0}`);
    return b.let('v', `${acc} / f32(((${rows} + ${w.dh - 1}i) / ${w.dh}i) * ((${cols} + ${w.dw - 1}i) / ${w.dw}i))`);
  }
  return b.let('v', `${acc} / max(${cnt}, 1.0f)`);
}

export const POOL_KERNEL: MapKernel = {
  kind: 'map', pointwise: () => [], value: pool,
  flops: (op: Op, numel: (v: Value) => number) => numel(op.results[0]!) * (intsAttr(op, 'kernel_shape') ?? [1]).reduce((a, b) => a * b, 1),
};

/** conv with one input channel per group (depthwise; any channel multiplier). */
function depthwise(k: KernelCtx, op: Op, i: string): string {
  const [x, wt, bias] = op.operands;
  const y = op.results[0]!;
  const xd = as2d(k.dims(x!)), wd = as2d(k.dims(wt!)), yd = as2d(k.dims(y));
  const w = windowOf(k, op, intsAttr(op, 'kernel_shape') ?? (op.operands[1]!.type.shape!.slice(2) as number[]), xd[2]!, xd[3]!, yd[2]!, yd[3]!);
  const G = intAttr(op, 'group', 1);
  const Co = yd[1] as number;
  const mult = Co / G;
  const [n, co, oh, ow] = coords(k, i, yd);
  const H = k.dim(xd[2]!), W = k.dim(xd[3]!);
  const b = k.body;
  const plane = b.let('plane', `(${n} * ${k.dim(xd[1]!)} + ${mult === 1 ? co : `${co} / ${mult}u`}) * ${H} * ${W}`);
  const acc = b.var('acc', 'f32', bias ? k.load(bias, co!) : '0.0f');
  const wbase = b.let('wb', `${co} * ${w.kh * w.kw}u`);
  taps(k, w, oh!, ow!, H, W, (ih, iw, t) => {
    b.line(`${acc} = fma(${k.load(x!, `${plane} + ${ih} * ${W} + ${iw}`)}, ${k.load(wt!, `${wbase} + ${t}`)}, ${acc});`);
  });
  return acc;
}

export const DEPTHWISE_KERNEL: MapKernel = {
  kind: 'map', pointwise: () => [], value: depthwise,
  flops: (op: Op, numel: (v: Value) => number) => 2 * numel(op.results[0]!) * numel(op.operands[1]!) / Number(op.operands[1]!.type.shape![0]),
};

/** A conv is depthwise when each group has one input channel. */
export const isDepthwise = (op: Op): boolean => {
  const r = op.operands[0]?.type.shape?.length;
  return op.operands[1]?.type.shape?.[1] === 1 && (r === 4 || r === 3) && intAttr(op, 'group', 1) > 1;
};

/**
 * batch_normalization (inference): per-channel (axis 1) affine map of each element, or per
 * activation when the parameters have C * spatial elements (opset < 9 with spatial = 0; the
 * interpreter tells them apart by size). Training mode is misc-b.ts's kernel.
 */
export const BATCH_NORM_KERNEL: MapKernel = {
  kind: 'map',
  pointwise: () => [0],
  value: (k, op, i) => {
    const [, scale, bias, mean, variance] = op.operands;
    const y = op.results[0]!;
    needFloat(k, op, [y]);
    if (op.results.length > 1 || intAttr(op, 'training_mode', 0) !== 0) k.fail(op, 'batch_normalization: only inference mode is supported by this kernel');
    const yd = k.dims(y);
    const inner = k.size(yd.slice(2));
    const perActivation = inner !== '1u' && yd.length >= 2 && k.size(k.dims(scale!)) === mulU(k.dim(yd[1]!), inner);
    const c = k.body.let('ch', yd.length < 2 ? '0u' : perActivation ? `${i} % ${mulU(k.dim(yd[1]!), inner)}` : `(${inner === '1u' ? i : `${i} / ${inner}`}) % ${k.dim(yd[1]!)}`);
    const eps = f32Lit(Number(op.attrs.get('epsilon')?.value ?? 1e-5));
    const x = k.operand(op, 0, i);
    return k.body.let('v', `(${x} - ${k.load(mean!, c)}) * inverseSqrt(${k.load(variance!, c)} + ${eps}) * ${k.load(scale!, c)} + ${k.load(bias!, c)}`);
  },
  flops: (op: Op, numel: (v: Value) => number) => 4 * numel(op.results[0]!),
};
