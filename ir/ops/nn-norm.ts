// Normalisations: batch (inference and training_mode), instance, group (opset 21: per-channel
// scale/bias), layer, RMS, Lp, LRN and mean-variance. Statistics are computed in float64, which
// is within ONNX tolerances of the float32 reference and independent of stash_type.

import type { DType } from '../dtype.js';
import type { EvalCtx, InferCtx, OpDef } from '../op-def.js';
import { defineOps } from '../op-def.js';
import type { Tensor } from '../tensor.js';
import { sizeOf } from '../tensor.js';
import type { TensorType } from '../types.js';
import { broadcastIndex, broadcastShapes, normAxis, sameAs } from './util.js';
import { asF64, fromF64 } from './nn-common.js';
import { withLayout } from './nn-layout.js';

const out = (ctx: EvalCtx, shape: readonly number[], v: Float64Array, i = 0): Tensor =>
  fromF64(ctx.resultTypes[i]!.dtype, shape, v);

/** Index map of a parameter broadcast to `shape` (null: same shape). Fails when it does not broadcast. */
function paramIndex(ctx: EvalCtx, p: Tensor, shape: readonly number[], what: string): Int32Array | null {
  const b = broadcastShapes([p.shape, shape]);
  if (!b || b.length !== shape.length || b.some((d, i) => d !== shape[i])) {
    ctx.fail(`${what} [${p.shape.join(',')}] does not broadcast to [${shape.join(',')}]`);
  }
  return broadcastIndex(p.shape, shape);
}

// ---------------------------------------------------------------------------------------------
// batch_normalization

