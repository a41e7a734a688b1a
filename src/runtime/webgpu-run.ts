// Running a loaded WebGPU model. A run: inputs written, one command encoder recording every
// dispatch in one compute pass and the copies of the outputs (and of the index status, where ops
// check their indices) into one read-back buffer, one submit, one map. No CPU round trip between
// kernels. Profiling times each kernel with GPU timestamps where the device has them.

import { ceilDiv, indexError, now, rebindCounted, TenthRuntimeError, type KernelTime as CommonKernelTime, type RunTensor } from './common.js';
import type { Bindings, Bound } from './webgpu-bind.js';
import { fromGpu, storageOf } from './webgpu-convert.js';
import { USAGE, type GBuffer, type GPass, type WebGpuDevice } from './webgpu-device.js';
import type { GpuManifest } from './webgpu-manifest.js';
import type { GpuResources } from './webgpu-pipelines.js';
import { encodeRepeats } from './webgpu-repeat.js';

export interface KernelTime extends CommonKernelTime {
  /** 'gpu': from timestamp queries; 'cpu': submitted and waited for, timed on the CPU. */
  readonly timing?: 'gpu' | 'cpu';
}

/** A loaded model: its device, manifest, long-lived resources and bindings. */
export interface GpuModel {
  readonly device: WebGpuDevice;
  readonly manifest: GpuManifest;
  readonly res: GpuResources;
  readonly bindings: Bindings;
}

function encodeKernel(m: GpuModel, pass: GPass, b: Bound, n: number): void {
  const [x, y, z] = b.counts[n]!;
  if (x * y * z === 0) return;
  pass.setPipeline(m.res.pipelines[n]);
  pass.setBindGroup(0, m.bindings.group);
  pass.dispatchWorkgroups(x, y, z);
}

/** Run once; the outputs by name (fresh arrays). */
export async function runModel(m: GpuModel, inputs: Readonly<Record<string, RunTensor>>): Promise<Record<string, RunTensor>> {
  const { device, manifest, res, bindings } = m;
  const { status, nsites } = res;
  const placed = bindings.bindInputs(inputs);
  bindings.writeInputs(placed, inputs);
  if (status) device.queue.writeBuffer(status, 0, res.statusZeros);
  const { bound: b, from } = await runCounting(m, inputs, placed);
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  encodeRepeats(manifest, b.bind, (n) => encodeKernel(m, pass, b, n), from);
  pass.end();
  const total = b.outputBytes;
  const readback = device.createBuffer({ size: Math.max(16, total + 12 * nsites), usage: USAGE.MAP_READ | USAGE.COPY_DST });
  for (const s of b.outputs) {
    const src = s.buffer.kind === 'weight' ? res.weights : bindings.arenaBuffer;
    if (s.bytes > 0) enc.copyBufferToBuffer(src, s.offset, readback, s.at, ceilDiv(s.bytes, 4) * 4);
  }
  // The index status rides with the outputs: no second round trip.
  if (status) enc.copyBufferToBuffer(status, 0, readback, total, 12 * nsites);
  device.queue.submit([enc.finish()]);
  await mapped(m, readback, 'run');
  const all = readback.getMappedRange().slice(0);
  readback.unmap();
  readback.destroy();
  if (status) checkIndexStatus(manifest, new Uint32Array(all, total, 3 * nsites));
  const out: Record<string, RunTensor> = {};
  for (const s of b.outputs) {
    out[s.output.name] = { data: fromGpu(s.output.dtype, storageOf(s.buffer), all.slice(s.at, s.at + s.bytes), s.count), dims: [...s.dims] };
  }
  return out;
}

/**
 * Counted dims (NonZero, ...; manifest `counted`): dispatch the kernels up to each counting one,
 * read its count back (with the index status: a bad index before it is reported first) and
 * rebind the symbols, one submit and one map per counting kernel. Returns the final binding and
 * the first kernel not yet dispatched (0 and the placed binding when nothing is counted).
 */
