// Shape family, index-driven reads: gather, gather_elements, gather_nd, compress, nonzero,
// one_hot, unique. Indices may be i32 or i64; negative indices wrap once; out-of-range indices are
// run-time errors (E501) naming the index.

import { dimFloorDiv } from '../symbolic.js';
import { defineOps } from '../op-def.js';
import type { Tensor } from '../tensor.js';
import { sizeOf, stridesOf } from '../tensor.js';
import type { Dim } from '../types.js';
import { UNKNOWN_DIM } from '../types.js';
import { normAxis } from './util.js';
import {
  type AnyArray, copyRange, dimProduct, i64Tensor, mk, newLike, nextIndex, normIndices, splitAt,
} from './shape-common.js';

const truthy = (v: number | bigint | string): boolean => (typeof v === 'string' ? v !== '' : v !== 0 && v !== 0n);
function countTrue(t: Tensor): number {
  let n = 0;
  for (let i = 0; i < t.data.length; i++) if (truthy(t.data[i]!)) n++;
  return n;
}
const cmp = (a: number | bigint | string, b: number | bigint | string): number => (a < b ? -1 : a > b ? 1 : 0);

defineOps(
  {
    name: 'gather',
    summary: 'Take entries of data along `axis` at the given indices: out shape = data[:axis] + indices + data[axis+1:].',
    inputs: [{ name: 'data' }, { name: 'indices' }],
    outputs: [{ name: 'output' }],
    attrs: { axis: { kind: 'int', default: 0 } },
    traits: ['pure'],
    fusion: 'injective',
    infer(ctx) {
      const x = ctx.inputs[0]!, ind = ctx.inputs[1]!;
      if (!x.shape || !ind.shape) return [{ dtype: x.dtype, shape: null }];
      const axis = normAxis(ctx.attrs.int('axis'), x.shape.length, ctx.fail);
      return [{ dtype: x.dtype, shape: [...x.shape.slice(0, axis), ...ind.shape, ...x.shape.slice(axis + 1)] }];
    },
    eval(ctx) {
      const [x, ind] = ctx.inputs as Tensor[];
      const axis = normAxis(ctx.attrs.int('axis'), x!.shape.length, ctx.fail);
      const [outer, dim, inner] = splitAt(x!.shape, axis);
      const idx = normIndices(ind!, dim, 'gather', ctx.fail);
      const k = idx.length;
      const out = newLike(x!.data, outer * k * inner);
      for (let o = 0; o < outer; o++) {
        for (let j = 0; j < k; j++) copyRange(x!.data, (o * dim + idx[j]!) * inner, out, (o * k + j) * inner, inner);
      }
      return [mk(x!.dtype, [...x!.shape.slice(0, axis), ...ind!.shape, ...x!.shape.slice(axis + 1)], out)];
    },
  },
  {
    name: 'gather_elements',
    summary: 'out[i..] = data[i.. with the `axis` coordinate replaced by indices[i..]]; out has the shape of indices.',
    inputs: [{ name: 'data' }, { name: 'indices' }],
    outputs: [{ name: 'output' }],
    attrs: { axis: { kind: 'int', default: 0 } },
    traits: ['pure'],
    fusion: 'injective',
    infer: (ctx) => [{ dtype: ctx.inputs[0]!.dtype, shape: ctx.inputs[1]!.shape }],
    eval(ctx) {
      const [x, ind] = ctx.inputs as Tensor[];
      const rank = x!.shape.length;
      if (ind!.shape.length !== rank) ctx.fail('indices must have the rank of data');
      const axis = normAxis(ctx.attrs.int('axis'), rank, ctx.fail);
      const idx = normIndices(ind!, x!.shape[axis]!, 'gather_elements', ctx.fail);
      const st = stridesOf(x!.shape);
      const out = newLike(x!.data, idx.length);
      const s = x!.data as AnyArray, d = out as AnyArray;
      const pos = new Array<number>(rank).fill(0);
      for (let i = 0; i < idx.length; i++) {
        let off = 0;
        for (let a = 0; a < rank; a++) off += (a === axis ? idx[i]! : pos[a]!) * st[a]!;
        d[i] = s[off]!;
        nextIndex(pos, ind!.shape);
      }
      return [mk(x!.dtype, ind!.shape, out)];
    },
  },
  {
    name: 'gather_nd',
    summary: 'Gather slices of data addressed by the last dim of indices, after `batch_dims` shared leading dims.',
    inputs: [{ name: 'data' }, { name: 'indices' }],
    outputs: [{ name: 'output' }],
    attrs: { batch_dims: { kind: 'int', default: 0 } },
    traits: ['pure'],
    fusion: 'injective',
    infer(ctx) {
      const x = ctx.inputs[0]!, ind = ctx.inputs[1]!;
      if (!x.shape || !ind.shape) return [{ dtype: x.dtype, shape: null }];
      const b = ctx.attrs.int('batch_dims');
      const k = ind.shape[ind.shape.length - 1];
      if (typeof k !== 'number') return [{ dtype: x.dtype, shape: null }];
      if (b + k > x.shape.length) ctx.fail(`indices address ${k} dims after ${b} batch dims, data has rank ${x.shape.length}`);
      return [{ dtype: x.dtype, shape: [...ind.shape.slice(0, -1), ...x.shape.slice(b + k)] }];
    },
    eval(ctx) {
      const [x, ind] = ctx.inputs as Tensor[];
      const b = ctx.attrs.int('batch_dims');
      const k = ind!.shape[ind!.shape.length - 1]!;
      const st = stridesOf(x!.shape);
      const batch = sizeOf(x!.shape.slice(0, b));
      const batchSize = b === 0 ? x!.data.length : st[b - 1]!;
      const tuples = sizeOf(ind!.shape.slice(b, -1));
      const inner = sizeOf(x!.shape.slice(b + k));
      const out = newLike(x!.data, batch * tuples * inner);
      let o = 0;
      for (let bi = 0; bi < batch; bi++) {
        for (let t = 0; t < tuples; t++) {
          let off = bi * batchSize;
          for (let j = 0; j < k; j++) {
            const raw = Number(ind!.data[(bi * tuples + t) * k + j]);
            const dim = x!.shape[b + j]!;
            const v = raw < 0 ? raw + dim : raw;
            if (!(v >= 0 && v < dim)) ctx.fail(`gather_nd index ${raw} is out of range for a dim of size ${dim}`);
            off += v * st[b + j]!;
          }
          copyRange(x!.data, off, out, o, inner);
          o += inner;
        }
      }
      return [mk(x!.dtype, [...ind!.shape.slice(0, -1), ...x!.shape.slice(b + k)], out)];
    },
  },
  {
    name: 'compress',
    summary: 'Keep the slices along `axis` (elements of the flattened input when omitted) where condition is true.',
    inputs: [{ name: 'input' }, { name: 'condition' }],
    outputs: [{ name: 'output' }],
    attrs: { axis: { kind: 'int' } },
    traits: ['pure'],
    fusion: 'opaque',
    infer(ctx) {
      const x = ctx.inputs[0]!;
      const cond = ctx.constant(1);
      const kept: Dim = cond ? countTrue(cond) : UNKNOWN_DIM;
      const n = ctx.inputs[1]?.shape?.[0];
      const along = !x.shape ? undefined : ctx.attrs.has('axis') ? x.shape[normAxis(ctx.attrs.int('axis'), x.shape.length, ctx.fail)] : dimProduct(x.shape);
      if (typeof n === 'number' && typeof along === 'number' && n > along) ctx.fail(`condition has ${n} entries, the axis has ${along}`);
      if (!ctx.attrs.has('axis')) return [{ dtype: x.dtype, shape: [kept] }];
      if (!x.shape) return [x];
      const axis = normAxis(ctx.attrs.int('axis'), x.shape.length, ctx.fail);
      return [{ dtype: x.dtype, shape: x.shape.map((d, i) => (i === axis ? kept : d)) }];
    },
    eval(ctx) {
      const [x0, cond] = ctx.inputs as Tensor[];
      const hasAxis = ctx.attrs.has('axis');
      const x = hasAxis ? x0! : mk(x0!.dtype, [x0!.data.length], x0!.data);
      const axis = hasAxis ? normAxis(ctx.attrs.int('axis'), x.shape.length, ctx.fail) : 0;
      const [outer, dim, inner] = splitAt(x.shape, axis);
      if (cond!.data.length > dim) ctx.fail(`condition has ${cond!.data.length} entries, the axis has ${dim}`);
      const keep: number[] = [];
      for (let i = 0; i < cond!.data.length; i++) if (truthy(cond!.data[i]!)) keep.push(i);
      const out = newLike(x.data, outer * keep.length * inner);
      for (let o = 0; o < outer; o++) {
        keep.forEach((j, n) => copyRange(x.data, (o * dim + j) * inner, out, (o * keep.length + n) * inner, inner));
      }
      return [mk(x.dtype, x.shape.map((d, i) => (i === axis ? keep.length : d)), out)];
    },
  },
  {
    name: 'nonzero',
    summary: 'Indices of the non-zero elements as i64[rank, count], in row-major order.',
    inputs: [{ name: 'X' }],
    outputs: [{ name: 'Y' }],
    attrs: {},
    traits: ['pure'],
    fusion: 'opaque',
    infer(ctx) {
      const s = ctx.inputs[0]!.shape;
      return [{ dtype: 'i64', shape: [s ? s.length : UNKNOWN_DIM, UNKNOWN_DIM] }];
    },
    eval(ctx) {
      const x = ctx.inputs[0]!;
      const rank = x.shape.length;
      const hits: number[][] = [];
      const pos = new Array<number>(rank).fill(0);
      for (let i = 0; i < x.data.length; i++) {
        if (truthy(x.data[i]!)) hits.push([...pos]);
        nextIndex(pos, x.shape);
      }
      const n = hits.length;
      const vals = new Array<number>(rank * n);
      hits.forEach((h, j) => h.forEach((v, a) => { vals[a * n + j] = v; }));
      return [i64Tensor([rank, n], vals)];
    },
  },
  {
    name: 'one_hot',
    summary: 'One-hot encode indices along a new `axis`: values = [off, on]; indices outside [-depth, depth) give all off.',
    inputs: [{ name: 'indices' }, { name: 'depth' }, { name: 'values' }],
    outputs: [{ name: 'output' }],
    attrs: { axis: { kind: 'int', default: -1 } },
    traits: ['pure'],
    fusion: 'opaque',
    infer(ctx) {
      const s = ctx.inputs[0]!.shape;
      const dtype = ctx.inputs[2]!.dtype;
      if (!s) return [{ dtype, shape: null }];
      const dt = ctx.constant(1);
      // Depth given as input data: floor of the data symbol (a depth is positive: floor = trunc).
      const traced = dt ? undefined : ctx.shapeValue?.(1);
      const depth: Dim = dt ? Math.trunc(Number(dt.data[0])) : traced?.length === 1 ? dimFloorDiv(traced[0]!, 1) : UNKNOWN_DIM;
      const axis = normAxis(ctx.attrs.int('axis'), s.length + 1, ctx.fail);
      return [{ dtype, shape: [...s.slice(0, axis), depth, ...s.slice(axis)] }];
    },
    eval(ctx) {
      const [ind, dt, vals] = ctx.inputs as Tensor[];
      const depth = Math.trunc(Number(dt!.data[0]));
      if (!(depth >= 1)) ctx.fail(`depth ${depth} must be positive`);
      if (vals!.data.length !== 2) ctx.fail('values must have two elements [off, on]');
      const axis = normAxis(ctx.attrs.int('axis'), ind!.shape.length + 1, ctx.fail);
      const shape = [...ind!.shape.slice(0, axis), depth, ...ind!.shape.slice(axis)];
      const [outer, , inner] = splitAt(shape, axis);
      const out = newLike(vals!.data, sizeOf(shape));
      const d = out as AnyArray, off = vals!.data[0]!, on = vals!.data[1]!;
      for (let i = 0; i < d.length; i++) d[i] = off;
      for (let o = 0; o < outer; o++) {
        for (let j = 0; j < inner; j++) {
          let v = Math.trunc(Number(ind!.data[o * inner + j]));
          if (v < 0) v += depth;
          if (v >= 0 && v < depth) d[(o * depth + v) * inner + j] = on;
        }
      }
      return [mk(vals!.dtype, shape, out)];
    },
  },
  {
    name: 'unique',
    summary: 'Unique elements (or slices along `axis`), sorted or in first-occurrence order, with first indices, inverse indices and counts.',
    inputs: [{ name: 'X' }],
    outputs: [{ name: 'Y' }, { name: 'indices', optional: true }, { name: 'inverse_indices', optional: true }, { name: 'counts', optional: true }],
    attrs: { axis: { kind: 'int' }, sorted: { kind: 'int', default: 1 } },
    traits: ['pure'],
    fusion: 'opaque',
    infer(ctx) {
      const x = ctx.inputs[0]!;
      const hasAxis = ctx.attrs.has('axis');
      let y: Dim[] | null = [UNKNOWN_DIM], inv: Dim = x.shape ? dimProduct(x.shape) : UNKNOWN_DIM;
      if (hasAxis) {
        const s = x.shape;
        if (s) {
          const axis = normAxis(ctx.attrs.int('axis'), s.length, ctx.fail);
          y = s.map((d, i) => (i === axis ? UNKNOWN_DIM : d));
          inv = s[axis]!;
        } else y = null;
      }
      const all = [{ dtype: x.dtype, shape: y }, { dtype: 'i64' as const, shape: [UNKNOWN_DIM] },
        { dtype: 'i64' as const, shape: [inv] }, { dtype: 'i64' as const, shape: [UNKNOWN_DIM] }];
      return all.slice(0, Math.max(1, ctx.numResults));
    },
    eval(ctx) {
      const x0 = ctx.inputs[0]!;
      const hasAxis = ctx.attrs.has('axis');
      const x = hasAxis ? x0 : mk(x0.dtype, [x0.data.length], x0.data);
      const axis = hasAxis ? normAxis(ctx.attrs.int('axis'), x.shape.length, ctx.fail) : 0;
      const [outer, dim, inner] = splitAt(x.shape, axis);
      const slice = (j: number): (number | bigint | string)[] => {
        const v: (number | bigint | string)[] = [];
        for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) v.push(x.data[(o * dim + j) * inner + i]!);
        return v;
      };
      // Group slices by content; Map keys keep first-occurrence order.
      const groups = new Map<string, { first: number; count: number; vals: (number | bigint | string)[] }>();
      const keyOf: string[] = [];
      for (let j = 0; j < dim; j++) {
        const vals = slice(j);
        const key = vals.map((v) => (typeof v === 'string' ? JSON.stringify(v) : String(v))).join(',');
        keyOf.push(key);
        const g = groups.get(key);
        if (g) g.count++;
        else groups.set(key, { first: j, count: 1, vals });
      }
      const order = [...groups.values()];
      if (ctx.attrs.int('sorted') !== 0) {
        order.sort((a, b) => {
          for (let i = 0; i < a.vals.length; i++) { const c = cmp(a.vals[i]!, b.vals[i]!); if (c !== 0) return c; }
          return 0;
        });
      }
      const rank = new Map(order.map((g, i) => [g, i]));
      const u = order.length;
      const out = newLike(x.data, outer * u * inner);
      order.forEach((g, n) => writeSlice(g.vals, out as AnyArray, n, u, outer, inner));
      const results: Tensor[] = [
        mk(x.dtype, x.shape.map((d, i) => (i === axis ? u : d)), out),
        i64Tensor([u], order.map((g) => g.first)),
        i64Tensor([dim], keyOf.map((k) => rank.get(groups.get(k)!)!)),
        i64Tensor([u], order.map((g) => g.count)),
      ];
      return results.slice(0, ctx.resultTypes.length);
    },
  },
);

/** Write one unique slice (outer x inner values) at position n of u along the axis. */
function writeSlice(vals: readonly (number | bigint | string)[], d: AnyArray, n: number, u: number, outer: number, inner: number): void {
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) d[(o * u + n) * inner + i] = vals[o * inner + i]!;
}