function evalBatchNorm(ctx: EvalCtx): Tensor[] {
  const [x, scale, bias, mean, variance] = ctx.inputs as Tensor[];
  const N = x!.shape[0]!, C = x!.shape[1] ?? 1;
  const S = sizeOf(x!.shape.slice(2));
  const X = asF64(x!), sc = asF64(scale!), bi = asF64(bias!);
  let mu = asF64(mean!), va = asF64(variance!);
  const eps = ctx.attrs.float('epsilon');
  const training = ctx.attrs.int('training_mode') !== 0;
  // Opset < 9 with spatial=0 gives per-activation parameters of shape [C, ...spatial].
  const perElem = sc.length === C * S && S > 1;
  const results: Tensor[] = [];
  let runMean: Float64Array | null = null, runVar: Float64Array | null = null;
  if (training) {
    const m = new Float64Array(C), v = new Float64Array(C);
    for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) {
      const o = (n * C + c) * S;
      for (let s = 0; s < S; s++) m[c] += X[o + s]!;
    }
    for (let c = 0; c < C; c++) m[c]! /= N * S;
    for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) {
      const o = (n * C + c) * S;
      for (let s = 0; s < S; s++) v[c] += (X[o + s]! - m[c]!) ** 2;
    }
    for (let c = 0; c < C; c++) v[c]! /= N * S;
    const mom = ctx.attrs.float('momentum');
    runMean = mu.map((r, c) => r * mom + m[c]! * (1 - mom));
    runVar = va.map((r, c) => r * mom + v[c]! * (1 - mom));
    mu = m; va = v;
  }
  const y = new Float64Array(X.length);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) {
    const o = (n * C + c) * S;
    for (let s = 0; s < S; s++) {
      const p = perElem ? c * S + s : c;
      y[o + s] = ((X[o + s]! - mu[p]!) / Math.sqrt(va[p]! + eps)) * sc[p]! + bi[p]!;
    }
  }
  results.push(out(ctx, x!.shape, y));
  if (ctx.resultTypes.length > 1) {
    if (!runMean || !runVar) ctx.fail('running mean/var outputs need training_mode = 1');
    results.push(out(ctx, mean!.shape, runMean, 1), out(ctx, variance!.shape, runVar, 2));
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// Group statistics shared by instance/group/layer/RMS/MVN: normalise each of `outer` blocks of
// `inner` contiguous elements.

function normalizeBlocks(X: Float64Array, outer: number, inner: number, eps: number, centred: boolean,
  y: Float64Array, stats?: { mean: Float64Array; inv: Float64Array }): void {
  for (let o = 0; o < outer; o++) {
    const b = o * inner;
    let mean = 0;
    if (centred) { for (let i = 0; i < inner; i++) mean += X[b + i]!; mean /= inner; }
    let sq = 0;
    for (let i = 0; i < inner; i++) { const d = X[b + i]! - mean; sq += d * d; }
    const inv = 1 / Math.sqrt(sq / inner + eps);
    for (let i = 0; i < inner; i++) y[b + i] = (X[b + i]! - mean) * inv;
    if (stats) { stats.mean[o] = mean; stats.inv[o] = inv; }
  }
}

function evalInstanceNorm(ctx: EvalCtx): Tensor[] {
  const [x, scale, bias] = ctx.inputs as Tensor[];
  const N = x!.shape[0]!, C = x!.shape[1]!, S = sizeOf(x!.shape.slice(2));
  const y = new Float64Array(x!.data.length);
  normalizeBlocks(asF64(x!), N * C, S, ctx.attrs.float('epsilon'), true, y);
  const sc = asF64(scale!), bi = asF64(bias!);
  for (let p = 0; p < N * C; p++) {
    const c = p % C;
    for (let s = 0; s < S; s++) y[p * S + s] = y[p * S + s]! * sc[c]! + bi[c]!;
  }
  return [out(ctx, x!.shape, y)];
}

function evalGroupNorm(ctx: EvalCtx): Tensor[] {
  const [x, scale, bias] = ctx.inputs as Tensor[];
  const N = x!.shape[0]!, C = x!.shape[1]!, S = sizeOf(x!.shape.slice(2));
  const G = ctx.attrs.int('num_groups');
  if (G <= 0 || C % G !== 0) ctx.fail(`${C} channels do not split into ${G} groups`);
  if (scale!.data.length !== C || bias!.data.length !== C) ctx.fail(`scale and bias must have ${C} elements (one per channel)`);
  const y = new Float64Array(x!.data.length);
  normalizeBlocks(asF64(x!), N * G, (C / G) * S, ctx.attrs.float('epsilon'), true, y);
  const sc = asF64(scale!), bi = asF64(bias!);
  for (let p = 0; p < N * C; p++) {
    const c = p % C;
    for (let s = 0; s < S; s++) y[p * S + s] = y[p * S + s]! * sc[c]! + bi[c]!;
  }
  return [out(ctx, x!.shape, y)];
}

/** Layer and RMS normalisation over dims [axis, rank), then scale (and bias) broadcast to X. */
function evalLayerNorm(ctx: EvalCtx, rms: boolean): Tensor[] {
  const [x, scale, bias] = ctx.inputs as (Tensor | null)[];
  const shape = x!.shape;
  const axis = normAxis(ctx.attrs.int('axis'), shape.length, ctx.fail);
  const outer = sizeOf(shape.slice(0, axis)), inner = sizeOf(shape.slice(axis));
  const y = new Float64Array(x!.data.length);
  const stats = { mean: new Float64Array(outer), inv: new Float64Array(outer) };
  normalizeBlocks(asF64(x!), outer, inner, ctx.attrs.float('epsilon'), !rms, y, stats);
  const applyParam = (p: Tensor, add: boolean): void => {
    const P = asF64(p);
    const idx = P.length === inner ? null : paramIndex(ctx, p, shape, add ? 'bias' : 'scale');
    for (let i = 0; i < y.length; i++) {
      const v = P[idx ? idx[i]! : i % inner]!;
      y[i] = add ? y[i]! + v : y[i]! * v;
    }
  };
  applyParam(scale!, false);
  if (bias) applyParam(bias, true);
  const results = [out(ctx, shape, y)];
  const statShape = shape.map((d, i) => (i < axis ? d : 1));
  if (ctx.resultTypes.length > 1) results.push(out(ctx, statShape, stats.mean, 1));
  if (ctx.resultTypes.length > 2) results.push(out(ctx, statShape, stats.inv, 2));
  return results;
}

/** Mean and InvStdDev have the stash type (an ONNX data type code; 1 = float32, the default). */
function stashDType(code: number, bad: (m: string) => never): DType {
  const d = ({ 1: 'f32', 10: 'f16', 11: 'f64', 16: 'bf16' } as Record<number, DType>)[code];
  return d ?? bad(`unsupported stash_type ${code}`);
}

function inferLayerNorm(ctx: InferCtx): TensorType[] {
  const x = ctx.inputs[0]!;
  const types: TensorType[] = [x];
  if (ctx.numResults > 1) {
    const shape = x.shape && x.shape.map((d, i) => (i < normAxis(ctx.attrs.int('axis'), x.shape!.length, ctx.fail) ? d : 1));
    const stat: TensorType = { dtype: stashDType(ctx.attrs.int('stash_type'), ctx.fail), shape };
    types.push(stat, stat);
  }
  return types.slice(0, Math.max(1, ctx.numResults));
}

function evalLpNorm(ctx: EvalCtx): Tensor[] {
  const x = ctx.inputs[0]!;
  const shape = x.shape;
  const axis = normAxis(ctx.attrs.int('axis'), shape.length, ctx.fail);
  const p = ctx.attrs.int('p');
  if (p !== 1 && p !== 2) ctx.fail(`p must be 1 or 2, got ${p}`);
  const n = shape[axis]!, inner = sizeOf(shape.slice(axis + 1)), outer = sizeOf(shape.slice(0, axis));
  const X = asF64(x), y = new Float64Array(X.length);
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) {
    const b = o * n * inner + i;
    let s = 0;
    for (let k = 0; k < n; k++) { const v = X[b + k * inner]!; s += p === 1 ? Math.abs(v) : v * v; }
    const norm = p === 1 ? s : Math.sqrt(s);
    for (let k = 0; k < n; k++) y[b + k * inner] = norm === 0 ? 0 : X[b + k * inner]! / norm;
  }
  return [out(ctx, shape, y)];
}

