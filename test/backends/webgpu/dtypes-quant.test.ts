// The webgpu quantisation and integer kernels (kernels/dtype-ops.ts) against the interpreter,
// exactly, on Dawn + SwiftShader (fast-check, few runs: each case compiles its pipelines):
// quantize_linear / dequantize_linear per tensor, per axis and blocked over 8/16/4/2-bit integers
// and float8/float4; dynamic_quantize_linear over inputs larger than one workgroup;
// matmul_integer / qlinear_matmul with batches, broadcasting and zero points per tensor, row or
// column; conv_integer in 1-D to 3-D with groups, strides, pads, dilations.

import fc from 'fast-check';
import { describe, it } from 'vitest';
import { tensorFrom, type Tensor } from '../../../ir/tensor.js';
import { parseModule } from '../../../ir/parser.js';
import { compileWebGpu } from '../../../src/backends/webgpu/index.js';
import { fromRunTensor, toRunTensor } from '../../../src/conformance/feeds.js';
import { instantiateWebGpu } from '../../../src/runtime/webgpu.js';
import { expectExact, oneOp, rng, ty } from '../wasm/dtype-helpers.js';
import { gpuDevice, interpText } from './helpers.js';

async function runGpu(text: string, inputs: readonly Tensor[]): Promise<Tensor[]> {
  const c = compileWebGpu(parseModule(text, { file: 'test.ir' }), { passes: 'fuse', verifyEach: true });
  const m = await instantiateWebGpu(c.manifest, c.shaders.map((s) => s.code), c.weights, await gpuDevice());
  const out = await m.run(Object.fromEntries(c.manifest.inputs.map((inp, i) => [inp.name, toRunTensor(inputs[i]!)])));
  return c.manifest.outputs.map((o) => fromRunTensor(o.dtype as Tensor['dtype'], out[o.name]!));
}

const RANGE: Record<string, [number, number]> = { u8: [0, 255], i8: [-128, 127], u16: [0, 65535], i16: [-32768, 32767], u4: [0, 15], i4: [-8, 7], u2: [0, 3], i2: [-2, 1] };
const FLOAT_Q = ['f8e4m3fn', 'f8e4m3fnuz', 'f8e5m2', 'f8e5m2fnuz', 'f4e2m1'];
const dim = fc.constantFrom(1, 2, 3, 5, 7, 11);
const numel = (s: readonly number[]): number => s.reduce<number>((a, b) => a * b, 1);
const tensor = (dt: string, shape: number[], f: (i: number) => number): Tensor => tensorFrom(dt as Tensor['dtype'], shape, Array.from({ length: numel(shape) }, (_v, i) => f(i)));

function scaleShape(mode: string, shape: number[], axis: number, bs: number): number[] {
  if (mode === 'tensor') return [];
  if (mode === 'axis') return [shape[axis]!];
  return shape.map((d, i) => (i === axis ? Math.ceil(d / bs) : d));
}

