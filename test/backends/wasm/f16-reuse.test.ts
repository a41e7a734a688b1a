// f16 operands decoded once per kernel function and region (dtype-promote.ts): a fused group
// reading one f16 value in several ops, and If branches both reading an outer f16 value (the
// else branch must not reuse the then branch's decode, which did not run), agree exactly with the
// interpreter for either condition, plain, fused and O2.

import fc from 'fast-check';
import { describe, it } from 'vitest';
import { tensorFrom, type Tensor } from '../../../ir/tensor.js';
import { expectExact, expectNear, rng, runWasmT, ty } from './dtype-helpers.js';
import { interpText } from './helpers.js';

const randF16 = (shape: readonly number[], r: () => number): Tensor =>
  tensorFrom('f16', shape, Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (r() - 0.5) * 6));

describe('wasm f16 operands read by several ops', () => {
  it('one value read by several ops of a fused group (and by two matmuls): as the interpreter', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom(1, 2, 3, 5, 7), fc.constantFrom(1, 4, 5, 13), fc.constantFrom('', 'fuse', 'O2'), fc.integer(), async (M, K, passes, seed) => {
      const T = ty('f16', [M, K]), S = ty('f16', [M, M]);
      const text = `module @m {
  func @main(%a: ${T}, %b: ${T}, %w: ${ty('f16', [K, M])}) -> (%r: ${T}, %s: ${S}) {
    %p = mul(%a, %b) : ${T}
    %q = add(%a, %p) : ${T}
    %r = sub(%q, %a) : ${T}
    %m1 = matmul(%a, %w) : ${S}
    %m2 = matmul(%b, %w) : ${S}
    %s = add(%m1, %m2) : ${S}
    return %r, %s
  }
}`;
      const r = rng(seed);
      const ins = [randF16([M, K], r), randF16([M, K], r), randF16([K, M], r)];
      const got = await runWasmT(text, ins, passes), want = interpText(text, ins);
      expectExact(got.slice(0, 1), want.slice(0, 1), false);
      expectNear(got.slice(1), want.slice(1), 2 ** -9, 2 ** -11);
    }), { numRuns: 20 });
  });

  it('If branches reading the same outer f16 value, either condition', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom(1, 3, 4, 9), fc.boolean(), fc.constantFrom('', 'fuse', 'O2'), fc.integer(), async (n, cond, passes, seed) => {
      const T = ty('f16', [n]);
      const text = `module @m {
  func @main(%x: ${T}, %w: ${T}, %c: bool[]) -> (%y: ${T}) {
    %y = if(%c) : ${T} {
      %t = mul(%x, %w) : ${T}
      yield %t
    } {
      %e = add(%x, %w) : ${T}
      %f = sub(%e, %x) : ${T}
      yield %f
    }
    return %y
  }
}`;
      const r = rng(seed);
      const ins = [randF16([n], r), randF16([n], r), tensorFrom('bool', [], [cond ? 1 : 0])];
      expectExact(await runWasmT(text, ins, passes), interpText(text, ins), false);
    }), { numRuns: 20 });
  });
});
