// A WebGPU device in Node through the `webgpu` package (Dawn). Kept apart from webgpu.ts, which
// uses only the standard API. The object `create()` returns must stay referenced while its
// devices live (Dawn aborts the process when it is garbage-collected): it is kept here, per
// option set, for the life of the process.
//
// Which Vulkan driver: the system's, when it gives an adapter (a real GPU); else SwiftShader, the
// software driver Debian's chromium ships, when it is installed; VK_ICD_FILENAMES (or
// VK_DRIVER_FILES) set by the user is used as it is (VK_ICD_FILENAMES=SWIFTSHADER_ICD asks for
// SwiftShader). The Vulkan loader reads that variable from the process's real environment when
// Dawn starts, so the choice is made on the main thread before any Dawn instance exists, by
// probing the system's drivers in a child process (chooseDriver): that also keeps Dawn's warnings
// about drivers it cannot use (printed with its build machine's source paths) out of our output
// when SwiftShader is chosen; they come back in the error if SwiftShader fails too. The adapter
// used is named in one line on stderr ("webgpu: ...").
//
// Dawn's workgroup-memory zeroing is turned off, as WGSL allows: kernels never read workgroup
// memory before writing it, and SwiftShader compiles such shaders far faster without it.

import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import { TenthRuntimeError } from './errors.js';
import { deviceLimits, type WebGpuDevice } from './webgpu-device.js';

export const NODE_DAWN_FLAGS: readonly string[] = ['enable-dawn-features=disable_workgroup_init'];

/** SwiftShader's Vulkan driver, as Debian's chromium package installs it. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

interface AdapterInfo { readonly vendor?: string; readonly architecture?: string; readonly device?: string; readonly description?: string }
interface GpuAdapter { features?: { has(n: string): boolean }; info?: AdapterInfo; limits: Record<string, number>; requestDevice(d: object): Promise<WebGpuDevice> }
interface GpuEntry { readonly requestAdapter: () => Promise<GpuAdapter | null> }
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
      throw new TenthRuntimeError('E501', `tenth runtime: WebGPU in Node needs the npm package 'webgpu' (Dawn), an optional dependency of tenth that is not installed here: run \`npm install webgpu\` (${(e as Error).message.split('\n')[0]})`, { cause: e });
    }
    Object.assign(globalThis, mod.globals);
    gpu = mod.create([...flags]);
    instances.set(key, gpu);
  }
  return gpu;
}

/** How the Vulkan driver was chosen (chooseDriver). */
export interface DriverChoice {
  /**
   * 'system': the loader's own drivers; 'fallback': SwiftShader, since the system's gave no adapter;
   * 'env': VK_ICD_FILENAMES / VK_DRIVER_FILES as the user set them.
   */
  readonly source: 'system' | 'fallback' | 'env';
  /** The adapter the probe found (when it ran and found one). */
  readonly adapter?: string;
  /** Dawn's complaints about the system's drivers when the probe found no adapter. */
  readonly why?: string;
}

let choice: Promise<DriverChoice> | undefined;
const userDriver = (): boolean => process.env['VK_ICD_FILENAMES'] !== undefined || process.env['VK_DRIVER_FILES'] !== undefined;

/**
 * Choose the Vulkan driver, once per process, before Dawn starts (on the main thread; a worker
 * thread gets the choice its process made). Without VK_ICD_FILENAMES / VK_DRIVER_FILES, a child
 * process asks Dawn for an adapter on the system's drivers; if none comes and SwiftShader is
 * installed, VK_ICD_FILENAMES is set to it (the child names SwiftShader's adapter too).
 * `describe`: probe for the adapter's name even where there is nothing to choose.
 */
export function chooseDriver(opts: { describe?: boolean; flags?: readonly string[] } = {}): Promise<DriverChoice> {
  return (choice ??= choose(opts.describe === true, opts.flags ?? NODE_DAWN_FLAGS));
}

async function choose(describe: boolean, flags: readonly string[]): Promise<DriverChoice> {
  if (!isMainThread) return { source: userDriver() ? 'env' : 'system' };
  const source = userDriver() ? 'env' : 'system';
  const fallback = source === 'system' && existsSync(SWIFTSHADER_ICD);
  if (!fallback && !describe) return { source };
  const p = await probe(flags, fallback ? SWIFTSHADER_ICD : undefined);
  if (!p) return { source };
  if (p.system !== null || !fallback) return { source, ...(p.system !== null ? { adapter: p.system } : {}), ...(p.why ? { why: p.why } : {}) };
  process.env['VK_ICD_FILENAMES'] = SWIFTSHADER_ICD;
  return { source: 'fallback', ...(p.fallback !== null ? { adapter: p.fallback } : {}), ...(p.why ? { why: p.why } : {}) };
}

// The child: an adapter on the current environment's drivers, then (argv[3] set, none found) on
// SwiftShader's; one JSON line out. process.exit: a live Dawn instance keeps Node running.
const PROBE = `
const [url, flags, icd] = process.argv.slice(1);
const { create, globals } = await import(url);
Object.assign(globalThis, globals);
const keep = [];
const ask = async () => {
  const g = create(JSON.parse(flags));
  keep.push(g);
  const a = await g.requestAdapter();
  return a && { info: a.info && { vendor: a.info.vendor, architecture: a.info.architecture, description: a.info.description } };
};
const system = await ask();
const fallback = !system && icd ? (process.env.VK_ICD_FILENAMES = icd, await ask()) : null;
process.stdout.write(JSON.stringify({ system, fallback }) + '\\n');
process.exit(0);
`;

