import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Builder } from '../../../ir/builder.js';
import { Func, Module, Region, Value } from '../../../ir/ir.js';
import { attr } from '../../../ir/attrs.js';
import { interpret } from '../../../ir/interp.js';
import { verify } from '../../../ir/verify.js';
import type { AttrValue } from '../../../ir/ir.js';
import { tensorFrom, toNumbers, type Tensor } from '../../../ir/tensor.js';
import type { TensorType } from '../../../ir/types.js';

function run(op: string, inputs: (Tensor | null)[], attrs: Record<string, AttrValue>, results: number): [TensorType[], number[][]] {
  const m = new Module('t');
  const args = inputs.filter((t): t is Tensor => t !== null).map((t, i) => new Value(`a${i}`, { dtype: t.dtype, shape: [...t.shape] }));
  const body = new Region(args);
  const b = new Builder(body, m);
  let k = 0;
  const rs = b.op(op, inputs.map((t) => (t ? args[k++]! : null)), { attrs, results });
  b.op('return', rs, { results: 0 });
  m.funcs.push(new Func('main', body, rs.map((_, i) => `r${i}`)));
  expect(verify(m)).toEqual([]);
  return [rs.map((r) => r.type), interpret(m, inputs.filter((t): t is Tensor => t !== null)).map(toNumbers)];
}
const f64 = (shape: number[], v: number[]): Tensor => tensorFrom('f64', shape, v);
const sig = (x: number): number => 1 / (1 + Math.exp(-x));
const close = (got: number[], want: number[]): void => {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => expect(g).toBeCloseTo(want[i]!, 9));
};

// Naive single-row, forward references written from the ONNX equations with nested arrays.
type Mat = number[][];
const mv = (m: Mat, v: number[]): number[] => m.map((row) => row.reduce((s, w, k) => s + w * v[k]!, 0));
const rows = (flat: number[], r0: number, n: number, cols: number): Mat => Array.from({ length: n }, (_, i) => flat.slice((r0 + i) * cols, (r0 + i + 1) * cols));
const add = (...vs: number[][]): number[] => vs[0]!.map((_, i) => vs.reduce((s, v) => s + v[i]!, 0));

function naiveGru(xs: number[][], W: number[], R: number[], B: number[], H: number, I: number, lbr: boolean): number[][] {
  let h = new Array<number>(H).fill(0);
  const out: number[][] = [];
  const Wg = (g: number) => rows(W, g * H, H, I), Rg = (g: number) => rows(R, g * H, H, H);
  const wb = (g: number) => B.slice(g * H, (g + 1) * H), rb = (g: number) => B.slice((3 + g) * H, (4 + g) * H);
  for (const x of xs) {
    const z = add(mv(Wg(0), x), mv(Rg(0), h), wb(0), rb(0)).map(sig);
    const r = add(mv(Wg(1), x), mv(Rg(1), h), wb(1), rb(1)).map(sig);
    const pre = lbr
      ? add(mv(Wg(2), x), wb(2), add(mv(Rg(2), h), rb(2)).map((v, i) => v * r[i]!))
      : add(mv(Wg(2), x), mv(Rg(2), h.map((v, i) => v * r[i]!)), rb(2), wb(2));
    const hh = pre.map(Math.tanh);
    h = h.map((hp, i) => (1 - z[i]!) * hh[i]! + z[i]! * hp);
    out.push(h);
  }
  return out;
}

