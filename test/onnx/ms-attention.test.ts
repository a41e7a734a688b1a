// onnxruntime's attention contrib ops (com.microsoft Attention, MultiHeadAttention,
// EmbedLayerNormalization, RotaryEmbedding): one node per model, imported and interpreted, against
// onnxruntime-node 1.30 (CPU) on random shapes, attributes and mask forms; a few fixed cases also
// through the WASM and WebGPU backends; refusals are diagnostics naming the node.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { TenthError } from '../../ir/diagnostics.js';
import { interpret } from '../../ir/interp.js';
import { tensorFrom, type Tensor } from '../../ir/tensor.js';
import { verify } from '../../ir/verify.js';
import { compareTensors } from '../../src/check/compare.js';
import { importOnnxBytes } from '../../src/onnx/import.js';
import { buildModel, type AttrSpecValue } from '../../src/onnx/writer.js';


import { nodeDevice, NODE_DAWN_FLAGS } from '../../src/runtime/webgpu-node.js';
import type { WebGpuDevice } from '../../src/runtime/webgpu.js';
import { rng } from '../zoo/graph.js';
import { mismatch, runWasmCases, runWebGpuCases, type ZooCase } from '../zoo/harness.js';
import type { ZooModel } from '../zoo/models-common.js';

type Ort = typeof import('onnxruntime-node');
const ort = createRequire(import.meta.url)('onnxruntime-node') as Ort;
const TOL = { rtol: 1e-3, atol: 1e-4 };
const ORT_TYPE: Record<string, string> = { f32: 'float32', i32: 'int32', i64: 'int64' };

interface In { name: string; t: Tensor }
interface Single {
  op: string;
  inputs: (In | null)[];
  /** Output names ('' for one not requested) and which are graph outputs. */
  outputs: string[];
  attrs: Record<string, AttrSpecValue>;
}

function model(s: Single): Uint8Array {
  const present = s.inputs.filter((x): x is In => x !== null);
  return buildModel({
    opset: 17, opsets: { 'com.microsoft': 1 },
    inputs: present.map((x) => ({ name: x.name, dtype: x.t.dtype, shape: x.t.shape })),
    outputs: s.outputs.filter((o) => o !== '').map((name) => ({ name })),
    nodes: [{ opType: s.op, domain: 'com.microsoft', name: `the_${s.op}`, inputs: s.inputs.map((x) => x?.name ?? ''), outputs: s.outputs, attrs: s.attrs }],
  });
}

async function ortRun(bytes: Uint8Array, feeds: readonly In[]): Promise<Tensor[]> {
  const session = await ort.InferenceSession.create(Buffer.from(bytes), { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1, logSeverityLevel: 3 });
  try {
    const out = await session.run(Object.fromEntries(feeds.map((f) => [f.name, new ort.Tensor(ORT_TYPE[f.t.dtype] as 'float32', f.t.data as Float32Array, f.t.shape)])));
    return session.outputNames.map((n) => {
      const t = out[n]!;
      const dtype = t.type === 'float32' ? 'f32' : t.type === 'int32' ? 'i32' : 'i64';
      return { dtype, shape: [...t.dims], data: t.data } as Tensor;
    });
  } finally {
    await session.release();
  }
}

/** Runs `s` in onnxruntime and tenth's interpreter; returns the model and the cases for backends. */
async function check(s: Single, label: string): Promise<{ m: ZooModel; cases: ZooCase[] }> {
  const bytes = model(s);
  const feeds = s.inputs.filter((x): x is In => x !== null);
  const want = await ortRun(bytes, feeds);
  const mod = importOnnxBytes(bytes, { file: 'ms.onnx', baseDir: '.' });
  expect(verify(mod)).toEqual([]);
  const got = interpret(mod, feeds.map((f) => f.t));
  expect(got.length).toBe(want.length);
  want.forEach((w, i) => {
    const c = compareTensors(got[i]!, w, TOL);
    expect(c.ok, `${label}: output ${i}: ${c.reason} (max abs ${c.maxAbs})`).toBe(true);
  });
  return { m: { name: s.op, inputs: [], outputs: s.outputs.filter((o) => o !== '').map((name) => ({ name })), bindings: [], bytes }, cases: [{ label, inputs: feeds.map((f) => f.t), want }] };
}

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
function randT(r: () => number, shape: number[], lo = -1, hi = 1): Tensor {
  return tensorFrom('f32', shape, Float32Array.from({ length: size(shape) }, () => lo + (hi - lo) * r()));
}
const ints = (dtype: 'i32' | 'i64', shape: number[], f: (i: number) => number): Tensor =>
  tensorFrom(dtype, shape, Array.from({ length: size(shape) }, (_, i) => (dtype === 'i64' ? BigInt(f(i)) : f(i))));

