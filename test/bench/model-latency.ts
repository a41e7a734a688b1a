// What the two model-latency benches share (wasm-models.ts: tenth's WASM against onnxruntime-web's
// WASM backend; webgpu-models.ts: tenth's WebGPU against onnxruntime-web's WebGPU backend): the
// goal, loading a model folder's test_data_set_0, feeding both sides and reading their outputs back,
// checking each side once against the expected outputs (rtol 1e-3, atol 1e-5), the interleaved
// timing, the loop over models and the table. Each bench supplies how its two sides are opened.
//
// Timing: both sides run in this process, interleaved: the pairs alternate which side goes first
// (tenth, ort, ort, tenth, ...), so machine noise and any position effect hit both equally. Each
// side is warmed up first (V8 tiers hot WASM functions up while they run; GPU pipelines settle).

import { join } from 'node:path';
import { formatDiagnostic, TenthError } from '../../ir/diagnostics.js';
import type { DType } from '../../ir/dtype.js';
import type { Module } from '../../ir/ir.js';
import type { Tensor } from '../../ir/tensor.js';
import { compareTensors, type Tolerance } from '../../src/check/compare.js';
import { listDataSets, loadExpected, loadInputs } from '../../src/check/data-dir.js';
import { importOnnxFile } from '../../src/onnx/import.js';
import type { RunTensor, TypedArray } from '../../src/runtime/index.js';
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
  /** Threads on both sides (default 1; the WASM bench only). */
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

/** One model folder, loaded once for both sides. */
export interface ModelCase {
  readonly name: string;
  /** model.onnx */
  readonly path: string;
  readonly module: Module;
  /** test_data_set_0's inputs, in argument order. */
  readonly inputs: readonly { readonly name: string; readonly tensor: Tensor }[];
  readonly outNames: readonly string[];
  readonly want: readonly Tensor[];
  readonly bindings: string;
}

/** The model and its first data set; undefined when the folder has no test_data_set_N. */
export function loadModelCase(name: string, modelDir: string): ModelCase | undefined {
  const path = join(modelDir, 'model.onnx');
  const data = listDataSets(modelDir)[0];
  if (data === undefined) return undefined;
  const module = importOnnxFile(path);
  const inputs = loadInputs(module, data);
  const expected = loadExpected(module, data);
  const bind = new Map<string, number>();
  module.main.args.forEach((arg, k) => (arg.type.shape ?? []).forEach((d, i) => {
    if (typeof d === 'string' && d !== '?' && !bind.has(d)) bind.set(d, inputs[k]!.tensor.shape[i]!);
  }));
  return {
    name, path, module, inputs, outNames: expected.map((e) => e.name), want: expected.map((e) => e.tensor),
    bindings: [...bind].map(([s, v]) => `${s}:${v}`).join(','),
  };
}

interface RuntimeModel { manifest: { inputs: readonly { name: string }[]; outputs: readonly { name: string; dtype: string }[] } }

/** tenth's feeds, by position: manifest inputs/outputs are the main function's arguments/results in order. */
export function tenthFeeds(m: RuntimeModel, c: ModelCase): Record<string, RunTensor> {
  return Object.fromEntries(m.manifest.inputs.map((inp, k) => [inp.name, { data: c.inputs[k]!.tensor.data as TypedArray, dims: c.inputs[k]!.tensor.shape }]));
}

/** tenth's outputs as tensors, in result order. */
export function tenthOutputs(m: RuntimeModel, out: Record<string, RunTensor>): Tensor[] {
  return m.manifest.outputs.map((o) => ({ dtype: o.dtype as DType, shape: [...out[o.name]!.dims], data: out[o.name]!.data } as Tensor));
}

const ORT_TYPES: Readonly<Record<string, DType>> = {
  float32: 'f32', float64: 'f64', int64: 'i64', int32: 'i32', int8: 'i8', uint8: 'u8', bool: 'bool', int16: 'i16', uint16: 'u16', uint32: 'u32', uint64: 'u64',
};
const ORT_NAMES: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(ORT_TYPES).map(([k, v]) => [v, k]));

type OrtModule = typeof import('onnxruntime-web');
type OrtFeeds = Record<string, InstanceType<OrtModule['Tensor']>>;

/** onnxruntime-web CPU tensors of the inputs (either backend's build exports the same Tensor). */
export function ortFeeds(ort: OrtModule, c: ModelCase): OrtFeeds {
  return Object.fromEntries(c.inputs.map((inp) => {
    const t = inp.tensor;
    const type = ORT_NAMES[t.dtype];
    if (!type) throw new Error(`input ${inp.name}: dtype ${t.dtype} not mapped to onnxruntime`);
    return [inp.name, new ort.Tensor(type as 'float32', t.data as Float32Array, t.shape)];
  }));
}

/** onnxruntime-web's outputs as tensors, in the expected outputs' order. */
export function ortOutputs(out: Record<string, { type: string; dims: readonly number[]; data: unknown }>, c: ModelCase): Tensor[] {
  return c.outNames.map((n) => {
    const t = out[n];
    if (!t) throw new Error(`no output '${n}'`);
    return { dtype: ORT_TYPES[t.type] ?? 'string', shape: [...t.dims], data: t.data } as Tensor;
  });
}

function check(names: readonly string[], got: readonly Tensor[], want: readonly Tensor[], tol: Tolerance = CHECK_TOLERANCE): SideCheck {
  let maxAbs = 0;
  for (let k = 0; k < want.length; k++) {
    const c = compareTensors(got[k]!, want[k]!, tol);
    if (!c.ok) return { pass: false, maxAbs: c.maxAbs, failure: `${names[k]}: ${c.reason}` };
    maxAbs = Math.max(maxAbs, c.maxAbs);
  }
  return { pass: true, maxAbs };
}

