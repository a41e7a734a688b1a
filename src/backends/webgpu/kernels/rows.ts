// Row kernels with workgroup reductions: one workgroup of 64 threads per row (softmax along an
// axis, layer normalisation over the trailing dims, reductions to one output element). Threads
// stride over the row, combine partials in workgroup memory (each thread writes its slot before
// the barrier, then a tree), and every thread reads the result after the last barrier. Row index
// and bounds are uniform (workgroup id and uniforms), so the early return keeps barriers valid.

import { fail } from '../../../../ir/diagnostics.js';
import type { Op, Value } from '../../../../ir/ir.js';
import { toNumbers } from '../../../../ir/tensor.js';
import type { Dim } from '../../../../ir/types.js';
import { coords, floatAttr, intAttr, intsAttr, type KernelCtx, needFloat, type MapKernel, type SpecialKernel, type SpecialShader, strides } from '../kernel-api.js';
import { addU, f32Lit, mulU, type Reg, REG } from '../wgsl.js';
import { lseResult, reduction } from './reduce-dynamic.js';
import { isNanF32 } from './elementwise.js';
import { axisOf, RED_WG, reduceWg, workgroupIndex } from './common.js';

const WG = RED_WG;

/** The row shader's frame; `red` holds partials of the accumulator's register type. */
function rowShader(rows: readonly Dim[], reg: Reg | 'vec2<u32>' = 'f32'): SpecialShader {
  return {
    decls: [`var<workgroup> red: array<${reg}, ${WG}>;`],
    workgroupSize: [WG, 1, 1],
    dispatch: [{ dims: [...rows], div: 1 }, { dims: [], div: 1 }, { dims: [], div: 1 }],
    fold: true, workgroupBytes: (reg === 'vec2<u32>' ? 8 : 4) * WG,
  };
}

const NEG_INF = f32Lit(-Infinity);

/** [outer, axis, inner] dims of softmax/hardmax; legacy_flatten (old opsets) takes axis.. as one. */
function softmaxBlocks(op: Op, xd: readonly Dim[]): [Dim[], Dim[], Dim[]] {
  if (xd.length === 0) return [[], [], []];
  const axis = axisOf(op, xd.length, -1);
  if (intAttr(op, 'legacy_flatten', 0) !== 0) return [xd.slice(0, axis), xd.slice(axis), []];
  return [xd.slice(0, axis), [xd[axis]!], xd.slice(axis + 1)];
}

function emitSoftmax(k: KernelCtx, op: Op): SpecialShader {
  const x = op.operands[0]!;
  const xd = k.dims(x);
  needFloat(k, op, [x]);
  const [outer, lenDims, inner] = softmaxBlocks(op, xd);
  const rowsDims = [...outer, ...inner];
  const b = k.body;
  const row = workgroupIndex(b, 'row', k.size(rowsDims));
  const I = k.size(inner), L = k.size(lenDims);
  const base = b.let('base', I === '1u' ? `${row} * ${L}` : `(${row} / ${I}) * ${L} * ${I} + ${row} % ${I}`);
  const at = (j: string): string => addU(base, mulU(j, I));
  const loop = (f: (v: string, j: string) => void): void => b.block(`for (var j = lid; j < ${L}; j += ${WG}u)`, () => f(k.load(x, at('j')), 'j'));
  const mx = b.var('mx', 'f32', NEG_INF);
  loop((v) => b.line(`${mx} = max(${mx}, ${v});`));
  const m = reduceWg(k, mx, (p, q) => `max(${p}, ${q})`, 'rmax');
  // A NaN in the row makes the row NaN (the interpreter's). max() may drop it and exp(NaN) may be
  // anything, so a NaN element adds itself to the sum (one select), and a NaN sum is the output.
  const sm = b.var('sm', 'f32', '0.0f');
  loop((v) => {
    const xv = b.let('xv', v);
    b.line(`${sm} = ${sm} + select(exp(${xv} - ${m}), ${xv}, ${isNanF32(xv)});`);
  });
  const tot = reduceWg(k, sm, (p, q) => `${p} + ${q}`, 'rsum');
  const nan = b.let('rnan', isNanF32(tot));
  const log = op.name === 'log_softmax';
  loop((v, j) => b.line(`epi(${at(j)}, select(${log ? `${v} - ${m} - log(${tot})` : `exp(${v} - ${m}) / ${tot}`}, ${tot}, ${nan}));`));
  return rowShader(rowsDims);
}

