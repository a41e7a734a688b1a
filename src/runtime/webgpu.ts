// The WebGPU runtime: loads a folder written by `tenth compile --target webgpu` (manifest.json,
// weights.bin, one .wgsl per dispatch) and runs it on a GPUDevice through the standard WebGPU
// API only (browsers, Deno, Node with the `webgpu` package). It imports nothing of the compiler.
//
// At load: every pipeline is created once (explicit layout: uniform, arena, weights), weights are
// uploaded once. Per binding of the symbols (cached): the arena is planned (plan.ts) and the
// uniform words (symbols and buffer offsets) computed; one arena buffer grows to fit (and, for a
// model compiled with --f16, one half arena for its f16 intermediates, binding 3). Per run:
// inputs are written, one command encoder records every dispatch in one compute pass and the
// copies of the outputs, one submit, one map of the read-back buffer. No CPU round trip between
// kernels. Where ops check their indices at run time (gather), a small status buffer (binding 4)
// is cleared before the submit and copied into the same read-back buffer; a set flag refuses the
// run naming the op. At load, the folder's files are checked against the manifest (weights.bin's
// size) and the device (features, buffer limits); inputs are checked before anything is written.

import { bindFeeds, ceilDiv, checkWeights, indexError, manifestPath, now, parseManifestJson, sizingDims, type KernelTime as CommonKernelTime, type RunTensor, type TypedArray } from './common.js';
import { readBytes } from './fetch.js';
import { bufferBytes, inHalfArena, planArena, type ArenaPlan } from './plan.js';
import type { CountExpr, GpuManifest } from './webgpu-manifest.js';

export type { RunTensor, TypedArray } from './common.js';
export interface KernelTime extends CommonKernelTime {
  /** 'gpu': from timestamp queries; 'cpu': submitted and waited for, timed on the CPU. */
  readonly timing?: 'gpu' | 'cpu';
}

/** The manifest as the runtime reads it (one definition: webgpu-manifest.ts, which the compiler imports). */
export type WebGpuManifest = GpuManifest;

// The few members of the WebGPU API used here (the compiler's tsconfig has no WebGPU types).
interface GBuffer { readonly size: number; destroy(): void; mapAsync(mode: number): Promise<void>; getMappedRange(): ArrayBuffer; unmap(): void }
interface GPass { setPipeline(p: unknown): void; setBindGroup(i: number, g: unknown): void; dispatchWorkgroups(x: number, y?: number, z?: number): void; end(): void }
interface GEncoder { beginComputePass(d?: object): GPass; copyBufferToBuffer(a: GBuffer, ao: number, b: GBuffer, bo: number, n: number): void; resolveQuerySet?(q: GQuerySet, first: number, count: number, b: GBuffer, offset: number): void; finish(): unknown }
interface GQuerySet { destroy(): void }
export interface WebGpuDevice {
  readonly features?: { has(name: string): boolean };
  readonly limits: { readonly maxComputeWorkgroupsPerDimension: number; readonly maxBufferSize?: number; readonly maxStorageBufferBindingSize?: number };
  readonly queue: { writeBuffer(b: GBuffer, offset: number, data: ArrayBufferView): void; submit(c: unknown[]): void; onSubmittedWorkDone(): Promise<void> };
  createBuffer(d: { size: number; usage: number; mappedAtCreation?: boolean }): GBuffer;
  createShaderModule(d: { code: string; label?: string }): { getCompilationInfo(): Promise<{ messages: readonly { type: string; message: string; lineNum: number; linePos: number }[] }> };
  createBindGroupLayout(d: object): unknown;
  createPipelineLayout(d: object): unknown;
  createComputePipelineAsync(d: object): Promise<unknown>;
  createBindGroup(d: object): unknown;
  createCommandEncoder(): GEncoder;
  createQuerySet?(d: { type: string; count: number }): GQuerySet;
  pushErrorScope(filter: string): void;
  popErrorScope(): Promise<{ message: string } | null>;
}

const USAGE = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, UNIFORM: 0x40, STORAGE: 0x80, QUERY_RESOLVE: 0x200 };
const COMPUTE = 0x4;

