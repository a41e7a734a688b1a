// The tenth runtime: loads a compiled artifact (manifest.json, model.wasm, weights.bin) and runs
// it. It imports nothing of the compiler, so it ships alone to browsers, Deno and Node: paths and
// file: URLs are read with node:fs under Node/Deno, other URLs fetched (fetch.ts).
//
// Symbolic dims are bound from the input dims at each run; the arena is planned for each new
// binding (plan.ts) and the module's memory grown to fit. Nothing is allocated by the kernels.

import { ARRAYS, bindFeeds, checkWeights, rebindCounted, FORMAT, INDEX_SITE_FROM0_PREFIX, INDEX_SITE_PREFIX, indexError, manifestPath, now, parseManifestJson, sizingDims, TenthRuntimeError, unknownFormat, type KernelTime, type RunTensor } from './common.js';
import { readBytes } from './fetch.js';
import type { Manifest } from './manifest.js';
import { planArena, type ArenaPlan } from './plan.js';
import { startThreads, supportsThreads, type ThreadedEngine } from './threads.js';

/** The manifest as the runtime reads it (one definition: manifest.ts, which the compiler imports). */
export type RuntimeManifest = Manifest;

/** Which module variant to load: the best the engine supports, or one forced (tests, benchmarks). */
export type SimdVariant = 'auto' | 'simd' | 'relaxed';

export interface LoadOptions {
  /** Default 'auto': the relaxed-SIMD module when there is one and the engine validates it. */
  readonly simd?: SimdVariant;
  /**
   * Threads to run on (default 1: today's single-threaded module). More than 1 loads the threaded
   * module (compiled with --threads) and starts threads - 1 workers; without one, or where the
   * engine cannot share memory, it falls back to the single-threaded module (see `threads`).
   */
  readonly threads?: number;
}

export interface CompiledModel {
  readonly manifest: RuntimeManifest;
  /** Run once; inputs by name. Returns the outputs by name (fresh arrays). */
  run(inputs: Readonly<Record<string, RunTensor>>): Promise<Record<string, RunTensor>>;
  /** Time each kernel (in execution order, each run `repeats` times) on these inputs. */
  profile(inputs: Readonly<Record<string, RunTensor>>, repeats?: number): Promise<KernelTime[]>;
  /** Threads the model runs on (1 when it fell back to the single-threaded module). */
  readonly threads: number;
  /** Terminate the workers (threaded models; a no-op otherwise). The model cannot run afterwards. */
  dispose(): Promise<void>;
}

// The few WebAssembly JS-API members used here (the compiler's tsconfig has no DOM lib).
interface WasmMemory { readonly buffer: ArrayBuffer; grow(pages: number): number }
interface WasmApi {
  instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: Record<string, unknown> } }>;
  validate(bytes: Uint8Array): boolean;
}
const WASM = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

// (module (func (result v128) (f32x4.relaxed_madd (v128.const 0) (v128.const 0) (v128.const 0)))):
// valid only where the engine has relaxed SIMD (Node 20 needs --experimental-wasm-relaxed-simd).
const ZERO_V128 = [0xfd, 0x0c, ...new Array<number>(16).fill(0)];
const RELAXED_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, 0x03, 0x02, 0x01, 0x00,
  0x0a, 0x3d, 0x01, 0x3b, 0x00, ...ZERO_V128, ...ZERO_V128, ...ZERO_V128, 0xfd, 0x85, 0x02, 0x0b,
]);

/** Whether this engine runs relaxed SIMD (asked each time: a flag may be set after loading). */
export function supportsRelaxedSimd(): boolean {
  try {
    return WASM.validate(RELAXED_PROBE);
  } catch {
    return false;
  }
}

/** The module file to load for this manifest and choice. */
export function pickModule(manifest: RuntimeManifest, simd: SimdVariant = 'auto', threaded = false): string {
  const mods = (manifest.modules ?? [{ file: 'model.wasm', features: [] }]).filter((m) => m.features.includes('threads') === threaded);
  const relaxed = (m: { features: readonly string[] }): boolean => m.features.includes('relaxed-simd');
  const found = simd === 'auto'
    ? mods.find((m) => !relaxed(m) || supportsRelaxedSimd())
    : mods.find((m) => relaxed(m) === (simd === 'relaxed'));
  if (!found) throw new TenthRuntimeError('E501', `tenth runtime: no ${simd === 'relaxed' ? 'relaxed-SIMD' : 'plain SIMD'} module in this artifact (compile with --relaxed-simd)`);
  return found.file;
}

// A kernel's index check (src/backends/wasm/kernels/index-check.ts) records the failing site,
// index and size in these exported globals before it traps; each site's text is the name of an
// export `tenth-index-site:<id>:<text>` (valid indices -n to n-1), or `tenth-index-site0:<id>:<text>`
// (valid 0 to n-1: indices that do not wrap).
interface WasmGlobal { value: number | bigint }

