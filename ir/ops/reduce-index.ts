// Op family: reduce (continued). Index-producing and scan reductions: arg_max/arg_min,
// cum_sum/cum_prod and top_k. All walk one axis of the input as (outer, axis, inner) blocks.

import { DTYPE_INFO, isInteger } from '../dtype.js';
import { defineOps, type EvalCtx, type OpDef } from '../op-def.js';
import { getNumber, isBigData, sizeOf, zeros, type BigArray, type NumericArray, type Tensor } from '../tensor.js';
import type { Dim } from '../types.js';
import { UNKNOWN_DIM } from '../types.js';
import { normAxis, rankedShape } from './util.js';

/** Sizes of the dims before `axis`, at `axis`, and after it. */
function blocks(shape: readonly number[], axis: number): [number, number, number] {
  return [sizeOf(shape.slice(0, axis)), shape[axis]!, sizeOf(shape.slice(axis + 1))];
}

// Orders NaN above every number, so that arg_max/top_k(largest) pick NaN first, as numpy does.
function greater(a: number | bigint, b: number | bigint): boolean {
  if (typeof a === 'number' && Number.isNaN(a)) return !Number.isNaN(b as number);
  if (typeof b === 'number' && Number.isNaN(b)) return false;
  return a > b;
}

// ---------------------------------------------------------------------------------------------
// arg_max / arg_min

function argDef(name: 'arg_max' | 'arg_min'): OpDef {
  const better = name === 'arg_max' ? greater : (a: number | bigint, b: number | bigint) => greater(b, a);
  return {
    name,
    summary: `Index (i64) of the ${name === 'arg_max' ? 'largest' : 'smallest'} element along \`axis\`; ties pick the first index unless select_last_index=1.`,
    inputs: [{ name: 'data' }],
    outputs: [{ name: 'reduced' }],
    attrs: {
      axis: { kind: 'int', default: 0 },
      keepdims: { kind: 'int', default: 1 },
      select_last_index: { kind: 'int', default: 0 },
    },
    traits: ['pure'],
    fusion: 'reduction',
    infer(ctx) {
      const x = ctx.inputs[0]!;
      if (x.shape === null) return [{ dtype: 'i64', shape: null }];
      const axis = normAxis(ctx.attrs.int('axis'), x.shape.length, ctx.fail);
      const keep = ctx.attrs.int('keepdims') !== 0;
      return [{ dtype: 'i64', shape: x.shape.flatMap((d, i) => (i !== axis ? [d] : keep ? [1] : [])) }];
    },
    eval(ctx) {
      const x = ctx.inputs[0]!;
      const axis = normAxis(ctx.attrs.int('axis'), x.shape.length, ctx.fail);
      const keep = ctx.attrs.int('keepdims') !== 0;
      const last = ctx.attrs.int('select_last_index') !== 0;
      const [outer, n, inner] = blocks(x.shape, axis);
      if (n === 0) ctx.fail('cannot take the arg of an empty axis');
      const out = zeros('i64', x.shape.flatMap((d, i) => (i !== axis ? [d] : keep ? [1] : [])));
      const od = out.data as BigInt64Array;
      const xd = x.data as NumericArray | BigArray;
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) {
          const base = o * n * inner + i;
          let best = 0;
          let bv = xd[base]!;
          for (let k = 1; k < n; k++) {
            const v = xd[base + k * inner]!;
            if (better(v, bv) || (last && !better(bv, v))) { best = k; bv = v; }
          }
          od[o * inner + i] = BigInt(best);
        }
      }
      return [out];
    },
  };
}

// ---------------------------------------------------------------------------------------------
// cum_sum / cum_prod

function scalarAxis(ctx: EvalCtx, t: Tensor, rank: number): number {
  if (t.data.length !== 1) ctx.fail(`axis must be a scalar, got shape [${t.shape.join(',')}]`);
  return normAxis(getNumber(t, 0), rank, ctx.fail);
}

