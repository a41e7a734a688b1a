// The compiled WebGPU artifact's manifest and dispatch plan are the runtime's types
// (src/runtime/webgpu-manifest.ts, which also describes the bindings every shader has: the runtime
// imports nothing of the compiler, so the one definition lives there); this file re-exports them
// for the compiler and adds the compile report (report.json), which only the compiler writes.

export type { CountExpr, GpuBuffer, GpuKernel, GpuManifest, GpuTensor, ManifestDim, UniformSlot } from '../../runtime/webgpu-manifest.js';

export interface GpuKernelReport {
  readonly name: string;
  readonly ops: readonly string[];
  readonly flops: number;
  readonly bytes: number;
}

export interface GpuCompileReport {
  readonly model: string;
  readonly target: 'webgpu';
  /** Sizes used for symbols in the figures below. */
  readonly bind: Readonly<Record<string, number>>;
  readonly kernels: readonly GpuKernelReport[];
  readonly totalFlops: number;
  readonly weightsBytes: number;
  readonly pipeline: string;
}
