// `tenth run` on the wasm backend: a compiled folder (DIR/manifest.json) or a model compiled on
// the fly into a temporary folder, run through the runtime (src/runtime) on test-data folders.

import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DIAGNOSTICS, type DiagCode, fail } from '../../ir/diagnostics.js';
import type { Tensor } from '../../ir/tensor.js';
import { compileWasm, writeArtifact } from '../backends/wasm/index.js';
import { ONNX_TOLERANCE, type Tolerance } from '../check/compare.js';
import { checkOutputs, type RunReport } from '../check/run-check.js';
import { readTensorProtoFile } from '../onnx/tensor-proto.js';
import { loadCompiled, type CompiledModel, type RunTensor } from '../runtime/index.js';
import { FORMAT, TENTH_FORMATS, type TenthFormat } from '../runtime/common.js';
import { manifestFormat } from '../backends/write-folder.js';
import { fromRunTensor, toRunTensor } from '../conformance/feeds.js';
import { loadModule } from './files.js';
import { makeTempDir, removeTempDir } from './temp-dir.js';

export const isCompiledDir = (path: string): boolean => existsSync(path) && statSync(path).isDirectory() && existsSync(join(path, 'manifest.json'));

/**
 * The `format` of a compiled folder's manifest.json. A damaged folder is refused naming the file
 * (E102), not left to a runtime's JSON.parse or to a missing model.wasm (an internal error or a
 * confusing "cannot read"): manifest.json not JSON, or without a format tenth writes.
 */
export function folderFormat(path: string): TenthFormat {
  const file = join(path, 'manifest.json');
  let format: unknown;
  try {
    format = manifestFormat(path);
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
    return fail('E102', `${file} is not valid JSON (${e.message}): the folder is damaged; compile the model again`);
  }
  const known = TENTH_FORMATS.find((f) => f === format);
  if (known) return known;
  return fail('E102', `${path} is not a compiled tenth folder: manifest.json ${format === undefined || format === null ? 'has no format' : `has format ${JSON.stringify(format)}, not ${TENTH_FORMATS.join(' or ')}`}; compile the model again`);
}

/** The runtime's own code (E101/E102 files, E502/E503 feeds, E501 device), else E501. */
function runtimeCode(e: unknown): DiagCode {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code in DIAGNOSTICS ? code as DiagCode : 'E501';
}

/**
 * The runtime's refusals while loading (a damaged folder, a feature or limit the device lacks)
 * are the user's to fix: E501 naming what was loaded, not an internal error.
 */
export async function runtimeErrors<T>(what: string, on: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (e) {
    const msg = e instanceof Error ? e.message : '';
    if (msg.startsWith('tenth runtime: ')) fail(runtimeCode(e), `cannot load ${what} on ${on}: ${msg.slice('tenth runtime: '.length)}`);
    throw e;
  }
}

/** Load a compiled folder, or compile `model` into a temporary one (removed after loading). */
export async function loadForWasm(cwd: string, path: string, model: string, passes: string | undefined, threads = 1): Promise<CompiledModel> {
  if (isCompiledDir(path)) {
    folderFormat(path);
    return runtimeErrors(model, 'WASM', () => loadCompiled(path, { threads }));
  }
  const module = await loadModule(cwd, model);
  const tmp = makeTempDir('tenth-wasm-');
  try {
    const out = join(tmp, 'compiled');
    writeArtifact(out, await compileWasm(module, { passes, threads: threads > 1 }));
    return await loadCompiled(out, { threads });
  } finally {
    removeTempDir(tmp);
  }
}

function readPb(dir: string, file: string): Tensor {
  const path = join(dir, file);
  if (!existsSync(path)) fail('E105', `missing data file ${path}`);
  return readTensorProtoFile(path).tensor;
}

interface ManifestInput { readonly name: string; readonly dtype: string; readonly shape: readonly (number | string)[] }

/** The backend a compiled model was built for, for error messages. */
const backendOf = (m: CompiledModel): string => ((m.manifest as { format?: string }).format === FORMAT.webgpu ? 'webgpu' : 'wasm');

/**
 * Check the data files against the manifest's inputs before running, as the interpreter does with
 * the IR's types: E104 names the .pb file, the input, and the expected and given dtype/shape.
 * Symbols must bind to one size across inputs; dims the runtime derives (expressions) it checks itself.
 */
function checkFeed(dir: string, inputs: readonly ManifestInput[], derived: Readonly<Record<string, unknown>>): Tensor[] {
  const extra = readdirSync(dir).flatMap((n) => { const m = /^input_(\d+)\.pb$/.exec(n); return m ? [Number(m[1])] : []; }).filter((k) => k >= inputs.length);
  if (extra.length > 0) fail('E104', `${dir} has input_${Math.min(...extra)}.pb but the model takes ${inputs.length} input${inputs.length === 1 ? '' : 's'}`);
  const bound = new Map<string, { size: number; from: string }>();
  return inputs.map((inp, k) => {
    const file = join(dir, `input_${k}.pb`);
    const t = readPb(dir, `input_${k}.pb`);
    const want = `${inp.dtype}[${inp.shape.join(',')}]`;
    const bad = (why: string): never => fail('E104', `${file} does not match input ${k} ('${inp.name}'): ${why}`, undefined, [`expected ${want}, got ${t.dtype}[${t.shape.join(',')}]`]);
    if (t.dtype !== inp.dtype) bad(`dtype ${t.dtype} does not match ${inp.dtype}`);
    if (t.shape.length !== inp.shape.length) bad(`rank ${t.shape.length} does not match ${inp.shape.length}`);
    inp.shape.forEach((d, i) => {
      const got = t.shape[i]!;
      if (typeof d === 'number') {
        if (d !== got) bad(`dim ${i} is ${got}, expected ${d}`);
      } else if (d !== '?' && !Object.hasOwn(derived, d)) {
        const b = bound.get(d);
        if (b !== undefined && b.size !== got) bad(`dim ${i} ('${d}') is ${got}, but '${d}' is ${b.size} in ${b.from}`);
        if (b === undefined) bound.set(d, { size: got, from: `input ${k} ('${inp.name}')` });
      }
    });
    return t;
  });
}

/** Run a compiled model on DIR/input_K.pb and optionally check DIR/output_K.pb. */
export async function runCompiledDataDir(m: CompiledModel, dir: string, opts: { check?: boolean; tolerance?: Tolerance } = {}): Promise<RunReport> {
  const man = m.manifest;
  const backend = backendOf(m);
  if (!existsSync(dir)) fail('E101', `data folder not found: ${dir}`);
  // Inputs first, then the expected outputs: wrong input data is the error to report.
  const tensors0 = checkFeed(dir, man.inputs, (man as { derived?: Record<string, unknown> }).derived ?? {});
  const feed: Record<string, RunTensor> = {};
  man.inputs.forEach((inp, k) => { feed[inp.name] = toRunTensor(tensors0[k]!); });
  const expected = opts.check ? man.outputs.map((_o, k) => readPb(dir, `output_${k}.pb`)) : undefined;
  let got: Record<string, RunTensor>;
  try {
    got = await m.run(feed);
  } catch (e) {
    // Dawn's validation errors can come without a message of their own.
    fail(runtimeCode(e), `${backend} run failed on ${dir}: ${(e as Error).message || String(e) || 'the device gave no reason'}`);
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
