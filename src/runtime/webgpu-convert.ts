// Inputs and outputs of the WebGPU runtime, between the caller's typed arrays and the layouts the
// shaders use (the compiler's src/backends/webgpu/storage.ts, mirrored). The caller's side is the
// WASM runtime's contract: f16/bf16 as raw bits in a Uint16Array, float8/float4e2m1 one code per
// byte in a Uint8Array, int4/int2 one value per byte, f64 as a Float64Array (computed in f32 on
// the GPU), u64 as a BigUint64Array. GPU side ('word'): one 32-bit word per element holding the
// register value (f32 bits for every float dtype, i32/u32 for integers, 0/1 for bool); 'dword':
// 64-bit integers, their own bytes; 'packed': ONNX's little-endian bytes (weights only, read back
// when an output is a constant).
//
// Also here: the check that 64-bit integer inputs fit the 32 bits the GPU computes them in, and
// the padding writeBuffer needs.

import { ceilDiv, TenthRuntimeError, type TypedArray } from './common.js';

export type GpuStorage = 'word' | 'dword' | 'packed';

/** A buffer's storage: as the manifest states it, else what manifests without the field meant. */
export const storageOf = (b: { readonly dtype: string; readonly storage?: string }): GpuStorage =>
  (b.storage as GpuStorage | undefined) ?? (b.dtype === 'i64' ? 'dword' : b.dtype === 'f16' ? 'packed' : 'word');

interface Mini { readonly exp: number; readonly man: number; readonly bias: number; readonly special: 'ieee' | 'fn' | 'fnuz' | 'none' }
const MINI: Readonly<Record<string, Mini>> = {
  f16: { exp: 5, man: 10, bias: 15, special: 'ieee' },
  f8e4m3fn: { exp: 4, man: 3, bias: 7, special: 'fn' },
  f8e4m3fnuz: { exp: 4, man: 3, bias: 8, special: 'fnuz' },
  f8e5m2: { exp: 5, man: 2, bias: 15, special: 'ieee' },
  f8e5m2fnuz: { exp: 5, man: 2, bias: 16, special: 'fnuz' },
  f4e2m1: { exp: 2, man: 1, bias: 1, special: 'none' },
};

/** The value of a code of a small float format (ONNX's definitions). */
function decode(f: Mini, code: number): number {
  const signBit = 1 << (f.exp + f.man);
  const e = (code >> f.man) & ((1 << f.exp) - 1), m = code & ((1 << f.man) - 1), s = code & signBit ? -1 : 1;
  const eMax = (1 << f.exp) - 1;
  if (f.special === 'fnuz' && code === signBit) return NaN;
  if (f.special === 'fn' && e === eMax && m === (1 << f.man) - 1) return NaN;
  if (f.special === 'ieee' && e === eMax) return m ? NaN : s * Infinity;
  return e === 0 ? s * m * 2 ** (1 - f.bias - f.man) : s * (1 + m / (1 << f.man)) * 2 ** (e - f.bias);
}

const f32 = new Float32Array(1);
const w32 = new Uint32Array(f32.buffer);
const bitsOf = (x: number): number => { f32[0] = x; return w32[0]!; };

// Per format: code -> value, and f32 bits -> code for the values the GPU stores (already rounded
// to the format by the shaders, so the lookup is exact; NaN maps to the format's NaN code).
const tables = new Map<string, { values: Float32Array; codes: Map<number, number>; nan: number }>();
function table(dtype: string): { values: Float32Array; codes: Map<number, number>; nan: number } {
  let t = tables.get(dtype);
  if (t) return t;
  // float8e8m0: 2^(code - 127), no sign, 0xff NaN.
  const f = MINI[dtype], n = f ? 1 << (1 + f.exp + f.man) : 256;
  const values = new Float32Array(n), codes = new Map<number, number>();
  let nan = 0;
  for (let c = n - 1; c >= 0; c--) {
    values[c] = f ? decode(f, c) : c === 0xff ? NaN : 2 ** (c - 127);
    if (Number.isNaN(values[c]!)) nan = c; else codes.set(bitsOf(values[c]!), c);
  }
  if (f && (f.special === 'ieee' || f.special === 'fn')) nan = dtype === 'f16' ? 0x7e00 : (n >> 1) - 1;
  t = { values, codes, nan };
  tables.set(dtype, t);
  return t;
}

/** Elements as the arena holds them (a view of `d` where the layouts agree). */
export function toArena(dtype: string, d: TypedArray): Uint8Array | Uint32Array | Float32Array | Int32Array {
  switch (dtype) {
    case 'bool': case 'u8': case 'u16': case 'u4': case 'u2': return Uint32Array.from(d as Uint8Array);
    case 'i8': case 'i16': case 'i4': case 'i2': return Int32Array.from(d as Int8Array);
    case 'f64': return Float32Array.from(d as Float64Array);
    case 'bf16': return Uint32Array.from(d as Uint16Array, (b) => b << 16);
    default:
      if (MINI[dtype] || dtype === 'f8e8m0') { const v = table(dtype).values; return Float32Array.from(d as Uint8Array, (c) => v[c]!); }
      return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  }
}

