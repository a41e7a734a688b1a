// Shape-family ONNX mappings for older opsets: attributes that later became inputs, Upsample and
// Resize-10 lowered to resize, Dropout's inference-only rule. Small models are written with the
// test ONNX writer, imported and run.

import { describe, expect, it } from 'vitest';
import { interpret } from '../../../ir/interp.js';
import type { Tensor } from '../../../ir/tensor.js';
import { tensorFrom, toNumbers } from '../../../ir/tensor.js';
import { importOnnxBytes } from '../../../src/onnx/import.js';
import type { InitializerSpec, NodeSpec, ValueSpec } from '../../../src/onnx/writer.js';
import { buildModel } from '../../../src/onnx/writer.js';

interface Input extends ValueSpec { value: Tensor }

function runNode(opset: number, node: NodeSpec, inputs: Input[], outputs: ValueSpec[], initializers: InitializerSpec[] = []): Tensor[] {
  const bytes = buildModel({
    opset,
    inputs: inputs.map(({ name, dtype, shape }) => ({ name, dtype, shape })),
    outputs,
    initializers,
    nodes: [node],
  });
  const m = importOnnxBytes(bytes, { file: 'test.onnx', baseDir: '.' });
  return interpret(m, inputs.map((i) => i.value));
}

const f32in = (name: string, shape: number[], v: number[]): Input => ({ name, dtype: 'f32', shape, value: tensorFrom('f32', shape, v) });
const out = (name: string, dtype: ValueSpec['dtype'] = 'f32'): ValueSpec => ({ name, dtype });

