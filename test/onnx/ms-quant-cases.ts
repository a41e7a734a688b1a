// Random one-node cases for the com.microsoft QOperator ops (ms-quant.test.ts): shapes with dims
// 1, primes and odd sizes, random scales and zero points (sometimes omitted), the attributes each op
// takes. Each case says how close tenth must be to onnxruntime: `units` 0 = equal; 1 = at most one
// unit apart in at most `frac` of the elements, where onnxruntime's kernel rounds in another float
// order (named per op in src/onnx/mapping/ms-quant-*.ts); `float` = a float output within 1e-5.

import type { DType } from '../../ir/dtype.js';
import { tensorFrom, type Tensor } from '../../ir/tensor.js';
import { input, randQ, randZp, scal, type OneNode, type Operand } from './ms-quant-helpers.js';

export interface QCase { c: OneNode; units: number; frac: number; float?: boolean }
export type Builder = (r: () => number, dt: DType) => QCase;

const DIMS = [1, 2, 3, 5, 7, 8, 13, 17];
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const shapeOf = (r: () => number, rank: number, dims = DIMS): number[] => Array.from({ length: rank }, () => pick(r, dims));
const scale = (r: () => number, lo = 0.005, hi = 0.1): number => Math.fround(lo + r() * (hi - lo));
const f32s = (name: string, vals: readonly number[]): Operand => ({ name, tensor: tensorFrom('f32', [vals.length], vals), init: true });
const zp = (r: () => number, name: string, dt: DType): Operand => scal(name, dt, randZp(r, dt));
/** Omitted 1 time in 5 where onnxruntime's schema lets it be (not QLinearAdd/Mul/AveragePool). */
const zpOr = (r: () => number, name: string, dt: DType): Operand | null => (r() < 0.2 ? null : zp(r, name, dt));
const randF = (r: () => number, shape: readonly number[], lo: number, hi: number): Tensor =>
  tensorFrom('f32', shape, Array.from({ length: shape.reduce((a, d) => a * d, 1) }, () => lo + r() * (hi - lo)));

/** A shape that broadcasts against `s`: a suffix of it with some dims set to 1. */
const broadcastOf = (r: () => number, s: readonly number[]): number[] => s.slice(Math.floor(r() * (s.length + 1))).map((d) => (r() < 0.3 ? 1 : d));

function binary(op: 'QLinearAdd' | 'QLinearMul'): Builder {
  return (r, dt) => {
    const sa = r() < 0.5 ? shapeOf(r, 1 + Math.floor(r() * 4)) : [3, 5, 64];
    const sb = r() < 0.5 ? broadcastOf(r, sa) : sa;
    const as = scale(r), bs = scale(r);
    const cs = op === 'QLinearAdd' ? Math.fround((as + bs) * (0.4 + r())) : Math.fround(as * bs * (60 + r() * 200));
    const c: OneNode = {
      op, outDtype: dt,
      operands: [input('a', randQ(r, dt, sa)), scal('as', 'f32', as), zp(r, 'az', dt), input('b', randQ(r, dt, sb), r() < 0.3), scal('bs', 'f32', bs), zp(r, 'bz', dt), scal('cs', 'f32', cs), zp(r, 'cz', dt)],
    };
    // QLinearMul: MLAS's SSE2 kernel, reproduced exactly. QLinearAdd: MLAS's AVX2 kernel evaluates
    // with FMAs (a value within an ulp of a tie may round the other way).
    return { c, units: op === 'QLinearAdd' ? 1 : 0, frac: 0.01 };
  };
}

function lookup(op: 'QLinearSigmoid' | 'QLinearLeakyRelu'): Builder {
  return (r, dt) => {
    const sig = op === 'QLinearSigmoid';
    const c: OneNode = {
      op, outDtype: dt, attrs: sig ? {} : { alpha: { float: Math.fround(0.01 + r() * 0.3) } },
      operands: [input('x', randQ(r, dt, shapeOf(r, 1 + Math.floor(r() * 3)))), scal('xs', 'f32', scale(r, 0.01, 0.1)), zpOr(r, 'xz', dt),
        scal('ys', 'f32', sig && r() < 0.5 ? 1 / 256 : scale(r, 0.003, 0.05)), zpOr(r, 'yz', dt)],
    };
    // Sigmoid: onnxruntime's table uses MLAS's rational approximation of the logistic function.
    return { c, units: sig ? 1 : 0, frac: 0.02 };
  };
}

