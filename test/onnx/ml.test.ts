// ai.onnx.ml Binarizer and ArrayFeatureExtractor: imported and interpreted, against plain loops
// of their definitions (and the ONNX backend tests' expected outputs, read from the shared data).
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { interpret } from '../../ir/interp.js';
import { tensorFrom, toNumbers } from '../../ir/tensor.js';
import { runDataDir } from '../../src/check/run-check.js';
import { importOnnxBytes } from '../../src/onnx/import.js';
import { buildModel } from '../../src/onnx/writer.js';
import { SHARED } from '../cli/helpers.js';

const opts = { file: 'ml.onnx', baseDir: '/nonexistent' };
const NODE = join(SHARED, 'onnx-backend-tests', 'node');

function afe(xShape: number[], idx: number[], idxShape: number[]) {
  return importOnnxBytes(buildModel({
    opset: 21, opsets: { 'ai.onnx.ml': 1 },
    inputs: [{ name: 'x', dtype: 'f32', shape: xShape }, { name: 'i', dtype: 'i64', shape: idxShape }],
    outputs: [{ name: 'z', dtype: 'f32' }],
    nodes: [{ opType: 'ArrayFeatureExtractor', domain: 'ai.onnx.ml', inputs: ['x', 'i'], outputs: ['z'] }],
  }), opts);
}

describe('ai.onnx.ml import', () => {
  it('Binarizer: 1 where x > threshold, else 0, in the dtype of x', () => {
    const xs = [-2, 0.5, 0.75, 0.7500001, 3, Number.NaN, -0];
    for (const dtype of ['f32', 'f64'] as const) {
      const m = importOnnxBytes(buildModel({
        opset: 21, opsets: { 'ai.onnx.ml': 1 },
        inputs: [{ name: 'x', dtype, shape: [xs.length] }], outputs: [{ name: 'y', dtype }],
        nodes: [{ opType: 'Binarizer', domain: 'ai.onnx.ml', inputs: ['x'], outputs: ['y'], attrs: { threshold: { float: 0.75 } } }],
      }), opts);
      const y = interpret(m, [tensorFrom(dtype, [xs.length], xs)])[0]!;
      expect(y.dtype).toBe(dtype);
      expect(toNumbers(y)).toEqual(xs.map((x) => (Math.fround(x) > 0.75 ? 1 : 0)));
    }
  });

  it('ArrayFeatureExtractor picks along the last axis; a 1-D x gives [1, n]', () => {
    const x = Array.from({ length: 2 * 3 * 5 }, (_, i) => i * 1.5);
    const idx = [4, 0, 4, 2];
    const z = interpret(afe([2, 3, 5], idx, [1, 4]), [tensorFrom('f32', [2, 3, 5], x), tensorFrom('i64', [1, 4], idx)])[0]!;
    expect(z.shape).toEqual([2, 3, 4]);
    const want: number[] = [];
    for (let r = 0; r < 6; r++) for (const j of idx) want.push(x[r * 5 + j]!);
    expect(toNumbers(z)).toEqual(want);
    const z1 = interpret(afe([7], [6, 1], [2]), [tensorFrom('f32', [7], [0, 1, 2, 3, 4, 5, 6]), tensorFrom('i64', [2], [6, 1])])[0]!;
    expect(z1.shape).toEqual([1, 2]);
    expect(toNumbers(z1)).toEqual([6, 1]);
  });

  // The data lives beside the repository in ../shared; without it this test fails, it never skips.
  it('matches the ONNX backend tests', () => {
    for (const t of ['test_ai_onnx_ml_binarizer', 'test_ai_onnx_ml_array_feature_extractor']) {
      const d = `${NODE}/${t}`;
      const m = importOnnxBytes(readFileSync(`${d}/model.onnx`), { file: `${t}/model.onnx`, baseDir: d });
      expect(runDataDir(m, `${d}/test_data_set_0`, { check: true }).ok).toBe(true);
    }
  });
});
