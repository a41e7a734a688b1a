// How every IR dtype lives on the GPU: its register type, how its buffers hold it, and the WGSL
// that keeps a register value exactly what ONNX would store.
//
// Registers: floats of any width (f16, bf16, float8, float4, and f64) compute in f32, like every
// WebGPU engine (WGSL has no f64; f16 arithmetic needs an extension); signed integers of up to 32
// bits and i64 in i32, unsigned ones and u64 in u32 (64-bit integers are narrowed, as indices and
// masks fit). Invariant: a register of dtype d always holds a value of d, rounded or wrapped
// as ONNX stores it (`narrow` after every op), so a later op or cast sees what ONNX would see.
//
// Buffers are arrays of u32 words, and two invocations must never write the same word, so
// every buffer a kernel writes (temps, outputs, and inputs, which share the arena) holds one word
// per element ('word': the register's bits; bool 0/1), 64-bit integers two ('dword': the low word
// and its sign or zero extension, i.e. their little-endian bytes). Weights are only read, so
// sub-word dtypes keep ONNX's packed little-endian bytes there ('packed': f16, bf16 and 8/16/4/2-bit
// integers several to a word); f64 and float8/float4 weights are decoded to f32 words at compile
// time. The runtime converts inputs and outputs between its typed arrays and these layouts.

import { f16BitsToNumber, miniFloatToNumber, type MiniFloatName } from '../../../ir/numeric.js';

export type Reg = 'f32' | 'i32' | 'u32' | 'bool';
export type Storage = 'word' | 'dword' | 'packed';

/** A small float format, as ONNX defines it (bias gives the smallest normal exponent 1 - bias). */
export interface FloatFormat {
  readonly man: number;
  readonly bias: number;
  readonly max: number;
  /** ieee: overflow gives inf; fn: no inf, overflow gives NaN; fnuz: that and no -0; none: no inf, no NaN. */
  readonly special: 'ieee' | 'fn' | 'fnuz' | 'none';
}

/**
 * A format's facts read off the interpreter's decoder (ir/numeric.ts), so the GPU rounding below
 * and the reference cannot disagree on them: the smallest normal (exponent field 1) is
 * 2^(1 - bias), max is the largest finite value, and which codes decode to inf or NaN say how
 * overflow behaves.
 */
function formatOf(bits: number, man: number, decode: (code: number) => number): FloatFormat {
  const values = Array.from({ length: 2 ** bits }, (_v, c) => decode(c));
  const bias = 1 - Math.log2(decode(1 << man));
  const max = values.reduce((m, v) => (Number.isFinite(v) && v > m ? v : m), 0);
  const special = values.includes(Infinity) ? 'ieee' : Number.isNaN(decode(2 ** (bits - 1))) ? 'fnuz' : values.some(Number.isNaN) ? 'fn' : 'none';
  return { man, bias, max, special };
}

/** float8 / float4 by ir/numeric.ts's names (their exponent and mantissa widths are in the name). */
const MINI_FLOATS: readonly Exclude<MiniFloatName, 'f8e8m0'>[] = ['f8e4m3fn', 'f8e4m3fnuz', 'f8e5m2', 'f8e5m2fnuz', 'f4e2m1'];
export const FORMATS: Readonly<Record<string, FloatFormat>> = {
  f16: formatOf(16, 10, f16BitsToNumber),
  ...Object.fromEntries(MINI_FLOATS.map((n) => {
    const [, e, m] = /e(\d)m(\d)/.exec(n)!.map(Number) as [number, number, number];
    return [n, formatOf(1 + e + m, m, (c) => miniFloatToNumber(n, c))];
  })),
};
/** Integer dtypes narrower than their register: width and signedness. */
const NARROW_INTS: Readonly<Record<string, { bits: number; signed: boolean }>> = {
  i8: { bits: 8, signed: true }, u8: { bits: 8, signed: false }, i16: { bits: 16, signed: true }, u16: { bits: 16, signed: false },
  i4: { bits: 4, signed: true }, u4: { bits: 4, signed: false }, i2: { bits: 2, signed: true }, u2: { bits: 2, signed: false },
};

/** The WGSL type a value of an IR dtype has in registers (string has none). */
export const REG: Readonly<Record<string, Reg>> = {
  f32: 'f32', f16: 'f32', bf16: 'f32', f64: 'f32', f8e8m0: 'f32', ...Object.fromEntries(Object.keys(FORMATS).map((f) => [f, 'f32'])),
  i32: 'i32', i64: 'i32', i8: 'i32', i16: 'i32', i4: 'i32', i2: 'i32',
  u32: 'u32', u64: 'u32', u8: 'u32', u16: 'u32', u4: 'u32', u2: 'u32',
  bool: 'bool',
};

