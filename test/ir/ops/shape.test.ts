// Shape family: hand-computed cases per op (values worked out by hand or taken from the ONNX
// operator documentation examples), errors, and symbolic shape rules.

import { describe, expect, it } from 'vitest';
import { Builder } from '../../../ir/builder.js';
import { Func, Module, Region, Value } from '../../../ir/ir.js';
import { interpret } from '../../../ir/interp.js';
import { type Tensor, tensorFrom } from '../../../ir/tensor.js';
import { verify } from '../../../ir/verify.js';
import { attr, f32, i32, i64, inferTypes, iota, k, nums, one, run } from './shape-helpers.js';

describe('view-like ops', () => {
  it('reshape: 0 copies, -1 is inferred, allowzero keeps 0; data is shared', () => {
    const x = iota([2, 3, 4]);
    const y = one('reshape', [x, k(i64([3], [0, -1, 2]))]);
    expect(y.shape).toEqual([2, 6, 2]);
    expect(y.data).toBe(x.data);
    expect(one('reshape', [f32([0, 3], []), k(i64([2], [3, 0]))], { allowzero: attr.int(1) }).shape).toEqual([3, 0]);
    expect(() => one('reshape', [x, i64([2], [5, 5])])).toThrow(/cannot reshape/);
  });
  it('reshape shape rule keeps symbols and cancels them for -1', () => {
    const [t] = inferTypes('reshape', [{ dtype: 'f32', shape: ['b', 's', 128] }, k(i64([4], [0, 0, 4, -1]))]);
    expect(t!.shape).toEqual(['b', 's', 4, 32]);
    const [u] = inferTypes('reshape', [{ dtype: 'f32', shape: ['b', 's', 4, 32] }, k(i64([2], [-1, 128]))]);
    expect(u!.shape).toEqual(['b*s', 128]);
    const [v] = inferTypes('reshape', [{ dtype: 'f32', shape: ['b', 4, 32] }, k(i64([2], [-1, 128]))]);
    expect(v!.shape).toEqual(['b', 128]);
    const [w] = inferTypes('reshape', [{ dtype: 'f32', shape: [2, 3] }, { dtype: 'i64', shape: [3] }]);
    // A shape read from input data: each dim is an expression over that data (ir/shape-value.ts).
    expect(w!.shape!.every((d) => typeof d === 'string' && d.includes('%'))).toBe(true);
  });
  it('reshape traces Shape -> Gather -> Unsqueeze -> Concat shape computations', () => {
    const m = new Module('t');
    const x = new Value('x', { dtype: 'f32', shape: ['b', 's', 128] });
    const body = new Region([x]);
    const b = new Builder(body, m);
    const c = (t: Tensor): Value => b.op1('const', [], { attrs: { value: attr.tensor(t) } });
    const s = b.op1('shape', [x]);
    const dims = [0, 1].map((i) => b.op1('unsqueeze', [b.op1('gather', [s, c(i64([], [i]))]), c(i64([1], [0]))]));
    const target = b.op1('concat', [...dims, c(i64([2], [4, 32]))], { attrs: { axis: attr.int(0) } });
    const r = b.op1('reshape', [x, target]);
    expect(r.type.shape).toEqual(['b', 's', 4, 32]);
    const e = b.op1('expand', [c(f32([1], [0])), b.op1('shape', [x], { attrs: { end: attr.int(2) } })]);
    expect(e.type.shape).toEqual(['b', 's']);
    const pos = b.op1('range', [c(i64([], [0])), b.op1('gather', [s, c(i64([], [1]))]), c(i64([], [1]))]);
    expect(pos.type.shape).toEqual(['s']);
    const img = new Value('img', { dtype: 'f32', shape: ['n', 3, 8, 8] });
    body.args.push(img);
    const sizes = b.op1('concat', [b.op1('shape', [img], { attrs: { end: attr.int(2) } }), c(i64([2], [16, 4]))], { attrs: { axis: attr.int(0) } });
    const rz = b.op1('resize', [img, null, null, sizes]);
    expect(rz.type.shape).toEqual(['n', 3, 16, 4]);
    b.op('return', [r, e, pos, rz], { results: 0 });
    m.funcs.push(new Func('main', body, ['r', 'e', 'pos', 'rz']));
    expect(verify(m)).toEqual([]);
    const [y, , p, z] = interpret(m, [iota([2, 3, 128]), iota([1, 3, 8, 8])]);
    expect(y!.shape).toEqual([2, 3, 4, 32]);
    expect(nums(p!)).toEqual([0, 1, 2]);
    expect(z!.shape).toEqual([1, 3, 16, 4]);
  });
  it('flatten at positive, zero and negative axes', () => {
    const x = iota([2, 3, 4, 5]);
    expect(one('flatten', [x], { axis: attr.int(0) }).shape).toEqual([1, 120]);
    expect(one('flatten', [x], { axis: attr.int(2) }).shape).toEqual([6, 20]);
    expect(one('flatten', [x], { axis: attr.int(-1) }).shape).toEqual([24, 5]);
    expect(one('flatten', [x], { axis: attr.int(4) }).shape).toEqual([120, 1]);
    expect(inferTypes('flatten', [{ dtype: 'f32', shape: ['n', 3, 4] }])[0]!.shape).toEqual(['n', 12]);
  });
  it('squeeze and unsqueeze', () => {
    const x = iota([1, 3, 1, 2]);
    expect(one('squeeze', [x, k(i64([1], [-2]))]).shape).toEqual([1, 3, 2]);
    expect(one('squeeze', [x, null]).shape).toEqual([3, 2]);
    expect(() => one('squeeze', [x, i64([1], [1])])).toThrow(/cannot squeeze axis 1/);
    expect(one('unsqueeze', [iota([3, 4, 5]), k(i64([2], [4, 0]))]).shape).toEqual([1, 3, 4, 5, 1]);
    expect(one('unsqueeze', [iota([3]), k(i64([2], [-1, 1]))]).shape).toEqual([3, 1, 1]);
    expect(inferTypes('unsqueeze', [{ dtype: 'f32', shape: ['b', 's'] }, k(i64([1], [1]))])[0]!.shape).toEqual(['b', 1, 's']);
  });
  it('shape with start/end, size, identity', () => {
    const x = iota([2, 3, 4]);
    expect(nums(one('shape', [x]))).toEqual([2, 3, 4]);
    expect(nums(one('shape', [x], { start: attr.int(1), end: attr.int(-1) }))).toEqual([3]);
    expect(nums(one('shape', [x], { start: attr.int(-10), end: attr.int(10) }))).toEqual([2, 3, 4]);
    expect(one('shape', [x], { start: attr.int(2), end: attr.int(1) }).shape).toEqual([0]);
    const s = one('size', [x]);
    expect(s.dtype).toBe('i64');
    expect(nums(s)).toEqual([24]);
    expect(nums(one('identity', [i64([2], [7, -7])]))).toEqual([7, -7]);
  });
  it('dropout in inference: identity and an all-true mask; training mode is refused unless ratio is 0', () => {
    const { out } = run('dropout', [f32([3], [1, 2, 3]), k(f32([], [0.5]))], {}, 2);
    expect(nums(out[0]!)).toEqual([1, 2, 3]);
    expect(out[1]!.dtype).toBe('bool');
    expect(nums(out[1]!)).toEqual([1, 1, 1]);
    expect(() => run('dropout', [f32([1], [1]), null, k(tensorFrom('bool', [], [1]))])).toThrow(/training_mode/);
    expect(() => run('dropout', [f32([1], [1]), null, tensorFrom('bool', [], [1])])).toThrow(/training_mode/);
    expect(nums(one('dropout', [f32([2], [4, 5]), f32([], [0]), tensorFrom('bool', [], [1])]))).toEqual([4, 5]);
  });
});

