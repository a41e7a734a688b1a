// Activation functions of the recurrent ops (ONNX names, case-insensitive). Functions with
// parameters take them from activation_alpha/activation_beta in order (as onnxruntime does);
// when the lists run out, the ONNX defaults of the same-named operator apply.

export type Act = (x: number) => number;

const sigmoid: Act = (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

/**
 * The activations by lowercase ONNX name, with the parameters each takes and their defaults (those
 * of the same-named operator). The one table of names and defaults: the wasm and webgpu backends'
 * recurrent kernels read theirs through actParams too.
 */
export const ACT_PARAMS: Readonly<Record<string, { readonly alpha?: number; readonly beta?: number }>> = {
  relu: {}, tanh: {}, sigmoid: {}, softsign: {}, softplus: {},
  affine: { alpha: 1, beta: 0 },
  leakyrelu: { alpha: 0.01 },
  thresholdedrelu: { alpha: 1 },
  scaledtanh: { alpha: 1, beta: 1 },
  hardsigmoid: { alpha: 0.2, beta: 0.5 },
  elu: { alpha: 1 },
};

/**
 * Activation `name` (any case): its key in ACT_PARAMS and its alpha/beta, consumed from the front
 * of the lists by the functions that take them (0 for the others); undefined for an unknown name.
 */
export function actParams(name: string, alphas: number[], betas: number[]): { key: string; a: number; b: number } | undefined {
  const key = name.toLowerCase();
  if (!Object.hasOwn(ACT_PARAMS, key)) return undefined;
  const spec = ACT_PARAMS[key]!;
  const a = spec.alpha === undefined ? 0 : alphas.length ? alphas.shift()! : spec.alpha;
  const b = spec.beta === undefined ? 0 : betas.length ? betas.shift()! : spec.beta;
  return { key, a, b };
}

const MAKE: Readonly<Record<string, (a: number, b: number) => Act>> = {
  relu: () => (x) => (x > 0 ? x : 0),
  tanh: () => Math.tanh,
  sigmoid: () => sigmoid,
  softsign: () => (x) => x / (1 + Math.abs(x)),
  softplus: () => (x) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x))),
  affine: (a, b) => (x) => a * x + b,
  leakyrelu: (a) => (x) => (x >= 0 ? x : a * x),
  thresholdedrelu: (a) => (x) => (x > a ? x : 0),
  scaledtanh: (a, b) => (x) => a * Math.tanh(b * x),
  hardsigmoid: (a, b) => (x) => Math.max(0, Math.min(1, a * x + b)),
  elu: (a) => (x) => (x >= 0 ? x : a * (Math.exp(x) - 1)),
};

/** Build one activation, consuming its alpha/beta from the front of the given lists. */
export function activation(name: string, alphas: number[], betas: number[], fail: (m: string) => never): Act {
  const p = actParams(name, alphas, betas);
  if (!p) return fail(`unknown activation '${name}'`);
  return MAKE[p.key]!(p.a, p.b);
}
