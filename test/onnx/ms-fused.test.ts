// onnxruntime's fused contrib ops (com.microsoft Gelu, BiasGelu, FastGelu, QuickGelu,
// SkipLayerNormalization, SkipSimplifiedLayerNormalization, FusedMatMul, TransposeMatMul,
// FusedConv, FusedGemm;
// default-domain SimplifiedLayerNormalization and LayerNormalization below opset 17), each as a
// one-node model on random shapes and attributes, imported and interpreted against
// onnxruntime-node 1.30 (CPU, optimisations off). One model holding all of them also runs
// through the WASM runtime and WebGPU (Dawn). Refusals: the importer refuses what onnxruntime
// refuses, with E2xx naming the node.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { TenthError } from '../../ir/diagnostics.js';
import { interpret } from '../../ir/interp.js';
import type { AttrSpecValue, NodeSpec } from '../../src/onnx/writer.js';
import { buildModel } from '../../src/onnx/writer.js';
import { nodeDevice, NODE_DAWN_FLAGS } from '../../src/runtime/webgpu-node.js';
import type { WebGpuDevice } from '../../src/runtime/webgpu.js';
import { Graph } from '../zoo/graph.js';
import { finish, type ZooModel } from '../zoo/models-common.js';
import { importZoo, mismatch, referenceCases, runWasmCases, runWebGpuCases, TOLERANCE } from '../zoo/harness.js';

const MS = 'com.microsoft';
// One WebGPU device for the worker's life (Dawn aborts when the instance is garbage-collected).
let device: Promise<WebGpuDevice> | undefined;
// onnxruntime sessions cost a few ms each: few runs per property (MS_FUSED_RUNS=N for a longer search).
const RUNS = Number(process.env['MS_FUSED_RUNS'] ?? 6);

/** A graph input (name, fixed shape), or null for an omitted optional input (''). */
type In = readonly [string, readonly number[]] | null;

/**
 * A one-node model; every input is a graph input of a fixed shape and dtype `dtype`, and so is
 * every output but the normalisations' statistics (mean, inv*: f32, as onnxruntime's U).
 */
function oneNode(op: string, ins: readonly In[], outs: readonly (string | null)[],
  attrs: Record<string, AttrSpecValue> = {}, opset = 17, dtype: 'f32' | 'f16' = 'f32'): ZooModel {
  const domain = op.startsWith('ms:') ? MS : undefined;
  const node: NodeSpec = {
    opType: op.replace(/^ms:/, ''), ...(domain ? { domain } : {}), name: 'fused_node',
    inputs: ins.map((i) => i?.[0] ?? ''), outputs: outs.map((o) => o ?? ''), attrs,
  };
  const inputs = ins.filter((i) => i !== null).map(([name, shape]) => ({ name, dtype, shape: [...shape] }));
  const outputs = outs.filter((o) => o !== null).map((name) => ({ name, dtype: /^(mean|inv)/.test(name) ? 'f32' as const : dtype }));
  const bytes = buildModel({ opset, opsets: { [MS]: 1 }, irVersion: 8, inputs, outputs, nodes: [node] });
  return { name: op, inputs, outputs, bindings: [{}], bytes };
}

/** Interpreter vs onnxruntime on seeded inputs. */
async function agrees(m: ZooModel, tol = TOLERANCE): Promise<void> {
  const cases = await referenceCases(m);
  const mod = importZoo(m);
  for (const c of cases) expect(mismatch(m, interpret(mod, c.inputs), c.want, tol), `${m.name}`).toBeNull();
}

const dim = fc.integer({ min: 1, max: 7 });
const dims = (min: number, max: number) => fc.array(dim, { minLength: min, maxLength: max });
const prop = <T>(arb: fc.Arbitrary<T>, f: (v: T) => Promise<void>) => fc.assert(fc.asyncProperty(arb, f), { numRuns: RUNS });

