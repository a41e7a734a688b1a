// RNN, GRU and LSTM as one dedicated kernel each (f32, scalar, correctness first): per direction
// and batch row, the time loop computes the input gates W·x + Wb into a scratch row, the
// recurrent products R·h + Rb per gate, then the cell update, exactly in the interpreter's order
// (ONNX gate orders: GRU z,r,h; LSTM i,o,f,c; peepholes i,o,f). sequence_lens, both layouts,
// directions, clip, initial states and every activation with its alpha/beta are honoured.
// Steps at or beyond a row's length are not run (Y stays 0; Y_h/Y_c keep the last state).

import type { Op, Value } from '../../../../ir/ir.js';
import { actParams } from '../../../../ir/ops/rnn-act.js';
import { add, addr, f32c, get, i32, mul } from '../emitter.js';
import type { KernelCtx, KernelDef } from '../kernel-api.js';
import { viaVec } from './generic-elementwise.js';

type Act = (x: string) => string;
// Per activation of ir/ops/rnn-act.ts (names and alpha/beta defaults there): its f32 code.
const ACTS: Readonly<Record<string, (k: KernelCtx, a: number, b: number) => Act>> = {
  relu: () => (x) => `(f32.max ${x} (f32.const 0))`,
  tanh: (k) => (x) => viaVec(k, 'tanh4', x),
  sigmoid: (k) => (x) => viaVec(k, 'sigmoid4', x),
  softsign: () => (x) => `(f32.div ${x} (f32.add (f32.const 1) (f32.abs ${x})))`,
  affine: (_k, a, b) => (x) => `(f32.add (f32.mul ${f32c(a)} ${x}) ${f32c(b)})`,
  leakyrelu: (_k, a) => (x) => `(select ${x} (f32.mul ${f32c(a)} ${x}) (f32.ge ${x} (f32.const 0)))`,
  thresholdedrelu: (_k, a) => (x) => `(select ${x} (f32.const 0) (f32.gt ${x} ${f32c(a)}))`,
  scaledtanh: (k, a, b) => (x) => `(f32.mul ${f32c(a)} ${viaVec(k, 'tanh4', `(f32.mul ${f32c(b)} ${x})`)})`,
  hardsigmoid: (_k, a, b) => (x) => `(f32.max (f32.const 0) (f32.min (f32.const 1) (f32.add (f32.mul ${f32c(a)} ${x}) ${f32c(b)})))`,
  elu: (k, a) => (x) => `(select ${x} (f32.mul ${f32c(a)} (f32.sub ${viaVec(k, 'exp4', x)} (f32.const 1))) (f32.ge ${x} (f32.const 0)))`,
};
const CELLS: Readonly<Record<string, { G: number; acts: string[] }>> = {
  rnn: { G: 1, acts: ['Tanh'] }, gru: { G: 3, acts: ['Sigmoid', 'Tanh'] }, lstm: { G: 4, acts: ['Sigmoid', 'Tanh', 'Tanh'] },
};

function readActs(k: KernelCtx, op: Op, dirs: number): Act[][] {
  const per = CELLS[op.name]!.acts.length;
  let names = [...((op.attrs.get('activations')?.value as string[] | undefined) ?? [])];
  if (names.length === 0) names = Array.from({ length: dirs }, () => CELLS[op.name]!.acts).flat();
  else if (names.length === per && dirs === 2) names = [...names, ...names];
  if (names.length !== per * dirs) k.fail(op, `expected ${per * dirs} activations`);
  const alphas = [...((op.attrs.get('activation_alpha')?.value as number[] | undefined) ?? [])];
  const betas = [...((op.attrs.get('activation_beta')?.value as number[] | undefined) ?? [])];
  const acts = names.map((n) => {
    const p = actParams(n, alphas, betas);
    const make = p && Object.hasOwn(ACTS, p.key) ? ACTS[p.key]! : k.fail(op, `activation ${n} is not supported by the wasm backend`);
    return make(k, p!.a, p!.b);
  });
  return Array.from({ length: dirs }, (_, d) => acts.slice(d * per, (d + 1) * per));
}

