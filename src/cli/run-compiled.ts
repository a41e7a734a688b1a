// `tenth run` on the wasm backend: a compiled folder (DIR/manifest.json) or a model compiled on
// the fly into a temporary folder, run through the runtime (src/runtime) on test-data folders.

import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fail } from '../../ir/diagnostics.js';
import type { Tensor } from '../../ir/tensor.js';
import { compileWasm, writeArtifact } from '../backends/wasm/index.js';
import { ONNX_TOLERANCE, type Tolerance } from '../check/compare.js';
import { checkOutputs, type RunReport } from '../check/run-check.js';
import { readTensorProtoFile } from '../onnx/tensor-proto.js';
import { loadCompiled, type CompiledModel, type RunTensor } from '../runtime/index.js';
import { fromRunTensor, toRunTensor } from '../conformance/feeds.js';
import { loadModule } from './files.js';

export const isCompiledDir = (path: string): boolean => existsSync(path) && statSync(path).isDirectory() && existsSync(join(path, 'manifest.json'));

/** Load a compiled folder, or compile `model` into a temporary one (removed after loading). */
export async function loadForWasm(cwd: string, path: string, model: string, passes: string | undefined, threads = 1): Promise<CompiledModel> {
  if (isCompiledDir(path)) return loadCompiled(path, { threads });
  const module = await loadModule(cwd, model);
  const tmp = mkdtempSync(join(tmpdir(), 'tenth-wasm-'));
  try {
    const out = join(tmp, 'compiled');
    writeArtifact(out, await compileWasm(module, { passes, threads: threads > 1 }));
    return await loadCompiled(out, { threads });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function readPb(dir: string, file: string): Tensor {
  const path = join(dir, file);
  if (!existsSync(path)) fail('E105', `missing data file ${path}`);
  return readTensorProtoFile(path).tensor;
}

/** Run a compiled model on DIR/input_K.pb and optionally check DIR/output_K.pb. */
export async function runCompiledDataDir(m: CompiledModel, dir: string, opts: { check?: boolean; tolerance?: Tolerance } = {}): Promise<RunReport> {
  const man = m.manifest;
  const feed: Record<string, RunTensor> = {};
  man.inputs.forEach((inp, k) => {
    const t = readPb(dir, `input_${k}.pb`);
    if (t.dtype !== inp.dtype) fail('E104', `${join(dir, `input_${k}.pb`)} is ${t.dtype}, input '${inp.name}' is ${inp.dtype}`);
    feed[inp.name] = toRunTensor(t);
  });
  const expected = opts.check ? man.outputs.map((_o, k) => readPb(dir, `output_${k}.pb`)) : undefined;
  let got: Record<string, RunTensor>;
  try {
    got = await m.run(feed);
  } catch (e) {
    fail('E501', `wasm run failed: ${(e as Error).message}`);
  }
  const tensors: Tensor[] = man.outputs.map((o) => fromRunTensor(o.dtype as Tensor['dtype'], got[o.name]!));
  const names = man.outputs.map((o) => o.name);
  if (!expected) {
    const outputs = tensors.map((t, index) => ({ index, name: names[index]!, dtype: t.dtype, shape: [...t.shape] }));
    return { dataDir: dir, checked: false, ok: true, outputs, tensors };
  }
  const outputs = checkOutputs(names, tensors, expected, opts.tolerance ?? ONNX_TOLERANCE);
  return { dataDir: dir, checked: true, ok: outputs.every((o) => o.ok), outputs, tensors };
}
