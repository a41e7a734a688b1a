// Older opsets of the reduce/quant/rnn families import to the same IR as the newest ones.
import { describe, expect, it } from 'vitest';
import { buildModel, type NodeSpec, type ValueSpec } from '../../../src/onnx/writer.js';
import { importOnnxBytes } from '../../../src/onnx/import.js';
import { interpret } from '../../../ir/interp.js';
import { tensorFrom, toNumbers, type Tensor } from '../../../ir/tensor.js';

function runOnnx(opset: number, node: NodeSpec, inputs: [ValueSpec, Tensor][], outputs: ValueSpec[]): { ir: string; out: number[][] } {
  const bytes = buildModel({ opset, inputs: inputs.map(([v]) => v), outputs, nodes: [node] });
  const m = importOnnxBytes(bytes, { file: 'm.onnx', baseDir: '.' });
  return { ir: m.main.body.ops.map((op) => op.name).join(' '), out: interpret(m, inputs.map(([, t]) => t)).map(toNumbers) };
}

const x = tensorFrom('f32', [2, 3], [1, 2, 3, 4, 5, 6]);
const xIn: [ValueSpec, Tensor] = [{ name: 'x', dtype: 'f32', shape: [2, 3] }, x];

describe('reduce mappings across opsets', () => {
  it('turns the axes attribute (ReduceSum-11, ReduceMean-13) into a constant operand', () => {
    const s = runOnnx(11, { opType: 'ReduceSum', inputs: ['x'], outputs: ['y'], attrs: { axes: [1], keepdims: 0 } }, [xIn], [{ name: 'y', dtype: 'f32', shape: [2] }]);
    expect(s.out[0]).toEqual([6, 15]);
    expect(s.ir).toBe('const reduce_sum return');
    const m = runOnnx(13, { opType: 'ReduceMean', inputs: ['x'], outputs: ['y'], attrs: { axes: [-2] } }, [xIn], [{ name: 'y', dtype: 'f32', shape: [1, 3] }]);
    expect(m.out[0]).toEqual([2.5, 3.5, 4.5]);
    const all = runOnnx(13, { opType: 'ReduceMax', inputs: ['x'], outputs: ['y'], attrs: { keepdims: 0 } }, [xIn], [{ name: 'y', dtype: 'f32', shape: [] }]);
    expect(all.out[0]).toEqual([6]);
  });

  it('takes axes as an operand from ReduceSum-13 / ReduceL1-18 on', () => {
    const axes: [ValueSpec, Tensor] = [{ name: 'a', dtype: 'i64', shape: [1] }, tensorFrom('i64', [1], [0])];
    const s = runOnnx(13, { opType: 'ReduceSum', inputs: ['x', 'a'], outputs: ['y'] }, [xIn, axes], [{ name: 'y', dtype: 'f32', shape: ['?', '?'] }]);
    expect(s.out[0]).toEqual([5, 7, 9]);
    const l1 = runOnnx(18, { opType: 'ReduceL1', inputs: ['x', 'a'], outputs: ['y'], attrs: { keepdims: 0 } }, [xIn, axes], [{ name: 'y', dtype: 'f32', shape: ['?'] }]);
    expect(l1.out[0]).toEqual([5, 7, 9]);
  });

  it('TopK-1 takes k as an attribute; TopK-10 as an operand', () => {
    const o: ValueSpec[] = [{ name: 'v', dtype: 'f32', shape: [2, 2] }, { name: 'i', dtype: 'i64', shape: [2, 2] }];
    const t1 = runOnnx(9, { opType: 'TopK', inputs: ['x'], outputs: ['v', 'i'], attrs: { k: 2 } }, [xIn], o);
    expect(t1.out).toEqual([[3, 2, 6, 5], [2, 1, 2, 1]]);
    const k: [ValueSpec, Tensor] = [{ name: 'k', dtype: 'i64', shape: [1] }, tensorFrom('i64', [1], [2])];
    const t10 = runOnnx(10, { opType: 'TopK', inputs: ['x', 'k'], outputs: ['v', 'i'] }, [xIn, k], o);
    expect(t10.out).toEqual(t1.out);
  });

  it('imports QuantizeLinear-10 and RNN-7', () => {
    const q = runOnnx(10, { opType: 'QuantizeLinear', inputs: ['x', 's', 'z'], outputs: ['y'] },
      [xIn, [{ name: 's', dtype: 'f32', shape: [] }, tensorFrom('f32', [], [2])], [{ name: 'z', dtype: 'u8', shape: [] }, tensorFrom('u8', [], [1])]],
      [{ name: 'y', dtype: 'u8', shape: [2, 3] }]);
    expect(q.out[0]).toEqual([1, 2, 3, 3, 3, 4]); // rint(x / 2) + 1, ties to even
    const r = runOnnx(7, { opType: 'RNN', inputs: ['X', 'W', 'R'], outputs: ['', 'Yh'], attrs: { hidden_size: 1 } },
      [[{ name: 'X', dtype: 'f32', shape: [1, 1, 1] }, tensorFrom('f32', [1, 1, 1], [1])],
        [{ name: 'W', dtype: 'f32', shape: [1, 1, 1] }, tensorFrom('f32', [1, 1, 1], [0.5])],
        [{ name: 'R', dtype: 'f32', shape: [1, 1, 1] }, tensorFrom('f32', [1, 1, 1], [1])]],
      [{ name: 'Yh', dtype: 'f32', shape: [1, 1, 1] }]);
    expect(r.out[0]![0]).toBeCloseTo(Math.tanh(0.5), 6);
  });
});
