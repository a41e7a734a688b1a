// Concrete tensors: what the interpreter computes on and what constants decode to.
// Elements are held per DTYPE_INFO[dtype].storage; reduced-precision floats hold values that are
// exactly representable in their dtype (see roundToDType).

import { DTYPE_INFO, type DType, type Storage } from './dtype.js';
import {
  bf16BitsToNumber, f16BitsToNumber, miniFloatToNumber, numberToBF16Bits, numberToF16Bits,
  numberToMiniFloat, roundBF16, roundF16, roundMiniFloat, type MiniFloatName,
} from './numeric.js';
import { fail } from './diagnostics.js';

export type NumericArray =
  | Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;
export type BigArray = BigInt64Array | BigUint64Array;
export type TensorData = NumericArray | BigArray | string[];

export interface Tensor {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: TensorData;
}

export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]!; }
  return s;
}

export function allocData(storage: Storage, n: number): TensorData {
  switch (storage) {
    case 'f32': return new Float32Array(n);
    case 'f64': return new Float64Array(n);
    case 'i8': return new Int8Array(n);
    case 'u8': return new Uint8Array(n);
    case 'i16': return new Int16Array(n);
    case 'u16': return new Uint16Array(n);
    case 'i32': return new Int32Array(n);
    case 'u32': return new Uint32Array(n);
    case 'i64': return new BigInt64Array(n);
    case 'u64': return new BigUint64Array(n);
    case 'string': return new Array<string>(n).fill('');
  }
}

export function zeros(dtype: DType, shape: readonly number[]): Tensor {
  return { dtype, shape: [...shape], data: allocData(DTYPE_INFO[dtype].storage, sizeOf(shape)) };
}

export const isBigData = (d: TensorData): d is BigArray => d instanceof BigInt64Array || d instanceof BigUint64Array;

/** Round a number to the nearest value of a float dtype, or wrap/truncate for integer dtypes. */
export function roundToDType(dtype: DType, x: number, saturate = true): number {
  switch (dtype) {
    case 'f32': return Math.fround(x);
    case 'f64': return x;
    case 'f16': return roundF16(x);
    case 'bf16': return roundBF16(x);
    case 'f8e4m3fn': case 'f8e4m3fnuz': case 'f8e5m2': case 'f8e5m2fnuz': case 'f8e8m0': case 'f4e2m1':
      return roundMiniFloat(dtype, x, saturate);
    case 'bool': return x !== 0 && !Number.isNaN(x) ? 1 : 0;
    case 'i4': return wrapInt(x, 4, true);
    case 'u4': return wrapInt(x, 4, false);
    case 'i2': return wrapInt(x, 2, true);
    case 'u2': return wrapInt(x, 2, false);
    default: return x; // typed-array storage wraps the rest on write
  }
}

function wrapInt(x: number, bits: number, signed: boolean): number {
  const m = 2 ** bits;
  let v = ((Math.trunc(x) % m) + m) % m;
  if (signed && v >= m / 2) v -= m;
  return v;
}

/** Element i as a number (64-bit integers may lose precision above 2^53). */
export function getNumber(t: Tensor, i: number): number {
  const v = t.data[i]!;
  return typeof v === 'bigint' ? Number(v) : typeof v === 'string' ? Number(v) : v;
}

/** All elements as numbers. */
export function toNumbers(t: Tensor): number[] {
  const n = t.data.length;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = getNumber(t, i);
  return out;
}

/** Build a tensor from plain numbers (or bigints for 64-bit ints), rounding to the dtype. */
export function tensorFrom(dtype: DType, shape: readonly number[], values: ArrayLike<number | bigint | string>): Tensor {
  const t = zeros(dtype, shape);
  if (values.length !== t.data.length) {
    fail('E205', `${values.length} values given for a tensor of shape [${shape.join(',')}]`);
  }
  setAll(t, values);
  return t;
}

export function setAll(t: Tensor, values: ArrayLike<number | bigint | string>): void {
  const d = t.data;
  if (Array.isArray(d)) { for (let i = 0; i < values.length; i++) d[i] = String(values[i]); return; }
  if (isBigData(d)) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      d[i] = typeof v === 'bigint' ? v : BigInt(Math.trunc(Number(v)));
    }
    return;
  }
  const needsRound = t.dtype !== 'f32' && DTYPE_INFO[t.dtype].storage === 'f32' || t.dtype === 'bool' || DTYPE_INFO[t.dtype].bits < 8;
  for (let i = 0; i < values.length; i++) {
    const v = Number(values[i]!);
    (d as NumericArray)[i] = needsRound ? roundToDType(t.dtype, v) : v;
  }
}

export const scalar = (dtype: DType, v: number | bigint): Tensor => tensorFrom(dtype, [], [v]);

// ---------------------------------------------------------------------------------------------
// Raw little-endian bytes (ONNX raw_data, external data, weight blobs) <-> tensors.

/** Bytes needed for n elements of dtype in packed form. */
export function packedByteLength(dtype: DType, n: number): number {
  return Math.ceil((n * DTYPE_INFO[dtype].bits) / 8);
}

