// Element types of the IR. Every other module reads dtype facts from this table.
//
// Storage: how the reference interpreter holds elements of each dtype in memory. Narrow and
// reduced-precision floats are held as exactly-representable float32 values (rounded on every
// write), 64-bit integers as BigInt64Array/BigUint64Array so int64 shapes and indices stay exact.

export const DTYPES = [
  'f32', 'f16', 'bf16', 'f64',
  'i8', 'u8', 'i16', 'u16', 'i32', 'u32', 'i64', 'u64',
  'bool',
  'i4', 'u4', 'i2', 'u2',
  'f8e4m3fn', 'f8e4m3fnuz', 'f8e5m2', 'f8e5m2fnuz', 'f8e8m0', 'f4e2m1',
  'string',
] as const;

export type DType = (typeof DTYPES)[number];

export type DTypeKind = 'float' | 'int' | 'uint' | 'bool' | 'string';
export type Storage = 'f32' | 'f64' | 'i8' | 'u8' | 'i16' | 'u16' | 'i32' | 'u32' | 'i64' | 'u64' | 'string';

export interface DTypeInfo {
  readonly name: DType;
  readonly kind: DTypeKind;
  /** Bits per element in packed (file/weight) form. */
  readonly bits: number;
  /** How the interpreter stores one element. */
  readonly storage: Storage;
  /** Long name used in error messages and documentation. */
  readonly long: string;
}

const info = (name: DType, kind: DTypeKind, bits: number, storage: Storage, long: string): DTypeInfo =>
  ({ name, kind, bits, storage, long });

export const DTYPE_INFO: Readonly<Record<DType, DTypeInfo>> = {
  f32: info('f32', 'float', 32, 'f32', 'float32'),
  f16: info('f16', 'float', 16, 'f32', 'float16'),
  bf16: info('bf16', 'float', 16, 'f32', 'bfloat16'),
  f64: info('f64', 'float', 64, 'f64', 'float64'),
  i8: info('i8', 'int', 8, 'i8', 'int8'),
  u8: info('u8', 'uint', 8, 'u8', 'uint8'),
  i16: info('i16', 'int', 16, 'i16', 'int16'),
  u16: info('u16', 'uint', 16, 'u16', 'uint16'),
  i32: info('i32', 'int', 32, 'i32', 'int32'),
  u32: info('u32', 'uint', 32, 'u32', 'uint32'),
  i64: info('i64', 'int', 64, 'i64', 'int64'),
  u64: info('u64', 'uint', 64, 'u64', 'uint64'),
  bool: info('bool', 'bool', 8, 'u8', 'bool'),
  i4: info('i4', 'int', 4, 'i8', 'int4'),
  u4: info('u4', 'uint', 4, 'u8', 'uint4'),
  i2: info('i2', 'int', 2, 'i8', 'int2'),
  u2: info('u2', 'uint', 2, 'u8', 'uint2'),
  f8e4m3fn: info('f8e4m3fn', 'float', 8, 'f32', 'float8e4m3fn'),
  f8e4m3fnuz: info('f8e4m3fnuz', 'float', 8, 'f32', 'float8e4m3fnuz'),
  f8e5m2: info('f8e5m2', 'float', 8, 'f32', 'float8e5m2'),
  f8e5m2fnuz: info('f8e5m2fnuz', 'float', 8, 'f32', 'float8e5m2fnuz'),
  f8e8m0: info('f8e8m0', 'float', 8, 'f32', 'float8e8m0'),
  f4e2m1: info('f4e2m1', 'float', 4, 'f32', 'float4e2m1'),
  string: info('string', 'string', 0, 'string', 'string'),
};

export function isDType(s: string): s is DType {
  return Object.prototype.hasOwnProperty.call(DTYPE_INFO, s);
}

export const isFloat = (d: DType): boolean => DTYPE_INFO[d].kind === 'float';
export const isInteger = (d: DType): boolean => DTYPE_INFO[d].kind === 'int' || DTYPE_INFO[d].kind === 'uint';
export const isSigned = (d: DType): boolean => DTYPE_INFO[d].kind === 'int' || DTYPE_INFO[d].kind === 'float';
export const is64Bit = (d: DType): boolean => d === 'i64' || d === 'u64';

/** Integer range of an integer dtype, as numbers (i64/u64 ranges are approximate). */
export function intRange(d: DType): [number, number] {
  const { kind, bits } = DTYPE_INFO[d];
  if (kind === 'bool') return [0, 1];
  if (kind === 'uint') return [0, 2 ** bits - 1];
  return [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1];
}
