// ai.onnx.preview FlexAttention: imported (IR attention, or spelled out with score_mod / mask_mod /
// prob_mod subgraphs inlined) and interpreted, against a naive loop of the formula
// Y = prob_mod(softmax(mask_mod(score_mod(Q K^T * scale)))) V, with GQA head sharing.
import { describe, expect, it } from 'vitest';
import { TenthError } from '../../ir/diagnostics.js';
import { interpret } from '../../ir/interp.js';
import { tensorFrom, toNumbers } from '../../ir/tensor.js';
import { verify } from '../../ir/verify.js';
import { importOnnxBytes } from '../../src/onnx/import.js';
import { buildModel, type GraphSpec } from '../../src/onnx/writer.js';

const opts = { file: 'flex.onnx', baseDir: '/nonexistent' };
type Dims = [number, number, number, number];

function rand(n: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: n }, () => { s = (s * 1103515245 + 12345) % 2 ** 31; return (s / 2 ** 31) * 2 - 1; });
}

/** One-input subgraph `f(x) = x <op> c` (or tanh soft cap when op is 'cap'). */
function mod(op: 'Add' | 'Mul' | 'cap', c: number): GraphSpec {
  const io = { inputs: [{ name: 'x', dtype: 'f32' as const, shape: ['B', 'H', 'L', 'S'] }], outputs: [{ name: 'y', dtype: 'f32' as const }] };
  const init = [{ name: 'c', tensor: tensorFrom('f32', [], [c]) }];
  if (op !== 'cap') return { ...io, initializers: init, nodes: [{ opType: op, inputs: ['x', 'c'], outputs: ['y'] }] };
  return {
    ...io, initializers: init,
    nodes: [
      { opType: 'Div', inputs: ['x', 'c'], outputs: ['d'] },
      { opType: 'Tanh', inputs: ['d'], outputs: ['t'] },
      { opType: 'Mul', inputs: ['t', 'c'], outputs: ['y'] },
    ],
  };
}

/** The formula as loops; score/prob are the element-wise modifiers. */
function reference(q: number[], k: number[], v: number[], qd: Dims, kd: Dims, ev: number, scale: number,
  score: (x: number) => number, prob: (x: number) => number): number[] {
  const [B, Hq, L, E] = qd, [, Hkv, S] = kd, group = Hq / Hkv;
  const out: number[] = [];
  for (let b = 0; b < B; b++) for (let h = 0; h < Hq; h++) for (let l = 0; l < L; l++) {
    const hk = Math.floor(h / group);
    const s = Array.from({ length: S }, (_, j) => {
      let d = 0;
      for (let e = 0; e < E; e++) d += q[((b * Hq + h) * L + l) * E + e]! * k[((b * Hkv + hk) * S + j) * E + e]!;
      return score(d * scale);
    });
    const m = Math.max(...s);
    const ex = s.map((x) => Math.exp(x - m));
    const sum = ex.reduce((a, x) => a + x, 0);
    const p = ex.map((x) => prob(x / sum));
    for (let c = 0; c < ev; c++) out.push(p.reduce((a, pj, j) => a + pj * v[((b * Hkv + hk) * S + j) * ev + c]!, 0));
  }
  return out;
}

function run(qd: Dims, kd: Dims, ev: number, attrs: Record<string, number | GraphSpec | { float: number }>) {
  const vd: Dims = [kd[0], kd[1], kd[2], ev];
  const m = importOnnxBytes(buildModel({
    opset: 21, opsets: { 'ai.onnx.preview': 1 },
    inputs: [{ name: 'Q', dtype: 'f32', shape: qd }, { name: 'K', dtype: 'f32', shape: kd }, { name: 'V', dtype: 'f32', shape: vd }],
    outputs: [{ name: 'Y', dtype: 'f32' }],
    nodes: [{ opType: 'FlexAttention', domain: 'ai.onnx.preview', inputs: ['Q', 'K', 'V'], outputs: ['Y'], attrs }],
  }), opts);
  expect(verify(m)).toEqual([]);
  const size = (d: number[]) => d.reduce((a, x) => a * x, 1);
  const [q, k, v] = [rand(size(qd), 1), rand(size(kd), 2), rand(size(vd), 3)];
  const y = interpret(m, [tensorFrom('f32', qd, q), tensorFrom('f32', kd, k), tensorFrom('f32', vd, v)])[0]!;
  expect(y.shape).toEqual([qd[0], qd[1], qd[2], ev]);
  return { m, got: toNumbers(y), q, k, v };
}

const close = (got: number[], want: number[]) => {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => expect(Math.abs(g - want[i]!)).toBeLessThan(1e-5 + 1e-4 * Math.abs(want[i]!)));
};
const id = (x: number) => x;

describe('FlexAttention import', () => {
  it('without subgraphs: the attention op, default scale 1/sqrt(E), GQA', () => {
    const { m, got, q, k, v } = run([2, 6, 3, 5], [2, 2, 7, 5], 3, {});
    expect(m.main.body.ops.some((o) => o.name === 'attention')).toBe(true);
    close(got, reference(q, k, v, [2, 6, 3, 5], [2, 2, 7, 5], 3, 1 / Math.sqrt(5), id, id));
  });

  it('score_mod, mask_mod and prob_mod inlined in order, with a given scale and GQA', () => {
    const attrs = { scale: { float: 0.3 }, score_mod: mod('cap', 1.5), mask_mod: mod('Add', 0.25), prob_mod: mod('Mul', 2) };
    const { m, got, q, k, v } = run([1, 4, 5, 3], [1, 2, 2, 3], 7, attrs);
    expect(m.main.body.ops.some((o) => o.name === 'tanh')).toBe(true);
    close(got, reference(q, k, v, [1, 4, 5, 3], [1, 2, 2, 3], 7, 0.3, (x) => Math.tanh(x / 1.5) * 1.5 + 0.25, (p) => p * 2));
  });

  it('a subgraph whose names shadow the outer graph reads its own values', () => {
    const shadow: GraphSpec = {
      inputs: [{ name: 'Q', dtype: 'f32', shape: ['B', 'H', 'L', 'S'] }], outputs: [{ name: 'Y', dtype: 'f32' }],
      initializers: [{ name: 'K', tensor: tensorFrom('f32', [], [-1]) }],
      nodes: [{ opType: 'Mul', inputs: ['Q', 'K'], outputs: ['Y'] }],
    };
    const { got, q, k, v } = run([1, 1, 2, 4], [1, 1, 3, 4], 2, { score_mod: shadow });
    close(got, reference(q, k, v, [1, 1, 2, 4], [1, 1, 3, 4], 2, 0.5, (x) => -x, id));
  });

  it('refuses subgraphs that do not take one tensor, naming the reason', () => {
    const two: GraphSpec = {
      inputs: [{ name: 'a', dtype: 'f32' }, { name: 'b', dtype: 'f32' }], outputs: [{ name: 'y', dtype: 'f32' }],
      nodes: [{ opType: 'Add', inputs: ['a', 'b'], outputs: ['y'] }],
    };
    let err: unknown;
    try { run([1, 1, 2, 2], [1, 1, 2, 2], 2, { score_mod: two }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(TenthError);
    expect((err as TenthError).message).toMatch(/FlexAttention: subgraph 'score_mod' has 2 inputs, expected 1/);
  });
});
