// resize with scales, sizes or roi read at run time (graph inputs; the result dims are then
// run-time dims, see dynamic-dims.ts): each element computes, per resized axis, the source
// coordinate in f32 (every coordinate transformation of ONNX Resize) and its 1 (nearest), 2
// (linear) or 4 (cubic) taps, then sums the weight products over all tap combinations.
// Antialias (linear, cubic): the kernel is widened by 1/s (s = min(scale, 1), known at run time),
// so each axis has 2 - 2 start taps, start = floor(-R / s) + 1 (R = 1 linear, 2 cubic), weights
// divided by their sum (ir/ops/shape-resize.ts interpTaps): nested run-time loops over the axes'
// taps. Indices are clamped into the input.
// keep_aspect_ratio_policy not_larger / not_smaller (sizes given): one scale for every listed axis,
// min (max) over them of sizes_j / in_j; the result dims (floor(scale * in + 0.5)) come from the
// shape rule. As the interpreter (ir/ops/shape-resize.ts keptAxes, onnxruntime's rule), an axis
// whose scale is exactly 1 (the ones left out of `axes` among them), or every axis when no length
// changes, is copied: its coordinate is the output position's own (decided at run time where the
// scales or dims are), and the integral output length is what align_corners,
// pytorch_half_pixel and tf_crop_and_resize divide by.

import type { Op } from '../../../../ir/ir.js';
import type { Dim } from '../../../../ir/types.js';
import { coords, type KernelCtx } from '../kernel-api.js';
import { strides } from '../kernel-api.js';
import { f32Lit, u32 } from '../wgsl.js';
import { axesOf, loadClamped } from './common.js';

interface Tap { i: string; w: string }
/** An antialiased axis: its taps k = start..1-start, each weight by `tap(k)` inside the loops. */
interface Wide { start: string; tap: (kk: string) => Tap }

