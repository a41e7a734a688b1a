import { describe, expect, it } from 'vitest';
import { runWebGpu, interpText, validateShaders, compileText } from './webgpu/helpers.js';
import { runWasm } from './wasm/helpers.js';
import { tensorFrom as t } from '../../ir/tensor.js';
const cases: [string, ReturnType<typeof t>[]][] = [
  [`module @m {\n  func @main(%x: f32[]) -> (%y: i64[0,?]) {\n    %y = nonzero(%x) : i64[0,?]\n    return %y\n  }\n}`, [t('f32', [], [2])]],
  [`module @m {\n  func @main(%x: f32[]) -> (%y: i64[0,?]) {\n    %y = nonzero(%x) : i64[0,?]\n    return %y\n  }\n}`, [t('f32', [], [0])]],
  [`module @m {\n  func @main(%x: f32[0,5], %c: bool[5]) -> (%y: f32[0,?]) {\n    %y = compress(%x, %c) {axis = 1} : f32[0,?]\n    return %y\n  }\n}`, [t('f32', [0, 5], []), t('bool', [5], [1, 0, 1, 1, 0])]],
  [`module @m {\n  func @main(%x: f32[3,0]) -> (%y: f32[?,0]) {\n    %y = unique(%x) {axis = 0} : f32[?,0]\n    return %y\n  }\n}`, [t('f32', [3, 0], [])]],
  [`module @m {\n  func @main(%b: f32[1,0,4], %s: f32[1,1,0]) -> (%r: i64[?,3]) {\n    %r = non_max_suppression(%b, %s) : i64[?,3]\n    return %r\n  }\n}`, [t('f32', [1, 0, 4], []), t('f32', [1, 1, 0], [])]],
];
// Counting ops whose results are statically empty still count (their count is not their size:
// NonZero of a 0-D x is [0, n] with n = 0 or 1, Unique of [3, 0] slices counts 1 slice), and the
// dims after them follow the count. Both backends against the interpreter.
describe('counting ops with statically empty results', () => {
  cases.forEach(([ir, inputs], i) => it(`${ir.split('\n')[2]!.trim().split(' ')[2]} #${i}`, async () => {
    const want = interpText(ir, inputs);
    expect(await validateShaders(compileText(ir))).toEqual([]);
    const g = await runWebGpu(ir, inputs);
    expect(g.map((x) => x.shape)).toEqual(want.map((x) => x.shape));
    const w = await runWasm(ir, inputs);
    expect(w.map((x) => x.shape)).toEqual(want.map((x) => x.shape));
    expect([...g, ...w].map((x) => Array.from(x.data as ArrayLike<unknown>))).toEqual([...want, ...want].map((x) => Array.from(x.data as ArrayLike<unknown>)));
  }));
});
