// The quantisation properties both backends' tests check (test/backends/wasm/quant.test.ts,
// test/backends/webgpu/dtypes-quant.test.ts): each is an arbitrary of one-op modules with their
// inputs, compared exactly with the interpreter through the suite's runner. What differs per
// backend is an option (the dims drawn, the i32 range, 1-D operands and symbolic K), the runner
// and how many runs. Every draw is a valid case: invalid combinations are not generated.

import fc from 'fast-check';
import { tensorFrom, type Tensor } from '../../ir/tensor.js';
import { expectExact, oneOp, rng, ty } from './wasm/dtype-helpers.js';
import { interpText } from './wasm/helpers.js';

export interface Case { readonly text: string; readonly ins: Tensor[] }
export type Runner = (text: string, inputs: readonly Tensor[]) => Promise<Tensor[]>;

export const RANGE: Readonly<Record<string, readonly [number, number]>> = {
  u8: [0, 255], i8: [-128, 127], u16: [0, 65535], i16: [-32768, 32767], u4: [0, 15], i4: [-8, 7], u2: [0, 3], i2: [-2, 1],
};
export const FLOAT_Q = ['f8e4m3fn', 'f8e4m3fnuz', 'f8e5m2', 'f8e5m2fnuz', 'f4e2m1'];

const numel = (s: readonly number[]): number => s.reduce<number>((a, b) => a * b, 1);

export function tensor(dt: string, shape: number[], f: (i: number) => number): Tensor {
  return tensorFrom(dt as Tensor['dtype'], shape, Array.from({ length: numel(shape) }, (_v, i) => f(i)));
}

/** The scale (and zero point) shape of a quantisation mode: scalar, one per `axis`, or blocked along it. */
export function scaleShape(mode: string, shape: number[], axis: number, bs: number): number[] {
  if (mode === 'tensor') return [];
  if (mode === 'axis') return [shape[axis]!];
  return shape.map((d, i) => (i === axis ? Math.ceil(d / bs) : d));
}

/** Run every case and compare it with the interpreter, exactly (NaN matches NaN, -0 is not 0). */
export async function checkExact(cases: fc.Arbitrary<Case>, run: Runner, params: fc.Parameters<[Case]>): Promise<void> {
  await fc.assert(fc.asyncProperty(cases, async ({ text, ins }) => expectExact(await run(text, ins), interpText(text, ins))), params);
}

/** quantize_linear: every target, per tensor / axis / block, f32 or f16 inputs and scales, saturate 0/1, with or without zero point. */
export function quantizeCases(dims: readonly number[]): fc.Arbitrary<Case> {
  return fc.tuple(fc.array(fc.constantFrom(...dims), { minLength: 1, maxLength: 3 }), fc.constantFrom(...Object.keys(RANGE), ...FLOAT_Q), fc.constantFrom('tensor', 'axis', 'block'),
    fc.nat(), fc.constantFrom(1, 2, 3), fc.constantFrom('f32', 'f16'), fc.constantFrom('f32', 'f16'), fc.boolean(), fc.constantFrom(0, 1), fc.integer(),
  ).map(([shape, dt, mode, ax, bs, xdt, sdt, withZp, sat, seed]) => {
    const axis = ax % shape.length;
    const r = rng(seed);
    const ss = scaleShape(mode, shape, axis, bs);
    const range = RANGE[dt];
    const x = tensor(xdt, shape, (i) => (i % 17 === 3 ? [NaN, Infinity, -Infinity][i % 3]! : (r() - 0.5) * 2 ** Math.floor(r() * 12 - 2)));
    const s = tensor(sdt, ss, () => 2 ** Math.floor(r() * 6 - 3) * (0.5 + r()));
    const z = tensor(dt, ss, () => (range ? range[0] + Math.floor(r() * (range[1] - range[0] + 1)) : (r() - 0.5) * 4));
    const attrs = `{axis = ${axis}, block_size = ${mode === 'block' ? bs : 0}, saturate = ${sat}${withZp ? '' : `, output_dtype = ${dt}`}}`;
    const args: [string, string][] = [['x', ty(xdt, shape)], ['s', ty(sdt, ss)], ...(withZp ? [['z', ty(dt, ss)] as [string, string]] : [])];
    const text = oneOp(args, (rt) => [`%y = quantize_linear(%x, %s${withZp ? ', %z' : ''}) ${attrs} : ${rt}`], ty(dt, shape));
    return { text, ins: withZp ? [x, s, z] : [x, s] };
  });
}

