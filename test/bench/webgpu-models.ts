// Model latency for `npm run bench -- --target webgpu`: every model compiled by tenth's WebGPU
// backend (compileWebGpu + writeWebGpuArtifact into a temporary folder, then the runtime's
// loadCompiledWebGpu + run) against onnxruntime-web's WebGPU backend, both in this process on the
// same Dawn device (the `webgpu` package), on the model's test_data_set_0 inputs, CPU tensors in and
// out on both sides. Loading, checking (rtol 1e-3, atol 1e-5), the interleaved timing and the table
// are model-latency.ts, shared with the WASM bench; this file opens the two sides on the GPU.
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
import { compileWebGpu, writeWebGpuArtifact } from '../../src/backends/webgpu/index.js';
import { loadCompiledWebGpu, type WebGpuDevice } from '../../src/runtime/webgpu.js';
import { NODE_DAWN_FLAGS, nodeDevice, nodeGpu } from '../../src/runtime/webgpu-node.js';
import {
  benchEachModel, benchSides, DEFAULT_LATENCY, formatLatency, type LatencyConfig, loadModelCase, type ModelCase, type ModelLatency, noDataRow,
  type OpenSide, ortFeeds, ortOutputs, tenthFeeds, tenthOutputs,
} from './model-latency.js';
import { F16_CHECK_TOLERANCE } from './figures.js';

export { formatMs, formatRatio } from './model-latency.js';

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

/** tenth's compile variants (`tenth compile --f16 / --subgroups`); ORT runs as always. */
export interface GpuVariant { readonly f16?: boolean; readonly subgroups?: boolean }
export const variantName = (v: GpuVariant): string => [v.f16 && 'f16 weights', v.subgroups && 'subgroups'].filter((x) => x).join(', ');

/** tenth: compiled into a temporary folder (removed once loaded), run through the WebGPU runtime. */
async function openTenth(c: ModelCase, device: WebGpuDevice, variant: GpuVariant): Promise<OpenSide> {
  const dir = mkdtempSync(join(tmpdir(), 'tenth-bench-webgpu-'));
  try {
    writeWebGpuArtifact(join(dir, c.name), compileWebGpu(c.module, { f16: variant.f16 === true, subgroups: variant.subgroups === true }));
    const m = await loadCompiledWebGpu(join(dir, c.name), { device });
    const feeds = tenthFeeds(m, c);
    const run = (): ReturnType<typeof m.run> => m.run(feeds);
    return { run, outputs: tenthOutputs(m, await run()), ...(variant.f16 ? { tolerance: F16_CHECK_TOLERANCE } : {}) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function openOrt(c: ModelCase, device: WebGpuDevice): Promise<OpenSide> {
  const ort = await loadOrt();
  const session = await withTicker(() => ort.InferenceSession.create(new Uint8Array(readFileSync(c.path)), {
    executionProviders: [{ name: 'webgpu', device } as unknown as 'webgpu'], graphOptimizationLevel: 'all',
  }));
  const release = (): Promise<void> => session.release();
  try {
    const feeds = ortFeeds(ort, c);
    // The first run compiles ORT's pipelines (see the ticker above).
    return { run: () => session.run(feeds), outputs: ortOutputs(await withTicker(() => session.run(feeds)), c), dispose: release };
  } catch (e) {
    await release();
    throw e;
  }
}

/** Compile with tenth, open with ORT (WebGPU EP), check both once, then time them interleaved. */
export async function benchWebGpuModel(name: string, modelDir: string, cfg: LatencyConfig = DEFAULT_LATENCY, variant: GpuVariant = {}): Promise<ModelLatency> {
  const c = loadModelCase(name, modelDir);
  if (!c) return noDataRow(name);
  const { device } = await benchGpu();
  return benchSides(c, { tenth: (m) => openTenth(m, device, variant), ort: (m) => openOrt(m, device) }, cfg);
}

/** Every model in turn; a model that cannot be read gets an error row. */
export function benchWebGpuModels(modelsDir: string, names: readonly string[], onModel: (name: string) => void = () => {}, cfg: LatencyConfig = DEFAULT_LATENCY, variant: GpuVariant = {}): Promise<ModelLatency[]> {
  return benchEachModel(modelsDir, names, onModel, (n, dir) => benchWebGpuModel(n, dir, cfg, variant));
}

/** The latency table, headed by the adapter, with a goal line and each side's errors below it. */
export function formatWebGpuModels(rows: readonly ModelLatency[], adapter: string, variant: GpuVariant = {}): string {
  const v = variantName(variant);
  return formatLatency(rows, [
    `WebGPU model latency on ${adapter} (Dawn): tenth (compiled${v ? ` with ${v}` : ''}, runtime loadCompiledWebGpu + run) vs onnxruntime-web 1.30.0 WebGPU,`,
    `same device, CPU tensors in and out, interleaved, median ms after warm-up, inputs of test_data_set_0; results: max abs error vs expected (rtol 1e-3, atol 1e-5${variant.f16 ? '; tenth\'s f16 build: rtol 1e-2, atol 1.5e-2' : ''})`,
  ]);
}
