// ir/ops/rnn-act.ts's one table of recurrent activations (names and alpha/beta defaults, shared by
// the interpreter and the wasm and webgpu kernels): parameters consumed in order by the functions
// that take them, ONNX defaults when the lists run out, any case, and names that are not
// activations (including Object's own property names) refused.

import { describe, expect, it } from 'vitest';
import { activation, actParams } from '../../../ir/ops/rnn-act.js';

describe('rnn activation parameters', () => {
  it('consumes alpha/beta in order; defaults when the lists run out', () => {
    const alphas = [0.5, 3], betas = [0.25];
    expect(actParams('Tanh', alphas, betas)).toEqual({ key: 'tanh', a: 0, b: 0 });
    expect(actParams('HardSigmoid', alphas, betas)).toEqual({ key: 'hardsigmoid', a: 0.5, b: 0.25 });
    expect(actParams('LEAKYRELU', alphas, betas)).toEqual({ key: 'leakyrelu', a: 3, b: 0 });
    expect(actParams('ScaledTanh', alphas, betas)).toEqual({ key: 'scaledtanh', a: 1, b: 1 });
    expect(actParams('Affine', [], [])).toEqual({ key: 'affine', a: 1, b: 0 });
    expect(actParams('Elu', [], [])).toEqual({ key: 'elu', a: 1, b: 0 });
    expect(alphas).toEqual([]);
    expect(betas).toEqual([]);
  });

  it('the activations compute with those parameters', () => {
    expect(activation('HardSigmoid', [], [], (m) => { throw new Error(m); })(1)).toBeCloseTo(0.7);
    expect(activation('ThresholdedRelu', [2], [], (m) => { throw new Error(m); })(1.5)).toBe(0);
    expect(activation('Affine', [2], [1], (m) => { throw new Error(m); })(3)).toBe(7);
  });

  it('refuses unknown names, Object property names included', () => {
    for (const n of ['Gelu', 'constructor', 'toString', '__proto__']) {
      expect(actParams(n, [1], [1])).toBeUndefined();
      expect(() => activation(n, [], [], (m) => { throw new Error(m); })).toThrow(`unknown activation '${n}'`);
    }
  });
});
