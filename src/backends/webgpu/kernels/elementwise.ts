// Elementwise ops with ONNX broadcasting: each is a WGSL expression over its operands' registers.
// f32 math follows the interpreter: erf, tanh and softplus are helper functions that stay accurate
// near 0 and do not overflow far out (WGSL has no erf; builtin tanh cancels near 0 on SwiftShader).

import type { Op, Value } from '../../../../ir/ir.js';
import { floatAttr, intAttr, type KernelCtx, type MapKernel, needFloat } from '../kernel-api.js';
import { DTYPE_HELPERS } from '../storage.js';
import { f32Lit, literal, REG, type Reg, runtimeF32 } from '../wgsl.js';

type Expr = (a: readonly string[], op: Op, reg: Reg, k: KernelCtx) => string;

const f = (x: number): string => f32Lit(x);

/**
 * NaN test on the bits: WGSL lets implementations assume no NaN, so neither `x != x` nor
 * max/min/clamp (which may drop a NaN operand) can be relied on to see one.
 */
export const isNanF32 = (x: string): string => `((bitcast<u32>(${x}) & 0x7fffffffu) > 0x7f800000u)`;

/**
 * `e`, or x itself where x is NaN (one select): activations built from max/min/clamp propagate NaN.
 * An x that is not a name is bound to a fresh `let` first.
 */
export const keepNan = (k: KernelCtx, x: string, e: (x: string) => string): string => {
  const n = /^[A-Za-z_][A-Za-z_0-9]*$/.test(x) ? x : k.body.let('x', x);
  return `select(${e(n)}, ${n}, ${isNanF32(n)})`;
};

/** An f32 activation of x with its parameters given (the op's attributes, or an RNN's activation_alpha/beta). */
export type Activation = (k: KernelCtx, x: string, alpha: number, beta: number) => string;

/**
 * The f32 activations the elementwise ops and the recurrent ops (rnn.ts) share, NaN as the
 * interpreter: NaN in, NaN out, except thresholded_relu (x > alpha ? x : 0 gives 0).
 */
export const ACTIVATIONS: Readonly<Record<'relu' | 'tanh' | 'sigmoid' | 'softplus' | 'softsign' | 'leaky_relu' | 'thresholded_relu' | 'elu' | 'hard_sigmoid', Activation>> = {
  relu: (k, x) => keepNan(k, x, (v) => `max(${v}, 0.0f)`),
  tanh: (_k, x) => `tanh_f32(${x})`,
  // exp(NaN) may be anything (SwiftShader: inf), and sigmoid is built on it.
  sigmoid: (k, x) => keepNan(k, x, (v) => `(1.0f / (1.0f + exp(-${v})))`),
  softplus: (_k, x) => `softplus_f32(${x})`,
  softsign: (_k, x) => `(${x} / (1.0f + abs(${x})))`,
  leaky_relu: (_k, x, alpha) => `select(${x} * ${f(alpha)}, ${x}, ${x} >= 0.0f)`,
  thresholded_relu: (_k, x, alpha) => `select(0.0f, ${x}, ${x} > ${f(alpha)})`,
  // exp(NaN) may be anything (SwiftShader: inf): NaN takes the x branch.
  elu: (k, x, alpha) => keepNan(k, x, (v) => `select(${f(alpha)} * (exp(${v}) - 1.0f), ${v}, ${v} >= 0.0f)`),
  hard_sigmoid: (k, x, alpha, beta) => keepNan(k, x, (v) => `clamp(${v} * ${f(alpha)} + ${f(beta)}, 0.0f, 1.0f)`),
};
const A = ACTIVATIONS;

