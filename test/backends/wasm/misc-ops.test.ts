// The wasm kernels of misc-unary/pool/norm/grid/image/deform/signal/fft.ts against the
// interpreter (fast-check on random shapes with 1s and primes): trigonometric/hyperbolic ops on
// f32 and f64, lp_pool / global_lp_pool / lp_normalization / max_unpool, group_normalization / lrn /
// mean_variance_normalization, grid_sample (1-3 spatial
// dims, every mode and padding), roi_align, affine_grid, col2im, deform_conv, dft / stft / windows /
// mel_weight_matrix.
// Tolerances: f32 results rtol 1e-5 (the kernels compute in f64 and round once, like the
// interpreter); f64 results rtol 1e-12; DFT sums of n terms atol 1e-5.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tensorFrom, type Tensor } from '../../../ir/tensor.js';
import { expectClose, interpText, runWasm } from './helpers.js';

const dim = fc.constantFrom(1, 2, 3, 5, 7);
const ty = (dt: string, s: readonly number[]): string => `${dt}[${s.join(',')}]`;
const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

function randT(dtype: string, shape: readonly number[], seed: number, lo = -3, hi = 3): Tensor {
  let s = seed >>> 0 || 1;
  const vals: number[] = [];
  for (let i = 0; i < numel(shape); i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    vals.push(((s >>> 8) / 2 ** 24) * (hi - lo) + lo);
  }
  return tensorFrom(dtype as Tensor['dtype'], shape, vals);
}

const module = (args: string, results: string, body: readonly string[], ret: string): string =>
  ['module @m {', `  func @main(${args}) -> (${results}) {`, ...body, `    return ${ret}`, '  }', '}'].join('\n');

async function close(text: string, ins: readonly Tensor[], rtol = 1e-5, atol = 1e-6): Promise<void> {
  expectClose(await runWasm(text, ins, ''), interpText(text, ins), rtol, atol);
}

