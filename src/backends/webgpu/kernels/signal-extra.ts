// Signal ops whose sizes may be graph-input data (the result dims then carry data symbols the
// runtime binds before a run; these kernels read the same scalars in the shader):
// - stft (map): one invocation per result element sums its frame's terms directly, the phase
//   k·t mod frame_length kept exactly as an integer (seq-signal.ts sincosTurn);
// - mel_weight_matrix (map): each element recomputes its bin's three filter edges in f32 (the
//   reference computes them in f64: an edge whose exact value lies within f32 rounding of an
//   integer could floor differently; the conformance data does not come near one);
// - dft with a run-time axis or dft_length: seq-signal.ts emitDirectRuntime, registered here so
//   that those operands count as read (liveness);
// - dropout with both results (map, one dispatch per result): the input and an all-true mask,
//   unless training_mode is true and the ratio nonzero (at run time when they are data): then a
//   random mask, keep = hash(seed, i) / 2^24 >= ratio and y = keep ? x / (1 - ratio) : 0, with the
//   same hash as the wasm kernel (wasm/kernels/data.ts), so both backends draw the same mask.

import type { Op, Value } from '../../../../ir/ir.js';
import { coords, intAttr, type KernelCtx, type KernelDef, type MapKernel, needFloat, type SpecialKernel } from '../kernel-api.js';
import { f32Lit, i32Lit, REG } from '../wgsl.js';
import { loadClamped } from './common.js';
import { dftRuntimeOperands, emitDft, sincosTurn } from './seq-signal.js';

/** i32 expression: a scalar integer operand, constant or read at run time. */
function scalarI32(k: KernelCtx, v: Value): string {
  const t = k.constant(v);
  if (t) return i32Lit(Number(t.data[0]));
  const reg = REG[v.type.dtype];
  const x = k.load(v, '0u');
  return reg === 'i32' ? x : `i32(${x})`;
}

/** f32 expression: a scalar operand of any numeric dtype, constant or read at run time. */
function scalarF32(k: KernelCtx, v: Value): string {
  const t = k.constant(v);
  if (t) return f32Lit(Number(t.data[0]));
  const reg = REG[v.type.dtype];
  const x = k.load(v, '0u');
  return reg === 'f32' ? x : reg === 'bool' ? `select(0.0f, 1.0f, ${x})` : `f32(${x})`;
}

/** Operands present, by position. */
const present = (op: Op): number[] => op.operands.flatMap((v, j) => (v ? [j] : []));

// ---------------------------------------------------------------------------------------------
// stft

function stftValue(k: KernelCtx, op: Op, i: string): string {
  const [x, stepV, winV, lenV] = op.operands as [Value, Value, Value | null, Value | null];
  const y = op.results[0]!;
  needFloat(k, op, [x, y, winV]);
  const xd = k.dims(x), yd = k.dims(y);
  const cin = xd[2];
  if (typeof cin !== 'number') k.fail(op, 'stft needs a static trailing dim');
  if (!lenV && !winV) k.fail(op, 'stft needs frame_length or a window');
  const b = k.body;
  const c = coords(k, i, yd);
  const L = `i32(${k.dim(xd[1]!)})`;
  const step = b.let('step', scalarI32(k, stepV));
  // The frame length clamped into [1, length] (and the window's length): the reference rejects
  // others; the result dims (from the same data) stay the bound of every index.
  let fl = lenV ? scalarI32(k, lenV) : `i32(${k.dim(k.dims(winV!)[0]!)})`;
  if (winV && lenV) fl = `min(${fl}, i32(${k.dim(k.dims(winV)[0]!)}))`;
  const n = b.let('n', `u32(clamp(${fl}, 1i, max(min(${L}, ${(1 << 26) - 1}i), 1i)))`);
  const kb = b.let('kb', `${c[2]} % ${n}`);
  const sr = b.var('sr', 'f32', '0.0f'), si = b.var('si', 'f32', '0.0f'), ph = b.var('ph', 'u32', '0u');
  b.block(`for (var t = 0u; t < ${n}; t++)`, () => {
    const pos = b.let('pos', `i32(${c[1]}) * ${step} + i32(t)`);
    b.block(`if (${pos} >= 0i && ${pos} < ${L})`, () => {
      const at = b.let('at', `(${c[0]} * ${k.dim(xd[1]!)} + u32(${pos})) * ${cin}u`);
      const w = winV ? b.let('w', loadClamped(k, winV, 't')) : undefined;
      const re = b.let('re', w ? `${loadClamped(k, x, at)} * ${w}` : loadClamped(k, x, at));
      const im = cin === 2 ? b.let('im', w ? `${loadClamped(k, x, `${at} + 1u`)} * ${w}` : loadClamped(k, x, `${at} + 1u`)) : '0.0f';
      const [cs, sn0] = sincosTurn(b, ph, n);
      // e^(-2πi·p/n): sin of the forward angle is -sn0.
      b.line(`${sr} += ${re} * ${cs} + ${im} * ${sn0};`);
      b.line(`${si} += ${im} * ${cs} - ${re} * ${sn0};`);
    });
    b.line(`${ph} = ${ph} + ${kb};`);
    b.line(`if (${ph} >= ${n}) { ${ph} = ${ph} - ${n}; }`);
  });
  return b.let('v', `select(${si}, ${sr}, ${c[3]} == 0u)`);
}