describe('layout ops', () => {
  it('transpose with perm and by default reversed', () => {
    const x = iota([2, 3]);
    expect(nums(one('transpose', [x]))).toEqual([0, 3, 1, 4, 2, 5]);
    const y = one('transpose', [iota([2, 3, 4])], { perm: attr.ints([1, 2, 0]) });
    expect(y.shape).toEqual([3, 4, 2]);
    expect(nums(y).slice(0, 6)).toEqual([0, 12, 1, 13, 2, 14]);
    expect(inferTypes('transpose', [{ dtype: 'f32', shape: ['b', 's', 4] }], { perm: attr.ints([2, 0, 1]) })[0]!.shape).toEqual([4, 'b', 's']);
    expect(() => one('transpose', [x], { perm: attr.ints([0, 0]) })).toThrow(/not a permutation/);
  });
  it('transpose moves bigint and string data', () => {
    expect(nums(one('transpose', [i64([2, 2], [1, 2, 3, 4])]))).toEqual([1, 3, 2, 4]);
    expect(one('transpose', [tensorFrom('string', [2, 2], ['a', 'b', 'c', 'd'])]).data).toEqual(['a', 'c', 'b', 'd']);
  });
  it('concat along an axis; symbolic dims', () => {
    const y = one('concat', [f32([2, 1], [1, 2]), f32([2, 2], [3, 4, 5, 6])], { axis: attr.int(-1) });
    expect(y.shape).toEqual([2, 3]);
    expect(nums(y)).toEqual([1, 3, 4, 2, 5, 6]);
    const [t] = inferTypes('concat', [{ dtype: 'f32', shape: ['b', 's'] }, { dtype: 'f32', shape: ['b', 3] }], { axis: attr.int(1) });
    expect(t!.shape).toEqual(['b', 's+3']);
    expect(() => one('concat', [f32([1, 2], [1, 2]), f32([2, 1], [1, 2])], { axis: attr.int(0) })).toThrow();
  });
  it('split: sizes, equal parts, uneven num_outputs', () => {
    const x = f32([6], [1, 2, 3, 4, 5, 6]);
    expect(run('split', [x, k(i64([2], [2, 4]))], {}, 2).out.map(nums)).toEqual([[1, 2], [3, 4, 5, 6]]);
    expect(run('split', [x, null], {}, 3).out.map(nums)).toEqual([[1, 2], [3, 4], [5, 6]]);
    const y = run('split', [f32([7], [1, 2, 3, 4, 5, 6, 7]), null], { num_outputs: attr.int(4) }, 4);
    expect(y.out.map(nums)).toEqual([[1, 2], [3, 4], [5, 6], [7]]);
    expect(y.types.map((t) => t.shape)).toEqual([[2], [2], [2], [1]]);
    const z = run('split', [iota([2, 4]), k(i64([2], [1, 3]))], { axis: attr.int(1) }, 2);
    expect(z.out.map(nums)).toEqual([[0, 4], [1, 2, 3, 5, 6, 7]]);
  });
  it('expand broadcasts both ways (ONNX example)', () => {
    const y = one('expand', [f32([3, 1], [1, 2, 3]), k(i64([3], [2, 1, 6]))]);
    expect(y.shape).toEqual([2, 3, 6]);
    expect(nums(y).slice(0, 7)).toEqual([1, 1, 1, 1, 1, 1, 2]);
    expect(inferTypes('expand', [{ dtype: 'f32', shape: ['b', 1] }, k(i64([2], [1, 4]))])[0]!.shape).toEqual(['b', 4]);
  });
  it('tile', () => {
    expect(nums(one('tile', [f32([2], [1, 2]), k(i64([1], [3]))]))).toEqual([1, 2, 1, 2, 1, 2]);
    const y = one('tile', [f32([2, 2], [1, 2, 3, 4]), k(i64([2], [2, 1]))]);
    expect(nums(y)).toEqual([1, 2, 3, 4, 1, 2, 3, 4]);
  });
  it('depth_to_space DCR/CRD and space_to_depth (ONNX examples)', () => {
    const x = iota([1, 8, 2, 3]);
    const dcr = one('depth_to_space', [x], { blocksize: attr.int(2) });
    expect(dcr.shape).toEqual([1, 2, 4, 6]);
    expect(nums(dcr).slice(0, 12)).toEqual([0, 12, 1, 13, 2, 14, 24, 36, 25, 37, 26, 38]);
    const crd = one('depth_to_space', [x], { blocksize: attr.int(2), mode: attr.string('CRD') });
    expect(nums(crd).slice(0, 12)).toEqual([0, 6, 1, 7, 2, 8, 12, 18, 13, 19, 14, 20]);
    const back = one('space_to_depth', [dcr], { blocksize: attr.int(2) });
    expect(nums(back)).toEqual(nums(x));
  });
  it('constant_of_shape, range, eye_like, trilu', () => {
    const c = one('constant_of_shape', [k(i64([2], [2, 3]))], { value: attr.tensor(i32([1], [7])) });
    expect(c.dtype).toBe('i32');
    expect(nums(c)).toEqual([7, 7, 7, 7, 7, 7]);
    expect(one('constant_of_shape', [k(i64([0], []))]).shape).toEqual([]);
    expect(nums(one('range', [k(f32([], [3])), k(f32([], [9])), k(f32([], [3]))]))).toEqual([3, 6]);
    expect(nums(one('range', [i64([], [10]), i64([], [4]), i64([], [-3])]))).toEqual([10, 7]);
    expect(one('range', [k(i32([], [1])), k(i32([], [1])), k(i32([], [2]))]).shape).toEqual([0]);
    expect(nums(one('eye_like', [f32([2, 3], [9, 9, 9, 9, 9, 9])], { k: attr.int(1) }))).toEqual([0, 1, 0, 0, 0, 1]);
    expect(one('eye_like', [f32([2, 2], [0, 0, 0, 0])], { dtype: attr.dtype('i64') }).data).toEqual(new BigInt64Array([1n, 0n, 0n, 1n]));
    const x = iota([3, 3]);
    expect(nums(one('trilu', [x]))).toEqual([0, 1, 2, 0, 4, 5, 0, 0, 8]);
    expect(nums(one('trilu', [x, i64([], [-1])], { upper: attr.int(0) }))).toEqual([0, 0, 0, 3, 0, 0, 6, 7, 0]);
  });
});

