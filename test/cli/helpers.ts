// Shared helpers for CLI tests: run main() in process, temporary folders, small models.

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Tensor } from '../../ir/tensor.js';
import { tensorFrom } from '../../ir/tensor.js';
import { main } from '../../src/cli/main.js';
import { encodeTensorProto } from '../../src/onnx/tensor-proto.js';
import { buildModel } from '../../src/onnx/writer.js';
import { makeMlp } from '../../examples/make-examples.mjs';

export const REPO = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
export const SHARED = resolve(REPO, '../shared');

export interface CliResult { code: number; out: string; err: string }

export async function runCli(args: readonly string[], cwd = REPO): Promise<CliResult> {
  let out = '', err = '';
  const code = await main(args, { out: (s) => { out += s; }, err: (s) => { err += s; }, cwd });
  return { code, out, err };
}

export function tempDir(prefix = 'tenth-cli-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The examples/mlp model and its data, generated into `dir` with the src/ writer. */
export function writeMlpExample(dir: string): { params: number } {
  return makeMlp(dir, { buildModel, encodeTensorProto, tensorFrom }) as { params: number };
}

export function writeTensorFile(path: string, name: string, t: Tensor): void {
  writeFileSync(path, encodeTensorProto(name, t));
}

/**
 * A two-input model: y = (a + b) * 2 with a: f32[2,3], b: f32[3]; writes DIR/model.onnx and one
 * data set with hand-computed outputs.
 */
export function writeAddMulModel(dir: string): void {
  mkdirSync(join(dir, 'test_data_set_0'), { recursive: true });
  const model = buildModel({
    opset: 17,
    inputs: [{ name: 'a', dtype: 'f32', shape: [2, 3] }, { name: 'b', dtype: 'f32', shape: [3] }],
    outputs: [{ name: 'y', dtype: 'f32', shape: [2, 3] }],
    initializers: [{ name: 'two', tensor: tensorFrom('f32', [], [2]) }],
    nodes: [
      { name: 'add', opType: 'Add', inputs: ['a', 'b'], outputs: ['s'] },
      { name: 'mul', opType: 'Mul', inputs: ['s', 'two'], outputs: ['y'] },
    ],
  });
  writeFileSync(join(dir, 'model.onnx'), model);
  const ds = join(dir, 'test_data_set_0');
  writeTensorFile(join(ds, 'input_0.pb'), 'a', tensorFrom('f32', [2, 3], [1, 2, 3, 4, 5, 6]));
  writeTensorFile(join(ds, 'input_1.pb'), 'b', tensorFrom('f32', [3], [10, 20, 30]));
  // (1+10)*2, (2+20)*2, ... computed by hand.
  writeTensorFile(join(ds, 'output_0.pb'), 'y', tensorFrom('f32', [2, 3], [22, 44, 66, 28, 50, 72]));
}

/** No stack-trace lines (`    at fn (file:line:col)`) in the text. */
export const hasStackTrace = (s: string): boolean => /^\s+at .+[:(]/m.test(s);
