// Op family: shape / data movement. This file holds the view-like ops (the result shares the
// operand's data array: tensors are immutable by convention) and loads the rest of the family.
// See ir/op-def.ts for the schema.

import { defineOps } from '../op-def.js';
import type { Tensor } from '../tensor.js';
import { sizeOf } from '../tensor.js';
import type { Dim } from '../types.js';
import { UNKNOWN_DIM } from '../types.js';
import { normAxis } from './util.js';
import { shapeOperand } from './shape-trace.js';
import { dimAdd, dimEq, dimFloorDiv, dimMul, dimProd, dimSel, dimSub, hasDataSymbol } from '../symbolic.js';
import { axisFlags, constInts, dimProduct, dimQuotient, i64Tensor, intsOf, keptDims, mk, staticLength, unknownDims } from './shape-common.js';
import './shape-layout.js';
import './shape-slice.js';
import './shape-gather.js';
import './shape-scatter.js';
import './shape-resize.js';

/**
 * Reshape's target dims (0 = copy unless allowzero, -1 = inferred) against the input dims. An
 * entry read from graph-input data (a data symbol) may turn out 0 or -1 at run time, so it becomes
 * a `sel(eq(s,-1), ..., sel(eq(s,0), in, s))` expression the runtime evaluates.
 */
function reshapeDims(inDims: readonly Dim[] | null, spec: readonly Dim[], allowzero: boolean, bad: (m: string) => never): Dim[] {
  let minus = -1;
  const dataDep = spec.map((v) => typeof v === 'string' && hasDataSymbol(v));
  const out: Dim[] = spec.map((v, i) => {
    if (v === 0 && !allowzero) {
      if (inDims && i >= inDims.length) bad(`shape entry ${i} is 0 but the input has rank ${inDims.length}`);
      return inDims ? inDims[i]! : UNKNOWN_DIM;
    }
    if (v === -1) {
      if (minus >= 0) bad('shape has more than one -1');
      minus = i;
      return UNKNOWN_DIM;
    }
    if (typeof v === 'number' && v < 0) bad(`shape entry ${v} is invalid`);
    if (dataDep[i] && !allowzero && inDims && i < inDims.length) return dimSel(dimEq(v, 0), inDims[i]!, v);
    return v;
  });
  const numel = inDims ? dimProduct(inDims) : UNKNOWN_DIM;
  const inferred = (i: number): Dim => dimFloorDiv(numel, dimProd(out.filter((_, j) => j !== i)));
  if (minus >= 0) out[minus] = inDims ? dimQuotient(inDims, out.filter((_, i) => i !== minus)) : UNKNOWN_DIM;
  else {
    const sel = out.map((d, i) => (dataDep[i] ? dimSel(dimEq(spec[i]!, -1), inferred(i), d) : d));
    sel.forEach((d, i) => { out[i] = d; });
  }
  return out;
}

function squeezeAxes(axes: readonly number[], rank: number, bad: (m: string) => never): Set<number> {
  return new Set(axes.map((a) => normAxis(a, rank, bad)));
}

