// bit_cast between 64-bit types is refused by the webgpu backend (kernels/dtype-ops.ts): an f64
// reaches the GPU rounded to f32 and 64-bit integers compute in 32 bits (storage.ts), so the
// 64-bit pattern to reinterpret is not there; the compile fails naming the op and the reason
// instead of giving wrong numbers. 32-bit reinterpretations still run, against the interpreter.

import { describe, expect, it } from 'vitest';
import { tensorFrom } from '../../../ir/tensor.js';
import { check, compileText } from './helpers.js';

const text = (from: string, to: string, n = 3): string => `module @m {
  func @main(%x: ${from}[${n}]) -> (%y: ${to}[${n}]) {
    %y = bit_cast(%x) {to = ${to}} : ${to}[${n}]
    return %y
  }
}`;

describe('webgpu bit_cast', () => {
  for (const [from, to] of [['f64', 'i64'], ['i64', 'f64'], ['u64', 'f64'], ['f64', 'u64'], ['i64', 'u64'], ['u64', 'i64']]) {
    it(`${from} -> ${to} is refused with the reason`, () => {
      expect(() => compileText(text(from!, to!))).toThrow(/E201: bit_cast from \w+ to \w+ needs all 64 bits.*f64 is computed and stored as f32, 64-bit integers in 32 bits/);
    });
  }

  it('32-bit reinterpretations run', async () => {
    const x = tensorFrom('f32', [5], [1, -2.5, 0, 3.14159, -1e-30]);
    await check(text('f32', 'i32', 5), [x], 'fuse', 0, 0);
    await check(text('i32', 'f32', 5), [tensorFrom('i32', [5], [0, 1065353216, -1, 2139095040, -8388608])], 'fuse', 0, 0);
  });
});