/** The error for a trap from an index check (and the record cleared), or undefined for another trap. */
function trappedIndexError(exports: Record<string, unknown>): TenthRuntimeError | undefined {
  const site = exports['tenth_index_site'] as WasmGlobal | undefined;
  if (!site || !site.value) return undefined;
  const id = Number(site.value);
  site.value = 0;
  const value = (exports['tenth_index_value'] as WasmGlobal).value;
  const size = Number((exports['tenth_index_size'] as WasmGlobal).value);
  for (const [p, from0] of [[INDEX_SITE_PREFIX, false], [INDEX_SITE_FROM0_PREFIX, true]] as const) {
    const prefix = `${p}${id}:`;
    const text = Object.keys(exports).find((n) => n.startsWith(prefix))?.slice(prefix.length);
    if (text !== undefined) return indexError(from0 ? { site: text, from: 0 } : text, value, size);
  }
  return indexError(`index check ${id}`, value, size);
}

/** Load a compiled folder (a path in Node/Deno, or a URL). */
export async function loadCompiled(dir: string | URL, opts: LoadOptions = {}): Promise<CompiledModel> {
  const base = String(dir);
  const [manifestBytes, weights] = await Promise.all([readBytes(base, 'manifest.json'), readBytes(base, 'weights.bin')]);
  const parsed = parseManifestJson(base, manifestBytes) as { readonly format?: unknown };
  if (parsed.format === FORMAT.webgpu) {
    throw new TenthRuntimeError('E501', `tenth runtime: ${base} was compiled for WebGPU: load it with the WebGPU runtime's loadCompiled (package export tenth/runtime/webgpu, src/runtime/webgpu.ts), passing { device }`);
  }
  if (parsed.format !== FORMAT.wasm) throw unknownFormat(manifestPath(base), parsed.format, FORMAT.wasm);
  const manifest = parsed as RuntimeManifest;
  const threads = Math.min(Math.max(1, Math.floor(opts.threads ?? 1)), MAX_THREADS);
  if (threads > 1 && manifest.modules?.some((m) => m.features.includes('threads')) && supportsThreads()) {
    return instantiateCompiled(manifest, await readBytes(base, pickModule(manifest, opts.simd, true)), weights, { threads });
  }
  const wasmBytes = await readBytes(base, pickModule(manifest, opts.simd));
  return instantiateCompiled(manifest, wasmBytes, weights);
}

/** The compiler sizes per-thread scratch for this many threads (src/backends/wasm/threads.ts). */
export const MAX_THREADS = 16;

const align = (n: number, a: number): number => Math.ceil(n / a) * a;

/**
 * Instantiate from bytes already in memory. With `threads`, `wasmBytes` is a threaded module
 * (model-threads.wasm) run on that many threads (1 included).
 */