function emitLayerNorm(k: KernelCtx, op: Op): SpecialShader {
  const [x, scale, bias] = op.operands;
  const xd = k.dims(x!);
  needFloat(k, op, [x]);
  if (op.name === 'rms_normalization' && bias) k.fail(op, 'rms_normalization takes no bias');
  const axis = axisOf(op, xd.length, -1);
  const eps = floatAttr(op, 'epsilon', 1e-5);
  const rowsDims = xd.slice(0, axis);
  const b = k.body;
  const row = workgroupIndex(b, 'row', k.size(rowsDims));
  const L = k.size(xd.slice(axis));
  const base = b.let('base', mulU(row, L));
  const loop = (f: (v: string, j: string) => void): void => b.block(`for (var j = lid; j < ${L}; j += ${WG}u)`, () => f(k.load(x!, `${base} + j`), 'j'));
  const s1 = b.var('s1', 'f32', '0.0f');
  if (op.name !== 'rms_normalization') loop((v) => b.line(`${s1} = ${s1} + ${v};`));
  // RMS normalisation: no mean subtracted (and no bias).
  const rms = op.name === 'rms_normalization';
  const mean = rms ? '0.0f' : b.let('mean', `${reduceWg(k, s1, (p, q) => `${p} + ${q}`, 'rsum')} / f32(${L})`);
  const s2 = b.var('s2', 'f32', '0.0f');
  loop((v) => b.line(rms ? `${s2} = ${s2} + ${v} * ${v};` : `${s2} = ${s2} + (${v} - ${mean}) * (${v} - ${mean});`));
  const inv = b.let('inv', `inverseSqrt(${reduceWg(k, s2, (p, q) => `${p} + ${q}`, 'rvar')} / f32(${L}) + ${f32Lit(eps)})`);
  // Mean and InvStdDev (f32, one per row), when the model reads them.
  if (op.results.length > 1) {
    b.block('if (lid == 0u)', () => {
      k.storeResult(op, 1, row, mean);
      if (op.results.length > 2) k.storeResult(op, 2, row, inv);
    });
  }
  // Scale and bias broadcast over the normalised dims: index j modulo their size.
  const param = (v: Value | null | undefined, j: string): string | undefined => {
    if (!v) return undefined;
    const n = k.size(k.dims(v));
    return k.load(v, n === L ? j : `${j} % ${n}`);
  };
  loop((v, j) => {
    let e = mean === '0.0f' ? `${v} * ${inv}` : `(${v} - ${mean}) * ${inv}`;
    const sc = param(scale, j), bi = param(bias, j);
    if (sc) e = `${e} * ${sc}`;
    if (bi) e = `${e} + ${bi}`;
    b.line(`epi(${base} + ${j}, ${e});`);
  });
  return rowShader(rowsDims);
}

/** The ops of the tiled reduce: every dtype of reduce-dynamic.ts's table (log_sum_exp in two passes). */
export const REDUCE_OPS: readonly string[] = [
  'reduce_sum', 'reduce_mean', 'global_average_pool', 'reduce_max', 'global_max_pool', 'reduce_min', 'reduce_prod',
  'reduce_sum_square', 'reduce_l1', 'reduce_l2', 'reduce_log_sum', 'reduce_log_sum_exp',
];

