// ONNX backend node tests through the WASM backend (import -> compileWasm -> runtime).
// test/conformance/passing-wasm.txt lists the tests known to pass (regenerate with `npm run
// conformance -- --backend wasm --list-passing test/conformance/passing-wasm.txt`, and review the
// diff): every one of them must still pass. Also checks how the runner reports a model whose op
// has no wasm kernel (skipped, with the op named) and that the interpreter's rules are unchanged.
// The data lives beside the repository in ../shared; without it this test fails, it never skips.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runConformance } from '../../src/conformance/runner.js';
import { REPO, SHARED } from '../cli/helpers.js';

const NODE_TESTS = join(SHARED, 'onnx-backend-tests', 'node');
const LIST = join(REPO, 'test', 'conformance', 'passing-wasm.txt');

describe('ONNX backend node tests through the wasm backend', () => {
  it('every test in passing-wasm.txt still passes', async () => {
    if (!existsSync(NODE_TESTS)) throw new Error(`conformance data not found at ${NODE_TESTS} (expected ../shared beside the repository)`);
    const listed = readFileSync(LIST, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    expect(listed.length).toBeGreaterThan(200);
    const results = await runConformance(NODE_TESTS, { only: new Set(listed), backend: 'wasm', timeoutMs: 60_000 });
    expect(results.map((r) => r.test)).toEqual([...listed].sort());
    const broken = results.filter((r) => r.status !== 'passed').map((r) => `${r.test}: ${r.status}: ${r.reason}`);
    expect(broken).toEqual([]);
  }, 300_000);

  it('a model with an op that has no wasm kernel is skipped under wasm, run by the interpreter; a random mask runs and fails', async () => {
    // Bernoulli has no wasm kernel; training dropout draws its own random mask, which cannot match
    // the reference's (it runs and fails, as under the interpreter); Range expanded into a Loop whose
    // trip count comes from float arithmetic is not a missing kernel (a length known only at run
    // time): it fails with E205.
    const only = new Set(['test_bernoulli', 'test_training_dropout', 'test_range_float_type_positive_delta_expanded']);
    const wasm = await runConformance(NODE_TESTS, { only, backend: 'wasm', timeoutMs: 60_000 });
    expect(wasm.map((r) => [r.test, r.status])).toEqual([
      ['test_bernoulli', 'skipped'], ['test_range_float_type_positive_delta_expanded', 'failed'], ['test_training_dropout', 'failed'],
    ]);
    expect(wasm[0]!.reason).toBe('wasm backend: no kernel for bernoulli');
    expect(wasm[1]!.reason).toMatch(/E205.*loop/);
    expect(wasm[2]!.reason).not.toMatch(/E2\d\d/);
    const interp = await runConformance(NODE_TESTS, { only, timeoutMs: 60_000 });
    // The interpreter never skips for these: Bernoulli's random draws and the random dropout mask
    // cannot match the reference's, so both are run and fail (E601 / E501); the Range loop passes.
    expect(interp.map((r) => r.status)).toEqual(['failed', 'passed', 'failed']);
    expect(interp[2]!.reason).toMatch(/E501/);
  }, 120_000);
});
