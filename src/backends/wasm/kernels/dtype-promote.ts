// Ops on reduced-precision floats (f16, bf16, float8, float4) through their f32 kernels: each such
// operand is decoded into an f32 scratch buffer, the f32 kernel runs on stand-in f32 values, and
// each such result is rounded (to nearest even, not saturating) into its own buffer. Every op
// rounds its results, as the interpreter does after every op, so a chain of f16 ops (fused or not)
// matches it op by op. f16/bf16 convert four lanes at a time. A constant operand (a weight) is
// decoded once at compile time into an f32 copy in weights.bin (exact: every reduced-precision
// value is an f32), so the f32 kernel reads it directly and nothing converts it at run time; the
// scratch buffers for computed operands and results need static sizes.

import { Op, Value, type Module, type Region } from '../../../../ir/ir.js';
import { addr } from '../emitter.js';
import type { Dim } from '../../../../ir/types.js';
import type { KernelCtx, KernelDef } from '../kernel-api.js';
import { elem, isLowp, load4, store4 } from './dtype-codec.js';

/**
 * Symbolic-size scratch (`scratchDims`, sized by the runtime's arena plan) where the lowering
 * offers it; until then a stand-in with symbolic dims is refused as before.
 */
type MaybeDimsScratch = KernelCtx & { readonly scratchDims?: (dims: readonly Dim[], esize: number) => string };

/** An f32 scratch buffer holding `v`'s elements. */
function f32Scratch(k: MaybeDimsScratch, op: Op, v: Value): string {
  const s = k.dims(v);
  // Static sizes keep scratch() (the same bytes as before for static models).
  if (s.every((d): d is number => typeof d === 'number')) return k.scratch(4 * s.reduce((a, b) => a * b, 1));
  if (!k.scratchDims) k.fail(op, `${op.name} on ${v.type.dtype} needs static shapes in the wasm backend (%${v.name})`);
  return k.scratchDims(s, 4);
}

/** The region holding each op of a module (fused groups and control-flow bodies included). */
const REGION_OF = new WeakMap<Module, Map<Op, Region>>();
function regionOf(module: Module, op: Op): Region | undefined {
  const find = (): Map<Op, Region> => {
    const m = new Map<Op, Region>();
    const walk = (r: Region): void => r.ops.forEach((o) => { m.set(o, r); o.regions.forEach(walk); });
    module.funcs.forEach((f) => walk(f.body));
    REGION_OF.set(module, m);
    return m;
  };
  // An op missing from the map (made by a wrapper kernel) gets no reuse, which is always safe.
  return (REGION_OF.get(module) ?? find()).get(op);
}

/**
 * Decoded operands per kernel function (one emitter per step) and region: a later op of the same
 * region in that function (a fused group reading one value several times: Q, K and V projections
 * of one input) reads the f32 copy instead of decoding again. Valid because the earlier op's
 * decode ran before it (same region, in order), the value is not written after its definition
 * (SSA) and the scratch lives for the whole function. Not across regions: a decode inside a
 * branch or loop body may not have run.
 */
const DECODED = new WeakMap<KernelCtx['em'], Map<Region, Map<Value, string>>>();
function decodedIn(k: KernelCtx, op: Op): Map<Value, string> {
  const region = regionOf(k.module, op);
  if (!region) return new Map();
  const byRegion = DECODED.get(k.em) ?? new Map<Region, Map<Value, string>>();
  DECODED.set(k.em, byRegion);
  const m = byRegion.get(region) ?? new Map<Value, string>();
  byRegion.set(region, m);
  return m;
}

