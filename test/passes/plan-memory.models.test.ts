// plan-memory on every model of the shared corpus: the module verifies, the independent checker
// (memory-checker.ts) accepts the plan, the arena is within 1.10x of the lower bound (the goal of
// the issue), and the interpreter's results on the first test data set are bitwise unchanged.
// Figures use the binding batch:1;seq:128 (tiny_bert's largest sequence) and the interpreter's
// alignment (16); a second binding and a coarse alignment check that the plan is not tuned to one.

import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { interpret } from '../../ir/interp.js';
import type { Tensor } from '../../ir/tensor.js';
import { verify } from '../../ir/verify.js';
import { importOnnxFile } from '../../src/onnx/import.js';
import { readTensorProtoFile } from '../../src/onnx/tensor-proto.js';
import { INTERP_PROFILE } from '../../passes/pass.js';
import { planMemoryPass } from '../../passes/plan-memory.js';
import { checkMemoryPlan } from './memory-checker.js';

const ROOT = '/work/shared/models';
const MODELS = readdirSync(ROOT).filter((d) => existsSync(`${ROOT}/${d}/model.onnx`)).sort();

function bits(t: Tensor): string {
  const d = t.data as ArrayBufferView;
  return `${t.dtype}[${t.shape.join(',')}]:${Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('hex')}`;
}

const options = (bind: string, alignment: number) =>
  ({ alignment, bind, 'default-dim': 1, order: 'auto', placement: 'auto', 'in-place': true });

describe('plan-memory on the shared models', () => {
  it('finds the models', () => expect(MODELS.length).toBeGreaterThanOrEqual(4));

  for (const name of MODELS) {
    it(`${name}: valid plan within 1.10x of the lower bound, results unchanged`, () => {
      const dir = `${ROOT}/${name}`;
      const m = importOnnxFile(`${dir}/model.onnx`);
      const data = `${dir}/test_data_set_0`;
      const inputs = existsSync(data) ? m.main.args.map((_, k) => readTensorProtoFile(`${data}/input_${k}.pb`).tensor) : null;
      const before = inputs ? interpret(m, inputs).map(bits) : null;
      for (const [bind, alignment] of [['batch:4;seq:16', 256], ['batch:1;seq:128', 16]] as const) {
        const { counters } = planMemoryPass.run(m, { target: INTERP_PROFILE }, options(bind, alignment));
        expect(verify(m)).toEqual([]);
        const symbols = Object.fromEntries(bind.split(';').map((p) => [p.split(':')[0]!, Number(p.split(':')[1])]));
        const report = checkMemoryPlan(m.main, { bind: symbols, alignment });
        expect(report.problems).toEqual([]);
        expect(counters['unplanned']).toBe(0);
        expect(report.lowerBound).toBe(counters['lower-bound-bytes']);
        expect(report.arena).toBe(counters['peak-bytes']);
        expect(report.arena).toBeGreaterThanOrEqual(report.lowerBound);
        expect(report.arena, `${name} ${bind} align ${alignment}`).toBeLessThanOrEqual(1.1 * report.lowerBound);
        expect(counters['naive-bytes']).toBeGreaterThanOrEqual(report.arena);
      }
      if (inputs) expect(interpret(m, inputs).map(bits)).toEqual(before);
    });
  }
});
