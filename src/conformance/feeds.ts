// Tensors <-> the runtime's RunTensor feeds and outputs. The interpreter holds reduced-precision
// floats as float32 values; the runtime (src/runtime/index.ts) takes and returns their raw codes:
// f16/bf16 bits in a Uint16Array, float8/float4e2m1 codes in a Uint8Array (one per byte).
// int4/int2 are one value per byte on both sides (Int8Array/Uint8Array), so they pass as they are.

import { DTYPE_INFO, type DType } from '../../ir/dtype.js';
import {
  bf16BitsToNumber, f16BitsToNumber, miniFloatToNumber, numberToBF16Bits, numberToF16Bits, numberToMiniFloat, type MiniFloatName,
} from '../../ir/numeric.js';
import type { Tensor, TensorData } from '../../ir/tensor.js';
import type { RunTensor } from '../runtime/index.js';

const MINI = new Set<string>(['f8e4m3fn', 'f8e4m3fnuz', 'f8e5m2', 'f8e5m2fnuz', 'f8e8m0', 'f4e2m1']);

/** The runtime's data for a tensor (a copy only where the representation differs). */
export function toRunData(t: Tensor): RunTensor['data'] {
  const d = t.data as ArrayLike<number>;
  if (t.dtype === 'f16' || t.dtype === 'bf16') {
    const enc = t.dtype === 'f16' ? numberToF16Bits : numberToBF16Bits;
    const out = new Uint16Array(d.length);
    for (let i = 0; i < d.length; i++) out[i] = enc(d[i]!);
    return out;
  }
  if (MINI.has(t.dtype)) {
    const out = new Uint8Array(d.length);
    // The values are representable already; NaN keeps each format's NaN code (float4: none, 0).
    for (let i = 0; i < d.length; i++) out[i] = t.dtype === 'f4e2m1' && Number.isNaN(d[i]!) ? 0 : numberToMiniFloat(t.dtype as MiniFloatName, d[i]!, false);
    return out;
  }
  return t.data as RunTensor['data'];
}

export const toRunTensor = (t: Tensor): RunTensor => ({ data: toRunData(t), dims: t.shape });

/** A tensor of `dtype` from the runtime's data (decoding raw codes to the interpreter's storage). */
export function fromRunTensor(dtype: DType, r: RunTensor): Tensor {
  const shape = [...r.dims];
  if (dtype === 'f16' || dtype === 'bf16' || MINI.has(dtype)) {
    const src = r.data as Uint16Array | Uint8Array;
    const out = new Float32Array(src.length);
    for (let i = 0; i < src.length; i++) {
      out[i] = dtype === 'f16' ? f16BitsToNumber(src[i]!) : dtype === 'bf16' ? bf16BitsToNumber(src[i]!) : miniFloatToNumber(dtype as MiniFloatName, src[i]!);
    }
    return { dtype, shape, data: out };
  }
  if (DTYPE_INFO[dtype].storage === 'string') throw new Error('string tensors have no runtime form');
  return { dtype, shape, data: r.data as TensorData };
}