describe('activations vs onnxruntime (interpreter)', () => {
  it('Gelu (erf)', () => prop(dims(1, 4), (s) => agrees(oneNode('ms:Gelu', [['x', s]], ['y']))));

  it('BiasGelu: gelu(x + bias), bias along the last dim', () =>
    prop(dims(1, 4), (s) => agrees(oneNode('ms:BiasGelu', [['x', s], ['b', [s[s.length - 1]!]]], ['y']))));

  it('FastGelu with and without bias (tanh approximation)', () =>
    prop(fc.tuple(dims(1, 4), fc.boolean()), ([s, bias]) =>
      agrees(oneNode('ms:FastGelu', [['x', s], ...(bias ? [['b', [s[s.length - 1]!]] as const] : [])], ['y']))));

  it('QuickGelu: x sigmoid(alpha x), default alpha 1.702', () =>
    prop(fc.tuple(dims(1, 3), fc.option(fc.double({ min: -3, max: 3, noNaN: true }))), ([s, alpha]) =>
      agrees(oneNode('ms:QuickGelu', [['x', s]], ['y'], alpha === null ? {} : { alpha: { float: alpha } }))));
});

const eps = fc.option(fc.constantFrom(1e-5, 1e-3, 0.1));

describe('normalisations vs onnxruntime (interpreter)', () => {
  it('SkipLayerNormalization: skip shapes, optional beta/bias, every output', () =>
    prop(fc.record({ s: dims(2, 3), skipForm: fc.integer({ min: 0, max: 2 }), beta: fc.boolean(), bias: fc.boolean(), outs: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), eps }),
      async ({ s, skipForm, beta, bias, outs, eps: e }) => {
        const h = s[s.length - 1]!;
        // skip: the input's shape, (1, seq, hidden) or (seq, hidden) for a 3-D input.
        const skip = s.length === 3 && skipForm === 1 ? [1, s[1]!, h] : s.length === 3 && skipForm === 2 ? [s[1]!, h] : s;
        const ins: In[] = [['x', s], ['skip', skip], ['gamma', [h]], beta ? ['beta', [h]] : null, bias ? ['bias', [h]] : null];
        await agrees(oneNode('ms:SkipLayerNormalization', ins, ['y', ...outs.map((o, i) => (o ? `o${i + 1}` : null))], e === null ? {} : { epsilon: { float: e } }));
      }));

  it('SkipSimplifiedLayerNormalization: optional bias, inv_std_var and the sum', () =>
    prop(fc.record({ s: dims(2, 3), bias: fc.boolean(), inv: fc.boolean(), sum: fc.boolean(), eps }), ({ s, bias, inv, sum, eps: e }) => {
      const h = s[s.length - 1]!;
      const ins: In[] = [['x', s], ['skip', s], ['gamma', [h]], bias ? ['bias', [h]] : null];
      return agrees(oneNode('ms:SkipSimplifiedLayerNormalization', ins, ['y', null, inv ? 'inv' : null, sum ? 'sum' : null], e === null ? {} : { epsilon: { float: e } }));
    }));

  it('SimplifiedLayerNormalization (default domain): any axis, inv_std_var', () =>
    prop(fc.tuple(dims(1, 4), fc.nat(), fc.boolean(), eps, fc.boolean()), ([s, a, inv, e, neg]) => {
      const axis = a % s.length;
      return agrees(oneNode('SimplifiedLayerNormalization', [['x', s], ['scale', s.slice(axis)]], ['y', inv ? 'inv' : null],
        { axis: neg ? axis - s.length : axis, ...(e === null ? {} : { epsilon: { float: e } }) }, 14));
    }));

  it('LayerNormalization below opset 17 (onnxruntime registers it from opset 1): Mean and InvStdDev', () =>
    prop(fc.tuple(dims(1, 4), fc.nat(), fc.constantFrom(11, 14, 16), fc.boolean()), ([s, a, opset, bias]) => {
      const axis = a % s.length;
      return agrees(oneNode('LayerNormalization', [['x', s], ['scale', s.slice(axis)], bias ? ['b', s.slice(axis)] : null], ['y', 'mean', 'inv'], { axis }, opset));
    }));
});

