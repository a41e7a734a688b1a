// The wasm backend's reduced-precision dtypes: exhaustive f16/bf16 decode/encode round trips,
// f32/f64 -> f16/bf16/float8/float4/float8e8m0 encodings against ir/numeric.ts and the cast
// rules, casts between random dtype pairs and ops on f16/bf16 against the interpreter.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toE8M0 } from '../../../ir/ops/elementwise-cast.js';
import {
  bf16BitsToNumber, f16BitsToNumber, miniFloatToNumber, numberToBF16Bits, numberToF16Bits, numberToMiniFloat, type MiniFloatName,
} from '../../../ir/numeric.js';
import { parseModule } from '../../../ir/parser.js';
import { tensorFrom, type Tensor } from '../../../ir/tensor.js';
import { compileWasm } from '../../../src/backends/wasm/index.js';
import { instantiateCompiled, type RunTensor } from '../../../src/runtime/index.js';
import { interpText } from './helpers.js';
import { expectExact, expectNear, oneOp, rng, runWasmT, ty } from './dtype-helpers.js';

/** Run a module on raw runtime feeds (no conversion), outputs by position. */
async function runRaw(text: string, feeds: RunTensor[]): Promise<RunTensor[]> {
  const c = await compileWasm(parseModule(text, { file: 't.ir' }), { passes: '' });
  const cm = await instantiateCompiled(c.manifest, c.wasm, c.weights);
  const out = await cm.run(Object.fromEntries(c.manifest.inputs.map((inp, i) => [inp.name, feeds[i]!])));
  return c.manifest.outputs.map((o) => out[o.name]!);
}

const castChain = (from: string, mid: string, n: number): string => `module @m {
  func @main(%x: ${from}[${n}]) -> (%y: ${mid}[${n}], %z: ${from}[${n}]) {
    %y = cast(%x) {to = ${mid}} : ${mid}[${n}]
    %z = cast(%y) {to = ${from}} : ${from}[${n}]
    return %y, %z
  }
}`;

const sameNum = (a: number, b: number): boolean => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

