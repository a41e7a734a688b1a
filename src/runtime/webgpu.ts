// The WebGPU runtime: loads a folder written by `tenth compile --target webgpu` (manifest.json,
// weights.bin, one .wgsl per dispatch) and runs it on a GPUDevice through the standard WebGPU
// API only (browsers, Deno, Node with the `webgpu` package). It imports nothing of the compiler.
//
// At load (webgpu-pipelines.ts): every pipeline is created once (explicit layout: uniform, arena,
// weights), weights are uploaded once. Per binding of the symbols (cached, webgpu-bind.ts): the
// arena is planned (plan.ts), the uniform words (symbols and buffer offsets), workgroup counts and
// output read-back spans computed; one arena buffer grows to fit (and, for a model compiled with
// --f16, one half arena for its f16 intermediates, binding 3). Per run (webgpu-run.ts): inputs are
// written (converted by webgpu-convert.ts), one command encoder records every dispatch in one
// compute pass and the copies of the outputs, one submit, one map of the read-back buffer. No CPU
// round trip between kernels. Where ops check their indices at run time (gather), a small status
// buffer (binding 4) is cleared before the submit and copied into the same read-back buffer; a set
// flag refuses the run naming the op. At load, the folder's files are checked against the manifest
// (weights.bin's size) and the device (features, buffer limits, webgpu-device.ts); inputs are
// checked before anything is written.

import { checkWeights, FORMAT, manifestPath, parseManifestJson, TenthRuntimeError, unknownFormat, type RunTensor } from './common.js';
import { readBytes } from './fetch.js';
import { Bindings } from './webgpu-bind.js';
import { checkFeatures, checkFits, defaultDevice, type WebGpuDevice } from './webgpu-device.js';
import type { GpuManifest } from './webgpu-manifest.js';
import { createResources } from './webgpu-pipelines.js';
import { profileModel, runModel, type GpuModel, type KernelTime } from './webgpu-run.js';

export type { RunTensor, TypedArray } from './common.js';
export { TenthRuntimeError, type RuntimeCode } from './errors.js';
export { checkFeatures, deviceLimits, fmtSize, type WebGpuDevice } from './webgpu-device.js';
export type { KernelTime } from './webgpu-run.js';

/** The manifest as the runtime reads it (one definition: webgpu-manifest.ts, which the compiler imports). */
export type WebGpuManifest = GpuManifest;

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
  if (format === FORMAT.wasm) {
    throw new TenthRuntimeError('E501', `tenth runtime: ${base} was compiled for WASM (${file}: format "${FORMAT.wasm}"): load it with the WASM runtime's loadCompiled (package export tenth/runtime, src/runtime/index.ts)`);
  }
  if (format !== FORMAT.webgpu) throw unknownFormat(file, format, FORMAT.webgpu);
  return m as WebGpuManifest;
}

/** Create pipelines and upload weights for a manifest and its shader texts. */
export async function instantiateWebGpu(manifest: WebGpuManifest, shaders: readonly string[], weights: Uint8Array, device: WebGpuDevice, files?: readonly string[]): Promise<CompiledWebGpuModel> {
  checkFeatures(manifest, device, 'the device');
  checkWeights(manifest, weights);
  checkFits(device, 'weights.bin', weights.length);
  const res = await createResources(device, manifest, shaders, weights, files);
  const model: GpuModel = { device, manifest, res, bindings: new Bindings(device, manifest, res) };

  async function dispose(): Promise<void> {
    if (!model.bindings.close()) return;
    await device.queue.onSubmittedWorkDone();
    for (const buf of [res.weights, res.uniforms, res.status]) buf?.destroy();
    model.bindings.release();
  }

  // Runs share the arena and the uniforms, and a run with counted dims awaits between its
  // submits: calls are queued one after another (a caller's concurrent runs are not interleaved).
  let last: Promise<unknown> = Promise.resolve();
  const serial = <T>(f: () => Promise<T>): Promise<T> => {
    const p = last.then(f, f);
    last = p.catch(() => undefined);
    return p;
  };
  return {
    manifest,
    run: (inputs) => serial(() => runModel(model, inputs)),
    profile: (inputs, repeats) => serial(() => profileModel(model, inputs, repeats)),
    dispose: () => serial(dispose),
  };
}

/** The WASM runtime's name for loading a folder; here it loads a webgpu folder. */
export const loadCompiled = loadCompiledWebGpu;
