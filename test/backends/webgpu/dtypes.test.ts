// Every IR dtype through the webgpu backend (storage.ts) on Dawn + SwiftShader against the
// interpreter: exhaustive f16/bf16 decode and encode, f32 -> f16/bf16/float8/float4 encodings bit
// for bit, casts between random dtype pairs and elementwise ops on random dtypes and shapes
// (fast-check), and the layouts: packed sub-word weights, one word per written element.
// Documented narrowing: 64-bit integers and f64 compute in 32-bit registers, so values are kept
// in the i32/u32 range and f64 inputs f32-representable here.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { numberToBF16Bits, numberToF16Bits, numberToMiniFloat, type MiniFloatName } from '../../../ir/numeric.js';
import { castTensor, toE8M0 } from '../../../ir/ops/elementwise-cast.js';
import { parseModule } from '../../../ir/parser.js';
import { tensorFrom, type Tensor } from '../../../ir/tensor.js';
import { compileWebGpu, type CompiledWebGpu } from '../../../src/backends/webgpu/index.js';
import { instantiateWebGpu, type RunTensor } from '../../../src/runtime/webgpu.js';
import { oneOp } from '../wasm/dtype-helpers.js';
import { expectClose, fmtShape, gpuDevice, interpText, runCompiled } from './helpers.js';

const compile = (text: string, passes = 'fuse'): CompiledWebGpu => compileWebGpu(parseModule(text, { file: 'test.ir' }), { passes, verifyEach: true });

async function runRaw(c: CompiledWebGpu, feeds: readonly RunTensor[]): Promise<RunTensor[]> {
  const m = await instantiateWebGpu(c.manifest, c.shaders.map((s) => s.code), c.weights, await gpuDevice());
  const out = await m.run(Object.fromEntries(c.manifest.inputs.map((inp, i) => [inp.name, feeds[i]!])));
  return c.manifest.outputs.map((o) => out[o.name]!);
}

const same = (a: number, b: number): boolean => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
function expectExact(got: readonly Tensor[], want: readonly Tensor[], what: string): void {
  got.forEach((g, k) => {
    expect(g.dtype).toBe(want[k]!.dtype);
    expect(g.shape).toEqual(want[k]!.shape);
    const a = g.data as ArrayLike<number | bigint>, b = want[k]!.data as ArrayLike<number | bigint>;
    for (let i = 0; i < b.length; i++) {
      if (!same(Number(a[i]!), Number(b[i]!))) expect.fail(`${what}: output ${k} element ${i}: got ${a[i]}, want ${b[i]}`);
    }
  });
}

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => { s = (Math.imul(s, 1103515245) + 12345) >>> 0; return s / 2 ** 32; };
}

/** f32 samples: format edges (both signs), random bit patterns, values around each format's range. */
function sampleF32(n: number, seed: number): Float32Array {
  const r = rng(seed);
  const w = new Uint32Array(n), f = new Float32Array(w.buffer);
  const edges = [0, Infinity, NaN, 448, 464, 465, 480, 240, 248, 57344, 61440, 65504, 65520, 65519.99, 6, 7, 5, 0.25, 2 ** -9, 2 ** -10, 2 ** -17, 2 ** -24, 2 ** -25, 1.5 * 2 ** -25, 3.4e38, 2049, 1.5, 2.5];
  for (let i = 0; i < n; i++) {
    const k = i % 4;
    if (i < edges.length * 2) f[i] = (i & 1 ? -1 : 1) * edges[i >> 1]!;
    else if (k === 0) w[i] = Math.floor(r() * 2 ** 32);
    else if (k === 1) f[i] = (r() - 0.5) * 2 ** Math.floor(r() * 40 - 24);
    else if (k === 2) f[i] = (r() - 0.5) * 1000;
    else f[i] = (r() - 0.5) * 140000;
  }
  return f;
}

const F8: MiniFloatName[] = ['f8e4m3fn', 'f8e4m3fnuz', 'f8e5m2', 'f8e5m2fnuz'];