/** Stored shape of an operand whose effective shape is `eff` after FusedMatMul's transBatch/trans. */
function stored(eff: readonly number[], trans: boolean, batch: boolean): number[] {
  const r = eff.length;
  if (r === 1) return [...eff];
  let perm = eff.map((_, i) => i);
  if (batch) perm = [...perm.slice(1, r - 1), 0, r - 1];
  if (trans) [perm[r - 2], perm[r - 1]] = [perm[r - 1]!, perm[r - 2]!];
  const s = new Array<number>(r);
  perm.forEach((p, i) => (s[p] = eff[i]!));
  return s;
}

describe('FusedMatMul / FusedConv / FusedGemm vs onnxruntime (interpreter)', () => {
  it('FusedMatMul: alpha, transA/B, transBatchA/B, ranks 1-4 with batch broadcasting', () =>
    prop(fc.record({
      ra: fc.integer({ min: 1, max: 4 }), rb: fc.integer({ min: 1, max: 4 }), batch: dims(2, 2), m: dim, k: dim, n: dim,
      flags: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }), alpha: fc.option(fc.double({ min: -2, max: 2, noNaN: true })), bcast: fc.boolean(),
    }), ({ ra, rb, batch, m, k, n, flags, alpha, bcast }) => {
      // transA with a vector B is refused (onnxruntime ignores the transpose there; see the refusals).
      const ta = flags[0]! && rb > 1, tb = flags[1]!;
      // transBatch needs a batch dim (rank >= 3) on both operands of the same rank.
      const tba = flags[2]! && ra >= 3 && ra === rb, tbb = flags[3]! && rb >= 3 && ra === rb;
      // Batch dims align from the right; with bcast B's leading batch dim is 1.
      const bA = batch.slice(2 - Math.max(0, ra - 2)), bB = batch.slice(2 - Math.max(0, rb - 2)).map((d, i) => (bcast && i === 0 ? 1 : d));
      const effA = ra === 1 ? [k] : [...bA, m, k], effB = rb === 1 ? [k] : [...bB, k, n];
      const A = stored(effA, ta, tba), B = stored(effB, tb, tbb);
      const attrs: Record<string, AttrSpecValue> = { transA: ta ? 1 : 0, transB: tb ? 1 : 0, transBatchA: tba ? 1 : 0, transBatchB: tbb ? 1 : 0 };
      if (alpha !== null) attrs['alpha'] = { float: alpha };
      return agrees(oneNode('ms:FusedMatMul', [['a', A], ['b', B]], ['y'], attrs));
    }));

  it('TransposeMatMul (FusedMatMul\'s older name): alpha, transA/B', () =>
    prop(fc.record({ batch: dims(0, 2), m: dim, k: dim, n: dim, ta: fc.boolean(), tb: fc.boolean(), alpha: fc.option(fc.double({ min: -2, max: 2, noNaN: true })) }),
      ({ batch, m, k, n, ta, tb, alpha }) => {
        const attrs: Record<string, AttrSpecValue> = { transA: ta ? 1 : 0, transB: tb ? 1 : 0, ...(alpha === null ? {} : { alpha: { float: alpha } }) };
        return agrees(oneNode('ms:TransposeMatMul', [['a', [...batch, ...(ta ? [k, m] : [m, k])]], ['b', [...batch, ...(tb ? [n, k] : [k, n])]]], ['y'], attrs));
      }));

  const CONV_ACTS: readonly [string, number[] | undefined][] = [
    ['Relu', undefined], ['Tanh', undefined], ['Sigmoid', undefined], ['HardSwish', undefined], ['LeakyRelu', [0.2]],
    ['Clip', [-0.3, 0.4]], ['HardSigmoid', [0.3, 0.4]], ['', undefined],
  ];
  it('FusedConv: 1-D/2-D, groups, strides, pads, dilations, bias, Z, every activation', () =>
    prop(fc.record({
      spatial: fc.integer({ min: 1, max: 2 }), n: fc.integer({ min: 1, max: 2 }), g: fc.integer({ min: 1, max: 2 }), cg: fc.integer({ min: 1, max: 3 }),
      mg: fc.integer({ min: 1, max: 3 }), size: fc.integer({ min: 5, max: 8 }), k: fc.integer({ min: 1, max: 3 }), stride: fc.integer({ min: 1, max: 2 }),
      pad: fc.integer({ min: 0, max: 1 }), dil: fc.integer({ min: 1, max: 2 }), bias: fc.boolean(), z: fc.boolean(), act: fc.constantFrom(...CONV_ACTS),
    }), ({ spatial, n, g, cg, mg, size, k, stride, pad, dil, bias, z, act }) => {
      const r = spatial;
      const out = Math.floor((size + 2 * pad - dil * (k - 1) - 1) / stride) + 1;
      const attrs: Record<string, AttrSpecValue> = {
        group: g, kernel_shape: new Array<number>(r).fill(k), strides: new Array<number>(r).fill(stride), pads: new Array<number>(2 * r).fill(pad), dilations: new Array<number>(r).fill(dil),
      };
      if (act[0]) attrs['activation'] = act[0];
      if (act[1]) attrs['activation_params'] = { floats: act[1] };
      const rep = (v: number): number[] => new Array<number>(r).fill(v);
      const ins: In[] = [['x', [n, g * cg, ...rep(size)]], ['w', [g * mg, cg, ...rep(k)]], bias ? ['b', [g * mg]] : null, z ? ['z', [n, g * mg, ...rep(out)]] : null];
      // An omitted B with Z present stays as '' (ONNX's way of skipping an optional input); trailing ones are dropped.
      return agrees(oneNode('ms:FusedConv', z ? ins : ins.slice(0, bias ? 3 : 2), ['y'], attrs));
    }));

  const GEMM_ACTS: readonly [string, Record<string, AttrSpecValue>][] = [
    ['Relu', {}], ['Tanh', {}], ['Sigmoid', {}], ['Softplus', {}], ['Softsign', {}], ['LeakyRelu', { activation_alpha: { float: 0.3 } }],
    ['Elu', { activation_alpha: { float: 0.7 } }], ['Celu', { activation_alpha: { float: 0.6 } }], ['ThresholdedRelu', { activation_alpha: { float: 0.1 } }],
    ['HardSigmoid', { activation_alpha: { float: 0.3 }, activation_beta: { float: 0.4 } }],
    ['Selu', { activation_alpha: { float: 1.5 }, activation_gamma: { float: 1.1 } }],
    ['ScaledTanh', { activation_alpha: { float: 1.5 }, activation_beta: { float: 0.7 } }],
    ['ParametricSoftplus', { activation_alpha: { float: 0.8 }, activation_beta: { float: 1.3 } }],
    ['Relu', { activation_alpha: { float: 0.5 } }], // a parameter the activation does not take: ignored, as onnxruntime does
  ];
  it('FusedGemm: alpha, beta, transA/B, C forms, every activation', () =>
    prop(fc.record({
      m: dim, k: dim, n: dim, ta: fc.boolean(), tb: fc.boolean(), c: fc.integer({ min: 0, max: 3 }), act: fc.constantFrom(...GEMM_ACTS),
      alpha: fc.option(fc.double({ min: -2, max: 2, noNaN: true })), beta: fc.option(fc.double({ min: -2, max: 2, noNaN: true })),
    }), ({ m, k, n, ta, tb, c, act, alpha, beta }) => {
      const cShape = [null, [n], [m, n], [1, n]][c]!;
      const attrs: Record<string, AttrSpecValue> = { activation: act[0], ...act[1], transA: ta ? 1 : 0, transB: tb ? 1 : 0 };
      if (alpha !== null) attrs['alpha'] = { float: alpha };
      if (beta !== null) attrs['beta'] = { float: beta };
      const ins = [['a', ta ? [k, m] : [m, k]], ['b', tb ? [n, k] : [k, n]], ...(cShape ? [['c', cShape] as const] : [])] as const;
      return agrees(oneNode('ms:FusedGemm', ins, ['y'], attrs));
    }));
});

