// Legalisation before lowering, shared by the WASM and WebGPU backends: a loop's scan outputs
// are typed [?, ...] by the IR (its shape rule does not count iterations); where the trip count
// is known, sizeLoopScans gives them their row count and sharpens the types that follow.

import { TenthError } from '../../ir/diagnostics.js';
import { inferOp } from '../../ir/infer.js';
import type { Module, Op, Region, Value } from '../../ir/ir.js';
import { symbolicValue } from '../../ir/shape-value.js';
import type { Dim, TensorType } from '../../ir/types.js';

/**
 * The row count of a loop's scan outputs when the loop provably runs max_trip_count times: the
 * count is a compile-time number or a symbolic dim, the initial condition is omitted or a true
 * constant, and the body passes its condition argument through (directly or by identity).
 */
export function loopTrips(op: Op, module: Module): Dim | undefined {
  const [maxV, condV] = op.operands;
  const trip = maxV ? symbolicValue(inFused(maxV), module) : undefined;
  if (trip?.length !== 1 || trip[0] === '?' || (typeof trip[0] === 'number' && trip[0] < 0)) return undefined;
  if (condV && symbolicValue(inFused(condV), module)?.[0] !== 1) return undefined;
  const body = op.regions[0]!;
  const c = passedThrough(body.terminator?.operands[0] ?? null);
  const alwaysTrue = c === body.args[1] || (c !== null && symbolicValue(inFused(c), module)?.[0] === 1);
  return alwaysTrue ? trip[0] : undefined;
}

/** A fused group's result as the value its region yields (shape traces read types inside). */
function inFused(v: Value): Value {
  const d = v.def;
  return d?.name === 'fused' ? d.regions[0]!.terminator?.operands[d.results.indexOf(v)] ?? v : v;
}

/** The value `v` copies, through identity ops and fused groups (their arguments and yields). */
function passedThrough(v: Value | null): Value | null {
  for (;;) {
    const d = v?.def;
    if (d?.name === 'identity') v = d.operands[0] ?? null;
    else if (d?.name === 'fused') {
      const r = d.regions[0]!;
      const y = r.terminator?.operands[d.results.indexOf(v!)] ?? null;
      const k = y ? r.args.indexOf(y) : -1;
      v = k >= 0 ? d.operands[k] ?? null : y;
    } else return v;
  }
}

/** `declared` with '?' dims replaced by what `inferred` knows; undefined if nothing new. */
function sharpen(declared: TensorType, inferred: TensorType | undefined): TensorType | undefined {
  if (!inferred?.shape || !declared.shape || declared.shape.length !== inferred.shape.length || declared.dtype !== inferred.dtype) return undefined;
  let changed = false;
  const shape = declared.shape.map((d, i) => {
    const n = inferred.shape![i]!;
    if (d === '?' && n !== '?') { changed = true; return n; }
    return d;
  });
  return changed ? { dtype: declared.dtype, shape } : undefined;
}

/**
 * Legalisation before lowering: the IR types a loop's scan outputs [?, ...] (its shape rule does
 * not count iterations), so where the trip count is known (loopTrips) the rows get that count and
 * the ops reading them are re-inferred in order, their '?' dims sharpened. Changes types only.
 */
export function sizeLoopScans(module: Module): void {
  refineTypes(module, (op, setType) => {
    if (op.name !== 'loop') return false;
    const rows = loopTrips(op, module);
    const carried = op.operands.length - 2;
    if (rows !== undefined) {
      op.results.slice(carried).forEach((v) => {
        if (v.type.shape?.[0] === '?') setType(v, { dtype: v.type.dtype, shape: [rows, ...v.type.shape.slice(1)] });
      });
    }
    return true;
  });
}

/**
 * Walk the module in order: `seed` may give an op's results sharper types (returning true: the op
 * is handled); any other op reading a sharpened value is re-inferred, its '?' dims sharpened.
 * Changes types only (sizeLoopScans, and data-dims.ts for ops whose result size is data).
 */
export function refineTypes(module: Module, seed: (op: Op, setType: (v: Value, t: TensorType | undefined) => void) => boolean): void {
  const refined = new Set<Value>();
  const setType = (v: Value, t: TensorType | undefined): void => { if (t) { v.type = t; refined.add(v); } };
  // A fused group's arguments stand for its operands when ops inside are re-inferred, so that a
  // shape operand computed outside the group (TopK's k, Range's limit) is still traced.
  const alias = new Map<Value, Value>();
  const walk = (region: Region): void => {
    for (const op of region.ops) {
      if (op.name === 'fused') {
        const r = op.regions[0]!;
        r.args.forEach((a, i) => {
          const o = op.operands[i];
          if (o) alias.set(a, alias.get(o) ?? o);
          if (o && refined.has(o)) setType(a, sharpen(a.type, o.type));
        });
        walk(r);
        // As for other ops below: a result whose type did not change may hold new symbols in its
        // value (a count read by Shape inside the group), so its readers are re-inferred too.
        r.terminator?.operands.forEach((y, i) => {
          if (!y || !refined.has(y)) return;
          setType(op.results[i]!, sharpen(op.results[i]!.type, y.type));
          refined.add(op.results[i]!);
        });
        continue;
      }
      op.regions.forEach(walk);
      if (seed(op, setType)) continue;
      if (op.regions.length > 0 || !op.operands.some((v) => v && refined.has(v))) continue;
      let inferred: TensorType[];
      try {
        inferred = inferOp(op, module, alias);
      } catch (e) {
        if (e instanceof TenthError) continue;
        throw e;
      }
      op.results.forEach((v, i) => setType(v, sharpen(v.type, inferred[i])));
      // A result whose type did not change may still hold new symbols in its value (the shape of
      // a counted result, fed to constant_of_shape/expand/range): its readers are re-inferred too.
      op.results.forEach((v) => refined.add(v));
    }
  };
  walk(module.main.body);
}
