// NaN, signed zero and empty-axis corners where the wasm backend must agree with the interpreter
// (the reference): sign(NaN) is NaN and sign(-0) is -0 (Math.sign); clip compares and selects
// (x < lo ? lo : x, then > hi), so a NaN bound clips nothing and -0 stays -0, in the f32x4
// kernel and in a conv's register epilogue alike; arg_max/arg_min of an empty axis is refused
// (the interpreter fails; wasm refuses a static empty axis at compile time and traps on a
// dynamic one rather than reading past the buffer). Results are compared bit for bit, any NaN
// matching any NaN (the interpreter does not promise a payload).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseModule } from '../../../ir/parser.js';
import { tensorFrom, type Tensor } from '../../../ir/tensor.js';
import { runPipeline } from '../../../passes/index.js';
import { WASM_PROFILE } from '../../../src/backends/wasm/compile.js';
import { lowerModule } from '../../../src/backends/wasm/lower.js';
import { interpText, runWasm } from './helpers.js';

const SPECIAL = [0, -0, 1, -1, 0.5, -2.5, 1e-30, -1e-30, 1.4e-45, -1.4e-45, 3.4e38, -3.4e38, Infinity, -Infinity, NaN];
const same = (a: number, b: number): boolean => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
const value = (dt: 'f32' | 'f64'): fc.Arbitrary<number> => fc.oneof(fc.constantFrom(...SPECIAL), dt === 'f32' ? fc.float() : fc.double());
// Lengths cover the scalar tail (1, 3), whole vectors (4, 8) and both (primes).
const LENGTHS = [1, 2, 3, 4, 5, 7, 8, 13, 17];

function expectSame(got: Tensor, want: Tensor, what: string): void {
  expect(got.shape).toEqual(want.shape);
  const g = got.data as Float32Array, w = want.data as Float32Array;
  for (let i = 0; i < w.length; i++) if (!same(g[i]!, w[i]!)) expect.fail(`${what} element ${i}: got ${g[i]}, want ${w[i]}`);
}

/** Values padded/cut to length n (the array arbitraries draw at least one). */
const fit = (xs: readonly number[], n: number): number[] => Array.from({ length: n }, (_v, i) => xs[i % xs.length]!);

describe('sign keeps NaN and signed zeros (wasm vs interpreter)', () => {
  for (const dt of ['f32', 'f64'] as const) {
    it(`${dt}: bit-exact with Math.sign`, async () => {
      await fc.assert(fc.asyncProperty(fc.array(value(dt), { minLength: 1, maxLength: 17 }), fc.constantFrom(...LENGTHS), async (xs, n) => {
        const text = `module @m {\n  func @main(%x: ${dt}[${n}]) -> (%y: ${dt}[${n}]) {\n    %y = sign(%x) : ${dt}[${n}]\n    return %y\n  }\n}`;
        const x = tensorFrom(dt, [n], fit([NaN, -0, ...xs], n));
        const want = interpText(text, [x])[0]!;
        expectSame((await runWasm(text, [x]))[0]!, want, `sign ${dt}[${n}]`);
      }), { numRuns: 20 });
    });
  }

  it('the reference itself: sign(NaN) is NaN, sign(-0) is -0', () => {
    const text = 'module @m {\n  func @main(%x: f32[3]) -> (%y: f32[3]) {\n    %y = sign(%x) : f32[3]\n    return %y\n  }\n}';
    const y = interpText(text, [tensorFrom('f32', [3], [NaN, -0, -7])])[0]!.data as Float32Array;
    expect([Number.isNaN(y[0]!), Object.is(y[1], -0), y[2]]).toEqual([true, true, -1]);
  });
});

/** clip with its bounds as scalar inputs; `which` says which bounds are given. */
function clipText(n: number, which: 'both' | 'lo' | 'hi'): string {
  const args = which === 'both' ? '%x, %lo, %hi' : which === 'lo' ? '%x, %lo' : '%x, none, %hi';
  return `module @m {\n  func @main(%x: f32[${n}], %lo: f32[], %hi: f32[]) -> (%y: f32[${n}]) {\n    %y = clip(${args}) : f32[${n}]\n    return %y\n  }\n}`;
}