/** dequantize_linear: every source (i32 drawn within `i32Range`), per tensor / axis / block, f32 / f16 scales. */
export function dequantizeCases(dims: readonly number[], i32Range: readonly [number, number]): fc.Arbitrary<Case> {
  return fc.tuple(fc.array(fc.constantFrom(...dims), { minLength: 1, maxLength: 3 }), fc.constantFrom(...Object.keys(RANGE), ...FLOAT_Q, 'i32'), fc.constantFrom('tensor', 'axis', 'block'),
    fc.nat(), fc.constantFrom(1, 2, 4), fc.constantFrom('f32', 'f16'), fc.boolean(), fc.integer(),
  ).map(([shape, dt, mode, ax, bs, sdt, withZp, seed]) => {
    const axis = ax % shape.length;
    const r = rng(seed);
    const ss = scaleShape(mode, shape, axis, bs);
    const [lo, hi] = RANGE[dt] ?? (dt === 'i32' ? i32Range : [-400, 400]);
    const x = tensor(dt, shape, () => lo + Math.floor(r() * (hi - lo + 1)));
    const s = tensor(sdt, ss, () => 2 ** Math.floor(r() * 6 - 3) * (0.5 + r()));
    const z = tensor(dt, ss, () => lo + Math.floor(r() * (hi - lo + 1)));
    const text = oneOp([['x', ty(dt, shape)], ['s', ty(sdt, ss)], ...(withZp ? [['z', ty(dt, ss)] as [string, string]] : [])],
      (rt) => [`%y = dequantize_linear(%x, %s${withZp ? ', %z' : ''}) {axis = ${axis}, block_size = ${mode === 'block' ? bs : 0}} : ${rt}`], ty(sdt, shape));
    return { text, ins: withZp ? [x, s, z] : [x, s] };
  });
}

/** dynamic_quantize_linear over `shapes`, on mixed, positive, negative and all-zero inputs. */
export function dynamicQuantizeCases(shapes: fc.Arbitrary<number[]>): fc.Arbitrary<Case> {
  return fc.tuple(shapes, fc.constantFrom('mixed', 'pos', 'neg', 'zero'), fc.integer()).map(([shape, kind, seed]) => {
    const r = rng(seed);
    const x = tensor('f32', shape, () => (kind === 'zero' ? 0 : kind === 'pos' ? r() * 10 : kind === 'neg' ? -r() * 10 : (r() - 0.3) * 20));
    const T = ty('f32', shape), Y = ty('u8', shape);
    const text = `module @m {\n  func @main(%x: ${T}) -> (%y: ${Y}, %s: f32[], %z: u8[]) {\n    %y, %s, %z = dynamic_quantize_linear(%x) : (${Y}, f32[], u8[])\n    return %y, %s, %z\n  }\n}`;
    return { text, ins: [x] };
  });
}

export interface IntMatmulOpts {
  /** Inner dims drawn. */
  readonly K: readonly number[];
  /** Also draw 1-D A or B (matmul_integer only). */
  readonly oneD: boolean;
  /** Also draw K as the symbol `k` in the argument types. */
  readonly symK: boolean;
}

/**
 * matmul_integer / qlinear_matmul: batches (broadcasting), zero points per tensor / row / column
 * (an absent A zero point before a present B one is `none`), f32 / f16 scales; qlinear_matmul
 * only on 2-D operands.
 */