describe('legacy shape mappings', () => {
  it('Slice-1: starts/ends/axes attributes', () => {
    const [y] = runNode(9, { opType: 'Slice', inputs: ['x'], outputs: ['y'], attrs: { starts: [1], ends: [1000], axes: [1] } },
      [f32in('x', [2, 3], [1, 2, 3, 4, 5, 6])], [out('y')]);
    expect(y!.shape).toEqual([2, 2]);
    expect(toNumbers(y!)).toEqual([2, 3, 5, 6]);
  });

  it('Squeeze-11 and Unsqueeze-11: axes attributes', () => {
    const [s] = runNode(11, { opType: 'Squeeze', inputs: ['x'], outputs: ['y'], attrs: { axes: [0] } }, [f32in('x', [1, 2], [1, 2])], [out('y')]);
    expect(s!.shape).toEqual([2]);
    const [u] = runNode(11, { opType: 'Unsqueeze', inputs: ['x'], outputs: ['y'], attrs: { axes: [0, 3] } }, [f32in('x', [1, 2], [1, 2])], [out('y')]);
    expect(u!.shape).toEqual([1, 1, 2, 1]);
    const [a] = runNode(11, { opType: 'Squeeze', inputs: ['x'], outputs: ['y'] }, [f32in('x', [1, 2, 1], [1, 2])], [out('y')]);
    expect(a!.shape).toEqual([2]);
  });

  it('Split-2: split attribute; Split-11 equal parts', () => {
    const ys = runNode(2, { opType: 'Split', inputs: ['x'], outputs: ['a', 'b'], attrs: { axis: 0, split: [1, 3] } },
      [f32in('x', [4], [1, 2, 3, 4])], [out('a'), out('b')]);
    expect(ys.map(toNumbers)).toEqual([[1], [2, 3, 4]]);
    const zs = runNode(11, { opType: 'Split', inputs: ['x'], outputs: ['a', 'b'] }, [f32in('x', [4], [1, 2, 3, 4])], [out('a'), out('b')]);
    expect(zs.map(toNumbers)).toEqual([[1, 2], [3, 4]]);
  });

  it('Pad-2: pads/value attributes, and reflect mode', () => {
    const [c] = runNode(2, { opType: 'Pad', inputs: ['x'], outputs: ['y'], attrs: { pads: [1, 0], value: { float: 7 } } },
      [f32in('x', [2], [1, 2])], [out('y')]);
    expect(toNumbers(c!)).toEqual([7, 1, 2]);
    const [r] = runNode(2, { opType: 'Pad', inputs: ['x'], outputs: ['y'], attrs: { pads: [2, 1], mode: 'reflect' } },
      [f32in('x', [3], [1, 2, 3])], [out('y')]);
    expect(toNumbers(r!)).toEqual([3, 2, 1, 2, 3, 2]);
  });

  it('Upsample-7 (scales attribute), Upsample-9 and Resize-10 (scales input): nearest repeats', () => {
    const x = f32in('x', [1, 1, 2, 2], [1, 2, 3, 4]);
    const want = [1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4];
    const [a] = runNode(7, { opType: 'Upsample', inputs: ['x'], outputs: ['y'], attrs: { scales: { floats: [1, 1, 2, 3] }, mode: 'nearest' } }, [x], [out('y')]);
    expect(a!.shape).toEqual([1, 1, 4, 6]);
    expect(toNumbers(a!)).toEqual(want);
    const scales = [{ name: 's', tensor: tensorFrom('f32', [4], [1, 1, 2, 3]) }];
    const [b] = runNode(9, { opType: 'Upsample', inputs: ['x', 's'], outputs: ['y'] }, [x], [out('y')], scales);
    expect(toNumbers(b!)).toEqual(want);
    const [c] = runNode(10, { opType: 'Resize', inputs: ['x', 's'], outputs: ['y'] }, [x], [out('y')], scales);
    expect(toNumbers(c!)).toEqual(want);
    const [l] = runNode(9, { opType: 'Upsample', inputs: ['x', 's'], outputs: ['y'], attrs: { mode: 'linear' } }, [x], [out('y')], scales);
    // asymmetric linear: row 0 is [1, 1+1/3, 1+2/3, 2, 2, 2]
    expect(toNumbers(l!).slice(0, 6).map((v) => Math.round(v * 1e4) / 1e4)).toEqual([1, 1.3333, 1.6667, 2, 2, 2]);
  });

  it('Dropout: opset 7 mask in the input dtype, opset 10 bool mask, training mode only with ratio 0', () => {
    const x = f32in('x', [3], [1, 2, 3]);
    const [y, m] = runNode(7, { opType: 'Dropout', inputs: ['x'], outputs: ['y', 'm'], attrs: { ratio: { float: 0.3 } } }, [x], [out('y'), out('m')]);
    expect(toNumbers(y!)).toEqual([1, 2, 3]);
    expect(m!.dtype).toBe('f32');
    expect(toNumbers(m!)).toEqual([1, 1, 1]);
    const [, mb] = runNode(10, { opType: 'Dropout', inputs: ['x'], outputs: ['y', 'm'] }, [x], [out('y'), out('m', 'bool')]);
    expect(mb!.dtype).toBe('bool');
    const off = [{ name: 'r', tensor: tensorFrom('f32', [], [0.5]) }, { name: 't', tensor: tensorFrom('bool', [], [0]) }];
    const [z] = runNode(13, { opType: 'Dropout', inputs: ['x', 'r', 't'], outputs: ['y'] }, [x], [out('y')], off);
    expect(toNumbers(z!)).toEqual([1, 2, 3]);
    const on = [{ name: 'r', tensor: tensorFrom('f32', [], [0.5]) }, { name: 't', tensor: tensorFrom('bool', [], [1]) }];
    expect(() => runNode(13, { opType: 'Dropout', inputs: ['x', 'r', 't'], outputs: ['y'] }, [x], [out('y')], on)).toThrow(/training_mode/);
    // A run-time training_mode is checked when the model runs: true with a non-zero ratio is an error.
    const dyn = (v: number): Input => ({ name: 't', dtype: 'bool', shape: [], value: tensorFrom('bool', [], [v]) });
    const node = { opType: 'Dropout', inputs: ['x', 'r', 't'], outputs: ['y', 'm'] };
    const half = [{ name: 'r', tensor: tensorFrom('f32', [], [0.5]) }];
    expect(toNumbers(runNode(13, node, [x, dyn(0)], [out('y'), out('m', 'bool')], half)[0]!)).toEqual([1, 2, 3]);
    expect(() => runNode(13, node, [x, dyn(1)], [out('y'), out('m', 'bool')], half)).toThrow(/E501.*training_mode/);
    const zero = [{ name: 'r', tensor: tensorFrom('f32', [], [0]) }];
    const [y0, m0] = runNode(13, node, [x, dyn(1)], [out('y'), out('m', 'bool')], zero);
    expect(toNumbers(y0!)).toEqual([1, 2, 3]);
    expect(toNumbers(m0!)).toEqual([1, 1, 1]);
  });

  it('Scatter-9 is scatter_elements; Reshape-4 takes its shape attribute', () => {
    const idx: Input = { name: 'i', dtype: 'i64', shape: [1, 2], value: tensorFrom('i64', [1, 2], [2, 0]) };
    const [s] = runNode(9, { opType: 'Scatter', inputs: ['x', 'i', 'u'], outputs: ['y'], attrs: { axis: 1 } },
      [f32in('x', [1, 3], [0, 0, 0]), idx, f32in('u', [1, 2], [5, 6])], [out('y')]);
    expect(toNumbers(s!)).toEqual([6, 0, 5]);
    const [r] = runNode(4, { opType: 'Reshape', inputs: ['x'], outputs: ['y'], attrs: { shape: [3, -1] } }, [f32in('x', [6], [1, 2, 3, 4, 5, 6])], [out('y')]);
    expect(r!.shape).toEqual([3, 2]);
  });
});
