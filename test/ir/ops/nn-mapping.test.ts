// Older-opset mappings of the nn family, through the real importer: each model is checked against
// values computed by hand from the old opset's definition.
import { describe, expect, it } from 'vitest';
import { interpret } from '../../../ir/interp.js';
import { tensorFrom, toNumbers } from '../../../ir/tensor.js';
import { verify } from '../../../ir/verify.js';
import { importOnnxBytes } from '../../../src/onnx/import.js';
import { buildModel, type ModelSpec } from '../../../src/onnx/writer.js';

function load(spec: ModelSpec) {
  const m = importOnnxBytes(buildModel(spec), { file: 'test.onnx', baseDir: '.' });
  expect(verify(m)).toEqual([]);
  return m;
}

describe('nn mappings for older opsets', () => {
  it('Softmax-11 coerces to 2-D at axis (default 1); Softmax-13 uses one axis', () => {
    const x = tensorFrom('f32', [1, 2, 2], [0, 0, 0, Math.log(2)]);
    const spec = (opset: number): ModelSpec => ({
      opset,
      inputs: [{ name: 'x', dtype: 'f32', shape: [1, 2, 2] }],
      outputs: [{ name: 'y', dtype: 'f32', shape: [1, 2, 2] }],
      nodes: [{ opType: 'Softmax', inputs: ['x'], outputs: ['y'], attrs: opset >= 13 ? { axis: 1 } : {} }],
    });
    const old = toNumbers(interpret(load(spec(11)), [x])[0]!);
    [0.2, 0.2, 0.2, 0.4].forEach((v, i) => expect(old[i]).toBeCloseTo(v, 6));
    const now = toNumbers(interpret(load(spec(13)), [x])[0]!);
    [0.5, 1 / 3, 0.5, 2 / 3].forEach((v, i) => expect(now[i]).toBeCloseTo(v, 6));
  });

  it('GroupNormalization-18 expands per-group scale and bias to channels', () => {
    const m = load({
      opset: 18,
      inputs: [{ name: 'x', dtype: 'f32', shape: [1, 4, 1] }],
      outputs: [{ name: 'y', dtype: 'f32', shape: [1, 4, 1] }],
      initializers: [
        { name: 's', tensor: tensorFrom('f32', [2], [1, 10]) },
        { name: 'b', tensor: tensorFrom('f32', [2], [0, 5]) },
      ],
      nodes: [{ opType: 'GroupNormalization', inputs: ['x', 's', 'b'], outputs: ['y'], attrs: { num_groups: 2, epsilon: { float: 0 } } }],
    });
    const y = toNumbers(interpret(m, [tensorFrom('f32', [1, 4, 1], [1, 3, 2, 6])])[0]!);
    expect(y).toEqual([-1, 1, -5, 15]);
  });

  it('BatchNormalization-7 accepts spatial and returns only Y', () => {
    const m = load({
      opset: 7,
      inputs: [{ name: 'x', dtype: 'f32', shape: [1, 2, 1] }],
      outputs: [{ name: 'y', dtype: 'f32', shape: [1, 2, 1] }],
      initializers: ['s', 'b', 'm', 'v'].map((name, i) => ({ name, tensor: tensorFrom('f32', [2], [[2, 3], [1, 1], [0, 1], [1, 4]][i]!) })),
      nodes: [{ opType: 'BatchNormalization', inputs: ['x', 's', 'b', 'm', 'v'], outputs: ['y'], attrs: { spatial: 1, epsilon: { float: 0 } } }],
    });
    expect(toNumbers(interpret(m, [tensorFrom('f32', [1, 2, 1], [3, 5])])[0]!)).toEqual([7, 7]);
  });

  it('Gemm-9 with C and MaxPool-8 with Indices import and run', () => {
    const m = load({
      opset: 9,
      inputs: [{ name: 'a', dtype: 'f32', shape: [1, 2] }, { name: 'x', dtype: 'f32', shape: [1, 1, 4] }],
      outputs: [{ name: 'y', dtype: 'f32', shape: [1, 1] }, { name: 'p', dtype: 'f32', shape: [1, 1, 2] }, { name: 'i', dtype: 'i64', shape: [1, 1, 2] }],
      initializers: [{ name: 'b', tensor: tensorFrom('f32', [2, 1], [3, 4]) }, { name: 'c', tensor: tensorFrom('f32', [1], [0.5]) }],
      nodes: [
        { opType: 'Gemm', inputs: ['a', 'b', 'c'], outputs: ['y'] },
        { opType: 'MaxPool', inputs: ['x'], outputs: ['p', 'i'], attrs: { kernel_shape: [2], strides: [2] } },
      ],
    });
    const [y, p, i] = interpret(m, [tensorFrom('f32', [1, 2], [1, 2]), tensorFrom('f32', [1, 1, 4], [4, 1, 2, 9])]);
    expect(toNumbers(y!)).toEqual([11.5]);
    expect(toNumbers(p!)).toEqual([4, 9]);
    expect(toNumbers(i!)).toEqual([0, 3]);
  });

  it('LpPool-1 takes a float p', () => {
    const m = load({
      opset: 1,
      inputs: [{ name: 'x', dtype: 'f32', shape: [1, 1, 2] }],
      outputs: [{ name: 'y', dtype: 'f32', shape: [1, 1, 1] }],
      nodes: [{ opType: 'LpPool', inputs: ['x'], outputs: ['y'], attrs: { kernel_shape: [2], p: { float: 1 } } }],
    });
    expect(toNumbers(interpret(m, [tensorFrom('f32', [1, 1, 2], [3, -4])])[0]!)).toEqual([7]);
  });
});
