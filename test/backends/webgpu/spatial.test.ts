// fast-check on Dawn + SwiftShader: the spatial kernels (kernels/spatial.ts, spatial-sample.ts)
// against the interpreter: grid_sample over 1 to 3 spatial axes (every mode, padding mode,
// align_corners; grid points outside [-1, 1]), affine_grid 2-D / 3-D, roi_align (avg / max, both
// coordinate modes, fixed and adaptive sampling), center_crop_pad (crops and pads, axes subsets),
// col2im over 1 to 3 image axes (strides, dilations, pads), deform_conv (groups, offset groups,
// bias, mask); shapes of 1 and odd sizes. Shape operands as constants and as graph inputs (run-time
// result dims: one artifact, several shapes). Shaders through Tint and naga; byte-identical recompiles.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Tensor, tensorFrom } from '../../../ir/tensor.js';
import { compileText, expectClose, fmtShape, interpText, rand, runCompiled, validateShaders } from './helpers.js';
import { nagaErrors } from './naga-run.js';

const prod = (xs: readonly number[]): number => xs.reduce((a, b) => a * b, 1);
const scaled = (t: Tensor, s: number, o = 0): Tensor => tensorFrom('f32', t.shape, Array.from(t.data as Float32Array, (v) => v * s + o));
const i64c = (name: string, xs: readonly number[]): string => `    %${name} = const {value = dense<[${xs.join(', ')}]> : i64[${xs.length}]} : i64[${xs.length}]`;
const mod = (args: string, results: string, body: readonly string[], ret: string): string =>
  ['module @m {', `  func @main(${args}) -> (${results}) {`, ...body, `    return ${ret}`, '  }', '}'].join('\n');

async function check(text: string, inputs: Tensor[], tol = 1e-4): Promise<void> {
  expectClose(await runCompiled(compileText(text), inputs), interpText(text, inputs), tol, tol);
}

// ---------------------------------------------------------------------------------------------
// Texts, shared by the properties and the shader checks.

interface GridCase { n: number; c: number; inDims: number[]; outDims: number[]; mode: string; pad: string; align: boolean }
function gridText(k: GridCase): string {
  const nd = k.inDims.length;
  const y = [k.n, k.c, ...k.outDims];
  return mod(`%x: ${fmtShape([k.n, k.c, ...k.inDims])}, %g: ${fmtShape([k.n, ...k.outDims, nd])}`, `%y: ${fmtShape(y)}`,
    [`    %y = grid_sample(%x, %g) {align_corners = ${k.align ? 1 : 0}, mode = "${k.mode}", padding_mode = "${k.pad}"} : ${fmtShape(y)}`], '%y');
}

interface RoiCase { n: number; c: number; h: number; w: number; r: number; ph: number; pw: number; ratio: number; mode: string; ctm: string; scale: number }
function roiText(k: RoiCase): string {
  const y = [k.r, k.c, k.ph, k.pw];
  const attrs = `coordinate_transformation_mode = "${k.ctm}", mode = "${k.mode}", output_height = ${k.ph}, output_width = ${k.pw}, sampling_ratio = ${k.ratio}, spatial_scale = ${k.scale.toFixed(2)}`;
  return mod(`%x: ${fmtShape([k.n, k.c, k.h, k.w])}, %rois: f32[${k.r},4], %b: i64[${k.r}]`, `%y: ${fmtShape(y)}`, [`    %y = roi_align(%x, %rois, %b) {${attrs}} : ${fmtShape(y)}`], '%y');
}

