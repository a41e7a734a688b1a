// Run-time index checks of webgpu kernels (gather): an index outside [-K, K) is clamped (every
// access stays in bounds) and recorded in a status buffer S (binding 4), which the runtime clears
// before each run and reads back with the outputs, then refuses the run naming the op, the index
// and the size, as the wasm runtime does. Per checking op (site s, numbered in lowering order):
//   S[3s] flag (atomicOr 1), S[3s+1] the largest bad index as an order-preserving u32
//   (bitcast<u32>(j) ^ 0x80000000, atomicMax: deterministic whichever thread wins), S[3s+2] K.
// Kernels call indexCheck(k, ...); lower.ts registers the checker of each context it makes (kept
// here, beside KernelCtx rather than in it, so kernels without checks see no change).

import type { Op } from '../../../ir/ir.js';
import { siteText } from '../wasm/kernels/index-check.js';
import type { KernelCtx } from './kernel-api.js';

export { siteText };

/** The status buffer's declaration, added only to shaders that check. */
export const STATUS_DECL = '@group(0) @binding(4) var<storage, read_write> S: array<atomic<u32>>;';

export type IndexChecker = (op: Op, j: string, size: string) => void;
const checkers = new WeakMap<KernelCtx, IndexChecker>();

export function setIndexChecker(k: KernelCtx, f: IndexChecker): void {
  checkers.set(k, f);
}

/** Record, at run time, an index `j` (i32 expression, before wrapping) outside [-size, size) (`size` a u32 expression). */
export function indexCheck(k: KernelCtx, op: Op, j: string, size: string): void {
  checkers.get(k)?.(op, j, size);
}

/** The WGSL statement checking `j` for site `s`: j in [-K, K) iff u32(j + K) < 2K, one compare. */
export function checkLine(s: number, j: string, size: string): string {
  return `if (u32(${j} + i32(${size})) >= 2u * ${size}) { atomicOr(&S[${3 * s}u], 1u); ` +
    `atomicMax(&S[${3 * s + 1}u], bitcast<u32>(${j}) ^ 0x80000000u); atomicMax(&S[${3 * s + 2}u], ${size}); }`;
}
