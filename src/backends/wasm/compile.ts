// compileWasm: module -> the compiled artifact (model.wasm, model.wat, weights.bin, manifest.json,
// report.json and report.html, the cost report of src/report/; with relaxedSimd also
// model-relaxed.wasm/.wat, see relaxed.ts). Runs the pass
// pipeline for the wasm target (default O2), legalises and prints (lower.ts), assembles with wabt. writeArtifact writes a folder atomically: everything goes to
// a temporary folder beside it first, which is renamed over the destination only when complete.

import { jsonText, writeFolderAtomically } from '../write-folder.js';
import type { Module } from '../../../ir/ir.js';
import { runPipeline, type TargetProfile } from '../../../passes/index.js';
import type { BatchingPlan } from '../../report/batching.js';
import type { CostReport } from '../../report/cost.js';
import { reportHtml } from '../../report/html.js';
import { BUNDLED_PROFILES, DEFAULT_PROFILE, type DeviceProfile } from '../../report/profile.js';
import type { Manifest } from './artifact.js';
import { wasmReport } from './cost.js';
import { lowerModule } from './lower.js';
import { relaxWat } from './relaxed.js';
import { MAX_PAGES, MAX_THREADS, RELAXED_THREADS_FILE, THREADS_FILE } from './threads.js';

/** What the passes are told about this target: NCHW kernels, 16-byte (v128) alignment. */
// The kernels read NCHW activations and OIHW weights only (lower.ts refuses other layout attributes).
export const WASM_PROFILE: TargetProfile = { name: 'wasm', layout: 'nchw', layouts: ['nchw'], alignment: 16, keepsPlainEinsum: true };
export const DEFAULT_PIPELINE = 'O2';

export interface CompiledWasm {
  readonly wat: string;
  readonly wasm: Uint8Array;
  readonly weights: Uint8Array;
  readonly manifest: Manifest;
  /** The cost report (report.json; report.html is its page). */
  readonly report: CostReport;
  readonly html: string;
  readonly batching?: BatchingPlan;
  /** The symbol the batching planner scaled (null: none; it then runs a batch as b runs). */
  readonly batchDim?: string | null;
  /** The relaxed-SIMD variant (model-relaxed.wasm), when compiled with `relaxedSimd`. */
  readonly relaxed?: { readonly wat: string; readonly wasm: Uint8Array };
  /** The threaded variants (model-threads.wasm, and model-relaxed-threads.wasm with relaxedSimd). */
  readonly threads?: readonly { readonly file: string; readonly wat: string; readonly wasm: Uint8Array }[];
}

export const RELAXED_FILE = 'model-relaxed.wasm';

export interface CompileOptions {
  /** Pass pipeline run before lowering (default O2). */
  readonly passes?: string;
  readonly verifyEach?: boolean;
  /** Also emit model-relaxed.wasm (f32x4.relaxed_madd); the runtime picks it where supported. */
  readonly relaxedSimd?: boolean;
  /** Device profile for the cost report (default: the bundled laptop-cpu-wasm). */
  readonly profile?: DeviceProfile;
  /** Sizes of symbolic dims in the cost report (default 1). */
  readonly bind?: Readonly<Record<string, number>>;
  /** Add a batching plan to the report for this load. */
  readonly batching?: { readonly ratePerSec: number; readonly p99TargetMs: number; readonly batchDim?: string };
  /** Also emit model-threads.wasm (shared memory, work split over threads; see threads.ts). */
  readonly threads?: boolean;
  /** Split ops with at least this much work (default threads.ts MIN_WORK; tests use 0 to split everything). */
  readonly threadMinWork?: number;
}

type WabtInit = typeof import('wabt');
type Wabt = Awaited<ReturnType<WabtInit>>;
let wabtPromise: Promise<Wabt> | undefined;
function getWabt(): Promise<Wabt> {
  // wabt is CommonJS (`export =`): its init function is the default export under ESM.
  wabtPromise ??= import('wabt').then((m) => (m as unknown as { default: WabtInit }).default());
  return wabtPromise;
}

