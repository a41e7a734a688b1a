// Kernels for sampling and spatial ops, all map kernels (one result element per invocation):
// grid_sample, affine_grid and roi_align (spatial-sample.ts); here center_crop_pad, col2im and
// deform_conv. Registered in index.ts (later entries override earlier ones).
// - center_crop_pad: along each listed axis the input index is o + (in - out) / 2 with i32
//   division (truncation toward zero: a crop starts floor((in - out) / 2) in, a pad shifts by
//   floor((out - in) / 2)); outside the input reads 0. The target shape only sized the result.
// - col2im: each image element gathers the block taps that land on it (the inverse of the
//   scatter: position = grid * stride + tap * dilation - pad_begin), so no atomics. The block
//   shape is a constant or read at run time; the image shape comes from the result dims.
// - deform_conv (2-D): each result element sums, over its group's channels and kernel taps, the
//   weight times a bilinear sample at the tap moved by its offset (times the mask), plus bias.
// Every buffer index is clamped into its buffer.

import type { Op } from '../../../../ir/ir.js';
import { toNumbers } from '../../../../ir/tensor.js';
import { coords, intAttr, intsAttr, type KernelCtx, type KernelDef, type MapKernel, needFloat, strides } from '../kernel-api.js';
import { literal, mulU, REG, u32 } from '../wgsl.js';
import { axesOf, clampIndex, loadClamped, sumU } from './common.js';
import { AFFINE_GRID_KERNEL, GRID_SAMPLE_KERNEL, ROI_ALIGN_KERNEL } from './spatial-sample.js';

function centerCropPad(k: KernelCtx, op: Op, i: string): string {
  const x = op.operands[0]!;
  const xd = k.dims(x), yd = k.dims(op.results[0]!);
  const reg = REG[x.type.dtype];
  if (!reg) k.fail(op, `center_crop_pad on ${x.type.dtype} is not supported by the webgpu backend`);
  const rank = xd.length;
  const axes = axesOf(op, rank);
  const b = k.body;
  const c = coords(k, i, yd, 'cp');
  const xs = strides(k, xd);
  const inside = b.var('inside', 'bool', 'true');
  const terms = xd.map((d, a) => {
    if (!axes.includes(a)) return mulU(c[a]!, xs[a]!);
    const src = b.let('src', `i32(${c[a]}) + (i32(${k.dim(d)}) - i32(${k.dim(yd[a]!)})) / 2i`);
    b.line(`${inside} = ${inside} && ${src} >= 0i && ${src} < i32(${k.dim(d)});`);
    return mulU(`u32(max(${src}, 0i))`, xs[a]!);
  });
  const at = b.let('at', clampIndex(k, x, sumU(terms)));
  return b.let('v', `select(${literal(0, reg!)}, ${k.load(x, at)}, ${inside})`);
}