type MaskForm = 'none' | 'lengths' | 'endstart' | 'raw2d' | 'raw3d';
/**
 * A mask_index / key_padding_mask of the given form for B rows, S queries and T keys. Every query
 * row keeps key 0 (left padding only without `causal`): onnxruntime ADDS mask_filter_value, and a
 * row with every key masked scores ~-10000 + s, where f32 rounding (ulp 1e-3) makes the
 * probabilities implementation-dependent; the 'fully masked rows' test covers that case with a
 * small filter value.
 */
function maskOf(r: () => number, form: MaskForm, B: number, S: number, T: number, causal: boolean): Tensor | null {
  const len = (): number => 1 + Math.floor(r() * T);
  const raw = (i: number): number => (i % T === 0 || r() < 0.6 ? 1 : 0);
  switch (form) {
    case 'none': return null;
    case 'lengths': return ints('i32', [B], len);
    case 'endstart': {
      const ends = Array.from({ length: B }, len);
      return ints('i32', [2 * B], (i) => (i < B ? ends[i]! : causal ? 0 : Math.floor(r() * ends[i - B]!)));
    }
    case 'raw2d': return ints('i32', [B, T], raw);
    case 'raw3d': return ints('i32', [B, S, T], raw);
  }
}

interface AttnCfg {
  B: number; S: number; H: number; dh: number; dvh: number; din: number; P: number;
  mask: MaskForm; uni: boolean; attnBias: boolean; scale?: number; filter?: number; seed: number;
}

function attentionCase(c: AttnCfg): Single {
  const r = rng(c.seed);
  const [dq, dv] = [c.H * c.dh, c.H * c.dvh];
  const T = c.P + c.S;
  const mask = maskOf(r, c.mask, c.B, c.S, T, c.uni);
  const attrs: Record<string, AttrSpecValue> = { num_heads: c.H };
  if (dv !== dq) attrs['qkv_hidden_sizes'] = [dq, dq, dv];
  if (c.uni) attrs['unidirectional'] = 1;
  if (c.scale !== undefined) attrs['scale'] = { float: c.scale };
  if (c.filter !== undefined) attrs['mask_filter_value'] = { float: c.filter };
  return {
    op: 'Attention',
    inputs: [
      { name: 'input', t: randT(r, [c.B, c.S, c.din]) },
      { name: 'weights', t: randT(r, [c.din, 2 * dq + dv]) },
      // onnxruntime's CPU Attention crashes (SIGSEGV) without a bias: always given here.
      { name: 'bias', t: randT(r, [2 * dq + dv], -0.5, 0.5) },
      mask ? { name: 'mask_index', t: mask } : null,
      c.P > 0 ? { name: 'past', t: randT(r, [2, c.B, c.H, c.P, c.dh]) } : null,
      c.attnBias ? { name: 'attention_bias', t: randT(r, [c.B, c.H, c.S, T]) } : null,
    ],
    outputs: c.P > 0 ? ['output', 'present'] : ['output'],
    attrs,
  };
}

interface MhaCfg {
  B: number; S: number; L: number; H: number; dh: number; dvh: number; P: number;
  mask: MaskForm; uni: boolean; bias: boolean; attnBias: 'none' | 'full' | 'bcast'; scale?: number; filter?: number; seed: number;
  /** Key and value per head [B, H, L, Dh] (a cross-attention cache). */
  perHead?: boolean;
}

