// examples/web/ with ?backend=webgpu: headless Chromium runs the WGSL artifacts of shared models
// through the WebGPU runtime (src/runtime/webgpu.ts, navigator.gpu on SwiftShader, i.e. the CPU)
// and the outputs must match the expected outputs (PyTorch's) read here in Node.

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tensorFrom } from '../../ir/tensor.js';
import { compileWebGpu, writeWebGpuArtifact } from '../../src/backends/webgpu/index.js';
import { compareTensors } from '../../src/check/compare.js';
import { importOnnxFile } from '../../src/onnx/import.js';
import { startWebHarness, type WebHarness } from './harness.js';
import { loadDataSet, SHARED_MODELS } from './runtime-package.js';

// GPU kernels sum in other orders than the reference (tiles, workgroup reductions).
const TOL = { rtol: 1e-3, atol: 1e-4 };
const MODELS = ['cnn_digits', 'mlp_digits', 'tiny_bert'];
let web: WebHarness;

beforeAll(async () => {
  web = await startWebHarness(async (site) => {
    for (const m of MODELS) writeWebGpuArtifact(join(site, 'models', m), compileWebGpu(importOnnxFile(join(SHARED_MODELS, m, 'model.onnx'))));
  });
});
afterAll(() => web?.close());

describe('WebGPU runtime in Chromium (examples/web?backend=webgpu)', () => {
  for (const [name, set] of [['cnn_digits', 0], ['cnn_digits', 1], ['mlp_digits', 0], ['tiny_bert', 1]] as const) {
    it(`${name} data set ${set} matches its expected outputs`, async () => {
      const r = await web.open(`backend=webgpu&model=/models/${name}/&data=/data/${name}/test_data_set_${set}/&runs=2`, 25_000);
      expect(r.error ?? '', web.pageErrors.join('\n')).toBe('');
      expect(r.backend).toBe('webgpu');
      const want = loadDataSet(name, set).outputs;
      expect(Object.keys(r.outputs).sort()).toEqual(want.map((o) => o.name).sort());
      for (const w of want) {
        const got = r.outputs[w.name]!;
        expect(compareTensors(tensorFrom('f32', got.dims, got.data), w.tensor, TOL).reason, w.name).toBe('');
      }
      expect(r.timing.runs).toBe(2);
    });
  }
});