function col2im(k: KernelCtx, op: Op, i: string): string {
  const [x, , blk] = op.operands;
  needFloat(k, op, [x]);
  const xd = k.dims(x!), yd = k.dims(op.results[0]!);
  const r = yd.length - 2;
  if (xd.length !== 3 || r < 1) k.fail(op, 'col2im needs input [N, C*K, L] and a result [N, C, image...]');
  const st = intsAttr(op, 'strides') ?? new Array<number>(r).fill(1);
  const dil = intsAttr(op, 'dilations') ?? new Array<number>(r).fill(1);
  const pads = intsAttr(op, 'pads') ?? new Array<number>(2 * r).fill(0);
  const b = k.body;
  const ct = k.constant(blk!);
  // Block dims as i32 expressions: constants, or words of the block_shape input (at least 1).
  const bd = Array.from({ length: r }, (_v, d) => (ct ? `${toNumbers(ct)[d]}i` : b.let('bk', `max(${k.load(blk!, u32(d))}, 1i)`)));
  const K = b.let('kk', bd.map((e) => `u32(${e})`).join(' * '));
  const c = coords(k, i, yd, 'ci');
  // Blocks along each image axis, and the row-major strides of the block grid.
  const L = yd.slice(2).map((d, a) => {
    const span = b.let('span', `i32(${k.dim(d)}) + ${pads[a]! + pads[a + r]!}i - ((${bd[a]} - 1i) * ${dil[a]}i + 1i)`);
    return b.let('nl', `select(0i, ${span} / ${st[a]}i + 1i, ${span} >= 0i)`);
  });
  const gs: string[] = [];
  for (let a = r - 1, ga = '1i'; a >= 0; ga = b.let('gs', `${ga} * ${L[a]}`), a--) gs[a] = ga;
  const base = b.let('cb', `(${c[0]} * ${k.dim(xd[1]!)} + ${c[1]} * ${K}) * ${k.dim(xd[2]!)}`);
  const acc = b.var('acc', 'f32', '0.0f');
  b.block(`for (var q = 0u; q < ${K}; q++)`, () => {
    const rem = b.var('rem', 'u32', 'q');
    const ok = b.var('ok', 'bool', 'true');
    const g = b.var('g', 'i32', '0i');
    for (let a = r - 1; a >= 0; a--) {
      const kd = b.let('kd', `i32(${rem} % u32(${bd[a]}))`);
      b.line(`${rem} = ${rem} / u32(${bd[a]});`);
      const num = b.let('num', `i32(${c[a + 2]}) + ${pads[a]}i - ${kd} * ${dil[a]}i`);
      const gd = b.let('gd', `${num} / ${st[a]}i`);
      b.line(`${ok} = ${ok} && ${num} >= 0i && ${num} % ${st[a]}i == 0i && ${gd} < ${L[a]};`);
      b.line(`${g} = ${g} + clamp(${gd}, 0i, max(${L[a]} - 1i, 0i)) * ${gs[a]};`);
    }
    const at = `${base} + q * ${k.dim(xd[2]!)} + u32(${g})`;
    b.line(`if (${ok}) { ${acc} = ${acc} + ${loadClamped(k, x!, at)}; }`);
  });
  return acc;
}

