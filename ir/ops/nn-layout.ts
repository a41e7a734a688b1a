// Activation and weight layouts of the spatial nn ops (conv, pooling, per-channel norms).
//
// ONNX defines these ops on NCHW data ([N, C, ...spatial]). The select-layout pass may give them
// other physical layouts through three attributes that no ONNX mapping produces:
//   layout        layout of operand 0 (X): 'nchw' (default) | 'nhwc' | 'nchw4c'
//   out_layout    layout of result 0 (Y); absent = the same as `layout`
//   weight_layout (conv only) layout of W: 'oihw' (default) | 'ohwi' | 'oihw4o'
// 'nhwc' is channels-last for any spatial rank: [N, ...spatial, C]. 'nchw4c' is blocked:
// [N, C/4, ...spatial, 4] with channel c at block c/4, lane c%4 (C must be a multiple of 4).
// 'ohwi' = [O, ...kernel, I]; 'oihw4o' = [O/4, I, ...kernel, 4] (output channels blocked by 4).
// A different `layout` and `out_layout` is legal: a kernel may read one layout and write another,
// which is how the pass absorbs conversions at the edges of a converted region.
//
// The reference semantics stay the NCHW kernels: `withLayout` wraps an op definition so that its
// shape rule and eval see logical (NCHW/OIHW) operands and convert result 0 back. Conversions are
// pure data movement, so results are bitwise those of the NCHW op.

import type { EvalCtx, InferCtx, OpDef } from '../op-def.js';
import type { Tensor } from '../tensor.js';
import type { Dim, TensorType } from '../types.js';
import { UNKNOWN_DIM } from '../types.js';
import { transposeTensor } from './shape-common.js';

export const LAYOUTS = ['nchw', 'nhwc', 'nchw4c'] as const;
export type Layout = (typeof LAYOUTS)[number];
export const WEIGHT_LAYOUTS = ['oihw', 'ohwi', 'oihw4o'] as const;
export type WeightLayout = (typeof WEIGHT_LAYOUTS)[number];
/** Lanes of a channel block in 'nchw4c' / 'oihw4o'. */
export const BLOCK = 4;

export const isLayout = (s: string): s is Layout => (LAYOUTS as readonly string[]).includes(s);
export const isWeightLayout = (s: string): s is WeightLayout => (WEIGHT_LAYOUTS as readonly string[]).includes(s);

/** Perm moving dim 1 to the end ([0, 2, ..., r-1, 1]) and its inverse. */
export const toLastPerm = (rank: number): number[] => [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2), 1];
export const fromLastPerm = (rank: number): number[] => [0, rank - 1, ...Array.from({ length: rank - 2 }, (_, i) => i + 1)];

/** Result: the converted shape, or a message saying why it cannot be converted. */
export type ShapeResult = { ok: true; shape: Dim[] } | { ok: false; why: string };

const blockOf = (d: Dim, what: string): { ok: true; dim: Dim } | { ok: false; why: string } => {
  if (typeof d !== 'number') return { ok: false, why: `${what} ${d} is not static, cannot block by ${BLOCK}` };
  if (d % BLOCK !== 0) return { ok: false, why: `${what} ${d} is not a multiple of ${BLOCK}` };
  return { ok: true, dim: d / BLOCK };
};

/**
 * Physical shape of a logical [N, C, ...spatial] activation in `layout`. `broadcast`: a channel
 * dim of 1 (a broadcast operand such as a [1,C,1,1] bias with C = 1) is allowed in 'nchw4c' and
 * becomes [N, 1, ...spatial, 1], which broadcasts against the blocked tensor.
 */
export function physicalShape(logical: readonly Dim[], layout: Layout, broadcast = false): ShapeResult {
  const r = logical.length;
  if (layout === 'nchw') return { ok: true, shape: [...logical] };
  if (r < 2) return { ok: false, why: `rank ${r} has no channel dim` };
  if (layout === 'nhwc') return { ok: true, shape: toLastPerm(r).map((p) => logical[p]!) };
  if (broadcast && logical[1] === 1) return { ok: true, shape: [...logical, 1] };
  const b = blockOf(logical[1]!, 'channel dim');
  if (!b.ok) return b;
  return { ok: true, shape: [logical[0]!, b.dim, ...logical.slice(2), BLOCK] };
}

