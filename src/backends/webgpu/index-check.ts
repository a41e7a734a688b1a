// Run-time index checks of webgpu kernels: an index outside [-K, K) is recorded in a status
// buffer S (binding 4, declared by shader-text.ts for the shaders that check), which the runtime
// clears before each run and reads back with the outputs, then refuses the run naming the op, the
// index and the size, as the wasm runtime does. Per checking op (site s, numbered in lowering order):
//   S[3s] flag (atomicOr 1), S[3s+1] the largest bad index as an order-preserving u32
//   (bitcast<u32>(j) ^ 0x80000000, atomicMax: deterministic whichever thread wins), S[3s+2] K.
// The bad index is still clamped afterwards, only so that the access stays in its buffer for the
// rest of the (refused) run. Kernels call wrapIndex (ONNX's wrapping indices, valid -K to K-1)
// or index0 (indices that do not wrap, valid 0 to K-1); lower.ts implements KernelCtx.indexCheck
// and records in the manifest which range each site has (a site checked with its own `bad` test
// has valid range 0 to K-1).

import type { Op, Value } from '../../../ir/ir.js';
import type { KernelCtx } from './kernel-api.js';

/**
 * The largest index into a dim of size `d` (u32 expression) as i32; 0 for an empty dim (the run
 * is refused, but d - 1 = -1 would clamp to u32(-1), outside the buffer). A positive literal keeps
 * the plain form (the shaders of static shapes print as before).
 */
const lastIndex = (d: string): string => (/^[1-9][0-9]*u$/.test(d) ? `i32(${d}) - 1i` : `max(i32(${d}) - 1i, 0i)`);

/**
 * Index value `q` (i32 expression) of `op` into a dim of size `d` (u32 expression), checked at run
 * time, wrapped once when negative (ONNX), then clamped into [0, d): a u32 let.
 */
export function wrapIndex(k: KernelCtx, op: Op, q: string, d: string): string {
  const j = k.body.let('j', q);
  k.indexCheck(op, j, d);
  return k.body.let('jj', `u32(clamp(select(${j}, ${j} + i32(${d}), ${j} < 0i), 0i, ${lastIndex(d)}))`);
}

/**
 * Element `at` of the index tensor `v` (i32 or i64) of `op`, which must lie in [0, d) (`d` a u32
 * expression; no wrapping: cache rows, batch indices, flat positions, classes), checked at run
 * time. `raw`: the value, an i32 let (i64 is computed in 32 bits: the runtime refuses an input
 * outside that range, so the low word is the value); `idx`: clamped into [0, d), a u32 let.
 * `exempt` (a bool expression over raw) skips the check (a loss's ignore_index).
 */
export function index0(k: KernelCtx, op: Op, v: Value, at: string, d: string, exempt?: (raw: string) => string): { raw: string; idx: string } {
  const b = k.body;
  const j = b.let('j', k.load(v, at));
  const bad = `u32(${j}) >= ${d}`;
  k.indexCheck(op, j, d, exempt ? `${bad} && !(${exempt(j)})` : bad);
  return { raw: j, idx: b.let('jj', `u32(clamp(${j}, 0i, ${lastIndex(d)}))`) };
}

/**
 * The WGSL statement checking `j` for site `s`: j in [-K, K) iff u32(j + K) < 2K, one compare
 * (or the given `bad` condition).
 */
export function checkLine(s: number, j: string, size: string, bad = `u32(${j} + i32(${size})) >= 2u * ${size}`): string {
  return `if (${bad}) { atomicOr(&S[${3 * s}u], 1u); ` +
    `atomicMax(&S[${3 * s + 1}u], bitcast<u32>(${j}) ^ 0x80000000u); atomicMax(&S[${3 * s + 2}u], ${size}); }`;
}
