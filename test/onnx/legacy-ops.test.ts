// Old operator forms the ONNX model zoo's classic exports use, each against onnxruntime-node (the
// reference; it still runs opset 7+): Resize-10's nearest rounding (up along shrinking axes, down
// along growing ones), the onnx 1.0-1.2 experimental ops (ImageScaler, Scale, Affine, ScaledTanh,
// ParametricSoftplus, ThresholdedRelu-7, Crop, MeanVarianceNormalization-1), PyTorch's opset 9/10
// arange (NonZero of a filled ConstantOfShape) through the interpreter, a few through the WASM and
// WebGPU backends, and the refusals of what onnxruntime refuses too.

import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { interpret } from '../../ir/interp.js';
import { tensorFrom, type Tensor } from '../../ir/tensor.js';
import { buildModel, type InitializerSpec, type NodeSpec } from '../../src/onnx/writer.js';
import { nodeDevice, NODE_DAWN_FLAGS } from '../../src/runtime/webgpu-node.js';
import type { WebGpuDevice } from '../../src/runtime/webgpu.js';
import { diagnosticCodes, importZoo, mismatch, referenceCases, runWasmCases, runWebGpuCases, type ZooCase } from '../zoo/harness.js';
import type { ZooModel } from '../zoo/models-common.js';
import { rng } from '../zoo/graph.js';

type Ort = typeof import('onnxruntime-node');
const ort = createRequire(import.meta.url)('onnxruntime-node') as Ort;
const TOL = { rtol: 1e-4, atol: 1e-5 };

interface Single {
  op: string;
  opset: number;
  attrs?: Record<string, unknown>;
  x: number[];
  /** Extra constant inputs (initializers), after x. */
  inits?: InitializerSpec[];
  /** Extra run-time inputs after x (and the initializers): name and value. */
  feeds?: { name: string; t: Tensor }[];
}

/** A one-node model as a ZooModel (IR 3-5 as the old tools wrote), and its one case. */
function single(s: Single, seed = 1): { m: ZooModel; c: Omit<ZooCase, 'want'> } {
  const extra = s.feeds ?? [];
  const inputs = [{ name: 'x', dtype: 'f32' as const, shape: s.x }, ...extra.map((f) => ({ name: f.name, dtype: f.t.dtype, shape: f.t.shape }))];
  const bytes = buildModel({
    opset: s.opset, irVersion: s.opset >= 10 ? 5 : 3, inputs, outputs: [{ name: 'y', dtype: 'f32' }], initializers: s.inits ?? [],
    nodes: [{ opType: s.op, inputs: ['x', ...(s.inits ?? []).map((i) => i.name), ...extra.map((f) => f.name)], outputs: ['y'], attrs: (s.attrs ?? {}) as never }],
  });
  const r = rng(seed);
  const n = s.x.reduce((a, b) => a * b, 1);
  const x = tensorFrom('f32', s.x, Float32Array.from({ length: n }, () => r() * 6 - 3));
  const m: ZooModel = { name: `${s.op}_${s.opset}`, inputs: [], outputs: [{ name: 'y', dtype: 'f32' }], bindings: [{}], bytes };
  return { m, c: { label: JSON.stringify(s.attrs ?? {}), inputs: [x, ...extra.map((f) => f.t)] } };
}

async function reference(m: ZooModel, inputs: readonly Tensor[]): Promise<Tensor> {
  const session = await ort.InferenceSession.create(Buffer.from(m.bytes), { graphOptimizationLevel: 'disabled', logSeverityLevel: 4 });
  try {
    const names = session.inputNames;
    const feeds = Object.fromEntries(inputs.map((t, i) => [names[i]!, new ort.Tensor('float32', t.data as Float32Array, t.shape)]));
    const y = (await session.run(feeds))['y']!;
    return tensorFrom('f32', y.dims as number[], y.data as Float32Array);
  } finally {
    await session.release();
  }
}

