// The ten ONNX reductions for every dtype (one table, shared with the tiled reduce of rows.ts),
// and the kernel for reductions whose axes are data (a graph input), keepdims 1 or 0: which axes
// are reduced is known only at run time, so each result element loops over the box of input
// elements that reduce into it; per input axis a flag says whether any listed axis (negative ones
// counted from the end) is it. The result dims are run-time dims (1 on reduced axes; see
// dynamic-dims.ts). One thread per result element: these models are small; rows.ts serves
// constant axes.
//
// Per dtype, as ir/ops/reduce.ts evaluates (floats in f32 registers, stores round):
// - integers: sum, prod, max, min, l1 and sum_square in the integer register, wrapping as
//   ONNX's exact result wraps to the width (the narrowing after the op takes it to 8/16 bits;
//   64-bit integers live in 32 bits, storage.ts); mean sums in 64 bits (mean64) and truncates
//   the exact quotient; an empty set gives 0, 1 or
//   the ends of the dtype's range (i64/u64 max/min of a set known empty is refused: its
//   identity needs 64 bits);
// - integers, l2 / log_sum / log_sum_exp: accumulated in f32, then truncated and wrapped as
//   the interpreter does (non-finite gives 0); l2 takes an exact integer square root;
// - bool: max (any) and min (all) only, through 0/1 words.

import { type DType, intRange, isInteger } from '../../../../ir/dtype.js';
import type { Op } from '../../../../ir/ir.js';
import { coords, intAttr, type KernelCtx, type MapKernel, strides } from '../kernel-api.js';
import { castExpr } from '../storage.js';
import { literal, type Reg, REG, runtimeF32, u32 } from '../wgsl.js';
import { clampIndex } from './common.js';

/** How one reduction computes for one dtype. */
export interface Reduction {
  /** Register type of the accumulator (and of rows.ts's workgroup partials); vec2<u32>: 64 bits (lo, hi). */
  readonly acc: Reg | 'vec2<u32>';
  readonly init: string;
  /** Element (a register of the input dtype) to the term combined into the accumulator. */
  map(v: string): string;
  combine(a: string, b: string): string;
  /** The result register from the accumulator and the element count (u32 expression). */
  fin(a: string, n: string): string;
  /** log_sum_exp: a first pass takes the maximum m (combine max), the second sums exp(x - m). */
  readonly lse?: { readonly max: (a: string, b: string) => string };
}

const SUM = (a: string, b: string): string => `${a} + ${b}`;
/** The dtype's range as the backend keeps it: 64-bit integers in 32 bits (storage.ts). */
const range32 = (dt: DType): [number, number] | undefined =>
  (isInteger(dt) ? intRange(dt === 'i64' ? 'i32' : dt === 'u64' ? 'u32' : dt) : undefined);

/**
 * The reduction `op` computes on its operand's dtype; `zero` is a u32 expression that is 0 at
 * run time (WGSL constants cannot hold the infinities the float reductions start from).
 */
