// Index inputs beyond gather/scatter (index-refuse.test.ts) that the interpreter refuses when out
// of range, refused at run time by the webgpu kernels too, naming the op and the valid range
// (0 to n-1: these indices do not wrap): rotary_embedding position_ids, roi_align batch_indices,
// max_unpool indices (i64 values past 2^32 included: not read by their low word), and the
// targets of negative_log_likelihood_loss / softmax_cross_entropy_loss (ignore_index exempt).
// Valid runs match the interpreter; the same instance runs correctly after a refused run.
// Also: a training batch_normalization over an empty batch still writes its running statistics.

import { describe, expect, it } from 'vitest';
import { tensorFrom, type Tensor } from '../../../ir/tensor.js';
import type { CompiledWebGpu } from '../../../src/backends/webgpu/index.js';
import { refusal } from '../index-refuse-cases.js';
import { compileText, expectClose, fmtShape, interpText, rand, runCompiled, validateShaders } from './helpers.js';
import { checkedRunner } from './index-refuse-run.js';
import { irModule } from './kernel-check.js';
import { nagaErrors } from './naga-run.js';

const i64 = (shape: readonly number[], v: readonly (number | bigint)[]): Tensor => tensorFrom('i64', shape, v.map(BigInt));
const seen: CompiledWebGpu[] = [];

/**
 * Compile `text` (its op on line 3 with result %y), check the shaders with Tint, then: the valid
 * inputs match the interpreter; each bad input set is refused by the interpreter and by the
 * runtime with `op %y ...: index j ... size n (valid: 0 to n-1)`; a valid run afterwards matches.
 */
async function refuses(text: string, op: string, valid: Tensor[], wrongs: readonly (readonly [Tensor[], number | bigint, number])[], tol = 1e-5): Promise<void> {
  const run = await checkedRunner(text, op, true, seen);
  expectClose(await run(valid), interpText(text, valid), tol, tol);
  for (const [wrong, j, n] of wrongs) {
    expect(() => interpText(text, wrong)).toThrow(/E501/);
    await expect(run(wrong)).rejects.toThrow(refusal(op, j, n, 3, true));
  }
  expectClose(await run(valid), interpText(text, valid), tol, tol);
}

const BIG = 2n ** 32n + 1n;