describe('wasm reduced-precision storage and casts', () => {
  it('all 65536 f16 and bf16 bit patterns decode exactly to f32 and encode back as ir/numeric does', async () => {
    const all = Uint16Array.from({ length: 65536 }, (_, i) => i);
    for (const [dt, dec, enc] of [['f16', f16BitsToNumber, numberToF16Bits], ['bf16', bf16BitsToNumber, numberToBF16Bits]] as const) {
      const [y, z] = await runRaw(castChain(dt, 'f32', 65536), [{ data: all, dims: [65536] }]);
      const yd = y!.data as Float32Array, zd = z!.data as Uint16Array;
      let bad = 0;
      for (let i = 0; i < 65536; i++) {
        const want = dec(i);
        if (!sameNum(yd[i]!, want) || zd[i] !== enc(want)) { if (bad++ < 3) expect.fail(`${dt} 0x${i.toString(16)}: got ${yd[i]} / 0x${zd[i]!.toString(16)}, want ${want} / 0x${enc(want).toString(16)}`); }
      }
      expect(bad).toBe(0);
    }
  });

  // Random f32 bit patterns (NaN, inf, subnormals included), values around each format's range,
  // and format boundaries.
  function sampleF32(n: number, seed: number): Float32Array {
    const r = rng(seed);
    const u32 = new Uint32Array(n);
    const f = new Float32Array(u32.buffer);
    const edges = [0, -0, Infinity, -Infinity, NaN, 448, 464, 465, 480, 240, 248, 57344, 61440, 65504, 65520, 6, 7, 0.25, 2 ** -9, 2 ** -10, 2 ** -17, 2 ** -18, 2 ** -24, 2 ** -25, 2 ** -126, 3.4e38];
    for (let i = 0; i < n; i++) {
      const k = i % 4;
      if (i < edges.length * 2) f[i] = (i & 1 ? -1 : 1) * edges[i >> 1]!;
      else if (k === 0) u32[i] = Math.floor(r() * 2 ** 32);
      else if (k === 1) f[i] = (r() - 0.5) * 2 ** Math.floor(r() * 40 - 24);
      else if (k === 2) f[i] = (r() - 0.5) * 1000;
      else f[i] = (r() - 0.5) * 140000;
    }
    return f;
  }

  it('f32 -> f16 / bf16 (200k values) match ir/numeric bit for bit', async () => {
    const n = 200_000;
    const x = sampleF32(n, 7);
    const text = `module @m {\n  func @main(%x: f32[${n}]) -> (%a: f16[${n}], %b: bf16[${n}]) {\n    %a = cast(%x) {to = f16} : f16[${n}]\n    %b = cast(%x) {to = bf16} : bf16[${n}]\n    return %a, %b\n  }\n}`;
    const [a, b] = await runRaw(text, [{ data: x, dims: [n] }]);
    const ad = a!.data as Uint16Array, bd = b!.data as Uint16Array;
    for (let i = 0; i < n; i++) {
      if (ad[i] !== numberToF16Bits(x[i]!)) expect.fail(`f16 of ${x[i]}: got 0x${ad[i]!.toString(16)}, want 0x${numberToF16Bits(x[i]!).toString(16)}`);
      if (bd[i] !== numberToBF16Bits(x[i]!)) expect.fail(`bf16 of ${x[i]}: got 0x${bd[i]!.toString(16)}, want 0x${numberToBF16Bits(x[i]!).toString(16)}`);
    }
  });

  const F8: MiniFloatName[] = ['f8e4m3fn', 'f8e4m3fnuz', 'f8e5m2', 'f8e5m2fnuz'];

  it('f32 and f64 -> float8 (saturate 0/1), float4 and float8e8m0 (each round_mode) match the cast rules', async () => {
    const n = 12_000;
    const x32 = sampleF32(n, 11);
    // f64 inputs: the same values nudged off f32 (rounding must use the exact f64 value).
    const r = rng(5);
    const x64 = Float64Array.from(x32, (v, i) => (i % 3 === 0 ? v : v * (1 + (r() - 0.5) * 2 ** -30)));
    for (const [src, x] of [['f32', x32], ['f64', x64]] as const) {
      const outs: [string, string, (v: number) => number][] = [];
      for (const f of F8) for (const sat of [0, 1]) outs.push([f, `{to = ${f}, saturate = ${sat}}`, (v) => numberToMiniFloat(f, v, sat === 1)]);
      outs.push(['f4e2m1', '{to = f4e2m1}', (v) => (Number.isNaN(v) ? 0 : numberToMiniFloat('f4e2m1', v, true))]);
      for (const mode of ['up', 'down', 'nearest']) {
        for (const sat of [0, 1]) {
          outs.push(['f8e8m0', `{to = f8e8m0, saturate = ${sat}, round_mode = "${mode}"}`, (v) => {
            const want = toE8M0(v, sat === 1, mode);
            return Number.isNaN(want) ? 0xff : Math.round(Math.log2(want)) + 127;
          }]);
        }
      }
      const text = [
        'module @m {',
        `  func @main(%x: ${src}[${n}]) -> (${outs.map(([d], j) => `%y${j}: ${d}[${n}]`).join(', ')}) {`,
        ...outs.map(([d, attrs], j) => `    %y${j} = cast(%x) ${attrs} : ${d}[${n}]`),
        `    return ${outs.map((_, j) => `%y${j}`).join(', ')}`,
        '  }',
        '}',
      ].join('\n');
      const got = await runRaw(text, [{ data: x, dims: [n] }]);
      outs.forEach(([d, attrs, ref], j) => {
        const g = got[j]!.data as Uint8Array;
        for (let i = 0; i < n; i++) {
          const want = ref(x[i]!);
          if (g[i] !== want) expect.fail(`${src} ${x[i]} -> ${d} ${attrs}: got 0x${g[i]!.toString(16)}, want 0x${want.toString(16)}`);
        }
      });
    }
  });

  const DTS = ['f32', 'f64', 'f16', 'bf16', 'i8', 'u8', 'i16', 'i32', 'u32', 'i64', 'bool', 'i4', 'u4', 'i2', 'u2', ...F8, 'f8e8m0', 'f4e2m1'];
  const SPECIAL = new Set(['f16', 'bf16', 'i4', 'u4', 'i2', 'u2', ...F8, 'f8e8m0', 'f4e2m1']);

  function values(dt: string, n: number, seed: number): Tensor {
    const r = rng(seed);
    const isF = dt.startsWith('f') || dt === 'bf16';
    const vals: (number | bigint)[] = [];
    for (let i = 0; i < n; i++) {
      const u = r();
      if (isF) vals.push(u < 0.05 ? [NaN, Infinity, -Infinity, -0][i % 4]! : u > 0.97 ? (r() - 0.5) * 2 ** Math.floor(r() * 90) : (r() - 0.5) * 2 ** Math.floor(u * 24 - 8));
      else if (dt === 'i64') vals.push(BigInt(Math.floor((u - 0.5) * 2 ** 40)));
      else if (dt === 'bool') vals.push(u < 0.5 ? 0 : 1);
      else vals.push(Math.floor((u - 0.5) * 2 ** 33));
    }
    return tensorFrom(dt as Tensor['dtype'], [n], vals);
  }

  it('cast / cast_like between random dtype pairs agree with the interpreter exactly (random shapes)', async () => {
    const dims = fc.array(fc.constantFrom(1, 2, 3, 5, 7, 13), { minLength: 0, maxLength: 3 });
    await fc.assert(fc.asyncProperty(fc.constantFrom(...DTS), fc.constantFrom(...DTS), dims, fc.constantFrom(0, 1), fc.boolean(), fc.integer(), async (from, to, shape, sat, like, seed) => {
      const floatToInt = (from === 'f32' || from === 'f64') && !to.startsWith('f') && to !== 'bool';
      if (!SPECIAL.has(from) && !SPECIAL.has(to) && !floatToInt) return;
      const n = shape.reduce<number>((a, b) => a * b, 1);
      const flat = values(from, n, seed);
      const x: Tensor = { ...flat, shape };
      const s = ty(from, shape), t = ty(to, shape);
      const text = like
        ? `module @m {\n  func @main(%x: ${s}, %l: ${ty(to, [1])}) -> (%y: ${t}) {\n    %y = cast_like(%x, %l) {saturate = ${sat}} : ${t}\n    return %y\n  }\n}`
        : `module @m {\n  func @main(%x: ${s}) -> (%y: ${t}) {\n    %y = cast(%x) {to = ${to}, saturate = ${sat}} : ${t}\n    return %y\n  }\n}`;
      const ins = like ? [x, values(to, 1, seed + 1)] : [x];
      expectExact(await runWasmT(text, ins), interpText(text, ins));
    }), { numRuns: 250 });
  });

  it('identity copies i64, f16 (NaN bits included) and int4 elements unchanged', async () => {
    const text = `module @m {
  func @main(%x: i64[3], %h: f16[3], %q: i4[2]) -> (%y: i64[3], %g: f16[3], %r: i4[2]) {
    %y = identity(%x) : i64[3]
    %g = identity(%h) : f16[3]
    %r = identity(%q) : i4[2]
    return %y, %g, %r
  }
}`;
    const ins = [tensorFrom('i64', [3], [1n, -2n, 3_000_000_000_000n]), tensorFrom('f16', [3], [1.5, -2, NaN]), tensorFrom('i4', [2], [-8, 7])];
    expectExact(await runWasmT(text, ins), interpText(text, ins));
    const [, g] = await runRaw(text, [{ data: ins[0]!.data as BigInt64Array, dims: [3] }, { data: Uint16Array.from([0x3e00, 0xfc01, 0x7d55]), dims: [3] }, { data: Int8Array.from([-8, 7]), dims: [2] }]);
    expect(Array.from(g!.data as Uint16Array)).toEqual([0x3e00, 0xfc01, 0x7d55]);
  });

  it('int4 / float4 / f16 constants are laid out for the arena (one int4/float4 element per byte)', async () => {
    // int4 weights pack two per byte, low nibble first: 0x21 -> 1, 2; 0xf8 -> -8, -1; 0x07 -> 7 (and a 0 pad).
    const text = `module @m {
  weight @q : i4[5] = bytes("0x21f807")
  weight @u : u4[3] = bytes("0xfe01")
  weight @g : f4e2m1[3] = bytes("0x7f02")
  weight @h : f16[2] = bytes("0x003c00c0")
  func @main(%x: f32[1]) -> (%a: f32[5], %b: f32[3], %c: f32[3], %d: f32[2]) {
    %q = const {value = @q} : i4[5]
    %u = const {value = @u} : u4[3]
    %g = const {value = @g} : f4e2m1[3]
    %h = const {value = @h} : f16[2]
    %a0 = cast(%q) {to = f32} : f32[5]
    %a = add(%a0, %x) : f32[5]
    %b = cast(%u) {to = f32} : f32[3]
    %c = cast(%g) {to = f32} : f32[3]
    %d = cast(%h) {to = f32} : f32[2]
    return %a, %b, %c, %d
  }
}`;
    const x = tensorFrom('f32', [1], [0]);
    const got = await runWasmT(text, [x]);
    expectExact(got, interpText(text, [x]));
    expect(Array.from(got[0]!.data as Float32Array)).toEqual([1, 2, -8, -1, 7]);
    expect(Array.from(got[2]!.data as Float32Array)).toEqual([-6, 6, 1]);
    expect(Array.from(got[3]!.data as Float32Array)).toEqual([1, -2]);
  });
});