describe('wasm trigonometric and hyperbolic ops vs interpreter', () => {
  const ops = ['sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'sinh', 'cosh', 'asinh', 'acosh', 'atanh'];
  const special = [0, -0, 1e-12, -3e-8, 1e-3, 0.4999, -0.5, 0.99999, 1, -1, 1.0001, 2, -3.14159, 7.5, 40, -88, 100, 1e4, 3e5, Infinity, -Infinity, NaN];

  it.each(ops)('%s on f32 special values and f64 random values', async (op) => {
    const n = special.length;
    const t32 = module(`%x: f32[${n}]`, `%y: f32[${n}]`, [`    %y = ${op}(%x) : f32[${n}]`], '%y');
    await close(t32, [tensorFrom('f32', [n], special)], 2e-7, 1e-30);
    const t64 = module('%x: f64[97]', '%y: f64[97]', [`    %y = ${op}(%x) : f64[97]`], '%y');
    await close(t64, [randT('f64', [97], op.length * 31, -5, 5)], 1e-12, 1e-300);
  });
});

describe('wasm misc kernels inside fused groups (O2)', () => {
  it('trig ops between elementwise ops (one fused group) and top_k feeding tan, through O2', async () => {
    const text = module('%x: f32[4,5], %z: f32[4,5]', '%y: f32[4,5], %t: f32[4,2]', [
      '    %a = add(%x, %z) : f32[4,5]',
      '    %b = sin(%a) : f32[4,5]',
      '    %c = atanh(%b) : f32[4,5]',
      '    %d = mul(%c, %x) : f32[4,5]',
      '    %e = cosh(%d) : f32[4,5]',
      '    %y = sub(%e, %z) : f32[4,5]',
      '    %k = const {value = dense<[2]> : i64[1]} : i64[1]',
      '    %v, %i = top_k(%y, %k) : (f32[4,2], i64[4,2])',
      '    %t = tan(%v) : f32[4,2]',
    ], '%y, %t');
    const ins = [randT('f32', [4, 5], 3, -1, 1), randT('f32', [4, 5], 4, -0.5, 0.5)];
    expectClose(await runWasm(text, ins, 'O2'), interpText(text, ins), 1e-5, 1e-6);
  });
});

describe('wasm pools and norms vs interpreter (fast-check)', () => {
  it('lp_pool 1-D/2-D/3-D with pads, strides, dilations, auto_pad, ceil_mode, p = 1/2/3', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 3 }), dim, fc.array(fc.constantFrom(3, 4, 5, 7), { minLength: 3, maxLength: 3 }), fc.array(fc.constantFrom(1, 2, 3), { minLength: 3, maxLength: 3 }), fc.constantFrom('NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'), fc.integer({ min: 1, max: 3 }), fc.integer(), async (sp, C, sizes, ks, autoPad, p, seed) => {
      const inSp = sizes.slice(0, sp), kernel = ks.slice(0, sp);
      const strides = kernel.map((_k, i) => 1 + ((seed >>> i) & 1)), dil = kernel.map((_k, i) => 1 + ((seed >>> (i + 3)) & 1) * (autoPad === 'NOTSET' ? 1 : 0));
      const pads = autoPad === 'NOTSET' ? [...kernel.map((k, i) => Math.min(k - 1, (seed >>> (6 + i)) & 1)), ...kernel.map((k, i) => Math.min(k - 1, (seed >>> (9 + i)) & 1))] : undefined;
      const ceil = autoPad === 'NOTSET' ? (seed >>> 12) & 1 : 0;
      const outSp = inSp.map((s, i) => {
        const ek = (kernel[i]! - 1) * dil[i]! + 1;
        if (autoPad === 'VALID') return Math.max(0, Math.floor((s - ek) / strides[i]!) + 1);
        if (autoPad !== 'NOTSET') return Math.ceil(s / strides[i]!);
        const span = s + pads![i]! + pads![i + sp]! - ek;
        if (span < 0) return 0;
        let o = (ceil ? Math.ceil(span / strides[i]!) : Math.floor(span / strides[i]!)) + 1;
        if (ceil && (o - 1) * strides[i]! >= s + pads![i]!) o--;
        return o;
      });
      fc.pre(outSp.every((o) => o > 0));
      const attrs = [`auto_pad = "${autoPad}"`, `ceil_mode = ${ceil}`, `dilations = [${dil.join(', ')}]`, `kernel_shape = [${kernel.join(', ')}]`, `p = ${p}`, ...(pads ? [`pads = [${pads.join(', ')}]`] : []), `strides = [${strides.join(', ')}]`];
      const xs = [2, C, ...inSp], ys = [2, C, ...outSp];
      const text = module(`%x: ${ty('f32', xs)}`, `%y: ${ty('f32', ys)}, %g: ${ty('f32', [2, C, ...inSp.map(() => 1)])}`, [
        `    %y = lp_pool(%x) {${attrs.join(', ')}} : ${ty('f32', ys)}`,
        `    %g = global_lp_pool(%x) {p = ${p}} : ${ty('f32', [2, C, ...inSp.map(() => 1)])}`,
      ], '%y, %g');
      await close(text, [randT('f32', xs, seed)]);
    }), { numRuns: 40 });
  });

  it('lp_normalization p = 1/2 on any axis (zero rows give 0), f32 and f64', async () => {
    await fc.assert(fc.asyncProperty(fc.array(dim, { minLength: 1, maxLength: 3 }), fc.nat(), fc.constantFrom(1, 2), fc.constantFrom('f32', 'f64'), fc.integer(), async (ds, ax, p, dt, seed) => {
      const axis = ax % ds.length;
      const x = randT(dt, ds, seed);
      (x.data as Float32Array).forEach((_v, i, a) => { if (i % 5 === 0) a[i] = 0; });
      const text = module(`%x: ${ty(dt, ds)}`, `%y: ${ty(dt, ds)}`, [`    %y = lp_normalization(%x) {axis = ${axis}, p = ${p}} : ${ty(dt, ds)}`], '%y');
      await close(text, [x], dt === 'f32' ? 1e-5 : 1e-12);
    }), { numRuns: 30 });
  });

  it('group_normalization, lrn and mean_variance_normalization on random NCHW shapes, f32 and f64', async () => {
    await fc.assert(fc.asyncProperty(dim, fc.constantFrom(1, 2, 3), fc.constantFrom(1, 2, 5), fc.array(dim, { minLength: 0, maxLength: 2 }), fc.constantFrom(1, 2, 3, 5), fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }), fc.constantFrom('f32', 'f64'), fc.integer(), async (N, G, cg, sp, size, pick, dt, seed) => {
      const C = G * cg, xs = [N, C, ...sp];
      const axes = xs.map((_d, i) => i).filter((i) => pick[i]);
      const text = module(`%x: ${ty(dt, xs)}, %s: ${ty(dt, [C])}, %b: ${ty(dt, [C])}`, `%g: ${ty(dt, xs)}, %l: ${ty(dt, xs)}, %m: ${ty(dt, xs)}`, [
        `    %g = group_normalization(%x, %s, %b) {epsilon = 0.001, num_groups = ${G}} : ${ty(dt, xs)}`,
        `    %l = lrn(%x) {alpha = 0.02, beta = ${seed & 1 ? '0.75' : '1.0'}, bias = 1.5, size = ${size}} : ${ty(dt, xs)}`,
        `    %m = mean_variance_normalization(%x) {axes = [${axes.join(', ')}]} : ${ty(dt, xs)}`,
      ], '%g, %l, %m');
      await close(text, [randT(dt, xs, seed), randT(dt, [C], seed + 1), randT(dt, [C], seed + 2)], dt === 'f32' ? 1e-5 : 1e-10, 1e-6);
    }), { numRuns: 40 });
  });

  it('max_unpool to the default size and to a larger output_shape (in-range indices, repeats: last wins)', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 2 }), dim, fc.array(fc.constantFrom(1, 2, 3), { minLength: 2, maxLength: 2 }), fc.constantFrom(1, 2, 3), fc.boolean(), fc.integer(), async (sp, C, ins, k, bigger, seed) => {
      const inSp = ins.slice(0, sp);
      const def = inSp.map((d) => (d - 1) * 2 + k);
      const outSp = bigger ? def.map((d) => d + 1) : def;
      const xs = [2, C, ...inSp], ys = [2, C, ...outSp];
      const plane = numel(def);
      const idx = Array.from({ length: numel(xs) }, (_, i) => Math.floor(i / numel(inSp)) * plane + ((i * 7 + (seed >>> 0)) % plane));
      const text = module(`%x: ${ty('f32', xs)}`, `%y: ${ty('f32', ys)}`, [
        `    %i = const {value = dense<[${idx.join(', ')}]> : ${ty('i64', [numel(xs)])}} : ${ty('i64', [numel(xs)])}`,
        `    %s = const {value = dense<[${xs.join(', ')}]> : i64[${xs.length}]} : i64[${xs.length}]`,
        `    %ir = reshape(%i, %s) : ${ty('i64', xs)}`,
        ...(bigger ? [`    %o = const {value = dense<[${ys.join(', ')}]> : i64[${ys.length}]} : i64[${ys.length}]`] : []),
        `    %y = max_unpool(%x, %ir${bigger ? ', %o' : ''}) {kernel_shape = [${inSp.map(() => k).join(', ')}], strides = [${inSp.map(() => 2).join(', ')}]} : ${ty('f32', ys)}`,
      ], '%y');
      await close(text, [randT('f32', xs, seed)], 0, 0);
    }), { numRuns: 30 });
  });
});