export interface WebGpuLoadOptions {
  /** The device to run on; default: navigator.gpu's adapter with the limits the model needs. */
  readonly device?: WebGpuDevice;
  /** Use the subgroup variants of reduction shaders where the device has `subgroups` (default true). */
  readonly subgroups?: boolean;
}

export interface CompiledWebGpuModel {
  readonly manifest: WebGpuManifest;
  run(inputs: Readonly<Record<string, RunTensor>>): Promise<Record<string, RunTensor>>;
  /**
   * Time each kernel on these inputs, dispatched `repeats` times: with GPU timestamps (one compute pass
   * per kernel, timestampWrites) when the device has `timestamp-query`, else each kernel submitted and
   * waited for, timed on the CPU. `timing` says which.
   */
  profile(inputs: Readonly<Record<string, RunTensor>>, repeats?: number): Promise<KernelTime[]>;
  /** Destroy the model's GPU buffers (the device stays the caller's); later runs are refused. */
  dispose(): Promise<void>;
}

const g = globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<{ features?: { has(name: string): boolean }; limits: Record<string, number>; requestDevice(d: object): Promise<WebGpuDevice> } | null> } } };

/** A device with the limits a model needs, from navigator.gpu (browsers, Deno). */
async function defaultDevice(m: WebGpuManifest): Promise<WebGpuDevice> {
  const gpu = g.navigator?.gpu;
  // Node has no navigator.gpu: its device comes from the `webgpu` package (webgpu-node.ts).
  const node = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node !== undefined && !('Deno' in globalThis);
  if (!gpu) {
    throw new Error(node ? "tenth runtime: Node has no navigator.gpu: pass { device } (nodeDevice() from tenth's runtime/webgpu-node, which needs the npm package 'webgpu')"
      : 'tenth runtime: this browser or runtime has no WebGPU (navigator.gpu is missing): use a browser with WebGPU enabled (Chromium on Linux: --enable-unsafe-webgpu)');
  }
  const adapter = await gpu.requestAdapter();
  if (!adapter) throw new Error('tenth runtime: no WebGPU adapter available (navigator.gpu.requestAdapter() gave none): no usable GPU or software adapter here');
  const features = m.features ?? [];
  checkFeatures(m, adapter, 'the adapter');
  // Optional: subgroups, for the variants of reduction shaders.
  const optional = m.kernels.some((k) => k.variants?.subgroups) && adapter.features?.has('subgroups') ? ['subgroups'] : [];
  return adapter.requestDevice({ requiredLimits: deviceLimits(adapter.limits, m), requiredFeatures: [...features, ...optional] });
}

/** Refuse, naming the feature, a model whose shaders need what the adapter or device lacks. */
export function checkFeatures(m: WebGpuManifest, has: { features?: { has(name: string): boolean } }, what: string): void {
  const missing = (m.features ?? []).filter((f) => !has.features?.has(f));
  if (missing.length > 0) {
    const hint = missing.includes('shader-f16') ? ' (the model was compiled with --f16; compile it without --f16 for this device)' : '';
    throw new Error(`tenth runtime: ${what} lacks the WebGPU feature${missing.length > 1 ? 's' : ''} ${missing.map((f) => `'${f}'`).join(', ')} that ${m.name} needs${hint}`);
  }
}

/** The limits to request: the adapter's storage sizes, workgroup storage the shaders declare. */
export function deviceLimits(adapter: Readonly<Record<string, number>>, m?: WebGpuManifest): Record<string, number> {
  const need = m?.workgroupStorageBytes ?? 16384;
  return {
    maxStorageBufferBindingSize: adapter['maxStorageBufferBindingSize']!,
    maxBufferSize: adapter['maxBufferSize']!,
    maxComputeWorkgroupStorageSize: Math.max(16384, Math.min(need, adapter['maxComputeWorkgroupStorageSize']!)),
  };
}

/** Load a compiled folder (a path in Node/Deno, or a URL). */
export async function loadCompiledWebGpu(dir: string | URL, opts: WebGpuLoadOptions = {}): Promise<CompiledWebGpuModel> {
  const base = String(dir);
  const manifest = parseManifest(base, await readBytes(base, 'manifest.json'));
  const device = opts.device ?? await defaultDevice(manifest);
  // The shader variant for each kernel is chosen here, from the device's features.
  const sg = opts.subgroups !== false && device.features?.has('subgroups') === true;
  const files = manifest.kernels.map((k) => (sg && k.variants?.subgroups ? k.variants.subgroups : k.file));
  const [weights, ...codes] = await Promise.all([readBytes(base, 'weights.bin'), ...files.map((f) => readBytes(base, f))]);
  const shaders = codes.map((c) => new TextDecoder().decode(c));
  return instantiateWebGpu(manifest, shaders, weights!, device, files);
}

