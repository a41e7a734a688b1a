// Shape family, windowing ops: slice, pad, center_crop_pad, reverse_sequence. Each builds one
// index map per axis and lets gatherAxes do the copy.

import { defineOps } from '../op-def.js';
import type { Tensor } from '../tensor.js';
import { stridesOf } from '../tensor.js';
import type { Dim } from '../types.js';
import { UNKNOWN_DIM } from '../types.js';
import { normAxis } from './util.js';
import { type AnyArray, constInts, gatherAxes, intsOf, mk, newLike, nextIndex, unknownDims } from './shape-common.js';
import { shapeOperand } from './shape-trace.js';
import { dimAdd, dimCeilDiv, dimClamp, dimEq, dimMax, dimSel, dimSub, dimWrap, hasDataSymbol } from '../symbolic.js';

/** ONNX Slice clamping for one axis: the first index taken and the number of elements. */
export function sliceAxis(dim: number, start: number, end: number, step: number): [number, number] {
  if (start < 0) start += dim;
  if (end < 0) end += dim;
  if (step > 0) {
    start = Math.min(Math.max(start, 0), dim);
    end = Math.min(Math.max(end, 0), dim);
  } else {
    start = Math.min(Math.max(start, 0), dim - 1);
    end = Math.min(Math.max(end, -1), dim - 1);
  }
  return [start, Math.max(0, Math.ceil((end - start) / step))];
}

interface AxisSpec<D = number> { axis: number; a: D; b: D; step: number }

function sliceSpecs<D extends Dim>(rank: number, starts: D[], ends: D[], axes: number[] | undefined, steps: number[] | undefined, bad: (m: string) => never): AxisSpec<D>[] {
  const ax = axes ?? starts.map((_, i) => i);
  if (ends.length !== starts.length || ax.length !== starts.length || (steps && steps.length !== starts.length)) {
    bad('starts, ends, axes and steps must have the same length');
  }
  const specs = ax.map((a, i) => ({ axis: normAxis(a, rank, bad), a: starts[i]!, b: ends[i]!, step: steps ? steps[i]! : 1 }));
  if (new Set(specs.map((s) => s.axis)).size !== specs.length) bad(`axes [${ax.join(',')}] repeat an axis`);
  for (const s of specs) if (s.step === 0) bad('steps must not be 0');
  return specs;
}

/**
 * Result dim of slicing a possibly symbolic dim with possibly symbolic bounds. `x[0:n]` of a
 * static dim d has min(n, d) elements (ONNX clamps ends): typing it n would let a model run with
 * n > d (tiny_bert's position ids sliced to `seq` from 128 rows) on kernels sized for n, where the
 * interpreter refuses the following broadcast; min(n, d) lets the run-time checks refuse it too.
 */
function slicedDim(d: Dim, s: AxisSpec<Dim>): Dim {
  if (typeof s.a !== 'number' || typeof s.b !== 'number') {
    if (s.a === 0 && s.step === 1 && s.b !== UNKNOWN_DIM && !hasDataSymbol(s.b) && d === s.b) return s.b;
    return sliceAxisDims(d, s.a, s.b, s.step)[1];
  }
  const sp = s as AxisSpec;
  if (typeof d === 'number') return sliceAxis(d, sp.a, sp.b, sp.step)[1];
  const big = 2 ** 31 - 1;
  if (s.step === 1 && (s.a === 0 || s.a <= -big) && s.b >= big) return d; // whole axis
  if (s.step === -1 && s.a >= big - 1 && s.b <= -big) return d; // whole axis reversed
  return sliceAxisDims(d, s.a, s.b, s.step)[1];
}

/** sliceAxis over dims: the first index taken and the length, as dim expressions. */
export function sliceAxisDims(dim: Dim, start: Dim, end: Dim, step: number): [Dim, Dim] {
  const hi = step > 0 ? dim : dimSub(dim, 1);
  const a = dimClamp(dimWrap(start, dim), 0, hi);
  const b = dimClamp(dimWrap(end, dim), step > 0 ? 0 : -1, hi);
  return [a, dimMax(0, dimCeilDiv(dimSub(b, a), step))];
}