function evalLrn(ctx: EvalCtx): Tensor[] {
  const x = ctx.inputs[0]!;
  const N = x.shape[0]!, C = x.shape[1]!, S = sizeOf(x.shape.slice(2));
  const size = ctx.attrs.int('size');
  const alpha = ctx.attrs.float('alpha'), beta = ctx.attrs.float('beta'), bias = ctx.attrs.float('bias');
  const lo = Math.floor((size - 1) / 2), hi = Math.ceil((size - 1) / 2);
  const X = asF64(x), y = new Float64Array(X.length);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let s = 0; s < S; s++) {
    let sq = 0;
    for (let j = Math.max(0, c - lo); j <= Math.min(C - 1, c + hi); j++) sq += X[(n * C + j) * S + s]! ** 2;
    const i = (n * C + c) * S + s;
    y[i] = X[i]! / (bias + (alpha / size) * sq) ** beta;
  }
  return [out(ctx, x.shape, y)];
}

function evalMvn(ctx: EvalCtx): Tensor[] {
  const x = ctx.inputs[0]!;
  const shape = x.shape;
  const axes = new Set(ctx.attrs.ints('axes').map((a) => normAxis(a, shape.length, ctx.fail)));
  const kept = shape.map((d, i) => (axes.has(i) ? 1 : d));
  const idx = broadcastIndex(kept, shape);
  const G = sizeOf(kept), cnt = sizeOf(shape) / G;
  const X = asF64(x);
  const g = (i: number): number => (idx ? idx[i]! : i);
  const mean = new Float64Array(G), sq = new Float64Array(G);
  for (let i = 0; i < X.length; i++) mean[g(i)] += X[i]!;
  for (let k = 0; k < G; k++) mean[k]! /= cnt;
  for (let i = 0; i < X.length; i++) sq[g(i)] += (X[i]! - mean[g(i)]!) ** 2;
  const y = new Float64Array(X.length);
  // ONNX's function body adds 1e-9 to the standard deviation.
  for (let i = 0; i < X.length; i++) y[i] = (X[i]! - mean[g(i)]!) / (Math.sqrt(sq[g(i)]! / cnt) + 1e-9);
  return [out(ctx, shape, y)];
}