describe('wasm grid_sample and roi_align vs interpreter (fast-check)', () => {
  it('grid_sample 1-D/2-D/3-D, linear/nearest/cubic, zeros/border/reflection, align_corners', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 3 }), fc.array(dim, { minLength: 3, maxLength: 3 }), fc.array(fc.constantFrom(1, 2, 3), { minLength: 3, maxLength: 3 }), fc.constantFrom('linear', 'nearest', 'cubic'), fc.constantFrom('zeros', 'border', 'reflection'), fc.nat(1), fc.integer(), async (nd, sizes, outs, mode, pad, align, seed) => {
      const inSp = sizes.slice(0, nd), outSp = outs.slice(0, nd);
      const xs = [2, 3, ...inSp], gs = [2, ...outSp, nd], ys = [2, 3, ...outSp];
      const text = module(`%x: ${ty('f32', xs)}, %g: ${ty('f32', gs)}`, `%y: ${ty('f32', ys)}`, [
        `    %y = grid_sample(%x, %g) {align_corners = ${align}, mode = "${mode}", padding_mode = "${pad}"} : ${ty('f32', ys)}`,
      ], '%y');
      await close(text, [randT('f32', xs, seed), randT('f32', gs, seed + 1, -1.6, 1.6)]);
    }), { numRuns: 60 });
  });

  it('roi_align avg/max, half_pixel/output_half_pixel, adaptive or fixed sampling ratio', async () => {
    await fc.assert(fc.asyncProperty(dim, dim, fc.constantFrom(4, 5, 7), fc.constantFrom(3, 6), fc.constantFrom('avg', 'max'), fc.constantFrom('half_pixel', 'output_half_pixel'), fc.constantFrom(0, 2), fc.constantFrom(1, 2, 3), fc.integer(), async (R, C, H, W, mode, ctm, ratio, ph, seed) => {
      const rois = Array.from({ length: R }, (_, r) => {
        const x0 = ((r * 37 + seed) >>> 0) % W, y0 = ((r * 17 + seed) >>> 0) % H;
        return [x0 - 0.7, y0 + 0.3, x0 + 1.9 + (r % 3), y0 + 2.4 + (r % 2)];
      }).flat();
      const text = module(`%x: ${ty('f32', [2, C, H, W])}, %r: ${ty('f32', [R, 4])}`, `%y: ${ty('f32', [R, C, ph, 2])}`, [
        `    %b = const {value = dense<[${Array.from({ length: R }, (_, r) => r % 2).join(', ')}]> : i64[${R}]} : i64[${R}]`,
        `    %y = roi_align(%x, %r, %b) {coordinate_transformation_mode = "${ctm}", mode = "${mode}", output_height = ${ph}, output_width = 2, sampling_ratio = ${ratio}, spatial_scale = 0.8} : ${ty('f32', [R, C, ph, 2])}`,
      ], '%y');
      await close(text, [randT('f32', [2, C, H, W], seed), tensorFrom('f32', [R, 4], rois)]);
    }), { numRuns: 40 });
  });
});