/** Bytes per element in the buffers kernels write (one word, two for 64-bit integers). */
export const GPU_ESIZE: Readonly<Record<string, number>> = Object.fromEntries(Object.keys(REG).map((d) => [d, d === 'i64' || d === 'u64' ? 8 : 4]));

/** Bits per element of a packed weight, for the dtypes that stay packed in weights.bin. */
export const PACKED_BITS: Readonly<Record<string, number>> = {
  f16: 16, bf16: 16, ...Object.fromEntries(Object.entries(NARROW_INTS).map(([d, x]) => [d, x.bits])),
};

/** How a weight of this dtype is laid out in weights.bin. */
export const weightStorage = (dtype: string): Storage => (PACKED_BITS[dtype] ? 'packed' : GPU_ESIZE[dtype] === 8 ? 'dword' : 'word');
/** How an arena buffer (input, output, temp) of this dtype is laid out. */
export const arenaStorage = (dtype: string): Storage => (GPU_ESIZE[dtype] === 8 ? 'dword' : 'word');

/**
 * The storage the runtime assumes for a buffer that does not state one (manifests from before
 * the other dtypes, byte-identical): 64-bit integers two words, f16 weights (--f16) packed,
 * the rest one word.
 */
export const defaultStorage = (dtype: string): Storage => (dtype === 'i64' ? 'dword' : dtype === 'f16' ? 'packed' : 'word');

/**
 * Register value of element `idx` of a packed weight at word offset `base` of `arr`: f16 through
 * unpack2x16float (exact; naga rejects accesses into bitcast<vec2<f16>>), bf16 by shifting its
 * bits into an f32's high half, integers by extractBits (which sign-extends i32).
 */
export function loadPacked(arr: string, base: string, idx: string, dtype: string, add: (a: string, b: string) => string): string {
  const bits = PACKED_BITS[dtype]!, per = 32 / bits;
  const j = /^[A-Za-z_0-9]+$/.test(idx) ? idx : `(${idx})`;
  const word = `${arr}[${add(base, `${j} / ${per}u`)}]`;
  const shift = `(${j} % ${per}u) * ${bits}u`;
  if (dtype === 'f16') return `unpack2x16float(${word})[${j} % 2u]`;
  if (dtype === 'bf16') return `bitcast<f32>(((${word} >> (${shift})) & 0xffffu) << 16u)`;
  return NARROW_INTS[dtype]!.signed ? `extractBits(bitcast<i32>(${word}), ${shift}, ${bits}u)` : `extractBits(${word}, ${shift}, ${bits}u)`;
}

/**
 * Round or wrap a register value of `reg` to what dtype `dtype` stores (identity where the
 * register is the dtype, and for f64, computed in f32). `saturate` is Cast's attribute: float8
 * targets clamp out-of-range values to ±max instead of overflowing to inf or NaN.
 */
export function narrow(e: string, dtype: string, saturate = true): string {
  if (FORMATS[dtype]) return `${helperName(dtype, saturate)}(${e})`;
  if (dtype === 'bf16') return `round_bf16(${e})`;
  const n = NARROW_INTS[dtype];
  if (!n) return e;
  return n.signed ? `extractBits(${e}, 0u, ${n.bits}u)` : `(${e} & ${(2 ** n.bits - 1) >>> 0}u)`;
}

/** Whether values of this dtype need narrowing after an op computes them. */
export const needsNarrow = (dtype: string): boolean => FORMATS[dtype] !== undefined || dtype === 'bf16' || NARROW_INTS[dtype] !== undefined;

// Only float8 has a saturate mode; f16 overflows to inf and float4 always saturates.
const helperName = (dtype: string, saturate: boolean): string => `round_${dtype}${saturate || !dtype.startsWith('f8') ? '' : '_nosat'}`;

/** f32 literal of a value exactly representable in f32 (the format constants are). */
const lit = (x: number): string => (Number.isInteger(x) ? `${x}.0f` : `${x}f`);

/**
 * Round-to-nearest-even of |x| in a small float format, in f32 arithmetic that is exact: scale
 * by a power of two so the format's last mantissa bit has weight 1, round the integer, scale
 * back (products with powers of two are exact; WGSL's `round` is not relied on, nor f32 division).
 */