function mhaCase(c: MhaCfg): Single {
  const r = rng(c.seed);
  const [d, dv] = [c.H * c.dh, c.H * c.dvh];
  const T = c.P + c.L;
  const mask = maskOf(r, c.mask, c.B, c.S, T, c.uni);
  const attrs: Record<string, AttrSpecValue> = { num_heads: c.H };
  if (c.uni) attrs['unidirectional'] = 1;
  if (c.scale !== undefined) attrs['scale'] = { float: c.scale };
  if (c.filter !== undefined) attrs['mask_filter_value'] = { float: c.filter };
  const ab = c.attnBias === 'full' ? [c.B, c.H, c.S, T] : [1, 1, c.S, T];
  return {
    op: 'MultiHeadAttention',
    inputs: [
      { name: 'query', t: randT(r, [c.B, c.S, d]) },
      { name: 'key', t: randT(r, c.perHead ? [c.B, c.H, c.L, c.dh] : [c.B, c.L, d]) },
      { name: 'value', t: randT(r, c.perHead ? [c.B, c.H, c.L, c.dvh] : [c.B, c.L, dv]) },
      c.bias ? { name: 'bias', t: randT(r, [2 * d + dv], -0.5, 0.5) } : null,
      mask ? { name: 'key_padding_mask', t: mask } : null,
      c.attnBias !== 'none' ? { name: 'attention_bias', t: randT(r, ab) } : null,
      c.P > 0 ? { name: 'past_key', t: randT(r, [c.B, c.H, c.P, c.dh]) } : null,
      c.P > 0 ? { name: 'past_value', t: randT(r, [c.B, c.H, c.P, c.dvh]) } : null,
    ],
    outputs: c.P > 0 || c.perHead ? ['output', 'present_key', 'present_value'] : ['output'],
    attrs,
  };
}

const maskForm = (...f: MaskForm[]) => fc.constantFrom(...f);
// 0 is onnxruntime's attribute default: it means 1/sqrt(head size), written or not.
const optScale = fc.option(fc.constantFrom(0, 0.3, 1, 0.125), { nil: undefined });
const optFilter = fc.option(fc.constantFrom(-1e9, -30, -10000), { nil: undefined });

describe('com.microsoft Attention vs onnxruntime', () => {
  it('random shapes, mask forms (none, key lengths, end/start, 2-D, 3-D), unidirectional, bias, attention_bias, past', async () => {
    await fc.assert(fc.asyncProperty(fc.record({
      B: fc.integer({ min: 1, max: 3 }), S: fc.integer({ min: 1, max: 5 }), H: fc.integer({ min: 1, max: 3 }),
      dh: fc.integer({ min: 1, max: 5 }), dvh: fc.integer({ min: 1, max: 4 }), din: fc.integer({ min: 1, max: 7 }), P: fc.constant(0),
      mask: maskForm('none', 'lengths', 'endstart', 'raw2d', 'raw3d'), uni: fc.boolean(), attnBias: fc.boolean(),
      scale: optScale, filter: optFilter, seed: fc.integer({ min: 1, max: 1e6 }),
    }), async (c) => { await check(attentionCase(c), JSON.stringify(c)); }), { numRuns: 24, seed: 20261128 });
  });

  it('with past / present (same Q, K and V sizes)', async () => {
    await fc.assert(fc.asyncProperty(fc.record({
      B: fc.integer({ min: 1, max: 3 }), S: fc.integer({ min: 1, max: 4 }), H: fc.integer({ min: 1, max: 3 }),
      dh: fc.integer({ min: 1, max: 5 }), din: fc.integer({ min: 1, max: 6 }), P: fc.integer({ min: 1, max: 4 }),
      mask: maskForm('none', 'lengths', 'raw2d'), uni: fc.boolean(), scale: optScale, seed: fc.integer({ min: 1, max: 1e6 }),
    }), async (c) => {
      // onnxruntime refuses past together with attention_bias.
      await check(attentionCase({ ...c, dvh: c.dh, attnBias: false }), JSON.stringify(c));
    }), { numRuns: 12, seed: 7 });
  });
});

