// fast-check on Dawn + SwiftShader: scatter_elements (every reduction, negative and repeated
// indices, any axis) and one_hot (negative and out-of-range indices, any axis) from
// kernels/index-ops.ts against the interpreter.

import fc from 'fast-check';
import { describe, it } from 'vitest';
import { tensorFrom } from '../../../ir/tensor.js';
import { check, fmtShape, rand } from './helpers.js';

const mod = (args: string, ret: string, body: readonly string[]): string =>
  ['module @m {', `  func @main(${args}) -> (%y: ${ret}) {`, ...body.map((l) => `    ${l}`), '    return %y', '  }', '}'].join('\n');

describe('webgpu scatter_elements and one_hot vs interpreter (fast-check)', () => {
  it('scatter_elements', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.constantFrom(1, 2, 3, 5), { minLength: 1, maxLength: 3 }), fc.nat(2), fc.constantFrom('none', 'add', 'mul', 'max', 'min'), fc.integer(),
      async (shape, ax, red, seed) => {
        const axis = ax % shape.length;
        const ishape = shape.map((d, a) => (a === axis ? Math.max(1, d - 1) : d));
        const n = ishape.reduce((p, q) => p * q, 1);
        // Indices in [-d, d): repeats and negatives (with 'none' the last write wins in both).
        const d = shape[axis]!;
        const idx = Array.from({ length: n }, (_v, j) => ((seed >>> 0) * 7 + j * 5) % (2 * d) - d);
        await check(mod(`%x: ${fmtShape(shape)}, %i: i64[${ishape.join(',')}], %u: ${fmtShape(ishape)}`, fmtShape(shape), [
          `%y = scatter_elements(%x, %i, %u) {axis = ${axis}, reduction = "${red}"} : ${fmtShape(shape)}`,
        ]), [rand(shape, seed), tensorFrom('i64', ishape, idx.map(BigInt)), rand(ishape, seed + 1)]);
      },
    ), { numRuns: 12, seed: 91 });
  }, 30_000);

  it('one_hot', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.constantFrom(1, 2, 3), { minLength: 1, maxLength: 2 }), fc.integer({ min: -3, max: 2 }), fc.constantFrom(1, 3, 4), fc.integer(),
      async (shape, ax, depth, seed) => {
        const r = shape.length + 1;
        const a0 = ax >= r ? ax - r : ax < -r ? ax + r : ax;
        const axis = ((a0 % r) + r) % r;
        const y: number[] = [...shape.slice(0, axis), depth, ...shape.slice(axis)];
        const n = shape.reduce<number>((p, q) => p * q, 1);
        const idx = Array.from({ length: n }, (_v, j) => ((seed >>> 0) + j * 3) % (2 * depth + 2) - depth - 1);
        await check(mod(`%i: i64[${shape.join(',')}], %v: f32[2]`, fmtShape(y), [
          `%d = const {value = dense<${depth}> : i64[]} : i64[]`, `%y = one_hot(%i, %d, %v) {axis = ${a0}} : ${fmtShape(y)}`,
        ]), [tensorFrom('i64', shape, idx.map(BigInt)), tensorFrom('f32', [2], [-0.5, 2])]);
      },
    ), { numRuns: 10, seed: 92 });
  }, 30_000);
});