/** Logical [N, C, ...spatial] shape of a physical shape in `layout` (inverse of physicalShape). */
export function logicalShape(physical: readonly Dim[], layout: Layout, broadcast = false): ShapeResult {
  const r = physical.length;
  if (layout === 'nchw') return { ok: true, shape: [...physical] };
  if (layout === 'nhwc') {
    if (r < 2) return { ok: false, why: `rank ${r} has no channel dim` };
    return { ok: true, shape: fromLastPerm(r).map((p) => physical[p]!) };
  }
  if (r < 3) return { ok: false, why: `rank ${r} is too small for nchw4c` };
  const lanes = physical[r - 1]!, blocks = physical[1]!;
  if (broadcast && lanes === 1 && blocks === 1) return { ok: true, shape: physical.slice(0, r - 1) };
  if (lanes !== BLOCK) return { ok: false, why: `nchw4c needs a last dim of ${BLOCK}, got ${lanes}` };
  const c = typeof blocks === 'number' ? blocks * BLOCK : UNKNOWN_DIM;
  return { ok: true, shape: [physical[0]!, c, ...physical.slice(2, r - 1)] };
}

const reshaped = (t: Tensor, shape: readonly number[]): Tensor => ({ dtype: t.dtype, shape: [...shape], data: t.data });

/** A logical NCHW tensor in `layout` (see physicalShape for `broadcast`). */
export function toPhysical(t: Tensor, layout: Layout, broadcast = false): Tensor {
  const r = t.shape.length;
  if (layout === 'nchw') return t;
  if (layout === 'nhwc') return transposeTensor(t, toLastPerm(r));
  const [n, c] = t.shape as [number, number];
  if (broadcast && c === 1) return reshaped(t, [...t.shape, 1]);
  if (c % BLOCK !== 0) throw new Error(`nchw4c: channel dim ${c} is not a multiple of ${BLOCK}`);
  const split = reshaped(t, [n, c / BLOCK, BLOCK, ...t.shape.slice(2)]);
  // [N, C/4, 4, ...sp] -> [N, C/4, ...sp, 4]: the lane dim (2) moves to the end.
  return transposeTensor(split, [0, 1, ...Array.from({ length: r - 2 }, (_, i) => i + 3), 2]);
}

/** The logical NCHW tensor of a physical tensor in `layout`. */
export function toLogical(t: Tensor, layout: Layout, broadcast = false): Tensor {
  const r = t.shape.length;
  if (layout === 'nchw') return t;
  if (layout === 'nhwc') return transposeTensor(t, fromLastPerm(r));
  const lanes = t.shape[r - 1]!, blocks = t.shape[1]!;
  if (broadcast && lanes === 1 && blocks === 1) return reshaped(t, t.shape.slice(0, r - 1));
  // [N, C/4, ...sp, 4] -> [N, C/4, 4, ...sp] -> [N, C, ...sp]
  const moved = transposeTensor(t, [0, 1, r - 1, ...Array.from({ length: r - 3 }, (_, i) => i + 2)]);
  return reshaped(moved, [t.shape[0]!, blocks * lanes, ...t.shape.slice(2, r - 1)]);
}

/** Physical shape of a logical OIHW weight in `wl`. */
export function weightPhysicalShape(logical: readonly Dim[], wl: WeightLayout): ShapeResult {
  const r = logical.length;
  if (wl === 'oihw') return { ok: true, shape: [...logical] };
  if (r < 3) return { ok: false, why: `weight rank ${r} is too small` };
  if (wl === 'ohwi') return { ok: true, shape: toLastPerm(r).map((p) => logical[p]!) };
  const b = blockOf(logical[0]!, 'output channel dim');
  if (!b.ok) return b;
  return { ok: true, shape: [b.dim, ...logical.slice(1), BLOCK] };
}