/** Interpreter vs onnxruntime on one single-op model; returns the case with its reference. */
async function checkInterp(s: Single, seed = 1): Promise<{ m: ZooModel; c: ZooCase }> {
  const { m, c } = single(s, seed);
  const want = await reference(m, c.inputs);
  const got = interpret(importZoo(m), c.inputs);
  expect(mismatch(m, got, [want], TOL), `${s.op}-${s.opset} ${c.label} x [${s.x}]`).toBeNull();
  return { m, c: { ...c, want: [want] } };
}

let device: Promise<WebGpuDevice> | undefined;
// One device for the worker's life (Dawn aborts when the instance is garbage-collected).
const gpu = (): Promise<WebGpuDevice> => (device ??= nodeDevice(NODE_DAWN_FLAGS));

const f32Init = (name: string, values: number[]): InitializerSpec => ({ name, tensor: tensorFrom('f32', [values.length], values) });
const SCALES = [0.4, 0.5, 0.6, 0.75, 1, 1.5, 2, 2.5, 3];

describe('Resize-10 / Upsample against onnxruntime', () => {
  it('Resize-10 with constant scales: nearest rounds up along shrinking axes, down along growing ones; linear too', async () => {
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.constantFrom(...SCALES), fc.constantFrom(...SCALES),
      fc.constantFrom('nearest', 'linear'),
      async (h, w, sh, sw, mode) => {
        fc.pre(Math.floor(h * sh) > 0 && Math.floor(w * sw) > 0);
        await checkInterp({ op: 'Resize', opset: 10, attrs: { mode }, x: [1, 2, h, w], inits: [f32Init('scales', [1, 1, sh, sw])] });
      }), { numRuns: 30, seed: 10 });
  });

  it('Resize-10 with scales given at run time (shrinking, growing and mixed axes)', async () => {
    for (const sc of [[1, 1, 0.75, 0.6], [1, 1, 2, 3], [1, 1, 0.5, 2.5], [1, 2, 0.6, 1]]) {
      await checkInterp({ op: 'Resize', opset: 10, attrs: { mode: 'nearest' }, x: [1, 2, 7, 5], feeds: [{ name: 'scales', t: tensorFrom('f32', [4], sc) }] });
    }
  });

  it('Upsample-7 (scales attribute) and -9 (scales input), nearest and linear, integer and fractional scales', async () => {
    for (const mode of ['nearest', 'linear']) {
      for (const sc of [[1, 1, 2, 2], [1, 1, 1.5, 2.5], [1, 2, 3, 1]]) {
        await checkInterp({ op: 'Upsample', opset: 7, attrs: { mode, scales: { floats: sc } }, x: [1, 2, 3, 4] });
        await checkInterp({ op: 'Upsample', opset: 9, attrs: { mode }, x: [1, 2, 3, 4], inits: [f32Init('scales', sc)] });
      }
    }
  });
});

describe('ConvTranspose with output_shape against onnxruntime', () => {
  it('pads follow from the output size: surplus total - total/2 at the begin (total/2 for SAME_UPPER), clamped at 0; output_shape overrides pads', async () => {
    // output_shape consistent with the input (onnxruntime checks it): a surplus of any size to
    // crop, or up to stride - 1 extra; no output_padding beside an output_shape.
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 2 }),
      fc.integer({ min: -2, max: 3 }), fc.constantFrom('NOTSET', 'SAME_UPPER', 'SAME_LOWER'), fc.integer({ min: 1, max: 1000 }),
      async (n, k, s, d, crop, autoPad, seed) => {
        const full = s * (n - 1) + (k - 1) * d + 1;
        const out = autoPad === 'NOTSET' ? full - crop : n * s;
        fc.pre(out >= 1 && crop > -s);
        const w = tensorFrom('f32', [2, 3, k, k], Array.from({ length: 6 * k * k }, (_, i) => Math.sin(i + seed)));
        const attrs = { kernel_shape: [k, k], strides: [s, s], dilations: [d, d], output_shape: [out, out], auto_pad: autoPad };
        await checkInterp({ op: 'ConvTranspose', opset: 11, attrs, x: [1, 2, n, n], inits: [{ name: 'w', tensor: w }] }, seed);
      }), { numRuns: 30, seed: 13 });
    const w = { name: 'w', tensor: tensorFrom('f32', [2, 3, 3, 3], Array.from({ length: 54 }, (_, i) => Math.sin(i))) };
    await checkInterp({ op: 'ConvTranspose', opset: 7, attrs: { kernel_shape: [3, 3], strides: [2, 2], output_shape: [8, 7] }, x: [1, 2, 4, 4], inits: [w] });
    await checkInterp({ op: 'ConvTranspose', opset: 7, attrs: { kernel_shape: [3, 3], strides: [2, 2], output_shape: [8, 7], pads: [0, 1, 0, 0] }, x: [1, 2, 4, 4], inits: [w] });
  });
});