interface DeformCase { n: number; group: number; og: number; cg: number; mg: number; h: number; w: number; kh: number; kw: number; s: number; d: number; p: number; bias: boolean; mask: boolean }
const deformOut = (k: DeformCase): [number, number] => [[k.h, k.kh], [k.w, k.kw]].map(([x, kk]) => Math.floor((x! + 2 * k.p - ((kk! - 1) * k.d + 1)) / k.s) + 1) as [number, number];
function deformText(k: DeformCase): string {
  const C = k.cg * k.group, M = k.mg * k.group, K = k.kh * k.kw;
  const [oh, ow] = deformOut(k);
  const y = [k.n, M, oh, ow];
  const args = [`%x: ${fmtShape([k.n, C, k.h, k.w])}`, `%w: ${fmtShape([M, k.cg, k.kh, k.kw])}`, `%off: ${fmtShape([k.n, k.og * 2 * K, oh, ow])}`,
    ...(k.bias ? [`%bias: f32[${M}]`] : []), ...(k.mask ? [`%mask: ${fmtShape([k.n, k.og * K, oh, ow])}`] : [])];
  const attrs = `dilations = [${k.d}, ${k.d}], group = ${k.group}, kernel_shape = [${k.kh}, ${k.kw}], offset_group = ${k.og}, pads = [${k.p}, ${k.p}, ${k.p}, ${k.p}], strides = [${k.s}, ${k.s}]`;
  const ops = `%x, %w, %off, ${k.bias ? '%bias' : 'none'}${k.mask ? ', %mask' : ''}`;
  return mod(args.join(', '), `%y: ${fmtShape(y)}`, [`    %y = deform_conv(${ops}) {${attrs}} : ${fmtShape(y)}`], '%y');
}
function deformInputs(k: DeformCase, seed: number): Tensor[] {
  const C = k.cg * k.group, M = k.mg * k.group, K = k.kh * k.kw;
  const [oh, ow] = deformOut(k);
  return [rand([k.n, C, k.h, k.w], seed), rand([M, k.cg, k.kh, k.kw], seed + 1), scaled(rand([k.n, k.og * 2 * K, oh, ow], seed + 2), 2),
    ...(k.bias ? [rand([M], seed + 3)] : []), ...(k.mask ? [rand([k.n, k.og * K, oh, ow], seed + 4)] : [])];
}

interface Col2ImCase { n: number; c: number; img: number[]; blk: number[]; s: number[]; d: number[]; pb: number[]; pe: number[] }
const blocks = (k: Col2ImCase): number[] => k.img.map((x, a) => Math.floor((x + k.pb[a]! + k.pe[a]! - ((k.blk[a]! - 1) * k.d[a]! + 1)) / k.s[a]!) + 1);
function col2imText(k: Col2ImCase, runtimeBlock: boolean): string {
  const r = k.img.length;
  const x = [k.n, k.c * prod(k.blk), prod(blocks(k))];
  const y = [k.n, k.c, ...k.img];
  const attrs = `dilations = [${k.d.join(', ')}], pads = [${[...k.pb, ...k.pe].join(', ')}], strides = [${k.s.join(', ')}]`;
  // With a run-time block shape the channel count is a data symbol, as the importer writes it.
  const yt = runtimeBlock ? `f32[${k.n},"floordiv(${x[1]},${k.blk.map((_b, a) => `%blk[${a}]`).join('*')})",${k.img.join(',')}]` : fmtShape(y);
  return mod(`%x: ${fmtShape(x)}${runtimeBlock ? `, %blk: i64[${r}]` : ''}`, `%y: ${yt}`,
    [i64c('img', k.img), ...(runtimeBlock ? [] : [i64c('blk', k.blk)]), `    %y = col2im(%x, %img, %blk) {${attrs}} : ${yt}`], '%y');
}

// ---------------------------------------------------------------------------------------------