describe('wasm ops on f16 / bf16 (through f32, rounded after every op)', () => {
  const EXACT = ['add', 'sub', 'mul', 'div', 'max', 'min'];
  const UNARY_EXACT = ['neg', 'abs', 'relu', 'sqrt', 'floor', 'ceil'];
  const APPROX = ['exp', 'tanh', 'sigmoid', 'erf'];

  it('all 65536 f16 / bf16 patterns through the four-lane codecs: x*w, x+w, x*0.5 exact as the interpreter', async () => {
    for (const dt of ['f16', 'bf16'] as const) {
      const n = 65536;
      const dec = dt === 'f16' ? f16BitsToNumber : bf16BitsToNumber;
      const r = rng(dt === 'f16' ? 3 : 4);
      const x = tensorFrom(dt, [n], Array.from({ length: n }, (_, i) => dec(i)));
      const w = tensorFrom(dt, [n], Array.from({ length: n }, () => dec(Math.floor(r() * 65536))));
      const T = ty(dt, [n]);
      const text = `module @m {
  func @main(%x: ${T}, %w: ${T}) -> (%a: ${T}, %b: ${T}, %c: ${T}) {
    %h = const {value = dense<0.5> : ${dt}[]} : ${dt}[]
    %a = mul(%x, %w) : ${T}
    %b = add(%x, %w) : ${T}
    %c = mul(%x, %h) : ${T}
    return %a, %b, %c
  }
}`;
      expectExact(await runWasmT(text, [x, w]), interpText(text, [x, w]));
    }
  });

  it('chains of binary (broadcast) and unary ops agree with the interpreter, fused or not', async () => {
    const d = fc.constantFrom(1, 2, 3, 5, 7, 17);
    await fc.assert(fc.asyncProperty(fc.constantFrom('f16', 'bf16'), fc.array(d, { minLength: 1, maxLength: 3 }), fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
      fc.constantFrom(...EXACT), fc.constantFrom(...EXACT), fc.constantFrom(...UNARY_EXACT, ...APPROX), fc.constantFrom('', 'fuse'), fc.integer(),
      async (dt, shape, ones, b1, b2, u, passes, seed) => {
        const bshape = shape.map((s, i) => (ones[i] ? 1 : s));
        const T = ty(dt, shape);
        const text = `module @m {
  func @main(%a: ${T}, %b: ${ty(dt, bshape)}, %c: ${T}) -> (%y: ${T}, %e: ${ty('bool', shape)}) {
    %t = ${b1}(%a, %b) : ${T}
    %v = ${u}(%t) : ${T}
    %y = ${b2}(%v, %c) : ${T}
    %e = less(%y, %a) : ${ty('bool', shape)}
    return %y, %e
  }
}`;
        const r = rng(seed);
        const mk = (s: number[]): Tensor => tensorFrom(dt as Tensor['dtype'], s, Array.from({ length: s.reduce((p, q) => p * q, 1) }, () => (r() - 0.3) * 6));
        const ins = [mk(shape), mk(bshape), mk(shape)];
        const got = await runWasmT(text, ins, passes), want = interpText(text, ins);
        if (APPROX.includes(u)) expectNear(got.slice(0, 1), want.slice(0, 1), 4e-3, 4e-3);
        else expectExact(got, want, false);
      }), { numRuns: 120 });
  });

  it('trigonometric ops and linear resize on f16 / bf16', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom('f16', 'bf16'), fc.constantFrom('sin', 'cos', 'atan', 'sinh'), fc.constantFrom(1, 2, 5), fc.integer(), async (dt, f, w, seed) => {
      const r = rng(seed);
      const x = tensorFrom(dt as Tensor['dtype'], [1, 2, 3, w], Array.from({ length: 6 * w }, () => (r() - 0.5) * 6));
      const text = `module @m {
  func @main(%x: ${ty(dt, [1, 2, 3, w])}) -> (%y: ${ty(dt, [1, 2, 3, w])}, %z: ${ty(dt, [1, 2, 6, 2 * w])}) {
    %y = ${f}(%x) : ${ty(dt, [1, 2, 3, w])}
    %s = const {value = dense<[1.0, 1.0, 2.0, 2.0]> : f32[4]} : f32[4]
    %z = resize(%x, none, %s) {mode = "linear"} : ${ty(dt, [1, 2, 6, 2 * w])}
    return %y, %z
  }
}`;
      expectNear(await runWasmT(text, [x]), interpText(text, [x]), 8e-3, 1e-3);
    }), { numRuns: 12 });
  });

  it('matmul, softmax, reduce_sum and conv on f16 agree with the interpreter within an f16 ulp or two', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom(1, 2, 3, 7), fc.constantFrom(1, 4, 5, 13), fc.constantFrom(1, 3, 8), fc.integer(), async (M, K, N, seed) => {
      const r = rng(seed);
      const mk = (s: number[]): Tensor => tensorFrom('f16', s, Array.from({ length: s.reduce((p, q) => p * q, 1) }, () => r() - 0.5));
      const text = oneOp([['a', ty('f16', [M, K])], ['b', ty('f16', [K, N])], ['x', ty('f16', [1, K, 5, 5])], ['w', ty('f16', [N, K, 3, 3])]],
        (rt) => [
          `%m = matmul(%a, %b) : ${ty('f16', [M, N])}`,
          `%s = softmax(%m) {axis = -1} : ${ty('f16', [M, N])}`,
          `%r = reduce_sum(%s) {keepdims = 0, noop_with_empty_axes = 0} : ${ty('f16', [])}`,
          `%y = conv(%x, %w) {pads = [1, 1, 1, 1]} : ${rt}`,
        ], ty('f16', [1, N, 5, 5]));
      const withR = text.replace('-> (%y: ', '-> (%m: f16[' + `${M},${N}], %r: f16[], %y: `).replace('return %y', 'return %m, %r, %y');
      const ins = [mk([M, K]), mk([K, N]), mk([1, K, 5, 5]), mk([N, K, 3, 3])];
      expectNear(await runWasmT(withR, ins, 'fuse'), interpText(withR, ins), 4e-3, 2e-3);
    }), { numRuns: 15 });
  });
});
