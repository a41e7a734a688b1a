// Shared by the webgpu backend tests: a Dawn device on SwiftShader (kept for the life of the
// worker: Dawn aborts when the instance is garbage-collected), compile IR text in memory, run it
// through the runtime, and a null-backend device for validation-only checks (Tint + pipelines).

import { expect } from 'vitest';
import { interpret } from '../../../ir/interp.js';
import { parseModule } from '../../../ir/parser.js';
import { tensorFrom, type Tensor } from '../../../ir/tensor.js';
import { compileWebGpu, type CompiledWebGpu } from '../../../src/backends/webgpu/index.js';
import { fromRunTensor, toRunTensor } from '../../../src/conformance/feeds.js';
import { instantiateWebGpu, type WebGpuDevice } from '../../../src/runtime/webgpu.js';
import { nodeDevice, NODE_DAWN_FLAGS } from '../../../src/runtime/webgpu-node.js';

let device: Promise<WebGpuDevice> | undefined;
/** SwiftShader through Dawn, workgroup zero-init off (kernels must write before reading). */
export const gpuDevice = (): Promise<WebGpuDevice> => (device ??= nodeDevice(NODE_DAWN_FLAGS, { log: null }));

let nullDevice: Promise<WebGpuDevice> | undefined;
/** Dawn's null backend: compiles (Tint) and creates pipelines, never executes. */
export const validationDevice = (): Promise<WebGpuDevice> => (nullDevice ??= nodeDevice(['backend=null']));

export function compileText(text: string, passes = 'fuse'): CompiledWebGpu {
  return compileWebGpu(parseModule(text, { file: 'test.ir' }), { passes, verifyEach: true });
}

/**
 * Run a compiled artifact on inputs in argument order; outputs in result order. Tensors cross the
 * runtime boundary as conformance does (toRunTensor / fromRunTensor): f16/bf16 as raw bits and
 * float8/float4 as codes, decoded back to numbers; every other dtype's data passes unchanged.
 */
export async function runCompiled(c: CompiledWebGpu, inputs: readonly Tensor[]): Promise<Tensor[]> {
  const m = await instantiateWebGpu(c.manifest, c.shaders.map((s) => s.code), c.weights, await gpuDevice());
  const out = await m.run(Object.fromEntries(c.manifest.inputs.map((inp, i) => [inp.name, toRunTensor(inputs[i]!)])));
  return c.manifest.outputs.map((o) => fromRunTensor(o.dtype as Tensor['dtype'], out[o.name]!));
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

/** Deterministic values in [-1, 1). */
export function rand(shape: readonly number[], seed: number): Tensor {
  let s = seed >>> 0 || 1;
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    v[i] = ((s >>> 8) / 2 ** 24) * 2 - 1;
  }
  return tensorFrom('f32', shape, v);
}

export function interpText(text: string, inputs: readonly Tensor[]): Tensor[] {
  return interpret(parseModule(text, { file: 'test.ir' }), [...inputs]);
}

/** |got - want| <= atol + rtol * |want| everywhere (NaN matches NaN), same shapes and dtypes. */
export function expectClose(got: readonly Tensor[], want: readonly Tensor[], rtol = 1e-4, atol = 1e-5): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, k) => {
    const w = want[k]!;
    expect(g.shape).toEqual(w.shape);
    expect(g.dtype).toBe(w.dtype);
    const a = g.data as ArrayLike<number | bigint>, b = w.data as ArrayLike<number | bigint>;
    for (let i = 0; i < b.length; i++) {
      const x = Number(a[i]!), y = Number(b[i]!);
      // An infinity must be matched exactly: |x - inf| <= atol + rtol * inf would accept any x.
      const ok = x === y || (Number.isFinite(y) && Math.abs(x - y) <= atol + rtol * Math.abs(y)) || (Number.isNaN(x) && Number.isNaN(y));
      if (!ok) expect.fail(`output ${k} element ${i}: got ${x}, want ${y} (shape [${w.shape}])`);
    }
  });
}

export async function check(text: string, inputs: Tensor[], passes = 'fuse', rtol?: number, atol?: number): Promise<void> {
  expectClose(await runWebGpu(text, inputs, passes), interpText(text, inputs), rtol, atol);
}

export const hexF32 = (xs: Float32Array): string => `0x${Buffer.from(xs.buffer, xs.byteOffset, xs.byteLength).toString('hex')}`;
export const fmtShape = (s: readonly (number | string)[], dtype = 'f32'): string => `${dtype}[${s.join(',')}]`;