describe('clip with NaN and signed-zero bounds (wasm vs interpreter)', () => {
  it('the reference itself: a NaN bound clips nothing, a NaN x stays NaN, -0 against 0 stays -0', () => {
    const x = tensorFrom('f32', [4], [-5, 5, NaN, -0]);
    const y = interpText(clipText(4, 'both'), [x, tensorFrom('f32', [], [NaN]), tensorFrom('f32', [], [0])])[0]!.data as Float32Array;
    expect(y[0]).toBe(-5);
    expect(y[1]).toBe(0);
    expect(Number.isNaN(y[2]!)).toBe(true);
    expect(Object.is(y[3], -0)).toBe(true);
  });

  it('f32, every bound combination, bit-exact', async () => {
    const bound = fc.oneof(fc.constantFrom(NaN, 0, -0, Infinity, -Infinity, 1, -1), fc.float());
    await fc.assert(fc.asyncProperty(fc.array(value('f32'), { minLength: 1, maxLength: 17 }), fc.constantFrom(...LENGTHS), bound, bound,
      fc.constantFrom<'both' | 'lo' | 'hi'>('both', 'lo', 'hi'), async (xs, n, lo, hi, which) => {
        const text = clipText(n, which);
        const ins = [tensorFrom('f32', [n], fit(xs, n)), tensorFrom('f32', [], [lo]), tensorFrom('f32', [], [hi])];
        // The interpreter reads absent bounds as absent; the unused input is still fed.
        const want = interpText(text, ins)[0]!;
        expectSame((await runWasm(text, ins))[0]!, want, `clip(${which}, lo=${lo}, hi=${hi}) f32[${n}]`);
      }), { numRuns: 40 });
  });

  it('a NaN x with both bounds NaN, and the x = -0 / +0 corners, in vector and tail lanes', async () => {
    const xs = [NaN, -0, 0, -1, 1, -0, 0, NaN, 2];
    for (const [lo, hi] of [[NaN, NaN], [0, 0], [-0, -0], [0, -0], [NaN, 0], [-0, NaN], [1, -1]] as const) {
      const ins = [tensorFrom('f32', [9], xs), tensorFrom('f32', [], [lo]), tensorFrom('f32', [], [hi])];
      expectSame((await runWasm(clipText(9, 'both'), ins))[0]!, interpText(clipText(9, 'both'), ins)[0]!, `clip lo=${lo} hi=${hi}`);
    }
  });

  it('constant NaN / zero bounds after a conv (the register epilogue, vector and scalar forms) agree too', async () => {
    const conv = (lo: string, hi: string, h: number, w: number): string => `module @m {
  func @main(%x: f32[1,2,${h},${w}]) -> (%y: f32[1,3,${h},${w}]) {
    %w = const {value = dense<[0.0, 0.0, -1.0, 0.0, 1.0, 1.0]> : f32[3,2,1,1]} : f32[3,2,1,1]
    %lo = const {value = dense<${lo}> : f32[]} : f32[]
    %hi = const {value = dense<${hi}> : f32[]} : f32[]
    %c = conv(%x, %w) {kernel_shape = [1, 1]} : f32[1,3,${h},${w}]
    %y = clip(%c, %lo, %hi) : f32[1,3,${h},${w}]
    return %y
  }
}`;
    // Weights of 0 and -1 make exact -0 / +0 products; x holds NaN, infinities and signed zeros.
    // A 3x5 plane (15 pixels) takes the pointwise kernel's f32x4 blocks; a 1x3 plane (under 4
    // pixels) its one-pixel blocks, where the clip goes through lane 0 of the same vector ops.
    for (const [h, w, scalar] of [[3, 5, false], [1, 3, true]] as const) {
      const vals = [1, -0, NaN, 0, -3, Infinity, 2, -Infinity, 0.5, -0.5, 7, -0];
      const x = tensorFrom('f32', [1, 2, h, w], fit(h * w === 3 ? [NaN, -0, 0, 1, -0, NaN] : vals, 2 * h * w));
      for (const [lo, hi] of [['nan', '6.0'], ['0.0', 'nan'], ['nan', 'nan'], ['0.0', '6.0'], ['-0.0', '0.0']]) {
        const text = conv(lo!, hi!, h, w);
        if (scalar) {
          const m = parseModule(text, { file: 'test.ir' });
          runPipeline(m, 'fuse', { target: WASM_PROFILE });
          expect(lowerModule(m).wat, `scalar epilogue clip(${lo}, ${hi})`).toMatch(/\(f32\.store .*\(f32x4\.extract_lane 0 \(f32x4\.pmin \(f32x4\.pmax \(f32x4\.splat \(f32x4\.extract_lane 0 /);
        }
        for (const passes of ['fuse', 'O2']) {
          expectSame((await runWasm(text, [x], passes))[0]!, interpText(text, [x])[0]!, `conv ${h}x${w} + clip(${lo}, ${hi}) ${passes}`);
        }
      }
    }
  });
});

const argText = (name: string, dims: string, axis: number, out: string): string =>
  `module @m {\n  func @main(%x: f32[${dims}]) -> (%y: i64[${out}]) {\n    %y = ${name}(%x) {axis = ${axis}, keepdims = 1} : i64[${out}]\n    return %y\n  }\n}`;

describe('arg_max / arg_min of an empty axis is refused, as by the interpreter', () => {
  for (const name of ['arg_max', 'arg_min']) {
    it(`${name}: static empty axis fails to compile naming the op; the interpreter fails too`, async () => {
      const text = argText(name, '3,0', 1, '3,1');
      const x = tensorFrom('f32', [3, 0], []);
      expect(() => interpText(text, [x])).toThrow(/empty axis/);
      await expect(runWasm(text, [x])).rejects.toThrow(new RegExp(`${name}.*empty axis`));
    });

    it(`${name}: a symbolic axis bound to 0 at run time is refused before the run; bound to n > 0 it agrees with the interpreter`, async () => {
      const text = argText(name, '3,n', 1, '3,1');
      await expect(runWasm(text, [tensorFrom('f32', [3, 0], [])])).rejects.toThrow(/cannot take the arg of an empty axis/);
      expect(() => interpText(text, [tensorFrom('f32', [3, 0], [])])).toThrow(/empty axis/);
      for (const n of [1, 2, 5]) {
        const x = tensorFrom('f32', [3, n], fit([NaN, 1, -0, 0, 4, NaN, -Infinity], 3 * n));
        const [got] = await runWasm(text, [x]);
        expect(Array.from(got!.data as BigInt64Array)).toEqual(Array.from(interpText(text, [x])[0]!.data as BigInt64Array));
      }
    });
  }
});
