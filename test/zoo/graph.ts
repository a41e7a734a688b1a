// A tiny graph-building layer over src/onnx/writer.ts for the model zoo: nodes named the way
// torch.onnx.export names them (/scope/Op_k), weights as seeded random initializers, small
// constants as Constant nodes (as PyTorch emits them), and the building blocks real exporters
// produce (Conv+BatchNormalization, nn.Linear as MatMul+Add or Gemm, shape arithmetic through
// Shape/Gather/Unsqueeze/Concat).

import type { DType } from '../../ir/dtype.js';
import { tensorFrom, type Tensor } from '../../ir/tensor.js';
import { buildModel, type AttrSpecValue, type InitializerSpec, type NodeSpec, type ValueSpec } from '../../src/onnx/writer.js';

/** mulberry32: a small seeded generator, the same numbers on every machine. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Graph {
  readonly nodes: NodeSpec[] = [];
  readonly inits: InitializerSpec[] = [];
  private k = 0;
  private readonly names = new Set<string>();
  private readonly rand: () => number;
  scope = '';

  constructor(seed: number) {
    this.rand = rng(seed);
  }

  /** One node with one output; returns the output's name. */
  op(opType: string, inputs: readonly string[], attrs: Record<string, AttrSpecValue> = {}): string {
    return this.opN(opType, inputs, 1, attrs)[0]!;
  }

  /** `opType` may name a domain: 'com.microsoft:SkipLayerNormalization'. */
  opN(qualified: string, inputs: readonly string[], n: number, attrs: Record<string, AttrSpecValue> = {}): string[] {
    const id = this.k++;
    const colon = qualified.lastIndexOf(':');
    const opType = qualified.slice(colon + 1), domain = colon < 0 ? undefined : qualified.slice(0, colon);
    const name = `${this.scope}/${opType}_${id}`;
    const outputs = Array.from({ length: n }, (_, i) => `${name}_output_${i}`);
    this.nodes.push({ opType, ...(domain ? { domain } : {}), inputs, outputs, name, attrs });
    return outputs;
  }

  /** Uniform in [-a, a): a = sqrt(3 / fanIn) keeps activations near unit variance. */
  weight(name: string, shape: readonly number[], fanIn: number): string {
    const a = Math.sqrt(3 / fanIn);
    return this.init(name, shape, () => (this.rand() * 2 - 1) * a);
  }

  /** Uniform in [lo, hi). */
  uniform(name: string, shape: readonly number[], lo: number, hi: number): string {
    return this.init(name, shape, () => lo + (hi - lo) * this.rand());
  }

  private init(name: string, shape: readonly number[], f: () => number): string {
    let full = `${this.scope}.${name}`.replace(/^[/.]+/, '').replaceAll('/', '.');
    // Two convs in one scope: torch numbers them (conv1, conv2); a suffix keeps names unique here.
    for (let i = 1; this.names.has(full); i++) full = `${full.replace(/_\d+$/, '')}_${i}`;
    this.names.add(full);
    const n = shape.reduce((a, b) => a * b, 1);
    this.inits.push({ name: full, tensor: tensorFrom('f32', shape, Float32Array.from({ length: n }, f)) });
    return full;
  }

  /** A Constant node (how PyTorch writes scalars, axes and shape pieces). */
  constant(dtype: DType, shape: readonly number[], values: readonly (number | bigint)[]): string {
    const v = dtype === 'i64' ? values.map((x) => BigInt(x)) : values;
    return this.op('Constant', [], { value: tensorFrom(dtype, shape, v) });
  }
  i64(values: readonly number[]): string { return this.constant('i64', [values.length], values); }
  i64s(value: number): string { return this.constant('i64', [], [value]); }
  f32s(value: number): string { return this.constant('f32', [], [value]); }

  /** Run `f` with node names under `/scope`. */
  in<T>(scope: string, f: () => T): T {
    const saved = this.scope;
    this.scope = `${saved}/${scope}`;
    try { return f(); } finally { this.scope = saved; }
  }

  /** `opsets`: other domains' versions (e.g. `{ 'com.microsoft': 1 }` for onnxruntime's contrib ops). */
  model(inputs: readonly ValueSpec[], outputs: readonly ValueSpec[], opset: number, opsets?: Readonly<Record<string, number>>): Uint8Array {
    return buildModel({ opset, ...(opsets ? { opsets } : {}), irVersion: 8, inputs, outputs, initializers: this.inits, nodes: this.nodes });
  }
}

export interface ConvOpts { stride?: number; pad?: number; group?: number; dilation?: number; bias?: boolean; pads?: number[] }

/** nn.Conv2d / nn.Conv1d (spatial rank from k's length). */
export function conv(g: Graph, x: string, cin: number, cout: number, k: number | number[], o: ConvOpts = {}): string {
  const ks = Array.isArray(k) ? k : [k, k];
  const group = o.group ?? 1;
  const fanIn = (cin / group) * ks.reduce((a, b) => a * b, 1);
  const w = g.weight('weight', [cout, cin / group, ...ks], fanIn);
  const inputs = [x, w];
  if (o.bias ?? true) inputs.push(g.uniform('bias', [cout], -0.1, 0.1));
  const r = ks.length;
  return g.op('Conv', inputs, {
    dilations: new Array<number>(r).fill(o.dilation ?? 1),
    group,
    kernel_shape: ks,
    pads: o.pads ?? new Array<number>(2 * r).fill(o.pad ?? 0),
    strides: new Array<number>(r).fill(o.stride ?? 1),
  });
}