describe('com.microsoft MultiHeadAttention vs onnxruntime', () => {
  it('random shapes, self and cross attention, key/value per head, bias, key_padding_mask, attention_bias, unidirectional', async () => {
    await fc.assert(fc.asyncProperty(fc.record({
      B: fc.integer({ min: 1, max: 3 }), S: fc.integer({ min: 1, max: 5 }), L: fc.integer({ min: 1, max: 6 }), H: fc.integer({ min: 1, max: 3 }),
      dh: fc.integer({ min: 1, max: 5 }), dvh: fc.integer({ min: 1, max: 4 }), P: fc.constant(0),
      mask: maskForm('none', 'lengths', 'raw2d', 'raw3d'), uni: fc.boolean(), bias: fc.boolean(), attnBias: fc.constantFrom('none' as const, 'full' as const, 'bcast' as const),
      scale: optScale, filter: optFilter, seed: fc.integer({ min: 1, max: 1e6 }), perHead: fc.boolean(),
    }), async (c) => {
      // unidirectional only for self-attention (see the refusal test).
      // onnxruntime wants per-head key and value of one shape.
      const cfg = { ...c, L: c.uni ? c.S : c.L, dvh: c.perHead ? c.dh : c.dvh };
      await check(mhaCase(cfg), JSON.stringify(cfg));
    }), { numRuns: 24, seed: 11 });
  });

  it('with past_key / past_value and present outputs', async () => {
    await fc.assert(fc.asyncProperty(fc.record({
      B: fc.integer({ min: 1, max: 2 }), S: fc.integer({ min: 1, max: 4 }), H: fc.integer({ min: 1, max: 3 }),
      dh: fc.integer({ min: 1, max: 4 }), P: fc.integer({ min: 1, max: 4 }),
      mask: maskForm('none', 'lengths', 'raw2d'), uni: fc.boolean(), bias: fc.boolean(), attnBias: fc.constantFrom('none' as const, 'full' as const),
      seed: fc.integer({ min: 1, max: 1e6 }),
    }), async (c) => { await check(mhaCase({ ...c, L: c.S, dvh: c.dh }), JSON.stringify(c)); }), { numRuns: 10, seed: 5 });
  });
});

describe('com.microsoft EmbedLayerNormalization vs onnxruntime', () => {
  it('random shapes; segment ids, mask, position ids ([B, S] or [1, S]) present or not; all three outputs', async () => {
    await fc.assert(fc.asyncProperty(fc.record({
      B: fc.integer({ min: 1, max: 3 }), S: fc.integer({ min: 1, max: 6 }), D: fc.integer({ min: 2, max: 9 }), V: fc.integer({ min: 2, max: 11 }),
      seg: fc.boolean(), mask: fc.boolean(), pos: fc.constantFrom('none' as const, 'full' as const, 'one' as const),
      eps: fc.option(fc.constantFrom(1e-5, 1e-12, 0.1), { nil: undefined }), outs: fc.constantFrom(1, 2, 3), seed: fc.integer({ min: 1, max: 1e6 }),
    }), async (c) => {
      const r = rng(c.seed);
      const P = c.S + 2;
      const ids = (shape: number[], n: number): Tensor => ints('i32', shape, () => Math.floor(r() * n));
      const s: Single = {
        op: 'EmbedLayerNormalization',
        inputs: [
          { name: 'input_ids', t: ids([c.B, c.S], c.V) },
          c.seg ? { name: 'segment_ids', t: ids([c.B, c.S], 2) } : null,
          { name: 'word_embedding', t: randT(r, [c.V, c.D]) },
          { name: 'position_embedding', t: randT(r, [P, c.D]) },
          c.seg ? { name: 'segment_embedding', t: randT(r, [2, c.D]) } : null,
          { name: 'gamma', t: randT(r, [c.D], 0.5, 1.5) },
          { name: 'beta', t: randT(r, [c.D], -0.2, 0.2) },
          // Masks with holes: onnxruntime counts the 1s, not the position of the first 0.
          c.mask ? { name: 'mask', t: ints('i32', [c.B, c.S], () => (r() < 0.7 ? 1 : 0)) } : null,
          c.pos === 'none' ? null : { name: 'position_ids', t: ids(c.pos === 'full' ? [c.B, c.S] : [1, c.S], P) },
        ],
        outputs: ['output', 'mask_index', 'embedding_sum'].slice(0, c.outs),
        // onnxruntime's shape inference wants the mask_index output unless mask_index_type is 0.
        attrs: { ...(c.eps === undefined ? {} : { epsilon: { float: c.eps } }), ...(c.outs === 1 ? { mask_index_type: 0 } : {}) },
      };
      await check(s, JSON.stringify(c));
    }), { numRuns: 20, seed: 13 });
  });
});

