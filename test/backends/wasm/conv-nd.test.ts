// The wasm backend's N-D conv and pool loops against the interpreter: conv and conv_transpose of
// 1 to 3 spatial dims (groups, strides, dilations, pads, auto_pad, run-time weight and bias,
// f32/f64; output_padding / output_shape), and
// max_pool / average_pool of 1 to 3 spatial dims (ceil_mode, count_include_pad, dilations,
// auto_pad, Indices with storage_order, integer max_pool, f16 through f32).

import fc from 'fast-check';
import { describe, it } from 'vitest';
import { tensorFrom, type Tensor } from '../../../ir/tensor.js';
import { interpText } from './helpers.js';
import { expectExact, expectNear, oneOp, rng, runWasmT, ty } from './dtype-helpers.js';

const numel = (s: readonly number[]): number => s.reduce<number>((a, b) => a * b, 1);
const rand = (dt: string, shape: number[], seed: number, scale = 1): Tensor => {
  const r = rng(seed);
  return tensorFrom(dt as Tensor['dtype'], shape, Array.from({ length: numel(shape) }, () => (dt.startsWith('f') ? (r() - 0.5) * 2 * scale : Math.floor((r() - 0.5) * 200))));
};
const SPATIAL = [[7], [5, 6], [4, 5, 3], [3, 7, 5]];

describe('wasm N-D conv vs interpreter', () => {
  it('conv: 1-3 spatial dims, groups, strides, dilations, pads / auto_pad, run-time or constant weight, bias', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom(0, 1, 2, 3), fc.constantFrom(1, 2, 3), fc.constantFrom(1, 2, 3), fc.constantFrom(1, 2), fc.constantFrom(1, 2), fc.constantFrom(1, 2),
      fc.constantFrom('NOTSET', 'VALID', 'SAME_UPPER', 'SAME_LOWER'), fc.constantFrom(0, 1, 2), fc.boolean(), fc.boolean(), fc.constantFrom('f32', 'f64'), fc.integer(),
      async (si, g, cg, mg, st, dl, autoPad, pad, bias, constW, dt, seed) => {
        const sp = SPATIAL[si]!, r = sp.length;
        const ks = sp.map((s, i) => Math.min(s, [3, 2, 3][i]!));
        const C = g * cg, M = g * mg, N = 1 + (seed & 1);
        const x = rand(dt, [N, C, ...sp], seed), w = rand(dt, [M, cg, ...ks], seed + 1), b = rand(dt, [M], seed + 2);
        const padAttr = autoPad === 'NOTSET' ? `pads = [${Array.from({ length: 2 * r }, (_, i) => (pad + i) % 3)}]` : `auto_pad = "${autoPad}"`;
        const attrs = `{group = ${g}, strides = [${sp.map(() => st)}], dilations = [${autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER' ? sp.map(() => 1) : sp.map(() => dl)}], ${padAttr}}`;
        const hex = (t: Tensor): string => `0x${Buffer.from((t.data as Float32Array).buffer).toString('hex')}`;
        const args: [string, string][] = [['x', ty(dt, x.shape)]];
        const ins = [x];
        if (!constW) { args.push(['w', ty(dt, w.shape)]); ins.push(w); }
        if (bias) { args.push(['b', ty(dt, [M])]); ins.push(b); }
        const text = oneOp(args, (rt) => [
          ...(constW ? [`%w = const {value = @w} : ${ty(dt, w.shape)}`] : []),
          `%y = conv(%x, %w${bias ? ', %b' : ''}) ${attrs} : ${rt}`,
        ], ty(dt, [N, M, ...sp]), constW ? [`weight @w : ${ty(dt, w.shape)} = bytes("${hex(w)}")`] : []);
        expectNear(await runWasmT(text, ins), interpText(text, ins), 1e-5, 1e-5);
      }), { numRuns: 90 });
  });
});