const STFT_KERNEL: MapKernel = { kind: 'map', pointwise: () => [], reads: present, value: stftValue };

// ---------------------------------------------------------------------------------------------
// mel_weight_matrix

/**
 * Element (j, i) of the [dft_length/2 + 1, num_mel_bins] filter bank, by the interpreter's loops:
 * bin i's edges l, c, r = floor((dft_length + 1) hz_e / rate) for e = i, i + 1, i + 2; rows l..c
 * rise (c == l: row c is 1), then rows c..r-1 fall, overwriting row c.
 */
function melValue(k: KernelCtx, op: Op, i: string): string {
  const y = op.results[0]!;
  needFloat(k, op, [y]);
  const [binsV, lenV, rateV, loV, hiV] = op.operands as [Value, Value, Value, Value, Value];
  const b = k.body;
  const [j, bin] = coords(k, i, k.dims(y));
  const toMel = (hz: string): string => `${f32Lit(2595 / Math.LN10)} * log(1.0f + ${hz} / 700.0f)`;
  const loMel = b.let('lomel', toMel(scalarF32(k, loV)));
  const step = b.let('mstep', `(${toMel(scalarF32(k, hiV))} - ${loMel}) / (${scalarF32(k, binsV)} + 2.0f)`);
  const len1 = b.let('len1', `${scalarF32(k, lenV)} + 1.0f`), rate = b.let('rate', scalarF32(k, rateV));
  const edge = (e: string): string => {
    const hz = `700.0f * (exp((f32(${e}) * ${step} + ${loMel}) * ${f32Lit(Math.LN10 / 2595)}) - 1.0f)`;
    return b.let('edge', `i32(floor(${len1} * (${hz}) / ${rate}))`);
  };
  const l = edge(bin!), c = edge(`${bin} + 1u`), r = edge(`${bin} + 2u`);
  const jj = b.let('jj', `i32(${j})`);
  const v = b.var('v', 'f32', '0.0f');
  b.line(`if (${c} == ${l} && ${jj} == ${c}) { ${v} = 1.0f; }`);
  b.line(`if (${c} != ${l} && ${jj} >= ${l} && ${jj} <= ${c}) { ${v} = f32(${jj} - ${l}) / f32(${c} - ${l}); }`);
  b.line(`if (${r} > ${c} && ${jj} >= ${c} && ${jj} < ${r}) { ${v} = f32(${r} - ${jj}) / f32(${r} - ${c}); }`);
  return v;
}

const MEL_KERNEL: MapKernel = { kind: 'map', pointwise: () => [], reads: present, value: melValue };

// ---------------------------------------------------------------------------------------------
// dft (run-time axis or dft_length)

const DFT_KERNEL: SpecialKernel = {
  kind: 'special', emit: emitDft,
  reads: (op) => (dftRuntimeOperands(op) ? present(op) : [0]),
};

// ---------------------------------------------------------------------------------------------
// dropout

/** The mask hash's start for element i: i times a golden-ratio constant plus the seed's offset. */
const seedOffset = (seed: number): number => (Math.imul(seed | 0, 0x9e3779b9) + 0x7f4a7c15) >>> 0;

function dropoutValue(k: KernelCtx, op: Op, i: string, result = 0): string {
  const [x, ratioV, trainV] = op.operands as [Value, Value | null, Value | null];
  needFloat(k, op, [x]);
  const b = k.body;
  const tc = trainV ? k.constant(trainV) : null;
  // Not training (training_mode absent or a constant false): the identity and an all-true mask.
  if (tc === null || (tc && Number(tc.data[0]) === 0)) return result === 0 ? k.operand(op, 0, i) : 'true';
  const r = b.let('ratio', ratioV ? scalarF32(k, ratioV) : f32Lit(0.5));
  const drop = b.let('drop', `${tc ? 'true' : k.load(trainV!, '0u')} && ${r} != 0.0f`);
  // murmur3's 32-bit finaliser; u in [0, 1) with 24 bits, exact in f32.
  let h = b.var('h', 'u32', `${i} * 0x9e3779b1u + ${seedOffset(intAttr(op, 'seed', 0))}u`);
  for (const [sh, mul] of [[16, 0x85ebca6b], [13, 0xc2b2ae35]] as const) {
    b.line(`${h} = (${h} ^ (${h} >> ${sh}u)) * ${mul}u;`);
  }
  b.line(`${h} = ${h} ^ (${h} >> 16u);`);
  h = b.let('rnd', `f32(${h} >> 8u) * ${f32Lit(2 ** -24)}`);
  const keep = b.let('keep', `!${drop} || ${h} >= ${r}`);
  if (result === 1) return keep;
  const xv = b.let('xv', k.operand(op, 0, i));
  const scaled = b.let('sc', `select(${xv}, ${xv} / (1.0f - ${r}), ${drop})`);
  return b.let('v', `select(0.0f, ${scaled}, ${keep})`);
}

const DROPOUT_KERNEL: MapKernel = { kind: 'map', multi: true, pointwise: () => [0], reads: present, value: dropoutValue };

export const SIGNAL_EXTRA_KERNELS: ReadonlyArray<readonly [string, KernelDef]> = [
  ['stft', STFT_KERNEL],
  ['mel_weight_matrix', MEL_KERNEL],
  ['dft', DFT_KERNEL],
  ['dropout', DROPOUT_KERNEL],
];
