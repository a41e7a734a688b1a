// Graph rewrites that turn a zoo model into the exports web model hubs ship, done on the decoded
// ModelProto the way the Python tools do them on theirs:
// - quantizeDynamic: onnxruntime.quantization.quantize_dynamic (MatMulConstBOnly, QOperator):
//   each MatMul with an initializer B becomes DynamicQuantizeLinear(x) -> MatMulInteger -> Cast ->
//   Mul by (x_scale * W_scale); one DynamicQuantizeLinear per activation however many MatMuls
//   read it. Weights per tensor (u8 asymmetric or i8 symmetric in [-127, 127]) or per column.
// - quantizeQdq: quantize_static in QDQ format: weights per output channel int8 (axis 0), biases
//   int32 with scale x_scale * w_scale, every activation QuantizeLinear -> DequantizeLinear (u8,
//   MinMax calibrated on seeded inputs through tenth's interpreter, as ORT's calibrator runs the
//   model with every activation made an output).
// - toFloat16: onnxconverter-common's convert_float_to_float16(keep_io_types=False): float
//   initializers, Constant/attribute tensors, Cast(to=float) and float graph inputs/outputs become
//   f16; values below 1e-7 or above 1e4 in magnitude are clamped first; ops in its default block
//   list get Cast-to-f32 on their f16 inputs and Cast-back on their outputs.

import { tensorFrom, type Tensor } from '../../ir/tensor.js';
import { interpret } from '../../ir/interp.js';
import { onnx, toNum, type AttributeProto, type ValueInfoProto } from '../../src/onnx/decode.js';
import { dtypeFromOnnx } from '../../src/onnx/dtypes.js';
import { importOnnxBytes } from '../../src/onnx/import.js';
import { decodeTensorProto } from '../../src/onnx/tensor-proto.js';
import { buildModel, type AttrSpecValue, type InitializerSpec, type NodeSpec, type ValueSpec } from '../../src/onnx/writer.js';

export interface Spec {
  opset: number;
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  inits: InitializerSpec[];
  nodes: NodeSpec[];
}

const AT = onnx.AttributeProto.AttributeType;

function attrValue(a: AttributeProto): AttrSpecValue {
  switch (a.type) {
    case AT.FLOAT: return { float: a.f ?? 0 };
    case AT.INT: return toNum(a.i as never);
    case AT.STRING: return new TextDecoder().decode(a.s ?? new Uint8Array());
    case AT.TENSOR: return decodeTensorProto(a.t!, '.');
    case AT.INTS: return { ints: (a.ints ?? []).map((v) => toNum(v as never)) };
    case AT.FLOATS: return { floats: [...(a.floats ?? [])] };
    default: throw new Error(`quant-rewrite: attribute ${a.name} of type ${a.type} not handled`);
  }
}

function valueSpec(vi: ValueInfoProto): ValueSpec {
  const tt = vi.type?.tensorType;
  const dtype = tt?.elemType ? dtypeFromOnnx(tt.elemType) : undefined;
  const shape = tt?.shape ? (tt.shape.dim ?? []).map((d) => (d.dimParam ? d.dimParam : d.dimValue !== undefined && d.dimValue !== null ? toNum(d.dimValue as never) : '')) : null;
  return { name: vi.name ?? '', ...(dtype ? { dtype } : {}), shape };
}

export function decodeSpec(bytes: Uint8Array): Spec {
  const m = onnx.ModelProto.decode(bytes);
  const g = m.graph!;
  return {
    opset: toNum((m.opsetImport ?? []).find((o) => !o.domain)?.version as never),
    inputs: (g.input ?? []).map(valueSpec),
    outputs: (g.output ?? []).map(valueSpec),
    inits: (g.initializer ?? []).map((t) => ({ name: t.name ?? '', tensor: decodeTensorProto(t, '.') })),
    nodes: (g.node ?? []).map((n) => ({
      opType: n.opType ?? '', inputs: [...(n.input ?? [])], outputs: [...(n.output ?? [])], name: n.name ?? '',
      ...(n.domain ? { domain: n.domain } : {}),
      attrs: Object.fromEntries((n.attribute ?? []).map((a) => [a.name ?? '', attrValue(a)])),
    })),
  };
}

