// The named pipelines end to end: O1 and O2 keep the interpreter's results on random modules and
// on the shared real models (against their expected outputs), and select-layout, which O2 includes,
// changes nothing for the interpreter's NCHW profile on real CNNs (the condition for including it).

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { printModule } from '../../ir/printer.js';
import { runPipeline } from '../../passes/index.js';
import { ONNX_TOLERANCE } from '../../src/check/compare.js';
import { runDataDir } from '../../src/check/run-check.js';
import { listDataSets } from '../../src/check/data-dir.js';
import { importOnnxFile } from '../../src/onnx/import.js';
import { checkPreservesSemantics } from './property.js';

const MODELS = join(import.meta.dirname, '../../../shared/models');

describe('named pipelines on random modules', () => {
  it('O1 keeps results bitwise', () => {
    checkPreservesSemantics('O1', { numRuns: 60 });
  });

  it('O2 keeps results bitwise', () => {
    checkPreservesSemantics('O2', { numRuns: 60 });
  });
});

describe('named pipelines on the shared models', () => {
  const models = readdirSync(MODELS, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

  it('finds the models', () => {
    expect(models.length).toBeGreaterThan(0);
  });

  for (const name of models) {
    it(`${name}: O2 keeps the expected outputs`, () => {
      const m = importOnnxFile(join(MODELS, name, 'model.onnx'));
      runPipeline(m, 'O2');
      for (const dir of listDataSets(join(MODELS, name))) {
        const r = runDataDir(m, dir, { check: true, tolerance: ONNX_TOLERANCE });
        expect(r.outputs.filter((o) => !o.ok).map((o) => `${dir}: ${o.name}: ${o.reason}`)).toEqual([]);
      }
    });
  }

  for (const name of ['cnn_digits', 'mobilenet_v2']) {
    it(`${name}: select-layout is a no-op for the interp profile after O1`, () => {
      const m = importOnnxFile(join(MODELS, name, 'model.onnx'));
      runPipeline(m, 'O1');
      const before = printModule(m);
      const r = runPipeline(m, 'select-layout');
      expect(r.changed).toBe(false);
      expect(printModule(m)).toBe(before);
    });
  }
});
