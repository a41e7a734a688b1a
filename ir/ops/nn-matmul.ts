// Matrix products: matmul (numpy semantics: batched broadcasting, 1-D operands promoted and the
// promoted dim removed), gemm (alpha * A' B' + beta * C), einsum (general contraction).

import type { EvalCtx, InferCtx, OpDef } from '../op-def.js';
import { defineOps } from '../op-def.js';
import type { DType } from '../dtype.js';
import type { BigArray, Tensor } from '../tensor.js';
import { isBigData, sizeOf, zeros } from '../tensor.js';
import type { Dim, TensorType } from '../types.js';
import { dimUnify } from '../symbolic.js';
import { UNKNOWN_DIM } from '../types.js';
import { broadcastIndex, broadcastShapes, broadcastStatic } from './util.js';
import { asF64, fromF64, gemmAcc, gemmAccBT, transpose2d } from './nn-common.js';
import { type EinsumLabels, parseEinsum } from '../einsum-equation.js';

function inferMatmul(ctx: InferCtx): TensorType[] {
  const [a, b] = ctx.inputs as [TensorType, TensorType];
  if (!a.shape || !b.shape) return [{ dtype: a.dtype, shape: null }];
  if (a.shape.length === 0 || b.shape.length === 0) ctx.fail('operands must have rank >= 1');
  const as = a.shape.length === 1 ? [1, a.shape[0]!] : a.shape;
  const bs = b.shape.length === 1 ? [b.shape[0]!, 1] : b.shape;
  const ka = as[as.length - 1]!, kb = bs[bs.length - 2]!;
  if (dimUnify(ka, kb) === undefined) ctx.fail(`inner dims ${ka} and ${kb} differ`);
  const batch = broadcastShapes([as.slice(0, -2), bs.slice(0, -2)]);
  if (!batch) ctx.fail(`batch dims [${as.slice(0, -2).join(',')}] and [${bs.slice(0, -2).join(',')}] do not broadcast`);
  const shape: Dim[] = [...batch];
  if (a.shape.length > 1) shape.push(as[as.length - 2]!);
  if (b.shape.length > 1) shape.push(bs[bs.length - 1]!);
  return [{ dtype: a.dtype, shape }];
}

function evalMatmul(ctx: EvalCtx): Tensor[] {
  const [a, b] = ctx.inputs as [Tensor, Tensor];
  const as = a.shape.length === 1 ? [1, a.shape[0]!] : a.shape;
  const bs = b.shape.length === 1 ? [b.shape[0]!, 1] : b.shape;
  const M = as[as.length - 2]!, K = as[as.length - 1]!, N = bs[bs.length - 1]!;
  if (bs[bs.length - 2] !== K) ctx.fail(`inner dims ${K} and ${bs[bs.length - 2]} differ`);
  const aBatch = as.slice(0, -2), bBatch = bs.slice(0, -2);
  let batch: number[];
  try { batch = broadcastStatic([aBatch, bBatch]); } catch (e) { return ctx.fail((e as Error).message); }
  const nb = sizeOf(batch);
  const ia = broadcastIndex(aBatch, batch), ib = broadcastIndex(bBatch, batch);
  const shape = [...batch];
  if (a.shape.length > 1) shape.push(M);
  if (b.shape.length > 1) shape.push(N);
  if (isBigData(a.data)) {
    const bigIdx = (ix: Int32Array | null) => (t: number): number => (ix ? ix[t]! : t);
    return [bigMatmul(ctx.resultTypes[0]!.dtype, shape, nb, M, N, K, a.data, bigIdx(ia), b.data as BigArray, bigIdx(ib))];
  }
  const A = asF64(a), B = asF64(b);
  const out = new Float64Array(nb * M * N);
  for (let t = 0; t < nb; t++) {
    const ta = ia ? ia[t]! : t, tb = ib ? ib[t]! : t;
    if (N === 1) gemmAccBT(M, 1, K, A, ta * M * K, B, tb * K, out, t * M);
    else gemmAcc(M, N, K, A, ta * M * K, B, tb * K * N, out, t * M * N);
  }
  return [fromF64(ctx.resultTypes[0]!.dtype, shape, out)];
}

