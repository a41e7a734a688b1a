// A small ONNX writer for tests and examples: buildModel(spec) -> serialised ModelProto bytes.
// Attribute values are typed by their JS form: an integer number -> INT, other numbers -> FLOAT,
// number[] -> INTS if all are integers else FLOATS, string -> STRING, string[] -> STRINGS, a Tensor
// -> TENSOR, a GraphSpec -> GRAPH; wrap with {float}, {floats}, {ints}, {ref} to be explicit.

import protobuf from 'protobufjs/minimal.js';
import type { DType } from '../../ir/dtype.js';
import type { Tensor } from '../../ir/tensor.js';
import { onnx } from './decode.js';
import { dtypeToOnnx } from './dtypes.js';
import { tensorToProto } from './tensor-proto.js';

export interface ValueSpec {
  name: string;
  /** Omitted: a ValueInfo without a type (allowed for subgraph inputs/outputs). */
  dtype?: DType;
  /** Numbers are static dims, strings symbols ('' = unknown dim); omitted = unranked. */
  shape?: readonly (number | string)[] | null;
}

export type AttrSpecValue =
  | number | readonly number[] | string | readonly string[] | Tensor | GraphSpec
  | { float: number } | { floats: readonly number[] } | { ints: readonly number[] }
  /** Reference to an attribute of the enclosing function (ref_attr_name); `type` defaults to INT. */
  | { ref: string; type?: 'int' | 'float' | 'string' | 'ints' | 'floats' | 'strings' | 'tensor' };

export interface NodeSpec {
  opType: string;
  inputs: readonly string[];
  outputs: readonly string[];
  name?: string;
  domain?: string;
  attrs?: Readonly<Record<string, AttrSpecValue>>;
}

export interface InitializerSpec {
  name: string;
  tensor: Tensor;
  /** Store the data in an external file instead (the caller writes the file). */
  external?: { location: string; offset?: number; length?: number };
  /** Write float_data/int32_data/int64_data/... instead of raw_data. */
  typed?: boolean;
}

export interface GraphSpec {
  name?: string;
  inputs: readonly ValueSpec[];
  outputs: readonly ValueSpec[];
  initializers?: readonly InitializerSpec[];
  nodes: readonly NodeSpec[];
}

export interface FunctionSpec {
  name: string;
  domain: string;
  inputs: readonly string[];
  outputs: readonly string[];
  /** Attribute names the function takes. */
  attributes?: readonly string[];
  /** Default attribute values (FunctionProto.attribute_proto). */
  attributeDefaults?: Readonly<Record<string, AttrSpecValue>>;
  nodes: readonly NodeSpec[];
  /** Opset imports of the body (default: the model's). */
  opsets?: Readonly<Record<string, number>>;
}

export interface ModelSpec extends GraphSpec {
  /** Default-domain opset (default 21). */
  opset?: number;
  /** Other domains' opsets. */
  opsets?: Readonly<Record<string, number>>;
  irVersion?: number;
  functions?: readonly FunctionSpec[];
}

const AT = onnx.AttributeProto.AttributeType;

const isGraphSpec = (v: unknown): v is GraphSpec => typeof v === 'object' && v !== null && 'nodes' in v;
const isTensor = (v: unknown): v is Tensor => typeof v === 'object' && v !== null && 'dtype' in v && 'data' in v;
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

function attrProto(name: string, v: AttrSpecValue): InstanceType<typeof onnx.AttributeProto> {
  const a = onnx.AttributeProto.create({ name });
  if (typeof v === 'number') {
    if (Number.isInteger(v)) { a.type = AT.INT; a.i = v; } else { a.type = AT.FLOAT; a.f = v; }
  } else if (typeof v === 'string') {
    a.type = AT.STRING; a.s = utf8(v);
  } else if (Array.isArray(v)) {
    if (v.every((x) => typeof x === 'string')) { a.type = AT.STRINGS; a.strings = (v as string[]).map(utf8); }
    else if ((v as number[]).every(Number.isInteger)) { a.type = AT.INTS; a.ints = [...(v as number[])]; }
    else { a.type = AT.FLOATS; a.floats = [...(v as number[])]; }
  } else if (isTensor(v)) {
    a.type = AT.TENSOR; a.t = tensorToProto('', v);
  } else if (isGraphSpec(v)) {
    a.type = AT.GRAPH; a.g = graphProto(v);
  } else if ('float' in v) {
    a.type = AT.FLOAT; a.f = v.float;
  } else if ('floats' in v) {
    a.type = AT.FLOATS; a.floats = [...v.floats];
  } else if ('ints' in v) {
    a.type = AT.INTS; a.ints = [...v.ints];
  } else if ('ref' in v) {
    a.refAttrName = v.ref;
    a.type = AT[(v.type ?? 'int').toUpperCase() as 'INT'];
  }
  return a;
}

