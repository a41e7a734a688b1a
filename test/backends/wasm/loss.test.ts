// fast-check: negative_log_likelihood_loss and softmax_cross_entropy_loss against the interpreter on
// random [N, C, d...] shapes (1, odd, primes), every reduction, with and without weights,
// ignore_index (also negative) and the log_prob output; i64 and i32 targets.

import fc from 'fast-check';
import { describe, it } from 'vitest';
import { tensorFrom } from '../../../ir/tensor.js';
import { oneOp, rand, ty } from './attention-helpers.js';
import { expectClose, interpText, runWasm } from './helpers.js';

describe('wasm loss kernels vs interpreter (fast-check)', () => {
  it('nll / sce, every reduction, weights, ignore_index, log_prob', async () => {
    await fc.assert(fc.asyncProperty(
      fc.constantFrom('negative_log_likelihood_loss', 'softmax_cross_entropy_loss'), fc.constantFrom('none', 'sum', 'mean'),
      fc.constantFrom(1, 2, 3, 5), fc.constantFrom(1, 2, 3, 7), fc.constantFrom([], [1], [3], [2, 5]),
      fc.boolean(), fc.constantFrom(null, -1, 0, 2), fc.boolean(), fc.constantFrom('i64', 'i32'), fc.integer(),
      async (name, red, N, C, spatial, withW, ignore, withLp, tdt, seed) => {
        const sce = name === 'softmax_cross_entropy_loss';
        const xS: number[] = [N, C, ...spatial], tS: number[] = [N, ...spatial];
        const nT = tS.reduce((a, b) => a * b, 1);
        // Targets in range, with some set to ignore_index when that is given.
        const tv = Array.from({ length: nT }, (_, i) => (ignore !== null && (i + seed) % 3 === 0 ? ignore : Math.abs(seed + i * 5) % C));
        const inputs = [rand(xS, seed, 3), tensorFrom(tdt, tS, tdt === 'i64' ? tv.map(BigInt) : tv)];
        const params = [`%x: ${ty(xS)}`, `%t: ${ty(tS, tdt)}`];
        const args = ['%x', '%t'];
        if (withW) {
          params.push(`%w: ${ty([C])}`);
          args.push('%w');
          inputs.push(rand([C], seed + 1, 1));
        }
        const lossT = ty(red === 'none' ? tS : []);
        const lp = sce && withLp;
        const outs = lp ? ['%loss', '%lp'] : ['%loss'];
        const types = lp ? [lossT, ty(xS)] : [lossT];
        const attrs = [`reduction = "${red}"`, ...(ignore !== null ? [`ignore_index = ${ignore}`] : [])];
        const text = oneOp(params, outs, types, `${name}(${args.join(', ')}) {${attrs.join(', ')}}`);
        expectClose(await runWasm(text, inputs, ''), interpText(text, inputs), 1e-4, 1e-5);
      }), { numRuns: 120 });
  });
});
