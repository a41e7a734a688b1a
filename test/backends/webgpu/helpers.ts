// Shared by the webgpu backend tests: a Dawn device on SwiftShader (kept for the life of the
// worker: Dawn aborts when the instance is garbage-collected), compile IR text in memory, run it
// through the runtime, and a null-backend device for validation-only checks (Tint + pipelines).

import { parseModule } from '../../../ir/parser.js';
import type { Tensor } from '../../../ir/tensor.js';
import { compileWebGpu, type CompiledWebGpu } from '../../../src/backends/webgpu/index.js';
import { instantiateWebGpu, type RunTensor, type WebGpuDevice } from '../../../src/runtime/webgpu.js';
import { nodeDevice, NODE_DAWN_FLAGS } from '../../../src/runtime/webgpu-node.js';

let device: Promise<WebGpuDevice> | undefined;
/** SwiftShader through Dawn, workgroup zero-init off (kernels must write before reading). */
export const gpuDevice = (): Promise<WebGpuDevice> => (device ??= nodeDevice(NODE_DAWN_FLAGS));

let nullDevice: Promise<WebGpuDevice> | undefined;
/** Dawn's null backend: compiles (Tint) and creates pipelines, never executes. */
export const validationDevice = (): Promise<WebGpuDevice> => (nullDevice ??= nodeDevice(['backend=null']));

export function compileText(text: string, passes = 'fuse'): CompiledWebGpu {
  return compileWebGpu(parseModule(text, { file: 'test.ir' }), { passes, verifyEach: true });
}

/** Run a compiled artifact on inputs in argument order; outputs in result order. */
export async function runCompiled(c: CompiledWebGpu, inputs: readonly Tensor[]): Promise<Tensor[]> {
  const m = await instantiateWebGpu(c.manifest, c.shaders.map((s) => s.code), c.weights, await gpuDevice());
  const feed: Record<string, RunTensor> = {};
  c.manifest.inputs.forEach((inp, i) => (feed[inp.name] = { data: inputs[i]!.data as RunTensor['data'], dims: inputs[i]!.shape }));
  const out = await m.run(feed);
  return c.manifest.outputs.map((o) => ({ dtype: o.dtype as Tensor['dtype'], shape: [...out[o.name]!.dims], data: out[o.name]!.data as Tensor['data'] }));
}

export async function runWebGpu(text: string, inputs: readonly Tensor[], passes = 'fuse'): Promise<Tensor[]> {
  return runCompiled(compileText(text, passes), inputs);
}

/** Compile every shader and create its pipeline on the null backend; returns the errors found. */
export async function validateShaders(c: CompiledWebGpu): Promise<string[]> {
  const dev = await validationDevice();
  try {
    await instantiateWebGpu(c.manifest, c.shaders.map((s) => s.code), c.weights, dev);
    return [];
  } catch (e) {
    return [(e as Error).message];
  }
}