describe('float16 vs onnxruntime (interpreter)', () => {
  // onnxruntime computes inside each op in f32 and rounds once; the lowering rounds to f16 between
  // its steps (bias add, skip add), so a few f16 ulps apart.
  const F16 = { rtol: 1e-2, atol: 1e-2 };
  const CASES: readonly [string, (s: number[]) => ZooModel][] = [
    ['Gelu', (s) => oneNode('ms:Gelu', [['x', s]], ['y'], {}, 17, 'f16')],
    ['BiasGelu', (s) => oneNode('ms:BiasGelu', [['x', s], ['b', [s[s.length - 1]!]]], ['y'], {}, 17, 'f16')],
    ['FastGelu', (s) => oneNode('ms:FastGelu', [['x', s], ['b', [s[s.length - 1]!]]], ['y'], {}, 17, 'f16')],
    ['QuickGelu', (s) => oneNode('ms:QuickGelu', [['x', s]], ['y'], {}, 17, 'f16')],
    ['SkipLayerNormalization', (s) => oneNode('ms:SkipLayerNormalization', [['x', s], ['skip', s], ['g', [s[s.length - 1]!]], ['beta', [s[s.length - 1]!]], ['bias', [s[s.length - 1]!]]],
      ['y', 'mean', 'inv', 'sum'], {}, 17, 'f16')],
    ['SkipSimplifiedLayerNormalization', (s) => oneNode('ms:SkipSimplifiedLayerNormalization', [['x', s], ['skip', s], ['g', [s[s.length - 1]!]]], ['y', null, 'inv', 'sum'], {}, 17, 'f16')],
    ['SimplifiedLayerNormalization', (s) => oneNode('SimplifiedLayerNormalization', [['x', s], ['g', [s[s.length - 1]!]]], ['y', 'inv'], {}, 14, 'f16')],
    ['LayerNormalization-14', (s) => oneNode('LayerNormalization', [['x', s], ['g', [s[s.length - 1]!]]], ['y'], {}, 14, 'f16')],
    ['FusedMatMul', (s) => oneNode('ms:FusedMatMul', [['a', s], ['b', s]], ['y'], { transB: 1, alpha: { float: 0.5 } }, 17, 'f16')],
    ['FusedGemm', (s) => oneNode('ms:FusedGemm', [['a', s.slice(-2)], ['b', s.slice(-2)]], ['y'], { transB: 1, activation: 'Sigmoid' }, 17, 'f16')],
  ];
  for (const [name, make] of CASES) it(name, () => prop(dims(2, 3), (s) => agrees(make(s), F16)));

  // The WASM backend takes f16 only with static shapes (E201 otherwise), so these models have them.
  const tmp = mkdtempSync(join(tmpdir(), 'tenth-ms-fused-f16-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  it('every op on f16 through the WASM runtime and WebGPU', async () => {
    for (const [name, make] of CASES) {
      const m = make([3, 5, 8]);
      const cases = await referenceCases(m);
      const wasm = await runWasmCases(m, cases, join(tmp, name));
      const gpu = await runWebGpuCases(m, cases, await (device ??= nodeDevice(NODE_DAWN_FLAGS)));
      cases.forEach((c, k) => {
        expect(mismatch(m, wasm[k]!, c.want, F16), `${name} on wasm`).toBeNull();
        expect(mismatch(m, gpu[k]!, c.want, F16), `${name} on webgpu`).toBeNull();
      });
    }
  });
});

