// resize (nearest, linear, cubic; every coordinate transformation, antialias, exclude_outside,
// tf_crop_and_resize extrapolation) as a map kernel. For static shapes and constant roi, scales
// and sizes (else resize-dynamic.ts computes the coordinates at run time): The taps of each resized axis (input index and weight per output position,
// or "outside") are computed here in f64 exactly as ir/ops/shape-resize.ts does and printed as
// function-scope tables; each result element sums weight products over the taps of every resized
// axis (the interpreter's separable passes, expanded). Indices are clamped into the input.
// As the interpreter (onnxruntime's rules): coordinates divide by the integral output length, and
// the axes keptAxes names are copied.

import type { Op } from '../../../../ir/ir.js';
import { keptAxes } from '../../../../ir/ops/shape-resize.js';
import { toNumbers, type Tensor } from '../../../../ir/tensor.js';
import { coords, type KernelCtx, type MapKernel, needFloat, strides } from '../kernel-api.js';
import { f32Lit, i32Lit, u32 } from '../wgsl.js';
import { axesOf, loadClamped } from './common.js';
import { resizeDynamic } from './resize-dynamic.js';

interface At { mode: string; ctm: string; nearest: string; a: number; exclude: boolean; extrap: number; antialias: boolean; policy: string }
interface AxisTaps { idx: number[][]; w: number[][]; outside: boolean[] }

const MAX_TERMS = 64;

function sourceCoord(ctm: string, o: number, scale: number, inLen: number, outLen: number, roi: [number, number]): number | undefined {
  switch (ctm) {
    case 'half_pixel': return (o + 0.5) / scale - 0.5;
    case 'half_pixel_symmetric': return (inLen / 2) * (1 - outLen / (scale * inLen)) + (o + 0.5) / scale - 0.5;
    case 'pytorch_half_pixel': return outLen === 1 ? 0 : (o + 0.5) / scale - 0.5;
    case 'align_corners': return outLen === 1 ? 0 : (o * (inLen - 1)) / (outLen - 1);
    case 'asymmetric': return o / scale;
    case 'tf_half_pixel_for_nn': return (o + 0.5) / scale;
    case 'tf_crop_and_resize':
      return outLen !== 1 ? roi[0] * (inLen - 1) + (o * (roi[1] - roi[0]) * (inLen - 1)) / (outLen - 1) : 0.5 * (roi[0] + roi[1]) * (inLen - 1);
    default: return undefined;
  }
}

function nearestIndex(x: number, mode: string): number | undefined {
  const f = Math.floor(x);
  switch (mode) {
    case 'round_prefer_floor': return x - f === 0.5 ? f : Math.round(x);
    case 'round_prefer_ceil': return Math.round(x);
    case 'floor': return f;
    case 'ceil': return Math.ceil(x);
    default: return undefined;
  }
}

