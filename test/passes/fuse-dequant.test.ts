// fuse option weight-dequant (passes/fuse-groups.ts isDequantPrologue): a dequantize_linear of
// constants whose only uses are as a matmul's B joins that matmul's contraction group (the webgpu
// matmul decodes B from the codes while loading it). Off by default (wasm and the interpreter
// keep today's groups); never joins when the dequantized weight is also used elsewhere, feeds A
// or the epilogue, or has a non-constant operand. Fusion keeps the interpreter's results bit for bit.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Module, Op } from '../../ir/ir.js';
import { walkOps } from '../../ir/ir.js';
import { interpret } from '../../ir/interp.js';
import { parseModule } from '../../ir/parser.js';
import { encodeBytes, type Tensor, tensorFrom } from '../../ir/tensor.js';
import { verify } from '../../ir/verify.js';
import { fusePass } from '../../passes/fuse.js';
import { runPipeline } from '../../passes/index.js';
import { INTERP_PROFILE } from '../../passes/pass.js';
import { WASM_PROFILE } from '../../src/backends/wasm/compile.js';

const fuse = (m: Module, on: boolean) => fusePass.run(m, { target: INTERP_PROFILE }, { 'max-ops': 24, 'qkv-projections': true, 'weight-dequant': on });
const groups = (m: Module): string[] => [...walkOps(m.main.body)].filter((op: Op) => op.name === 'fused').map((op) => String(op.attrs.get('name')!.value));
const hex = (t: Tensor): string => `0x${Buffer.from(encodeBytes(t)).toString('hex')}`;
const bits = (ts: readonly Tensor[]): string[] => ts.map((t) => Buffer.from(encodeBytes(t)).toString('hex'));

function ints(n: number, lo: number, hi: number, seed: number): number[] {
  let s = seed >>> 0 || 1;
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) >>> 0;
    return lo + ((s >>> 8) % (hi - lo + 1));
  });
}
const floats = (n: number, seed: number): number[] => ints(n, -1000, 1000, seed).map((x) => x / 4096);

/**
 * Weights @q (u4 [K, N]), @s (f32 scales [ceil(K/bs), N]), @z (u4 zero points), the dequantized %w,
 * then `body` (IR lines using %a: f32[M, K], %w; returning what `results` declares).
 */
function moduleText(K: number, N: number, bs: number, M: number, args: string, results: string, body: string[], seed = 1): string {
  const kb = Math.ceil(K / bs);
  return [
    'module @m {',
    `  weight @q : u4[${K},${N}] = bytes("${hex(tensorFrom('u4', [K, N], ints(K * N, 0, 15, seed)))}")`,
    `  weight @s : f32[${kb},${N}] = bytes("${hex(tensorFrom('f32', [kb, N], floats(kb * N, seed + 1)))}")`,
    `  weight @z : u4[${kb},${N}] = bytes("${hex(tensorFrom('u4', [kb, N], ints(kb * N, 0, 15, seed + 2)))}")`,
    `  func @main(%a: f32[${M},${K}]${args}) -> (${results}) {`,
    `    %q = const {value = @q} : u4[${K},${N}]`,
    `    %s = const {value = @s} : f32[${kb},${N}]`,
    `    %z = const {value = @z} : u4[${kb},${N}]`,
    `    %w = dequantize_linear(%q, %s, %z) {axis = 0, block_size = ${bs}} : f32[${K},${N}]`,
    ...body.map((l) => `    ${l}`),
    '  }',
    '}',
  ].join('\n');
}

const projection = (K: number, N: number, bs: number, M: number, seed = 1): string => moduleText(K, N, bs, M, `, %b: f32[${N}]`, `%y: f32[${M},${N}]`, [
  `%p = matmul(%a, %w) : f32[${M},${N}]`,
  `%y = add(%p, %b) : f32[${M},${N}]`,
  'return %y',
], seed);

const inputsFor = (m: Module, seed: number): Tensor[] => m.main.args.map((a, i) => {
  const shape = a.type.shape as number[];
  return tensorFrom('f32', shape, floats(shape.reduce((x, y) => x * y, 1), seed + i));
});

