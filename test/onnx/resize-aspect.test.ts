// Resize with keep_aspect_ratio_policy not_larger / not_smaller and sizes given as graph-input data:
// the shape rule's result dims (expressions over %sizes[j]) must evaluate, for every input, to the
// plain float formula of the ONNX reference, floor(s * d + 0.5) with s = min (max) of sizes/d,
// and to the shape the interpreter produces.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { interpret } from '../../ir/interp.js';
import { evalDim } from '../../ir/symbolic.js';
import { tensorFrom } from '../../ir/tensor.js';
import { importOnnxBytes } from '../../src/onnx/import.js';
import { buildModel } from '../../src/onnx/writer.js';

function model(inShape: number[], axes: number[], policy: string, sizesConst?: number[]) {
  return importOnnxBytes(buildModel({
    opset: 19,
    inputs: [{ name: 'x', dtype: 'f32', shape: inShape }, ...(sizesConst ? [] : [{ name: 'sizes', dtype: 'i64' as const, shape: [axes.length] }])],
    initializers: sizesConst ? [{ name: 'sizes', tensor: tensorFrom('i64', [axes.length], sizesConst) }] : [],
    outputs: [{ name: 'y', dtype: 'f32' }],
    nodes: [{ opType: 'Resize', inputs: ['x', '', '', 'sizes'], outputs: ['y'], attrs: { axes, keep_aspect_ratio_policy: policy, mode: 'nearest' } }],
  }), { file: 'r.onnx', baseDir: '/nonexistent' });
}

/** The ONNX reference's result dims, written plainly. */
function reference(inShape: number[], axes: number[], sizes: number[], policy: string): number[] {
  const ratios = axes.map((a, j) => sizes[j]! / inShape[a]!);
  const s = policy === 'not_larger' ? Math.min(...ratios) : Math.max(...ratios);
  return inShape.map((d, a) => (axes.includes(a) ? Math.floor(s * d + 0.5) : d));
}

describe('resize keep_aspect_ratio_policy with run-time sizes', () => {
  it('result dims are expressions of %sizes that match the reference formula', () => {
    fc.assert(fc.property(
      fc.array(fc.integer({ min: 1, max: 13 }), { minLength: 2, maxLength: 4 }),
      fc.constantFrom('not_larger', 'not_smaller'),
      fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 4, maxLength: 4 }),
      fc.boolean(),
      (inShape, policy, rawSizes, allAxes) => {
        const axes = allAxes ? inShape.map((_d, a) => a) : [inShape.length - 1, 0];
        const sizes = rawSizes.slice(0, axes.length);
        const m = model(inShape, axes, policy);
        const dims = m.main.body.ops.find((o) => o.name === 'resize')!.results[0]!.type.shape!;
        const bind = (n: string): number | undefined => { const k = /^%sizes\[(\d+)\]$/.exec(n); return k ? sizes[Number(k[1])] : undefined; };
        const want = reference(inShape, axes, sizes, policy);
        expect(dims.map((d) => evalDim(d, bind))).toEqual(want);
        const x = tensorFrom('f32', inShape, Array.from({ length: inShape.reduce((p, d) => p * d, 1) }, (_v, i) => i));
        expect(interpret(m, [x, tensorFrom('i64', [axes.length], sizes)])[0]!.shape).toEqual(want);
      },
    ), { numRuns: 60 });
  });

  it('constant sizes give numeric dims (policy applied)', () => {
    const m = model([1, 3, 4, 7], [2, 3], 'not_smaller', [9, 5]);
    expect(m.main.body.ops.find((o) => o.name === 'resize')!.results[0]!.type.shape).toEqual(reference([1, 3, 4, 7], [2, 3], [9, 5], 'not_smaller'));
  });
});
