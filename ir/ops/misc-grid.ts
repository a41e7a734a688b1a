// Spatial sampling ops: AffineGrid (build a sampling grid from affine matrices), GridSample
// (sample an N-D image at grid points; linear/nearest/cubic, zeros/border/reflection padding) and
// RoiAlign (average/max pooling of bilinear samples inside regions of interest).
// Coordinates follow the ONNX reference (itself PyTorch's GridSampler / ORT's RoiAlign).

import type { EvalCtx, InferCtx } from '../op-def.js';
import { defineOps } from '../op-def.js';
import { zeros, type NumericArray, type Tensor } from '../tensor.js';
import type { Dim, TensorType } from '../types.js';
import { UNKNOWN_DIM } from '../types.js';
import { asF64 } from './attention-util.js';
import { rankedShape } from './util.js';

// ---------------------------------------------------------------------------------------------
// AffineGrid

function inferAffineGrid(ctx: InferCtx): TensorType[] {
  const theta = rankedShape(ctx, 0);
  const dtype = ctx.inputs[0]!.dtype;
  const size = ctx.constant(1);
  if (size) {
    const s = Array.from(size.data as BigInt64Array, Number);
    if (s.length !== 4 && s.length !== 5) ctx.fail(`size must have 4 or 5 elements, got ${s.length}`);
    return [{ dtype, shape: [theta[0]!, ...s.slice(2), s.length - 2] }];
  }
  // Size given as input data: data symbols the runtime reads (ir/shape-value.ts).
  const traced = ctx.shapeValue?.(1);
  if (traced && (traced.length === 4 || traced.length === 5)) return [{ dtype, shape: [theta[0]!, ...traced.slice(2), traced.length - 2] }];
  const st = rankedShape(ctx, 1);
  const n = st[0];
  if (typeof n !== 'number') return [{ dtype, shape: null }];
  return [{ dtype, shape: [theta[0]!, ...Array<Dim>(n - 2).fill(UNKNOWN_DIM), n - 2] }];
}

/** Normalised coordinate of pixel i along an axis of n pixels. */
const baseCoord = (i: number, n: number, alignCorners: boolean): number =>
  alignCorners ? (n === 1 ? -1 : -1 + (2 * i) / (n - 1)) : -1 + (2 * i + 1) / n;

function evalAffineGrid(ctx: EvalCtx): Tensor[] {
  const [thetaT, sizeT] = ctx.inputs;
  const size = Array.from(sizeT!.data as BigInt64Array, Number);
  const nd = size.length - 2;
  const N = size[0]!;
  const spatial = size.slice(2);
  const align = ctx.attrs.int('align_corners') !== 0;
  if (thetaT!.shape.join() !== [N, nd, nd + 1].join()) ctx.fail(`theta must be [${N}, ${nd}, ${nd + 1}]`);
  const theta = asF64(thetaT!);
  const out = zeros(thetaT!.dtype, [N, ...spatial, nd]);
  const o = out.data as NumericArray;
  const points = spatial.reduce((a, b) => a * b, 1);
  const coord = new Float64Array(nd + 1);
  for (let p = 0; p < points; p++) {
    // Homogeneous point (x, y[, z], 1): x runs along the last spatial axis.
    let rem = p;
    for (let a = nd - 1; a >= 0; a--) {
      const n = spatial[a]!;
      coord[nd - 1 - a] = baseCoord(rem % n, n, align);
      rem = Math.floor(rem / n);
    }
    coord[nd] = 1;
    for (let b = 0; b < N; b++) {
      for (let r = 0; r < nd; r++) {
        let acc = 0;
        for (let c = 0; c <= nd; c++) acc += theta[(b * nd + r) * (nd + 1) + c]! * coord[c]!;
        o[(b * points + p) * nd + r] = acc;
      }
    }
  }
  return [out];
}

// ---------------------------------------------------------------------------------------------
// GridSample