function cumDef(name: 'cum_sum' | 'cum_prod'): OpDef {
  const isSum = name === 'cum_sum';
  return {
    name,
    summary: `Cumulative ${isSum ? 'sum' : 'product'} along the scalar \`axis\` operand; exclusive=1 shifts by one, reverse=1 runs from the end.`,
    inputs: [{ name: 'x' }, { name: 'axis' }],
    outputs: [{ name: 'y' }],
    attrs: { exclusive: { kind: 'int', default: 0 }, reverse: { kind: 'int', default: 0 } },
    traits: ['pure'],
    fusion: 'reduction',
    infer(ctx) {
      const a = ctx.inputs[1]!;
      if (a.shape !== null && a.shape.length > 1) ctx.fail('axis must be a scalar or a 1-element vector');
      return [ctx.inputs[0]!];
    },
    eval(ctx) {
      const x = ctx.inputs[0]!;
      const axis = scalarAxis(ctx, ctx.inputs[1]!, x.shape.length);
      const exclusive = ctx.attrs.int('exclusive') !== 0;
      const reverse = ctx.attrs.int('reverse') !== 0;
      const [outer, n, inner] = blocks(x.shape, axis);
      const out = zeros(x.dtype, x.shape);
      // Integers run in bigint and wrap like the dtype would at every step: exact even for i64.
      const exact = isInteger(x.dtype);
      const { bits, kind } = DTYPE_INFO[x.dtype];
      const wrap = (v: bigint): bigint => (kind === 'int' ? BigInt.asIntN(bits, v) : BigInt.asUintN(bits, v));
      const xd = x.data as NumericArray | BigArray;
      const od = out.data as NumericArray | BigArray;
      const big = isBigData(od);
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) {
          let acc: number | bigint = exact ? (isSum ? 0n : 1n) : isSum ? 0 : 1;
          for (let s = 0; s < n; s++) {
            const k = reverse ? n - 1 - s : s;
            const idx = o * n * inner + k * inner + i;
            const v = xd[idx]!;
            if (exclusive) writeAt(od, idx, acc, big);
            if (exact) {
              const bv = BigInt(v);
              acc = wrap(isSum ? (acc as bigint) + bv : (acc as bigint) * bv);
            } else {
              acc = isSum ? (acc as number) + (v as number) : (acc as number) * (v as number);
            }
            if (!exclusive) writeAt(od, idx, acc, big);
          }
        }
      }
      return [out];
    },
  };
}

function writeAt(d: NumericArray | BigArray, i: number, v: number | bigint, big: boolean): void {
  if (big) (d as BigArray)[i] = v as bigint;
  else (d as NumericArray)[i] = Number(v);
}

// ---------------------------------------------------------------------------------------------
// top_k

const topK: OpDef = {
  name: 'top_k',
  summary: 'The k largest (or smallest) elements along `axis` and their i64 indices; equal values keep the lower index first.',
  inputs: [{ name: 'X' }, { name: 'K' }],
  outputs: [{ name: 'Values' }, { name: 'Indices' }],
  attrs: {
    axis: { kind: 'int', default: -1 },
    largest: { kind: 'int', default: 1 },
    sorted: { kind: 'int', default: 1 },
  },
  traits: ['pure'],
  fusion: 'reduction',
  infer(ctx) {
    const x = ctx.inputs[0]!;
    if (x.shape === null) return [{ dtype: x.dtype, shape: null }, { dtype: 'i64', shape: null }];
    const shape = rankedShape(ctx, 0);
    const axis = normAxis(ctx.attrs.int('axis'), shape.length, ctx.fail);
    const k = ctx.constant(1);
    let kd: Dim = UNKNOWN_DIM;
    if (k) {
      if (k.data.length !== 1) ctx.fail('K must hold a single value');
      kd = getNumber(k, 0);
      const d = shape[axis]!;
      if (kd < 0 || (typeof d === 'number' && kd > d)) ctx.fail(`k = ${kd} is out of range for an axis of size ${d}`);
    } else if (ctx.inputs[1]) {
      // K given as data: a data symbol the runtime reads (ir/shape-value.ts).
      const v = ctx.shapeValue?.(1);
      if (v && v.length === 1) kd = v[0]!;
    }
    const out = shape.map((d, i) => (i === axis ? kd : d));
    return [{ dtype: x.dtype, shape: out }, { dtype: 'i64', shape: out }];
  },
  eval(ctx) {
    const x = ctx.inputs[0]!;
    const axis = normAxis(ctx.attrs.int('axis'), x.shape.length, ctx.fail);
    const kT = ctx.inputs[1]!;
    if (kT.data.length !== 1) ctx.fail('K must hold a single value');
    const k = getNumber(kT, 0);
    const [outer, n, inner] = blocks(x.shape, axis);
    if (k < 0 || k > n) ctx.fail(`k = ${k} is out of range for an axis of size ${n}`);
    const largest = ctx.attrs.int('largest') !== 0;
    const outShape = x.shape.map((d, i) => (i === axis ? k : d));
    const values = zeros(x.dtype, outShape);
    const indices = zeros('i64', outShape);
    const xd = x.data as NumericArray | BigArray;
    const vd = values.data as NumericArray | BigArray;
    const id = indices.data as BigInt64Array;
    const order = new Array<number>(n);
    // sorted=0 leaves the order unspecified; sorting anyway is a valid choice and deterministic.
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const base = o * n * inner + i;
        for (let j = 0; j < n; j++) order[j] = j;
        order.sort((a, b) => {
          const va = xd[base + a * inner]!, vb = xd[base + b * inner]!;
          const before = largest ? greater(va, vb) : greater(vb, va);
          const after = largest ? greater(vb, va) : greater(va, vb);
          return before ? -1 : after ? 1 : a - b;
        });
        for (let j = 0; j < k; j++) {
          const src = base + order[j]! * inner;
          const dst = o * k * inner + j * inner + i;
          (vd as unknown as unknown[])[dst] = xd[src]!;
          id[dst] = BigInt(order[j]!);
        }
      }
    }
    return [values, indices];
  },
};

defineOps(argDef('arg_max'), argDef('arg_min'), cumDef('cum_sum'), cumDef('cum_prod'), topK);
