// onnxruntime's LLM contrib ops (com.microsoft MatMulNBits, GroupQueryAttention) imported and
// interpreted, against onnxruntime-node 1.30 (CPU) on random shapes, bit widths, block sizes, zero
// point forms, past lengths, head groupings, rotary and padding; plus the refusals (E2xx naming
// the node). Tolerance rtol 1e-3, atol 1e-4. A sample of the cases also runs compiled for WASM
// (through the runtime) and WebGPU (Dawn + SwiftShader), through the zoo harness.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { TenthError } from '../../ir/diagnostics.js';
import { interpret } from '../../ir/interp.js';
import { f16BitsToNumber, numberToF16Bits } from '../../ir/numeric.js';
import { tensorFrom, type Tensor } from '../../ir/tensor.js';
import { verify } from '../../ir/verify.js';
import { compareTensors } from '../../src/check/compare.js';
import { importOnnxBytes } from '../../src/onnx/import.js';
import { buildModel, type AttrSpecValue, type InitializerSpec, type ValueSpec } from '../../src/onnx/writer.js';
import { nodeDevice, NODE_DAWN_FLAGS } from '../../src/runtime/webgpu-node.js';
import { rng } from '../zoo/graph.js';
import { mismatch, runWasmCases, runWebGpuCases } from '../zoo/harness.js';
import type { ZooModel } from '../zoo/models-common.js';

type Ort = typeof import('onnxruntime-node');
const ort = createRequire(import.meta.url)('onnxruntime-node') as Ort;
const TOL = { rtol: 1e-3, atol: 1e-4 };
const ORT_TYPE: Record<string, string> = { f32: 'float32', f16: 'float16', i32: 'int32', i64: 'int64', u8: 'uint8' };
// f16 crosses onnxruntime's boundary as raw bits.
const ortData = (t: Tensor): unknown => (t.dtype === 'f16' ? Uint16Array.from(t.data as Float32Array, numberToF16Bits) : t.data);

interface Case {
  inputs: (ValueSpec & { data: Tensor })[];
  inits: InitializerSpec[];
  op: string;
  nodeInputs: string[];
  nOut: number;
  attrs: Record<string, AttrSpecValue>;
  /** Output dtype (f32 unless the case runs in f16). */
  out?: 'f16';
}

function model(c: Case): Uint8Array {
  const outs = Array.from({ length: c.nOut }, (_, i) => `out${i}`);
  return buildModel({
    opset: 17, opsets: { 'com.microsoft': 1 }, irVersion: 8,
    inputs: c.inputs.map(({ name, dtype, shape }) => ({ name, dtype, shape })),
    outputs: outs.map((name) => ({ name, dtype: c.out ?? 'f32' })),
    initializers: c.inits,
    nodes: [{ opType: c.op, domain: 'com.microsoft', name: `my_${c.op}`, inputs: c.nodeInputs, outputs: outs, attrs: c.attrs }],
  });
}

async function reference(bytes: Uint8Array, c: Case): Promise<Tensor[]> {
  const s = await ort.InferenceSession.create(Buffer.from(bytes), { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1, logSeverityLevel: 3 });
  try {
    const feeds = Object.fromEntries(c.inputs.map((i) => [i.name, new ort.Tensor(ORT_TYPE[i.data.dtype] as 'float32', ortData(i.data) as Float32Array, i.data.shape)]));
    const out = await s.run(feeds);
    return Array.from({ length: c.nOut }, (_, i) => {
      const t = out[`out${i}`]!;
      if (t.type === 'float16') return tensorFrom('f16', t.dims as number[], Array.from(t.data as Uint16Array, f16BitsToNumber));
      return tensorFrom('f32', t.dims as number[], t.data as Float32Array);
    });
  } finally {
    await s.release();
  }
}

function tenth(bytes: Uint8Array, c: Case): Tensor[] {
  const m = importOnnxBytes(bytes, { file: 'ms-llm.onnx', baseDir: '.' });
  expect(verify(m)).toEqual([]);
  return interpret(m, c.inputs.map((i) => i.data));
}

// f16 runs: onnxruntime computes in f32 and rounds once; the interpreter rounds every step to f16.
const TOL16 = { rtol: 1e-2, atol: 5e-3 };

