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
  /** Set when the model could not be benchmarked; the other fields are then absent. */
  readonly error?: string;
  readonly tenth?: TenthFigures;
  readonly ort?: NodeCount & { readonly sessionMs: number };
  readonly goals?: {
    readonly kernels: GoalMark;
    readonly memory: GoalMark;
    readonly results: { readonly pass: boolean };
  };
}

/** A ratio goal: `num / den <= limit`. A zero denominator passes only when the numerator is zero too. */
export function ratioGoal(num: number, den: number, limit: number): GoalMark {
  const ratio = den === 0 ? (num === 0 ? 1 : Infinity) : num / den;
  return { ratio, pass: ratio <= limit + 1e-12 };
}

export function goalsOf(t: TenthFigures, ort: NodeCount): NonNullable<ModelReport['goals']> {
  return {
    kernels: ratioGoal(t.kernels, ort.nodes, KERNEL_GOAL),
    memory: ratioGoal(t.memory.peakBytes, t.memory.lowerBoundBytes, MEMORY_GOAL),
    results: { pass: t.check.dataSets > 0 && t.check.passed === t.check.dataSets },
  };
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
    if (!r.tenth || !r.ort || !r.goals) return [r.model, 'ERROR', ...header.slice(2).map(() => '')];
    const t = r.tenth;
    const g = r.goals;
    return [
      r.model,
      String(t.opsBefore),
      String(t.opsAfter),
      String(t.kernels),
      String(r.ort.nodes),
      `${g.kernels.ratio.toFixed(2)} ${mark(g.kernels.pass)}`,
      formatBytes(t.memory.peakBytes),
      formatBytes(t.memory.lowerBoundBytes),
      formatBytes(t.memory.naiveBytes),
      `${g.memory.ratio.toFixed(3)} ${mark(g.memory.pass)}`,
      t.compileMs.toFixed(1),
      `${t.check.passed}/${t.check.dataSets} ${mark(g.results.pass)}`,
    ];
  });
  out.push(formatTable(header, rows));
  out.push('');
  const ok = reports.filter((r) => r.goals);
  const count = (f: (g: NonNullable<ModelReport['goals']>) => boolean): string => `${ok.filter((r) => f(r.goals!)).length}/${reports.length}`;
  out.push(`goals: kernels <= ORT nodes ${count((g) => g.kernels.pass)}; arena peak <= ${MEMORY_GOAL.toFixed(2)}x lower bound ${count((g) => g.memory.pass)}; results unchanged (rtol 1e-3, atol 1e-5) ${count((g) => g.results.pass)}`);
  const notes: string[] = [];
  for (const r of reports) {
    if (r.error) notes.push(`${r.model}: ERROR ${r.error}`);
    if (r.tenth?.memory.bindings) notes.push(`${r.model}: arena planned for ${r.tenth.memory.bindings} (test_data_set_0)`);
    if (r.tenth && r.tenth.memory.unplanned > 0) notes.push(`${r.model}: ${r.tenth.memory.unplanned} buffers without a static size (not in the arena)`);
    if (r.tenth?.check.failure) notes.push(`${r.model}: results differ: ${r.tenth.check.failure}`);
  }
  if (notes.length > 0) out.push(...notes);
  if (ctx.verbose) {
    for (const r of reports) {
      if (!r.tenth || !r.ort) continue;
      out.push('', `${r.model}: compile ms per run ${r.tenth.compileRuns.map((x) => x.toFixed(1)).join(' ')}; import ${r.tenth.importMs.toFixed(1)} ms; ORT session ${r.ort.sessionMs.toFixed(1)} ms`);
      out.push(`  results: max abs ${r.tenth.check.maxAbs.toExponential(2)}, max rel ${r.tenth.check.maxRel.toExponential(2)}`);
      out.push(`  tenth kernels (${r.tenth.kernels}): ${byLine(r.tenth.kernelsByName)}`);
      out.push(`  ORT nodes (${r.ort.nodes}): ${byLine(r.ort.byOp)}`);
    }
  }
  return out.join('\n') + '\n';
}

const byLine = (counts: Readonly<Record<string, number>>): string =>
  Object.keys(counts).map((k) => `${k} ${counts[k]}`).join(', ');

/** The JSON form: per model the figures of `tenth stats --json`, plus ORT's count and the goals. */
export function jsonReport(reports: readonly ModelReport[], ctx: { pipeline: string; target: string; machine: Machine }): string {
  const models = reports.map((r) => {
    if (!r.tenth || !r.ort || !r.goals) return { model: r.model, error: r.error ?? 'unknown error' };
    const t = r.tenth;
    return {
      model: r.model,
      opsBefore: t.opsBefore,
      opsAfter: t.opsAfter,
      kernels: t.kernels,
      memory: { peakBytes: t.memory.peakBytes, lowerBoundBytes: t.memory.lowerBoundBytes, naiveBytes: t.memory.naiveBytes, bindings: t.memory.bindings, unplanned: t.memory.unplanned },
      compileMs: round(t.compileMs),
      compileRunsMs: t.compileRuns.map(round),
      importMs: round(t.importMs),
      kernelsByName: t.kernelsByName,
      check: { ...t.check },
      ort: { nodes: r.ort.nodes, byOp: r.ort.byOp, sessionMs: round(r.ort.sessionMs) },
      goals: r.goals,
    };
  });
  return JSON.stringify({ pipeline: ctx.pipeline, target: ctx.target, machine: ctx.machine, models }, null, 2) + '\n';
}

const round = (x: number): number => Math.round(x * 100) / 100;
