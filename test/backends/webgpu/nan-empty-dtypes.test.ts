// Corner cases of the webgpu kernels against the interpreter: reductions over an empty axis
// (-inf / +inf / the identity, not ±FLT_MAX), arg_max over a static empty axis refused at compile
// time (E205 naming the node), float -> unsigned casts of negative and out-of-range values (wrap
// of the truncation), the ops that accept any float dtype because they read through k.load (f16,
// bf16, f64 registers are f32, stores round) and integer max pooling.

import { describe, expect, it } from 'vitest';
import { castTensor } from '../../../ir/ops/elementwise-cast.js';
import { tensorFrom, type Tensor } from '../../../ir/tensor.js';
import { check, compileText, expectClose, fmtShape, interpText, rand, runWebGpu } from './helpers.js';

const fn1 = (ins: string, outs: string, lines: readonly string[], ret: string): string =>
  `module @m {\n  func @main(${ins}) -> (${outs}) {\n${lines.map((l) => `    ${l}`).join('\n')}\n    return ${ret}\n  }\n}`;


describe('webgpu corner cases vs interpreter', () => {
  it('reductions over a static empty axis give -inf, +inf, 0, 1', async () => {
    for (const op of ['reduce_max', 'reduce_min', 'reduce_sum', 'reduce_prod']) {
      for (const [shape, axis] of [[[3, 0], 1], [[0, 2, 5], 0]] as const) {
        const out = shape.map((d, a) => (a === axis ? 1 : d));
        const text = fn1(`%x: ${fmtShape(shape)}`, `%y: ${fmtShape(out)}`,
          [`%ax = const {value = dense<[${axis}]> : i64[1]} : i64[1]`, `%y = ${op}(%x, %ax) {keepdims = 1} : ${fmtShape(out)}`], '%y');
        await check(text, [tensorFrom('f32', shape, [])]);
      }
    }
  }, 30_000);

  it('arg_max / arg_min over a static empty axis: E205 naming the node, at compile time', () => {
    for (const op of ['arg_max', 'arg_min']) {
      const text = fn1('%x: f32[2,0]', '%y: i64[2]', [`%y = ${op}(%x) {axis = 1, keepdims = 0} : i64[2]`], '%y');
      expect(() => interpText(text, [tensorFrom('f32', [2, 0], [])])).toThrow(/empty axis/);
      expect(() => compileText(text)).toThrow(new RegExp(`E205.*${op} %y: cannot take the arg of an empty axis`));
    }
  });

  it('float -> unsigned casts wrap the truncation (negative and out of range); NaN and inf give 0', async () => {
    const vals = [-2.25, -1, -0.5, -0, 255.9, 256, 300, 65536.5, -70000, 4294967040, 5e9, -5e9, 1e20, NaN, Infinity, -Infinity, -128.75];
    // Negated in the kernel, so the cast also runs chained after another op.
    const x = tensorFrom('f32', [vals.length], vals.map((v) => -v));
    const t = fmtShape([vals.length]);
    for (const to of ['u8', 'u16', 'u32', 'u4', 'u2']) {
      const rt = fmtShape([vals.length], to);
      await check(fn1(`%x: ${t}`, `%y: ${rt}`, [`%h = neg(%x) : ${t}`, `%y = cast(%h) {to = ${to}} : ${rt}`], '%y'), [x], 'fuse', 0, 0);
    }
    // From f16 and f64 too (registers are f32).
    for (const from of ['f16', 'f64'] as const) {
      const small = tensorFrom('f32', [6], [-2.25, -1, -300.5, 1000, -0.75, 65504]);
      const text = fn1(`%x: ${fmtShape([6], from)}`, '%a: u8[6], %b: u16[6], %c: u32[6]',
        ['%a = cast(%x) {to = u8} : u8[6]', '%b = cast(%x) {to = u16} : u16[6]', '%c = cast(%x) {to = u32} : u32[6]'], '%a, %b, %c');
      const inp = castTensor(small, from);
      expectClose(await runWebGpu(text, [inp]), interpText(text, [inp]), 0, 0);
    }
  }, 30_000);

  it('celu, is_inf, swiglu, max_pool, batch_normalization on f16 / bf16 / f64', async () => {
    for (const dt of ['f16', 'bf16', 'f64'] as const) {
      const t = (s: readonly number[]): string => fmtShape(s, dt);
      const text = fn1(`%x: ${t([1, 3, 4, 5])}, %g: ${t([1, 3, 4, 5])}, %s: ${t([3])}, %b: ${t([3])}, %mu: ${t([3])}, %v: ${t([3])}`,
        `%c: ${t([1, 3, 4, 5])}, %i: bool[1,3,4,5], %w: ${t([1, 3, 4, 5])}, %p: ${t([1, 3, 3, 4])}, %n: ${t([1, 3, 4, 5])}`, [
          `%c = celu(%x) {alpha = 1.5} : ${t([1, 3, 4, 5])}`,
          '%i = is_inf(%x) : bool[1,3,4,5]',
          `%w = swiglu(%x, %g) {alpha = 1.702} : ${t([1, 3, 4, 5])}`,
          `%p = max_pool(%x) {kernel_shape = [2, 2]} : ${t([1, 3, 3, 4])}`,
          `%n = batch_normalization(%x, %s, %b, %mu, %v) {epsilon = 1.0e-5} : ${t([1, 3, 4, 5])}`,
        ], '%c, %i, %w, %p, %n');
      const x = rand([1, 3, 4, 5], 3);
      (x.data as Float32Array).set([Infinity, -Infinity, 0], 7);
      const v = Float32Array.from(rand([3], 9).data as Float32Array, (a) => Math.abs(a) + 0.5);
      const inputs = [x, rand([1, 3, 4, 5], 4), rand([3], 5), rand([3], 6), rand([3], 7), tensorFrom('f32', [3], v)].map((a) => castTensor(a, dt));
      const tol = dt === 'f16' ? 2e-3 : dt === 'bf16' ? 1.6e-2 : 1e-5;
      expectClose(await runWebGpu(text, inputs), interpText(text, inputs), tol, tol);
    }
  }, 30_000);

  it('rnn, instance_normalization, lrn, lp_normalization on f16 / bf16 / f64', async () => {
    for (const dt of ['f16', 'bf16', 'f64'] as const) {
      const t = (s: readonly number[]): string => fmtShape(s, dt);
      const text = fn1(`%x: ${t([2, 3, 5])}, %w: ${t([1, 4, 5])}, %r: ${t([1, 4, 4])}, %s: ${t([3])}, %b: ${t([3])}`,
        `%y: ${t([2, 1, 3, 4])}, %h: ${t([1, 3, 4])}, %n: ${t([2, 3, 5])}, %l: ${t([2, 3, 5])}, %p: ${t([2, 3, 5])}`, [
          `%y, %h = rnn(%x, %w, %r) {hidden_size = 4} : (${t([2, 1, 3, 4])}, ${t([1, 3, 4])})`,
          `%n = instance_normalization(%x, %s, %b) {epsilon = 1.0e-5} : ${t([2, 3, 5])}`,
          `%l = lrn(%x) {size = 3} : ${t([2, 3, 5])}`,
          `%p = lp_normalization(%x) {axis = -1, p = 2} : ${t([2, 3, 5])}`,
        ], '%y, %h, %n, %l, %p');
      const inputs = [rand([2, 3, 5], 1), rand([1, 4, 5], 2), rand([1, 4, 4], 3), rand([3], 4), rand([3], 5)].map((a) => castTensor(a, dt));
      const tol = dt === 'f16' ? 4e-3 : dt === 'bf16' ? 3e-2 : 1e-5;
      expectClose(await runWebGpu(text, inputs), interpText(text, inputs), tol, tol);
    }
  }, 30_000);

  it('losses, col2im, deform_conv on f16 / bf16 / f64', async () => {
    for (const dt of ['f16', 'bf16', 'f64'] as const) {
      const t = (s: readonly number[]): string => fmtShape(s, dt);
      const text = fn1(`%x: ${t([3, 4, 2])}, %t: i64[3,2], %w: ${t([4])}, %c: ${t([1, 4, 4])}, %d: ${t([1, 2, 4, 4])}, %k: ${t([3, 2, 2, 2])}, %o: ${t([1, 8, 3, 3])}`,
        `%l: ${t([])}, %s: ${t([3, 2])}, %y: ${t([1, 1, 3, 3])}, %z: ${t([1, 3, 3, 3])}`, [
          `%l = negative_log_likelihood_loss(%x, %t, %w) {reduction = "mean"} : ${t([])}`,
          `%s = softmax_cross_entropy_loss(%x, %t) {reduction = "none"} : ${t([3, 2])}`,
          '%img = const {value = dense<[3, 3]> : i64[2]} : i64[2]', '%blk = const {value = dense<[2, 2]> : i64[2]} : i64[2]',
          `%y = col2im(%c, %img, %blk) : ${t([1, 1, 3, 3])}`,
          `%z = deform_conv(%d, %k, %o) {kernel_shape = [2, 2]} : ${t([1, 3, 3, 3])}`,
        ], '%l, %s, %y, %z');
      const tgt = tensorFrom('i64', [3, 2], [0n, 3n, 2n, 1n, 3n, 0n]);
      const f = [rand([3, 4, 2], 1), rand([4], 2), rand([1, 4, 4], 3), rand([1, 2, 4, 4], 4), rand([3, 2, 2, 2], 5), rand([1, 8, 3, 3], 6)].map((a) => castTensor(a, dt));
      const inputs = [f[0]!, tgt, ...f.slice(1)];
      const tol = dt === 'f16' ? 4e-3 : dt === 'bf16' ? 3e-2 : 1e-5;
      expectClose(await runWebGpu(text, inputs), interpText(text, inputs), tol, tol);
    }
  }, 30_000);

  it('max_pool of integer dtypes (u8, i8, i32; 2-D and 3-D)', async () => {
    for (const dt of ['u8', 'i8', 'i32'] as const) {
      for (const s of [[1, 2, 5, 3], [1, 1, 3, 4, 3]]) {
        const out = s.map((d, a) => (a < 2 ? d : d - 1));
        const text = fn1(`%x: ${fmtShape(s, dt)}`, `%y: ${fmtShape(out, dt)}`, [`%y = max_pool(%x) {kernel_shape = [${s.slice(2).map(() => 2).join(', ')}]} : ${fmtShape(out, dt)}`], '%y');
        const n = s.reduce((a, b) => a * b, 1);
        const lo = dt === 'u8' ? 0 : -128, span = dt === 'u8' ? 256 : 256;
        const x = tensorFrom(dt, s, Array.from({ length: n }, (_v, i) => lo + ((i * 97 + 13) % span)));
        expectClose(await runWebGpu(text, [x]), interpText(text, [x]), 0, 0);
      }
    }
  }, 30_000);
});