defineOps(
  {
    name: 'reshape',
    summary: 'Reshape to `shape` (0 copies the input dim unless allowzero, -1 is inferred); shares the data.',
    inputs: [{ name: 'data' }, { name: 'shape' }],
    outputs: [{ name: 'reshaped' }],
    attrs: { allowzero: { kind: 'int', default: 0 } },
    traits: ['pure'],
    fusion: 'injective',
    infer(ctx) {
      const x = ctx.inputs[0]!;
      const spec = shapeOperand(ctx, 1);
      if (!spec) {
        const n = staticLength(ctx, 1);
        return [{ dtype: x.dtype, shape: n === undefined ? null : unknownDims(n) }];
      }
      const shape = reshapeDims(x.shape, spec, ctx.attrs.int('allowzero') !== 0, ctx.fail);
      const a = x.shape && dimProduct(x.shape), b = dimProduct(shape);
      if (typeof a === 'number' && typeof b === 'number' && a !== b) {
        ctx.fail(`cannot reshape ${a} elements to [${shape.join(',')}]`);
      }
      return [{ dtype: x.dtype, shape }];
    },
    eval(ctx) {
      const x = ctx.inputs[0]!;
      const dims = reshapeDims(x.shape, intsOf(ctx.inputs[1]!), ctx.attrs.int('allowzero') !== 0, ctx.fail);
      const minus = dims.findIndex((d) => typeof d !== 'number');
      const n = x.data.length;
      if (minus >= 0) {
        const rest = sizeOf(dims.filter((_, i) => i !== minus) as number[]);
        if (rest === 0 || n % rest !== 0) ctx.fail(`cannot reshape [${x.shape.join(',')}] to [${dims.join(',')}]`);
        dims[minus] = n / rest;
      }
      if (sizeOf(dims as number[]) !== n) ctx.fail(`cannot reshape [${x.shape.join(',')}] to [${dims.join(',')}]`);
      return [mk(x.dtype, dims as number[], x.data)];
    },
  },
  {
    name: 'flatten',
    summary: 'Flatten to 2-D: dims before `axis` form the first dim, the rest the second.',
    inputs: [{ name: 'input' }],
    outputs: [{ name: 'output' }],
    attrs: { axis: { kind: 'int', default: 1 } },
    traits: ['pure'],
    fusion: 'injective',
    infer(ctx) {
      const s = ctx.inputs[0]!.shape;
      if (!s) return [{ dtype: ctx.inputs[0]!.dtype, shape: unknownDims(2) }];
      const axis = flattenAxis(ctx.attrs.int('axis'), s.length, ctx.fail);
      return [{ dtype: ctx.inputs[0]!.dtype, shape: [dimProduct(s.slice(0, axis)), dimProduct(s.slice(axis))] }];
    },
    eval(ctx) {
      const x = ctx.inputs[0]!;
      const axis = flattenAxis(ctx.attrs.int('axis'), x.shape.length, ctx.fail);
      return [mk(x.dtype, [sizeOf(x.shape.slice(0, axis)), sizeOf(x.shape.slice(axis))], x.data)];
    },
  },
  {
    name: 'squeeze',
    summary: 'Remove size-1 dims listed in `axes` (all static size-1 dims when omitted).',
    inputs: [{ name: 'data' }, { name: 'axes', optional: true }],
    outputs: [{ name: 'squeezed' }],
    attrs: {},
    traits: ['pure'],
    fusion: 'injective',
    infer(ctx) {
      const x = ctx.inputs[0]!;
      if (!x.shape) return [{ dtype: x.dtype, shape: null }];
      const s = x.shape;
      if (!ctx.inputs[1]) {
        // Without axes a symbolic dim may or may not be 1 at run time: the rank is unknown.
        if (s.some((d) => typeof d !== 'number')) return [{ dtype: x.dtype, shape: null }];
        return [{ dtype: x.dtype, shape: s.filter((d) => d !== 1) }];
      }
      const axes = constInts(ctx, 1);
      if (!axes) {
        const n = staticLength(ctx, 1);
        // Axes given as data: which dims go is known at run time, how many is not (n distinct axes).
        const traced = ctx.shapeValue?.(1);
        if (traced && traced.length === n && n <= s.length && !traced.includes(UNKNOWN_DIM)) return [{ dtype: x.dtype, shape: keptDims(s, axisFlags(s.length, traced), s.length - n) }];
        return [{ dtype: x.dtype, shape: n === undefined ? null : unknownDims(s.length - n) }];
      }
      const set = squeezeAxes(axes, s.length, ctx.fail);
      for (const a of set) if (typeof s[a] === 'number' && s[a] !== 1) ctx.fail(`cannot squeeze axis ${a} of size ${s[a]}`);
      return [{ dtype: x.dtype, shape: s.filter((_, i) => !set.has(i)) }];
    },
    eval(ctx) {
      const x = ctx.inputs[0]!;
      const axesT = ctx.inputs[1];
      const set = axesT
        ? squeezeAxes(intsOf(axesT), x.shape.length, ctx.fail)
        : new Set(x.shape.flatMap((d, i) => (d === 1 ? [i] : [])));
      for (const a of set) if (x.shape[a] !== 1) ctx.fail(`cannot squeeze axis ${a} of size ${x.shape[a]}`);
      return [mk(x.dtype, x.shape.filter((_, i) => !set.has(i)), x.data)];
    },
  },
  {
    name: 'unsqueeze',
    summary: 'Insert size-1 dims at `axes` (positions in the result).',
    inputs: [{ name: 'data' }, { name: 'axes' }],
    outputs: [{ name: 'expanded' }],
    attrs: {},
    traits: ['pure'],
    fusion: 'injective',
    infer(ctx) {
      const x = ctx.inputs[0]!;
      const axes = constInts(ctx, 1);
      if (!x.shape) return [{ dtype: x.dtype, shape: null }];
      if (!axes) {
        const n = staticLength(ctx, 1);
        const traced = ctx.shapeValue?.(1);
        if (traced && traced.length === n && !traced.includes(UNKNOWN_DIM)) {
          // Axes given as data: result dim j is 1 where inserted, else input dim (j - #inserted before j).
          const R = x.shape.length + n, ins = axisFlags(R, traced);
          let before: Dim = 0;
          const shape = ins.map((f, j) => {
            const src = dimSub(j, before);
            before = dimAdd(before, f);
            return dimSel(f, 1, x.shape!.reduce<Dim>((acc, d, i) => dimAdd(acc, dimMul(dimEq(src, i), d)), 0));
          });
          return [{ dtype: x.dtype, shape }];
        }
        return [{ dtype: x.dtype, shape: n === undefined ? null : unknownDims(x.shape.length + n) }];
      }
      return [{ dtype: x.dtype, shape: unsqueezeDims(x.shape, axes, ctx.fail) }];
    },
    eval(ctx) {
      const x = ctx.inputs[0]!;
      return [mk(x.dtype, unsqueezeDims(x.shape, intsOf(ctx.inputs[1]!), ctx.fail) as number[], x.data)];
    },
  },
  {
    name: 'identity',
    summary: 'The input, unchanged.',
    inputs: [{ name: 'input' }],
    outputs: [{ name: 'output' }],
    attrs: {},
    traits: ['pure'],
    fusion: 'elementwise',
    infer: (ctx) => [ctx.inputs[0]!],
    eval: (ctx) => [ctx.inputs[0]!],
  },
  {
    name: 'shape',
    summary: "The input's shape as i64[n], optionally the dims [start, end) (negative counts from the end; clamped).",
    inputs: [{ name: 'data' }],
    outputs: [{ name: 'shape' }],
    attrs: { start: { kind: 'int', default: 0 }, end: { kind: 'int' } },
    traits: ['pure'],
    fusion: 'opaque',
    infer(ctx) {
      const s = ctx.inputs[0]!.shape;
      if (!s) return [{ dtype: 'i64', shape: [UNKNOWN_DIM] }];
      const [a, b] = shapeRange(ctx.attrs.int('start'), ctx.attrs.has('end') ? ctx.attrs.int('end') : undefined, s.length);
      return [{ dtype: 'i64', shape: [b - a] }];
    },
    eval(ctx) {
      const s = ctx.inputs[0]!.shape;
      const [a, b] = shapeRange(ctx.attrs.int('start'), ctx.attrs.has('end') ? ctx.attrs.int('end') : undefined, s.length);
      return [i64Tensor([b - a], s.slice(a, b))];
    },
  },
  {
    name: 'size',
    summary: 'Number of elements of the input, as an i64 scalar.',
    inputs: [{ name: 'data' }],
    outputs: [{ name: 'size' }],
    attrs: {},
    traits: ['pure'],
    fusion: 'opaque',
    infer: () => [{ dtype: 'i64', shape: [] }],
    eval: (ctx) => [i64Tensor([], [sizeOf(ctx.inputs[0]!.shape)])],
  },
  {
    name: 'dropout',
    summary: 'Inference dropout: the input unchanged and an all-true mask. Training mode is an error unless ratio is 0.',
    inputs: [{ name: 'data' }, { name: 'ratio', optional: true }, { name: 'training_mode', optional: true }],
    outputs: [{ name: 'output' }, { name: 'mask', optional: true }],
    attrs: { seed: { kind: 'int' } },
    traits: ['pure'],
    fusion: 'elementwise',
    infer(ctx) {
      const x = ctx.inputs[0]!;
      const tm = ctx.inputs[2] ? ctx.constant(2) : undefined;
      const ratio = ctx.inputs[1] ? ctx.constant(1) : undefined;
      if (tm && isTrue(tm) && !(ratio && isZero(ratio))) ctx.fail('training_mode = true is not supported (inference only)');
      const out = [x, { dtype: 'bool' as const, shape: x.shape }];
      return out.slice(0, Math.max(1, ctx.numResults));
    },
    eval(ctx) {
      const [x, ratio, tm] = ctx.inputs;
      // With ratio 0 training mode drops nothing, so the result is exact; otherwise it is random.
      if (tm && isTrue(tm) && !(ratio && isZero(ratio))) ctx.fail('training_mode = true with a non-zero ratio is not supported (inference only)');
      const out: Tensor[] = [x!];
      if (ctx.resultTypes.length > 1) out.push(mk('bool', x!.shape, new Uint8Array(x!.data.length).fill(1)));
      return out;
    },
  },
);