function reduceAxes(k: KernelCtx, op: Op, rank: number): number[] {
  if (op.name.startsWith('global_')) return Array.from({ length: rank - 2 }, (_v, a) => a + 2);
  let axes = intsAttr(op, 'axes');
  // An axes operand of no elements (a graph input of dims [0]) means the default, as a constant would.
  const av = op.operands[1];
  if (av && !(k.dims(av).length === 1 && k.dims(av)[0] === 0)) {
    const t = k.constant(av);
    if (!t) return axesFromTypes(k, op, rank);
    axes = toNumbers(t);
  }
  if (!axes || axes.length === 0) return intAttr(op, 'noop_with_empty_axes', 0) === 1 ? [] : Array.from({ length: rank }, (_v, a) => a);
  return [...new Set(axes.map((a) => (a + rank) % rank))].sort((a, b) => a - b);
}

/**
 * Axes given at run time, with keepdims: the reduced axes are those the result type shrank to 1
 * (a size-1 axis reduces to itself either way). None shrank: the op was a no-op.
 */
function axesFromTypes(k: KernelCtx, op: Op, rank: number): number[] {
  const xd = k.dims(op.operands[0]!), yd = k.dims(op.results[0]!);
  if (intAttr(op, 'keepdims', 1) !== 1 || yd.length !== rank) k.fail(op, `${op.name}: axes given at run time need keepdims = 1 in the webgpu backend`);
  return xd.map((_d, a) => a).filter((a) => yd[a] === 1 && xd[a] !== 1);
}

function emitReduce(k: KernelCtx, op: Op): SpecialShader {
  const x = op.operands[0]!;
  const xd = k.dims(x);
  if (op.name.startsWith('global_')) needFloat(k, op, [x]);
  const red = reduction(k, op, 'lid');
  const axes = reduceAxes(k, op, xd.length);
  const keptAxes = xd.map((_d, a) => a).filter((a) => !axes.includes(a));
  const kept = keptAxes.map((a) => xd[a]!), rd = axes.map((a) => xd[a]!);
  const xs = strides(k, xd);
  const b = k.body;
  const row = workgroupIndex(b, 'row', k.size(kept));
  const kc = coords(k, row, kept, 'kc');
  const base = b.let('base', keptAxes.reduce((acc, a, j) => addU(acc, mulU(kc[j]!, xs[a]!)), '0u'));
  const n = k.size(rd);
  /** acc = combine(acc, f(x)) over this thread's share of the row, then the workgroup's total. */
  const pass = (init: string, f: (v: string) => string, combine: (p: string, q: string) => string, name: string): string => {
    const acc = b.var('acc', red.acc, init);
    // A static empty set: no loop (its coordinates would divide by a constant 0); the result is init.
    if (!rd.includes(0)) {
      b.block(`for (var r = lid; r < ${n}; r += ${WG}u)`, () => {
        const rc = coords(k, 'r', rd, 'rc');
        const off = axes.reduce((e, a, j) => addU(e, mulU(rc[j]!, xs[a]!)), base);
        b.line(`${acc} = ${combine(acc, f(k.load(x, off)))};`);
      });
    }
    return reduceWg(k, acc, combine, name, red.acc);
  };
  let tot: string;
  if (red.lse) {
    const m = pass(red.init, red.map, red.lse.max, 'mx');
    const s = pass('0.0f', (v) => `exp(${red.map(v)} - ${m})`, (p, q) => `${p} + ${q}`, 'sm');
    tot = lseResult(m, s);
  } else {
    tot = pass(red.init, red.map, red.combine, 'tot');
  }
  b.line(`if (lid == 0u) { epi(${row}, ${red.fin(tot, n)}); }`);
  return rowShader(kept, red.acc);
}

export const SOFTMAX_KERNEL: SpecialKernel = { kind: 'special', emit: emitSoftmax, flops: (op, numel) => 4 * numel(op.results[0]!) };
export const LAYER_NORM_KERNEL: SpecialKernel = { kind: 'special', emit: emitLayerNorm, extraResults: true, flops: (op, numel) => 8 * numel(op.results[0]!) };
/** Runs on an empty operand too (lower.ts reads emptyOperands): reducing an empty set gives init. */
export const REDUCE_KERNEL: SpecialKernel & { readonly emptyOperands: true } = {
  kind: 'special', emit: emitReduce, reads: () => [0], emptyOperands: true, flops: (op, numel) => numel(op.operands[0]!),
};