/** `inner()` is the f32 kernel for the op, looked up when the op is emitted. */
export function promoteLowp(inner: () => KernelDef): KernelDef {
  return {
    emit(k, op) {
      const lowp = (v: Value | null): v is Value => v !== null && isLowp(v.type.dtype);
      if (!op.operands.some(lowp) && !op.results.some(lowp)) return inner().emit(k, op);
      const em = k.em;
      const stand = new Map<Value, Value>(), orig = new Map<Value, Value>(), ptrs = new Map<Value, string>();
      // Decoded constants are added to the weights only if the f32 kernel reads them as they are
      // (a GEMM packing its B operand reads the constant through packed() instead).
      const lazy = new Map<Value, () => string>();
      const decoded = new Set<Value>();
      const earlier = decodedIn(k, op);
      const standIn = (v: Value, isOperand: boolean): Value => {
        let s = stand.get(v);
        if (!s) {
          s = new Value(`${v.name}.f32`, { dtype: 'f32', shape: v.type.shape });
          stand.set(v, s);
          orig.set(s, v);
          const copy = isOperand ? earlier.get(v) : undefined;
          if (copy) {
            ptrs.set(s, copy);
            decoded.add(v);
          } else if (isOperand && k.constant(v)) {
            // The tensor's data already holds the decoded values; packed() stores them as f32.
            lazy.set(s, () => k.packed(v, 'lowp-f32', (t) => t.data as Float32Array));
            decoded.add(v);
          } else {
            ptrs.set(s, f32Scratch(k, op, v));
          }
        }
        return s;
      };
      const operands = op.operands.map((v) => (lowp(v) ? standIn(v, true) : v));
      for (const [v, s] of stand) {
        if (decoded.has(v)) continue;
        const e = elem(k, v.type.dtype)!, dt = v.type.dtype;
        em.comment(`%${v.name}: ${dt} -> f32`);
        const scalar = (i: string): void => em.line(`(f32.store ${addr(ptrs.get(s)!, i, 4)} ${e.load(addr(k.ptr(v), i, e.size))})`);
        if (dt === 'f16' || dt === 'bf16') em.vecLoop(k.size(k.dims(v)), (i) => em.line(`(v128.store align=4 ${addr(ptrs.get(s)!, i, 4)} ${load4(k, dt, addr(k.ptr(v), i, 2))})`), scalar);
        else em.loop('i', k.size(k.dims(v)), scalar);
        earlier.set(v, ptrs.get(s)!);
      }
      const results = op.results.map((v) => (lowp(v) ? standIn(v, false) : v));
      const fake = new Op(op.name, operands, results, op.attrs, op.regions, op.loc);
      // The stand-ins keep the originals' names in the IR's eyes; restore the real defs.
      op.results.forEach((r) => (r.def = op));
      const kk: KernelCtx = {
        ...k,
        // Not split across threads: a split kernel's unit has no barrier between the conversions,
        // its share of the work and the rounding of the whole result, so a thread would round
        // rows another thread has not computed yet. The op runs on thread 0 (threads.ts).
        threads: undefined,
        ptr: (v) => {
          const make = lazy.get(v);
          if (make && !ptrs.has(v)) ptrs.set(v, make());
          return ptrs.get(v) ?? k.ptr(v);
        },
        constant: (v) => k.constant(v ? orig.get(v) ?? v : v),
        packed: (v, key, pack) => k.packed(orig.get(v) ?? v, key, pack),
      };
      inner().emit(kk, fake);
      op.results.forEach((v, j) => {
        if (!lowp(v)) return;
        const e = elem(k, v.type.dtype)!;
        const s = results[j]!;
        const dt = v.type.dtype;
        em.comment(`%${v.name}: f32 -> ${dt}`);
        const scalar = (i: string): void => em.line(e.store(addr(k.ptr(v), i, e.size), `(f32.load ${addr(ptrs.get(s)!, i, 4)})`));
        if (dt === 'f16' || dt === 'bf16') em.vecLoop(k.size(k.dims(v)), (i) => em.line(store4(k, dt, addr(k.ptr(v), i, 2), `(v128.load align=4 ${addr(ptrs.get(s)!, i, 4)})`)), scalar);
        else em.loop('i', k.size(k.dims(v)), scalar);
      });
    },
    flops: (op, numel) => inner().flops?.(op, numel) ?? 0,
  };
}
