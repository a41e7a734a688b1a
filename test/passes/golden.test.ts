// Runs every test/passes/*.ir golden file (format in test/passes/filecheck.ts): each case is parsed,
// run through its RUN pipeline with verify-each on, printed and matched against its CHECK lines,
// or must fail with its EXPECT-ERROR code. One vitest test per case, named by file, case index and
// line. The printed output must parse back to the same text. When the last pass of a pipeline is plan-memory, the independent checker
// (test/passes/memory-checker.ts) must also accept every function's plan.

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic, TenthError } from '../../ir/diagnostics.js';
import type { Module } from '../../ir/ir.js';
import { parseModule } from '../../ir/parser.js';
import { printModule } from '../../ir/printer.js';
import { runPipeline, type PipelineResult } from '../../passes/index.js';
import { checkMemoryPlan } from './memory-checker.js';
import { fileCheck, numbered, parseGoldenFile, type GoldenCase } from './filecheck.js';

const here = dirname(fileURLToPath(import.meta.url));
const files = readdirSync(here).filter((f) => f.endsWith('.ir')).sort();

describe('golden files exist', () => {
  it('finds the pass goldens', () => {
    expect(files.length).toBeGreaterThan(0);
  });
});

for (const file of files) {
  const cases = parseGoldenFile(readFileSync(join(here, file), 'utf8'), file);
  describe(file, () => {
    for (const c of cases) {
      it(`case ${c.index} (line ${c.line}): ${c.run}`, () => runCase(file, c));
    }
  });
}

type Outcome = { ok: true; output: string; result: PipelineResult; module: Module } | { ok: false; error: TenthError };

function execute(file: string, c: GoldenCase): Outcome {
  try {
    const m = parseModule(c.source, { file });
    const result = runPipeline(m, c.run, { verifyEach: true });
    return { ok: true, output: printModule(m), result, module: m };
  } catch (e) {
    if (e instanceof TenthError) return { ok: false, error: e };
    throw e;
  }
}

function runCase(file: string, c: GoldenCase): void {
  const out = execute(file, c);
  const where = (line: number): string => `${file}:${line}`;
  if (c.expectError) {
    const want = c.expectError;
    if (out.ok) {
      throw new Error(`${where(want.line)}: expected error ${want.code}, but '${c.run}' succeeded; output:\n${numbered(out.output)}`);
    }
    const codes = out.error.diagnostics.map((d) => d.code as string);
    const text = out.error.diagnostics.map(formatDiagnostic).join('\n');
    if (!codes.includes(want.code) || (want.text !== '' && !text.includes(want.text))) {
      throw new Error(`${where(want.line)}: expected error ${want.code}${want.text ? ` containing '${want.text}'` : ''}, got:\n${text}`);
    }
    return;
  }
  if (!out.ok) {
    throw new Error(`${where(c.runLine)}: '${c.run}' failed:\n${out.error.diagnostics.map(formatDiagnostic).join('\n')}`);
  }
  const failure = fileCheck(out.output, c.checks);
  if (failure) {
    throw new Error(
      `${where(failure.check.line)}: ${failure.check.kind}: ${failure.check.text}\n  ${failure.message}\n` +
        `output after '${c.run}':\n${numbered(out.output)}`,
    );
  }
  checkPlans(file, c, out.result, out.module);
  // What `tenth opt` prints must read back (annotations, fused regions included) to the same text.
  const again = printModule(parseModule(out.output, { file: 'output.ir' }));
  if (again !== out.output) {
    throw new Error(`${where(c.line)}: the output of '${c.run}' does not print back the same after parsing:\n${numbered(again)}`);
  }
}

/** The independent memory-plan checker, when plan-memory ran last (later passes would invalidate its plan). */
function checkPlans(file: string, c: GoldenCase, result: PipelineResult, m: Module): void {
  const lastStep = result.results[result.results.length - 1];
  if (lastStep?.pass !== 'plan-memory') return;
  const o = lastStep.options;
  const bind = Object.fromEntries(
    String(o['bind'] ?? '').split(';').filter((s) => s.trim() !== '').map((s) => [s.split(':')[0]!.trim(), Number(s.split(':')[1])]),
  );
  for (const f of m.funcs) {
    const report = checkMemoryPlan(f, { bind, defaultDim: Number(o['default-dim'] ?? 1) });
    expect(report.problems, `${file}:${c.line}: memory plan of @${f.name}`).toEqual([]);
  }
}

