// Fixtures for running the runtime outside Node's test process (Deno, Chromium): the runtime as
// `npm run build` emits it, packaged the way an installed `tenth` looks, plus compiled shared
// models and their test data.
//
// The runtime is transpiled here from src/runtime/*.ts (one file at a time, as tsc emits it: the
// runtime has no type-directed emit; declarations included) instead of read from dist/, so these tests check the current
// source without a full build and never a stale dist/.

import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { compileWasm, writeArtifact, type CompileOptions } from '../../src/backends/wasm/index.js';
import { importOnnxFile } from '../../src/onnx/import.js';
import { readTensorProtoFile } from '../../src/onnx/tensor-proto.js';
import type { Tensor } from '../../ir/tensor.js';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHARED_MODELS = join(REPO, '..', 'shared', 'models');

/** Transpile src/runtime/*.ts into OUT (as dist/src/runtime/*.js and *.d.ts). */
export function transpileRuntime(out: string): void {
  const src = join(REPO, 'src', 'runtime');
  mkdirSync(out, { recursive: true });
  const compilerOptions = { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, sourceMap: false };
  for (const f of readdirSync(src).filter((n) => n.endsWith('.ts') && !n.endsWith('.d.ts'))) {
    const text = readFileSync(join(src, f), 'utf8');
    writeFileSync(join(out, f.replace(/\.ts$/, '.js')), ts.transpileModule(text, { fileName: f, compilerOptions }).outputText);
    // Declarations file by file (isolated declarations): what tsc emits wherever exports carry their types.
    writeFileSync(join(out, f.replace(/\.ts$/, '.d.ts')), ts.transpileDeclaration(text, { fileName: f, compilerOptions }).outputText);
  }
}

/**
 * Write ROOT/node_modules/tenth as an installed package holding only the runtime: the repo's
 * package.json (its "exports" decide what `import 'tenth'` resolves to) and dist/src/runtime/.
 * Anything "exports" maps a browser or Deno to outside the runtime is then missing and fails.
 */
export function writeRuntimePackage(root: string): string {
  const pkg = join(root, 'node_modules', 'tenth');
  transpileRuntime(join(pkg, 'dist', 'src', 'runtime'));
  writeFileSync(join(pkg, 'package.json'), readFileSync(join(REPO, 'package.json')));
  writeFileSync(join(root, 'package.json'), JSON.stringify({ type: 'module', dependencies: { tenth: '*' } }));
  return pkg;
}

/** Compile SHARED_MODELS/NAME for wasm into OUT (default pipeline). */
export async function compileShared(name: string, out: string, opts: CompileOptions = {}): Promise<void> {
  writeArtifact(out, await compileWasm(importOnnxFile(join(SHARED_MODELS, name, 'model.onnx')), opts));
}

export interface DataSet {
  readonly dir: string;
  readonly inputs: { name: string; tensor: Tensor }[];
  readonly outputs: { name: string; tensor: Tensor }[];
}

/** input_K.pb and output_K.pb of SHARED_MODELS/NAME/test_data_set_N. */
export function loadDataSet(name: string, n: number): DataSet {
  const dir = join(SHARED_MODELS, name, `test_data_set_${n}`);
  const files = readdirSync(dir).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const read = (prefix: string): { name: string; tensor: Tensor }[] =>
    files.filter((f) => f.startsWith(prefix)).map((f) => readTensorProtoFile(join(dir, f)));
  return { dir, inputs: read('input_'), outputs: read('output_') };
}

/** A tensor as plain JSON (int64 as decimal strings, since JSON numbers lose them). */
export function tensorToJson(t: Tensor): { dtype: string; dims: number[]; data: (number | string)[] } {
  const data = Array.from(t.data as ArrayLike<number | bigint>, (v) => (typeof v === 'bigint' ? v.toString() : v));
  return { dtype: t.dtype, dims: [...t.shape], data };
}
