// fast-check on Dawn + SwiftShader: map kernels (fused elementwise chains with broadcasting,
// pooling, data movement), row kernels (softmax on any axis, layer normalisation) and workgroup
// reductions agree with the interpreter on shapes that are 1, odd or prime. Few runs: SwiftShader
// compiles each pipeline on the CPU.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tensorFrom } from '../../../ir/tensor.js';
import { check, compileText, fmtShape, hexF32, rand } from './helpers.js';

const size = fc.constantFrom(1, 2, 3, 5, 7, 13, 70);

describe('webgpu map, row and reduce kernels vs interpreter (fast-check)', () => {
  it('fused elementwise chains with broadcasting run as one dispatch', async () => {
    const unary = ['relu', 'tanh', 'erf', 'exp', 'sigmoid', 'neg', 'abs', 'leaky_relu', 'hard_sigmoid', 'hard_swish', 'softplus'];
    const binary = ['add', 'sub', 'mul', 'max', 'min', 'div'];
    await fc.assert(fc.asyncProperty(
      fc.array(size, { minLength: 1, maxLength: 3 }), fc.array(fc.oneof(fc.constantFrom(...unary), fc.constantFrom(...binary)), { minLength: 1, maxLength: 5 }),
      fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), fc.integer(),
      async (shape, chain, bmask, seed) => {
        const bShape = shape.map((dd, i) => (bmask[i] ? 1 : dd)).slice(seed % 2 === 0 ? 0 : Math.min(1, shape.length - 1));
        const lines: string[] = [];
        let cur = '%x';
        chain.forEach((op, i) => {
          const next = `%v${i}`;
          lines.push(binary.includes(op) ? `    ${next} = ${op}(${cur}, %b) : ${fmtShape(shape)}` : `    ${next} = ${op}(${cur}) : ${fmtShape(shape)}`);
          cur = next;
        });
        lines.push(`    %y = clip(${cur}, %lo, %hi) : ${fmtShape(shape)}`);
        const text = [
          'module @m {',
          `  func @main(%x: ${fmtShape(shape)}, %b: ${fmtShape(bShape)}) -> (%y: ${fmtShape(shape)}) {`,
          '    %lo = const {value = dense<-0.75> : f32[]} : f32[]',
          '    %hi = const {value = dense<2.5> : f32[]} : f32[]',
          ...lines,
          '    return %y',
          '  }',
          '}',
        ].join('\n');
        expect(compileText(text).shaders.length).toBe(1);
        const x = rand(shape, seed);
        (x.data as Float32Array).forEach((v, i, a) => (a[i] = v * 3));
        const b = rand(bShape, seed + 7);
        (b.data as Float32Array).forEach((v, i, a) => (a[i] = v + (v >= 0 ? 0.5 : -0.5)));
        await check(text, [x, b], 'fuse', 2e-4, 2e-5);
      }), { numRuns: 12 });
  });

  it('reductions over constant axes (workgroup reductions), global pools', async () => {
    const ops = ['reduce_sum', 'reduce_mean', 'reduce_max', 'reduce_min', 'reduce_l2', 'reduce_sum_square'];
    await fc.assert(fc.asyncProperty(fc.array(size, { minLength: 1, maxLength: 3 }), fc.constantFrom(...ops), fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), fc.boolean(), fc.integer(), async (shape, op, pick, keep, seed) => {
      const axes = shape.map((_d, i) => i).filter((i) => pick[i]);
      const all = axes.length === 0 ? shape.map((_d, i) => i) : axes;
      const out = keep ? shape.map((d, i) => (all.includes(i) ? 1 : d)) : shape.filter((_d, i) => !all.includes(i));
      const text = [
        'module @m {',
        `  func @main(%x: ${fmtShape(shape)}) -> (%y: ${fmtShape(out)}) {`,
        ...(axes.length === 0 ? [] : [`    %ax = const {value = dense<[${axes.map((a) => (seed % 2 ? a - shape.length : a)).join(', ')}]> : i64[${axes.length}]} : i64[${axes.length}]`]),
        `    %y = ${op}(%x${axes.length === 0 ? '' : ', %ax'}) {keepdims = ${keep ? 1 : 0}} : ${fmtShape(out)}`,
        '    return %y',
        '  }',
        '}',
      ].join('\n');
      await check(text, [rand(shape, seed)], '');
    }), { numRuns: 12 });
    for (const op of ['global_average_pool', 'global_max_pool']) {
      const text = `module @m {\n  func @main(%x: f32[2,3,9,11]) -> (%y: f32[2,3,1,1]) {\n    %y = ${op}(%x) : f32[2,3,1,1]\n    return %y\n  }\n}`;
      await check(text, [rand([2, 3, 9, 11], 3)], '');
    }
  });

  it('softmax on any axis and layer_normalization over trailing dims', async () => {
    await fc.assert(fc.asyncProperty(fc.array(size, { minLength: 1, maxLength: 3 }), fc.nat(2), fc.nat(2), fc.boolean(), fc.integer(), async (shape, sAxis, lAxis, bias, seed) => {
      const sa = sAxis % shape.length, la = lAxis % shape.length;
      const norm = shape.slice(la);
      const text = [
        'module @m {',
        `  weight @s : ${fmtShape(norm)} = bytes("${hexF32(rand(norm, seed + 1).data as Float32Array)}")`,
        `  weight @b : ${fmtShape(norm)} = bytes("${hexF32(rand(norm, seed + 2).data as Float32Array)}")`,
        `  func @main(%x: ${fmtShape(shape)}) -> (%y: ${fmtShape(shape)}) {`,
        `    %s = const {value = @s} : ${fmtShape(norm)}`,
        `    %b = const {value = @b} : ${fmtShape(norm)}`,
        `    %n = layer_normalization(%x, %s${bias ? ', %b' : ''}) {axis = ${la}, epsilon = 1e-5} : ${fmtShape(shape)}`,
        `    %y = softmax(%n) {axis = ${sa}} : ${fmtShape(shape)}`,
        '    return %y',
        '  }',
        '}',
      ].join('\n');
      const x = rand(shape, seed);
      (x.data as Float32Array).forEach((v, i, a) => (a[i] = v * 5 + 1));
      await check(text, [x]);
    }), { numRuns: 12 });
  });

  it('max and average pooling: strides, pads, dilations, count_include_pad', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.constantFrom(1, 2, 3), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 0, max: 1 }), fc.constantFrom('max_pool', 'average_pool'), fc.boolean(), fc.integer(), async (H, W, k, s, p, op, inc, seed) => {
      if (p >= k) return;
      const OH = Math.floor((H + 2 * p - k) / s) + 1, OW = Math.floor((W + 2 * p - k) / s) + 1;
      if (OH < 1 || OW < 1) return;
      const attrs = `kernel_shape = [${k}, ${k}], pads = [${p}, ${p}, ${p}, ${p}], strides = [${s}, ${s}]${op === 'average_pool' ? `, count_include_pad = ${inc ? 1 : 0}` : ''}`;
      const text = `module @m {\n  func @main(%x: f32[2,3,${H},${W}]) -> (%y: f32[2,3,${OH},${OW}]) {\n    %y = ${op}(%x) {${attrs}} : f32[2,3,${OH},${OW}]\n    return %y\n  }\n}`;
      await check(text, [rand([2, 3, H, W], seed)], '');
    }), { numRuns: 12 });
  });

  it('transpose, slice, concat, gather (negative i64 indices), cast, shape and size on a symbolic dim', async () => {
    const text = [
      'module @m {',
      '  func @main(%x: f32[n,3,5], %idx: i64[2,2], %m: i64[n,5]) -> (%t: f32[5,n,3], %s: f32[n,2,2], %c: f32[n,7,5], %g: f32[n,2,2,5], %f: f32[n,5], %sh: i64[3], %sz: i64[], %mean: f32[]) {',
      '    %t = transpose(%x) {perm = [2, 0, 1]} : f32[5,n,3]',
      '    %st = const {value = dense<[0, 4]> : i64[2]} : i64[2]',
      '    %en = const {value = dense<[3, 0]> : i64[2]} : i64[2]',
      '    %ax = const {value = dense<[1, 2]> : i64[2]} : i64[2]',
      '    %sp = const {value = dense<[2, -2]> : i64[2]} : i64[2]',
      '    %s = slice(%x, %st, %en, %ax, %sp) : f32[n,2,2]',
      '    %st1 = const {value = dense<[2]> : i64[1]} : i64[1]',
      '    %en1 = const {value = dense<[3]> : i64[1]} : i64[1]',
      '    %ax1 = const {value = dense<[1]> : i64[1]} : i64[1]',
      '    %one = slice(%x, %st1, %en1, %ax1) : f32[n,1,5]',
      '    %c = concat(%x, %one, %x) {axis = 1} : f32[n,7,5]',
      '    %g = gather(%x, %idx) {axis = 1} : f32[n,2,2,5]',
      '    %f = cast(%m) {to = f32} : f32[n,5]',
      '    %sh = shape(%x) : i64[3]',
      // tf2onnx's mean: reduce_sum over the element count read by Size.
      '    %sz = size(%x) : i64[]',
      '    %sum = reduce_sum(%x) {keepdims = 0} : f32[]',
      '    %szf = cast(%sz) {to = f32} : f32[]',
      '    %mean = div(%sum, %szf) : f32[]',
      '    return %t, %s, %c, %g, %f, %sh, %sz, %mean',
      '  }',
      '}',
    ].join('\n');
    for (const n of [1, 4, 0]) {
      const idx = tensorFrom('i64', [2, 2], [0n, -1n, 2n, -3n]);
      const m = tensorFrom('i64', [n, 5], Array.from({ length: n * 5 }, (_v, i) => BigInt(i * 7 - 20)));
      await check(text, [rand([n, 3, 5], n), idx, m], '');
    }
  });

  it('gather_elements, trilu, integer mod (both signs), rms_normalization, cast_like on random shapes', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom(1, 2, 5), fc.constantFrom(1, 3, 7), fc.integer({ min: -3, max: 3 }), fc.boolean(), fc.integer(), async (R, C, kk, upper, seed) => {
      const text = [
        'module @m {',
        `  func @main(%x: f32[${R},${C}], %idx: i64[${R},${C}], %a: i32[${R},${C}], %b: i32[${R},${C}], %s: f32[${C}]) -> (%g: f32[${R},${C}], %t: f32[${R},${C}], %m: i32[${R},${C}], %f: i32[${R},${C}], %r: f32[${R},${C}], %c: i32[${R},${C}]) {`,
        '    %g = gather_elements(%x, %idx) {axis = 1} : f32[' + `${R},${C}]`,
        `    %k = const {value = dense<${kk}> : i64[]} : i64[]`,
        `    %t = trilu(%x, %k) {upper = ${upper ? 1 : 0}} : f32[${R},${C}]`,
        `    %m = mod(%a, %b) : i32[${R},${C}]`,
        `    %f = mod(%a, %b) {fmod = 1} : i32[${R},${C}]`,
        `    %r = rms_normalization(%x, %s) {axis = -1, epsilon = 1e-5} : f32[${R},${C}]`,
        `    %c = cast_like(%x, %a) : i32[${R},${C}]`,
        '    return %g, %t, %m, %f, %r, %c',
        '  }',
        '}',
      ].join('\n');
      const n = R * C;
      const x = rand([R, C], seed);
      (x.data as Float32Array).forEach((v, i, arr) => (arr[i] = v * 9));
      const idx = tensorFrom('i64', [R, C], Array.from({ length: n }, (_v, i) => BigInt(((((seed + i * 7) % (2 * C)) + 2 * C) % (2 * C)) - C)));
      const ints = (off: number): number[] => Array.from({ length: n }, (_v, i) => ((seed + off + i * 13) % 23) - 11);
      await check(text, [x, idx, tensorFrom('i32', [R, C], ints(0)), tensorFrom('i32', [R, C], ints(5)), rand([C], seed + 1)], '');
    }), { numRuns: 8 });
  });

  it('arg_max / arg_min with ties and NaN, split into uneven parts', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.constantFrom(1, 2, 4, 5), { minLength: 1, maxLength: 3 }), fc.nat(2), fc.boolean(), fc.boolean(), fc.integer(), async (shape, ax, keep, last, seed) => {
      const axis = ax % shape.length;
      const out = keep ? shape.map((d, a) => (a === axis ? 1 : d)) : shape.filter((_d, a) => a !== axis);
      const L = shape[axis]!, p1 = L === 1 ? 0 : Math.ceil(L / 2);
      const parts = p1 === 0 ? [L] : [p1, L - p1];
      const partShapes = parts.map((n) => shape.map((d, a) => (a === axis ? n : d)));
      const text = [
        'module @m {',
        `  func @main(%x: ${fmtShape(shape)}) -> (%mx: ${fmtShape(out, 'i64')}, %mn: ${fmtShape(out, 'i64')}${partShapes.map((ps, n) => `, %s${n}: ${fmtShape(ps)}`).join('')}) {`,
        `    %mx = arg_max(%x) {axis = ${axis}, keepdims = ${keep ? 1 : 0}, select_last_index = ${last ? 1 : 0}} : ${fmtShape(out, 'i64')}`,
        `    %mn = arg_min(%x) {axis = ${axis}, keepdims = ${keep ? 1 : 0}, select_last_index = ${last ? 1 : 0}} : ${fmtShape(out, 'i64')}`,
        `    ${partShapes.map((_ps, n) => `%s${n}`).join(', ')} = split(%x) {axis = ${axis}} : ${partShapes.length === 1 ? fmtShape(partShapes[0]!) : `(${partShapes.map((ps) => fmtShape(ps)).join(', ')})`}`,
        `    return %mx, %mn${partShapes.map((_ps, n) => `, %s${n}`).join('')}`,
        '  }',
        '}',
      ].join('\n');
      // Few distinct values (ties), and some NaN.
      const x = rand(shape, seed);
      (x.data as Float32Array).forEach((v, i, arr) => (arr[i] = (seed + i) % 7 === 3 ? NaN : Math.round(v * 2)));
      await check(text, [x], '');
    }), { numRuns: 10 });
  });

  it('layer_normalization with its Mean and InvStdDev outputs', async () => {
    await fc.assert(fc.asyncProperty(fc.array(size, { minLength: 1, maxLength: 3 }), fc.nat(2), fc.integer(), async (shape, lAxis, seed) => {
      const la = lAxis % shape.length;
      const norm = shape.slice(la), stat = shape.map((d, a) => (a < la ? d : 1));
      const text = [
        'module @m {',
        `  func @main(%x: ${fmtShape(shape)}, %s: ${fmtShape(norm)}) -> (%y: ${fmtShape(shape)}, %mu: ${fmtShape(stat)}, %is: ${fmtShape(stat)}) {`,
        `    %y, %mu, %is = layer_normalization(%x, %s) {axis = ${la}, epsilon = 1e-5} : (${fmtShape(shape)}, ${fmtShape(stat)}, ${fmtShape(stat)})`,
        '    return %y, %mu, %is',
        '  }',
        '}',
      ].join('\n');
      await check(text, [rand(shape, seed), rand(norm, seed + 1)]);
    }), { numRuns: 6 });
  });

  it('hardmax and softmax over flattened trailing dims (legacy_flatten), trilu with k from an input', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.constantFrom(1, 2, 3, 5), { minLength: 2, maxLength: 3 }), fc.nat(2), fc.integer({ min: -2, max: 2 }), fc.integer(), async (shape, ax, kk, seed) => {
      const axis = ax % shape.length;
      const text = [
        'module @m {',
        `  func @main(%x: ${fmtShape(shape)}, %k: i64[]) -> (%h: ${fmtShape(shape)}, %s: ${fmtShape(shape)}, %t: ${fmtShape(shape)}) {`,
        `    %h = hardmax(%x) {axis = ${axis}} : ${fmtShape(shape)}`,
        `    %s = softmax(%x) {axis = ${axis}, legacy_flatten = 1} : ${fmtShape(shape)}`,
        `    %t = trilu(%x, %k) {upper = ${seed % 2 ? 1 : 0}} : ${fmtShape(shape)}`,
        '    return %h, %s, %t',
        '  }',
        '}',
      ].join('\n');
      const x = rand(shape, seed);
      (x.data as Float32Array).forEach((v, i, arr) => (arr[i] = Math.round(v * 2)));
      await check(text, [x, tensorFrom('i64', [], [BigInt(kk)])], '');
    }), { numRuns: 8 });
  });

  it('sin and cos stay accurate far from 0 (rotary angles), and at quadrant edges', async () => {
    const xs = [...Array.from({ length: 120 }, (_v, i) => (i - 60) * 0.731), 0, Math.PI / 4, Math.PI / 2, Math.PI, -Math.PI, 1e-8, 100, -250.5];
    for (const op of ['sin', 'cos']) {
      const text = `module @m {\n  func @main(%x: f32[${xs.length}]) -> (%y: f32[${xs.length}]) {\n    %y = ${op}(%x) : f32[${xs.length}]\n    return %y\n  }\n}`;
      await check(text, [tensorFrom('f32', [xs.length], xs)], '', 1e-5, 2e-7);
    }
  });
});