async function check(c: Case, label: string): Promise<void> {
  const bytes = model(c);
  const [want, got] = [await reference(bytes, c), tenth(bytes, c)];
  want.forEach((w, i) => {
    const r = compareTensors(got[i]!, w, c.out === 'f16' ? TOL16 : TOL);
    expect(r.ok, `${label} output ${i}: ${r.reason}`).toBe(true);
  });
}

const floats = (r: () => number, shape: number[], lo = -1, hi = 1): Tensor =>
  tensorFrom('f32', shape, Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => lo + (hi - lo) * r()));
const bytesOf = (r: () => number, shape: number[]): Tensor =>
  tensorFrom('u8', shape, Uint8Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => Math.floor(r() * 256)));

/** The same case in f16: float inputs and initializers (scales, caches, float zero points) rounded to f16. */
function toF16(c: Case): Case {
  const half = (t: Tensor): Tensor => (t.dtype === 'f32' ? tensorFrom('f16', t.shape, t.data as Float32Array) : t);
  return {
    ...c, out: 'f16',
    inputs: c.inputs.map((i) => ({ ...i, dtype: i.dtype === 'f32' ? 'f16' : i.dtype, data: half(i.data) })),
    inits: c.inits.map((i) => ({ ...i, tensor: half(i.tensor) })),
  };
}

interface NBits { m: number[]; K: number; N: number; bits: number; bs: number; zp: 'none' | 'packed' | 'float' | 'frac'; bias: boolean; seed: number }

function nbitsCase(p: NBits): Case {
  const r = rng(p.seed);
  const kb = Math.ceil(p.K / p.bs), blob = (p.bs * p.bits) / 8;
  const a = floats(r, [...p.m, p.K]);
  const inits: InitializerSpec[] = [
    { name: 'B', tensor: bytesOf(r, [p.N, kb, blob]) },
    { name: 'scales', tensor: floats(r, [p.N * kb], 0.01, 0.1) },
  ];
  const ins = ['A', 'B', 'scales'];
  if (p.zp === 'packed') inits.push({ name: 'zp', tensor: bytesOf(r, [p.N, Math.ceil((kb * p.bits) / 8)]) });
  if (p.zp === 'float' || p.zp === 'frac') {
    const top = 2 ** p.bits;
    inits.push({ name: 'zp', tensor: tensorFrom('f32', [p.N * kb], Array.from({ length: p.N * kb }, () => (p.zp === 'float' ? Math.floor(r() * top) : r() * top))) });
  }
  if (p.zp !== 'none') ins.push('zp');
  if (p.bias) {
    inits.push({ name: 'bias', tensor: floats(r, [p.N]) });
    ins.push(...(p.zp === 'none' ? ['', ''] : ['']), 'bias');
  }
  return {
    inputs: [{ name: 'A', dtype: 'f32', shape: a.shape, data: a }], inits, op: 'MatMulNBits', nodeInputs: ins, nOut: 1,
    attrs: { K: p.K, N: p.N, bits: p.bits, block_size: p.bs, accuracy_level: 0 },
  };
}

