// The three recurrent cells (ONNX gate orders: GRU z,r,h; LSTM i,o,f,c; peepholes i,o,f) and
// their registration. Each step reads the previous (h, c) and overwrites them.

import { defineOps } from '../op-def.js';
import { rnnDef, type Cell } from './rnn-core.js';

const rnn: Cell = {
  op: 'rnn', gates: 1, defaultActs: ['Tanh'], extraInputs: [], extraAttrs: {}, states: 1,
  step(w, [f], clip, h, _c, _attrs, [rh]) {
    w.rec(0, h, rh!);
    for (let j = 0; j < w.H; j++) h[j] = f!(clip(w.xw[j]! + rh![j]!));
  },
};

const gru: Cell = {
  op: 'gru', gates: 3, defaultActs: ['Sigmoid', 'Tanh'], extraInputs: [],
  extraAttrs: { linear_before_reset: { kind: 'int', default: 0 } }, states: 1,
  step(w, [f, g], clip, h, _c, attrs, [rz, rr, rhh, tmp]) {
    const H = w.H;
    w.rec(0, h, rz!);
    w.rec(1, h, rr!);
    const z = rz!, r = rr!;
    for (let j = 0; j < H; j++) {
      z[j] = f!(clip(w.xw[j]! + z[j]!));
      r[j] = f!(clip(w.xw[H + j]! + r[j]!));
    }
    if (attrs.int('linear_before_reset')) {
      // ht = g(Wh x + Wbh + r ⊙ (Rh h + Rbh))
      w.rec(2, h, rhh!);
      for (let j = 0; j < H; j++) rhh![j] = g!(clip(w.xw[2 * H + j]! + r[j]! * rhh![j]!));
    } else {
      // ht = g(Wh x + Wbh + Rh (r ⊙ h) + Rbh)
      for (let j = 0; j < H; j++) tmp![j] = r[j]! * h[j]!;
      w.rec(2, tmp!, rhh!);
      for (let j = 0; j < H; j++) rhh![j] = g!(clip(w.xw[2 * H + j]! + rhh![j]!));
    }
    for (let j = 0; j < H; j++) h[j] = (1 - z[j]!) * rhh![j]! + z[j]! * h[j]!;
  },
};

const lstm: Cell = {
  op: 'lstm', gates: 4, defaultActs: ['Sigmoid', 'Tanh', 'Tanh'], extraInputs: ['initial_c', 'P'],
  extraAttrs: { input_forget: { kind: 'int', default: 0 } }, states: 2,
  step(w, [f, g, hAct], clip, h, c, attrs, [ri, ro, rf, rc]) {
    const H = w.H, P = w.P, xw = w.xw;
    const coupled = attrs.int('input_forget') !== 0;
    w.rec(0, h, ri!);
    w.rec(1, h, ro!);
    w.rec(2, h, rf!);
    w.rec(3, h, rc!);
    for (let j = 0; j < H; j++) {
      const i = f!(clip(xw[j]! + ri![j]! + P[j]! * c[j]!));
      const fg = coupled ? 1 - i : f!(clip(xw[2 * H + j]! + rf![j]! + P[2 * H + j]! * c[j]!));
      const cc = g!(clip(xw[3 * H + j]! + rc![j]!));
      c[j] = fg * c[j]! + i * cc;
      const o = f!(clip(xw[H + j]! + ro![j]! + P[H + j]! * c[j]!));
      h[j] = o * hAct!(c[j]!);
    }
  },
};

defineOps(
  rnnDef(rnn, 'Elman RNN: H = f(X·Wᵀ + H·Rᵀ + Wb + Rb), over a sequence in one or both directions.'),
  rnnDef(gru, 'GRU (gates z, r, h; linear_before_reset selects where r applies), over a sequence in one or both directions.'),
  rnnDef(lstm, 'LSTM (gates i, o, f, c; optional peepholes P and coupled input/forget gate), over a sequence in one or both directions.'),
);
