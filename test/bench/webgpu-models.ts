// Model latency for `npm run bench -- --target webgpu`: every model compiled by tenth's WebGPU
// backend (compileWebGpu + writeWebGpuArtifact into a temporary folder, then the runtime's
// loadCompiledWebGpu + run) against onnxruntime-web's WebGPU backend, both in this process on the
// same Dawn device (the `webgpu` package), on the model's test_data_set_0 inputs, CPU tensors in and
// out on both sides. Interleaved timing, warm-up and run counts as test/bench/wasm-models.ts; each
// side's outputs are checked once against the expected outputs (rtol 1e-3, atol 1e-5).
//
// onnxruntime-web 1.30 in Node, three things (found here, Dawn + SwiftShader):
// - `onnxruntime-web/webgpu` with `navigator.gpu` (Node 20 has no navigator) and the device handed
//   over as `executionProviders: [{ name: 'webgpu', device }]` (env.webgpu.device is not read).
// - Its wasm heap is a SharedArrayBuffer, which dawn.node's writeBuffer rejects ("Invalid argument"):
//   GPUQueue.prototype.writeBuffer copies such views into an ordinary buffer first (a no-op for
//   tenth, whose data is never shared).
// - dawn.node delivers createComputePipelineAsync results only while Node's event loop turns;
//   ORT's asyncify build awaits them with nothing else scheduled, and SwiftShader took ~100 s for
//   mlp_digits' three pipelines. A 1 ms interval runs while ORT creates its session and first runs
//   (not while timing).

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatDiagnostic, TenthError } from '../../ir/diagnostics.js';
import type { DType } from '../../ir/dtype.js';
import type { Tensor } from '../../ir/tensor.js';
import { compareTensors } from '../../src/check/compare.js';
import { listDataSets, loadExpected, loadInputs } from '../../src/check/data-dir.js';
import { compileWebGpu, writeWebGpuArtifact } from '../../src/backends/webgpu/index.js';
import { importOnnxFile } from '../../src/onnx/import.js';
import { loadCompiledWebGpu, type RunTensor, type TypedArray, type WebGpuDevice } from '../../src/runtime/webgpu.js';
import { NODE_DAWN_FLAGS, nodeDevice, nodeGpu } from '../../src/runtime/webgpu-node.js';
import { CHECK_TOLERANCE, median } from './figures.js';
import { formatTable } from './report.js';
import { chooseRuns, DEFAULT_LATENCY, interleavedOrder, latencyMark, LATENCY_AIM, LATENCY_GOAL, type LatencyConfig, type ModelLatency, type Side, type SideCheck } from './wasm-models.js';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/**
 * The Vulkan loader reads VK_ICD_FILENAMES when the process starts: where it is unset and
 * SwiftShader is installed (the CPU machines), run this same command again in a child with it set
 * and return the child's exit status; undefined means carry on here (set, or no SwiftShader: a
 * machine with a real GPU uses its own driver).
 */
export function reexecWithSwiftShader(exists: (p: string) => boolean): number | undefined {
  if (process.env['VK_ICD_FILENAMES'] !== undefined || process.env['TENTH_BENCH_REEXEC'] !== undefined || !exists(SWIFTSHADER_ICD)) return undefined;
  const env: NodeJS.ProcessEnv = { ...process.env, VK_ICD_FILENAMES: SWIFTSHADER_ICD, TENTH_BENCH_REEXEC: '1' };
  env['XDG_RUNTIME_DIR'] ??= tmpdir();
  // With TENTH_BENCH_FAST_EXIT the child ends itself by SIGKILL after naming its status on stderr's
  // last line: read it from there (stderr is then passed on when the child ends, not as it goes).
  const fast = process.env['TENTH_BENCH_FAST_EXIT'] === '1';
  const r = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { stdio: ['inherit', 'inherit', fast ? 'pipe' : 'inherit'], env, maxBuffer: 1 << 26 });
  if (!fast) return r.status ?? 1;
  const err = String(r.stderr ?? '');
  const said = /bench: exit status (\d+)\n?$/.exec(err);
  process.stderr.write(said ? err.slice(0, said.index) : err);
  return said ? Number(said[1]) : r.status ?? 1;
}

