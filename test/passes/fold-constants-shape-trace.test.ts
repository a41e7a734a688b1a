// fold-constants after inlining an `if` with a constant condition: the inlined branch's shape
// vectors keep their types but now trace to graph-input data (split of %size), so their users are
// re-inferred and get data-symbol dims instead of '?'. Results must not change (interpreter before
// and after the pass).
import { describe, expect, it } from 'vitest';
import { interpret } from '../../ir/interp.js';
import { tensorFrom, toNumbers } from '../../ir/tensor.js';
import { formatType } from '../../ir/types.js';
import { importOnnxBytes } from '../../src/onnx/import.js';
import { buildModel } from '../../src/onnx/writer.js';
import { runPipeline } from '../../passes/index.js';

const branch = (nodes: { opType: string; inputs: string[]; outputs: string[]; attrs?: Record<string, number> }[], out: string) =>
  ({ inputs: [], outputs: [{ name: out, dtype: 'i64' as const }], nodes });

function model() {
  return importOnnxBytes(buildModel({
    opset: 18,
    inputs: [{ name: 'x', dtype: 'f32', shape: [2, 3] }, { name: 'size', dtype: 'i64', shape: [3] }],
    initializers: [
      { name: 'c', tensor: tensorFrom('bool', [], [1]) },
      { name: 'one', tensor: tensorFrom('i64', [1], [1]) },
      { name: 'tail', tensor: tensorFrom('i64', [2], [2, 3]) },
    ],
    outputs: [{ name: 'y', dtype: 'f32' }],
    nodes: [
      { opType: 'If', inputs: ['c'], outputs: ['n'], attrs: {
        then_branch: branch([{ opType: 'Split', inputs: ['size'], outputs: ['n0', 'n1', 'n2'], attrs: { num_outputs: 3 } }], 'n0'),
        else_branch: branch([{ opType: 'Identity', inputs: ['one'], outputs: ['n_else'] }], 'n_else'),
      } },
      { opType: 'Concat', inputs: ['n', 'tail'], outputs: ['shp'], attrs: { axis: 0 } },
      { opType: 'Expand', inputs: ['x', 'shp'], outputs: ['y'] },
    ],
  }), { file: 'm.onnx', baseDir: '/nonexistent' });
}

describe('fold-constants: shape vectors of an inlined if', () => {
  it('give data-symbol dims to their users, with unchanged results', () => {
    const m = model();
    const ret = () => m.main.body.terminator!.operands[0]!;
    expect(formatType(ret().type)).toBe('f32[?,2,3]');
    const x = tensorFrom('f32', [2, 3], [1, 2, 3, 4, 5, 6]);
    const feeds = [x, tensorFrom('i64', [3], [3, 2, 3])];
    const before = interpret(m, feeds)[0]!;
    runPipeline(m, 'fold-constants,dce', { verifyEach: true });
    expect(m.main.body.ops.some((o) => o.name === 'if')).toBe(false);
    expect(formatType(ret().type)).toBe('f32["%size[0]",2,3]');
    const after = interpret(m, feeds)[0]!;
    expect(after.shape).toEqual([3, 2, 3]);
    expect(toNumbers(after)).toEqual(toNumbers(before));
    expect(toNumbers(after)).toEqual([1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6]);
  });
});