describe('slice and pad', () => {
  it('slice with negative steps and int64 extremes (ONNX examples)', () => {
    const x = iota([3, 4]);
    const y = one('slice', [x, k(i64([2], [-1, 1000])), k(i64([2], [-4, -1000])), k(i64([2], [0, 1])), k(i64([2], [-1, -2]))]);
    expect(y.shape).toEqual([3, 2]);
    expect(nums(y)).toEqual([11, 9, 7, 5, 3, 1]);
    const big = tensorFrom('i64', [1], [9223372036854775807n]);
    const z = one('slice', [x, k(i64([1], [1])), k(big), k(i64([1], [1])), null]);
    expect(nums(z)).toEqual([1, 2, 3, 5, 6, 7, 9, 10, 11]);
    expect(inferTypes('slice', [{ dtype: 'f32', shape: ['b', 8] }, k(i64([1], [2])), k(i64([1], [5])), k(i64([1], [1])), null])[0]!.shape).toEqual(['b', 3]);
    expect(() => one('slice', [x, i64([1], [0]), i64([1], [1]), null, i64([1], [0])])).toThrow(/steps must not be 0/);
  });
  it('pad in all four modes (ONNX examples) and negative pads crop', () => {
    const x = f32([3, 2], [1, 1.2, 2.3, 3.4, 4.5, 5.7]);
    const pads = k(i64([4], [0, 2, 0, 0]));
    expect(nums(one('pad', [x, pads, f32([], [0])]))).toEqual([0, 0, 1, 1.2, 0, 0, 2.3, 3.4, 0, 0, 4.5, 5.7].map(Math.fround));
    expect(nums(one('pad', [x, pads], { mode: attr.string('reflect') }))).toEqual([1, 1.2, 1, 1.2, 2.3, 3.4, 2.3, 3.4, 4.5, 5.7, 4.5, 5.7].map(Math.fround));
    expect(nums(one('pad', [x, pads], { mode: attr.string('edge') }))).toEqual([1, 1, 1, 1.2, 2.3, 2.3, 2.3, 3.4, 4.5, 4.5, 4.5, 5.7].map(Math.fround));
    const w = one('pad', [f32([3], [1, 2, 3]), k(i64([2], [2, 4]))], { mode: attr.string('wrap') });
    expect(nums(w)).toEqual([2, 3, 1, 2, 3, 1, 2, 3, 1]);
    expect(nums(one('pad', [f32([4], [1, 2, 3, 4]), k(i64([2], [-1, 1])), f32([], [9])]))).toEqual([2, 3, 4, 9]);
    const ax = one('pad', [iota([2, 2]), k(i64([2], [1, 0])), null, k(i64([1], [-1]))]);
    expect(nums(ax)).toEqual([0, 0, 1, 0, 2, 3]);
  });
  it('center_crop_pad crops and zero-pads around the centre', () => {
    const y = one('center_crop_pad', [iota([5]), k(i64([1], [2]))]);
    expect(nums(y)).toEqual([1, 2]);
    expect(nums(one('center_crop_pad', [f32([2], [1, 2]), k(i64([1], [5]))]))).toEqual([0, 1, 2, 0, 0]);
  });
  it('reverse_sequence (ONNX example, batch_axis 0)', () => {
    const x = iota([4, 4]);
    const y = one('reverse_sequence', [x, i64([4], [1, 2, 3, 4])], { batch_axis: attr.int(0), time_axis: attr.int(1) });
    expect(nums(y)).toEqual([0, 1, 2, 3, 5, 4, 6, 7, 10, 9, 8, 11, 15, 14, 13, 12]);
  });
});

