// More normalisations as map kernels, each result element walking its own block (these models
// are small; the row kernels of rows.ts serve the large normalisations): lp_normalization (L1 or
// L2 along an axis, 0 where the norm is 0), lrn (squares of the neighbouring channels),
// instance_normalization and group_normalization (mean and variance of the (batch, channel) or
// (batch, group) block, then per-channel or per-group scale and bias). NCHW layouts only.

import type { Op } from '../../../../ir/ir.js';
import { coords, floatAttr, intAttr, type KernelCtx, type MapKernel, needFloat, strides } from '../kernel-api.js';
import { f32Lit, u32 } from '../wgsl.js';
import { axisOf, loadClamped } from './common.js';

function lpNorm(k: KernelCtx, op: Op, i: string): string {
  const x = op.operands[0]!;
  const xd = k.dims(x), rank = xd.length;
  const axis = axisOf(op, rank, -1), p = intAttr(op, 'p', 2);
  if (p !== 1 && p !== 2) k.fail(op, `lp_normalization with p = ${p} is not supported`);
  const b = k.body;
  const s = strides(k, xd)[axis]!, n = k.dim(xd[axis]!);
  const pos = b.let('pos', `(${i} / ${s}) % ${n}`);
  const base = b.let('base', `${i} - ${pos} * ${s}`);
  const acc = b.var('acc', 'f32', '0.0f');
  b.block(`for (var j = 0u; j < ${n}; j++)`, () => {
    const v = b.let('v', loadClamped(k, x, `${base} + j * ${s}`));
    b.line(`${acc} = ${acc} + ${p === 1 ? `abs(${v})` : `${v} * ${v}`};`);
  });
  const norm = b.let('nrm', p === 1 ? acc : `sqrt(${acc})`);
  return b.let('y', `select(${k.load(x, i)} / ${norm}, 0.0f, ${norm} == 0.0f)`);
}

function lrn(k: KernelCtx, op: Op, i: string): string {
  const x = op.operands[0]!;
  const xd = k.dims(x);
  if (xd.length < 2) k.fail(op, 'lrn needs a channel axis');
  const size = intAttr(op, 'size', 1);
  const alpha = floatAttr(op, 'alpha', 0.0001), beta = floatAttr(op, 'beta', 0.75), bias = floatAttr(op, 'bias', 1);
  const lo = Math.floor((size - 1) / 2), hi = Math.ceil((size - 1) / 2);
  const b = k.body;
  const s = strides(k, xd)[1]!, C = k.dim(xd[1]!);
  const c = b.let('c', `i32((${i} / ${s}) % ${C})`);
  const base = b.let('base', `${i} - u32(${c}) * ${s}`);
  const acc = b.var('acc', 'f32', '0.0f');
  b.block(`for (var j = max(${c} - ${lo}i, 0i); j <= min(${c} + ${hi}i, i32(${C}) - 1i); j++)`, () => {
    const v = b.let('v', loadClamped(k, x, `${base} + u32(j) * ${s}`));
    b.line(`${acc} = ${acc} + ${v} * ${v};`);
  });
  return b.let('y', `${k.load(x, i)} / pow(${f32Lit(bias)} + ${f32Lit(alpha / size)} * ${acc}, ${f32Lit(beta)})`);
}

function blockNorm(k: KernelCtx, op: Op, i: string): string {
  const [x, scale, bias] = op.operands;
  const xd = k.dims(x!);
  if (xd.length < 2) k.fail(op, `${op.name} needs a channel axis`);
  const C = xd[1]!, G = op.name === 'group_normalization' ? intAttr(op, 'num_groups', 1) : undefined;
  if (G !== undefined && typeof C !== 'number') k.fail(op, 'group_normalization needs a static channel count in the webgpu backend');
  const S = k.size(xd.slice(2));
  const b = k.body;
  const ch = b.let('ch', `(${i} / ${S}) % ${k.dim(C)}`);
  // Block length: one (n, c) plane, or the C/G planes of one group; blocks are contiguous.
  const len = G === undefined ? S : `(${S} * ${u32((C as number) / G)})`;
  const base = b.let('base', `(${i} / ${len}) * ${len}`);
  const load = (j: string): string => loadClamped(k, x!, `${base} + ${j}`);
  const sum = b.var('sm', 'f32', '0.0f');
  b.block(`for (var j = 0u; j < ${len}; j++)`, () => b.line(`${sum} = ${sum} + ${load('j')};`));
  const mean = b.let('mean', `${sum} / f32(${len})`);
  const sq = b.var('sq', 'f32', '0.0f');
  b.block(`for (var j = 0u; j < ${len}; j++)`, () => {
    const d = b.let('dv', `${load('j')} - ${mean}`);
    b.line(`${sq} = ${sq} + ${d} * ${d};`);
  });
  const eps = f32Lit(floatAttr(op, 'epsilon', 1e-5));
  const norm = b.let('nv', `(${k.load(x!, i)} - ${mean}) / sqrt(${sq} / f32(${len}) + ${eps})`);
  // Per-channel parameters, or per-group ones (group_normalization before opset 21).
  const perGroup = G !== undefined && k.dims(scale!)[0] === G && G !== C;
  const at = perGroup ? `${ch} / ${u32((C as number) / G!)}` : ch;
  return b.let('y', `${norm} * ${k.load(scale!, at)} + ${k.load(bias!, at)}`);
}

export const NORM_EXTRA_KERNEL: MapKernel = {
  kind: 'map',
  pointwise: () => [],
  value: (k, op, i) => {
    // Any float dtype: reads go through k.load (f32 registers), the store rounds.
    needFloat(k, op, op.operands);
    if (op.name === 'lp_normalization') return lpNorm(k, op, i);
    if (op.name === 'lrn') return lrn(k, op, i);
    return blockNorm(k, op, i);
  },
};

export const NORM_EXTRA_OPS: readonly string[] = ['lp_normalization', 'lrn', 'instance_normalization', 'group_normalization'];
