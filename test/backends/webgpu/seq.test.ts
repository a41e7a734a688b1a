// fast-check on Dawn + SwiftShader: rotary_embedding (3-D and 4-D, interleaved, partial rotary dim,
// with and without position_ids), causal_conv_with_state (bias, past state, SiLU, kernel size 1,
// both results), linear_attention (every update rule, GQA, per-head and per-key decay, scalar and
// per-head beta, erase gate, past state, both results), dft (forward/inverse, real/complex,
// one-sided, any axis, dft_length padding and truncation; the pocketfft path bit for bit) and the
// three windows, from kernels/seq.ts and seq-signal.ts against the interpreter. Shaders pass Tint
// and naga and compile to the same bytes twice.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tensorFrom } from '../../../ir/tensor.js';
import { fmtShape, rand } from './helpers.js';
import { checkAll, checkBindings, irModule, nagaFailures } from './kernel-check.js';

describe('webgpu seq kernels vs interpreter (fast-check)', () => {
  it('rotary_embedding', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.constantFrom(2, 4, 6), fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean(), fc.integer(),
      async (B, S, H, D, four, interleaved, partial, withPos, seed) => {
        const rd = partial && D > 2 ? D - 2 : D;
        const xd = four ? [B, H, S, D] : [B, S, H * D];
        const maxPos = 7;
        const cd = withPos ? [maxPos, rd / 2] : [B, S, rd / 2];
        const pos = Array.from({ length: B * S }, (_v, j) => ((seed >>> 0) + j * 3) % maxPos);
        const attrs = [`interleaved = ${interleaved ? 1 : 0}`, ...(partial ? [`rotary_embedding_dim = ${rd}`] : []), ...(four ? [] : [`num_heads = ${H}`])];
        await checkAll(irModule(`%x: ${fmtShape(xd)}, %c: ${fmtShape(cd)}, %s: ${fmtShape(cd)}${withPos ? `, %p: i64[${B},${S}]` : ''}`, [['y', fmtShape(xd)]], [
          `%y = rotary_embedding(%x, %c, %s${withPos ? ', %p' : ''}) {${attrs.join(', ')}} : ${fmtShape(xd)}`,
        ]), [rand(xd, seed), rand(cd, seed + 1), rand(cd, seed + 2), ...(withPos ? [tensorFrom('i64', [B, S], pos.map(BigInt))] : [])]);
      }), { numRuns: 14, seed: 81 });
  }, 30_000);

  it('causal_conv_with_state: output and present_state', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 2 }), fc.constantFrom(1, 3), fc.constantFrom(1, 2, 5), fc.constantFrom(1, 2, 4), fc.boolean(), fc.boolean(), fc.constantFrom('none', 'silu'), fc.integer(),
      async (B, C, L, K, bias, past, act, seed) => {
        const xd = [B, C, L], wd = [C, 1, K], sd = [B, C, K - 1];
        const ops = ['%x', '%w', bias ? '%b' : 'none', past ? '%p' : 'none'];
        while (ops[ops.length - 1] === 'none') ops.pop();
        const args = [`%x: ${fmtShape(xd)}`, `%w: ${fmtShape(wd)}`, ...(bias ? [`%b: f32[${C}]`] : []), ...(past ? [`%p: ${fmtShape(sd)}`] : [])].join(', ');
        await checkAll(irModule(args, [['y', fmtShape(xd)], ['st', fmtShape(sd)]], [
          `%y, %st = causal_conv_with_state(${ops.join(', ')}) {activation = "${act}"} : (${fmtShape(xd)}, ${fmtShape(sd)})`,
        ]), [rand(xd, seed), rand(wd, seed + 1), ...(bias ? [rand([C], seed + 2)] : []), ...(past ? [rand(sd, seed + 3)] : [])]);
      }), { numRuns: 12, seed: 82 });
  }, 30_000);

  it('linear_attention: every update rule, GQA, decay and beta layouts, erase gate, past state', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 4 }), fc.constantFrom(1, 2), fc.constantFrom(1, 2), fc.constantFrom(1, 3, 4), fc.constantFrom(1, 2, 5),
      fc.constantFrom('linear', 'gated', 'delta', 'gated_delta'), fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean(), fc.integer(),
      async (B, T, hkv, group, dk, dv, rule, perKey, betaScalar, erase0, past, seed) => {
        const hq = hkv * group;
        const gated = rule.startsWith('gated'), delta = rule.endsWith('delta'), erase = delta && erase0;
        const qd = [B, T, hq * dk], kd = [B, T, hkv * dk], vd = [B, T, hkv * dv], sd = [B, hkv, dk, dv], od = [B, T, hq * dv];
        const dd = [B, T, perKey ? hkv * dk : hkv], bd = [B, T, betaScalar ? 1 : hkv];
        const opnds = ['%q', '%k', '%v', past ? '%p' : 'none', gated ? '%g' : 'none', delta ? '%b' : 'none', erase ? '%e' : 'none'];
        while (opnds[opnds.length - 1] === 'none') opnds.pop();
        const args = [`%q: ${fmtShape(qd)}`, `%k: ${fmtShape(kd)}`, `%v: ${fmtShape(vd)}`, ...(past ? [`%p: ${fmtShape(sd)}`] : []),
          ...(gated ? [`%g: ${fmtShape(dd)}`] : []), ...(delta ? [`%b: ${fmtShape(bd)}`] : []), ...(erase ? [`%e: ${fmtShape(kd)}`] : [])].join(', ');
        const scale = seed & 1 ? ', scale = 0.5' : '';
        // Decay as log-gates in [-1, 0), beta in [0, 1): the state stays bounded as in real models.
        const neg = (d: number[], s: number) => tensorFrom('f32', d, (rand(d, s).data as Float32Array).map((x) => (x - 1) / 2));
        const unit = (d: number[], s: number) => tensorFrom('f32', d, (rand(d, s).data as Float32Array).map((x) => (x + 1) / 2));
        await checkAll(irModule(args, [['o', fmtShape(od)], ['s', fmtShape(sd)]], [
          `%o, %s = linear_attention(${opnds.join(', ')}) {kv_num_heads = ${hkv}, q_num_heads = ${hq}, update_rule = "${rule}"${scale}} : (${fmtShape(od)}, ${fmtShape(sd)})`,
        ]), [rand(qd, seed), rand(kd, seed + 1), rand(vd, seed + 2), ...(past ? [rand(sd, seed + 3)] : []), ...(gated ? [neg(dd, seed + 4)] : []),
          ...(delta ? [unit(bd, seed + 5)] : []), ...(erase ? [unit(kd, seed + 6)] : [])], 1e-4, 1e-5);
      }), { numRuns: 16, seed: 83 });
  }, 30_000);

  it('linear_attention: only the output read (no present_state result)', async () => {
    const text = irModule('%q: f32[1,3,4], %k: f32[1,3,4], %v: f32[1,3,6]', [['o', 'f32[1,3,6]']], [
      '%o = linear_attention(%q, %k, %v) {kv_num_heads = 1, q_num_heads = 1, update_rule = "linear"} : f32[1,3,6]',
    ]);
    await checkAll(text, [rand([1, 3, 4], 1), rand([1, 3, 4], 2), rand([1, 3, 6], 3)]);
  });

  it('dft: forward/inverse, real/complex, one-sided, axis, dft_length', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom(1, 2, 3), fc.constantFrom(1, 3, 4, 5, 6, 7, 10, 12, 16), fc.constantFrom(1, 2), fc.boolean(), fc.boolean(), fc.boolean(), fc.nat(2), fc.integer(),
      async (a, m, cin, axis2, inverse, onesided0, lenMode, seed) => {
        // One-sided inverse transforms need a complex half spectrum; lengths differ from m only when given.
        const onesided = onesided0 && !(inverse && cin === 1);
        const xd = axis2 ? [a, 2, m, cin] : [a, m, 2, cin];
        const axis = axis2 ? 2 : 1;
        const n = lenMode === 0 ? undefined : lenMode === 1 ? m + 2 : Math.max(1, m - 1);
        const nn = n ?? (inverse && onesided ? 2 * (m - 1) : m);
        if (nn <= 0) return;
        const yd = [...xd];
        yd[axis] = !inverse && onesided ? Math.floor(nn / 2) + 1 : nn;
        yd[3] = inverse && onesided ? 1 : 2;
        await checkAll(irModule(`%x: ${fmtShape(xd)}`, [['y', fmtShape(yd)]], [
          `%ax = const {value = dense<${axis}> : i64[]} : i64[]`,
          ...(n === undefined ? [] : [`%n = const {value = dense<${n}> : i64[]} : i64[]`]),
          `%y = dft(%x, ${n === undefined ? 'none' : '%n'}, %ax) {inverse = ${inverse ? 1 : 0}, onesided = ${onesided ? 1 : 0}} : ${fmtShape(yd)}`,
        ]), [rand(xd, seed)], 1e-4, 1e-5);
      }), { numRuns: 16, seed: 84 });
  }, 30_000);

  it('dft: complex f32 lengths with factors 2, 3, 4, 5 match the interpreter\'s float32 FFT bit for bit', async () => {
    for (const [n, inverse] of [[10, 1], [12, 0], [6, 1], [5, 0], [1, 0], [20, 1]] as const) {
      const xd = [2, n, 2];
      await checkAll(irModule(`%x: ${fmtShape(xd)}`, [['y', fmtShape(xd)]], [
        `%y = dft(%x, none, none) {inverse = ${inverse}} : ${fmtShape(xd)}`,
      ]).replace('dft(%x, none, none)', 'dft(%x, none, %ax)').replace('    %y = dft', '    %ax = const {value = dense<1> : i64[]} : i64[]\n    %y = dft'), [rand(xd, n)], 0, 0);
    }
  });

  it('hann, hamming and blackman windows, periodic and symmetric', async () => {
    for (const op of ['hann_window', 'hamming_window', 'blackman_window']) {
      for (const size of [1, 2, 7, 10, 33]) {
        for (const periodic of [0, 1]) {
          if (size === 1 && periodic === 0) continue; // N = 0: the reference divides by zero
          await checkAll(irModule('', [['y', `f32[${size}]`]], [
            `%n = const {value = dense<${size}> : i32[]} : i32[]`, `%y = ${op}(%n) {periodic = ${periodic}} : f32[${size}]`,
          ]), [], 1e-5, 1e-7);
        }
      }
    }
  }, 30_000);

  it('elementwise ops after linear_attention and dft', async () => {
    const text = irModule('%q: f32[1,3,8], %k: f32[1,3,4], %v: f32[1,3,4], %s: f32[1,8,2]', [['o', 'f32[1,3,8]'], ['st', 'f32[1,1,4,4]'], ['y', 'f32[1,8,2]']], [
      '%o0, %st = linear_attention(%q, %k, %v) {kv_num_heads = 1, q_num_heads = 2, update_rule = "linear"} : (f32[1,3,8], f32[1,1,4,4])', '%o = tanh(%o0) : f32[1,3,8]',
      '%ax = const {value = dense<1> : i64[]} : i64[]', '%y0 = dft(%s, none, %ax) : f32[1,8,2]', '%y = neg(%y0) : f32[1,8,2]',
    ]);
    await checkAll(text, [rand([1, 3, 8], 1), rand([1, 3, 4], 2), rand([1, 3, 4], 3), rand([1, 8, 2], 4)]);
  });

  it('symbolic dims: one compile, run for several bindings', async () => {
    await checkBindings(irModule('%x: f32["B","S",8], %c: f32["B","S",2], %s: f32["B","S",2]', [['y', 'f32["B","S",8]']], [
      '%y = rotary_embedding(%x, %c, %s) {num_heads = 2} : f32["B","S",8]',
    ]), [[1, 1], [2, 3]].map(([b, sq]) => [rand([b!, sq!, 8], b!), rand([b!, sq!, 2], 7), rand([b!, sq!, 2], 8)]));
    await checkBindings(irModule('%x: f32["B",2,"L"], %w: f32[2,1,3], %p: f32["B",2,2]', [['y', 'f32["B",2,"L"]'], ['st', 'f32["B",2,2]']], [
      '%y, %st = causal_conv_with_state(%x, %w, none, %p) {activation = "silu"} : (f32["B",2,"L"], f32["B",2,2])',
    ]), [[1, 1], [2, 6]].map(([b, l]) => [rand([b!, 2, l!], l!), rand([2, 1, 3], 4), rand([b!, 2, 2], 5)]));
    await checkBindings(irModule('%q: f32[1,"T",8], %k: f32[1,"T",8], %v: f32[1,"T",4], %g: f32[1,"T",2], %b: f32[1,"T",1]', [['o', 'f32[1,"T",4]'], ['s', 'f32[1,2,4,2]']], [
      '%o, %s = linear_attention(%q, %k, %v, none, %g, %b) {kv_num_heads = 2, q_num_heads = 2, update_rule = "gated_delta"} : (f32[1,"T",4], f32[1,2,4,2])',
    ]), [1, 5].map((t) => [rand([1, t, 8], t), rand([1, t, 8], t + 1), rand([1, t, 4], t + 2), rand([1, t, 2], t + 3), rand([1, t, 1], t + 4)]));
    await checkBindings(irModule('%x: f32["N",6,2]', [['y', 'f32["N",6,2]']], [
      '%ax = const {value = dense<1> : i64[]} : i64[]', '%y = dft(%x, none, %ax) : f32["N",6,2]',
    ]), [1, 3].map((n) => [rand([n, 6, 2], n)]), 1e-4, 1e-5);
  }, 30_000);

  it('naga accepts every shader the checks above compiled', async () => {
    expect(await nagaFailures()).toEqual([]);
  }, 30_000);
});
