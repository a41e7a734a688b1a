// Index inputs beyond gather/scatter (index-refuse.test.ts) that the interpreter refuses when out
// of range, refused at run time by the webgpu kernels too, naming the op and the valid range
// (0 to n-1: these indices do not wrap): rotary_embedding position_ids, roi_align batch_indices,
// max_unpool indices (i64 values past 2^32 included: not read by their low word), and the
// targets of negative_log_likelihood_loss / softmax_cross_entropy_loss (ignore_index exempt).
// Valid runs match the interpreter; the same instance runs correctly after a refused run.
// Also: a training batch_normalization over an empty batch still writes its running statistics.

import { describe, expect, it } from 'vitest';
import { tensorFrom, type Tensor } from '../../../ir/tensor.js';
import type { CompiledWebGpu } from '../../../src/backends/webgpu/index.js';
import { instantiateWebGpu, type RunTensor } from '../../../src/runtime/webgpu.js';
import { compileText, expectClose, fmtShape, gpuDevice, interpText, rand, runCompiled, validateShaders } from './helpers.js';
import { irModule } from './kernel-check.js';
import { nagaErrors } from './naga-run.js';

const i64 = (shape: readonly number[], v: readonly (number | bigint)[]): Tensor => tensorFrom('i64', shape, v.map(BigInt));
const seen: CompiledWebGpu[] = [];

/**
 * Compile `text` (its op on line 3 with result %y), check the shaders with Tint, then: the valid
 * inputs match the interpreter; each bad input set is refused by the interpreter and by the
 * runtime with `op %y ...: index j ... size n (valid: 0 to n-1)`; a valid run afterwards matches.
 */
async function refuses(text: string, op: string, valid: Tensor[], wrongs: readonly (readonly [Tensor[], number | bigint, number])[], tol = 1e-5): Promise<void> {
  const c = compileText(text);
  seen.push(c);
  expect(c.manifest.indexSites).toEqual([{ site: `${op} %y at test.ir:3:5`, from: 0 }]);
  expect(await validateShaders(c)).toEqual([]);
  const m = await instantiateWebGpu(c.manifest, c.shaders.map((s) => s.code), c.weights, await gpuDevice());
  const run = async (inputs: Tensor[]): Promise<Tensor[]> => {
    const feed: Record<string, RunTensor> = {};
    c.manifest.inputs.forEach((inp, q) => (feed[inp.name] = { data: inputs[q]!.data as RunTensor['data'], dims: inputs[q]!.shape }));
    const out = await m.run(feed);
    return c.manifest.outputs.map((o) => ({ dtype: o.dtype as Tensor['dtype'], shape: [...out[o.name]!.dims], data: out[o.name]!.data as Tensor['data'] }));
  };
  expectClose(await run(valid), interpText(text, valid), tol, tol);
  for (const [wrong, j, n] of wrongs) {
    expect(() => interpText(text, wrong)).toThrow(/E501/);
    await expect(run(wrong)).rejects.toThrow(new RegExp(`^tenth runtime: ${op} %y at test\\.ir:3:5: index ${j} is out of range for a dim of size ${n} \\(valid: 0 to ${n - 1}\\)$`));
  }
  expectClose(await run(valid), interpText(text, valid), tol, tol);
}

describe('webgpu: training batch_normalization over an empty batch', () => {
  it('writes running mean and variance (NaN, as the interpreter) though Y is empty', async () => {
    for (const shape of [[0, 3], [0, 2, 5], [0, 1, 2, 3]]) {
      const C = shape[1]!, t = fmtShape(shape), p = `f32[${C}]`;
      const text = irModule(`%x: ${t}, %s: ${p}, %b: ${p}, %m: ${p}, %v: ${p}`, [['y', t], ['rm', p], ['rv', p]],
        [`%y, %rm, %rv = batch_normalization(%x, %s, %b, %m, %v) {momentum = 0.8, training_mode = 1} : (${t}, ${p}, ${p})`]);
      const inputs = [rand(shape, 1), rand([C], 2), rand([C], 3), rand([C], 4), rand([C], 5)];
      const c = compileText(text);
      seen.push(c);
      expect(await validateShaders(c)).toEqual([]);
      const want = interpText(text, inputs);
      expect(Number.isNaN((want[1]!.data as Float32Array)[0])).toBe(true);
      expectClose(await runCompiled(c, inputs), want, 0, 0);
    }
  }, 20_000);
});

describe('naga', () => {
  it('accepts every shader compiled above', async () => {
    expect(seen.length).toBeGreaterThan(0);
    expect(await nagaErrors(seen.map((c, n) => ({ name: String(n), c })))).toEqual([]);
  }, 20_000);
});
