// The WASM model-latency benchmark (test/bench/wasm-models.ts): interleaving order, run counts,
// the latency goal, the table, and one real run of both sides (tenth's compiled WASM and
// onnxruntime-web) whose results check must pass on good expected outputs and fail on wrong ones.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tensorFrom } from '../../ir/tensor.js';
import { encodeTensorProto } from '../../src/onnx/tensor-proto.js';
import { buildModel } from '../../src/onnx/writer.js';
import { median } from '../bench/figures.js';
import {
  benchModelLatency, chooseRuns, formatModelLatency, interleavedOrder, jsonModelLatency, latencyMark, latencyOk,
  type LatencyConfig, type ModelLatency,
} from '../bench/wasm-models.js';

const MODELS = resolve(import.meta.dirname, '../../../shared/models');
const QUICK: LatencyConfig = { minRuns: 20, maxRuns: 20, budgetMs: 1, minWarmup: 2, warmupMs: 0 };

describe('interleaving and run counts', () => {
  it('interleavedOrder: n runs per side, every pair has both sides, the first place alternates', () => {
    expect(interleavedOrder(3)).toEqual(['tenth', 'ort', 'ort', 'tenth', 'tenth', 'ort']);
    fc.assert(fc.property(fc.integer({ min: 0, max: 200 }), (n) => {
      const o = interleavedOrder(n);
      expect(o).toHaveLength(2 * n);
      expect(o.filter((s) => s === 'tenth')).toHaveLength(n);
      for (let i = 0; i < n; i++) {
        expect(new Set(o.slice(2 * i, 2 * i + 2))).toEqual(new Set(['tenth', 'ort']));
        expect(o[2 * i]).toBe(i % 2 === 0 ? 'tenth' : 'ort');
      }
    }));
  });

  it('chooseRuns: as many pairs as fit the budget, clamped to [min, max]', () => {
    const cfg = { minRuns: 20, maxRuns: 400, budgetMs: 3000 };
    expect(chooseRuns(48, cfg)).toBe(62); // mobilenet_v2: ~21 + ~27 ms a pair
    expect(chooseRuns(500, cfg)).toBe(20);
    expect(chooseRuns(0.02, cfg)).toBe(400);
    expect(chooseRuns(0, cfg)).toBe(400);
  });

  it('median: at least half the values on each side of it', () => {
    fc.assert(fc.property(fc.array(fc.double({ noNaN: true, min: -1e6, max: 1e6 }), { minLength: 1, maxLength: 50 }), (xs) => {
      const m = median(xs);
      expect(2 * xs.filter((x) => x <= m).length).toBeGreaterThanOrEqual(xs.length);
      expect(2 * xs.filter((x) => x >= m).length).toBeGreaterThanOrEqual(xs.length);
    }));
  });
});

describe('latency goal and table', () => {
  it('tenth/ORT passes strictly below 1.0; the aim is <= 0.7', () => {
    expect(latencyMark(21, 30)).toEqual({ ratio: 0.7, pass: true, aim: true });
    expect(latencyMark(25, 30).pass).toBe(true);
    expect(latencyMark(25, 30).aim).toBe(false);
    expect(latencyMark(30, 30).pass).toBe(false);
    expect(latencyMark(31, 30).pass).toBe(false);
  });

  const rows: ModelLatency[] = [
    {
      model: 'mobilenet_v2', bindings: '', runs: 62, tenthMs: 21.43, ortMs: 26.41, tenthRunsMs: [21.43], ortRunsMs: [26.41],
      mark: latencyMark(21.43, 26.41), tenthCheck: { pass: true, maxAbs: 3.5e-6 }, ortCheck: { pass: true, maxAbs: 3.4e-6 },
    },
    {
      model: 'tiny_bert', bindings: 'batch:2,seq:16', runs: 400, tenthMs: 0.5814, ortMs: 0.9672,
      mark: latencyMark(0.5814, 0.9672), tenthCheck: { pass: false, maxAbs: 0.5, failure: 'pooler_output: element 3' }, ortCheck: { pass: true, maxAbs: 1.4e-6 },
    },
    { model: 'odd', bindings: '', tenthError: 'E201 no kernel for op foo', ortCheck: { pass: true, maxAbs: 0 } },
  ];

  it('formats one row per model, the goal line, and each failure below', () => {
    expect(formatModelLatency(rows).split('\n').slice(3).join('\n')).toBe(
      [
        'model                 inputs  runs  tenth ms  ORT ms  tenth/ORT  aim 0.7  tenth results  ORT results',
        '------------  --------------  ----  --------  ------  ---------  -------  -------------  -----------',
        'mobilenet_v2          static    62      21.4    26.4  0.81 PASS       no    PASS 3.5e-6  PASS 3.4e-6',
        'tiny_bert     batch:2,seq:16   400     0.581   0.967  0.60 PASS      yes           MISS  PASS 1.4e-6',
        'odd                   static     -         -       -          -        -          ERROR  PASS 0.0e+0',
        '',
        // tiny_bert is fast but its results are wrong: it counts for neither.
        'goal tenth/ORT < 1.0: 1/3 models; aim <= 0.7: 0/3',
        'tiny_bert: tenth results differ: pooler_output: element 3',
        'odd: tenth: E201 no kernel for op foo',
        '',
      ].join('\n'));
    expect(rows.map(latencyOk)).toEqual([true, false, false]);
  });

  it('JSON drops the per-run times and rounds to microseconds', () => {
    const j = jsonModelLatency(rows) as Record<string, unknown>[];
    expect(j[0]).not.toHaveProperty('tenthRunsMs');
    expect(j[1]).toMatchObject({ tenthMs: 0.581, ortMs: 0.967, runs: 400 });
  });
});