/** The importer's diagnostic code for `m`, which must name the node. */
function refusal(m: ZooModel): string {
  try {
    importZoo(m);
  } catch (e) {
    if (!(e instanceof TenthError)) throw e;
    expect(String(e.message) + JSON.stringify(e.diagnostics), 'the diagnostic names the node').toContain('fused_node');
    return e.code;
  }
  throw new Error(`${m.name}: imported, expected a refusal`);
}

describe('refusals: E2xx naming the node', () => {
  // Each of these onnxruntime refuses too (at session creation or when it runs).
  const BOTH: readonly [string, () => ZooModel, string][] = [
    ['Gelu with approximate', () => oneNode('ms:Gelu', [['x', [2, 3]]], ['y'], { approximate: 'tanh' }), 'E204'],
    ['FusedConv with an activation it lacks', () => oneNode('ms:FusedConv', [['x', [1, 1, 3, 3]], ['w', [1, 1, 1, 1]]], ['y'], { activation: 'Gelu' }), 'E204'],
    ['FusedConv LeakyRelu without activation_params', () => oneNode('ms:FusedConv', [['x', [1, 1, 3, 3]], ['w', [1, 1, 1, 1]]], ['y'], { activation: 'LeakyRelu' }), 'E204'],
    ['FusedGemm LeakyRelu without activation_alpha', () => oneNode('ms:FusedGemm', [['a', [2, 3]], ['b', [3, 2]]], ['y'], { activation: 'LeakyRelu' }), 'E204'],
    ['FusedGemm without activation', () => oneNode('ms:FusedGemm', [['a', [2, 3]], ['b', [3, 2]]], ['y']), 'E204'],
    ['FusedGemm with an activation it lacks', () => oneNode('ms:FusedGemm', [['a', [2, 3]], ['b', [3, 2]]], ['y'], { activation: 'Clip' }), 'E204'],
    ['SkipLayerNormalization on a 4-D input', () => oneNode('ms:SkipLayerNormalization', [['x', [1, 2, 2, 4]], ['s', [1, 2, 2, 4]], ['g', [4]]], ['y']), 'E205'],
    ['FastGelu with a 2-D bias', () => oneNode('ms:FastGelu', [['x', [2, 4]], ['b', [1, 4]]], ['y']), 'E205'],
    ['TransposeMatMul with transBatchA', () => oneNode('ms:TransposeMatMul', [['a', [3, 2, 4]], ['b', [2, 4, 5]]], ['y'], { transBatchA: 1 }), 'E204'],
    ['BiasGelu without its bias', () => oneNode('ms:BiasGelu', [['x', [2, 4]]], ['y']), 'E207'],
  ];
  for (const [what, make, code] of BOTH) {
    it(`${what}: ${code}, and onnxruntime refuses it too`, async () => {
      const m = make();
      expect(refusal(m)).toBe(code);
      await expect(referenceCases(m)).rejects.toThrow();
    });
  }

  it('unknown attributes, the RMS norms\' meaningless mean output and other stash types are refused', () => {
    expect(refusal(oneNode('ms:FusedMatMul', [['a', [2, 3]], ['b', [3, 2]]], ['y'], { transC: 1 }))).toBe('E204');
    expect(refusal(oneNode('ms:SkipLayerNormalization', [['x', [2, 4]], ['s', [2, 4]], ['g', [4]]], ['y'], { axis: 0 }))).toBe('E204');
    expect(refusal(oneNode('ms:SkipSimplifiedLayerNormalization', [['x', [2, 4]], ['s', [2, 4]], ['g', [4]]], ['y', 'mean']))).toBe('E207');
    expect(refusal(oneNode('SimplifiedLayerNormalization', [['x', [2, 4]], ['g', [4]]], ['y'], { stash_type: 0 }, 14))).toBe('E204');
    expect(refusal(oneNode('ms:FusedMatMul', [['a', [2, 3]], ['b', [3, 2]]], ['y'], { transA: 2 }))).toBe('E204');
    expect(refusal(oneNode('ms:FusedMatMul', [['a', [3, 2]], ['b', [3]]], ['y'], { transA: 1 }))).toBe('E204');
  });
});

