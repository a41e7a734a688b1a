// The benchmark's pure helpers (test/bench/): counting the nodes of an ONNX graph (also one that
// onnxruntime optimised and saved), counting tenth's ops and kernels, goals, and the command's
// handling of bad usage.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseModule } from '../../ir/parser.js';
import { tensorFrom } from '../../ir/tensor.js';
import { countKernels } from '../../passes/fuse.js';
import { buildModel } from '../../src/onnx/writer.js';
import { importOnnxFile } from '../../src/onnx/import.js';
import { countOps } from '../../src/cli/cmd-stats.js';
import type { Tolerance } from '../../src/check/compare.js';
import { bindingsFromInputs, F16_CHECK_TOLERANCE, kernelsByName, median } from '../bench/figures.js';
import { benchSides } from '../bench/model-latency.js';
import { countModelNodes, ortOptimisedCount } from '../bench/ort-count.js';
import { formatBytes, formatTable, ratioGoal } from '../bench/report.js';

const REPO = resolve(import.meta.dirname, '../..');
const MODELS = resolve(REPO, '../shared/models');

describe('ONNX node count', () => {
  it('skips Constant nodes, keys other domains, and counts control-flow bodies instead of the node', () => {
    const bytes = buildModel({
      opsets: { 'com.microsoft': 1 },
      inputs: [{ name: 'x', dtype: 'f32', shape: [2] }, { name: 'c', dtype: 'bool', shape: [] }],
      outputs: [{ name: 'y', dtype: 'f32', shape: [2] }],
      nodes: [
        { opType: 'Constant', inputs: [], outputs: ['k'], attrs: { value: tensorFrom('f32', [2], [1, 2]) } },
        { opType: 'Add', inputs: ['x', 'k'], outputs: ['a'] },
        { opType: 'FusedGemm', domain: 'com.microsoft', inputs: ['a', 'a'], outputs: ['g'] },
        {
          opType: 'If', inputs: ['c'], outputs: ['y'], attrs: {
            then_branch: { inputs: [], outputs: [{ name: 't' }], nodes: [{ opType: 'Relu', inputs: ['g'], outputs: ['t'] }] },
            else_branch: { inputs: [], outputs: [{ name: 'e' }], nodes: [
              { opType: 'Neg', inputs: ['g'], outputs: ['n'] },
              { opType: 'Abs', inputs: ['n'], outputs: ['e'] },
            ] },
          },
        },
      ],
    });
    const c = countModelNodes(bytes);
    expect(c.byOp).toEqual({ Abs: 1, Add: 1, 'com.microsoft:FusedGemm': 1, Neg: 1, Relu: 1 });
    expect(Object.keys(c.byOp)).toEqual(['Abs', 'Add', 'Neg', 'Relu', 'com.microsoft:FusedGemm']);
    expect(c.nodes).toBe(5);
  });

  it("counts the graph onnxruntime saved: Gemm + Relu becomes one FusedGemm, a lone Relu stays", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tenth-bench-test-'));
    try {
      const path = join(dir, 'model.onnx');
      writeFileSync(path, buildModel({
        opset: 13,
        inputs: [{ name: 'x', dtype: 'f32', shape: [1, 4] }],
        outputs: [{ name: 'y', dtype: 'f32', shape: [1, 3] }, { name: 'z', dtype: 'f32', shape: [1, 4] }],
        initializers: [
          { name: 'w', tensor: tensorFrom('f32', [4, 3], [1, -2, 3, -4, 5, -6, 7, -8, 9, -10, 11, -12]) },
          { name: 'b', tensor: tensorFrom('f32', [3], [0.5, -0.5, 1]) },
        ],
        nodes: [
          { opType: 'Gemm', inputs: ['x', 'w', 'b'], outputs: ['g'] },
          { opType: 'Relu', inputs: ['g'], outputs: ['y'] },
          { opType: 'Relu', inputs: ['x'], outputs: ['z'] },
        ],
      }));
      const before = countModelNodes(readFileSync(path));
      expect(before).toEqual({ nodes: 3, byOp: { Gemm: 1, Relu: 2 } });
      const after = await ortOptimisedCount(path);
      expect(after.byOp).toEqual({ Relu: 1, 'com.microsoft:FusedGemm': 1 });
      expect(after.nodes).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('tenth op and kernel counts', () => {
  const text = `module @m {
  func @main(%x: f32[2], %flag: bool[]) -> (%y: f32[2], %r: f32[2]) {
    %one = const {value = dense<1> : f32[]} : f32[]
    %y = fused(%x, %one) {kind = "elementwise", name = "add-neg"} : f32[2] {
    ^(%x.in: f32[2], %one.in: f32[]):
      %a = add(%x.in, %one.in) : f32[2]
      %y.in = neg(%a) : f32[2]
      yield %y.in
    }
    %r = if(%flag) : f32[2] {
      %n = neg(%y) : f32[2]
      yield %n
    } {
      %m = abs(%y) : f32[2]
      %p = relu(%m) : f32[2]
      yield %p
    }
    return %y, %r
  }
}`;

  it('ops: a fused op counts its members, an if counts itself and its bodies; consts and terminators never', () => {
    const m = parseModule(text);
    // fused: add, neg (2) + if (1) + then: neg (1) + else: abs, relu (2)
    expect(countOps(m)).toBe(6);
    // kernels (passes/fuse.ts): fused (1) + the bodies' ops instead of the if (3)
    expect(countKernels(m.main)).toBe(4);
    expect(kernelsByName(m)).toEqual({ abs: 1, 'fused:add-neg': 1, neg: 1, relu: 1 });
  });

  it('binds symbolic dims from the first data set (mlp_digits: batch 8)', () => {
    const m = importOnnxFile(join(MODELS, 'mlp_digits/model.onnx'));
    expect([...bindingsFromInputs(m, join(MODELS, 'mlp_digits/test_data_set_0'))]).toEqual([['batch', 8]]);
  });
});

describe('goals and formatting', () => {
  it('ratio goals', () => {
    expect(ratioGoal(54, 56, 1)).toEqual({ ratio: 54 / 56, pass: true });
    expect(ratioGoal(57, 56, 1).pass).toBe(false);
    expect(ratioGoal(110, 100, 1.1).pass).toBe(true); // 110/100 is 1.1000000000000000888 in binary
    expect(ratioGoal(111, 100, 1.1).pass).toBe(false);
    expect(ratioGoal(0, 0, 1.1)).toEqual({ ratio: 1, pass: true });
    expect(ratioGoal(16, 0, 1.1)).toEqual({ ratio: Infinity, pass: false });
  });

  it('median, bytes, table', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(3 * 1024 * 1024)).toBe('3.00 MiB');
    expect(formatTable(['model', 'n'], [['a', '10'], ['long', '7']])).toBe('model   n\n-----  --\na      10\nlong    7');
  });
});

describe('npm run bench: usage errors', () => {
  const bench = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'test/bench/run.ts'), ...args], { cwd: REPO, encoding: 'utf8' });

  it('rejects an unknown target with the known ones', () => {
    const r = bench('--target', 'tpu');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("unknown target 'tpu'");
    expect(r.stderr).toContain('interp');
    expect(r.stdout).toBe('');
  });

  it('fails clearly when the model folder is missing', () => {
    const r = bench('--models', join(tmpdir(), 'tenth-no-such-models-folder'));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('model folder not found');
  });
});

