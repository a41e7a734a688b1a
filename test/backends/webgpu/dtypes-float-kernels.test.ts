// The float kernels that read through k.load (tiled matmul/gemm/conv, softmax, layer norm,
// reductions) on f16, bf16 and f64 tensors, against the interpreter. Registers are f32 in every
// case and each result is rounded to its dtype on store (storage.ts), so the only differences are
// f32-vs-f64 accumulation order and, for f16/bf16, one rounding of a result that lands between
// two codes: the tolerance is one unit in the last place of the dtype plus a little.

import { describe, it } from 'vitest';
import { castTensor } from '../../../ir/ops/elementwise-cast.js';
import type { Tensor } from '../../../ir/tensor.js';
import { expectClose, interpText, rand, runWebGpu } from './helpers.js';

const TOL: Readonly<Record<string, readonly [number, number]>> = { f16: [2e-3, 2e-3], bf16: [1.6e-2, 1.6e-2], f64: [1e-5, 1e-6] };

function model(dt: string): string {
  const t = (s: readonly number[]): string => `${dt}[${s.join(',')}]`;
  return `module @m {
  func @main(%a: ${t([3, 5])}, %b: ${t([5, 7])}, %x: ${t([1, 2, 6, 5])}, %w: ${t([3, 2, 3, 3])}, %g: ${t([7])}, %bt: ${t([7])}) -> (%s: ${t([3, 7])}, %n: ${t([3, 7])}, %c: ${t([1, 3, 4, 3])}, %r: ${t([3])}) {
    %p = matmul(%a, %b) : ${t([3, 7])}
    %s = softmax(%p) {axis = -1} : ${t([3, 7])}
    %n = layer_normalization(%p, %g, %bt) {axis = -1, epsilon = 1.0e-5} : ${t([3, 7])}
    %c = conv(%x, %w) {pads = [0, 0, 0, 0], strides = [1, 1]} : ${t([1, 3, 4, 3])}
    %ax = const {value = dense<[1]> : i64[1]} : i64[1]
    %r = reduce_sum(%p, %ax) {keepdims = 0} : ${t([3])}
    return %s, %n, %c, %r
  }
}`;
}

describe('float kernels on f16, bf16 and f64 tensors', () => {
  for (const dt of ['f16', 'bf16', 'f64'] as const) {
    it(`${dt}: matmul, softmax, layer_normalization, conv, reduce_sum match the interpreter`, async () => {
      const text = model(dt);
      const shapes = [[3, 5], [5, 7], [1, 2, 6, 5], [3, 2, 3, 3], [7], [7]];
      const inputs: Tensor[] = shapes.map((s, i) => castTensor(rand(s, 11 + i), dt));
      const got = await runWebGpu(text, inputs);
      const [rtol, atol] = TOL[dt]!;
      expectClose(got, interpText(text, inputs), rtol, atol);
    });
  }
});
