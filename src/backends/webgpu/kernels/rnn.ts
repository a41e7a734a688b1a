// RNN, GRU and LSTM (f32): one workgroup per (batch row, direction) runs the whole time loop.
// The hidden state lives in workgroup memory, double-buffered (step s reads half s&1 and writes
// the other), so every thread reads all of h while others write the next one; one barrier ends
// each step. Each thread owns hidden units j = lid, lid + WG, ...: it computes all gates of its
// units (W·x + Wb and R·h + Rb per gate, kept apart as the interpreter adds them), the cell
// update, and its own c[j] (LSTM: only unit j's owner ever reads c[j], so c is updated in place).
// GRU without linear_before_reset needs all of r ⊙ h before the candidate gate: a second phase
// after a barrier, with z and r ⊙ h in workgroup memory.
//
// Rows shorter than the sequence (sequence_lens) still loop over all S steps, so every barrier is
// in uniform control flow (the length is read from storage, which WGSL's uniformity analysis
// treats as non-uniform); steps s >= L compute nothing and write Y's zeros at t = s, while the
// active steps write t = s (forward) or L-1-s (reverse): every element of Y reaches epi once.
// Y_h (and Y_c) are the state after the last active step, stored through k.storeResult.

import type { Op, Value } from '../../../../ir/ir.js';
import { actParams } from '../../../../ir/ops/rnn-act.js';
import type { Dim } from '../../../../ir/types.js';
import { floatAttr, intAttr, type KernelCtx, needFloat, type SpecialKernel, type SpecialShader } from '../kernel-api.js';
import { addU, divU, f32Lit, modU, mulU, u32 } from '../wgsl.js';
import { type Activation, ACTIVATIONS, keepNan } from './elementwise.js';
import { workgroupIndex } from './common.js';

/** WebGPU's guaranteed maxComputeWorkgroupStorageSize. */
const WG_STORAGE = 16384;

// The interpreter's activations (ir/ops/rnn-act.ts: names and alpha/beta defaults there), built
// on elementwise.ts's NaN-safe ones; x is always a name (`*_in`), so repeating it is free and
// keepNan adds no statement. Relu is x > 0 ? x : 0 there (NaN gives 0, as onnxruntime's
// std::max(0, x)), so it is thresholded_relu at 0.
const ACTS: Readonly<Record<string, Activation>> = {
  relu: (k, x) => ACTIVATIONS.thresholded_relu(k, x, 0, 0),
  tanh: ACTIVATIONS.tanh,
  sigmoid: ACTIVATIONS.sigmoid,
  softsign: ACTIVATIONS.softsign,
  softplus: ACTIVATIONS.softplus,
  affine: (_k, x, a, b) => `(${f32Lit(a)} * ${x} + ${f32Lit(b)})`,
  leakyrelu: ACTIVATIONS.leaky_relu,
  thresholdedrelu: ACTIVATIONS.thresholded_relu,
  scaledtanh: (k, x, a, b) => `(${f32Lit(a)} * ${ACTIVATIONS.tanh(k, `${f32Lit(b)} * ${x}`, 0, 0)})`,
  hardsigmoid: ACTIVATIONS.hard_sigmoid,
  elu: ACTIVATIONS.elu,
};

interface Act { readonly key: string; readonly f: (x: string) => string }
const CELLS: Readonly<Record<string, { readonly G: number; readonly acts: readonly string[] }>> = {
  rnn: { G: 1, acts: ['Tanh'] }, gru: { G: 3, acts: ['Sigmoid', 'Tanh'] }, lstm: { G: 4, acts: ['Sigmoid', 'Tanh', 'Tanh'] },
};

