// One ONNX model through onnxruntime-node (the reference) and tenth's interpreter, WASM and WebGPU
// backends, for the per-op onnxruntime tests (resize-ort, conv-transpose-ort): many cases are put
// side by side in one model (input xK -> output yK) so each backend compiles once.

import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { interpret } from '../../ir/interp.js';
import type { Tensor } from '../../ir/tensor.js';
import { compileWasm, writeArtifact } from '../../src/backends/wasm/compile.js';
import { compileWebGpu } from '../../src/backends/webgpu/index.js';
import { importOnnxBytes } from '../../src/onnx/import.js';
import { loadCompiled } from '../../src/runtime/index.js';
import { instantiateWebGpu, type WebGpuDevice } from '../../src/runtime/webgpu.js';
import { nodeDevice, NODE_DAWN_FLAGS } from '../../src/runtime/webgpu-node.js';

type Ort = typeof import('onnxruntime-node');
let ort: Ort | undefined;
const loadOrt = (): Ort => (ort ??= createRequire(import.meta.url)('onnxruntime-node') as Ort);

let device: Promise<WebGpuDevice> | undefined;
// One device for the worker's life (Dawn aborts when the instance is garbage-collected).
export const gpu = (): Promise<WebGpuDevice> => (device ??= nodeDevice(NODE_DAWN_FLAGS, { log: null }));

const f32 = (shape: readonly number[], data: ArrayLike<number>): Tensor => ({ dtype: 'f32', shape: [...shape], data: Float32Array.from(data) }) as Tensor;

/**
 * onnxruntime's outputs (f32, named y0, y1, ...: `n` of them) of `bytes` on `inputs` (f32, fed in
 * the order of the graph's inputs).
 */
export async function ortRun(bytes: Uint8Array, inputs: readonly Tensor[], n = inputs.length): Promise<Tensor[]> {
  const { InferenceSession, Tensor: OrtTensor } = loadOrt();
  const s = await InferenceSession.create(Buffer.from(bytes), { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1, logSeverityLevel: 4 });
  try {
    const feeds = Object.fromEntries(inputs.map((t, i) => [s.inputNames[i]!, new OrtTensor('float32', t.data as Float32Array, t.shape)]));
    const out = await s.run(feeds);
    return Array.from({ length: n }, (_t, i) => f32(out[`y${i}`]!.dims, out[`y${i}`]!.data as Float32Array));
  } finally {
    await s.release();
  }
}

const load = (bytes: Uint8Array) => importOnnxBytes(bytes, { file: 'ort-case.onnx', baseDir: '.' });

export function interpRun(bytes: Uint8Array, inputs: readonly Tensor[]): Tensor[] {
  return interpret(load(bytes), [...inputs]);
}

export async function wasmRun(bytes: Uint8Array, inputs: readonly Tensor[]): Promise<Tensor[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tenth-ort-'));
  try {
    writeArtifact(dir, await compileWasm(load(bytes)));
    const cm = await loadCompiled(dir);
    const out = await cm.run(Object.fromEntries(cm.manifest.inputs.map((inp, k) => [inp.name, { data: inputs[k]!.data as Float32Array, dims: inputs[k]!.shape }])));
    return cm.manifest.outputs.map((o) => f32(out[o.name]!.dims, out[o.name]!.data as Float32Array));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function webgpuRun(bytes: Uint8Array, inputs: readonly Tensor[]): Promise<Tensor[]> {
  const c = compileWebGpu(load(bytes));
  const gm = await instantiateWebGpu(c.manifest, c.shaders.map((s) => s.code), c.weights, await gpu());
  const out = await gm.run(Object.fromEntries(c.manifest.inputs.map((inp, k) => [inp.name, { data: inputs[k]!.data as Float32Array, dims: inputs[k]!.shape }])));
  return c.manifest.outputs.map((o) => f32(out[o.name]!.dims, out[o.name]!.data as Float32Array));
}

/** Seeded values in [-3, 3) with a few exact small integers, so sums do not cancel to 0 by chance. */
export function seeded(shape: readonly number[], seed: number): Tensor {
  let s = (seed * 2654435761) >>> 0 || 1;
  const n = shape.reduce((p, d) => p * d, 1);
  return f32(shape, Array.from({ length: n }, () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return (s % 6000) / 1000 - 3;
  }));
}