describe('webgpu dtypes: reduced-precision floats bit for bit', () => {
  it('all 65536 f16 and bf16 bit patterns decode to f32 and encode back exactly', async () => {
    const n = 65536;
    const text = (dt: string): string => `module @m {\n  func @main(%x: ${dt}[${n}]) -> (%y: f32[${n}], %z: ${dt}[${n}]) {\n    %y = cast(%x) {to = f32} : f32[${n}]\n    %z = cast(%y) {to = ${dt}} : ${dt}[${n}]\n    return %y, %z\n  }\n}`;
    const all = Uint16Array.from({ length: n }, (_v, i) => i);
    for (const dt of ['f16', 'bf16']) {
      const [y, z] = await runRaw(compile(text(dt), ''), [{ data: all, dims: [n] }]);
      const yd = y!.data as Float32Array, zd = z!.data as Uint16Array;
      for (let i = 0; i < n; i++) {
        const v = dt === 'f16' ? fromBits16(i) : new Float32Array(new Uint32Array([i << 16]).buffer)[0]!;
        if (!same(yd[i]!, v)) expect.fail(`${dt} 0x${i.toString(16)} -> f32: got ${yd[i]}, want ${v}`);
        const enc = dt === 'f16' ? numberToF16Bits(v) : numberToBF16Bits(v);
        if (zd[i] !== enc) expect.fail(`${dt} 0x${i.toString(16)} round trip: got 0x${zd[i]!.toString(16)}, want 0x${enc.toString(16)}`);
      }
    }
  });

  it('f32 -> f16 / bf16 / float8 (saturate 0 and 1) / float4 match ir/numeric for 6000 values', async () => {
    const n = 6000;
    const x = sampleF32(n, 7);
    const outs: [string, string, (v: number) => number][] = [
      ['f16', '{to = f16}', numberToF16Bits], ['bf16', '{to = bf16}', numberToBF16Bits],
      ...F8.flatMap((f) => [0, 1].map((sat): [string, string, (v: number) => number] => [f, `{to = ${f}, saturate = ${sat}}`, (v) => numberToMiniFloat(f, v, sat === 1)])),
      ['f4e2m1', '{to = f4e2m1}', (v) => (Number.isNaN(v) ? 0 : numberToMiniFloat('f4e2m1', v, true))],
    ];
    const text = [
      'module @m {',
      `  func @main(%x: f32[${n}]) -> (${outs.map(([d], j) => `%y${j}: ${d}[${n}]`).join(', ')}) {`,
      ...outs.map(([d, attrs], j) => `    %y${j} = cast(%x) ${attrs} : ${d}[${n}]`),
      `    return ${outs.map((_v, j) => `%y${j}`).join(', ')}`,
      '  }',
      '}',
    ].join('\n');
    const got = await runRaw(compile(text, ''), [{ data: x, dims: [n] }]);
    outs.forEach(([d, attrs, ref], j) => {
      const g = got[j]!.data as Uint8Array | Uint16Array;
      for (let i = 0; i < n; i++) {
        const want = ref(x[i]!);
        // NaN codes may differ in payload (f16, bf16): compare as NaN there.
        const nan16 = (d === 'f16' && (want & 0x7c00) === 0x7c00 && (want & 0x3ff) !== 0) || (d === 'bf16' && (want & 0x7f80) === 0x7f80 && (want & 0x7f) !== 0);
        const ok = nan16 ? (g[i]! & 0x7fff) > (d === 'f16' ? 0x7c00 : 0x7f80) : g[i] === want;
        if (!ok) expect.fail(`${x[i]} -> ${d} ${attrs}: got 0x${g[i]!.toString(16)}, want 0x${want.toString(16)}`);
      }
    });
  });

  it('f32 -> float8e8m0 by each round_mode, saturate 0/1, as ONNX; all 256 codes back to f32', async () => {
    const n = 3000;
    const x = sampleF32(n, 3);
    const outs: [string, (v: number) => number][] = [];
    for (const mode of ['up', 'down', 'nearest']) {
      for (const sat of [0, 1]) {
        outs.push([`{to = f8e8m0, saturate = ${sat}, round_mode = "${mode}"}`, (v) => {
          const want = toE8M0(v, sat === 1, mode);
          return Number.isNaN(want) ? 0xff : Math.round(Math.log2(want)) + 127;
        }]);
      }
    }
    const text = [
      'module @m {',
      `  func @main(%x: f32[${n}], %c: f8e8m0[256]) -> (${outs.map((_o, j) => `%y${j}: f8e8m0[${n}]`).join(', ')}, %v: f32[256]) {`,
      ...outs.map(([attrs], j) => `    %y${j} = cast(%x) ${attrs} : f8e8m0[${n}]`),
      '    %v = cast(%c) {to = f32} : f32[256]',
      `    return ${outs.map((_o, j) => `%y${j}`).join(', ')}, %v`,
      '  }',
      '}',
    ].join('\n');
    const codes = Uint8Array.from({ length: 256 }, (_v, i) => i);
    const got = await runRaw(compile(text, ''), [{ data: x, dims: [n] }, { data: codes, dims: [256] }]);
    outs.forEach(([attrs, ref], j) => {
      const g = got[j]!.data as Uint8Array;
      for (let i = 0; i < n; i++) if (g[i] !== ref(x[i]!)) expect.fail(`${x[i]} -> f8e8m0 ${attrs}: got 0x${g[i]!.toString(16)}, want 0x${ref(x[i]!).toString(16)}`);
    });
    const v = got[outs.length]!.data as Float32Array;
    for (let c = 0; c < 256; c++) expect([c, v[c]]).toEqual([c, c === 255 ? NaN : Math.fround(2 ** (c - 127))]);
  });
});

