// The shared semantic property for passes: on random well-typed modules (arbModuleWithInputs, or
// any arbitrary of modules with inputs you pass), the interpreter gives the same results before
// and after the pipeline (run with verify-each). Bitwise by default (identical bits, NaN payloads
// included); with rtol/atol given, |after - before| <= atol + rtol * |before| elementwise (NaN
// must stay NaN, infinities must stay equal). Modules whose run fails before the pipeline (a
// runtime diagnostic) are not compared, but the pipeline must still succeed on them.
// A failure message holds the pipeline, the first difference and the printed module before and
// after, and fast-check shrinks the module first.

import fc from 'fast-check';
import { formatDiagnostic, TenthError } from '../../ir/diagnostics.js';
import { interpret } from '../../ir/interp.js';
import { printModule } from '../../ir/printer.js';
import { encodeBytes, toNumbers, type Tensor } from '../../ir/tensor.js';
import { formatPipeline, runPipeline, type PipelineStep, type RunPipelineOptions } from '../../passes/index.js';
import { arbModuleWithInputs, type GenOptions, type ModuleWithInputs } from '../gen/random-module.js';

export interface PreservesOptions {
  /** Compare bits exactly (default: true unless rtol or atol is given). */
  readonly bitwise?: boolean;
  readonly rtol?: number;
  readonly atol?: number;
  /** fast-check runs (default 100). */
  readonly numRuns?: number;
  /** Options for arbModuleWithInputs. */
  readonly genOptions?: GenOptions;
  /** Use this generator instead of arbModuleWithInputs (targeted patterns for your pass). */
  readonly arbitrary?: fc.Arbitrary<ModuleWithInputs>;
  /** Seed for reproducing a failure (fast-check prints it). */
  readonly seed?: number;
  /** Target profile etc. for runPipeline (verifyEach is always on). */
  readonly run?: Omit<RunPipelineOptions, 'verifyEach'>;
  /**
   * Time spent shrinking a counterexample before the smallest one so far is reported (default
   * 10000 ms). Shrinking generator-built modules can go on for minutes without getting smaller.
   */
  readonly shrinkMs?: number;
  /** Extra check on each module after the pipeline (e.g. a counter must be > 0). */
  readonly after?: (x: ModuleWithInputs, counters: Readonly<Record<string, number>>) => void;
}

/** fast-check property: `pipeline` keeps the interpreter's results (throws on the first counterexample). */
export function checkPreservesSemantics(pipeline: string | readonly PipelineStep[], opts: PreservesOptions = {}): void {
  const arb = opts.arbitrary ?? arbModuleWithInputs(opts.genOptions);
  const shrinkMs = opts.shrinkMs ?? 10_000;
  let firstFailure: number | undefined;
  let lastError: unknown;
  const details = fc.check(
    fc.property(arb, (x) => {
      // Past the shrink budget every further candidate "passes", so fast-check stops shrinking
      // and the last failure is the smallest module found.
      if (firstFailure !== undefined && performance.now() - firstFailure > shrinkMs) return;
      try {
        checkOne(pipeline, x, opts);
      } catch (e) {
        firstFailure ??= performance.now();
        lastError = e;
        throw e;
      }
    }),
    { numRuns: opts.numRuns ?? 100, ...(opts.seed !== undefined ? { seed: opts.seed } : {}) },
  );
  if (!details.failed) return;
  // Our own message: fast-check's would show the module object after the pipeline mutated it.
  const msg = lastError instanceof Error ? lastError.message : String(lastError ?? details.errorInstance);
  const where = `fast-check: failed after ${details.numRuns} runs, shrunk ${details.numShrinks} times; reproduce with seed ${details.seed}, path "${details.counterexamplePath}"`;
  const err = new Error(`${msg}\n\n${where}`);
  if (lastError instanceof Error && !(lastError.message.startsWith('pipeline '))) err.cause = lastError;
  throw err;
}

/** The property on one module (mutated in place). Returns the summed counters. */
export function checkOne(pipeline: string | readonly PipelineStep[], x: ModuleWithInputs, opts: PreservesOptions = {}): Readonly<Record<string, number>> {
  const { module, inputs } = x;
  const label = typeof pipeline === 'string' ? pipeline : formatPipeline(pipeline);
  const beforeText = printModule(module);
  const before = tryInterpret(module, inputs);
  let counters: Readonly<Record<string, number>>;
  try {
    counters = runPipeline(module, pipeline, { ...opts.run, verifyEach: true }).counters;
  } catch (e) {
    const msg = e instanceof TenthError ? e.diagnostics.map(formatDiagnostic).join('\n') : String(e instanceof Error ? e.stack : e);
    throw new Error(`pipeline '${label}' failed:\n${msg}\n\nmodule before:\n${beforeText}\n${describeInputs(inputs)}`);
  }
  const report = (what: string): never => {
    throw new Error(`pipeline '${label}' ${what}\n\nmodule before:\n${beforeText}\n\nmodule after:\n${printModule(module)}\n${describeInputs(inputs)}`);
  };
  if (!(before instanceof Array)) {
    opts.after?.(x, counters);
    return counters;
  }
  const after = tryInterpret(module, inputs);
  if (!(after instanceof Array)) report(`broke the run: before it ran, after it fails with\n${after}`);
  const bitwise = opts.bitwise ?? (opts.rtol === undefined && opts.atol === undefined);
  const diff = compareResults(before, after as Tensor[], bitwise, opts.rtol ?? 0, opts.atol ?? 0);
  if (diff) report(`changed the results: ${diff}`);
  opts.after?.(x, counters);
  return counters;
}

