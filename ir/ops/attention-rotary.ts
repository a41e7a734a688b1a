// RotaryEmbedding (ONNX opset 23): rotates pairs of channels of each head by position-dependent
// angles given as cos/sin caches. Pairs are (x[i], x[i + rd/2]) by default, (x[2i], x[2i+1]) when
// interleaved; channels past rotary_embedding_dim pass through.

import type { EvalCtx } from '../op-def.js';
import { defineOps } from '../op-def.js';
import { zeros, type NumericArray, type Tensor } from '../tensor.js';
import { asF64 } from './attention-util.js';
import { rankedShape, sameAs } from './util.js';

function evalRotary(ctx: EvalCtx): Tensor[] {
  const [x, cosT, sinT, posT] = ctx.inputs;
  const shape = x!.shape;
  const four = shape.length === 4;
  if (!four && shape.length !== 3) ctx.fail(`input must be 3-D or 4-D, got rank ${shape.length}`);
  const B = shape[0]!;
  // Work in [B, S, H, D] coordinates; strides locate elements in the real layout.
  const S = four ? shape[2]! : shape[1]!;
  const H = four ? shape[1]! : ctx.attrs.int('num_heads');
  if (!four && H <= 0) ctx.fail('3-D input needs a positive num_heads attribute');
  const D = four ? shape[3]! : shape[2]! / H;
  if (!Number.isInteger(D)) ctx.fail(`hidden size ${shape[2]} is not divisible by num_heads ${H}`);
  const rd = ctx.attrs.int('rotary_embedding_dim') || D;
  const half = rd / 2;
  const interleaved = ctx.attrs.int('interleaved') !== 0;
  const cos = asF64(cosT!), sin = asF64(sinT!);
  if (cosT!.shape[cosT!.shape.length - 1] !== half) ctx.fail(`cos_cache last dim must be ${half}`);
  const pos = posT ? asF64(posT) : null;
  const maxPos = cosT!.shape[0]!;
  const src = asF64(x!);
  const out = zeros(x!.dtype, shape);
  const dst = out.data as NumericArray;
  const at = (b: number, s: number, h: number, d: number): number =>
    four ? ((b * H + h) * S + s) * D + d : ((b * S + s) * H + h) * D + d;
  for (let b = 0; b < B; b++) {
    for (let s = 0; s < S; s++) {
      // Row of the caches for this (batch, position).
      let row: number;
      if (pos) {
        row = pos[b * S + s]!;
        if (row < 0 || row >= maxPos) ctx.fail(`position id ${row} is outside the cache (${maxPos} rows)`);
      } else row = b * S + s;
      for (let h = 0; h < H; h++) {
        for (let i = 0; i < half; i++) {
          const c = cos[row * half + i]!, sn = sin[row * half + i]!;
          const i1 = interleaved ? 2 * i : i, i2 = interleaved ? 2 * i + 1 : i + half;
          const a = src[at(b, s, h, i1)]!, e = src[at(b, s, h, i2)]!;
          dst[at(b, s, h, i1)] = c * a - sn * e;
          dst[at(b, s, h, i2)] = sn * a + c * e;
        }
        for (let d = rd; d < D; d++) dst[at(b, s, h, d)] = src[at(b, s, h, d)]!;
      }
    }
  }
  return [out];
}

defineOps({
  name: 'rotary_embedding',
  summary: 'Rotary positional embedding applied to 3-D [B,S,H*D] or 4-D [B,H,S,D] inputs (ONNX RotaryEmbedding-23).',
  inputs: [{ name: 'X' }, { name: 'cos_cache' }, { name: 'sin_cache' }, { name: 'position_ids', optional: true }],
  outputs: [{ name: 'Y' }],
  attrs: {
    interleaved: { kind: 'int', default: 0 },
    num_heads: { kind: 'int', default: 0 },
    rotary_embedding_dim: { kind: 'int', default: 0 },
  },
  traits: ['pure'],
  fusion: 'opaque',
  infer(ctx) {
    const r = rankedShape(ctx, 0).length;
    if (r !== 3 && r !== 4) ctx.fail(`input must be 3-D or 4-D, got rank ${r}`);
    if (r === 3 && ctx.attrs.int('num_heads') <= 0) ctx.fail('3-D input needs a positive num_heads attribute');
    return sameAs(ctx);
  },
  eval: evalRotary,
});