describe('MatMulNBits vs onnxruntime', () => {
  it('random K, N, block sizes 16/32/128, bits 4, with and without zero points and bias', async () => {
    await fc.assert(fc.asyncProperty(
      fc.record({
        m: fc.constantFrom<number[]>([1], [3], [2, 5]), K: fc.integer({ min: 1, max: 300 }), N: fc.integer({ min: 1, max: 19 }),
        bits: fc.constant(4), bs: fc.constantFrom(16, 32, 128), zp: fc.constantFrom('none', 'packed', 'float', 'frac') as fc.Arbitrary<NBits['zp']>,
        bias: fc.boolean(), seed: fc.integer({ min: 1, max: 1e6 }),
      }),
      async (p) => check(nbitsCase(p), JSON.stringify(p)),
    ), { numRuns: 14, seed: 7 });
  });

  it('bits 8 and 2 (packed zero points per row, odd block counts)', async () => {
    for (const [bits, zp] of [[8, 'none'], [8, 'packed'], [2, 'none'], [2, 'packed']] as const) {
      const p: NBits = { m: [3], K: 80, N: 6, bits, bs: 16, zp, bias: false, seed: bits * 10 + zp.length };
      await check(nbitsCase(p), JSON.stringify(p));
    }
  });

  it('f16 activations and scales (as the web exports write them), with and without zero points', async () => {
    await check(toF16(nbitsCase({ m: [2, 3], K: 64, N: 10, bits: 4, bs: 32, zp: 'packed', bias: true, seed: 31 })), 'f16 zp');
    await check(toF16(nbitsCase({ m: [1], K: 96, N: 7, bits: 4, bs: 16, zp: 'none', bias: false, seed: 32 })), 'f16 sym');
  });

  it('accuracy_level 4 is accepted: tenth computes in f32 (level 0), onnxruntime with int8 activations is within 2% of the output range', async () => {
    const c = nbitsCase({ m: [4], K: 256, N: 24, bits: 4, bs: 32, zp: 'packed', bias: false, seed: 35 });
    const c4 = { ...c, attrs: { ...c.attrs, accuracy_level: 4 } };
    const bytes = model(c4);
    const [want] = await reference(bytes, c4);
    const [got] = tenth(bytes, c4);
    const w = Array.from(want!.data as Float32Array), g = Array.from(got!.data as Float32Array);
    const range = Math.max(...w.map(Math.abs));
    expect(Math.max(...w.map((x, i) => Math.abs(x - g[i]!)))).toBeLessThan(0.02 * range);
    const [exact] = await reference(model(c), c);
    expect(compareTensors(got!, exact!, TOL).ok).toBe(true);
  });

  it('packed 4-bit zero points with an odd block count per row', async () => {
    await check(nbitsCase({ m: [2], K: 48, N: 5, bits: 4, bs: 16, zp: 'packed', bias: true, seed: 3 }), 'kb=3');
  });
});

const refuse = (c: Case, re: RegExp): void => {
  let err: unknown;
  try { tenth(model(c), c); } catch (e) { err = e; }
  expect(err).toBeInstanceOf(TenthError);
  const d = (err as TenthError).diagnostics[0]!;
  expect(d.code).toMatch(/^E2\d\d$/);
  expect(d.message).toMatch(re);
  expect(d.loc).toMatchObject({ kind: 'node', node: c.nodeInputs.length ? `my_${c.op}` : '' });
};

describe('MatMulNBits refusals', () => {
  const base = nbitsCase({ m: [2], K: 32, N: 4, bits: 4, bs: 16, zp: 'none', bias: false, seed: 1 });
  it('g_idx, unknown attributes, bad bits / block_size, missing inputs, non-constant B', () => {
    refuse({ ...base, nodeInputs: ['A', 'B', 'scales', '', 'g'], inits: [...base.inits, { name: 'g', tensor: tensorFrom('i32', [32], new Array(32).fill(0)) }] }, /g_idx/);
    refuse({ ...base, attrs: { ...base.attrs, foo: 1 } }, /'foo'/);
    refuse({ ...base, attrs: { ...base.attrs, bits: 3 } }, /bits/);
    refuse({ ...base, attrs: { ...base.attrs, block_size: 24 } }, /block_size/);
    refuse({ ...base, nodeInputs: ['A', 'B'] }, /inputs/);
    const bIn = base.inits[0]!.tensor;
    refuse({ ...base, inits: base.inits.slice(1), inputs: [...base.inputs, { name: 'B', dtype: 'u8', shape: bIn.shape, data: bIn }] }, /constant/);
  });
});

interface Gqa {
  B: number; S: number; P: number | null; hq: number; hkv: number; D: number; lens?: number[];
  rotary?: { half: number; interleaved: number }; packed?: boolean; window?: number; softcap?: number; smooth?: boolean; scale?: number; seed: number;
}

