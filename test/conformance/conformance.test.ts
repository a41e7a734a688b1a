// ONNX backend node tests through importer + interpreter. test/conformance/passing.txt lists the
// tests known to pass (regenerate with `npm run conformance -- --list-passing
// test/conformance/passing.txt`, and review the diff): every one of them must still pass.
// The data lives beside the repository in ../shared; without it this test fails, it never skips.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runConformance } from '../../src/conformance/runner.js';
import { REPO, SHARED } from '../cli/helpers.js';

const NODE_TESTS = join(SHARED, 'onnx-backend-tests', 'node');
const LIST = join(REPO, 'test', 'conformance', 'passing.txt');

describe('ONNX backend node tests', () => {
  it('every test in passing.txt still passes', async () => {
    if (!existsSync(NODE_TESTS)) throw new Error(`conformance data not found at ${NODE_TESTS} (expected ../shared beside the repository)`);
    const listed = readFileSync(LIST, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    expect(listed.length).toBeGreaterThan(1000);
    const results = await runConformance(NODE_TESTS, { only: new Set(listed), timeoutMs: 60_000 });
    // Every listed test must exist: a renamed or deleted folder is a failure too.
    expect(results.map((r) => r.test)).toEqual([...listed].sort());
    const broken = results.filter((r) => r.status !== 'passed').map((r) => `${r.test}: ${r.status}: ${r.reason}`);
    expect(broken).toEqual([]);
  }, 300_000);
});

/** Known failures in the other backend-test folders (none today; add one only with its reason). */
const KNOWN_FAILING = new Set<string>([]);

describe('ONNX backend model tests', () => {
  for (const folder of ['simple', 'pytorch-converted', 'pytorch-operator']) {
    it(`every in-scope test in ${folder} passes`, async () => {
      const root = join(SHARED, 'onnx-backend-tests', folder);
      if (!existsSync(root)) throw new Error(`conformance data not found at ${root}`);
      const results = await runConformance(root, { timeoutMs: 60_000 });
      expect(results.length).toBeGreaterThan(20);
      const broken = results
        .filter((r) => r.status === 'failed' && !KNOWN_FAILING.has(`${folder}/${r.test}`))
        .map((r) => `${r.test}: ${r.reason}`);
      expect(broken).toEqual([]);
    }, 300_000);
  }
});