/** nn.BatchNorm2d in eval mode, exported with training=PRESERVE (not folded into the conv). */
export function batchNorm(g: Graph, x: string, c: number): string {
  const s = g.uniform('bn.weight', [c], 0.5, 1.5), b = g.uniform('bn.bias', [c], -0.1, 0.1);
  const m = g.uniform('bn.running_mean', [c], -0.1, 0.1), v = g.uniform('bn.running_var', [c], 0.5, 1.5);
  return g.op('BatchNormalization', [x, s, b, m, v], { epsilon: 1e-5, momentum: 0.9 });
}

/** nn.Linear on a rank > 2 input: MatMul with the transposed weight, then Add of the bias. */
export function linear(g: Graph, x: string, din: number, dout: number): string {
  const w = g.weight('weight', [din, dout], din);
  return g.op('Add', [g.op('MatMul', [x, w]), g.uniform('bias', [dout], -0.1, 0.1)]);
}

/** nn.Linear on a 2-D input: Gemm with transB = 1. */
export function gemm(g: Graph, x: string, din: number, dout: number): string {
  const w = g.weight('weight', [dout, din], din);
  return g.op('Gemm', [x, w, g.uniform('bias', [dout], -0.1, 0.1)], { alpha: { float: 1 }, beta: { float: 1 }, transB: 1 });
}

/** nn.LayerNorm exported at opset >= 17. */
export function layerNorm(g: Graph, x: string, d: number): string {
  return g.op('LayerNormalization', [x, g.uniform('ln.weight', [d], 0.5, 1.5), g.uniform('ln.bias', [d], -0.1, 0.1)], { axis: -1, epsilon: 1e-5 });
}

/** nn.LayerNorm as opset < 17 exports it: ReduceMean, Sub, Pow, ReduceMean, Add eps, Sqrt, Div, Mul, Add. */
export function layerNormDecomposed(g: Graph, x: string, d: number, opset: number): string {
  const mean = (v: string): string => (opset >= 18 ? g.op('ReduceMean', [v, g.i64([-1])], { keepdims: 1 }) : g.op('ReduceMean', [v], { axes: [-1], keepdims: 1 }));
  const c = g.op('Sub', [x, mean(x)]);
  const varr = mean(g.op('Pow', [c, g.f32s(2)]));
  const norm = g.op('Div', [c, g.op('Sqrt', [g.op('Add', [varr, g.f32s(1e-12)])])]);
  return g.op('Add', [g.op('Mul', [norm, g.uniform('ln.weight', [d], 0.5, 1.5)]), g.uniform('ln.bias', [d], -0.1, 0.1)]);
}

/** F.gelu (exact): x * 0.5 * (1 + erf(x / sqrt 2)), the node order torch exports. */
export function geluErf(g: Graph, x: string): string {
  const e = g.op('Erf', [g.op('Div', [x, g.f32s(Math.SQRT2)])]);
  return g.op('Mul', [g.op('Mul', [x, g.op('Add', [e, g.f32s(1)])]), g.f32s(0.5)]);
}

/** GPT-2's gelu_new: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
export function geluTanh(g: Graph, x: string): string {
  const x3 = g.op('Mul', [g.op('Pow', [x, g.f32s(3)]), g.f32s(0.044715)]);
  const t = g.op('Tanh', [g.op('Mul', [g.op('Add', [x, x3]), g.f32s(Math.sqrt(2 / Math.PI))])]);
  return g.op('Mul', [g.op('Mul', [g.f32s(0.5), x]), g.op('Add', [g.f32s(1), t])]);
}

/** Unsqueeze with axes as an input (opset >= 13). */
export const unsqueeze = (g: Graph, x: string, axes: number[]): string => g.op('Unsqueeze', [x, g.i64(axes)]);

/** Dim `i` of `x` as a 1-element i64 tensor: Shape -> Gather(scalar) -> Unsqueeze. */
export function dimOf(g: Graph, x: string, i: number): string {
  return unsqueeze(g, g.op('Gather', [g.op('Shape', [x]), g.i64s(i)], { axis: 0 }), [0]);
}

/** view(...) with some dims read from other tensors' shapes: Concat of 1-element pieces -> Reshape. */
export function reshapeDyn(g: Graph, x: string, pieces: readonly (string | number)[]): string {
  const parts = pieces.map((p) => (typeof p === 'number' ? g.i64([p]) : p));
  return g.op('Reshape', [x, g.op('Concat', parts, { axis: 0 })]);
}

