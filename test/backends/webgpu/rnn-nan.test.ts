// NaN through the RNN/GRU/LSTM kernel (kernels/rnn.ts) on Dawn + SwiftShader vs the interpreter:
// WGSL's max/min/clamp may drop a NaN operand and exp(NaN) may be anything (SwiftShader: inf), so
// the activations come from elementwise.ts's NaN-safe table. NaN in X, in the bias or in the
// initial state, for every activation the recurrent ops know (with alpha/beta), clip, both
// directions: every output element must be NaN exactly where the interpreter's is (and match it
// elsewhere). Relu and ThresholdedRelu give 0 for NaN there (x > 0 ? x : 0, as onnxruntime).

import fc from 'fast-check';
import { describe, it } from 'vitest';
import { tensorFrom, type Tensor } from '../../../ir/tensor.js';
import { expectClose, fmtShape as ty, interpText, rand, runWebGpu } from './helpers.js';

interface Case { cell: 'rnn' | 'gru' | 'lstm'; direction: string; attrs: string[] }

const S = 3, B = 2, I = 3, H = 5;
const CASES: readonly Case[] = [
  { cell: 'rnn', direction: 'forward', attrs: [] },
  { cell: 'rnn', direction: 'bidirectional', attrs: ['activations = ["Relu", "ThresholdedRelu"]', 'activation_alpha = [0.1]'] },
  { cell: 'rnn', direction: 'reverse', attrs: ['activations = ["HardSigmoid"]', 'activation_alpha = [0.3]', 'activation_beta = [0.4]'] },
  { cell: 'rnn', direction: 'bidirectional', attrs: ['activations = ["Elu", "Softplus"]', 'activation_alpha = [0.7]'] },
  { cell: 'rnn', direction: 'forward', attrs: ['activations = ["Affine"]', 'activation_alpha = [0.5]', 'activation_beta = [0.25]'] },
  { cell: 'rnn', direction: 'forward', attrs: ['activations = ["ScaledTanh"]', 'activation_alpha = [0.8]', 'activation_beta = [1.5]', 'clip = 0.6'] },
  { cell: 'gru', direction: 'forward', attrs: [] },
  { cell: 'gru', direction: 'bidirectional', attrs: ['linear_before_reset = 1', 'clip = 0.5'] },
  { cell: 'gru', direction: 'reverse', attrs: ['activations = ["HardSigmoid", "LeakyRelu"]', 'activation_alpha = [0.2, 0.05]', 'activation_beta = [0.5]'] },
  { cell: 'lstm', direction: 'forward', attrs: [] },
  { cell: 'lstm', direction: 'bidirectional', attrs: ['clip = 0.4', 'input_forget = 1'] },
  { cell: 'lstm', direction: 'forward', attrs: ['activations = ["Sigmoid", "Softsign", "Relu"]'] },
  { cell: 'lstm', direction: 'reverse', attrs: ['activations = ["ThresholdedRelu", "Elu", "Tanh"]', 'activation_alpha = [-0.2, 1.2]'] },
];

const G = { rnn: 1, gru: 3, lstm: 4 } as const;

/** Compare with the interpreter; a mismatch names the case. */
async function check(c: Case, text: string, ins: Tensor[]): Promise<void> {
  const got = await runWebGpu(text, ins), want = interpText(text, ins);
  try {
    expectClose(got, want, 1e-4, 1e-5);
  } catch (e) {
    throw new Error(`${c.cell} ${c.direction} {${c.attrs.join(', ')}}: ${(e as Error).message}`);
  }
}

/** Module with every weight and state as an input, and its inputs with NaN at the picked places. */
function build(c: Case, holes: { x: number[]; b: number[]; h: number[] }, seed: number): { text: string; ins: Tensor[] } {
  const D = c.direction === 'bidirectional' ? 2 : 1, g = G[c.cell];
  const shapes = { x: [S, B, I], w: [D, g * H, I], r: [D, g * H, H], b: [D, 2 * g * H], h0: [D, B, H] };
  const lstm = c.cell === 'lstm';
  const args = Object.entries(shapes).map(([n, s]) => `%${n}: ${ty(s)}`);
  if (lstm) args.push(`%c0: ${ty([D, B, H])}`);
  const res = lstm ? ['%y', '%yh', '%yc'] : ['%y', '%yh'];
  const rts = [ty([S, D, B, H]), ty([D, B, H]), ty([D, B, H])].slice(0, res.length);
  const ops = `%x, %w, %r, %b, none, %h0${lstm ? ', %c0, none' : ''}`;
  const attrs = [`direction = "${c.direction}"`, `hidden_size = ${H}`, ...c.attrs].join(', ');
  const text = ['module @m {', `  func @main(${args.join(', ')}) -> (${res.map((r, j) => `${r}: ${rts[j]}`).join(', ')}) {`,
    `    ${res.join(', ')} = ${c.cell}(${ops}) {${attrs}} : (${rts.join(', ')})`, `    return ${res.join(', ')}`, '  }', '}'].join('\n');
  const holed = (t: Tensor, hs: number[], k: number): Tensor => {
    const v = Float32Array.from(t.data as Float32Array, (x) => x * k);
    for (const h of hs) v[h % v.length] = NaN;
    return tensorFrom('f32', t.shape, v);
  };
  const scale = 1.5 / Math.sqrt(I + H);
  const ins = [holed(rand(shapes.x, seed), holes.x, 1.5), holed(rand(shapes.w, seed + 1), [], scale), holed(rand(shapes.r, seed + 2), [], scale),
    holed(rand(shapes.b, seed + 3), holes.b, 0.5), holed(rand(shapes.h0, seed + 4), holes.h, 1)];
  if (lstm) ins.push(holed(rand([D, B, H], seed + 5), [], 1));
  return { text, ins };
}

describe('webgpu rnn/gru/lstm: NaN propagates as in the interpreter', () => {
  it('NaN in one input element: every activation, clip, directions', async () => {
    // x[1, 0, 2]: batch row 0 from step 1 on (forward), rows untouched stay finite.
    for (const c of CASES) {
      const { text, ins } = build(c, { x: [1 * B * I + 2], b: [], h: [] }, 17);
      await check(c, text, ins);
    }
  }, 60_000);

  it('NaN at random places of X, the bias and the initial state (fast-check)', async () => {
    const holes = fc.array(fc.nat(200), { maxLength: 2 });
    await fc.assert(fc.asyncProperty(fc.constantFrom(...CASES), holes, holes, holes, fc.integer({ min: 0, max: 1 << 16 }), async (c, x, b, h, seed) => {
      const { text, ins } = build(c, { x, b, h }, seed);
      await check(c, text, ins);
    }), { numRuns: 14, seed: 99 });
  }, 60_000);
});
