// Pooling: average_pool, max_pool (with argmax indices), lp_pool, their global forms, max_unpool.
// Windowed pools precompute, once per geometry, the flat input offsets each output window reads
// (padding taps dropped) and reuse them for every (batch, channel) plane.

import type { EvalCtx, InferCtx, OpDef } from '../op-def.js';
import { defineOps } from '../op-def.js';
import type { Tensor } from '../tensor.js';
import { sizeOf } from '../tensor.js';
import type { Dim, TensorType } from '../types.js';
import { UNKNOWN_DIM } from '../types.js';
import { asF64, fromF64, geometry, readWindow, spatialInput, windowDimSym, type Geometry } from './nn-common.js';
import { withLayout } from './nn-layout.js';

const POOL_ATTRS = {
  auto_pad: { kind: 'string', default: 'NOTSET' },
  ceil_mode: { kind: 'int', default: 0 },
  dilations: { kind: 'ints' },
  kernel_shape: { kind: 'ints', required: true },
  pads: { kind: 'ints' },
  strides: { kind: 'ints' },
} as const;

function kernelAttr(ctx: InferCtx | EvalCtx, r: number): number[] {
  const k = ctx.attrs.ints('kernel_shape');
  if (k.length !== r) ctx.fail(`kernel_shape has ${k.length} dims, input has ${r} spatial dims`);
  return [...k];
}

function inferPool(ctx: InferCtx): TensorType[] {
  const x = spatialInput(ctx, 0);
  const dtype = ctx.inputs[0]!.dtype;
  const n = Math.max(1, ctx.numResults);
  if (!x) return [{ dtype, shape: null }, { dtype: 'i64' as const, shape: null }].slice(0, n);
  const k = kernelAttr(ctx, x.length - 2);
  const w = readWindow(ctx.attrs, k, ctx.fail, ctx.attrs.int('ceil_mode') !== 0);
  const shape = [x[0]!, x[1]!, ...x.slice(2).map((s, i) => windowDimSym(w, i, s))];
  return [{ dtype, shape }, { dtype: 'i64' as const, shape }].slice(0, n);
}

/** Per output position: the input offsets of its window inside the image, and its padded tap count. */
interface Windows { start: Int32Array; offs: Int32Array; colMajor: Int32Array; padCount: Float64Array }

function windows(g: Geometry): Windows {
  const r = g.inSp.length;
  const P = sizeOf(g.outSp);
  const perDim = g.inSp.map((size, d) => Array.from({ length: g.outSp[d]! }, (_, o) => {
    const coords: number[] = [];
    let padded = 0;
    for (let k = 0; k < g.kernel[d]!; k++) {
      const c = o * g.strides[d]! - g.padsBegin[d]! + k * g.dilations[d]!;
      if (c >= 0 && c < size) coords.push(c);
      if (c >= -g.padsBegin[d]! && c < size + g.padsEnd[d]!) padded++;
    }
    return { coords, padded };
  }));
  const rowStr = new Array<number>(r), colStr = new Array<number>(r);
  for (let d = r - 1, acc = 1; d >= 0; d--) { rowStr[d] = acc; acc *= g.inSp[d]!; }
  for (let d = 0, acc = 1; d < r; d++) { colStr[d] = acc; acc *= g.inSp[d]!; }
  const start = new Int32Array(P + 1);
  const offs: number[] = [], colMajor: number[] = [];
  const padCount = new Float64Array(P);
  const o = new Array<number>(r).fill(0);
  for (let p = 0; p < P; p++) {
    start[p] = offs.length;
    const lists = o.map((od, d) => perDim[d]![od]!);
    padCount[p] = lists.reduce((a, l) => a * l.padded, 1);
    const t = new Array<number>(r).fill(0);
    const total = lists.reduce((a, l) => a * l.coords.length, 1);
    for (let q = 0; q < total; q++) {
      let ro = 0, co = 0;
      for (let d = 0; d < r; d++) { const c = lists[d]!.coords[t[d]!]!; ro += c * rowStr[d]!; co += c * colStr[d]!; }
      offs.push(ro); colMajor.push(co);
      for (let d = r - 1; d >= 0; d--) { if (++t[d]! < lists[d]!.coords.length) break; t[d] = 0; }
    }
    for (let d = r - 1; d >= 0; d--) { if (++o[d]! < g.outSp[d]!) break; o[d] = 0; }
  }
  start[P] = offs.length;
  return { start, offs: Int32Array.from(offs), colMajor: Int32Array.from(colMajor), padCount };
}

type PoolKind = 'avg' | 'max' | 'lp';