describe('wasm affine_grid and col2im vs interpreter (fast-check)', () => {
  it('affine_grid 2-D/3-D with and without align_corners', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom(2, 3), dim, fc.array(dim, { minLength: 3, maxLength: 3 }), fc.nat(1), fc.integer(), async (nd, N, sp0, align, seed) => {
      const sp = sp0.slice(0, nd);
      const size = [N, 3, ...sp], ys = [N, ...sp, nd];
      const text = module(`%t: ${ty('f32', [N, nd, nd + 1])}`, `%y: ${ty('f32', ys)}`, [
        `    %s = const {value = dense<[${size.join(', ')}]> : i64[${size.length}]} : i64[${size.length}]`,
        `    %y = affine_grid(%t, %s) {align_corners = ${align}} : ${ty('f32', ys)}`,
      ], '%y');
      await close(text, [randT('f32', [N, nd, nd + 1], seed)]);
    }), { numRuns: 30 });
  });

  it('col2im 1-D/2-D with strides, dilations, pads; block_shape constant or run-time', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 2 }), dim, fc.array(fc.constantFrom(3, 4, 5, 7), { minLength: 2, maxLength: 2 }), fc.array(fc.constantFrom(1, 2, 3), { minLength: 2, maxLength: 2 }), fc.boolean(), fc.integer(), async (r, C, img0, blk0, rtBlock, seed) => {
      const img = img0.slice(0, r), blk = blk0.slice(0, r);
      const strides = img.map((_v, d) => 1 + ((seed >>> d) & 1)), dil = img.map((_v, d) => 1 + ((seed >>> (d + 2)) & 1)), pads = [...img.map((_v, d) => (seed >>> (d + 4)) & 1), ...img.map((_v, d) => (seed >>> (d + 6)) & 1)];
      const grid = img.map((n, d) => Math.floor((n + pads[d]! + pads[d + r]! - ((blk[d]! - 1) * dil[d]! + 1)) / strides[d]!) + 1);
      fc.pre(grid.every((g) => g > 0));
      const K = blk.reduce<number>((a, b) => a * b, 1), L = grid.reduce((a, b) => a * b, 1);
      const xs = [2, C * K, L], ys = [2, C, ...img];
      const text = module(`%x: ${ty('f32', xs)}${rtBlock ? `, %b: i64[${r}]` : ''}`, `%y: ${ty('f32', ys)}`, [
        `    %i = const {value = dense<[${img.join(', ')}]> : i64[${r}]} : i64[${r}]`,
        ...(rtBlock ? [] : [`    %b = const {value = dense<[${blk.join(', ')}]> : i64[${r}]} : i64[${r}]`]),
        `    %y = col2im(%x, %i, %b) {dilations = [${dil.join(', ')}], pads = [${pads.join(', ')}], strides = [${strides.join(', ')}]} : ${ty('f32', ys)}`,
      ], '%y');
      await close(text, [randT('f32', xs, seed), ...(rtBlock ? [tensorFrom('i64', [r], blk.map(BigInt))] : [])]);
    }), { numRuns: 30 });
  });
});

