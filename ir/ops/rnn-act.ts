// Activation functions of the recurrent ops (ONNX names, case-insensitive). Functions with
// parameters take them from activation_alpha/activation_beta in order (as onnxruntime does);
// when the lists run out, the ONNX defaults of the same-named operator apply.

export type Act = (x: number) => number;

const sigmoid: Act = (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

interface ActSpec { readonly alpha?: number; readonly beta?: number; make(a: number, b: number): Act }

const ACTS: Readonly<Record<string, ActSpec>> = {
  relu: { make: () => (x) => (x > 0 ? x : 0) },
  tanh: { make: () => Math.tanh },
  sigmoid: { make: () => sigmoid },
  softsign: { make: () => (x) => x / (1 + Math.abs(x)) },
  softplus: { make: () => (x) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x))) },
  affine: { alpha: 1, beta: 0, make: (a, b) => (x) => a * x + b },
  leakyrelu: { alpha: 0.01, make: (a) => (x) => (x >= 0 ? x : a * x) },
  thresholdedrelu: { alpha: 1, make: (a) => (x) => (x > a ? x : 0) },
  scaledtanh: { alpha: 1, beta: 1, make: (a, b) => (x) => a * Math.tanh(b * x) },
  hardsigmoid: { alpha: 0.2, beta: 0.5, make: (a, b) => (x) => Math.max(0, Math.min(1, a * x + b)) },
  elu: { alpha: 1, make: (a) => (x) => (x >= 0 ? x : a * (Math.exp(x) - 1)) },
};

/** Build one activation, consuming its alpha/beta from the front of the given lists. */
export function activation(name: string, alphas: number[], betas: number[], fail: (m: string) => never): Act {
  const spec = ACTS[name.toLowerCase()];
  if (!spec) return fail(`unknown activation '${name}'`);
  const a = spec.alpha === undefined ? 0 : alphas.length ? alphas.shift()! : spec.alpha;
  const b = spec.beta === undefined ? 0 : betas.length ? betas.shift()! : spec.beta;
  return spec.make(a, b);
}
