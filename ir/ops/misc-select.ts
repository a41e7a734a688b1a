// Selection and counting ops with data-dependent or table-driven results: NonMaxSuppression,
// TfIdfVectorizer (integer n-grams) and Det (kept here as the remaining small misc op).

import type { EvalCtx, InferCtx } from '../op-def.js';
import { defineOps } from '../op-def.js';
import { getNumber, tensorFrom, zeros, type NumericArray, type Tensor } from '../tensor.js';
import type { Dim, TensorType } from '../types.js';
import { UNKNOWN_DIM } from '../types.js';
import { asF64 } from './attention-util.js';
import { rankedShape } from './util.js';

// ---------------------------------------------------------------------------------------------
// NonMaxSuppression. Box arithmetic is done in f32 like the reference, so boxes exactly at the
// IoU threshold are decided the same way.

const f = Math.fround;

function suppressed(b: Float64Array, i: number, j: number, center: boolean, iouThr: number): boolean {
  const box = (k: number): [number, number, number, number] => {
    const o = k * 4;
    if (center) {
      const hw = f(b[o + 2]! / 2), hh = f(b[o + 3]! / 2);
      return [f(b[o]! - hw), f(b[o]! + hw), f(b[o + 1]! - hh), f(b[o + 1]! + hh)];
    }
    // [y1, x1, y2, x2], corners in either order.
    return [Math.min(b[o + 1]!, b[o + 3]!), Math.max(b[o + 1]!, b[o + 3]!), Math.min(b[o]!, b[o + 2]!), Math.max(b[o]!, b[o + 2]!)];
  };
  const [ax0, ax1, ay0, ay1] = box(i), [bx0, bx1, by0, by1] = box(j);
  const ix0 = Math.max(ax0, bx0), ix1 = Math.min(ax1, bx1);
  if (ix1 <= ix0) return false;
  const iy0 = Math.max(ay0, by0), iy1 = Math.min(ay1, by1);
  if (iy1 <= iy0) return false;
  const inter = f(f(ix1 - ix0) * f(iy1 - iy0));
  const a1 = f(f(ax1 - ax0) * f(ay1 - ay0)), a2 = f(f(bx1 - bx0) * f(by1 - by0));
  const union = f(f(a1 + a2) - inter);
  if (inter <= 0 || a1 <= 0 || a2 <= 0 || union <= 0) return false;
  return f(inter / union) > iouThr;
}

function evalNms(ctx: EvalCtx): Tensor[] {
  const [boxesT, scoresT, maxT, iouT, scoreT] = ctx.inputs;
  const [B, nBoxes] = boxesT!.shape as [number, number, number];
  const C = scoresT!.shape[1]!;
  if (scoresT!.shape[0] !== B || scoresT!.shape[2] !== nBoxes) ctx.fail('scores must be [batches, classes, boxes] matching boxes');
  const maxOut = maxT && maxT.data.length ? Math.max(getNumber(maxT, 0), 0) : 0;
  const iouThr = iouT && iouT.data.length ? getNumber(iouT, 0) : 0;
  const scoreThr = scoreT && scoreT.data.length ? getNumber(scoreT, 0) : null;
  const center = ctx.attrs.int('center_point_box') === 1;
  const boxes = asF64(boxesT!), scores = asF64(scoresT!);
  const picked: number[] = [];
  for (let b = 0; b < B; b++) {
    const bb = boxes.subarray(b * nBoxes * 4, (b + 1) * nBoxes * 4);
    for (let c = 0; c < C; c++) {
      const sc = scores.subarray((b * C + c) * nBoxes, (b * C + c + 1) * nBoxes);
      const cand: number[] = [];
      for (let i = 0; i < nBoxes; i++) if (scoreThr === null || sc[i]! > scoreThr) cand.push(i);
      // Highest score first; ties keep the lower box index first.
      cand.sort((x, y) => sc[y]! - sc[x]! || x - y);
      const kept: number[] = [];
      for (const i of cand) {
        if (kept.length >= maxOut) break;
        if (kept.every((k) => !suppressed(bb, i, k, center, iouThr))) {
          kept.push(i);
          picked.push(b, c, i);
        }
      }
    }
  }
  return [tensorFrom('i64', [picked.length / 3, 3], picked)];
}

// ---------------------------------------------------------------------------------------------
// TfIdfVectorizer over integer tokens. The pool lists n-grams grouped by size (ngram_counts gives
// each group's start); n-gram k (in pool order) counts into output column ngram_indexes[k].