describe('gather and scatter', () => {
  it('gather with i32/i64 and negative indices; out of range is an error', () => {
    const x = f32([3, 2], [1, 1.2, 2.3, 3.4, 4.5, 5.7]);
    const y = one('gather', [x, i64([2, 2], [0, 1, 1, 2])]);
    expect(y.shape).toEqual([2, 2, 2]);
    expect(nums(y)).toEqual([1, 1.2, 2.3, 3.4, 2.3, 3.4, 4.5, 5.7].map(Math.fround));
    expect(nums(one('gather', [x, i32([1], [-1])], { axis: attr.int(0) }))).toEqual([4.5, 5.7].map(Math.fround));
    expect(nums(one('gather', [iota([2, 3]), i64([], [2])], { axis: attr.int(1) }))).toEqual([2, 5]);
    expect(() => one('gather', [x, i64([1], [3])])).toThrow(/index 3 is out of range/);
  });
  it('gather_elements and gather_nd (ONNX examples)', () => {
    expect(nums(one('gather_elements', [f32([2, 2], [1, 2, 3, 4]), i64([2, 2], [0, 0, 1, 0])], { axis: attr.int(1) }))).toEqual([1, 1, 4, 3]);
    expect(nums(one('gather_nd', [i32([2, 2], [0, 1, 2, 3]), i64([2, 2], [0, 0, 1, 1])]))).toEqual([0, 3]);
    expect(nums(one('gather_nd', [i32([2, 2], [0, 1, 2, 3]), i64([2, 1], [1, 0])]))).toEqual([2, 3, 0, 1]);
    const b = one('gather_nd', [i32([2, 2, 2], [0, 1, 2, 3, 4, 5, 6, 7]), i64([2, 1], [1, 0])], { batch_dims: attr.int(1) });
    expect(b.shape).toEqual([2, 2]);
    expect(nums(b)).toEqual([2, 3, 4, 5]);
  });
  it('scatter_elements with reductions and duplicate indices', () => {
    const data = f32([1, 5], [1, 2, 3, 4, 5]);
    const idx = i64([1, 2], [1, 1]);
    const upd = f32([1, 2], [1.1, 2.1]);
    expect(nums(one('scatter_elements', [data, idx, upd], { axis: attr.int(1), reduction: attr.string('add') }))).toEqual([1, 5.2, 3, 4, 5].map(Math.fround));
    expect(nums(one('scatter_elements', [data, idx, upd], { axis: attr.int(1), reduction: attr.string('max') }))).toEqual([1, 2.1, 3, 4, 5].map(Math.fround));
    expect(nums(one('scatter_elements', [data, i64([1, 2], [-1, 0]), upd], { axis: attr.int(1) }))).toEqual([2.1, 2, 3, 4, 1.1].map(Math.fround));
  });
  it('scatter_nd with mul; tensor_scatter linear and circular', () => {
    const y = one('scatter_nd', [f32([4], [1, 2, 3, 4]), i64([2, 1], [1, 1]), f32([2], [3, 5])], { reduction: attr.string('mul') });
    expect(nums(y)).toEqual([1, 30, 3, 4]);
    const past = iota([2, 4, 1]);
    const upd = f32([2, 2, 1], [-1, -2, -3, -4]);
    expect(nums(one('tensor_scatter', [past, upd, i64([2], [1, 2])], { axis: attr.int(1) }))).toEqual([0, -1, -2, 3, 4, 5, -3, -4]);
    expect(nums(one('tensor_scatter', [past, upd, i64([2], [3, 0])], { axis: attr.int(1), mode: attr.string('circular') }))).toEqual([-2, 1, 2, -1, -3, -4, 6, 7]);
    expect(() => one('tensor_scatter', [past, upd, i64([2], [3, 0])], { axis: attr.int(1) })).toThrow(/outside the cache/);
  });
  it('compress, nonzero, one_hot', () => {
    const x = f32([3, 2], [1, 2, 3, 4, 5, 6]);
    expect(nums(one('compress', [x, k(tensorFrom('bool', [3], [0, 1, 1]))], { axis: attr.int(0) }))).toEqual([3, 4, 5, 6]);
    expect(nums(one('compress', [x, tensorFrom('bool', [5], [0, 1, 0, 0, 1])]))).toEqual([2, 5]);
    const nz = one('nonzero', [tensorFrom('bool', [2, 2], [1, 0, 1, 1])]);
    expect(nz.shape).toEqual([2, 3]);
    expect(nums(nz)).toEqual([0, 1, 1, 0, 0, 1]);
    const oh = one('one_hot', [i64([3], [0, -1, 5]), k(f32([], [3])), f32([2], [0, 1])]);
    expect(oh.shape).toEqual([3, 3]);
    expect(nums(oh)).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 0]);
    const oh0 = one('one_hot', [i64([2], [1, 0]), k(i64([], [2])), i32([2], [-1, 7])], { axis: attr.int(0) });
    expect(nums(oh0)).toEqual([-1, 7, 7, -1]);
  });
  it('unique sorted, unsorted and along an axis (ONNX examples)', () => {
    const x = f32([6], [2, 1, 1, 3, 4, 3]);
    const s = run('unique', [x], {}, 4).out.map(nums);
    expect(s).toEqual([[1, 2, 3, 4], [1, 0, 3, 4], [1, 0, 0, 2, 3, 2], [2, 1, 2, 1]]);
    const u = run('unique', [x], { sorted: attr.int(0) }, 4).out.map(nums);
    expect(u).toEqual([[2, 1, 3, 4], [0, 1, 3, 4], [0, 1, 1, 2, 3, 2], [1, 2, 2, 1]]);
    const a = run('unique', [f32([3, 3], [1, 0, 0, 1, 0, 0, 2, 3, 4])], { axis: attr.int(0) }, 4);
    expect(a.out[0]!.shape).toEqual([2, 3]);
    expect(a.out.map(nums)).toEqual([[1, 0, 0, 2, 3, 4], [0, 2], [0, 0, 1], [2, 1]]);
  });
});

