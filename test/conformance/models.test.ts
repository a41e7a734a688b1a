// Every model in ../shared/models (real exported networks, MANIFEST.md) runs through importer +
// interpreter and matches PyTorch's outputs on every test_data_set_N, via `tenth run --check`.

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, SHARED } from '../cli/helpers.js';

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
  }
});
