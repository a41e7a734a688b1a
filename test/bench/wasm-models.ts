// Model latency for `npm run bench -- --target wasm`: every model compiled by tenth's WASM backend
// (compileWasm + writeArtifact into a temporary folder, then the runtime API: loadCompiled + run)
// against onnxruntime-web's WASM backend (1 thread, SIMD) on the model's test_data_set_0 inputs.
//
// Both sides run in this process, interleaved: the pairs alternate which side goes first
// (tenth, ort, ort, tenth, ...), so machine noise and any position effect hit both equally. Each
// side is warmed up first (V8 tiers hot WASM functions up while they run). Each side's outputs
// are checked once against the expected outputs (rtol 1e-3, atol 1e-5, as the bench's results check).
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
import { formatDiagnostic, TenthError } from '../../ir/diagnostics.js';
import type { Tensor } from '../../ir/tensor.js';
import type { DType } from '../../ir/dtype.js';
import { compareTensors } from '../../src/check/compare.js';
import { listDataSets, loadExpected, loadInputs } from '../../src/check/data-dir.js';
import { compileWasm, writeArtifact } from '../../src/backends/wasm/compile.js';
import { importOnnxFile } from '../../src/onnx/import.js';
import { loadCompiled, type RunTensor, type TypedArray } from '../../src/runtime/index.js';
import { CHECK_TOLERANCE, median } from './figures.js';
import { formatTable } from './report.js';

/** tenth / ORT median latency must be below this (issue 4); AIM is what we are working towards. */
export const LATENCY_GOAL = 1.0;
export const LATENCY_AIM = 0.7;

export interface LatencyConfig {
  /** Timed runs per side: at least `minRuns`, more while the pairs fit in `budgetMs`, at most `maxRuns`. */
  readonly minRuns: number;
  readonly maxRuns: number;
  readonly budgetMs: number;
  /** Warm-up per side: at least `minWarmup` runs, more until `warmupMs` spent (at most 50). */
  readonly minWarmup: number;
  readonly warmupMs: number;
  /** Threads on both sides (default 1). */
  readonly threads?: number;
}

export const DEFAULT_LATENCY: LatencyConfig = { minRuns: 20, maxRuns: 400, budgetMs: 3000, minWarmup: 5, warmupMs: 300 };

export type Side = 'tenth' | 'ort';

/** 2n slots, n per side, in pairs that alternate which side goes first: tenth ort, ort tenth, ... */
export function interleavedOrder(n: number): Side[] {
  const order: Side[] = [];
  for (let i = 0; i < n; i++) order.push(...(i % 2 === 0 ? ['tenth', 'ort'] as const : ['ort', 'tenth'] as const));
  return order;
}

/** Runs per side: as many pairs as fit in the budget at the warm-up speed, within [min, max]. */
export function chooseRuns(pairMs: number, cfg: Pick<LatencyConfig, 'minRuns' | 'maxRuns' | 'budgetMs'>): number {
  const fit = pairMs > 0 ? Math.floor(cfg.budgetMs / pairMs) : cfg.maxRuns;
  return Math.min(cfg.maxRuns, Math.max(cfg.minRuns, fit));
}

export interface LatencyMark {
  readonly ratio: number;
  readonly pass: boolean;
  readonly aim: boolean;
}

/** tenth / ORT of the medians; the goal is strictly below 1.0. */
export function latencyMark(tenthMs: number, ortMs: number): LatencyMark {
  const ratio = tenthMs / ortMs;
  return { ratio, pass: ratio < LATENCY_GOAL, aim: ratio <= LATENCY_AIM };
}

export interface SideCheck {
  /** Every output within tolerance. */
  readonly pass: boolean;
  readonly maxAbs: number;
  /** First failure, 'output: reason'. */
  readonly failure?: string;
}

export interface ModelLatency {
  readonly model: string;
  /** Threads each side ran on (absent: 1). */
  readonly threads?: number;
  /** Symbol bindings of the inputs, 'batch:8' ('' when all dims are static). */
  readonly bindings: string;
  readonly runs?: number;
  readonly tenthMs?: number;
  readonly ortMs?: number;
  readonly tenthRunsMs?: number[];
  readonly ortRunsMs?: number[];
  readonly mark?: LatencyMark;
  readonly tenthCheck?: SideCheck;
  readonly ortCheck?: SideCheck;
  readonly tenthError?: string;
  readonly ortError?: string;
}

/** The model ran on both sides and both matched the expected outputs (the ratio may MISS). */
export const latencyOk = (m: ModelLatency): boolean =>
  m.mark !== undefined && m.tenthCheck?.pass === true && m.ortCheck?.pass === true;

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

const ORT_TYPES: Readonly<Record<string, DType>> = {
  float32: 'f32', float64: 'f64', int64: 'i64', int32: 'i32', int8: 'i8', uint8: 'u8', bool: 'bool', int16: 'i16', uint16: 'u16', uint32: 'u32', uint64: 'u64',
};
const ORT_NAMES: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(ORT_TYPES).map(([k, v]) => [v, k]));

