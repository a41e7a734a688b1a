// Workgroup counts over the per-dimension limit (65535): special kernels with one workgroup per
// row (softmax, layer norm, reductions, top_k, attention, rnn) are dispatched with x spilled into
// y by the runtime and recompute their linear workgroup index (wid.x + wid.y * nwg.x), returning
// past the last row. Rows of one element keep SwiftShader fast; every result is checked against
// the interpreter, so a row computed twice or skipped shows.

import { describe, expect, it } from 'vitest';
import { tensorFrom } from '../../../ir/tensor.js';
import { check, compileText, rand } from './helpers.js';

const R = 70001;
const fn1 = (ins: string, outs: string, lines: readonly string[], ret: string): string =>
  `module @m {\n  func @main(${ins}) -> (${outs}) {\n${lines.map((l) => `    ${l}`).join('\n')}\n    return ${ret}\n  }\n}`;

/** The kernel's x count exceeds 65535 and it allows the spill (else this test proves nothing). */
function expectSpill(text: string): void {
  const c = compileText(text);
  const k = c.manifest.kernels.find((kk) => kk.dispatch[0].dims.includes(R) && kk.dispatch[0].div === 1);
  expect(k, 'a kernel with one workgroup per row').toBeDefined();
  expect(k!.fold).toBe(true);
}

describe(`webgpu special kernels with ${R} workgroups (spilled from x into y)`, () => {
  it('reduce_max over rows of one element (the row kernels\' shared dispatch)', async () => {
    const x = rand([R, 1], 1);
    // rows.ts's kernels (softmax, layer norm, reductions) share rowShader/rowStart; each workgroup
    // runs 64 threads with barriers, seconds per dispatch on SwiftShader, so one of them.
    const text = fn1(`%x: f32[${R},1]`, `%m: f32[${R},1]`, [
      '%ax = const {value = dense<[1]> : i64[1]} : i64[1]',
      `%m = reduce_max(%x, %ax) {keepdims = 1} : f32[${R},1]`,
    ], '%m');
    expectSpill(text);
    await check(text, [x]);
  }, 60_000);

  it('top_k with one row per workgroup', async () => {
    const x = rand([R, 2], 2);
    const text = fn1(`%x: f32[${R},2]`, `%v: f32[${R},1], %i: i64[${R},1]`, [
      '%k = const {value = dense<1> : i64[1]} : i64[1]',
      `%v, %i = top_k(%x, %k) {axis = 1} : (f32[${R},1], i64[${R},1])`,
    ], '%v, %i');
    expectSpill(text);
    await check(text, [x]);
  }, 60_000);

  it('attention with batch x heads x queries over the limit', async () => {
    const q = rand([1, 1, R, 1], 3), kk = rand([1, 1, 2, 1], 4), v = rand([1, 1, 2, 1], 5);
    const text = fn1(`%q: f32[1,1,${R},1], %k: f32[1,1,2,1], %v: f32[1,1,2,1]`, `%y: f32[1,1,${R},1]`,
      [`%y = attention(%q, %k, %v) : f32[1,1,${R},1]`], '%y');
    const c = compileText(text);
    expect(c.manifest.kernels.some((k0) => k0.fold && k0.dispatch[0].dims.reduce<number>((a, d) => a * Number(d), 1) === R)).toBe(true);
    await check(text, [q, kk, v]);
  }, 60_000);

  it('rnn with a batch over the limit (one workgroup per batch row)', async () => {
    const x = rand([1, R, 1], 6);
    const w = tensorFrom('f32', [1, 1, 1], [0.5]), r = tensorFrom('f32', [1, 1, 1], [-0.25]);
    const text = fn1(`%x: f32[1,${R},1], %w: f32[1,1,1], %r: f32[1,1,1]`, `%y: f32[1,1,${R},1], %h: f32[1,${R},1]`,
      [`%y, %h = rnn(%x, %w, %r) {hidden_size = 1} : (f32[1,1,${R},1], f32[1,${R},1])`], '%y, %h');
    const c = compileText(text);
    expect(c.manifest.kernels.some((k0) => k0.fold && k0.dispatch[0].dims.reduce<number>((a, d) => a * Number(d), 1) === R)).toBe(true);
    await check(text, [x, w, r]);
  }, 60_000);
});