/** manifest.json's text as a webgpu manifest, or an error naming the file and what is wrong with it. */
export function parseManifest(base: string, bytes: Uint8Array): WebGpuManifest {
  const m = parseManifestJson(base, bytes);
  const file = manifestPath(base);
  const format = (m as { format?: unknown } | null)?.format;
  if (format !== 'tenth-webgpu/1') throw new Error(`tenth runtime: ${file} is not a webgpu artifact's manifest (format ${JSON.stringify(format)}, expected "tenth-webgpu/1")`);
  return m as WebGpuManifest;
}

const GiB = 1024 ** 3, MiB = 1024 ** 2;
/** Bytes for a message: 19.6 GB, 1 GiB, 128 MiB, 512 B. */
export function fmtSize(n: number): string {
  if (n >= GiB && n % GiB === 0) return `${n / GiB} GiB`;
  if (n >= MiB && n % MiB === 0) return `${n / MiB} MiB`;
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  return n >= 1e3 ? `${(n / 1e3).toFixed(1)} kB` : `${n} B`;
}


/** Create pipelines and upload weights for a manifest and its shader texts. */
export async function instantiateWebGpu(manifest: WebGpuManifest, shaders: readonly string[], weights: Uint8Array, device: WebGpuDevice, files?: readonly string[]): Promise<CompiledWebGpuModel> {
  checkFeatures(manifest, device, 'the device');
  checkWeights(manifest, weights);
  checkFits(device, 'weights.bin', weights.length);
  // Index checks (gather): a status buffer the shaders set on an out-of-range index (binding 4),
  // cleared before and read back with the outputs of every run.
  const nsites = manifest.indexSites?.length ?? 0;
  // A second writable arena, never the same buffer as the first (one dispatch may bind each once).
  const halves = manifest.buffers.some(inHalfArena);
  const layout = device.createBindGroupLayout({
    entries: [
      { binding: 0, visibility: COMPUTE, buffer: { type: 'uniform' } },
      { binding: 1, visibility: COMPUTE, buffer: { type: 'storage' } },
      { binding: 2, visibility: COMPUTE, buffer: { type: 'read-only-storage' } },
      ...(halves ? [{ binding: 3, visibility: COMPUTE, buffer: { type: 'storage' } }] : []),
      ...(nsites ? [{ binding: 4, visibility: COMPUTE, buffer: { type: 'storage' } }] : []),
    ],
  });
  const pipelineLayout = device.createPipelineLayout({ bindGroupLayouts: [layout] });
  const pipelines = await Promise.all(manifest.kernels.map(async (k, n) => {
    const module = device.createShaderModule({ code: shaders[n]!, label: k.name });
    device.pushErrorScope('validation');
    const p = await device.createComputePipelineAsync({ layout: pipelineLayout, compute: { module, entryPoint: 'main' }, label: k.name }).catch((e: Error) => e);
    const err = await device.popErrorScope();
    if (p instanceof Error || err) {
      const info = await module.getCompilationInfo();
      const file = files?.[n] ?? k.file;
      const msgs = info.messages.filter((m) => m.type === 'error').map((m) => `${file}:${m.lineNum}:${m.linePos}: ${m.message}`);
      throw new Error(`tenth runtime: pipeline ${k.name} failed: ${msgs.join('; ') || (p instanceof Error ? p.message : err!.message)}`);
    }
    return p;
  }));
  const wbuf = device.createBuffer({ size: Math.max(16, ceilDiv(weights.length, 4) * 4), usage: USAGE.STORAGE | USAGE.COPY_DST | USAGE.COPY_SRC });
  if (weights.length > 0) device.queue.writeBuffer(wbuf, 0, padded(weights));
  const status = nsites ? device.createBuffer({ size: 12 * nsites, usage: USAGE.STORAGE | USAGE.COPY_DST | USAGE.COPY_SRC }) : undefined;
  const zeros = new Uint32Array(3 * nsites);
  let disposed = false;

  // Per binding of the symbols (cached): the arena plan, the uniform words and workgroup counts.
  // One arena buffer (grown to the largest plan seen, so no binding leaks a buffer) and one
  // uniform buffer (rewritten when the binding changes) serve them all; writes are queued in
  // order with the submits, so a run sees its own binding.
  interface Bound { key: string; bind: Record<string, number>; plan: ArenaPlan; half: ArenaPlan; words: Uint32Array; counts: [number, number, number][] }
  const bound = new Map<string, Bound>();
  const maxDim = device.limits.maxComputeWorkgroupsPerDimension;
  const ubuf = device.createBuffer({ size: 16 * Math.max(1, ceilDiv(manifest.uniforms.length, 4)), usage: USAGE.UNIFORM | USAGE.COPY_DST });
  let arena: GBuffer | undefined;
  let halfArena: GBuffer | undefined;
  let bindGroup: unknown;
  let current: string | undefined;

  function bindInputs(inputs: Readonly<Record<string, RunTensor>>): Bound {
    if (disposed) throw new Error(`tenth runtime: ${manifest.name} was disposed: load it again to run it`);
    const b = planFor(inputs);
    const grow = (buf: GBuffer | undefined, bytes: number): GBuffer | undefined => {
      if (buf && buf.size >= bytes) return buf;
      buf?.destroy();
      return device.createBuffer({ size: Math.max(256, bytes), usage: USAGE.STORAGE | USAGE.COPY_DST | USAGE.COPY_SRC });
    };
    const [a, h] = [grow(arena, b.plan.bytes), halves ? grow(halfArena, b.half.bytes) : undefined];
    if (a !== arena || h !== halfArena) {
      [arena, halfArena] = [a, h];
      bindGroup = device.createBindGroup({
        layout,
        entries: [
          { binding: 0, resource: { buffer: ubuf } }, { binding: 1, resource: { buffer: arena } }, { binding: 2, resource: { buffer: wbuf } },
          ...(halfArena ? [{ binding: 3, resource: { buffer: halfArena } }] : []),
          ...(status ? [{ binding: 4, resource: { buffer: status } }] : []),
        ],
      });
    }
    if (current !== b.key) {
      device.queue.writeBuffer(ubuf, 0, b.words);
      current = b.key;
    }
    return b;
  }

  const sizing = sizingDims(manifest.buffers);

  function planFor(inputs: Readonly<Record<string, RunTensor>>): Bound {
    const bind = bindFeeds(manifest, inputs, sizing, (inp, data) => {
      if (inp.dtype === 'i64' || inp.dtype === 'u64') check32(inp.name, inp.dtype, data as BigInt64Array | BigUint64Array);
    });
    const key = manifest.symbols.map((s) => `${s}=${bind[s]}`).join(',');
    const known = bound.get(key);
    if (known) return known;
    const plan = planArena(manifest.buffers, bind, manifest.alignment);
    const half = planArena(manifest.buffers, bind, manifest.alignment, 'half');
    // Past the device's limits Dawn only reports validation errors, and every dispatch after them
    // (checked once per binding: a binding that does not fit is never cached).
    const at = Object.entries(bind).map(([k, v]) => `${k}=${v}`).join(', ');
    checkFits(device, `the arena${at ? ` at ${at}` : ''}`, plan.bytes);
    if (halves) checkFits(device, `the half arena${at ? ` at ${at}` : ''}`, half.bytes);
    const words = new Uint32Array(4 * Math.max(1, ceilDiv(manifest.uniforms.length, 4)));
    // Offsets in the unit the shaders index by: words of A, f16 elements of AH.
    const offset = (id: number): number => (inHalfArena(manifest.buffers[id]!) ? half.offsets[id]! / 2 : plan.offsets[id]! / 4);
    manifest.uniforms.forEach((u, i) => (words[i] = 'symbol' in u ? bind[u.symbol]! : offset(u.buffer)));
    const count = (c: CountExpr): number => ceilDiv(c.dims.reduce<number>((a, d) => a * (typeof d === 'number' ? d : bind[d]!), 1), c.div);
    const counts = manifest.kernels.map((k): [number, number, number] => {
      let [x, y, z] = k.dispatch.map(count) as [number, number, number];
      if (x > maxDim) {
        if (!k.fold || y !== 1) throw new Error(`tenth runtime: kernel ${k.name} needs ${x} workgroups in x (limit ${maxDim})`);
        y = ceilDiv(x, maxDim);
        x = ceilDiv(x, y);
      }
      if (y > maxDim || z > maxDim) throw new Error(`tenth runtime: kernel ${k.name} needs [${x},${y},${z}] workgroups (limit ${maxDim})`);
      return [x, y, z];
    });
    const b: Bound = { key, bind, plan, half, words, counts };
    bound.set(key, b);
    return b;
  }

  const writeInputs = (b: Bound, inputs: Readonly<Record<string, RunTensor>>): void => {
    for (const inp of manifest.inputs) {
      const data = toArena(inp.dtype, inputs[inp.name]!.data);
      if (data.byteLength > 0) device.queue.writeBuffer(arena!, b.plan.offsets[inp.buffer]!, padded(data));
    }
  };

  const encodeKernel = (pass: GPass, b: Bound, n: number): void => {
    const [x, y, z] = b.counts[n]!;
    if (x * y * z === 0) return;
    pass.setPipeline(pipelines[n]);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(x, y, z);
  };

  async function run(inputs: Readonly<Record<string, RunTensor>>): Promise<Record<string, RunTensor>> {
    const b = bindInputs(inputs);
    writeInputs(b, inputs);
    if (status) device.queue.writeBuffer(status, 0, zeros);
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    manifest.kernels.forEach((_k, n) => encodeKernel(pass, b, n));
    pass.end();
    // A constant output is read from weights.bin as it lies there (packed 4-bit values: whole bytes).
    const spans = manifest.outputs.map((o) => { const buf = manifest.buffers[o.buffer]!; return { o, bytes: buf.kind === 'weight' ? buf.bytes! : bufferBytes(buf, b.bind) }; });
    let total = 0;
    const at = spans.map((s) => { const a = total; total += ceilDiv(s.bytes, 4) * 4; return a; });
    const readback = device.createBuffer({ size: Math.max(16, total + 12 * nsites), usage: USAGE.MAP_READ | USAGE.COPY_DST });
    spans.forEach((s, i) => {
      const buf = manifest.buffers[s.o.buffer]!;
      const src = buf.kind === 'weight' ? wbuf : arena!;
      const off = buf.kind === 'weight' ? buf.offset! : b.plan.offsets[s.o.buffer]!;
      if (s.bytes > 0) enc.copyBufferToBuffer(src, off, readback, at[i]!, ceilDiv(s.bytes, 4) * 4);
    });
    // The index status rides with the outputs: no second round trip.
    if (status) enc.copyBufferToBuffer(status, 0, readback, total, 12 * nsites);
    device.queue.submit([enc.finish()]);
    await readback.mapAsync(1);
    const all = readback.getMappedRange().slice(0);
    readback.unmap();
    readback.destroy();
    if (status) checkIndexStatus(new Uint32Array(all, total, 3 * nsites));
    const out: Record<string, RunTensor> = {};
    spans.forEach((s, i) => {
      const dims = s.o.shape.map((d) => (typeof d === 'number' ? d : b.bind[d]!));
      const n = dims.reduce((a, c) => a * c, 1);
      out[s.o.name] = { data: fromGpu(s.o.dtype, storageOf(manifest.buffers[s.o.buffer]!), all.slice(at[i]!, at[i]! + s.bytes), n), dims };
    });
    return out;
  }

  /** The first op in dispatch order that met a bad index (later ones may only fail because of it). */
  function checkIndexStatus(w: Uint32Array): void {
    for (let s = 0; s < nsites; s++) {
      if (!w[3 * s]) continue;
      const index = (w[3 * s + 1]! ^ 0x80000000) | 0, size = w[3 * s + 2]!;
      throw indexError(manifest.indexSites![s]!, index, size);
    }
  }

  async function profile(inputs: Readonly<Record<string, RunTensor>>, repeats = 1): Promise<KernelTime[]> {
    // One checked run first: profiling data the model refuses would time garbage.
    if (status) await run(inputs);
    const b = bindInputs(inputs);
    writeInputs(b, inputs);
    const count = manifest.kernels.length;
    if (device.features?.has('timestamp-query') && device.createQuerySet && count > 0) {
      const qs = device.createQuerySet({ type: 'timestamp', count: 2 * count });
      const resolved = device.createBuffer({ size: 16 * count, usage: USAGE.QUERY_RESOLVE | USAGE.COPY_SRC });
      const read = device.createBuffer({ size: 16 * count, usage: USAGE.MAP_READ | USAGE.COPY_DST });
      try {
        const enc = device.createCommandEncoder();
        for (let k = 0; k < count; k++) {
          const pass = enc.beginComputePass({ timestampWrites: { querySet: qs, beginningOfPassWriteIndex: 2 * k, endOfPassWriteIndex: 2 * k + 1 } });
          for (let r = 0; r < repeats; r++) encodeKernel(pass, b, k);
          pass.end();
        }
        enc.resolveQuerySet!(qs, 0, 2 * count, resolved, 0);
        enc.copyBufferToBuffer(resolved, 0, read, 0, 16 * count);
        device.queue.submit([enc.finish()]);
        await read.mapAsync(0x1);
        const t = new BigInt64Array(read.getMappedRange().slice(0));
        read.unmap();
        return manifest.kernels.map((k, i) => ({ kernel: k.name, ms: Math.max(0, Number(t[2 * i + 1]! - t[2 * i]!)) / 1e6 / repeats, timing: 'gpu' as const }));
      } finally {
        qs.destroy();
        resolved.destroy();
        read.destroy();
      }
    }
    const times: KernelTime[] = [];
    for (let n = 0; n < manifest.kernels.length; n++) {
      const t0 = now();
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass();
      for (let r = 0; r < repeats; r++) encodeKernel(pass, b, n);
      pass.end();
      device.queue.submit([enc.finish()]);
      await device.queue.onSubmittedWorkDone();
      times.push({ kernel: manifest.kernels[n]!.name, ms: (now() - t0) / repeats, timing: 'cpu' });
    }
    return times;
  }

  async function dispose(): Promise<void> {
    if (disposed) return;
    disposed = true;
    await device.queue.onSubmittedWorkDone();
    for (const buf of [arena, halfArena, wbuf, ubuf, status]) buf?.destroy();
    [arena, halfArena] = [undefined, undefined];
    bound.clear();
  }

  return { manifest, run, profile, dispose };
}

