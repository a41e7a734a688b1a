// Shape family, layout ops: transpose, concat, split, expand, tile, depth/space rearrangement,
// and the generators constant_of_shape, range, eye_like, trilu.

import { DTYPE_INFO } from '../dtype.js';
import { defineOps } from '../op-def.js';
import type { Tensor } from '../tensor.js';
import { sizeOf, zeros } from '../tensor.js';
import type { Dim, TensorType } from '../types.js';
import { UNKNOWN_DIM } from '../types.js';
import { broadcastIndex, broadcastShapes, normAxis } from './util.js';
import {
  type AnyArray, constInts, copyRange, gatherAxes, intsOf, mk, newLike, splitAt, staticLength, transposeTensor, unknownDims,
} from './shape-common.js';
import { shapeOperand } from './shape-trace.js';
import { dimAdd, dimCeilDiv, dimMax, dimMul, dimSub, dimUnify } from '../symbolic.js';

function permOf(perm: readonly number[] | undefined, rank: number, bad: (m: string) => never): number[] {
  const p = perm ? [...perm] : Array.from({ length: rank }, (_, i) => rank - 1 - i);
  if (p.length !== rank) bad(`perm [${p.join(',')}] has length ${p.length}, input rank is ${rank}`);
  const q = p.map((a) => normAxis(a, rank, bad));
  if (new Set(q).size !== rank) bad(`perm [${p.join(',')}] is not a permutation`);
  return q;
}

/**
 * Merge one non-concat dim across operands (dimUnify: a number wins, else the simpler expression).
 * Two symbolic dims are equal whenever the model is valid for the input sizes (2*floordiv(h,4)
 * and floordiv(h,2) in a U-Net), so the result takes one of them and the backends check the
 * equality at run time, as the interpreter's eval does.
 */
function mergeDim(a: Dim, b: Dim, bad: (m: string) => never): Dim {
  return dimUnify(a, b) ?? bad(`dims ${a} and ${b} differ`);
}

function splitSizes(dim: number, n: number, split: readonly number[] | undefined, bad: (m: string) => never): number[] {
  if (split) {
    if (split.length !== n) bad(`split has ${split.length} entries for ${n} outputs`);
    if (split.reduce((a, b) => a + b, 0) !== dim) bad(`split [${split.join(',')}] does not sum to the dim ${dim}`);
    return [...split];
  }
  // ONNX 18 num_outputs: equal chunks of ceil(dim/n), the last one smaller.
  const chunk = Math.ceil(dim / n);
  const sizes = Array.from({ length: n }, (_, i) => Math.max(0, Math.min(chunk, dim - i * chunk)));
  if (sizes.reduce((a, b) => a + b, 0) !== dim) bad(`cannot split a dim of ${dim} into ${n} parts`);
  return sizes;
}

/** Reinterpret (no copy) then transpose: the common core of DepthToSpace and SpaceToDepth. */
function rearrange(x: Tensor, view: number[], perm: number[], outShape: number[]): Tensor {
  const t = transposeTensor(mk(x.dtype, view, x.data), perm);
  return mk(x.dtype, outShape, t.data);
}