/** Assemble WAT text; a parse error is an internal bug of the backend (its printer made bad text). */
export async function assembleWat(wat: string, opts: { relaxedSimd?: boolean; threads?: boolean } = {}): Promise<Uint8Array> {
  const wabt = await getWabt();
  const mod = wabt.parseWat('model.wat', wat, { simd: true, bulk_memory: true, sat_float_to_int: true, relaxed_simd: opts.relaxedSimd ?? false, threads: opts.threads ?? false });
  try {
    return mod.toBinary({ log: false, write_debug_names: true }).buffer;
  } finally {
    mod.destroy();
  }
}

/** Compile a module in place (the pipeline mutates it). */
export async function compileWasm(module: Module, opts: CompileOptions = {}): Promise<CompiledWasm> {
  const pipeline = opts.passes ?? DEFAULT_PIPELINE;
  runPipeline(module, pipeline, { target: WASM_PROFILE, verifyEach: opts.verifyEach ?? false });
  const scratchSlots = opts.threads ? MAX_THREADS : 1;
  const lowered = lowerModule(module, { scratchSlots });
  const wasm = await assembleWat(lowered.wat);
  const costs = wasmReport(module, lowered.manifest, {
    pipeline, profile: opts.profile ?? BUNDLED_PROFILES[DEFAULT_PROFILE.wasm]!, bind: opts.bind, batching: opts.batching,
  });
  const report = { report: costs.report, html: reportHtml(costs.report, costs.batching), batching: costs.batching, batchDim: costs.batchDim };
  if (!opts.relaxedSimd && !opts.threads) return { wat: lowered.wat, wasm, weights: lowered.weights, manifest: lowered.manifest, ...report };
  const features = lowered.manifest.features;
  const relaxedWat = opts.relaxedSimd ? relaxWat(lowered.wat).wat : undefined;
  const relaxed = relaxedWat !== undefined ? { wat: relaxedWat, wasm: await assembleWat(relaxedWat, { relaxedSimd: true }) } : undefined;
  const single = [
    ...(relaxed ? [{ file: RELAXED_FILE, features: [...features, 'relaxed-simd'] }] : []),
    { file: 'model.wasm', features },
  ];
  if (!opts.threads) return { wat: lowered.wat, wasm, weights: lowered.weights, manifest: { ...lowered.manifest, modules: single }, ...report, relaxed };
  // The threaded variant is lowered again; buffers, weights and the manifest must come out the same.
  const t = lowerModule(module, { threaded: true, scratchSlots, minWork: opts.threadMinWork });
  if (JSON.stringify(t.manifest) !== JSON.stringify(lowered.manifest)) throw new Error('wasm backend: the threaded variant lowered to a different manifest');
  const threads = [
    ...(relaxed ? [{ file: RELAXED_THREADS_FILE, wat: relaxWat(t.wat).wat, relaxed: true }] : []),
    { file: THREADS_FILE, wat: t.wat, relaxed: false },
  ];
  const assembled = await Promise.all(threads.map(async (v) => ({ file: v.file, wat: v.wat, wasm: await assembleWat(v.wat, { relaxedSimd: v.relaxed, threads: true }) })));
  const manifest: Manifest = {
    ...lowered.manifest,
    modules: [
      ...threads.map((v) => ({ file: v.file, features: [...features, ...(v.relaxed ? ['relaxed-simd'] : []), 'threads'], maxPages: MAX_PAGES })),
      ...single,
    ],
  };
  return { wat: lowered.wat, wasm, weights: lowered.weights, manifest, ...report, relaxed, threads: assembled };
}

/** Write the artifact into `dir` (replacing it); a failure leaves no partial folder. */
export function writeArtifact(dir: string, c: CompiledWasm): void {
  const wat = (file: string): string => file.replace(/\.wasm$/, '.wat');
  writeFolderAtomically(dir, [
    ['model.wasm', c.wasm], ['model.wat', c.wat],
    ...(c.relaxed ? [[RELAXED_FILE, c.relaxed.wasm], [wat(RELAXED_FILE), c.relaxed.wat]] as const : []),
    ...(c.threads ?? []).flatMap((v) => [[v.file, v.wasm], [wat(v.file), v.wat]] as const),
    ['weights.bin', c.weights],
    ['manifest.json', jsonText(c.manifest)],
    ['report.json', jsonText(c.batching ? { ...c.report, batching: c.batching } : c.report)],
    ['report.html', c.html],
  ]);
}