describe('wasm deform_conv vs interpreter (fast-check)', () => {
  it('groups, offset groups, strides, dilations, pads, optional bias and mask; offsets reaching outside the image', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom(1, 2), fc.constantFrom(1, 2), fc.constantFrom(1, 3), fc.array(fc.constantFrom(1, 2, 3), { minLength: 2, maxLength: 2 }), fc.array(fc.constantFrom(3, 4, 5), { minLength: 2, maxLength: 2 }), fc.boolean(), fc.boolean(), fc.integer(), async (group, og, mg, [kh, kw], [H, W], withB, withMask, seed) => {
      const C = 2 * group * og / (group === og ? group : 1), M = mg * group, Cg = C / group;
      const [sh, sw] = [1 + (seed & 1), 1 + ((seed >>> 1) & 1)], [dh, dw] = [1 + ((seed >>> 2) & 1), 1], [pt, pl, pb, pr] = [(seed >>> 3) & 1, (seed >>> 4) & 1, (seed >>> 5) & 1, 0];
      const OH = Math.floor((H + pt + pb - ((kh! - 1) * dh + 1)) / sh) + 1, OW = Math.floor((W + pl + pr - ((kw! - 1) * dw + 1)) / sw) + 1;
      fc.pre(OH > 0 && OW > 0);
      const K = kh! * kw!;
      const xs = [2, C, H, W], ws = [M, Cg, kh!, kw!], os = [2, og * 2 * K, OH, OW], ms = [2, og * K, OH, OW], ys = [2, M, OH, OW];
      const text = module(`%x: ${ty('f32', xs)}, %w: ${ty('f32', ws)}, %o: ${ty('f32', os)}, %b: f32[${M}], %m: ${ty('f32', ms)}`, `%y: ${ty('f32', ys)}`, [
        `    %y = deform_conv(%x, %w, %o, ${withB ? '%b' : 'none'}, ${withMask ? '%m' : 'none'}) {dilations = [${dh}, ${dw}], group = ${group}, offset_group = ${og}, pads = [${pt}, ${pl}, ${pb}, ${pr}], strides = [${sh}, ${sw}]} : ${ty('f32', ys)}`,
      ], '%y');
      await close(text, [randT('f32', xs, seed), randT('f32', ws, seed + 1), randT('f32', os, seed + 2, -2.5, 2.5), randT('f32', [M], seed + 3), randT('f32', ms, seed + 4, 0, 1)]);
    }), { numRuns: 40 });
  });
});