const OPS: Record<string, Expr> = {
  add: ([a, b]) => `(${a} + ${b})`,
  sub: ([a, b]) => `(${a} - ${b})`,
  mul: ([a, b]) => `(${a} * ${b})`,
  div: ([a, b], _o, reg) => (reg === 'f32' ? `(${a} / ${b})` : `select(${a} / ${b}, 0${reg === 'i32' ? 'i' : 'u'}, ${b} == 0${reg === 'i32' ? 'i' : 'u'})`),
  // NaN propagates (the interpreter's Math.max/min); integers have none.
  max: (a, _o, reg) => a.reduce((x, y) => (reg === 'f32' ? `max_nan_f32(${x}, ${y})` : `max(${x}, ${y})`)),
  min: (a, _o, reg) => a.reduce((x, y) => (reg === 'f32' ? `min_nan_f32(${x}, ${y})` : `min(${x}, ${y})`)),
  sum: (a) => `(${a.join(' + ')})`,
  mean: (a) => `((${a.join(' + ')}) / ${f(a.length)})`,
  neg: ([a]) => `(-${a})`,
  abs: ([a]) => `abs(${a})`,
  sqrt: ([a]) => `sqrt(${a})`,
  reciprocal: ([a]) => `(1.0f / ${a})`,
  identity: ([a]) => a!,
  relu: ([a], _o, reg, k) => (reg === 'f32' ? A.relu(k, a!, 0, 0) : `max(${a}, ${literal(0, reg)})`),
  // exp(NaN) may be anything (SwiftShader: inf).
  exp: ([a], _o, _r, k) => keepNan(k, a!, (x) => `exp(${x})`),
  // log(0) = -inf (SwiftShader gives -88); the infinity is built at run time, WGSL constants cannot hold one.
  log: ([a]) => `select(log(${a}), ${runtimeF32('0xff800000u', `bitcast<u32>(${a})`)}, ${a} == 0.0f)`,
  tanh: ([a], _o, _r, k) => A.tanh(k, a!, 0, 0),
  sigmoid: ([a], _o, _r, k) => A.sigmoid(k, a!, 0, 0),
  erf: ([a]) => `erf_f32(${a})`,
  floor: ([a]) => `floor(${a})`,
  ceil: ([a]) => `ceil(${a})`,
  round: ([a]) => `round(${a})`,
  // WGSL has no sign() of u32.
  sign: ([a], _o, reg, k) => (reg === 'u32' ? `select(0u, 1u, ${a} != 0u)` : reg === 'f32' ? keepNan(k, a!, (x) => `sign(${x})`) : `sign(${a})`),
  sin: ([a]) => `sincos_f32(${a}, 0i)`,
  cos: ([a]) => `sincos_f32(${a}, 1i)`,
  pow: ([a, b], op, reg) => {
    const er = REG[op.operands[1]!.type.dtype];
    if (reg === 'f32') return `pow_f32(${a}, f32(${b}))`;
    // Integer base: by squaring modulo 2^32 for an integer exponent, else trunc(pow) wrapped.
    if (er !== 'f32') return reg === 'i32' ? `pow_i32(${a}, i32(${b}))` : `bitcast<u32>(pow_i32(bitcast<i32>(${a}), i32(${b})))`;
    const w = `wrap_f32_u32(pow_f32(f32(${a}), ${b}))`;
    return reg === 'i32' ? `bitcast<i32>(${w})` : w;
  },
  softplus: ([a], _o, _r, k) => A.softplus(k, a!, 0, 0),
  softsign: ([a], _o, _r, k) => A.softsign(k, a!, 0, 0),
  swish: ([a], op) => `(${a} / (1.0f + exp(-${f(floatAttr(op, 'alpha', 1))} * ${a})))`,
  leaky_relu: ([a], op, _r, k) => A.leaky_relu(k, a!, floatAttr(op, 'alpha', 0.01), 0),
  elu: ([a], op, _r, k) => A.elu(k, a!, floatAttr(op, 'alpha', 1), 0),
  hard_sigmoid: ([a], op, _r, k) => A.hard_sigmoid(k, a!, floatAttr(op, 'alpha', 0.2), floatAttr(op, 'beta', 0.5)),
  hard_swish: ([a]) => `(${a} * clamp(${a} * ${f(1 / 6)} + 0.5f, 0.0f, 1.0f))`,
  gelu: ([a], op) => (String(op.attrs.get('approximate')?.value ?? 'none') === 'tanh'
    ? `(0.5f * ${a} * (1.0f + tanh_f32(${f(Math.sqrt(2 / Math.PI))} * (${a} + 0.044715f * ${a} * ${a} * ${a}))))`
    : `(0.5f * ${a} * (1.0f + erf_f32(${a} * ${f(Math.SQRT1_2)})))`),
  // clip(x, min?, max?): a missing bound is no bound; a NaN x passes through (a NaN bound is
  // ignored, as the interpreter's comparisons do, on the GPUs where max/min drop a NaN operand).
  clip: ([x, lo, hi], op, reg, k) => {
    const bound = (v: string): string => {
      let e = v;
      if (op.operands[1]) e = `max(${e}, ${lo})`;
      if (op.operands[2]) e = `min(${e}, ${hi})`;
      return e;
    };
    return reg === 'f32' ? keepNan(k, x!, bound) : bound(x!);
  },
  // mod: fmod = 1 truncates (C fmod), else the result takes the divisor's sign; x mod 0 = 0 on ints.
  mod: ([a, b], op, reg) => {
    if (reg === 'f32') return intAttr(op, 'fmod', 0) === 1 ? `(${a} % ${b})` : `mod_floor_f32(${a}, ${b})`;
    const z = literal(0, reg), one = literal(1, reg);
    const r = `(${a} % select(${b}, ${one}, ${b} == ${z}))`;
    if (intAttr(op, 'fmod', 0) === 1 || reg === 'u32') return `select(${z}, ${r}, ${b} != ${z})`;
    return `select(${z}, select(${r}, ${r} + ${b}, ${r} != ${z} && ((${r} < ${z}) != (${b} < ${z}))), ${b} != ${z})`;
  },
  where: ([c, a, b]) => `select(${b}, ${a}, ${c})`,
  equal: ([a, b]) => `(${a} == ${b})`,
  less: ([a, b]) => `(${a} < ${b})`,
  greater: ([a, b]) => `(${a} > ${b})`,
  less_or_equal: ([a, b]) => `(${a} <= ${b})`,
  greater_or_equal: ([a, b]) => `(${a} >= ${b})`,
  not: ([a]) => `(!${a})`,
  and: ([a, b]) => `(${a} && ${b})`,
  or: ([a, b]) => `(${a} || ${b})`,
  xor: ([a, b]) => `(${a} != ${b})`,
  is_nan: ([a]) => `(bitcast<u32>(${a}) & 0x7fffffffu) > 0x7f800000u`,
};

