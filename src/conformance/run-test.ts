// One ONNX backend test, in process: a folder with model.onnx and test_data_set_N/ folders. The
// test passes when every data set's outputs match within the tolerance; anything else (import
// error, runtime error, internal bug, mismatch) fails it with the first reason found. Never throws.

import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { formatDiagnostic, TenthError } from '../../ir/diagnostics.js';
import { verify } from '../../ir/verify.js';
import { ONNX_TOLERANCE, type Tolerance } from '../check/compare.js';
import { dataSetName, listDataSets } from '../check/data-dir.js';
import { runDataDir } from '../check/run-check.js';
import { decodeModel } from '../onnx/decode.js';
import { importOnnxBytes } from '../onnx/import.js';
import { inspectModel } from './classify.js';

export type TestStatus = 'passed' | 'failed' | 'skipped';

export interface TestResult {
  readonly test: string;
  readonly status: TestStatus;
  /** Why it failed or was skipped; null when it passed. */
  readonly reason: string | null;
  /** Distinct op types of the model's graph (for grouping), sorted. */
  readonly opTypes: readonly string[];
}

/** One line describing an error: the first diagnostic (code, place, message) or the internal error. */
export function describeError(e: unknown): string {
  if (e instanceof TenthError) {
    const first = formatDiagnostic(e.diagnostics[0]!).split('\n')[0]!;
    const more = e.diagnostics.length > 1 ? ` (+${e.diagnostics.length - 1} more)` : '';
    return first + more;
  }
  const msg = e instanceof Error ? e.message : String(e);
  return `internal error: ${msg.split('\n')[0]}`;
}

export function runConformanceTest(dir: string, tolerance: Tolerance = ONNX_TOLERANCE): TestResult {
  const test = basename(dir);
  let opTypes: readonly string[] = [];
  const failed = (reason: string): TestResult => ({ test, status: 'failed', reason, opTypes });
  try {
    const file = join(dir, 'model.onnx');
    if (!existsSync(file)) return failed(`no model.onnx in ${dir}`);
    const bytes = readFileSync(file);
    const facts = inspectModel(decodeModel(bytes, 'model.onnx'));
    opTypes = facts.opTypes;
    if (facts.skipReason) return { test, status: 'skipped', reason: facts.skipReason, opTypes };
    const module = importOnnxBytes(bytes, { file: `${test}/model.onnx`, baseDir: dirname(file) });
    const problems = verify(module);
    if (problems.length > 0) return failed(`imported IR does not verify: ${describeError(new TenthError(problems))}`);
    const sets = listDataSets(dir);
    if (sets.length === 0) return failed('no test_data_set_N folders');
    for (const ds of sets) {
      const report = runDataDir(module, ds, { check: true, tolerance });
      const bad = report.outputs.find((o) => !o.ok);
      if (bad) return failed(`${dataSetName(ds)}: output ${bad.index} '${bad.name}': ${bad.reason}`);
    }
    return { test, status: 'passed', reason: null, opTypes };
  } catch (e) {
    return failed(describeError(e));
  }
}