function formatHelper(dtype: string, saturate: boolean): string {
  const f = FORMATS[dtype]!;
  const emin = 1 - f.bias;
  const halfUlp = 2 ** (Math.floor(Math.log2(f.max)) - f.man - 1);
  // Infinity and NaN built at run time: WGSL constant expressions cannot hold them.
  const inf = 'bitcast<f32>(0x7f800000u | (b & 0u))', nan = 'bitcast<f32>(0x7fc00000u | (b & 0u))';
  const over = saturate || f.special === 'none' ? lit(f.max) : `select(${f.special === 'ieee' ? inf : nan}, ${lit(f.max)}, a < ${lit(f.max + halfUlp)})`;
  const sign = f.special === 'fnuz' ? 'select(bitcast<u32>(x) & 0x80000000u, 0u, r == 0.0f)' : '(bitcast<u32>(x) & 0x80000000u)';
  return `fn ${helperName(dtype, saturate)}(x: f32) -> f32 {
  let b = bitcast<u32>(x) & 0x7fffffffu;
  if (b > 0x7f800000u) { return ${f.special === 'none' ? '0.0f' : nan}; }
  let a = bitcast<f32>(b);
  var r: f32;
  if (a > ${lit(f.max)}) {
    r = ${over};
  } else {
    let e = max(i32(b >> 23u) - 127i, ${emin}i);
    let s = a * bitcast<f32>(u32(${f.man + 127}i - e) << 23u);
    let n = floor(s);
    let fr = s - n;
    let up = fr > 0.5f || (fr == 0.5f && (u32(n) & 1u) == 1u);
    r = (n + select(0.0f, 1.0f, up)) * bitcast<f32>(u32(e + ${127 - f.man}i) << 23u);
  }
  return bitcast<f32>(bitcast<u32>(r) | ${sign});
}`;
}

/**
 * float8e8m0 (a power of two 2^(code - 127), no sign; 0xff NaN) from the f32 bits by ONNX's
 * to_float8e8m0: `up` rounds any mantissa up, `nearest` on the guard bit ("exponent > 0" breaks
 * ties, as the reference does), `down` drops it; saturate keeps 2^127 from becoming NaN. Code 0
 * is 2^-127, an f32 subnormal held by its bits (made at run time, no constant subnormal).
 * Not a storage narrowing: that value is not a fixed point of `up` (ops on e8m0 are casts only).
 */
function e8m0(e: string, saturate: boolean, mode: string): string | undefined {
  if (!['up', 'down', 'nearest'].includes(mode)) return undefined;
  return `to_e8m0_${mode}${saturate ? '' : '_nosat'}(${e})`;
}
function e8m0Helper(mode: string, saturate: boolean): string {
  const keep = saturate ? ' && e != 0xfeu' : '';
  const inc = mode === 'up' ? `if ((b & 0x7fffffu) != 0u${keep}) { e = e + 1u; }`
    : mode === 'nearest' ? `if ((b & 0x400000u) != 0u && ((b & 0x200000u) != 0u || (b & 0x1fffffu) != 0u || e > 0u)${keep}) { e = e + 1u; }` : '';
  return `fn to_e8m0_${mode}${saturate ? '' : '_nosat'}(x: f32) -> f32 {
  let b = bitcast<u32>(x);
  var e = (b >> 23u) & 0xffu;
  if (e == 0xffu) { return bitcast<f32>(0x7fc00000u | (b & 0u)); }
  ${inc}
  if (e >= 0xffu) { return bitcast<f32>(0x7fc00000u | (b & 0u)); }
  return bitcast<f32>(select(e << 23u, 0x00400000u | (b & 0u), e == 0u));
}`;
}