function gqaCase(p: Gqa): Case {
  const r = rng(p.seed);
  const P = p.P ?? 0;
  const lens = p.lens ?? new Array<number>(p.B).fill(P + p.S - 1);
  const inputs: Case['inputs'] = [];
  const add = (name: string, t: Tensor): string => { inputs.push({ name, dtype: t.dtype as 'f32', shape: t.shape, data: t }); return name; };
  const qw = p.packed ? (p.hq + 2 * p.hkv) * p.D : p.hq * p.D;
  const names = [add('query', floats(r, [p.B, p.S, qw]))];
  if (p.packed) names.push('', '');
  else names.push(add('key', floats(r, [p.B, p.S, p.hkv * p.D])), add('value', floats(r, [p.B, p.S, p.hkv * p.D])));
  if (p.P === null) names.push('', '');
  else names.push(add('past_key', floats(r, [p.B, p.hkv, P, p.D])), add('past_value', floats(r, [p.B, p.hkv, P, p.D])));
  names.push(add('seqlens_k', tensorFrom('i32', [p.B], lens)), add('total_sequence_length', tensorFrom('i32', [], [P + p.S])));
  const inits: InitializerSpec[] = [];
  const attrs: Record<string, AttrSpecValue> = { num_heads: p.hq, kv_num_heads: p.hkv };
  if (p.rotary) {
    const maxPos = P + p.S + 3;
    // cos/sin of real angles, as exporters write them.
    const ang = Array.from({ length: maxPos * p.rotary.half }, (_, i) => Math.floor(i / p.rotary!.half) * 10000 ** (-(i % p.rotary!.half) / p.rotary!.half));
    inits.push({ name: 'cos', tensor: tensorFrom('f32', [maxPos, p.rotary.half], ang.map(Math.cos)) }, { name: 'sin', tensor: tensorFrom('f32', [maxPos, p.rotary.half], ang.map(Math.sin)) });
    names.push('cos', 'sin');
    Object.assign(attrs, { do_rotary: 1, rotary_interleaved: p.rotary.interleaved });
  }
  if (p.window !== undefined) attrs['local_window_size'] = p.window;
  if (p.softcap !== undefined) attrs['softcap'] = { float: p.softcap };
  if (p.scale !== undefined) attrs['scale'] = { float: p.scale };
  if (p.smooth) attrs['smooth_softmax'] = 1;
  return { inputs, inits, op: 'GroupQueryAttention', nodeInputs: names, nOut: 3, attrs };
}

describe('GroupQueryAttention vs onnxruntime', () => {
  it('prompt (no past / past 0) and decode steps, 4 query heads over 2 and 1 KV heads, rotary on/off', async () => {
    await fc.assert(fc.asyncProperty(
      fc.record({
        B: fc.integer({ min: 1, max: 3 }), decode: fc.boolean(), S: fc.integer({ min: 1, max: 6 }), P: fc.integer({ min: 1, max: 9 }),
        hkv: fc.constantFrom(1, 2), hq: fc.constant(4), D: fc.constantFrom(16, 32), rotary: fc.constantFrom(0, 1, 2),
        noPast: fc.boolean(), seed: fc.integer({ min: 1, max: 1e6 }),
      }),
      async (x) => {
        // onnxruntime: a step after the prompt takes one token per batch row (several only at batch 1).
        const S = x.decode && x.B > 1 ? 1 : x.S;
        const P = x.decode ? x.P : x.noPast ? null : 0;
        const rotary = x.rotary === 0 ? undefined : { half: x.rotary === 1 ? x.D / 2 : 8, interleaved: x.rotary === 2 ? 1 : 0 };
        const p: Gqa = { B: x.B, S, P, hq: x.hq, hkv: x.hkv, D: x.D, rotary, seed: x.seed };
        await check(gqaCase(p), JSON.stringify(p));
      },
    ), { numRuns: 16, seed: 11 });
  });

  it('f16 query/key/value, past and caches', async () => {
    await check(toF16(gqaCase({ B: 2, S: 1, P: 5, hq: 4, hkv: 2, D: 16, lens: [5, 3], rotary: { half: 8, interleaved: 0 }, seed: 33 })), 'f16 decode');
    await check(toF16(gqaCase({ B: 1, S: 4, P: 0, hq: 4, hkv: 1, D: 16, packed: true, rotary: { half: 8, interleaved: 1 }, seed: 34 })), 'f16 prompt');
  });

  it('seqlens_k shorter than the past (right-padded batch rows) in decode', async () => {
    await check(gqaCase({ B: 3, S: 1, P: 6, hq: 4, hkv: 2, D: 16, lens: [6, 2, 0], seed: 5 }), 'padded');
    await check(gqaCase({ B: 2, S: 1, P: 5, hq: 4, hkv: 1, D: 16, lens: [3, 5], rotary: { half: 8, interleaved: 0 }, seed: 6 }), 'padded rotary');
    // A follow-up prompt (several tokens after a past, batch 1) into a past with 2 unused rows.
    await check(gqaCase({ B: 1, S: 3, P: 5, hq: 4, hkv: 2, D: 32, lens: [5], rotary: { half: 8, interleaved: 1 }, seed: 14 }), 'padded follow-up');
  });

  it('packed QKV, local window, softcap, smooth softmax, custom scale', async () => {
    await check(gqaCase({ B: 1, S: 4, P: 3, hq: 4, hkv: 2, D: 16, packed: true, rotary: { half: 8, interleaved: 1 }, seed: 7 }), 'packed');
    await check(gqaCase({ B: 2, S: 5, P: 0, hq: 4, hkv: 2, D: 16, window: 2, seed: 8 }), 'window prompt');
    await check(gqaCase({ B: 2, S: 1, P: 7, hq: 4, hkv: 2, D: 16, window: 3, lens: [7, 4], seed: 9 }), 'window decode');
    await check(gqaCase({ B: 1, S: 3, P: 2, hq: 4, hkv: 1, D: 16, softcap: 0.7, scale: 0.3, seed: 10 }), 'softcap');
    await check(gqaCase({ B: 2, S: 1, P: 4, hq: 4, hkv: 2, D: 16, smooth: true, lens: [4, 2], seed: 12 }), 'smooth');
    await check(gqaCase({ B: 1, S: 3, P: 0, hq: 2, hkv: 2, D: 8, smooth: true, window: 1, seed: 13 }), 'smooth window');
  });
});