/** Refuse, naming the limits, a buffer the device cannot hold or bind (every shader binds the whole buffer). */
function checkFits(device: WebGpuDevice, what: string, bytes: number): void {
  const { maxBufferSize: maxBuf, maxStorageBufferBindingSize: maxBind } = device.limits;
  const limit = Math.min(maxBuf ?? Infinity, maxBind ?? Infinity);
  if (bytes <= limit) return;
  const lims = [maxBuf !== undefined ? `maxBufferSize ${fmtSize(maxBuf)}` : '', maxBind !== undefined ? `maxStorageBufferBindingSize ${fmtSize(maxBind)}` : ''].filter(Boolean);
  throw new Error(`tenth runtime: ${what} needs ${fmtSize(bytes)}, more than the device allows (${lims.join(', ')})`);
}

/**
 * 64-bit integers are computed in 32 bits on the GPU (storage.ts): an input value beyond that
 * range would silently wrap. One scan of the words: i64 fits when its high word is the sign of
 * its low word, u64 when its high word is 0.
 */
function check32(name: string, dtype: string, data: BigInt64Array | BigUint64Array): void {
  const w = new Int32Array(data.buffer, data.byteOffset, data.length * 2);
  const signed = dtype === 'i64';
  for (let k = 0; k < data.length; k++) {
    const lo = w[2 * k]!, hi = w[2 * k + 1]!;
    if (signed ? hi !== lo >> 31 : hi !== 0) {
      const range = signed ? '-2147483648 to 2147483647' : '0 to 4294967295';
      throw new Error(`tenth runtime: input '${name}' element ${k} is ${data[k]}, outside the 32-bit range (${range}) that webgpu computes ${dtype} in`);
    }
  }
}

