// The library example from README.md, kept true: same calls, on a freshly generated example.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareTensors, importOnnxFile, interpret, printModule, readTensorProtoFile, verify } from '../../src/index.js';
import { tempDir, writeMlpExample } from '../cli/helpers.js';

describe('README library example', () => {
  it('imports, verifies, prints, runs and checks the example MLP', () => {
    const dir = join(tempDir(), 'mlp');
    writeMlpExample(dir);
    const m = importOnnxFile(join(dir, 'model.onnx'));
    expect(verify(m)).toEqual([]);
    expect(printModule(m)).toContain('gemm(');
    const x = readTensorProtoFile(join(dir, 'test_data_set_0/input_0.pb')).tensor;
    const [y] = interpret(m, [x]);
    const want = readTensorProtoFile(join(dir, 'test_data_set_0/output_0.pb')).tensor;
    expect(y!.shape).toEqual([3, 10]);
    expect(compareTensors(y!, want, { rtol: 1e-3, atol: 1e-5 }).ok).toBe(true);
  });
});
