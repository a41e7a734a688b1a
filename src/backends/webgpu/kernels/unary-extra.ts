// More f32 elementwise ops as map kernels (chained like those of elementwise.ts): inverse and
// hyperbolic trigonometry, tan, selu, celu, thresholded_relu, shrink, mish, is_inf, prelu, swiglu.
// Any float dtype (registers are f32; loads widen and stores round).
// SwiftShader's builtins cancel near 0 where the result is about x (sinh, asinh, atanh), so those
// use odd Taylor polynomials below 0.3 (next term < 1e-7 relative) and the log/exp forms above.
// tan, mish call elementwise.ts's sincos_f32, tanh_f32, softplus_f32 helpers (added to a shader
// by name).

import type { Op, Value } from '../../../../ir/ir.js';
import { floatAttr, intAttr, type KernelCtx, type MapKernel, needFloat } from '../kernel-api.js';
import { f32Lit } from '../wgsl.js';
import { ACTIVATIONS, isNanF32 } from './elementwise.js';

type Expr = (k: KernelCtx, x: string, op: Op, i: string) => string;
const f = f32Lit;

/** p(x) for |x| < 0.3, else big(x); `x` must be a name (it is read several times). */
const small = (k: KernelCtx, x: string, poly: string, big: string): string => k.body.let('v', `select(${big}, ${poly}, abs(${x}) < 0.3f)`);

const OPS: Readonly<Record<string, Expr>> = {
  asin: (_k, x) => `asin(${x})`,
  acos: (_k, x) => `acos(${x})`,
  atan: (_k, x) => `atan(${x})`,
  tan: (_k, x) => `(sincos_f32(${x}, 0i) / sincos_f32(${x}, 1i))`,
  cosh: (_k, x) => `(0.5f * (exp(${x}) + exp(-${x})))`,
  sinh: (k, x) => {
    const s = k.body.let('s', `${x} * ${x}`);
    return small(k, x, `${x} * (1.0f + ${s} * (0.16666667f + ${s} * (0.0083333333f + ${s} * 0.00019841270f)))`, `(0.5f * (exp(${x}) - exp(-${x})))`);
  },
  asinh: (k, x) => {
    const s = k.body.let('s', `${x} * ${x}`);
    const big = `sign(${x}) * log(abs(${x}) + sqrt(${s} + 1.0f))`;
    return small(k, x, `${x} * (1.0f + ${s} * (-0.16666667f + ${s} * (0.075f + ${s} * (-0.044642857f + ${s} * 0.030381944f))))`, big);
  },
  acosh: (_k, x) => `log(${x} + sqrt(${x} * ${x} - 1.0f))`,
  atanh: (k, x) => {
    const s = k.body.let('s', `${x} * ${x}`);
    const poly = `${x} * (1.0f + ${s} * (0.33333333f + ${s} * (0.2f + ${s} * (0.14285714f + ${s} * (0.11111111f + ${s} * 0.090909091f)))))`;
    return small(k, x, poly, `(0.5f * log((1.0f + ${x}) / (1.0f - ${x})))`);
  },
  selu: (_k, x, op) => {
    const a = floatAttr(op, 'alpha', 1.67326319217681884765625), g = floatAttr(op, 'gamma', 1.05070102214813232421875);
    // exp(NaN) may be anything (SwiftShader: inf): NaN takes the x branch, by the bits.
    return `select(${f(g)} * (${f(a)} * exp(${x}) - ${f(a)}), ${f(g)} * ${x}, ${x} > 0.0f || ${isNanF32(x)})`;
  },
  celu: (_k, x, op) => {
    const a = floatAttr(op, 'alpha', 1);
    return `select(max(${x}, 0.0f) + min(${f(a)} * (exp(${x} / ${f(a)}) - 1.0f), 0.0f), ${x}, ${isNanF32(x)})`;
  },
  thresholded_relu: (k, x, op) => ACTIVATIONS.thresholded_relu(k, x, floatAttr(op, 'alpha', 1), 0),
  shrink: (_k, x, op) => {
    const b = f(floatAttr(op, 'bias', 0)), l = floatAttr(op, 'lambd', 0.5);
    return `select(select(0.0f, ${x} - ${b}, ${x} > ${f(l)}), ${x} + ${b}, ${x} < ${f(-l)})`;
  },
  mish: (_k, x) => `(${x} * tanh_f32(softplus_f32(${x})))`,
  is_inf: (_k, x, op) => {
    const w = `bitcast<u32>(${x})`;
    const pos = intAttr(op, 'detect_positive', 1) !== 0, neg = intAttr(op, 'detect_negative', 1) !== 0;
    return `(${pos ? `${w} == 0x7f800000u` : 'false'} || ${neg ? `${w} == 0xff800000u` : 'false'})`;
  },
};

export const UNARY_EXTRA_OPS: readonly string[] = [...Object.keys(OPS), 'prelu', 'swiglu'];

export const UNARY_EXTRA_KERNEL: MapKernel = {
  kind: 'map',
  pointwise: (op) => op.operands.map((_v, j) => j),
  value: (k, op, i) => {
    needFloat(k, op, op.operands);
    const x = k.body.let('x', k.operand(op, 0, i));
    if (op.name === 'prelu') return k.body.let('v', `select(${x}, ${x} * ${k.operand(op, 1, i)}, ${x} < 0.0f)`);
    // swiglu: a * sigmoid(alpha * a) * b (a and b have one shape).
    if (op.name === 'swiglu') return k.body.let('v', `${x} / (1.0f + exp(${f(-floatAttr(op, 'alpha', 1))} * ${x})) * ${k.operand(op, 1, i)}`);
    return k.body.let('v', OPS[op.name]!(k, x, op, i));
  },
  flops: (op: Op, numel: (v: Value) => number) => numel(op.results[0]!) * 10,
};
