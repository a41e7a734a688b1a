// Shape family: resize (ONNX Resize-19 semantics; Upsample and older Resize versions are lowered
// to it by the importer). Interpolation is separable: each resized axis gets, per output position,
// a list of (input index, weight) taps computed exactly as the ONNX reference does (neighbours of
// the transformed coordinate, edge-clamped; antialias widens the kernel by 1/scale), and the axes
// are applied one after another in f64. Nearest mode is a pure index gather (exact for any dtype).
//
// Where the spec leaves room, onnxruntime (the runtime real models are exported against) decides:
// - align_corners, pytorch_half_pixel and tf_crop_and_resize divide by the integral output length
//   (the spec's length_resized), not by in * scale as ONNX's reference code (and the two
//   align_corners downsample tests it generated) does; see onnx/onnx#2462.
// - An axis whose scale is exactly 1 (f32 compare; unlisted axes have scale 1), or every axis when
//   no length changes, is copied: no coordinate transform. The spec would apply the transform at
//   scale 1, which only tf_half_pixel_for_nn ((o + 0.5) / 1: ceil and round_prefer_ceil read o + 1)
//   and tf_crop_and_resize with a roi move; onnxruntime skips it (keptAxes).
// Coordinates stay in f64 (onnxruntime: f32), so exact ties of nearest rounding may differ.

import { DTYPE_INFO, intRange } from '../dtype.js';
import { defineOps } from '../op-def.js';
import type { InferCtx } from '../op-def.js';
import type { Tensor, TensorData } from '../tensor.js';
import { sizeOf } from '../tensor.js';
import type { Dim } from '../types.js';
import { UNKNOWN_DIM } from '../types.js';
import { normAxis } from './util.js';
import { gatherAxes, intsOf, mk, newLike, unknownDims } from './shape-common.js';
import { shapeOperand } from './shape-trace.js';
import { dimAdd, dimFloorDiv, dimMax, dimMin, dimMul } from '../symbolic.js';

/** kept: the axes copied as they are (keptAxes). */
interface Plan { outShape: number[]; scale: number[]; kept: boolean[]; roi: [number, number][] }

interface ResizeAttrs {
  mode: string; ctm: string; nearest: string; a: number; exclude: boolean; extrap: number; antialias: boolean;
  policy: string; axes: number[] | undefined;
}

/**
 * floor(d * s) for a symbolic d, when s = p / q with q a small power of two: then d * s is exact in
 * floating point for every d < 2^31 and equals floordiv(d * p, q). Any other scale keeps '?'.
 */
function scaledDim(d: Dim, s: number): Dim {
  for (const q of [1, 2, 4, 8, 16]) {
    const p = s * q;
    if (Number.isInteger(p) && p > 0 && p < 2 ** 20) return dimFloorDiv(dimMul(d, p), q);
  }
  return UNKNOWN_DIM;
}

function readAttrs(ctx: { attrs: InferCtx['attrs'] }): ResizeAttrs {
  const at = ctx.attrs;
  return {
    mode: at.string('mode'), ctm: at.string('coordinate_transformation_mode'), nearest: at.string('nearest_mode'),
    a: at.float('cubic_coeff_a'), exclude: at.int('exclude_outside') !== 0, extrap: at.float('extrapolation_value'),
    antialias: at.int('antialias') !== 0, policy: at.string('keep_aspect_ratio_policy'),
    axes: at.has('axes') ? [...at.ints('axes')] : undefined,
  };
}

const floats = (t: Tensor | null | undefined): number[] | undefined => (t && t.data.length > 0 ? Array.from(t.data as ArrayLike<number>, Number) : undefined);

/**
 * Result dims under keep_aspect_ratio_policy not_larger / not_smaller: floor(s * d_a + 0.5) with
 * s = min (max) over the axes j of sizes_j / d_j. floor(c * s + 0.5) grows with s, so the min (max)
 * can move outside: min_j floordiv(2 * sizes_j * d_a + d_j, 2 * d_j), integer arithmetic that holds
 * for symbolic dims and for sizes read at run time (data symbols). '?' when any part is unknown.
 */
function keptAspectDims(inShape: readonly Dim[], axes: readonly number[], sizes: readonly Dim[], policy: string): Dim[] | undefined {
  if (policy !== 'not_larger' && policy !== 'not_smaller') return undefined;
  if (sizes.includes(UNKNOWN_DIM) || axes.some((a) => inShape[a] === UNKNOWN_DIM || inShape[a] === 0)) return undefined;
  const pick = policy === 'not_larger' ? dimMin : dimMax;
  const out = [...inShape];
  for (const a of axes) {
    const cands = axes.map((b, j) => dimFloorDiv(dimAdd(dimMul(dimMul(sizes[j]!, 2), inShape[a]!), inShape[b]!), dimMul(inShape[b]!, 2)));
    out[a] = cands.length === 1 ? cands[0]! : pick(...cands);
  }
  return out.includes(UNKNOWN_DIM) ? undefined : out;
}