export interface NgramTable {
  /** Key: tokens joined by ','. Value: output column, or -1 for a prefix that is not itself an n-gram. */
  readonly map: Map<string, number>;
  readonly outSize: number;
}

/** The attributes that make the n-gram table (pool_int64s, ngram_counts, ngram_indexes, min/max_gram_length). */
export interface NgramAttrs {
  readonly pool: readonly number[];
  readonly counts: readonly number[];
  readonly indexes: readonly number[];
  readonly minN: number;
  readonly maxN: number;
}

/**
 * The n-gram map: the last pool entry of each key wins, prefixes give -1. The webgpu backend
 * builds its table with it too (kernels/misc-a.ts).
 */
export function buildNgrams({ pool, counts, indexes, minN, maxN }: NgramAttrs): NgramTable {
  const map = new Map<string, number>();
  let id = 0;
  for (let g = 0; g < counts.length; g++) {
    const size = g + 1;
    const start = counts[g]!, end = g + 1 < counts.length ? counts[g + 1]! : pool.length;
    const n = Math.floor((end - start) / size);
    for (let k = 0; k < n; k++, id++) {
      if (size < minN || size > maxN) continue;
      const toks = pool.slice(start + k * size, start + (k + 1) * size);
      for (let p = 1; p < size; p++) {
        const key = toks.slice(0, p).join(',');
        if (!map.has(key)) map.set(key, -1);
      }
      map.set(toks.join(','), indexes[id]!);
    }
  }
  return { map, outSize: Math.max(...indexes) + 1 };
}

function evalTfIdf(ctx: EvalCtx): Tensor[] {
  const x = ctx.inputs[0]!;
  if (ctx.attrs.has('pool_strings') && !ctx.attrs.has('pool_int64s')) ctx.fail('string n-gram pools are not supported');
  const { map, outSize } = buildNgrams({
    pool: ctx.attrs.ints('pool_int64s'), counts: ctx.attrs.ints('ngram_counts'), indexes: ctx.attrs.ints('ngram_indexes'),
    minN: ctx.attrs.int('min_gram_length'), maxN: ctx.attrs.int('max_gram_length'),
  });
  const rows = x.shape.length === 2 ? x.shape[0]! : 1;
  const len = x.shape.length === 0 ? 1 : x.shape[x.shape.length - 1]!;
  const minN = ctx.attrs.int('min_gram_length'), maxN = ctx.attrs.int('max_gram_length');
  const maxSkip = ctx.attrs.int('max_skip_count');
  const freq = new Float64Array(rows * outSize);
  const toks = Array.from(x.data as ArrayLike<number | bigint>, (v) => String(v));
  for (let r = 0; r < rows; r++) {
    let startN = minN;
    for (let skip = 1; skip <= maxSkip + 1; skip++) {
      for (let s = 0; s < len; s++) {
        if (s + skip * (startN - 1) >= len) break;
        let key = '';
        for (let n = 1, at = s; n <= maxN && at < len; n++, at += skip) {
          key = n === 1 ? toks[r * len + at]! : `${key},${toks[r * len + at]!}`;
          const col = map.get(key);
          if (col === undefined) break;
          if (n >= startN && col >= 0) freq[r * outSize + col]!++;
        }
      }
      // Unigrams do not depend on the skip distance: count them only in the first pass.
      if (startN === 1) {
        startN = 2;
        if (startN > maxN) break;
      }
    }
  }
  const mode = ctx.attrs.string('mode');
  const w = ctx.attrs.has('weights') ? ctx.attrs.floats('weights') : [];
  const out = zeros('f32', x.shape.length === 2 ? [rows, outSize] : [outSize]);
  const o = out.data as NumericArray;
  for (let p = 0; p < freq.length; p++) {
    const col = p % outSize, fr = freq[p]!;
    if (mode === 'TF') o[p] = fr;
    else if (mode === 'IDF') o[p] = fr > 0 ? (w.length ? w[col]! : 1) : 0;
    else o[p] = w.length ? w[col]! * fr : fr;
  }
  return [out];
}

function inferTfIdf(ctx: InferCtx): TensorType[] {
  const x = rankedShape(ctx, 0);
  if (x.length > 2) ctx.fail('input must be [C] or [B, C]');
  const mode = ctx.attrs.string('mode');
  if (!['TF', 'IDF', 'TFIDF'].includes(mode)) ctx.fail(`unknown mode '${mode}'`);
  const outSize = Math.max(...ctx.attrs.ints('ngram_indexes')) + 1;
  return [{ dtype: 'f32', shape: x.length === 2 ? [x[0]!, outSize] : [outSize] }];
}

