// BatchNormalization (inference) folded into the contraction before it. With per-channel
// k = scale / sqrt(var + epsilon):
//   bn(conv(x, W, b))        = conv(x, W·k, (b - mean)·k + B)
//   bn(gemm(a, W, c))        = gemm(a, W·k, (beta·c - mean)·k + B)     (alpha kept, beta = 1)
//   bn(matmul(a: [M,K], W))  = gemm(a, W·k, -mean·k + B)
// where W·k scales output channel (column) n by k[n]. New weights are computed once, in float64,
// and rounded to the weight dtype: results differ from the unfolded graph by rounding only
// (property tests use a tolerance). Requires constant weights and BN parameters, a contraction
// result with no other use, and f32/f64 data.

import { attr } from '../../ir/attrs.js';
import type { Op, Value } from '../../ir/ir.js';
import { sizeOf, type Tensor, tensorFrom, toNumbers } from '../../ir/tensor.js';
import { broadcastIndex, broadcastStatic } from '../../ir/ops/util.js';
import { type Matcher, rule, type Rewriter } from '../rewrite.js';

interface Fold {
  readonly prod: Op;
  readonly x: Value;
  /** Per output channel: multiplier and the BN's own offset B - mean·k. */
  readonly k: Float64Array;
  readonly offset: Float64Array;
  readonly w: Tensor;
  /** The contraction's additive term (conv bias / gemm C), if any. */
  readonly c: Tensor | undefined;
}

const FOLDABLE_DTYPES = ['f32', 'f64'];

/** Constant BN parameter with shape [C]. */
function param(m: Matcher, v: Value | null, channels: number): Float64Array | undefined {
  const t = m.constant(v);
  if (!t || t.shape.length !== 1 || t.shape[0] !== channels) return undefined;
  return Float64Array.from(toNumbers(t));
}

/** The op works on plain NCHW/OIHW tensors (select-layout has not given it another layout). */
function defaultLayout(op: Op): boolean {
  const get = (name: string): unknown => op.attrs.get(name)?.value;
  return [undefined, 'nchw'].includes(get('layout') as string) && [undefined, 'nchw'].includes(get('out_layout') as string)
    && [undefined, 'oihw'].includes(get('weight_layout') as string);
}

function matchFold(bn: Op, m: Matcher, producer: string): Fold | undefined {
  if (!defaultLayout(bn)) return undefined;
  const a = m.attrs(bn);
  if (a.int('training_mode') !== 0 || bn.results.slice(1).some((r) => m.uses(r) > 0)) return undefined;
  const [y, sc, bi, mu, va] = bn.operands;
  const prod = m.def(y, producer);
  if (!prod || m.uses(y!) !== 1 || !FOLDABLE_DTYPES.includes(y!.type.dtype) || !defaultLayout(prod)) return undefined;
  const channels = y!.type.shape?.[1];
  if (typeof channels !== 'number') return undefined;
  const scale = param(m, sc!, channels), bias = param(m, bi!, channels);
  const mean = param(m, mu!, channels), variance = param(m, va!, channels);
  if (!scale || !bias || !mean || !variance) return undefined;
  const eps = a.float('epsilon');
  const k = scale.map((s, c) => s / Math.sqrt(variance[c]! + eps));
  const offset = bias.map((b, c) => b - mean[c]! * k[c]!);
  const w = m.constant(prod.operands[1]);
  const cv = prod.operands[2] ?? null;
  const c = cv ? m.constant(cv) : undefined;
  if (!w || w.dtype !== y!.type.dtype || (cv && (!c || c.dtype !== w.dtype))) return undefined;
  const x = prod.operands[0]!;
  if (prod.name === 'conv') {
    if (w.shape[0] !== channels || (c && (c.shape.length !== 1 || c.shape[0] !== channels))) return undefined;
  } else if (prod.name === 'gemm') {
    const transB = m.attrs(prod).int('transB') !== 0;
    if (w.shape.length !== 2 || w.shape[transB ? 0 : 1] !== channels || y!.type.shape!.length !== 2) return undefined;
  } else if (w.shape.length !== 2 || w.shape[1] !== channels || x.type.shape?.length !== 2) {
    return undefined;
  }
  return { prod, x, k, offset, w, c };
}

