// The cost report of a model with counted sizes (NonZero, ...): a count the user does not bind is
// at its bound, as the runtime places the arena, so the figures are the most the model can cost at
// that binding; --bind sets a typical count instead.

import { describe, expect, it } from 'vitest';
import { parseModule } from '../../ir/parser.js';
import { compileWasm } from '../../src/backends/wasm/index.js';
import { compileWebGpu } from '../../src/backends/webgpu/index.js';

const IR = `module @m {
  func @main(%x: f32[n,4]) -> (%y: i64[?,2]) {
    %nz = nonzero(%x) : i64[2,?]
    %y = transpose(%nz) {perm = [1, 0]} : i64[?,2]
    return %y
  }
}`;

describe('cost report with counted sizes', () => {
  it('a count defaults to its bound (numel of x) on both backends, and --bind overrides it', async () => {
    const w = (await compileWasm(parseModule(IR), { passes: 'O2', bind: { n: 5 } })).report;
    const g = compileWebGpu(parseModule(IR), { passes: 'O2', bind: { n: 5 } }).cost;
    for (const r of [w, g]) expect(r.bind).toEqual({ n: 5, nonzero_count0: 20 });
    const at3 = (await compileWasm(parseModule(IR), { passes: 'O2', bind: { n: 5, nonzero_count0: 3 } })).report;
    expect(at3.bind).toEqual({ n: 5, nonzero_count0: 3 });
    // The transpose moves 2 x count i64 values each way: its bytes follow the count.
    const bytes = (r: typeof w): number => r.kernels.find((k) => k.name.includes('transpose'))!.bytes;
    expect(bytes(w)).toBe(2 * 20 * 8 * 2);
    expect(bytes(at3)).toBe(2 * 3 * 8 * 2);
  });
});

describe('--bind of counted sizes and checked dims', () => {
  it('a count above its bound is refused (E108); a checked count or input dim stays bindable', async () => {
    await expect(compileWasm(parseModule(IR), { passes: 'O2', bind: { n: 5, nonzero_count0: 21 } })).rejects.toThrow(/E108.*nonzero_count0 = 21 is more than its bound 20/);
    const argmax = `module @m {
  func @main(%x: f32[n]) -> (%a: i64[2,1]) {
    %nz = nonzero(%x) : i64[1,?]
    %f = cast(%nz) {to = f32} : f32[1,?]
    %a = arg_max(%x) {axis = 0, keepdims = 1} : i64[1]
    %b = arg_max(%f) {axis = 1, keepdims = 1} : i64[1,1]
    %c = reshape(%a, %s) : i64[1,1]
    %s = const {value = dense<[1, 1]> : i64[2]} : i64[2]
    %d = concat(%c, %b) {axis = 0} : i64[2,1]
    return %d
  }
}`.replace('    %c = reshape(%a, %s) : i64[1,1]\n    %s = const {value = dense<[1, 1]> : i64[2]} : i64[2]\n', '    %s = const {value = dense<[1, 1]> : i64[2]} : i64[2]\n    %c = reshape(%a, %s) : i64[1,1]\n').replace('-> (%a: i64[2,1])', '-> (%d: i64[2,1])');
    const r = (await compileWasm(parseModule(argmax), { passes: 'O0', bind: { n: 4, nonzero_count0: 2 } })).report;
    expect(r.bind).toEqual({ n: 4, nonzero_count0: 2 });
  });
});