describe('wasm signal ops vs interpreter (fast-check)', () => {
  it('dft forward/inverse, full/one-sided, real/complex, with dft_length, on f64 and f32', async () => {
    await fc.assert(fc.asyncProperty(dim, fc.constantFrom(1, 2, 5, 6, 7, 8), dim, fc.nat(1), fc.nat(1), fc.constantFrom(1, 2), fc.constantFrom(0, 3, 9), fc.constantFrom('f64', 'f32'), fc.integer(), async (a, m, c, inv, one, cin, len, dt, seed) => {
      fc.pre(!(inv && one && cin === 1 && len === 0 && m === 1));
      const xs = [a, m, c, cin];
      const n = len || (inv && one ? 2 * (m - 1) : m);
      fc.pre(n > 0);
      const outN = !inv && one ? Math.floor(n / 2) + 1 : n;
      const ys = [a, outN, c, inv && one ? 1 : 2];
      // Odd seeds pass the axis (and length) as run-time inputs: the kernel reads them from memory.
      const rt = (seed & 1) === 1;
      const text = module(`%x: ${ty(dt, xs)}${rt ? ', %ax: i64[]' : ''}${rt && len ? ', %n: i64[]' : ''}`, `%y: ${ty(dt, ys)}`, [
        ...(rt ? [] : ['    %ax = const {value = dense<-3> : i64[]} : i64[]']),
        ...(len && !rt ? [`    %n = const {value = dense<${len}> : i64[]} : i64[]`] : []),
        `    %y = dft(%x, ${len ? '%n' : 'none'}, %ax) {inverse = ${inv}, onesided = ${one}} : ${ty(dt, ys)}`,
      ], '%y');
      const ins = [randT(dt, xs, seed), ...(rt ? [tensorFrom('i64', [], [1n]), ...(len ? [tensorFrom('i64', [], [BigInt(len)])] : [])] : [])];
      await close(text, ins, dt === 'f64' ? 1e-9 : 1e-4, 1e-5);
    }), { numRuns: 50 });
  });

  it('complex f32 full dft reproduces the interpreter\'s float32 FFT bit for bit (radix 2/3/4/5 lengths)', async () => {
    await fc.assert(fc.asyncProperty(dim, fc.constantFrom(1, 2, 3, 4, 5, 6, 9, 10, 12, 15, 20, 25), fc.nat(1), fc.constantFrom(0, 1), fc.integer(), async (a, m, inv, padTo, seed) => {
      // Zero padding to m + 3 only where that length still has factors <= 5 and no 8 (the FFT path).
      const n = padTo && [1, 2, 3, 6, 9, 12, 15].includes(m) ? m + 3 : m;
      const xs = [a, m, 2], ys = [a, n, 2];
      // Odd seeds without padding give the axis at run time (the kernel picks the FFT by length).
      const rt = (seed & 1) === 1 && n === m;
      const text = module(`%x: ${ty('f32', xs)}${rt ? ', %ax: i64[]' : ''}`, `%y: ${ty('f32', ys)}`, [
        ...(rt ? [] : ['    %ax = const {value = dense<1> : i64[]} : i64[]', `    %n = const {value = dense<${n}> : i64[]} : i64[]`]),
        `    %y = dft(%x, ${rt ? 'none' : '%n'}, %ax) {inverse = ${inv}} : ${ty('f32', ys)}`,
      ], '%y');
      const ins = [randT('f32', xs, seed), ...(rt ? [tensorFrom('i64', [], [1n])] : [])];
      const got = await runWasm(text, ins, ''), want = interpText(text, ins);
      expect(Array.from(got[0]!.data as Float32Array)).toEqual(Array.from(want[0]!.data as Float32Array));
    }), { numRuns: 40 });
  });

  it('stft with and without a window; hann/hamming/blackman windows; mel_weight_matrix', async () => {
    await fc.assert(fc.asyncProperty(dim, fc.constantFrom(8, 13, 16), fc.constantFrom(1, 2, 3), fc.constantFrom(4, 5), fc.constantFrom(1, 2), fc.boolean(), fc.nat(1), fc.integer(), async (B, L, step, flen, cin, withWin, periodic, seed) => {
      const frames = 1 + Math.floor((L - flen) / step), bins = Math.floor(flen / 2) + 1;
      const ys = [B, frames, bins, 2];
      const text = module(`%x: ${ty('f32', [B, L, cin])}`, `%y: ${ty('f32', ys)}, %h: f32[${flen}], %m: f32[${flen}], %b: f64[${flen}], %mel: f32[5,3]`, [
        `    %st = const {value = dense<${step}> : i64[]} : i64[]`,
        `    %fl = const {value = dense<${flen}> : i64[]} : i64[]`,
        `    %h = hann_window(%fl) {periodic = ${periodic}} : f32[${flen}]`,
        `    %m = hamming_window(%fl) {periodic = ${periodic}} : f32[${flen}]`,
        `    %b = blackman_window(%fl) {output_datatype = f64, periodic = ${periodic}} : f64[${flen}]`,
        `    %y = stft(%x, %st, ${withWin ? '%h' : 'none'}, %fl) : ${ty('f32', ys)}`,
        '    %nb = const {value = dense<3> : i64[]} : i64[]',
        '    %dl = const {value = dense<8> : i64[]} : i64[]',
        '    %sr = const {value = dense<8000> : i64[]} : i64[]',
        `    %lo = const {value = dense<${100 + (seed & 255)}.0> : f32[]} : f32[]`,
        '    %hi = const {value = dense<3000.0> : f32[]} : f32[]',
        '    %mel = mel_weight_matrix(%nb, %dl, %sr, %lo, %hi) : f32[5,3]',
      ], '%y, %h, %m, %b, %mel');
      const got = await runWasm(text, [randT('f32', [B, L, cin], seed)], '');
      const want = interpText(text, [randT('f32', [B, L, cin], seed)]);
      expectClose(got, want, 1e-5, 1e-5);
    }), { numRuns: 30 });
  });

  it('mel_weight_matrix with run-time inputs (computed in the kernel) matches the interpreter', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom(1, 3, 8), fc.constantFrom(8, 16, 31), fc.constantFrom(8000, 16000), fc.integer({ min: 0, max: 400 }), fc.integer({ min: 1000, max: 7000 }), async (bins, len, rate, lo, hi) => {
      const os = [Math.floor(len / 2) + 1, bins];
      const text = module('%nb: i64[], %dl: i32[], %sr: i64[], %lo: f32[], %hi: f64[]', `%y: ${ty('f32', os)}`, [`    %y = mel_weight_matrix(%nb, %dl, %sr, %lo, %hi) : ${ty('f32', os)}`], '%y');
      const ins = [tensorFrom('i64', [], [BigInt(bins)]), tensorFrom('i32', [], [len]), tensorFrom('i64', [], [BigInt(rate)]), tensorFrom('f32', [], [lo + 0.5]), tensorFrom('f64', [], [hi])];
      await close(text, ins, 1e-6, 1e-7);
    }), { numRuns: 30 });
  });

  it('hann_window(4) periodic is [0, 0.5, 1, 0.5] (hand-checked)', async () => {
    const text = module('%x: f32[1]', '%y: f32[4]', ['    %n = const {value = dense<4> : i64[]} : i64[]', '    %y = hann_window(%n) : f32[4]'], '%y');
    const [y] = await runWasm(text, [tensorFrom('f32', [1], [0])], '');
    Array.from(y!.data as Float32Array).forEach((v, i) => expect(v).toBeCloseTo([0, 0.5, 1, 0.5][i]!, 7));
  });
});
