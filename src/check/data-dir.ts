// Test-data folders in the layout of ONNX's backend tests: DIR/input_K.pb and DIR/output_K.pb,
// serialised TensorProtos where K is the position among the main function's arguments (graph
// inputs that are not initializers) and results (graph outputs). A model folder holds any number
// of such folders named test_data_set_N.

import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fail, TenthError } from '../../ir/diagnostics.js';
import type { Module } from '../../ir/ir.js';
import { checkInput } from '../../ir/interp.js';
import type { Tensor } from '../../ir/tensor.js';
import { formatType } from '../../ir/types.js';
import { readTensorProtoFile } from '../onnx/tensor-proto.js';

export interface NamedTensor {
  readonly name: string;
  readonly tensor: Tensor;
}

const DATA_SET = /^test_data_set_(\d+)$/;

/** The test_data_set_N folders of a model folder, in numeric order. */
export function listDataSets(modelDir: string): string[] {
  if (!existsSync(modelDir)) fail('E101', `folder not found: ${modelDir}`);
  return readdirSync(modelDir)
    .filter((n) => DATA_SET.test(n) && statSync(join(modelDir, n)).isDirectory())
    .sort((a, b) => Number(DATA_SET.exec(a)![1]) - Number(DATA_SET.exec(b)![1]))
    .map((n) => join(modelDir, n));
}

/** Indices K of the files `${prefix}_K.pb` in a folder, sorted. */
function fileIndices(dir: string, prefix: string): number[] {
  const re = new RegExp(`^${prefix}_(\\d+)\\.pb$`);
  return readdirSync(dir).flatMap((n) => {
    const m = re.exec(n);
    return m ? [Number(m[1])] : [];
  }).sort((a, b) => a - b);
}

function requireDir(dir: string): void {
  if (!existsSync(dir)) fail('E101', `data folder not found: ${dir}`);
  if (!statSync(dir).isDirectory()) fail('E102', `not a folder: ${dir}`);
}

function readOne(dir: string, file: string, what: string): NamedTensor {
  const path = join(dir, file);
  if (!existsSync(path)) fail('E105', `missing data file ${path}`, undefined, [`expected one ${what}`]);
  return readTensorProtoFile(path);
}

/**
 * Read DIR/input_K.pb for every argument of the main function and check each against the
 * argument's declared type (E104 names the file; symbolic dims must bind consistently).
 */
export function loadInputs(module: Module, dir: string): NamedTensor[] {
  requireDir(dir);
  const args = module.main.args;
  const extra = fileIndices(dir, 'input').filter((k) => k >= args.length);
  if (extra.length > 0) {
    fail('E104', `${dir} has input_${extra[0]}.pb but the model takes ${args.length} input${args.length === 1 ? '' : 's'}`);
  }
  const symbols = new Map<string, number>();
  return args.map((arg, k) => {
    const file = `input_${k}.pb`;
    const t = readOne(dir, file, `for input ${k} (%${arg.name}: ${formatType(arg.type)})`);
    try {
      checkInput(arg, t.tensor, symbols);
    } catch (e) {
      if (!(e instanceof TenthError)) throw e;
      const d = e.diagnostics[0]!;
      fail('E104', `${join(dir, file)} does not match input ${k} (%${arg.name}): ${d.message.replace(/^input %\S+: /, '')}`, undefined, d.notes);
    }
    return t;
  });
}

/** Read DIR/output_K.pb for every result of the main function. */
export function loadExpected(module: Module, dir: string): NamedTensor[] {
  requireDir(dir);
  const n = module.main.resultNames.length;
  const extra = fileIndices(dir, 'output').filter((k) => k >= n);
  if (extra.length > 0) {
    fail('E104', `${dir} has output_${extra[0]}.pb but the model has ${n} output${n === 1 ? '' : 's'}`);
  }
  return module.main.resultNames.map((name, k) => readOne(dir, `output_${k}.pb`, `for output ${k} (${name})`));
}

/** Short name of a data folder for reports: `test_data_set_0`. */
export const dataSetName = (dir: string): string => basename(dir);