/** The WGSL value of element `i` of the resize result, all parameters read at run time. */
export function resizeDynamic(k: KernelCtx, op: Op, i: string): string {
  const x = op.operands[0]!, y = op.results[0]!;
  const [, roiV, scV, szV] = op.operands;
  const s = (n: string, d: string): string => String(op.attrs.get(n)?.value ?? d);
  const num = (n: string, d: number): number => Number(op.attrs.get(n)?.value ?? d);
  const mode = s('mode', 'nearest'), ctm = s('coordinate_transformation_mode', 'half_pixel'), nearest = s('nearest_mode', 'round_prefer_floor');
  const A = num('cubic_coeff_a', -0.75), exclude = num('exclude_outside', 0) !== 0, extrap = num('extrapolation_value', 0);
  const antialias = num('antialias', 0) !== 0 && (mode === 'linear' || mode === 'cubic');
  const policy = s('keep_aspect_ratio_policy', 'stretch');
  if (policy !== 'stretch' && policy !== 'not_larger' && policy !== 'not_smaller') k.fail(op, `resize keep_aspect_ratio_policy '${policy}' is unknown`);
  if (!['nearest', 'linear', 'cubic'].includes(mode)) k.fail(op, `resize mode '${mode}' is not supported by the webgpu backend`);
  const xd = k.dims(x), yd = k.dims(y), rank = xd.length;
  const axes = axesOf(op, rank);
  const hasScales = !!scV && k.dims(scV).length === 1 && k.dims(scV)[0] !== 0;
  const hasRoi = !!roiV && k.dims(roiV).length === 1 && k.dims(roiV)[0] !== 0;
  if (!hasScales && !(szV && k.dims(szV)[0] !== 0)) k.fail(op, 'resize needs scales or sizes');
  const b = k.body;
  const c = coords(k, i, yd);
  const xs = strides(k, xd);
  const outside: string[] = [];
  const scalar = (v: NonNullable<typeof scV>, j: number): string => {
    const t = k.constant(v);
    return t ? f32Lit(Number(t.data[j])) : b.let('p', k.load(v, u32(j)));
  };
  // Scales win over sizes and the policy, as in the interpreter.
  const aspect = policy !== 'stretch' && !hasScales ? aspectScale(k, op, policy, axes) : undefined;
  const same = sameLengths(k, xd, yd);
  const perAxis: (Tap[] | Wide | null)[] = xd.map((d, a) => {
    const j = axes.indexOf(a);
    // An axis of length 1 in and out reads its one element whatever the taps.
    if (j < 0 || same === true || (d === 1 && yd[a] === 1)) return null;
    const scT = hasScales ? k.constant(scV!) : undefined;
    if (scT && Number(scT.data[j]) === 1) return null;
    const inN = b.let('inl', `f32(${k.dim(d)})`), outN = b.let('outl', `f32(${k.dim(yd[a]!)})`);
    const scale = hasScales ? scalar(scV!, j) : aspect ?? b.let('sc', `${outN} / ${inN}`);
    const kept = b.let('kept', `${scale} == 1.0f${same === false ? '' : ` || ${same}`}`);
    const o = b.let('o', `f32(${c[a]})`);
    let v: string;
    switch (ctm) {
      case 'half_pixel': v = `(${o} + 0.5f) / ${scale} - 0.5f`; break;
      case 'half_pixel_symmetric': v = `(${inN} / 2.0f) * (1.0f - ${outN} / (${scale} * ${inN})) + (${o} + 0.5f) / ${scale} - 0.5f`; break;
      case 'pytorch_half_pixel': v = `select((${o} + 0.5f) / ${scale} - 0.5f, 0.0f, ${outN} == 1.0f)`; break;
      case 'align_corners': v = `select(${o} * (${inN} - 1.0f) / (${outN} - 1.0f), 0.0f, ${outN} == 1.0f)`; break;
      case 'asymmetric': v = `${o} / ${scale}`; break;
      case 'tf_half_pixel_for_nn': v = `(${o} + 0.5f) / ${scale}`; break;
      case 'tf_crop_and_resize': {
        const r0 = hasRoi ? scalar(roiV!, j) : '0.0f', r1 = hasRoi ? scalar(roiV!, j + axes.length) : '1.0f';
        v = `select(${r0} * (${inN} - 1.0f) + ${o} * (${r1} - ${r0}) * (${inN} - 1.0f) / (${outN} - 1.0f), 0.5f * (${r0} + ${r1}) * (${inN} - 1.0f), ${outN} == 1.0f)`;
        break;
      }
      default: return k.fail(op, `resize coordinate_transformation_mode '${ctm}' is not supported by the webgpu backend`);
    }
    const xv = b.let('xv', `select(${v}, ${o}, ${kept})`);
    if (ctm === 'tf_crop_and_resize') outside.push(`(${xv} < 0.0f || ${xv} > ${inN} - 1.0f)`);
    const last = `i32(${k.dim(d)}) - 1i`;
    const clampI = (e: string): string => `u32(clamp(${e}, 0i, ${last}))`;
    if (mode === 'nearest') {
      const f = b.let('fl', `floor(${xv})`);
      const n = nearest === 'floor' ? f : nearest === 'ceil' ? `ceil(${xv})`
        : nearest === 'round_prefer_ceil' ? `floor(${xv} + 0.5f)`
        : nearest === 'round_prefer_floor' ? `select(floor(${xv} + 0.5f), ${f}, ${xv} - ${f} == 0.5f)` : k.fail(op, `resize nearest_mode '${nearest}' is not supported by the webgpu backend`);
      return [{ i: b.let('ni', clampI(`i32(${n})`)), w: '' }];
    }
    const f = b.let('fl', `floor(${xv})`);
    const zero = b.let('z', `${xv} - ${f} == 0.0f`);
    // The reference's neighbour choice at an integral coordinate: ratio 1 from the one below.
    const ratio = b.let('ra', `select(${xv} - ${f}, 1.0f, ${zero})`);
    const i0 = b.let('i0', `i32(${f}) - select(0i, 1i, ${zero})`);
    if (antialias) return wideAxis(k, mode, A, exclude, { d, scale: `select(${scale}, 1.0f, ${kept})`, ratio, i0, last, clampI });
    const ks = mode === 'cubic' ? [-1, 0, 1, 2] : [0, 1];
    const taps = ks.map((kk) => {
      const dd = b.let('dd', `abs(${f32Lit(kk)} - ${ratio})`);
      const w = kernelWeight(mode, A, dd);
      const ii = b.let('ii', `${i0} + ${kk}i`);
      const wv = b.var('w', 'f32', w);
      if (exclude) b.line(`if (${ii} < 0i || ${ii} > ${last}) { ${wv} = 0.0f; }`);
      return { i: b.let('ti', clampI(ii)), w: wv };
    });
    if (exclude) {
      const sum = b.let('ws', taps.map((t) => t.w).join(' + '));
      b.line(`if (${sum} != 0.0f) { ${taps.map((t) => `${t.w} = ${t.w} / ${sum};`).join(' ')} }`);
    }
    return taps;
  });
  if (perAxis.some((t) => t !== null && !Array.isArray(t))) return wideSum(k, op, perAxis, c, outside, extrap);
  // Every combination of one tap per resized axis, as a loop (4 cubic axes are 256 terms).
  const rows = (perAxis as (Tap[] | null)[]).map((t) => {
    if (!t || t.length === 1) return t;
    const ti = b.var('tis', `array<u32, ${t.length}>`, `array<u32, ${t.length}>(${t.map((x) => x.i).join(', ')})`);
    const tw = b.var('tws', `array<f32, ${t.length}>`, `array<f32, ${t.length}>(${t.map((x) => x.w).join(', ')})`);
    return { T: t.length, ti, tw };
  });
  const total = rows.reduce((p, r) => p * (r && !Array.isArray(r) ? r.T : 1), 1);
  const acc = b.var('acc', 'f32', '0.0f');
  b.block(`for (var j = 0u; j < ${u32(total)}; j++)`, () => {
    const rem = b.var('rem', 'u32', 'j');
    const wt = b.var('wt', 'f32', '1.0f');
    const idx = b.var('at', 'u32', '0u');
    rows.forEach((r, a) => {
      if (r === null) { b.line(`${idx} = ${idx} + ${c[a]} * ${xs[a]};`); return; }
      if (Array.isArray(r)) {
        b.line(`${idx} = ${idx} + ${r[0]!.i} * ${xs[a]};`);
        if (r[0]!.w !== '') b.line(`${wt} = ${wt} * ${r[0]!.w};`);
        return;
      }
      const t = b.let('t', `${rem} % ${u32(r.T)}`);
      b.line(`${rem} = ${rem} / ${u32(r.T)};`);
      b.line(`${idx} = ${idx} + ${r.ti}[${t}] * ${xs[a]};`);
      b.line(`${wt} = ${wt} * ${r.tw}[${t}];`);
    });
    b.line(`${acc} = ${acc} + ${wt} * ${loadClamped(k, x, idx)};`);
  });
  return b.let('v', outside.length ? `select(${acc}, ${f32Lit(extrap)}, ${outside.join(' || ')})` : acc);
}