/** Output shape and per-axis scales from scales or sizes (with keep_aspect_ratio_policy). */
function plan(inShape: readonly number[], at: ResizeAttrs, roi: number[] | undefined, scales: number[] | undefined, sizes: number[] | undefined, bad: (m: string) => never): Plan {
  const rank = inShape.length;
  const axes = (at.axes ?? Array.from({ length: rank }, (_, i) => i)).map((a) => normAxis(a, rank, bad));
  const outShape = [...inShape], scale = new Array<number>(rank).fill(1);
  const r: [number, number][] = inShape.map(() => [0, 1]);
  if (roi) {
    if (roi.length !== 2 * axes.length) bad(`roi has ${roi.length} entries, expected ${2 * axes.length}`);
    axes.forEach((a, i) => { r[a] = [roi[i]!, roi[i + axes.length]!]; });
  }
  if (scales && sizes) bad('only one of scales and sizes may be given');
  if (scales) {
    if (scales.length !== axes.length) bad(`scales has ${scales.length} entries, expected ${axes.length}`);
    axes.forEach((a, i) => {
      if (!(scales[i]! > 0)) bad(`scale ${scales[i]} must be positive`);
      scale[a] = scales[i]!;
      outShape[a] = Math.floor(inShape[a]! * scales[i]!);
    });
  } else if (sizes) {
    if (sizes.length !== axes.length) bad(`sizes has ${sizes.length} entries, expected ${axes.length}`);
    if (at.policy === 'stretch') {
      axes.forEach((a, i) => { outShape[a] = sizes[i]!; scale[a] = sizes[i]! / inShape[a]!; });
    } else {
      const ratios = axes.map((a, i) => sizes[i]! / inShape[a]!);
      if (at.policy !== 'not_larger' && at.policy !== 'not_smaller') bad(`unknown keep_aspect_ratio_policy '${at.policy}'`);
      const s = at.policy === 'not_larger' ? Math.min(...ratios) : Math.max(...ratios);
      const pick = at.policy === 'not_larger' ? Math.min : Math.max;
      // floor(s * d + 0.5), in exact integers as keptAspectDims computes it symbolically.
      axes.forEach((a) => {
        scale[a] = s;
        outShape[a] = pick(...axes.map((b, j) => Math.floor((2 * sizes[j]! * inShape[a]! + inShape[b]!) / (2 * inShape[b]!))));
      });
    }
  } else bad('one of scales and sizes is required');
  return { outShape, scale, kept: keptAxes(inShape, outShape, scale), roi: r };
}

/**
 * The axes onnxruntime copies untransformed: scale exactly 1, or every axis when no length changes
 * (it then copies the input whatever the scales). Shared with the backends' resize kernels.
 */
export function keptAxes(inShape: readonly number[], outShape: readonly number[], scale: readonly number[]): boolean[] {
  const same = inShape.every((d, a) => d === outShape[a]);
  return scale.map((s) => same || s === 1);
}

/** Input coordinate of output position o along one axis (the integral output length outLen, as onnxruntime). */
export function sourceCoord(ctm: string, o: number, scale: number, inLen: number, outLen: number, roi: [number, number], bad: (m: string) => never): number {
  switch (ctm) {
    case 'half_pixel': return (o + 0.5) / scale - 0.5;
    case 'half_pixel_symmetric': {
      const adj = outLen / (scale * inLen);
      return (inLen / 2) * (1 - adj) + (o + 0.5) / scale - 0.5;
    }
    case 'pytorch_half_pixel': return outLen === 1 ? 0 : (o + 0.5) / scale - 0.5;
    case 'align_corners': return outLen === 1 ? 0 : (o * (inLen - 1)) / (outLen - 1);
    case 'asymmetric': return o / scale;
    case 'tf_half_pixel_for_nn': return (o + 0.5) / scale;
    case 'tf_crop_and_resize':
      return outLen !== 1
        ? roi[0] * (inLen - 1) + (o * (roi[1] - roi[0]) * (inLen - 1)) / (outLen - 1)
        : 0.5 * (roi[0] + roi[1]) * (inLen - 1);
    default: return bad(`unknown coordinate_transformation_mode '${ctm}'`);
  }
}

function nearestIndex(x: number, mode: string, bad: (m: string) => never): number {
  const f = Math.floor(x);
  switch (mode) {
    case 'round_prefer_floor': return x - f === 0.5 ? f : Math.round(x);
    case 'round_prefer_ceil': return Math.round(x);
    case 'floor': return f;
    case 'ceil': return Math.ceil(x);
    default: return bad(`unknown nearest_mode '${mode}'`);
  }
}