/** n elements of a buffer read back (its bytes from offset 0) as the caller's typed array. */
export function fromGpu(dtype: string, storage: GpuStorage, bytes: ArrayBuffer, n: number): TypedArray {
  if (storage === 'packed') return fromPacked(dtype, bytes, n);
  switch (dtype) {
    case 'f32': return new Float32Array(bytes, 0, n);
    case 'i32': return new Int32Array(bytes, 0, n);
    case 'u32': return new Uint32Array(bytes, 0, n);
    case 'i64': return new BigInt64Array(bytes, 0, n);
    case 'u64': return new BigUint64Array(bytes, 0, n);
    case 'bool': return Uint8Array.from(new Uint32Array(bytes, 0, n), (w) => (w !== 0 ? 1 : 0));
    case 'f64': return Float64Array.from(new Float32Array(bytes, 0, n));
    case 'i8': case 'i4': case 'i2': return Int8Array.from(new Int32Array(bytes, 0, n));
    case 'u8': case 'u4': case 'u2': return Uint8Array.from(new Uint32Array(bytes, 0, n));
    case 'i16': return Int16Array.from(new Int32Array(bytes, 0, n));
    case 'u16': return Uint16Array.from(new Uint32Array(bytes, 0, n));
    case 'bf16': return Uint16Array.from(new Uint32Array(bytes, 0, n), (w) => w >>> 16);
    default: {
      if (!MINI[dtype] && dtype !== 'f8e8m0') throw new TenthRuntimeError('E501', `tenth runtime: output dtype ${dtype} is not supported`);
      const t = table(dtype), words = new Uint32Array(bytes, 0, n);
      // A negative NaN keeps its sign where the format has one (float8 e4m3fn: -inf without saturation).
      const fmt = MINI[dtype];
      const neg = fmt && dtype !== 'f16' && fmt.special !== 'fnuz' ? 1 << (fmt.exp + fmt.man) : 0;
      const code = (w: number): number => t.codes.get(w) ?? ((w & 0x7fffffff) > 0x7f800000 ? t.nan | (w >>> 31 ? neg : 0) : t.codes.get(0)!);
      return dtype === 'f16' ? Uint16Array.from(words, code) : Uint8Array.from(words, code);
    }
  }
}

/** A constant read back from weights.bin: ONNX's bytes, 4- and 2-bit integers one per byte. */
function fromPacked(dtype: string, bytes: ArrayBuffer, n: number): TypedArray {
  switch (dtype) {
    case 'f16': case 'bf16': case 'u16': return new Uint16Array(bytes, 0, n);
    case 'i16': return new Int16Array(bytes, 0, n);
    case 'i8': return new Int8Array(bytes, 0, n);
    case 'u8': return new Uint8Array(bytes, 0, n);
    case 'i4': case 'u4': case 'i2': case 'u2': {
      const bits = dtype.endsWith('4') ? 4 : 2, per = 8 / bits, b = new Uint8Array(bytes);
      const out = dtype[0] === 'i' ? new Int8Array(n) : new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const v = (b[Math.floor(i / per)]! >> ((i % per) * bits)) & ((1 << bits) - 1);
        out[i] = dtype[0] === 'i' && v >= 1 << (bits - 1) ? v - (1 << bits) : v;
      }
      return out;
    }
    default: throw new TenthRuntimeError('E501', `tenth runtime: packed ${dtype} is not supported`);
  }
}

/**
 * 64-bit integers are computed in 32 bits on the GPU (storage.ts): an input value beyond that
 * range would silently wrap. One scan of the words: i64 fits when its high word is the sign of
 * its low word, u64 when its high word is 0.
 */
export function check32(name: string, dtype: string, data: BigInt64Array | BigUint64Array): void {
  const w = new Int32Array(data.buffer, data.byteOffset, data.length * 2);
  const signed = dtype === 'i64';
  for (let k = 0; k < data.length; k++) {
    const lo = w[2 * k]!, hi = w[2 * k + 1]!;
    if (signed ? hi !== lo >> 31 : hi !== 0) {
      const range = signed ? '-2147483648 to 2147483647' : '0 to 4294967295';
      throw new TenthRuntimeError('E503', `tenth runtime: input '${name}' element ${k} is ${data[k]}, outside the 32-bit range (${range}) that webgpu computes ${dtype} in`);
    }
  }
}

/** writeBuffer needs a multiple of 4 bytes. */
export function padded(data: Uint8Array | Uint32Array | Float32Array | Int32Array): ArrayBufferView {
  if (data.byteLength % 4 === 0) return data;
  const p = new Uint8Array(ceilDiv(data.byteLength, 4) * 4);
  p.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return p;
}