export const encodeSpec = (s: Spec): Uint8Array =>
  buildModel({ opset: s.opset, irVersion: 8, inputs: s.inputs, outputs: s.outputs, initializers: s.inits, nodes: s.nodes });

const f32s = (t: Tensor): Float32Array => t.data as Float32Array;
const minMax = (v: ArrayLike<number>): [number, number] => {
  let lo = 0, hi = 0; // ORT widens every range to include 0
  for (let i = 0; i < v.length; i++) { lo = Math.min(lo, v[i]!); hi = Math.max(hi, v[i]!); }
  return [lo, hi];
};
const roundEven = (x: number): number => {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
};

export type WeightQuant = 'u8' | 'i8' | 'u8-per-column';

interface QuantizedWeight { q: Tensor; scale: Tensor; zp: Tensor }

/** ORT's quantize_data over `groups` (each a list of flat indices sharing one scale). */
function quantizeGroups(w: Tensor, kind: 'u8' | 'i8', groups: number[][], scaleShape: number[]): QuantizedWeight {
  const v = f32s(w);
  const q = new Array<number>(v.length).fill(0), scales: number[] = [], zps: number[] = [];
  for (const idx of groups) {
    let [lo, hi] = minMax(idx.map((i) => v[i]!));
    const [qmin, qmax] = kind === 'u8' ? [0, 255] : [-127, 127];
    if (kind === 'i8') { const a = Math.max(-lo, hi); lo = -a; hi = a; }
    const scale = Math.fround(hi === lo ? 1 : (hi - lo) / (qmax - qmin));
    const zp = kind === 'i8' ? 0 : Math.min(qmax, Math.max(qmin, roundEven(qmin - lo / scale)));
    for (const i of idx) q[i] = Math.min(qmax, Math.max(qmin, roundEven(v[i]! / scale) + zp));
    scales.push(scale);
    zps.push(zp);
  }
  return { q: tensorFrom(kind, w.shape, q), scale: tensorFrom('f32', scaleShape, scales), zp: tensorFrom(kind, scaleShape, zps) };
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** `quant(layerOfWeight)` picks each weight's scheme (by initializer name). */
export function quantizeDynamic(s: Spec, quant: (weight: string) => WeightQuant): Spec {
  const inits = new Map(s.inits.map((i) => [i.name, i]));
  const out: Spec = { ...s, inits: [...s.inits], nodes: [] };
  const used = new Set<string>();
  const dql = new Map<string, [string, string, string]>();
  for (const n of s.nodes) {
    const w = n.opType === 'MatMul' && !n.domain ? inits.get(n.inputs[1]!) : undefined;
    if (!w || w.tensor.shape.length !== 2) { out.nodes.push(n); continue; }
    const x = n.inputs[0]!, [K, N] = w.tensor.shape as [number, number];
    let xq = dql.get(x);
    if (!xq) {
      xq = [`${x}_quantized`, `${x}_scale`, `${x}_zero_point`];
      out.nodes.push({ opType: 'DynamicQuantizeLinear', inputs: [x], outputs: xq, name: `${x}_QuantizeLinear` });
      dql.set(x, xq);
    }
    const kind = quant(w.name);
    const qw = kind === 'u8-per-column'
      ? quantizeGroups(w.tensor, 'u8', range(N).map((c) => range(K).map((r) => r * N + c)), [N])
      : quantizeGroups(w.tensor, kind, [range(K * N)], []);
    out.inits.push({ name: `${w.name}_quantized`, tensor: qw.q }, { name: `${w.name}_scale`, tensor: qw.scale }, { name: `${w.name}_zero_point`, tensor: qw.zp });
    used.add(w.name);
    const y = n.outputs[0]!, base = n.name ?? y;
    const acc = `${y}_quantized`, cast = `${y}_quantized_cast`, scales = `${base}_scales_mul`;
    out.nodes.push(
      { opType: 'MatMulInteger', inputs: [xq[0], `${w.name}_quantized`, xq[2], `${w.name}_zero_point`], outputs: [acc], name: `${base}_quant` },
      { opType: 'Mul', inputs: [xq[1], `${w.name}_scale`], outputs: [scales], name: `${base}_scales_mul` },
      { opType: 'Cast', inputs: [acc], outputs: [cast], name: `${base}_quant_output_cast`, attrs: { to: 1 } },
      { opType: 'Mul', inputs: [cast, scales], outputs: [y], name: `${base}_quant_scales_mul` },
    );
  }
  // The float weights are gone (the quantized model ships only the int8 ones).
  out.inits = out.inits.filter((i) => !used.has(i.name) || out.nodes.some((n) => n.inputs.includes(i.name)));
  return out;
}

/** Fold BatchNormalization into the Conv before it (what quant_pre_process / ORT's optimizer do). */
export function foldBatchNorm(s: Spec): Spec {
  const inits = new Map(s.inits.map((i) => [i.name, i.tensor]));
  const producer = new Map<string, NodeSpec>();
  const readers = (v: string): number => s.nodes.filter((n) => n.inputs.includes(v)).length;
  const nodes: NodeSpec[] = [], newInits = [...s.inits];
  for (const n of s.nodes) {
    const conv = n.opType === 'BatchNormalization' ? producer.get(n.inputs[0]!) : undefined;
    if (!conv || conv.opType !== 'Conv' || readers(n.inputs[0]!) !== 1) { nodes.push(n); producer.set(n.outputs[0]!, n); continue; }
    const [gamma, beta, mean, vari] = n.inputs.slice(1).map((v) => f32s(inits.get(v)!));
    const eps = (n.attrs?.epsilon as { float: number } | undefined)?.float ?? 1e-5;
    const w = inits.get(conv.inputs[1]!)!, M = w.shape[0]!, per = w.data.length / M;
    const b = conv.inputs[2] ? f32s(inits.get(conv.inputs[2])!) : new Float32Array(M);
    const wv = f32s(w), nw = new Float32Array(wv.length), nb = new Float32Array(M);
    for (let m = 0; m < M; m++) {
      const f = gamma![m]! / Math.sqrt(vari![m]! + eps);
      for (let j = 0; j < per; j++) nw[m * per + j] = wv[m * per + j]! * f;
      nb[m] = (b[m]! - mean![m]!) * f + beta![m]!;
    }
    const wn = `${conv.inputs[1]}_folded`, bn = `${conv.inputs[1]}_folded_bias`;
    newInits.push({ name: wn, tensor: tensorFrom('f32', w.shape, nw) }, { name: bn, tensor: tensorFrom('f32', [M], nb) });
    const folded: NodeSpec = { ...conv, inputs: [conv.inputs[0]!, wn, bn], outputs: n.outputs };
    nodes[nodes.indexOf(conv)] = folded;
    producer.set(n.outputs[0]!, folded);
  }
  const live = new Set(nodes.flatMap((n) => n.inputs));
  return { ...s, nodes, inits: newInits.filter((i) => live.has(i.name)) };
}

/** [min, max] of every float activation over `feeds` (tenth's interpreter on the float model). */
function calibrate(s: Spec, names: readonly string[], feeds: readonly Tensor[]): Map<string, [number, number]> {
  const probe = encodeSpec({ ...s, outputs: names.map((name) => ({ name, dtype: 'f32' as const, shape: null })) });
  const got = interpret(importOnnxBytes(probe, { file: 'calibrate.onnx', baseDir: '.' }), feeds);
  return new Map(names.map((n, i) => [n, minMax(f32s(got[i]!))]));
}

/** Float activations to quantize: node outputs of the float ops ORT's QDQ quantizer handles, and the graph input. */
const QDQ_OPS = new Set(['Conv', 'Relu', 'Add', 'MaxPool', 'GlobalAveragePool', 'Flatten', 'Gemm']);

export function quantizeQdq(sFloat: Spec, feeds: readonly Tensor[]): Spec {
  const s = foldBatchNorm(sFloat);
  const inits = new Map(s.inits.map((i) => [i.name, i.tensor]));
  const acts = [s.inputs[0]!.name, ...s.nodes.filter((n) => QDQ_OPS.has(n.opType)).map((n) => n.outputs[0]!)];
  const ranges = calibrate(s, acts, feeds);
  const out: Spec = { ...s, inits: [], nodes: [] };
  const act = new Map<string, { scale: number; deq: string }>();
  const graphOut = new Set(s.outputs.map((o) => o.name));
  /** QuantizeLinear -> DequantizeLinear after activation `v`, the dequantized value named `deq`. */
  const qdq = (v: string, deq = `${v}_DequantizeLinear_Output`): void => {
    const [lo, hi] = ranges.get(v)!;
    const scale = Math.fround((hi - lo) / 255 || 1), zp = Math.min(255, Math.max(0, roundEven(-lo / scale)));
    const sn = `${v}_scale`, zn = `${v}_zero_point`;
    out.inits.push({ name: sn, tensor: tensorFrom('f32', [], [scale]) }, { name: zn, tensor: tensorFrom('u8', [], [zp]) });
    out.nodes.push(
      { opType: 'QuantizeLinear', inputs: [v, sn, zn], outputs: [`${v}_QuantizeLinear_Output`], name: `${v}_QuantizeLinear` },
      { opType: 'DequantizeLinear', inputs: [`${v}_QuantizeLinear_Output`, sn, zn], outputs: [deq], name: `${v}_DequantizeLinear` },
    );
    act.set(v, { scale, deq });
  };
  qdq(s.inputs[0]!.name);
  for (const n of s.nodes) {
    const inputs = n.inputs.map((v) => act.get(v)?.deq ?? v);
    if (n.opType === 'Conv' || n.opType === 'Gemm') {
      // Weights per output channel: Conv's axis 0, Gemm's (transB = 1) axis 0 too.
      const wn = n.inputs[1]!, w = inits.get(wn)!, M = w.shape[0]!, per = w.data.length / M;
      const qw = quantizeGroups(w, 'i8', range(M).map((m) => range(per).map((j) => m * per + j)), [M]);
      out.inits.push({ name: `${wn}_quantized`, tensor: qw.q }, { name: `${wn}_scale`, tensor: qw.scale }, { name: `${wn}_zero_point`, tensor: qw.zp });
      out.nodes.push({ opType: 'DequantizeLinear', inputs: [`${wn}_quantized`, `${wn}_scale`, `${wn}_zero_point`], outputs: [`${wn}_DequantizeLinear_Output`], name: `${wn}_DequantizeLinear`, attrs: { axis: 0 } });
      inputs[1] = `${wn}_DequantizeLinear_Output`;
      if (n.inputs[2]) {
        // int32 bias at scale x_scale * w_scale[m], zero point absent (0).
        const bn = n.inputs[2], xs = act.get(n.inputs[0]!)!.scale, b = f32s(inits.get(bn)!);
        const bs = Array.from(f32s(qw.scale), (ws) => Math.fround(xs * ws));
        out.inits.push({ name: `${bn}_quantized`, tensor: tensorFrom('i32', [M], Array.from(b, (v, m) => roundEven(v / bs[m]!))) }, { name: `${bn}_quantized_scale`, tensor: tensorFrom('f32', [M], bs) });
        out.nodes.push({ opType: 'DequantizeLinear', inputs: [`${bn}_quantized`, `${bn}_quantized_scale`], outputs: [`${bn}_DequantizeLinear_Output`], name: `${bn}_DequantizeLinear`, attrs: { axis: 0 } });
        inputs[2] = `${bn}_DequantizeLinear_Output`;
      }
    } else {
      for (const v of n.inputs) if (inits.has(v) && !out.inits.some((i) => i.name === v)) out.inits.push({ name: v, tensor: inits.get(v)! });
    }
    const y = n.outputs[0]!;
    if (!QDQ_OPS.has(n.opType)) { out.nodes.push({ ...n, inputs }); continue; }
    // A graph output keeps its name on the last DequantizeLinear; the op itself writes a renamed value.
    const own = graphOut.has(y) ? `${y}_float` : y;
    ranges.set(own, ranges.get(y)!);
    out.nodes.push({ ...n, inputs, outputs: [own, ...n.outputs.slice(1)] });
    qdq(own, graphOut.has(y) ? y : undefined);
  }
  return out;
}

// onnxconverter-common's DEFAULT_OP_BLOCK_LIST.
const FP16_BLOCK = new Set(['ArrayFeatureExtractor', 'Binarizer', 'CastMap', 'CategoryMapper', 'DictVectorizer', 'FeatureVectorizer', 'Imputer', 'LabelEncoder',
  'LinearClassifier', 'LinearRegressor', 'Normalizer', 'OneHotEncoder', 'RandomUniformLike', 'SVMClassifier', 'SVMRegressor', 'Scaler', 'TreeEnsembleClassifier',
  'TreeEnsembleRegressor', 'ZipMap', 'NonMaxSuppression', 'TopK', 'RoiAlign', 'Resize', 'Range', 'CumSum', 'Min', 'Max', 'Upsample']);

const clampF16 = (x: number): number => {
  const a = Math.abs(x);
  if (a > 0 && a < 1e-7) return Math.sign(x) * 1e-7;
  if (a > 1e4 && a < Infinity) return Math.sign(x) * 1e4;
  return x;
};
const toF16 = (t: Tensor): Tensor => (t.dtype === 'f32' ? tensorFrom('f16', t.shape, Array.from(f32s(t), clampF16)) : t);

/**
 * `floatValues`: the names of the float activations (the converter learns them from shape
 * inference); blocked ops reading one get a Cast to f32, and their float outputs a Cast back.
 */
export function toFloat16(s: Spec, floatValues: ReadonlySet<string>, blockList: ReadonlySet<string> = FP16_BLOCK): Spec {
  const nodes: NodeSpec[] = [];
  for (const n of s.nodes) {
    const attrs = Object.fromEntries(Object.entries(n.attrs ?? {}).map(([k, v]) => [k, typeof v === 'object' && v !== null && 'dtype' in v ? toF16(v) : v]));
    if (n.opType === 'Cast' && attrs.to === 1) attrs.to = 10;
    if (!blockList.has(n.opType)) { nodes.push({ ...n, attrs }); continue; }
    const inputs = n.inputs.map((v, i) => {
      if (!floatValues.has(v)) return v;
      const c = `${n.name}_input_cast_${i}`;
      nodes.push({ opType: 'Cast', inputs: [v], outputs: [c], name: `${n.name}_input_cast${i}`, attrs: { to: 1 } });
      return c;
    });
    const outputs = n.outputs.map((v, i) => (floatValues.has(v) ? `${n.name}_output_cast_${i}` : v));
    nodes.push({ ...n, inputs, outputs, attrs });
    n.outputs.forEach((v, i) => {
      if (outputs[i] !== v) nodes.push({ opType: 'Cast', inputs: [outputs[i]!], outputs: [v], name: `${n.name}_output_cast${i}`, attrs: { to: 10 } });
    });
  }
  const io = (v: ValueSpec): ValueSpec => (v.dtype === 'f32' ? { ...v, dtype: 'f16' } : v);
  return { ...s, inputs: s.inputs.map(io), outputs: s.outputs.map(io), inits: s.inits.map((i) => ({ ...i, tensor: toF16(i.tensor) })), nodes };
}

const NOT_FLOAT = new Set(['Shape', 'Size', 'Equal', 'Less', 'LessOrEqual', 'Greater', 'GreaterOrEqual', 'Not', 'And', 'Or', 'Xor', 'IsNaN', 'IsInf', 'ArgMax', 'ArgMin', 'NonZero']);

/** The float-typed values (what the converter reads from shape inference), by forward propagation. */
export function floatValues(s: Spec): Set<string> {
  const f = new Set<string>([...s.inputs.filter((i) => i.dtype === 'f32').map((i) => i.name), ...s.inits.filter((i) => i.tensor.dtype === 'f32').map((i) => i.name)]);
  for (const n of s.nodes) {
    const v = n.attrs?.value;
    const isFloat = n.opType === 'Constant' ? typeof v === 'object' && v !== null && 'dtype' in v && v.dtype === 'f32'
      : n.opType === 'Cast' ? n.attrs?.to === 1
        : !NOT_FLOAT.has(n.opType) && n.inputs.some((i) => f.has(i));
    if (isFloat) n.outputs.forEach((o) => f.add(o));
  }
  return f;
}