describe('wasm N-D conv_transpose vs interpreter', () => {
  it('conv_transpose: 1-3 spatial dims, groups, strides, dilations, pads, output_padding, output_shape, auto_pad, f32/f64', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom(0, 1, 2, 3), fc.constantFrom(1, 2), fc.constantFrom(1, 2), fc.constantFrom(1, 3), fc.constantFrom(1, 2, 3), fc.constantFrom(1, 2),
      fc.constantFrom('pads', 'output_padding', 'output_shape', 'SAME_UPPER', 'SAME_LOWER', 'VALID'), fc.boolean(), fc.constantFrom('f32', 'f64'), fc.integer(),
      async (si, g, cg, mg, st, dl, mode, bias, dt, seed) => {
        const sp = SPATIAL[si]!, r = sp.length;
        const ks = sp.map((_, i) => [3, 2, 2][i]!);
        const C = g * cg, M = g * mg;
        const x = rand(dt, [1, C, ...sp], seed), w = rand(dt, [C, mg, ...ks], seed + 1), b = rand(dt, [M], seed + 2);
        const strides = `strides = [${sp.map(() => st)}], dilations = [${sp.map(() => dl)}]`;
        const extra = mode === 'pads' ? `pads = [${Array.from({ length: 2 * r }, (_, i) => (seed >>> i) & 1)}]`
          : mode === 'output_padding' ? `output_padding = [${sp.map(() => st - 1)}]`
          : mode === 'output_shape' ? `output_shape = [${sp.map((s) => s * st + 1)}]`
          : `auto_pad = "${mode}"`;
        const args: [string, string][] = [['x', ty(dt, x.shape)], ['w', ty(dt, w.shape)], ...(bias ? [['b', ty(dt, [M])] as [string, string]] : [])];
        const text = oneOp(args, (rt) => [`%y = conv_transpose(%x, %w${bias ? ', %b' : ''}) {group = ${g}, ${strides}, ${extra}} : ${rt}`], ty(dt, [1, M, ...sp]));
        const ins = bias ? [x, w, b] : [x, w];
        expectNear(await runWasmT(text, ins), interpText(text, ins), 1e-5, 1e-5);
      }), { numRuns: 50 });
  });
});

describe('wasm N-D pools vs interpreter', () => {
  it('max_pool / average_pool: 1-3 spatial dims, strides, dilations, pads, ceil_mode, count_include_pad, auto_pad', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom(0, 1, 2, 3), fc.constantFrom('max_pool', 'average_pool'), fc.constantFrom(1, 2, 3), fc.constantFrom(1, 2), fc.constantFrom(1, 2),
      fc.constantFrom(0, 1), fc.constantFrom(0, 1), fc.constantFrom('NOTSET', 'VALID', 'SAME_UPPER', 'SAME_LOWER'), fc.constantFrom('f32', 'f64', 'f16'), fc.integer(),
      async (si, op, kk, st, dl, ceil, cip, autoPad, dt, seed) => {
        const sp = SPATIAL[si]!, r = sp.length;
        const ks = sp.map((s) => Math.min(s, kk));
        const dil = autoPad === 'NOTSET' ? dl : 1;
        const pads = Array.from({ length: 2 * r }, (_, i) => Math.min((seed >>> i) & 1, ks[i % r]! - 1));
        const padAttr = autoPad === 'NOTSET' ? `pads = [${pads}]` : `auto_pad = "${autoPad}"`;
        const attrs = `{kernel_shape = [${ks}], strides = [${sp.map(() => st)}], dilations = [${sp.map(() => dil)}], ${padAttr}, ceil_mode = ${ceil}${op === 'average_pool' ? `, count_include_pad = ${cip}` : ''}}`;
        const x = rand(dt, [2, 3, ...sp], seed, 4);
        const text = oneOp([['x', ty(dt, x.shape)]], (rt) => [`%y = ${op}(%x) ${attrs} : ${rt}`], ty(dt, x.shape));
        const got = await runWasmT(text, [x]), want = interpText(text, [x]);
        if (op === 'max_pool') expectExact(got, want);
        else expectNear(got, want, dt === 'f16' ? 2e-3 : 1e-6, 1e-6);
      }), { numRuns: 150 });
  });

  it('max_pool with Indices (storage_order 0/1, NaN and ties) and on integer dtypes', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom(0, 1, 2, 3), fc.constantFrom(1, 2, 3), fc.constantFrom(1, 2), fc.constantFrom(0, 1), fc.constantFrom('f32', 'u8', 'i8', 'i32', 'u16'), fc.boolean(), fc.integer(),
      async (si, kk, st, order, dt, ties, seed) => {
        const sp = SPATIAL[si]!, r = sp.length;
        const ks = sp.map((s) => Math.min(s, kk));
        const pads = Array.from({ length: 2 * r }, (_, i) => Math.min((seed >>> i) & 1, ks[i % r]! - 1));
        const x0 = rand(dt, [1, 2, ...sp], seed, 4);
        const d = x0.data as unknown as number[];
        if (ties) for (let i = 0; i < d.length; i++) d[i] = (i * 7) % 3;
        if (dt === 'f32' && (seed & 4)) d[seed % d.length] = NaN;
        const shape = (rt: string): string => rt.replace(/^\w+/, 'i64');
        const text = oneOp([['x', ty(dt, x0.shape)]], (rt) => [`%y, %i = max_pool(%x) {kernel_shape = [${ks}], strides = [${sp.map(() => st)}], pads = [${pads}], storage_order = ${order}} : (${rt}, ${shape(rt)})`], ty(dt, x0.shape));
        const withI = text.replace(/-> \(%y: ([^)]*)\)/, (_m, t: string) => `-> (%y: ${t}, %i: ${shape(t)})`).replace('return %y', 'return %y, %i');
        expectExact(await runWasmT(withI, [x0]), interpText(withI, [x0]));
      }), { numRuns: 120 });
  });
});