function naiveLstm(xs: number[][], W: number[], R: number[], B: number[], P: number[], H: number, I: number): { ys: number[][]; c: number[] } {
  let h = new Array<number>(H).fill(0), c = new Array<number>(H).fill(0);
  const ys: number[][] = [];
  const pre = (g: number, x: number[]) => add(mv(rows(W, g * H, H, I), x), mv(rows(R, g * H, H, H), h), B.slice(g * H, (g + 1) * H), B.slice((4 + g) * H, (5 + g) * H));
  for (const x of xs) {
    const i = add(pre(0, x), P.slice(0, H).map((p, j) => p * c[j]!)).map(sig);
    const f = add(pre(2, x), P.slice(2 * H).map((p, j) => p * c[j]!)).map(sig);
    const cc = pre(3, x).map(Math.tanh);
    c = c.map((cp, j) => f[j]! * cp + i[j]! * cc[j]!);
    const o = add(pre(1, x), P.slice(H, 2 * H).map((p, j) => p * c[j]!)).map(sig);
    h = o.map((v, j) => v * Math.tanh(c[j]!));
    ys.push(h);
  }
  return { ys, c };
}

const arbVec = (n: number) => fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: n, maxLength: n });

describe('rnn', () => {
  it('computes a 1-unit Elman RNN by hand', () => {
    const [types, [y, yh]] = run('rnn', [f64([2, 1, 1], [1, 2]), f64([1, 1, 1], [0.5]), f64([1, 1, 1], [2]), f64([1, 2], [0.1, 0.2])], {}, 2);
    expect(types[0]!.shape).toEqual([2, 1, 1, 1]);
    const h1 = Math.tanh(0.5 + 0.3), h2 = Math.tanh(1 + 2 * h1 + 0.3);
    close(y!, [h1, h2]);
    close(yh!, [h2]);
  });

  it('bidirectional = forward on X and forward on reversed X; layout 1 transposes', () => {
    fc.assert(fc.property(arbVec(6), arbVec(3), arbVec(9), (xv, wv, rv) => {
      const X = f64([3, 2, 1], xv); // seq 3, batch 2, input 1
      const W = f64([2, 3, 1], [...wv, ...wv]), R = f64([2, 3, 3], [...rv, ...rv]);
      const [, [yb]] = run('rnn', [X, W, R], { direction: attr.string('bidirectional'), hidden_size: attr.int(3) }, 1);
      const [, [yf]] = run('rnn', [X, f64([1, 3, 1], wv), f64([1, 3, 3], rv)], {}, 1);
      const [, [yr]] = run('rnn', [X, f64([1, 3, 1], wv), f64([1, 3, 3], rv)], { direction: attr.string('reverse') }, 1);
      // yb[t, d, b, h]: d=0 is forward, d=1 is reverse.
      for (let t = 0; t < 3; t++) {
        close(yb!.slice((t * 2) * 6, (t * 2) * 6 + 6), yf!.slice(t * 6, t * 6 + 6));
        close(yb!.slice((t * 2 + 1) * 6, (t * 2 + 1) * 6 + 6), yr!.slice(t * 6, t * 6 + 6));
      }
      const Xb = f64([2, 3, 1], [xv[0]!, xv[2]!, xv[4]!, xv[1]!, xv[3]!, xv[5]!]);
      const [, [yl, yhl]] = run('rnn', [Xb, f64([1, 3, 1], wv), f64([1, 3, 3], rv)], { layout: attr.int(1) }, 2);
      for (let b = 0; b < 2; b++) for (let t = 0; t < 3; t++) close(yl!.slice((b * 3 + t) * 3, (b * 3 + t) * 3 + 3), yf!.slice((t * 2 + b) * 3, (t * 2 + b) * 3 + 3));
      close(yhl!, yf!.slice(2 * 6, 3 * 6));
    }), { numRuns: 20 });
  });

  it('stops each row at its sequence length (zeros after, Y_h from the last step run)', () => {
    const X = f64([3, 2, 1], [1, 1, 1, 1, 1, 1]);
    const [, [y, yh]] = run('rnn', [X, f64([1, 1, 1], [1]), f64([1, 1, 1], [0.5]), null, tensorFrom('i32', [2], [3, 1])], {}, 2);
    const a1 = Math.tanh(1), a2 = Math.tanh(1 + 0.5 * a1), a3 = Math.tanh(1 + 0.5 * a2);
    close(y!, [a1, a1, a2, 0, a3, 0]);
    close(yh!, [a3, a1]);
  });
});