/** An error as one line: a TenthError's diagnostics, else the first line of the message. */
export function errorText(e: unknown): string {
  if (e instanceof TenthError) return e.diagnostics.map(formatDiagnostic).join('; ');
  return e instanceof Error ? e.message.split('\n')[0]! : String(e);
}

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

/** A side, opened: one timed run, the outputs of its first run (result order), and its clean-up. */
export interface OpenSide {
  readonly run: () => Promise<unknown>;
  readonly outputs: readonly Tensor[];
  readonly dispose?: () => Promise<void>;
  /** Tolerance of this side's check (default CHECK_TOLERANCE; a --f16 build: F16_CHECK_TOLERANCE). */
  readonly tolerance?: Tolerance;
}

/**
 * Open both sides (a side that throws gets an error and is not timed), check each once against
 * the expected outputs, then time them interleaved. `extra` goes into every row (threads).
 */
export async function benchSides(c: ModelCase, open: Record<Side, (c: ModelCase) => Promise<OpenSide>>, cfg: LatencyConfig, extra: Partial<ModelLatency> = {}): Promise<ModelLatency> {
  const opened: Partial<Record<Side, OpenSide>> = {};
  const checks: Partial<Record<Side, SideCheck>> = {};
  const errors: Partial<Record<Side, string>> = {};
  for (const s of ['tenth', 'ort'] as const) {
    try {
      const o = await open[s](c);
      opened[s] = o;
      checks[s] = check(c.outNames, o.outputs, c.want, o.tolerance);
    } catch (e) {
      errors[s] = errorText(e);
    }
  }
  const dispose = async (): Promise<void> => {
    for (const s of ['tenth', 'ort'] as const) await opened[s]?.dispose?.();
  };
  const head = { model: c.name, ...extra, bindings: c.bindings };
  if (!opened.tenth || !opened.ort) {
    await dispose();
    return { ...head, tenthCheck: checks.tenth, ortCheck: checks.ort, tenthError: errors.tenth, ortError: errors.ort };
  }
  const times = await measure({ tenth: opened.tenth.run, ort: opened.ort.run }, cfg);
  await dispose();
  const tenthMs = median(times.tenth), ortMs = median(times.ort);
  return {
    ...head, runs: times.tenth.length, tenthMs, ortMs, tenthRunsMs: times.tenth, ortRunsMs: times.ort,
    mark: latencyMark(tenthMs, ortMs), tenthCheck: checks.tenth, ortCheck: checks.ort,
  };
}

/** The row of a model folder without test data. */
export const noDataRow = (name: string): ModelLatency => ({ model: name, bindings: '', tenthError: 'no test_data_set_0', ortError: 'no test_data_set_0' });

/** Every model in turn (`onModel` is told each name first); a model that cannot be read gets an error row. */
export async function benchEachModel(modelsDir: string, names: readonly string[], onModel: (name: string) => void, bench: (name: string, dir: string) => Promise<ModelLatency>, extra: Partial<ModelLatency> = {}): Promise<ModelLatency[]> {
  const rows: ModelLatency[] = [];
  for (const n of names) {
    onModel(n);
    try {
      rows.push(await bench(n, join(modelsDir, n)));
    } catch (e) {
      rows.push({ model: n, ...extra, bindings: '', tenthError: errorText(e), ortError: 'not run' });
    }
  }
  return rows;
}

const mark = (pass: boolean): string => (pass ? 'PASS' : 'MISS');
const checkText = (c: SideCheck | undefined, err: string | undefined): string =>
  err ? 'ERROR' : !c ? '-' : `${mark(c.pass)} ${c.pass ? c.maxAbs.toExponential(1) : ''}`.trimEnd();
/** Milliseconds: one decimal from 10 ms, three below. */
export const formatMs = (x: number | undefined): string => (x === undefined ? '-' : x >= 10 ? x.toFixed(1) : x.toFixed(3));
/** tenth/ORT with its mark, '-' without both sides. */
export const formatRatio = (m: ModelLatency['mark']): string => (m ? `${m.ratio.toFixed(2)} ${mark(m.pass)}` : '-');

/**
 * The latency table under `head` (the bench's title lines), with a goal line and each side's
 * errors below it; a threads column only when some row ran on more than one thread.
 */
export function formatLatency(rows: readonly ModelLatency[], head: readonly string[]): string {
  const out: string[] = [...head, ''];
  const threaded = rows.some((r) => (r.threads ?? 1) > 1);
  const header = ['model', ...(threaded ? ['threads'] : []), 'inputs', 'runs', 'tenth ms', 'ORT ms', 'tenth/ORT', `aim ${LATENCY_AIM}`, 'tenth results', 'ORT results'];
  out.push(formatTable(header, rows.map((r) => [
    r.model, ...(threaded ? [String(r.threads ?? 1)] : []), r.bindings || 'static', r.runs === undefined ? '-' : String(r.runs), formatMs(r.tenthMs), formatMs(r.ortMs),
    formatRatio(r.mark), r.mark ? (r.mark.aim ? 'yes' : 'no') : '-',
    checkText(r.tenthCheck, r.tenthError), checkText(r.ortCheck, r.ortError),
  ])));
  out.push('');
  // A model counts only if both sides' results were right: a fast wrong answer is no pass.
  const pass = rows.filter((r) => latencyOk(r) && r.mark!.pass).length, aim = rows.filter((r) => latencyOk(r) && r.mark!.aim).length;
  out.push(`goal tenth/ORT < ${LATENCY_GOAL.toFixed(1)}: ${pass}/${rows.length} models; aim <= ${LATENCY_AIM}: ${aim}/${rows.length}`);
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