function fromBits16(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 0x1f) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

const DTS = ['f32', 'f64', 'f16', 'bf16', 'i8', 'u8', 'i16', 'u16', 'i32', 'u32', 'i64', 'u64', 'bool', 'i4', 'u4', 'i2', 'u2', ...F8, 'f4e2m1', 'f8e8m0'];
const dims = fc.array(fc.constantFrom(1, 2, 3, 5, 7, 13), { minLength: 0, maxLength: 3 });

/**
 * Values of dtype `dt` made by ONNX's cast from f32 samples; with 64-bit integers on either side
 * of a cast, within the 32-bit registers (see the header).
 */
function values(dt: string, shape: readonly number[], seed: number, wide: boolean, unsigned: boolean): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const f = sampleF32(n + 97, seed).slice(97);
  const src = wide ? Float32Array.from(f, (v) => (Number.isFinite(v) ? Math.max(unsigned ? 0 : -(2 ** 30), Math.min(2 ** 30, v)) : 0)) : f;
  return castTensor(tensorFrom('f32', shape, src), dt as Tensor['dtype']);
}

describe('webgpu dtypes vs interpreter (fast-check)', () => {
  it('cast and cast_like between random dtype pairs agree exactly (random shapes, saturate 0/1)', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom(...DTS), fc.constantFrom(...DTS), dims, fc.constantFrom(0, 1), fc.boolean(), fc.integer(), async (from, to, shape, sat, like, seed) => {
      const wide = ['i64', 'u64'].includes(from) || ['i64', 'u64'].includes(to);
      const unsigned = wide && (from === 'u64' || to === 'u64' || from === 'u32');
      const x0 = values(from, shape, seed, wide, unsigned);
      // The u64 register is its low word: negative values (-5 -> 2^64 - 5) are out of its reach.
      const x = unsigned ? tensorFrom(x0.dtype, x0.shape, Array.from(x0.data as ArrayLike<number | bigint>, (v) => (v < 0 ? (typeof v === 'bigint' ? 0n : 0) : v))) : x0;
      const t = fmtShape(shape, to), s = fmtShape(shape, from);
      const text = like
        ? `module @m {\n  func @main(%x: ${s}, %t: ${fmtShape([1], to)}) -> (%y: ${t}) {\n    %y = cast_like(%x, %t) {saturate = ${sat}} : ${t}\n    return %y\n  }\n}`
        : `module @m {\n  func @main(%x: ${s}) -> (%y: ${t}) {\n    %y = cast(%x) {to = ${to}, saturate = ${sat}} : ${t}\n    return %y\n  }\n}`;
      const inputs = like ? [x, castTensor(tensorFrom('f32', [1], [0]), to as Tensor['dtype'])] : [x];
      expectExact(await runCompiled(compile(text), inputs), interpText(text, inputs), `${from} -> ${to} [${shape}] saturate ${sat}`);
    }), { numRuns: 40, seed: 20261127 });
  }, 60_000);

  const INTS = ['i8', 'u8', 'i16', 'u16', 'i32', 'u32', 'i64', 'u64'];
  const FLOATS = ['f16', 'bf16', 'f64'];
  const RANGE: Record<string, [number, number]> = {
    i8: [-128, 127], u8: [0, 255], i16: [-32768, 32767], u16: [0, 65535], i32: [-40000, 40000], u32: [0, 80000], i64: [-40000, 40000], u64: [0, 40000],
  };
  const TOL: Record<string, number> = { f16: 2e-3, bf16: 1.6e-2, f64: 1e-6 };

  it('elementwise ops on random integer and float dtypes, broadcast, chained with a cast', async () => {
    const binary = ['add', 'sub', 'mul', 'div', 'mod', 'max', 'min', 'pow'];
    const compare = ['equal', 'less', 'greater'];
    await fc.assert(fc.asyncProperty(fc.constantFrom(...INTS, ...FLOATS), fc.constantFrom(...binary, ...compare), dims, fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), fc.integer(), async (dt, op, shape, bmask, seed) => {
      // pow of 64-bit integers wraps modulo 2^64 and f64 powers pass f32's range: beyond the 32-bit registers.
      if (op === 'pow' && (dt === 'i64' || dt === 'u64' || dt === 'f64')) return;
      const bShape = shape.map((d, i) => (bmask[i] ? 1 : d));
      const r = rng(seed);
      const gen = (s: readonly number[]): Tensor => {
        const n = s.reduce((a, b) => a * b, 1);
        const [lo, hi] = RANGE[dt] ?? [-50, 50];
        const v = Array.from({ length: n }, () => (RANGE[dt] ? Math.floor(lo + r() * (hi - lo + 1)) : (r() - 0.5) * 100));
        // u64: a - b must not go below 0 (the register holds the low 32 bits).
        return castTensor(tensorFrom('f32', s, dt === 'u64' && op === 'sub' ? v.map((x) => (s === shape ? x + 40000 : x)) : v), dt as Tensor['dtype']);
      };
      const a = gen(shape), b = gen(bShape);
      const isCmp = compare.includes(op);
      const ot = isCmp ? 'bool' : dt;
      const attrs = op === 'mod' ? (FLOATS.includes(dt) ? ' {fmod = 1}' : ' {fmod = 0}') : '';
      const text = [
        'module @m {',
        `  func @main(%a: ${fmtShape(shape, dt)}, %b: ${fmtShape(bShape, dt)}) -> (%y: ${fmtShape(shape, ot)}, %z: ${fmtShape(shape, 'f32')}) {`,
        `    %y = ${op}(%a, %b)${attrs} : ${fmtShape(shape, ot)}`,
        `    %z = cast(%y) {to = f32} : ${fmtShape(shape, 'f32')}`,
        '    return %y, %z',
        '  }',
        '}',
      ].join('\n');
      const c = compile(text);
      const got = await runCompiled(c, [a, b]), want = interpText(text, [a, b]);
      if (TOL[dt] && !isCmp) expectClose(got, want, TOL[dt], 1e-6);
      else expectExact(got, want, `${op} on ${dt} [${shape}] [${bShape}]`);
    }), { numRuns: 30, seed: 1127 });
  }, 60_000);
});