describe('resize', () => {
  const x = f32([1, 1, 2, 2], [1, 2, 3, 4]);
  it('linear, half_pixel, 2x (ONNX example)', () => {
    const y = one('resize', [x, null, k(f32([4], [1, 1, 2, 2])), null], { mode: attr.string('linear') });
    expect(nums(y)).toEqual([1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4]);
  });
  it('integer data truncates like the reference', () => {
    const y = one('resize', [tensorFrom('u8', [2], [0, 255]), null, k(f32([1], [2])), null], { mode: attr.string('linear') });
    expect(y.dtype).toBe('u8');
    expect(nums(y)).toEqual([0, 63, 191, 255]); // 0, 63.75, 191.25, 255
  });
  it('nearest modes pick the documented neighbour', () => {
    const r = (nearest: string, ctm: string): number[] => nums(one('resize', [f32([4], [10, 20, 30, 40]), null, null, k(i64([1], [6]))],
      { nearest_mode: attr.string(nearest), coordinate_transformation_mode: attr.string(ctm) }));
    // half_pixel: x = (o + 0.5) * 4/6 - 0.5 = -1/6, 1/2, 7/6, 11/6, 5/2, 19/6
    expect(r('round_prefer_floor', 'half_pixel')).toEqual([10, 10, 20, 30, 30, 40]);
    expect(r('round_prefer_ceil', 'half_pixel')).toEqual([10, 20, 20, 30, 40, 40]);
    expect(r('floor', 'half_pixel')).toEqual([10, 10, 20, 20, 30, 40]);
    expect(r('ceil', 'align_corners')).toEqual([10, 20, 30, 30, 40, 40]);
  });
  it('sizes with keep_aspect_ratio_policy, axes, and tf_crop_and_resize extrapolation', () => {
    const y = one('resize', [iota([1, 1, 4, 6]), null, null, k(i64([2], [2, 2]))], {
      axes: attr.ints([2, 3]), keep_aspect_ratio_policy: attr.string('not_larger'),
    });
    expect(y.shape).toEqual([1, 1, 1, 2]); // scale min(2/4, 2/6) = 1/3: round(4/3) = 1, round(6/3) = 2
    const roi = k(f32([2], [-1, 2]));
    const z = one('resize', [f32([2], [5, 7]), roi, null, k(i64([1], [4]))], {
      mode: attr.string('linear'), coordinate_transformation_mode: attr.string('tf_crop_and_resize'), extrapolation_value: attr.float(-9),
    });
    // x = -1 + o * 3 / 3 = -1, 0, 1, 2: outside [0, 1] at both ends
    expect(nums(z)).toEqual([-9, 5, 7, -9]);
  });
});