export function reduction(k: KernelCtx, op: Op, zero: string): Reduction {
  const dt = op.operands[0]!.type.dtype;
  const reg = REG[dt];
  const name = op.name.replace(/^global_(max|average)_pool$/, (_m, w: string) => (w === 'max' ? 'reduce_max' : 'reduce_mean'));
  const inf = (neg: boolean): string => runtimeF32(neg ? '0xff800000u' : '0x7f800000u', zero);
  const maxF = (a: string, b: string): string => `max_nan_f32(${a}, ${b})`, minF = (a: string, b: string): string => `min_nan_f32(${a}, ${b})`;
  const f = (init: string, map: (v: string) => string, combine: (a: string, b: string) => string, fin: (a: string, n: string) => string): Reduction => ({ acc: 'f32', init, map, combine, fin });
  // log(0) is -inf (SwiftShader's log gives -88 there).
  const logOf = (a: string): string => `select(log(${a}), ${inf(true)}, ${a} == 0.0f)`;
  const lse: Reduction = {
    acc: 'f32', init: inf(true), map: (v) => v, combine: SUM, lse: { max: maxF },
    // An infinite (or empty: -inf) maximum is the result itself; exp(inf - inf) would be NaN.
    fin: (a) => a,
  };
  if (reg === 'f32') {
    const F: Readonly<Record<string, Reduction>> = {
      reduce_sum: f('0.0f', (v) => v, SUM, (a) => a),
      reduce_mean: f('0.0f', (v) => v, SUM, (a, n) => `${a} / f32(${n})`),
      reduce_max: f(inf(true), (v) => v, maxF, (a) => a),
      reduce_min: f(inf(false), (v) => v, minF, (a) => a),
      reduce_prod: f('1.0f', (v) => v, (a, b) => `${a} * ${b}`, (a) => a),
      reduce_sum_square: f('0.0f', (v) => `${v} * ${v}`, SUM, (a) => a),
      reduce_l1: f('0.0f', (v) => `abs(${v})`, SUM, (a) => a),
      reduce_l2: f('0.0f', (v) => `${v} * ${v}`, SUM, (a) => `sqrt(${a})`),
      reduce_log_sum: f('0.0f', (v) => v, SUM, logOf),
      reduce_log_sum_exp: lse,
    };
    return F[name] ?? k.fail(op, `${op.name} is not supported by the webgpu backend`);
  }
  if (reg === 'bool') {
    if (name !== 'reduce_max' && name !== 'reduce_min') k.fail(op, `${op.name} on bool is not supported (ONNX defines only max and min on bool)`);
    const max = name === 'reduce_max';
    return { acc: 'u32', init: max ? '0u' : '1u', map: (v) => `select(0u, 1u, ${v})`, combine: (a, b) => `${max ? 'max' : 'min'}(${a}, ${b})`, fin: (a) => `(${a} != 0u)` };
  }
  const range = range32(dt);
  if ((reg !== 'i32' && reg !== 'u32') || !range) return k.fail(op, `${op.name} on ${dt} is not supported by the webgpu backend`);
  // The identity of an empty i64/u64 max or min (+-2^63, 2^64 - 1) does not fit the 32-bit
  // register; refused where the empty set is known now (a run-time empty one gives the 32-bit end).
  const empty = k.dims(op.operands[0]!).includes(0) && !k.dims(op.results[0]!).includes(0);
  if (empty && (dt === 'i64' || dt === 'u64') && (name === 'reduce_max' || name === 'reduce_min')) {
    k.fail(op, `${op.name} of an empty set of ${dt} gives a value beyond the 32 bits the webgpu backend keeps of ${dt}`);
  }
  const lit = (x: number): string => literal(x, reg);
  const I = (init: number, map: (v: string) => string, combine: (a: string, b: string) => string, fin: (a: string, n: string) => string = (a) => a): Reduction => ({ acc: reg, init: lit(init), map, combine, fin });
  // Through f32 as the interpreter goes through numbers: truncate, wrap, non-finite gives 0.
  const toF = (v: string): string => castExpr(v, dt, 'f32', true)!;
  const back = (e: string): string => castExpr(e, 'f32', dt, true)!;
  const viaF = (map: (v: string) => string, fin: (a: string) => string): Reduction => f('0.0f', (v) => map(toF(v)), SUM, (a) => back(fin(a)));
  const I_TABLE: Readonly<Record<string, () => Reduction>> = {
    reduce_sum: () => I(0, (v) => v, SUM),
    reduce_mean: () => mean64(k, reg === 'i32'),
    reduce_max: () => I(range[0], (v) => v, (a, b) => `max(${a}, ${b})`),
    reduce_min: () => I(range[1], (v) => v, (a, b) => `min(${a}, ${b})`),
    reduce_prod: () => I(1, (v) => v, (a, b) => `${a} * ${b}`),
    reduce_sum_square: () => I(0, (v) => `${v} * ${v}`, SUM),
    reduce_l1: () => I(0, (v) => (reg === 'i32' ? `abs(${v})` : v), SUM),
    reduce_l2: () => viaF((v) => `${v} * ${v}`, (a) => isqrt(k, a)),
    reduce_log_sum: () => viaF((v) => v, logOf),
    reduce_log_sum_exp: () => ({ ...lse, map: toF, fin: (a) => back(a) }),
  };
  return I_TABLE[name]?.() ?? k.fail(op, `${op.name} on ${dt} is not supported by the webgpu backend`);
}