describe('GroupQueryAttention refusals', () => {
  const base = gqaCase({ B: 1, S: 2, P: 1, hq: 4, hkv: 2, D: 16, seed: 1 });
  it('qk_output, unknown attributes, head_sink / attention_bias, bad head counts, half KV inputs', () => {
    refuse({ ...base, attrs: { ...base.attrs, qk_output: 1 } }, /qk_output/);
    refuse({ ...base, attrs: { ...base.attrs, foo: 2 } }, /'foo'/);
    const nine = [...base.nodeInputs, '', ''];
    refuse({ ...base, nodeInputs: [...nine, 'seqlens_k'] }, /position_ids/);
    refuse({ ...base, nodeInputs: [...nine, '', 'query'] }, /attention_bias/);
    refuse({ ...base, nodeInputs: [...nine, '', '', 'query'] }, /head_sink/);
    refuse({ ...base, attrs: { ...base.attrs, kv_num_heads: 3 } }, /kv_num_heads/);
    refuse({ ...base, nodeInputs: ['query', 'key', '', ...base.nodeInputs.slice(3)] }, /key and value/);
    refuse({ ...base, nodeInputs: ['query', 'key', 'value', 'past_key', '', ...base.nodeInputs.slice(5)] }, /past_key and past_value/);
    refuse({ ...base, attrs: { ...base.attrs, do_rotary: 1 } }, /cos_cache/);
  });
});

interface Gbq { shape: number[]; kind: 'u8_4' | 'u8_8' | 'u4' | 'i4'; zp: boolean; g: number; qa: number; bs: number; idx: number[]; idxShape: number[]; i32: boolean; seed: number }

