// File helpers for the CLI: loading a module from ONNX or IR text, and writing outputs so that a
// failed command never leaves a partial file behind (write a temporary file in the same folder,
// rename it into place on success).

import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fail } from '../../ir/diagnostics.js';
import type { Module } from '../../ir/ir.js';
import { verifyOrThrow } from '../../ir/verify.js';
import { isSystemError, systemReason, writeReason } from '../backends/write-folder.js';
import { importOnnxFile } from '../onnx/import.js';

let tmpCounter = 0;

/**
 * Write a file atomically: readers see either the old file or the complete new one. A missing
 * parent folder is created (as `compile --out` does); a write that fails is E111 naming the path.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${tmpCounter++}`);
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    try { rmSync(tmp, { force: true }); } catch { /* no folder to clean (ENOTDIR): nothing was written */ }
    fail('E111', `cannot write ${path}: ${isSystemError(e) ? writeReason(path, e) : systemReason(e)}`);
  }
}

export function requireFile(path: string): void {
  if (!existsSync(path)) fail('E101', `file not found: ${path}`);
  if (statSync(path).isDirectory()) fail('E102', `${path} is a folder, expected a file`);
}

/** IR text files end in .ir; anything else is read as an ONNX model. */
export const isIrText = (path: string): boolean => extname(path).toLowerCase() === '.ir';

/**
 * Load a module from an ONNX model or IR text file (path relative to cwd). The IR parser is
 * loaded on first use only: commands on ONNX models do not pay for building the grammar.
 * `verify: false` (only `opt --no-verify-each`) reads IR text that does not verify: the way to
 * look at what a broken pass wrote.
 */
export async function loadModule(cwd: string, file: string, opts: { verify?: boolean } = {}): Promise<Module> {
  const path = resolve(cwd, file);
  // A folder: a compiled one given to a command that takes a model (summary, ir, opt, stats,
  // compile), or one without its manifest.json (run and bench take either).
  if (existsSync(path) && statSync(path).isDirectory()) {
    if (existsSync(join(path, 'manifest.json'))) fail('E102', `${path} is a compiled tenth folder; this command takes a model file (.onnx or .ir)`);
    fail('E102', `${path} is not a compiled tenth folder: manifest.json missing (and a folder is not a model file)`);
  }
  requireFile(path);
  if (isIrText(path)) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      return fail('E102', `cannot read ${path}: ${(e as Error).message}`);
    }
    const { parseModule } = await import('../../ir/parser.js');
    const module = parseModule(text, { file, baseDir: dirname(path) });
    // Hand-edited text may parse and still be wrong (a result type its shape rule does not give):
    // every command reports that (E303 at its line), before a compile writes made-up values.
    if (opts.verify !== false) verifyOrThrow(module);
    return module;
  }
  // Models exported as DIR/model.onnx (ONNX test layout) are better known by their folder name.
  const name = basename(path) === 'model.onnx' ? basename(dirname(path)) : undefined;
  return importOnnxFile(path, { name });
}