/**
 * Integer mean: the interpreter divides the exact sum, which 32 bits do not hold (n values near
 * 2^31), so the sum is kept in 64 bits, vec2<u32>(lo, hi) with a carry, and divided by the u32
 * count bit by bit (truncating toward zero; signed: the magnitude, then the sign). The mean of
 * 32-bit values fits 32 bits, so the quotient's high word is 0 and one 32-step division does.
 */
function mean64(k: KernelCtx, signed: boolean): Reduction {
  const b = k.body;
  const add = (p: string, q: string): string => `vec2<u32>(${p}.x + ${q}.x, ${p}.y + ${q}.y + select(0u, 1u, ${p}.x + ${q}.x < ${p}.x))`;
  const map = (v: string): string => {
    const w = b.let('w', v);
    return b.let('w', signed ? `vec2<u32>(bitcast<u32>(${w}), select(0u, 0xffffffffu, ${w} < 0i))` : `vec2<u32>(${w}, 0u)`);
  };
  const fin = (a: string, n: string): string => {
    // An empty set sums to 0 and gives 0 (a constant 0 divisor is a WGSL error).
    if (n === '0u') return signed ? '0i' : '0u';
    const d = b.let('md', `max(${n}, 1u)`);
    const neg = signed ? b.let('mneg', `(${a}.y >> 31u) == 1u`) : 'false';
    // |sum| as two's complement negation of both words.
    const lo = signed ? b.let('mlo', `select(${a}.x, ~${a}.x + 1u, ${neg})`) : `${a}.x`;
    const hi = signed ? b.let('mhi', `select(${a}.y, ~${a}.y + select(0u, 1u, ${a}.x == 0u), ${neg})`) : `${a}.y`;
    const r = b.var('mr', 'u32', `${hi} % ${d}`), q = b.var('mq', 'u32', '0u'), m = b.fresh('mb');
    b.block(`for (var ${m} = 32u; ${m} > 0u; ${m}--)`, () => {
      // r < d before the shift; 2r + bit may pass 2^32 (its top bit is then the 33rd).
      const top = b.let('mt', `${r} >> 31u`);
      b.line(`${r} = (${r} << 1u) | ((${lo} >> (${m} - 1u)) & 1u);`);
      b.block(`if (${top} == 1u || ${r} >= ${d})`, () => {
        b.line(`${r} = ${r} - ${d};`);
        b.line(`${q} = ${q} | (1u << (${m} - 1u));`);
      });
    });
    return signed ? `select(bitcast<i32>(${q}), -bitcast<i32>(${q}), ${neg})` : q;
  };
  return { acc: 'vec2<u32>', init: 'vec2<u32>(0u, 0u)', map, combine: add, fin };
}

/** WGSL for the result of log_sum_exp from the maximum m and the sum s of exp(x - m). */
export const lseResult = (m: string, s: string): string => `select(${m} + log(${s}), ${m}, (bitcast<u32>(${m}) & 0x7fffffffu) == 0x7f800000u)`;

/**
 * The integer square root of an f32 holding an integer, as the interpreter truncates the f64
 * sqrt: floor(sqrt(a)) corrected by one either way (WGSL's sqrt need not round correctly); exact
 * below 2^24.
 */
function isqrt(k: KernelCtx, a: string): string {
  const b = k.body;
  const r0 = b.let('sq', `floor(sqrt(${a}))`);
  const r1 = b.let('sq', `select(${r0}, ${r0} + 1.0f, (${r0} + 1.0f) * (${r0} + 1.0f) <= ${a})`);
  return `select(${r1}, ${r1} - 1.0f, ${r1} * ${r1} > ${a})`;
}

const REDUCE_NAMES = new Set(['reduce_sum', 'reduce_mean', 'reduce_max', 'reduce_min', 'reduce_prod', 'reduce_sum_square', 'reduce_l1', 'reduce_l2', 'reduce_log_sum', 'reduce_log_sum_exp']);

/** A reduction whose result type shows run-time dims where its operand has others: axes from data. */
export function hasRuntimeAxes(op: Op): boolean {
  if (!REDUCE_NAMES.has(op.name)) return false;
  const xd = op.operands[0]?.type.shape, yd = op.results[0]?.type.shape;
  if (!xd || !yd) return false;
  // keepdims = 0 over axes of length 1 leaves no run-time dim: the axes operand is then not a
  // constant (a constant one seen through a fused group's argument is read from the weights).
  const dataAxes = !!op.operands[1] && op.operands[1].def?.name !== 'const';
  return yd.some((d) => typeof d === 'string' && !xd.includes(d)) || (dataAxes && yd.length !== xd.length);
}

