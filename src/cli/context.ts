// What a command gets to work with: where to print and the working directory. Commands never
// touch process.stdout or process.exit, so tests run them in process.

import type { CommandSpec, ParsedArgs } from './args.js';

export interface CliIO {
  /** Standard output (results). */
  out(text: string): void;
  /** Standard error (diagnostics, progress). */
  err(text: string): void;
  /** Whether stderr is a terminal (progress redraws in place). */
  readonly errIsTTY?: boolean;
  /** Working directory for relative paths (default: process.cwd()). */
  readonly cwd?: string;
}

export interface CliContext {
  readonly io: CliIO;
  readonly cwd: string;
}

export interface Command {
  readonly spec: CommandSpec;
  /** Returns the exit code. Failures are thrown as TenthError. */
  run(args: ParsedArgs, ctx: CliContext): number | Promise<number>;
}

/** Exit codes, documented in `tenth --help` and the README. */
export const EXIT = {
  ok: 0,
  /** A check ran and found mismatches (or conformance tests failed). */
  checkFailed: 1,
  /** Bad input or usage: a TenthError. */
  error: 2,
  /** An internal error (a bug in tenth). */
  internal: 70,
} as const;
