// Elementwise ONNX mappings for opsets whose signature differs from the newest: Clip < 11 bounds
// as attributes, Cast < 6 string targets, opset < 7 `broadcast`/`axis` binaries, dropped
// `consumed_inputs`. Small models are written with the test ONNX writer, imported and run.

import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../../ir/tensor.js';
import { tensorFrom, toNumbers } from '../../../ir/tensor.js';
import { interpret } from '../../../ir/interp.js';
import { importOnnxBytes } from '../../../src/onnx/import.js';
import type { ModelSpec, NodeSpec, ValueSpec } from '../../../src/onnx/writer.js';
import { buildModel } from '../../../src/onnx/writer.js';

function runNode(opset: number, node: NodeSpec, inputs: (ValueSpec & { value: Tensor })[], output: ValueSpec): Tensor {
  const spec: ModelSpec = {
    opset,
    inputs: inputs.map(({ name, dtype, shape }) => ({ name, dtype, shape })),
    outputs: [output],
    nodes: [node],
  };
  const m = importOnnxBytes(buildModel(spec), { file: 'test.onnx', baseDir: '.' });
  return interpret(m, inputs.map((i) => i.value))[0]!;
}

const f32 = (name: string, shape: number[], v: number[]) => ({ name, dtype: 'f32' as const, shape, value: tensorFrom('f32', shape, v) });

describe('legacy elementwise mappings', () => {
  it('Clip-6: min/max attributes become constant operands', () => {
    const r = runNode(6, { opType: 'Clip', inputs: ['x'], outputs: ['y'], attrs: { min: { float: -1 }, max: { float: 2 } } },
      [f32('x', [4], [-5, 0, 1.5, 9])], { name: 'y', dtype: 'f32', shape: [4] });
    expect(toNumbers(r)).toEqual([-1, 0, 1.5, 2]);
  });

  it('Clip-6 with only max', () => {
    const r = runNode(6, { opType: 'Clip', inputs: ['x'], outputs: ['y'], attrs: { max: { float: 0 } } },
      [f32('x', [3], [-5, 0, 9])], { name: 'y', dtype: 'f32', shape: [3] });
    expect(toNumbers(r)).toEqual([-5, 0, 0]);
  });

  it('Cast-1: string target type', () => {
    const r = runNode(1, { opType: 'Cast', inputs: ['x'], outputs: ['y'], attrs: { to: 'INT32' } },
      [f32('x', [3], [-2.5, 0.5, 7.9])], { name: 'y', dtype: 'i32', shape: [3] });
    expect(r.dtype).toBe('i32');
    expect(toNumbers(r)).toEqual([-2, 0, 7]);
  });

  it('Add-6 with broadcast=1 aligns trailing dims; other axes are rejected', () => {
    const r = runNode(6, { opType: 'Add', inputs: ['a', 'b'], outputs: ['c'], attrs: { broadcast: 1 } },
      [f32('a', [2, 2], [1, 2, 3, 4]), f32('b', [2], [10, 20])], { name: 'c', dtype: 'f32', shape: [2, 2] });
    expect(toNumbers(r)).toEqual([11, 22, 13, 24]);
    expect(() => runNode(6, { opType: 'Add', inputs: ['a', 'b'], outputs: ['c'], attrs: { broadcast: 1, axis: 0 } },
      [f32('a', [2, 2], [1, 2, 3, 4]), f32('b', [2], [10, 20])], { name: 'c', dtype: 'f32', shape: [2, 2] })).toThrow(/axis=0/);
  });

  it('Relu-1 drops consumed_inputs', () => {
    const r = runNode(1, { opType: 'Relu', inputs: ['x'], outputs: ['y'], attrs: { consumed_inputs: [0] } },
      [f32('x', [2], [-1, 1])], { name: 'y', dtype: 'f32', shape: [2] });
    expect(toNumbers(r)).toEqual([0, 1]);
  });

  it('rejects attributes the IR op does not know', () => {
    expect(() => runNode(13, { opType: 'Relu', inputs: ['x'], outputs: ['y'], attrs: { bogus: 1 } },
      [f32('x', [2], [-1, 1])], { name: 'y', dtype: 'f32', shape: [2] })).toThrow(/bogus/);
  });
});
