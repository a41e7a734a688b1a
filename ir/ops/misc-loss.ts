// Loss ops: NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss (ONNX 13+ semantics).
// Both take class scores [N, C, d1..dk] and integer targets [N, d1..dk]; a target equal to
// ignore_index contributes nothing (neither loss nor weight). 'mean' divides by the summed
// weights of the non-ignored targets.

import type { EvalCtx, InferCtx } from '../op-def.js';
import { defineOps } from '../op-def.js';
import { zeros, type NumericArray, type Tensor } from '../tensor.js';
import type { TensorType } from '../types.js';
import { asF64 } from './attention-util.js';
import { rankedShape } from './util.js';

const REDUCTIONS = ['none', 'sum', 'mean'];

function inferLoss(ctx: InferCtx, withLogProb: boolean): TensorType[] {
  const x = rankedShape(ctx, 0), t = rankedShape(ctx, 1);
  if (x.length < 2) ctx.fail('scores must be at least 2-D [N, C, ...]');
  if (t.length !== x.length - 1) ctx.fail(`target must have rank ${x.length - 1}`);
  const red = ctx.attrs.string('reduction');
  if (!REDUCTIONS.includes(red)) ctx.fail(`unknown reduction '${red}'`);
  const dtype = ctx.inputs[0]!.dtype;
  const loss: TensorType = { dtype, shape: red === 'none' ? [x[0]!, ...x.slice(2)] : [] };
  return withLogProb ? [loss, { dtype, shape: [...x] }].slice(0, ctx.numResults) : [loss];
}

/** NLL over log-probabilities lp laid out as [N, C, inner]. */
function nll(ctx: EvalCtx, lp: Float64Array, shape: readonly number[], target: Tensor, weightT: Tensor | null): Tensor {
  const [N, C] = shape as [number, number];
  const inner = shape.slice(2).reduce((a, b) => a * b, 1);
  if (target.shape.join() !== [N, ...shape.slice(2)].join()) ctx.fail(`target shape [${target.shape.join(',')}] does not match scores`);
  const tgt = asF64(target);
  const w = weightT ? asF64(weightT) : null;
  const ignore = ctx.attrs.has('ignore_index') ? ctx.attrs.int('ignore_index') : null;
  const red = ctx.attrs.string('reduction');
  const dtype = ctx.resultTypes[0]!.dtype;
  const loss = new Float64Array(N * inner);
  let wsum = 0;
  for (let n = 0; n < N; n++) {
    for (let i = 0; i < inner; i++) {
      const c = tgt[n * inner + i]!;
      if (c === ignore) continue;
      if (c < 0 || c >= C) ctx.fail(`target ${c} is out of range [0, ${C})`);
      const wc = w ? w[c]! : 1;
      loss[n * inner + i] = -lp[(n * C + c) * inner + i]! * wc;
      wsum += wc;
    }
  }
  if (red === 'none') {
    const out = zeros(dtype, [N, ...shape.slice(2)]);
    (out.data as NumericArray).set(loss);
    return out;
  }
  let sum = 0;
  for (let i = 0; i < loss.length; i++) sum += loss[i]!;
  const out = zeros(dtype, []);
  (out.data as NumericArray)[0] = red === 'sum' ? sum : sum / wsum;
  return out;
}

function evalSce(ctx: EvalCtx): Tensor[] {
  const [xT, tT, wT] = ctx.inputs;
  const shape = xT!.shape;
  const [N, C] = shape as [number, number];
  const inner = shape.slice(2).reduce((a, b) => a * b, 1);
  const x = asF64(xT!);
  const lp = new Float64Array(x.length);
  // log_softmax over the class axis.
  for (let n = 0; n < N; n++) {
    for (let i = 0; i < inner; i++) {
      let max = -Infinity;
      for (let c = 0; c < C; c++) max = Math.max(max, x[(n * C + c) * inner + i]!);
      let s = 0;
      for (let c = 0; c < C; c++) s += Math.exp(x[(n * C + c) * inner + i]! - max);
      const lse = max + Math.log(s);
      for (let c = 0; c < C; c++) lp[(n * C + c) * inner + i] = x[(n * C + c) * inner + i]! - lse;
    }
  }
  const loss = nll(ctx, lp, shape, tT!, wT ?? null);
  if (ctx.resultTypes.length < 2) return [loss];
  const logProb = zeros(xT!.dtype, shape);
  (logProb.data as NumericArray).set(lp);
  return [loss, logProb];
}

defineOps(
  {
    name: 'negative_log_likelihood_loss',
    summary: 'Negative log-likelihood loss over class log-probabilities (ONNX NegativeLogLikelihoodLoss-22).',
    inputs: [{ name: 'input' }, { name: 'target' }, { name: 'weight', optional: true }],
    outputs: [{ name: 'loss' }],
    attrs: { ignore_index: { kind: 'int' }, reduction: { kind: 'string', default: 'mean' } },
    traits: ['pure'],
    fusion: 'opaque',
    infer: (ctx) => inferLoss(ctx, false),
    eval: (ctx) => [nll(ctx, asF64(ctx.inputs[0]!), ctx.inputs[0]!.shape, ctx.inputs[1]!, ctx.inputs[2] ?? null)],
  },
  {
    name: 'softmax_cross_entropy_loss',
    summary: 'Softmax cross-entropy loss with optional log-probability output (ONNX SoftmaxCrossEntropyLoss-13).',
    inputs: [{ name: 'scores' }, { name: 'labels' }, { name: 'weights', optional: true }],
    outputs: [{ name: 'output' }, { name: 'log_prob', optional: true }],
    attrs: { ignore_index: { kind: 'int' }, reduction: { kind: 'string', default: 'mean' } },
    traits: ['pure'],
    fusion: 'opaque',
    infer: (ctx) => inferLoss(ctx, true),
    eval: evalSce,
  },
);