const globalAvg: Builder = (r, dt) => {
  const rank = 3 + Math.floor(r() * 3);
  const c: OneNode = {
    op: 'QLinearGlobalAveragePool', outDtype: dt, attrs: { channels_last: r() < 0.5 ? 1 : 0 },
    operands: [input('x', randQ(r, dt, shapeOf(r, rank, [1, 2, 3, 5, 7, 11]))), scal('xs', 'f32', scale(r)), scal('xz', dt, randZp(r, dt)), scal('ys', 'f32', scale(r)), scal('yz', dt, randZp(r, dt))],
  };
  return { c, units: 0, frac: 0 };
};

const averagePool: Builder = (r, dt) => {
  const nsp = 1 + Math.floor(r() * 3);
  const sp = shapeOf(r, nsp, nsp === 3 ? [1, 2, 4, 5] : [1, 2, 3, 5, 7, 9]);
  const whole = r() < 0.2;
  const kernel = sp.map((d) => (whole ? d : 1 + Math.floor(r() * Math.min(d, 3))));
  const autoPad = whole ? 'NOTSET' : pick(r, ['NOTSET', 'NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID']);
  const pads = whole ? kernel.map(() => 0).concat(kernel.map(() => 0)) : [...kernel, ...kernel].map((k) => Math.floor(r() * k));
  const ceil = !whole && r() < 0.3 ? 1 : 0;
  const last = r() < 0.4;
  const shape = last ? [pick(r, [1, 2]), ...sp, pick(r, [1, 3, 4])] : [pick(r, [1, 2]), pick(r, [1, 3, 4]), ...sp];
  const c: OneNode = {
    op: 'QLinearAveragePool', outDtype: dt,
    attrs: {
      kernel_shape: kernel, ...(autoPad === 'NOTSET' ? { pads } : { auto_pad: autoPad }), strides: kernel.map(() => 1 + Math.floor(r() * 2)),
      ceil_mode: ceil, count_include_pad: ceil ? 0 : r() < 0.5 ? 1 : 0, channels_last: last ? 1 : 0,
    },
    operands: [input('x', randQ(r, dt, shape)), scal('xs', 'f32', scale(r)), zp(r, 'xz', dt), scal('ys', 'f32', scale(r)), zp(r, 'yz', dt)],
  };
  // onnxruntime sums each window in f32 in row order; the interpreter's order differs.
  return { c, units: 1, frac: 0.02 };
};

const softmax: Builder = (r, dt) => {
  const rank = 2 + Math.floor(r() * 2);
  const shape = shapeOf(r, rank, [1, 2, 3, 5, 7, 16, 33]);
  const opset = r() < 0.5 ? 13 : 11;
  const axis = Math.floor(r() * rank) - (r() < 0.5 ? rank : 0);
  const std = r() < 0.6;
  const c: OneNode = {
    op: 'QLinearSoftmax', outDtype: dt, attrs: { opset, axis },
    operands: [input('x', randQ(r, dt, shape)), scal('xs', 'f32', scale(r, 0.01, 0.2)), scal('xz', dt, randZp(r, dt)),
      scal('ys', 'f32', std ? 1 / 256 : scale(r, 0.002, 0.01)), scal('yz', dt, std ? (dt === 'u8' ? 0 : -128) : randZp(r, dt))],
  };
  // The row sum of exp values is an f32 sum in onnxruntime's order (one sum per row: a row's
  // elements can all land on the other side of a tie together).
  return { c, units: 1, frac: 0.05 };
};

const concat: Builder = (r, dt) => {
  const rank = 1 + Math.floor(r() * 3);
  const base = shapeOf(r, rank);
  const axis = Math.floor(r() * rank);
  const ys = scale(r), yz = randZp(r, dt);
  const ops: Operand[] = [scal('ys', 'f32', ys), scal('yz', dt, yz)];
  const n = 1 + Math.floor(r() * 3);
  for (let k = 0; k < n; k++) {
    const s = base.map((d, i) => (i === axis ? pick(r, [1, 2, 5]) : d));
    const same = r() < 0.3;
    ops.push(input(`x${k}`, randQ(r, dt, s)), scal(`s${k}`, 'f32', same ? ys : scale(r)), scal(`z${k}`, dt, same ? yz : randZp(r, dt)));
  }
  return { c: { op: 'QLinearConcat', outDtype: dt, attrs: { axis: r() < 0.5 ? axis : axis - rank }, operands: ops }, units: 0, frac: 0 };
};

