// Op family: rnn (driver). RNN, GRU and LSTM share one driver (layouts, directions, sequence_lens, initial
// states, optional outputs); each op contributes a cell: its gate count, default activations and
// the update of (h, c) for one batch row at one time step. Computation is in float64, rounded once
// into the result dtype.
//
// Layout 0: X [seq, batch, input], Y [seq, dirs, batch, hidden], Y_h/Y_c [dirs, batch, hidden].
// Layout 1: X [batch, seq, input], Y [batch, seq, dirs, hidden], Y_h/Y_c [batch, dirs, hidden].
// Steps at or beyond a row's sequence length are not run: Y is 0 there and Y_h/Y_c keep the state
// of the last step run (the reverse direction of a row starts at its own last valid step).

import { type AttrReader, type EvalCtx, type InferCtx, type OpDef } from '../op-def.js';
import { getNumber, zeros, type NumericArray, type Tensor } from '../tensor.js';
import type { Dim, TensorType } from '../types.js';
import { UNKNOWN_DIM } from '../types.js';
import { activation, type Act } from './rnn-act.js';

/** Weights of one direction and the gate matrix-vector product the cells use. */
export interface DirWeights {
  readonly H: number;
  readonly I: number;
  /** W·x + Wb for gate g of this step's input (precomputed per step). */
  readonly xw: Float64Array;
  /** out = R_g · v (+ Rb_g): recurrent product of gate g with any vector v of size H. */
  rec(g: number, v: Float64Array, out: Float64Array): void;
  /** Peepholes [3H] (LSTM only; zeros when absent). */
  readonly P: Float64Array;
}

export interface Cell {
  readonly op: 'rnn' | 'gru' | 'lstm';
  readonly gates: number;
  readonly defaultActs: readonly string[];
  readonly extraInputs: readonly string[];
  readonly extraAttrs: OpDef['attrs'];
  /** Number of state outputs after Y (Y_h, and Y_c for LSTM). */
  readonly states: number;
  /** Advance (h, c) in place for one row and step. */
  step(w: DirWeights, acts: readonly Act[], clip: (x: number) => number, h: Float64Array, c: Float64Array, attrs: AttrReader, tmp: Float64Array[]): void;
}

const COMMON_INPUTS = ['X', 'W', 'R', 'B', 'sequence_lens', 'initial_h'];

function dirsOf(attrs: AttrReader, fail: (m: string) => never): number {
  const d = attrs.string('direction');
  if (d !== 'forward' && d !== 'reverse' && d !== 'bidirectional') fail(`unknown direction '${d}'`);
  return d === 'bidirectional' ? 2 : 1;
}

function inferRnn(cell: Cell, ctx: InferCtx): TensorType[] {
  const x = ctx.inputs[0]!, r = ctx.inputs[2]!;
  const dirs = dirsOf(ctx.attrs, ctx.fail);
  const layout = ctx.attrs.int('layout');
  const hidden: Dim = ctx.attrs.has('hidden_size') ? ctx.attrs.int('hidden_size') : r.shape?.[2] ?? UNKNOWN_DIM;
  const [seq, batch]: Dim[] = x.shape === null ? [UNKNOWN_DIM, UNKNOWN_DIM] : layout === 0 ? [x.shape[0]!, x.shape[1]!] : [x.shape[1]!, x.shape[0]!];
  if (x.shape !== null && x.shape.length !== 3) ctx.fail(`X must have rank 3, got ${x.shape.length}`);
  const G = cell.gates;
  const checkShape = (i: number, want: Dim[]): void => {
    const t = ctx.inputs[i];
    if (!t || t.shape === null) return;
    const bad = t.shape.length !== want.length || t.shape.some((d, k) => typeof d === 'number' && typeof want[k] === 'number' && d !== want[k]);
    if (bad) ctx.fail(`${['X', 'W', 'R', 'B'][i]} has shape [${t.shape.join(',')}], expected [${want.join(',')}]`);
  };
  const gh: Dim = typeof hidden === 'number' ? G * hidden : UNKNOWN_DIM;
  const input: Dim = x.shape?.[2] ?? UNKNOWN_DIM;
  checkShape(1, [dirs, gh, input]);
  checkShape(2, [dirs, gh, hidden]);
  checkShape(3, [dirs, typeof hidden === 'number' ? 2 * G * hidden : UNKNOWN_DIM]);
  const y: Dim[] = layout === 0 ? [seq, dirs, batch, hidden] : [batch, seq, dirs, hidden];
  const state: Dim[] = layout === 0 ? [dirs, batch, hidden] : [batch, dirs, hidden];
  const all = [y, state, state].slice(0, 1 + cell.states);
  if (ctx.numResults > all.length) ctx.fail(`has at most ${all.length} results`);
  return all.slice(0, ctx.numResults).map((shape) => ({ dtype: x.dtype, shape }));
}