export interface AdapterInfo {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
}

/** Adapter name for headers: description, else vendor and architecture. */
export const adapterName = (a: AdapterInfo): string => a.description || [a.vendor, a.architecture, a.device].filter((s) => s).join(' ') || 'unknown adapter';
export const isSwiftShader = (a: AdapterInfo): boolean => /swiftshader/i.test(`${a.vendor} ${a.architecture} ${a.description}`);

/**
 * Dawn instance flags: TENTH_DAWN_FLAGS (whitespace-separated, e.g. `backend=vulkan
 * enable-dawn-features=a,b`) where set, else the runtime's NODE_DAWN_FLAGS. The GPU pack's run.sh
 * (test/bench/gpu/) sets it for the real GPU: Vulkan backend, precise timestamps, f16 on NVIDIA.
 */
export function dawnFlags(env: NodeJS.ProcessEnv = process.env): readonly string[] {
  const f = env['TENTH_DAWN_FLAGS']?.split(/\s+/).filter((x) => x) ?? [];
  return f.length > 0 ? f : NODE_DAWN_FLAGS;
}

interface Gpu { device: WebGpuDevice; adapter: AdapterInfo }
let gpu: Promise<Gpu> | undefined;

/** The bench's one Dawn device (tenth and ORT share it) and its adapter's info. */
export function benchGpu(): Promise<Gpu> {
  gpu ??= (async () => {
    const flags = dawnFlags();
    const g = await nodeGpu(flags);
    const adapter = (await g.requestAdapter()) as unknown as { info?: Partial<AdapterInfo> } | null;
    const info = adapter?.info ?? {};
    const device = await nodeDevice(flags);
    const nav = ((globalThis as { navigator?: object }).navigator ??= {});
    Object.defineProperty(nav, 'gpu', { value: g, configurable: true });
    const { globals } = (await import('webgpu')) as unknown as { globals: { GPUQueue: { prototype: { writeBuffer: WriteBuffer } } } };
    copySharedWrites(globals.GPUQueue.prototype);
    return { device, adapter: { vendor: info.vendor ?? '', architecture: info.architecture ?? '', device: info.device ?? '', description: info.description ?? '' } };
  })();
  return gpu;
}

type WriteBuffer = (this: unknown, buf: unknown, offset: number, data: ArrayBufferView & { BYTES_PER_ELEMENT?: number; length?: number }, dataOffset?: number, size?: number) => void;
let patched = false;
/** writeBuffer from a SharedArrayBuffer view (ORT's wasm heap) through a copy; other calls unchanged. */
function copySharedWrites(proto: { writeBuffer: WriteBuffer }): void {
  if (patched) return;
  patched = true;
  const write = proto.writeBuffer;
  proto.writeBuffer = function (buf, offset, data, dataOffset, size) {
    if (typeof SharedArrayBuffer === 'undefined' || !(data.buffer instanceof SharedArrayBuffer)) return write.call(this, buf, offset, data, dataOffset, size);
    const bpe = data.BYTES_PER_ELEMENT ?? 1;
    const first = (dataOffset ?? 0) * bpe;
    const n = size === undefined ? data.byteLength - first : size * bpe;
    const copy = new Uint8Array(n);
    copy.set(new Uint8Array(data.buffer, data.byteOffset + first, n));
    return write.call(this, buf, offset, copy);
  };
}

/** Keeps Node's event loop turning while `f` runs (dawn.node resolves its promises from the loop). */
async function withTicker<T>(f: () => Promise<T>): Promise<T> {
  const t = setInterval(() => {}, 1);
  try {
    return await f();
  } finally {
    clearInterval(t);
  }
}

type OrtModule = typeof import('onnxruntime-web');
let ortPromise: Promise<OrtModule> | undefined;
function loadOrt(): Promise<OrtModule> {
  ortPromise ??= (import('onnxruntime-web/webgpu') as Promise<OrtModule>).then((ort) => {
    ort.env.wasm.numThreads = 1;
    ort.env.logLevel = 'error';
    return ort;
  });
  return ortPromise;
}