describe('webgpu spatial kernels vs interpreter (fast-check)', () => {
  it('grid_sample: 1-3 spatial axes, every mode, padding mode and align_corners', async () => {
    const dim = fc.constantFrom(1, 2, 3, 5);
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 1, max: 3 }), fc.constantFrom(1, 2), fc.constantFrom(1, 3), fc.array(dim, { minLength: 3, maxLength: 3 }), fc.array(fc.constantFrom(1, 2, 3), { minLength: 3, maxLength: 3 }),
      fc.constantFrom('linear', 'nearest', 'cubic'), fc.constantFrom('zeros', 'border', 'reflection'), fc.boolean(), fc.integer(),
      async (nd, n, c, ins, outs, mode, pad, align, seed) => {
        const k: GridCase = { n, c, inDims: ins.slice(0, nd), outDims: outs.slice(0, nd), mode, pad, align };
        // Grid points up to 1.6 outside [-1, 1]: every padding mode has work to do.
        await check(gridText(k), [scaled(rand([n, c, ...k.inDims], seed), 2), scaled(rand([n, ...k.outDims, nd], seed + 1), 1.6)], 2e-4);
      },
    ), { numRuns: 30, seed: 41 });
  }, 60_000);

  it('affine_grid: 2-D and 3-D, align_corners, size constant', async () => {
    await fc.assert(fc.asyncProperty(
      fc.constantFrom(2, 3), fc.constantFrom(1, 2), fc.array(fc.constantFrom(1, 2, 3, 5), { minLength: 3, maxLength: 3 }), fc.boolean(), fc.integer(),
      async (nd, n, sp, align, seed) => {
        const size = [n, 1, ...sp.slice(0, nd)];
        const y = [n, ...sp.slice(0, nd), nd];
        const text = mod(`%theta: ${fmtShape([n, nd, nd + 1])}`, `%y: ${fmtShape(y)}`,
          [i64c('s', size), `    %y = affine_grid(%theta, %s) {align_corners = ${align ? 1 : 0}} : ${fmtShape(y)}`], '%y');
        await check(text, [rand([n, nd, nd + 1], seed)]);
      },
    ), { numRuns: 12, seed: 42 });
  }, 30_000);

  it('affine_grid with the size as a graph input: one artifact, several sizes', async () => {
    const text = mod('%theta: f32[2,2,3], %s: i64[4]', '%y: f32[2,"%s[2]","%s[3]",2]', ['    %y = affine_grid(%theta, %s) {align_corners = 0} : f32[2,"%s[2]","%s[3]",2]'], '%y');
    const c = compileText(text);
    for (const [h, w] of [[1, 1], [3, 5], [7, 2]]) {
      const inputs = [rand([2, 2, 3], h! * 10 + w!), tensorFrom('i64', [4], [2n, 3n, BigInt(h!), BigInt(w!)])];
      const got = await runCompiled(c, inputs);
      expect(got[0]!.shape).toEqual([2, h, w, 2]);
      expectClose(got, interpText(text, inputs));
    }
  }, 30_000);

  it('roi_align: avg and max, half_pixel and output_half_pixel, fixed and adaptive sampling', async () => {
    await fc.assert(fc.asyncProperty(
      fc.record({
        n: fc.constantFrom(1, 2), c: fc.constantFrom(1, 3), h: fc.constantFrom(1, 2, 5, 7), w: fc.constantFrom(1, 3, 6), r: fc.constantFrom(1, 3),
        ph: fc.constantFrom(1, 2, 3), pw: fc.constantFrom(1, 2), ratio: fc.constantFrom(0, 1, 2), mode: fc.constantFrom('avg', 'max'),
        ctm: fc.constantFrom('half_pixel', 'output_half_pixel'), scale: fc.constantFrom(1, 0.5),
      }), fc.integer(),
      async (k, seed) => {
        // Boxes from about -1 to past the far edge (in input pixels before spatial_scale).
        const u = rand([k.r, 4], seed + 1).data as Float32Array;
        const rois = Array.from({ length: k.r }, (_v, j) => {
          const x1 = (u[4 * j]! + 0.7) * k.w / k.scale, y1 = (u[4 * j + 1]! + 0.7) * k.h / k.scale;
          return [x1, y1, x1 + (u[4 * j + 2]! + 1.1) * k.w / k.scale, y1 + (u[4 * j + 3]! + 1.1) * k.h / k.scale];
        }).flat();
        const b = tensorFrom('i64', [k.r], Array.from({ length: k.r }, (_v, j) => BigInt((j + seed) % k.n === 0 ? 0 : ((j + seed) % k.n + k.n) % k.n)));
        await check(roiText(k), [rand([k.n, k.c, k.h, k.w], seed), tensorFrom('f32', [k.r, 4], rois), b], 2e-4);
      },
    ), { numRuns: 20, seed: 43 });
  }, 60_000);

  it('center_crop_pad: crops and pads along an axes subset (negative axes too), f32 and i32', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.constantFrom(1, 2, 3, 5, 7), { minLength: 1, maxLength: 3 }), fc.array(fc.constantFrom(1, 2, 4, 6, 8), { minLength: 3, maxLength: 3 }),
      fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), fc.boolean(), fc.constantFrom('f32', 'i32'), fc.integer(),
      async (shape, want, pick, negative, dtype, seed) => {
        const r = shape.length;
        const axes = shape.map((_d, a) => a).filter((a) => pick[a]);
        if (axes.length === 0) axes.push(r - 1);
        const y = shape.map((d, a) => (axes.includes(a) ? want[a]! : d));
        const text = mod(`%x: ${fmtShape(shape, dtype)}`, `%y: ${fmtShape(y, dtype)}`,
          [i64c('s', axes.map((a) => y[a]!)), `    %y = center_crop_pad(%x, %s) {axes = [${axes.map((a) => (negative ? a - r : a)).join(', ')}]} : ${fmtShape(y, dtype)}`], '%y');
        const x = rand(shape, seed);
        await check(text, [dtype === 'f32' ? x : tensorFrom('i32', shape, Array.from(x.data as Float32Array, (v) => Math.round(v * 1000)))]);
      },
    ), { numRuns: 16, seed: 44 });
  }, 30_000);

  it('center_crop_pad with the shape as a graph input: one artifact, several shapes', async () => {
    const text = mod('%x: f32[5,4,3], %s: i64[2]', '%y: f32["%s[0]","%s[1]",3]', ['    %y = center_crop_pad(%x, %s) {axes = [0, 1]} : f32["%s[0]","%s[1]",3]'], '%y');
    const c = compileText(text);
    for (const [h, w] of [[1, 1], [5, 4], [8, 3], [2, 7]]) {
      const inputs = [rand([5, 4, 3], 9), tensorFrom('i64', [2], [BigInt(h!), BigInt(w!)])];
      expectClose(await runCompiled(c, inputs), interpText(text, inputs));
    }
  }, 30_000);

  it('col2im: 1-3 image axes, strides, dilations, pads; block shape constant or a graph input', async () => {
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 1, max: 3 }), fc.constantFrom(1, 2), fc.constantFrom(1, 3),
      fc.array(fc.record({ img: fc.constantFrom(1, 2, 3, 5), blk: fc.constantFrom(1, 2, 3), s: fc.constantFrom(1, 2), d: fc.constantFrom(1, 2), pb: fc.constantFrom(0, 1), pe: fc.constantFrom(0, 2) }), { minLength: 3, maxLength: 3 }),
      fc.boolean(), fc.integer(),
      async (r, n, c, ax, runtime, seed) => {
        // Keep at least one block per axis: grow the image until the dilated block fits.
        const a = ax.slice(0, r).map((q) => ({ ...q, img: Math.max(q.img, (q.blk - 1) * q.d + 1 - q.pb - q.pe) }));
        const k: Col2ImCase = { n, c, img: a.map((q) => q.img), blk: a.map((q) => q.blk), s: a.map((q) => q.s), d: a.map((q) => q.d), pb: a.map((q) => q.pb), pe: a.map((q) => q.pe) };
        const x = rand([n, c * prod(k.blk), prod(blocks(k))], seed);
        await check(col2imText(k, runtime), runtime ? [x, tensorFrom('i64', [r], k.blk.map(BigInt))] : [x]);
      },
    ), { numRuns: 16, seed: 45 });
  }, 30_000);

  it('deform_conv: groups, offset groups, strides, dilations, pads, bias and mask', async () => {
    await fc.assert(fc.asyncProperty(
      fc.record({
        n: fc.constantFrom(1, 2), group: fc.constantFrom(1, 2), og: fc.constantFrom(1, 2), cg: fc.constantFrom(1, 2), mg: fc.constantFrom(1, 3),
        h: fc.constantFrom(1, 3, 5), w: fc.constantFrom(2, 3, 4), kh: fc.constantFrom(1, 2, 3), kw: fc.constantFrom(1, 2),
        s: fc.constantFrom(1, 2), d: fc.constantFrom(1, 2), p: fc.constantFrom(0, 1), bias: fc.boolean(), mask: fc.boolean(),
      }), fc.integer(),
      async (k0, seed) => {
        // Channels divide into both groupings (cg per group, a multiple of the offset groups).
        const k = { ...k0, cg: k0.cg * k0.og };
        if (deformOut(k).some((o) => o < 1)) return;
        await check(deformText(k), deformInputs(k, seed), 2e-4);
      },
    ), { numRuns: 16, seed: 46 });
  }, 60_000);
});

