// One ONNX backend test through the WebGPU backend: import, compileWebGpu, instantiate through the
// standard-API runtime (src/runtime/webgpu.ts) on a Dawn device, compare every data set with the
// ONNX tolerances. A model the backend refuses at compile time for a missing kernel (E201) or for
// dims it cannot bind from the input shapes (E205) is skipped with that reason; any other failure
// fails the test. The scope rules of classify.ts apply first, as for the interpreter. Never throws.
//
// Dawn needs a Vulkan driver: the system's where it gives an adapter, else SwiftShader
// (runtime/webgpu-node.ts chooseDriver, which the runner calls before any worker starts).

import { TenthError } from '../../ir/diagnostics.js';
import { compileWebGpu } from '../backends/webgpu/index.js';
import { ONNX_TOLERANCE, type Tolerance } from '../check/compare.js';
import { runCompiledDataDir } from '../cli/run-compiled.js';
import type { CompiledModel } from '../runtime/index.js';
import { instantiateWebGpu, type WebGpuDevice } from '../runtime/webgpu.js';
import { chooseDriver, adapterLine, NODE_DAWN_FLAGS, nodeDevice } from '../runtime/webgpu-node.js';
import { describeError, isPrepared, judgeReport, prepareTest, type TestResult } from './run-test.js';

const UNSUPPORTED = 'the webgpu backend does not support: ';

/**
 * Choose the Vulkan driver (the system's, else SwiftShader) on the main thread before any worker
 * starts: the loader reads the process's real environment, which a worker cannot change. Returns
 * the line naming the adapter, or undefined where the probe could not name one (each test then
 * fails with the device's own error).
 */
export async function chooseWebGpuAdapter(): Promise<string | undefined> {
  const c = await chooseDriver({ describe: true });
  return c.adapter === undefined ? undefined : adapterLine(c.adapter, c.source);
}

/** The skip reason for a compile error the backend raises for what it does not support, or null. */
export function webgpuSkipReason(e: unknown): string | null {
  if (!(e instanceof TenthError)) return null;
  const d = e.diagnostics.find((x) => x.code === 'E201' || x.code === 'E205');
  if (!d) return null;
  if (d.code === 'E205') return `webgpu backend: run-time dims (E205): ${d.message}`;
  if (d.message.startsWith(UNSUPPORTED)) return `webgpu backend: no kernel for ${d.message.slice(UNSUPPORTED.length)}`;
  // A kernel refused this op's form (attribute, second result): name the op from the note k.fail adds.
  const op = /^op (\S+)/.exec(d.notes[0] ?? '')?.[1] ?? /^([a-z_]+)[ :]/.exec(d.message)?.[1];
  return `webgpu backend: no kernel for ${op ?? 'an op'} (${d.message})`;
}

// One device per thread, for the life of the thread (pipelines and buffers of finished tests are
// dropped with their model objects).
let device: Promise<WebGpuDevice> | undefined;

export async function runConformanceTestWebGpu(dir: string, tolerance: Tolerance = ONNX_TOLERANCE): Promise<TestResult> {
  const p = prepareTest(dir);
  if (!isPrepared(p)) return p;
  try {
    let compiled;
    try {
      compiled = compileWebGpu(p.module);
    } catch (e) {
      const skip = webgpuSkipReason(e);
      if (skip) return { test: p.test, status: 'skipped', reason: skip, opTypes: p.opTypes };
      throw e;
    }
    const dev = await (device ??= nodeDevice(NODE_DAWN_FLAGS, { log: null }));
    const model = await instantiateWebGpu(compiled.manifest, compiled.shaders.map((s) => s.code), compiled.weights, dev);
    for (const ds of p.sets) {
      // The webgpu model keeps the wasm runtime's run(feeds) contract, so the same checking code runs it.
      const bad = judgeReport(p, await runCompiledDataDir(model as unknown as CompiledModel, ds, { check: true, tolerance }));
      if (bad) return bad;
    }
    return { test: p.test, status: 'passed', reason: null, opTypes: p.opTypes };
  } catch (e) {
    return p.failed(describeError(e));
  }
}
