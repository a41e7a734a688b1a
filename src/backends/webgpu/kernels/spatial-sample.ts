// Sampling at computed coordinates, as map kernels (one result element per invocation), in f32
// where the interpreter (ir/ops/misc-grid.ts) computes in f64; any float dtype (f16, bf16, f64
// load into f32 registers and round on store):
// - grid_sample over any number of spatial axes: linear / nearest / cubic, zeros / border /
//   reflection padding, align_corners. Per axis the taps' indices and weights are computed once,
//   then every combination of one tap per axis adds weight * x (unrolled: at most 4^3 terms for
//   3-D cubic). A tap outside the image, or of weight 0, adds nothing (select, so an inf or NaN
//   pixel under a zero weight does not leak in, as in the interpreter).
// - affine_grid (2-D and 3-D): theta times the homogeneous base coordinate of the grid point.
// - roi_align (avg / max, half_pixel or output_half_pixel): each result element walks its bin's
//   sampling points (sampling_ratio, or adaptive from the roi size at run time).
// Every buffer index is clamped into its buffer; a batch index outside [0, N) is refused at run
// time as by the interpreter (index-check.ts), and clamped for the rest of the refused run.

import type { Op } from '../../../../ir/ir.js';
import { index0 } from '../index-check.js';
import type { Body } from '../wgsl.js';
import { coords, floatAttr, intAttr, type KernelCtx, type MapKernel, needFloat, strides } from '../kernel-api.js';
import { f32Lit, mulU, u32 } from '../wgsl.js';

const strAttr = (op: Op, name: string, d: string): string => String(op.attrs.get(name)?.value ?? d);

/** X and the grid or rois, and the result: any float dtype (f32 registers; stores round). */
const floatOnly = (k: KernelCtx, op: Op): void => needFloat(k, op, [...op.operands.slice(0, 2), ...op.results]);

/** Mirror the f32 `v` into [lo, hi] by repeated reflection at the borders (the interpreter's reflect); returns a var. */
function reflect(b: Body, v: string, lo: string, hi: string): string {
  const out = b.var('rf', 'f32', v);
  b.block(`if (${v} < ${lo} || ${v} > ${hi})`, () => {
    // A zero range (one pixel, align_corners) would divide by zero: the point is the pixel.
    const rng = b.let('rng', `max(${hi} - ${lo}, 1e-30f)`);
    const below = b.let('below', `${v} < ${lo}`);
    const dx = b.let('dx', `select(${v} - ${hi}, ${lo} - ${v}, ${below})`);
    const n = b.let('nf', `trunc(${dx} / ${rng})`);
    const r = b.let('rr', `${dx} - ${n} * ${rng}`);
    const even = b.let('even', `${n} - 2.0f * floor(${n} * 0.5f) == 0.0f`);
    b.line(`${out} = select(select(${lo} + ${r}, ${hi} - ${r}, ${even}), select(${hi} - ${r}, ${lo} + ${r}, ${even}), ${below});`);
  });
  return out;
}

const CUBIC_A = -0.75;
/** The 4 cubic convolution weights at fraction t (the interpreter's cubicCoeffs). */
function cubicWeights(t: string): string[] {
  const A = f32Lit(CUBIC_A);
  const outer = (u: string): string => `((${A} * ${u} - ${f32Lit(5 * CUBIC_A)}) * ${u} + ${f32Lit(8 * CUBIC_A)}) * ${u} - ${f32Lit(4 * CUBIC_A)}`;
  const inner = (u: string): string => `(${f32Lit(CUBIC_A + 2)} * ${u} - ${f32Lit(CUBIC_A + 3)}) * ${u} * ${u} + 1.0f`;
  return [outer(`(${t} + 1.0f)`), inner(t), inner(`(1.0f - ${t})`), outer(`(2.0f - ${t})`)];
}