function valueInfo(v: ValueSpec): InstanceType<typeof onnx.ValueInfoProto> {
  const vi = onnx.ValueInfoProto.create({ name: v.name });
  if (v.dtype) {
    const tt = onnx.TypeProto.Tensor.create({ elemType: dtypeToOnnx(v.dtype) });
    if (v.shape) {
      tt.shape = onnx.TensorShapeProto.create({
        dim: v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : d === '' ? {} : { dimParam: d })),
      });
    }
    vi.type = onnx.TypeProto.create({ tensorType: tt });
  }
  return vi;
}

function initializerProto(s: InitializerSpec): InstanceType<typeof onnx.TensorProto> {
  const p = tensorToProto(s.name, s.tensor);
  if (s.external) {
    p.rawData = new Uint8Array();
    p.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    p.externalData = [{ key: 'location', value: s.external.location }];
    if (s.external.offset !== undefined) p.externalData.push({ key: 'offset', value: String(s.external.offset) });
    if (s.external.length !== undefined) p.externalData.push({ key: 'length', value: String(s.external.length) });
  } else if (s.typed) {
    p.rawData = new Uint8Array();
    const d = s.tensor.data;
    switch (s.tensor.dtype) {
      case 'f32': p.floatData = Array.from(d as Float32Array); break;
      case 'f64': p.doubleData = Array.from(d as Float64Array); break;
      // 64-bit values go through strings so that protobufjs encodes them exactly.
      case 'i64': p.int64Data = Array.from(d as BigInt64Array, String) as unknown as number[]; break;
      case 'u32': case 'u64': p.uint64Data = Array.from(d as ArrayLike<number | bigint>, String) as unknown as number[]; break;
      case 'i32': case 'i16': case 'i8': case 'u16': case 'u8': case 'bool': p.int32Data = Array.from(d as ArrayLike<number>); break;
      default: throw new Error(`typed initializer for ${s.tensor.dtype} not supported by the writer`);
    }
  }
  return p;
}

function nodeProto(n: NodeSpec): InstanceType<typeof onnx.NodeProto> {
  return onnx.NodeProto.create({
    opType: n.opType,
    input: [...n.inputs],
    output: [...n.outputs],
    name: n.name ?? '',
    domain: n.domain ?? '',
    attribute: Object.entries(n.attrs ?? {}).map(([k, v]) => attrProto(k, v)),
  });
}

function graphProto(g: GraphSpec): InstanceType<typeof onnx.GraphProto> {
  return onnx.GraphProto.create({
    name: g.name ?? 'graph',
    input: g.inputs.map(valueInfo),
    output: g.outputs.map(valueInfo),
    initializer: (g.initializers ?? []).map(initializerProto),
    node: g.nodes.map(nodeProto),
  });
}

const opsetList = (def: number | undefined, others: Readonly<Record<string, number>> | undefined) => [
  ...(def !== undefined ? [{ domain: '', version: def }] : []),
  ...Object.entries(others ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)).map(([domain, version]) => ({ domain, version })),
];

/** FunctionProto bytes, with attribute_proto (field 11, newer than the schema) appended by hand. */
function functionBytes(f: FunctionSpec, modelOpsets: ReturnType<typeof opsetList>): Uint8Array {
  const body = onnx.FunctionProto.encode(onnx.FunctionProto.create({
    name: f.name,
    domain: f.domain,
    input: [...f.inputs],
    output: [...f.outputs],
    attribute: [...(f.attributes ?? [])],
    node: f.nodes.map(nodeProto),
    opsetImport: f.opsets ? opsetList(f.opsets[''], Object.fromEntries(Object.entries(f.opsets).filter(([k]) => k !== ''))) : modelOpsets,
  })).finish();
  const w = protobuf.Writer.create();
  for (const [k, v] of Object.entries(f.attributeDefaults ?? {})) {
    w.uint32((11 << 3) | 2).bytes(onnx.AttributeProto.encode(attrProto(k, v)).finish());
  }
  return concat(body, w.finish());
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

export function buildModel(spec: ModelSpec): Uint8Array {
  const opsets = opsetList(spec.opset ?? 21, spec.opsets);
  const model = onnx.ModelProto.create({
    irVersion: spec.irVersion ?? 10,
    producerName: 'tenth-writer',
    opsetImport: opsets,
    graph: graphProto(spec),
  });
  const head = onnx.ModelProto.encode(model).finish();
  // ModelProto.functions (field 25) is appended by hand so attribute_proto survives.
  const w = protobuf.Writer.create();
  for (const f of spec.functions ?? []) w.uint32((25 << 3) | 2).bytes(functionBytes(f, opsets));
  return concat(head, w.finish());
}
