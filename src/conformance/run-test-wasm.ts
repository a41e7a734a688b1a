// One ONNX backend test through the WASM backend: import, compileWasm, instantiate through the
// runtime, compare every data set with the ONNX tolerances. A model with an op the backend has no
// kernel for (compile error E201) is skipped with that reason; any other failure fails the test.
// The scope rules of classify.ts apply first, exactly as for the interpreter. Never throws.

import { TenthError } from '../../ir/diagnostics.js';
import { compileWasm } from '../backends/wasm/index.js';
import { ONNX_TOLERANCE, type Tolerance } from '../check/compare.js';
import { runCompiledDataDir } from '../cli/run-compiled.js';
import { instantiateCompiled } from '../runtime/index.js';
import { describeError, isPrepared, judgeReport, prepareTest, type TestResult } from './run-test.js';

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
  const p = prepareTest(dir);
  if (!isPrepared(p)) return p;
  try {
    let compiled;
    try {
      compiled = await compileWasm(p.module);
    } catch (e) {
      const skip = noKernelReason(e);
      if (skip) return { test: p.test, status: 'skipped', reason: skip, opTypes: p.opTypes };
      throw e;
    }
    const model = await instantiateCompiled(compiled.manifest, compiled.wasm, compiled.weights);
    for (const ds of p.sets) {
      const bad = judgeReport(p, await runCompiledDataDir(model, ds, { check: true, tolerance }));
      if (bad) return bad;
    }
    return { test: p.test, status: 'passed', reason: null, opTypes: p.opTypes };
  } catch (e) {
    return p.failed(describeError(e));
  }
}
