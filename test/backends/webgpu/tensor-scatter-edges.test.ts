// tensor_scatter corner cases of the webgpu kernel against the interpreter: circular write indices
// near ±2^31 (i32, and i64 inside 32 bits: the runtime refuses wider ones at feed time), where
// the position difference would overflow i32 before the remainder.

import { describe, expect, it } from 'vitest';
import { tensorFrom, type Tensor } from '../../../ir/tensor.js';
import { compileText, interpText, runWebGpu } from './helpers.js';

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

describe('webgpu tensor_scatter linear: a static empty cache', () => {
  it('a nonempty update is refused at compile time naming the op (the interpreter refuses every run); empty updates and circular mode compile', async () => {
    for (const withIdx of [true, false]) {
      const text = module(`%p: f32[1,0,1], %u: f32[1,2,1]${withIdx ? ', %w: i64[1]' : ''}`, 'f32[1,0,1]',
        `%y = tensor_scatter(%p, %u${withIdx ? ', %w' : ''}) {axis = 1} : f32[1,0,1]`);
      const ins = [f32([1, 0, 1], []), f32([1, 2, 1], [1, 2]), ...(withIdx ? [tensorFrom('i64', [1], [0n])] : [])];
      expect(() => interpText(text, ins)).toThrow(/E501.*outside the cache length 0/s);
      expect(() => compileText(text), `write_indices ${withIdx}`).toThrow(/E205.*tensor_scatter %y.*empty cache/s);
    }
    for (const [sq, mode] of [[0, 'linear'], [2, 'circular']] as const) {
      const text = module(`%p: f32[1,0,1], %u: f32[1,${sq},1], %w: i64[1]`, 'f32[1,0,1]', `%y = tensor_scatter(%p, %u, %w) {axis = 1, mode = "${mode}"} : f32[1,0,1]`);
      const ins = [f32([1, 0, 1], []), f32([1, sq, 1], Array.from({ length: sq }, (_v, j) => j)), tensorFrom('i64', [1], [3n])];
      expect(interpText(text, ins)[0]!.data.length).toBe(0);
      expect((await runWebGpu(text, ins))[0]!.data.length, `${mode} update ${sq}`).toBe(0);
    }
  });
});