/** Ops whose operands all are f32 math (the others compare, select or are dtype-generic). */
const FLOAT_ONLY = new Set(['exp', 'log', 'tanh', 'sigmoid', 'erf', 'sqrt', 'reciprocal', 'floor', 'ceil', 'round', 'sin', 'cos', 'pow',
  'softplus', 'softsign', 'swish', 'leaky_relu', 'elu', 'hard_sigmoid', 'hard_swish', 'gelu', 'mean']);

/** Helper functions some expressions call; added to a shader when its text mentions them. */
export const WGSL_HELPERS: Readonly<Record<string, string>> = {
  ...DTYPE_HELPERS,
  // Abramowitz & Stegun 7.1.26 (absolute error 1.5e-7) away from 0, and the Taylor series near
  // 0, where 7.1.26's relative error is worst.
  erf_f32: `fn erf_f32(x: f32) -> f32 {
  let ax = abs(x);
  if (ax < 0.5f) {
    let x2 = x * x;
    return x * (1.1283791671f + x2 * (-0.3761263890f + x2 * (0.1128379167f + x2 * (-0.0268661706f + x2 * 0.0052239776f))));
  }
  let t = 1.0f / (1.0f + 0.3275911f * ax);
  let y = 1.0f - (((((1.061405429f * t - 1.453152027f) * t) + 1.421413741f) * t - 0.284496736f) * t + 0.254829592f) * t * exp(-ax * ax);
  return select(-y, y, x >= 0.0f);
}`,
  // WGSL bounds sin/cos error only on [-pi, pi], and SwiftShader is off by 3e-5 even there:
  // Cephes' sinf/cosf. Quadrant j = round(x * 2/pi), r = x - j*pi/2 with pi/2 split in three
  // (exact products), then the sine or cosine polynomial on [-pi/4, pi/4]; cos x = sin(x + pi/2).
  sincos_f32: `fn sincos_f32(x: f32, shift: i32) -> f32 {
  let j = round(x * 0.63661977f);
  let r = ((x - j * 1.5703125f) - j * 4.8375129699707031e-4f) - j * 7.5497899548918822e-8f;
  let s = r * r;
  let sp = r + r * s * (-1.6666654611e-1f + s * (8.3321608736e-3f + s * (-1.9515295891e-4f)));
  let cp = 1.0f - 0.5f * s + s * s * (4.1666645683e-2f + s * (-1.3887316255e-3f + s * 2.4433157118e-5f));
  let q = (i32(j) + shift) & 3i;
  let v = select(sp, cp, (q & 1i) == 1i);
  return select(v, -v, q >= 2i);
}`,
  // Builtin tanh may cancel near 0 (SwiftShader computes it from exp) and overflow far out:
  // an odd Taylor polynomial below 0.3 (error < 2e-8 relative), 1 - 2 / (exp(2|x|) + 1) above;
  // NaN passes through (min and exp may drop it).
  tanh_f32: `fn tanh_f32(x: f32) -> f32 {
  let ax = abs(x);
  if (ax < 0.3f) {
    let x2 = x * x;
    return x + x * x2 * (-0.33333333f + x2 * (0.13333333f + x2 * (-0.053968254f + x2 * 0.021869488f)));
  }
  let t = 1.0f - 2.0f / (exp(2.0f * min(ax, 15.0f)) + 1.0f);
  return select(select(-t, t, x >= 0.0f), x, (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u);
}`,
  // max(x, 0) + log1p(exp(-|x|)), with log1p(y) = log(u) * y / (u - 1) for u = 1 + y (exact where
  // log(1 + y) alone loses y's low bits: large negative x). NaN passes through by the bits.
  softplus_f32: `fn softplus_f32(x: f32) -> f32 {
  let y = exp(-abs(x));
  let u = 1.0f + y;
  let l = select(log(u) * y / (u - 1.0f), y, u == 1.0f);
  return select(max(x, 0.0f) + l, x, (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u);
}`,
  // max/min that propagate NaN (WGSL's may return either operand).
  max_nan_f32: `fn max_nan_f32(a: f32, b: f32) -> f32 {
  return select(select(max(a, b), b, (bitcast<u32>(b) & 0x7fffffffu) > 0x7f800000u), a, (bitcast<u32>(a) & 0x7fffffffu) > 0x7f800000u);
}`,
  min_nan_f32: `fn min_nan_f32(a: f32, b: f32) -> f32 {
  return select(select(min(a, b), b, (bitcast<u32>(b) & 0x7fffffffu) > 0x7f800000u), a, (bitcast<u32>(a) & 0x7fffffffu) > 0x7f800000u);
}`,
  mod_floor_f32: `fn mod_floor_f32(a: f32, b: f32) -> f32 {
  let r = a % b;
  return select(r, r + b, r != 0.0f && ((r < 0.0f) != (b < 0.0f)));
}`,
  // Integer power modulo 2^32; a negative exponent gives trunc(1 / x^|y|) (0 unless x is ±1).
  pow_i32: `fn pow_i32(x: i32, y: i32) -> i32 {
  if (y < 0i) { return select(select(0i, select(1i, -1i, (y & 1i) == 1i), x == -1i), 1i, x == 1i); }
  var r = 1i;
  var b = x;
  var e = y;
  while (e > 0i) {
    if ((e & 1i) == 1i) { r = r * b; }
    b = b * b;
    e = e >> 1u;
  }
  return r;
}`,
  // pow with ONNX's cases for a negative base and an integral exponent (WGSL pow is NaN there).
  pow_f32: `fn pow_f32(a: f32, b: f32) -> f32 {
  if (b == 0.0f) { return 1.0f; }
  if (a >= 0.0f) { return pow(a, b); }
  if (floor(b) != b) { return (b - b) / (b - b); }
  let m = pow(-a, b);
  return select(m, -m, (abs(b) % 2.0f) == 1.0f);
}`,
};