defineOps(
  {
    name: 'transpose',
    summary: 'Permute dims: result dim i is input dim perm[i] (default: reversed).',
    inputs: [{ name: 'data' }],
    outputs: [{ name: 'transposed' }],
    attrs: { perm: { kind: 'ints' } },
    traits: ['pure'],
    fusion: 'injective',
    infer(ctx) {
      const x = ctx.inputs[0]!;
      if (!x.shape) return [x];
      const perm = permOf(ctx.attrs.has('perm') ? ctx.attrs.ints('perm') : undefined, x.shape.length, ctx.fail);
      return [{ dtype: x.dtype, shape: perm.map((p) => x.shape![p]!) }];
    },
    eval(ctx) {
      const x = ctx.inputs[0]!;
      return [transposeTensor(x, permOf(ctx.attrs.has('perm') ? ctx.attrs.ints('perm') : undefined, x.shape.length, ctx.fail))];
    },
  },
  {
    name: 'concat',
    summary: 'Concatenate operands along `axis`.',
    inputs: [{ name: 'inputs', variadic: true }],
    outputs: [{ name: 'concat_result' }],
    attrs: { axis: { kind: 'int', required: true } },
    traits: ['pure'],
    fusion: 'injective',
    infer(ctx) {
      const ts = ctx.inputs.filter((t): t is TensorType => t !== null);
      if (ts.length === 0) ctx.fail('needs at least one operand');
      const ranked = ts.filter((t) => t.shape !== null).map((t) => t.shape!);
      const dtype = ts[0]!.dtype;
      if (ts.some((t) => t.dtype !== dtype)) ctx.fail('operands have different dtypes');
      if (ranked.length === 0) return [{ dtype, shape: null }];
      const rank = ranked[0]!.length;
      if (ranked.some((s) => s.length !== rank)) ctx.fail('operands have different ranks');
      const axis = normAxis(ctx.attrs.int('axis'), rank, ctx.fail);
      const shape = [...ranked[0]!];
      for (const s of ranked.slice(1)) {
        for (let i = 0; i < rank; i++) if (i !== axis) shape[i] = mergeDim(shape[i]!, s[i]!, (m) => ctx.fail(`dim ${i}: ${m}`));
      }
      const along = ranked.length === ts.length ? ranked.map((s) => s[axis]!) : [UNKNOWN_DIM];
      shape[axis] = along.reduce<Dim>((a, b) => dimAdd(a, b), 0);
      return [{ dtype, shape }];
    },
    eval(ctx) {
      const xs = ctx.inputs as Tensor[];
      const rank = xs[0]!.shape.length;
      const axis = normAxis(ctx.attrs.int('axis'), rank, ctx.fail);
      const shape = [...xs[0]!.shape];
      shape[axis] = 0;
      for (const x of xs) {
        if (x.shape.length !== rank || x.shape.some((d, i) => i !== axis && d !== shape[i])) {
          ctx.fail(`operand shapes [${xs.map((t) => t.shape.join(',')).join('] and [')}] do not concatenate on axis ${axis}`);
        }
        shape[axis] += x.shape[axis]!;
      }
      const [outer, , inner] = splitAt(shape, axis);
      const out = newLike(xs[0]!.data, sizeOf(shape));
      let pos = 0;
      const chunks = xs.map((x) => x.shape[axis]! * inner);
      for (let o = 0; o < outer; o++) {
        for (let k = 0; k < xs.length; k++) {
          copyRange(xs[k]!.data, o * chunks[k]!, out, pos, chunks[k]!);
          pos += chunks[k]!;
        }
      }
      return [mk(xs[0]!.dtype, shape, out)];
    },
  },
  {
    name: 'split',
    summary: 'Split along `axis` into parts of sizes `split`, or into equal parts (last smaller) when omitted.',
    inputs: [{ name: 'input' }, { name: 'split', optional: true }],
    outputs: [{ name: 'outputs', variadic: true }],
    attrs: { axis: { kind: 'int', default: 0 }, num_outputs: { kind: 'int' } },
    traits: ['pure'],
    fusion: 'injective',
    infer(ctx) {
      const x = ctx.inputs[0]!;
      const n = ctx.numResults;
      if (ctx.attrs.has('num_outputs') && ctx.attrs.int('num_outputs') !== n) ctx.fail(`num_outputs is ${ctx.attrs.int('num_outputs')} but the op has ${n} results`);
      if (!x.shape) return Array.from({ length: n }, () => ({ dtype: x.dtype, shape: null }));
      const axis = normAxis(ctx.attrs.int('axis'), x.shape.length, ctx.fail);
      const d = x.shape[axis]!;
      const split = ctx.inputs[1] ? constInts(ctx, 1) : undefined;
      const traced = ctx.inputs[1] && !split ? shapeOperand(ctx, 1) : undefined;
      let sizes: Dim[];
      if (split) sizes = typeof d === 'number' ? splitSizes(d, n, split, ctx.fail) : split;
      else if (traced && traced.length === n) sizes = traced;
      else if (ctx.inputs[1]) sizes = unknownDims(n);
      else sizes = typeof d === 'number' ? splitSizes(d, n, undefined, ctx.fail) : n === 1 ? [d] : unknownDims(n);
      return sizes.map((s) => ({ dtype: x.dtype, shape: x.shape!.map((e, i) => (i === axis ? s : e)) }));
    },
    eval(ctx) {
      const x = ctx.inputs[0]!;
      const axis = normAxis(ctx.attrs.int('axis'), x.shape.length, ctx.fail);
      const [outer, dim, inner] = splitAt(x.shape, axis);
      const sizes = splitSizes(dim, ctx.resultTypes.length, ctx.inputs[1] ? intsOf(ctx.inputs[1]) : undefined, ctx.fail);
      let start = 0;
      return sizes.map((s) => {
        const out = newLike(x.data, outer * s * inner);
        for (let o = 0; o < outer; o++) copyRange(x.data, (o * dim + start) * inner, out, o * s * inner, s * inner);
        start += s;
        return mk(x.dtype, x.shape.map((e, i) => (i === axis ? s : e)), out);
      });
    },
  },
  {
    name: 'expand',
    summary: 'Broadcast the input to `shape` (numpy rules; the result may have more dims than `shape`).',
    inputs: [{ name: 'input' }, { name: 'shape' }],
    outputs: [{ name: 'output' }],
    attrs: {},
    traits: ['pure'],
    fusion: 'broadcast',
    infer(ctx) {
      const x = ctx.inputs[0]!;
      const spec = shapeOperand(ctx, 1);
      const n = spec ? spec.length : staticLength(ctx, 1);
      if (!x.shape || n === undefined) return [{ dtype: x.dtype, shape: null }];
      const shape = broadcastShapes([x.shape, spec ?? unknownDims(n)]);
      return [{ dtype: x.dtype, shape: shape ?? ctx.fail(`cannot expand [${x.shape.join(',')}] to [${spec!.join(',')}]`) }];
    },
    eval(ctx) {
      const x = ctx.inputs[0]!;
      const spec = intsOf(ctx.inputs[1]!);
      const shape = broadcastShapes([x.shape, spec]);
      if (!shape) ctx.fail(`cannot expand [${x.shape.join(',')}] to [${spec.join(',')}]`);
      const idx = broadcastIndex(x.shape, shape as number[]);
      if (!idx) return [mk(x.dtype, x.shape, x.data)];
      const out = newLike(x.data, idx.length);
      const s = x.data as AnyArray, d = out as AnyArray;
      for (let i = 0; i < idx.length; i++) d[i] = s[idx[i]!]!;
      return [mk(x.dtype, shape as number[], out)];
    },
  },
  {
    name: 'tile',
    summary: 'Repeat the input `repeats[i]` times along each dim i.',
    inputs: [{ name: 'input' }, { name: 'repeats' }],
    outputs: [{ name: 'output' }],
    attrs: {},
    traits: ['pure'],
    fusion: 'injective',
    infer(ctx) {
      const x = ctx.inputs[0]!;
      if (!x.shape) return [x];
      const reps = shapeOperand(ctx, 1);
      if (!reps) return [{ dtype: x.dtype, shape: x.shape.map((d) => (d === 0 ? 0 : UNKNOWN_DIM)) }];
      if (reps.length !== x.shape.length) ctx.fail(`repeats has ${reps.length} entries, input rank is ${x.shape.length}`);
      return [{ dtype: x.dtype, shape: x.shape.map((d, i) => dimMul(d, reps[i]!)) }];
    },
    eval(ctx) {
      const x = ctx.inputs[0]!;
      const reps = intsOf(ctx.inputs[1]!);
      if (reps.length !== x.shape.length || reps.some((r) => r < 0)) ctx.fail(`bad repeats [${reps.join(',')}] for rank ${x.shape.length}`);
      const shape = x.shape.map((d, i) => d * reps[i]!);
      const maps = shape.map((n, i) => Int32Array.from({ length: n }, (_, o) => o % x.shape[i]!));
      return [mk(x.dtype, shape, gatherAxes(x, shape, maps))];
    },
  },
  {
    name: 'depth_to_space',
    summary: 'Move channel blocks into spatial blocks (NCHW); mode DCR (depth-column-row) or CRD.',
    inputs: [{ name: 'input' }],
    outputs: [{ name: 'output' }],
    attrs: { blocksize: { kind: 'int', required: true }, mode: { kind: 'string', default: 'DCR' } },
    traits: ['pure'],
    fusion: 'injective',
    infer(ctx) {
      const s = ctx.inputs[0]!.shape;
      if (!s) return [{ dtype: ctx.inputs[0]!.dtype, shape: unknownDims(4) }];
      const b = ctx.attrs.int('blocksize');
      if (s.length !== 4) ctx.fail('input must be 4-D');
      const [n, c, h, w] = s as Dim[];
      if (typeof c === 'number' && c % (b * b) !== 0) ctx.fail(`channels ${c} are not divisible by blocksize^2 = ${b * b}`);
      const mul = (d: Dim): Dim => (typeof d === 'number' ? d * b : UNKNOWN_DIM);
      return [{ dtype: ctx.inputs[0]!.dtype, shape: [n!, typeof c === 'number' ? c / (b * b) : UNKNOWN_DIM, mul(h!), mul(w!)] }];
    },
    eval(ctx) {
      const x = ctx.inputs[0]!;
      const b = ctx.attrs.int('blocksize');
      const [n, c, h, w] = x.shape as [number, number, number, number];
      const c2 = c / (b * b);
      const out = [n, c2, h * b, w * b];
      return [ctx.attrs.string('mode') === 'CRD'
        ? rearrange(x, [n, c2, b, b, h, w], [0, 1, 4, 2, 5, 3], out)
        : rearrange(x, [n, b, b, c2, h, w], [0, 3, 4, 1, 5, 2], out)];
    },
  },
  {
    name: 'space_to_depth',
    summary: 'Move spatial blocks into channels (NCHW).',
    inputs: [{ name: 'input' }],
    outputs: [{ name: 'output' }],
    attrs: { blocksize: { kind: 'int', required: true } },
    traits: ['pure'],
    fusion: 'injective',
    infer(ctx) {
      const s = ctx.inputs[0]!.shape;
      if (!s) return [{ dtype: ctx.inputs[0]!.dtype, shape: unknownDims(4) }];
      const b = ctx.attrs.int('blocksize');
      if (s.length !== 4) ctx.fail('input must be 4-D');
      const [n, c, h, w] = s as Dim[];
      const div = (d: Dim): Dim => {
        if (typeof d !== 'number') return UNKNOWN_DIM;
        if (d % b !== 0) ctx.fail(`spatial dim ${d} is not divisible by blocksize ${b}`);
        return d / b;
      };
      return [{ dtype: ctx.inputs[0]!.dtype, shape: [n!, typeof c === 'number' ? c * b * b : UNKNOWN_DIM, div(h!), div(w!)] }];
    },
    eval(ctx) {
      const x = ctx.inputs[0]!;
      const b = ctx.attrs.int('blocksize');
      const [n, c, h, w] = x.shape as [number, number, number, number];
      return [rearrange(x, [n, c, h / b, b, w / b, b], [0, 3, 5, 1, 2, 4], [n, c * b * b, h / b, w / b])];
    },
  },
  {
    name: 'constant_of_shape',
    summary: 'A tensor of the given shape filled with the one-element `value` (default f32 0).',
    inputs: [{ name: 'input' }],
    outputs: [{ name: 'output' }],
    attrs: { value: { kind: 'tensor' } },
    traits: ['pure'],
    fusion: 'opaque',
    infer(ctx) {
      const dtype = ctx.attrs.has('value') ? ctx.attrs.tensor('value').dtype : 'f32';
      const dims = shapeOperand(ctx, 0);
      if (dims) return [{ dtype, shape: dims }];
      const n = staticLength(ctx, 0);
      return [{ dtype, shape: n === undefined ? null : unknownDims(n) }];
    },
    eval(ctx) {
      const v = ctx.attrs.has('value') ? ctx.attrs.tensor('value') : zeros('f32', [1]);
      const dims = intsOf(ctx.inputs[0]!);
      if (dims.some((d) => d < 0)) ctx.fail(`negative dim in shape [${dims.join(',')}]`);
      const out = newLike(v.data, sizeOf(dims));
      if (v.data.length > 0) (out as { fill(x: unknown): void }).fill(v.data[0]);
      return [mk(v.dtype, dims, out)];
    },
  },
  {
    name: 'range',
    summary: 'start, start+delta, ... up to (not including) limit; all operands are scalars of one dtype.',
    inputs: [{ name: 'start' }, { name: 'limit' }, { name: 'delta' }],
    outputs: [{ name: 'output' }],
    attrs: {},
    traits: ['pure'],
    fusion: 'opaque',
    infer(ctx) {
      const dtype = ctx.inputs[0]!.dtype;
      const [a, b, c] = [0, 1, 2].map((i) => shapeOperand(ctx, i)?.[0]);
      if (a === undefined || b === undefined || c === undefined) return [{ dtype, shape: [UNKNOWN_DIM] }];
      if (typeof a === 'number' && typeof b === 'number' && typeof c === 'number') return [{ dtype, shape: [rangeLength(a, b, c)] }];
      // max(0, ceil((limit - start) / delta)) over integer dims, e.g. position ids range(0, seq, 1).
      if (DTYPE_INFO[dtype].kind === 'float' && [a, b, c].some((d) => typeof d === 'number' && !Number.isInteger(d))) return [{ dtype, shape: [UNKNOWN_DIM] }];
      return [{ dtype, shape: [dimMax(0, dimCeilDiv(dimSub(b, a), c))] }];
    },
    eval(ctx) {
      const [a, b, c] = ctx.inputs as Tensor[];
      const n = rangeLength(Number(a!.data[0]), Number(b!.data[0]), Number(c!.data[0]));
      const out = newLike(a!.data, n);
      if (out instanceof BigInt64Array || out instanceof BigUint64Array) {
        const s = a!.data[0] as bigint, d = c!.data[0] as bigint;
        for (let i = 0; i < n; i++) out[i] = s + BigInt(i) * d;
      } else {
        const o = out as Float32Array;
        const s = Number(a!.data[0]), d = Number(c!.data[0]);
        for (let i = 0; i < n; i++) o[i] = s + i * d;
      }
      return [mk(a!.dtype, [n], out)];
    },
  },
  {
    name: 'eye_like',
    summary: 'A 2-D tensor shaped like the input with ones on diagonal k, zeros elsewhere.',
    inputs: [{ name: 'input' }],
    outputs: [{ name: 'output' }],
    attrs: { dtype: { kind: 'dtype' }, k: { kind: 'int', default: 0 } },
    traits: ['pure'],
    fusion: 'opaque',
    infer(ctx) {
      const s = ctx.inputs[0]!.shape ?? unknownDims(2);
      if (s.length !== 2) ctx.fail('input must be 2-D');
      return [{ dtype: ctx.attrs.has('dtype') ? ctx.attrs.dtype('dtype') : ctx.inputs[0]!.dtype, shape: s }];
    },
    eval(ctx) {
      const [r, c] = ctx.inputs[0]!.shape as [number, number];
      const dtype = ctx.resultTypes[0]!.dtype;
      const t = zeros(dtype, [r, c]);
      const one = DTYPE_INFO[dtype].storage === 'i64' || DTYPE_INFO[dtype].storage === 'u64' ? 1n : 1;
      const k = ctx.attrs.int('k');
      for (let i = 0; i < r; i++) if (i + k >= 0 && i + k < c) (t.data as AnyArray)[i * c + i + k] = one;
      return [t];
    },
  },
  {
    name: 'trilu',
    summary: 'Keep the upper (j - i >= k) or lower (j - i <= k) triangle of the last two dims, zero the rest.',
    inputs: [{ name: 'input' }, { name: 'k', optional: true }],
    outputs: [{ name: 'output' }],
    attrs: { upper: { kind: 'int', default: 1 } },
    traits: ['pure'],
    fusion: 'injective',
    infer: (ctx) => [ctx.inputs[0]!],
    eval(ctx) {
      const x = ctx.inputs[0]!;
      const k = ctx.inputs[1] ? Number(ctx.inputs[1].data[0]) : 0;
      const upper = ctx.attrs.int('upper') !== 0;
      const rank = x.shape.length;
      if (rank < 2) ctx.fail('input must have rank >= 2');
      const r = x.shape[rank - 2]!, c = x.shape[rank - 1]!;
      const out = newLike(x.data, x.data.length);
      const s = x.data as AnyArray, d = out as AnyArray;
      for (let base = 0; base < x.data.length; base += r * c) {
        for (let i = 0; i < r; i++) {
          for (let j = 0; j < c; j++) {
            if (upper ? j - i >= k : j - i <= k) d[base + i * c + j] = s[base + i * c + j]!;
          }
        }
      }
      return [mk(x.dtype, x.shape, out)];
    },
  },
);

function rangeLength(start: number, limit: number, delta: number): number {
  if (delta === 0) return 0;
  return Math.max(0, Math.ceil((limit - start) / delta));
}
