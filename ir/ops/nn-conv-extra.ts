// deform_conv (2-D, bilinear sampling at learned offsets, optional modulation mask) and col2im
// (rearrange sliding blocks back into an image, summing overlaps).

import { dimFloorDiv, dimProd } from '../symbolic.js';
import type { EvalCtx, InferCtx, OpDef } from '../op-def.js';
import { defineOps } from '../op-def.js';
import type { Tensor } from '../tensor.js';
import { sizeOf } from '../tensor.js';
import type { Dim, TensorType } from '../types.js';
import { UNKNOWN_DIM } from '../types.js';
import { asF64, col2imAdd, fromF64, gemmAcc, geometry, readWindow, spatialInput, windowDimSym } from './nn-common.js';

function kernelFromWeight(ctx: InferCtx | EvalCtx, w: readonly Dim[] | null): number[] | undefined {
  if (ctx.attrs.has('kernel_shape')) return [...ctx.attrs.ints('kernel_shape')];
  const k = w?.slice(2);
  return k && k.every((d): d is number => typeof d === 'number') ? k : undefined;
}

function inferDeform(ctx: InferCtx): TensorType[] {
  const x = spatialInput(ctx, 0, 4);
  const wt = ctx.inputs[1]!;
  const dtype = ctx.inputs[0]!.dtype;
  if (!x) return [{ dtype, shape: null }];
  if (x.length !== 4) ctx.fail('only 2-D deformable convolution is supported');
  const M = wt.shape?.[0] ?? UNKNOWN_DIM;
  const k = kernelFromWeight(ctx, wt.shape);
  if (!k) return [{ dtype, shape: [x[0]!, M, UNKNOWN_DIM, UNKNOWN_DIM] }];
  const w = readWindow(ctx.attrs, k, ctx.fail, false, false);
  return [{ dtype, shape: [x[0]!, M, ...x.slice(2).map((s, i) => windowDimSym(w, i, s))] }];
}

/** Bilinear sample of one plane at (y, x); taps outside the image read as 0. */
function bilinear(X: Float64Array, off: number, H: number, W: number, y: number, x: number): number {
  if (y <= -1 || y >= H || x <= -1 || x >= W) return 0;
  const y0 = Math.floor(y), x0 = Math.floor(x), ly = y - y0, lx = x - x0;
  const at = (yy: number, xx: number): number => (yy >= 0 && yy < H && xx >= 0 && xx < W ? X[off + yy * W + xx]! : 0);
  return (1 - ly) * (1 - lx) * at(y0, x0) + (1 - ly) * lx * at(y0, x0 + 1) + ly * (1 - lx) * at(y0 + 1, x0) + ly * lx * at(y0 + 1, x0 + 1);
}

function evalDeform(ctx: EvalCtx): Tensor[] {
  const [x, w, offset, b, mask] = ctx.inputs as [Tensor, Tensor, Tensor, Tensor | null, Tensor | null];
  if (x.shape.length !== 4) ctx.fail('only 2-D deformable convolution is supported');
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const M = w.shape[0]!;
  const group = ctx.attrs.int('group'), og = ctx.attrs.int('offset_group');
  const Cg = C / group, Mg = M / group, Cog = C / og;
  if (!Number.isInteger(Cg) || !Number.isInteger(Mg) || !Number.isInteger(Cog)) ctx.fail('channels do not divide into groups');
  const k = kernelFromWeight(ctx, w.shape)!;
  const g = geometry(readWindow(ctx.attrs, k, ctx.fail, false, false), [H, W]);
  const [KH, KW] = k as [number, number];
  const [OH, OW] = g.outSp as [number, number];
  const K = KH * KW, P = OH * OW;
  const X = asF64(x), Wt = asF64(w), Off = asF64(offset), Mask = mask ? asF64(mask) : null;
  const out = new Float64Array(N * M * P);
  const col = new Float64Array(Cg * K * P);
  for (let n = 0; n < N; n++) {
    for (let grp = 0; grp < group; grp++) {
      for (let ci = 0; ci < Cg; ci++) {
        const c = grp * Cg + ci, o = Math.floor(c / Cog);
        for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) {
          const kk = kh * KW + kw;
          const offY = ((n * og + o) * 2 * K + 2 * kk) * P, offX = offY + P;
          const mOff = ((n * og + o) * K + kk) * P;
          for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
            const p = oh * OW + ow;
            const y = oh * g.strides[0]! - g.padsBegin[0]! + kh * g.dilations[0]! + Off[offY + p]!;
            const xx = ow * g.strides[1]! - g.padsBegin[1]! + kw * g.dilations[1]! + Off[offX + p]!;
            const v = bilinear(X, (n * C + c) * H * W, H, W, y, xx);
            col[(ci * K + kk) * P + p] = Mask ? v * Mask[mOff + p]! : v;
          }
        }
      }
      gemmAcc(Mg, P, Cg * K, Wt, grp * Mg * Cg * K, col, 0, out, (n * M + grp * Mg) * P);
    }
  }
  if (b) {
    const B = asF64(b);
    for (let n = 0; n < N; n++) for (let m = 0; m < M; m++) for (let p = 0; p < P; p++) out[(n * M + m) * P + p] += B[m]!;
  }
  return [fromF64(ctx.resultTypes[0]!.dtype, [N, M, OH, OW], out)];
}