const ORT_TYPES: Readonly<Record<string, DType>> = { float32: 'f32', int64: 'i64', int32: 'i32', bool: 'bool', uint8: 'u8', int8: 'i8' };
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

async function timeOnce(f: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
}

/** Warm-up (interleaved), then `runs` timed runs per side in interleavedOrder (as wasm-models.ts). */
async function measure(run: Record<Side, () => Promise<unknown>>, cfg: LatencyConfig): Promise<Record<Side, number[]>> {
  const warm: Record<Side, number[]> = { tenth: [], ort: [] };
  const order = interleavedOrder(50);
  const t0 = performance.now();
  for (let i = 0; i < 50 && (i < cfg.minWarmup || performance.now() - t0 < 2 * cfg.warmupMs); i++) {
    for (const s of order.slice(2 * i, 2 * i + 2)) warm[s].push(await timeOnce(run[s]));
  }
  const late = (xs: number[]): number => median(xs.slice(xs.length >> 1));
  const runs = chooseRuns(late(warm.tenth) + late(warm.ort), cfg);
  const times: Record<Side, number[]> = { tenth: [], ort: [] };
  for (const s of interleavedOrder(runs)) times[s].push(await timeOnce(run[s]));
  return times;
}

/** tenth's compile variants (`tenth compile --f16 / --subgroups`); ORT runs as always. */
export interface GpuVariant { readonly f16?: boolean; readonly subgroups?: boolean }
export const variantName = (v: GpuVariant): string => [v.f16 && 'f16 weights', v.subgroups && 'subgroups'].filter((x) => x).join(', ');

/** Compile with tenth, open with ORT (WebGPU EP), check both once, then time them interleaved. */
export async function benchWebGpuModel(name: string, modelDir: string, cfg: LatencyConfig = DEFAULT_LATENCY, variant: GpuVariant = {}): Promise<ModelLatency> {
  const path = join(modelDir, 'model.onnx');
  const data = listDataSets(modelDir)[0];
  if (data === undefined) return { model: name, bindings: '', tenthError: 'no test_data_set_0', ortError: 'no test_data_set_0' };
  const { device } = await benchGpu();
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

  let tenthRun: (() => Promise<unknown>) | undefined;
  let tenthCheck: SideCheck | undefined;
  let tenthError: string | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'tenth-bench-webgpu-'));
  try {
    writeWebGpuArtifact(join(dir, name), compileWebGpu(module, { f16: variant.f16 === true, subgroups: variant.subgroups === true }));
    const m = await loadCompiledWebGpu(join(dir, name), { device });
    // By position: manifest inputs/outputs are the main function's arguments/results in order.
    const feeds: Record<string, RunTensor> = Object.fromEntries(m.manifest.inputs.map((inp, k) => [inp.name, { data: inputs[k]!.tensor.data as TypedArray, dims: inputs[k]!.tensor.shape }]));
    tenthRun = () => m.run(feeds);
    const out = await m.run(feeds);
    const got = m.manifest.outputs.map((o) => ({ dtype: o.dtype as DType, shape: [...out[o.name]!.dims], data: out[o.name]!.data } as Tensor));
    tenthCheck = check(outNames, got, want);
  } catch (e) {
    tenthError = describe(e);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  let ortRun: (() => Promise<unknown>) | undefined;
  let release = async (): Promise<void> => {};
  let ortCheck: SideCheck | undefined;
  let ortError: string | undefined;
  try {
    const ort = await loadOrt();
    const session = await withTicker(() => ort.InferenceSession.create(new Uint8Array(readFileSync(path)), {
      executionProviders: [{ name: 'webgpu', device } as unknown as 'webgpu'], graphOptimizationLevel: 'all',
    }));
    const feeds = Object.fromEntries(inputs.map((inp) => {
      const t = inp.tensor;
      const type = ORT_NAMES[t.dtype];
      if (!type) throw new Error(`input ${inp.name}: dtype ${t.dtype} not mapped to onnxruntime`);
      return [inp.name, new ort.Tensor(type as 'float32', t.data as Float32Array, t.shape)];
    }));
    ortRun = () => session.run(feeds);
    release = () => session.release();
    // The first run compiles ORT's pipelines (see the ticker above).
    const out = await withTicker(() => session.run(feeds));
    const got = outNames.map((n) => {
      const t = out[n];
      if (!t) throw new Error(`no output '${n}'`);
      return { dtype: ORT_TYPES[t.type] ?? 'string', shape: [...t.dims], data: t.data } as Tensor;
    });
    ortCheck = check(outNames, got, want);
  } catch (e) {
    ortError = describe(e);
  }

  if (!tenthRun || !ortRun || tenthError || ortError) {
    await release();
    return { model: name, bindings, tenthCheck, ortCheck, tenthError, ortError };
  }
  const times = await measure({ tenth: tenthRun, ort: ortRun }, cfg);
  await release();
  const tenthMs = median(times.tenth), ortMs = median(times.ort);
  return {
    model: name, bindings, runs: times.tenth.length, tenthMs, ortMs, tenthRunsMs: times.tenth, ortRunsMs: times.ort,
    mark: latencyMark(tenthMs, ortMs), tenthCheck, ortCheck,
  };
}

