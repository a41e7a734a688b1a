// TensorProto decoding: raw_data and every typed field layout, round trips through the encoder,
// and the error codes of readTensorProtoFile.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TenthError } from '../../ir/diagnostics.js';
import type { DType } from '../../ir/dtype.js';
import { numberToF16Bits, numberToBF16Bits } from '../../ir/numeric.js';
import { tensorFrom, toNumbers } from '../../ir/tensor.js';
import { onnx } from '../../src/onnx/decode.js';
import { decodeTensorProto, encodeTensorProto, readTensorProtoFile } from '../../src/onnx/tensor-proto.js';

const codeOf = (f: () => unknown): string => {
  try { f(); } catch (e) { if (e instanceof TenthError) return e.code; throw e; }
  return 'none';
};

const proto = (p: ConstructorParameters<typeof onnx.TensorProto>[0]) => onnx.TensorProto.decode(onnx.TensorProto.encode(onnx.TensorProto.create(p)).finish());

describe('TensorProto', () => {
  it('round-trips tensors of many dtypes through encodeTensorProto', () => {
    const dtypes: DType[] = ['f32', 'f64', 'f16', 'bf16', 'i8', 'u8', 'i16', 'u16', 'i32', 'u32', 'bool', 'i4', 'u4', 'f8e4m3fn'];
    fc.assert(fc.property(fc.constantFrom(...dtypes), fc.array(fc.integer({ min: -7, max: 7 }), { maxLength: 30 }), (d, vals) => {
      const values = d === 'bool' ? vals.map((v) => (v > 0 ? 1 : 0)) : d.startsWith('u') ? vals.map(Math.abs) : vals;
      const t = tensorFrom(d, [values.length], values);
      const dir = mkdtempSync(join(tmpdir(), 'tenth-tp-'));
      writeFileSync(join(dir, 'x.pb'), encodeTensorProto('x', t));
      const back = readTensorProtoFile(join(dir, 'x.pb'));
      expect(back.name).toBe('x');
      expect(back.tensor.dtype).toBe(d);
      expect(toNumbers(back.tensor)).toEqual(values);
    }), { numRuns: 40 });
  });

  it('decodes the typed fields per the ONNX rules', () => {
    const f16 = decodeTensorProto(proto({ dataType: 10, dims: [2], int32Data: [numberToF16Bits(1.5), numberToF16Bits(-2)] }), '/');
    expect(toNumbers(f16)).toEqual([1.5, -2]);
    const bf16 = decodeTensorProto(proto({ dataType: 16, dims: [1], int32Data: [numberToBF16Bits(3)] }), '/');
    expect(toNumbers(bf16)).toEqual([3]);
    const i64 = decodeTensorProto(proto({ dataType: 7, dims: [2], int64Data: [-5, '9007199254740993' as unknown as number] }), '/');
    expect([...(i64.data as BigInt64Array)]).toEqual([-5n, 9007199254740993n]);
    const f64 = decodeTensorProto(proto({ dataType: 11, dims: [1], doubleData: [0.1] }), '/');
    expect(f64.data[0]).toBe(0.1);
    const u32 = decodeTensorProto(proto({ dataType: 12, dims: [1], uint64Data: [4000000000] }), '/');
    expect(toNumbers(u32)).toEqual([4000000000]);
    const b = decodeTensorProto(proto({ dataType: 9, dims: [3], int32Data: [1, 0, 1] }), '/');
    expect(toNumbers(b)).toEqual([1, 0, 1]);
    // int4: two elements per int32_data entry, low nibble first; -1 = 0xF, 3 = 0x3.
    const i4 = decodeTensorProto(proto({ dataType: 22, dims: [3], int32Data: [0x3f, 0x07] }), '/');
    expect(toNumbers(i4)).toEqual([-1, 3, 7]);
    const f32 = decodeTensorProto(proto({ dataType: 1, dims: [2, 1], floatData: [0.25, -8] }), '/');
    expect(f32.shape).toEqual([2, 1]);
    expect(toNumbers(f32)).toEqual([0.25, -8]);
  });

  it('reports a value count that does not match the dims as E205, string tensors as E109', () => {
    expect(codeOf(() => decodeTensorProto(proto({ dataType: 1, dims: [3], floatData: [1, 2] }), '/'))).toBe('E205');
    expect(codeOf(() => decodeTensorProto(proto({ dataType: 1, dims: [-1], floatData: [] }), '/'))).toBe('E205');
    expect(codeOf(() => decodeTensorProto(proto({ dataType: 8, dims: [1], stringData: [new Uint8Array([65])] }), '/'))).toBe('E109');
  });

  it('reads conformance test data (test_add: float32[3,4,5])', () => {
    const { name, tensor } = readTensorProtoFile('/work/shared/onnx-backend-tests/node/test_add/test_data_set_0/input_0.pb');
    expect(name).toBe('x');
    expect(tensor.dtype).toBe('f32');
    expect(tensor.shape).toEqual([3, 4, 5]);
  });

  it('reports a missing file as E101 and garbage as E103', () => {
    expect(codeOf(() => readTensorProtoFile('/nonexistent/x.pb'))).toBe('E101');
    const dir = mkdtempSync(join(tmpdir(), 'tenth-tp-'));
    writeFileSync(join(dir, 'bad.pb'), new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0x7f, 1, 2]));
    expect(codeOf(() => readTensorProtoFile(join(dir, 'bad.pb')))).toBe('E103');
  });
});