describe('npm run bench: a model folder of its own', () => {
  it('benchmarks a model without test data: figures on both sides, results not checked, exit 0', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tenth-bench-models-'));
    try {
      mkdirSync(join(dir, 'gemm_relu'));
      writeFileSync(join(dir, 'gemm_relu/model.onnx'), buildModel({
        opset: 13,
        inputs: [{ name: 'x', dtype: 'f32', shape: ['batch', 4] }],
        outputs: [{ name: 'y', dtype: 'f32', shape: ['batch', 3] }, { name: 'z', dtype: 'f32', shape: ['batch', 4] }],
        initializers: [{ name: 'w', tensor: tensorFrom('f32', [4, 3], [1, -2, 3, -4, 5, -6, 7, -8, 9, -10, 11, -12]) }],
        nodes: [
          { opType: 'Gemm', inputs: ['x', 'w'], outputs: ['g'] },
          { opType: 'Relu', inputs: ['g'], outputs: ['y'] },
          { opType: 'Relu', inputs: ['x'], outputs: ['z'] },
        ],
      }));
      const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'test/bench/run.ts'), '--models', dir, '--json', '--runs', '1'], { cwd: REPO, encoding: 'utf8' });
      expect(r.stderr).not.toContain('error');
      expect(r.status).toBe(0);
      const j = JSON.parse(r.stdout) as { models: Record<string, unknown>[] };
      expect(j.models).toHaveLength(1);
      const m = j.models[0]!;
      expect(m).toMatchObject({
        model: 'gemm_relu',
        opsBefore: 3,
        ort: { nodes: 2, byOp: { Relu: 1, 'com.microsoft:FusedGemm': 1 } },
        check: { dataSets: 0, passed: 0 },
        goals: { results: { checked: false } },
      });
      // batch sized 1 without data: the buffers are g or y (12 bytes) and z (16 bytes).
      expect(m['memory']).toMatchObject({ bindings: 'batch:1', bindingsFrom: 'default size 1' });
      expect((m['memory'] as { naiveBytes: number }).naiveBytes).toBeGreaterThanOrEqual(12 + 16);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a side checked with its own tolerance (a --f16 build)', () => {
  const want = tensorFrom('f32', [2], [0.0205, -1]);
  const c = { name: 'm', path: '', module: undefined as never, inputs: [], outNames: ['y'], want: [want], bindings: '' };
  const cfg = { minRuns: 2, maxRuns: 2, budgetMs: 1, minWarmup: 1, warmupMs: 0 };
  // f16's error on mobilenet_v2's logits on an H200: 0.0210 for 0.0205 (5e-4 absolute).
  const got = tensorFrom('f32', [2], [0.0210, -1]);
  const side = (tolerance?: Tolerance) => async () => ({ run: async () => 0, outputs: [got], ...(tolerance ? { tolerance } : {}) });
  it('CHECK_TOLERANCE refuses an f16-sized error, F16_CHECK_TOLERANCE takes it, and a real error fails both', async () => {
    const exact = async () => ({ run: async () => 0, outputs: [want] });
    expect((await benchSides(c, { tenth: side(), ort: exact }, cfg)).tenthCheck?.pass).toBe(false);
    expect((await benchSides(c, { tenth: side(F16_CHECK_TOLERANCE), ort: exact }, cfg)).tenthCheck?.pass).toBe(true);
    const wrong = async () => ({ run: async () => 0, outputs: [tensorFrom('f32', [2], [0.0205, -1.1])], tolerance: F16_CHECK_TOLERANCE });
    expect((await benchSides(c, { tenth: wrong, ort: exact }, cfg)).tenthCheck?.pass).toBe(false);
  });
});
