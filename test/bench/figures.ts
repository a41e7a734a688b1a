// tenth's side of the benchmark, through the library API: import a model, run the pipeline (O2 by
// default), count ops and kernels as `tenth stats` does (src/cli/cmd-stats.ts countOps, fuse's
// countKernels), plan the arena, and run the optimised module on every test_data_set_N against the
// expected outputs.
//
// One difference from `tenth stats`: the arena is planned with the symbolic dims (`batch`, `seq`)
// sized by the model's first data set, where stats sizes them 1 (plan-memory's default-dim) unless
// the pipeline says `plan-memory{bind=batch:2;seq:16}`. A BERT planned for one token says little.

import { basename } from 'node:path';
import type { Module, Region } from '../../ir/ir.js';
import { getOpDef } from '../../ir/op-def.js';
import { verify } from '../../ir/verify.js';
import { formatDiagnostic } from '../../ir/diagnostics.js';
import '../../passes/builtin.js';
import { countKernels } from '../../passes/fuse.js';
import { runPipeline } from '../../passes/manager.js';
import type { TargetProfile } from '../../passes/pass.js';
import { planMemory } from '../../passes/plan-memory.js';
import { listDataSets, loadInputs } from '../../src/check/data-dir.js';
import { runDataDir } from '../../src/check/run-check.js';
import { countOps } from '../../src/cli/cmd-stats.js';
import { importOnnxFile } from '../../src/onnx/import.js';

/** Tolerance of `tenth run --check` (issue 3: results unchanged after O2). */
export const CHECK_TOLERANCE = { rtol: 1e-3, atol: 1e-5 } as const;

/**
 * Tolerance of a `--f16` build's results (as test/backends/webgpu/f16-models.test.ts): f16 storage
 * keeps an 11-bit significand, so each weight and stored activation carries a relative error up to
 * 2^-11 and these add up through the layers.
 */
export const F16_CHECK_TOLERANCE = { rtol: 1e-2, atol: 1.5e-2 } as const;

/** Kernels by name, all functions: a fused op's `name` attribute (`fused:conv-add-clip`), else the op. */
export function kernelsByName(module: Module): Record<string, number> {
  const counts = new Map<string, number>();
  const visit = (region: Region): void => {
    for (const op of region.ops) {
      if (op.name === 'const' || getOpDef(op.name)?.traits.includes('terminator')) continue;
      if (op.name !== 'fused' && op.regions.length > 0) {
        op.regions.forEach(visit);
        continue;
      }
      const a = op.attrs.get('name');
      const key = op.name === 'fused' && a?.kind === 'string' ? `fused:${String(a.value)}` : op.name;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  };
  for (const f of module.funcs) visit(f.body);
  return Object.fromEntries([...counts.keys()].sort().map((k) => [k, counts.get(k)!]));
}

/**
 * Sizes of the main function's symbolic dims as bound by a test-data folder's inputs
 * (`batch` -> 8 when input_0.pb is [8,64] for an argument typed f32[batch,64]).
 */
export function bindingsFromInputs(module: Module, dataDir: string): Map<string, number> {
  const inputs = loadInputs(module, dataDir);
  const bind = new Map<string, number>();
  module.main.args.forEach((arg, k) => {
    const shape = inputs[k]!.tensor.shape;
    (arg.type.shape ?? []).forEach((d, i) => {
      if (typeof d === 'string' && d !== '?' && !bind.has(d)) bind.set(d, shape[i]!);
    });
  });
  return bind;
}

export const median = (xs: readonly number[]): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export interface TenthFigures {
  readonly opsBefore: number;
  readonly opsAfter: number;
  readonly kernels: number;
  readonly kernelsByName: Readonly<Record<string, number>>;
  readonly memory: {
    readonly peakBytes: number;
    readonly lowerBoundBytes: number;
    readonly naiveBytes: number;
    /** Symbol sizes the arena was planned for (`batch:8`), '' when all dims are static. */
    readonly bindings: string;
    /** Where those sizes come from: the first data set's inputs, or plan-memory's default of 1. */
    readonly bindingsFrom: string;
    /** Buffers without a static size (not in the arena). */
    readonly unplanned: number;
  };
  /** Median wall time of the pipeline over `runs` fresh imports (import not included), ms. */
  readonly compileMs: number;
  readonly compileRuns: readonly number[];
  readonly importMs: number;
  readonly check: {
    readonly dataSets: number;
    readonly passed: number;
    readonly maxAbs: number;
    readonly maxRel: number;
    /** First failure, '' when all passed. */
    readonly failure: string;
  };
}

export interface FigureOptions {
  readonly pipeline: string;
  readonly target: TargetProfile;
  readonly runs: number;
}

export function tenthFigures(modelDir: string, modelPath: string, opts: FigureOptions): TenthFigures {
  const importTimes: number[] = [];
  const compileTimes: number[] = [];
  let module: Module | undefined;
  let opsBefore = 0;
  for (let i = 0; i < Math.max(1, opts.runs); i++) {
    const t0 = performance.now();
    const m = importOnnxFile(modelPath);
    importTimes.push(performance.now() - t0);
    opsBefore = countOps(m);
    // verify-each is off while timing; the result is verified once below.
    compileTimes.push(runPipeline(m, opts.pipeline, { target: opts.target, verifyEach: false }).ms);
    module = m;
  }
  const m = module!;
  const diags = verify(m);
  if (diags.length > 0) throw new Error(`IR after '${opts.pipeline}' does not verify:\n${diags.map(formatDiagnostic).join('\n')}`);

  const dataSets = listDataSets(modelDir);
  // Without data, planMemory sizes every symbol 1 (its default-dim).
  const bind = dataSets.length > 0 ? bindingsFromInputs(m, dataSets[0]!) : new Map<string, number>();
  const bindingsFrom = dataSets.length > 0 ? basename(dataSets[0]!) : 'default size 1';
  // Summed over functions, as `tenth stats` does (the importer makes one).
  const plans = m.funcs.map((f) => planMemory(f, { alignment: opts.target.alignment, bind }));
  const sum = (k: 'peak' | 'lowerBound' | 'naive'): number => plans.reduce((n, p) => n + p[k], 0);

  let passed = 0;
  let maxAbs = 0;
  let maxRel = 0;
  let failure = '';
  for (const dir of dataSets) {
    const r = runDataDir(m, dir, { check: true, tolerance: CHECK_TOLERANCE });
    if (r.ok) passed++;
    for (const o of r.outputs) {
      maxAbs = Math.max(maxAbs, o.maxAbs ?? NaN);
      maxRel = Math.max(maxRel, o.maxRel ?? NaN);
      if (!o.ok && failure === '') failure = `${basename(dir)}: ${o.name}: ${o.reason}`;
    }
  }
  return {
    opsBefore,
    opsAfter: countOps(m),
    kernels: m.funcs.reduce((n, f) => n + countKernels(f), 0),
    kernelsByName: kernelsByName(m),
    memory: {
      peakBytes: sum('peak'),
      lowerBoundBytes: sum('lowerBound'),
      naiveBytes: sum('naive'),
      bindings: [...new Set(plans.map((p) => p.bindings).filter((b) => b !== ''))].join(' '),
      bindingsFrom,
      unplanned: plans.reduce((n, p) => n + p.unplanned.length, 0),
    },
    compileMs: median(compileTimes),
    compileRuns: compileTimes,
    importMs: median(importTimes),
    check: { dataSets: dataSets.length, passed, maxAbs, maxRel, failure },
  };
}