/** 64-bit integer matmul in BigInt, wrapping like the fixed-width type (exact beyond 2^53). */
function bigMatmul(dtype: DType, shape: number[], nb: number, M: number, N: number, K: number,
  A: BigArray, ia: (t: number) => number, B: BigArray, ib: (t: number) => number): Tensor {
  const y = zeros(dtype, shape);
  const out = y.data as BigArray;
  const wrap = dtype === 'u64' ? (v: bigint) => BigInt.asUintN(64, v) : (v: bigint) => BigInt.asIntN(64, v);
  for (let t = 0; t < nb; t++) {
    const ao = ia(t) * M * K, bo = ib(t) * K * N;
    for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
      let s = 0n;
      for (let k = 0; k < K; k++) s += A[ao + i * K + k]! * B[bo + k * N + j]!;
      out[t * M * N + i * N + j] = wrap(s);
    }
  }
  return y;
}

function inferGemm(ctx: InferCtx): TensorType[] {
  const [a, b] = ctx.inputs as [TensorType, TensorType];
  if (!a.shape || !b.shape) return [{ dtype: a.dtype, shape: [UNKNOWN_DIM, UNKNOWN_DIM] }];
  if (a.shape.length !== 2 || b.shape.length !== 2) ctx.fail('A and B must be 2-D');
  const ta = ctx.attrs.int('transA') !== 0, tb = ctx.attrs.int('transB') !== 0;
  const [M, Ka] = ta ? [a.shape[1]!, a.shape[0]!] : [a.shape[0]!, a.shape[1]!];
  const [Kb, N] = tb ? [b.shape[1]!, b.shape[0]!] : [b.shape[0]!, b.shape[1]!];
  if (dimUnify(Ka, Kb) === undefined) ctx.fail(`inner dims ${Ka} and ${Kb} differ`);
  const c = ctx.inputs[2];
  if (c?.shape && !broadcastShapes([c.shape, [M, N]])) ctx.fail(`C [${c.shape.join(',')}] does not broadcast to [${M},${N}]`);
  return [{ dtype: a.dtype, shape: [M, N] }];
}

function evalGemm(ctx: EvalCtx): Tensor[] {
  const [a, b, c] = ctx.inputs as [Tensor, Tensor, Tensor | null];
  const ta = ctx.attrs.int('transA') !== 0, tb = ctx.attrs.int('transB') !== 0;
  const alpha = ctx.attrs.float('alpha'), beta = ctx.attrs.float('beta');
  const [M, K] = ta ? [a.shape[1]!, a.shape[0]!] : [a.shape[0]!, a.shape[1]!];
  const N = tb ? b.shape[0]! : b.shape[1]!;
  if ((tb ? b.shape[1] : b.shape[0]) !== K) ctx.fail(`inner dims of A [${a.shape.join(',')}] and B [${b.shape.join(',')}] differ`);
  let A = asF64(a);
  if (ta) A = transpose2d(A, 0, K, M);
  const B = asF64(b);
  const out = new Float64Array(M * N);
  if (tb) gemmAccBT(M, N, K, A, 0, B, 0, out, 0);
  else gemmAcc(M, N, K, A, 0, B, 0, out, 0);
  if (alpha !== 1) for (let i = 0; i < out.length; i++) out[i] *= alpha;
  if (c && beta !== 0) {
    const C = asF64(c);
    let idx: Int32Array | null;
    try { broadcastStatic([c.shape, [M, N]]); idx = broadcastIndex(c.shape, [M, N]); } catch (e) { return ctx.fail((e as Error).message); }
    for (let i = 0; i < out.length; i++) out[i] += beta * C[idx ? idx[i]! : i]!;
  }
  return [fromF64(ctx.resultTypes[0]!.dtype, [M, N], out)];
}

// ---------------------------------------------------------------------------------------------
// einsum

type Einsum = EinsumLabels;

/** Label sizes from static or symbolic shapes; broadcast over size-1 dims. */
function labelSizes(e: Einsum, shapes: readonly (readonly Dim[])[], bad: (m: string) => never): Map<string, Dim> {
  const sizes = new Map<string, Dim>();
  e.inputs.forEach((labels, i) => labels.forEach((l, d) => {
    const v = shapes[i]![d]!;
    const prev = sizes.get(l);
    if (prev === undefined || prev === 1) sizes.set(l, v);
    else if (v !== 1 && dimUnify(prev, v) === undefined) bad(`label '${l}' has sizes ${prev} and ${v}`);
    else if (v !== 1) sizes.set(l, dimUnify(prev, v)!);
  }));
  return sizes;
}

