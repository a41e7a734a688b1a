// Integer reduce_mean on the wasm backend at the ends of 32 bits: the interpreter divides the
// exact sum, so a 32-bit accumulator (which wraps) gives wrong means; exact vs the interpreter.

import { describe, it } from 'vitest';
import { tensorFrom } from '../../../ir/tensor.js';
import { expectClose, interpText, runWasm } from './helpers.js';

const mod = (dt: string, shape: number[], axes: number[], yd: number[]): string => [
  'module @m {', `  func @main(%x: ${dt}[${shape.join(',')}]) -> (%y: ${dt}[${yd.join(',')}]) {`,
  `    %a = const {value = dense<[${axes}]> : i64[${axes.length}]} : i64[${axes.length}]`,
  `    %y = reduce_mean(%x, %a) {keepdims = 1} : ${dt}[${yd.join(',')}]`, '    return %y', '  }', '}'].join('\n');

describe('wasm integer reduce_mean divides the exact sum', () => {
  it('i32 and u32 near 2^31 / 2^32, i8 at its ends, every axis', async () => {
    const I32 = [2 ** 31 - 1, -(2 ** 31)];
    const cases: [string, number[], number[]][] = [
      ['i32', [2, 2], [2 ** 31 - 1, 2 ** 31 - 1, -(2 ** 31), -(2 ** 31)]],
      ['i32', [3, 5], Array.from({ length: 15 }, (_v, j) => I32[(j * 7) % 2]! + (j % 3))],
      ['u32', [1, 3], [4e9, 4e9, 4e9]],
      ['u32', [2, 3], [4e9, 2 ** 32 - 1, 3, 2 ** 32 - 1, 2 ** 32 - 1, 2 ** 32 - 2]],
      ['i8', [2, 3], [127, 127, 127, -128, -128, -128]],
    ];
    for (const [dt, shape, v] of cases) {
      for (const axes of [[1], [0], [0, 1]]) {
        const text = mod(dt, shape, axes, shape.map((d, a) => (axes.includes(a) ? 1 : d)));
        const x = [tensorFrom(dt as 'i32', shape, v)];
        expectClose(await runWasm(text, x), interpText(text, x), 0, 0);
      }
    }
  });
});