/** Logical OIHW shape of a weight stored in `wl`. */
export function weightLogicalShape(physical: readonly Dim[], wl: WeightLayout): ShapeResult {
  const r = physical.length;
  if (wl === 'oihw') return { ok: true, shape: [...physical] };
  if (r < 3) return { ok: false, why: `weight rank ${r} is too small` };
  if (wl === 'ohwi') return { ok: true, shape: fromLastPerm(r).map((p) => physical[p]!) };
  if (physical[r - 1] !== BLOCK) return { ok: false, why: `oihw4o needs a last dim of ${BLOCK}, got ${physical[r - 1]}` };
  const o = physical[0]!;
  return { ok: true, shape: [typeof o === 'number' ? o * BLOCK : UNKNOWN_DIM, ...physical.slice(1, r - 1)] };
}

/** Pack a logical OIHW weight into `wl` (compile time, in the pass). */
export function packWeight(t: Tensor, wl: WeightLayout): Tensor {
  const r = t.shape.length;
  if (wl === 'oihw') return t;
  if (wl === 'ohwi') return transposeTensor(t, toLastPerm(r));
  const o = t.shape[0]!;
  if (o % BLOCK !== 0) throw new Error(`oihw4o: output channel dim ${o} is not a multiple of ${BLOCK}`);
  // [O, I, ...k] -> [O/4, 4, I, ...k] -> [O/4, I, ...k, 4]
  const split = reshaped(t, [o / BLOCK, BLOCK, ...t.shape.slice(1)]);
  return transposeTensor(split, [0, ...Array.from({ length: r - 1 }, (_, i) => i + 2), 1]);
}

/** The logical OIHW weight of a weight stored in `wl`. */
export function unpackWeight(t: Tensor, wl: WeightLayout): Tensor {
  const r = t.shape.length;
  if (wl === 'oihw') return t;
  if (wl === 'ohwi') return transposeTensor(t, fromLastPerm(r));
  // [O/4, I, ...k, 4] -> [O/4, 4, I, ...k] -> [O, I, ...k]
  const moved = transposeTensor(t, [0, r - 1, ...Array.from({ length: r - 2 }, (_, i) => i + 1)]);
  return reshaped(moved, [t.shape[0]! * t.shape[r - 1]!, ...t.shape.slice(1, r - 1)]);
}

// ---------------------------------------------------------------------------------------------
// Wrapping op definitions.

export const LAYOUT_ATTRS = {
  layout: { kind: 'string', default: 'nchw' },
  out_layout: { kind: 'string' },
} as const;
export const WEIGHT_LAYOUT_ATTR = { weight_layout: { kind: 'string', default: 'oihw' } } as const;

export interface OpLayouts { readonly input: Layout; readonly output: Layout; readonly weight: WeightLayout }

/** The layouts an op's attributes ask for (checked against the known names). */
export function readLayouts(ctx: Pick<InferCtx, 'attrs' | 'fail'>, hasWeight: boolean): OpLayouts {
  const input = ctx.attrs.string('layout');
  const output = ctx.attrs.has('out_layout') ? ctx.attrs.string('out_layout') : input;
  const weight = hasWeight ? ctx.attrs.string('weight_layout') : 'oihw';
  for (const l of [input, output]) if (!isLayout(l)) ctx.fail(`unknown layout '${l}' (expected ${LAYOUTS.join(', ')})`);
  if (!isWeightLayout(weight)) ctx.fail(`unknown weight_layout '${weight}' (expected ${WEIGHT_LAYOUTS.join(', ')})`);
  return { input: input as Layout, output: output as Layout, weight };
}

const isDefault = (l: OpLayouts): boolean => l.input === 'nchw' && l.output === 'nchw' && l.weight === 'oihw';

