// onnxruntime's QOperator-format quantized contrib ops (com.microsoft, as quantize_static /
// quantize_dynamic write them), imported and interpreted, against onnxruntime-node 1.30 (CPU) on
// random shapes, scales, zero points and attributes (ms-quant-cases.ts), for uint8 and int8 (and
// u16/i16 for QuantizeLinear/DequantizeLinear). Quantized outputs must equal onnxruntime's; for
// QLinearAdd (MLAS's AVX2 kernel uses FMAs), QLinearSigmoid (MLAS's logistic approximation),
// QLinearAveragePool and QLinearSoftmax (onnxruntime's f32 summation order) at most one unit
// apart in at most 1-5% of the elements. Float outputs within 1e-5. One case per op and dtype also
// runs compiled for WASM (O2) and WebGPU (Dawn + SwiftShader) with the same tolerances. Refusals are
// E2xx diagnostics naming the node.
// onnxruntime 1.30 has no CPU kernel for com.microsoft QLinearReduceMean (session creation fails),
// and its QLinearAdd/QLinearMul schemas take only 8-bit types: those are not tested here.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { TenthError } from '../../ir/diagnostics.js';
import { interpret } from '../../ir/interp.js';
import { tensorFrom, toNumbers } from '../../ir/tensor.js';
import { importOnnxBytes } from '../../src/onnx/import.js';
import { nodeDevice, NODE_DAWN_FLAGS } from '../../src/runtime/webgpu-node.js';
import type { WebGpuDevice } from '../../src/runtime/webgpu.js';
import { CASES, type QCase } from './ms-quant-cases.js';
import {
  bothRuns, expectFloat, expectQuant, feedsOf, input, oneNodeModel, ortRun, randQ, rng, scal, wasmRun, webgpuRun, type OneNode, type Operand,
} from './ms-quant-helpers.js';

function check(q: QCase, got: Parameters<typeof expectQuant>[0], want: Parameters<typeof expectQuant>[1], label: string): void {
  if (q.float) expectFloat(got, want, 1e-5, 1e-5, label);
  else expectQuant(got, want, q.units, q.frac, label);
}

