// The standard instruments: verify-each, print-IR-after (all or changed only), timing. Each is a
// small object of hooks (see Instrument in passes/manager.ts); none of them is code inside a pass.
// Writers are plain functions so the CLI can pass process.stdout/stderr and tests can collect text.
// dump-to-folder lives in passes/instrument-dump.ts (it needs the file system).

import { diag, TenthError, type Diagnostic } from '../ir/diagnostics.js';
import type { Module } from '../ir/ir.js';
import { printModule } from '../ir/printer.js';
import { verify } from '../ir/verify.js';
import type { AfterPassEvent, FailedPassEvent, Instrument, PassEvent } from './manager.js';
import { formatStep } from './pipeline.js';

/** Where instruments write text (one call per block; the text ends with a newline). */
export type Writer = (text: string) => void;

/** `name{opts} (step i of n)`: how instruments label a step. */
export function stepLabel(e: PassEvent): string {
  return `${formatStep({ pass: e.pass, options: e.options })} (step ${e.index + 1} of ${e.count})`;
}

/**
 * Verify the pipeline's input, then the module after every pass. Broken IR stops the pipeline
 * with a TenthError carrying the verifier's diagnostics (their codes, E3xx), each naming the pass.
 */
export function verifyEachInstrument(): Instrument {
  return {
    name: 'verify-each',
    beforePipeline(e) {
      const d = verify(e.module);
      if (d.length > 0) throw new TenthError(d.map((x) => withNote(x, 'the pipeline input does not verify (before any pass ran)')));
    },
    afterPass(e) {
      const d = verify(e.module);
      if (d.length === 0) return;
      const label = stepLabel(e);
      throw new TenthError(d.map((x) => ({
        ...withNote(x, `verify-each: IR invalid after pass ${label}`),
        message: `after pass '${e.pass.name}': ${x.message}`,
      })));
    },
  };
}

function withNote(d: Diagnostic, note: string): Diagnostic {
  return diag(d.code, d.message, d.loc, [...d.notes, note]);
}

export interface PrintIrOptions {
  /** 'all': after every pass; 'changed': only when the printed IR differs from before the pass. */
  readonly mode?: 'all' | 'changed';
  /** Also print the IR (marked as failed) when a pass throws or breaks the IR (default true). */
  readonly onFailure?: boolean;
  /** Print the input before the first pass too (default false). */
  readonly input?: boolean;
}

/** Print the module after passes, each block headed by a comment line naming the step. */
export function printIrAfterInstrument(write: Writer, opts: PrintIrOptions = {}): Instrument {
  const mode = opts.mode ?? 'all';
  let before: string | undefined;
  const block = (header: string, text: string): void => write(`// *** ${header} ***\n${text.endsWith('\n') ? text : `${text}\n`}`);
  return {
    name: mode === 'all' ? 'print-ir-after-all' : 'print-ir-after-change',
    beforePipeline(e) {
      if (opts.input) block('IR before the pipeline', printModule(e.module));
    },
    beforePass(e) {
      if (mode === 'changed') before = printModule(e.module);
    },
    afterPass(e: AfterPassEvent) {
      const text = printModule(e.module);
      if (mode === 'changed' && text === before) return;
      block(`IR after ${stepLabel(e)}${e.result.changed ? '' : ', reported unchanged'}`, text);
    },
    afterPassFailed(e: FailedPassEvent) {
      if (opts.onFailure === false) return;
      block(`IR after FAILED ${stepLabel(e)}`, safePrint(e.module));
    },
  };
}

function safePrint(m: Module): string {
  try {
    return printModule(m);
  } catch (err) {
    return `// (the module could not be printed: ${err instanceof Error ? err.message : String(err)})\n`;
  }
}

export interface TimingRow {
  readonly label: string;
  readonly ms: number;
}

export interface TimingInstrument extends Instrument {
  /** One row per step run so far. */
  readonly rows: readonly TimingRow[];
  /** The table: ms and share per step, then the total. */
  report(): string;
}

/** Time per pass (pass.run only, instrument hooks excluded). Writes the table at the end if `write` is given. */
export function timingInstrument(write?: Writer): TimingInstrument {
  const rows: TimingRow[] = [];
  const report = (): string => formatTiming(rows);
  return {
    name: 'timing',
    rows,
    report,
    beforePipeline() { rows.length = 0; },
    afterPass(e) { rows.push({ label: formatStep({ pass: e.pass, options: e.options }), ms: e.ms }); },
    afterPipeline() { write?.(report()); },
  };
}

export function formatTiming(rows: readonly TimingRow[]): string {
  const total = rows.reduce((s, r) => s + r.ms, 0);
  const pct = (ms: number): string => `${(total > 0 ? (100 * ms) / total : 0).toFixed(1)}%`;
  const msw = Math.max(8, ...rows.map((r) => r.ms.toFixed(3).length), total.toFixed(3).length);
  const line = (ms: number, p: string, label: string): string => `  ${ms.toFixed(3).padStart(msw)}  ${p.padStart(6)}  ${label}`;
  return [
    '// pass timing',
    `  ${'ms'.padStart(msw)}  ${'share'.padStart(6)}  pass`,
    ...rows.map((r) => line(r.ms, pct(r.ms), r.label)),
    line(total, total > 0 ? '100.0%' : '0.0%', 'total'),
    '',
  ].join('\n');
}
