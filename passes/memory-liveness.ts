// Liveness of planned buffers over one execution order of a function body, and in-place reuse.
//
// Buffers: every result of a top-level op except `const` results (weights live elsewhere) and the
// terminator. Function arguments are not buffers: the caller owns the inputs, so the arena never
// holds them and nothing is written over them. A buffer is live over [start, end): start = the
// index of its defining op, end = one past the index of its last use, where a use inside a nested
// region counts at the index of the top-level op holding it. Function results are used by the
// terminator, the last op, so they stay live to the end.
//
// In-place reuse: an op may write result r over the buffer of operand k when that operand's last
// use is this op (it dies here), it is a planned buffer of the same byte size, the same element
// count and the same element width as the result, and the op is one of:
//   - fusion class 'elementwise' or 'broadcast' with a single result: with equal element counts
//     the operand is not broadcast, so output element i reads only operand element i (and
//     broadcast elements of other operands) and a kernel may overwrite element i after reading
//     it. Not batch_normalization with training_mode set: its batch statistics read all of X;
//   - a `fused` group with one result whose region holds only such elementwise ops (and consts):
//     every value in it that depends on an operand of the result's element count has the
//     result's shape, so the group too reads that operand at element i only;
//   - reshape, flatten, squeeze, unsqueeze, result 0 over operand 0: the bytes are the same in the
//     same order, so the copy is the identity;
//   - any op with the 'in-place' trait, any result over any operand (that is what the trait says).
// Each operand buffer is taken by at most one result.

import type { Op, Value } from '../ir/ir.js';
import { getOpDef } from '../ir/op-def.js';
import { DTYPE_INFO } from '../ir/dtype.js';
import { bufferBytes, elementCount, type DimBindings } from './memory-sizes.js';
import '../ir/ops/index.js'; // the op table (traits, fusion classes) must be loaded

export interface LiveBuffer {
  readonly value: Value;
  /** Defining op and the index of the value among its results. */
  readonly op: Op;
  readonly result: number;
  /** Packed bytes. */
  readonly size: number;
  /** Index of the defining op in the order. */
  readonly start: number;
  /** One past the index of the last use (start + 1 when the value is never used). */
  readonly end: number;
  /** Buffer (index into `buffers`) this one is written over, or null. */
  inPlaceOf: number | null;
  /** Operand slot of `op` holding that buffer, or null. */
  inPlaceOperand: number | null;
}

export interface Liveness {
  readonly order: readonly Op[];
  readonly buffers: LiveBuffer[];
  /** Buffer index of each planned value. */
  readonly bufferOf: ReadonlyMap<Value, number>;
  /** Results that need a buffer but have no static size (unknown dims, unbound symbols, strings). */
  readonly unplanned: Value[];
}

const RESHAPE_LIKE = new Set(['reshape', 'flatten', 'squeeze', 'unsqueeze']);

/** Call f on every value an op reads, its nested regions included. */
export function forEachUse(op: Op, f: (v: Value) => void): void {
  for (const v of op.operands) if (v) f(v);
  for (const r of op.regions) for (const inner of r.ops) forEachUse(inner, f);
}

export const isTerminator = (op: Op): boolean => getOpDef(op.name)?.traits.includes('terminator') ?? false;

/** Does this top-level op's result need an arena buffer (not a const, not the terminator)? */
export const allocates = (op: Op): boolean => op.name !== 'const' && !isTerminator(op);

function readsBatchStatistics(op: Op): boolean {
  const t = op.attrs.get('training_mode');
  return t !== undefined && t.value !== 0;
}

/** A single-result elementwise/broadcast op without regions (not training batch_normalization). */
function isElementwiseMap(op: Op): boolean {
  const def = getOpDef(op.name);
  if (!def || op.regions.length > 0 || op.results.length !== 1) return false;
  if (def.fusion !== 'elementwise' && def.fusion !== 'broadcast') return false;
  return !(op.name === 'batch_normalization' && readsBatchStatistics(op));
}

/** A fused group computing one result from elementwise maps only (consts aside). */
function isElementwiseGroup(op: Op): boolean {
  if (op.name !== 'fused' || op.results.length !== 1 || op.regions.length !== 1) return false;
  return op.regions[0]!.ops.every((o) => o.name === 'const' || isTerminator(o) || isElementwiseMap(o));
}

/** (result, operand) pairs an op may write in place, by the rule above, before size checks. */
export function inPlaceCandidates(op: Op): Array<[number, number]> {
  const def = getOpDef(op.name);
  if (!def || op.results.length === 0) return [];
  if (isElementwiseGroup(op)) return op.operands.map((_, k): [number, number] => [0, k]);
  if (op.regions.length > 0) return [];
  const pairs: Array<[number, number]> = [];
  if (def.traits.includes('in-place')) {
    op.results.forEach((_, r) => op.operands.forEach((_, k) => pairs.push([r, k])));
  } else if (isElementwiseMap(op)) {
    op.operands.forEach((_, k) => pairs.push([0, k]));
  } else if (RESHAPE_LIKE.has(op.name)) {
    pairs.push([0, 0]);
  }
  return pairs;
}

export function computeLiveness(order: readonly Op[], bind: DimBindings, inPlace = true): Liveness {
  const lastUse = new Map<Value, number>();
  order.forEach((op, i) => forEachUse(op, (v) => lastUse.set(v, i)));
  const buffers: LiveBuffer[] = [];
  const bufferOf = new Map<Value, number>();
  const unplanned: Value[] = [];
  order.forEach((op, i) => {
    if (!allocates(op)) return;
    op.results.forEach((v, r) => {
      const size = bufferBytes(v.type, bind);
      if (size === undefined) {
        unplanned.push(v);
        return;
      }
      bufferOf.set(v, buffers.length);
      buffers.push({ value: v, op, result: r, size, start: i, end: (lastUse.get(v) ?? i) + 1, inPlaceOf: null, inPlaceOperand: null });
    });
  });
  if (inPlace) assignInPlace(order, buffers, bufferOf, bind);
  return { order, buffers, bufferOf, unplanned };
}

function assignInPlace(order: readonly Op[], buffers: LiveBuffer[], bufferOf: ReadonlyMap<Value, number>, bind: DimBindings): void {
  const taken = new Set<number>();
  order.forEach((op, i) => {
    const done = new Set<number>();
    for (const [r, k] of inPlaceCandidates(op)) {
      const out = bufferOf.get(op.results[r]!);
      const v = op.operands[k];
      const src = v ? bufferOf.get(v) : undefined;
      if (out === undefined || src === undefined || done.has(out) || taken.has(src)) continue;
      const a = buffers[src]!, b = buffers[out]!;
      if (a.end !== i + 1 || a.size === 0 || a.size !== b.size) continue;
      if (DTYPE_INFO[a.value.type.dtype].bits !== DTYPE_INFO[b.value.type.dtype].bits) continue;
      if (elementCount(a.value.type, bind) !== elementCount(b.value.type, bind)) continue;
      b.inPlaceOf = src;
      b.inPlaceOperand = k;
      taken.add(src);
      done.add(out);
    }
  });
}