describe('webgpu quantisation kernels vs interpreter (fast-check)', () => {
  it('quantize_linear: every target, per tensor / axis / block, f32 or f16 inputs and scales, saturate 0/1', async () => {
    await fc.assert(fc.asyncProperty(fc.array(dim, { minLength: 1, maxLength: 3 }), fc.constantFrom(...Object.keys(RANGE), ...FLOAT_Q), fc.constantFrom('tensor', 'axis', 'block'),
      fc.nat(), fc.constantFrom(1, 2, 3), fc.constantFrom('f32', 'f16'), fc.constantFrom('f32', 'f16'), fc.boolean(), fc.constantFrom(0, 1), fc.integer(),
      async (shape, dt, mode, ax, bs, xdt, sdt, withZp, sat, seed) => {
        const axis = ax % shape.length;
        const r = rng(seed);
        const ss = scaleShape(mode, shape, axis, bs);
        const isInt = dt in RANGE;
        const x = tensor(xdt, shape, (i) => (i % 17 === 3 ? [NaN, Infinity, -Infinity][i % 3]! : (r() - 0.5) * 2 ** Math.floor(r() * 12 - 2)));
        const s = tensor(sdt, ss, () => 2 ** Math.floor(r() * 6 - 3) * (0.5 + r()));
        const z = tensor(dt, ss, () => (isInt ? RANGE[dt]![0] + Math.floor(r() * (RANGE[dt]![1] - RANGE[dt]![0] + 1)) : (r() - 0.5) * 4));
        const attrs = `{axis = ${axis}, block_size = ${mode === 'block' ? bs : 0}, saturate = ${sat}${withZp ? '' : `, output_dtype = ${dt}`}}`;
        const args: [string, string][] = [['x', ty(xdt, shape)], ['s', ty(sdt, ss)], ...(withZp ? [['z', ty(dt, ss)] as [string, string]] : [])];
        const text = oneOp(args, (rt) => [`%y = quantize_linear(%x, %s${withZp ? ', %z' : ''}) ${attrs} : ${rt}`], ty(dt, shape));
        const ins = withZp ? [x, s, z] : [x, s];
        expectExact(await runGpu(text, ins), interpText(text, ins));
      }), { numRuns: 30, seed: 5 });
  }, 60_000);

  it('dequantize_linear: every source, per tensor / axis / block, f32 / f16 scales', async () => {
    await fc.assert(fc.asyncProperty(fc.array(dim, { minLength: 1, maxLength: 3 }), fc.constantFrom(...Object.keys(RANGE), ...FLOAT_Q, 'i32'), fc.constantFrom('tensor', 'axis', 'block'),
      fc.nat(), fc.constantFrom(1, 2, 4), fc.constantFrom('f32', 'f16'), fc.boolean(), fc.integer(),
      async (shape, dt, mode, ax, bs, sdt, withZp, seed) => {
        const axis = ax % shape.length;
        const r = rng(seed);
        const ss = scaleShape(mode, shape, axis, bs);
        // i32 within 2^24: the difference x - zero_point is computed in f32.
        const [lo, hi] = RANGE[dt] ?? (dt === 'i32' ? [-(2 ** 23), 2 ** 23] : [-400, 400]);
        const x = tensor(dt, shape, () => lo + Math.floor(r() * (hi - lo + 1)));
        const s = tensor(sdt, ss, () => 2 ** Math.floor(r() * 6 - 3) * (0.5 + r()));
        const z = tensor(dt, ss, () => lo + Math.floor(r() * (hi - lo + 1)));
        const text = oneOp([['x', ty(dt, shape)], ['s', ty(sdt, ss)], ...(withZp ? [['z', ty(dt, ss)] as [string, string]] : [])],
          (rt) => [`%y = dequantize_linear(%x, %s${withZp ? ', %z' : ''}) {axis = ${axis}, block_size = ${mode === 'block' ? bs : 0}} : ${rt}`], ty(sdt, shape));
        const ins = withZp ? [x, s, z] : [x, s];
        expectExact(await runGpu(text, ins), interpText(text, ins));
      }), { numRuns: 30, seed: 6 });
  }, 60_000);

  it('dynamic_quantize_linear on mixed, positive, negative and zero inputs, up to 3 workgroups', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom<number[]>([1], [7], [3, 5], [256], [2, 13, 23]), fc.constantFrom('mixed', 'pos', 'neg', 'zero'), fc.integer(), async (shape, kind, seed) => {
      const r = rng(seed);
      const x = tensor('f32', shape, () => (kind === 'zero' ? 0 : kind === 'pos' ? r() * 10 : kind === 'neg' ? -r() * 10 : (r() - 0.3) * 20));
      const T = ty('f32', shape);
      const text = `module @m {\n  func @main(%x: ${T}) -> (%y: ${ty('u8', shape)}, %s: f32[], %z: u8[]) {\n    %y, %s, %z = dynamic_quantize_linear(%x) : (${ty('u8', shape)}, f32[], u8[])\n    return %y, %s, %z\n  }\n}`;
      expectExact(await runGpu(text, [x]), interpText(text, [x]));
    }), { numRuns: 12, seed: 7 });
  }, 60_000);
});