/** WGSL helper functions the narrowing and casts call (added to a shader when its text calls them). */
export const DTYPE_HELPERS: Readonly<Record<string, string>> = {
  ...Object.fromEntries(Object.keys(FORMATS).flatMap((d) => [true, false].map((s) => [helperName(d, s), formatHelper(d, s)]))),
  ...Object.fromEntries(['up', 'down', 'nearest'].flatMap((m) => [true, false].map((s) => [`to_e8m0_${m}${s ? '' : '_nosat'}`, e8m0Helper(m, s)]))),
  // Round to nearest even on the bits; a carry out of the mantissa rounds up to the next binade or
  // inf. NaN is quieted, as the reference does.
  round_bf16: `fn round_bf16(x: f32) -> f32 {
  let b = bitcast<u32>(x);
  if ((b & 0x7fffffffu) > 0x7f800000u) { return bitcast<f32>(b | 0x400000u); }
  return bitcast<f32>((b + 0x7fffu + ((b >> 16u) & 1u)) & 0xffff0000u);
}`,
  // Round half to even without WGSL's round (whose ties are not tested everywhere); parity in f32.
  round_even_f32: `fn round_even_f32(x: f32) -> f32 {
  let n = floor(x);
  let fr = x - n;
  let odd = n - 2.0f * floor(n * 0.5f) == 1.0f;
  return n + select(0.0f, 1.0f, fr > 0.5f || (fr == 0.5f && odd));
}`,
  // a / b rounded to nearest as the reference divides (WGSL's division may be 2.5 ulp off, which
  // moves quantisation ties): the residual a - q*b exactly by Dekker's product (WGSL's +, - and *
  // round correctly), then one correction step.
  div_rn_f32: `fn div_rn_f32(a: f32, b: f32) -> f32 {
  let q = a / b;
  let aq = abs(q);
  if (!(aq > 1e-30f && aq < 1e30f) || abs(b) > 1e30f || abs(b) < 1e-30f) { return q; }
  let p = q * b;
  let qs = 4097.0f * q;
  let qh = qs - (qs - q);
  let ql = q - qh;
  let bs = 4097.0f * b;
  let bh = bs - (bs - b);
  let bl = b - bh;
  let e = ((qh * bh - p) + qh * bl + ql * bh) + ql * bl;
  return q + ((a - p) - e) / b;
}`,
  // Both halves convert exactly and the f32 sum rounds once, to nearest even.
  u32_to_f32: `fn u32_to_f32(v: u32) -> f32 {
  return f32(v & 0xffff0000u) + f32(v & 0xffffu);
}`,
  i32_to_f32: `fn i32_to_f32(v: i32) -> f32 {
  return f32(v & (-65536i)) + f32(v & 65535i);
}`,
  // ONNX casts float to integer by truncating and wrapping to the width (NaN and ±inf give 0);
  // i32(x) would clamp. |x| >= 2^24 is a multiple of its ulp, so |x| mod 2^32 is exact in f32.
  wrap_f32_u32: `fn wrap_f32_u32(x: f32) -> u32 {
  let b = bitcast<u32>(x) & 0x7fffffffu;
  if (b >= 0x7f800000u) { return 0u; }
  let t = trunc(bitcast<f32>(b));
  let m = u32(t - floor(t * 2.3283064365386963e-10f) * 4294967296.0f);
  return select(m, 0u - m, x < 0.0f);
}`,
};

/**
 * Cast a register value of dtype `from` to dtype `to` as ONNX Cast does (float -> int truncates
 * and wraps, NaN and inf give 0; to float formats rounds to nearest even; see elementwise-cast.ts
 * in ir/ops; float8e8m0 by `roundMode`). Returns undefined for pairs without a register.
 */
export function castExpr(e: string, from: string, to: string, saturate: boolean, roundMode = 'up'): string | undefined {
  const fr = REG[from], tr = REG[to];
  if (!fr || !tr) return undefined;
  if (from === to) return e;
  if (tr === 'bool') return fr === 'f32' ? `(${e} != 0.0f)` : fr === 'i32' ? `(${e} != 0i)` : fr === 'u32' ? `(${e} != 0u)` : e;
  // For the dtypes that existed before this table, the same text as before (goldens unchanged).
  const one = tr === 'f32' ? '1f' : tr === 'i32' ? '1i' : '1u';
  const zero = tr === 'f32' ? '0f' : tr === 'i32' ? '0i' : '0u';
  if (fr === 'bool') return `select(${zero}, ${one}, ${e})`;
  // 32-bit integers beyond 2^24 round to nearest even (WGSL's f32() may pick either neighbour).
  const wide = ['i32', 'u32', 'i64', 'u64'].includes(from);
  const asF32 = fr === 'f32' ? e : wide ? `${fr}_to_f32(${e})` : `f32(${e})`;
  if (to === 'f8e8m0') return e8m0(asF32, saturate, roundMode);
  if (tr === 'f32') return narrow(asF32, to, saturate);
  // Integer targets: the register's 32 bits, then the target's width.
  if (fr === 'f32') {
    // i64 clamps to the i32 register (wrapping 32 bits would turn 2^31..2^32 negative, where the
    // i64 is positive); NaN and inf give 0.
    if (to === 'i64') return `select(0i, i32(${e}), (bitcast<u32>(${e}) & 0x7f800000u) != 0x7f800000u)`;
    const w = `wrap_f32_u32(${e})`;
    return narrow(tr === 'i32' ? `bitcast<i32>(${w})` : w, to);
  }
  return narrow(fr === tr ? e : `${tr}(${e})`, to);
}