describe('onnx 1.0-1.2 experimental ops against onnxruntime', () => {
  it('ImageScaler, Scale, Affine, ScaledTanh, ParametricSoftplus, ThresholdedRelu-7 on random shapes and attributes', async () => {
    const attr = fc.double({ min: -2, max: 2, noNaN: true }).map((v) => ({ float: Math.fround(v) }));
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 7 }), attr, attr, fc.integer({ min: 1, max: 1000 }),
      async (n, c, hw, a, bt, seed) => {
        const x = [n, c, hw, 8 - hw];
        const bias = Array.from({ length: c }, (_, i) => Math.fround((i - 1) * 0.37));
        await checkInterp({ op: 'ImageScaler', opset: 7, attrs: { scale: a, bias: { floats: bias } }, x }, seed);
        await checkInterp({ op: 'Scale', opset: 7, attrs: { scale: a }, x }, seed);
        await checkInterp({ op: 'Affine', opset: 7, attrs: { alpha: a, beta: bt }, x }, seed);
        await checkInterp({ op: 'ScaledTanh', opset: 7, attrs: { alpha: a, beta: bt }, x }, seed);
        await checkInterp({ op: 'ParametricSoftplus', opset: 7, attrs: { alpha: a, beta: bt }, x }, seed);
        await checkInterp({ op: 'ThresholdedRelu', opset: 7, attrs: { alpha: bt }, x }, seed);
      }), { numRuns: 6, seed: 11 });
    // Defaults: Scale 1, Affine 1 and 0, ImageScaler's scale 1, ThresholdedRelu's alpha 1.
    await checkInterp({ op: 'Scale', opset: 7, x: [2, 3] });
    await checkInterp({ op: 'Affine', opset: 8, x: [2, 3] });
    await checkInterp({ op: 'ImageScaler', opset: 8, attrs: { bias: { floats: [1, -2] } }, x: [1, 2, 3, 3] });
    await checkInterp({ op: 'ThresholdedRelu', opset: 9, x: [4, 5] });
  });

  it('MeanVarianceNormalization-1: across_channels and normalize_variance, batch 2', async () => {
    for (const across of [0, 1]) {
      for (const nv of [0, 1]) {
        for (const x of [[2, 3, 2, 3], [1, 2, 5, 1]]) {
          await checkInterp({ op: 'MeanVarianceNormalization', opset: 8, attrs: { across_channels: across, normalize_variance: nv }, x });
        }
      }
    }
    await checkInterp({ op: 'MeanVarianceNormalization', opset: 7, x: [3, 2, 2, 2] });
  });

  it('Crop: border alone, border + scale, on random sizes', async () => {
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 8 }), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 4, maxLength: 4 }), fc.boolean(),
      async (h, w, border, withScale) => {
        const [l, t, r, b] = border as [number, number, number, number];
        fc.pre(withScale ? h > t && w > l : h > t + b && w > l + r);
        const attrs = withScale ? { border, scale: [h - t, Math.max(1, w - l - r)] } : { border };
        await checkInterp({ op: 'Crop', opset: 7, attrs, x: [2, 3, h, w] });
      }), { numRuns: 20, seed: 12 });
  });
});