/** sliceAxisDims with a step that may itself be a dim (data): both clampings, picked by its sign. */
function sliceAxisAny(dim: Dim, start: Dim, end: Dim, step: Dim): [Dim, Dim] {
  if (typeof step === 'number') return sliceAxisDims(dim, start, end, step);
  const neg = dimEq(dimMax(step, 0), 0);
  const w = dimWrap(start, dim), e = dimWrap(end, dim);
  const a = dimSel(neg, dimClamp(w, 0, dimSub(dim, 1)), dimClamp(w, 0, dim));
  const b = dimSel(neg, dimClamp(e, -1, dimSub(dim, 1)), dimClamp(e, 0, dim));
  return [a, dimMax(0, dimCeilDiv(dimSub(b, a), step))];
}

/**
 * Per-axis first index, step and length of a slice whose starts, ends, axes and steps may be dims
 * (read from input data at run time): an axis given as data selects its entry with eq(axis, i).
 * Undefined when an operand is unknown ('?').
 */
export function sliceDims(xd: readonly Dim[], starts: readonly Dim[], ends: readonly Dim[], axes: readonly Dim[] | undefined, steps: readonly Dim[] | undefined, bad: (m: string) => never): { start: Dim[]; step: Dim[]; len: Dim[] } | undefined {
  const r = xd.length;
  if ([starts, ends, axes ?? [], steps ?? []].some((l) => l.includes(UNKNOWN_DIM))) return undefined;
  if (ends.length !== starts.length || (axes && axes.length !== starts.length) || (steps && steps.length !== starts.length)) {
    bad('starts, ends, axes and steps must have the same length');
  }
  const start: Dim[] = xd.map(() => 0), step: Dim[] = xd.map(() => 1), len: Dim[] = [...xd];
  starts.forEach((s0, j) => {
    const ax = axes ? axes[j]! : j, st = steps ? steps[j]! : 1;
    if (st === 0) bad('steps must not be 0');
    for (let i = 0; i < r; i++) {
      const hit = typeof ax === 'number' ? (normAxis(ax, r, bad) === i ? 1 : 0) : dimEq(dimWrap(ax, r), i);
      if (hit === 0) continue;
      const [a, n] = sliceAxisAny(xd[i]!, s0, ends[j]!, st);
      start[i] = dimSel(hit, a, start[i]!);
      step[i] = dimSel(hit, st, step[i]!);
      len[i] = dimSel(hit, n, len[i]!);
    }
  });
  return { start, step, len };
}

/** Per-axis index map: input index for each output position, -1 where padding is produced. */
function padMap(dim: number, before: number, after: number, mode: string, bad: (m: string) => never): Int32Array {
  // Negative pads crop first (as the ONNX reference does), then the cropped range is padded.
  const lo = Math.max(0, -before), d = dim - lo - Math.max(0, -after);
  const pb = Math.max(0, before);
  const n = Math.max(0, dim + before + after);
  const m = new Int32Array(n);
  if (d <= 0 && mode !== 'constant' && n > 0) bad(`cannot ${mode}-pad an empty axis`);
  for (let o = 0; o < n; o++) {
    let i = o - pb;
    if (i < 0 || i >= d) {
      if (mode === 'constant') { m[o] = -1; continue; }
      if (mode === 'edge') i = i < 0 ? 0 : d - 1;
      else if (mode === 'wrap') i = ((i % d) + d) % d;
      else if (mode === 'reflect') {
        if (d === 1) i = 0;
        else {
          const p = 2 * (d - 1);
          i = ((i % p) + p) % p;
          if (i >= d) i = p - i;
        }
      } else bad(`unknown pad mode '${mode}'`);
    }
    m[o] = lo + i;
  }
  return m;
}

/** Pads per dim (before, after) from the pads operand and optional axes. */
function padsPerDim<D extends Dim>(rank: number, pads: D[], axes: number[] | undefined, bad: (m: string) => never): [D | 0, D | 0][] {
  const ax = (axes ?? Array.from({ length: rank }, (_, i) => i)).map((a) => normAxis(a, rank, bad));
  if (pads.length !== 2 * ax.length) bad(`pads has ${pads.length} entries, expected ${2 * ax.length}`);
  const out: [D | 0, D | 0][] = Array.from({ length: rank }, () => [0, 0]);
  ax.forEach((a, i) => { out[a] = [pads[i]!, pads[i + ax.length]!]; });
  return out;
}