/** Decode packed little-endian bytes. Sub-byte types are packed low bits first (ONNX order). */
export function decodeBytes(dtype: DType, shape: readonly number[], bytes: Uint8Array): Tensor {
  const n = sizeOf(shape);
  const need = packedByteLength(dtype, n);
  if (dtype === 'string') fail('E109', 'string tensors cannot be decoded from raw bytes');
  if (bytes.length < need) {
    fail('E205', `tensor of ${DTYPE_INFO[dtype].long}[${shape.join(',')}] needs ${need} bytes, got ${bytes.length}`);
  }
  // Copy so the result is aligned and owns no view into a larger file buffer.
  // Uint8Array.prototype.slice copies even for a Node Buffer (whose own slice returns a view).
  const copy = Uint8Array.prototype.slice.call(bytes, 0, need);
  const t = zeros(dtype, shape);
  const buf = copy.buffer;
  switch (dtype) {
    case 'f32': (t.data as Float32Array).set(new Float32Array(buf, 0, n)); break;
    case 'f64': (t.data as Float64Array).set(new Float64Array(buf, 0, n)); break;
    case 'i8': (t.data as Int8Array).set(new Int8Array(buf, 0, n)); break;
    case 'u8': case 'bool': (t.data as Uint8Array).set(copy); break;
    case 'i16': (t.data as Int16Array).set(new Int16Array(buf, 0, n)); break;
    case 'u16': (t.data as Uint16Array).set(new Uint16Array(buf, 0, n)); break;
    case 'i32': (t.data as Int32Array).set(new Int32Array(buf, 0, n)); break;
    case 'u32': (t.data as Uint32Array).set(new Uint32Array(buf, 0, n)); break;
    case 'i64': (t.data as BigInt64Array).set(new BigInt64Array(buf, 0, n)); break;
    case 'u64': (t.data as BigUint64Array).set(new BigUint64Array(buf, 0, n)); break;
    case 'f16': { const h = new Uint16Array(buf, 0, n); const d = t.data as Float32Array; for (let i = 0; i < n; i++) d[i] = f16BitsToNumber(h[i]!); break; }
    case 'bf16': { const h = new Uint16Array(buf, 0, n); const d = t.data as Float32Array; for (let i = 0; i < n; i++) d[i] = bf16BitsToNumber(h[i]!); break; }
    case 'f8e4m3fn': case 'f8e4m3fnuz': case 'f8e5m2': case 'f8e5m2fnuz': case 'f8e8m0': {
      const d = t.data as Float32Array; for (let i = 0; i < n; i++) d[i] = miniFloatToNumber(dtype, copy[i]!); break;
    }
    case 'f4e2m1': case 'i4': case 'u4': case 'i2': case 'u2': {
      const bits = DTYPE_INFO[dtype].bits;
      const per = 8 / bits, mask = (1 << bits) - 1;
      const d = t.data as Float32Array | Int8Array | Uint8Array;
      for (let i = 0; i < n; i++) {
        const code = (copy[Math.floor(i / per)]! >> ((i % per) * bits)) & mask;
        d[i] = dtype === 'f4e2m1' ? miniFloatToNumber('f4e2m1', code)
          : dtype === 'i4' || dtype === 'i2' ? (code >= (mask + 1) / 2 ? code - mask - 1 : code) : code;
      }
      break;
    }
    default: fail('E109', `cannot decode ${dtype}`);
  }
  return t;
}

/** Encode to packed little-endian bytes (inverse of decodeBytes). */
export function encodeBytes(t: Tensor): Uint8Array {
  const n = t.data.length;
  const d = t.data;
  switch (t.dtype) {
    case 'f32': case 'f64': case 'i8': case 'u8': case 'bool': case 'i16': case 'u16': case 'i32': case 'u32': case 'i64': case 'u64': {
      const a = d as NumericArray | BigArray;
      return new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
    }
    case 'f16': case 'bf16': {
      const h = new Uint16Array(n);
      for (let i = 0; i < n; i++) h[i] = t.dtype === 'f16' ? numberToF16Bits(d[i] as number) : numberToBF16Bits(d[i] as number);
      return new Uint8Array(h.buffer);
    }
    case 'f8e4m3fn': case 'f8e4m3fnuz': case 'f8e5m2': case 'f8e5m2fnuz': case 'f8e8m0': {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = numberToMiniFloat(t.dtype as MiniFloatName, d[i] as number);
      return out;
    }
    case 'f4e2m1': case 'i4': case 'u4': case 'i2': case 'u2': {
      const bits = DTYPE_INFO[t.dtype].bits;
      const per = 8 / bits, mask = (1 << bits) - 1;
      const out = new Uint8Array(packedByteLength(t.dtype, n));
      for (let i = 0; i < n; i++) {
        const v = d[i] as number;
        const code = t.dtype === 'f4e2m1' ? numberToMiniFloat('f4e2m1', v) : v & mask;
        out[Math.floor(i / per)]! |= code << ((i % per) * bits);
      }
      return out;
    }
    case 'string': return fail('E109', 'string tensors have no byte encoding');
  }
}