function evalPool(ctx: EvalCtx, kind: PoolKind): Tensor[] {
  const x = ctx.inputs[0]!;
  const [N, C] = x.shape as [number, number];
  const inSp = x.shape.slice(2);
  const k = kernelAttr(ctx, inSp.length);
  const g = geometry(readWindow(ctx.attrs, k, ctx.fail, ctx.attrs.int('ceil_mode') !== 0), inSp);
  const { start, offs, colMajor, padCount } = windows(g);
  const X = asF64(x);
  const P = sizeOf(g.outSp), I = sizeOf(inSp);
  const out = new Float64Array(N * C * P);
  const wantIdx = kind === 'max' && ctx.resultTypes.length > 1;
  const idx = wantIdx ? new BigInt64Array(N * C * P) : null;
  const colMajorOrder = kind === 'max' && ctx.attrs.int('storage_order') === 1;
  const includePad = kind === 'avg' && ctx.attrs.int('count_include_pad') !== 0;
  const p = kind === 'lp' ? ctx.attrs.int('p') : 0;
  for (let plane = 0; plane < N * C; plane++) {
    const xo = plane * I, oo = plane * P;
    for (let q = 0; q < P; q++) {
      const s = start[q]!, e = start[q + 1]!;
      if (kind === 'max') {
        let best = -Infinity, arg = s < e ? s : -1;
        for (let t = s; t < e; t++) { const v = X[xo + offs[t]!]!; if (v > best || Number.isNaN(v)) { best = v; arg = t; if (Number.isNaN(v)) break; } }
        out[oo + q] = best;
        if (idx) idx[oo + q] = arg < 0 ? -1n : BigInt(xo + (colMajorOrder ? colMajor[arg]! : offs[arg]!));
      } else if (kind === 'avg') {
        let sum = 0;
        for (let t = s; t < e; t++) sum += X[xo + offs[t]!]!;
        out[oo + q] = sum / (includePad ? padCount[q]! : e - s);
      } else {
        let sum = 0;
        for (let t = s; t < e; t++) sum += Math.abs(X[xo + offs[t]!]!) ** p;
        out[oo + q] = sum ** (1 / p);
      }
    }
  }
  const shape = [N, C, ...g.outSp];
  const y = fromF64(ctx.resultTypes[0]!.dtype, shape, out);
  return idx ? [y, { dtype: 'i64', shape, data: idx }] : [y];
}

function inferGlobal(ctx: InferCtx): TensorType[] {
  const x = spatialInput(ctx, 0);
  const dtype = ctx.inputs[0]!.dtype;
  if (!x) return [{ dtype, shape: null }];
  return [{ dtype, shape: [x[0]!, x[1]!, ...x.slice(2).map(() => 1)] }];
}

function evalGlobal(ctx: EvalCtx, kind: PoolKind): Tensor[] {
  const x = ctx.inputs[0]!;
  const [N, C] = x.shape as [number, number];
  const I = sizeOf(x.shape.slice(2));
  const X = asF64(x);
  const out = new Float64Array(N * C);
  const p = kind === 'lp' ? ctx.attrs.int('p') : 0;
  for (let plane = 0; plane < N * C; plane++) {
    const o = plane * I;
    let acc = kind === 'max' ? -Infinity : 0;
    if (kind === 'max') for (let i = 0; i < I; i++) { const v = X[o + i]!; if (v > acc || Number.isNaN(v)) acc = v; }
    else if (kind === 'avg') { for (let i = 0; i < I; i++) acc += X[o + i]!; acc /= I; }
    else { for (let i = 0; i < I; i++) acc += Math.abs(X[o + i]!) ** p; acc = acc ** (1 / p); }
    out[plane] = acc;
  }
  return [fromF64(ctx.resultTypes[0]!.dtype, [N, C, ...x.shape.slice(2).map(() => 1)], out)];
}

// ---------------------------------------------------------------------------------------------
// max_unpool

function unpoolDefault(ctx: InferCtx | EvalCtx, inSp: readonly Dim[]): Dim[] {
  const k = kernelAttr(ctx, inSp.length);
  const r = k.length;
  const strides = ctx.attrs.has('strides') ? ctx.attrs.ints('strides') : k.map(() => 1);
  const pads = ctx.attrs.has('pads') ? ctx.attrs.ints('pads') : new Array<number>(2 * r).fill(0);
  return inSp.map((d, i) => typeof d === 'number' ? (d - 1) * strides[i]! + k[i]! - pads[i]! - pads[i + r]! : UNKNOWN_DIM);
}

function inferUnpool(ctx: InferCtx): TensorType[] {
  const x = spatialInput(ctx, 0);
  const dtype = ctx.inputs[0]!.dtype;
  if (ctx.inputs[2]) {
    const c = ctx.constant(2);
    if (c) return [{ dtype, shape: Array.from(asF64(c)) }];
    // output_shape given as graph-input data: its elements are data symbols the runtime reads.
    const dims = ctx.shapeValue?.(2);
    if (dims && (!x || dims.length === x.length)) return [{ dtype, shape: dims }];
    return [{ dtype, shape: x ? x.map(() => UNKNOWN_DIM) : null }];
  }
  if (!x) return [{ dtype, shape: null }];
  return [{ dtype, shape: [x[0]!, x[1]!, ...unpoolDefault(ctx, x.slice(2))] }];
}

