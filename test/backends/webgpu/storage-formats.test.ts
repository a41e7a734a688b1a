// storage.ts derives its small-float table from the interpreter's decoders (ir/numeric.ts); the
// derived facts must be ONNX's (onnx/docs/Float8.md, Float4 and IEEE half): mantissa bits, bias,
// largest finite value and how overflow / NaN are encoded.

import { describe, expect, it } from 'vitest';
import { FORMATS } from '../../../src/backends/webgpu/storage.js';

describe('webgpu storage: float formats from ir/numeric.ts', () => {
  it('match the ONNX definitions', () => {
    expect(FORMATS).toEqual({
      f16: { man: 10, bias: 15, max: 65504, special: 'ieee' },
      f8e4m3fn: { man: 3, bias: 7, max: 448, special: 'fn' },
      f8e4m3fnuz: { man: 3, bias: 8, max: 240, special: 'fnuz' },
      f8e5m2: { man: 2, bias: 15, max: 57344, special: 'ieee' },
      f8e5m2fnuz: { man: 2, bias: 16, max: 57344, special: 'fnuz' },
      f4e2m1: { man: 1, bias: 1, max: 6, special: 'none' },
    });
    // Key order decides the order of the rounding helpers in shader text (byte-identical output).
    expect(Object.keys(FORMATS)).toEqual(['f16', 'f8e4m3fn', 'f8e4m3fnuz', 'f8e5m2', 'f8e5m2fnuz', 'f4e2m1']);
  });
});