describe('webgpu: more index inputs are refused at run time, naming the op (valid: 0 to n-1)', () => {
  it('rotary_embedding position_ids (4-D, 3-D; i64 and i32)', async () => {
    for (const [four, dt] of [[true, 'i64'], [false, 'i32']] as const) {
      const [B, S, H, D, P] = [2, 3, 2, 4, 5];
      const xd = four ? [B, H, S, D] : [B, S, H * D];
      const text = irModule(`%x: ${fmtShape(xd)}, %c: f32[${P},${D / 2}], %s: f32[${P},${D / 2}], %p: ${dt}[${B},${S}]`, [['y', fmtShape(xd)]],
        [`%y = rotary_embedding(%x, %c, %s, %p)${four ? '' : ` {num_heads = ${H}}`} : ${fmtShape(xd)}`]);
      const pos = (v: readonly (number | bigint)[]): Tensor => (dt === 'i64' ? i64([B, S], v) : tensorFrom('i32', [B, S], v.map(Number)));
      const base = [rand(xd, 1), rand([P, D / 2], 2), rand([P, D / 2], 3)];
      const ok = [0, 4, 2, 1, 3, 4];
      const wrongs: [Tensor[], number | bigint, number][] = [[[...base, pos([0, 1, 5, 2, 3, 4])], 5, P], [[...base, pos([0, 1, 2, -1, 3, 4])], -1, P]];
      if (dt === 'i64') wrongs.push([[...base, pos([0, 1, 2, 3, BIG, 4])], 2147483647, P]);
      await refuses(text, 'rotary_embedding', [...base, pos(ok)], dt === 'i64' ? wrongs.slice(0, 2) : wrongs);
      if (dt === 'i64') await refusesBig(text, 'rotary_embedding', wrongs[2]![0]);
    }
  }, 20_000);

  it('roi_align batch_indices', async () => {
    const [N, C, H, W, R] = [3, 2, 5, 4, 4];
    const text = irModule(`%x: f32[${N},${C},${H},${W}], %rois: f32[${R},4], %b: i64[${R}]`, [['y', `f32[${R},${C},2,3]`]],
      [`%y = roi_align(%x, %rois, %b) {mode = "avg", output_height = 2, output_width = 3, sampling_ratio = 2, spatial_scale = 1.0} : f32[${R},${C},2,3]`]);
    const rois = tensorFrom('f32', [R, 4], [0, 0, 3, 2, 1, 1, 3.5, 4, 0.5, 0, 2, 3, 1, 2, 3, 4]);
    const base = [rand([N, C, H, W], 4), rois];
    await refuses(text, 'roi_align', [...base, i64([R], [2, 0, 1, 2])], [[[...base, i64([R], [0, 3, 1, 2])], 3, N], [[...base, i64([R], [0, 1, -2, 2])], -2, N]]);
    await refusesBig(text, 'roi_align', [...base, i64([R], [0, 1, BIG, 2])]);
  }, 20_000);

  it('max_unpool indices (generic and pool-shaped search)', async () => {
    const text = irModule('%x: f32[1,2,2,2], %i: i64[1,2,2,2]', [['y', 'f32[1,2,4,4]']], ['%y = max_unpool(%x, %i) {kernel_shape = [2, 2], strides = [2, 2]} : f32[1,2,4,4]']);
    const x = rand([1, 2, 2, 2], 5);
    const ok = [0, 3, 9, 15, 16, 22, 25, 31];
    await refuses(text, 'max_unpool', [x, i64([1, 2, 2, 2], ok)], [[[x, i64([1, 2, 2, 2], [0, 3, 9, 15, 16, 22, 25, 32])], 32, 32], [[x, i64([1, 2, 2, 2], [-1, 3, 9, 15, 16, 22, 25, 31])], -1, 32]]);
    await refusesBig(text, 'max_unpool', [x, i64([1, 2, 2, 2], [0, 3, 9, 15, 16, 22, 25, 2n ** 32n + 31n])]);
    // Through a max_pool's Indices (the windowed search): valid runs still match.
    const pooled = irModule('%a: f32[1,1,4,6]', [['u', 'f32[1,1,4,6]']], ['%p, %i = max_pool(%a) {kernel_shape = [2, 2], strides = [2, 2]} : (f32[1,1,2,3], i64[1,1,2,3])', '%u = max_unpool(%p, %i) {kernel_shape = [2, 2], strides = [2, 2]} : f32[1,1,4,6]']);
    const a = [rand([1, 1, 4, 6], 6)];
    expectClose(await runCompiled(compileText(pooled), a), interpText(pooled, a), 0, 0);
  }, 20_000);

  it('negative_log_likelihood_loss / softmax_cross_entropy_loss targets (ignore_index exempt)', async () => {
    const [N, C, D] = [3, 4, 2];
    for (const [op, red, ignore] of [['negative_log_likelihood_loss', 'none', undefined], ['softmax_cross_entropy_loss', 'mean', -1], ['negative_log_likelihood_loss', 'sum', 7]] as const) {
      const yt = red === 'none' ? `f32[${N},${D}]` : 'f32[]';
      const text = irModule(`%x: f32[${N},${C},${D}], %t: i64[${N},${D}]`, [['y', yt]],
        [`%y = ${op}(%x, %t) {reduction = "${red}"${ignore !== undefined ? `, ignore_index = ${ignore}` : ''}} : ${yt}`]);
      const x = rand([N, C, D], 7);
      const ok = [0, 3, 2, 1, ignore ?? 1, 0];
      const wrongs: [Tensor[], number, number][] = [[[x, i64([N, D], [0, 3, 4, 1, 2, 0])], 4, C], [[x, i64([N, D], [0, 3, 2, -2, 2, 0])], -2, C]];
      await refuses(text, op, [x, i64([N, D], ok)], wrongs, 1e-5);
      await refusesBig(text, op, [x, i64([N, D], [0, 3, 2, BIG, 2, 0])]);
    }
  }, 30_000);
});

/**
 * An i64 index past 2^32 whose low word is in range: refused too, as every i64 input outside the
 * 32-bit range webgpu computes i64 in (not taken for its low word).
 */
