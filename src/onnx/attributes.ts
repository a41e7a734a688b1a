// ONNX AttributeProto -> IR attribute values, and ValueInfo -> tensor types.

import { fail } from '../../ir/diagnostics.js';
import type { AttrValue } from '../../ir/ir.js';
import type { Loc } from '../../ir/location.js';
import type { Dim, TensorType } from '../../ir/types.js';
import { UNKNOWN_DIM } from '../../ir/types.js';
import { type AttributeProto, onnx, toNum, type ValueInfoProto } from './decode.js';
import { dtypeFromOnnx } from './dtypes.js';
import { decodeTensorProto, MAX_DIM } from './tensor-proto.js';

const T = onnx.AttributeProto.AttributeType;
const utf8 = new TextDecoder();

/** int64 attributes beyond 2^53 are clamped (e.g. INT64_MAX as "to the end" in Slice attributes). */
const clampInt = (x: number): number => Math.max(-Number.MAX_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, x));

/** Attribute type; old models may leave `type` unset and only fill one field. */
export function attrType(a: AttributeProto): number {
  if (a.type) return a.type;
  if (a.g) return T.GRAPH;
  if (a.t) return T.TENSOR;
  if (a.graphs?.length) return T.GRAPHS;
  if (a.ints?.length) return T.INTS;
  if (a.floats?.length) return T.FLOATS;
  if (a.strings?.length) return T.STRINGS;
  if (a.s?.length) return T.STRING;
  if (a.f) return T.FLOAT;
  return T.INT;
}

export const isGraphAttr = (a: AttributeProto): boolean => {
  const t = attrType(a);
  return t === T.GRAPH || t === T.GRAPHS;
};

/** Convert a non-graph attribute. Tensor attributes are decoded (external data relative to baseDir). */
export function convertAttr(a: AttributeProto, baseDir: string, loc: Loc): AttrValue {
  const t = attrType(a);
  switch (t) {
    case T.INT: return { kind: 'int', value: clampInt(toNum(a.i)) };
    case T.FLOAT: return { kind: 'float', value: a.f ?? 0 };
    case T.STRING: return { kind: 'string', value: utf8.decode(a.s ?? new Uint8Array()) };
    case T.INTS: return { kind: 'ints', value: (a.ints ?? []).map((x) => clampInt(toNum(x))) };
    case T.FLOATS: return { kind: 'floats', value: [...(a.floats ?? [])] };
    case T.STRINGS: return { kind: 'strings', value: (a.strings ?? []).map((s) => utf8.decode(s)) };
    case T.TENSOR:
      if (!a.t) return fail('E204', `attribute '${a.name}' is a tensor attribute without a tensor`, loc);
      return { kind: 'tensor', value: decodeTensorProto(a.t, baseDir, loc) };
    // Only Optional has one ('type', the element type); it is kept as text, e.g. 'sequence(tensor(f32))'.
    case T.TYPE_PROTO: return { kind: 'string', value: typeText(a.tp) };
    default:
      return fail('E109', `attribute '${a.name}' has unsupported kind ${T[t] ?? t}`, loc);
  }
}

type TypeProto = NonNullable<ValueInfoProto['type']>;

/** A TypeProto as text: tensor(f32), sequence(tensor(i64)), optional(...), map, or '?' when unset. */
export function typeText(t: TypeProto | null | undefined): string {
  if (!t) return '?';
  if (t.tensorType) return `tensor(${dtypeFromOnnx(t.tensorType.elemType ?? 0) ?? '?'})`;
  if (t.sequenceType) return `sequence(${typeText(t.sequenceType.elemType)})`;
  if (t.optionalType) return `optional(${typeText(t.optionalType.elemType)})`;
  if (t.mapType) return 'map';
  if (t.sparseTensorType) return 'sparse_tensor';
  return '?';
}

/** Tensor type of a ValueInfo; undefined when it carries no type. Sequence/optional/map types are E109. */
export function valueInfoType(vi: ValueInfoProto, loc: Loc): TensorType | undefined {
  const ty = vi.type;
  if (!ty) return undefined;
  const which = (ty as { value?: string }).value;
  if (which === undefined) return undefined;
  if (which !== 'tensorType') {
    const why = which === 'optionalType' ? 'optional values whose presence is known only at run time are not supported' : 'only tensors are supported';
    fail('E109', `value '${vi.name}' is ${typeText(ty)}; ${why}`, loc);
  }
  const tt = ty.tensorType!;
  const code = tt.elemType ?? 0;
  if (code === 0) return undefined;
  const dtype = dtypeFromOnnx(code);
  if (!dtype) fail('E109', `value '${vi.name}' has unsupported ONNX data type ${code}`, loc);
  if (dtype === 'string') fail('E109', `value '${vi.name}' is a string tensor; string tensors are not supported`, loc);
  if (!tt.shape) return { dtype, shape: null };
  const shape: Dim[] = (tt.shape.dim ?? []).map((d) => {
    const kind = (d as { value?: string }).value;
    if (kind === 'dimValue') {
      const n = toNum(d.dimValue);
      if (!Number.isInteger(n) || n < 0 || n > MAX_DIM) fail('E205', `value '${vi.name}' has invalid dim ${n}`, loc);
      return n;
    }
    if (kind === 'dimParam' && d.dimParam) return d.dimParam;
    return UNKNOWN_DIM;
  });
  return { dtype, shape };
}