function inferEinsum(ctx: InferCtx): TensorType[] {
  const types = ctx.inputs as TensorType[];
  const dtype = types[0]!.dtype;
  if (types.some((t) => t.shape === null)) return [{ dtype, shape: null }];
  const e = parseEinsum(ctx.attrs.string('equation'), types.map((t) => t.shape!.length), ctx.fail);
  const sizes = labelSizes(e, types.map((t) => t.shape!), ctx.fail);
  for (const l of e.output) if (!sizes.has(l)) ctx.fail(`output label '${l}' does not appear in the inputs`);
  return [{ dtype, shape: e.output.map((l) => sizes.get(l)!) }];
}

function evalEinsum(ctx: EvalCtx): Tensor[] {
  const ts = ctx.inputs as Tensor[];
  const e = parseEinsum(ctx.attrs.string('equation'), ts.map((t) => t.shape.length), ctx.fail);
  const sizes = labelSizes(e, ts.map((t) => t.shape), ctx.fail) as Map<string, number>;
  const summed = [...sizes.keys()].filter((l) => !e.output.includes(l));
  const outDims = e.output.map((l) => sizes.get(l)!), sumDims = summed.map((l) => sizes.get(l)!);
  // Stride of each label in each input (summed for repeated labels = diagonals; 0 for broadcast dims).
  const strideFor = (labels: readonly string[]): number[][] => ts.map((t, i) => {
    const st = new Array<number>(t.shape.length);
    for (let d = t.shape.length - 1, acc = 1; d >= 0; d--) { st[d] = acc; acc *= t.shape[d]!; }
    return labels.map((l) => e.inputs[i]!.reduce((a, li, d) => a + (li === l && t.shape[d] !== 1 ? st[d]! : 0), 0));
  });
  const outStr = strideFor(e.output), sumStr = strideFor(summed);
  const data = ts.map(asF64);
  const nOut = sizeOf(outDims), nSum = sizeOf(sumDims);
  const out = new Float64Array(nOut);
  const oi = new Array<number>(outDims.length).fill(0);
  const base = new Array<number>(ts.length).fill(0);
  const off = new Array<number>(ts.length);
  const si = new Array<number>(sumDims.length);
  for (let p = 0; p < nOut; p++) {
    let acc = 0;
    si.fill(0);
    for (let q = 0; q < nSum; q++) {
      let prod = 1;
      for (let i = 0; i < ts.length; i++) {
        let o = base[i]!;
        for (let d = 0; d < si.length; d++) o += si[d]! * sumStr[i]![d]!;
        off[i] = o;
        prod *= data[i]![o]!;
      }
      acc += prod;
      for (let d = si.length - 1; d >= 0; d--) { if (++si[d]! < sumDims[d]!) break; si[d] = 0; }
    }
    out[p] = acc;
    for (let d = oi.length - 1; d >= 0; d--) {
      for (let i = 0; i < ts.length; i++) base[i] += outStr[i]![d]!;
      if (++oi[d]! < outDims[d]!) break;
      for (let i = 0; i < ts.length; i++) base[i] -= outStr[i]![d]! * oi[d]!;
      oi[d] = 0;
    }
  }
  return [fromF64(ctx.resultTypes[0]!.dtype, outDims, out)];
}

const MATMUL_DEFS: OpDef[] = [
  {
    name: 'matmul',
    summary: 'Matrix product with numpy semantics (batched broadcasting; 1-D operands promoted, then squeezed).',
    inputs: [{ name: 'A' }, { name: 'B' }],
    outputs: [{ name: 'Y' }],
    attrs: {},
    traits: ['pure'], fusion: 'contraction',
    infer: inferMatmul, eval: evalMatmul,
  },
  {
    name: 'gemm',
    summary: 'Y = alpha * A\' * B\' + beta * C, with A\'/B\' optionally transposed and C broadcast to [M, N].',
    inputs: [{ name: 'A' }, { name: 'B' }, { name: 'C', optional: true }],
    outputs: [{ name: 'Y' }],
    attrs: {
      alpha: { kind: 'float', default: 1 }, beta: { kind: 'float', default: 1 },
      transA: { kind: 'int', default: 0 }, transB: { kind: 'int', default: 0 },
    },
    traits: ['pure'], fusion: 'contraction',
    infer: inferGemm, eval: evalGemm,
  },
  {
    name: 'einsum',
    summary: 'Einstein summation over labelled dims (ellipsis broadcasting, diagonals, implicit output).',
    inputs: [{ name: 'Inputs', variadic: true }],
    outputs: [{ name: 'Output' }],
    attrs: { equation: { kind: 'string', required: true } },
    traits: ['pure'], fusion: 'contraction',
    infer: inferEinsum, eval: evalEinsum,
  },
];

defineOps(...MATMUL_DEFS);
