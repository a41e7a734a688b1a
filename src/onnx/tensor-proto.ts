// ONNX TensorProto <-> Tensor. Shared by initializers, Constant attributes and the .pb test data.
// A TensorProto's elements live in one of: raw_data (packed little-endian), a typed field
// (float_data, int32_data, ...; which one depends on the dtype, per the ONNX rules below), or an
// external file (data_location = EXTERNAL, relative to the model's folder).

import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, normalize, relative, sep } from 'node:path';
import { fail } from '../../ir/diagnostics.js';
import type { DType } from '../../ir/dtype.js';
import { DTYPE_INFO } from '../../ir/dtype.js';
import type { Loc } from '../../ir/location.js';
import { UNKNOWN_LOC } from '../../ir/location.js';
import type { Tensor } from '../../ir/tensor.js';
import { decodeBytes, encodeBytes, packedByteLength, sizeOf } from '../../ir/tensor.js';
import { decodeTensorBytes, onnx, plainBytes, type TensorProto, toBig, toNum } from './decode.js';
import { dtypeFromOnnx, dtypeToOnnx } from './dtypes.js';

/** Largest dim we accept: anything above is a corrupt or hostile file. */
export const MAX_DIM = 2 ** 31;

export interface TensorHeader {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: number[];
}

/** Where a tensor's packed bytes are: in memory (raw_data or typed fields re-packed) or in a file. */
export type TensorBytes =
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array; readonly raw: boolean }
  | { readonly kind: 'external'; readonly path: string; readonly offset: number; readonly length: number };

export function tensorHeader(p: TensorProto, loc: Loc = UNKNOWN_LOC): TensorHeader {
  const name = p.name ?? '';
  const code = p.dataType ?? 0;
  const dtype = dtypeFromOnnx(code);
  if (!dtype) fail('E109', `tensor '${name}' has unsupported ONNX data type ${code}`, loc);
  const shape = (p.dims ?? []).map((d) => toNum(d));
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0 || d > MAX_DIM) fail('E205', `tensor '${name}' has invalid dim ${d}`, loc);
  }
  return { name, dtype, shape };
}

/** Resolve an external-data location against the model folder; refuses escapes (E106). */
export function externalPath(baseDir: string, location: string, loc: Loc = UNKNOWN_LOC): string {
  if (location === '' || isAbsolute(location) || /^[A-Za-z]:[\\/]/.test(location)) {
    fail('E106', `external data location '${location}' must be a relative path inside the model folder`, loc);
  }
  const rel = normalize(location);
  if (rel === '..' || rel.startsWith(`..${sep}`) || rel.startsWith('../')) {
    fail('E106', `external data location '${location}' escapes the model folder`, loc);
  }
  // The path's text stays inside; a symbolic link on it (the file, or a folder on the way) may
  // still point out of the folder, so the real paths are compared too. A missing file is E101 later.
  const real = realOrUndefined(join(baseDir, rel));
  const realBase = realOrUndefined(baseDir);
  if (real !== undefined && realBase !== undefined) {
    const inside = relative(realBase, real);
    if (inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
      fail('E106', `external data location '${location}' resolves through a symbolic link to ${real}, outside the model folder`, loc);
    }
  }
  return rel;
}

function realOrUndefined(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/** Locate a tensor's bytes without reading external files (only their size is checked). */
export function tensorBytes(p: TensorProto, h: TensorHeader, baseDir: string, loc: Loc = UNKNOWN_LOC): TensorBytes {
  const need = packedByteLength(h.dtype, sizeOf(h.shape));
  if (h.dtype === 'string') fail('E109', `tensor '${h.name}': string tensors are not supported`, loc);
  if (p.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    const entries = new Map((p.externalData ?? []).map((e) => [e.key ?? '', e.value ?? '']));
    const location = entries.get('location');
    if (location === undefined) fail('E207', `tensor '${h.name}': external data has no location`, loc);
    const rel = externalPath(baseDir, location, loc);
    const full = join(baseDir, rel);
    if (!existsSync(full)) fail('E101', `external data file not found: ${full} (tensor '${h.name}')`, loc);
    const size = statSync(full).size;
    const offset = Number(entries.get('offset') ?? '0');
    const length = entries.has('length') ? Number(entries.get('length')) : need;
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > size) {
      fail('E107', `tensor '${h.name}': external data range offset ${offset}, length ${length} is outside ${rel} (${size} bytes)`, loc);
    }
    if (length < need) fail('E107', `tensor '${h.name}' needs ${need} bytes but external data has ${length}`, loc);
    return { kind: 'external', path: rel, offset, length: need };
  }
  if (p.rawData && p.rawData.length > 0) {
    if (p.rawData.length < need) fail('E205', `tensor '${h.name}' needs ${need} bytes, raw_data has ${p.rawData.length}`, loc);
    return { kind: 'bytes', bytes: p.rawData.subarray(0, need), raw: true };
  }
  return { kind: 'bytes', bytes: packTypedFields(p, h, loc), raw: false };
}