const where: Builder = (r, dt) => {
  const s = shapeOf(r, 1 + Math.floor(r() * 3));
  const cs = broadcastOf(r, s);
  const cond = tensorFrom('bool', cs, Array.from({ length: cs.reduce((a, d) => a * d, 1) }, () => (r() < 0.5 ? 1 : 0)));
  const zs = scale(r), zz = randZp(r, dt);
  const c: OneNode = {
    op: 'QLinearWhere', outDtype: dt,
    operands: [input('c', cond), input('x', randQ(r, dt, broadcastOf(r, s))), scal('xs', 'f32', scale(r)), scal('xz', dt, randZp(r, dt)),
      input('yy', randQ(r, dt, s)), scal('ys', 'f32', r() < 0.3 ? zs : scale(r)), scal('yz', dt, r() < 0.3 ? zz : randZp(r, dt)), scal('zs', 'f32', zs), scal('zz', dt, zz)],
  };
  return { c, units: 0, frac: 0 };
};

const qgemm: Builder = (r, dt) => {
  const M = pick(r, DIMS), K = pick(r, [1, 3, 8, 17, 64]), N = pick(r, DIMS);
  const ta = r() < 0.3, tb = r() < 0.6;
  const bdt: DType = dt === 'i8' || r() < 0.7 ? 'i8' : 'u8';
  const perCol = r() < 0.5;
  const bsc = perCol ? f32s('bs', Array.from({ length: N }, () => scale(r, 0.001, 0.02))) : scal('bs', 'f32', scale(r, 0.001, 0.02));
  const bzv = (): number => (bdt === 'i8' ? 0 : randZp(r, 'u8'));
  const bz: Operand = perCol ? { name: 'bz', tensor: tensorFrom(bdt, [N], Array.from({ length: N }, bzv)), init: true } : scal('bz', bdt, bzv());
  const cShape = pick(r, [[N], [1, N], [M, 1], [M, N], []]);
  const cOp: Operand | null = r() < 0.3 ? null : { name: 'c', tensor: tensorFrom('i32', cShape, Array.from({ length: cShape.reduce((a, d) => a * d, 1) }, () => Math.floor(r() * 4000 - 2000))), init: true };
  const quant = r() < 0.7;
  const ops = [input('a', randQ(r, dt, ta ? [K, M] : [M, K])), scal('as', 'f32', scale(r, 0.01, 0.05)), scal('az', dt, randZp(r, dt)),
    input('b', randQ(r, bdt, tb ? [N, K] : [K, N]), r() < 0.7), bsc, bz, cOp];
  if (quant) ops.push(scal('ys', 'f32', Math.fround(0.05 + r() * Math.sqrt(K) * 0.05)), scal('yz', dt, randZp(r, dt)));
  const c: OneNode = { op: 'QGemm', outDtype: quant ? dt : 'f32', attrs: { alpha: { float: Math.fround(r() < 0.5 ? 1 : 0.25 + r()) }, transA: ta ? 1 : 0, transB: tb ? 1 : 0 }, operands: ops };
  return { c, units: 0, frac: 0, float: !quant };
};

const matMulIntegerToFloat: Builder = (r, dt) => {
  const K = pick(r, [1, 3, 8, 17, 40]), N = pick(r, DIMS);
  const a = shapeOf(r, 1 + Math.floor(r() * 2));
  // onnxruntime's kernels: uint8 A with uint8 or int8 B, int8 A with int8 B.
  const bdt: DType = dt === 'i8' || r() < 0.6 ? 'i8' : 'u8';
  const perCol = r() < 0.5;
  const c: OneNode = {
    op: 'MatMulIntegerToFloat', outDtype: 'f32',
    operands: [input('a', randQ(r, dt, [...a, K])), input('b', randQ(r, bdt, [K, N]), r() < 0.7), scal('as', 'f32', scale(r, 0.01, 0.05)),
      perCol ? f32s('bs', Array.from({ length: N }, () => scale(r, 0.001, 0.02))) : scal('bs', 'f32', scale(r, 0.001, 0.02)),
      zpOr(r, 'az', dt), r() < 0.5 ? null : perCol && bdt === 'u8' ? { name: 'bz', tensor: tensorFrom('u8', [N], Array.from({ length: N }, () => randZp(r, 'u8'))), init: true } : scal('bz', bdt, randZp(r, bdt)),
      r() < 0.5 ? null : f32s('bias', Array.from({ length: N }, () => r() * 2 - 1))],
  };
  return { c, units: 0, frac: 0, float: true };
};

