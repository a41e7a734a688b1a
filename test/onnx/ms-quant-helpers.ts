// Shared by the com.microsoft quantized-op tests: one-node models, onnxruntime-node (CPU, graph
// optimisations off) as the reference, tenth's interpreter (and, for some, the WASM / WebGPU
// backends), and the comparison of quantized outputs in units of the output type.

import { createRequire } from 'node:module';
import { expect } from 'vitest';
import type { DType } from '../../ir/dtype.js';
import { interpret } from '../../ir/interp.js';
import { tensorFrom, toNumbers, type Tensor } from '../../ir/tensor.js';
import { verify } from '../../ir/verify.js';
import { importOnnxBytes } from '../../src/onnx/import.js';
import { buildModel, type AttrSpecValue } from '../../src/onnx/writer.js';
import type { WebGpuDevice } from '../../src/runtime/webgpu.js';
import { runWasmCases, runWebGpuCases } from '../zoo/harness.js';
import type { ZooModel } from '../zoo/models-common.js';

type Ort = typeof import('onnxruntime-node');
let ort: Ort | undefined;
const loadOrt = (): Ort => (ort ??= createRequire(import.meta.url)('onnxruntime-node') as Ort);

const ORT_TYPE: Readonly<Record<string, string>> = { f32: 'float32', u8: 'uint8', i8: 'int8', u16: 'uint16', i16: 'int16', i32: 'int32', bool: 'bool' };
const FROM_ORT: Readonly<Record<string, DType>> = { float32: 'f32', uint8: 'u8', int8: 'i8', uint16: 'u16', int16: 'i16', int32: 'i32' };

/** An operand of the node: a graph input (fed) or an initializer (`init`), or '' (omitted). */
export interface Operand { name: string; tensor: Tensor; init?: boolean }
export type OperandOrSkip = Operand | null;

export interface OneNode {
  op: string;
  operands: readonly OperandOrSkip[];
  attrs?: Record<string, AttrSpecValue>;
  outDtype: DType;
  /** Symbolic dims for the graph inputs (per input name), default: the tensor's static shape. */
  shapes?: Readonly<Record<string, (number | string)[]>>;
  nodeName?: string;
}

export function oneNodeModel(c: OneNode): Uint8Array {
  const ops = c.operands;
  return buildModel({
    opset: 13, opsets: { 'com.microsoft': 1 }, irVersion: 8,
    inputs: ops.filter((o): o is Operand => o !== null && !o.init).map((o) => ({ name: o.name, dtype: o.tensor.dtype, shape: c.shapes?.[o.name] ?? o.tensor.shape })),
    outputs: [{ name: 'y', dtype: c.outDtype }],
    initializers: ops.filter((o): o is Operand => o !== null && !!o.init).map((o) => ({ name: o.name, tensor: o.tensor })),
    nodes: [{ opType: c.op, domain: 'com.microsoft', name: c.nodeName ?? `${c.op}_0`, inputs: ops.map((o) => o?.name ?? ''), outputs: ['y'], attrs: c.attrs ?? {} }],
  });
}

export const feedsOf = (c: OneNode): Tensor[] => c.operands.filter((o): o is Operand => o !== null && !o.init).map((o) => o.tensor);

export async function ortRun(bytes: Uint8Array, names: readonly string[], feeds: readonly Tensor[]): Promise<Tensor[]> {
  const { InferenceSession, Tensor: OrtTensor } = loadOrt();
  const s = await InferenceSession.create(Buffer.from(bytes), { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1, logSeverityLevel: 3 });
  try {
    const out = await s.run(Object.fromEntries(names.map((n, i) => [n, new OrtTensor(ORT_TYPE[feeds[i]!.dtype] as 'float32', feeds[i]!.data as Float32Array, feeds[i]!.shape)])));
    return s.outputNames.map((n) => {
      const t = out[n]!;
      return { dtype: FROM_ORT[t.type]!, shape: [...t.dims], data: t.data } as Tensor;
    });
  } finally {
    await s.release();
  }
}