/**
 * Multi-head self-attention as transformers' BertSelfAttention / GPT2Attention export it:
 * Q/K/V projections, heads split by Reshape to (b, s, H, dh) with b and s read from the input's
 * Shape, Transpose, Q K^T / sqrt(dh), `bias` added (mask), Softmax, times V, heads merged back.
 * `bias(scores)` returns the masked scores.
 */
export function selfAttention(g: Graph, x: string, d: number, heads: number, bias: (scores: string) => string, fusedQkv = false): string {
  const dh = d / heads;
  const b = dimOf(g, x, 0), s = dimOf(g, x, 1);
  let q: string, k: string, v: string;
  if (fusedQkv) {
    const qkv = g.in('c_attn', () => linear(g, x, d, 3 * d));
    [q, k, v] = g.opN('Split', [qkv, g.i64([d, d, d])], 3, { axis: 2 }) as [string, string, string];
  } else {
    q = g.in('query', () => linear(g, x, d, d));
    k = g.in('key', () => linear(g, x, d, d));
    v = g.in('value', () => linear(g, x, d, d));
  }
  const heads4 = (t: string, perm: number[]): string => g.op('Transpose', [reshapeDyn(g, t, [b, s, heads, dh])], { perm });
  const qh = heads4(q, [0, 2, 1, 3]), kt = heads4(k, [0, 2, 3, 1]), vh = heads4(v, [0, 2, 1, 3]);
  const scores = g.op('Div', [g.op('MatMul', [qh, kt]), g.f32s(Math.sqrt(dh))]);
  const p = g.op('Softmax', [bias(scores)], { axis: -1 });
  const ctx = g.op('Transpose', [g.op('MatMul', [p, vh])], { perm: [0, 2, 1, 3] });
  const merged = reshapeDyn(g, ctx, [b, s, d]);
  return g.in('dense', () => linear(g, merged, d, d));
}

export interface ZooInput {
  readonly name: string;
  readonly dtype: 'f32' | 'f16' | 'i64' | 'i32';
  readonly shape: readonly (number | string)[];
  /**
   * f32/f16: uniform in [-1, 1) (f16 rounded); i64/i32 with `vocab`: tokens in [0, vocab); i64/i32
   * `mask`: 1s with a 0 tail per row.
   */
  readonly vocab?: number;
  readonly mask?: boolean;
  /** i64 lengths in [1, this symbol's size] (LSTM sequence_lens), the first one the full size. */
  readonly lengthsOf?: string;
  /**
   * Integer inputs: every element is this expression of the bound symbols, terms joined by + and -
   * (e.g. GroupQueryAttention's `seqlens_k` = 'past_sequence + sequence - 1').
   */
  readonly equals?: string;
}

/** `a + b - 1` over the bound symbols (integer literals allowed). */
export function evalDimExpr(expr: string, bind: Readonly<Record<string, number>>): number {
  let total = 0;
  for (const m of expr.replace(/\s+/g, '').matchAll(/([+-]?)([A-Za-z_][\w]*|\d+)/g)) {
    const v = /^\d+$/.test(m[2]!) ? Number(m[2]) : bind[m[2]!];
    if (v === undefined) return NaN;
    total += m[1] === '-' ? -v : v;
  }
  return total;
}

/** Seeded inputs for one binding of the symbolic dims. */
export function makeInputs(specs: readonly ZooInput[], bind: Readonly<Record<string, number>>, seed: number): Tensor[] {
  const r = rng(seed);
  return specs.map((s) => {
    // A dim_param such as "past_sequence + sequence" (as transformers names it) is the sum of its terms.
    const shape = s.shape.map((d) => (typeof d === 'number' ? d : evalDimExpr(d, bind)));
    if (shape.some((d) => Number.isNaN(d))) throw new Error(`${s.name}: unbound dim in [${s.shape}]`);
    const n = shape.reduce((a, b) => a * b, 1);
    if (s.dtype === 'f32' || s.dtype === 'f16') return tensorFrom(s.dtype, shape, Float32Array.from({ length: n }, () => r() * 2 - 1));
    const int = (vals: readonly bigint[]): Tensor => (s.dtype === 'i32' ? tensorFrom('i32', shape, vals.map(Number)) : tensorFrom('i64', shape, vals));
    if (s.equals !== undefined) {
      const v = evalDimExpr(s.equals, bind);
      if (Number.isNaN(v)) throw new Error(`${s.name}: unbound symbol in '${s.equals}'`);
      return int(Array.from({ length: n }, () => BigInt(v)));
    }
    if (s.lengthsOf) {
      const max = bind[s.lengthsOf]!;
      return int(Array.from({ length: n }, (_, i) => BigInt(i === 0 ? max : 1 + Math.floor(r() * max))));
    }
    if (s.mask) {
      // Row i keeps its first len_i positions (at least 1), the rest are padding.
      const cols = shape[shape.length - 1]!;
      const vals: bigint[] = [];
      for (let row = 0; row < n / cols; row++) {
        const len = 1 + Math.floor(r() * cols);
        for (let c = 0; c < cols; c++) vals.push(c < len ? 1n : 0n);
      }
      return int(vals);
    }
    return int(Array.from({ length: n }, () => BigInt(Math.floor(r() * s.vocab!))));
  });
}