describe('gru', () => {
  for (const lbr of [false, true]) {
    it(`matches the naive equations (linear_before_reset=${lbr})`, () => {
      const H = 2, I = 3, S = 3;
      fc.assert(fc.property(arbVec(S * I), arbVec(3 * H * I), arbVec(3 * H * H), arbVec(6 * H), (xv, wv, rv, bv) => {
        const [, [y]] = run('gru', [f64([S, 1, I], xv), f64([1, 3 * H, I], wv), f64([1, 3 * H, H], rv), f64([1, 6 * H], bv)],
          { hidden_size: attr.int(H), linear_before_reset: attr.int(lbr ? 1 : 0) }, 1);
        const xs = Array.from({ length: S }, (_, t) => xv.slice(t * I, (t + 1) * I));
        close(y!, naiveGru(xs, wv, rv, bv, H, I, lbr).flat());
      }), { numRuns: 20 });
    });
  }
});

describe('lstm', () => {
  it('matches the naive equations with peepholes', () => {
    const H = 2, I = 2, S = 3;
    fc.assert(fc.property(arbVec(S * I), arbVec(4 * H * I), arbVec(4 * H * H), arbVec(8 * H), arbVec(3 * H), (xv, wv, rv, bv, pv) => {
      const [types, [y, yh, yc]] = run('lstm', [f64([S, 1, I], xv), f64([1, 4 * H, I], wv), f64([1, 4 * H, H], rv), f64([1, 8 * H], bv), null, null, null, f64([1, 3 * H], pv)], {}, 3);
      expect(types.map((t) => t.shape)).toEqual([[S, 1, 1, H], [1, 1, H], [1, 1, H]]);
      const xs = Array.from({ length: S }, (_, t) => xv.slice(t * I, (t + 1) * I));
      const ref = naiveLstm(xs, wv, rv, bv, pv, H, I);
      close(y!, ref.ys.flat());
      close(yh!, ref.ys[S - 1]!);
      close(yc!, ref.c);
    }), { numRuns: 20 });
  });

  it('input_forget couples f = 1 - i; clip bounds gate inputs', () => {
    // H = 1, I = 1, all weights 1, x = 1: i = sig(1), f = 1 - i, c = i * tanh(1), o = sig(1 + 0) (no peepholes)
    const ones = (n: number) => new Array<number>(n).fill(1);
    const [, [, yh, yc]] = run('lstm', [f64([1, 1, 1], [1]), f64([1, 4, 1], ones(4)), f64([1, 4, 1], ones(4))], { input_forget: attr.int(1) }, 3);
    const i = sig(1);
    close(yc!, [i * Math.tanh(1)]);
    close(yh!, [sig(1) * Math.tanh(i * Math.tanh(1))]);
    const [, [, yh2]] = run('lstm', [f64([1, 1, 1], [5]), f64([1, 4, 1], ones(4)), f64([1, 4, 1], ones(4))], { clip: attr.float(0.5) }, 2);
    const ci = sig(0.5) * Math.tanh(0.5);
    close(yh2!, [sig(0.5) * Math.tanh(ci)]);
  });
});

describe('shape rule', () => {
  it('rejects weights that do not fit hidden_size and the gate count', () => {
    const X = f64([1, 1, 2], [0, 0]);
    expect(() => run('gru', [X, f64([1, 9, 2], new Array(18).fill(0)), f64([1, 9, 2], new Array(18).fill(0))], { hidden_size: attr.int(3) }, 1)).toThrow(/E307.*R has shape/);
    expect(() => run('lstm', [X, f64([1, 4, 3], new Array(12).fill(0)), f64([1, 4, 1], new Array(4).fill(0))], {}, 1)).toThrow(/E307.*W has shape/);
  });
});
