// Shared by the attention-family wasm tests: deterministic random f32 tensors and type text.

import { tensorFrom, type Tensor } from '../../../ir/tensor.js';

/** Uniform values in [-scale, scale) from a small LCG seeded by `seed`. */
export function rand(shape: readonly number[], seed: number, scale = 1): Tensor {
  let s = seed >>> 0 || 1;
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    v[i] = (((s >>> 8) / 2 ** 24) * 2 - 1) * scale;
  }
  return tensorFrom('f32', shape, v);
}

export const ty = (s: readonly (number | string)[], dt = 'f32'): string => `${dt}[${s.join(',')}]`;

/** A one-op module: params, the op line and its result list. */
export function oneOp(params: readonly string[], outs: readonly string[], types: readonly string[], call: string): string {
  return [
    'module @m {',
    `  func @main(${params.join(', ')}) -> (${outs.map((o, i) => `${o}: ${types[i]}`).join(', ')}) {`,
    `    ${outs.join(', ')} = ${call} : ${types.length > 1 ? `(${types.join(', ')})` : types[0]}`,
    `    return ${outs.join(', ')}`,
    '  }',
    '}',
  ].join('\n');
}