async function runCounting(m: GpuModel, inputs: Readonly<Record<string, RunTensor>>, placed: Bound): Promise<{ bound: Bound; from: number }> {
  const { device, manifest, res, bindings } = m;
  const { status, nsites } = res;
  let b = placed, from = 0;
  const counts: Record<string, number> = {};
  for (const c of manifest.counted ?? []) {
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    encodeRepeats(manifest, b.bind, (n) => encodeKernel(m, pass, b, n), from, c.kernel + 1);
    pass.end();
    const read = device.createBuffer({ size: Math.max(16, 12 * nsites), usage: USAGE.MAP_READ | USAGE.COPY_DST });
    enc.copyBufferToBuffer(status!, 0, read, 0, 12 * nsites);
    device.queue.submit([enc.finish()]);
    await mapped(m, read, 'run'); // destroys `read` when the map fails
    const w = new Uint32Array(read.getMappedRange().slice(0, 12 * nsites));
    read.unmap();
    read.destroy();
    checkIndexStatus(manifest, w);
    counts[c.symbol] = w[c.word!]!;
    b = bindings.rebind(placed, rebindCounted(manifest, inputs, bindings.sizing, counts, placed.bind, c));
    from = c.kernel + 1;
  }
  return { bound: b, from };
}

/** Wait for a read-back buffer: a lost device or a failed submit is the device's refusal (E501), named. */
async function mapped(m: GpuModel, buf: GBuffer, what: string): Promise<void> {
  try {
    await buf.mapAsync(1);
  } catch (e) {
    buf.destroy();
    throw new TenthRuntimeError('E501', `tenth runtime: the device failed the ${what} of ${m.manifest.name}: ${(e as Error).message || 'no reason given'}`, { cause: e });
  }
}

/** The first op in dispatch order that met a bad index (later ones may only fail because of it). */
function checkIndexStatus(manifest: GpuManifest, w: Uint32Array): void {
  for (let s = 0; s < w.length / 3; s++) {
    if (!w[3 * s]) continue;
    const index = (w[3 * s + 1]! ^ 0x80000000) | 0, size = w[3 * s + 2]!;
    throw indexError(manifest.indexSites![s]!, index, size);
  }
}

/**
 * Time each kernel on these inputs, dispatched `repeats` times: with GPU timestamps (one compute
 * pass per kernel) when the device has `timestamp-query`, else each submitted and waited for.
 */
export async function profileModel(m: GpuModel, inputs: Readonly<Record<string, RunTensor>>, repeats = 1): Promise<KernelTime[]> {
  const { device, manifest, bindings } = m;
  // One checked run first: profiling data the model refuses would time garbage.
  if (m.res.status) await runModel(m, inputs);
  const placed = bindings.bindInputs(inputs);
  bindings.writeInputs(placed, inputs);
  // Kernels after a counting one are timed at the counts these inputs give.
  const b = manifest.counted ? (await runCounting(m, inputs, placed)).bound : placed;
  const count = manifest.kernels.length;
  if (device.features?.has('timestamp-query') && device.createQuerySet && count > 0) {
    const qs = device.createQuerySet({ type: 'timestamp', count: 2 * count });
    const resolved = device.createBuffer({ size: 16 * count, usage: USAGE.QUERY_RESOLVE | USAGE.COPY_SRC });
    const read = device.createBuffer({ size: 16 * count, usage: USAGE.MAP_READ | USAGE.COPY_DST });
    try {
      const enc = device.createCommandEncoder();
      for (let k = 0; k < count; k++) {
        const pass = enc.beginComputePass({ timestampWrites: { querySet: qs, beginningOfPassWriteIndex: 2 * k, endOfPassWriteIndex: 2 * k + 1 } });
        for (let r = 0; r < repeats; r++) encodeKernel(m, pass, b, k);
        pass.end();
      }
      enc.resolveQuerySet!(qs, 0, 2 * count, resolved, 0);
      enc.copyBufferToBuffer(resolved, 0, read, 0, 16 * count);
      device.queue.submit([enc.finish()]);
      await mapped(m, read, 'profile');
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
    for (let r = 0; r < repeats; r++) encodeKernel(m, pass, b, n);
    pass.end();
    device.queue.submit([enc.finish()]);
    await device.queue.onSubmittedWorkDone();
    times.push({ kernel: manifest.kernels[n]!.name, ms: (now() - t0) / repeats, timing: 'cpu' });
  }
  return times;
}
