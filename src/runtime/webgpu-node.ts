// A WebGPU device in Node through the `webgpu` package (Dawn). Kept apart from webgpu.ts, which
// uses only the standard API. The object `create()` returns must stay referenced while its
// devices live (Dawn aborts the process when it is garbage-collected): it is kept here, per
// option set, for the life of the process.
//
// Software rendering: run with VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json.
// Dawn's workgroup-memory zeroing is turned off, as WGSL allows: kernels never read workgroup
// memory before writing it, and SwiftShader compiles such shaders far faster without it.

import { deviceLimits, type WebGpuDevice } from './webgpu.js';

export const NODE_DAWN_FLAGS: readonly string[] = ['enable-dawn-features=disable_workgroup_init'];

interface GpuEntry { readonly requestAdapter: () => Promise<{ limits: Record<string, number>; requestDevice(d: object): Promise<WebGpuDevice> } | null> }
const instances = new Map<string, GpuEntry>();

/** The `create()` object for these Dawn flags (one per flag set, never released). */
export async function nodeGpu(flags: readonly string[] = NODE_DAWN_FLAGS): Promise<GpuEntry> {
  const key = flags.join('\n');
  let gpu = instances.get(key);
  if (!gpu) {
    const mod = (await import('webgpu')) as unknown as { create(f: string[]): GpuEntry; globals: object };
    Object.assign(globalThis, mod.globals);
    gpu = mod.create([...flags]);
    instances.set(key, gpu);
  }
  return gpu;
}

/** A device on Dawn with the adapter's storage limits and 32 KiB of workgroup storage where offered. */
export async function nodeDevice(flags: readonly string[] = NODE_DAWN_FLAGS): Promise<WebGpuDevice> {
  const adapter = await (await nodeGpu(flags)).requestAdapter();
  if (!adapter) throw new Error('tenth runtime: Dawn found no GPU adapter (for SwiftShader set VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json)');
  const limits = deviceLimits(adapter.limits);
  limits['maxComputeWorkgroupStorageSize'] = adapter.limits['maxComputeWorkgroupStorageSize']!;
  return adapter.requestDevice({ requiredLimits: limits });
}
