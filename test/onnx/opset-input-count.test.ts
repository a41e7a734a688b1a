// Operators whose attributes became inputs in a later opset (Reduce* axes, Squeeze/Unsqueeze axes,
// Split split, Slice starts/ends/axes, TopK k, Clip min/max, Pad pads, Reshape shape, Dropout
// ratio, Upsample scales): a node given the input form at an opset that predates it is invalid
// ONNX. The importer refuses it with E207 naming the node (before: the extra input was ignored,
// e.g. ReduceMax-13 with axes as an input reduced over every axis, against its declared output
// shape). The reverse, an attribute given at an opset where it is an input, is refused with E204
// saying so. The valid forms at both opsets still import and compute what a plain loop computes.

import { describe, expect, it } from 'vitest';
import { TenthError } from '../../ir/diagnostics.js';
import { interpret } from '../../ir/interp.js';
import { tensorFrom, type Tensor } from '../../ir/tensor.js';
import { importOnnxBytes } from '../../src/onnx/import.js';
import { buildModel, type ModelSpec } from '../../src/onnx/writer.js';

const opts = { file: 'm.onnx', baseDir: '/nonexistent' };
const i64 = (v: number[]): Tensor => tensorFrom('i64', [v.length], BigInt64Array.from(v.map(BigInt)));
const f32 = (v: number[]): Tensor => tensorFrom('f32', [], Float32Array.from(v));

/** An expected output: shape and values in row-major order. */
interface Want { shape: number[]; data: number[] }
interface Bad {
  opType: string; opset: number; extra: Tensor[]; attrs?: ModelSpec['nodes'][number]['attrs']; max: number; what: string; became: number; outputs?: number; xShape?: number[];
  /** What the valid form (the same inputs at opset `became`) computes on X (or X's first row for xShape [1, 3]). */
  want: Want[];
}

// X's rows, and each expected value by a plain loop over them.
const ROWS = [[1, 7, -2], [4, 0, 5]];
const sum = (r: readonly number[], f: (v: number) => number = (v) => v): number => r.reduce((a, v) => a + f(v), 0);
const perRow = (f: (r: number[]) => number): Want[] => [{ shape: [2, 1], data: ROWS.map(f) }];
const REDUCE_18: Record<string, (r: number[]) => number> = {
  ReduceMax: (r) => Math.max(...r), ReduceMin: (r) => Math.min(...r), ReduceMean: (r) => sum(r) / r.length, ReduceProd: (r) => r.reduce((a, v) => a * v, 1),
  ReduceL1: (r) => sum(r, Math.abs), ReduceL2: (r) => Math.sqrt(sum(r, (v) => v * v)), ReduceSumSquare: (r) => sum(r, (v) => v * v),
  ReduceLogSum: (r) => Math.log(sum(r)), ReduceLogSumExp: (r) => Math.log(sum(r, Math.exp)),
};
const flat = ROWS.flat();
const BAD: Bad[] = [
  ...Object.entries(REDUCE_18).map(([opType, f]): Bad => ({ opType, opset: 13, extra: [i64([1])], max: 1, what: 'axes', became: 18, want: perRow(f) })),
  { opType: 'ReduceSum', opset: 11, extra: [i64([1])], max: 1, what: 'axes', became: 13, want: perRow((r) => sum(r)) },
  { opType: 'Squeeze', opset: 11, extra: [i64([0])], max: 1, what: 'axes', became: 13, xShape: [1, 3], want: [{ shape: [3], data: ROWS[0]! }] },
  { opType: 'Unsqueeze', opset: 11, extra: [i64([0])], max: 1, what: 'axes', became: 13, want: [{ shape: [1, 2, 3], data: flat }] },
  { opType: 'Split', opset: 11, extra: [i64([1, 2])], attrs: { axis: 1 }, max: 1, what: 'split', became: 13, outputs: 2,
    want: [{ shape: [2, 1], data: ROWS.map((r) => r[0]!) }, { shape: [2, 2], data: ROWS.flatMap((r) => r.slice(1)) }] },
  { opType: 'Slice', opset: 9, extra: [i64([0]), i64([1])], max: 1, what: 'starts', became: 10, want: [{ shape: [1, 3], data: ROWS[0]! }] },
  { opType: 'TopK', opset: 9, extra: [i64([1])], max: 1, what: 'k', became: 10, outputs: 2,
    want: [...perRow((r) => Math.max(...r)), ...perRow((r) => r.indexOf(Math.max(...r)))] },
  { opType: 'Clip', opset: 6, extra: [f32([0]), f32([1])], max: 1, what: 'min', became: 11, want: [{ shape: [2, 3], data: flat.map((v) => (v < 0 ? 0 : v > 1 ? 1 : v)) }] },
  { opType: 'Pad', opset: 2, extra: [i64([0, 0, 0, 0])], attrs: { pads: [0, 0, 0, 0] }, max: 1, what: 'pads', became: 11, want: [{ shape: [2, 3], data: flat }] },
  { opType: 'Reshape', opset: 4, extra: [i64([3, 2])], max: 1, what: 'shape', became: 5, want: [{ shape: [3, 2], data: flat }] },
];

