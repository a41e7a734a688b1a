// `tenth stats`: what a pipeline (default O2) does to a model. Ops before and after (primitive
// compute ops: consts, terminators and the `fused` wrappers themselves are not counted, the ops
// inside fused groups and control-flow bodies are), kernels after fusion (countKernels from the
// fuse pass), the memory plan's arena peak against its lower bound and the naive total, and
// compile time (time spent in passes, verification excluded).

import type { Func, Module, Region } from '../../ir/ir.js';
import { getOpDef } from '../../ir/op-def.js';
import { countKernels } from '../../passes/fuse.js';
import { INTERP_PROFILE, type PipelineResult, resolvePipeline } from '../../passes/index.js';
import { planMemory, planOptionsFrom } from '../../passes/plan-memory.js';
import { INSTRUMENT_OPTIONS, PASSES_OPTION, runPassFlags } from './cmd-passes.js';
import type { Command } from './context.js';
import { loadModule } from './files.js';

export interface Stats {
  readonly opsBefore: number;
  readonly opsAfter: number;
  readonly kernels: number;
  readonly memory: { readonly peakBytes: number; readonly lowerBoundBytes: number; readonly naiveBytes: number };
  readonly compileMs: number;
}

function regionOps(region: Region): number {
  let n = 0;
  for (const op of region.ops) {
    const isTerminator = getOpDef(op.name)?.traits.includes('terminator') ?? false;
    if (op.name !== 'const' && op.name !== 'fused' && !isTerminator) n++;
    for (const r of op.regions) n += regionOps(r);
  }
  return n;
}

/** Primitive compute ops of a module (all functions, nested regions included). */
export function countOps(m: Module): number {
  return m.funcs.reduce((s, f) => s + regionOps(f.body), 0);
}

/** Memory figures: from the last plan-memory step if the pipeline ran one, else planned now. */
function memoryFigures(m: Module, result: PipelineResult): Stats['memory'] {
  const last = [...result.results].reverse().find((r) => r.pass === 'plan-memory');
  if (last) {
    const c = last.counters;
    return { peakBytes: c['peak-bytes'] ?? 0, lowerBoundBytes: c['lower-bound-bytes'] ?? 0, naiveBytes: c['naive-bytes'] ?? 0 };
  }
  const opts = planOptionsFrom({ target: INTERP_PROFILE }, resolvePipeline('plan-memory')[0]!.options);
  const plans = m.funcs.map((f: Func) => planMemory(f, opts));
  return {
    peakBytes: plans.reduce((s, p) => s + p.peak, 0),
    lowerBoundBytes: plans.reduce((s, p) => s + p.lowerBound, 0),
    naiveBytes: plans.reduce((s, p) => s + p.naive, 0),
  };
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / (1024 * 1024)).toFixed(2)} MiB`;
}

/** The symbol sizes plan-memory used (its `mem.bind` annotation on main's terminator), if any. */
function planBindings(m: Module): string | undefined {
  const b = m.funcs[0]?.body.terminator?.attrs.get('mem.bind');
  return b?.kind === 'string' && b.value ? b.value : undefined;
}

export function formatStats(name: string, pipeline: string, s: Stats, bindings?: string): string {
  const ratio = (a: number, b: number): string => (b > 0 ? `${(a / b).toFixed(2)}x` : '-');
  const dims = bindings
    ? [`  dims:     memory planned for ${bindings.replace(/:/g, '=').replace(/;/g, ', ')} (plan-memory{bind=...} sets them)`]
    : [];
  return [
    `${name} (pipeline: ${pipeline || 'none'})`,
    `  ops:      ${s.opsBefore} before, ${s.opsAfter} after`,
    `  kernels:  ${s.kernels}`,
    `  memory:   arena peak ${bytes(s.memory.peakBytes)}, lower bound ${bytes(s.memory.lowerBoundBytes)} ` +
      `(peak ${ratio(s.memory.peakBytes, s.memory.lowerBoundBytes)}), naive total ${bytes(s.memory.naiveBytes)}`,
    ...dims,
    `  compile:  ${s.compileMs.toFixed(1)} ms`,
    '',
  ].join('\n');
}

export const statsCommand: Command = {
  spec: {
    name: 'stats',
    summary: 'Run a pass pipeline (default O2) on a model and print ops, kernels, memory and compile time.',
    details: [
      'ops: compute ops before and after the pipeline (consts and fused-group wrappers not counted);',
      'kernels: what a backend would launch after fusion; memory: arena peak of the memory plan, the',
      'lower bound (largest total of simultaneously live bytes) and the naive total (every buffer',
      'separate), planned with plan-memory defaults when the pipeline has no plan-memory; compile:',
      'milliseconds spent in passes. --json prints exactly',
      '{"opsBefore","opsAfter","kernels","memory":{"peakBytes","lowerBoundBytes","naiveBytes"},"compileMs"}.',
    ].join('\n'),
    positionals: [{ name: 'MODEL', help: 'an ONNX model (.onnx) or IR text (.ir)' }],
    options: [
      { ...PASSES_OPTION, default: 'O2' },
      { name: 'json', kind: 'boolean', help: 'print the figures as one JSON object' },
      ...INSTRUMENT_OPTIONS,
    ],
  },
  async run(args, ctx) {
    const file = args.positionals[0]!;
    const m = await loadModule(ctx.cwd, file);
    const opsBefore = countOps(m);
    const result = runPassFlags(m, args, ctx, 'O2');
    const stats: Stats = {
      opsBefore,
      opsAfter: countOps(m),
      kernels: m.funcs.reduce((s, f) => s + countKernels(f), 0),
      memory: memoryFigures(m, result),
      compileMs: Math.round(result.ms * 100) / 100,
    };
    if (args.options['json'] === true) ctx.io.out(JSON.stringify(stats) + '\n');
    else ctx.io.out(formatStats(m.name, String(args.options['passes']), stats, planBindings(m)));
    return 0;
  },
};
