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
