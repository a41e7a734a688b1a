// fast-check on Dawn + SwiftShader: lp_normalization (p 1 and 2, any axis), lrn (odd and even
// sizes), instance_normalization and group_normalization (per-channel scale and bias) from
// kernels/norm-extra.ts against the interpreter.

import fc from 'fast-check';
import { describe, it } from 'vitest';
import { check, fmtShape, rand } from './helpers.js';

const mod = (args: string, ret: string, line: string): string =>
  ['module @m {', `  func @main(${args}) -> (%y: ${ret}) {`, `    ${line}`, '    return %y', '  }', '}'].join('\n');

describe('webgpu norm-extra kernels vs interpreter (fast-check)', () => {
  it('lp_normalization, lrn, instance and group normalisation', async () => {
    await fc.assert(fc.asyncProperty(
      fc.constantFrom(1, 2), fc.constantFrom(2, 4, 6), fc.constantFrom(1, 3, 5), fc.constantFrom(1, 2), fc.integer({ min: -4, max: 3 }),
      fc.constantFrom(1, 2, 3, 4), fc.integer(),
      async (N, C, H, p, axis, size, seed) => {
        const s = [N, C, H, 3], t = fmtShape(s);
        const x = rand(s, seed);
        await check(mod(`%x: ${t}`, t, `%y = lp_normalization(%x) {axis = ${axis}, p = ${p}} : ${t}`), [x]);
        await check(mod(`%x: ${t}`, t, `%y = lrn(%x) {size = ${size}, alpha = 0.5, beta = 0.75, bias = 2.0} : ${t}`), [x]);
        const sc = rand([C], seed + 1), bi = rand([C], seed + 2);
        await check(mod(`%x: ${t}, %s: f32[${C}], %b: f32[${C}]`, t, `%y = instance_normalization(%x, %s, %b) {epsilon = 0.01} : ${t}`), [x, sc, bi], 'fuse', 1e-4, 1e-5);
        await check(mod(`%x: ${t}, %s: f32[${C}], %b: f32[${C}]`, t, `%y = group_normalization(%x, %s, %b) {num_groups = 2, epsilon = 0.01} : ${t}`), [x, sc, bi], 'fuse', 1e-4, 1e-5);
      },
    ), { numRuns: 8, seed: 101 });
  }, 30_000);
});