export function intMatmulCases(o: IntMatmulOpts): fc.Arbitrary<Case> {
  return fc.tuple(fc.constantFrom(1, 2, 3, 7), fc.constantFrom(...o.K), fc.constantFrom(1, 2, 5, 13), fc.constantFrom<number[]>([], [2], [3, 1]), fc.constantFrom<number[]>([], [1], [2], [3, 2]),
    fc.constantFrom('u8', 'i8'), fc.constantFrom('u8', 'i8'), fc.constantFrom('none', 'scalar', 'vec'), fc.constantFrom('none', 'scalar', 'vec'), fc.boolean(),
    fc.constantFrom(...(o.oneD ? [0, 1, 2] : [0])), fc.constantFrom('f32', 'f16'), fc.constantFrom(...(o.symK ? [false, true] : [false])), fc.integer(),
  ).filter(([, , , ba, bb, , , , , q, oneD]) => {
    const pa = [...Array<number>(Math.max(0, bb.length - ba.length)).fill(1), ...ba], pb = [...Array<number>(Math.max(0, ba.length - bb.length)).fill(1), ...bb];
    return !pa.some((d, i) => d !== 1 && pb[i] !== 1 && d !== pb[i]) && !(q && (oneD !== 0 || ba.length + bb.length > 0));
  }).map(([M, K, N, ba, bb, adt, bdt, zaK, zbK, q, oneD, sdt, symK, seed]) => {
    let aShape = [...ba, M, K], bShape = [...bb, K, N];
    if (oneD === 1) aShape = [K];
    if (oneD === 2) bShape = [K];
    const r = rng(seed);
    const [alo, ahi] = RANGE[adt]!, [blo, bhi] = RANGE[bdt]!;
    const a = tensor(adt, aShape, () => alo + Math.floor(r() * 256)), b = tensor(bdt, bShape, () => blo + Math.floor(r() * 256));
    const zShape = (k: string, n: number): number[] => (k === 'vec' ? [n] : []);
    const rowsA = oneD === 1 ? 1 : M, colsB = oneD === 2 ? 1 : N;
    const za = tensor(adt, zShape(zaK, rowsA), () => alo + Math.floor(r() * (ahi - alo + 1))), zb = tensor(bdt, zShape(zbK, colsB), () => blo + Math.floor(r() * (bhi - blo + 1)));
    const symA = symK ? aShape.map((d, i) => (d === K && (i === aShape.length - 1 || aShape.length === 1) ? 'k' : d)) : aShape;
    const symB = symK ? bShape.map((d, i) => (i === bShape.length - 2 || bShape.length === 1 ? 'k' : d)) : bShape;
    const ins: Tensor[] = [a, b];
    const args: [string, string][] = [['a', ty(adt, symA)], ['b', ty(bdt, symB)]];
    let call: string;
    if (!q) {
      if (zaK !== 'none') { args.push(['za', ty(adt, za.shape)]); ins.push(za); }
      if (zbK !== 'none') { args.push(['zb', ty(bdt, zb.shape)]); ins.push(zb); }
      const zs = [zaK === 'none' ? 'none' : '%za', zbK === 'none' ? 'none' : '%zb'];
      call = `matmul_integer(%a, %b${zbK !== 'none' ? `, ${zs[0]}, ${zs[1]}` : zaK !== 'none' ? `, ${zs[0]}` : ''})`;
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
    return { text: oneOp(args, (rt) => [`%y = ${call} : ${rt}`], ty(q ? adt : 'i32', [M, N])), ins };
  });
}

/** conv_integer / qlinear_conv: 1-D to 3-D, groups, strides, pads, dilations, per-channel w_zero_point, bias. */
export function intConvCases(): fc.Arbitrary<Case> {
  return fc.tuple(fc.constantFrom(1, 2, 3), fc.constantFrom(1, 2), fc.constantFrom(1, 2, 3), fc.constantFrom(1, 2), fc.constantFrom(1, 2), fc.constantFrom(0, 1),
    fc.constantFrom(1, 2), fc.boolean(), fc.boolean(), fc.constantFrom('u8', 'i8'), fc.integer(),
  ).map(([rank, g, cg, mg, st, pad, dl, q, perCh, dt, seed]) => {
    const rr = rng(seed);
    const sp = Array.from({ length: rank }, (_v, i) => [5, 4, 3][i]!), ks = Array.from({ length: rank }, (_v, i) => [3, 2, 2][i]!);
    const C = g * cg, M = g * mg;
    const [lo] = RANGE[dt]!;
    const x = tensor(dt, [2, C, ...sp], () => lo + Math.floor(rr() * 256)), w = tensor(dt, [M, cg, ...ks], () => lo + Math.floor(rr() * 256));
    const xz = tensor(dt, [], () => lo + Math.floor(rr() * 256)), wz = tensor(dt, perCh ? [M] : [], () => lo + Math.floor(rr() * 256));
    const attrs = `{group = ${g}, strides = [${sp.map(() => st)}], dilations = [${sp.map(() => dl)}], pads = [${[...sp, ...sp].map(() => pad)}]}`;
    if (!q) {
      const text = oneOp([['x', ty(dt, x.shape)], ['w', ty(dt, w.shape)], ['xz', ty(dt, [])], ['wz', ty(dt, wz.shape)]], (rt) => [`%y = conv_integer(%x, %w, %xz, %wz) ${attrs} : ${rt}`], ty('i32', [2, M, ...sp]));
      return { text, ins: [x, w, xz, wz] };
    }
    const sx = tensor('f32', [], () => 0.02 + rr() * 0.05), sw = tensor('f32', perCh ? [M] : [], () => 0.02 + rr() * 0.05), sy = tensor('f32', [], () => 0.5 + rr());
    const yz = tensor(dt, [], () => lo + Math.floor(rr() * 256)), B = tensor('i32', [M], () => Math.floor((rr() - 0.5) * 2000));
    const text = oneOp([['x', ty(dt, x.shape)], ['sx', 'f32[]'], ['xz', ty(dt, [])], ['w', ty(dt, w.shape)], ['sw', ty('f32', sw.shape)], ['wz', ty(dt, wz.shape)], ['sy', 'f32[]'], ['yz', ty(dt, [])], ['B', ty('i32', [M])]],
      (rt) => [`%y = qlinear_conv(%x, %sx, %xz, %w, %sw, %wz, %sy, %yz, %B) ${attrs} : ${rt}`], ty(dt, [2, M, ...sp]));
    return { text, ins: [x, sx, xz, w, sw, wz, sy, yz, B] };
  });
}