/** W with output channel n scaled by k[n]; the channel is dim `axis` (0 for conv and transB gemm, 1 otherwise). */
function scaleChannels(w: Tensor, k: Float64Array, axis: number): Tensor {
  const v = toNumbers(w);
  const inner = sizeOf(w.shape.slice(axis + 1)), n = w.shape[axis]!;
  for (let i = 0; i < v.length; i++) v[i] = v[i]! * k[Math.floor(i / inner) % n]!;
  return tensorFrom(w.dtype, w.shape, v);
}

/** The new additive term: coef·c·k + (B - mean·k), of c's shape broadcast with [C] (c absent: 0). */
function foldedBias(f: Fold, coef: number, dtype: Tensor['dtype']): Tensor {
  const C = f.k.length;
  const shape = f.c ? broadcastStatic([f.c.shape, [C]]) : [C];
  const cv = f.c ? toNumbers(f.c) : [];
  const idx = f.c ? broadcastIndex(f.c.shape, shape) : null;
  const out = new Array<number>(sizeOf(shape));
  for (let i = 0; i < out.length; i++) {
    const ch = i % C;
    const ci = f.c ? (idx ? idx[i]! : i) : -1;
    const base = ci >= 0 ? coef * cv[ci]! : 0;
    out[i] = base * f.k[ch]! + f.offset[ch]!;
  }
  return tensorFrom(dtype, shape, out);
}

/** Name for a new weight: the weight it replaces + `.bn`, else the folded value's name + `.weight`/`.bias`. */
function hint(r: Rewriter, f: Fold, operand: 1 | 2): string {
  const w = f.prod.operands[operand]?.def?.attrs.get('value');
  if (w?.kind === 'weight') return `${w.value}.bn`;
  const base = operand === 2 ? hint(r, f, 1) : undefined;
  return base?.endsWith('.bn') ? `${base}.bias` : `${r.root.results[0]!.name}.${operand === 1 ? 'weight' : 'bias'}`;
}

function foldInto(f: Fold, r: Rewriter): Value[] {
  const loc = f.prod.loc;
  if (f.prod.name === 'conv') {
    const w = r.constant(scaleChannels(f.w, f.k, 0), hint(r, f, 1), loc);
    const b = r.constant(foldedBias(f, 1, f.w.dtype), hint(r, f, 2), loc);
    return [r.op('conv', [f.x, w, b], { attrs: Object.fromEntries(f.prod.attrs), loc })];
  }
  const isGemm = f.prod.name === 'gemm';
  const attrs = isGemm ? Object.fromEntries(f.prod.attrs) : {};
  const transB = isGemm && (attrs['transB']?.value ?? 0) !== 0;
  const beta = isGemm && attrs['beta'] ? Number(attrs['beta'].value) : 1;
  const w = r.constant(scaleChannels(f.w, f.k, transB ? 0 : 1), hint(r, f, 1), loc);
  const c = r.constant(foldedBias(f, beta, f.w.dtype), hint(r, f, 2), loc);
  return [r.op('gemm', [f.x, w, c], { attrs: { ...attrs, beta: attr.float(1) }, loc })];
}

export const BATCHNORM_RULES = [
  // batch_normalization(conv(x, W, b)) → conv(x, W·k, (b - mean)·k + B)
  rule({
    name: 'fold-batchnorm-into-conv',
    root: ['batch_normalization'],
    match: (op, m) => matchFold(op, m, 'conv'),
    rewrite: foldInto,
  }),

  // batch_normalization(gemm(a, W, c)) → gemm(a, W·k, (beta·c - mean)·k + B)   (beta becomes 1)
  rule({
    name: 'fold-batchnorm-into-gemm',
    root: ['batch_normalization'],
    match: (op, m) => matchFold(op, m, 'gemm'),
    rewrite: foldInto,
  }),

  // batch_normalization(matmul(a: [M,K], W: [K,N])) → gemm(a, W·k, B - mean·k)
  rule({
    name: 'fold-batchnorm-into-matmul',
    root: ['batch_normalization'],
    match: (op, m) => matchFold(op, m, 'matmul'),
    rewrite: foldInto,
  }),
];