function check(names: readonly string[], got: readonly Tensor[], want: readonly Tensor[]): SideCheck {
  let maxAbs = 0;
  for (let k = 0; k < want.length; k++) {
    const c = compareTensors(got[k]!, want[k]!, CHECK_TOLERANCE);
    if (!c.ok) return { pass: false, maxAbs: c.maxAbs, failure: `${names[k]}: ${c.reason}` };
    maxAbs = Math.max(maxAbs, c.maxAbs);
  }
  return { pass: true, maxAbs };
}

function describe(e: unknown): string {
  if (e instanceof TenthError) return e.diagnostics.map(formatDiagnostic).join('; ');
  return e instanceof Error ? e.message.split('\n')[0]! : String(e);
}

/** Times `f` once. */
async function timeOnce(f: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
}

/** Warm-up (interleaved too), then `runs` timed runs per side in interleavedOrder. */
async function measure(run: Record<Side, () => Promise<unknown>>, cfg: LatencyConfig): Promise<Record<Side, number[]>> {
  const warm: Record<Side, number[]> = { tenth: [], ort: [] };
  const order = interleavedOrder(50);
  const t0 = performance.now();
  for (let i = 0; i < 50 && (i < cfg.minWarmup || performance.now() - t0 < 2 * cfg.warmupMs); i++) {
    for (const s of order.slice(2 * i, 2 * i + 2)) warm[s].push(await timeOnce(run[s]));
  }
  // The warm-up's later half tells the speed after tier-up.
  const late = (xs: number[]): number => median(xs.slice(xs.length >> 1));
  const runs = chooseRuns(late(warm.tenth) + late(warm.ort), cfg);
  const times: Record<Side, number[]> = { tenth: [], ort: [] };
  for (const s of interleavedOrder(runs)) times[s].push(await timeOnce(run[s]));
  return times;
}

