// The integer contractions' FLOPs in the cost report (src/backends/int-flops.ts, shared by both
// backends): webgpu's report counted 0 for conv_integer / qlinear_conv. Reference: the count
// written out by hand, 2 * |Y| * (C / group) * prod(kernel) for a conv and 2 * |Y| * K for a matmul.

import { describe, expect, it } from 'vitest';
import { parseModule } from '../../ir/parser.js';
import { compileWasm } from '../../src/backends/wasm/index.js';
import { compileWebGpu } from '../../src/backends/webgpu/index.js';

const QCONV = `module @m {
  func @main(%x: u8[1,4,6,6]) -> (%y: u8[1,8,6,6]) {
    %xs = const {value = dense<0.02> : f32[]} : f32[]
    %xz = const {value = dense<128> : u8[]} : u8[]
    %w = const {value = dense<3> : i8[8,2,3,3]} : i8[8,2,3,3]
    %ws = const {value = dense<0.01> : f32[8]} : f32[8]
    %wz = const {value = dense<0> : i8[8]} : i8[8]
    %ys = const {value = dense<0.05> : f32[]} : f32[]
    %yz = const {value = dense<100> : u8[]} : u8[]
    %y = qlinear_conv(%x, %xs, %xz, %w, %ws, %wz, %ys, %yz) {group = 2, pads = [1, 1, 1, 1]} : u8[1,8,6,6]
    return %y
  }
}`;
const MATMUL_INT = `module @m {
  func @main(%a: u8[5,7], %b: u8[7,3]) -> (%y: i32[5,3]) {
    %y = matmul_integer(%a, %b) : i32[5,3]
    return %y
  }
}`;

describe('integer contraction FLOPs', () => {
  for (const [name, text, flops] of [['qlinear_conv (group 2, 3x3)', QCONV, 2 * 8 * 36 * 2 * 9], ['matmul_integer', MATMUL_INT, 2 * 15 * 7]] as const) {
    it(`${name}: ${flops} on wasm and webgpu`, async () => {
      const w = (await compileWasm(parseModule(text), { passes: 'O2' })).report;
      const g = compileWebGpu(parseModule(text), { passes: 'O2' }).cost;
      expect(w.totals.flops).toBe(flops);
      expect(g.totals.flops).toBe(flops);
    });
  }
});
