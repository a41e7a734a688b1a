// tensor_scatter corner cases of the webgpu kernel against the interpreter: circular write indices
// near ±2^31 (i32, and i64 inside 32 bits: the runtime refuses wider ones at feed time), where
// the position difference would overflow i32 before the remainder.

import { describe, expect, it } from 'vitest';
import { tensorFrom, type Tensor } from '../../../ir/tensor.js';
import { interpText, runWebGpu } from './helpers.js';

const module = (args: string, result: string, body: string): string =>
  ['module @m {', `  func @main(${args}) -> (%y: ${result}) {`, `    ${body}`, '    return %y', '  }', '}'].join('\n');

const f32 = (shape: readonly number[], v: readonly number[]): Tensor => tensorFrom('f32', shape, v);

describe('webgpu tensor_scatter circular: write index near the i32 limits', () => {
  it('i32 and i64 write indices near ±2^31 match the interpreter (cache 3 and 5, update shorter and longer)', async () => {
    const ws = [2 ** 31 - 1, 2 ** 31 - 2, -(2 ** 31), -(2 ** 31) + 1, 0, 2];
    for (const dt of ['i32', 'i64'] as const) {
      for (const [mx, sq] of [[3, 2], [5, 7]] as const) {
        const text = module(`%p: f32[1,${mx},1], %u: f32[1,${sq},1], %w: ${dt}[1]`, `f32[1,${mx},1]`,
          `%y = tensor_scatter(%p, %u, %w) {axis = 1, mode = "circular"} : f32[1,${mx},1]`);
        const p = f32([1, mx, 1], Array.from({ length: mx }, (_v, j) => j + 1));
        const u = f32([1, sq, 1], Array.from({ length: sq }, (_v, j) => 10 + j));
        for (const w of ws) {
          const wt = tensorFrom(dt, [1], dt === 'i64' ? [BigInt(w)] : [w]);
          const want = interpText(text, [p, u, wt])[0]!;
          const got = (await runWebGpu(text, [p, u, wt]))[0]!;
          expect(Array.from(got.data as Float32Array), `${dt} w=${w} cache ${mx} update ${sq}`).toEqual(Array.from(want.data as Float32Array));
        }
      }
    }
  });
});