describe('both sides for real', () => {
  it('mlp_digits: tenth and onnxruntime-web both match the expected outputs, 20 interleaved runs each', async () => {
    const r = await benchModelLatency('mlp_digits', join(MODELS, 'mlp_digits'), QUICK);
    expect(r.tenthError).toBeUndefined();
    expect(r.ortError).toBeUndefined();
    expect(r.bindings).toBe('batch:8');
    expect(r).toMatchObject({ runs: 20, tenthCheck: { pass: true }, ortCheck: { pass: true } });
    expect(r.tenthRunsMs).toHaveLength(20);
    expect(r.ortRunsMs).toHaveLength(20);
    expect(r.tenthMs).toBe(median(r.tenthRunsMs!));
    expect(r.mark!.ratio).toBeCloseTo(r.tenthMs! / r.ortMs!, 12);
    expect(latencyOk(r)).toBe(true);
  });

  it('wrong expected outputs fail the check on both sides (Relu(x W), hand-computed)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tenth-bench-latency-'));
    try {
      const model = join(dir, 'gemm_relu');
      mkdirSync(join(model, 'test_data_set_0'), { recursive: true });
      writeFileSync(join(model, 'model.onnx'), buildModel({
        opset: 13,
        inputs: [{ name: 'x', dtype: 'f32', shape: ['batch', 2] }],
        outputs: [{ name: 'y', dtype: 'f32', shape: ['batch', 2] }],
        initializers: [{ name: 'w', tensor: tensorFrom('f32', [2, 2], [1, -2, 3, 4]) }],
        nodes: [
          { opType: 'Gemm', inputs: ['x', 'w'], outputs: ['g'] },
          { opType: 'Relu', inputs: ['g'], outputs: ['y'] },
        ],
      }));
      const data = join(model, 'test_data_set_0');
      writeFileSync(join(data, 'input_0.pb'), encodeTensorProto('x', tensorFrom('f32', [1, 2], [1, 1])));
      // x W = [4, 2]: the right answer first, then one element off.
      writeFileSync(join(data, 'output_0.pb'), encodeTensorProto('y', tensorFrom('f32', [1, 2], [4, 2])));
      const good = await benchModelLatency('gemm_relu', model, QUICK);
      expect(good).toMatchObject({ bindings: 'batch:1', tenthCheck: { pass: true }, ortCheck: { pass: true } });
      writeFileSync(join(data, 'output_0.pb'), encodeTensorProto('y', tensorFrom('f32', [1, 2], [4, 2.5])));
      const bad = await benchModelLatency('gemm_relu', model, QUICK);
      expect(bad.tenthCheck).toMatchObject({ pass: false, failure: expect.stringContaining('y:') });
      expect(bad.ortCheck).toMatchObject({ pass: false, failure: expect.stringContaining('y:') });
      expect(latencyOk(bad)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