/** `dt`: B's type (A is f32). */
const dynamicQuantizeMatMul: Builder = (r, dt) => {
  const K = pick(r, [1, 3, 8, 17, 40]), N = pick(r, DIMS);
  const a = shapeOf(r, 1 + Math.floor(r() * 2));
  const lo = pick(r, [-2, 0, 0.5]);
  const perCol = r() < 0.5;
  const c: OneNode = {
    op: 'DynamicQuantizeMatMul', outDtype: 'f32',
    operands: [input('a', randF(r, [...a, K], lo, lo + 3)), input('b', randQ(r, dt, [K, N]), r() < 0.7),
      perCol ? f32s('bs', Array.from({ length: N }, () => scale(r, 0.001, 0.02))) : scal('bs', 'f32', scale(r, 0.001, 0.02)),
      r() < 0.4 ? null : scal('bz', dt, dt === 'i8' ? 0 : randZp(r, 'u8')), r() < 0.5 ? null : f32s('bias', Array.from({ length: N }, () => r() * 2 - 1))],
  };
  return { c, units: 0, frac: 0, float: true };
};

/** `dt`: the quantized type (u8, i8, u16, i16). */
function qdq(op: 'QuantizeLinear' | 'DequantizeLinear'): Builder {
  return (r, dt) => {
    const shape = shapeOf(r, 1 + Math.floor(r() * 3));
    const perAxis = r() < 0.5;
    const axis = Math.floor(r() * shape.length);
    const n = perAxis ? shape[axis]! : 1;
    const s = Array.from({ length: n }, () => scale(r, 0.01, 2));
    const z = Array.from({ length: n }, () => randZp(r, dt));
    const x = op === 'QuantizeLinear' ? randF(r, shape, -300, 300) : randQ(r, dt, shape);
    const c: OneNode = {
      op, outDtype: op === 'QuantizeLinear' ? dt : 'f32', attrs: perAxis ? { axis } : {},
      operands: [input('x', x), perAxis ? f32s('s', s) : scal('s', 'f32', s[0]!), perAxis ? { name: 'z', tensor: tensorFrom(dt, [n], z), init: true } : scal('z', dt, z[0]!)],
    };
    return { c, units: 0, frac: 0, float: op === 'DequantizeLinear' };
  };
}

export const CASES: Readonly<Record<string, { build: Builder; dtypes: readonly DType[] }>> = {
  QLinearAdd: { build: binary('QLinearAdd'), dtypes: ['u8', 'i8'] },
  QLinearMul: { build: binary('QLinearMul'), dtypes: ['u8', 'i8'] },
  QLinearSigmoid: { build: lookup('QLinearSigmoid'), dtypes: ['u8', 'i8'] },
  QLinearLeakyRelu: { build: lookup('QLinearLeakyRelu'), dtypes: ['u8', 'i8'] },
  QLinearGlobalAveragePool: { build: globalAvg, dtypes: ['u8', 'i8'] },
  QLinearAveragePool: { build: averagePool, dtypes: ['u8', 'i8'] },
  QLinearSoftmax: { build: softmax, dtypes: ['u8', 'i8'] },
  QLinearConcat: { build: concat, dtypes: ['u8', 'i8'] },
  QLinearWhere: { build: where, dtypes: ['u8', 'i8'] },
  QGemm: { build: qgemm, dtypes: ['u8', 'i8'] },
  MatMulIntegerToFloat: { build: matMulIntegerToFloat, dtypes: ['u8', 'i8'] },
  DynamicQuantizeMatMul: { build: dynamicQuantizeMatMul, dtypes: ['u8', 'i8'] },
  QuantizeLinear: { build: qdq('QuantizeLinear'), dtypes: ['u8', 'i8', 'u16', 'i16'] },
  DequantizeLinear: { build: qdq('DequantizeLinear'), dtypes: ['u8', 'i8', 'u16', 'i16'] },
};
