// Protobuf decoding of ONNX files (onnx-proto: protobufjs 6, schema of ONNX 1.10). Enum values
// newer than that schema (data types, attribute types) still decode, as plain numbers; fields newer
// than it are skipped, except FunctionProto.attribute_proto (default attributes of model-local
// functions, ONNX 1.13), which is read here from the raw bytes.
//
// int64 fields decode as `Long` objects; `toNum`/`toBig` turn them into numbers/bigints.

import onnxProto from 'onnx-proto';
import protobuf from 'protobufjs/minimal.js';
import { fail } from '../../ir/diagnostics.js';
import { UNKNOWN_LOC } from '../../ir/location.js';

export const onnx = onnxProto.onnx;
export type ModelProto = onnxProto.onnx.ModelProto;
export type GraphProto = onnxProto.onnx.IGraphProto;
export type NodeProto = onnxProto.onnx.INodeProto;
export type TensorProto = onnxProto.onnx.ITensorProto;
export type AttributeProto = onnxProto.onnx.IAttributeProto;
export type ValueInfoProto = onnxProto.onnx.IValueInfoProto;
export type FunctionProto = onnxProto.onnx.IFunctionProto & {
  /** Default attribute values (FunctionProto field 11, newer than the decoding schema). */
  attributeDefaults?: AttributeProto[];
};

export type LongLike = number | { low: number; high: number; unsigned: boolean } | null | undefined;

/**
 * A plain Uint8Array view of the same bytes. Node Buffers are not safe to hand on: their `slice`
 * returns a view rather than a copy, which breaks code that copies with `slice` (decodeBytes).
 */
export function plainBytes(b: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(b) === Uint8Array.prototype ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** An int64 field as a JS number (exact below 2^53). */
export function toNum(v: LongLike): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'number') return v;
  return Number(toBig(v));
}

/** An int64 field as an exact bigint. */
export function toBig(v: LongLike, unsigned = false): bigint {
  if (v === null || v === undefined) return 0n;
  if (typeof v === 'number') return BigInt(v);
  const lo = BigInt(v.low >>> 0);
  const hi = BigInt(v.high | 0);
  const x = (hi << 32n) | lo;
  return unsigned || v.unsigned ? BigInt.asUintN(64, x) : BigInt.asIntN(64, x);
}

function decodeWith<T>(file: string, what: string, decode: () => T): T {
  try {
    return decode();
  } catch (e) {
    return fail('E103', `${file}: not a valid ONNX ${what} (${(e as Error).message})`, UNKNOWN_LOC);
  }
}

/** Decode a ModelProto; any protobuf failure (random bytes, truncated file) is E103 naming the file. */
export function decodeModel(bytes: Uint8Array, file: string): ModelProto {
  const m = decodeWith(file, 'model', () => onnx.ModelProto.decode(bytes));
  if (!m.graph) fail('E103', `${file}: not a valid ONNX model (no graph)`);
  const fnDefaults = decodeWith(file, 'model', () => functionDefaults(bytes));
  (m.functions ?? []).forEach((f, i) => {
    (f as FunctionProto).attributeDefaults = fnDefaults[i] ?? [];
  });
  return m;
}

export function decodeTensorBytes(bytes: Uint8Array, file: string): TensorProto {
  return decodeWith(file, 'tensor', () => onnx.TensorProto.decode(bytes));
}

/** Per function in ModelProto.functions (field 25): its attribute_proto entries (field 11). */
function functionDefaults(bytes: Uint8Array): AttributeProto[][] {
  const out: AttributeProto[][] = [];
  const r = protobuf.Reader.create(bytes);
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag >>> 3 === 25 && (tag & 7) === 2) {
      const len = r.uint32();
      const end = r.pos + len;
      const attrs: AttributeProto[] = [];
      while (r.pos < end) {
        const t = r.uint32();
        if (t >>> 3 === 11 && (t & 7) === 2) attrs.push(onnx.AttributeProto.decode(r, r.uint32()));
        else r.skipType(t & 7);
      }
      out.push(attrs);
    } else {
      r.skipType(tag & 7);
    }
  }
  return out;
}