/** Every op above in one model with symbolic batch/sequence, for the backends. */
function allOps(): ZooModel {
  const g = new Graph(7);
  const x = 'x', img = 'img';
  const wt = g.weight('wt', [12, 8], 8);
  const h = g.op('com.microsoft:FusedMatMul', [x, wt], { transB: 1, alpha: { float: 0.5 } }); // [b, s, 12]
  const q = g.op('com.microsoft:QuickGelu', [h], { alpha: { float: 1.3 } });
  const f = g.op('com.microsoft:FastGelu', [h, g.uniform('fg_bias', [12], -0.5, 0.5)]);
  const [ssl, , inv, sum] = g.opN('com.microsoft:SkipSimplifiedLayerNormalization', [q, f, g.uniform('ssl_g', [12], 0.5, 1.5), g.uniform('ssl_b', [12], -0.1, 0.1)], 4, { epsilon: { float: 1e-6 } });
  // The mean output is not wanted (written as '').
  const last = g.nodes[g.nodes.length - 1]!;
  g.nodes[g.nodes.length - 1] = { ...last, outputs: last.outputs.map((o, i) => (i === 1 ? '' : o)) };
  const [sl, mean] = g.opN('com.microsoft:SkipLayerNormalization', [ssl!, sum!, g.uniform('sl_g', [12], 0.5, 1.5), g.uniform('sl_b', [12], -0.1, 0.1)], 2);
  const bg = g.op('com.microsoft:BiasGelu', [sl!, g.uniform('bg_b', [12], -0.5, 0.5)]);
  const ge = g.op('com.microsoft:Gelu', [bg]);
  const [rms, rinv] = g.opN('SimplifiedLayerNormalization', [ge, g.uniform('rms_g', [12], 0.5, 1.5)], 2, { axis: -1, epsilon: { float: 1e-6 } });
  const scores = g.op('com.microsoft:FusedMatMul', [rms!, ge], { transB: 1, alpha: { float: 0.25 } }); // [b, s, s]
  const tb = g.op('com.microsoft:FusedMatMul', [g.op('Transpose', [rms!], { perm: [1, 0, 2] }), ge], { transBatchA: 1, transB: 1 });
  const c1 = g.op('com.microsoft:FusedConv', [img, g.weight('c1', [4, 3, 3, 3], 27), g.uniform('c1b', [4], -0.1, 0.1)], { activation: 'Relu', kernel_shape: [3, 3], pads: [1, 1, 1, 1] });
  const c2 = g.op('com.microsoft:FusedConv', [c1, g.weight('c2', [4, 4, 1, 1], 4), g.uniform('c2b', [4], -0.1, 0.1), c1], { activation: 'HardSigmoid', activation_params: { floats: [0.3, 0.4] }, kernel_shape: [1, 1] });
  const pooled = g.op('Flatten', [g.op('GlobalAveragePool', [c2])], { axis: 1 });
  const fg = g.op('com.microsoft:FusedGemm', [pooled, g.weight('fg', [5, 4], 4), g.uniform('fgb', [5], -0.1, 0.1)], { transB: 1, activation: 'LeakyRelu', activation_alpha: { float: 0.1 } });
  const outs = [rms!, rinv!, inv!, mean!, scores, tb, fg];
  const f32 = (name: string) => ({ name, dtype: 'f32' as const });
  return finish(g, 'ms_fused_all', [{ name: x, dtype: 'f32', shape: ['batch', 'seq', 8] }, { name: img, dtype: 'f32', shape: ['batch', 3, 6, 6] }],
    outs.map(f32), [{ batch: 2, seq: 5 }, { batch: 1, seq: 3 }], 14, { [MS]: 1 });
}

describe('every op through the backends', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'tenth-ms-fused-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('WASM runtime matches onnxruntime at every binding', async () => {
    const m = allOps();
    const cases = await referenceCases(m);
    const got = await runWasmCases(m, cases, join(tmp, 'wasm'));
    cases.forEach((c, k) => expect(mismatch(m, got[k]!, c.want, TOLERANCE), c.label).toBeNull());
  });

  it('WebGPU (Dawn) matches onnxruntime at every binding', async () => {
    const m = allOps();
    const cases = await referenceCases(m);
    const got = await runWebGpuCases(m, cases, await (device ??= nodeDevice(NODE_DAWN_FLAGS)));
    cases.forEach((c, k) => expect(mismatch(m, got[k]!, c.want, TOLERANCE), c.label).toBeNull());
  });
});