describe('shape rules without static information', () => {
  const U = { dtype: 'f32' as const, shape: null };
  const UI = { dtype: 'i64' as const, shape: null };
  it('unranked operands give unranked results or "?" dims of the known rank', () => {
    expect(inferTypes('flatten', [U])[0]!.shape).toEqual(['?', '?']);
    expect(inferTypes('depth_to_space', [U], { blocksize: attr.int(2) })[0]!.shape).toEqual(['?', '?', '?', '?']);
    expect(inferTypes('reshape', [U, k(i64([2], [2, -1]))])[0]!.shape).toEqual([2, '?']);
    expect(inferTypes('reshape', [U, { dtype: 'i64', shape: [3] }])[0]!.shape).toEqual(['?', '?', '?']);
    expect(inferTypes('gather', [U, UI])[0]!.shape).toBeNull();
    expect(inferTypes('shape', [U])[0]).toEqual({ dtype: 'i64', shape: ['?'] });
    expect(inferTypes('nonzero', [{ dtype: 'f32', shape: ['n', 3] }])[0]!.shape).toEqual([2, '?']);
    expect(inferTypes('unique', [U], { axis: attr.int(0) }, 4).map((t) => t.shape)).toEqual([null, ['?'], ['?'], ['?']]);
  });
  // Small integer inputs are read as data symbols (`%a1[0]`), so shapes stay computable at run time.
  it('non-constant shape operands give "?" only where the value matters', () => {
    const x = { dtype: 'f32' as const, shape: ['b', 8, 8] };
    expect(inferTypes('slice', [x, { dtype: 'i64', shape: [1] }, { dtype: 'i64', shape: [1] }, k(i64([1], [2])), null])[0]!.shape).toEqual(['b', 8, expect.stringContaining('wrap(')]);
    expect(inferTypes('expand', [{ dtype: 'f32', shape: [3, 1] }, { dtype: 'i64', shape: [3] }])[0]!.shape).toEqual(['%a1[0]', 3, '%a1[2]']);
    expect(inferTypes('constant_of_shape', [{ dtype: 'i64', shape: [2] }])[0]!.shape).toEqual(['%a0[0]', '%a0[1]']);
    expect(inferTypes('compress', [x, { dtype: 'bool', shape: [8] }], { axis: attr.int(1) })[0]!.shape).toEqual(['b', '?', 8]);
    expect(inferTypes('resize', [x, null, null, { dtype: 'i64', shape: [1] }], { axes: attr.ints([2]) })[0]!.shape).toEqual(['b', 8, '%a1[0]']);
    expect(inferTypes('split', [x, null], { axis: attr.int(0) }, 2).map((t) => t.shape)).toEqual([['?', 8, 8], ['?', 8, 8]]);
  });
});
