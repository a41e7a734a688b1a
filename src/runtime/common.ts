// What the WASM runtime (index.ts) and the WebGPU runtime (webgpu.ts) share: the caller's
// tensors, the checks of a folder at load (manifest.json parses, weights.bin has the size the
// manifest states), the checks of the feeds before a run, and the text of a failed run-time
// index check, and the runtime's error class. Like the rest of the runtime, it imports nothing of
// the compiler.

import { bindDerived, bindInputDims } from './dims.js';
import { TenthRuntimeError } from './errors.js';
import type { CountedDim, IndexSite, ManifestDim, ManifestDynamicDims } from './manifest.js';
import { bufferBytes, type PlanBuffer } from './plan.js';

export { TenthRuntimeError, withContext, type RuntimeCode } from './errors.js';

export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array | Int8Array | Int16Array | Uint16Array | Uint32Array | BigInt64Array | BigUint64Array;

export interface RunTensor {
  /**
   * Elements in row-major order. f16/bf16: Uint16Array of raw bits; float8 and float4e2m1:
   * Uint8Array, one code per byte; int4/int2: Int8Array (uint4/uint2: Uint8Array), one value per byte.
   */
  readonly data: TypedArray;
  readonly dims: readonly number[];
}

export interface KernelTime {
  readonly kernel: string;
  readonly ms: number;
}

// Reduced-precision dtypes cross the boundary as raw codes (Node 20 has no Float16Array): f16 and
// bf16 as a Uint16Array of their bits, float8 and float4e2m1 as a Uint8Array with one code per
// byte, int4/int2 (uint4/uint2) as an Int8Array (Uint8Array) with one value per byte, unpacked.
// f64 and 64-bit integers keep their arrays on both backends (WebGPU computes them in 32 bits).
export const ARRAYS: Readonly<Record<string, new (b: ArrayBuffer, o: number, n: number) => TypedArray>> = {
  f32: Float32Array, f64: Float64Array, i32: Int32Array, u32: Uint32Array, i64: BigInt64Array, u64: BigUint64Array,
  u8: Uint8Array, bool: Uint8Array, i8: Int8Array, i16: Int16Array, u16: Uint16Array,
  f16: Uint16Array, bf16: Uint16Array, f8e4m3fn: Uint8Array, f8e4m3fnuz: Uint8Array, f8e5m2: Uint8Array, f8e5m2fnuz: Uint8Array,
  f8e8m0: Uint8Array, f4e2m1: Uint8Array, i4: Int8Array, u4: Uint8Array, i2: Int8Array, u2: Uint8Array,
};

export const ceilDiv = (a: number, b: number): number => Math.floor((a + b - 1) / b);

export const now = (): number => (globalThis as { performance?: { now(): number } }).performance?.now() ?? Date.now();

/** manifest.json's bytes parsed (format not yet checked), or an error naming the file. */
export function parseManifestJson(base: string, bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new TenthRuntimeError('E102', `tenth runtime: ${manifestPath(base)} is not valid JSON (${(e as Error).message}): the folder is damaged; compile the model again`);
  }
}

export const manifestPath = (base: string): string => `${base.replace(/\/$/, '')}/manifest.json`;

/** A truncated or swapped weights.bin would run and answer garbage: refuse it at load. */
export function checkWeights(m: { readonly name: string; readonly weightsBytes: number }, weights: Uint8Array): void {
  if (weights.length !== m.weightsBytes) {
    throw new TenthRuntimeError('E102', `tenth runtime: weights.bin of ${m.name} has ${weights.length} bytes, its manifest says ${m.weightsBytes}: the folder is damaged or mixed from two compiles; compile the model again`);
  }
}

/** The error for a failed run-time index check: `site` names the op (as the compiler wrote it) and its valid range. */
export function indexError(site: IndexSite, index: number | bigint, size: number): TenthRuntimeError {
  const [text, from] = typeof site === 'string' ? [site, -size] : [site.site, site.from];
  return new TenthRuntimeError('E501', `tenth runtime: ${text}: index ${index} is out of range for a dim of size ${size} (valid: ${from} to ${size - 1})`);
}

/** The dims that size a buffer: a derived one must not come out negative. */
export function sizingDims(buffers: readonly { readonly shape: readonly ManifestDim[] }[]): Set<string> {
  return new Set(buffers.flatMap((b) => b.shape.filter((d): d is string => typeof d === 'string')));
}

