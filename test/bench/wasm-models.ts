// Model latency for `npm run bench -- --target wasm`: every model compiled by tenth's WASM backend
// (compileWasm + writeArtifact into a temporary folder, then the runtime API: loadCompiled + run)
// against onnxruntime-web's WASM backend (1 thread, SIMD) on the model's test_data_set_0 inputs.
// Loading, checking, the interleaved timing and the table are model-latency.ts (shared with the
// WebGPU bench); this file opens the two sides.
//
// onnxruntime-web in Node: the package's `node` export (dist/ort.node.min.mjs) loads the
// ort-wasm-simd-threaded.{mjs,wasm} that sit beside it in dist/, so env.wasm.wasmPaths need not be
// set. numThreads = 1 spawns no worker; that build has SIMD128 throughout (simd = true only asks
// ORT to check that the engine supports it).
//
// Threads (`--threads N`, LatencyConfig.threads): tenth compiles with the threaded variant and
// loads it with { threads: N }; ORT gets env.wasm.numThreads = N (its threaded build runs in Node
// on worker_threads). The table then has a threads column.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileWasm, writeArtifact } from '../../src/backends/wasm/compile.js';
import { loadCompiled } from '../../src/runtime/index.js';
import {
  benchEachModel, benchSides, DEFAULT_LATENCY, formatLatency, type LatencyConfig, loadModelCase, type ModelCase, type ModelLatency, noDataRow,
  type OpenSide, ortFeeds, ortOutputs, tenthFeeds, tenthOutputs,
} from './model-latency.js';

// The shared part under the names this bench has always exported (bench-check tests, run.ts).
export {
  chooseRuns, DEFAULT_LATENCY, interleavedOrder, jsonModelLatency, LATENCY_AIM, LATENCY_GOAL, latencyMark, latencyOk,
  type LatencyConfig, type LatencyMark, type ModelLatency, type Side, type SideCheck,
} from './model-latency.js';

type OrtModule = typeof import('onnxruntime-web');
let ortPromise: Promise<OrtModule> | undefined;
function loadOrt(threads: number): Promise<OrtModule> {
  // ORT reads numThreads when it first initialises its WASM: one setting per process.
  ortPromise ??= import('onnxruntime-web').then((ort) => {
    ort.env.wasm.numThreads = threads;
    ort.env.wasm.simd = true;
    return ort;
  });
  return ortPromise;
}

/** tenth: compiled into a temporary folder (removed once loaded), run through the runtime. */
async function openTenth(c: ModelCase, threads: number): Promise<OpenSide> {
  const dir = mkdtempSync(join(tmpdir(), 'tenth-bench-wasm-'));
  try {
    writeArtifact(join(dir, c.name), await compileWasm(c.module, { threads: threads > 1 }));
    const m = await loadCompiled(join(dir, c.name), { threads });
    try {
      if (m.threads !== threads) throw new Error(`runs on ${m.threads} threads, not ${threads} (no shared memory here?)`);
      const feeds = tenthFeeds(m, c);
      const run = (): ReturnType<typeof m.run> => m.run(feeds);
      return { run, outputs: tenthOutputs(m, await run()), dispose: () => m.dispose() };
    } catch (e) {
      await m.dispose();
      throw e;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function openOrt(c: ModelCase, threads: number): Promise<OpenSide> {
  const ort = await loadOrt(threads);
  const session = await ort.InferenceSession.create(c.path, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const feeds = ortFeeds(ort, c);
  return { run: () => session.run(feeds), outputs: ortOutputs(await session.run(feeds), c) };
}

const threadsField = (threads: number): Partial<ModelLatency> => (threads > 1 ? { threads } : {});

/** Compile with tenth, open with ORT, check both once, then time them interleaved. */
export async function benchModelLatency(name: string, modelDir: string, cfg: LatencyConfig = DEFAULT_LATENCY): Promise<ModelLatency> {
  const c = loadModelCase(name, modelDir);
  if (!c) return noDataRow(name);
  const threads = cfg.threads ?? 1;
  return benchSides(c, { tenth: (m) => openTenth(m, threads), ort: (m) => openOrt(m, threads) }, cfg, threadsField(threads));
}

/** Every model in turn (`onModel` is told each name first); a model that cannot be read gets an error row. */
export function benchModelsLatency(modelsDir: string, names: readonly string[], onModel: (name: string) => void = () => {}, cfg: LatencyConfig = DEFAULT_LATENCY): Promise<ModelLatency[]> {
  return benchEachModel(modelsDir, names, onModel, (n, dir) => benchModelLatency(n, dir, cfg), threadsField(cfg.threads ?? 1));
}

/** The latency table with a goal line and each side's errors below it. */
export function formatModelLatency(rows: readonly ModelLatency[]): string {
  const threaded = rows.some((r) => (r.threads ?? 1) > 1);
  const threadText = threaded ? [...new Set(rows.map((r) => r.threads ?? 1))].join('/') : '1';
  return formatLatency(rows, [
    `WASM model latency: tenth (compiled, runtime loadCompiled + run) vs onnxruntime-web 1.30.0 WASM (${threadText} thread${threadText === '1' ? '' : 's'}, SIMD),`,
    'interleaved, median ms after warm-up, inputs of test_data_set_0; results: max abs error vs expected (rtol 1e-3, atol 1e-5)',
  ]);
}
