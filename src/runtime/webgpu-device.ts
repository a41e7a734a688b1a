// The WebGPU device as the runtime sees it: the few API members it uses (the compiler's tsconfig
// has no WebGPU types), the default device (navigator.gpu: browsers, Deno), and the checks of a
// model against a device: the features its shaders need, the buffer sizes it can hold and bind.

import { TenthRuntimeError } from './errors.js';
import type { GpuManifest } from './webgpu-manifest.js';

// The members of the WebGPU API the runtime uses.
export interface GBuffer { readonly size: number; destroy(): void; mapAsync(mode: number): Promise<void>; getMappedRange(): ArrayBuffer; unmap(): void }
export interface GPass { setPipeline(p: unknown): void; setBindGroup(i: number, g: unknown): void; dispatchWorkgroups(x: number, y?: number, z?: number): void; end(): void }
export interface GEncoder { beginComputePass(d?: object): GPass; copyBufferToBuffer(a: GBuffer, ao: number, b: GBuffer, bo: number, n: number): void; resolveQuerySet?(q: GQuerySet, first: number, count: number, b: GBuffer, offset: number): void; finish(): unknown }
export interface GQuerySet { destroy(): void }
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

/** GPUBufferUsage flags. */
export const USAGE: Readonly<Record<'MAP_READ' | 'COPY_SRC' | 'COPY_DST' | 'UNIFORM' | 'STORAGE' | 'QUERY_RESOLVE', number>> = {
  MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, UNIFORM: 0x40, STORAGE: 0x80, QUERY_RESOLVE: 0x200,
};
/** GPUShaderStage.COMPUTE. */
export const COMPUTE = 0x4;

const g = globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<{ features?: { has(name: string): boolean }; limits: Record<string, number>; requestDevice(d: object): Promise<WebGpuDevice> } | null> } } };

/** A device with the limits a model needs, from navigator.gpu (browsers, Deno). */
export async function defaultDevice(m: GpuManifest): Promise<WebGpuDevice> {
  const gpu = g.navigator?.gpu;
  // Node has no navigator.gpu: its device comes from the `webgpu` package (webgpu-node.ts).
  const node = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node !== undefined && !('Deno' in globalThis);
  if (!gpu) {
    throw new TenthRuntimeError('E501', node ? "tenth runtime: Node has no navigator.gpu: pass { device } (nodeDevice() from tenth's runtime/webgpu-node, which needs the npm package 'webgpu')"
      : 'tenth runtime: this browser or runtime has no WebGPU (navigator.gpu is missing): use a browser with WebGPU enabled (Chromium on Linux: --enable-unsafe-webgpu)');
  }
  const adapter = await gpu.requestAdapter();
  if (!adapter) throw new TenthRuntimeError('E501', 'tenth runtime: no WebGPU adapter available (navigator.gpu.requestAdapter() gave none): no usable GPU or software adapter here');
  const features = m.features ?? [];
  checkFeatures(m, adapter, 'the adapter');
  // Optional: subgroups, for the variants of reduction shaders.
  const optional = m.kernels.some((k) => k.variants?.subgroups) && adapter.features?.has('subgroups') ? ['subgroups'] : [];
  return adapter.requestDevice({ requiredLimits: deviceLimits(adapter.limits, m), requiredFeatures: [...features, ...optional] });
}

/** Refuse, naming the feature, a model whose shaders need what the adapter or device lacks. */
export function checkFeatures(m: GpuManifest, has: { features?: { has(name: string): boolean } }, what: string): void {
  const missing = (m.features ?? []).filter((f) => !has.features?.has(f));
  if (missing.length > 0) {
    const hint = missing.includes('shader-f16') ? ' (the model was compiled with --f16; compile it without --f16 for this device)' : '';
    throw new TenthRuntimeError('E501', `tenth runtime: ${what} lacks the WebGPU feature${missing.length > 1 ? 's' : ''} ${missing.map((f) => `'${f}'`).join(', ')} that ${m.name} needs${hint}`);
  }
}

/** The limits to request: the adapter's storage sizes, workgroup storage the shaders declare. */
export function deviceLimits(adapter: Readonly<Record<string, number>>, m?: GpuManifest): Record<string, number> {
  const need = m?.workgroupStorageBytes ?? 16384;
  return {
    maxStorageBufferBindingSize: adapter['maxStorageBufferBindingSize']!,
    maxBufferSize: adapter['maxBufferSize']!,
    maxComputeWorkgroupStorageSize: Math.max(16384, Math.min(need, adapter['maxComputeWorkgroupStorageSize']!)),
  };
}

/** Refuse, naming the limits, a buffer the device cannot hold or bind (every shader binds the whole buffer). */
export function checkFits(device: WebGpuDevice, what: string, bytes: number): void {
  const { maxBufferSize: maxBuf, maxStorageBufferBindingSize: maxBind } = device.limits;
  const limit = Math.min(maxBuf ?? Infinity, maxBind ?? Infinity);
  if (bytes <= limit) return;
  const lims = [maxBuf !== undefined ? `maxBufferSize ${fmtSize(maxBuf)}` : '', maxBind !== undefined ? `maxStorageBufferBindingSize ${fmtSize(maxBind)}` : ''].filter(Boolean);
  throw new TenthRuntimeError('E501', `tenth runtime: ${what} needs ${fmtSize(bytes)}, more than the device allows (${lims.join(', ')})`);
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
