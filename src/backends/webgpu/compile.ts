// compileWebGpu: module -> the compiled WebGPU artifact (one .wgsl per dispatch, plan.json,
// weights.bin, manifest.json, and the cost report report.json / report.html of src/report/). Runs the pass pipeline for the webgpu target
// (default O2), then legalises and prints (lower.ts). writeWebGpuArtifact writes the folder
// atomically: a temporary folder beside it is renamed over the destination only when complete.

import { jsonText, writeFolderAtomically } from '../write-folder.js';
import type { Module } from '../../../ir/ir.js';
import { parsePipeline, type PipelineStep, runPipeline, type TargetProfile } from '../../../passes/index.js';
import type { BatchingPlan } from '../../report/batching.js';
import type { CostReport } from '../../report/cost.js';
import { reportHtml } from '../../report/html.js';
import { BUNDLED_PROFILES, DEFAULT_PROFILE, type DeviceProfile } from '../../report/profile.js';
import type { GpuCompileReport, GpuManifest } from './artifact.js';
import { webgpuReport } from './cost.js';
import { lowerModule } from './lower.js';

/** What the passes are told about this target: NCHW kernels, 256-byte aligned storage bindings. */
// The spatial kernels read NCHW activations and OIHW weights only (check.ts refuses the others).
export const WEBGPU_PROFILE: TargetProfile = { name: 'webgpu', layout: 'nchw', layouts: ['nchw'], alignment: 256 };
export const DEFAULT_PIPELINE = 'O2';

export interface CompiledWebGpu {
  readonly shaders: readonly { readonly file: string; readonly code: string }[];
  readonly weights: Uint8Array;
  readonly manifest: GpuManifest;
  /** Per-kernel FLOPs and bytes with symbols sized 1 (the lowering's own figures). */
  readonly report: GpuCompileReport;
  /** The cost report (report.json; report.html is its page). */
  readonly cost: CostReport;
  readonly html: string;
  readonly batching?: BatchingPlan;
  readonly batchDim?: string | null;
}

export interface CompileOptions {
  /** Pass pipeline run before lowering (default O2). */
  readonly passes?: string;
  readonly verifyEach?: boolean;
  /** Device profile for the cost report (default: the bundled integrated-gpu). */
  readonly profile?: DeviceProfile;
  /** Sizes of symbolic dims in the cost report (default 1). */
  readonly bind?: Readonly<Record<string, number>>;
  /** Add a batching plan to the report for this load. */
  readonly batching?: { readonly ratePerSec: number; readonly p99TargetMs: number; readonly batchDim?: string };
  /**
   * f32 weights and intermediates stored as f16 (arithmetic and accumulation stay f32; graph inputs
   * and outputs stay f32); the artifact then needs `shader-f16`. See lower.ts and half-temps.ts.
   */
  readonly f16?: boolean;
  /** Also write subgroup variants of the reduction shaders (used where the device has `subgroups`). */
  readonly subgroups?: boolean;
}

/** Compile a module in place (the pipeline mutates it). */
export function compileWebGpu(module: Module, opts: CompileOptions = {}): CompiledWebGpu {
  const pipeline = opts.passes ?? DEFAULT_PIPELINE;
  runPipeline(module, webgpuSteps(pipeline), { target: WEBGPU_PROFILE, verifyEach: opts.verifyEach ?? false });
  const lowered = lowerModule(module, { f16: opts.f16 === true, subgroups: opts.subgroups === true });
  const costs = webgpuReport(module, lowered.manifest, lowered.dispatchOps, {
    pipeline, profile: opts.profile ?? BUNDLED_PROFILES[DEFAULT_PROFILE.webgpu]!, bind: opts.bind, batching: opts.batching,
  });
  return {
    shaders: lowered.shaders, weights: lowered.weights, manifest: lowered.manifest, report: { ...lowered.report, pipeline },
    cost: costs.report, html: reportHtml(costs.report, costs.batching), batching: costs.batching, batchDim: costs.batchDim,
  };
}

/** The pipeline's steps with fuse's weight-dequant on unless set: the matmul kernel decodes weights as it loads B. */
function webgpuSteps(pipeline: string): PipelineStep[] {
  return parsePipeline(pipeline).map((s) => ((typeof s.pass === 'string' ? s.pass : s.pass.name) === 'fuse' && s.options?.['weight-dequant'] === undefined
    ? { ...s, options: { ...s.options, 'weight-dequant': true } } : s));
}

/** The dispatch plan as its own file, for review: kernel order, buffers, workgroup counts, uniforms. */
export function dispatchPlan(m: GpuManifest): object {
  return {
    symbols: m.symbols,
    uniforms: m.uniforms,
    buffers: m.buffers.map((b, i) => ({ id: i, name: b.name, kind: b.kind, dtype: b.dtype, shape: b.shape, ...(b.arena ? { arena: b.arena } : {}), ...(b.kind === 'weight' ? { offset: b.offset } : { live: [b.first, b.last] }) })),
    kernels: m.kernels.map((k) => ({ file: k.file, reads: k.reads, writes: k.writes, workgroupSize: k.workgroupSize, workgroups: k.dispatch })),
    ...(m.repeats ? { repeats: m.repeats } : {}),
  };
}

/** Write the artifact into `dir` (replacing it); a failure leaves no partial folder. */
export function writeWebGpuArtifact(dir: string, c: CompiledWebGpu): void {
  writeFolderAtomically(dir, [
    ...c.shaders.map((sh) => [sh.file, sh.code] as const),
    ['weights.bin', c.weights],
    ['manifest.json', jsonText(c.manifest)],
    ['plan.json', jsonText(dispatchPlan(c.manifest))],
    ['report.json', jsonText(c.batching ? { ...c.cost, batching: c.batching } : c.cost)],
    ['report.html', c.html],
  ]);
}
