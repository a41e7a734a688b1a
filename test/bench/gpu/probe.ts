// The GPU pack's first step (test/bench/gpu/run.sh): which adapter Dawn gives for the flags in
// TENTH_DAWN_FLAGS (as the bench will use them), what it offers, and whether a device with the
// bench's features runs a timed dispatch. Prints one JSON object; exit 0 with an adapter, 3 without
// one, 4 when the adapter is there but the device or the dispatch fails (the object says why).
//
// The bench's own device comes from benchGpu (webgpu-models.ts); this probe is separate so that a
// missing adapter or driver is reported before any model is compiled.

import { NODE_DAWN_FLAGS } from '../../../src/runtime/webgpu-node.js';
import { dawnFlags } from '../webgpu-models.js';

// dawn.node's objects, as far as the probe reads them.
interface Adapter {
  readonly info?: Record<string, unknown>;
  readonly features: Iterable<string> & { has(f: string): boolean };
  readonly limits: Record<string, number>;
  requestDevice(d: object): Promise<Device>;
}
interface Device {
  readonly queue: { submit(c: unknown[]): void; onSubmittedWorkDone(): Promise<void> };
  createShaderModule(d: object): unknown;
  createComputePipeline(d: object): { getBindGroupLayout(i: number): unknown };
  createBuffer(d: object): { mapAsync(m: number): Promise<void>; getMappedRange(): ArrayBuffer };
  createBindGroup(d: object): unknown;
  createQuerySet(d: object): unknown;
  createCommandEncoder(): {
    beginComputePass(d?: object): { setPipeline(p: unknown): void; setBindGroup(i: number, g: unknown): void; dispatchWorkgroups(x: number): void; end(): void };
    resolveQuerySet(q: unknown, first: number, n: number, b: unknown, off: number): void;
    copyBufferToBuffer(a: unknown, ao: number, b: unknown, bo: number, n: number): void;
    finish(): unknown;
  };
  popErrorScope(): Promise<{ message: string } | null>;
  pushErrorScope(f: string): void;
  destroy(): void;
}

const LIMITS = ['maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup', 'maxStorageBufferBindingSize', 'maxBufferSize', 'maxStorageBuffersPerShaderStage', 'minSubgroupSize', 'maxSubgroupSize'];
const WANT = ['shader-f16', 'subgroups', 'timestamp-query'];

/** Fill a buffer with i * 2 in a 64-wide dispatch, timed with timestamp queries where offered. */
async function dispatchCheck(device: Device, timestamps: boolean): Promise<{ ok: boolean; gpuUs?: number; error?: string }> {
  const n = 1 << 20;
  device.pushErrorScope('validation');
  const module = device.createShaderModule({ code: `@group(0) @binding(0) var<storage, read_write> o: array<u32>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3u) { if (g.x < ${n}u) { o[g.x] = g.x * 2u; } }` });
  const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
  const STORAGE = 0x80, COPY_SRC = 0x04, COPY_DST = 0x08, MAP_READ = 0x01, QUERY_RESOLVE = 0x200;
  const buf = device.createBuffer({ size: n * 4, usage: STORAGE | COPY_SRC });
  const read = device.createBuffer({ size: 16, usage: MAP_READ | COPY_DST });
  const group = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: buf } }] });
  const qs = timestamps ? device.createQuerySet({ type: 'timestamp', count: 2 }) : undefined;
  const resolve = timestamps ? device.createBuffer({ size: 16, usage: QUERY_RESOLVE | COPY_SRC }) : undefined;
  const tsRead = timestamps ? device.createBuffer({ size: 16, usage: MAP_READ | COPY_DST }) : undefined;
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass(qs ? { timestampWrites: { querySet: qs, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } } : undefined);
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, group);
  pass.dispatchWorkgroups(n / 64);
  pass.end();
  enc.copyBufferToBuffer(buf, 4 * (n - 4), read, 0, 16);
  if (qs) {
    enc.resolveQuerySet(qs, 0, 2, resolve, 0);
    enc.copyBufferToBuffer(resolve, 0, tsRead, 0, 16);
  }
  device.queue.submit([enc.finish()]);
  const err = await device.popErrorScope();
  if (err) return { ok: false, error: `validation: ${err.message}` };
  await read.mapAsync(MAP_READ);
  const got = [...new Uint32Array(read.getMappedRange())];
  const want = [0, 1, 2, 3].map((k) => 2 * (n - 4 + k));
  const ok = got.every((v, k) => v === want[k]);
  let gpuUs: number | undefined;
  if (tsRead) {
    await tsRead.mapAsync(MAP_READ);
    const t = new BigUint64Array(tsRead.getMappedRange());
    gpuUs = Number(t[1]! - t[0]!) / 1000;
  }
  return ok ? { ok, gpuUs } : { ok, error: `read back ${got.join(',')}, expected ${want.join(',')}` };
}

async function main(): Promise<number> {
  const flags = dawnFlags();
  const report: Record<string, unknown> = { flags, defaultFlags: NODE_DAWN_FLAGS, node: process.version, env: { VK_ICD_FILENAMES: process.env['VK_ICD_FILENAMES'], VK_DRIVER_FILES: process.env['VK_DRIVER_FILES'] } };
  const print = (): void => void process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  const mod = (await import('webgpu')) as unknown as { create(f: string[]): { requestAdapter(o?: object): Promise<Adapter | null> }; globals: object };
  Object.assign(globalThis, mod.globals);
  const gpu = mod.create([...flags]);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    report['adapter'] = null;
    print();
    return 3;
  }
  const info: Record<string, unknown> = {};
  for (const k of ['vendor', 'architecture', 'device', 'description', 'subgroupMinSize', 'subgroupMaxSize', 'isFallbackAdapter', 'subgroupMatrixConfigs']) info[k] = adapter.info?.[k];
  const features = [...adapter.features].sort();
  report['adapter'] = info;
  report['features'] = features;
  report['offers'] = Object.fromEntries(WANT.map((f) => [f, adapter.features.has(f)]));
  report['limits'] = Object.fromEntries(LIMITS.filter((k) => adapter.limits[k] !== undefined).map((k) => [k, adapter.limits[k]]));
  report['swiftshader'] = /swiftshader|llvmpipe|lavapipe/i.test(`${String(info['vendor'])} ${String(info['architecture'])} ${String(info['description'])}`);
  try {
    const device = await adapter.requestDevice({ requiredFeatures: WANT.filter((f) => adapter.features.has(f)) });
    report['dispatch'] = await dispatchCheck(device, adapter.features.has('timestamp-query'));
    device.destroy();
  } catch (e) {
    report['dispatch'] = { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
  print();
  return (report['dispatch'] as { ok: boolean }).ok ? 0 : 4;
}

process.exitCode = await main();
// dawn.node keeps the process alive while its instance lives; the answer is printed.
setTimeout(() => process.exit(), 100).unref();
