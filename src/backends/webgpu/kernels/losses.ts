// negative_log_likelihood_loss and softmax_cross_entropy_loss: f32 scores [N, C, d...], i64/i32
// targets [N, d...], optional f32 class weights [C]. One thread per position (n, d...) walks the
// class axis (stride = the spatial size): softmax_cross_entropy_loss first takes the row's
// log-sum-exp (max, then sum of exp(x - max)), writes log_prob when the model reads it, then both
// read only the target's entry. A target equal to ignore_index adds neither loss nor weight (loss
// 0 with reduction 'none'). A target outside [0, C) is refused at run time as by the interpreter
// (index-check.ts); the refused run goes on with NaN and a clamped class.
// reduction 'none': 64 positions per workgroup, no workgroup memory. 'sum' / 'mean': ONE workgroup
// of 64 threads strides over all positions and combines loss and weight sums with a tree in
// workgroup memory (each thread writes its slot before the first barrier). One workgroup is
// enough for the sizes losses have (a batch of labels); sums are f32 where the interpreter uses f64.

import type { Op } from '../../../../ir/ir.js';
import { type KernelCtx, type KernelDef, needFloat, type SpecialKernel, type SpecialShader } from '../kernel-api.js';
import { index0 } from '../index-check.js';
import { addU, i32Lit, mulU } from '../wgsl.js';
import { invocationIndex, treeReduce } from './common.js';

const WG = 64;

interface Position { loss: string; weight: string }

/** Loss and weight of the position p (a u32 name below the number of positions). */
function position(k: KernelCtx, op: Op, p: string): Position {
  const sce = op.name === 'softmax_cross_entropy_loss';
  const [x, t, w] = [op.operands[0]!, op.operands[1]!, op.operands[2] ?? null];
  const xd = k.dims(x);
  const C = k.dim(xd[1]!), I = k.size(xd.slice(2));
  const b = k.body;
  const base = b.let('base', I === '1u' ? mulU(p, C) : `(${p} / ${I}) * ${C} * ${I} + ${p} % ${I}`);
  const at = (c: string): string => addU(base, mulU(c, I));
  let lse = '';
  if (sce) {
    const mx = b.var('mx', 'f32', k.load(x, base));
    b.block(`for (var c = 1u; c < ${C}; c++)`, () => b.line(`${mx} = max(${mx}, ${k.load(x, at('c'))});`));
    const se = b.var('se', 'f32', '0.0f');
    b.block(`for (var c = 0u; c < ${C}; c++)`, () => b.line(`${se} = ${se} + exp(${k.load(x, at('c'))} - ${mx});`));
    lse = b.let('lse', `${mx} + log(${se})`);
    // Stored only when something reads log_prob (storeResult prints nothing otherwise).
    if (op.results.length > 1) b.block(`for (var c = 0u; c < ${C}; c++)`, () => k.storeResult(op, 1, at('c'), `${k.load(x, at('c'))} - ${lse}`));
  }
  // A target outside [0, C) other than ignore_index is refused at run time (index-check.ts).
  const ignore = op.attrs.get('ignore_index');
  const { raw: tv, idx: cc } = index0(k, op, t, p, C, ignore ? (j) => `${j} == ${i32Lit(Number(ignore.value))}` : undefined);
  const inRange = b.let('inr', `${tv} >= 0i && ${tv} < i32(${C})`);
  const lp = sce ? `(${k.load(x, at(cc))} - ${lse})` : k.load(x, at(cc));
  // A NaN literal is not a valid WGSL constant expression: go through a variable.
  const nanBits = b.var('nanb', 'u32', '0x7fc00000u');
  const nan = `bitcast<f32>(${nanBits})`;
  const wc = b.var('wc', 'f32', `select(${nan}, ${w ? k.load(w, cc) : '1.0f'}, ${inRange})`);
  const loss = b.var('loss', 'f32', `select(${nan}, -${lp} * ${wc}, ${inRange})`);
  if (ignore) {
    b.block(`if (${tv} == ${i32Lit(Number(ignore.value))})`, () => {
      b.line(`${loss} = 0.0f;`);
      b.line(`${wc} = 0.0f;`);
    });
  }
  return { loss, weight: wc };
}

function emitLoss(k: KernelCtx, op: Op): SpecialShader {
  const [x, t, w] = op.operands;
  // Any float dtype: reads go through k.load (f32 registers), stores round.
  needFloat(k, op, [x, w, ...op.results]);
  if (t!.type.dtype !== 'i64' && t!.type.dtype !== 'i32') k.fail(op, `${op.name} targets of dtype ${t!.type.dtype} are not supported by the webgpu backend (i64 or i32)`);
  const red = String(op.attrs.get('reduction')?.value ?? 'mean');
  if (!['none', 'sum', 'mean'].includes(red)) k.fail(op, `${op.name}: unknown reduction '${red}'`);
  const xd = k.dims(x!);
  const positions = [xd[0]!, ...xd.slice(2)];
  const P = k.size(positions);
  const b = k.body;
  const one = { dims: [], div: 1 };
  if (red === 'none') {
    invocationIndex(b, 'p', WG, P);
    b.line(`epi(p, ${position(k, op, 'p').loss});`);
    return { decls: [], workgroupSize: [WG, 1, 1], dispatch: [{ dims: positions, div: WG }, one, one], fold: true, workgroupBytes: 0 };
  }
  const s = b.var('s', 'f32', '0.0f'), ws = b.var('ws', 'f32', '0.0f');
  b.block(`for (var p = lid; p < ${P}; p += ${WG}u)`, () => {
    const q = position(k, op, 'p');
    b.line(`${s} = ${s} + ${q.loss};`);
    b.line(`${ws} = ${ws} + ${q.weight};`);
  });
  const add = (p: string, q: string): string => `${p} + ${q}`;
  treeReduce(b, WG, [{ arr: 'red_s', value: s, combine: add }, { arr: 'red_w', value: ws, combine: add }], 'st');
  b.line(`if (lid == 0u) { epi(0u, ${red === 'sum' ? 'red_s[0]' : 'red_s[0] / red_w[0]'}); }`);
  return {
    decls: [`var<workgroup> red_s: array<f32, ${WG}>;`, `var<workgroup> red_w: array<f32, ${WG}>;`],
    workgroupSize: [WG, 1, 1], dispatch: [one, one, one], fold: true, workgroupBytes: 8 * WG,
  };
}

const LOSS_KERNEL: SpecialKernel = {
  kind: 'special', emit: emitLoss, extraResults: true,
  flops: (op, numel) => (op.name === 'softmax_cross_entropy_loss' ? 20 : 2) * numel(op.operands[0]!),
};

export const LOSS_KERNELS: ReadonlyArray<readonly [string, KernelDef]> = [
  ['negative_log_likelihood_loss', LOSS_KERNEL],
  ['softmax_cross_entropy_loss', LOSS_KERNEL],
];
