// Goals and printing for the benchmark: one row per model, a PASS/MISS mark per goal (issue 3):
// - kernels after fusion <= onnxruntime's optimised node count (ratio <= 1);
// - arena peak <= 1.10 x the lower bound;
// - results unchanged after the pipeline (every test_data_set_N within rtol 1e-3, atol 1e-5).

import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { NodeCount } from './ort-count.js';
import type { TenthFigures } from './figures.js';

export const KERNEL_GOAL = 1.0;
export const MEMORY_GOAL = 1.1;

export interface GoalMark {
  readonly ratio: number;
  readonly pass: boolean;
}

export interface ModelReport {
  readonly model: string;
  /** tenth's figures, or why they could not be made. */
  readonly tenth?: TenthFigures;
  readonly tenthError?: string;
  /** onnxruntime's count, or why it could not be made. */
  readonly ort?: NodeCount & { readonly sessionMs: number };
  readonly ortError?: string;
}

export interface Goals {
  /** Needs both sides. */
  readonly kernels?: GoalMark;
  readonly memory?: GoalMark;
  /** checked = the model has test data; pass = every data set matched. */
  readonly results?: { readonly checked: boolean; readonly pass: boolean };
}

/** A ratio goal: `num / den <= limit`. A zero denominator passes only when the numerator is zero too. */
export function ratioGoal(num: number, den: number, limit: number): GoalMark {
  const ratio = den === 0 ? (num === 0 ? 1 : Infinity) : num / den;
  // 110 / 100 is 1.1000000000000000888 in binary: allow rounding at the limit.
  return { ratio, pass: ratio <= limit + 1e-12 };
}

export function goalsOf(r: ModelReport): Goals {
  const t = r.tenth;
  return {
    kernels: t && r.ort ? ratioGoal(t.kernels, r.ort.nodes, KERNEL_GOAL) : undefined,
    memory: t ? ratioGoal(t.memory.peakBytes, t.memory.lowerBoundBytes, MEMORY_GOAL) : undefined,
    results: t ? { checked: t.check.dataSets > 0, pass: t.check.passed === t.check.dataSets } : undefined,
  };
}

/** The run succeeds when both sides worked and no checked result changed (figure goals may MISS). */
export function reportOk(r: ModelReport): boolean {
  return r.tenth !== undefined && r.ort !== undefined && goalsOf(r).results?.pass === true;
}