function gbqCase(p: Gbq): Case {
  const r = rng(p.seed);
  const n = p.shape.reduce((a, b) => a * b, 1);
  const sShape = p.shape.map((d, i) => (i === p.qa ? Math.ceil(d / p.bs) : d));
  const sn = sShape.reduce((a, b) => a * b, 1);
  const packed = (shape: number[]): Tensor => bytesOf(r, [...shape.slice(0, -1), Math.ceil(shape[shape.length - 1]! / 2)]);
  const codes = (dt: 'u4' | 'i4', shape: number[], len: number): Tensor => tensorFrom(dt, shape, Array.from({ length: len }, () => Math.floor(r() * 16) - (dt === 'i4' ? 8 : 0)));
  const data = p.kind === 'u8_4' ? packed(p.shape) : p.kind === 'u8_8' ? bytesOf(r, p.shape) : codes(p.kind, p.shape, n);
  const inits: InitializerSpec[] = [{ name: 'data', tensor: data }, { name: 'scales', tensor: floats(r, sShape, 0.01, 0.1) }];
  const ins = ['data', 'indices', 'scales'];
  if (p.zp) {
    inits.push({ name: 'zp', tensor: p.kind === 'u8_4' ? packed(sShape) : p.kind === 'u8_8' ? bytesOf(r, sShape) : codes(p.kind, sShape, sn) });
    ins.push('zp');
  }
  const idx = tensorFrom(p.i32 ? 'i32' : 'i64', p.idxShape, p.i32 ? p.idx : p.idx.map(BigInt));
  const attrs: Record<string, AttrSpecValue> = { gather_axis: p.g, quantize_axis: p.qa, block_size: p.bs };
  if (p.kind.startsWith('u8')) attrs['bits'] = p.kind === 'u8_4' ? 4 : 8;
  return { inputs: [{ name: 'indices', dtype: idx.dtype as 'i32', shape: idx.shape, data: idx }], inits, op: 'GatherBlockQuantized', nodeInputs: ins, nOut: 1, attrs };
}