const isTrue = (t: Tensor): boolean => t.data.length > 0 && Number(t.data[0]) !== 0;
const isZero = (t: Tensor): boolean => t.data.length > 0 && Number(t.data[0]) === 0;

function unsqueezeDims(s: readonly Dim[], axes: readonly number[], bad: (m: string) => never): Dim[] {
  const rank = s.length + axes.length;
  const set = new Set(axes.map((a) => normAxis(a, rank, bad)));
  if (set.size !== axes.length) bad(`axes [${axes.join(',')}] contain duplicates`);
  const out: Dim[] = [];
  let k = 0;
  for (let i = 0; i < rank; i++) out.push(set.has(i) ? 1 : s[k++]!);
  return out;
}

function shapeRange(start: number, end: number | undefined, rank: number): [number, number] {
  const clamp = (v: number): number => Math.min(rank, Math.max(0, v < 0 ? v + rank : v));
  const a = clamp(start), b = clamp(end ?? rank);
  return [a, Math.max(a, b)];
}

/** Flatten's axis lies in [-rank, rank]; negative counts from the end of the input dims. */
function flattenAxis(axis: number, rank: number, bad: (m: string) => never): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!(a >= 0 && a <= rank)) bad(`axis ${axis} is out of range for rank ${rank}`);
  return a;
}
