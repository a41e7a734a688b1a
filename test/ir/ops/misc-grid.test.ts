// AffineGrid, GridSample, RoiAlign.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attr } from '../../../ir/attrs.js';
import { tensorFrom, toNumbers } from '../../../ir/tensor.js';
import { inferTypes, maxRelErr, prod, randomValues, runOp } from './nn-helpers.js';

const identity2d = (n: number): number[] => Array.from({ length: n }, () => [1, 0, 0, 0, 1, 0]).flat();

describe('affine_grid', () => {
  it('builds the base grid for an identity transform (hand-checked, both alignments)', () => {
    const theta = tensorFrom('f32', [1, 2, 3], identity2d(1));
    const size = tensorFrom('i64', [4], [1, 1, 2, 3]);
    const [g] = runOp('affine_grid', [theta, size], { align_corners: attr.int(1) });
    expect(g!.shape).toEqual([1, 2, 3, 2]);
    // (x, y) pairs: x over width 3 in {-1, 0, 1}, y over height 2 in {-1, 1}
    expect(toNumbers(g!)).toEqual([-1, -1, 0, -1, 1, -1, -1, 1, 0, 1, 1, 1]);
    const [h] = runOp('affine_grid', [theta, tensorFrom('i64', [4], [1, 1, 1, 2])]);
    expect(toNumbers(h!)).toEqual([-0.5, 0, 0.5, 0]);
  });

  it('infers its shape from a constant size operand', () => {
    // Without a constant the rank still follows from the size operand's length; a size read from
    // input data gives data symbols (ir/shape-value.ts).
    const [t] = inferTypes('affine_grid', [{ dtype: 'f32', shape: ['n', 3, 4] }, { dtype: 'i64', shape: [5] }]);
    expect(t!.shape).toEqual(['n', '%a1[2]', '%a1[3]', '%a1[4]', 3]);
  });
});

describe('grid_sample', () => {
  it('reproduces the input when sampled at the identity grid, for every mode and padding', () => {
    fc.assert(fc.property(fc.record({
      H: fc.integer({ min: 1, max: 5 }), W: fc.integer({ min: 1, max: 5 }), C: fc.integer({ min: 1, max: 2 }), seed: fc.integer(),
      mode: fc.constantFrom('linear', 'nearest', 'cubic'), pad: fc.constantFrom('zeros', 'border', 'reflection'), align: fc.boolean(),
    }), (p) => {
      const xs = [1, p.C, p.H, p.W];
      const xv = randomValues(prod(xs), p.seed);
      const ac = attr.int(p.align ? 1 : 0);
      const [grid] = runOp('affine_grid', [tensorFrom('f32', [1, 2, 3], identity2d(1)), tensorFrom('i64', [4], xs)], { align_corners: ac });
      const [y] = runOp('grid_sample', [tensorFrom('f32', xs, xv), grid!], { mode: attr.string(p.mode), padding_mode: attr.string(p.pad), align_corners: ac });
      expect(y!.shape).toEqual(xs);
      // Cubic taps outside the image read padding; at exact pixel centres their weight is 0.
      expect(maxRelErr(y!, xv)).toBeLessThan(1e-5);
    }), { numRuns: 80 });
  });

  it('interpolates bilinearly and pads (hand-checked)', () => {
    const x = tensorFrom('f32', [1, 1, 2, 2], [0, 1, 2, 3]);
    // Centre of the image, and a point beyond the right edge.
    const grid = tensorFrom('f32', [1, 1, 2, 2], [0, 0, 2, 0]);
    const [z] = runOp('grid_sample', [x, grid], { align_corners: attr.int(1) });
    // (2, 0) maps to pixel (x 1.5, y 0.5): half of the taps fall outside and read zero.
    expect(toNumbers(z!)).toEqual([1.5, 1]);
    const [b] = runOp('grid_sample', [x, grid], { align_corners: attr.int(1), padding_mode: attr.string('border') });
    expect(toNumbers(b!)).toEqual([1.5, 2]);
  });

  it('samples 3-D volumes', () => {
    const x = tensorFrom('f32', [1, 1, 2, 2, 2], [0, 1, 2, 3, 4, 5, 6, 7]);
    const grid = tensorFrom('f32', [1, 1, 1, 1, 3], [0, 0, 0]);
    const [y] = runOp('grid_sample', [x, grid], { align_corners: attr.int(1) });
    expect(y!.shape).toEqual([1, 1, 1, 1, 1]);
    expect(toNumbers(y!)).toEqual([3.5]);
  });
});

describe('roi_align', () => {
  it('averages a constant image to the constant and a ramp to its bin centres', () => {
    const H = 4, W = 4;
    const ramp = Array.from({ length: H * W }, (_, i) => i % W); // value = x coordinate
    const x = tensorFrom('f32', [1, 1, H, W], ramp);
    const rois = tensorFrom('f32', [1, 4], [0, 0, 4, 4]);
    const idx = tensorFrom('i64', [1], [0]);
    const [y] = runOp('roi_align', [x, rois, idx], { output_height: attr.int(1), output_width: attr.int(2), sampling_ratio: attr.int(2) });
    // half_pixel: roi spans x in [-0.5, 3.5]; bins [-0.5,1.5] and [1.5,3.5] sampled at 0, 1 and 2, 3 (0 is clamped).
    expect(toNumbers(y!)).toEqual([0.5, 2.5]);
    const [m] = runOp('roi_align', [x, rois, idx], { output_height: attr.int(1), output_width: attr.int(2), sampling_ratio: attr.int(2), mode: attr.string('max') });
    // Max mode takes the largest *weighted* tap (w * v) per sample, as ONNX's reference and ORT do:
    // samples sit halfway between two rows, so each tap weighs 0.5.
    expect(toNumbers(m!)).toEqual([0.5, 1.5]);
  });
});
