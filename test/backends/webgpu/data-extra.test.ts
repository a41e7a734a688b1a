// fast-check on Dawn + SwiftShader: tile, depth_to_space (DCR, CRD), space_to_depth, eye_like,
// cum_sum / cum_prod (exclusive, reverse, negative axis) from kernels/data-extra.ts against the
// interpreter, on shapes with 1s and odd sizes.

import fc from 'fast-check';
import { describe, it } from 'vitest';
import { check, fmtShape, rand } from './helpers.js';

const mod = (args: string, ret: string, body: readonly string[]): string =>
  ['module @m {', `  func @main(${args}) -> (%y: ${ret}) {`, ...body.map((l) => `    ${l}`), '    return %y', '  }', '}'].join('\n');

describe('webgpu data-extra kernels vs interpreter (fast-check)', () => {
  it('tile, depth_to_space, space_to_depth', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.constantFrom(1, 2, 3), { minLength: 4, maxLength: 4 }), fc.array(fc.constantFrom(1, 2, 3), { minLength: 4, maxLength: 4 }),
      fc.constantFrom(1, 2, 3), fc.constantFrom('DCR', 'CRD'), fc.integer(),
      async (shape, reps, bs, mode, seed) => {
        const y = shape.map((d, a) => d * reps[a]!);
        await check(mod(`%x: ${fmtShape(shape)}`, fmtShape(y), [
          `%r = const {value = dense<[${reps.join(', ')}]> : i64[4]} : i64[4]`, `%y = tile(%x, %r) : ${fmtShape(y)}`,
        ]), [rand(shape, seed)]);
        const [n, c, h, w] = shape as [number, number, number, number];
        const d2s = [n, c * bs * bs, h, w], d2sY = [n, c, h * bs, w * bs];
        await check(mod(`%x: ${fmtShape(d2s)}`, fmtShape(d2sY), [`%y = depth_to_space(%x) {blocksize = ${bs}, mode = "${mode}"} : ${fmtShape(d2sY)}`]), [rand(d2s, seed + 1)]);
        await check(mod(`%x: ${fmtShape(d2sY)}`, fmtShape(d2s), [`%y = space_to_depth(%x) {blocksize = ${bs}} : ${fmtShape(d2s)}`]), [rand(d2sY, seed + 2)]);
      },
    ), { numRuns: 8, seed: 81 });
  }, 30_000);

  it('cum_sum and cum_prod on any axis; eye_like', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.constantFrom(1, 2, 3, 5), { minLength: 1, maxLength: 3 }), fc.integer({ min: -3, max: 2 }), fc.boolean(), fc.boolean(),
      fc.constantFrom('cum_sum', 'cum_prod'), fc.integer({ min: -2, max: 2 }), fc.integer(),
      async (shape, ax, exclusive, reverse, op, kk, seed) => {
        const axis = ((ax % shape.length) + shape.length) % shape.length - (ax < 0 ? shape.length : 0);
        const t = fmtShape(shape);
        await check(mod(`%x: ${t}`, t, [
          `%a = const {value = dense<${axis}> : i64[]} : i64[]`, `%y = ${op}(%x, %a) {exclusive = ${exclusive ? 1 : 0}, reverse = ${reverse ? 1 : 0}} : ${t}`,
        ]), [rand(shape, seed)]);
        const e = [shape[0]!, shape[shape.length - 1]! + 1];
        await check(mod(`%x: ${fmtShape(e)}`, fmtShape(e), [`%y = eye_like(%x) {k = ${kk}} : ${fmtShape(e)}`]), [rand(e, seed)]);
      },
    ), { numRuns: 10, seed: 82 });
  }, 30_000);
});
