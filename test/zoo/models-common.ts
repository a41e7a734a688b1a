// Shared by the zoo's model files: the ZooModel record and how a builder finishes a model.

import { tensorFrom, type Tensor } from '../../ir/tensor.js';
import type { ValueSpec } from '../../src/onnx/writer.js';
import type { Graph, ZooInput } from './graph.js';

export interface ZooModel {
  readonly name: string;
  readonly inputs: readonly ZooInput[];
  readonly outputs: readonly ValueSpec[];
  /** Bindings of the symbolic dims to run at. */
  readonly bindings: readonly Readonly<Record<string, number>>[];
  /** The serialised ModelProto. */
  readonly bytes: Uint8Array;
}

export const f32 = (name: string, shape: (number | string)[]): ValueSpec => ({ name, dtype: 'f32', shape });

/**
 * Rename the last node's output (graph outputs get user-facing names, as torch's output_names do).
 */
export function nameLast(g: Graph, name: string): void {
  const n = g.nodes[g.nodes.length - 1]!;
  g.nodes[g.nodes.length - 1] = { ...n, outputs: [name, ...n.outputs.slice(1)] };
}

/** `opsets`: other domains' versions (e.g. `{ 'com.microsoft': 1 }`). */
export function finish(g: Graph, name: string, inputs: ZooInput[], outputs: ValueSpec[], bindings: Record<string, number>[], opset: number, opsets?: Readonly<Record<string, number>>): ZooModel {
  const vis: ValueSpec[] = inputs.map((i) => ({ name: i.name, dtype: i.dtype, shape: i.shape }));
  return { name, inputs, outputs, bindings, bytes: g.model(vis, outputs, opset, opsets) };
}

export const INT64_MAX = 9223372036854775807n;

export const tensorOne = (): Tensor => tensorFrom('f32', [1], [1]);