function model(opType: string, opset: number, extra: Tensor[], attrs: Bad['attrs'] = {}, outputs = 1, xShape: number[] = [2, 3]): Uint8Array {
  const names = extra.map((_, i) => `c${i}`);
  return buildModel({
    opset,
    inputs: [{ name: 'x', dtype: 'f32', shape: xShape }],
    outputs: Array.from({ length: outputs }, (_, i) => ({ name: `y${i}`, dtype: opType === 'TopK' && i === 1 ? 'i64' : 'f32' })),
    initializers: extra.map((tensor, i) => ({ name: names[i]!, tensor })),
    nodes: [{ opType, name: 'n0', inputs: ['x', ...names], outputs: Array.from({ length: outputs }, (_, i) => `y${i}`), attrs }],
  });
}

function importError(bytes: Uint8Array): TenthError {
  try { importOnnxBytes(bytes, opts); } catch (e) {
    if (e instanceof TenthError) return e;
    throw e;
  }
  throw new Error('imported, expected a refusal');
}

const X = tensorFrom('f32', [2, 3], Float32Array.from(flat));
const rowMax = [7, 5];

/** Same shapes; values within f32 rounding of the double-precision loop (TopK's indices exactly). */
function expectWant(got: readonly Tensor[], want: readonly Want[]): void {
  expect(got.map((t) => t.shape)).toEqual(want.map((w) => w.shape));
  got.forEach((t, k) => {
    const g = Array.from(t.data as ArrayLike<number | bigint>, Number);
    want[k]!.data.forEach((w, i) => {
      if (!(Math.abs(g[i]! - w) <= 1e-6 * Math.max(1, Math.abs(w)))) expect.fail(`output ${k} element ${i}: got ${g[i]}, want ${w}`);
    });
  });
}

describe('inputs an operator only takes from a later opset are refused', () => {
  for (const c of BAD) {
    it(`${c.opType}-${c.opset} with ${1 + c.extra.length} inputs: E207 naming the node`, () => {
      const e = importError(model(c.opType, c.opset, c.extra, c.attrs, c.outputs, c.xShape));
      expect(e.diagnostics[0]!.code).toBe('E207');
      expect(String(e)).toBe(`TenthError: m.onnx: node "n0": error E207: ${c.opType}: takes at most ${c.max} input at opset ${c.opset}, got ${1 + c.extra.length}: '${c.what}' is an attribute before opset ${c.became}, an input from ${c.became} on`);
      // The same inputs are valid from the opset where the attribute became an input, and compute what the loop does.
      const m = importOnnxBytes(model(c.opType, c.became, c.extra, c.opType === 'Pad' ? {} : c.attrs, c.outputs, c.xShape), opts);
      const x = c.xShape ? tensorFrom('f32', c.xShape, Float32Array.from(ROWS[0]!)) : X;
      expectWant(interpret(m, [x]), c.want);
    });
  }

  for (const c of BAD) {
    const attr: NonNullable<Bad['attrs']> = c.what === 'starts' ? { starts: [0], ends: [1] } : c.what === 'pads' ? { pads: [0, 0, 0, 0] } : c.what === 'min' ? { min: { float: 0 } } : { [c.what]: c.what === 'shape' ? [3, 2] : c.what === 'split' ? [1, 2] : c.what === 'k' ? 1 : [0] };
    it(`${c.opType}-${c.became} with '${c.what}' as an attribute: E204 saying it is an input from opset ${c.became} on`, () => {
      const e = importError(model(c.opType, c.became, [], c.what === 'split' ? { ...attr, axis: 1 } : attr, c.outputs, c.xShape));
      expect(String(e)).toBe(`TenthError: m.onnx: node "n0": error E204: ${c.opType}: '${c.what}' is an input from opset ${c.became} on, not an attribute (this model imports opset ${c.became})`);
    });
  }

  it('ReduceMax over axis 1 (keepdims 0) as attribute at 13 and as input at 18 both give the row maxima', () => {
    for (const bytes of [model('ReduceMax', 13, [], { axes: [1], keepdims: 0 }), model('ReduceMax', 18, [i64([1])], { keepdims: 0 })]) {
      const [y] = interpret(importOnnxBytes(bytes, opts), [X]);
      expect(y!.shape).toEqual([2]);
      expect(Array.from(y!.data as Float32Array)).toEqual(rowMax);
    }
  });

  it('Split-1 still takes split as a second input; Split-2 with split as an attribute still imports', () => {
    for (const bytes of [model('Split', 1, [i64([1, 2])], { axis: 1 }, 2), model('Split', 2, [], { axis: 1, split: [1, 2] }, 2)]) {
      const [a, b] = interpret(importOnnxBytes(bytes, opts), [X]);
      expect([a!.shape, b!.shape]).toEqual([[2, 1], [2, 2]]);
      expect(Array.from(b!.data as Float32Array)).toEqual([7, -2, 0, 5]);
    }
  });

  it('omitted trailing optional inputs (empty names) do not count', () => {
    const bytes = buildModel({
      opset: 13, inputs: [{ name: 'x', dtype: 'f32', shape: [2, 3] }], outputs: [{ name: 'y', dtype: 'f32' }],
      nodes: [{ opType: 'ReduceMax', name: 'n0', inputs: ['x', ''], outputs: ['y'], attrs: { axes: [1], keepdims: 0 } }],
    });
    expect(Array.from(interpret(importOnnxBytes(bytes, opts), [X])[0]!.data as Float32Array)).toEqual(rowMax);
  });
});