describe('fuse{weight-dequant}', () => {
  it('the dequantization joins the matmul group as its B prologue; off by default', () => {
    const on = parseModule(projection(40, 12, 16, 3));
    fuse(on, true);
    expect(verify(on)).toEqual([]);
    expect(groups(on)).toEqual(['dequantize_linear-matmul-add']);
    const off = parseModule(projection(40, 12, 16, 3));
    fuse(off, false);
    expect(groups(off)).toEqual(['matmul-add']);
    expect([...walkOps(off.main.body)].filter((op) => op.name === 'dequantize_linear' && off.main.body.ops.includes(op))).toHaveLength(1);
  });

  it('keeps the interpreter results bit for bit on random K, N, block sizes and M (fast-check)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 40 }), fc.constantFrom(16, 32, 64, 128), fc.constantFrom(1, 3, 17), fc.integer({ min: 1, max: 1000 }),
      (K, N, bs, M, seed) => {
        const text = projection(K, N, bs, M, seed);
        const ref = parseModule(text);
        const m = parseModule(text);
        fuse(m, true);
        expect(verify(m)).toEqual([]);
        expect(groups(m)).toEqual(['dequantize_linear-matmul-add']);
        const x = inputsFor(ref, seed);
        expect(bits(interpret(m, x))).toEqual(bits(interpret(ref, x)));
      }), { numRuns: 25, seed: 3 });
  });

  it('stays outside when the weight is used elsewhere, feeds A or the epilogue, or an operand is not constant', () => {
    const cases: [string, string][] = [
      // Also a result of the function.
      [moduleText(8, 8, 16, 8, '', '%y: f32[8,8], %w2: f32[8,8]', ['%y = matmul(%a, %w) : f32[8,8]', 'return %y, %w']), ''],
      // Used as A.
      [moduleText(8, 8, 16, 8, ', %x: f32[8,8]', '%y: f32[8,8]', ['%y = matmul(%w, %x) : f32[8,8]', 'return %y']), ''],
      // Also read by the epilogue.
      [moduleText(8, 8, 16, 8, '', '%y: f32[8,8]', ['%p = matmul(%a, %w) : f32[8,8]', '%y = add(%p, %w) : f32[8,8]', 'return %y']), 'matmul-add'],
      // Two matmuls (two groups) read it.
      [moduleText(8, 8, 16, 8, ', %x: f32[8,8]', '%y: f32[8,8], %y2: f32[8,8]', ['%y = matmul(%a, %w) : f32[8,8]', '%y2 = matmul(%x, %w) : f32[8,8]', 'return %y, %y2']), ''],
    ];
    for (const [text, want] of cases) {
      const m = parseModule(text);
      fuse(m, true);
      expect(verify(m)).toEqual([]);
      expect(groups(m).some((g) => g.includes('dequantize'))).toBe(false);
      expect(m.main.body.ops.some((op) => op.name === 'dequantize_linear')).toBe(true);
      if (want) expect(groups(m)).toContain(want);
    }
    // A scale given at run time is not a weight.
    const dyn = parseModule(['module @m {', '  weight @q : u4[8,4] = bytes("0x0123456789abcdef0123456789abcdef")',
      '  func @main(%a: f32[2,8], %s: f32[1,4]) -> (%y: f32[2,4]) {', '    %q = const {value = @q} : u4[8,4]',
      '    %w = dequantize_linear(%q, %s) {axis = 0, block_size = 16} : f32[8,4]', '    %p = matmul(%a, %w) : f32[2,4]', '    %y = relu(%p) : f32[2,4]', '    return %y', '  }', '}'].join('\n'));
    fuse(dyn, true);
    expect(groups(dyn)).toEqual(['matmul-relu']);
  });

  it('wasm\'s O2 keeps the dequantization in its own kernel', () => {
    const m = parseModule(projection(40, 12, 16, 3));
    runPipeline(m, 'O2', { target: WASM_PROFILE });
    expect(groups(m).some((g) => g.includes('dequantize'))).toBe(false);
  });
});