export const REDUCE_DYNAMIC_KERNEL: MapKernel = {
  kind: 'map', emptyOperands: true,
  pointwise: () => [],
  reads: () => [0, 1],
  value: (k, op, i) => {
    const [x, axesV] = op.operands;
    const red = reduction(k, op, `min(${i}, 0u)`);
    const xd = k.dims(x!), yd = k.dims(op.results[0]!);
    if (!axesV || REG[axesV.type.dtype] !== 'i32' || k.dims(axesV).length !== 1 || typeof k.dims(axesV)[0] !== 'number') {
      k.fail(op, `${op.name}: run-time axes must be a 1-D i64/i32 tensor of known length in the webgpu backend`);
    }
    const n = k.dims(axesV!)[0] as number;
    const rank = xd.length;
    const keep = intAttr(op, 'keepdims', 1) === 1;
    if (yd.length !== (keep ? rank : rank - n) || (!keep && n === 0)) k.fail(op, `${op.name}: the result rank does not match the run-time axes`);
    const b = k.body;
    const axis = Array.from({ length: n }, (_v, j) => {
      const a = b.let('ax', k.load(axesV!, u32(j)));
      return b.let('ax', `select(${a}, ${a} + ${rank}i, ${a} < 0i)`);
    });
    // No axes listed: all of them, unless noop_with_empty_axes.
    const none = intAttr(op, 'noop_with_empty_axes', 0) === 1 ? 'false' : 'true';
    const r = xd.map((_d, a) => b.let('r', n === 0 ? none : axis.map((e) => `(${e} == ${a}i)`).join(' || ')));
    const c0 = coords(k, i, yd);
    // keepdims = 0: input axis a takes result coordinate a - (reduced axes before a), known at run time.
    const oc = keep || yd.length === 0 ? '' : b.var('oc', `array<u32, ${yd.length}>`, `array<u32, ${yd.length}>(${c0.join(', ')})`);
    const c = keep ? c0 : xd.map((_d, a) => {
      if (yd.length === 0) return '0u';
      const before = a === 0 ? '0u' : r.slice(0, a).map((f) => `select(0u, 1u, ${f})`).join(' + ');
      return b.let('kc', `${oc}[min(${a}u - min(${before}, ${a}u), ${u32(yd.length - 1)})]`);
    });
    const xs = strides(k, xd);
    const ext = xd.map((d, a) => b.let('e', `select(1u, ${k.dim(d)}, ${r[a]})`));
    const total = b.let('total', ext.reduce((p, e) => (p === '1u' ? e : `${p} * ${e}`), '1u'));
    /** One loop over the box; f gets each element's register value. */
    const loop = (f: (v: string) => void): void => b.block(`for (var j = 0u; j < ${total}; j++)`, () => {
      const rem = b.var('rem', 'u32', 'j');
      const terms: string[] = [];
      for (let a = rank - 1; a >= 0; a--) {
        const ca = b.let('ca', `select(${c[a]}, ${rem} % ${ext[a]}, ${r[a]})`);
        b.line(`${rem} = ${rem} / ${ext[a]};`);
        terms.push(`${ca} * ${xs[a]}`);
      }
      // The loop runs only when the box is not empty, so the input has an element to clamp to.
      const at = b.let('at', clampIndex(k, x!, terms.join(' + ')));
      f(k.load(x!, at));
    });
    if (red.lse) {
      const m = b.var('mx', 'f32', red.init);
      loop((v) => b.line(`${m} = ${red.lse!.max(m, red.map(v))};`));
      const s = b.var('sm', 'f32', '0.0f');
      loop((v) => b.line(`${s} = ${s} + exp(${red.map(v)} - ${m});`));
      return b.let('v', red.fin(lseResult(m, s), total));
    }
    const acc = b.var('acc', red.acc, red.init);
    loop((v) => b.line(`${acc} = ${red.combine(acc, red.map(v))};`));
    return b.let('v', red.fin(acc, total));
  },
};