/** Whether every axis keeps its length: known when compiling, else a WGSL bool (a let). */
function sameLengths(k: KernelCtx, xd: readonly Dim[], yd: readonly Dim[]): boolean | string {
  const open: string[] = [];
  for (let a = 0; a < xd.length; a++) {
    if (xd[a] === yd[a]) continue;
    if (typeof xd[a] === 'number' && typeof yd[a] === 'number') return false;
    open.push(`${k.dim(xd[a]!)} == ${k.dim(yd[a]!)}`);
  }
  return open.length === 0 ? true : k.body.let('same', open.map((e) => `(${e})`).join(' && '));
}

/** The policy's one scale: min (max) over the listed axes of sizes_j / in_j (sizes constant or i64/i32 data). */
function aspectScale(k: KernelCtx, op: Op, policy: string, axes: readonly number[]): string {
  const x = op.operands[0]!, sz = op.operands[3];
  const xd = k.dims(x);
  if (!sz || k.dims(sz).length !== 1 || k.dims(sz)[0] !== axes.length) k.fail(op, `resize keep_aspect_ratio_policy ${policy} needs sizes of ${axes.length} entries, known when compiling`);
  const t = k.constant(sz);
  if (!t && sz.type.dtype !== 'i64' && sz.type.dtype !== 'i32') k.fail(op, `resize sizes must be i64, not ${sz.type.dtype}`);
  const ratios = axes.map((a, j) => `${t ? f32Lit(Number(t.data[j])) : `f32(${k.body.let('sz', k.load(sz, u32(j)))})`} / f32(${k.dim(xd[a]!)})`);
  return k.body.let('asp', ratios.reduce((p, q) => `${policy === 'not_larger' ? 'min' : 'max'}(${p}, ${q})`));
}

