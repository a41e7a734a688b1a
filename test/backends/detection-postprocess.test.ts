// A detector's post-processing as exporters write it (SSD / YOLO heads exported with NMS inside
// the graph): NonMaxSuppression, the selected (batch, class, box) triples split by Gather, the
// boxes and scores gathered by them; and a threshold path: NonZero of a score mask, GatherND of
// the scores it keeps, TopK of at most 5 of them with K = min(count, 5) computed by Shape/Min
// arithmetic over the counted size. One compiled model per backend, run on several inputs with
// different box counts and results, each output compared with the IR interpreter exactly.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { interpret } from '../../ir/interp.js';
import type { Module } from '../../ir/ir.js';
import { tensorFrom, type Tensor } from '../../ir/tensor.js';
import { compileWasm } from '../../src/backends/wasm/index.js';
import { compileWebGpu } from '../../src/backends/webgpu/index.js';
import { fromRunTensor, toRunTensor } from '../../src/conformance/feeds.js';
import { importOnnxBytes } from '../../src/onnx/import.js';
import { buildModel } from '../../src/onnx/writer.js';
import { instantiateCompiled } from '../../src/runtime/index.js';
import { instantiateWebGpu } from '../../src/runtime/webgpu.js';
import { gpuDevice } from './webgpu/helpers.js';

const C = 3;
const i64 = (xs: readonly number[]): Tensor => tensorFrom('i64', [xs.length], xs.map(BigInt));
const MODEL = buildModel({
  opset: 13,
  inputs: [{ name: 'boxes', dtype: 'f32', shape: [1, 'n', 4] }, { name: 'scores', dtype: 'f32', shape: [1, C, 'n'] }],
  outputs: [
    { name: 'det_boxes', dtype: 'f32', shape: ['', 4] }, { name: 'det_scores', dtype: 'f32', shape: [''] },
    { name: 'det_classes', dtype: 'i64', shape: [''] }, { name: 'top_scores', dtype: 'f32', shape: [''] },
  ],
  initializers: [
    { name: 'max_out', tensor: i64([4]) }, { name: 'iou', tensor: tensorFrom('f32', [1], [0.5]) },
    { name: 'thr', tensor: tensorFrom('f32', [1], [0.3]) }, { name: 'zero', tensor: i64([0]) },
    { name: 'one', tensor: tensorFrom('i64', [], [1n]) }, { name: 'two', tensor: tensorFrom('i64', [], [2n]) },
    { name: 'five', tensor: i64([5]) }, { name: 'axis1', tensor: i64([1]) },
  ],
  nodes: [
    { opType: 'NonMaxSuppression', inputs: ['boxes', 'scores', 'max_out', 'iou', 'thr'], outputs: ['sel'] },
    { opType: 'Gather', inputs: ['sel', 'two'], outputs: ['box_idx'], attrs: { axis: 1 } },
    { opType: 'Gather', inputs: ['sel', 'one'], outputs: ['det_classes'], attrs: { axis: 1 } },
    { opType: 'Squeeze', inputs: ['boxes', 'zero'], outputs: ['boxes0'] },
    { opType: 'Gather', inputs: ['boxes0', 'box_idx'], outputs: ['det_boxes'], attrs: { axis: 0 } },
    { opType: 'Squeeze', inputs: ['scores', 'zero'], outputs: ['scores0'] },
    { opType: 'Unsqueeze', inputs: ['det_classes', 'axis1'], outputs: ['cls1'] },
    { opType: 'Unsqueeze', inputs: ['box_idx', 'axis1'], outputs: ['box1'] },
    { opType: 'Concat', inputs: ['cls1', 'box1'], outputs: ['pairs'], attrs: { axis: 1 } },
    { opType: 'GatherND', inputs: ['scores0', 'pairs'], outputs: ['det_scores'] },
    // Threshold path: every (class, box) above 0.3, then the best min(count, 5) of them.
    { opType: 'Greater', inputs: ['scores0', 'thr'], outputs: ['mask'] },
    { opType: 'NonZero', inputs: ['mask'], outputs: ['nz'] },
    { opType: 'Transpose', inputs: ['nz'], outputs: ['nzt'], attrs: { perm: [1, 0] } },
    { opType: 'GatherND', inputs: ['scores0', 'nzt'], outputs: ['kept'] },
    { opType: 'Shape', inputs: ['kept'], outputs: ['kept_n'] },
    { opType: 'Min', inputs: ['kept_n', 'five'], outputs: ['k'] },
    { opType: 'TopK', inputs: ['kept', 'k'], outputs: ['top_scores', 'top_idx'] },
  ],
});

const module = (): Module => importOnnxBytes(MODEL, { file: 'detect.onnx', baseDir: '.' });

/** n boxes on a small grid (overlaps likely), scores with ties and values around the thresholds. */
const inputs = fc.integer({ min: 1, max: 9 }).chain((n) => fc.tuple(
  fc.constant(n),
  fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 4 * n, maxLength: 4 * n }),
  fc.array(fc.integer({ min: 0, max: 10 }), { minLength: C * n, maxLength: C * n }),
)).map(([n, b, s]) => [
  tensorFrom('f32', [1, n, 4], b.map((v) => v / 2)),
  tensorFrom('f32', [1, C, n], s.map((v) => v / 10)),
] as Tensor[]);

function expectSame(got: readonly Tensor[], want: readonly Tensor[]): void {
  expect(got.map((t) => t.shape)).toEqual(want.map((t) => t.shape));
  got.forEach((g, k) => expect(Array.from(g.data as ArrayLike<unknown>)).toEqual(Array.from(want[k]!.data as ArrayLike<unknown>)));
}

describe('detection post-processing (NMS, NonZero, sizes from counts)', () => {
  it('wasm: one compiled model matches the interpreter for every box count and result count', async () => {
    const c = await compileWasm(module());
    expect(c.manifest.counted?.map((d) => d.symbol)).toEqual(['nms_count0', 'nonzero_count0']);
    const cm = await instantiateCompiled(c.manifest, c.wasm, c.weights);
    const m = module();
    await fc.assert(fc.asyncProperty(inputs, async ([boxes, scores]) => {
      const out = await cm.run({ boxes: toRunTensor(boxes!), scores: toRunTensor(scores!) });
      const got = c.manifest.outputs.map((o) => fromRunTensor(o.dtype as Tensor['dtype'], out[o.name]!));
      expectSame(got, interpret(m, [boxes!, scores!]));
    }), { numRuns: 30 });
  });

  it('webgpu: the same on Dawn + SwiftShader, concurrent runs included', async () => {
    const c = compileWebGpu(module());
    const gm = await instantiateWebGpu(c.manifest, c.shaders.map((s) => s.code), c.weights, await gpuDevice());
    const m = module();
    const cases = fc.sample(inputs, { numRuns: 8, seed: 7 });
    // Started together: each run's counts and inputs must stay its own.
    const outs = await Promise.all(cases.map(([boxes, scores]) => gm.run({ boxes: toRunTensor(boxes!), scores: toRunTensor(scores!) })));
    outs.forEach((out, i) => {
      const got = c.manifest.outputs.map((o) => fromRunTensor(o.dtype as Tensor['dtype'], out[o.name]!));
      expectSame(got, interpret(m, [cases[i]![0]!, cases[i]![1]!]));
    });
    await gm.dispose();
  }, 120_000);
});