/** 1536 -> '1.50 KiB'; bytes below 1 KiB stay exact. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(2)} KiB`;
  return `${(n / (1024 * 1024)).toFixed(2)} MiB`;
}

const mark = (pass: boolean): string => (pass ? 'PASS' : 'MISS');

/** Left-aligned first column, right-aligned others, columns separated by two spaces. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export interface Machine {
  readonly cpus: number;
  readonly cpu: string;
  readonly node: string;
}

export function machine(): Machine {
  let cpu = 'unknown CPU';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpu = m[1]!.trim();
  } catch {
    // not Linux: keep 'unknown CPU'
  }
  return { cpus: availableParallelism(), cpu, node: process.version };
}

export function formatReport(reports: readonly ModelReport[], ctx: { pipeline: string; target: string; machine: Machine; verbose: boolean }): string {
  const out: string[] = [];
  out.push(`tenth bench: pipeline ${ctx.pipeline}, target ${ctx.target}; onnxruntime-node CPU, graphOptimizationLevel 'all'`);
  out.push(`machine: ${ctx.machine.cpus} CPUs, ${ctx.machine.cpu}, node ${ctx.machine.node}`);
  out.push('');
  const header = ['model', 'ops before', 'ops after', 'kernels', 'ORT nodes', 'kernels/ORT', 'arena peak', 'lower bound', 'naive', 'peak/LB', 'compile ms', 'results'];
  const rows = reports.map((r) => {
    const t = r.tenth;
    const g = goalsOf(r);
    const goal = (m: GoalMark | undefined, digits: number): string => (m ? `${m.ratio.toFixed(digits)} ${mark(m.pass)}` : '-');
    const results = !t ? '-' : !g.results!.checked ? 'no data' : `${t.check.passed}/${t.check.dataSets} ${mark(g.results!.pass)}`;
    return [
      r.model,
      t ? String(t.opsBefore) : 'ERROR',
      t ? String(t.opsAfter) : '-',
      t ? String(t.kernels) : '-',
      r.ort ? String(r.ort.nodes) : 'ERROR',
      goal(g.kernels, 2),
      t ? formatBytes(t.memory.peakBytes) : '-',
      t ? formatBytes(t.memory.lowerBoundBytes) : '-',
      t ? formatBytes(t.memory.naiveBytes) : '-',
      goal(g.memory, 3),
      t ? t.compileMs.toFixed(1) : '-',
      results,
    ];
  });
  out.push(formatTable(header, rows));
  out.push('');
  const goals = reports.map(goalsOf);
  const count = (f: (g: Goals) => boolean | undefined): string => `${goals.filter((g) => f(g) === true).length}/${reports.length}`;
  out.push(`goals met: kernels <= ORT nodes ${count((g) => g.kernels?.pass)}; arena peak <= ${MEMORY_GOAL.toFixed(2)}x lower bound ${count((g) => g.memory?.pass)}; ` +
    `results unchanged (rtol 1e-3, atol 1e-5) ${count((g) => g.results?.checked && g.results.pass)}`);
  for (const r of reports) {
    const t = r.tenth;
    if (r.tenthError) out.push(`${r.model}: tenth: ${r.tenthError}`);
    if (r.ortError) out.push(`${r.model}: onnxruntime: ${r.ortError}`);
    if (t?.memory.bindings) {
      const bind = t.memory.bindings;
      out.push(`${r.model}: arena planned for ${bind} (${t.memory.bindingsFrom}); tenth stats sizes symbols 1 unless given plan-memory{bind=${bind}}`);
    }
    if (t && t.memory.unplanned > 0) out.push(`${r.model}: ${t.memory.unplanned} buffers without a static size (not in the arena)`);
    if (t?.check.failure) out.push(`${r.model}: results differ: ${t.check.failure}`);
  }
  if (ctx.verbose) {
    for (const r of reports) {
      const t = r.tenth;
      out.push('', `${r.model}:`);
      if (t) {
        out.push(`  compile ms per run ${t.compileRuns.map((x) => x.toFixed(1)).join(' ')}; import ${t.importMs.toFixed(1)} ms`);
        if (t.check.dataSets > 0) out.push(`  results: max abs ${t.check.maxAbs.toExponential(2)}, max rel ${t.check.maxRel.toExponential(2)}`);
        out.push(`  tenth kernels (${t.kernels}): ${byLine(t.kernelsByName)}`);
      }
      if (r.ort) out.push(`  ORT nodes (${r.ort.nodes}, session ${r.ort.sessionMs.toFixed(1)} ms): ${byLine(r.ort.byOp)}`);
    }
  }
  return out.join('\n') + '\n';
}

const byLine = (counts: Readonly<Record<string, number>>): string =>
  Object.keys(counts).map((k) => `${k} ${counts[k]}`).join(', ');

/** The JSON form: per model the figures of `tenth stats --json`, plus ORT's count and the goals. */
export function jsonReport(reports: readonly ModelReport[], ctx: { pipeline: string; target: string; machine: Machine }): string {
  const models = reports.map((r) => {
    const t = r.tenth;
    const tenth = t && {
      opsBefore: t.opsBefore,
      opsAfter: t.opsAfter,
      kernels: t.kernels,
      memory: { ...t.memory },
      compileMs: round(t.compileMs),
      compileRunsMs: t.compileRuns.map(round),
      importMs: round(t.importMs),
      kernelsByName: t.kernelsByName,
      check: { ...t.check },
    };
    const ort = r.ort && { nodes: r.ort.nodes, byOp: r.ort.byOp, sessionMs: round(r.ort.sessionMs) };
    return { model: r.model, ...tenth, ort, tenthError: r.tenthError, ortError: r.ortError, goals: goalsOf(r) };
  });
  return JSON.stringify({ pipeline: ctx.pipeline, target: ctx.target, machine: ctx.machine, models }, null, 2) + '\n';
}

const round = (x: number): number => Math.round(x * 100) / 100;
