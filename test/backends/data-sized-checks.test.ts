import { describe, expect, it } from 'vitest';
import { runWasm } from './wasm/helpers.js';
import { runWebGpu } from './webgpu/helpers.js';
import { tensorFrom as t } from '../../ir/tensor.js';
const IR = (b: string, s: string) => `module @m {\n  func @main(%b: f32[${b}], %s: f32[${s}]) -> (%r: i64[?,3]) {\n    %m = const {value = dense<[5]> : i64[1]} : i64[1]\n    %r = non_max_suppression(%b, %s, %m) : i64[?,3]\n    return %r\n  }\n}`;
const C = (c: string) => `module @m {\n  func @main(%x: f32[n], %c: bool[k]) -> (%r: f32[?]) {\n    %r = compress(%x, %c) {axis = 0} : f32[?]\n    return %r\n  }\n}`;
// Shapes a data-sized op's kernel relies on: checked at compile time when static, at run time
// (before any kernel runs, naming the node) when symbolic, as the interpreter refuses them.
describe('data-sized ops refuse operands that disagree', () => {
  it('static nms', async () => { await expect(runWasm(IR('1,5,4', '1,1,3'), [t('f32', [1, 5, 4], new Array(20).fill(0)), t('f32', [1, 1, 3], [1, 1, 1])])).rejects.toThrow(/disagree/); });
  it('symbolic nms', async () => {
    const ins = [t('f32', [2, 3, 4], new Array(24).fill(0)), t('f32', [1, 1, 3], [1, 1, 1])];
    await expect(runWasm(IR('b,n,4', 'c,1,m'), ins)).rejects.toThrow(/do not fit/);
    await expect(runWebGpu(IR('b,n,4', 'c,1,m'), ins)).rejects.toThrow(/do not fit/);
  });
  it('compress longer', async () => {
    const ins = [t('f32', [2], [1, 2]), t('bool', [3], [1, 1, 1])];
    await expect(runWasm(C(''), ins)).rejects.toThrow(/longer than the axis/);
    await expect(runWebGpu(C(''), ins)).rejects.toThrow(/longer than the axis/);
    const ok = await runWasm(C(''), [t('f32', [3], [1, 2, 3]), t('bool', [2], [0, 1])]);
    expect(Array.from(ok[0]!.data as Float32Array)).toEqual([2]);
  });
});
describe('static disagreement is a compile error naming the node', () => {
  it('compress with a condition longer than its axis', async () => {
    await expect(runWasm(C('').replace('f32[n]', 'f32[2]').replace('bool[k]', 'bool[3]'), [t('f32', [2], [1, 2]), t('bool', [3], [1, 1, 1])])).rejects.toThrow(/condition has 3 entries, the axis has 2/);
  });
});

describe('webgpu --f16 keeps what a counting op reads in f32', () => {
  it('a product of tiny values feeding nonzero is not stored as f16 (1e-12 would round to 0 and change the count)', async () => {
    const { compileWebGpu } = await import('../../src/backends/webgpu/index.js');
    const { parseModule } = await import('../../ir/parser.js');
    const text = `module @m {\n  func @main(%a: f32[5,7], %b: f32[5,7]) -> (%y: i64[2,?], %z: f32[5,7]) {\n    %x = mul(%a, %a) : f32[5,7]\n    %w = add(%b, %b) : f32[5,7]\n    %z = relu(%w) : f32[5,7]\n    %y = nonzero(%x) : i64[2,?]\n    return %y, %z\n  }\n}`;
    const c = compileWebGpu(parseModule(text, { file: 'f16.ir' }), { passes: 'O0', f16: true });
    const buf = (name: string) => c.manifest.buffers.find((b) => b.name === name);
    expect(buf('x')?.arena).toBeUndefined();
    expect(buf('x')?.dtype).toBe('f32');
    // Other f32 intermediates still take the half arena.
    expect(buf('w')?.arena).toBe('half');
  });
});