describe('com.microsoft RotaryEmbedding vs onnxruntime', () => {
  it('3-D and 4-D inputs, per-token or offset positions, interleaved, partial rotary dim, num_heads 0', async () => {
    await fc.assert(fc.asyncProperty(fc.record({
      B: fc.integer({ min: 1, max: 3 }), S: fc.integer({ min: 1, max: 5 }), H: fc.integer({ min: 1, max: 3 }), half: fc.integer({ min: 1, max: 4 }),
      extra: fc.constantFrom(0, 0, 2, 4), four: fc.boolean(), interleaved: fc.boolean(), offset: fc.boolean(), giveHeads: fc.boolean(),
      seed: fc.integer({ min: 1, max: 1e6 }),
    }), async (c) => {
      const r = rng(c.seed);
      const rd = 2 * c.half, dh = rd + c.extra, maxPos = c.S + 6;
      // A partial rotary dim needs num_heads (onnxruntime's rule).
      const giveHeads = c.giveHeads || c.extra > 0;
      const attrs: Record<string, AttrSpecValue> = { interleaved: c.interleaved ? 1 : 0 };
      if (giveHeads) attrs['num_heads'] = c.H;
      if (c.extra > 0) attrs['rotary_embedding_dim'] = rd;
      const pos = c.offset ? ints('i64', [1], () => Math.floor(r() * 6)) : ints('i64', [c.B, c.S], () => Math.floor(r() * maxPos));
      const s: Single = {
        op: 'RotaryEmbedding',
        inputs: [
          { name: 'input', t: randT(r, c.four ? [c.B, c.H, c.S, dh] : [c.B, c.S, c.H * dh]) },
          { name: 'position_ids', t: pos },
          { name: 'cos_cache', t: randT(r, [maxPos, c.half]) },
          { name: 'sin_cache', t: randT(r, [maxPos, c.half]) },
        ],
        outputs: ['output'],
        attrs,
      };
      await check(s, JSON.stringify(c));
    }), { numRuns: 24, seed: 17 });
  });
});