/** Activations per direction, alpha/beta consumed in order by the functions that take them (as the interpreter does). */
function readActs(k: KernelCtx, op: Op, dirs: number): Act[][] {
  const per = CELLS[op.name]!.acts.length;
  let names = [...((op.attrs.get('activations')?.value as readonly string[] | undefined) ?? [])];
  if (names.length === 0) names = Array.from({ length: dirs }, () => CELLS[op.name]!.acts).flat();
  else if (names.length === per && dirs === 2) names = [...names, ...names];
  if (names.length !== per * dirs) k.fail(op, `${op.name}: expected ${per * dirs} activations, got ${names.length}`);
  const alphas = [...((op.attrs.get('activation_alpha')?.value as readonly number[] | undefined) ?? [])];
  const betas = [...((op.attrs.get('activation_beta')?.value as readonly number[] | undefined) ?? [])];
  const acts = names.map((n) => {
    const p = actParams(n, alphas, betas);
    if (!p || !Object.hasOwn(ACTS, p.key)) return k.fail(op, `${op.name}: activation '${n}' is not supported by the webgpu backend`);
    const f = ACTS[p.key]!;
    return { key: `${p.key}/${p.a}/${p.b}`, f: (x: string) => f(k, x, p.a, p.b) };
  });
  return Array.from({ length: dirs }, (_, d) => acts.slice(d * per, (d + 1) * per));
}