/** writeBuffer needs a multiple of 4 bytes. */
function padded(data: Uint8Array | Uint32Array | Float32Array | Int32Array): ArrayBufferView {
  if (data.byteLength % 4 === 0) return data;
  const p = new Uint8Array(ceilDiv(data.byteLength, 4) * 4);
  p.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return p;
}

// ---------------------------------------------------------------------------------------------
// Inputs and outputs between the caller's typed arrays and the layouts the shaders use (the
// compiler's src/backends/webgpu/storage.ts, mirrored). The caller's side is the WASM runtime's
// contract: f16/bf16 as raw bits in a Uint16Array, float8/float4e2m1 one code per byte in a
// Uint8Array, int4/int2 one value per byte, f64 as a Float64Array (computed in f32 on the GPU),
// u64 as a BigUint64Array. GPU side ('word'): one 32-bit word per element holding the register
// value (f32 bits for every float dtype, i32/u32 for integers, 0/1 for bool); 'dword': 64-bit
// integers, their own bytes; 'packed': ONNX's little-endian bytes (weights only, read back when
// an output is a constant).
type GpuStorage = 'word' | 'dword' | 'packed';

/** A buffer's storage: as the manifest states it, else what manifests without the field meant. */
const storageOf = (b: { readonly dtype: string; readonly storage?: string }): GpuStorage =>
  (b.storage as GpuStorage | undefined) ?? (b.dtype === 'i64' ? 'dword' : b.dtype === 'f16' ? 'packed' : 'word');