// ---------------------------------------------------------------------------------------------
// col2im

function col2imParams(ctx: InferCtx | EvalCtx, image: readonly number[], block: readonly number[]) {
  if (image.length !== block.length) ctx.fail(`image_shape has ${image.length} dims, block_shape ${block.length}`);
  const w = readWindow(ctx.attrs, block, ctx.fail, false, false);
  const g = geometry(w, image);
  return g;
}

function inferCol2im(ctx: InferCtx): TensorType[] {
  const x = ctx.inputs[0]!;
  const img = ctx.constant(1), blk = ctx.constant(2);
  const r = ctx.inputs[1]!.shape?.[0];
  const N = x.shape?.[0] ?? UNKNOWN_DIM;
  if (!img || !blk) {
    // Shapes given as input data: data symbols the runtime reads (ir/shape-value.ts).
    const ti = ctx.shapeValue?.(1), tb = ctx.shapeValue?.(2);
    if (ti && tb && ti.length === tb.length && ![...ti, ...tb].includes(UNKNOWN_DIM)) {
      return [{ dtype: x.dtype, shape: [N, dimFloorDiv(x.shape?.[1] ?? UNKNOWN_DIM, dimProd(tb)), ...ti] }];
    }
    if (typeof r !== 'number') return [{ dtype: x.dtype, shape: null }];
    return [{ dtype: x.dtype, shape: [N, UNKNOWN_DIM, ...new Array<Dim>(r).fill(UNKNOWN_DIM)] }];
  }
  const image = Array.from(asF64(img)), block = Array.from(asF64(blk));
  const g = col2imParams(ctx, image, block);
  const CK = x.shape?.[1];
  const K = sizeOf(block);
  if (typeof CK === 'number' && CK % K !== 0) ctx.fail(`input dim 1 (${CK}) is not a multiple of the block size ${K}`);
  const L = x.shape?.[2];
  if (typeof L === 'number' && L !== sizeOf(g.outSp)) ctx.fail(`input has ${L} blocks, the image holds ${sizeOf(g.outSp)}`);
  return [{ dtype: x.dtype, shape: [N, typeof CK === 'number' ? CK / K : UNKNOWN_DIM, ...image] }];
}

function evalCol2im(ctx: EvalCtx): Tensor[] {
  const [x, img, blk] = ctx.inputs as [Tensor, Tensor, Tensor];
  const image = Array.from(asF64(img)), block = Array.from(asF64(blk));
  const g = col2imParams(ctx, image, block);
  const [N, CK, L] = x.shape as [number, number, number];
  const K = sizeOf(block), C = CK / K, O = sizeOf(image);
  if (!Number.isInteger(C) || L !== sizeOf(g.outSp)) ctx.fail(`input [${x.shape.join(',')}] does not match the image and block shapes`);
  const X = asF64(x);
  const out = new Float64Array(N * C * O);
  for (let n = 0; n < N; n++) col2imAdd(X, n * CK * L, C, g.outSp, g, image, out, n * C * O);
  return [fromF64(ctx.resultTypes[0]!.dtype, [N, C, ...image], out)];
}

const DEFS: OpDef[] = [
  {
    name: 'deform_conv',
    summary: '2-D deformable convolution: bilinear samples at offset taps, optionally scaled by mask.',
    inputs: [{ name: 'X' }, { name: 'W' }, { name: 'offset' }, { name: 'B', optional: true }, { name: 'mask', optional: true }],
    outputs: [{ name: 'Y' }],
    attrs: {
      dilations: { kind: 'ints' }, group: { kind: 'int', default: 1 }, kernel_shape: { kind: 'ints' },
      offset_group: { kind: 'int', default: 1 }, pads: { kind: 'ints' }, strides: { kind: 'ints' },
    },
    traits: ['pure'], fusion: 'opaque',
    infer: inferDeform, eval: evalDeform,
  },
  {
    name: 'col2im',
    summary: 'Sum sliding blocks [N, C*prod(block), L] back into images [N, C, ...image_shape].',
    inputs: [{ name: 'input' }, { name: 'image_shape' }, { name: 'block_shape' }],
    outputs: [{ name: 'output' }],
    attrs: { dilations: { kind: 'ints' }, pads: { kind: 'ints' }, strides: { kind: 'ints' } },
    traits: ['pure'], fusion: 'opaque',
    infer: inferCol2im, eval: evalCol2im,
  },
];

defineOps(...DEFS);