describe('the same ops on the backends', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'tenth-legacy-ops-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const CASES: Single[] = [
    { op: 'Resize', opset: 10, attrs: { mode: 'nearest' }, x: [1, 2, 7, 5], inits: [f32Init('scales', [1, 1, 0.75, 0.6])] },
    { op: 'Resize', opset: 10, attrs: { mode: 'nearest' }, x: [1, 2, 7, 5], inits: [f32Init('scales', [1, 1, 0.6, 2.5])] },
    { op: 'ImageScaler', opset: 7, attrs: { scale: { float: 0.5 }, bias: { floats: [0.25, -1, 2] } }, x: [2, 3, 4, 5] },
    { op: 'ScaledTanh', opset: 7, attrs: { alpha: { float: 1.5 }, beta: { float: 0.5 } }, x: [3, 7] },
    { op: 'ParametricSoftplus', opset: 7, attrs: { alpha: { float: 1.5 }, beta: { float: -0.5 } }, x: [3, 7] },
    { op: 'Crop', opset: 7, attrs: { border: [1, 2, 0, 1] }, x: [1, 2, 6, 5] },
    { op: 'Crop', opset: 7, attrs: { border: [1, 0, 0, 0], scale: [2, 3] }, x: [1, 2, 6, 5] },
    { op: 'MeanVarianceNormalization', opset: 7, attrs: { across_channels: 1 }, x: [2, 3, 4, 5] },
    { op: 'MeanVarianceNormalization', opset: 7, attrs: { normalize_variance: 0 }, x: [2, 3, 4, 5] },
    { op: 'ConvTranspose', opset: 7, attrs: { kernel_shape: [3, 3], strides: [2, 2], output_shape: [8, 7] }, x: [1, 2, 4, 4],
      inits: [{ name: 'w', tensor: tensorFrom('f32', [2, 3, 3, 3], Array.from({ length: 54 }, (_, i) => Math.sin(i))) }] },
  ];
  for (const s of CASES) {
    const scales = s.op === 'Resize' && s.inits ? ` scales [${Array.from(s.inits[0]!.tensor.data as Float32Array).join(', ')}]` : '';
    it(`${s.op}-${s.opset} ${JSON.stringify(s.attrs)}${scales}: wasm and webgpu match onnxruntime`, async () => {
      const { m, c } = await checkInterp(s);
      const wasm = await runWasmCases(m, [c], join(tmp, m.name));
      expect(mismatch(m, wasm[0]!, c.want, TOL), 'wasm').toBeNull();
      const web = await runWebGpuCases(m, [c], await gpu());
      expect(mismatch(m, web[0]!, c.want, TOL), 'webgpu').toBeNull();
    });
  }
});

/**
 * PyTorch's arange at opset 9/10: NonZero(ConstantOfShape(Unsqueeze(n))), Transpose, Squeeze-1,
 * with `fill` as the ConstantOfShape value (0: every index is zero, NonZero stays a count).
 */
function arangeModel(fill: Tensor): ZooModel {
  const nodes: NodeSpec[] = [
    { opType: 'Shape', inputs: ['x'], outputs: ['s'] },
    { opType: 'ConstantOfShape', inputs: ['s'], outputs: ['ones'], attrs: { value: fill } },
    { opType: 'NonZero', inputs: ['ones'], outputs: ['nz'] },
    { opType: 'Transpose', inputs: ['nz'], outputs: ['t'], attrs: { perm: [1, 0] } },
    { opType: 'Squeeze', inputs: ['t'], outputs: ['y'], attrs: { axes: [1] } },
  ];
  const bytes = buildModel({ opset: 10, irVersion: 5, inputs: [{ name: 'x', dtype: 'f32', shape: ['n'] }], outputs: [{ name: 'y', dtype: 'i64', shape: [''] }], nodes });
  return { name: 'arange_op10', inputs: [{ name: 'x', dtype: 'f32', shape: ['n'] }], outputs: [{ name: 'y', dtype: 'i64' }], bindings: [{ n: 1 }, { n: 6 }, { n: 3 }], bytes };
}