describe('webgpu dtypes: unary ops', () => {
  it('abs, neg, sign, relu on every integer and float width agree exactly (most negative values included)', async () => {
    const dts = ['i8', 'u8', 'i16', 'u16', 'i32', 'u32', 'i64', 'u64', 'f16', 'bf16', 'f64'];
    const vals = [0, 1, -1, 5, -7, 127, -128, 255, 32767, -32768, 65535, 100000, -100000, 2.5, -0.5];
    for (const dt of dts) {
      const signed = !dt.startsWith('u');
      const ops = signed ? ['abs', 'neg', 'sign', 'relu'] : ['abs', 'sign'];
      const n = vals.length;
      const x = castTensor(tensorFrom('f32', [n], vals.map((v) => (signed || v >= 0 ? v : -v))), dt as Tensor['dtype']);
      const text = [
        'module @m {',
        `  func @main(%x: ${dt}[${n}]) -> (${ops.map((o) => `%${o}: ${dt}[${n}]`).join(', ')}) {`,
        ...ops.map((o) => `    %${o} = ${o}(%x) : ${dt}[${n}]`),
        `    return ${ops.map((o) => `%${o}`).join(', ')}`,
        '  }',
        '}',
      ].join('\n');
      expectExact(await runCompiled(compile(text, ''), [x]), interpText(text, [x]), `unary ops on ${dt}`);
    }
  });
});

