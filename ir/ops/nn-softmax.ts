// softmax, log_softmax, hardmax along one axis (opset 13 semantics).
//
// Private attribute `legacy_flatten` (int, default 0): when 1, the op works over all dims from
// `axis` to the end taken together, which is what opsets < 13 meant by coercing the input to 2-D
// at `axis`. Only the importer sets it, for old models whose axis is not the last dim; it keeps
// those models reshape-free without a second code path in backends for the common case.

import type { EvalCtx, OpDef } from '../op-def.js';
import { defineOps } from '../op-def.js';
import type { Tensor } from '../tensor.js';
import { sizeOf } from '../tensor.js';
import { normAxis, sameAs } from './util.js';
import { asF64, fromF64 } from './nn-common.js';

type Kind = 'softmax' | 'log_softmax' | 'hardmax';

/** View the input as [outer, n, inner] around the normalised axis (or axis range when legacy). */
function blocks(ctx: EvalCtx, shape: readonly number[]): [number, number, number] {
  if (shape.length === 0) return [1, 1, 1];
  const axis = normAxis(ctx.attrs.int('axis'), shape.length, ctx.fail);
  const outer = sizeOf(shape.slice(0, axis));
  if (ctx.attrs.int('legacy_flatten') !== 0) return [outer, sizeOf(shape.slice(axis)), 1];
  return [outer, shape[axis]!, sizeOf(shape.slice(axis + 1))];
}

function evalSoftmax(ctx: EvalCtx, kind: Kind): Tensor[] {
  const x = ctx.inputs[0]!;
  const [outer, n, inner] = blocks(ctx, x.shape);
  const X = asF64(x);
  const out = new Float64Array(X.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let max = -Infinity, arg = 0;
      for (let k = 0; k < n; k++) {
        const v = X[base + k * inner]!;
        if (v > max || (Number.isNaN(v) && !Number.isNaN(max))) { max = v; arg = k; }
      }
      if (kind === 'hardmax') { if (n > 0) out[base + arg * inner] = 1; continue; }
      let sum = 0;
      for (let k = 0; k < n; k++) {
        const e = Math.exp(X[base + k * inner]! - max);
        out[base + k * inner] = e;
        sum += e;
      }
      if (kind === 'softmax') {
        for (let k = 0; k < n; k++) out[base + k * inner]! /= sum;
      } else {
        const ls = Math.log(sum);
        for (let k = 0; k < n; k++) out[base + k * inner] = X[base + k * inner]! - max - ls;
      }
    }
  }
  return [fromF64(ctx.resultTypes[0]!.dtype, x.shape, out)];
}

const def = (name: Kind, summary: string): OpDef => ({
  name,
  summary,
  inputs: [{ name: 'input' }],
  outputs: [{ name: 'output' }],
  attrs: { axis: { kind: 'int', default: -1 }, legacy_flatten: { kind: 'int', default: 0 } },
  traits: ['pure'],
  fusion: 'reduction',
  infer: (ctx) => {
    const t = ctx.inputs[0]!;
    if (t.shape && t.shape.length > 0) normAxis(ctx.attrs.int('axis'), t.shape.length, ctx.fail);
    return sameAs(ctx);
  },
  eval: (ctx) => evalSoftmax(ctx, name),
});

defineOps(
  def('softmax', 'exp(x - max) / sum(exp(x - max)) along axis.'),
  def('log_softmax', 'x - max - log(sum(exp(x - max))) along axis.'),
  def('hardmax', '1 at the first maximum along axis, 0 elsewhere.'),
);