describe('webgpu integer matmul and conv vs interpreter (fast-check)', () => {
  it('matmul_integer / qlinear_matmul: batches, broadcasting, zero points per tensor / row / column, f32 / f16 scales', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom(1, 2, 3, 7), fc.constantFrom(1, 3, 8, 17), fc.constantFrom(1, 2, 5, 13), fc.constantFrom([], [2], [3, 1]), fc.constantFrom([], [1], [2], [3, 2]),
      fc.constantFrom('u8', 'i8'), fc.constantFrom('u8', 'i8'), fc.constantFrom('none', 'scalar', 'vec'), fc.constantFrom('none', 'scalar', 'vec'), fc.boolean(), fc.constantFrom('f32', 'f16'), fc.integer(),
      async (M, K, N, ba, bb, adt, bdt, zaK, zbK, q, sdt, seed) => {
        const pa = [...Array<number>(Math.max(0, bb.length - ba.length)).fill(1), ...ba], pb = [...Array<number>(Math.max(0, ba.length - bb.length)).fill(1), ...bb];
        if (pa.some((d, i) => d !== 1 && pb[i] !== 1 && d !== pb[i])) return;
        if (q && ba.length + bb.length > 0) return;
        const aShape = [...ba, M, K], bShape = [...bb, K, N];
        const r = rng(seed);
        const [alo, ahi] = RANGE[adt]!, [blo, bhi] = RANGE[bdt]!;
        const a = tensor(adt, aShape, () => alo + Math.floor(r() * 256)), b = tensor(bdt, bShape, () => blo + Math.floor(r() * 256));
        const zShape = (k: string, n: number): number[] => (k === 'vec' ? [n] : []);
        const za = tensor(adt, zShape(zaK, M), () => alo + Math.floor(r() * (ahi - alo + 1))), zb = tensor(bdt, zShape(zbK, N), () => blo + Math.floor(r() * (bhi - blo + 1)));
        const ins: Tensor[] = [a, b];
        const args: [string, string][] = [['a', ty(adt, aShape)], ['b', ty(bdt, bShape)]];
        let call: string;
        if (!q) {
          if (zaK !== 'none' || zbK !== 'none') { args.push(['za', ty(adt, za.shape)]); ins.push(za); }
          if (zbK !== 'none') { args.push(['zb', ty(bdt, zb.shape)]); ins.push(zb); }
          call = `matmul_integer(%a, %b${zbK !== 'none' ? ', %za, %zb' : zaK !== 'none' ? ', %za' : ''})`;
        } else {
          const sa = tensor(sdt, zShape(zaK, M), () => 0.01 + r() * 0.1), sb = tensor(sdt, zShape(zbK, N), () => 0.01 + r() * 0.1), sy = tensor(sdt, [], () => 0.5 + r() * 4);
          const yz = tensor(adt, [], () => alo + Math.floor(r() * 256));
          const zaQ = tensor(adt, zShape(zaK, M), () => alo + Math.floor(r() * 256)), zbQ = tensor(bdt, zShape(zbK, N), () => blo + Math.floor(r() * 256));
          args.splice(1, 0, ['sa', ty(sdt, sa.shape)], ['za', ty(adt, zaQ.shape)]);
          args.push(['sb', ty(sdt, sb.shape)], ['zb', ty(bdt, zbQ.shape)], ['sy', ty(sdt, [])], ['yz', ty(adt, [])]);
          ins.splice(1, 0, sa, zaQ);
          ins.push(sb, zbQ, sy, yz);
          call = 'qlinear_matmul(%a, %sa, %za, %b, %sb, %zb, %sy, %yz)';
        }
        const text = oneOp(args, (rt) => [`%y = ${call} : ${rt}`], ty(q ? adt : 'i32', [M, N]));
        expectExact(await runGpu(text, ins), interpText(text, ins));
      }), { numRuns: 25, seed: 8 });
  }, 60_000);

  it('conv_integer / qlinear_conv: 1-D to 3-D, groups, strides, pads, dilations, per-channel w_zero_point, bias', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom(1, 2, 3), fc.constantFrom(1, 2), fc.constantFrom(1, 2, 3), fc.constantFrom(1, 2), fc.constantFrom(1, 2), fc.constantFrom(0, 1),
      fc.constantFrom(1, 2), fc.boolean(), fc.boolean(), fc.constantFrom('u8', 'i8'), fc.integer(),
      async (r, g, cg, mg, st, pad, dl, q, perCh, dt, seed) => {
        const rr = rng(seed);
        const sp = Array.from({ length: r }, (_v, i) => [5, 4, 3][i]!), ks = Array.from({ length: r }, (_v, i) => [3, 2, 2][i]!);
        const C = g * cg, M = g * mg;
        const [lo] = RANGE[dt]!;
        const x = tensor(dt, [2, C, ...sp], () => lo + Math.floor(rr() * 256)), w = tensor(dt, [M, cg, ...ks], () => lo + Math.floor(rr() * 256));
        const xz = tensor(dt, [], () => lo + Math.floor(rr() * 256)), wz = tensor(dt, perCh ? [M] : [], () => lo + Math.floor(rr() * 256));
        const attrs = `{group = ${g}, strides = [${sp.map(() => st)}], dilations = [${sp.map(() => dl)}], pads = [${[...sp, ...sp].map(() => pad)}]}`;
        if (!q) {
          const text = oneOp([['x', ty(dt, x.shape)], ['w', ty(dt, w.shape)], ['xz', ty(dt, [])], ['wz', ty(dt, wz.shape)]], (rt) => [`%y = conv_integer(%x, %w, %xz, %wz) ${attrs} : ${rt}`], ty('i32', [2, M, ...sp]));
          const ins = [x, w, xz, wz];
          expectExact(await runGpu(text, ins), interpText(text, ins));
          return;
        }
        const sx = tensor('f32', [], () => 0.02 + rr() * 0.05), sw = tensor('f32', perCh ? [M] : [], () => 0.02 + rr() * 0.05), sy = tensor('f32', [], () => 0.5 + rr());
        const yz = tensor(dt, [], () => lo + Math.floor(rr() * 256)), B = tensor('i32', [M], () => Math.floor((rr() - 0.5) * 2000));
        const text = oneOp([['x', ty(dt, x.shape)], ['sx', 'f32[]'], ['xz', ty(dt, [])], ['w', ty(dt, w.shape)], ['sw', ty('f32', sw.shape)], ['wz', ty(dt, wz.shape)], ['sy', 'f32[]'], ['yz', ty(dt, [])], ['B', ty('i32', [M])]],
          (rt) => [`%y = qlinear_conv(%x, %sx, %xz, %w, %sw, %wz, %sy, %yz, %B) ${attrs} : ${rt}`], ty(dt, [2, M, ...sp]));
        const ins = [x, sx, xz, w, sw, wz, sy, yz, B];
        expectExact(await runGpu(text, ins), interpText(text, ins));
      }), { numRuns: 20, seed: 9 });
  }, 60_000);
});
