// Commands that load one module and print something about it: summary, ir, opt.

import type { Module } from '../../ir/ir.js';
import { printModule } from '../../ir/printer.js';
import type { ParsedArgs } from './args.js';
import type { CliContext, Command } from './context.js';
import { loadModule, writeFileAtomic } from './files.js';
import { INSTRUMENT_OPTIONS, PASSES_OPTION, runPassFlags } from './cmd-passes.js';
import { formatSummary, summarizeModule } from './summary.js';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';

const OUTPUT_OPTION = { name: 'output', short: 'o', kind: 'string', arg: 'FILE', help: 'write to FILE instead of standard output' } as const;

/** Print to stdout or write the -o file atomically. */
function emit(args: ParsedArgs, ctx: CliContext, text: string): void {
  const out = args.options['output'];
  if (typeof out === 'string') writeFileAtomic(resolve(ctx.cwd, out), text);
  else ctx.io.out(text);
}

/**
 * Print a module so that its file-backed weights resolve from where the text goes: paths are
 * rebased to the folder of the -o file, or to the working directory for standard output.
 */
function emitModule(args: ParsedArgs, ctx: CliContext, m: Module): void {
  const out = args.options['output'];
  const toDir = typeof out === 'string' ? dirname(resolve(ctx.cwd, out)) : ctx.cwd;
  const fromDir = m.store?.baseDir;
  const weightPath = fromDir === undefined ? undefined : (p: string): string => {
    const abs = resolve(fromDir, p);
    const rel = relative(toDir, abs);
    return (rel === '' || isAbsolute(rel) ? abs : rel).split(sep).join('/');
  };
  emit(args, ctx, printModule(m, { weightPath }));
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
    emitModule(args, ctx, await loadModule(ctx.cwd, args.positionals[0]!));
    return 0;
  },
};

export const optCommand: Command = {
  spec: {
    name: 'opt',
    summary: 'Read IR text (or import ONNX), run a pass pipeline, and print the result as IR text.',
    details: [
      "PIPELINE is a comma-separated list of passes with options, e.g. 'fold-constants,cse,fuse{max-ops=16}',",
      "and may use the named pipelines O0, O1, O2 ('O1,fuse'); 'tenth passes' lists them all. Without",
      '--passes the input is verified and printed back. The IR is verified before and after every pass',
      '(--no-verify-each turns that off, also on the input: IR a broken pass wrote can be read back);',
      'a pass that breaks it is named in the error.',
    ].join('\n'),
    positionals: [{ name: 'INPUT', help: 'IR text (.ir) or an ONNX model (.onnx)' }],
    options: [OUTPUT_OPTION, PASSES_OPTION, ...INSTRUMENT_OPTIONS],
  },
  async run(args, ctx) {
    const m = await loadModule(ctx.cwd, args.positionals[0]!, { verify: args.options['no-verify-each'] !== true });
    runPassFlags(m, args, ctx);
    emitModule(args, ctx, m);
    return 0;
  },
};
