// Shape family, index-driven writes: scatter_elements, scatter_nd (reduction none/add/mul/max/min)
// and tensor_scatter (KV-cache update). Results are fresh copies of `data`; updates are applied in
// index order, so with reduction 'none' a repeated index keeps the last update.

import { defineOps } from '../op-def.js';
import type { Tensor } from '../tensor.js';
import { sizeOf, stridesOf } from '../tensor.js';
import { normAxis } from './util.js';
import { type AnyArray, copyRange, intsOf, mk, newLike, nextIndex, normIndices } from './shape-common.js';

type Elem = number | bigint | string;
type Reduce = ((a: Elem, b: Elem) => Elem) | null;

/** The combining function for `reduction` (null = overwrite). Works on numbers and bigints alike. */
function reducer(name: string, bad: (m: string) => never): Reduce {
  switch (name) {
    case 'none': return null;
    case 'add': return (a, b) => (a as number) + (b as number);
    case 'mul': return (a, b) => (a as number) * (b as number);
    case 'max': return (a, b) => (a >= b || a !== a ? a : b);
    case 'min': return (a, b) => (a <= b || a !== a ? a : b);
    default: return bad(`unknown reduction '${name}'`);
  }
}

const copyOf = (t: Tensor): Tensor => {
  const d = newLike(t.data, t.data.length);
  copyRange(t.data, 0, d, 0, t.data.length);
  return mk(t.dtype, t.shape, d);
};

defineOps(
  {
    name: 'scatter_elements',
    summary: 'Copy of data with data[i.. with the `axis` coordinate = indices[i..]] combined with updates[i..].',
    inputs: [{ name: 'data' }, { name: 'indices' }, { name: 'updates' }],
    outputs: [{ name: 'output' }],
    attrs: { axis: { kind: 'int', default: 0 }, reduction: { kind: 'string', default: 'none' } },
    traits: ['pure'],
    fusion: 'opaque',
    infer: (ctx) => [ctx.inputs[0]!],
    eval(ctx) {
      const [x, ind, upd] = ctx.inputs as Tensor[];
      const rank = x!.shape.length;
      const red = reducer(ctx.attrs.string('reduction'), ctx.fail);
      const axis = normAxis(ctx.attrs.int('axis'), rank, ctx.fail);
      if (ind!.shape.length !== rank || upd!.shape.join() !== ind!.shape.join()) ctx.fail('indices and updates must have the same shape and the rank of data');
      const idx = normIndices(ind!, x!.shape[axis]!, 'scatter_elements', ctx.fail);
      const out = copyOf(x!);
      const st = stridesOf(x!.shape);
      const d = out.data as AnyArray, u = upd!.data as AnyArray;
      const pos = new Array<number>(rank).fill(0);
      for (let i = 0; i < idx.length; i++) {
        let off = 0;
        for (let a = 0; a < rank; a++) off += (a === axis ? idx[i]! : pos[a]!) * st[a]!;
        d[off] = red ? red(d[off]!, u[i]!) : u[i]!;
        nextIndex(pos, ind!.shape);
      }
      return [out];
    },
  },
  {
    name: 'scatter_nd',
    summary: 'Copy of data with the slices addressed by the last dim of indices combined with updates.',
    inputs: [{ name: 'data' }, { name: 'indices' }, { name: 'updates' }],
    outputs: [{ name: 'output' }],
    attrs: { reduction: { kind: 'string', default: 'none' } },
    traits: ['pure'],
    fusion: 'opaque',
    infer: (ctx) => [ctx.inputs[0]!],
    eval(ctx) {
      const [x, ind, upd] = ctx.inputs as Tensor[];
      const red = reducer(ctx.attrs.string('reduction'), ctx.fail);
      const k = ind!.shape[ind!.shape.length - 1]!;
      if (k > x!.shape.length) ctx.fail(`indices address ${k} dims, data has rank ${x!.shape.length}`);
      const tuples = sizeOf(ind!.shape.slice(0, -1));
      const inner = sizeOf(x!.shape.slice(k));
      if (upd!.data.length !== tuples * inner) ctx.fail(`updates has ${upd!.data.length} elements, expected ${tuples * inner}`);
      const st = stridesOf(x!.shape);
      const out = copyOf(x!);
      const d = out.data as AnyArray, u = upd!.data as AnyArray;
      for (let t = 0; t < tuples; t++) {
        let off = 0;
        for (let j = 0; j < k; j++) {
          const raw = Number(ind!.data[t * k + j]);
          const dim = x!.shape[j]!;
          const v = raw < 0 ? raw + dim : raw;
          if (!(v >= 0 && v < dim)) ctx.fail(`scatter_nd index ${raw} is out of range for a dim of size ${dim}`);
          off += v * st[j]!;
        }
        if (red) for (let i = 0; i < inner; i++) d[off + i] = red(d[off + i]!, u[t * inner + i]!);
        else copyRange(upd!.data, t * inner, out.data, off, inner);
      }
      return [out];
    },
  },
  {
    name: 'tensor_scatter',
    summary: 'KV-cache update: write `update` into a copy of past_cache along `axis` at write_indices[batch] (mode linear or circular).',
    inputs: [{ name: 'past_cache' }, { name: 'update' }, { name: 'write_indices', optional: true }],
    outputs: [{ name: 'present_cache' }],
    attrs: { axis: { kind: 'int', default: -2 }, mode: { kind: 'string', default: 'linear' } },
    traits: ['pure'],
    fusion: 'opaque',
    infer: (ctx) => [ctx.inputs[0]!],
    eval(ctx) {
      const [past, upd, wi] = ctx.inputs as (Tensor | null)[];
      const rank = past!.shape.length;
      const axis = normAxis(ctx.attrs.int('axis'), rank, ctx.fail);
      if (axis === 0) ctx.fail('axis must not be the batch axis 0');
      const circular = ctx.attrs.string('mode') === 'circular';
      const maxSeq = past!.shape[axis]!, seq = upd!.shape[axis]!;
      if (upd!.shape.length !== rank || upd!.shape.some((d, i) => i !== axis && d !== past!.shape[i])) ctx.fail('update must match past_cache except along axis');
      const writes = wi ? intsOf(wi) : new Array<number>(past!.shape[0]!).fill(0);
      const inner = sizeOf(past!.shape.slice(axis + 1));
      const prefix = past!.shape.slice(0, axis);
      const perBatch = sizeOf(prefix.slice(1));
      const out = copyOf(past!);
      for (let p = 0; p < sizeOf(prefix); p++) {
        const b = Math.floor(p / perBatch);
        for (let s = 0; s < seq; s++) {
          let pos = writes[b]! + s;
          if (circular) pos = ((pos % maxSeq) + maxSeq) % maxSeq;
          else if (pos < 0 || pos >= maxSeq) ctx.fail(`write position ${pos} is outside the cache length ${maxSeq}`);
          copyRange(upd!.data, (p * seq + s) * inner, out.data, (p * maxSeq + pos) * inner, inner);
        }
      }
      return [out];
    },
  },
);