function deformConv(k: KernelCtx, op: Op, i: string): string {
  const [x, w, offset, bias, mask] = [0, 1, 2, 3, 4].map((j) => op.operands[j] ?? null);
  needFloat(k, op, [x, w, offset, bias, mask, op.results[0]]);
  const xd = k.dims(x!), wd = k.dims(w!), yd = k.dims(op.results[0]!);
  if (xd.length !== 4) k.fail(op, 'deform_conv: only 2-D deformable convolution is supported');
  const ks = intsAttr(op, 'kernel_shape') ?? wd.slice(2);
  if (ks.length !== 2 || !ks.every((d): d is number => typeof d === 'number')) k.fail(op, 'deform_conv needs a static kernel shape in the webgpu backend');
  const [KH, KW] = ks as [number, number];
  const [sh, sw] = intsAttr(op, 'strides') ?? [1, 1], [dh, dw] = intsAttr(op, 'dilations') ?? [1, 1];
  const [ph, pw] = intsAttr(op, 'pads') ?? [0, 0, 0, 0];
  const group = intAttr(op, 'group', 1), og = intAttr(op, 'offset_group', 1);
  const [, C, H, W] = xd.map((d) => k.dim(d));
  const M = k.dim(yd[1]!), OW = k.dim(yd[3]!);
  const K = KH * KW;
  const b = k.body;
  const [n, m, oh, ow] = coords(k, i, yd, 'dc');
  const Cg = b.let('cg', `${C} / ${u32(group)}`), Cog = b.let('cog', `${C} / ${u32(og)}`);
  const grp = b.let('grp', `${m} / (${M} / ${u32(group)})`);
  const P = b.let('np', `${k.dim(yd[2]!)} * ${OW}`);
  const p = b.let('p', `${oh} * ${OW} + ${ow}`);
  const Hi = b.let('hi', `i32(${H})`), Wi = b.let('wi', `i32(${W})`);
  const acc = b.var('acc', 'f32', bias ? loadClamped(k, bias, m!) : '0.0f');
  b.block(`for (var ci = 0u; ci < ${Cg}; ci++)`, () => {
    const ch = b.let('ch', `${grp} * ${Cg} + ci`);
    const o = b.let('og', `min(${ch} / max(${Cog}, 1u), ${u32(og - 1)})`);
    const img = b.let('img', `(${n} * ${C} + ${ch}) * ${H} * ${W}`);
    b.block(`for (var kk = 0u; kk < ${u32(K)}; kk++)`, () => {
      const offY = b.let('oy', `((${n} * ${u32(og)} + ${o}) * ${u32(2 * K)} + 2u * kk) * ${P} + ${p}`);
      const yy = b.let('yy', `f32(i32(${oh} * ${u32(sh!)} + (kk / ${u32(KW)}) * ${u32(dh!)}) - ${ph}i) + ${loadClamped(k, offset!, offY)}`);
      const xx = b.let('xx', `f32(i32(${ow} * ${u32(sw!)} + (kk % ${u32(KW)}) * ${u32(dw!)}) - ${pw}i) + ${loadClamped(k, offset!, `${offY} + ${P}`)}`);
      const sv = b.var('sv', 'f32', '0.0f');
      // Bilinear sample; the whole sample is 0 outside (-1, H) x (-1, W), a tap outside the image reads 0.
      b.block(`if (${yy} > -1.0f && ${yy} < f32(${H}) && ${xx} > -1.0f && ${xx} < f32(${W}))`, () => {
        const y0 = b.let('y0', `i32(floor(${yy}))`), x0 = b.let('x0', `i32(floor(${xx}))`);
        const ly = b.let('ly', `${yy} - f32(${y0})`), lx = b.let('lx', `${xx} - f32(${x0})`);
        const tap = (dy: number, dx: number, wgt: string): string => {
          const ty = dy ? `${y0} + 1i` : y0, tx = dx ? `${x0} + 1i` : x0;
          const ok = `${ty} >= 0i && ${ty} < ${Hi} && ${tx} >= 0i && ${tx} < ${Wi}`;
          const at = `${img} + u32(clamp(${ty}, 0i, ${Hi} - 1i)) * ${W} + u32(clamp(${tx}, 0i, ${Wi} - 1i))`;
          return b.let('tv', `${wgt} * select(0.0f, ${loadClamped(k, x!, at)}, ${ok})`);
        };
        const t = [tap(0, 0, `(1.0f - ${ly}) * (1.0f - ${lx})`), tap(0, 1, `(1.0f - ${ly}) * ${lx}`), tap(1, 0, `${ly} * (1.0f - ${lx})`), tap(1, 1, `${ly} * ${lx}`)];
        b.line(`${sv} = ${t.join(' + ')};`);
      });
      const mv = mask ? ` * ${loadClamped(k, mask, `((${n} * ${u32(og)} + ${o}) * ${u32(K)} + kk) * ${P} + ${p}`)}` : '';
      const wv = loadClamped(k, w!, `(${m} * ${Cg} + ci) * ${u32(K)} + kk`);
      b.line(`${acc} = ${acc} + ${sv}${mv} * ${wv};`);
    });
  });
  return acc;
}

const CENTER_CROP_PAD_KERNEL: MapKernel = { kind: 'map', pointwise: () => [], reads: () => [0], value: centerCropPad };
/** image_shape only sized the result. */
const COL2IM_KERNEL: MapKernel = { kind: 'map', pointwise: () => [], reads: () => [0, 2], value: col2im };
const DEFORM_CONV_KERNEL: MapKernel = { kind: 'map', pointwise: () => [], value: deformConv };

export const SPATIAL_KERNELS: ReadonlyArray<readonly [string, KernelDef]> = [
  ['grid_sample', GRID_SAMPLE_KERNEL],
  ['affine_grid', AFFINE_GRID_KERNEL],
  ['roi_align', ROI_ALIGN_KERNEL],
  ['center_crop_pad', CENTER_CROP_PAD_KERNEL],
  ['col2im', COL2IM_KERNEL],
  ['deform_conv', DEFORM_CONV_KERNEL],
];