const unary = (name: string, summary: string, attrs: OpDef['attrs'], evalFn: OpDef['eval'],
  inputs: OpDef['inputs'] = [{ name: 'X' }]): OpDef => ({
  name, summary, inputs, outputs: [{ name: 'Y' }], attrs, traits: ['pure'], fusion: 'reduction',
  infer: (ctx) => sameAs(ctx), eval: evalFn,
});

const NORM_DEFS: OpDef[] = [
  {
    name: 'batch_normalization',
    summary: 'Per-channel (x - mean) / sqrt(var + epsilon) * scale + B; training_mode uses batch statistics and also returns running mean/var.',
    inputs: [{ name: 'X' }, { name: 'scale' }, { name: 'B' }, { name: 'input_mean' }, { name: 'input_var' }],
    outputs: [{ name: 'Y' }, { name: 'running_mean', optional: true }, { name: 'running_var', optional: true }],
    attrs: { epsilon: { kind: 'float', default: 1e-5 }, momentum: { kind: 'float', default: 0.9 }, training_mode: { kind: 'int', default: 0 } },
    traits: ['pure'], fusion: 'broadcast',
    infer: (ctx) => [ctx.inputs[0]!, ctx.inputs[3]!, ctx.inputs[4]!].slice(0, Math.max(1, ctx.numResults)),
    eval: evalBatchNorm,
  },
  unary('instance_normalization', 'Normalise each (batch, channel) plane, then per-channel scale and B.',
    { epsilon: { kind: 'float', default: 1e-5 } }, evalInstanceNorm, [{ name: 'input' }, { name: 'scale' }, { name: 'B' }]),
  unary('group_normalization', 'Normalise each group of C/num_groups channels, then per-channel scale and bias (opset 21).',
    { epsilon: { kind: 'float', default: 1e-5 }, num_groups: { kind: 'int', required: true }, stash_type: { kind: 'int', default: 1 } },
    evalGroupNorm, [{ name: 'X' }, { name: 'scale' }, { name: 'bias' }]),
  {
    name: 'layer_normalization',
    summary: 'Normalise over dims [axis, rank), then Scale and optional B; optional Mean and InvStdDev outputs.',
    inputs: [{ name: 'X' }, { name: 'Scale' }, { name: 'B', optional: true }],
    outputs: [{ name: 'Y' }, { name: 'Mean', optional: true }, { name: 'InvStdDev', optional: true }],
    attrs: { axis: { kind: 'int', default: -1 }, epsilon: { kind: 'float', default: 1e-5 }, stash_type: { kind: 'int', default: 1 } },
    traits: ['pure'], fusion: 'reduction',
    infer: inferLayerNorm, eval: (ctx) => evalLayerNorm(ctx, false),
  },
  unary('rms_normalization', 'x / sqrt(mean(x^2 over dims [axis, rank)) + epsilon) * scale.',
    { axis: { kind: 'int', default: -1 }, epsilon: { kind: 'float', default: 1e-5 }, stash_type: { kind: 'int', default: 1 } },
    (ctx) => evalLayerNorm(ctx, true), [{ name: 'X' }, { name: 'scale' }]),
  unary('lp_normalization', 'x divided by its L1 or L2 norm along axis.',
    { axis: { kind: 'int', default: -1 }, p: { kind: 'int', default: 2 } }, evalLpNorm, [{ name: 'input' }]),
  unary('lrn', 'Local response normalisation across `size` neighbouring channels.',
    { alpha: { kind: 'float', default: 0.0001 }, beta: { kind: 'float', default: 0.75 }, bias: { kind: 'float', default: 1 }, size: { kind: 'int', required: true } },
    evalLrn),
  unary('mean_variance_normalization', '(x - mean) / (std + 1e-9) over `axes`.',
    { axes: { kind: 'ints', default: [0, 2, 3] } }, evalMvn),
];

// Per-channel norms take layout attributes (select-layout); their scale/bias/statistics are [C] vectors.
const LAYOUT_NORMS = ['batch_normalization', 'instance_normalization', 'group_normalization', 'lrn'];
defineOps(...NORM_DEFS.map((d) => (LAYOUT_NORMS.includes(d.name) ? withLayout(d) : d)));