describe('webgpu dtypes: reduce_log_sum_exp', () => {
  it('constant axes, keepdims 0/1, f32 / f16 / f64, large inputs without overflow (fast-check)', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.constantFrom(1, 2, 3, 5, 7), { minLength: 1, maxLength: 3 }), fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
      fc.constantFrom(0, 1), fc.constantFrom('f32', 'f16', 'f64'), fc.integer(), async (shape, pick, keep, dt, seed) => {
        const axes = shape.map((_d, a) => a).filter((a) => pick[a]);
        const r = rng(seed);
        const x = castTensor(tensorFrom('f32', shape, Array.from({ length: shape.reduce<number>((a, b) => a * b, 1) }, () => (r() - 0.5) * (dt === 'f16' ? 20 : 400))), dt as Tensor['dtype']);
        const prelude = axes.length ? [`%ax = const {value = dense<[${axes}]> : i64[${axes.length}]} : i64[${axes.length}]`] : [];
        const text = oneOp([['x', fmtShape(shape, dt)]], (rt) => [...prelude, `%y = reduce_log_sum_exp(%x${axes.length ? ', %ax' : ''}) {keepdims = ${keep}} : ${rt}`], fmtShape(shape, dt));
        expectClose(await runCompiled(compile(text), [x]), interpText(text, [x]), dt === 'f16' ? 2e-3 : 1e-5, 1e-5);
      }), { numRuns: 15, seed: 4 });
  }, 60_000);
});