function tryInterpret(m: ModuleWithInputs['module'], inputs: readonly Tensor[]): Tensor[] | string {
  try {
    return interpret(m, inputs);
  } catch (e) {
    if (e instanceof TenthError) return e.diagnostics.map(formatDiagnostic).join('\n');
    throw e;
  }
}

function describeInputs(inputs: readonly Tensor[]): string {
  return `inputs: ${inputs.map((t) => `${t.dtype}[${t.shape.join(',')}] ${preview(t)}`).join('; ') || '(none)'}`;
}

function preview(t: Tensor): string {
  const vals = t.dtype === 'string' ? (t.data as string[]) : toNumbers(t).map(String);
  return `[${vals.slice(0, 8).join(', ')}${vals.length > 8 ? ', ...' : ''}]`;
}

/** First difference between two result lists, or undefined. Exported for targeted tests. */
export function compareResults(a: readonly Tensor[], b: readonly Tensor[], bitwise: boolean, rtol = 0, atol = 0): string | undefined {
  if (a.length !== b.length) return `${a.length} results before, ${b.length} after`;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!, y = b[i]!;
    if (x.dtype !== y.dtype || x.shape.join(',') !== y.shape.join(',')) {
      return `result ${i}: ${x.dtype}[${x.shape.join(',')}] before, ${y.dtype}[${y.shape.join(',')}] after`;
    }
    const d = bitwise || x.dtype === 'string' ? diffBits(x, y) : diffClose(x, y, rtol, atol);
    if (d) return `result ${i} (${x.dtype}[${x.shape.join(',')}]): ${d}`;
  }
  return undefined;
}

function diffBits(x: Tensor, y: Tensor): string | undefined {
  if (x.dtype === 'string') {
    const xs = x.data as string[], ys = y.data as string[];
    const k = xs.findIndex((s, j) => s !== ys[j]);
    return k < 0 ? undefined : `element ${k}: ${JSON.stringify(xs[k])} before, ${JSON.stringify(ys[k])} after`;
  }
  const bx = encodeBytes(x), by = encodeBytes(y);
  if (bx.length === by.length && bx.every((v, j) => v === by[j])) return undefined;
  const xs = toNumbers(x), ys = toNumbers(y);
  for (let k = 0; k < xs.length; k++) {
    if (!Object.is(xs[k], ys[k]) || !sameBitsAt(x, y, k)) return `element ${k}: ${fmt(xs[k]!)} before, ${fmt(ys[k]!)} after (bits differ)`;
  }
  return 'bytes differ';
}

/** Bits of element k (for NaN payloads that compare Object.is-equal as numbers). */
function sameBitsAt(x: Tensor, y: Tensor, k: number): boolean {
  const dx = x.data as ArrayLike<number | bigint>, dy = y.data as ArrayLike<number | bigint>;
  if (typeof dx[k] !== 'number') return dx[k] === dy[k];
  const size = (x.data as unknown as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT;
  if (size === 4 || size === 8) {
    const ax = new Uint8Array((x.data as Float32Array).buffer, (x.data as Float32Array).byteOffset + k * size, size);
    const ay = new Uint8Array((y.data as Float32Array).buffer, (y.data as Float32Array).byteOffset + k * size, size);
    return ax.every((v, j) => v === ay[j]);
  }
  return true;
}

function diffClose(x: Tensor, y: Tensor, rtol: number, atol: number): string | undefined {
  const xs = toNumbers(x), ys = toNumbers(y);
  for (let k = 0; k < xs.length; k++) {
    const a = Number(xs[k]), b = Number(ys[k]);
    if (Number.isNaN(a) || Number.isNaN(b)) {
      if (Number.isNaN(a) && Number.isNaN(b)) continue;
      return `element ${k}: ${fmt(a)} before, ${fmt(b)} after`;
    }
    if (!Number.isFinite(a) || !Number.isFinite(b)) {
      if (a === b) continue;
      return `element ${k}: ${fmt(a)} before, ${fmt(b)} after`;
    }
    if (Math.abs(b - a) > atol + rtol * Math.abs(a)) {
      return `element ${k}: ${fmt(a)} before, ${fmt(b)} after (|diff| ${Math.abs(b - a)} > atol ${atol} + rtol ${rtol} * |before|)`;
    }
  }
  return undefined;
}

const fmt = (v: number | bigint): string => (Object.is(v, -0) ? '-0' : String(v));