function emitRnn(k: KernelCtx, op: Op): SpecialShader {
  const get = (j: number): Value | null => op.operands[j] ?? null;
  const [X, W, R, Bias, lens, h0] = [0, 1, 2, 3, 4, 5].map(get);
  const c0 = op.name === 'lstm' ? get(6) : null, P = op.name === 'lstm' ? get(7) : null;
  const { G } = CELLS[op.name]!;
  // Any float dtype: every read goes through k.load (f32 registers), every store rounds.
  needFloat(k, op, [X, W, R, Bias, h0, c0, P, ...op.results]);
  if (lens && lens.type.dtype !== 'i32' && lens.type.dtype !== 'i64') k.fail(op, `${op.name}: sequence_lens must be i32 or i64`);
  const xd = k.dims(X!), rd = k.dims(R!);
  const H = rd[2];
  if (typeof H !== 'number' || H < 1) return k.fail(op, `${op.name}: the webgpu backend needs a static hidden size (R is [${rd.join(',')}])`);
  if (op.attrs.has('hidden_size') && intAttr(op, 'hidden_size', H) !== H) k.fail(op, `${op.name}: hidden_size ${intAttr(op, 'hidden_size', H)} does not match R (${H})`);
  const direction = String(op.attrs.get('direction')?.value ?? 'forward');
  if (!['forward', 'reverse', 'bidirectional'].includes(direction)) k.fail(op, `${op.name}: unknown direction '${direction}'`);
  const dirs = direction === 'bidirectional' ? 2 : 1;
  const layout = intAttr(op, 'layout', 0);
  if (layout !== 0 && layout !== 1) k.fail(op, `${op.name}: unknown layout ${layout}`);
  const [Sd, Bd, Id]: Dim[] = layout === 0 ? [xd[0]!, xd[1]!, xd[2]!] : [xd[1]!, xd[0]!, xd[2]!];
  const lbr = op.name === 'gru' && intAttr(op, 'linear_before_reset', 0) !== 0;
  const coupled = op.name === 'lstm' && intAttr(op, 'input_forget', 0) !== 0;
  const acts = readActs(k, op, dirs);
  // Workgroup arrays: h twice, then c (LSTM) or z and r ⊙ h (GRU's two-phase step).
  const extra = op.name === 'lstm' ? ['cs'] : op.name === 'gru' && !lbr ? ['zs', 'rhs'] : [];
  const bytes = 4 * H * (2 + extra.length);
  if (bytes > WG_STORAGE) k.fail(op, `${op.name}: hidden size ${H} needs ${bytes} bytes of workgroup memory, over the ${WG_STORAGE} the webgpu backend may use`);
  const WG = H <= 32 ? 32 : H <= 64 ? 64 : H <= 128 ? 128 : 256;

  const b = k.body;
  const S = k.dim(Sd), Bt = k.dim(Bd), I = k.dim(Id);
  const GH = G * H;
  workgroupIndex(b, 'wg', mulU(Bt, u32(dirs)));
  b.line(`let dir = ${modU('wg', u32(dirs))};`);
  b.line(`let bi = ${divU('wg', u32(dirs))};`);
  b.line(direction === 'bidirectional' ? 'let rev = dir == 1u;' : `let rev = ${direction === 'reverse'};`);
  b.line(lens ? `let L = min(u32(max(${k.load(lens, 'bi')}, 0i)), ${S});` : `let L = ${S};`);
  // Per-direction activation: a select only where the two directions differ.
  const act = (n: number, x: string): string => {
    const a0 = acts[0]![n]!, a1 = acts[dirs - 1]![n]!;
    return a0.key === a1.key ? a0.f(x) : `select(${a1.f(x)}, ${a0.f(x)}, dir == 0u)`;
  };
  const clipA = op.attrs.has('clip') ? f32Lit(floatAttr(op, 'clip', 0)) : undefined;
  /** `let name = act_n(clip(expr));` (the interpreter's clip passes NaN, WGSL's clamp may drop it). */
  const gate = (name: string, n: number, expr: string, clipped = true): string => {
    if (clipA && clipped) {
      b.line(`let ${name}_u = ${expr};`);
      b.line(`let ${name}_in = ${keepNan(k, `${name}_u`, (x) => `clamp(${x}, -${clipA}, ${clipA})`)};`);
    } else {
      b.line(`let ${name}_in = ${expr};`);
    }
    b.line(`let ${name} = ${act(n, `${name}_in`)};`);
    return name;
  };
  const sAt = (j: string): string => (layout === 0 ? `(dir * ${Bt} + bi) * ${H}u + ${j}` : `(bi * ${dirs}u + dir) * ${H}u + ${j}`);
  const yAt = (t: string, j: string): string => (layout === 0 ? `((${t} * ${dirs}u + dir) * ${Bt} + bi) * ${H}u + ${j}` : `((bi * ${S} + ${t}) * ${dirs}u + dir) * ${H}u + ${j}`);
  const xAt = (t: string, q: string): string => (layout === 0 ? `(${t} * ${Bt} + bi) * ${I} + ${q}` : `(bi * ${S} + ${t}) * ${I} + ${q}`);
  const units = (f: () => void): void => b.block(`for (var j = lid; j < ${H}u; j += ${WG}u)`, f);
  /** Index of element `j` of gate g's rows in direction dir, for tensors of `per` rows per direction. */
  const row = (per: number, g: number): string => addU(addU(mulU('dir', u32(per)), u32(g * H)), 'j');
  const bias = (g: number, rec: boolean): string => (Bias ? k.load(Bias, row(2 * GH, (rec ? G : 0) + g)) : '0.0f');
  /**
   * Accumulators `${pre}${g}` = bias + M[g*H + j, :] · v for the gates gs (M = W over x_t, or R
   * over a hidden-size vector in workgroup memory), in one pass over v.
   */
  const dots = (pre: string, M: Value, n: string, gs: readonly number[], v: (q: string) => string, rec: boolean): void => {
    for (const g of gs) b.line(`var ${pre}${g} = ${bias(g, rec)};`);
    b.block(`for (var q = 0u; q < ${n}; q++)`, () => {
      b.line(`let ${pre}v = ${v('q')};`);
      for (const g of gs) b.line(`${pre}${g} = fma(${k.load(M, `${mulU(row(GH, g), n)} + q`)}, ${pre}v, ${pre}${g});`);
    });
  };
  const all = [...Array(G).keys()];
  const hPrev = (q: string): string => `hs[rd + ${q}]`;
  const xt = (q: string): string => k.load(X!, xAt('t', q));

  b.comment(`${op.name} ${direction} layout=${layout} hidden=${H}: one workgroup per (batch row, direction)`);
  units(() => {
    b.line(`hs[j] = ${h0 ? k.load(h0, sAt('j')) : '0.0f'};`);
    if (op.name === 'lstm') b.line(`cs[j] = ${c0 ? k.load(c0, sAt('j')) : '0.0f'};`);
  });
  b.line('workgroupBarrier();');
  b.block(`for (var s = 0u; s < ${S}; s++)`, () => {
    b.line(`let rd = (s & 1u) * ${H}u;`);
    b.line(`let wr = ${H}u - rd;`);
    b.line('let t = select(s, L - 1u - s, rev);');
    const twoPhase = op.name === 'gru' && !lbr;
    b.block('if (s < L)', () => units(() => {
      dots('x', W!, I, twoPhase ? [0, 1] : all, xt, false);
      dots('r', R!, `${H}u`, twoPhase ? [0, 1] : all, hPrev, true);
      if (op.name === 'rnn') {
        gate('hn', 0, 'x0 + r0');
      } else if (op.name === 'gru') {
        gate('zg', 0, 'x0 + r0');
        gate('rg', 0, 'x1 + r1');
        if (twoPhase) {
          b.line('zs[j] = zg;');
          b.line(`rhs[j] = rg * ${hPrev('j')};`);
          return;
        }
        gate('hc', 1, 'x2 + rg * r2');
        b.line(`let hn = (1.0f - zg) * hc + zg * ${hPrev('j')};`);
      } else {
        const peep = (g: number, c: string): string => (P ? ` + ${k.load(P, row(3 * H, g))} * ${c}` : '');
        b.line('let cp = cs[j];');
        gate('ig', 0, `x0 + r0${peep(0, 'cp')}`);
        if (coupled) b.line('let fg = 1.0f - ig;');
        else gate('fg', 0, `x2 + r2${peep(2, 'cp')}`);
        gate('cc', 1, 'x3 + r3');
        b.line('let cn = fg * cp + ig * cc;');
        b.line('cs[j] = cn;');
        gate('og', 0, `x1 + r1${peep(1, 'cn')}`);
        gate('hn', 2, 'cn', false);
        b.line('let hv = og * hn;');
      }
      const hv = op.name === 'lstm' ? 'hv' : 'hn';
      b.line(`hs[wr + j] = ${hv};`);
      b.line(`epi(${yAt('t', 'j')}, ${hv});`);
    }));
    b.block('else', () => units(() => b.line(`epi(${yAt('s', 'j')}, 0.0f);`)));
    if (twoPhase) {
      // Every r ⊙ h is written before the candidate gate reads them all.
      b.line('workgroupBarrier();');
      b.block('if (s < L)', () => units(() => {
        dots('x', W!, I, [2], xt, false);
        dots('r', R!, `${H}u`, [2], (q) => `rhs[${q}]`, true);
        gate('hc', 1, 'x2 + r2');
        b.line('let z = zs[j];');
        b.line(`let hn = (1.0f - z) * hc + z * ${hPrev('j')};`);
        b.line('hs[wr + j] = hn;');
        b.line(`epi(${yAt('t', 'j')}, hn);`);
      }));
    }
    // The next step overwrites the half this one read (and, for GRU, zs and rhs).
    b.line('workgroupBarrier();');
  });
  if (op.results.length > 1) {
    b.line(`let fin = (L & 1u) * ${H}u;`);
    units(() => {
      k.storeResult(op, 1, sAt('j'), 'hs[fin + j]');
      if (op.results.length > 2) k.storeResult(op, 2, sAt('j'), 'cs[j]');
    });
  }
  return {
    decls: [`var<workgroup> hs: array<f32, ${2 * H}>;`, ...extra.map((n) => `var<workgroup> ${n}: array<f32, ${H}>;`)],
    workgroupSize: [WG, 1, 1],
    dispatch: [{ dims: [Bd, dirs], div: 1 }, { dims: [], div: 1 }, { dims: [], div: 1 }],
    fold: true, workgroupBytes: bytes,
  };
}

export const RNN_KERNEL: SpecialKernel = {
  kind: 'special', emit: emitRnn, extraResults: true,
  flops: (op, numel) => {
    const x = op.operands[0]!, r = op.operands[2]!;
    const G = CELLS[op.name]!.G, H = Number(r.type.shape?.[2] ?? 1), dirs = Number(r.type.shape?.[0] ?? 1), I = Number(x.type.shape?.[2] ?? 1);
    return (2 * numel(x) / Math.max(1, I)) * dirs * G * H * (I + H);
  },
};

export const RNN_KERNELS: ReadonlyArray<readonly [string, SpecialKernel]> = [['rnn', RNN_KERNEL], ['gru', RNN_KERNEL], ['lstm', RNN_KERNEL]];
