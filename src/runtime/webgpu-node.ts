// A WebGPU device in Node through the `webgpu` package (Dawn). Kept apart from webgpu.ts, which
// uses only the standard API. The object `create()` returns must stay referenced while its
// devices live (Dawn aborts the process when it is garbage-collected): it is kept here, per
// option set, for the life of the process.
//
// Software rendering: run with VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json.
// Dawn's workgroup-memory zeroing is turned off, as WGSL allows: kernels never read workgroup
// memory before writing it, and SwiftShader compiles such shaders far faster without it.

import { mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { deviceLimits, type WebGpuDevice } from './webgpu-device.js';

export const NODE_DAWN_FLAGS: readonly string[] = ['enable-dawn-features=disable_workgroup_init'];

interface GpuEntry { readonly requestAdapter: () => Promise<{ features?: { has(n: string): boolean }; limits: Record<string, number>; requestDevice(d: object): Promise<WebGpuDevice> } | null> }
const instances = new Map<string, GpuEntry>();

/**
 * The Vulkan loader (through SwiftShader) prints "error: XDG_RUNTIME_DIR is invalid or not set"
 * when that variable does not name an existing folder, on every device creation. Point it at a
 * private folder (mode 0700, as the XDG spec asks) before the first `create()`.
 */
function ensureXdgRuntimeDir(): void {
  const cur = process.env['XDG_RUNTIME_DIR'];
  try {
    if (cur && statSync(cur).isDirectory()) return;
  } catch { /* missing: make one below */ }
  try {
    // One folder per user, reused across runs (nothing is written to it); refused if another user owns it.
    const uid = process.getuid?.() ?? 0;
    const dir = join(tmpdir(), `tenth-runtime-${uid}`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = statSync(dir);
    if (st.isDirectory() && st.uid === uid) process.env['XDG_RUNTIME_DIR'] = dir;
  } catch { /* only a warning is at stake: leave the environment as it is */ }
}

// The loader reads the process's real environment, which only the main thread can change (a
// worker's process.env is a copy): set it when this module is first imported there, so devices
// that workers create later (conformance runs each test in one) find it too.
if (isMainThread) ensureXdgRuntimeDir();

/** The `create()` object for these Dawn flags (one per flag set, never released). */
export async function nodeGpu(flags: readonly string[] = NODE_DAWN_FLAGS): Promise<GpuEntry> {
  const key = flags.join('\n');
  let gpu = instances.get(key);
  if (!gpu) {
    ensureXdgRuntimeDir();
    let mod: { create(f: string[]): GpuEntry; globals: object };
    try {
      mod = (await import('webgpu')) as unknown as typeof mod;
    } catch (e) {
      throw new Error(`tenth runtime: WebGPU in Node needs the npm package 'webgpu' (Dawn), an optional dependency of tenth that is not installed here: run \`npm install webgpu\` (${(e as Error).message.split('\n')[0]})`, { cause: e });
    }
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
  // Optional features the compiled shaders may use, where the adapter offers them (SwiftShader has
  // subgroups but no shader-f16).
  const requiredFeatures = ['shader-f16', 'subgroups', 'timestamp-query'].filter((f) => adapter.features?.has(f));
  return adapter.requestDevice({ requiredLimits: limits, requiredFeatures });
}