describe('NonZero of a filled ConstantOfShape (arange at opset 9/10)', () => {
  it('matches onnxruntime on the interpreter for nonzero fills (a range) and a zero fill (still a count)', async () => {
    for (const fill of [tensorFrom('i64', [1], [1n]), tensorFrom('f32', [1], [-2.5]), tensorFrom('f32', [1], [0]), tensorFrom('bool', [1], [1])]) {
      const m = arangeModel(fill);
      const mod = importZoo(m);
      const cases = await referenceCases(m);
      for (const c of cases) expect(mismatch(m, interpret(mod, c.inputs), c.want), `${fill.dtype} ${String(fill.data[0])} at ${c.label}`).toBeNull();
    }
  });

  it('a nonzero fill compiles with a size the shape rules know, and matches on wasm and webgpu', async () => {
    const m = arangeModel(tensorFrom('i64', [1], [1n]));
    expect(importZoo(m).funcs[0]!.body.ops.some((o) => o.name === 'nonzero')).toBe(false);
    const cases = await referenceCases(m);
    const tmp = mkdtempSync(join(tmpdir(), 'tenth-legacy-arange-'));
    try {
      const wasm = await runWasmCases(m, cases, join(tmp, 'w'));
      cases.forEach((c, k) => expect(mismatch(m, wasm[k]!, c.want), `wasm at ${c.label}`).toBeNull());
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    const web = await runWebGpuCases(m, cases, await gpu());
    cases.forEach((c, k) => expect(mismatch(m, web[k]!, c.want), `webgpu at ${c.label}`).toBeNull());
  });
});

describe('refusals (onnxruntime refuses these too), naming the node', () => {
  const refused = (s: Single): string[] | null => {
    try {
      importZoo(single(s).m);
    } catch (e) {
      expect(String(e)).toContain(`${s.op}_0`);
      return diagnosticCodes(e);
    }
    return null;
  };
  it('missing or malformed attributes are E204, extra inputs E207', () => {
    expect(refused({ op: 'ImageScaler', opset: 7, attrs: { scale: { float: 2 } }, x: [1, 2, 2, 2] })).toEqual(['E204']);
    expect(refused({ op: 'ImageScaler', opset: 7, attrs: { bias: { floats: [1, 2, 3] } }, x: [1, 2, 2, 2] })).toEqual(['E204']);
    expect(refused({ op: 'ImageScaler', opset: 7, attrs: { bias: { floats: [1, 2] } }, x: [2, 2, 2] })).toEqual(['E204']);
    expect(refused({ op: 'ScaledTanh', opset: 7, attrs: { alpha: { float: 2 } }, x: [2, 2] })).toEqual(['E204']);
    expect(refused({ op: 'ParametricSoftplus', opset: 7, x: [2, 2] })).toEqual(['E204']);
    expect(refused({ op: 'Scale', opset: 7, attrs: { scale: { float: 2 }, bias: { float: 1 } }, x: [2, 2] })).toEqual(['E204']);
    expect(refused({ op: 'Crop', opset: 7, x: [1, 1, 3, 3] })).toEqual(['E204']);
    expect(refused({ op: 'Crop', opset: 7, attrs: { border: [1, 1, 1] }, x: [1, 1, 3, 3] })).toEqual(['E204']);
    expect(refused({ op: 'Crop', opset: 7, attrs: { border: [0, 0, 0, 0], scale: [4, 1] }, x: [1, 1, 3, 3] })).toEqual(['E204']);
    expect(refused({ op: 'Crop', opset: 7, attrs: { border: [2, 0, 2, 0] }, x: [1, 1, 3, 3] })).toEqual(['E204']);
    expect(refused({ op: 'Affine', opset: 7, x: [2, 2], inits: [f32Init('extra', [1])] })).toEqual(['E207']);
    expect(refused({ op: 'MeanVarianceNormalization', opset: 7, x: [2, 3, 4] })).toEqual(['E204']);
    expect(refused({ op: 'MeanVarianceNormalization', opset: 7, attrs: { axes: [0, 2] }, x: [2, 3, 4, 4] })).toEqual(['E204']);
  });
});
