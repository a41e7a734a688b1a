// Random building blocks for generated modules: names (including ones the text form must quote),
// types, tensors of every dtype (NaN, ±inf, -0, 64-bit extremes) and attributes of every kind.
// Everything draws from a fast-check `fc.gen()` value so that failures shrink and replay.

import fc from 'fast-check';
import { DTYPES, DTYPE_INFO, type DType, intRange } from '../../ir/dtype.js';
import type { AttrValue } from '../../ir/ir.js';
import { type Loc, nodeLoc, UNKNOWN_LOC } from '../../ir/location.js';
import { sizeOf, type Tensor, tensorFrom } from '../../ir/tensor.js';
import type { Dim, TensorType } from '../../ir/types.js';

export type G = fc.GeneratorValue;

const I64_MIN = -(2n ** 63n), I64_MAX = 2n ** 63n - 1n, U64_MAX = 2n ** 64n - 1n;

/** Long enough that the parser cuts its quoted form out of the text before matching. */
const LONG_NAME = `/very/long/${'path/'.repeat(60)}name`;

/** Names as ONNX models have them: identifiers, numbers, paths, and odd strings that need quotes. */
export function arbName(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom('x', 'y', 'input', '0', '12', 'fc1.weight', 'a$b', '-x', '/layer1/Conv_output_0', 'a b', 'é', '"q"', 'back\\slash', 'new\nline', '', LONG_NAME),
    fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.$-]{0,5}$/),
    fc.string({ maxLength: 5 }),
    fc.string({ unit: 'binary', maxLength: 3 }),
  );
}

/** A dim: static (0 included), a symbol (some need quotes), or unknown. */
export function arbDim(): fc.Arbitrary<Dim> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: 0, max: 5 }) },
    { weight: 2, arbitrary: fc.constantFrom('batch', 'n', 'seq_len', 'N 1', '3', 'a.b', '?') },
    { weight: 1, arbitrary: fc.string({ maxLength: 3 }) },
  );
}

export function arbType(dtypes: readonly DType[] = DTYPES): fc.Arbitrary<TensorType> {
  return fc.record({
    dtype: fc.constantFrom(...dtypes),
    shape: fc.option(fc.array(arbDim(), { maxLength: 3 }), { freq: 8, nil: null }),
  });
}

/** One item of a list by index (fc.constantFrom compares items deeply, and IR values are cyclic). */
export const pickOne = <T>(g: G, items: readonly T[]): T => items[g(fc.integer, { min: 0, max: items.length - 1 })]!;

/** One element of `dtype` as accepted by tensorFrom (bigints for 64-bit integers). */
export function arbElement(dtype: DType, special = true): fc.Arbitrary<number | bigint | string> {
  const info = DTYPE_INFO[dtype];
  switch (info.kind) {
    case 'string': return fc.string({ maxLength: 4 });
    case 'bool': return fc.constantFrom(0, 1);
    case 'float':
      if (!special) return fc.double({ min: -4, max: 4, noNaN: true, noDefaultInfinity: true });
      return fc.oneof(
        fc.constantFrom(NaN, Infinity, -Infinity, -0, 0, 1, -1.5),
        dtype === 'f64' ? fc.double() : fc.float(),
        fc.double({ min: -4, max: 4, noNaN: true }),
      );
    default: {
      if (dtype === 'i64') return fc.oneof(fc.constantFrom(I64_MIN, I64_MAX, 0n, -1n), fc.bigInt({ min: I64_MIN, max: I64_MAX }));
      if (dtype === 'u64') return fc.oneof(fc.constantFrom(0n, U64_MAX, 2n ** 53n + 1n), fc.bigInt({ min: 0n, max: U64_MAX }));
      const [min, max] = intRange(dtype);
      return fc.oneof(fc.constantFrom(min, max, 0), fc.integer({ min, max }));
    }
  }
}

/** A tensor of the given dtype and shape; sometimes a splat (all elements equal). */
export function randomTensor(g: G, dtype: DType, shape: readonly number[], special = true): Tensor {
  const n = sizeOf(shape);
  const elem = arbElement(dtype, special);
  const values = n > 1 && g(fc.integer, { min: 0, max: 5 }) === 0
    ? new Array<number | bigint | string>(n).fill(g(() => elem))
    : g(fc.array, elem, { minLength: n, maxLength: n });
  return tensorFrom(dtype, shape, values);
}

/** A small static shape; some have more than 16 elements (printed as hex) or zero elements. */
export function randomShape(g: G, maxRank = 3, maxDim = 6): number[] {
  return g(fc.array, fc.integer({ min: 0, max: maxDim }), { maxLength: maxRank });
}

export const randomLoc = (g: G): Loc =>
  g(fc.boolean) ? UNKNOWN_LOC : nodeLoc(g(fc.constantFrom, 'model.onnx', 'a "b".onnx'), g(arbName));

/** An attribute of any kind; weight references name one of `weights` (when there are any). */
export function randomAttr(g: G, weights: readonly string[]): AttrValue {
  const kinds = ['int', 'float', 'string', 'ints', 'floats', 'strings', 'dtype', 'tensor', ...(weights.length ? ['weight'] : [])];
  const int = fc.oneof(fc.integer(), fc.constantFrom(0, -1, 2 ** 53 + 2, -(2 ** 63), 2 ** 63, 1e21));
  switch (g(fc.constantFrom, ...kinds)) {
    case 'int': return { kind: 'int', value: g(() => int) };
    case 'float': return { kind: 'float', value: g(fc.double) };
    case 'string': return { kind: 'string', value: g(arbName) };
    case 'ints': return { kind: 'ints', value: g(fc.array, int, { maxLength: 4 }) };
    case 'floats': return { kind: 'floats', value: g(fc.array, fc.double(), { maxLength: 4 }) };
    case 'strings': return { kind: 'strings', value: g(fc.array, arbName(), { maxLength: 3 }) };
    case 'dtype': return { kind: 'dtype', value: g(fc.constantFrom, ...DTYPES) };
    case 'weight': return { kind: 'weight', value: g(fc.constantFrom, ...weights) };
    default: {
      const dtype = g(fc.constantFrom, ...DTYPES);
      return { kind: 'tensor', value: randomTensor(g, dtype, randomShape(g, 2, 5)) };
    }
  }
}
