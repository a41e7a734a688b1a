// Every model in ../shared/models (real exported networks, MANIFEST.md) runs through importer +
// interpreter and matches PyTorch's outputs on every test_data_set_N, via `tenth run --check`.

import { copyFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, SHARED, tempDir } from '../cli/helpers.js';

const MODELS = join(SHARED, 'models');
const names = existsSync(MODELS) ? readdirSync(MODELS).filter((n) => existsSync(join(MODELS, n, 'model.onnx'))).sort() : [];

describe('shared models', () => {
  it('are all present', () => {
    if (!existsSync(MODELS)) throw new Error(`model corpus not found at ${MODELS} (expected ../shared beside the repository)`);
    expect(names).toEqual(expect.arrayContaining(['cnn_digits', 'mlp_digits', 'mobilenet_v2', 'tiny_bert']));
  });

  for (const name of names) {
    it(`${name} passes run --check on every data set`, async () => {
      const r = await runCli(['run', join(MODELS, name, 'model.onnx'), '--check', '--json']);
      const report = r.out ? JSON.parse(r.out) : null;
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(report.runs.length).toBe(readdirSync(join(MODELS, name)).filter((d) => d.startsWith('test_data_set_')).length);
      for (const run of report.runs) for (const o of run.outputs) expect(o.status, `${run.data} ${o.name}`).toBe('PASS');
    }, 120_000);

    it(`${name} survives ir -> opt unchanged and runs from its IR text`, async () => {
      // The IR refers to weights by offset into model.onnx beside it, so work on a copy.
      const dir = tempDir();
      copyFileSync(join(MODELS, name, 'model.onnx'), join(dir, 'model.onnx'));
      expect((await runCli(['ir', join(dir, 'model.onnx'), '-o', join(dir, 'a.ir')])).code).toBe(0);
      expect((await runCli(['opt', join(dir, 'a.ir'), '-o', join(dir, 'b.ir')])).code).toBe(0);
      expect(readFileSync(join(dir, 'b.ir'), 'utf8')).toBe(readFileSync(join(dir, 'a.ir'), 'utf8'));
      const r = await runCli(['run', join(dir, 'a.ir'), '--data', join(MODELS, name, 'test_data_set_0'), '--check']);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
    }, 120_000);
  }
});