/** The interpolation kernel at distance dd >= 0 (linear, or cubic with coefficient A). */
function kernelWeight(mode: string, A: number, dd: string): string {
  return mode === 'cubic'
    ? `select(select(0.0f, ((${f32Lit(A)} * ${dd} - ${f32Lit(5 * A)}) * ${dd} + ${f32Lit(8 * A)}) * ${dd} - ${f32Lit(4 * A)}, ${dd} < 2.0f), (${f32Lit(A + 2)} * ${dd} - ${f32Lit(A + 3)}) * ${dd} * ${dd} + 1.0f, ${dd} <= 1.0f)`
    : `max(0.0f, 1.0f - ${dd})`;
}

interface AxisAt { d: Dim; scale: string; ratio: string; i0: string; last: string; clampI: (e: string) => string }

/**
 * An antialiased axis: s, the first tap, and the weights' sum (a first loop; 0 leaves them
 * unnormalised, as the reference does). The first tap is kept above -(R * length + 1): any
 * non-empty result has scale >= 1 / length, so only a NaN or non-positive scale is cut short.
 */
function wideAxis(k: KernelCtx, mode: string, A: number, exclude: boolean, ax: AxisAt): Wide {
  const b = k.body;
  const R = mode === 'cubic' ? 2 : 1;
  const s = b.let('s', `min(${ax.scale}, 1.0f)`);
  const st = b.let('stf', `floor(${f32Lit(-R)} / ${s}) + 1.0f`);
  const lim = b.let('lim', `-(${f32Lit(R)} * f32(${k.dim(ax.d)}) + 1.0f)`);
  const start = b.let('st', `i32(select(${lim}, ${st}, ${st} >= ${lim}))`);
  const weight = (kk: string): string => {
    const w = b.var('w', 'f32', kernelWeight(mode, A, b.let('dd', `abs((f32(${kk}) - ${ax.ratio}) * ${s})`)));
    if (exclude) b.line(`if (${ax.i0} + ${kk} < 0i || ${ax.i0} + ${kk} > ${ax.last}) { ${w} = 0.0f; }`);
    return w;
  };
  const sum = b.var('ws', 'f32', '0.0f');
  b.block(`for (var kk = ${start}; kk <= 1i - ${start}; kk++)`, () => b.line(`${sum} = ${sum} + ${weight('kk')};`));
  return {
    start,
    tap: (kk) => {
      const w = weight(kk);
      return { i: b.let('ti', ax.clampI(`${ax.i0} + ${kk}`)), w: b.let('wn', `select(${w}, ${w} / ${sum}, ${sum} != 0.0f)`) };
    },
  };
}

/** Nested loops over the antialiased axes' taps; the other axes read their own coordinate. */
function wideSum(k: KernelCtx, op: Op, perAxis: readonly (Tap[] | Wide | null)[], c: readonly string[], outside: readonly string[], extrap: number): string {
  const b = k.body;
  const x = op.operands[0]!;
  const xd = k.dims(x);
  const xs = strides(k, xd);
  const acc = b.var('acc', 'f32', '0.0f');
  const level = (a: number, idx: string, wt: string): void => {
    if (a === xd.length) {
      b.line(`${acc} = ${acc} + ${wt} * ${loadClamped(k, x, idx)};`);
      return;
    }
    const t = perAxis[a];
    if (!t || Array.isArray(t)) {
      // Not resized (or one nearest tap, which antialias leaves as is). A tap list of another
      // length (linear/cubic without antialias) would lose taps here: the caller never mixes them.
      if (t && t.length !== 1) throw new Error(`webgpu resize: axis ${a} has ${t.length} fixed taps beside an antialiased axis (expected one nearest tap)`);
      const one = t ? t[0]! : { i: c[a]!, w: '' };
      level(a + 1, `${idx} + ${one.i} * ${xs[a]}`, one.w === '' ? wt : `${wt} * ${one.w}`);
      return;
    }
    const kk = b.fresh('ka');
    b.block(`for (var ${kk} = ${t.start}; ${kk} <= 1i - ${t.start}; ${kk}++)`, () => {
      const tp = t.tap(kk);
      level(a + 1, `${idx} + ${tp.i} * ${xs[a]}`, wt === '1.0f' ? tp.w : `${wt} * ${tp.w}`);
    });
  };
  level(0, '0u', '1.0f');
  return b.let('v', outside.length ? `select(${acc}, ${f32Lit(extrap)}, ${outside.join(' || ')})` : acc);
}
