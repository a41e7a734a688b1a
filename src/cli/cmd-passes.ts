// Pass pipelines on the command line: the flags `opt`, `run` and `stats` share, the helper that
// runs a pipeline with the instruments those flags ask for, and `tenth passes` (the list of passes,
// their options and the named pipelines). Instrument output (IR after passes, timing) goes to
// stderr so that stdout stays the command's result.

import { resolve } from 'node:path';
import type { Module } from '../../ir/ir.js';
import {
  allPasses, dumpToFolderInstrument, namedPipelines, parsePipeline, printIrAfterInstrument, runPipeline, timingInstrument,
  type Instrument, type PipelineResult,
} from '../../passes/index.js';
import type { OptionSpec, ParsedArgs } from './args.js';
import type { CliContext, Command } from './context.js';

export const PASSES_OPTION: OptionSpec = {
  name: 'passes', kind: 'string', arg: 'PIPELINE',
  help: "pass pipeline, e.g. 'O2' or 'fold-constants,cse,fuse{max-ops=16}' (see 'tenth passes')",
};

/** Observation flags for the pipeline (opt has all of them). */
export const INSTRUMENT_OPTIONS: readonly OptionSpec[] = [
  { name: 'print-ir-after-all', kind: 'boolean', help: 'print the IR after every pass (to stderr)' },
  { name: 'print-ir-after-change', kind: 'boolean', help: 'print the IR after each pass that changed it (to stderr)' },
  { name: 'timing', kind: 'boolean', help: 'print a table of time per pass (to stderr)' },
  { name: 'dump-dir', kind: 'string', arg: 'DIR', help: 'write the IR after each pass to DIR/NN-<pass>.ir (DIR/00-input.ir first)' },
  { name: 'no-verify-each', kind: 'boolean', help: 'do not verify the IR before and after every pass' },
];

/** Run --passes (default `fallback`) over `module` with the instruments the flags ask for. */
export function runPassFlags(module: Module, args: ParsedArgs, ctx: CliContext, fallback = ''): PipelineResult {
  const o = args.options;
  const pipeline = typeof o['passes'] === 'string' ? o['passes'] : fallback;
  const instruments: Instrument[] = [];
  const err = (s: string): void => ctx.io.err(s);
  if (o['print-ir-after-all'] === true) instruments.push(printIrAfterInstrument(err, { mode: 'all' }));
  else if (o['print-ir-after-change'] === true) instruments.push(printIrAfterInstrument(err, { mode: 'changed' }));
  if (typeof o['dump-dir'] === 'string') instruments.push(dumpToFolderInstrument(resolve(ctx.cwd, o['dump-dir'])));
  if (o['timing'] === true) instruments.push(timingInstrument(err));
  return runPipeline(module, parsePipeline(pipeline, { file: '--passes' }), { verifyEach: o['no-verify-each'] !== true, instruments });
}

/** `tenth passes`: every pass with its summary and options, then the named pipelines. */
export function formatPassList(): string {
  const lines: string[] = ['Passes:'];
  for (const p of allPasses()) {
    lines.push(`  ${p.name}`, `      ${p.summary}`);
    for (const [name, spec] of Object.entries(p.options).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const type = spec.choices ? spec.choices.join('|') : spec.type;
      lines.push(`      ${name}=${type}  ${spec.summary} (default ${JSON.stringify(spec.default)})`);
    }
  }
  lines.push('', 'Named pipelines (usable inside a pipeline, e.g. O1,fuse):');
  const w = Math.max(...namedPipelines().map((n) => n.name.length));
  for (const n of namedPipelines()) lines.push(`  ${n.name.padEnd(w)}  ${n.pipeline || '(no passes)'}  ${n.summary}`);
  lines.push('', "Pipeline syntax: pass{option=value,option=value},pass,... Quote values with commas: bind=\"n:1\".");
  return lines.join('\n') + '\n';
}

export const passesCommand: Command = {
  spec: {
    name: 'passes',
    summary: 'List every pass with its summary and options, and the named pipelines (O0, O1, O2).',
    positionals: [],
    options: [],
  },
  run(_args, ctx) {
    ctx.io.out(formatPassList());
    return 0;
  },
};
