// Running a module on one test-data folder and, optionally, checking its outputs against the
// expected ones. This is what `tenth run --check` and the conformance runner share.

import type { Module } from '../../ir/ir.js';
import { interpret } from '../../ir/interp.js';
import type { Tensor } from '../../ir/tensor.js';
import { compareTensors, ONNX_TOLERANCE, type Tolerance } from './compare.js';
import { loadExpected, loadInputs } from './data-dir.js';

export interface OutputReport {
  readonly index: number;
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  /** undefined when outputs were not checked. */
  readonly ok?: boolean;
  readonly maxAbs?: number;
  readonly maxRel?: number;
  /** Why the check failed ('' when it passed). */
  readonly reason?: string;
}

export interface RunReport {
  readonly dataDir: string;
  readonly checked: boolean;
  /** All outputs matched (true when not checked). */
  readonly ok: boolean;
  readonly outputs: readonly OutputReport[];
  /** The computed outputs, in result order. */
  readonly tensors: readonly Tensor[];
}

export interface RunOptions {
  readonly check?: boolean;
  readonly tolerance?: Tolerance;
}

/** Compare computed outputs with expected ones, output by output. */
export function checkOutputs(names: readonly string[], got: readonly Tensor[], want: readonly Tensor[], tol: Tolerance): OutputReport[] {
  return got.map((t, index) => {
    const c = compareTensors(t, want[index]!, tol);
    return { index, name: names[index] ?? `output_${index}`, dtype: t.dtype, shape: [...t.shape], ok: c.ok, maxAbs: c.maxAbs, maxRel: c.maxRel, reason: c.reason };
  });
}

/**
 * Run the interpreter on DIR/input_K.pb. With `check`, the expected outputs are read before
 * running, so a missing or malformed output file fails fast instead of after a long run.
 */
export function runDataDir(module: Module, dir: string, opts: RunOptions = {}): RunReport {
  const inputs = loadInputs(module, dir);
  const expected = opts.check ? loadExpected(module, dir) : undefined;
  const tensors = interpret(module, inputs.map((x) => x.tensor));
  const names = module.main.resultNames;
  if (!expected) {
    const outputs = tensors.map((t, index) => ({ index, name: names[index] ?? `output_${index}`, dtype: t.dtype, shape: [...t.shape] }));
    return { dataDir: dir, checked: false, ok: true, outputs, tensors };
  }
  const outputs = checkOutputs(names, tensors, expected.map((e) => e.tensor), opts.tolerance ?? ONNX_TOLERANCE);
  return { dataDir: dir, checked: true, ok: outputs.every((o) => o.ok), outputs, tensors };
}