/** onnxruntime's and tenth's interpreter's outputs of a one-node model. */
export async function bothRuns(c: OneNode): Promise<{ want: Tensor; got: Tensor; bytes: Uint8Array }> {
  const bytes = oneNodeModel(c);
  const feeds = feedsOf(c);
  const names = c.operands.filter((o): o is Operand => o !== null && !o.init).map((o) => o.name);
  const [want] = await ortRun(bytes, names, feeds);
  const m = importOnnxBytes(bytes, { file: `${c.op}.onnx`, baseDir: '.' });
  expect(verify(m)).toEqual([]);
  const [got] = interpret(m, feeds);
  return { want: want!, got: got!, bytes };
}

/**
 * Quantized outputs equal, or (maxUnits 1, where onnxruntime's kernel rounds in another float order)
 * at most one unit apart in at most `maxFrac` of the elements.
 */
export function expectQuant(got: Tensor, want: Tensor, maxUnits = 0, maxFrac = 0, label = ''): void {
  expect(got.dtype, label).toBe(want.dtype);
  expect(got.shape, label).toEqual(want.shape);
  const g = toNumbers(got), w = toNumbers(want);
  let off = 0, worst = 0;
  for (let i = 0; i < g.length; i++) {
    const d = Math.abs(g[i]! - w[i]!);
    if (d > 0) off++;
    worst = Math.max(worst, d);
  }
  expect(worst, `${label}: max difference in units`).toBeLessThanOrEqual(maxUnits);
  const allowed = maxUnits > 0 ? Math.max(1, Math.floor(maxFrac * g.length)) : 0;
  expect(off, `${label}: ${off} of ${g.length} elements differ`).toBeLessThanOrEqual(allowed);
}

/** Float outputs: |got - want| <= atol + rtol |want|. */
export function expectFloat(got: Tensor, want: Tensor, rtol: number, atol: number, label = ''): void {
  expect(got.dtype, label).toBe(want.dtype);
  expect(got.shape, label).toEqual(want.shape);
  const g = toNumbers(got), w = toNumbers(want);
  for (let i = 0; i < g.length; i++) {
    if (Math.abs(g[i]! - w[i]!) > atol + rtol * Math.abs(w[i]!)) expect.fail(`${label}: element ${i}: ${g[i]} vs onnxruntime ${w[i]}`);
  }
}

export { rng } from '../zoo/graph.js';

export const RANGE: Readonly<Record<string, [number, number]>> = { u8: [0, 255], i8: [-128, 127], u16: [0, 65535], i16: [-32768, 32767] };

/** Uniform integers over the dtype's range. */
export function randQ(r: () => number, dt: DType, shape: readonly number[]): Tensor {
  const [lo, hi] = RANGE[dt]!;
  const n = shape.reduce((a, d) => a * d, 1);
  return tensorFrom(dt, shape, Array.from({ length: n }, () => lo + Math.floor(r() * (hi - lo + 1))));
}

/** A zero point near the middle of the range (as calibrated activations have). */
export const randZp = (r: () => number, dt: DType): number => {
  const [lo, hi] = RANGE[dt]!;
  const mid = (lo + hi) / 2, span = (hi - lo) / 4;
  return Math.round(mid + (r() * 2 - 1) * span);
};

export const scal = (name: string, dt: DType, v: number): Operand => ({ name, tensor: tensorFrom(dt, [], [v]), init: true });
export const input = (name: string, tensor: Tensor, init = false): Operand => ({ name, tensor, init });

/** A model's bytes as the zoo harness takes them (only name and bytes are read when compiling). */
const asZoo = (name: string, bytes: Uint8Array): ZooModel => ({ name, inputs: [], outputs: [], bindings: [{}], bytes });

/** Compile for WASM (O2 pipeline, as tenth compile), run through the runtime. */
export async function wasmRun(name: string, bytes: Uint8Array, feeds: readonly Tensor[], dir: string): Promise<Tensor[]> {
  return (await runWasmCases(asZoo(name, bytes), [{ label: '', inputs: [...feeds], want: [] }], dir))[0]!;
}

/** Compile for WebGPU, run on `device`. */
export async function webgpuRun(name: string, bytes: Uint8Array, feeds: readonly Tensor[], device: WebGpuDevice): Promise<Tensor[]> {
  return (await runWebGpuCases(asZoo(name, bytes), [{ label: '', inputs: [...feeds], want: [] }], device))[0]!;
}
