// fast-check on Dawn + SwiftShader: the extra f32 elementwise ops (kernels/unary-extra.ts) against
// the interpreter, each over its own input range (near 0 too, where sinh/asinh/atanh switch to
// polynomials), in a fused chain with relu so the kernel also runs as a chained map op.

import fc from 'fast-check';
import { describe, it } from 'vitest';
import { tensorFrom } from '../../../ir/tensor.js';
import { check, fmtShape, rand } from './helpers.js';

/** op, attributes, and how a draw u in [-1, 1) becomes its input. */
const CASES: readonly [string, string, (u: number) => number][] = [
  ['asin', '', (u) => u * 0.999], ['acos', '', (u) => u * 0.999], ['atan', '', (u) => u * 6], ['tan', '', (u) => u * 1.4],
  ['sinh', '', (u) => u * 4], ['cosh', '', (u) => u * 4], ['asinh', '', (u) => u * 9], ['acosh', '', (u) => 1 + Math.abs(u) * 9],
  ['atanh', '', (u) => u * 0.99], ['selu', '', (u) => u * 4], ['celu', ' {alpha = 1.5}', (u) => u * 4],
  ['thresholded_relu', ' {alpha = 0.25}', (u) => u * 2], ['shrink', ' {bias = 0.125, lambd = 0.375}', (u) => u * 2],
  ['mish', '', (u) => u * 9],
];

describe('webgpu extra elementwise kernels vs interpreter (fast-check)', () => {
  it('each op over its range, chained with relu', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.constantFrom(1, 2, 3, 7, 13), { minLength: 1, maxLength: 2 }), fc.nat(CASES.length - 1), fc.boolean(), fc.integer(),
      async (shape, c, near0, seed) => {
        const [op, attrs, range] = CASES[c]!;
        const u = rand(shape, seed).data as Float32Array;
        const x = tensorFrom('f32', shape, Array.from(u, (v) => range(near0 && op !== 'acosh' ? v * 0.25 : v)));
        const t = fmtShape(shape);
        const text = `module @m {\n  func @main(%x: ${t}) -> (%y: ${t}) {\n    %a = ${op}(%x)${attrs} : ${t}\n    %y = relu(%a) : ${t}\n    return %y\n  }\n}`;
        await check(text, [x], 'fuse', 1e-4, 1e-6);
      },
    ), { numRuns: 48, seed: 31 });
  }, 30_000);

  it('prelu broadcasts its slope; is_inf detects either sign as asked', async () => {
    const x = tensorFrom('f32', [2, 3], [-2, -0.5, 0, 0.5, 2, -7]);
    await check('module @m {\n  func @main(%x: f32[2,3], %s: f32[3]) -> (%y: f32[2,3]) {\n    %y = prelu(%x, %s) : f32[2,3]\n    return %y\n  }\n}', [x, rand([3], 5)]);
    const inf = tensorFrom('f32', [5], [Infinity, -Infinity, 0, NaN, 3]);
    for (const [p, n] of [[1, 1], [1, 0], [0, 1]]) {
      await check(`module @m {\n  func @main(%x: f32[5]) -> (%y: bool[5]) {\n    %y = is_inf(%x) {detect_positive = ${p}, detect_negative = ${n}} : bool[5]\n    return %y\n  }\n}`, [inf]);
    }
  }, 30_000);
});