describe('com.microsoft QOperator ops vs onnxruntime (interpreter)', () => {
  for (const [op, { build, dtypes }] of Object.entries(CASES)) {
    for (const dt of dtypes) {
      it(`${op} ${dt}`, async () => {
        await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 30 }), async (seed) => {
          const q = build(rng(seed), dt);
          const { got, want } = await bothRuns(q.c);
          check(q, got, want, `${op} ${dt} seed ${seed}`);
        }), { numRuns: 6, seed: 20261128 });
      });
    }
  }

  it('QLinearAveragePool covering the whole image takes the global path (bit-exact, as onnxruntime)', async () => {
    const r = rng(5);
    for (const last of [0, 1]) {
      const c: OneNode = {
        op: 'QLinearAveragePool', outDtype: 'u8', attrs: { kernel_shape: [7, 9], channels_last: last },
        operands: [input('x', randQ(r, 'u8', last ? [2, 7, 9, 6] : [2, 6, 7, 9])), scal('xs', 'f32', 0.037), scal('xz', 'u8', 131), scal('ys', 'f32', 0.011), scal('yz', 'u8', 120)],
      };
      const { got, want } = await bothRuns(c);
      expectQuant(got, want, 0, 0, `channels_last ${last}`);
    }
  });

  it('QLinearGlobalAveragePool with symbolic spatial dims counts them at run time', async () => {
    const r = rng(9);
    const c: OneNode = {
      op: 'QLinearGlobalAveragePool', outDtype: 'i8', shapes: { x: ['n', 4, 'h', 'w'] },
      operands: [input('x', randQ(r, 'i8', [2, 4, 13, 6])), scal('xs', 'f32', 0.05), scal('xz', 'i8', -3), scal('ys', 'f32', 0.02), scal('yz', 'i8', 5)],
    };
    const { got, want } = await bothRuns(c);
    expectQuant(got, want, 0, 0);
  });

  it('omitted zero points are 0 (onnxruntime cannot run QLinearAdd/Mul/AveragePool without them)', () => {
    const r = rng(11);
    const a = randQ(r, 'i8', [3, 7]), bb = randQ(r, 'i8', [7]);
    const run = (c: OneNode) => interpret(importOnnxBytes(oneNodeModel(c), { file: 'm.onnx', baseDir: '.' }), feedsOf(c))[0]!;
    for (const op of ['QLinearAdd', 'QLinearMul']) {
      const ops = (z: (n: string) => Operand | null): (Operand | null)[] => [input('a', a), scal('as', 'f32', 0.05), z('az'), input('b', bb), scal('bs', 'f32', 0.07), z('bz'), scal('cs', 'f32', op === 'QLinearAdd' ? 0.1 : 0.2), z('cz')];
      const explicit = run({ op, outDtype: 'i8', operands: ops((n) => scal(n, 'i8', 0)) });
      expectQuant(run({ op, outDtype: 'i8', operands: ops(() => null) }), explicit, 0, 0, op);
      expect(new Set(toNumbers(explicit)).size, `${op}: not a constant output`).toBeGreaterThan(10);
    }
    const x = randQ(r, 'u8', [1, 2, 6, 6]);
    const pool = (z: (n: string) => Operand | null): OneNode => ({ op: 'QLinearAveragePool', outDtype: 'u8', attrs: { kernel_shape: [3, 3] }, operands: [input('x', x), scal('xs', 'f32', 0.05), z('xz'), scal('ys', 'f32', 0.04), z('yz')] });
    expectQuant(run(pool(() => null)), run(pool((n) => scal(n, 'u8', 0))), 0, 0, 'QLinearAveragePool');
  });

  // Multipliers one ulp off a dyadic value put many products within an ulp of a .5 tie, where adding
  // the output zero point before or after rounding gives different results: MLAS adds it after
  // rounding in QGemm and the global average pool, before in QLinearMul.
  it('near ties: the output zero point is added where MLAS adds it', async () => {
    const r = rng(21);
    const below = (x: number): number => { const f = new Float32Array([x]); new Int32Array(f.buffer)[0]! -= 1; return f[0]!; };
    for (const dt of ['u8', 'i8'] as const) {
      const gap: OneNode = {
        op: 'QLinearGlobalAveragePool', outDtype: dt,
        operands: [input('x', randQ(r, dt, [64, 64, 2, 2])), scal('xs', 'f32', below(7 / 128)), scal('xz', dt, dt === 'u8' ? 109 : -19), scal('ys', 'f32', 1 / 4), scal('yz', dt, dt === 'u8' ? 65 : 61)],
      };
      const g = await bothRuns(gap);
      expectQuant(g.got, g.want, 0, 0, `QLinearGlobalAveragePool ${dt}`);
      const mul: OneNode = {
        op: 'QLinearMul', outDtype: dt,
        operands: [input('a', randQ(r, dt, [40, 50])), scal('as', 'f32', 1), scal('az', dt, 3), input('b', randQ(r, dt, [40, 50])), scal('bs', 'f32', 1), scal('bz', dt, 1),
          scal('cs', 'f32', 1 / below(1 / 128)), scal('cz', dt, dt === 'u8' ? 101 : -27)],
      };
      const m = await bothRuns(mul);
      expectQuant(m.got, m.want, 0, 0, `QLinearMul ${dt}`);
      // Small centred operands keep acc * 3/8 inside the output range.
      const az = dt === 'u8' ? 128 : 0;
      const small = (n: number, c: number): number[] => Array.from({ length: n }, () => c - 8 + Math.floor(r() * 17));
      const gemm: OneNode = {
        op: 'QGemm', outDtype: dt,
        operands: [input('a', tensorFrom(dt, [30, 4], small(120, az))), scal('as', 'f32', 1), scal('az', dt, az), input('b', tensorFrom('i8', [4, 40], small(160, 0))), scal('bs', 'f32', below(3 / 8)), scal('bz', 'i8', 0), null,
          scal('ys', 'f32', 1), scal('yz', dt, dt === 'u8' ? 127 : -61)],
      };
      const q = await bothRuns(gemm);
      expectQuant(q.got, q.want, 0, 0, `QGemm ${dt}`);
    }
  });

  it('QLinearSoftmax with an int8 output past 127 saturates', async () => {
    // y_zero_point 100 with y_scale 1/256: a certain class gives 256 + 100.
    const x = tensorFrom('i8', [2, 4], [127, -128, -128, -128, 10, 11, 12, 13]);
    const c: OneNode = { op: 'QLinearSoftmax', outDtype: 'i8', attrs: { opset: 13 }, operands: [input('x', x), scal('xs', 'f32', 0.5), scal('xz', 'i8', 0), scal('ys', 'f32', 1 / 256), scal('yz', 'i8', 100)] };
    const { got, want } = await bothRuns(c);
    expectQuant(got, want, 0, 0);
    expect(Array.from(want.data as Int8Array).slice(0, 1)).toEqual([127]);
  });
});

describe('com.microsoft QOperator ops compiled (WASM, WebGPU) vs onnxruntime', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'tenth-ms-quant-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  let device: Promise<WebGpuDevice> | undefined;
  const gpu = (): Promise<WebGpuDevice> => (device ??= nodeDevice(NODE_DAWN_FLAGS));

  for (const [op, { build, dtypes }] of Object.entries(CASES)) {
    it(`${op}: one case per dtype on wasm and webgpu`, async () => {
      for (const [k, dt] of dtypes.entries()) {
        const q = build(rng(100 + k), dt);
        const bytes = oneNodeModel(q.c);
        const feeds = feedsOf(q.c);
        const names = q.c.operands.filter((o): o is Operand => o !== null && !o.init).map((o) => o.name);
        const [want] = await ortRun(bytes, names, feeds);
        const [w] = await wasmRun(`${op}-${dt}`, bytes, feeds, join(tmp, `${op}-${dt}`));
        check(q, w!, want!, `${op} ${dt} wasm`);
        const [g] = await webgpuRun(`${op}-${dt}`, bytes, feeds, await gpu());
        check(q, g!, want!, `${op} ${dt} webgpu`);
      }
    });
  }
});