function gridSample(k: KernelCtx, op: Op, i: string): string {
  floatOnly(k, op);
  const [x, grid] = [op.operands[0]!, op.operands[1]!];
  const xd = k.dims(x), gd = k.dims(grid), yd = k.dims(op.results[0]!);
  const nd = xd.length - 2;
  if (nd < 1 || gd.length !== xd.length || gd[gd.length - 1] !== nd) k.fail(op, `grid_sample: grid must be [N, ..., ${nd}]`);
  const mode = strAttr(op, 'mode', 'linear'), pad = strAttr(op, 'padding_mode', 'zeros');
  const align = intAttr(op, 'align_corners', 0) !== 0;
  if (!['linear', 'nearest', 'cubic'].includes(mode) || !['zeros', 'border', 'reflection'].includes(pad)) k.fail(op, `grid_sample mode '${mode}' / padding_mode '${pad}' is not supported`);
  const taps = mode === 'cubic' ? 4 : mode === 'linear' ? 2 : 1;
  if (taps ** nd > 64) k.fail(op, `grid_sample with ${nd} spatial axes in ${mode} mode has too many taps for the webgpu backend`);
  const b = k.body;
  const dims = xd.slice(2);
  const points = k.size(yd.slice(2)), C = k.dim(xd[1]!);
  const p = b.let('pt', `${i} % ${points}`);
  const nc = b.let('nc', `${i} / ${points}`);
  const n = b.let('n', `${nc} / ${C}`);
  const gbase = b.let('gb', mulU(`(${n} * ${points} + ${p})`, u32(nd)));
  const lo = align ? '0.0f' : '(-0.5f)';
  // Per axis: tap indices (clamped into the axis) and weights (0 for a tap outside the image).
  const idx: string[][] = [], wt: string[][] = [];
  for (let a = 0; a < nd; a++) {
    const dI = k.dim(dims[a]!);
    const d = b.let('d', `f32(${dI})`);
    const hi = b.let('hi', align ? `${d} - 1.0f` : `${d} - 0.5f`);
    // The grid holds (x, y[, z]): reversed relative to the spatial axes of X.
    const g = b.let('g', k.load(grid, `min(${gbase} + ${u32(nd - 1 - a)}, ${k.size(gd)} - 1u)`));
    let v = b.var('v', 'f32', align ? `(${g} + 1.0f) * 0.5f * (${d} - 1.0f)` : `((${g} + 1.0f) * ${d} - 1.0f) * 0.5f`);
    // WGSL round() is half to even, as the reference's nearbyint.
    if (mode === 'nearest') b.line(`${v} = round(${v});`);
    if (pad === 'border') b.line(`${v} = select(${v}, clamp(${v}, 0.0f, ${d} - 1.0f), ${v} < ${lo} || ${v} > ${hi});`);
    if (pad === 'reflection') v = reflect(b, v, lo, hi);
    const fl = b.let('fl', mode === 'nearest' ? `trunc(${v})` : `floor(${v})`);
    const t = b.let('t', `${v} - ${fl}`);
    const base = b.let('base', mode === 'cubic' ? `i32(${fl}) - 1i` : `i32(${fl})`);
    const ws = mode === 'nearest' ? ['1.0f'] : mode === 'linear' ? [`1.0f - ${t}`, t] : cubicWeights(t);
    idx.push([]);
    wt.push([]);
    for (let j = 0; j < taps; j++) {
      let ii = b.let('ii', j === 0 ? base : `${base} + ${j}i`);
      if (pad === 'border') ii = b.let('ii', `clamp(${ii}, 0i, max(i32(${dI}) - 1i, 0i))`);
      if (pad === 'reflection') ii = b.let('ii', `i32(trunc(${reflect(b, `f32(${ii})`, lo, hi)}))`);
      const ok = b.let('ok', `${ii} >= 0i && ${ii} < i32(${dI})`);
      idx[a]!.push(b.let('ix', `u32(clamp(${ii}, 0i, max(i32(${dI}) - 1i, 0i)))`));
      wt[a]!.push(b.let('w', `select(0.0f, ${ws[j]}, ${ok})`));
    }
  }
  const xs = strides(k, dims);
  const img = b.let('img', mulU(nc, k.size(dims)));
  const last = `${k.size(xd)} - 1u`;
  const acc = b.var('acc', 'f32', '0.0f');
  for (let q = 0; q < taps ** nd; q++) {
    let rem = q, off = img;
    const w: string[] = [];
    for (let a = nd - 1; a >= 0; a--) {
      const j = rem % taps;
      rem = Math.floor(rem / taps);
      off = `${off} + ${mulU(idx[a]![j]!, xs[a]!)}`;
      w.push(wt[a]![j]!);
    }
    const wq = b.let('wq', w.reverse().join(' * '));
    b.line(`${acc} = ${acc} + select(0.0f, ${wq} * ${k.load(x, `min(${off}, ${last})`)}, ${wq} != 0.0f);`);
  }
  return acc;
}