// The harness itself: FileCheck semantics and the file format, on hand-written outputs.
describe('FileCheck', () => {
  const out = ['module @m {', '  func @main() {', '    %a = add(%x, %y)', '    %b = mul(%a, %a)', '    return %b', '  }', '  func @g() {', '    %c = neg(%x)', '  }', '}'].join('\n');
  const checks = (lines: string): ReturnType<typeof parseGoldenFile>[number]['checks'] =>
    parseGoldenFile(`// RUN: dce\nmodule @m {}\n${lines}`, 't.ir')[0]!.checks;
  const run = (lines: string): string | undefined => {
    const f = fileCheck(out, checks(lines));
    return f && `${f.check.line}: ${f.message}`;
  };

  it('CHECK finds lines in order; CHECK-NEXT needs the very next line', () => {
    expect(run('// CHECK: add\n// CHECK-NEXT: mul(%a,   %a)\n// CHECK-NEXT: return')).toBeUndefined();
    expect(run('// CHECK: mul\n// CHECK: add')).toBe('4: CHECK not found in output lines 5..10');
    expect(run('// CHECK: add\n// CHECK-NEXT: return')).toBe('4: CHECK-NEXT expected on output line 4, found: %b = mul(%a, %a)');
    expect(run('// CHECK-NEXT: module')).toBe('3: CHECK-NEXT without a previous match');
  });

  it('CHECK-NOT holds between the surrounding matches, or to the end', () => {
    expect(run('// CHECK: add\n// CHECK-NOT: neg\n// CHECK: return')).toBeUndefined();
    expect(run('// CHECK: add\n// CHECK-NOT: mul\n// CHECK: return')).toBe('4: CHECK-NOT text found on output line 4: %b = mul(%a, %a)');
    expect(run('// CHECK: return\n// CHECK-NOT: neg')).toBe('4: CHECK-NOT text found on output line 8: %c = neg(%x)');
    expect(run('// CHECK-NOT: sub')).toBeUndefined();
  });

  it('CHECK-LABEL splits the output: checks cannot cross into the next label block', () => {
    expect(run('// CHECK-LABEL: func @main\n// CHECK: return\n// CHECK-LABEL: func @g\n// CHECK: neg')).toBeUndefined();
    expect(run('// CHECK-LABEL: func @main\n// CHECK: neg\n// CHECK-LABEL: func @g')).toBe('4: CHECK not found in output lines 3..6 (before the next CHECK-LABEL)');
    expect(run('// CHECK-LABEL: func @main\n// CHECK-NOT: neg\n// CHECK-LABEL: func @g')).toBeUndefined();
    expect(run('// CHECK-LABEL: func @g\n// CHECK-LABEL: func @main')).toBe('4: CHECK-LABEL not found at or after output line 8');
  });

  it('splits cases, inherits the file RUN line, keeps file line numbers', () => {
    const text = [
      '// RUN: cse', 'module @m {}', '// CHECK: a', '// -----', '// RUN: dce{x=1}', 'module @n {}', '// EXPECT-ERROR: E108 unknown option', '// -----', 'module @o {}', '// CHECK-NOT: b',
    ].join('\n');
    const cs = parseGoldenFile(text, 't.ir');
    expect(cs.map((c) => [c.index, c.line, c.run, c.runLine])).toEqual([[1, 1, 'cse', 1], [2, 5, 'dce{x=1}', 5], [3, 9, 'cse', 1]]);
    expect(cs[1]!.expectError).toEqual({ code: 'E108', text: 'unknown option', line: 7 });
    expect(cs[2]!.checks).toEqual([{ kind: 'CHECK-NOT', text: 'b', line: 10 }]);
    expect(cs[2]!.source.split('\n')[8]).toBe('module @o {}');
  });

  it('rejects malformed golden files', () => {
    expect(() => parseGoldenFile('module @m {}\n// CHECK: x', 't.ir')).toThrow(/no '\/\/ RUN: <pipeline>' line/);
    expect(() => parseGoldenFile('// RUN: dce\nmodule @m {}', 't.ir')).toThrow(/t\.ir:1: case has no CHECK or EXPECT-ERROR line/);
    expect(() => parseGoldenFile('// RUN: dce\nmodule @m {}\n// CHECK-NXT: x', 't.ir')).toThrow(/t\.ir:3: unknown directive/);
    expect(() => parseGoldenFile('// RUN: dce\nmodule @m {}\n// CHECK: x\n// EXPECT-ERROR: E101', 't.ir')).toThrow(/cannot be combined/);
  });
});
