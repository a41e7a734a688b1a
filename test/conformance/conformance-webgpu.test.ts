// ONNX backend node tests through the WebGPU backend (import -> compileWebGpu -> runtime on Dawn
// + SwiftShader). test/conformance/passing-webgpu.txt lists the tests known to pass (regenerate
// with `npx tsx src/cli/main.ts conformance ../shared/onnx-backend-tests/node --backend webgpu
// --list-passing test/conformance/passing-webgpu.txt`, review the diff; the full list is checked
// with `--expect test/conformance/passing-webgpu.txt`, about 30 s). SwiftShader pipeline creation
// is slow, so this test runs a fixed sample (about 15 s): every 4th listed test in name order,
// and every listed test of the ops whose webgpu kernels came last (pad, resize, slice,
// reductions, pooling, conv_transpose). Also checks how skips are reported.
// The data lives beside the repository in ../shared; without it this test fails, it never skips.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runConformance } from '../../src/conformance/runner.js';
import { REPO, SHARED } from '../cli/helpers.js';

const NODE_TESTS = join(SHARED, 'onnx-backend-tests', 'node');
const LIST = join(REPO, 'test', 'conformance', 'passing-webgpu.txt');

describe('ONNX backend node tests through the webgpu backend', () => {
  it('a fixed sample of passing-webgpu.txt still passes', async () => {
    if (!existsSync(NODE_TESTS)) throw new Error(`conformance data not found at ${NODE_TESTS} (expected ../shared beside the repository)`);
    const listed = readFileSync(LIST, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')).sort();
    expect(listed.length).toBeGreaterThan(600);
    const sample = listed.filter((t, n) => n % 4 === 0 || /pad|resize|slice|reduce|pool|convtranspose/.test(t));
    const results = await runConformance(NODE_TESTS, { only: new Set(sample), backend: 'webgpu', timeoutMs: 60_000 });
    expect(results.map((r) => r.test)).toEqual(sample);
    const broken = results.filter((r) => r.status !== 'passed').map((r) => `${r.test}: ${r.status}: ${r.reason}`);
    expect(broken).toEqual([]);
  }, 60_000);

  it('skips name the missing kernel, a refused form, or the run-time dims (E205)', async () => {
    const only = new Set(['test_bernoulli_seed', 'test_training_dropout', 'test_loop11', 'test_nonzero_example', 'test_relu']);
    const r = await runConformance(NODE_TESTS, { only, backend: 'webgpu', timeoutMs: 60_000 });
    expect(r.map((x) => [x.test, x.status])).toEqual([
      ['test_bernoulli_seed', 'skipped'], ['test_loop11', 'skipped'], ['test_nonzero_example', 'passed'], ['test_relu', 'passed'], ['test_training_dropout', 'failed'],
    ]);
    expect(r[0]!.reason).toBe('webgpu backend: no kernel for bernoulli');
    expect(r[1]!.reason).toMatch(/^webgpu backend: run-time dims \(E205\): /);
    // A random training mask runs (kernels/signal-extra.ts) and cannot match the reference's draws.
    expect(r[4]!.reason).not.toMatch(/E2\d\d/);
  }, 30_000);
});