/** Every model in turn; a model that cannot be read gets an error row. */
export async function benchWebGpuModels(modelsDir: string, names: readonly string[], onModel: (name: string) => void = () => {}, cfg: LatencyConfig = DEFAULT_LATENCY, variant: GpuVariant = {}): Promise<ModelLatency[]> {
  const rows: ModelLatency[] = [];
  for (const n of names) {
    onModel(n);
    try {
      rows.push(await benchWebGpuModel(n, join(modelsDir, n), cfg, variant));
    } catch (e) {
      rows.push({ model: n, bindings: '', tenthError: describe(e), ortError: 'not run' });
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

/** The latency table, headed by the adapter, with a goal line and each side's errors below it. */
export function formatWebGpuModels(rows: readonly ModelLatency[], adapter: string, variant: GpuVariant = {}): string {
  const out: string[] = [];
  const v = variantName(variant);
  out.push(`WebGPU model latency on ${adapter} (Dawn): tenth (compiled${v ? ` with ${v}` : ''}, runtime loadCompiledWebGpu + run) vs onnxruntime-web 1.30.0 WebGPU,`);
  out.push(`same device, CPU tensors in and out, interleaved, median ms after warm-up, inputs of test_data_set_0; results: max abs error vs expected (rtol 1e-3, atol 1e-5)`);
  out.push('');
  const header = ['model', 'inputs', 'runs', 'tenth ms', 'ORT ms', 'tenth/ORT', `aim ${LATENCY_AIM}`, 'tenth results', 'ORT results'];
  out.push(formatTable(header, rows.map((r) => [
    r.model, r.bindings || 'static', r.runs === undefined ? '-' : String(r.runs), formatMs(r.tenthMs), formatMs(r.ortMs),
    formatRatio(r.mark), r.mark ? (r.mark.aim ? 'yes' : 'no') : '-',
    checkText(r.tenthCheck, r.tenthError), checkText(r.ortCheck, r.ortError),
  ])));
  out.push('');
  out.push(`goal tenth/ORT < ${LATENCY_GOAL.toFixed(1)}: ${rows.filter((r) => r.mark?.pass).length}/${rows.length} models; aim <= ${LATENCY_AIM}: ${rows.filter((r) => r.mark?.aim).length}/${rows.length}`);
  for (const r of rows) {
    if (r.tenthError) out.push(`${r.model}: tenth: ${r.tenthError}`);
    if (r.ortError) out.push(`${r.model}: onnxruntime-web: ${r.ortError}`);
    if (r.tenthCheck?.failure) out.push(`${r.model}: tenth results differ: ${r.tenthCheck.failure}`);
    if (r.ortCheck?.failure) out.push(`${r.model}: onnxruntime-web results differ: ${r.ortCheck.failure}`);
  }
  return out.join('\n') + '\n';
}