async function refusesBig(text: string, op: string, wrong: Tensor[]): Promise<void> {
  expect(() => interpText(text, wrong)).toThrow(new RegExp(`E501.*${op}`, 's'));
  await expect(runCompiled(compileText(text), wrong)).rejects.toThrow(/^tenth runtime: input '\w+' element \d+ is \d+, outside the 32-bit range/);
}

describe('webgpu: training batch_normalization over an empty batch', () => {
  it('writes running mean and variance (NaN, as the interpreter) though Y is empty', async () => {
    for (const shape of [[0, 3], [0, 2, 5], [0, 1, 2, 3]]) {
      const C = shape[1]!, t = fmtShape(shape), p = `f32[${C}]`;
      const text = irModule(`%x: ${t}, %s: ${p}, %b: ${p}, %m: ${p}, %v: ${p}`, [['y', t], ['rm', p], ['rv', p]],
        [`%y, %rm, %rv = batch_normalization(%x, %s, %b, %m, %v) {momentum = 0.8, training_mode = 1} : (${t}, ${p}, ${p})`]);
      const inputs = [rand(shape, 1), rand([C], 2), rand([C], 3), rand([C], 4), rand([C], 5)];
      const c = compileText(text);
      seen.push(c);
      expect(await validateShaders(c)).toEqual([]);
      const want = interpText(text, inputs);
      expect(Number.isNaN((want[1]!.data as Float32Array)[0])).toBe(true);
      expectClose(await runCompiled(c, inputs), want, 0, 0);
    }
  }, 20_000);
});

describe('webgpu: arg_max / arg_min over a symbolic axis that is 0 at run time', () => {
  it('is refused by the runtime before the run, naming the op; nonzero runs match', async () => {
    for (const op of ['arg_max', 'arg_min']) {
      const text = irModule('%x: f32[2,"n",3]', [['y', 'i64[2,1,3]']], [`%y = ${op}(%x) {axis = 1} : i64[2,1,3]`]);
      const c = compileText(text);
      seen.push(c);
      for (const n of [1, 4]) {
        const x = rand([2, n, 3], n);
        expectClose(await runCompiled(c, [x]), interpText(text, [x]), 0, 0);
      }
      expect(() => interpText(text, [rand([2, 0, 3], 1)])).toThrow(/E501.*empty axis/s);
      await expect(runCompiled(c, [rand([2, 0, 3], 1)])).rejects.toThrow(
        new RegExp(`^tenth runtime: these inputs do not fit the model: ${op} %y at test\\.ir:3:5: cannot take the arg of an empty axis \\(axis 1, 'n', is 0\\) \\(from input 'x' dim 'n' = 0\\)$`));
    }
  }, 20_000);
});

describe('webgpu: top_k with k given as data', () => {
  it('a k larger than the axis is refused by the runtime before the run (dims check); k up to the axis matches', async () => {
    const text = irModule('%x: f32[2,"n"], %k: i64[1]', [['v', 'f32[2,"%k[0]"]'], ['i', 'i64[2,"%k[0]"]']], ['%v, %i = top_k(%x, %k) {axis = 1} : (f32[2,"%k[0]"], i64[2,"%k[0]"])']);
    const c = compileText(text);
    seen.push(c);
    const x = rand([2, 5], 3);
    for (const k of [1, 3, 5]) expectClose(await runCompiled(c, [x, i64([1], [k])]), interpText(text, [x, i64([1], [k])]), 0, 0);
    expect(() => interpText(text, [x, i64([1], [6])])).toThrow(/E501.*out of range/s);
    await expect(runCompiled(c, [x, i64([1], [6])])).rejects.toThrow(/^tenth runtime: these inputs do not fit the model: top_k %v at test\.ir:3:5: k \('%k\[0\]'\) is larger than axis 1 \('n'\) \(from the data of input 'k', input 'x' dim 'n' = 5\)$/);
  }, 20_000);
});

describe('naga', () => {
  it('accepts every shader compiled above', async () => {
    expect(seen.length).toBeGreaterThan(0);
    expect(await nagaErrors(seen.map((c, n) => ({ name: String(n), c })))).toEqual([]);
  }, 20_000);
});