/** Typed fields -> packed little-endian bytes (the raw_data layout). */
function packTypedFields(p: TensorProto, h: TensorHeader, loc: Loc): Uint8Array {
  const n = sizeOf(h.shape);
  const { dtype } = h;
  const bits = DTYPE_INFO[dtype].bits;
  const check = (count: number, expected = n): void => {
    if (count !== expected) fail('E205', `tensor '${h.name}' of shape [${h.shape.join(',')}] has ${count} values`, loc);
  };
  const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  switch (dtype) {
    case 'f32': { const v = p.floatData ?? []; check(v.length); return bytesOf(Float32Array.from(v)); }
    case 'f64': { const v = p.doubleData ?? []; check(v.length); return bytesOf(Float64Array.from(v)); }
    case 'i64': { const v = p.int64Data ?? []; check(v.length); return bytesOf(BigInt64Array.from(v, (x) => toBig(x))); }
    case 'u64': { const v = p.uint64Data ?? []; check(v.length); return bytesOf(BigUint64Array.from(v, (x) => toBig(x, true))); }
    case 'u32': { const v = p.uint64Data ?? []; check(v.length); return bytesOf(Uint32Array.from(v, (x) => toNum(x))); }
    case 'i32': { const v = p.int32Data ?? []; check(v.length); return bytesOf(Int32Array.from(v)); }
    case 'i16': { const v = p.int32Data ?? []; check(v.length); return bytesOf(Int16Array.from(v)); }
    case 'u16': case 'f16': case 'bf16': { const v = p.int32Data ?? []; check(v.length); return bytesOf(Uint16Array.from(v)); }
    case 'i8': { const v = p.int32Data ?? []; check(v.length); return bytesOf(Int8Array.from(v)); }
    case 'bool': { const v = p.int32Data ?? []; check(v.length); return Uint8Array.from(v, (x) => (x ? 1 : 0)); }
    case 'u8': case 'f8e4m3fn': case 'f8e4m3fnuz': case 'f8e5m2': case 'f8e5m2fnuz': case 'f8e8m0': {
      const v = p.int32Data ?? []; check(v.length); return Uint8Array.from(v);
    }
    case 'i4': case 'u4': case 'i2': case 'u2': case 'f4e2m1': {
      // Sub-byte types: each int32_data entry holds one packed byte (ONNX make_tensor's layout).
      const v = p.int32Data ?? [];
      check(v.length, Math.ceil((n * bits) / 8));
      return Uint8Array.from(v);
    }
    case 'string': return fail('E109', `tensor '${h.name}': string tensors are not supported`, loc);
  }
}

/** Decode a TensorProto to a Tensor, reading external data relative to `baseDir`. */
export function decodeTensorProto(p: TensorProto, baseDir: string, loc: Loc = UNKNOWN_LOC): Tensor {
  const h = tensorHeader(p, loc);
  const src = tensorBytes(p, h, baseDir, loc);
  const bytes = src.kind === 'bytes' ? src.bytes
    : plainBytes(readFileSync(join(baseDir, src.path))).subarray(src.offset, src.offset + src.length);
  return decodeBytes(h.dtype, h.shape, bytes);
}

/** Read a serialised TensorProto (.pb test data). */
export function readTensorProtoFile(path: string): { name: string; tensor: Tensor } {
  if (!existsSync(path)) fail('E101', `file not found: ${path}`);
  let bytes: Uint8Array;
  try {
    bytes = plainBytes(readFileSync(path));
  } catch (e) {
    return fail('E102', `cannot read ${path}: ${(e as Error).message}`);
  }
  // An empty file decodes as a TensorProto with every field unset; say that, not "data type 0".
  if (bytes.length === 0) fail('E109', `${path} is empty: expected a serialised ONNX TensorProto`);
  const p = decodeTensorBytes(bytes, basename(path));
  if (!p.dataType) fail('E109', `${path} has no data type${p.name ? ` (tensor '${p.name}')` : ''}: is it a serialised ONNX TensorProto?`);
  return { name: p.name ?? '', tensor: decodeTensorProto(p, dirname(path), { kind: 'node', file: basename(path), node: '' }) };
}

/** A TensorProto message (raw_data form) for a tensor. */
export function tensorToProto(name: string, t: Tensor): onnxProtoTensor {
  if (t.dtype === 'string') {
    const enc = new TextEncoder();
    return onnx.TensorProto.create({ name, dims: [...t.shape], dataType: dtypeToOnnx('string'), stringData: (t.data as string[]).map((x) => enc.encode(x)) });
  }
  return onnx.TensorProto.create({
    name,
    dims: [...t.shape],
    dataType: dtypeToOnnx(t.dtype),
    rawData: encodeBytes(t),
  });
}
type onnxProtoTensor = InstanceType<typeof onnx.TensorProto>;

export function encodeTensorProto(name: string, t: Tensor): Uint8Array {
  return onnx.TensorProto.encode(tensorToProto(name, t)).finish();
}