function cubicKernel(x: number, a: number): number {
  x = Math.abs(x);
  if (x <= 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
  return 0;
}

/** Linear/cubic taps of one source coordinate (the reference's neighbour choice at integral x). */
function interpTaps(x: number, scale: number, inLen: number, at: At): { idx: number[]; w: number[] } {
  const xf = Math.floor(x);
  let ratio = x - xf, i0 = xf;
  if (ratio === 0) { ratio = 1; i0 = xf - 1; }
  const cubic = at.mode === 'cubic';
  const s = at.antialias ? Math.min(scale, 1) : 1;
  const start = at.antialias ? Math.floor((cubic ? -2 : -1) / s) + 1 : cubic ? -1 : 0;
  const idx: number[] = [], w: number[] = [];
  for (let k = start; k <= 1 - start; k++) {
    const d = (k - ratio) * s;
    idx.push(i0 + k);
    w.push(cubic ? cubicKernel(d, at.a) : Math.max(0, 1 - Math.abs(d)));
  }
  if (at.exclude) idx.forEach((i, k) => { if (i < 0 || i >= inLen) w[k] = 0; });
  if (at.antialias || at.exclude) {
    const sum = w.reduce((p, q) => p + q, 0);
    if (sum !== 0) for (let k = 0; k < w.length; k++) w[k] = w[k]! / sum;
  }
  return { idx: idx.map((i) => Math.min(Math.max(i, 0), inLen - 1)), w };
}

const floatsOf = (t: Tensor | undefined): number[] | undefined => (t && t.data.length > 0 ? toNumbers(t) : undefined);

/** Per-axis taps, or null for an axis the resize leaves as it is. */
function axisTaps(k: KernelCtx, op: Op, xd: readonly number[], yd: readonly number[]): (AxisTaps | null)[] {
  const s = (n: string, d: string): string => String(op.attrs.get(n)?.value ?? d);
  const num = (n: string, d: number): number => Number(op.attrs.get(n)?.value ?? d);
  const at: At = {
    mode: s('mode', 'nearest'), ctm: s('coordinate_transformation_mode', 'half_pixel'), nearest: s('nearest_mode', 'round_prefer_floor'),
    a: num('cubic_coeff_a', -0.75), exclude: num('exclude_outside', 0) !== 0, extrap: num('extrapolation_value', 0),
    antialias: num('antialias', 0) !== 0, policy: s('keep_aspect_ratio_policy', 'stretch'),
  };
  if (!['nearest', 'linear', 'cubic'].includes(at.mode)) k.fail(op, `resize mode '${at.mode}' is not supported by the webgpu backend`);
  const [, roiV, scV, szV] = op.operands;
  const consts = [roiV, scV, szV].map((v) => (v ? k.constant(v) : undefined));
  if ([roiV, scV, szV].some((v, j) => v && !consts[j])) k.fail(op, 'resize needs constant roi, scales and sizes in the webgpu backend');
  const rank = xd.length;
  const axes = axesOf(op, rank);
  const roiN = floatsOf(consts[0]), scales = floatsOf(consts[1]);
  const scale = xd.map((_d, a) => yd[a]! / xd[a]!);
  if (scales) axes.forEach((a, j) => { scale[a] = scales[j]!; });
  else if (at.policy !== 'stretch') {
    // keep_aspect_ratio_policy: one scale for every listed axis, the one the result dims show.
    const sizes = floatsOf(consts[2])!;
    const ratios = axes.map((a, j) => sizes[j]! / xd[a]!);
    const one = at.policy === 'not_larger' ? Math.min(...ratios) : Math.max(...ratios);
    axes.forEach((a) => { scale[a] = one; });
  }
  const roi: [number, number][] = xd.map(() => [0, 1]);
  if (roiN) axes.forEach((a, j) => { roi[a] = [roiN[j]!, roiN[j + axes.length]!]; });
  const kept = keptAxes(xd, yd, scale);
  return xd.map((inLen, a) => {
    const outLen = yd[a]!;
    const t: AxisTaps = { idx: [], w: [], outside: [] };
    for (let o = 0; o < outLen; o++) {
      const v = kept[a] ? o : sourceCoord(at.ctm, o, scale[a]!, inLen, outLen, roi[a]!);
      if (v === undefined) k.fail(op, `resize coordinate_transformation_mode '${at.ctm}' is not supported by the webgpu backend`);
      const out = !kept[a] && at.ctm === 'tf_crop_and_resize' && (v! < 0 || v! > inLen - 1);
      t.outside.push(out);
      if (at.mode === 'nearest') {
        const n = nearestIndex(v!, at.nearest);
        if (n === undefined) k.fail(op, `resize nearest_mode '${at.nearest}' is not supported by the webgpu backend`);
        t.idx.push([Math.min(Math.max(n!, 0), inLen - 1)]);
        t.w.push([1]);
      } else {
        const tp = out ? { idx: [0], w: [0] } : interpTaps(v!, kept[a] ? 1 : scale[a]!, inLen, at);
        t.idx.push(tp.idx);
        t.w.push(tp.w);
      }
    }
    // Pad every position to the same tap count (weight 0) so the tables are rectangular.
    const T = Math.max(1, ...t.idx.map((x) => x.length));
    t.idx = t.idx.map((x) => [...x, ...Array(T - x.length).fill(0)]);
    t.w = t.w.map((x) => [...x, ...Array(T - x.length).fill(0)]);
    // Identity: each position's weights (summed over repeated, clamped indices) are 1 on itself.
    const onItself = (o: number): boolean => {
      const sum = new Map<number, number>();
      t.idx[o]!.forEach((i, j) => sum.set(i, (sum.get(i) ?? 0) + t.w[o]![j]!));
      return [...sum].every(([i, w]) => Math.abs(w - (i === o ? 1 : 0)) < 1e-12);
    };
    const identity = inLen === outLen && !t.outside.some(Boolean) && t.idx.every((_x, o) => onItself(o));
    return identity ? null : t;
  });
}

export const RESIZE_KERNEL: MapKernel = {
  kind: 'map',
  pointwise: () => [],
  reads: () => [0],
  value: (k, op, i) => {
    const x = op.operands[0]!, y = op.results[0]!;
    const xd = k.dims(x), yd = k.dims(y);
    // Any float dtype: loads widen to f32 registers, the store rounds.
    needFloat(k, op, [x, y]);
    const runtime = [op.operands[1], op.operands[2], op.operands[3]].some((v) => v && !k.constant(v));
    if (runtime || ![...xd, ...yd].every((d) => typeof d === 'number')) return resizeDynamic(k, op, i);
    const extrap = Number(op.attrs.get('extrapolation_value')?.value ?? 0);
    const taps = axisTaps(k, op, xd as number[], yd as number[]);
    const terms = taps.reduce((p, t) => p * (t ? t.idx[0]!.length : 1), 1);
    if (terms > MAX_TERMS) k.fail(op, `resize with ${terms} taps per element is not supported by the webgpu backend`);
    const b = k.body;
    const c = coords(k, i, yd);
    const xs = strides(k, xd);
    const outside: string[] = [];
    // Per resized axis: the row of taps of this element's output position.
    const rows = taps.map((t, a) => {
      if (!t) return null;
      const T = t.idx[0]!.length, n = t.idx.length;
      const idx = b.var('ti', `array<i32, ${n * T}>`, `array<i32, ${n * T}>(${t.idx.flat().map(i32Lit).join(', ')})`);
      const w = b.var('tw', `array<f32, ${n * T}>`, `array<f32, ${n * T}>(${t.w.flat().map(f32Lit).join(', ')})`);
      if (t.outside.some(Boolean)) {
        const out = b.var('to', `array<u32, ${n}>`, `array<u32, ${n}>(${t.outside.map((o) => (o ? '1u' : '0u')).join(', ')})`);
        outside.push(`${out}[min(${c[a]}, ${u32(n - 1)})] != 0u`);
      }
      const base = b.let('tb', `min(${c[a]}, ${u32(n - 1)}) * ${u32(T)}`);
      return { T, at: (j: number) => ({ i: `u32(${idx}[${base} + ${u32(j)}])`, w: `${w}[${base} + ${u32(j)}]` }) };
    });
    const acc = b.var('acc', 'f32', '0.0f');
    // Every combination of one tap per resized axis.
    const combos = (a: number, picks: number[]): void => {
      if (a === xd.length) {
        const parts = picks.map((j, ax) => (rows[ax] ? rows[ax]!.at(j) : { i: c[ax]!, w: '' }));
        const index = parts.reduce<string>((e, p, ax) => (e === '' ? `${p.i} * ${xs[ax]}` : `${e} + ${p.i} * ${xs[ax]}`), '');
        const wt = parts.filter((p) => p.w !== '').map((p) => p.w).join(' * ');
        b.line(`${acc} = ${acc} + ${wt || '1.0f'} * ${loadClamped(k, x, index)};`);
        return;
      }
      for (let j = 0; j < (rows[a]?.T ?? 1); j++) combos(a + 1, [...picks, j]);
    };
    combos(0, []);
    return b.let('v', outside.length ? `select(${acc}, ${f32Lit(extrap)}, ${outside.join(' || ')})` : acc);
  },
};
