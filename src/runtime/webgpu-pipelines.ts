// What a WebGPU model holds for its whole life, made once at load: the bind group layout every
// shader shares (0 uniform, 1 arena, 2 weights; 3 the half arena of a --f16 build; 4 the index
// status where ops check their indices at run time), one compute pipeline per dispatch, the
// weights buffer (uploaded once), the uniform buffer and the status buffer.

import { ceilDiv, TenthRuntimeError } from './common.js';
import { padded } from './webgpu-convert.js';
import { COMPUTE, USAGE, type GBuffer, type WebGpuDevice } from './webgpu-device.js';
import type { GpuManifest } from './webgpu-manifest.js';
import { inHalfArena } from './plan.js';

export interface GpuResources {
  readonly layout: unknown;
  /** One per manifest kernel, in dispatch order. */
  readonly pipelines: readonly unknown[];
  /** weights.bin (binding 2). */
  readonly weights: GBuffer;
  /** The uniform words of the current binding (binding 0). */
  readonly uniforms: GBuffer;
  /**
   * Index checks (gather): a buffer the shaders set on an out-of-range index (binding 4), cleared
   * before and read back with the outputs of every run: 3 words per site. Absent: no op checks.
   */
  readonly status: GBuffer | undefined;
  readonly nsites: number;
  /** Zeros to clear the status buffer with. */
  readonly statusZeros: Uint32Array;
  /** Whether the model has a half arena (binding 3). */
  readonly halves: boolean;
}

/** Create the pipelines (refusing, with the compiler's messages, a shader that fails) and the long-lived buffers. */
export async function createResources(device: WebGpuDevice, manifest: GpuManifest, shaders: readonly string[], weights: Uint8Array, files?: readonly string[]): Promise<GpuResources> {
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
  // Each kernel's error scope brackets exactly its own calls, pushed and popped in one synchronous
  // stretch (scopes nest: one left open while the next kernel is created would catch that kernel's
  // errors). Errors of the asynchronous pipeline build reject its own promise; all compile at once.
  const started = manifest.kernels.map((k, n) => {
    device.pushErrorScope('validation');
    const module = device.createShaderModule({ code: shaders[n]!, label: k.name });
    const pipeline = device.createComputePipelineAsync({ layout: pipelineLayout, compute: { module, entryPoint: 'main' }, label: k.name }).catch((e: Error) => e);
    return { k, n, module, pipeline, scope: device.popErrorScope() };
  });
  const pipelines = await Promise.all(started.map(async ({ k, n, module, pipeline, scope }) => {
    const [p, err] = await Promise.all([pipeline, scope]);
    if (p instanceof Error || err) {
      const info = await module.getCompilationInfo();
      const file = files?.[n] ?? k.file;
      const msgs = info.messages.filter((m) => m.type === 'error').map((m) => `${file}:${m.lineNum}:${m.linePos}: ${m.message}`);
      throw new TenthRuntimeError('E501', `tenth runtime: pipeline ${k.name} failed: ${msgs.join('; ') || (err ? err.message : (p as Error).message)}`);
    }
    return p;
  }));
  const wbuf = device.createBuffer({ size: Math.max(16, ceilDiv(weights.length, 4) * 4), usage: USAGE.STORAGE | USAGE.COPY_DST | USAGE.COPY_SRC });
  if (weights.length > 0) device.queue.writeBuffer(wbuf, 0, padded(weights));
  const status = nsites ? device.createBuffer({ size: 12 * nsites, usage: USAGE.STORAGE | USAGE.COPY_DST | USAGE.COPY_SRC }) : undefined;
  const uniforms = device.createBuffer({ size: 16 * Math.max(1, ceilDiv(manifest.uniforms.length, 4)), usage: USAGE.UNIFORM | USAGE.COPY_DST });
  return { layout, pipelines, weights: wbuf, uniforms, status, nsites, statusZeros: new Uint32Array(3 * nsites), halves };
}