function cubicKernel(x: number, a: number): number {
  x = Math.abs(x);
  if (x <= 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
  return 0;
}

interface Taps { idx: number[]; w: number[]; outside: boolean }

/** Interpolation taps of one output position (linear or cubic). */
function taps(x: number, scale: number, inLen: number, at: ResizeAttrs): Taps {
  const xf = Math.floor(x);
  let ratio = x - xf, i0 = xf;
  if (ratio === 0) { ratio = 1; i0 = xf - 1; } // the reference's neighbour choice for integral x
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
  return { idx: idx.map((i) => Math.min(Math.max(i, 0), inLen - 1)), w, outside: false };
}

function resize(x: Tensor, p: Plan, at: ResizeAttrs, bad: (m: string) => never): TensorData {
  const rank = x.shape.length;
  const outside = (v: number, inLen: number): boolean => at.ctm === 'tf_crop_and_resize' && (v < 0 || v > inLen - 1);
  // Unknown modes are refused even where every axis is kept.
  sourceCoord(at.ctm, 0, 1, 1, 1, [0, 1], bad);
  if (at.mode === 'nearest') {
    nearestIndex(0, at.nearest, bad);
    const maps = p.outShape.map((n, a) => Int32Array.from({ length: n }, (_, o) => {
      const inLen = x.shape[a]!;
      if (p.kept[a]) return o;
      const v = sourceCoord(at.ctm, o, p.scale[a]!, inLen, n, p.roi[a]!, bad);
      if (outside(v, inLen)) return -1;
      return Math.min(Math.max(nearestIndex(v, at.nearest, bad), 0), inLen - 1);
    }));
    return gatherAxes(x, p.outShape, maps, at.extrap);
  }
  if (at.mode !== 'linear' && at.mode !== 'cubic') bad(`unknown mode '${at.mode}'`);
  let cur = Float64Array.from(x.data as ArrayLike<number>, Number);
  const shape = [...x.shape];
  for (let a = 0; a < rank; a++) {
    const inLen = shape[a]!, outLen = p.outShape[a]!;
    if (p.kept[a]) continue;
    const tp = Array.from({ length: outLen }, (_, o) => {
      const v = sourceCoord(at.ctm, o, p.scale[a]!, inLen, outLen, p.roi[a]!, bad);
      return outside(v, inLen) ? { idx: [], w: [], outside: true } : taps(v, p.scale[a]!, inLen, at);
    });
    const identity = inLen === outLen && tp.every((t, o) => !t.outside && t.w.every((w, k) => (t.idx[k] === o ? w === 1 : w === 0)));
    if (identity) continue;
    const outer = sizeOf(shape.slice(0, a)), inner = sizeOf(shape.slice(a + 1));
    const next = new Float64Array(outer * outLen * inner);
    for (let q = 0; q < outer; q++) {
      for (let o = 0; o < outLen; o++) {
        const t = tp[o]!;
        const dst = (q * outLen + o) * inner;
        if (t.outside) { next.fill(at.extrap, dst, dst + inner); continue; }
        for (let k = 0; k < t.idx.length; k++) {
          const w = t.w[k]!;
          if (w === 0) continue;
          const src = (q * inLen + t.idx[k]!) * inner;
          for (let i = 0; i < inner; i++) next[dst + i] += w * cur[src + i]!;
        }
      }
    }
    cur = next;
    shape[a] = outLen;
  }
  const out = newLike(x.data, cur.length);
  const kind = DTYPE_INFO[x.dtype].kind;
  // Integer results truncate like the reference's astype; cubic overshoot is clamped, not wrapped.
  if (out instanceof BigInt64Array || out instanceof BigUint64Array) {
    for (let i = 0; i < cur.length; i++) out[i] = BigInt(Math.trunc(cur[i]!));
  } else if (kind === 'int' || kind === 'uint' || kind === 'bool') {
    const [lo, hi] = intRange(x.dtype);
    const o = out as Int32Array;
    for (let i = 0; i < cur.length; i++) o[i] = Math.min(hi, Math.max(lo, Math.trunc(cur[i]!)));
  } else (out as Float32Array).set(cur);
  return out;
}

/** Operand i as numbers if given and non-empty (ONNX passes '' or an empty tensor for "absent"). */
function present(ctx: InferCtx, i: number): { known: boolean; vals?: number[] } {
  if (!ctx.inputs[i]) return { known: true };
  const t = ctx.constant(i);
  if (t) return { known: true, vals: floats(t) };
  const s = ctx.inputs[i]!.shape;
  return { known: s !== null && s.length === 1 && s[0] === 0 };
}

defineOps({
  name: 'resize',
  summary: 'Resize with nearest/linear/cubic interpolation (ONNX Resize-19: roi, scales or sizes, axes, antialias).',
  inputs: [{ name: 'X' }, { name: 'roi', optional: true }, { name: 'scales', optional: true }, { name: 'sizes', optional: true }],
  outputs: [{ name: 'Y' }],
  attrs: {
    antialias: { kind: 'int', default: 0 },
    axes: { kind: 'ints' },
    coordinate_transformation_mode: { kind: 'string', default: 'half_pixel' },
    cubic_coeff_a: { kind: 'float', default: -0.75 },
    exclude_outside: { kind: 'int', default: 0 },
    extrapolation_value: { kind: 'float', default: 0 },
    keep_aspect_ratio_policy: { kind: 'string', default: 'stretch' },
    mode: { kind: 'string', default: 'nearest' },
    nearest_mode: { kind: 'string', default: 'round_prefer_floor' },
  },
  traits: ['pure'],
  fusion: 'opaque',
  infer(ctx) {
    const x = ctx.inputs[0]!;
    if (!x.shape) return [x];
    const at = readAttrs(ctx);
    const rank = x.shape.length;
    const axes = (at.axes ?? Array.from({ length: rank }, (_, i) => i)).map((a) => normAxis(a, rank, ctx.fail));
    const sc = present(ctx, 2), sz = present(ctx, 3);
    const unknownOnAxes = (): Dim[] => x.shape!.map((d, i) => (axes.includes(i) ? UNKNOWN_DIM : d));
    if (sc.vals) {
      if (sc.vals.length !== axes.length) ctx.fail(`scales has ${sc.vals.length} entries, expected ${axes.length}`);
      const shape = [...x.shape];
      axes.forEach((a, i) => {
        const d = shape[a]!, s = sc.vals![i]!;
        shape[a] = s === 1 ? d : typeof d === 'number' ? Math.floor(d * s) : scaledDim(d, s);
      });
      return [{ dtype: x.dtype, shape }];
    }
    // Scales given as input data (float data symbols): floor(d * s) at run time.
    const scTraced = !sc.known && ctx.inputs[2] ? shapeOperand(ctx, 2) : undefined;
    if (scTraced && scTraced.length === axes.length && !scTraced.includes(UNKNOWN_DIM)) {
      const shape = [...x.shape];
      axes.forEach((a, i) => { shape[a] = dimFloorDiv(dimMul(shape[a]!, scTraced[i]!), 1); });
      return [{ dtype: x.dtype, shape }];
    }
    const traced = ctx.inputs[3] && !sz.vals ? shapeOperand(ctx, 3) : undefined;
    if (traced && traced.length === axes.length && at.policy !== 'stretch') {
      return [{ dtype: x.dtype, shape: keptAspectDims(x.shape, axes, traced, at.policy) ?? unknownOnAxes() }];
    }
    if (traced && traced.length === axes.length) {
      const shape = [...x.shape];
      axes.forEach((a, i) => { shape[a] = traced[i]!; });
      return [{ dtype: x.dtype, shape }];
    }
    if (!sc.known || !sz.known) return [{ dtype: x.dtype, shape: unknownOnAxes() }];
    if (sz.vals) {
      const sizes = sz.vals;
      if (sizes.length !== axes.length) ctx.fail(`sizes has ${sizes.length} entries, expected ${axes.length}`);
      if (at.policy === 'stretch') {
        const shape = [...x.shape];
        axes.forEach((a, i) => { shape[a] = sizes[i]!; });
        return [{ dtype: x.dtype, shape }];
      }
      if (axes.some((a) => typeof x.shape![a] !== 'number')) return [{ dtype: x.dtype, shape: keptAspectDims(x.shape, axes, sizes, at.policy) ?? unknownOnAxes() }];
      const p = plan(x.shape as number[], at, undefined, undefined, sizes, ctx.fail);
      return [{ dtype: x.dtype, shape: x.shape.map((d, i) => (axes.includes(i) ? p.outShape[i]! : d)) }];
    }
    if (ctx.inputs[2] || ctx.inputs[3]) return ctx.fail('one of scales and sizes must be non-empty');
    return [{ dtype: x.dtype, shape: unknownDims(rank) }];
  },
  eval(ctx) {
    const [x, roi, scales, sizes] = ctx.inputs as (Tensor | null)[];
    const at = readAttrs(ctx);
    const sz = sizes && sizes.data.length > 0 ? intsOf(sizes) : undefined;
    const p = plan(x!.shape, at, floats(roi), floats(scales), sz, ctx.fail);
    return [mk(x!.dtype, p.outShape, resize(x!, p, at, ctx.fail))];
  },
});
