// fast-check: the scalar fallback kernels agree with the interpreter on non-f32 dtypes (i32, i64,
// bool), comparisons, where, expand, variadic max/min/sum, pow and f32 ops without an f32x4 form,
// with broadcasting over random shapes (1, odd sizes, primes).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tensorFrom, type Tensor } from '../../../ir/tensor.js';
import { expectClose, interpText, runWasm } from './helpers.js';

const dimA = fc.constantFrom(1, 2, 3, 5, 7);
const ty = (dt: string, s: readonly number[]): string => `${dt}[${s.join(',')}]`;

function randT(dtype: string, shape: readonly number[], seed: number, lo = -9, hi = 9): Tensor {
  let s = seed >>> 0 || 1;
  const n = shape.reduce((a, b) => a * b, 1);
  const vals: (number | bigint)[] = [];
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    const u = (s >>> 8) / 2 ** 24;
    if (dtype === 'bool') vals.push(u < 0.5 ? 0 : 1);
    else if (dtype === 'f32') vals.push(u * (hi - lo) + lo);
    else if (dtype === 'i64') vals.push(BigInt(Math.floor(u * (hi - lo + 1)) + lo));
    else vals.push(Math.floor(u * (hi - lo + 1)) + lo);
  }
  return tensorFrom(dtype as Tensor['dtype'], shape, vals);
}

/** Exact equality for integer and bool outputs. */
function expectSame(got: readonly Tensor[], want: readonly Tensor[]): void {
  expect(got.map((g) => g.shape)).toEqual(want.map((w) => w.shape));
  got.forEach((g, i) => expect(Array.from(g.data as ArrayLike<number | bigint>)).toEqual(Array.from(want[i]!.data as ArrayLike<number | bigint>)));
}

/** A pair of broadcast-compatible shapes with the output shape. */
const bshapes = fc.tuple(fc.array(dimA, { minLength: 0, maxLength: 3 }), fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), fc.nat(3))
  .map(([full, ka, kb, drop]) => {
    // Each dim of the output is kept by at least one operand, so out = broadcast(a, b).
    const a = full.map((d, i) => (ka[i] ? d : 1));
    const b = full.map((d, i) => (kb[i] ? d : 1)).slice(Math.min(drop, full.length));
    const pad = full.length - b.length;
    const out = full.map((_d, i) => Math.max(a[i]!, i >= pad ? b[i - pad]! : 1));
    return { a, b, out };
  });

function binText(op: string, dt: string, odt: string, a: readonly number[], b: readonly number[], out: readonly number[]): string {
  return `module @m {\n  func @main(%a: ${ty(dt, a)}, %b: ${ty(dt, b)}) -> (%y: ${ty(odt, out)}) {\n    %y = ${op}(%a, %b) : ${ty(odt, out)}\n    return %y\n  }\n}`;
}