describe('com.microsoft QOperator refusals name the node', () => {
  const refuse = (c: OneNode, code: string, text: RegExp): void => {
    let err: unknown;
    try { importOnnxBytes(oneNodeModel({ ...c, nodeName: 'bad_node' }), { file: 'm.onnx', baseDir: '.' }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(TenthError);
    const d = (err as TenthError).diagnostics[0]!;
    expect(d.code).toBe(code);
    expect(`${d.message} ${JSON.stringify(d.loc)}`).toContain('bad_node');
    expect(d.message).toMatch(text);
  };
  const r = rng(3);
  const add = (extra: Partial<OneNode> = {}, sa: Operand = scal('as', 'f32', 0.1)): OneNode => ({
    op: 'QLinearAdd', outDtype: 'u8', ...extra,
    operands: [input('a', randQ(r, 'u8', [2, 3])), sa, scal('az', 'u8', 1), input('b', randQ(r, 'u8', [2, 3])), scal('bs', 'f32', 0.1), scal('bz', 'u8', 2), scal('cs', 'f32', 0.2), scal('cz', 'u8', 3)],
  });

  it('an unknown attribute', () => refuse(add({ attrs: { axis: 1 } }), 'E204', /attribute 'axis' is not supported/));
  it('a per-channel scale where onnxruntime takes one per tensor', () => refuse(add({}, { name: 'as', tensor: tensorFrom('f32', [3], [0.1, 0.2, 0.3]), init: true }), 'E204', /A_scale must be a scalar or a 1-element tensor/));
  it('too few inputs', () => refuse({ ...add(), operands: add().operands.slice(0, 5) }, 'E207', /takes 7 to 8 inputs, got 5/));
  it('mixed uint8 / int8 operands', () => refuse({ ...add(), operands: [input('a', randQ(r, 'u8', [2])), scal('as', 'f32', 0.1), null, input('b', randQ(r, 'i8', [2])), scal('bs', 'f32', 0.1), null, scal('cs', 'f32', 0.1)] }, 'E204', /B must be u8, got i8/));
  it('QLinearSoftmax without its opset attribute, or with a non-constant x_scale', () => {
    const x = input('x', randQ(r, 'u8', [2, 5]));
    refuse({ op: 'QLinearSoftmax', outDtype: 'u8', operands: [x, scal('xs', 'f32', 0.1), scal('xz', 'u8', 0), scal('ys', 'f32', 1 / 256), scal('yz', 'u8', 0)] }, 'E204', /needs the int attribute 'opset'/);
    refuse({ op: 'QLinearSoftmax', outDtype: 'u8', attrs: { opset: 13 }, operands: [x, input('xs', tensorFrom('f32', [], [0.1])), scal('xz', 'u8', 0), scal('ys', 'f32', 1 / 256), scal('yz', 'u8', 0)] }, 'E204', /needs a constant x_scale/);
  });
  it('QLinearAveragePool with ceil_mode and count_include_pad together', () => refuse({
    op: 'QLinearAveragePool', outDtype: 'u8', attrs: { kernel_shape: [2, 2], ceil_mode: 1, count_include_pad: 1 },
    operands: [input('x', randQ(r, 'u8', [1, 2, 5, 5])), scal('xs', 'f32', 0.1), scal('xz', 'u8', 0), scal('ys', 'f32', 0.1), scal('yz', 'u8', 0)],
  }, 'E204', /ceil_mode = 1 with count_include_pad = 1/));
  it('QGemm with y_scale but no y_zero_point', () => refuse({
    op: 'QGemm', outDtype: 'u8',
    operands: [input('a', randQ(r, 'u8', [2, 3])), scal('as', 'f32', 0.1), scal('az', 'u8', 0), input('b', randQ(r, 'i8', [3, 4])), scal('bs', 'f32', 0.1), scal('bz', 'i8', 0), null, scal('ys', 'f32', 0.1)],
  }, 'E204', /y_scale and y_zero_point must be given together/));
  it('QLinearConcat with a broken (tensor, scale, zero point) triple', () => refuse({
    op: 'QLinearConcat', outDtype: 'u8', attrs: { axis: 0 }, operands: [scal('ys', 'f32', 0.1), scal('yz', 'u8', 0), input('x', randQ(r, 'u8', [2])), scal('xs', 'f32', 0.1)],
  }, 'E207', /triples, got 4 inputs/));
  it('MatMulIntegerToFloat with a b_scale that is neither per tensor nor per column', () => refuse({
    op: 'MatMulIntegerToFloat', outDtype: 'f32',
    operands: [input('a', randQ(r, 'u8', [2, 3])), input('b', randQ(r, 'i8', [3, 4])), scal('as', 'f32', 0.1), { name: 'bs', tensor: tensorFrom('f32', [3], [1, 2, 3]), init: true }],
  }, 'E204', /b_scale must be a scalar, a 1-element tensor or 1-D with one value per output column \(4\)/));
});