function affineGrid(k: KernelCtx, op: Op, i: string): string {
  needFloat(k, op, [op.operands[0], op.results[0]]);
  const theta = op.operands[0]!;
  const yd = k.dims(op.results[0]!);
  const nd = yd.length - 2;
  if (nd !== 2 && nd !== 3) k.fail(op, 'affine_grid needs a 2-D or 3-D size');
  const align = intAttr(op, 'align_corners', 0) !== 0;
  const b = k.body;
  const c = coords(k, i, yd, 'ag');
  const row = c[nd + 1]!;
  // Homogeneous point (x, y[, z], 1): x runs along the last spatial axis.
  const pt = Array.from({ length: nd }, (_v, h) => {
    const a = nd - 1 - h;
    const nn = b.let('nn', `f32(${k.dim(yd[a + 1]!)})`);
    const ci = `f32(${c[a + 1]})`;
    return b.let('bc', align ? `select(-1.0f + 2.0f * ${ci} / (${nn} - 1.0f), -1.0f, ${nn} == 1.0f)` : `-1.0f + (2.0f * ${ci} + 1.0f) / ${nn}`);
  });
  const tb = b.let('tb', `(${c[0]} * ${u32(nd)} + ${row}) * ${u32(nd + 1)}`);
  const last = `${k.size(k.dims(theta))} - 1u`;
  const at = (j: number): string => k.load(theta, `min(${tb} + ${u32(j)}, ${last})`);
  return b.let('v', [...pt.map((e, j) => `${at(j)} * ${e}`), at(nd)].join(' + '));
}

