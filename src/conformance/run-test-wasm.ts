// One ONNX backend test through the WASM backend: import, compileWasm, instantiate through the
// runtime, compare every data set with the ONNX tolerances. A model with an op the backend has no
// kernel for (compile error E201) is skipped with that reason; any other failure fails the test.
// The scope rules of classify.ts apply first, exactly as for the interpreter. Never throws.

import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { TenthError } from '../../ir/diagnostics.js';
import { compileWasm } from '../backends/wasm/index.js';
import { ONNX_TOLERANCE, type Tolerance } from '../check/compare.js';
import { dataSetName, listDataSets } from '../check/data-dir.js';
import { runCompiledDataDir } from '../cli/run-compiled.js';
import { decodeModel } from '../onnx/decode.js';
import { importOnnxBytes } from '../onnx/import.js';
import { instantiateCompiled } from '../runtime/index.js';
import { inspectModel } from './classify.js';
import { describeError, type TestResult } from './run-test.js';

const UNSUPPORTED = 'the wasm backend does not support: ';

/** The skip reason for an E201 compile error, or null for any other error. */
export function noKernelReason(e: unknown): string | null {
  if (!(e instanceof TenthError)) return null;
  const d = e.diagnostics.find((x) => x.code === 'E201');
  if (!d) return null;
  if (d.message.startsWith(UNSUPPORTED)) return `wasm backend: no kernel for ${d.message.slice(UNSUPPORTED.length)}`;
  // A kernel refused this op's form (dtype, attribute): name the op from the note k.fail adds.
  const op = /^op (\S+)/.exec(d.notes[0] ?? '')?.[1];
  return `wasm backend: no kernel for ${op ?? 'an op'} (${d.message})`;
}

export async function runConformanceTestWasm(dir: string, tolerance: Tolerance = ONNX_TOLERANCE): Promise<TestResult> {
  const test = basename(dir);
  let opTypes: readonly string[] = [];
  const failed = (reason: string): TestResult => ({ test, status: 'failed', reason, opTypes });
  try {
    const file = join(dir, 'model.onnx');
    if (!existsSync(file)) return failed(`no model.onnx in ${dir}`);
    const bytes = readFileSync(file);
    const facts = inspectModel(decodeModel(bytes, 'model.onnx'));
    opTypes = facts.opTypes;
    if (facts.skipReason) return { test, status: 'skipped', reason: facts.skipReason, opTypes };
    const module = importOnnxBytes(bytes, { file: `${test}/model.onnx`, baseDir: dirname(file) });
    const sets = listDataSets(dir);
    if (sets.length === 0) return failed('no test_data_set_N folders');
    let compiled;
    try {
      compiled = await compileWasm(module);
    } catch (e) {
      const skip = noKernelReason(e);
      if (skip) return { test, status: 'skipped', reason: skip, opTypes };
      throw e;
    }
    const model = await instantiateCompiled(compiled.manifest, compiled.wasm, compiled.weights);
    for (const ds of sets) {
      const report = await runCompiledDataDir(model, ds, { check: true, tolerance });
      const bad = report.outputs.find((o) => !o.ok);
      if (bad) return failed(`${dataSetName(ds)}: output ${bad.index} '${bad.name}': ${bad.reason}`);
    }
    return { test, status: 'passed', reason: null, opTypes };
  } catch (e) {
    return failed(describeError(e));
  }
}