interface Mini { readonly exp: number; readonly man: number; readonly bias: number; readonly special: 'ieee' | 'fn' | 'fnuz' | 'none' }
const MINI: Readonly<Record<string, Mini>> = {
  f16: { exp: 5, man: 10, bias: 15, special: 'ieee' },
  f8e4m3fn: { exp: 4, man: 3, bias: 7, special: 'fn' },
  f8e4m3fnuz: { exp: 4, man: 3, bias: 8, special: 'fnuz' },
  f8e5m2: { exp: 5, man: 2, bias: 15, special: 'ieee' },
  f8e5m2fnuz: { exp: 5, man: 2, bias: 16, special: 'fnuz' },
  f4e2m1: { exp: 2, man: 1, bias: 1, special: 'none' },
};

/** The value of a code of a small float format (ONNX's definitions). */
function decode(f: Mini, code: number): number {
  const signBit = 1 << (f.exp + f.man);
  const e = (code >> f.man) & ((1 << f.exp) - 1), m = code & ((1 << f.man) - 1), s = code & signBit ? -1 : 1;
  const eMax = (1 << f.exp) - 1;
  if (f.special === 'fnuz' && code === signBit) return NaN;
  if (f.special === 'fn' && e === eMax && m === (1 << f.man) - 1) return NaN;
  if (f.special === 'ieee' && e === eMax) return m ? NaN : s * Infinity;
  return e === 0 ? s * m * 2 ** (1 - f.bias - f.man) : s * (1 + m / (1 << f.man)) * 2 ** (e - f.bias);
}