describe('refusals: a diagnostic naming the node and the reason', () => {
  const f = (shape: number[]): Tensor => tensorFrom('f32', shape, new Float32Array(size(shape)));
  const i32 = (shape: number[]): Tensor => tensorFrom('i32', shape, new Int32Array(size(shape)));
  const attn = (extra: (In | null)[], attrs: Record<string, AttrSpecValue> = {}): Single => ({
    op: 'Attention', outputs: ['output'], attrs: { num_heads: 2, ...attrs },
    inputs: [{ name: 'input', t: f([2, 3, 4]) }, { name: 'weights', t: f([4, 12]) }, { name: 'bias', t: f([12]) }, ...extra],
  });
  const mha = (q: number[], k: number[] | null, v: number[] | null, extra: (In | null)[] = [], attrs: Record<string, AttrSpecValue> = {}, outputs = ['output']): Single => ({
    op: 'MultiHeadAttention', outputs, attrs: { num_heads: 2, ...attrs },
    inputs: [{ name: 'query', t: f(q) }, k ? { name: 'key', t: f(k) } : null, v ? { name: 'value', t: f(v) } : null, ...extra],
  });
  const rot = (attrs: Record<string, AttrSpecValue>, x = [1, 3, 8]): Single => ({
    op: 'RotaryEmbedding', outputs: ['output'], attrs,
    inputs: [{ name: 'input', t: f(x) }, { name: 'position_ids', t: tensorFrom('i64', [1], [0n]) }, { name: 'cos_cache', t: f([8, 2]) }, { name: 'sin_cache', t: f([8, 2]) }],
  });
  const eln = (ids: Tensor, attrs: Record<string, AttrSpecValue> = {}): Single => ({
    op: 'EmbedLayerNormalization', outputs: ['output', 'mask_index'], attrs,
    inputs: [{ name: 'input_ids', t: ids }, null, { name: 'word', t: f([5, 4]) }, { name: 'pos', t: f([5, 4]) }, null, { name: 'gamma', t: f([4]) }, { name: 'beta', t: f([4]) }],
  });
  const cases: [string, Single, string, RegExp][] = [
    ['Attention 4-D mask', attn([{ name: 'mask_index', t: i32([2, 1, 3, 3]) }]), 'E205', /4-D mask/],
    ['Attention [3B + 2] mask', attn([{ name: 'mask_index', t: i32([8]) }]), 'E205', /3 \* batch \+ 2/],
    ['Attention do_rotary', attn([], { do_rotary: 1 }), 'E204', /do_rotary/],
    ['Attention past_present_share_buffer', attn([], { past_present_share_buffer: 1 }), 'E204', /past_present_share_buffer/],
    ['Attention unknown attribute', attn([], { softcap: 1 }), 'E204', /'softcap'/],
    ['Attention qkv_hidden_sizes', attn([], { qkv_hidden_sizes: [4, 4, 2] }), 'E204', /do not add up/],
    ['Attention without weights', { ...attn([]), inputs: [{ name: 'input', t: f([2, 3, 4]) }] }, 'E207', /weights/],
    ['MultiHeadAttention packed QKV', mha([2, 3, 2, 3, 2], null, null), 'E205', /packed QKV/],
    ['MultiHeadAttention packed KV', mha([2, 3, 4], [2, 5, 2, 2, 2], null), 'E205', /packed KV/],
    ['MultiHeadAttention per-head key with past', mha([2, 3, 4], [2, 2, 5, 2], [2, 2, 5, 2], [null, null, null, { name: 'pk', t: f([2, 2, 1, 2]) }, { name: 'pv', t: f([2, 2, 1, 2]) }]), 'E205', /per head/],
    ['MultiHeadAttention key and value of different ranks', mha([2, 3, 4], [2, 2, 5, 2], [2, 5, 4]), 'E205', /both 3-D/],
    ['MultiHeadAttention causal cross', mha([2, 3, 4], [2, 5, 4], [2, 5, 4], [], { unidirectional: 1 }), 'E205', /unidirectional/],
    ['MultiHeadAttention qk output', mha([2, 3, 4], [2, 5, 4], [2, 5, 4], [], {}, ['output', '', '', 'qk']), 'E205', /'qk'/],
    ['MultiHeadAttention past_sequence_length', mha([2, 3, 4], [2, 3, 4], [2, 3, 4], [null, null, null, null, null, { name: 'psl', t: i32([1]) }]), 'E205', /past_sequence_length/],
    ['MultiHeadAttention [3B + 2] mask', mha([2, 3, 4], [2, 5, 4], [2, 5, 4], [null, { name: 'kpm', t: i32([8]) }]), 'E205', /3 \* batch \+ 2/],
    ['RotaryEmbedding is_packed_batching', rot({ is_packed_batching: 1 }), 'E204', /is_packed_batching/],
    ['RotaryEmbedding scale', rot({ scale: { float: 2 } }), 'E204', /scale/],
    ['RotaryEmbedding rotary dim without num_heads', rot({ rotary_embedding_dim: 4 }), 'E204', /needs num_heads/],
    ['EmbedLayerNormalization mask_index_type', eln(i32([1, 3]), { mask_index_type: 2 }), 'E204', /mask_index_type/],
    ['EmbedLayerNormalization int64 ids', eln(tensorFrom('i64', [1, 3], [0n, 1n, 2n])), 'E205', /int32/],
  ];
  for (const [label, s, code, why] of cases) {
    it(label, () => {
      let err: unknown;
      try { importOnnxBytes(model(s), { file: 'ms.onnx', baseDir: '.' }); } catch (e) { err = e; }
      expect(err, label).toBeInstanceOf(TenthError);
      const e = err as TenthError;
      expect(e.code).toBe(code);
      expect(e.message).toContain(`the_${s.op}`);
      expect(e.message).toMatch(why);
    });
  }
});