function evalUnpool(ctx: EvalCtx): Tensor[] {
  const [x, ind, os] = ctx.inputs as [Tensor, Tensor, Tensor | null];
  const inferred = [x.shape[0]!, x.shape[1]!, ...(unpoolDefault(ctx, x.shape.slice(2)) as number[])];
  const shape = os ? Array.from(asF64(os)) : inferred;
  if (shape.length !== inferred.length) ctx.fail(`output_shape has rank ${shape.length}, expected ${inferred.length}`);
  // Indices address the default (inferred) layout; an explicit output_shape keeps each value at
  // the same spatial coordinates of the larger/smaller image (what ONNX's expected outputs do).
  const inPlane = sizeOf(inferred.slice(2)), outPlane = sizeOf(shape.slice(2));
  const r = shape.length - 2;
  const X = asF64(x), Ix = asF64(ind);
  const out = new Float64Array(sizeOf(shape));
  for (let i = 0; i < X.length; i++) {
    const j = Ix[i]!;
    if (!(j >= 0 && j < sizeOf(inferred))) ctx.fail(`index ${j} is outside the unpooled tensor of ${sizeOf(inferred)} elements`);
    const plane = Math.floor(j / inPlane);
    let rest = j - plane * inPlane, pos = 0, inside = true;
    for (let d = 0, inStride = inPlane, outStride = outPlane; d < r; d++) {
      inStride /= inferred[d + 2]!; outStride /= shape[d + 2]!;
      const c = Math.floor(rest / inStride);
      rest -= c * inStride;
      if (c >= shape[d + 2]!) inside = false;
      pos += c * outStride;
    }
    if (inside) out[plane * outPlane + pos] = X[i]!;
  }
  return [fromF64(ctx.resultTypes[0]!.dtype, shape, out)];
}

const POOL_DEFS: OpDef[] = [
  {
    name: 'average_pool',
    summary: 'Average over sliding windows; count_include_pad chooses whether padding taps count in the divisor.',
    inputs: [{ name: 'X' }],
    outputs: [{ name: 'Y' }],
    attrs: { ...POOL_ATTRS, count_include_pad: { kind: 'int', default: 0 } },
    traits: ['pure'], fusion: 'reduction',
    infer: inferPool, eval: (ctx) => evalPool(ctx, 'avg'),
  },
  {
    name: 'max_pool',
    summary: 'Max over sliding windows; optional Indices = flat input index of each max (storage_order 1: column-major).',
    inputs: [{ name: 'X' }],
    outputs: [{ name: 'Y' }, { name: 'Indices', optional: true }],
    attrs: { ...POOL_ATTRS, storage_order: { kind: 'int', default: 0 } },
    traits: ['pure'], fusion: 'reduction',
    infer: inferPool, eval: (ctx) => evalPool(ctx, 'max'),
  },
  {
    name: 'lp_pool',
    summary: 'p-norm over sliding windows (padding contributes zeros).',
    inputs: [{ name: 'X' }],
    outputs: [{ name: 'Y' }],
    attrs: { ...POOL_ATTRS, p: { kind: 'int', default: 2 } },
    traits: ['pure'], fusion: 'reduction',
    infer: inferPool, eval: (ctx) => evalPool(ctx, 'lp'),
  },
  {
    name: 'global_average_pool',
    summary: 'Mean over all spatial dims; spatial dims become 1.',
    inputs: [{ name: 'X' }], outputs: [{ name: 'Y' }], attrs: {},
    traits: ['pure'], fusion: 'reduction',
    infer: inferGlobal, eval: (ctx) => evalGlobal(ctx, 'avg'),
  },
  {
    name: 'global_max_pool',
    summary: 'Max over all spatial dims; spatial dims become 1.',
    inputs: [{ name: 'X' }], outputs: [{ name: 'Y' }], attrs: {},
    traits: ['pure'], fusion: 'reduction',
    infer: inferGlobal, eval: (ctx) => evalGlobal(ctx, 'max'),
  },
  {
    name: 'global_lp_pool',
    summary: 'p-norm over all spatial dims; spatial dims become 1.',
    inputs: [{ name: 'X' }], outputs: [{ name: 'Y' }], attrs: { p: { kind: 'int', default: 2 } },
    traits: ['pure'], fusion: 'reduction',
    infer: inferGlobal, eval: (ctx) => evalGlobal(ctx, 'lp'),
  },
  {
    name: 'max_unpool',
    summary: 'Scatter X into zeros at the flat indices I (from max_pool); output_shape overrides the default size.',
    inputs: [{ name: 'X' }, { name: 'I' }, { name: 'output_shape', optional: true }],
    outputs: [{ name: 'output' }],
    attrs: { kernel_shape: { kind: 'ints', required: true }, pads: { kind: 'ints' }, strides: { kind: 'ints' } },
    traits: ['pure'], fusion: 'opaque',
    infer: inferUnpool, eval: evalUnpool,
  },
];

// Every pool but max_unpool takes layout attributes (select-layout); max_pool's Indices only in nchw.
defineOps(...POOL_DEFS.map((d) => (d.name === 'max_unpool' ? d : withLayout(d, { spatialExtras: true }))));
