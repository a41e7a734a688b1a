#!/usr/bin/env node
// Runs the vitest suite and prints the closing line CI reads: `N passed, N failed, N skipped`.
// Exit status is vitest's.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'tenth-vitest-'));
const report = join(dir, 'report.json');
const args = ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)];
const r = spawnSync('npx', args, { stdio: 'inherit' });
let passed = 0, failed = 0, skipped = 0;
try {
  const j = JSON.parse(readFileSync(report, 'utf8'));
  passed = j.numPassedTests ?? 0;
  failed = (j.numFailedTests ?? 0) + (j.numFailedTestSuites ?? 0) - countSuiteFailuresWithTests(j);
  skipped = (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0);
} catch {
  failed = Math.max(1, failed);
}
rmSync(dir, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(r.status ?? 1);

/** Suites that failed only because a test in them failed are already counted via numFailedTests. */
function countSuiteFailuresWithTests(j) {
  let n = 0;
  for (const s of j.testResults ?? []) {
    if (s.status === 'failed' && (s.assertionResults ?? []).some((a) => a.status === 'failed')) n++;
  }
  return n;
}