describe('through the WASM and WebGPU backends', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'tenth-ms-attention-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  let device: Promise<WebGpuDevice> | undefined;
  const gpu = (): Promise<WebGpuDevice> => (device ??= nodeDevice(NODE_DAWN_FLAGS));
  const r = rng(99);
  const fixed: [string, Single][] = [
    ['Attention, key lengths, attention_bias, custom scale', attentionCase({ B: 2, S: 5, H: 2, dh: 4, dvh: 3, din: 6, P: 0, mask: 'lengths', uni: false, attnBias: true, scale: 0.3, seed: 21 })],
    ['Attention, raw 2-D mask, unidirectional, past', attentionCase({ B: 2, S: 3, H: 2, dh: 3, dvh: 3, din: 5, P: 4, mask: 'raw2d', uni: true, attnBias: false, seed: 22 })],
    ['Attention, end/start (left padding) mask', attentionCase({ B: 3, S: 4, H: 1, dh: 5, dvh: 2, din: 3, P: 0, mask: 'endstart', uni: false, attnBias: false, seed: 23 })],
    ['MultiHeadAttention cross, bias, key_padding_mask, broadcast attention_bias', mhaCase({ B: 2, S: 3, L: 9, H: 3, dh: 2, dvh: 3, P: 0, mask: 'raw2d', uni: false, bias: true, attnBias: 'bcast', seed: 24 })],
    ['MultiHeadAttention self, past, unidirectional, key lengths', mhaCase({ B: 2, S: 4, L: 4, H: 2, dh: 3, dvh: 3, P: 3, mask: 'lengths', uni: true, bias: false, attnBias: 'full', seed: 25 })],
    ['MultiHeadAttention, key and value per head, bias, key lengths, presents', mhaCase({ B: 2, S: 3, L: 7, H: 2, dh: 4, dvh: 4, P: 0, mask: 'lengths', uni: false, bias: true, attnBias: 'none', seed: 26, perHead: true })],
    ['EmbedLayerNormalization, segments, mask, [1, S] positions, all outputs', {
      op: 'EmbedLayerNormalization', outputs: ['output', 'mask_index', 'embedding_sum'], attrs: { epsilon: { float: 1e-5 } },
      inputs: [
        { name: 'input_ids', t: ints('i32', [2, 7], () => Math.floor(r() * 9)) }, { name: 'segment_ids', t: ints('i32', [2, 7], () => Math.floor(r() * 2)) },
        { name: 'word_embedding', t: randT(r, [9, 12]) }, { name: 'position_embedding', t: randT(r, [10, 12]) }, { name: 'segment_embedding', t: randT(r, [2, 12]) },
        { name: 'gamma', t: randT(r, [12]) }, { name: 'beta', t: randT(r, [12]) }, { name: 'mask', t: ints('i32', [2, 7], (i) => (i % 7 < 5 - (i >= 7 ? 2 : 0) ? 1 : 0)) },
        { name: 'position_ids', t: ints('i32', [1, 7], (i) => 9 - i) },
      ],
    }],
    ['RotaryEmbedding 3-D, offset positions, interleaved', {
      op: 'RotaryEmbedding', outputs: ['output'], attrs: { interleaved: 1, num_heads: 2 },
      inputs: [{ name: 'input', t: randT(r, [2, 5, 16]) }, { name: 'position_ids', t: ints('i64', [1], () => 3) }, { name: 'cos_cache', t: randT(r, [12, 4]) }, { name: 'sin_cache', t: randT(r, [12, 4]) }],
    }],
    ['RotaryEmbedding 4-D, per-token positions, partial rotary dim', {
      op: 'RotaryEmbedding', outputs: ['output'], attrs: { num_heads: 3, rotary_embedding_dim: 4 },
      inputs: [{ name: 'input', t: randT(r, [2, 3, 5, 6]) }, { name: 'position_ids', t: ints('i64', [2, 5], (i) => (i * 7) % 8) }, { name: 'cos_cache', t: randT(r, [8, 2]) }, { name: 'sin_cache', t: randT(r, [8, 2]) }],
    }],
  ];
  // onnxruntime ADDS mask_filter_value: a row with every key masked still spreads over its keys
  // by their scores (a small filter value keeps that exact in f32).
  const lengths0 = attentionCase({ B: 2, S: 3, H: 2, dh: 3, dvh: 2, din: 5, P: 0, mask: 'none', uni: false, attnBias: false, filter: -30, seed: 3 });
  lengths0.inputs[3] = { name: 'mask_index', t: tensorFrom('i32', [2], [0, 2]) };
  const zeroRow = mhaCase({ B: 2, S: 2, L: 3, H: 1, dh: 2, dvh: 3, P: 0, mask: 'none', uni: false, bias: true, attnBias: 'none', filter: -30, seed: 4 });
  zeroRow.inputs[4] = { name: 'key_padding_mask', t: tensorFrom('i32', [2, 3], [0, 0, 0, 1, 0, 1]) };
  fixed.push(['Attention, fully masked row (key length 0)', lengths0], ['MultiHeadAttention, fully masked row (all-zero raw mask row)', zeroRow]);
  fixed.forEach(([label, s], n) => {
    it(`${label}: interpreter, wasm and webgpu match onnxruntime`, async () => {
      const { m, cases } = await check(s, label);
      const wasm = await runWasmCases(m, cases, join(tmp, `case${n}`));
      expect(mismatch(m, wasm[0]!, cases[0]!.want), `${label} on wasm`).toBeNull();
      const webgpu = await runWebGpuCases(m, cases, await gpu());
      expect(mismatch(m, webgpu[0]!, cases[0]!.want), `${label} on webgpu`).toBeNull();
    });
  });
});
