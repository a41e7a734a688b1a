// Small ONNX backend-test folders for runner tests, built with the project's writer.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Tensor } from '../../ir/tensor.js';
import { tensorFrom } from '../../ir/tensor.js';
import { encodeTensorProto } from '../../src/onnx/tensor-proto.js';
import { buildModel, type ModelSpec } from '../../src/onnx/writer.js';

/** Write ROOT/NAME/model.onnx and test_data_set_0 with the given inputs and expected outputs. */
export function writeTest(root: string, name: string, model: ModelSpec | Uint8Array, inputs: Tensor[], outputs: Tensor[]): string {
  const dir = join(root, name);
  const ds = join(dir, 'test_data_set_0');
  mkdirSync(ds, { recursive: true });
  writeFileSync(join(dir, 'model.onnx'), model instanceof Uint8Array ? model : buildModel(model));
  inputs.forEach((t, k) => writeFileSync(join(ds, `input_${k}.pb`), encodeTensorProto(`in${k}`, t)));
  outputs.forEach((t, k) => writeFileSync(join(ds, `output_${k}.pb`), encodeTensorProto(`out${k}`, t)));
  return dir;
}

const f32 = (shape: number[], v: number[]): Tensor => tensorFrom('f32', shape, v);

/** y = x + x, correct expected output. */
export function writePassing(root: string, name = 'test_double'): void {
  writeTest(root, name, {
    inputs: [{ name: 'x', dtype: 'f32', shape: [3] }],
    outputs: [{ name: 'y', dtype: 'f32', shape: [3] }],
    nodes: [{ opType: 'Add', inputs: ['x', 'x'], outputs: ['y'] }],
  }, [f32([3], [1, 2, -3])], [f32([3], [2, 4, -6])]);
}

/** Same model, wrong expected output at index 2. */
export function writeWrong(root: string, name = 'test_double_wrong'): void {
  writeTest(root, name, {
    inputs: [{ name: 'x', dtype: 'f32', shape: [3] }],
    outputs: [{ name: 'y', dtype: 'f32', shape: [3] }],
    nodes: [{ opType: 'Add', inputs: ['x', 'x'], outputs: ['y'] }],
  }, [f32([3], [1, 2, -3])], [f32([3], [2, 4, -7])]);
}

/**
 * A Loop whose trip count is 10^15: the interpreter would run for days. v counts iterations.
 * With `trips` small it terminates (used to check the model itself is valid).
 */
export function writeLoop(root: string, name: string, trips: number): void {
  const body = {
    name: 'body',
    inputs: [
      { name: 'i', dtype: 'i64' as const, shape: [] },
      { name: 'c', dtype: 'bool' as const, shape: [] },
      { name: 'v', dtype: 'f32' as const, shape: [1] },
    ],
    outputs: [{ name: 'c_out', dtype: 'bool' as const, shape: [] }, { name: 'v_out', dtype: 'f32' as const, shape: [1] }],
    initializers: [{ name: 'one', tensor: f32([1], [1]) }],
    nodes: [
      { opType: 'Identity', inputs: ['c'], outputs: ['c_out'] },
      { opType: 'Add', inputs: ['v', 'one'], outputs: ['v_out'] },
    ],
  };
  writeTest(root, name, {
    opset: 17,
    inputs: [{ name: 'v0', dtype: 'f32', shape: [1] }],
    outputs: [{ name: 'v', dtype: 'f32', shape: [1] }],
    initializers: [
      { name: 'M', tensor: tensorFrom('i64', [], [BigInt(trips)]) },
      { name: 'cond', tensor: tensorFrom('bool', [], [1]) },
    ],
    nodes: [{ opType: 'Loop', inputs: ['M', 'cond', 'v0'], outputs: ['v'], attrs: { body } }],
  }, [f32([1], [0])], [f32([1], [trips])]);
}

/** Out-of-scope tests: a string input, an ai.onnx.ml op, a training op, a sequence output. */
export function writeOutOfScope(root: string): void {
  writeTest(root, 'test_string_input', {
    inputs: [{ name: 's', dtype: 'string', shape: [1] }],
    outputs: [{ name: 'y', dtype: 'string', shape: [1] }],
    nodes: [{ opType: 'Identity', inputs: ['s'], outputs: ['y'] }],
  }, [], []);
  writeTest(root, 'test_ml_normalizer', {
    opsets: { 'ai.onnx.ml': 1 },
    inputs: [{ name: 'x', dtype: 'f32', shape: [2] }],
    outputs: [{ name: 'y', dtype: 'f32', shape: [2] }],
    nodes: [{ opType: 'Normalizer', domain: 'ai.onnx.ml', inputs: ['x'], outputs: ['y'] }],
  }, [], []);
  writeTest(root, 'test_training_adagrad', {
    opsets: { 'ai.onnx.preview.training': 1 },
    inputs: [{ name: 'r', dtype: 'f32', shape: [] }],
    outputs: [{ name: 'y', dtype: 'f32', shape: [] }],
    nodes: [{ opType: 'Adagrad', domain: 'ai.onnx.preview.training', inputs: ['r'], outputs: ['y'] }],
  }, [], []);
}
