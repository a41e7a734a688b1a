// tensor_scatter corner cases of the wasm kernel against the interpreter: circular write indices
// far outside i32 (i64 2^32 + 1, whose low word alone would say 1) and i32 near 2^31 (where
// w + s would overflow in 32 bits) land where the interpreter's full-width remainder puts them.

import { describe, expect, it } from 'vitest';
import { tensorFrom, type Tensor } from '../../../ir/tensor.js';
import { interpText, runWasm } from './helpers.js';

const module = (args: string, result: string, body: string): string =>
  ['module @m {', `  func @main(${args}) -> (%y: ${result}) {`, `    ${body}`, '    return %y', '  }', '}'].join('\n');

const f32 = (shape: readonly number[], v: readonly number[]): Tensor => tensorFrom('f32', shape, v);

describe('wasm tensor_scatter circular: write index at full width', () => {
  it('i64 write indices past 2^32 and i32 ones near ±2^31 match the interpreter', async () => {
    for (const [dt, ws] of [
      // i64 within 2^52: the interpreter computes in doubles, exact there.
      ['i64', [2n ** 32n + 1n, -(2n ** 32n) - 1n, 2n ** 31n - 1n, -(2n ** 31n), 2n ** 52n + 5n, -(2n ** 52n) - 7n, 0n, 1n]],
      ['i32', [2 ** 31 - 1, 2 ** 31 - 2, -(2 ** 31), -(2 ** 31) + 1, 0, 2]],
    ] as const) {
      // cache length 3 and 5 (prime), update 2 and 7 (longer than the cache: wraps onto itself)
      for (const [mx, sq] of [[3, 2], [5, 7], [1, 2]] as const) {
        const text = module(`%p: f32[1,${mx},1], %u: f32[1,${sq},1], %w: ${dt}[1]`, `f32[1,${mx},1]`,
          `%y = tensor_scatter(%p, %u, %w) {axis = 1, mode = "circular"} : f32[1,${mx},1]`);
        const p = f32([1, mx, 1], Array.from({ length: mx }, (_v, j) => j + 1));
        const u = f32([1, sq, 1], Array.from({ length: sq }, (_v, j) => 10 + j));
        for (const w of ws) {
          const wt = tensorFrom(dt, [1], dt === 'i64' ? [BigInt(w)] : [Number(w)]);
          const want = interpText(text, [p, u, wt])[0]!;
          const got = (await runWasm(text, [p, u, wt]))[0]!;
          expect(Array.from(got.data as Float32Array), `${dt} w=${w} cache ${mx} update ${sq}`).toEqual(Array.from(want.data as Float32Array));
        }
      }
    }
  });

  it('the reviewer case: past [1,3,1], update [7,8], w = 2^32+1 gives [8,0,7]', async () => {
    const text = module('%p: f32[1,3,1], %u: f32[1,2,1], %w: i64[1]', 'f32[1,3,1]', '%y = tensor_scatter(%p, %u, %w) {axis = 1, mode = "circular"} : f32[1,3,1]');
    const ins = [f32([1, 3, 1], [1, 0, 1]), f32([1, 2, 1], [7, 8]), tensorFrom('i64', [1], [2n ** 32n + 1n])];
    expect(Array.from(interpText(text, ins)[0]!.data as Float32Array)).toEqual([8, 0, 7]);
    expect(Array.from((await runWasm(text, ins))[0]!.data as Float32Array)).toEqual([8, 0, 7]);
  });
});

describe('wasm tensor_scatter linear: an empty cache', () => {
  it('a nonempty update into an empty cache is refused naming the op, as the interpreter refuses it; an empty one runs', async () => {
    for (const withIdx of [true, false]) {
      const text = module(`%p: f32[1,0,1], %u: f32[1,2,1]${withIdx ? ', %w: i64[1]' : ''}`, 'f32[1,0,1]',
        `%y = tensor_scatter(%p, %u${withIdx ? ', %w' : ''}) {axis = 1} : f32[1,0,1]`);
      const ins = [f32([1, 0, 1], []), f32([1, 2, 1], [1, 2]), ...(withIdx ? [tensorFrom('i64', [1], [0n])] : [])];
      expect(() => interpText(text, ins)).toThrow(/E501.*outside the cache length 0/s);
      await expect(runWasm(text, ins), `write_indices ${withIdx}`).rejects.toThrow(/tensor_scatter/);
    }
    const text = module('%p: f32[1,0,1], %u: f32[1,0,1], %w: i64[1]', 'f32[1,0,1]', '%y = tensor_scatter(%p, %u, %w) {axis = 1} : f32[1,0,1]');
    const ins = [f32([1, 0, 1], []), f32([1, 0, 1], []), tensorFrom('i64', [1], [5n])];
    expect(interpText(text, ins)[0]!.data.length).toBe(0);
    expect((await runWasm(text, ins))[0]!.data.length).toBe(0);
  });
});