describe('webgpu dtypes: layouts and quantised graphs', () => {
  it('QDQ: u8 / i4 weights stay packed, dequantized per axis into a matmul; quantize, dequantize of the activations', async () => {
    const text = `module @m {
  func @main(%x: f32[3,5]) -> (%y: f32[3,4], %q: u8[3,5]) {
    %w = const {value = dense<[1, 200, 3, 4, 5, 6, 255, 8, 0, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]> : u8[5,4]} : u8[5,4]
    %ws = const {value = dense<[0.5, 0.25, 0.125, 1.0]> : f32[4]} : f32[4]
    %wz = const {value = dense<[3, 128, 7, 0]> : u8[4]} : u8[4]
    %n = const {value = dense<[-8, 7, 1, 0, 3, -3, 2, -1, 5, 6, -7, 4, 0, 1, 2, 3, -1, -2, -3, -4]> : i4[5,4]} : i4[5,4]
    %ns = const {value = dense<0.1> : f32[]} : f32[]
    %xs = const {value = dense<0.02> : f32[]} : f32[]
    %xz = const {value = dense<128> : u8[]} : u8[]
    %q = quantize_linear(%x, %xs, %xz) : u8[3,5]
    %xd = dequantize_linear(%q, %xs, %xz) : f32[3,5]
    %wd = dequantize_linear(%w, %ws, %wz) {axis = 1} : f32[5,4]
    %nd = dequantize_linear(%n, %ns) : f32[5,4]
    %w2 = add(%wd, %nd) : f32[5,4]
    %y = matmul(%xd, %w2) : f32[3,4]
    return %y, %q
  }
}`;
    const c = compile(text, 'fuse');
    const packed = c.manifest.buffers.filter((b) => b.kind === 'weight' && b.storage === 'packed').map((b) => [b.dtype, b.esize, b.bytes]);
    expect(packed).toEqual(expect.arrayContaining([['u8', 1, 20], ['i4', 0.5, 10]]));
    // Written by a kernel: one word per element (the default storage for u8, so not stated).
    const qb = c.manifest.buffers[c.manifest.outputs[1]!.buffer]!;
    expect([qb.dtype, qb.esize, qb.storage ?? 'word']).toEqual(['u8', 4, 'word']);
    const x = tensorFrom('f32', [3, 5], Array.from({ length: 15 }, (_v, i) => Math.sin(i) * 3));
    const got = await runCompiled(c, [x]), want = interpText(text, [x]);
    expectExact([got[1]!], [want[1]!], 'quantize_linear');
    expectClose([got[0]!], [want[0]!], 1e-5, 1e-5);
  });

  it('f16 weights and activations: rounded to f16 after every op, so a cast back to f32 sees the rounding', async () => {
    const text = `module @m {
  func @main(%x: f16[7]) -> (%y: f16[7], %z: f32[7]) {
    %w = const {value = dense<[0.1, 1000.0, -3.3, 65504.0, 2.0e-7, 1.5, -0.0]> : f16[7]} : f16[7]
    %s = mul(%x, %w) : f16[7]
    %y = add(%s, %x) : f16[7]
    %z = cast(%y) {to = f32} : f32[7]
    return %y, %z
  }
}`;
    const c = compile(text);
    expect(c.manifest.buffers.find((b) => b.kind === 'weight')).toMatchObject({ dtype: 'f16', esize: 2 });
    const x = castTensor(tensorFrom('f32', [7], [1.001, 70, 0.3, 2, 3, 1e-3, 5]), 'f16');
    expectExact(await runCompiled(c, [x]), interpText(text, [x]), 'f16 chain');
  });

  it('bit ops, bit_shift past the width, integer matmul and conv', async () => {
    const text = `module @m {
  func @main(%a: u8[2,3], %b: u8[2,3], %c: i16[2,3], %m: u8[2,3], %k: i8[3,4]) -> (%s: u8[2,3], %r: u8[2,3], %x: i16[2,3], %n: i16[2,3], %p: i32[2,4]) {
    %s = bit_shift(%a, %b) {direction = "LEFT"} : u8[2,3]
    %r = bit_shift(%a, %b) {direction = "RIGHT"} : u8[2,3]
    %c2 = bitwise_not(%c) : i16[2,3]
    %x = bitwise_xor(%c, %c2) : i16[2,3]
    %n = bitwise_and(%c, %c) : i16[2,3]
    %mz = const {value = dense<7> : u8[]} : u8[]
    %p = matmul_integer(%m, %k, %mz) : i32[2,4]
    return %s, %r, %x, %n, %p
  }
}`;
    const inputs = [
      tensorFrom('u8', [2, 3], [1, 255, 7, 128, 3, 9]), tensorFrom('u8', [2, 3], [0, 1, 4, 7, 8, 40]), tensorFrom('i16', [2, 3], [-32768, 32767, 0, -1, 1234, -555]),
      tensorFrom('u8', [2, 3], [0, 255, 7, 8, 100, 3]), tensorFrom('i8', [3, 4], [-128, 127, 0, 5, 6, -7, 8, 9, 10, 11, -12, 13]),
    ];
    expectExact(await runCompiled(compile(text), inputs), interpText(text, inputs), 'bit and integer ops');
  });

  it('compiles byte-identically twice', () => {
    const text = `module @m {\n  func @main(%x: f32[5]) -> (%y: f8e4m3fn[5], %z: u4[5]) {\n    %y = cast(%x) {to = f8e4m3fn, saturate = 0} : f8e4m3fn[5]\n    %z = cast(%x) {to = u4} : u4[5]\n    return %y, %z\n  }\n}`;
    const a = compile(text), b = compile(text);
    expect(a.shaders).toEqual(b.shaders);
    expect(JSON.stringify(a.manifest)).toBe(JSON.stringify(b.manifest));
  });

  it('a u64 scalar beyond 32 bits is its low word (the u32 register), not a compile error', () => {
    const text = `module @m {\n  func @main(%x: u64[3]) -> (%y: u64[3]) {\n    %c = const {value = dense<4294967301> : u64[]} : u64[]\n    %y = add(%x, %c) : u64[3]\n    return %y\n  }\n}`;
    expect(compile(text).shaders[0]!.code).toMatch(/\+ 5u\)/);
  });
});
