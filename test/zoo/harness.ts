// The zoo's reference and comparison: onnxruntime-node 1.30.0 (CPU, graph optimisations off) runs
// each model on seeded inputs at each binding of its symbolic dims; tenth's outputs (interpreter,
// WASM, WebGPU) must match within TOLERANCE. Also writes a model + test_data_set_N folders so the
// CLI's `tenth run --check` can be pointed at them.

import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { TenthError } from '../../ir/diagnostics.js';
import type { DType } from '../../ir/dtype.js';
import type { Module } from '../../ir/ir.js';
import { f16BitsToNumber, numberToF16Bits } from '../../ir/numeric.js';
import type { Tensor } from '../../ir/tensor.js';
import { compileWasm, writeArtifact } from '../../src/backends/wasm/compile.js';
import { compileWebGpu } from '../../src/backends/webgpu/index.js';
import { compareTensors, type Tolerance } from '../../src/check/compare.js';
import { importOnnxBytes } from '../../src/onnx/import.js';
import { encodeTensorProto } from '../../src/onnx/tensor-proto.js';
import { loadCompiled, type RunTensor, type TypedArray } from '../../src/runtime/index.js';
import { instantiateWebGpu, type WebGpuDevice } from '../../src/runtime/webgpu.js';
import { makeInputs } from './graph.js';
import type { ZooModel } from './models.js';

/** The brief's tolerance: rtol 1e-3, atol 1e-4 (activations here are O(1)). */
export const TOLERANCE: Tolerance = { rtol: 1e-3, atol: 1e-4 };

export interface ZooCase {
  /** 'batch=3,seq=17' */
  readonly label: string;
  readonly inputs: Tensor[];
  /** onnxruntime's outputs, in graph output order. */
  readonly want: Tensor[];
}

type Ort = typeof import('onnxruntime-node');
let ort: Ort | undefined;
// onnxruntime-node is CommonJS; required as test/bench/ort-count.ts does.
const loadOrt = (): Ort => (ort ??= createRequire(import.meta.url)('onnxruntime-node') as Ort);

const ORT_TYPE: Readonly<Record<string, string>> = { f32: 'float32', f16: 'float16', i64: 'int64', bool: 'bool', i32: 'int32', u8: 'uint8', i8: 'int8' };
const FROM_ORT: Readonly<Record<string, DType>> = { float32: 'f32', float16: 'f16', int64: 'i64', bool: 'bool', int32: 'i32', uint8: 'u8', int8: 'i8' };

// f16 crosses onnxruntime's and tenth's runtime boundaries as raw bits (Uint16Array); the IR's f16
// tensors hold the rounded values as numbers.
const toBits = (t: Tensor): RunTensor['data'] => (t.dtype === 'f16' ? Uint16Array.from(t.data as Float32Array, numberToF16Bits) : (t.data as TypedArray));
const fromRun = (dtype: DType, shape: readonly number[], data: unknown): Tensor =>
  (dtype === 'f16'
    ? { dtype, shape: [...shape], data: Float32Array.from(data as Uint16Array, f16BitsToNumber) }
    : { dtype, shape: [...shape], data: data as Tensor['data'] }) as Tensor;

/** Run `m` in onnxruntime on each binding's seeded inputs. */
export async function referenceCases(m: ZooModel): Promise<ZooCase[]> {
  const { InferenceSession, Tensor: OrtTensor } = loadOrt();
  const session = await InferenceSession.create(Buffer.from(m.bytes), { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1, interOpNumThreads: 1, logSeverityLevel: 3 });
  const cases: ZooCase[] = [];
  try {
    for (const [k, bind] of m.bindings.entries()) {
      const inputs = makeInputs(m.inputs, bind, 1000 + k);
      const feeds = Object.fromEntries(m.inputs.map((spec, i) => [spec.name, new OrtTensor(ORT_TYPE[inputs[i]!.dtype] as 'float32', toBits(inputs[i]!) as Float32Array, inputs[i]!.shape)]));
      const out = await session.run(feeds);
      const want = m.outputs.map((o) => {
        const t = out[o.name]!;
        const dtype = FROM_ORT[t.type];
        if (!dtype) throw new Error(`${m.name}: output ${o.name} has onnxruntime type ${t.type}, not handled by the zoo harness`);
        return fromRun(dtype, t.dims, t.data);
      });
      cases.push({ label: Object.entries(bind).map(([s, v]) => `${s}=${v}`).join(','), inputs, want });
    }
  } finally {
    await session.release();
  }
  return cases;
}