function roiAlign(k: KernelCtx, op: Op, i: string): string {
  floatOnly(k, op);
  const [x, rois, bidx] = [op.operands[0]!, op.operands[1]!, op.operands[2]!];
  const xd = k.dims(x), yd = k.dims(op.results[0]!);
  if (xd.length !== 4) k.fail(op, 'roi_align needs a 4-D X');
  const PH = intAttr(op, 'output_height', 1), PW = intAttr(op, 'output_width', 1);
  const ratio = intAttr(op, 'sampling_ratio', 0);
  const scale = floatAttr(op, 'spatial_scale', 1);
  const isMax = strAttr(op, 'mode', 'avg') === 'max';
  const halfPixel = strAttr(op, 'coordinate_transformation_mode', 'half_pixel') === 'half_pixel';
  const [N, C, H, W] = xd.map((d) => k.dim(d)) as [string, string, string, string];
  const b = k.body;
  const [r, c, ph, pw] = coords(k, i, yd, 'ra');
  // A batch index outside [0, N) is refused at run time, as the interpreter does.
  const bi = index0(k, op, bidx, r!, N).idx;
  const rlast = `${k.size(k.dims(rois))} - 1u`;
  const roi = (j: number): string => b.let('roi', `${k.load(rois, `min(${r} * 4u + ${u32(j)}, ${rlast})`)} * ${f32Lit(scale)}${halfPixel ? ' - 0.5f' : ''}`);
  const x0 = roi(0), y0 = roi(1);
  let rw = b.let('rw', `${roi(2)} - ${x0}`), rh = b.let('rh', `${roi(3)} - ${y0}`);
  if (!halfPixel) { rw = b.let('rw', `max(${rw}, 1.0f)`); rh = b.let('rh', `max(${rh}, 1.0f)`); }
  const bh = b.let('bh', `${rh} / ${f32Lit(PH)}`), bw = b.let('bw', `${rw} / ${f32Lit(PW)}`);
  const gh = b.let('gh', ratio > 0 ? `${ratio}i` : `i32(ceil(${bh}))`), gw = b.let('gw', ratio > 0 ? `${ratio}i` : `i32(ceil(${bw}))`);
  const img = b.let('img', `(${bi} * ${C} + ${c}) * ${H} * ${W}`);
  const last = `${k.size(xd)} - 1u`;
  const Hf = b.let('hf', `f32(${H})`), Wf = b.let('wf', `f32(${W})`);
  const acc = b.var('acc', 'f32', '0.0f'), seen = b.var('seen', 'bool', 'false');
  b.block(`for (var iy = 0i; iy < ${gh}; iy++)`, () => {
    const yy = b.let('yy', `${y0} + f32(${ph}) * ${bh} + (f32(iy) + 0.5f) * ${bh} / f32(${gh})`);
    b.block(`for (var ix = 0i; ix < ${gw}; ix++)`, () => {
      const xx = b.let('xx', `${x0} + f32(${pw}) * ${bw} + (f32(ix) + 0.5f) * ${bw} / f32(${gw})`);
      const sv = b.var('sv', 'f32', '0.0f');
      // The reference's bilinear_interpolate: outside [-1, H] x [-1, W] reads 0, else clamp to the last pixel.
      b.block(`if (${yy} >= -1.0f && ${yy} <= ${Hf} && ${xx} >= -1.0f && ${xx} <= ${Wf})`, () => {
        const axis = (v: string, D: string): [string, string, string, string] => {
          const v0 = b.let('sy', `max(${v}, 0.0f)`);
          const l0 = b.let('lo', `i32(trunc(${v0}))`);
          const edge = b.let('edge', `${l0} >= i32(${D}) - 1i`);
          const l = b.let('lo', `u32(clamp(${l0}, 0i, max(i32(${D}) - 1i, 0i)))`);
          const h = b.let('hi', `select(${l} + 1u, ${l}, ${edge})`);
          const frac = b.let('fr', `select(${v0} - f32(${l0}), 0.0f, ${edge})`);
          return [l, h, frac, b.let('om', `1.0f - ${frac}`)];
        };
        const [yl, yh, ly, hy] = axis(yy, H), [xl, xh, lx, hx] = axis(xx, W);
        const px = (yi: string, xi: string): string => k.load(x, `min(${img} + ${yi} * ${W} + ${xi}, ${last})`);
        const t = [`${hy} * ${hx} * ${px(yl, xl)}`, `${hy} * ${lx} * ${px(yl, xh)}`, `${ly} * ${hx} * ${px(yh, xl)}`, `${ly} * ${lx} * ${px(yh, xh)}`].map((e) => b.let('tp', e));
        b.line(`${sv} = ${isMax ? `max(max(${t[0]}, ${t[1]}), max(${t[2]}, ${t[3]}))` : t.join(' + ')};`);
      });
      b.line(isMax ? `${acc} = select(${sv}, max(${acc}, ${sv}), ${seen});` : `${acc} = ${acc} + ${sv};`);
      b.line(`${seen} = true;`);
    });
  });
  return isMax ? acc : b.let('v', `${acc} / f32(max(${gh} * ${gw}, 1i))`);
}

export const GRID_SAMPLE_KERNEL: MapKernel = { kind: 'map', pointwise: () => [], value: gridSample };
/** The size operand only fixed the result dims. */
export const AFFINE_GRID_KERNEL: MapKernel = { kind: 'map', pointwise: () => [], reads: () => [0], value: affineGrid };
export const ROI_ALIGN_KERNEL: MapKernel = { kind: 'map', pointwise: () => [], value: roiAlign };