// ---------------------------------------------------------------------------------------------
// Det: LU decomposition with partial pivoting per matrix, in f64.

function det(a: Float64Array, n: number): number {
  let d = 1;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(a[i * n + k]!) > Math.abs(a[p * n + k]!)) p = i;
    if (a[p * n + k] === 0) return 0;
    if (p !== k) {
      for (let j = 0; j < n; j++) { const t = a[k * n + j]!; a[k * n + j] = a[p * n + j]!; a[p * n + j] = t; }
      d = -d;
    }
    const piv = a[k * n + k]!;
    d *= piv;
    for (let i = k + 1; i < n; i++) {
      const m = a[i * n + k]! / piv;
      for (let j = k + 1; j < n; j++) a[i * n + j] = a[i * n + j]! - m * a[k * n + j]!;
    }
  }
  return d;
}

function evalDet(ctx: EvalCtx): Tensor[] {
  const x = ctx.inputs[0]!;
  const r = x.shape.length;
  const n = x.shape[r - 1]!;
  if (x.shape[r - 2] !== n) ctx.fail(`matrices must be square, got [${x.shape.slice(-2).join(',')}]`);
  const batch = x.shape.slice(0, -2);
  const out = zeros(x.dtype, batch);
  const o = out.data as NumericArray;
  const all = asF64(x);
  for (let i = 0; i < o.length; i++) o[i] = det(all.slice(i * n * n, (i + 1) * n * n), n);
  return [out];
}

defineOps(
  {
    name: 'non_max_suppression',
    summary: 'Greedy per-class box selection by score and IoU; returns [num_selected, 3] (batch, class, box) indices.',
    inputs: [
      { name: 'boxes' }, { name: 'scores' }, { name: 'max_output_boxes_per_class', optional: true },
      { name: 'iou_threshold', optional: true }, { name: 'score_threshold', optional: true },
    ],
    outputs: [{ name: 'selected_indices' }],
    attrs: { center_point_box: { kind: 'int', default: 0 } },
    traits: ['pure'],
    fusion: 'opaque',
    infer(ctx) {
      const b = rankedShape(ctx, 0), s = rankedShape(ctx, 1);
      if (b.length !== 3 || (typeof b[2] === 'number' && b[2] !== 4)) ctx.fail(`boxes must be [batches, boxes, 4], got [${b.join(', ')}]`);
      if (s.length !== 3) ctx.fail(`scores must be [batches, classes, boxes], got [${s.join(', ')}]`);
      const clash = (x: Dim, y: Dim): boolean => typeof x === 'number' && typeof y === 'number' && x !== y;
      if (clash(b[0]!, s[0]!) || clash(b[1]!, s[2]!)) ctx.fail(`boxes [${b.join(', ')}] and scores [${s.join(', ')}] disagree on batches or boxes`);
      return [{ dtype: 'i64', shape: [UNKNOWN_DIM, 3] }];
    },
    eval: evalNms,
  },
  {
    name: 'tf_idf_vectorizer',
    summary: 'Counts integer n-grams (with skips) from a pool into a TF / IDF / TF-IDF vector (ONNX TfIdfVectorizer-9).',
    inputs: [{ name: 'X' }],
    outputs: [{ name: 'Y' }],
    attrs: {
      max_gram_length: { kind: 'int', required: true },
      max_skip_count: { kind: 'int', required: true },
      min_gram_length: { kind: 'int', required: true },
      mode: { kind: 'string', required: true },
      ngram_counts: { kind: 'ints', required: true },
      ngram_indexes: { kind: 'ints', required: true },
      pool_int64s: { kind: 'ints' },
      pool_strings: { kind: 'strings' },
      weights: { kind: 'floats' },
    },
    traits: ['pure'],
    fusion: 'opaque',
    infer: inferTfIdf,
    eval: evalTfIdf,
  },
  {
    name: 'det',
    summary: 'Determinant of square matrices [*, M, M] -> [*] (ONNX Det-22).',
    inputs: [{ name: 'X' }],
    outputs: [{ name: 'Y' }],
    attrs: {},
    traits: ['pure'],
    fusion: 'opaque',
    infer(ctx) {
      const x = rankedShape(ctx, 0);
      if (x.length < 2) ctx.fail('input must be at least 2-D');
      const [m, n] = x.slice(-2);
      if (typeof m === 'number' && typeof n === 'number' && m !== n) ctx.fail(`matrices must be square, got [${m},${n}]`);
      return [{ dtype: ctx.inputs[0]!.dtype, shape: x.slice(0, -2) }];
    },
    eval: evalDet,
  },
);
