// The conformance runner itself, on small hand-made test folders: pass/fail/skip decisions,
// isolation (a broken model or a hanging test fails alone), per-op grouping and the CLI's outputs.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { groupTests } from '../../src/conformance/report.js';
import type { TestResult } from '../../src/conformance/run-test.js';
import { runConformance } from '../../src/conformance/runner.js';
import { runCli, tempDir } from '../cli/helpers.js';
import { writeLoop, writeOutOfScope, writePassing, writeTest, writeWrong } from './fixtures.js';

let root: string;

beforeAll(() => {
  root = tempDir('tenth-conf-');
  writePassing(root, 'test_a_double');
  writeWrong(root, 'test_b_double_wrong');
  writeTest(root, 'test_c_random_bytes', Uint8Array.from([0x0f, 0xff, 0x01, 0x02]), [], []);
  writeLoop(root, 'test_d_loop_forever', 1e15);
  writeLoop(root, 'test_e_loop_small', 4);
  writeOutOfScope(root);
});

const byName = (rs: readonly TestResult[]): Map<string, TestResult> => new Map(rs.map((r) => [r.test, r]));

describe('runConformance', () => {
  it('passes, fails and skips each test on its own, surviving a broken model and a hang', async () => {
    const results = await runConformance(root, { timeoutMs: 3000 });
    expect(results.map((r) => r.test)).toEqual([
      'test_a_double', 'test_b_double_wrong', 'test_c_random_bytes', 'test_d_loop_forever', 'test_e_loop_small',
      'test_ml_normalizer', 'test_string_input', 'test_training_adagrad',
    ]);
    const r = byName(results);
    expect(r.get('test_a_double')).toMatchObject({ status: 'passed', reason: null });
    expect(r.get('test_b_double_wrong')!.status).toBe('failed');
    expect(r.get('test_b_double_wrong')!.reason).toBe(
      "test_data_set_0: output 0 'y': 1 of 3 elements differ; first at element [2]: got -6, expected -7");
    expect(r.get('test_c_random_bytes')!.status).toBe('failed');
    expect(r.get('test_c_random_bytes')!.reason).toContain('E103');
    expect(r.get('test_d_loop_forever')).toMatchObject({ status: 'failed', reason: 'timed out after 3 s' });
    expect(r.get('test_e_loop_small')!.status).toBe('passed');
    expect(r.get('test_ml_normalizer')).toMatchObject({ status: 'skipped', reason: 'op Normalizer is in the ai.onnx.ml domain' });
    expect(r.get('test_string_input')).toMatchObject({ status: 'skipped', reason: "graph: input 's' is a string tensor" });
    expect(r.get('test_training_adagrad')!.reason).toContain('ai.onnx.preview.training');
  });

  it('runs in process too, and filters by name', async () => {
    const results = await runConformance(root, { inProcess: true, filter: /double/ });
    expect(results.map((r) => [r.test, r.status])).toEqual([['test_a_double', 'passed'], ['test_b_double_wrong', 'failed']]);
  });
});

describe('groupTests', () => {
  const res = (test: string, opTypes: string[]): TestResult => ({ test, status: 'passed', reason: null, opTypes });
  it('groups by the single op, else by the longest op name the test name starts with', () => {
    const g = groupTests([
      res('test_softmax_axis_0', ['Softmax']),
      res('test_softmax_axis_0_expanded', ['Constant', 'Exp', 'ReduceMax', 'ReduceSum', 'Sub', 'Div']),
      res('test_reduce_sum_square_default', ['ReduceSumSquare']),
      res('test_reduce_sum_default', ['ReduceSum']),
      res('test_batchnorm_epsilon', ['BatchNormalization']),
      res('test_constant', ['Constant']),
      res('test_loop_hang', []),
      res('test_unknown_thing', []),
    ]);
    expect(Object.fromEntries(g)).toEqual({
      test_softmax_axis_0: 'Softmax',
      test_softmax_axis_0_expanded: 'Softmax',
      test_reduce_sum_square_default: 'ReduceSumSquare',
      test_reduce_sum_default: 'ReduceSum',
      test_batchnorm_epsilon: 'BatchNormalization',
      test_constant: 'Constant',
      test_loop_hang: 'loop',
      test_unknown_thing: 'unknown',
    });
  });
});

describe('tenth conformance', () => {
  it('prints failures, the per-op table and the closing count line', async () => {
    const r = await runCli(['conformance', root, '--filter', '^test_(a|b|c|e|ml|string)', '--show-skipped']);
    expect(r.code).toBe(1);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[lines.length - 1]).toBe('2 passed, 2 failed, 2 skipped');
    expect(r.out).toContain('Failed (2):\n  test_b_double_wrong: test_data_set_0:');
    expect(r.out).toMatch(/^op +passed +failed +skipped +total$/m);
    expect(r.out).toMatch(/^Add +1 +1 +0 +2$/m);
    expect(r.out).toMatch(/^Loop +1 +0 +0 +1$/m);
    expect(r.out).toMatch(/^\(all\) +2 +2 +2 +6$/m);
    // Progress goes to stderr, one mark per test.
    expect(r.err).toBe('.FF.ss 6/6\n');
  });

  it('--json gives one result per test and nothing else on stdout; --list-passing writes the passing names', async () => {
    const list = join(tempDir(), 'passing.txt');
    const r = await runCli(['conformance', root, '--filter', '^test_(a|b|e|ml)', '--json', '--list-passing', list]);
    const j = JSON.parse(r.out);
    expect(j.results).toEqual([
      { test: 'test_a_double', status: 'passed', reason: null, op: 'Add' },
      { test: 'test_b_double_wrong', status: 'failed', reason: expect.stringContaining('got -6, expected -7'), op: 'Add' },
      { test: 'test_e_loop_small', status: 'passed', reason: null, op: 'Loop' },
      { test: 'test_ml_normalizer', status: 'skipped', reason: 'op Normalizer is in the ai.onnx.ml domain', op: 'ai.onnx.ml:Normalizer' },
    ]);
    expect(j.summary).toEqual({ passed: 2, failed: 1, skipped: 1 });
    expect(readFileSync(list, 'utf8')).toBe('test_a_double\ntest_e_loop_small\n');
  });

  it('--expect passes when every listed test passes and fails when one does not', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'ok.txt'), '# tests that must pass\ntest_a_double\n\ntest_e_loop_small\n');
    const ok = await runCli(['conformance', root, '--expect', join(dir, 'ok.txt')]);
    expect(ok.code).toBe(0);
    expect(ok.out.trimEnd().split('\n').pop()).toBe('2 passed, 0 failed, 0 skipped');
    writeFileSync(join(dir, 'bad.txt'), 'test_a_double\ntest_b_double_wrong\n');
    const bad = await runCli(['conformance', root, '--expect', join(dir, 'bad.txt')]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('1 expected-passing tests did not pass: test_b_double_wrong');
    writeFileSync(join(dir, 'missing.txt'), 'test_not_there\n');
    const missing = await runCli(['conformance', root, '--expect', join(dir, 'missing.txt')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('E101');
  });

  it('rejects a bad --filter and a missing folder', async () => {
    expect((await runCli(['conformance', root, '--filter', '(('])).err).toContain('E108');
    expect((await runCli(['conformance', join(root, 'nope')])).err).toContain('E101');
  });
});
