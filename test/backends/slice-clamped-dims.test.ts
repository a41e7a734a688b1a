// A Slice of a static dim d with a symbolic end n has min(n, d) elements (ONNX clamps ends), not n.
// Typed n, tiny_bert compiled with a symbolic sequence length ran at seq = 200 > 128 position rows:
// webgpu printed numbers, wasm trapped out of bounds, while the interpreter refuses the following
// Add (E501). Typed min(seq,128), the Add's broadcast of it against seq is checked at run time, so
// both runtimes refuse it naming the node; seq <= 128 still matches the interpreter.

import { beforeAll, describe, expect, it } from 'vitest';
import { TenthError } from '../../ir/diagnostics.js';
import { interpret } from '../../ir/interp.js';
import { dimMax, dimMin } from '../../ir/symbolic.js';
import { tensorFrom, type Tensor } from '../../ir/tensor.js';
import { compileWasm } from '../../src/backends/wasm/index.js';
import { compileWebGpu } from '../../src/backends/webgpu/index.js';
import { importOnnxFile } from '../../src/onnx/import.js';
import { instantiateCompiled, type RunTensor } from '../../src/runtime/index.js';
import { instantiateWebGpu } from '../../src/runtime/webgpu.js';
import { expectClose, gpuDevice } from './webgpu/helpers.js';

const BERT = '/work/shared/models/tiny_bert/model.onnx';
const NAMES = ['input_ids', 'attention_mask', 'token_type_ids'];

type Run = (feed: Record<string, RunTensor>) => Promise<Record<string, RunTensor>>;
let wasm: Run, gpu: Run;
beforeAll(async () => {
  const w = await compileWasm(importOnnxFile(BERT), {});
  const wm = await instantiateCompiled(w.manifest, w.wasm, w.weights);
  const g = compileWebGpu(importOnnxFile(BERT), {});
  const gm = await instantiateWebGpu(g.manifest, g.shaders.map((s) => s.code), g.weights, await gpuDevice());
  wasm = (f) => wm.run(f);
  gpu = (f) => gm.run(f);
}, 60_000);

function inputs(seq: number): Tensor[] {
  const ids = BigInt64Array.from({ length: seq }, (_, i) => BigInt((i * 37 + 11) % 1000));
  const mask = BigInt64Array.from({ length: seq }, (_, i) => (i < seq - 2 || seq < 3 ? 1n : 0n));
  const types = BigInt64Array.from({ length: seq }, (_, i) => BigInt(i % 2));
  return [ids, mask, types].map((d) => tensorFrom('i64', [1, seq], d));
}
const feedOf = (ins: Tensor[]): Record<string, RunTensor> =>
  Object.fromEntries(ins.map((t, i) => [NAMES[i]!, { data: t.data as RunTensor['data'], dims: t.shape }]));
const hidden = (out: Record<string, RunTensor>): Tensor[] =>
  [{ dtype: 'f32', shape: [...out['last_hidden_state']!.dims], data: out['last_hidden_state']!.data as Float32Array }];

describe('slice of a static dim to a symbolic end', () => {
  it('is typed min(end, dim), and broadcasting it against the end gives the end (max(x, min(x, y)) = x)', () => {
    const m = importOnnxFile(BERT);
    const slice = m.main.body.ops.find((o) => o.name === 'slice')!;
    expect(slice.results[0]!.type.shape).toEqual([1, 'min(seq,128)']);
    expect(dimMax('seq', 'min(seq,128)')).toBe('seq');
    expect(dimMin('max(n,4)', 'n')).toBe('n');
    const add = m.main.body.ops.find((o) => o.name === 'add' && o.operands.some((v) => v?.name === '/pos/Gather_output_0'))!;
    expect(add.results[0]!.type.shape).toEqual(['batch', 'seq', 128]);
  });

  for (const seq of [1, 7, 128]) {
    it(`tiny_bert at seq=${seq} (within the 128 positions) matches the interpreter on wasm and webgpu`, async () => {
      const ins = inputs(seq);
      const want = interpret(importOnnxFile(BERT), ins).slice(0, 1);
      expectClose(hidden(await wasm(feedOf(ins))), want, 1e-3, 1e-4);
      expectClose(hidden(await gpu(feedOf(ins))), want, 1e-3, 1e-4);
    }, 30_000);
  }

  for (const seq of [129, 200]) {
    it(`tiny_bert at seq=${seq} (past the 128 positions) is refused by every engine, naming the Add`, async () => {
      const ins = inputs(seq);
      let err: unknown;
      try { interpret(importOnnxFile(BERT), ins); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(TenthError);
      expect(String(err)).toMatch(new RegExp(`node "/Add": error E501: add: shapes \\[1,${seq},128\\] and \\[1,128,128\\] do not broadcast`));
      for (const run of [wasm, gpu]) {
        await expect(run(feedOf(ins))).rejects.toThrow(
          new RegExp(`^tenth runtime: these inputs do not fit the model: add %/Add_output_0 at model\\.onnx: node "/Add": operand %/pos/Gather_output_0 dim 1 \\('min\\(seq,128\\)'\\) does not broadcast to 'seq' \\(from input 'input_ids' dim 'seq' = ${seq}\\)`));
      }
    }, 30_000);
  }
});
