// The compiled artifact's manifest is the runtime's type (src/runtime/manifest.ts: the runtime
// imports nothing of the compiler, so the one definition lives there); this file re-exports it
// for the compiler and adds the compile report (report.json), which only the compiler writes.

export type { Manifest, ManifestBuffer, ManifestDim, ManifestModule, ManifestTensor } from '../../runtime/manifest.js';

export interface KernelReport {
  readonly name: string;
  readonly function: string;
  readonly ops: readonly string[];
  readonly flops: number;
  readonly bytes: number;
}

export interface CompileReport {
  readonly model: string;
  /** Sizes used for symbols in the figures below. */
  readonly bind: Readonly<Record<string, number>>;
  readonly kernels: readonly KernelReport[];
  readonly totalFlops: number;
  readonly weightsBytes: number;
  readonly pipeline: string;
}