/** padsPerDim where pads and axes may be dims read from input data (an axis given as data selects with eq). */
export function padsPerDimAny(rank: number, pads: readonly Dim[], axes: readonly Dim[] | undefined, bad: (m: string) => never): [Dim, Dim][] {
  if (!axes || axes.every((a) => typeof a === 'number')) return padsPerDim(rank, [...pads], axes as number[] | undefined, bad);
  if (pads.length !== 2 * axes.length) bad(`pads has ${pads.length} entries, expected ${2 * axes.length}`);
  return Array.from({ length: rank }, (_, i) => {
    const pick = (off: number): Dim => axes.reduce<Dim>((acc, a, j) => dimAdd(acc, dimSel(dimEq(dimWrap(a, rank), i), pads[off + j]!, 0)), 0);
    return [pick(0), pick(axes.length)];
  });
}

defineOps(
  {
    name: 'slice',
    summary: 'Take data[starts:ends:steps] along `axes` (ONNX clamping; negative steps walk backwards).',
    inputs: [{ name: 'data' }, { name: 'starts' }, { name: 'ends' }, { name: 'axes', optional: true }, { name: 'steps', optional: true }],
    outputs: [{ name: 'output' }],
    attrs: {},
    traits: ['pure'],
    fusion: 'injective',
    infer(ctx) {
      const x = ctx.inputs[0]!;
      if (!x.shape) return [x];
      const starts = shapeOperand(ctx, 1), ends = shapeOperand(ctx, 2);
      const axes = constInts(ctx, 3), steps = constInts(ctx, 4);
      if (starts && ends && ((ctx.inputs[3] && !axes) || (ctx.inputs[4] && !steps))) {
        // Axes or steps given as data: every axis may be the one sliced.
        const ax = ctx.inputs[3] ? shapeOperand(ctx, 3) : undefined, sp = ctx.inputs[4] ? shapeOperand(ctx, 4) : undefined;
        const d = (!ctx.inputs[3] || ax) && (!ctx.inputs[4] || sp) ? sliceDims(x.shape, starts, ends, ax, sp, ctx.fail) : undefined;
        if (d) return [{ dtype: x.dtype, shape: d.len }];
      }
      if (!starts || !ends || (ctx.inputs[3] && !axes) || (ctx.inputs[4] && !steps)) {
        // Axes known: only those dims become unknown.
        if (axes && !(ctx.inputs[4] && !steps)) {
          const set = new Set(axes.map((a) => normAxis(a, x.shape!.length, ctx.fail)));
          return [{ dtype: x.dtype, shape: x.shape.map((d, i) => (set.has(i) ? UNKNOWN_DIM : d)) }];
        }
        return [{ dtype: x.dtype, shape: unknownDims(x.shape.length) }];
      }
      const shape = [...x.shape];
      for (const s of sliceSpecs(shape.length, starts, ends, axes, steps, ctx.fail)) {
        shape[s.axis] = slicedDim(shape[s.axis]!, s);
      }
      return [{ dtype: x.dtype, shape }];
    },
    eval(ctx) {
      const [x, st, en, ax, sp] = ctx.inputs as (Tensor | null)[];
      const specs = sliceSpecs(x!.shape.length, intsOf(st!), intsOf(en!), ax ? intsOf(ax) : undefined, sp ? intsOf(sp) : undefined, ctx.fail);
      const shape = [...x!.shape];
      const maps = shape.map((d) => Int32Array.from({ length: d }, (_, i) => i));
      for (const s of specs) {
        const [first, len] = sliceAxis(shape[s.axis]!, s.a, s.b, s.step);
        shape[s.axis] = len;
        maps[s.axis] = Int32Array.from({ length: len }, (_, i) => first + i * s.step);
      }
      return [mk(x!.dtype, shape, gatherAxes(x!, shape, maps))];
    },
  },
  {
    name: 'pad',
    summary: 'Pad (or crop, for negative pads) with mode constant, reflect, edge or wrap; pads = [begins..., ends...] over `axes`.',
    inputs: [{ name: 'data' }, { name: 'pads' }, { name: 'constant_value', optional: true }, { name: 'axes', optional: true }],
    outputs: [{ name: 'output' }],
    attrs: { mode: { kind: 'string', default: 'constant' } },
    traits: ['pure'],
    fusion: 'injective',
    infer(ctx) {
      const x = ctx.inputs[0]!;
      if (!x.shape) return [x];
      const pads = shapeOperand(ctx, 1);
      const axes = ctx.inputs[3] ? shapeOperand(ctx, 3) : undefined;
      if (!pads || (ctx.inputs[3] && !axes) || axes?.includes(UNKNOWN_DIM)) return [{ dtype: x.dtype, shape: unknownDims(x.shape.length) }];
      const per = padsPerDimAny(x.shape.length, pads, axes, ctx.fail);
      return [{
        dtype: x.dtype,
        shape: x.shape.map((d, i) => {
          const [a, b] = per[i]!;
          if (a === 0 && b === 0) return d;
          return dimAdd(dimAdd(d, a), b);
        }),
      }];
    },
    eval(ctx) {
      const [x, p, cv, ax] = ctx.inputs as (Tensor | null)[];
      const per = padsPerDim(x!.shape.length, intsOf(p!), ax ? intsOf(ax) : undefined, ctx.fail);
      const mode = ctx.attrs.string('mode');
      const maps = x!.shape.map((d, i) => padMap(d, per[i]![0], per[i]![1], mode, ctx.fail));
      const shape = maps.map((m) => m.length);
      const fill = cv && cv.data.length > 0 ? cv.data[0]! : 0;
      return [mk(x!.dtype, shape, gatherAxes(x!, shape, maps, fill))];
    },
  },
  {
    name: 'center_crop_pad',
    summary: 'Center-crop or zero-pad the dims in `axes` to `shape`.',
    inputs: [{ name: 'input_data' }, { name: 'shape' }],
    outputs: [{ name: 'output_data' }],
    attrs: { axes: { kind: 'ints' } },
    traits: ['pure'],
    fusion: 'injective',
    infer(ctx) {
      const x = ctx.inputs[0]!;
      if (!x.shape) return [x];
      const rank = x.shape.length;
      const axes = (ctx.attrs.has('axes') ? ctx.attrs.ints('axes') : Array.from({ length: rank }, (_, i) => i)).map((a) => normAxis(a, rank, ctx.fail));
      const sh = shapeOperand(ctx, 1);
      const shape = [...x.shape];
      axes.forEach((a, i) => { shape[a] = sh?.[i] ?? UNKNOWN_DIM; });
      return [{ dtype: x.dtype, shape }];
    },
    eval(ctx) {
      const x = ctx.inputs[0]!;
      const rank = x.shape.length;
      const axes = (ctx.attrs.has('axes') ? ctx.attrs.ints('axes') : Array.from({ length: rank }, (_, i) => i)).map((a) => normAxis(a, rank, ctx.fail));
      const sh = intsOf(ctx.inputs[1]!);
      if (sh.length !== axes.length) ctx.fail(`shape has ${sh.length} entries for ${axes.length} axes`);
      const maps = x.shape.map((d) => Int32Array.from({ length: d }, (_, i) => i));
      axes.forEach((a, i) => {
        const dim = x.shape[a]!, want = sh[i]!;
        const off = Math.floor(Math.abs(dim - want) / 2);
        maps[a] = Int32Array.from({ length: want }, (_, o) => (want <= dim ? o + off : o - off >= 0 && o - off < dim ? o - off : -1));
      });
      const shape = maps.map((m) => m.length);
      return [mk(x.dtype, shape, gatherAxes(x, shape, maps, 0))];
    },
  },
  {
    name: 'reverse_sequence',
    summary: 'Reverse the first sequence_lens[b] elements along time_axis for each batch b along batch_axis.',
    inputs: [{ name: 'input' }, { name: 'sequence_lens' }],
    outputs: [{ name: 'Y' }],
    attrs: { batch_axis: { kind: 'int', default: 1 }, time_axis: { kind: 'int', default: 0 } },
    traits: ['pure'],
    fusion: 'injective',
    infer: (ctx) => [ctx.inputs[0]!],
    eval(ctx) {
      const x = ctx.inputs[0]!;
      const lens = intsOf(ctx.inputs[1]!);
      const rank = x.shape.length;
      const ba = normAxis(ctx.attrs.int('batch_axis'), rank, ctx.fail), ta = normAxis(ctx.attrs.int('time_axis'), rank, ctx.fail);
      if (lens.length !== x.shape[ba]) ctx.fail(`sequence_lens has ${lens.length} entries, batch dim is ${x.shape[ba]}`);
      const ts = stridesOf(x.shape)[ta]!;
      const out = newLike(x.data, x.data.length);
      const s = x.data as AnyArray, d = out as AnyArray;
      const idx = new Array<number>(rank).fill(0);
      for (let i = 0; i < x.data.length; i++) {
        const len = Math.min(lens[idx[ba]!]!, x.shape[ta]!), t = idx[ta]!;
        d[i] = t < len ? s[i + (len - 1 - 2 * t) * ts]! : s[i]!;
        nextIndex(idx, x.shape);
      }
      return [mk(x.dtype, x.shape, out)];
    },
  },
);