describe('GatherBlockQuantized vs onnxruntime', () => {
  it('uint8 (4 and 8 bits), uint4 and int4 tables, with and without zero points, any gather / quantize axes', async () => {
    await fc.assert(fc.asyncProperty(
      fc.record({
        rows: fc.integer({ min: 1, max: 9 }), cols: fc.integer({ min: 1, max: 70 }), three: fc.boolean(),
        kind: fc.constantFrom('u8_4', 'u8_8', 'u4', 'i4') as fc.Arbitrary<Gbq['kind']>, zp: fc.boolean(), axes: fc.constantFrom([0, 1], [1, 0], [0, 0], [1, 1], [-1, 0]),
        bs: fc.constantFrom(16, 32), i32: fc.boolean(), nIdx: fc.integer({ min: 1, max: 5 }), seed: fc.integer({ min: 1, max: 1e6 }),
      }),
      async (x) => {
        // Two codes per byte along the last axis: keep it even for packed uint8.
        const cols = x.kind === 'u8_4' ? 2 * Math.ceil(x.cols / 2) : x.cols;
        const shape = x.three ? [2, x.rows, cols] : [x.rows, cols];
        const rank = shape.length;
        let [g, q0] = x.axes.map((a) => (a === 1 && rank === 3 ? 2 : a)) as [number, number];
        // onnxruntime's shape inference rejects a negative quantize_axis: only gather_axis is negative here.
        // onnxruntime gathers uint8 tables along axis 0 only, quantized along the last.
        const qa = x.kind.startsWith('u8') ? rank - 1 : q0;
        if (x.kind.startsWith('u8')) g = 0;
        const dim = shape[g < 0 ? g + rank : g]!;
        const r = rng(x.seed);
        const idx = Array.from({ length: x.nIdx }, () => Math.floor(r() * 2 * dim) - dim);
        const p: Gbq = { shape, kind: x.kind, zp: x.zp, g, qa, bs: x.bs, idx, idxShape: x.nIdx % 2 === 0 ? [2, x.nIdx / 2] : [x.nIdx], i32: x.i32, seed: x.seed };
        await check(gbqCase(p), JSON.stringify(p));
      },
    ), { numRuns: 16, seed: 5 });
  });

  it('refuses bad bits, block_size and attributes naming the node', () => {
    const base = gbqCase({ shape: [4, 32], kind: 'u8_4', zp: false, g: 0, qa: 1, bs: 16, idx: [1], idxShape: [1], i32: false, seed: 1 });
    refuse({ ...base, attrs: { ...base.attrs, bits: 2 } }, /bits/);
    refuse({ ...base, attrs: { ...base.attrs, block_size: 8 } }, /block_size/);
    refuse({ ...base, attrs: { ...base.attrs, gather_axis: 2 } }, /gather_axis/);
    refuse({ ...base, attrs: { ...base.attrs, gather_axis: 1 } }, /gather_axis' must be 0/);
    refuse({ ...base, attrs: { ...base.attrs, foo: 2 } }, /'foo'/);
    refuse({ ...base, attrs: { ...base.attrs, quantize_axis: 0 } }, /last axis/);
  });
});

describe('MatMulNBits and GroupQueryAttention on wasm and webgpu vs onnxruntime', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'tenth-ms-llm-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const cases: [string, Case][] = [
    ['nbits4_zp', nbitsCase({ m: [2, 3], K: 100, N: 7, bits: 4, bs: 32, zp: 'packed', bias: true, seed: 21 })],
    ['nbits4_sym', nbitsCase({ m: [1], K: 256, N: 9, bits: 4, bs: 128, zp: 'none', bias: false, seed: 22 })],
    ['nbits8', nbitsCase({ m: [3], K: 48, N: 5, bits: 8, bs: 16, zp: 'packed', bias: false, seed: 23 })],
    ['nbits2_frac', nbitsCase({ m: [3], K: 40, N: 6, bits: 2, bs: 16, zp: 'frac', bias: false, seed: 24 })],
    ['gqa_prompt_rotary', gqaCase({ B: 2, S: 5, P: 0, hq: 4, hkv: 2, D: 16, rotary: { half: 8, interleaved: 0 }, seed: 25 })],
    ['gqa_decode_padded', gqaCase({ B: 3, S: 1, P: 6, hq: 4, hkv: 1, D: 16, lens: [6, 3, 0], rotary: { half: 8, interleaved: 1 }, seed: 26 })],
    ['gbq_u8_4', gbqCase({ shape: [7, 48], kind: 'u8_4', zp: true, g: 0, qa: 1, bs: 16, idx: [6, 0, -1, 3], idxShape: [2, 2], i32: false, seed: 28 })],
    ['gbq_u4_sym', gbqCase({ shape: [5, 40], kind: 'u4', zp: false, g: 0, qa: 1, bs: 32, idx: [4, 1], idxShape: [2], i32: true, seed: 29 })],
    ['nbits4_f16', toF16(nbitsCase({ m: [2, 3], K: 64, N: 10, bits: 4, bs: 32, zp: 'packed', bias: true, seed: 31 }))],
    ['gqa_decode_f16', toF16(gqaCase({ B: 2, S: 1, P: 5, hq: 4, hkv: 2, D: 16, lens: [5, 3], rotary: { half: 8, interleaved: 0 }, seed: 33 }))],
    ['gqa_packed_window_smooth', gqaCase({ B: 1, S: 3, P: 4, hq: 4, hkv: 2, D: 16, packed: true, window: 3, smooth: true, softcap: 1.5, seed: 27 })],
  ];
  const zoo = (name: string, c: Case): ZooModel => ({
    name, bindings: [{}], bytes: model(c),
    inputs: c.inputs.map((i) => ({ name: i.name, dtype: i.dtype as 'f32' | 'f16' | 'i32' | 'i64', shape: i.data.shape })),
    outputs: Array.from({ length: c.nOut }, (_, i) => ({ name: `out${i}`, dtype: c.out ?? 'f32' })),
  });
  for (const [name, c] of cases) {
    it(`${name}: wasm and webgpu match onnxruntime`, async () => {
      const m = zoo(name, c);
      const want = await reference(m.bytes, c);
      const zc = [{ label: name, inputs: c.inputs.map((i) => i.data), want }];
      const wasm = await runWasmCases(m, zc, join(tmp, name));
      const tol = c.out === 'f16' ? TOL16 : TOL;
      expect(mismatch(m, wasm[0]!, want, tol), `wasm ${name}`).toBeNull();
      const gpu = await runWebGpuCases(m, zc, await device());
      expect(mismatch(m, gpu[0]!, want, tol), `webgpu ${name}`).toBeNull();
    });
  }
});

let dawn: ReturnType<typeof nodeDevice> | undefined;
// One device for the worker's life (Dawn aborts when the instance is garbage-collected).
const device = (): ReturnType<typeof nodeDevice> => (dawn ??= nodeDevice(NODE_DAWN_FLAGS));