const f32 = new Float32Array(1);
const w32 = new Uint32Array(f32.buffer);
const bitsOf = (x: number): number => { f32[0] = x; return w32[0]!; };

// Per format: code -> value, and f32 bits -> code for the values the GPU stores (already rounded
// to the format by the shaders, so the lookup is exact; NaN maps to the format's NaN code).
const tables = new Map<string, { values: Float32Array; codes: Map<number, number>; nan: number }>();
function table(dtype: string): { values: Float32Array; codes: Map<number, number>; nan: number } {
  let t = tables.get(dtype);
  if (t) return t;
  // float8e8m0: 2^(code - 127), no sign, 0xff NaN.
  const f = MINI[dtype], n = f ? 1 << (1 + f.exp + f.man) : 256;
  const values = new Float32Array(n), codes = new Map<number, number>();
  let nan = 0;
  for (let c = n - 1; c >= 0; c--) {
    values[c] = f ? decode(f, c) : c === 0xff ? NaN : 2 ** (c - 127);
    if (Number.isNaN(values[c]!)) nan = c; else codes.set(bitsOf(values[c]!), c);
  }
  if (f && (f.special === 'ieee' || f.special === 'fn')) nan = dtype === 'f16' ? 0x7e00 : (n >> 1) - 1;
  t = { values, codes, nan };
  tables.set(dtype, t);
  return t;
}