export const ELEMENTWISE_OPS: readonly string[] = Object.keys(OPS);

function value(k: KernelCtx, op: Op, i: string): string {
  const y = op.results[0]!;
  const reg = REG[y.type.dtype];
  if (!reg) k.fail(op, `${op.name} on ${y.type.dtype} is not supported by the webgpu backend`);
  const regs = op.operands.map((v) => (v ? REG[v.type.dtype] : undefined));
  if (regs.some((r, j) => op.operands[j] && !r)) k.fail(op, `${op.name}: an operand dtype is not supported by the webgpu backend`);
  if (FLOAT_ONLY.has(op.name) && op.name !== 'pow') needFloat(k, op, [y, ...op.operands]);
  if (op.name === 'pow' && (reg === 'bool' || regs[1] === 'bool')) k.fail(op, 'pow of bool is not supported by the webgpu backend');
  const args = op.operands.map((v, j) => (v ? k.operand(op, j, i) : ''));
  const e = OPS[op.name]!(args, op, reg, k);
  return k.body.let('v', e);
}

const COST: Readonly<Record<string, number>> = { exp: 8, erf: 16, tanh: 12, sigmoid: 10, gelu: 20, pow: 10, softplus: 10 };

export const ELEMENTWISE_KERNEL: MapKernel = {
  kind: 'map',
  pointwise: (op) => op.operands.map((_v, j) => j),
  value,
  flops: (op: Op, numel: (v: Value) => number) => numel(op.results[0]!) * (COST[op.name] ?? 1),
};
