// fast-check: rotary_embedding, swiglu and hardmax kernels against the interpreter on random
// shapes (1, odd, primes): 3-D/4-D rotary with and without position_ids, interleaved, partial
// rotary dims; swiglu alpha; hardmax on every axis, legacy_flatten, ties and NaN.

import fc from 'fast-check';
import { describe, it } from 'vitest';
import { tensorFrom } from '../../../ir/tensor.js';
import { oneOp, rand, ty } from './attention-helpers.js';
import { expectClose, interpText, runWasm } from './helpers.js';

describe('wasm rotary / swiglu / hardmax vs interpreter (fast-check)', () => {
  it('rotary_embedding', async () => {
    await fc.assert(fc.asyncProperty(
      fc.boolean(), fc.constantFrom(1, 2), fc.constantFrom(1, 3, 4), fc.constantFrom(1, 2, 5), fc.constantFrom(2, 4, 6, 10, 16),
      fc.constantFrom(0, 1, 2), fc.boolean(), fc.boolean(), fc.integer(),
      async (four, B, S, H, D, rdKind, interleaved, withPos, seed) => {
        const rd = rdKind === 0 ? 0 : rdKind === 1 ? D : Math.max(2, (D >> 1) & ~1);
        const half = (rd || D) / 2;
        const xS = four ? [B, H, S, D] : [B, S, H * D];
        const maxPos = withPos ? 7 : 0;
        const cS = withPos ? [maxPos, half] : [B, S, half];
        const params = [`%x: ${ty(xS)}`, `%c: ${ty(cS)}`, `%s: ${ty(cS)}`];
        const inputs = [rand(xS, seed, 2), rand(cS, seed + 1), rand(cS, seed + 2)];
        const args = ['%x', '%c', '%s'];
        if (withPos) {
          params.push(`%p: ${ty([B, S], 'i64')}`);
          args.push('%p');
          inputs.push(tensorFrom('i64', [B, S], Array.from({ length: B * S }, (_, i) => BigInt(Math.abs(seed + 3 * i) % maxPos))));
        }
        const attrs = [...(four ? [] : [`num_heads = ${H}`]), ...(rd ? [`rotary_embedding_dim = ${rd}`] : []), ...(interleaved ? ['interleaved = 1'] : [])];
        const text = oneOp(params, ['%y'], [ty(xS)], `rotary_embedding(${args.join(', ')})${attrs.length ? ` {${attrs.join(', ')}}` : ''}`);
        expectClose(await runWasm(text, inputs, ''), interpText(text, inputs), 1e-5, 1e-6);
      }), { numRuns: 80 });
  });

  it('swiglu', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.constantFrom(1, 2, 3, 5, 7), { minLength: 1, maxLength: 3 }), fc.constantFrom(1, 1.702, -0.5), fc.integer(),
      async (shape, alpha, seed) => {
        const text = oneOp([`%a: ${ty(shape)}`, `%b: ${ty(shape)}`], ['%y'], [ty(shape)], `swiglu(%a, %b) {alpha = ${alpha.toFixed(3)}}`);
        const inputs = [rand(shape, seed, 6), rand(shape, seed + 1, 2)];
        expectClose(await runWasm(text, inputs, ''), interpText(text, inputs), 1e-5, 1e-6);
        // Inside a fused elementwise group (swiglu then relu and add).
        const chain = text.replace(/(    %y = swiglu[^\n]*)/, (l) => `${l.replace('%y =', '%g =')}\n    %r = relu(%g) : ${ty(shape)}\n    %y = add(%r, %a) : ${ty(shape)}`);
        expectClose(await runWasm(chain, inputs, 'O2'), interpText(chain, inputs), 1e-5, 1e-6);
      }), { numRuns: 40 });
  });

  it('hardmax on every axis, legacy_flatten, ties and NaN', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.constantFrom(1, 2, 3, 5), { minLength: 1, maxLength: 4 }), fc.nat(3), fc.boolean(), fc.boolean(), fc.constantFrom('f32', 'f64'), fc.integer(),
      async (shape, a, legacy, neg, dt, seed) => {
        const axis = (a % shape.length) - (neg ? shape.length : 0);
        const n = shape.reduce((x: number, y: number) => x * y, 1);
        // Few distinct values so that ties are common; an occasional NaN.
        const vals = Array.from({ length: n }, (_, i) => ((i * 7 + seed) % 11 === 0 ? NaN : Math.abs(seed + i * 13) % 4));
        const text = oneOp([`%x: ${ty(shape, dt)}`], ['%y'], [ty(shape, dt)], `hardmax(%x) {axis = ${axis}${legacy ? ', legacy_flatten = 1' : ''}}`);
        const inputs = [tensorFrom(dt as 'f32', shape, vals)];
        expectClose(await runWasm(text, inputs, ''), interpText(text, inputs), 0, 0);
      }), { numRuns: 60 });
  });
});