export interface LayoutOptions {
  /** Operand 1 is a conv weight (weight_layout applies). */
  readonly weight?: boolean;
  /** Results after the first are spatial (max_pool Indices): only allowed in nchw. */
  readonly spatialExtras?: boolean;
}

/**
 * `def` with layout attributes: its shape rule and eval see operand 0 (and the weight) in NCHW
 * (OIHW) and result 0 is converted to out_layout. Other operands and results are untouched
 * (per-channel vectors such as scale, bias, running mean have no layout).
 */
export function withLayout(def: OpDef, opts: LayoutOptions = {}): OpDef {
  const hasWeight = opts.weight === true;
  const infer = (ctx: InferCtx): TensorType[] => {
    const l = readLayouts(ctx, hasWeight);
    if (isDefault(l)) return def.infer(ctx);
    if (opts.spatialExtras && ctx.numResults > 1) ctx.fail(`layouts other than nchw allow only one result`);
    const logical = (t: TensorType | null, conv: (s: readonly Dim[]) => ShapeResult, what: string): TensorType | null => {
      if (!t?.shape) return t;
      const s = conv(t.shape);
      if (!s.ok) return ctx.fail(`${what}: ${s.why}`);
      return { dtype: t.dtype, shape: s.shape };
    };
    const inputs = ctx.inputs.map((t, i) => {
      if (i === 0) return logical(t, (s) => (s.length < 3 ? { ok: false, why: `rank ${s.length} < 3` } : logicalShape(s, l.input)), `operand 0 in ${l.input}`);
      if (i === 1 && hasWeight) return logical(t, (s) => weightLogicalShape(s, l.weight), `weight in ${l.weight}`);
      return t;
    });
    const inner: InferCtx = {
      op: ctx.op, inputs, attrs: ctx.attrs, numResults: ctx.numResults, loc: ctx.loc,
      constant: (i) => {
        if (i === 0) return undefined;
        const c = ctx.constant(i);
        return c && i === 1 && hasWeight ? unpackWeight(c, l.weight) : c;
      },
      regionResults: (r) => ctx.regionResults(r), weightType: (n) => ctx.weightType(n), fail: (m) => ctx.fail(m),
    };
    const results = def.infer(inner);
    return results.map((t, i) => (i === 0 ? logical(t, (s) => physicalShape(s, l.output), `result in ${l.output}`)! : t));
  };
  const evalFn = (ctx: EvalCtx): Tensor[] => {
    const l = readLayouts(ctx, hasWeight);
    if (isDefault(l)) return def.eval(ctx);
    const inputs = ctx.inputs.map((t, i) => {
      if (!t) return t;
      if (i === 0) return toLogical(t, l.input);
      return i === 1 && hasWeight ? unpackWeight(t, l.weight) : t;
    });
    const resultTypes = ctx.resultTypes.map((t, i) => {
      if (i !== 0 || !t.shape) return t;
      const s = logicalShape(t.shape, l.output);
      return s.ok ? { dtype: t.dtype, shape: s.shape } : t;
    });
    const inner: EvalCtx = {
      op: ctx.op, inputs, attrs: ctx.attrs, resultTypes, loc: ctx.loc,
      runRegion: (r, args) => ctx.runRegion(r, args), weight: (n) => ctx.weight(n), fail: (m) => ctx.fail(m),
    };
    return def.eval(inner).map((t, i) => (i === 0 ? toPhysical(t, l.output) : t));
  };
  return {
    ...def,
    attrs: { ...def.attrs, ...LAYOUT_ATTRS, ...(hasWeight ? WEIGHT_LAYOUT_ATTR : {}) },
    infer,
    eval: evalFn,
  };
}

/** Whether an op (by its table entry) takes layout attributes, and whether it has a weight_layout. */
export function layoutSupport(def: OpDef | undefined): { layouts: boolean; weight: boolean } {
  return { layouts: def?.attrs.out_layout !== undefined, weight: def?.attrs.weight_layout !== undefined };
}