/** Elements as the arena holds them (a view of `d` where the layouts agree). */
function toArena(dtype: string, d: TypedArray): Uint8Array | Uint32Array | Float32Array | Int32Array {
  switch (dtype) {
    case 'bool': case 'u8': case 'u16': case 'u4': case 'u2': return Uint32Array.from(d as Uint8Array);
    case 'i8': case 'i16': case 'i4': case 'i2': return Int32Array.from(d as Int8Array);
    case 'f64': return Float32Array.from(d as Float64Array);
    case 'bf16': return Uint32Array.from(d as Uint16Array, (b) => b << 16);
    default:
      if (MINI[dtype] || dtype === 'f8e8m0') { const v = table(dtype).values; return Float32Array.from(d as Uint8Array, (c) => v[c]!); }
      return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  }
}

/** n elements of a buffer read back (its bytes from offset 0) as the caller's typed array. */
function fromGpu(dtype: string, storage: GpuStorage, bytes: ArrayBuffer, n: number): TypedArray {
  if (storage === 'packed') return fromPacked(dtype, bytes, n);
  switch (dtype) {
    case 'f32': return new Float32Array(bytes, 0, n);
    case 'i32': return new Int32Array(bytes, 0, n);
    case 'u32': return new Uint32Array(bytes, 0, n);
    case 'i64': return new BigInt64Array(bytes, 0, n);
    case 'u64': return new BigUint64Array(bytes, 0, n);
    case 'bool': return Uint8Array.from(new Uint32Array(bytes, 0, n), (w) => (w !== 0 ? 1 : 0));
    case 'f64': return Float64Array.from(new Float32Array(bytes, 0, n));
    case 'i8': case 'i4': case 'i2': return Int8Array.from(new Int32Array(bytes, 0, n));
    case 'u8': case 'u4': case 'u2': return Uint8Array.from(new Uint32Array(bytes, 0, n));
    case 'i16': return Int16Array.from(new Int32Array(bytes, 0, n));
    case 'u16': return Uint16Array.from(new Uint32Array(bytes, 0, n));
    case 'bf16': return Uint16Array.from(new Uint32Array(bytes, 0, n), (w) => w >>> 16);
    default: {
      if (!MINI[dtype] && dtype !== 'f8e8m0') throw new Error(`tenth runtime: output dtype ${dtype} is not supported`);
      const t = table(dtype), words = new Uint32Array(bytes, 0, n);
      // A negative NaN keeps its sign where the format has one (float8 e4m3fn: -inf without saturation).
      const fmt = MINI[dtype];
      const neg = fmt && dtype !== 'f16' && fmt.special !== 'fnuz' ? 1 << (fmt.exp + fmt.man) : 0;
      const code = (w: number): number => t.codes.get(w) ?? ((w & 0x7fffffff) > 0x7f800000 ? t.nan | (w >>> 31 ? neg : 0) : t.codes.get(0)!);
      return dtype === 'f16' ? Uint16Array.from(words, code) : Uint8Array.from(words, code);
    }
  }
}

/** A constant read back from weights.bin: ONNX's bytes, 4- and 2-bit integers one per byte. */
function fromPacked(dtype: string, bytes: ArrayBuffer, n: number): TypedArray {
  switch (dtype) {
    case 'f16': case 'bf16': case 'u16': return new Uint16Array(bytes, 0, n);
    case 'i16': return new Int16Array(bytes, 0, n);
    case 'i8': return new Int8Array(bytes, 0, n);
    case 'u8': return new Uint8Array(bytes, 0, n);
    case 'i4': case 'u4': case 'i2': case 'u2': {
      const bits = dtype.endsWith('4') ? 4 : 2, per = 8 / bits, b = new Uint8Array(bytes);
      const out = dtype[0] === 'i' ? new Int8Array(n) : new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const v = (b[Math.floor(i / per)]! >> ((i % per) * bits)) & ((1 << bits) - 1);
        out[i] = dtype[0] === 'i' && v >= 1 << (bits - 1) ? v - (1 << bits) : v;
      }
      return out;
    }
    default: throw new Error(`tenth runtime: packed ${dtype} is not supported`);
  }
}

/** The WASM runtime's name for loading a folder; here it loads a webgpu folder. */
export const loadCompiled = loadCompiledWebGpu;