export async function instantiateCompiled(manifest: RuntimeManifest, wasmBytes: Uint8Array, weights: Uint8Array, opts: { threads?: number } = {}): Promise<CompiledModel> {
  if (manifest.format !== FORMAT.wasm) throw unknownFormat('the manifest', (manifest as { format?: unknown }).format, FORMAT.wasm);
  checkWeights(manifest, weights);
  // Threaded: a 16-byte control block (threads.ts) sits between the pointer table and the weights.
  const ctl = align(manifest.ptrBase + 4 * manifest.buffers.length, 64);
  let engine: ThreadedEngine | undefined;
  if (opts.threads !== undefined) {
    const maxPages = manifest.modules?.find((m) => m.features.includes('threads'))?.maxPages ?? 32768;
    engine = await startThreads(wasmBytes, opts.threads, ctl, maxPages);
  }
  const instance = engine ? { exports: engine.exports } : (await WASM.instantiate(wasmBytes, {})).instance;
  const memory = engine ? engine.memory : instance.exports['memory'] as WasmMemory;
  const runAll = engine ? engine.run : instance.exports['run'] as () => void;
  const weightsBase = engine ? ctl + 64 : ctl;
  const arenaBase = align(weightsBase + weights.length, 64);
  const grow = (bytes: number): void => {
    const need = Math.ceil(bytes / 65536) - memory.buffer.byteLength / 65536;
    if (need <= 0) return;
    try {
      memory.grow(need);
    } catch (e) {
      throw new TenthRuntimeError('E501', `tenth runtime: ${manifest.name} needs ${bytes} bytes of WebAssembly memory, more than this engine gives (${(e as Error).message})`, { cause: e });
    }
  };
  grow(arenaBase);
  new Uint8Array(memory.buffer).set(weights, weightsBase);
  const plans = new Map<string, ArenaPlan>();
  const sizeDims = sizingDims(manifest.buffers);

  /** Bind symbols, plan the arena, write the tables and inputs; returns the binding and plan. */
  function prepare(inputs: Readonly<Record<string, RunTensor>>): { bind: Record<string, number>; plan: ArenaPlan } {
    const bind = bindFeeds(manifest, inputs, sizeDims);
    const key = manifest.symbols.map((s) => `${s}=${bind[s]}`).join(',');
    let plan = plans.get(key);
    if (!plan) {
      plan = planArena(manifest.buffers, bind, manifest.alignment);
      plans.set(key, plan);
    }
    grow(arenaBase + plan.bytes);
    const view = new DataView(memory.buffer);
    manifest.symbols.forEach((s, i) => view.setInt32(4 * i, bind[s]!, true));
    manifest.buffers.forEach((b, i) => view.setInt32(manifest.ptrBase + 4 * i, b.kind === 'weight' ? weightsBase + b.offset! : arenaBase + plan!.offsets[i]!, true));
    const bytes = new Uint8Array(memory.buffer);
    for (const inp of manifest.inputs) {
      const d = inputs[inp.name]!.data;
      bytes.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), arenaBase + plan.offsets[inp.buffer]!);
    }
    return { bind, plan };
  }

  /**
   * Run kernels; a trap from a failed index check (kernels/index-check.ts) becomes a message naming
   * the op, any other trap (a bug: kernels check what inputs can get wrong) an E501 that says so.
   */
  function guarded(f: () => void): void {
    try {
      f();
    } catch (e) {
      const err = trappedIndexError(instance.exports);
      if (err) throw err;
      throw e instanceof TenthRuntimeError ? e : new TenthRuntimeError('E501', `tenth runtime: ${manifest.name} trapped: ${(e as Error).message ?? String(e)}`, { cause: e });
    }
  }

  /**
   * A model with counted dims (manifest `counted`): kernel by kernel, each counting kernel's count
   * read from its slot of the dims table and the table rebound before the kernels after it. A
   * threaded module runs it on the main thread alone. Returns the final binding.
   */
  function runCounted(inputs: Readonly<Record<string, RunTensor>>, placed: Readonly<Record<string, number>>): Record<string, number> {
    let bind = { ...placed };
    const counts: Record<string, number> = {};
    const call = (from: number, to: number): void => {
      for (let k = from; k < to; k++) (instance.exports[manifest.kernels[k]!] as () => void)();
    };
    const go = (): void => {
      let from = 0;
      for (const c of manifest.counted!) {
        call(from, c.kernel + 1);
        from = c.kernel + 1;
        counts[c.symbol] = new DataView(memory.buffer).getInt32(4 * manifest.symbols.indexOf(c.symbol), true);
        bind = rebindCounted(manifest, inputs, sizeDims, counts, placed, c);
        const view = new DataView(memory.buffer);
        manifest.symbols.forEach((s, i) => view.setInt32(4 * i, bind[s]!, true));
      }
      call(from, manifest.kernels.length);
    };
    if (engine) engine.alone(() => guarded(go));
    else guarded(go);
    return bind;
  }

  async function run(inputs: Readonly<Record<string, RunTensor>>): Promise<Record<string, RunTensor>> {
    const prepared = prepare(inputs);
    const plan = prepared.plan;
    let bind = prepared.bind;
    if (manifest.counted) bind = runCounted(inputs, bind);
    else guarded(runAll);
    const out: Record<string, RunTensor> = {};
    const mem = memory.buffer;
    for (const o of manifest.outputs) {
      const dims = o.shape.map((d) => (typeof d === 'number' ? d : bind[d] ?? 1));
      const n = dims.reduce((a, b) => a * b, 1);
      const b = manifest.buffers[o.buffer]!;
      const at = b.kind === 'weight' ? weightsBase + b.offset! : arenaBase + plan.offsets[o.buffer]!;
      const Ctor = ARRAYS[o.dtype];
      if (!Ctor) throw new TenthRuntimeError('E501', `tenth runtime: output dtype ${o.dtype} is not supported`);
      const copy = new Uint8Array(n * b.esize);
      copy.set(new Uint8Array(mem, at, n * b.esize));
      out[o.name] = { data: new Ctor(copy.buffer, 0, n), dims };
    }
    return out;
  }

  async function profile(inputs: Readonly<Record<string, RunTensor>>, repeats = 1): Promise<KernelTime[]> {
    const prepared = prepare(inputs);
    // Counted dims: one run first leaves the counts in the dims table for the kernels after them.
    if (manifest.counted) runCounted(inputs, prepared.bind);
    const times = (): KernelTime[] => (manifest.kernels ?? []).map((name) => {
      const f = instance.exports[name] as (() => void) | undefined;
      if (!f) throw new TenthRuntimeError('E501', `tenth runtime: kernel ${name} is not exported`);
      const t0 = now();
      for (let r = 0; r < repeats; r++) guarded(f);
      return { kernel: name, ms: (now() - t0) / repeats };
    });
    // Kernels are timed one by one on the main thread (a threaded module's split for one thread).
    if (!engine) return times();
    let out: KernelTime[] = [];
    engine.alone(() => (out = times()));
    return out;
  }

  const dispose = async (): Promise<void> => { await engine?.dispose(); };
  return { manifest, run, profile, threads: engine?.threads ?? 1, dispose };
}

export type { KernelTime, RunTensor, TypedArray } from './common.js';
export { TenthRuntimeError, type RuntimeCode } from './errors.js';
export { planArena, bufferBytes, type ArenaPlan } from './plan.js';
export { supportsThreads } from './threads.js';