function inferGridSample(ctx: InferCtx): TensorType[] {
  const x = rankedShape(ctx, 0), g = rankedShape(ctx, 1);
  if (x.length < 3) ctx.fail('X must have at least one spatial dim');
  if (g.length !== x.length) ctx.fail(`grid must have rank ${x.length}`);
  const mode = ctx.attrs.string('mode');
  if (!['linear', 'nearest', 'cubic'].includes(mode)) ctx.fail(`unknown mode '${mode}'`);
  const pad = ctx.attrs.string('padding_mode');
  if (!['zeros', 'border', 'reflection'].includes(pad)) ctx.fail(`unknown padding_mode '${pad}'`);
  return [{ dtype: ctx.inputs[0]!.dtype, shape: [x[0]!, x[1]!, ...g.slice(1, -1)] }];
}

/** Reflect x into [lo, hi] by repeated mirroring at the borders. */
function reflect(x: number, lo: number, hi: number): number {
  const rng = hi - lo;
  if (x < lo) {
    const dx = lo - x, n = Math.trunc(dx / rng), r = dx - n * rng;
    return n % 2 === 0 ? lo + r : hi - r;
  }
  if (x > hi) {
    const dx = x - hi, n = Math.trunc(dx / rng), r = dx - n * rng;
    return n % 2 === 0 ? hi - r : lo + r;
  }
  return x;
}

function cubicCoeffs(t: number, out: Float64Array): void {
  const A = -0.75;
  const x = Math.abs(t);
  out[0] = ((A * (x + 1) - 5 * A) * (x + 1) + 8 * A) * (x + 1) - 4 * A;
  out[1] = ((A + 2) * x - (A + 3)) * x * x + 1;
  out[2] = ((A + 2) * (1 - x) - (A + 3)) * (1 - x) * (1 - x) + 1;
  out[3] = ((A * (2 - x) - 5 * A) * (2 - x) + 8 * A) * (2 - x) - 4 * A;
}