interface Probe { readonly system: string | null; readonly fallback: string | null; readonly why: string }

/** Run PROBE in a child Node; undefined where it cannot run (no 'webgpu', no node binary, a crash). */
async function probe(flags: readonly string[], icd: string | undefined): Promise<Probe | undefined> {
  let url: string;
  try {
    url = pathToFileURL(createRequire(import.meta.url).resolve('webgpu')).href;
  } catch {
    return undefined;
  }
  const args = ['--input-type=module', '-e', PROBE, url, JSON.stringify(flags), icd ?? ''];
  return new Promise((resolve) => {
    execFile(process.execPath, args, { timeout: 60_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      try {
        if (err) throw err;
        type Found = { info?: AdapterInfo } | null;
        const r = JSON.parse(stdout.trim().split('\n').pop() ?? '') as { system: Found; fallback: Found };
        const name = (a: Found): string | null => (a ? adapterName(a) : null);
        resolve({ system: name(r.system), fallback: name(r.fallback), why: dawnWarnings(stderr) });
      } catch {
        resolve(undefined);
      }
    });
  });
}

/** Dawn's messages without its build machine's source locations and the loader's XDG noise. */
export function dawnWarnings(stderr: string): string {
  return stderr.split('\n')
    .filter((l) => l.trim() !== '' && !/^\s+at \S+ \(\/home\/runner\//.test(l) && !/XDG_RUNTIME_DIR/.test(l))
    .map((l) => l.trim()).join(' ');
}

/** The line naming the adapter: "webgpu: google swiftshader, SwiftShader driver 5.0.0 (SwiftShader fallback)". */
export function adapterLine(adapter: string, source: DriverChoice['source']): string {
  const how = source === 'fallback' ? ' (SwiftShader fallback: no adapter on the system\'s drivers)'
    : source === 'env' ? ` (driver from ${process.env['VK_ICD_FILENAMES'] !== undefined ? 'VK_ICD_FILENAMES' : 'VK_DRIVER_FILES'})` : '';
  return `webgpu: ${adapter}${how}`;
}

/** An adapter's name for adapterLine: vendor, architecture and description, as Dawn reports them. */
export function adapterName(a: { readonly info?: AdapterInfo }): string {
  const i = a.info;
  if (!i) return 'an adapter';
  return [[i.vendor, i.architecture].filter(Boolean).join(' '), i.description].filter(Boolean).join(', ') || 'an unnamed adapter';
}

const announced = new Set<string>();
const toStderr = (line: string): void => {
  if (announced.has(line)) return;
  announced.add(line);
  process.stderr.write(`${line}\n`);
};

export interface NodeDeviceOptions {
  /** Where the line naming the adapter goes: default stderr (once per process), null nowhere. */
  readonly log?: ((line: string) => void) | null;
}

/**
 * A device on Dawn with the adapter's storage limits and 32 KiB of workgroup storage where offered,
 * on the driver chooseDriver picks (flags 'backend=null', Tint's validation only, pick none).
 */
export async function nodeDevice(flags: readonly string[] = NODE_DAWN_FLAGS, opts: NodeDeviceOptions = {}): Promise<WebGpuDevice> {
  const real = !flags.includes('backend=null');
  const picked = real ? await chooseDriver({ flags }) : undefined;
  const adapter = await (await nodeGpu(flags)).requestAdapter();
  if (!adapter) {
    const env = process.env['VK_ICD_FILENAMES'] !== undefined ? `VK_ICD_FILENAMES=${process.env['VK_ICD_FILENAMES']}` : `VK_DRIVER_FILES=${process.env['VK_DRIVER_FILES']}`;
    const tried = picked?.source === 'fallback' ? `neither on the system's Vulkan drivers nor on SwiftShader (${SWIFTSHADER_ICD})`
      : picked?.source === 'env' ? `on the driver ${env} names` : `(for SwiftShader set VK_ICD_FILENAMES=${SWIFTSHADER_ICD})`;
    throw new TenthRuntimeError('E501', `tenth runtime: Dawn found no GPU adapter ${tried}${picked?.why ? `; Dawn said: ${picked.why}` : ''}`);
  }
  if (real && opts.log !== null) (opts.log ?? toStderr)(adapterLine(adapterName(adapter), picked!.source));
  const limits = deviceLimits(adapter.limits);
  limits['maxComputeWorkgroupStorageSize'] = adapter.limits['maxComputeWorkgroupStorageSize']!;
  // Optional features the compiled shaders may use, where the adapter offers them (SwiftShader has
  // subgroups but no shader-f16).
  const requiredFeatures = ['shader-f16', 'subgroups', 'timestamp-query'].filter((f) => adapter.features?.has(f));
  return adapter.requestDevice({ requiredLimits: limits, requiredFeatures });
}
