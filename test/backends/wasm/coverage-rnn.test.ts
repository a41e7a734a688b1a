// fast-check: RNN, GRU and LSTM kernels against the interpreter on random sizes (1, odd, primes),
// directions, both layouts, sequence_lens, initial states, peepholes, clip, linear_before_reset,
// input_forget and non-default activations.

import fc from 'fast-check';
import { describe, it } from 'vitest';
import { tensorFrom, type Tensor } from '../../../ir/tensor.js';
import { expectClose, hexF32, interpText, runWasm } from './helpers.js';

function rand(shape: readonly number[], seed: number, scale = 1): Tensor {
  let s = seed >>> 0 || 1;
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    v[i] = (((s >>> 8) / 2 ** 24) * 2 - 1) * scale;
  }
  return tensorFrom('f32', shape, v);
}
const ty = (s: readonly number[], dt = 'f32'): string => `${dt}[${s.join(',')}]`;

describe('wasm recurrent kernels vs interpreter (fast-check)', () => {
  it('rnn / gru / lstm with every option', async () => {
    await fc.assert(fc.asyncProperty(
      fc.constantFrom('rnn', 'gru', 'lstm'), fc.constantFrom('forward', 'reverse', 'bidirectional'), fc.nat(1),
      fc.constantFrom(1, 2, 3, 5), fc.constantFrom(1, 2, 3), fc.constantFrom(1, 3, 4, 7), fc.constantFrom(1, 2, 5),
      fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean(), fc.integer(),
      async (cell, direction, layout, S, Bt, I, H, withB, withLens, withInit, extra, withClip, altActs, seed) => {
        const G = { rnn: 1, gru: 3, lstm: 4 }[cell]!;
        const D = direction === 'bidirectional' ? 2 : 1;
        const xShape = layout === 0 ? [S, Bt, I] : [Bt, S, I];
        const stShape = layout === 0 ? [D, Bt, H] : [Bt, D, H];
        const yShape = layout === 0 ? [S, D, Bt, H] : [Bt, S, D, H];
        const w = rand([D, G * H, I], seed + 1, 0.8), r = rand([D, G * H, H], seed + 2, 0.8), b = rand([D, 2 * G * H], seed + 3, 0.5);
        const p = rand([D, 3 * H], seed + 4, 0.5);
        const lens = Array.from({ length: Bt }, (_, i) => 1 + ((seed >>> 0) + i * 7) % S);
        const weights = [
          `  weight @w : ${ty([D, G * H, I])} = bytes("${hexF32(w.data as Float32Array)}")`,
          `  weight @r : ${ty([D, G * H, H])} = bytes("${hexF32(r.data as Float32Array)}")`,
          `  weight @b : ${ty([D, 2 * G * H])} = bytes("${hexF32(b.data as Float32Array)}")`,
          `  weight @p : ${ty([D, 3 * H])} = bytes("${hexF32(p.data as Float32Array)}")`,
        ];
        const acts = altActs ? { rnn: '["Relu"]', gru: '["HardSigmoid", "Softsign"]', lstm: '["Sigmoid", "Affine", "LeakyRelu"]' }[cell] : undefined;
        const attrs = [`direction = "${direction}"`, `layout = ${layout}`, `hidden_size = ${H}`,
          ...(withClip ? ['clip = 0.7'] : []), ...(acts ? [`activations = ${acts}`, 'activation_alpha = [0.3, 0.2]', 'activation_beta = [0.1]'] : []),
          ...(cell === 'gru' && extra ? ['linear_before_reset = 1'] : []), ...(cell === 'lstm' && extra && !withClip ? ['input_forget = 1'] : [])];
        const ops = [cell === 'lstm' ? `B, %lens, %h0, %c0${extra ? ', %p' : ''}` : 'B, %lens, %h0'][0]!
          .replace('B', withB ? '%b' : 'none').replace('%lens', withLens ? '%lens' : 'none').replace(/%h0/, withInit ? '%h0' : 'none').replace('%c0', withInit ? '%c0' : 'none');
        const outs = cell === 'lstm' ? ['%y', '%yh', '%yc'] : ['%y', '%yh'];
        const outTypes = [ty(yShape), ty(stShape), ty(stShape)].slice(0, outs.length);
        const text = [
          'module @m {', ...weights,
          `  func @main(%x: ${ty(xShape)}, %h0: ${ty(stShape)}, %c0: ${ty(stShape)}) -> (${outs.map((o, i) => `${o}: ${outTypes[i]}`).join(', ')}) {`,
          `    %w = const {value = @w} : ${ty([D, G * H, I])}`,
          `    %r = const {value = @r} : ${ty([D, G * H, H])}`,
          `    %b = const {value = @b} : ${ty([D, 2 * G * H])}`,
          `    %p = const {value = @p} : ${ty([D, 3 * H])}`,
          `    %lens = const {value = dense<[${lens}]> : i32[${Bt}]} : i32[${Bt}]`,
          `    ${outs.join(', ')} = ${cell}(%x, %w, %r, ${ops}) {${attrs.join(", ")}} : (${outTypes.join(", ")})`,
          `    return ${outs.join(', ')}`,
          '  }',
          '}',
        ].join('\n');
        const ins = [rand(xShape, seed, 1.5), rand(stShape, seed + 5), rand(stShape, seed + 6)];
        expectClose(await runWasm(text, ins, ''), interpText(text, ins), 1e-4, 2e-6);
      }), { numRuns: 80 });
  });
});