/** Compile with tenth, open with ORT, check both once, then time them interleaved. */
export async function benchModelLatency(name: string, modelDir: string, cfg: LatencyConfig = DEFAULT_LATENCY): Promise<ModelLatency> {
  const path = join(modelDir, 'model.onnx');
  const data = listDataSets(modelDir)[0];
  if (data === undefined) return { model: name, bindings: '', tenthError: 'no test_data_set_0', ortError: 'no test_data_set_0' };
  const module = importOnnxFile(path);
  const inputs = loadInputs(module, data);
  const expected = loadExpected(module, data);
  const bind = new Map<string, number>();
  module.main.args.forEach((arg, k) => (arg.type.shape ?? []).forEach((d, i) => {
    if (typeof d === 'string' && d !== '?' && !bind.has(d)) bind.set(d, inputs[k]!.tensor.shape[i]!);
  }));
  const bindings = [...bind].map(([s, v]) => `${s}:${v}`).join(',');
  const want = expected.map((e) => e.tensor);
  const outNames = expected.map((e) => e.name);

  let tenthRun: (() => Promise<Record<string, RunTensor>>) | undefined;
  let tenthCheck: SideCheck | undefined;
  let tenthError: string | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'tenth-bench-wasm-'));
  const threads = cfg.threads ?? 1;
  let dispose = async (): Promise<void> => {};
  try {
    writeArtifact(join(dir, name), await compileWasm(module, { threads: threads > 1 }));
    const m = await loadCompiled(join(dir, name), { threads });
    dispose = () => m.dispose();
    if (m.threads !== threads) throw new Error(`runs on ${m.threads} threads, not ${threads} (no shared memory here?)`);
    // By position: manifest inputs/outputs are the main function's arguments/results in order.
    const feeds = Object.fromEntries(m.manifest.inputs.map((inp, k) => [inp.name, { data: inputs[k]!.tensor.data as TypedArray, dims: inputs[k]!.tensor.shape }]));
    tenthRun = () => m.run(feeds);
    const out = await tenthRun();
    const got = m.manifest.outputs.map((o) => ({ dtype: o.dtype as DType, shape: [...out[o.name]!.dims], data: out[o.name]!.data } as Tensor));
    tenthCheck = check(outNames, got, want);
  } catch (e) {
    tenthError = describe(e);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  let ortRun: (() => Promise<unknown>) | undefined;
  let ortCheck: SideCheck | undefined;
  let ortError: string | undefined;
  try {
    const ort = await loadOrt(threads);
    const session = await ort.InferenceSession.create(path, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
    const feeds = Object.fromEntries(inputs.map((inp) => {
      const t = inp.tensor;
      const type = ORT_NAMES[t.dtype];
      if (!type) throw new Error(`input ${inp.name}: dtype ${t.dtype} not mapped to onnxruntime`);
      return [inp.name, new ort.Tensor(type as 'float32', t.data as Float32Array, t.shape)];
    }));
    ortRun = () => session.run(feeds);
    const out = await session.run(feeds);
    const got = outNames.map((n) => {
      const t = out[n];
      if (!t) throw new Error(`no output '${n}'`);
      return { dtype: ORT_TYPES[t.type] ?? 'string', shape: [...t.dims], data: t.data } as Tensor;
    });
    ortCheck = check(outNames, got, want);
  } catch (e) {
    ortError = describe(e);
  }

  const threadsField = threads > 1 ? { threads } : {};
  if (!tenthRun || !ortRun || tenthError || ortError) {
    await dispose();
    return { model: name, ...threadsField, bindings, tenthCheck, ortCheck, tenthError, ortError };
  }
  const times = await measure({ tenth: tenthRun, ort: ortRun }, cfg);
  await dispose();
  const tenthMs = median(times.tenth), ortMs = median(times.ort);
  return {
    model: name, ...threadsField, bindings, runs: times.tenth.length, tenthMs, ortMs, tenthRunsMs: times.tenth, ortRunsMs: times.ort,
    mark: latencyMark(tenthMs, ortMs), tenthCheck, ortCheck,
  };
}

/** Every model in turn (`onModel` is told each name first); a model that cannot be read gets an error row. */
export async function benchModelsLatency(modelsDir: string, names: readonly string[], onModel: (name: string) => void = () => {}, cfg: LatencyConfig = DEFAULT_LATENCY): Promise<ModelLatency[]> {
  const rows: ModelLatency[] = [];
  for (const n of names) {
    onModel(n);
    try {
      rows.push(await benchModelLatency(n, join(modelsDir, n), cfg));
    } catch (e) {
      rows.push({ model: n, ...(cfg.threads !== undefined && cfg.threads > 1 ? { threads: cfg.threads } : {}), bindings: '', tenthError: describe(e), ortError: 'not run' });
    }
  }
  return rows;
}

const mark = (pass: boolean): string => (pass ? 'PASS' : 'MISS');
const checkText = (c: SideCheck | undefined, err: string | undefined): string =>
  err ? 'ERROR' : !c ? '-' : `${mark(c.pass)} ${c.pass ? c.maxAbs.toExponential(1) : ''}`.trimEnd();
const ms = (x: number | undefined): string => (x === undefined ? '-' : x >= 10 ? x.toFixed(1) : x.toFixed(3));

/** The latency table with a goal line and each side's errors below it. */
export function formatModelLatency(rows: readonly ModelLatency[]): string {
  const out: string[] = [];
  // A threads column only when some row ran on more than one thread (the default table is unchanged).
  const threaded = rows.some((r) => (r.threads ?? 1) > 1);
  const threadText = threaded ? [...new Set(rows.map((r) => r.threads ?? 1))].join('/') : '1';
  out.push(`WASM model latency: tenth (compiled, runtime loadCompiled + run) vs onnxruntime-web 1.30.0 WASM (${threadText} thread${threadText === '1' ? '' : 's'}, SIMD),`);
  out.push(`interleaved, median ms after warm-up, inputs of test_data_set_0; results: max abs error vs expected (rtol 1e-3, atol 1e-5)`);
  out.push('');
  const header = ['model', ...(threaded ? ['threads'] : []), 'inputs', 'runs', 'tenth ms', 'ORT ms', 'tenth/ORT', `aim ${LATENCY_AIM}`, 'tenth results', 'ORT results'];
  out.push(formatTable(header, rows.map((r) => [
    r.model, ...(threaded ? [String(r.threads ?? 1)] : []), r.bindings || 'static', r.runs === undefined ? '-' : String(r.runs), ms(r.tenthMs), ms(r.ortMs),
    r.mark ? `${r.mark.ratio.toFixed(2)} ${mark(r.mark.pass)}` : '-', r.mark ? (r.mark.aim ? 'yes' : 'no') : '-',
    checkText(r.tenthCheck, r.tenthError), checkText(r.ortCheck, r.ortError),
  ])));
  out.push('');
  const n = rows.filter((r) => r.mark?.pass).length;
  out.push(`goal tenth/ORT < ${LATENCY_GOAL.toFixed(1)}: ${n}/${rows.length} models; aim <= ${LATENCY_AIM}: ${rows.filter((r) => r.mark?.aim).length}/${rows.length}`);
  for (const r of rows) {
    if (r.tenthError) out.push(`${r.model}: tenth: ${r.tenthError}`);
    if (r.ortError) out.push(`${r.model}: onnxruntime-web: ${r.ortError}`);
    if (r.tenthCheck?.failure) out.push(`${r.model}: tenth results differ: ${r.tenthCheck.failure}`);
    if (r.ortCheck?.failure) out.push(`${r.model}: onnxruntime-web results differ: ${r.ortCheck.failure}`);
  }
  return out.join('\n') + '\n';
}

/** The JSON form: medians and marks, without the per-run times. */
export function jsonModelLatency(rows: readonly ModelLatency[]): object[] {
  const round = (x: number | undefined): number | undefined => (x === undefined ? undefined : Math.round(x * 1000) / 1000);
  return rows.map(({ tenthRunsMs: _t, ortRunsMs: _o, ...r }) => ({ ...r, tenthMs: round(r.tenthMs), ortMs: round(r.ortMs) }));
}
