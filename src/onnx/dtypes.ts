// ONNX TensorProto.DataType codes <-> IR dtypes.

import type { DType } from '../../ir/dtype.js';

export const ONNX_DTYPE: Readonly<Record<number, DType>> = {
  1: 'f32', 2: 'u8', 3: 'i8', 4: 'u16', 5: 'i16', 6: 'i32', 7: 'i64', 8: 'string', 9: 'bool',
  10: 'f16', 11: 'f64', 12: 'u32', 13: 'u64', 16: 'bf16',
  17: 'f8e4m3fn', 18: 'f8e4m3fnuz', 19: 'f8e5m2', 20: 'f8e5m2fnuz', 21: 'u4', 22: 'i4', 23: 'f4e2m1',
  24: 'f8e8m0', 25: 'u2', 26: 'i2',
};

/** Complex types (14, 15) and UNDEFINED (0) have no IR dtype. */
export function dtypeFromOnnx(code: number): DType | undefined {
  return ONNX_DTYPE[code];
}

export function dtypeToOnnx(d: DType): number {
  for (const [k, v] of Object.entries(ONNX_DTYPE)) if (v === d) return Number(k);
  throw new Error(`no ONNX code for ${d}`);
}
