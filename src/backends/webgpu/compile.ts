// compileWebGpu: module -> the compiled WebGPU artifact (one .wgsl per dispatch, plan.json,
// weights.bin, manifest.json, report.json). Runs the pass pipeline for the webgpu target
// (default O2), then legalises and prints (lower.ts). writeWebGpuArtifact writes the folder
// atomically: a temporary folder beside it is renamed over the destination only when complete.

import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fail } from '../../../ir/diagnostics.js';
import type { Module } from '../../../ir/ir.js';
import { runPipeline, type TargetProfile } from '../../../passes/index.js';
import type { GpuCompileReport, GpuManifest } from './artifact.js';
import { lowerModule } from './lower.js';

/** What the passes are told about this target: NCHW kernels, 256-byte aligned storage bindings. */
export const WEBGPU_PROFILE: TargetProfile = { name: 'webgpu', layout: 'nchw', alignment: 256 };
export const DEFAULT_PIPELINE = 'O2';

export interface CompiledWebGpu {
  readonly shaders: readonly { readonly file: string; readonly code: string }[];
  readonly weights: Uint8Array;
  readonly manifest: GpuManifest;
  readonly report: GpuCompileReport;
}

export interface CompileOptions {
  /** Pass pipeline run before lowering (default O2). */
  readonly passes?: string;
  readonly verifyEach?: boolean;
}

/** Compile a module in place (the pipeline mutates it). */
export function compileWebGpu(module: Module, opts: CompileOptions = {}): CompiledWebGpu {
  const pipeline = opts.passes ?? DEFAULT_PIPELINE;
  runPipeline(module, pipeline, { target: WEBGPU_PROFILE, verifyEach: opts.verifyEach ?? false });
  const lowered = lowerModule(module);
  return { shaders: lowered.shaders, weights: lowered.weights, manifest: lowered.manifest, report: { ...lowered.report, pipeline } };
}

/** The dispatch plan as its own file, for review: kernel order, buffers, workgroup counts, uniforms. */
export function dispatchPlan(m: GpuManifest): object {
  return {
    symbols: m.symbols,
    uniforms: m.uniforms,
    buffers: m.buffers.map((b, i) => ({ id: i, name: b.name, kind: b.kind, dtype: b.dtype, shape: b.shape, ...(b.kind === 'weight' ? { offset: b.offset } : { live: [b.first, b.last] }) })),
    kernels: m.kernels.map((k) => ({ file: k.file, reads: k.reads, writes: k.writes, workgroupSize: k.workgroupSize, workgroups: k.dispatch })),
  };
}

/** Write the artifact into `dir` (replacing it); a failure leaves no partial folder. */
export function writeWebGpuArtifact(dir: string, c: CompiledWebGpu): void {
  const parent = dirname(dir);
  mkdirSync(parent, { recursive: true });
  const tmp = join(parent, `.${basename(dir)}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  try {
    mkdirSync(tmp);
    for (const s of c.shaders) writeFileSync(join(tmp, s.file), s.code);
    writeFileSync(join(tmp, 'weights.bin'), c.weights);
    writeFileSync(join(tmp, 'manifest.json'), JSON.stringify(c.manifest, null, 2) + '\n');
    writeFileSync(join(tmp, 'plan.json'), JSON.stringify(dispatchPlan(c.manifest), null, 2) + '\n');
    writeFileSync(join(tmp, 'report.json'), JSON.stringify(c.report, null, 2) + '\n');
    if (existsSync(dir)) {
      if (!existsSync(join(dir, 'manifest.json'))) fail('E108', `refusing to replace ${dir}: it exists and is not a compiled artifact`);
      rmSync(dir, { recursive: true, force: true });
    }
    renameSync(tmp, dir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}