/** null when every output matches, else 'output: reason' for the first that does not. */
export function mismatch(m: ZooModel, got: readonly Tensor[], want: readonly Tensor[], tol: Tolerance = TOLERANCE): string | null {
  if (got.length !== want.length) return `${got.length} outputs, expected ${want.length}`;
  for (let k = 0; k < want.length; k++) {
    const c = compareTensors(got[k]!, want[k]!, tol);
    if (!c.ok) return `${m.outputs[k]!.name}: ${c.reason ?? 'mismatch'} (max abs ${c.maxAbs})`;
  }
  return null;
}

/** DIR/model.onnx and DIR/test_data_set_K/{input,output}_N.pb, one data set per binding. */
export function writeModelDir(dir: string, m: ZooModel, cases: readonly ZooCase[]): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model.onnx'), m.bytes);
  cases.forEach((c, k) => {
    const d = join(dir, `test_data_set_${k}`);
    mkdirSync(d, { recursive: true });
    c.inputs.forEach((t, i) => writeFileSync(join(d, `input_${i}.pb`), encodeTensorProto(m.inputs[i]!.name, t)));
    c.want.forEach((t, i) => writeFileSync(join(d, `output_${i}.pb`), encodeTensorProto(m.outputs[i]!.name, t)));
  });
}

/** Compile `m` for WASM once (symbolic dims kept), load it through the runtime, run every case. */
export async function runWasmCases(m: ZooModel, cases: readonly ZooCase[], dir: string, passes?: string): Promise<Tensor[][]> {
  writeArtifact(dir, await compileWasm(importZoo(m), passes ? { passes } : {}));
  const cm = await loadCompiled(dir);
  const results: Tensor[][] = [];
  for (const c of cases) {
    const out = await cm.run(feedsOf(cm.manifest.inputs, c.inputs));
    results.push(cm.manifest.outputs.map((o) => fromRun(o.dtype as DType, out[o.name]!.dims, out[o.name]!.data)));
  }
  return results;
}

/** Compile `m` for WebGPU once, instantiate it on `device`, run every case. */
export async function runWebGpuCases(m: ZooModel, cases: readonly ZooCase[], device: WebGpuDevice): Promise<Tensor[][]> {
  const c = compileWebGpu(importZoo(m));
  const gm = await instantiateWebGpu(c.manifest, c.shaders.map((s) => s.code), c.weights, device);
  const results: Tensor[][] = [];
  for (const cs of cases) {
    const out = await gm.run(feedsOf(c.manifest.inputs, cs.inputs));
    results.push(c.manifest.outputs.map((o) => fromRun(o.dtype as DType, out[o.name]!.dims, out[o.name]!.data)));
  }
  return results;
}

export const importZoo = (m: ZooModel): Module => importOnnxBytes(m.bytes, { file: `${m.name}.onnx`, baseDir: '.' });

// By position: manifest inputs are the main function's arguments in order, as the graph's inputs.
function feedsOf(inputs: readonly { name: string }[], tensors: readonly Tensor[]): Record<string, RunTensor> {
  return Object.fromEntries(inputs.map((inp, k) => [inp.name, { data: toBits(tensors[k]!), dims: tensors[k]!.shape }]));
}

/** The diagnostic codes of a TenthError (a clean refusal), or null for anything else (a crash). */
export function diagnosticCodes(e: unknown): string[] | null {
  return e instanceof TenthError ? e.diagnostics.map((d) => d.code) : null;
}
