#!/usr/bin/env node
// The `tenth` command line: a thin layer over the library. `main(argv, io)` returns the exit code
// and prints only through `io`, so tests call it in process; the bottom of this file is the real
// process entry.
//
// Errors: a TenthError prints its diagnostics (code, location, message, notes) and exits 2; so does
// a Node system error that escapes (ENOENT, EACCES, ENOSPC, ...: E111 when writing, E102 when
// reading), which is the user's filesystem, not a bug. Any other exception is a bug in tenth:
// 'internal error: ...' and exit 70. --debug adds stack traces.

import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { diag, fail, formatDiagnostic, TenthError } from '../../ir/diagnostics.js';
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
import { isSystemError, systemReason } from '../backends/write-folder.js';

export type { CliIO } from './context.js';

export const COMMANDS: readonly Command[] = [summaryCommand, irCommand, optCommand, runCommand, compileCommand, statsCommand, passesCommand, conformanceCommand, diffCommand, benchCommand, calibrateCommand];

const INTRO = 'tenth: a tensor-graph optimising compiler. ONNX in, a typed SSA IR with a text form, graph optimisation passes, a reference interpreter, WASM-SIMD and WebGPU (WGSL) backends, and a cost report (FLOPs, bytes, roofline time, memory plan) for every compile.';
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

/** System calls that change the filesystem: their failures are E111 (could not be written). */
const WRITE_SYSCALLS = new Set(['write', 'mkdir', 'mkdtemp', 'rename', 'unlink', 'rmdir', 'rm', 'copyfile', 'link', 'symlink', 'chmod', 'ftruncate', 'utime', 'fsync', 'close']);

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
    if (isSystemError(e)) {
      // Escaped past the writers that name their output: still the user's filesystem, not a bug.
      const writing = WRITE_SYSCALLS.has(e.syscall);
      const what = e.path === undefined ? '' : ` ${e.path}`;
      io.err(formatDiagnostic(diag(writing ? 'E111' : 'E102', `cannot ${writing ? 'write' : 'read'}${what}: ${systemReason(e)}`)) + '\n');
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

/**
 * The process's own streams. A reader that goes away (`tenth ir M | head`) is EPIPE: the output is no
 * longer wanted, so the program ends quietly with status 0, as Unix tools do. Any other failure to
 * write standard output (ENOSPC on `>/dev/full`) is E111, exit 2, without a stack trace.
 */
function processIO(): CliIO {
  let closed = false;
  const onError = (stream: 'standard output' | 'standard error') => (e: NodeJS.ErrnoException): void => {
    if (closed) return;
    closed = true;
    if (e.code === 'EPIPE') process.exit(EXIT.ok);
    if (stream === 'standard output') {
      try {
        process.stderr.write(formatDiagnostic(diag('E111', `cannot write ${stream}: ${systemReason(e)}`)) + '\n');
      } catch { /* stderr is gone too: nothing left to tell */ }
    }
    process.exit(EXIT.error);
  };
  process.stdout.on('error', onError('standard output'));
  process.stderr.on('error', onError('standard error'));
  return {
    out: (s) => { if (!closed) process.stdout.write(s); },
    err: (s) => { if (!closed) process.stderr.write(s); },
    errIsTTY: process.stderr.isTTY === true,
  };
}

if (isEntry()) {
  main(process.argv.slice(2), processIO()).then((code) => { process.exitCode = code; });
}
