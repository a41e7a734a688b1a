// onnxruntime reference cases for the optimum models: as harness.ts' referenceCases, but the bool
// `use_cache_branch` input (which graph.ts' makeInputs cannot make) is fed as bool, its value the
// binding's `use_cache`.

import { createRequire } from 'node:module';
import type { DType } from '../../ir/dtype.js';
import { tensorFrom, type Tensor } from '../../ir/tensor.js';
import { makeInputs } from './graph.js';
import type { ZooCase } from './harness.js';
import type { ZooModel } from './models-common.js';
import { USE_CACHE } from './optimum-common.js';

type Ort = typeof import('onnxruntime-node');
let ort: Ort | undefined;
const loadOrt = (): Ort => (ort ??= createRequire(import.meta.url)('onnxruntime-node') as Ort);

const ORT_TYPE: Readonly<Record<string, string>> = { f32: 'float32', i64: 'int64', bool: 'bool', i32: 'int32' };
const FROM_ORT: Readonly<Record<string, DType>> = { float32: 'f32', int64: 'i64', bool: 'bool', int32: 'i32' };

/** Seeded inputs for binding `k` (the same seeds as referenceCases), use_cache_branch as bool. */
export function optimumInputs(m: ZooModel, bind: Readonly<Record<string, number>>, k: number): Tensor[] {
  const plain = m.inputs.filter((i) => i !== USE_CACHE);
  const made = makeInputs(plain, bind, 1000 + k);
  let j = 0;
  return m.inputs.map((i) => (i === USE_CACHE ? tensorFrom('bool', [1], [bind['use_cache'] ? 1 : 0]) : made[j++]!));
}

/** onnxruntime's outputs (in `m.outputs` order) for each list of inputs (in `m.inputs` order). */
export async function ortRuns(m: ZooModel, runs: readonly (readonly Tensor[])[]): Promise<Tensor[][]> {
  const { InferenceSession, Tensor: OrtTensor } = loadOrt();
  const session = await InferenceSession.create(Buffer.from(m.bytes), { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1, interOpNumThreads: 1, logSeverityLevel: 3 });
  const results: Tensor[][] = [];
  try {
    for (const inputs of runs) {
      const feeds = Object.fromEntries(m.inputs.map((spec, i) => {
        const t = inputs[i]!;
        const data = t.dtype === 'bool' ? Uint8Array.from(t.data as ArrayLike<number>, (x) => (x ? 1 : 0)) : t.data;
        return [spec.name, new OrtTensor(ORT_TYPE[t.dtype] as 'float32', data as Float32Array, t.shape)];
      }));
      const out = await session.run(feeds);
      results.push(m.outputs.map((o) => {
        const t = out[o.name]!;
        const dtype = FROM_ORT[t.type];
        if (!dtype) throw new Error(`${m.name}: output ${o.name} has onnxruntime type ${t.type}`);
        return { dtype, shape: [...t.dims], data: t.data } as Tensor;
      }));
    }
  } finally {
    await session.release();
  }
  return results;
}

export async function optimumCases(m: ZooModel): Promise<ZooCase[]> {
  const inputs = m.bindings.map((bind, k) => optimumInputs(m, bind, k));
  const want = await ortRuns(m, inputs);
  return m.bindings.map((bind, k) => ({ label: Object.entries(bind).map(([s, v]) => `${s}=${v}`).join(','), inputs: inputs[k]!, want: want[k]! }));
}
