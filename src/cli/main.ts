#!/usr/bin/env node
// The `tenth` command line: a thin layer over the library. `main(argv, io)` returns the exit code
// and prints only through `io`, so tests call it in process; the bottom of this file is the real
// process entry.
//
// Errors: a TenthError prints its diagnostics (code, location, message, notes) and exits 2; any
// other exception is a bug in tenth: 'internal error: ...' and exit 70. --debug adds stack traces.

import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fail, formatDiagnostic, TenthError } from '../../ir/diagnostics.js';
import { commandHelp, mainHelp, parseArgs } from './args.js';
import { compileCommand } from './cmd-compile.js';
import { conformanceCommand } from './cmd-conformance.js';
import { diffCommand } from './cmd-diff.js';
import { benchCommand, calibrateCommand } from './cmd-bench.js';
import { irCommand, optCommand, summaryCommand } from './cmd-model.js';
import { runCommand } from './cmd-run.js';
import { passesCommand } from './cmd-passes.js';
import { statsCommand } from './cmd-stats.js';
import { type CliIO, type Command, EXIT } from './context.js';

export type { CliIO } from './context.js';

export const COMMANDS: readonly Command[] = [summaryCommand, irCommand, optCommand, runCommand, compileCommand, statsCommand, passesCommand, conformanceCommand, diffCommand, benchCommand, calibrateCommand];

const INTRO = 'tenth: a tensor-graph optimising compiler. ONNX in, a typed SSA IR with a text form, graph optimisation passes, a reference interpreter, a WASM-SIMD backend.';
const OUTRO = [
  'Exit status: 0 success, 1 a check found mismatches, 2 bad input or usage (error with a stable code',
  'such as E101), 70 internal error (a bug in tenth; rerun with --debug for the stack trace).',
].join('\n');

export function version(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const p = join(dir, 'package.json');
    if (existsSync(p)) {
      const pkg = JSON.parse(readFileSync(p, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'tenth') return pkg.version ?? '0.0.0';
    }
    dir = dirname(dir);
  }
  return '0.0.0';
}

async function dispatch(argv: readonly string[], io: CliIO, cwd: string): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    if (name === 'help' && rest[0]) return dispatch([rest[0], '--help'], io, cwd);
    const help = mainHelp(COMMANDS.map((c) => c.spec), INTRO, OUTRO);
    // No command at all is a usage error: help goes to stderr and the exit status says so.
    if (name === undefined) { io.err(help); return EXIT.error; }
    io.out(help);
    return EXIT.ok;
  }
  if (name === '--version') {
    io.out(`tenth ${version()}\n`);
    return EXIT.ok;
  }
  const cmd = COMMANDS.find((c) => c.spec.name === name);
  if (!cmd) {
    const names = COMMANDS.map((c) => c.spec.name).join(', ');
    fail('E108', `unknown command '${name}'`, undefined, [`commands: ${names}`, "run 'tenth --help' for usage"]);
  }
  const args = parseArgs(cmd.spec, rest);
  if (args.options['help'] === true) {
    io.out(commandHelp(cmd.spec));
    return EXIT.ok;
  }
  return cmd.run(args, { io, cwd });
}

/** Run the CLI with arguments (without `node` and the script) and return the exit code. */
export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  const debug = argv.includes('--debug');
  try {
    return await dispatch(argv, io, io.cwd ?? process.cwd());
  } catch (e) {
    if (e instanceof TenthError) {
      io.err(e.diagnostics.map(formatDiagnostic).join('\n') + '\n');
      if (debug && e.stack) io.err(`${e.stack}\n`);
      return EXIT.error;
    }
    const err = e instanceof Error ? e : new Error(String(e));
    io.err(`internal error: ${err.message}\n`);
    io.err(debug && err.stack ? `${err.stack}\n` : 'this is a bug in tenth; rerun with --debug for the stack trace\n');
    return EXIT.internal;
  }
}

/** Is this module the script node was started with (directly, through tsx, or via the bin link)? */
function isEntry(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntry()) {
  const io: CliIO = {
    out: (s) => { process.stdout.write(s); },
    err: (s) => { process.stderr.write(s); },
    errIsTTY: process.stderr.isTTY === true,
  };
  main(process.argv.slice(2), io).then((code) => { process.exitCode = code; });
}
