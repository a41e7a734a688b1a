// Facts the rule tables rely on, checked against the interpreter's own kernels: every widening in
// cast-round-trip's table really round-trips bit for bit (exhaustively for types of up to 16
// bits), and the cases the table leaves out really do not.

import { describe, expect, it } from 'vitest';
import { DTYPE_INFO, type DType } from '../../ir/dtype.js';
import { castTensor } from '../../ir/ops/elementwise-cast.js';
import { decodeBytes, encodeBytes, type Tensor, tensorFrom } from '../../ir/tensor.js';
import { EXACT_WIDENINGS } from '../../passes/rules/identity.js';
import '../../ir/ops/index.js';

const hex = (t: Tensor): string => Buffer.from(encodeBytes(t)).toString('hex');

/** Every bit pattern of a dtype of up to 16 bits; a spread of values (extremes included) above. */
function allValues(d: DType): Tensor {
  const bits = DTYPE_INFO[d].bits;
  if (d === 'bool') return tensorFrom('bool', [2], [0, 1]);
  if (bits <= 16) {
    const n = 2 ** bits;
    const bytes = new Uint8Array((n * bits) / 8);
    if (bits === 4) for (let i = 0; i < n / 2; i++) bytes[i] = i | ((i + 8) << 4);
    else if (bits === 8) for (let i = 0; i < n; i++) bytes[i] = i;
    else for (let i = 0; i < n; i++) { bytes[2 * i] = i & 0xff; bytes[2 * i + 1] = i >> 8; }
    return decodeBytes(d, [bits === 4 ? n : n], bytes);
  }
  const n = 4096;
  const bytes = new Uint8Array((n * bits) / 8);
  let s = 12345;
  for (let i = 0; i < bytes.length; i++) { s = (s * 1103515245 + 12345) >>> 0; bytes[i] = s >>> 24; }
  for (let i = 0; i < bits / 8; i++) { bytes[i] = 0xff; bytes[bits / 8 + i] = i === bits / 8 - 1 ? 0x7f : 0xff; bytes[bits / 4 + i] = i === bits / 8 - 1 ? 0x80 : 0; }
  if (d === 'f32') {
    // Signalling NaNs come back quiet from any arithmetic or conversion (the accepted exception in
    // passes/README.md), so the f32 patterns keep their NaNs quiet.
    const w = new Uint32Array(bytes.buffer);
    for (let i = 0; i < w.length; i++) if ((w[i]! & 0x7f800000) === 0x7f800000 && (w[i]! & 0x7fffff) !== 0) w[i] = w[i]! | 0x400000;
  }
  return decodeBytes(d, [n], bytes);
}

describe('cast-round-trip table', () => {
  for (const [from, wides] of Object.entries(EXACT_WIDENINGS) as [DType, DType[]][]) {
    it(`${from} → ${wides.join('|')} → ${from} is the identity`, () => {
      const x = allValues(from);
      for (const w of wides) expect(hex(castTensor(castTensor(x, w), from)), `${from} via ${w}`).toBe(hex(x));
    });
  }

  it('leaves out the round trips that are not exact', () => {
    const notExact = (from: DType, via: DType): boolean => hex(castTensor(castTensor(allValues(from), via), from)) !== hex(allValues(from));
    expect(notExact('f8e8m0', 'f32')).toBe(true); // 2^-127 is an f32 subnormal and rounds up
    expect(notExact('f32', 'f16')).toBe(true);
    expect(notExact('i64', 'i32')).toBe(true);
    expect(notExact('i32', 'f32')).toBe(true);
    // f8e5m2 is left out on ONNX's word (a saturating cast maps ±inf to ±max), whatever the kernel does.
    for (const d of ['f8e5m2', 'f8e8m0', 'f64', 'i64', 'u64'] as DType[]) expect(EXACT_WIDENINGS[d]).toBeUndefined();
  });
});
