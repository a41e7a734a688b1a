// One ONNX backend test, in process: a folder with model.onnx and test_data_set_N/ folders. The
// test passes when every data set's outputs match within the tolerance; anything else (import
// error, runtime error, internal bug, mismatch) fails it with the first reason found. Never throws.

import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { formatDiagnostic, TenthError } from '../../ir/diagnostics.js';
import { verify } from '../../ir/verify.js';
import { ONNX_TOLERANCE, type Tolerance } from '../check/compare.js';
import { dataSetName, listDataSets } from '../check/data-dir.js';
import { runDataDir, type RunReport } from '../check/run-check.js';
import type { Module } from '../../ir/ir.js';
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

/** A test folder loaded, classified and imported, ready to run on some backend. */
export interface PreparedTest {
  readonly test: string;
  readonly opTypes: readonly string[];
  readonly module: Module;
  readonly sets: readonly string[];
  /** A failed result for this test. */
  failed(reason: string): TestResult;
}

/**
 * Everything a backend's test run shares: read model.onnx, apply the scope rules (skipped), import
 * it and list the data sets. Returns a decided TestResult when the test ends before running.
 */
export function prepareTest(dir: string): PreparedTest | TestResult {
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
    const sets = listDataSets(dir);
    if (sets.length === 0) return failed('no test_data_set_N folders');
    return { test, opTypes, module, sets, failed };
  } catch (e) {
    return failed(describeError(e));
  }
}

export const isPrepared = (p: PreparedTest | TestResult): p is PreparedTest => 'module' in p;

/** A failed result naming the first mismatching output of one data set's report, or null if all match. */
export function judgeReport(p: PreparedTest, r: RunReport): TestResult | null {
  const bad = r.outputs.find((o) => !o.ok);
  return bad ? p.failed(`${dataSetName(r.dataDir)}: output ${bad.index} '${bad.name}': ${bad.reason}`) : null;
}

export function runConformanceTest(dir: string, tolerance: Tolerance = ONNX_TOLERANCE): TestResult {
  const p = prepareTest(dir);
  if (!isPrepared(p)) return p;
  try {
    const problems = verify(p.module);
    if (problems.length > 0) return p.failed(`imported IR does not verify: ${describeError(new TenthError(problems))}`);
    for (const ds of p.sets) {
      const bad = judgeReport(p, runDataDir(p.module, ds, { check: true, tolerance }));
      if (bad) return bad;
    }
    return { test: p.test, status: 'passed', reason: null, opTypes: p.opTypes };
  } catch (e) {
    return p.failed(describeError(e));
  }
}