describe('wasm scalar fallback vs interpreter (fast-check)', () => {
  it('integer arithmetic and comparisons on i32 and i64 with broadcasting (x/0 = 0, truncation)', async () => {
    const ops = ['add', 'sub', 'mul', 'div', 'max', 'min', 'equal', 'less', 'greater', 'less_or_equal', 'greater_or_equal'];
    await fc.assert(fc.asyncProperty(fc.constantFrom(...ops), fc.constantFrom('i32', 'i64'), bshapes, fc.integer(), async (op, dt, { a, b, out }, seed) => {
      const odt = ['equal', 'less', 'greater', 'less_or_equal', 'greater_or_equal'].includes(op) ? 'bool' : dt;
      const text = binText(op, dt, odt, a, b, out);
      const ins = [randT(dt, a, seed), randT(dt, b, seed + 7, -3, 3)];
      expectSame(await runWasm(text, ins), interpText(text, ins));
    }), { numRuns: 60 });
  });

  it('bool logic, not, and where on i64/f32 with a broadcast condition', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom('and', 'or', 'xor'), fc.constantFrom('i64', 'f32', 'i32'), bshapes, fc.integer(), async (op, dt, { a, b, out }, seed) => {
      const text = [
        'module @m {',
        `  func @main(%a: ${ty('bool', a)}, %b: ${ty('bool', b)}, %x: ${ty(dt, out)}, %z: ${ty(dt, b)}) -> (%y: ${ty(dt, out)}, %l: ${ty('bool', out)}) {`,
        `    %l0 = ${op}(%a, %b) : ${ty('bool', out)}`,
        `    %l = not(%l0) : ${ty('bool', out)}`,
        `    %y = where(%a, %x, %z) : ${ty(dt, out)}`,
        '    return %y, %l',
        '  }',
        '}',
      ].join('\n');
      const ins = [randT('bool', a, seed), randT('bool', b, seed + 1), randT(dt, out, seed + 2), randT(dt, b, seed + 3)];
      expectSame(await runWasm(text, ins), interpText(text, ins));
    }), { numRuns: 40 });
  });

  it('expand of i64 and f32 to a broadcast shape', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom('i64', 'f32'), bshapes, fc.integer(), async (dt, { b, out }, seed) => {
      const text = `module @m {\n  func @main(%a: ${ty(dt, b)}) -> (%y: ${ty(dt, out)}) {\n    %s = const {value = dense<[${out.join(', ')}]> : i64[${out.length}]} : i64[${out.length}]\n    %y = expand(%a, %s) : ${ty(dt, out)}\n    return %y\n  }\n}`;
      const ins = [randT(dt, b, seed)];
      expectSame(await runWasm(text, ins), interpText(text, ins));
    }), { numRuns: 30 });
  });

  it('f32 ops without an f32x4 form: pow (constant and runtime exponents), log, gelu, elu, sign, round, variadic max/sum', async () => {
    await fc.assert(fc.asyncProperty(bshapes, fc.constantFrom(2, 3, 0.5, 1.7), fc.integer(), async ({ a, b, out }, e, seed) => {
      const text = [
        'module @m {',
        `  func @main(%a: ${ty('f32', a)}, %b: ${ty('f32', b)}, %p: ${ty('f32', out)}) -> (%y1: ${ty('f32', a)}, %y2: ${ty('f32', a)}, %y3: ${ty('f32', a)}, %y4: ${ty('f32', out)}, %y5: ${ty('f32', out)}) {`,
        `    %e = const {value = dense<${e}> : f32[]} : f32[]`,
        `    %abs = abs(%a) : ${ty('f32', a)}`,
        `    %y1 = pow(%abs, %e) : ${ty('f32', a)}`,
        `    %y2 = log(%abs) : ${ty('f32', a)}`,
        `    %g = gelu(%a) : ${ty('f32', a)}`,
        `    %el = elu(%g) {alpha = 0.5} : ${ty('f32', a)}`,
        `    %y3 = sign(%el) : ${ty('f32', a)}`,
        `    %r = round(%b) : ${ty('f32', b)}`,
        `    %y4 = max(%a, %r, %p) : ${ty('f32', out)}`,
        `    %pw = pow(%p, %r) : ${ty('f32', out)}`,
        `    %y5 = sum(%pw, %g, %el) : ${ty('f32', out)}`,
        '    return %y1, %y2, %y3, %y4, %y5',
        '  }',
        '}',
      ].join('\n');
      const ins = [randT('f32', a, seed, -3, 3), randT('f32', b, seed + 1, -3, 3), randT('f32', out, seed + 2, -2, 2)];
      expectClose(await runWasm(text, ins, ''), interpText(text, ins), 1e-4, 1e-5);
    }), { numRuns: 40 });
  });

  it('pow of an f32 base with an i32 or i64 exponent tensor (broadcast)', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom('i32', 'i64'), bshapes, fc.integer(), async (edt, { a, b, out }, seed) => {
      const text = `module @m {\n  func @main(%a: ${ty('f32', a)}, %b: ${ty(edt, b)}) -> (%y: ${ty('f32', out)}) {\n    %y = pow(%a, %b) : ${ty('f32', out)}\n    return %y\n  }\n}`;
      const ins = [randT('f32', a, seed, -2, 2), randT(edt, b, seed + 1, -3, 3)];
      expectClose(await runWasm(text, ins, ''), interpText(text, ins), 1e-4, 1e-5);
    }), { numRuns: 30 });
  });

  it('integer mod (fmod 0/1, x mod 0 = 0) and bitwise ops on i32/i64 with broadcasting', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom('mod0', 'mod1', 'bitwise_and', 'bitwise_or', 'bitwise_xor'), fc.constantFrom('i32', 'i64'), bshapes, fc.integer(), async (op, dt, { a, b, out }, seed) => {
      const name = op.startsWith('mod') ? 'mod' : op;
      const text = binText(name, dt, dt, a, b, out).replace(`${name}(%a, %b)`, `${name}(%a, %b)${op === 'mod1' ? ' {fmod = 1}' : ''}`);
      const ins = [randT(dt, a, seed), randT(dt, b, seed + 3, -4, 4)];
      expectSame(await runWasm(text, ins), interpText(text, ins));
    }), { numRuns: 50 });
  });

  it('f32 softplus, mish, swish, celu, thresholded_relu, shrink, is_inf, bitwise_not', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.constantFrom(1, 2, 3, 5, 7), { minLength: 0, maxLength: 3 }), fc.integer(), async (s, seed) => {
      const t = ty('f32', s), bt = ty('bool', s), it = ty('i32', s);
      const text = [
        'module @m {',
        `  func @main(%x: ${t}, %i: ${it}) -> (%y: ${t}, %z: ${bt}, %n: ${it}) {`,
        `    %a = softplus(%x) : ${t}`, `    %b = mish(%a) : ${t}`, `    %c = swish(%x) {alpha = 0.7} : ${t}`,
        `    %d = celu(%c) {alpha = 2.0} : ${t}`, `    %e = thresholded_relu(%x) {alpha = 0.3} : ${t}`, `    %f = shrink(%x) {lambd = 1.0, bias = 0.25} : ${t}`,
        `    %g = add(%b, %d) : ${t}`, `    %h = add(%e, %f) : ${t}`, `    %y = add(%g, %h) : ${t}`,
        `    %q = div(%x, %f) : ${t}`, `    %z = is_inf(%q) {detect_negative = 0} : ${bt}`, `    %n = bitwise_not(%i) : ${it}`,
        '    return %y, %z, %n', '  }', '}',
      ].join('\n');
      const ins = [randT('f32', s, seed, -30, 30), randT('i32', s, seed + 1)];
      const got = await runWasm(text, ins, ''), want = interpText(text, ins);
      expectClose(got.slice(0, 1), want.slice(0, 1), 1e-4, 1e-5);
      expectSame(got.slice(1), want.slice(1));
    }), { numRuns: 40 });
  });

  it('cast between f32, f64, i8, u8, i16, u16, i32, u32, i64 and bool', async () => {
    const dts = ['f32', 'f64', 'i8', 'u8', 'i16', 'u16', 'i32', 'u32', 'i64', 'bool'];
    await fc.assert(fc.asyncProperty(fc.constantFrom(...dts), fc.constantFrom(...dts), fc.array(fc.constantFrom(1, 2, 3, 5), { minLength: 0, maxLength: 2 }), fc.integer(), async (from, to, s, seed) => {
      const text = `module @m {\n  func @main(%x: ${ty(from, s)}) -> (%y: ${ty(to, s)}) {\n    %y = cast(%x) {to = ${to}} : ${ty(to, s)}\n    return %y\n  }\n}`;
      const lo = from.startsWith('u') ? 0 : -120, hi = 120;
      const base = randT('f32', s, seed, lo, hi);
      const vals = Array.from(base.data as Float32Array, (v) => (from === 'bool' ? Number(v > 0) : from.startsWith('f') ? v : from === 'i64' ? BigInt(Math.trunc(v)) : Math.trunc(v)));
      const ins = [tensorFrom(from as Tensor['dtype'], s, vals)];
      expectSame(await runWasm(text, ins), interpText(text, ins));
    }), { numRuns: 80 });
  });

  it('clip on i32/i64/u8 with either bound absent', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom('i32', 'i64', 'u8'), fc.array(fc.constantFrom(1, 2, 3, 5), { minLength: 0, maxLength: 2 }), fc.boolean(), fc.boolean(), fc.integer(), async (dt, s, hasLo, hasHi, seed) => {
      const text = `module @m {\n  func @main(%x: ${ty(dt, s)}) -> (%y: ${ty(dt, s)}) {\n    %lo = const {value = dense<2> : ${dt}[]} : ${dt}[]\n    %hi = const {value = dense<6> : ${dt}[]} : ${dt}[]\n    %y = clip(%x, ${hasLo ? '%lo' : 'none'}, ${hasHi ? '%hi' : 'none'}) : ${ty(dt, s)}\n    return %y\n  }\n}`;
      const ins = [randT(dt, s, seed, dt === 'u8' ? 0 : -9, 9)];
      expectSame(await runWasm(text, ins), interpText(text, ins));
    }), { numRuns: 40 });
  });
});