function emitRnn(k: KernelCtx, op: Op): void {
  const [X, W, R, B, lens, h0, c0, P] = [...op.operands, null, null, null, null, null, null, null, null] as (Value | null)[];
  const { G } = CELLS[op.name]!;
  const res = op.results;
  if ([X!, W!, R!, B, h0, c0, P, ...res].some((v) => v && v.type.dtype !== 'f32')) k.fail(op, `${op.name} is f32 only in the wasm backend`);
  if (lens && lens.type.dtype !== 'i32') k.fail(op, `${op.name} sequence_lens must be i32`);
  const rd = k.dims(R!), xd = k.dims(X!);
  const H = rd[2];
  if (typeof H !== 'number') k.fail(op, `${op.name} needs a static hidden size in the wasm backend`);
  const layout = Number(op.attrs.get('layout')?.value ?? 0);
  const direction = String(op.attrs.get('direction')?.value ?? 'forward');
  const dirs = direction === 'bidirectional' ? 2 : 1;
  const [S, Bt, I] = layout === 0 ? [xd[0]!, xd[1]!, xd[2]!] : [xd[1]!, xd[0]!, xd[2]!];
  const s = k.dim(S), bt = k.dim(Bt), In = k.dim(I);
  const acts = readActs(k, op, dirs);
  const clipA = op.attrs.get('clip');
  const clip = (x: string): string => (clipA ? `(f32.min (f32.max ${x} ${f32c(-Number(clipA.value))}) ${f32c(Number(clipA.value))})` : x);
  const em = k.em;
  em.comment(`${op.name} ${direction} layout=${layout} S=${S} B=${Bt} I=${I} H=${H}`);
  const GH = G * H;
  const scratch = k.scratch(4 * (2 * GH + 3 * H));
  const xw = scratch, rec = add(scratch, i32(4 * GH)), h = add(scratch, i32(8 * GH)), c = add(h, i32(4 * H)), tmp = add(c, i32(4 * H));
  const ld = (p: string, i: string): string => `(f32.load ${addr(p, i, 4)})`;
  const st = (p: string, i: string, v: string): void => em.line(`(f32.store ${addr(p, i, 4)} ${v})`);
  const [Y, Yh, Yc] = res;
  if (Y) em.line(`(memory.fill ${k.ptr(Y)} (i32.const 0) ${mul(k.size(k.dims(Y)), i32(4))})`);
  const acc = em.local('acc', 'f32'), L = em.local('L', 'i32'), t = em.local('t', 'i32'), xo = em.local('xo', 'i32');
  // out[g*H + j] = bias + M[g*H + j, :] · v for gates gs, M rows of length n.
  const matvec = (out: string, M: string, mOff: number, bias: string | null, bOff: number, v: string, vOff: string, n: string, gs: readonly number[]): void => {
    for (const g of gs) {
      em.loop('j', i32(H), (j) => {
        const row = add(i32(g * H), j);
        em.set(acc, bias ? ld(bias, add(i32(bOff), row)) : '(f32.const 0)');
        em.loop('q', n, (q) => em.set(acc, `(f32.add ${get(acc)} (f32.mul ${ld(M, add(mul(add(i32(mOff), row), n), q))} ${ld(v, add(vOff, q))}))`));
        st(out, row, get(acc));
      });
    }
  };
  for (let d = 0; d < dirs; d++) {
    const reverse = d === 1 || direction === 'reverse';
    const [f, g2, hAct] = acts[d]!;
    const Bp = B ? k.ptr(B) : null;
    const sAt = (bi: string): string => (layout === 0 ? mul(add(mul(i32(d), bt), bi), i32(H)) : mul(add(mul(bi, i32(dirs)), i32(d)), i32(H)));
    em.loop('b', bt, (bi) => {
      em.loop('j', i32(H), (j) => {
        st(h, j, h0 ? ld(k.ptr(h0), add(sAt(bi), j)) : '(f32.const 0)');
        st(c, j, c0 && op.name === 'lstm' ? ld(k.ptr(c0), add(sAt(bi), j)) : '(f32.const 0)');
      });
      em.set(L, lens ? `(select ${s} (i32.load ${addr(k.ptr(lens), bi, 4)}) (i32.lt_s ${s} (i32.load ${addr(k.ptr(lens), bi, 4)})))` : s);
      em.loop('s', get(L), (si) => {
        em.set(t, reverse ? `(i32.sub (i32.sub ${get(L)} (i32.const 1)) ${si})` : si);
        em.set(xo, mul(layout === 0 ? add(mul(get(t), bt), bi) : add(mul(bi, s), get(t)), In));
        matvec(xw, k.ptr(W!), d * GH, Bp, d * 2 * GH, k.ptr(X!), get(xo), In, [...Array(G).keys()]);
        const recB = (gs: number[], v: string): void => matvec(rec, k.ptr(R!), d * GH, Bp, d * 2 * GH + GH, v, i32(0), i32(H), gs);
        const x = (gate: number, j: string): string => ld(xw, add(i32(gate * H), j));
        const r = (gate: number, j: string): string => ld(rec, add(i32(gate * H), j));
        if (op.name === 'rnn') {
          recB([0], h);
          em.loop('j', i32(H), (j) => st(h, j, f!(clip(`(f32.add ${x(0, j)} ${r(0, j)})`))));
        } else if (op.name === 'gru') {
          recB([0, 1], h);
          em.loop('j', i32(H), (j) => {
            st(rec, j, f!(clip(`(f32.add ${x(0, j)} ${r(0, j)})`)));
            st(rec, add(i32(H), j), f!(clip(`(f32.add ${x(1, j)} ${r(1, j)})`)));
          });
          if (Number(op.attrs.get('linear_before_reset')?.value ?? 0) !== 0) {
            recB([2], h);
            em.loop('j', i32(H), (j) => st(rec, add(i32(2 * H), j), g2!(clip(`(f32.add ${x(2, j)} (f32.mul ${r(1, j)} ${r(2, j)}))`))));
          } else {
            em.loop('j', i32(H), (j) => st(tmp, j, `(f32.mul ${r(1, j)} ${ld(h, j)})`));
            recB([2], tmp);
            em.loop('j', i32(H), (j) => st(rec, add(i32(2 * H), j), g2!(clip(`(f32.add ${x(2, j)} ${r(2, j)})`))));
          }
          em.loop('j', i32(H), (j) => st(h, j, `(f32.add (f32.mul (f32.sub (f32.const 1) ${r(0, j)}) ${r(2, j)}) (f32.mul ${r(0, j)} ${ld(h, j)}))`));
        } else {
          recB([0, 1, 2, 3], h);
          const coupled = Number(op.attrs.get('input_forget')?.value ?? 0) !== 0;
          const pp = (gate: number, j: string): string => (P ? `(f32.mul ${ld(k.ptr(P), add(i32(d * 3 * H + gate * H), j))} ${ld(c, j)})` : '(f32.const 0)');
          const ig = em.local('ig', 'f32'), fg = em.local('fg', 'f32');
          em.loop('j', i32(H), (j) => {
            em.set(ig, f!(clip(`(f32.add (f32.add ${x(0, j)} ${r(0, j)}) ${pp(0, j)})`)));
            em.set(fg, coupled ? `(f32.sub (f32.const 1) ${get(ig)})` : f!(clip(`(f32.add (f32.add ${x(2, j)} ${r(2, j)}) ${pp(2, j)})`)));
            st(c, j, `(f32.add (f32.mul ${get(fg)} ${ld(c, j)}) (f32.mul ${get(ig)} ${g2!(clip(`(f32.add ${x(3, j)} ${r(3, j)})`))}))`);
            st(h, j, `(f32.mul ${f!(clip(`(f32.add (f32.add ${x(1, j)} ${r(1, j)}) ${pp(1, j)})`))} ${hAct!(ld(c, j))})`);
          });
        }
        if (Y) {
          const yAt = layout === 0 ? mul(add(mul(add(mul(get(t), i32(dirs)), i32(d)), bt), bi), i32(H)) : mul(add(mul(add(mul(bi, s), get(t)), i32(dirs)), i32(d)), i32(H));
          em.line(`(memory.copy ${addr(k.ptr(Y), yAt, 4)} ${h} ${i32(4 * H)})`);
        }
      });
      if (Yh) em.line(`(memory.copy ${addr(k.ptr(Yh), sAt(bi), 4)} ${h} ${i32(4 * H)})`);
      if (Yc) em.line(`(memory.copy ${addr(k.ptr(Yc), sAt(bi), 4)} ${c} ${i32(4 * H)})`);
    });
  }
}

export const RNN_KERNEL: KernelDef = {
  emit: emitRnn,
  flops: (op, numel) => {
    const x = op.operands[0]!, r = op.operands[2]!;
    const G = CELLS[op.name]!.G, H = Number(r.type.shape?.[2] ?? 1);
    const dirs = Number(r.type.shape?.[0] ?? 1);
    const I = Number(x.type.shape?.[2] ?? 1);
    return (2 * numel(x) / I) * dirs * G * H * (I + H);
  },
};