interface FeedsManifest extends ManifestDynamicDims {
  readonly inputs: readonly { readonly name: string; readonly dtype: string; readonly shape: readonly ManifestDim[] }[];
}

/**
 * Check the feeds against the manifest's inputs (present, rank, dims, element count, typed array)
 * and bind every symbol: from input dims, then derived and data symbols (dims.ts); a symbol left
 * unbound is 1. `each` adds a runtime's own check of an input's data, in input order.
 */
export function bindFeeds(
  m: FeedsManifest,
  feeds: Readonly<Record<string, RunTensor>>,
  sizing: ReadonlySet<string>,
  each?: (inp: { readonly name: string; readonly dtype: string }, data: TypedArray) => void,
  counts?: Readonly<Record<string, number>>,
): Record<string, number> {
  const bind = bindInputDims(m.inputs, feeds);
  for (const inp of m.inputs) {
    const data = feeds[inp.name]!.data;
    const Ctor = ARRAYS[inp.dtype];
    // By name too: an array made in another realm (an iframe, a vm context) is not an instance here.
    if (Ctor && !(data instanceof (Ctor as unknown as typeof Float32Array)) && data.constructor.name !== Ctor.name) {
      throw new TenthRuntimeError('E503', `tenth runtime: input '${inp.name}' must be a ${Ctor.name} (${inp.dtype})`);
    }
    each?.(inp, data);
  }
  if (m.derived || m.counted) bindDerived(m, (name) => feeds[name]!.data, bind, sizing, counts);
  for (const s of m.symbols) bind[s] ??= 1;
  return bind;
}

/** Export-name prefixes of a WASM kernel's index-check sites (the compiler's wasm/kernels/index-check.ts writes them). */
export const INDEX_SITE_PREFIX = 'tenth-index-site:';
export const INDEX_SITE_FROM0_PREFIX = 'tenth-index-site0:';

/** manifest.json's `format` of each kind of compiled folder (the compiler writes these; the CLI checks them). */
export const FORMAT = { wasm: 'tenth-wasm/1', webgpu: 'tenth-webgpu/1' } as const;
export type TenthFormat = (typeof FORMAT)[keyof typeof FORMAT];
export const TENTH_FORMATS: readonly TenthFormat[] = Object.values(FORMAT);

/** A manifest without the format a runtime loads, nor the other runtime's: a damaged file (E102), as the CLI says too. */
export function unknownFormat(file: string, format: unknown, expected: TenthFormat): TenthRuntimeError {
  const got = format === undefined || format === null ? 'has no format' : `has format ${JSON.stringify(format)}`;
  return new TenthRuntimeError('E102', `tenth runtime: ${file} ${got}, expected "${expected}": not a compiled tenth folder, or a damaged one; compile the model again`);
}

/**
 * The binding after a counting kernel (manifest `counted`): `counts` (every symbol counted so far)
 * bound, the rest derived again. `placed` is the binding the arena was placed for, each counted
 * symbol at its bound: a count beyond it, or a buffer that grows past its place (a dim not
 * monotone in the count), is refused (E501) rather than written past its end.
 */
export function rebindCounted(
  m: FeedsManifest & { readonly buffers: readonly PlanBuffer[] & readonly { readonly name: string }[] },
  feeds: Readonly<Record<string, RunTensor>>,
  sizing: ReadonlySet<string>,
  counts: Readonly<Record<string, number>>,
  placed: Readonly<Record<string, number>>,
  c: CountedDim,
): Record<string, number> {
  const n = counts[c.symbol]!;
  if (!Number.isInteger(n) || n < 0 || n > placed[c.symbol]!) {
    throw new TenthRuntimeError('E501', `tenth runtime: ${c.site} counted ${n} results, outside its bound 0 to ${placed[c.symbol]} (a kernel bug)`);
  }
  const bind = bindFeeds(m, feeds, sizing, undefined, counts);
  for (const b of m.buffers) {
    if (b.kind === 'weight') continue;
    const [now, was] = [bufferBytes(b, bind), bufferBytes(b, placed)];
    if (now > was) throw new TenthRuntimeError('E501', `tenth runtime: buffer '${b.name}' needs ${now} bytes once ${c.symbol} = ${n}, it was placed for ${was} at the bound ${placed[c.symbol]}`);
  }
  return bind;
}
