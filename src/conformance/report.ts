// Reports over conformance results: grouping tests by ONNX op, the per-op table, the closing
// count line CI reads, and the JSON form. All output is sorted, so two runs with the same results
// print the same bytes.

import type { TestResult, TestStatus } from './run-test.js';

export interface Counts { passed: number; failed: number; skipped: number }

export function countResults(results: readonly TestResult[]): Counts {
  const c: Counts = { passed: 0, failed: 0, skipped: 0 };
  for (const r of results) c[r.status]++;
  return c;
}

/** The closing line: `N passed, N failed, N skipped`. */
export const countLine = (c: Counts): string => `${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`;

const squash = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]/g, '');
const stripDomain = (op: string): string => op.slice(op.lastIndexOf(':') + 1);

/**
 * The ONNX op a test is about. A single-op model names it directly. Expanded tests
 * (`test_softmax_example_expanded`) and multi-node tests are matched by name against every op
 * type seen in the run, longest match first; what still matches nothing is grouped under the
 * first word of the test name.
 */
export function groupTests(results: readonly TestResult[]): Map<string, string> {
  const known = new Set<string>();
  for (const r of results) for (const op of r.opTypes) known.add(op);
  const candidates = [...known].sort((a, b) => squash(stripDomain(b)).length - squash(stripDomain(a)).length || (a < b ? -1 : 1));
  const out = new Map<string, string>();
  for (const r of results) {
    const ops = r.opTypes.filter((o) => o !== 'Constant');
    const name = squash(r.test.replace(/^test_/, ''));
    let group: string | undefined;
    if (ops.length === 1) group = ops[0];
    else if (r.opTypes.length === 1) group = r.opTypes[0];
    group ??= candidates.find((op) => name.startsWith(squash(stripDomain(op))));
    group ??= r.test.replace(/^test_/, '').split('_')[0] ?? r.test;
    out.set(r.test, group);
  }
  return out;
}

function pad(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd());
}

/** Per-op table: op, passed, failed, skipped, total; ops sorted by name; a total row last. */
export function opTable(results: readonly TestResult[]): string[] {
  const groups = groupTests(results);
  const byOp = new Map<string, Counts>();
  for (const r of results) {
    const g = groups.get(r.test)!;
    const c = byOp.get(g) ?? { passed: 0, failed: 0, skipped: 0 };
    c[r.status]++;
    byOp.set(g, c);
  }
  const ops = [...byOp.keys()].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0));
  const row = (name: string, c: Counts): string[] =>
    [name, String(c.passed), String(c.failed), String(c.skipped), String(c.passed + c.failed + c.skipped)];
  return pad([['op', 'passed', 'failed', 'skipped', 'total'], ...ops.map((op) => row(op, byOp.get(op)!)), row('(all)', countResults(results))]);
}

/** Text report: failures (and skips if asked) with reasons, the per-op table, then the count line. */
export function formatReport(results: readonly TestResult[], opts: { showSkipped?: boolean; maxReason?: number } = {}): string {
  const max = opts.maxReason ?? 300;
  const clip = (s: string): string => (s.length > max ? `${s.slice(0, max - 3)}...` : s);
  const lines: string[] = [];
  const section = (status: TestStatus, title: string): void => {
    const rs = results.filter((r) => r.status === status);
    if (rs.length === 0) return;
    lines.push(`${title} (${rs.length}):`, ...rs.map((r) => `  ${r.test}: ${clip(r.reason ?? '')}`), '');
  };
  section('failed', 'Failed');
  if (opts.showSkipped) section('skipped', 'Skipped');
  if (results.length > 0) lines.push(...opTable(results), '');
  lines.push(countLine(countResults(results)));
  return lines.join('\n') + '\n';
}

/** JSON report: {"results":[{test,status,reason}], "summary":{passed,failed,skipped}}. */
export function jsonReport(results: readonly TestResult[]): string {
  const groups = groupTests(results);
  return JSON.stringify({
    results: results.map((r) => ({ test: r.test, status: r.status, reason: r.reason, op: groups.get(r.test) })),
    summary: countResults(results),
  }, null, 2) + '\n';
}