/** Parse activations (and their alpha/beta, consumed in order by the functions that take them). */
function readActs(cell: Cell, attrs: AttrReader, dirs: number, fail: (m: string) => never): Act[][] {
  const per = cell.defaultActs.length;
  let names = attrs.has('activations') ? [...attrs.strings('activations')] : [];
  if (names.length === 0) names = Array.from({ length: dirs }, () => cell.defaultActs).flat();
  else if (names.length === per && dirs === 2) names = [...names, ...names];
  if (names.length !== per * dirs) fail(`expected ${per * dirs} activations, got ${names.length}`);
  const alphas = attrs.has('activation_alpha') ? [...attrs.floats('activation_alpha')] : [];
  const betas = attrs.has('activation_beta') ? [...attrs.floats('activation_beta')] : [];
  const acts = names.map((n) => activation(n, alphas, betas, fail));
  return Array.from({ length: dirs }, (_, d) => acts.slice(d * per, (d + 1) * per));
}

const f64 = (t: Tensor | null): Float64Array | null => {
  if (!t) return null;
  const out = new Float64Array(t.data.length);
  for (let i = 0; i < out.length; i++) out[i] = getNumber(t, i);
  return out;
};

function evalRnn(cell: Cell, ctx: EvalCtx): Tensor[] {
  const [x, w, r, b, lens, h0, c0, p] = ctx.inputs;
  const layout = ctx.attrs.int('layout');
  const dirs = dirsOf(ctx.attrs, ctx.fail);
  const reverseOnly = ctx.attrs.string('direction') === 'reverse';
  const [S, Bt, I] = layout === 0 ? [x!.shape[0]!, x!.shape[1]!, x!.shape[2]!] : [x!.shape[1]!, x!.shape[0]!, x!.shape[2]!];
  const G = cell.gates;
  const H = r!.shape[2]!;
  if (w!.shape[0] !== dirs || w!.shape[1] !== G * H || w!.shape[2] !== I) ctx.fail(`W has shape [${w!.shape.join(',')}], expected [${dirs},${G * H},${I}]`);
  if (r!.shape[0] !== dirs || r!.shape[1] !== G * H) ctx.fail(`R has shape [${r!.shape.join(',')}], expected [${dirs},${G * H},${H}]`);
  if (ctx.attrs.has('hidden_size') && ctx.attrs.int('hidden_size') !== H) ctx.fail(`hidden_size ${ctx.attrs.int('hidden_size')} does not match R (${H})`);
  const X = f64(x!)!, W = f64(w!)!, R = f64(r!)!, B = f64(b ?? null), P = f64(cell.op === 'lstm' ? p ?? null : null);
  const seqLen = (bi: number): number => (lens ? Math.min(S, getNumber(lens, bi)) : S);
  const acts = readActs(cell, ctx.attrs, dirs, ctx.fail);
  const clipT = ctx.attrs.has('clip') ? ctx.attrs.float('clip') : Infinity;
  const clip = (v: number): number => (v > clipT ? clipT : v < -clipT ? -clipT : v);
  // Index helpers for the two layouts.
  const xAt = (t: number, bi: number): number => (layout === 0 ? (t * Bt + bi) * I : (bi * S + t) * I);
  const yAt = (t: number, d: number, bi: number): number => (layout === 0 ? ((t * dirs + d) * Bt + bi) * H : ((bi * S + t) * dirs + d) * H);
  const sAt = (d: number, bi: number): number => (layout === 0 ? (d * Bt + bi) * H : (bi * dirs + d) * H);
  const Y = new Float64Array(S * dirs * Bt * H);
  const Yh = new Float64Array(dirs * Bt * H), Yc = new Float64Array(dirs * Bt * H);
  const H0 = f64(h0 ?? null), C0 = f64(c0 ?? null);
  const h = new Float64Array(H), c = new Float64Array(H);
  const xw = new Float64Array(G * H);
  const tmp = Array.from({ length: 4 }, () => new Float64Array(H));
  for (let d = 0; d < dirs; d++) {
    const reverse = d === 1 || reverseOnly;
    const wOff = d * G * H * I, rOff = d * G * H * H, bOff = d * 2 * G * H;
    const dw: DirWeights = {
      H, I, xw,
      rec(g, v, out) {
        for (let j = 0; j < H; j++) {
          let s = B ? B[bOff + G * H + g * H + j]! : 0;
          const row = rOff + (g * H + j) * H;
          for (let k = 0; k < H; k++) s += R[row + k]! * v[k]!;
          out[j] = s;
        }
      },
      P: P ? P.subarray(d * 3 * H, (d + 1) * 3 * H) : new Float64Array(3 * H),
    };
    for (let bi = 0; bi < Bt; bi++) {
      for (let j = 0; j < H; j++) {
        h[j] = H0 ? H0[sAt(d, bi) + j]! : 0;
        c[j] = C0 ? C0[sAt(d, bi) + j]! : 0;
      }
      const L = seqLen(bi);
      for (let s = 0; s < L; s++) {
        const t = reverse ? L - 1 - s : s;
        const xo = xAt(t, bi);
        for (let gj = 0; gj < G * H; gj++) {
          let acc = B ? B[bOff + gj]! : 0;
          const row = wOff + gj * I;
          for (let k = 0; k < I; k++) acc += W[row + k]! * X[xo + k]!;
          xw[gj] = acc;
        }
        cell.step(dw, acts[d]!, clip, h, c, ctx.attrs, tmp);
        Y.set(h, yAt(t, d, bi));
      }
      Yh.set(h, sAt(d, bi));
      Yc.set(c, sAt(d, bi));
    }
  }
  const dtype = ctx.resultTypes[0]?.dtype ?? x!.dtype;
  const yShape = layout === 0 ? [S, dirs, Bt, H] : [Bt, S, dirs, H];
  const stShape = layout === 0 ? [dirs, Bt, H] : [Bt, dirs, H];
  const make = (shape: number[], data: Float64Array): Tensor => {
    const t = zeros(dtype, shape);
    (t.data as NumericArray).set(data);
    return t;
  };
  return [make(yShape, Y), make(stShape, Yh), make(stShape, Yc)].slice(0, ctx.resultTypes.length);
}

export function rnnDef(cell: Cell, summary: string): OpDef {
  return {
    name: cell.op,
    summary,
    inputs: [...COMMON_INPUTS, ...cell.extraInputs].map((name, i) => ({ name, optional: i >= 3 })),
    outputs: ['Y', 'Y_h', 'Y_c'].slice(0, 1 + cell.states).map((name) => ({ name, optional: true })),
    attrs: {
      activation_alpha: { kind: 'floats' },
      activation_beta: { kind: 'floats' },
      activations: { kind: 'strings' },
      clip: { kind: 'float' },
      direction: { kind: 'string', default: 'forward' },
      hidden_size: { kind: 'int' },
      layout: { kind: 'int', default: 0 },
      ...cell.extraAttrs,
    },
    traits: ['pure'],
    fusion: 'opaque',
    infer: (ctx) => inferRnn(cell, ctx),
    eval: (ctx) => evalRnn(cell, ctx),
  };
}