/** Round half to even (std::nearbyint in the default rounding mode). */
function rint(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function evalGridSample(ctx: EvalCtx): Tensor[] {
  const [xT, gT] = ctx.inputs;
  const xs = xT!.shape, gs = gT!.shape;
  const nd = xs.length - 2;
  if (gs[gs.length - 1] !== nd) ctx.fail(`grid last dim must be ${nd}`);
  const [N, C] = xs as [number, number];
  const dims = xs.slice(2);
  const outSpatial = gs.slice(1, -1);
  const mode = ctx.attrs.string('mode');
  const pad = ctx.attrs.string('padding_mode');
  const align = ctx.attrs.int('align_corners') !== 0;
  const x = asF64(xT!), grid = asF64(gT!);
  const out = zeros(xT!.dtype, [N, C, ...outSpatial]);
  const o = out.data as NumericArray;
  const points = outSpatial.reduce((a, b) => a * b, 1);
  const imgSize = dims.reduce((a, b) => a * b, 1);
  const lo = dims.map(() => (align ? 0 : -0.5));
  const hi = dims.map((d) => (align ? d - 1 : d - 0.5));
  const taps = mode === 'cubic' ? 4 : mode === 'linear' ? 2 : 1;
  const base = new Int32Array(nd);
  const w = dims.map(() => new Float64Array(4));
  const pos = new Float64Array(nd);
  // Index of tap k along axis a after padding; -1 means "reads zero".
  const tapIndex = (a: number, i: number): number => {
    const d = dims[a]!;
    if (pad === 'zeros') return i >= 0 && i < d ? i : -1;
    if (pad === 'border') return Math.min(Math.max(i, 0), d - 1);
    return Math.trunc(reflect(i, lo[a]!, hi[a]!));
  };
  const nTaps = taps ** nd;
  for (let n = 0; n < N; n++) {
    for (let p = 0; p < points; p++) {
      // Grid holds (x, y[, z]): reversed relative to the spatial axes of X.
      for (let a = 0; a < nd; a++) {
        const g = grid[(n * points + p) * nd + (nd - 1 - a)]!;
        const d = dims[a]!;
        let v = align ? ((g + 1) / 2) * (d - 1) : ((g + 1) * d - 1) / 2;
        if (mode === 'nearest') v = rint(v);
        if (v < lo[a]! || v > hi[a]!) {
          if (pad === 'border') v = Math.min(Math.max(v, 0), d - 1);
          else if (pad === 'reflection') v = reflect(v, lo[a]!, hi[a]!);
        }
        pos[a] = v;
        if (mode === 'nearest') { base[a] = Math.trunc(v); w[a]![0] = 1; continue; }
        const f = Math.floor(v);
        const t = v - f;
        if (mode === 'linear') { base[a] = f; w[a]![0] = 1 - t; w[a]![1] = t; } else { base[a] = f - 1; cubicCoeffs(t, w[a]!); }
      }
      for (let c = 0; c < C; c++) {
        const img = (n * C + c) * imgSize;
        let acc = 0;
        for (let k = 0; k < nTaps; k++) {
          let rem = k, flat = 0, weight = 1;
          for (let a = nd - 1; a >= 0 && weight !== 0; a--) {
            const tap = rem % taps;
            rem = Math.floor(rem / taps);
            weight *= w[a]![tap]!;
            const idx = tapIndex(a, base[a]! + tap);
            if (idx < 0) { weight = 0; break; }
            flat += idx * stride(dims, a);
          }
          if (weight !== 0) acc += weight * x[img + flat]!;
        }
        o[(n * C + c) * points + p] = acc;
      }
    }
  }
  return [out];
}

function stride(dims: readonly number[], a: number): number {
  let s = 1;
  for (let i = a + 1; i < dims.length; i++) s *= dims[i]!;
  return s;
}

// ---------------------------------------------------------------------------------------------
// RoiAlign

function inferRoiAlign(ctx: InferCtx): TensorType[] {
  const x = rankedShape(ctx, 0), rois = rankedShape(ctx, 1);
  if (x.length !== 4) ctx.fail('X must be 4-D [N, C, H, W]');
  if (rois.length !== 2) ctx.fail('rois must be 2-D [num_rois, 4]');
  const mode = ctx.attrs.string('mode');
  if (mode !== 'avg' && mode !== 'max') ctx.fail(`unknown mode '${mode}'`);
  return [{ dtype: ctx.inputs[0]!.dtype, shape: [rois[0]!, x[1]!, ctx.attrs.int('output_height'), ctx.attrs.int('output_width')] }];
}

function evalRoiAlign(ctx: EvalCtx): Tensor[] {
  const [xT, roisT, idxT] = ctx.inputs;
  const [, C, H, W] = xT!.shape as [number, number, number, number];
  const R = roisT!.shape[0]!;
  const PH = ctx.attrs.int('output_height'), PW = ctx.attrs.int('output_width');
  const ratio = ctx.attrs.int('sampling_ratio');
  const scale = ctx.attrs.float('spatial_scale');
  const isMax = ctx.attrs.string('mode') === 'max';
  const halfPixel = ctx.attrs.string('coordinate_transformation_mode') === 'half_pixel';
  const x = asF64(xT!), rois = asF64(roisT!), bidx = asF64(idxT!);
  const out = zeros(xT!.dtype, [R, C, PH, PW]);
  const o = out.data as NumericArray;
  const off = halfPixel ? 0.5 : 0;
  for (let r = 0; r < R; r++) {
    const b = bidx[r]!;
    if (b < 0 || b >= xT!.shape[0]!) ctx.fail(`batch index ${b} out of range`);
    const x0 = rois[r * 4]! * scale - off, y0 = rois[r * 4 + 1]! * scale - off;
    let rw = rois[r * 4 + 2]! * scale - off - x0, rh = rois[r * 4 + 3]! * scale - off - y0;
    if (!halfPixel) { rw = Math.max(rw, 1); rh = Math.max(rh, 1); }
    const bh = rh / PH, bw = rw / PW;
    const gh = ratio > 0 ? ratio : Math.ceil(rh / PH), gw = ratio > 0 ? ratio : Math.ceil(rw / PW);
    const count = Math.max(gh * gw, 1);
    for (let c = 0; c < C; c++) {
      const img = (b * C + c) * H * W;
      for (let ph = 0; ph < PH; ph++) {
        for (let pw = 0; pw < PW; pw++) {
          let acc = 0, seen = false;
          for (let iy = 0; iy < gh; iy++) {
            const yy = y0 + ph * bh + ((iy + 0.5) * bh) / gh;
            for (let ix = 0; ix < gw; ix++) {
              const xx = x0 + pw * bw + ((ix + 0.5) * bw) / gw;
              const v = bilinearTaps(x, img, H, W, yy, xx, isMax);
              if (isMax) { acc = seen ? Math.max(acc, v) : v; seen = true; } else acc += v;
            }
          }
          o[((r * C + c) * PH + ph) * PW + pw] = isMax ? acc : acc / count;
        }
      }
    }
  }
  return [out];
}

/** Bilinear sample at (y, x): the weighted sum of the 4 taps, or (max mode) their largest weighted value. */
function bilinearTaps(data: Float64Array, img: number, H: number, W: number, y: number, x: number, isMax: boolean): number {
  if (y < -1 || y > H || x < -1 || x > W) return 0;
  y = Math.max(y, 0); x = Math.max(x, 0);
  let yl = Math.trunc(y), xl = Math.trunc(x), yh: number, xh: number;
  if (yl >= H - 1) { yh = yl = H - 1; y = yl; } else yh = yl + 1;
  if (xl >= W - 1) { xh = xl = W - 1; x = xl; } else xh = xl + 1;
  const ly = y - yl, lx = x - xl, hy = 1 - ly, hx = 1 - lx;
  const a = hy * hx * data[img + yl * W + xl]!, b2 = hy * lx * data[img + yl * W + xh]!;
  const c = ly * hx * data[img + yh * W + xl]!, d = ly * lx * data[img + yh * W + xh]!;
  return isMax ? Math.max(a, b2, c, d) : a + b2 + c + d;
}

defineOps(
  {
    name: 'affine_grid',
    summary: 'Sampling grid [N, (D,) H, W, nd] from affine matrices theta [N, nd, nd+1] (ONNX AffineGrid-20).',
    inputs: [{ name: 'theta' }, { name: 'size' }],
    outputs: [{ name: 'grid' }],
    attrs: { align_corners: { kind: 'int', default: 0 } },
    traits: ['pure'],
    fusion: 'opaque',
    infer: inferAffineGrid,
    eval: evalAffineGrid,
  },
  {
    name: 'grid_sample',
    summary: 'Sample X [N, C, spatial...] at normalised grid points (ONNX GridSample-22).',
    inputs: [{ name: 'X' }, { name: 'grid' }],
    outputs: [{ name: 'Y' }],
    attrs: {
      align_corners: { kind: 'int', default: 0 },
      mode: { kind: 'string', default: 'linear' },
      padding_mode: { kind: 'string', default: 'zeros' },
    },
    traits: ['pure'],
    fusion: 'opaque',
    infer: inferGridSample,
    eval: evalGridSample,
  },
  {
    name: 'roi_align',
    summary: 'Region-of-interest pooling of bilinear samples (ONNX RoiAlign-22).',
    inputs: [{ name: 'X' }, { name: 'rois' }, { name: 'batch_indices' }],
    outputs: [{ name: 'Y' }],
    attrs: {
      coordinate_transformation_mode: { kind: 'string', default: 'half_pixel' },
      mode: { kind: 'string', default: 'avg' },
      output_height: { kind: 'int', default: 1 },
      output_width: { kind: 'int', default: 1 },
      sampling_ratio: { kind: 'int', default: 0 },
      spatial_scale: { kind: 'float', default: 1 },
    },
    traits: ['pure'],
    fusion: 'opaque',
    infer: inferRoiAlign,
    eval: evalRoiAlign,
  },
);
