// Inputs that do not fit a model must be refused, as onnxruntime and tenth's interpreter refuse
// them, never answered. A dim_param that reads as an expression, as transformers names the
// attention mask's dim ("past_sequence + sequence"), was an opaque symbol at the input (bound from
// the data, never checked) but the expression past_sequence+sequence inside shape rules, so the
// WASM runtime accepted a mask of the wrong length (fixed: the runtime checks such an input dim
// against the expression; repro .tmp/zoo/dim-param-expression.onnx, made by .tmp/zoo/repro3.ts).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { interpret } from '../../ir/interp.js';
import { tensorFrom } from '../../ir/tensor.js';
import { compileWasm, writeArtifact } from '../../src/backends/wasm/compile.js';
import { buildModel } from '../../src/onnx/writer.js';
import { loadCompiled } from '../../src/runtime/index.js';
import { makeInputs } from './graph.js';
import { importZoo } from './harness.js';
import { gpt2Past, type ZooModel } from './models.js';

const tmp = mkdtempSync(join(tmpdir(), 'tenth-zoo-inputs-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** y: f32["n + 1"]; z = x + y[1:]. With x of 3 and y of 5 elements the Add cannot broadcast. */
const exprDim: ZooModel = {
  name: 'dim_param_expression',
  inputs: [{ name: 'x', dtype: 'f32', shape: ['n'] }, { name: 'y', dtype: 'f32', shape: ['n + 1'] }],
  outputs: [{ name: 'z', dtype: 'f32', shape: ['n'] }],
  bindings: [],
  bytes: buildModel({
    opset: 13, inputs: [{ name: 'x', dtype: 'f32', shape: ['n'] }, { name: 'y', dtype: 'f32', shape: ['n + 1'] }], outputs: [{ name: 'z', dtype: 'f32', shape: ['n'] }],
    nodes: [
      { opType: 'Constant', inputs: [], outputs: ['s'], attrs: { value: tensorFrom('i64', [1], [1n]) } },
      { opType: 'Constant', inputs: [], outputs: ['e'], attrs: { value: tensorFrom('i64', [1], [2n ** 63n - 1n]) } },
      { opType: 'Slice', inputs: ['y', 's', 'e'], outputs: ['t'] },
      { opType: 'Add', inputs: ['x', 't'], outputs: ['z'] },
    ],
  }),
};

async function wasmRun(m: ZooModel, inputs: ReturnType<typeof makeInputs>): Promise<unknown> {
  const dir = join(tmp, m.name);
  writeArtifact(dir, await compileWasm(importZoo(m)));
  const cm = await loadCompiled(dir);
  return cm.run(Object.fromEntries(cm.manifest.inputs.map((inp, k) => [inp.name, { data: inputs[k]!.data as Float32Array, dims: inputs[k]!.shape }])));
}

describe('zoo: inputs that do not fit are refused', () => {
  const bad = [tensorFrom('f32', [3], [1, 2, 3]), tensorFrom('f32', [5], [10, 20, 30, 40, 50])];

  it('the interpreter refuses y of 5 elements where "n + 1" = 4 (the Add cannot broadcast)', () => {
    expect(() => interpret(importZoo(exprDim), bad)).toThrow(/do not broadcast/);
  });

  it('the wasm runtime refuses it too, naming the input and the dim', async () => {
    await expect(wasmRun(exprDim, bad)).rejects.toThrow(/input 'y' dim 0 \('n \+ 1'\) is 5, but 'n \+ 1' = 4/);
  });

  // gpt2_past with an attention mask of past + sequence + 2 columns.
  const m = gpt2Past();
  const badMask = makeInputs(m.inputs, { batch: 2, sequence: 5, past_sequence: 3 }, 1);
  badMask[1] = makeInputs(m.inputs, { batch: 2, sequence: 7, past_sequence: 3 }, 1)[1]!;

  it('the interpreter refuses gpt2_past with a mask 2 columns too long', () => {
    expect(() => interpret(importZoo(m), badMask)).toThrow(/do not broadcast/);
  });

  it('the wasm runtime refuses that mask too, naming the input and the dim', async () => {
    await expect(wasmRun(m, badMask)).rejects.toThrow(/input '\w+' dim 1 \('past_sequence \+ sequence'\) is 10, but 'past_sequence \+ sequence' = 8/);
  });
});
