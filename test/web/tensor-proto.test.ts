// examples/web/tensor-proto.js (the page's TensorProto reader) against protobufjs with ONNX's schema:
// random dtypes, shapes (incl. 0 and 1) and values, in raw_data and in the typed fields, decode to the
// values that were encoded.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DType } from '../../ir/dtype.js';
import { encodeBytes, tensorFrom } from '../../ir/tensor.js';
import { onnx } from '../../src/onnx/decode.js';
import { dtypeToOnnx } from '../../src/onnx/dtypes.js';

interface Decoded { name: string; dtype: string; dims: number[]; data: ArrayLike<number | bigint> }
// A plain .js module of the page: imported through a non-literal specifier (it has no declarations).
const READER = '../../examples/web/tensor-proto.js';
const { decodeTensorProto } = (await import(READER)) as { decodeTensorProto(b: Uint8Array): Decoded };

// Each dtype: its typed field in TensorProto, and a value generator.
const INT = (lo: number, hi: number): fc.Arbitrary<number> => fc.integer({ min: lo, max: hi });
const CASES: readonly [DType, string, fc.Arbitrary<number | bigint>][] = [
  ['f32', 'floatData', fc.float({ noDefaultInfinity: false })],
  ['f64', 'doubleData', fc.double()],
  ['i32', 'int32Data', INT(-(2 ** 31), 2 ** 31 - 1)],
  ['i16', 'int32Data', INT(-32768, 32767)],
  ['i8', 'int32Data', INT(-128, 127)],
  ['u8', 'int32Data', INT(0, 255)],
  ['u16', 'int32Data', INT(0, 65535)],
  ['bool', 'int32Data', INT(0, 1)],
  ['i64', 'int64Data', fc.bigInt({ min: -(2n ** 53n), max: 2n ** 53n })],
  ['u32', 'uint64Data', INT(0, 2 ** 32 - 1)],
  ['u64', 'uint64Data', fc.bigInt({ min: 0n, max: 2n ** 53n })],
];

const same = (a: number | bigint, b: number | bigint): boolean => Object.is(a, b) || (typeof a === 'bigint' && a === BigInt(b));

describe('examples/web/tensor-proto.js', () => {
  it('decodes raw_data and typed fields for every dtype the runtime feeds', () => {
    const arb = fc.constantFrom(...CASES).chain(([dtype, field, value]) => fc.record({
      dtype: fc.constant(dtype),
      field: fc.constant(field),
      raw: fc.boolean(),
      name: fc.string({ maxLength: 8 }),
      values: fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 3 })
        .chain((shape) => fc.tuple(fc.constant(shape), fc.array(value, { minLength: shape.reduce((a, b) => a * b, 1), maxLength: shape.reduce((a, b) => a * b, 1) }))),
    }));
    fc.assert(fc.property(arb, ({ dtype, field, raw, name, values: [shape, vals] }) => {
      const t = tensorFrom(dtype, shape, vals);
      const typed = Array.from(t.data as ArrayLike<number | bigint>, (v) => (typeof v === 'bigint' ? Number(v) : v));
      const proto = onnx.TensorProto.create({ name, dims: shape, dataType: dtypeToOnnx(dtype), ...(raw ? { rawData: encodeBytes(t) } : { [field]: typed }) });
      const got = decodeTensorProto(onnx.TensorProto.encode(proto).finish());
      expect(got.dtype).toBe(dtype);
      expect(got.name).toBe(name);
      expect(got.dims).toEqual(shape);
      const want = t.data as ArrayLike<number | bigint>;
      expect(got.data.length).toBe(want.length);
      for (let i = 0; i < want.length; i++) expect(same(got.data[i]!, want[i]!), `${dtype} ${raw ? 'raw' : field} [${i}]: ${got.data[i]} vs ${want[i]}`).toBe(true);
    }), { numRuns: 300 });
  });

  it('reads repeated fields written one element per tag (unpacked)', () => {
    // dims 2 (field 1, varint), data_type FLOAT (2), float_data 1.5 and -2 (field 4, fixed32 each).
    const f32 = (x: number): number[] => Array.from(new Uint8Array(Float32Array.of(x).buffer));
    const bytes = Uint8Array.from([0x08, 2, 0x10, 1, 0x25, ...f32(1.5), 0x25, ...f32(-2)]);
    const got = decodeTensorProto(bytes);
    expect(got.dims).toEqual([2]);
    expect(Array.from(got.data)).toEqual([1.5, -2]);
  });

  it('refuses string tensors, external data and truncated input', () => {
    const str = onnx.TensorProto.encode(onnx.TensorProto.create({ name: 's', dims: [1], dataType: 8, stringData: [new Uint8Array([65])] })).finish();
    expect(() => decodeTensorProto(str)).toThrow(/string tensors are not supported/);
    const ext = onnx.TensorProto.encode(onnx.TensorProto.create({ name: 'e', dims: [1], dataType: 1, dataLocation: 1, externalData: [{ key: 'location', value: 'w.bin' }] })).finish();
    expect(() => decodeTensorProto(ext)).toThrow(/external data is not supported/);
    expect(() => decodeTensorProto(Uint8Array.from([0x08, 0x80]))).toThrow(/truncated/);
    const short = onnx.TensorProto.encode(onnx.TensorProto.create({ dims: [3], dataType: 1, floatData: [1, 2] })).finish();
    expect(() => decodeTensorProto(short)).toThrow(/2 elements for dims \[3\]/);
  });
});