/**
 * arg_max / arg_min along one axis (i64 result), one thread per output walking the axis. NaN
 * counts as the largest value, as in the interpreter (numpy): arg_max picks it, arg_min avoids it.
 */
function argValue(k: KernelCtx, op: Op, i: string): string {
  const x = op.operands[0]!;
  const xd = k.dims(x);
  const reg = REG[x.type.dtype];
  if (!reg || reg === 'bool') k.fail(op, `${op.name} on ${x.type.dtype} is not supported by the webgpu backend`);
  const axis = axisOf(op, xd.length, 0);
  // The interpreter refuses at run time; a static empty axis is known now (the kernel would return 0).
  if (xd[axis] === 0) fail('E205', `${op.name} %${op.results[0]!.name}: cannot take the arg of an empty axis (axis ${axis} has size 0)`, op.loc);
  const last = intAttr(op, 'select_last_index', 0) === 1;
  const kept = xd.filter((_d, a) => a !== axis);
  const c = coords(k, i, kept, 'ac');
  const xs = strides(k, xd);
  const b = k.body;
  const base = b.let('base', kept.reduce<string>((e, _d, j) => addU(e, mulU(c[j]!, xs[j < axis ? j : j + 1]!)), '0u'));
  const at = (j: string): string => addU(base, mulU(j, xs[axis]!));
  const best = b.var('best', reg, k.load(x, base));
  const bi = b.var('bi', 'i32', '0i');
  const nan = (v: string): string => (reg === 'f32' ? isNanF32(v) : 'false');
  b.block(`for (var j = 1u; j < ${k.dim(xd[axis]!)}; j++)`, () => {
    const v = b.let('xv', k.load(x, at('j')));
    const vn = b.let('vn', nan(v)), bn = b.let('bn', nan(best));
    const max = op.name === 'arg_max';
    const better = max
      ? (last ? `${vn} || (!${bn} && ${v} >= ${best})` : `(${vn} && !${bn}) || (!${vn} && !${bn} && ${v} > ${best})`)
      : (last ? `!${vn} && (${bn} || ${v} <= ${best})` : `(${bn} && !${vn}) || (!${vn} && !${bn} && ${v} < ${best})`);
    b.block(`if (${better})`, () => { b.line(`${best} = ${v};`); b.line(`${bi} = i32(j);`); });
  });
  return bi;
}

// emptyOperands: an empty axis must reach argValue's refusal instead of a silent zero-workgroup dispatch.
export const ARG_KERNEL: MapKernel = { kind: 'map', pointwise: () => [], value: argValue, emptyOperands: true, flops: (op, numel) => numel(op.operands[0]!) };

/** hardmax: 1 where the element is its row's first maximum (NaN counts as largest), else 0. */
function hardmaxValue(k: KernelCtx, op: Op, i: string): string {
  const x = op.operands[0]!;
  needFloat(k, op, [x]);
  const [, lenDims, inner] = softmaxBlocks(op, k.dims(x));
  const b = k.body;
  const I = k.size(inner), L = k.size(lenDims);
  const j = b.let('hj', I === '1u' ? `${i} % ${L}` : `(${i} / ${I}) % ${L}`);
  const base = b.let('hbase', `${i} - ${mulU(j, I)}`);
  const mx = b.var('hmax', 'f32', NEG_INF), arg = b.var('harg', 'u32', '0u');
  b.block(`for (var q = 0u; q < ${L}; q++)`, () => {
    const v = b.let('hv', k.load(x, addU(base, mulU('q', I))));
    b.block(`if (${v} > ${mx} || (${isNanF32(v)} && !${isNanF32(mx)}))`, () => { b.line(`${mx} = ${v};`); b.line(`${arg} = q;`); });
  });
  return b.let('v', `select(0.0f, 1.0f, ${j} == ${arg})`);
}

export const HARDMAX_KERNEL: MapKernel = { kind: 'map', pointwise: () => [], value: hardmaxValue };