describe('spatial shaders', () => {
  const texts = (): { name: string; text: string }[] => [
    ...['linear', 'nearest', 'cubic'].flatMap((mode) => ['zeros', 'border', 'reflection'].map((pad) => ({ name: `grid-${mode}-${pad}`, text: gridText({ n: 1, c: 2, inDims: [3, 4], outDims: [2, 3], mode, pad, align: pad === 'border' }) }))),
    { name: 'grid-3d-cubic', text: gridText({ n: 1, c: 1, inDims: [2, 3, 2], outDims: [2, 1, 2], mode: 'cubic', pad: 'reflection', align: false }) },
    { name: 'roi-avg', text: roiText({ n: 1, c: 2, h: 5, w: 4, r: 2, ph: 2, pw: 2, ratio: 0, mode: 'avg', ctm: 'half_pixel', scale: 1 }) },
    { name: 'roi-max', text: roiText({ n: 1, c: 2, h: 5, w: 4, r: 2, ph: 2, pw: 2, ratio: 2, mode: 'max', ctm: 'output_half_pixel', scale: 0.5 }) },
    { name: 'deform', text: deformText({ n: 1, group: 2, og: 2, cg: 2, mg: 1, h: 4, w: 3, kh: 2, kw: 2, s: 1, d: 1, p: 1, bias: true, mask: true }) },
    { name: 'col2im', text: col2imText({ n: 1, c: 2, img: [4, 3], blk: [2, 2], s: [1, 1], d: [1, 1], pb: [0, 1], pe: [0, 1] }, true) },
    { name: 'crop', text: mod('%x: i32[5,4]', '%y: i32[3,6]', [i64c('s', [3, 6]), '    %y = center_crop_pad(%x, %s) : i32[3,6]'], '%y') },
    { name: 'affine', text: mod('%t: f32[1,3,4]', '%y: f32[1,2,3,2,3]', [i64c('s', [1, 1, 2, 3, 2]), '    %y = affine_grid(%t, %s) {align_corners = 1} : f32[1,2,3,2,3]'], '%y') },
  ];

  it('pass Tint (Dawn null backend) and naga (wgpu), and compile byte-identically twice', async () => {
    const first = texts().map(({ name, text }) => ({ name, c: compileText(text) }));
    const second = texts().map(({ text }) => compileText(text));
    for (const { name, c } of first) expect([name, await validateShaders(c)]).toEqual([name, []]);
    expect(await nagaErrors(first)).toEqual([]);
    expect(second.map((c) => c.shaders)).toEqual(first.map(({ c }) => c.shaders));
  }, 60_000);

  it('refuses what it cannot do with E201, naming the op', () => {
    const text = mod('%x: f32[1,1,2,2,2,2], %g: f32[1,2,2,2,2,4]', '%y: f32[1,1,2,2,2,2]', ['    %y = grid_sample(%x, %g) {mode = "cubic"} : f32[1,1,2,2,2,2]'], '%y');
    expect(() => compileText(text)).toThrow(/E201[\s\S]*grid_sample/);
  });
});
