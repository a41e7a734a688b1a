// Commands that load one module and print something about it: summary, ir, opt.

import { fail } from '../../ir/diagnostics.js';
import { printModule } from '../../ir/printer.js';
import { verifyOrThrow } from '../../ir/verify.js';
import type { ParsedArgs } from './args.js';
import type { CliContext, Command } from './context.js';
import { loadModule, writeFileAtomic } from './files.js';
import { formatSummary, summarizeModule } from './summary.js';
import { resolve } from 'node:path';

const OUTPUT_OPTION = { name: 'output', short: 'o', kind: 'string', arg: 'FILE', help: 'write to FILE instead of standard output' } as const;

/** Print to stdout or write the -o file atomically. */
function emit(args: ParsedArgs, ctx: CliContext, text: string): void {
  const out = args.options['output'];
  if (typeof out === 'string') writeFileAtomic(resolve(ctx.cwd, out), text);
  else ctx.io.out(text);
}

export const summaryCommand: Command = {
  spec: {
    name: 'summary',
    summary: 'Import a model and print a short summary: inputs, outputs, op counts, weights.',
    positionals: [{ name: 'MODEL', help: 'an ONNX model (.onnx) or IR text (.ir)' }],
    options: [{ name: 'json', kind: 'boolean', help: 'print the summary as JSON' }],
  },
  async run(args, ctx) {
    const s = summarizeModule(await loadModule(ctx.cwd, args.positionals[0]!));
    ctx.io.out(args.options['json'] ? JSON.stringify(s, null, 2) + '\n' : formatSummary(s));
    return 0;
  },
};

export const irCommand: Command = {
  spec: {
    name: 'ir',
    summary: 'Import an ONNX model and print its IR text.',
    positionals: [{ name: 'MODEL', help: 'an ONNX model (.onnx) or IR text (.ir)' }],
    options: [OUTPUT_OPTION],
  },
  async run(args, ctx) {
    emit(args, ctx, printModule(await loadModule(ctx.cwd, args.positionals[0]!)));
    return 0;
  },
};

export const optCommand: Command = {
  spec: {
    name: 'opt',
    summary: 'Read IR text (or import ONNX), verify it, and print it back.',
    details: 'Pass pipelines (--passes) are accepted by name but not yet available: no passes are registered.',
    positionals: [{ name: 'INPUT', help: 'IR text (.ir) or an ONNX model (.onnx)' }],
    options: [
      OUTPUT_OPTION,
      { name: 'passes', kind: 'string', arg: 'PIPELINE', help: 'pass pipeline to run (not yet available)' },
    ],
  },
  async run(args, ctx) {
    if (args.options['passes'] !== undefined) {
      fail('E108', `--passes: pass pipelines are not yet available (no passes are registered); got '${String(args.options['passes'])}'`);
    }
    const m = await loadModule(ctx.cwd, args.positionals[0]!);
    verifyOrThrow(m);
    emit(args, ctx, printModule(m));
    return 0;
  },
};
