// The WebGPU artifact's manifest and dispatch plan (manifest.json of `tenth compile --target
// webgpu`): written by the compiler (src/backends/webgpu/lower.ts, which imports these types),
// read by the WebGPU runtime (webgpu.ts). Defined here, in the runtime, because the runtime
// imports nothing of the compiler.
//
// Every shader has the same three bindings (group 0):
//   0: uniform  `u`  array<vec4<u32>>: symbolic dims, then the word offset of each arena buffer
//   1: storage  `A`  array<u32>, read_write: the arena (inputs, outputs, intermediates)
//   2: storage  `W`  array<u32>, read: weights.bin (offsets are compile-time constants)
// and, in a --f16 build with f16 intermediates, a fourth (declared by the shaders that use it):
//   3: storage  `AH` array<f16>, read_write: the half arena (uniform offsets count f16 elements)
// and, where an op checks its indices at run time (gather), declared by the shaders that check:
//   4: storage  `S`  array<atomic<u32>>, read_write: index-error status (index-check.ts)
// Values are stored as 32-bit words (f32 and i32 bit patterns, bool as 0/1, i64 as two words);
// with --f16, f32 weights are f16, two per word (buffer dtype 'f16', esize 2), and f32
// intermediates are f16 in AH (arena 'half'); graph inputs and outputs stay f32 in A. Other dtypes:
// see GpuBuffer.storage and the compiler's storage.ts (sub-word weights packed, everything written
// one word each). The runtime fills the uniform slots for each binding of the symbols, places
// arena buffers with plan.ts, and dispatches the kernels in order with workgroup counts evaluated
// from the symbols.

import type { IndexSite, ManifestBuffer, ManifestDim, ManifestDynamicDims, ManifestTensor } from './manifest.js';

export type { IndexSite, ManifestDim };

/** As the WASM manifest's. */
export type GpuTensor = ManifestTensor;

/** The WASM manifest's buffer, with esize in GPU bytes and how elements are held. */
export interface GpuBuffer extends ManifestBuffer {
  /** Bytes per element on the GPU (bool is one 32-bit word, i64 two). */
  readonly esize: number;
  /**
   * How elements are held (storage.ts), stated where it differs from the default (i64 'dword',
   * f16 'packed', else 'word'): 'word' one 32-bit word per element holding the register value
   * (f32 bits for every float dtype, i32/u32 for integers, 0/1 for bool), 'dword' 64-bit integers
   * as two words (little-endian bytes), 'packed' ONNX's little-endian bytes (weights only).
   */
  readonly storage?: 'word' | 'dword' | 'packed';
  /** 'half': an f32 intermediate of a --f16 build, stored as f16 (dtype 'f16', esize 2) in the half arena AH. */
  readonly arena?: 'half';
}

/** ceil(product(dims) / div): one workgroup count, symbols bound at run time. */
/** Kernels [from, to) dispatched `count` times in a row (a scan or loop body; webgpu-repeat.ts). */
export interface Repeat { readonly from: number; readonly to: number; readonly count: CountExpr }

export interface CountExpr {
  readonly dims: readonly ManifestDim[];
  readonly div: number;
}

export interface GpuKernel {
  /** `007-conv2d-bias-relu`: the .wgsl file is `<name>.wgsl`. */
  readonly name: string;
  readonly file: string;
  /** Alternative shaders for devices with a feature (the runtime picks at load time). */
  readonly variants?: { readonly subgroups?: string };
  /** The IR ops computed by this dispatch. */
  readonly ops: readonly string[];
  /** Buffers read and written (indices into `buffers`), for review and the planner. */
  readonly reads: readonly number[];
  readonly writes: readonly number[];
  readonly workgroupSize: readonly [number, number, number];
  /**
   * Workgroup counts x, y, z. When x exceeds the device limit the runtime folds it into y;
   * kernels that allow that (`fold: true`) recompute their linear workgroup index.
   */
  readonly dispatch: readonly [CountExpr, CountExpr, CountExpr];
  readonly fold: boolean;
}

/** One slot of the uniform array: a symbol's bound value, or an arena buffer's offset in words. */
export type UniformSlot = { readonly symbol: string } | { readonly buffer: number };

export interface GpuManifest extends ManifestDynamicDims {
  readonly format: 'tenth-webgpu/1';
  readonly name: string;
  /** Alignment of arena buffers in bytes. */
  readonly alignment: number;
  readonly weightsBytes: number;
  readonly inputs: readonly GpuTensor[];
  readonly outputs: readonly GpuTensor[];
  readonly buffers: readonly GpuBuffer[];
  readonly uniforms: readonly UniformSlot[];
  readonly kernels: readonly GpuKernel[];
  /** Device features the shaders need (`shader-f16` with --f16); kernels' `variants` are optional. */
  readonly features: readonly string[];
  /** Workgroup storage the largest shader declares, in bytes (requested at device creation). */
  readonly workgroupStorageBytes: number;
  /**
   * Ops whose indices are checked at run time (index-check.ts), as the runtime names them, with
   * their valid range; site s owns words 3s..3s+2 of the status buffer (binding 4). Absent when
   * no op checks.
   */
  readonly indexSites?: readonly IndexSite[];
  /**
   * Control flow (the compiler's control-flow.ts): kernels [from, to) are dispatched `count` times
   * in a row, in the same pass (scan and loop bodies; webgpu-repeat.ts). Listed outer before
   * inner; ranges nest. Absent when none.
   */
  readonly repeats?: readonly Repeat[];
}
