// Element storage of the reduced-precision dtypes in WASM buffers, and their conversions written
// in WAT by bit manipulation (as ir/numeric.ts, bit for bit):
// - f16 / bf16: 2 bytes of raw bits; decode exactly to f32, encode from f32 rounding to nearest
//   even (f64 goes through f32 first, like the interpreter).
// - float8 (e4m3fn, e4m3fnuz, e5m2, e5m2fnuz) and float4e2m1: one code per byte; decode to f32,
//   encode from f64 (exact for f32 inputs) rounding to nearest even, saturating or not.
// - float8e8m0: one code per byte (2^(code-127), 0xff NaN); encoded by Cast's round_mode.
// - int4/uint4/int2/uint2: one value per byte (sign-extended for the signed ones); a store wraps
//   to the width. Weights are laid out the same way (arenaBytes), and so are the runtime's feeds.
// NaN bits follow ir/numeric.ts exactly: decoding f16/float8 NaN gives the canonical NaN; encoding
// keeps the sign (f16) or sign and payload (bf16), float8 has fixed NaN codes.

import type { DType } from '../../../../ir/dtype.js';
import { encodeBytes, type Tensor } from '../../../../ir/tensor.js';
import type { KernelCtx } from '../kernel-api.js';

export type MiniName = 'f8e4m3fn' | 'f8e4m3fnuz' | 'f8e5m2' | 'f8e5m2fnuz' | 'f4e2m1';
interface Fmt { e: number; m: number; bias: number; special: 'ieee' | 'fn' | 'fnuz' | 'none'; max: number; prev: number }
const FMT: Readonly<Record<MiniName, Fmt>> = {
  f8e4m3fn: { e: 4, m: 3, bias: 7, special: 'fn', max: 448, prev: 416 },
  f8e4m3fnuz: { e: 4, m: 3, bias: 8, special: 'fnuz', max: 240, prev: 224 },
  f8e5m2: { e: 5, m: 2, bias: 15, special: 'ieee', max: 57344, prev: 49152 },
  f8e5m2fnuz: { e: 5, m: 2, bias: 16, special: 'fnuz', max: 57344, prev: 49152 },
  f4e2m1: { e: 2, m: 1, bias: 1, special: 'none', max: 6, prev: 4 },
};
export const MINI: ReadonlySet<string> = new Set(Object.keys(FMT));
/** Floats held as codes and computed in f32. */
export const LOWP: ReadonlySet<string> = new Set(['f16', 'bf16', 'f8e8m0', ...MINI]);
export const SUBBYTE: Readonly<Record<string, { bits: number; signed: boolean }>> = {
  i4: { bits: 4, signed: true }, u4: { bits: 4, signed: false }, i2: { bits: 2, signed: true }, u2: { bits: 2, signed: false },
};
export const isLowp = (d: string): boolean => LOWP.has(d);

/** Constant bytes in the arena layout: packed sub-byte integers are spread to one value per byte. */
export function arenaBytes(t: Tensor): Uint8Array {
  if (SUBBYTE[t.dtype] || t.dtype === 'f4e2m1') {
    if (t.dtype !== 'f4e2m1') return Uint8Array.from(t.data as ArrayLike<number>, (v) => v & 0xff);
    const packed = encodeBytes(t);
    return Uint8Array.from({ length: t.data.length }, (_, i) => (packed[i >> 1]! >> ((i & 1) * 4)) & 15);
  }
  return encodeBytes(t);
}

const hex = (n: number): string => `0x${(n >>> 0).toString(16)}`;
const c32 = (n: number): string => `(i32.const ${hex(n)})`;
const p2f64 = (e: number): string => `(f64.const ${2 ** e})`;

const F16_DEC = `(func $f16_dec (param $h i32) (result f32) (local $e i32) (local $s i32)
  (local.set $s (i32.shl (i32.and (local.get $h) (i32.const 0x8000)) (i32.const 16)))
  (local.set $e (i32.and (i32.shr_u (local.get $h) (i32.const 10)) (i32.const 31)))
  (if (i32.eqz (local.get $e)) (then
    (return (f32.copysign (f32.mul (f32.convert_i32_u (i32.and (local.get $h) (i32.const 0x3ff))) (f32.const 0x1p-24))
      (f32.reinterpret_i32 (i32.or (local.get $s) (i32.const 0x3f800000)))))))
  (if (i32.eq (local.get $e) (i32.const 31)) (then
    (return (select (f32.const nan) (f32.reinterpret_i32 (i32.or (local.get $s) (i32.const 0x7f800000))) (i32.and (local.get $h) (i32.const 0x3ff))))))
  (f32.reinterpret_i32 (i32.or (local.get $s) (i32.add (i32.shl (i32.and (local.get $h) (i32.const 0x7fff)) (i32.const 13)) (i32.const 0x38000000)))))`;

const F16_ENC = `(func $f16_enc (param $x f32) (result i32) (local $f i32) (local $s i32) (local $e i32) (local $m i32) (local $h i32) (local $r i32) (local $sh i32) (local $mid i32)
  (local.set $f (i32.reinterpret_f32 (local.get $x)))
  (local.set $s (i32.and (i32.shr_u (local.get $f) (i32.const 16)) (i32.const 0x8000)))
  (local.set $e (i32.and (i32.shr_u (local.get $f) (i32.const 23)) (i32.const 0xff)))
  (local.set $m (i32.and (local.get $f) (i32.const 0x7fffff)))
  (if (i32.eq (local.get $e) (i32.const 0xff)) (then
    (return (i32.or (i32.or (local.get $s) (i32.const 0x7c00)) (select (i32.const 0x200) (i32.const 0) (local.get $m))))))
  (local.set $e (i32.sub (local.get $e) (i32.const 112)))
  (if (i32.ge_s (local.get $e) (i32.const 31)) (then (return (i32.or (local.get $s) (i32.const 0x7c00)))))
  (if (i32.le_s (local.get $e) (i32.const 0)) (then
    (if (i32.lt_s (local.get $e) (i32.const -10)) (then (return (local.get $s))))
    (local.set $m (i32.or (local.get $m) (i32.const 0x800000)))
    (local.set $sh (i32.sub (i32.const 14) (local.get $e)))
    (local.set $h (i32.shr_u (local.get $m) (local.get $sh)))
    (local.set $r (i32.and (local.get $m) (i32.sub (i32.shl (i32.const 1) (local.get $sh)) (i32.const 1))))
    (local.set $mid (i32.shl (i32.const 1) (i32.sub (local.get $sh) (i32.const 1))))
    (if (i32.or (i32.gt_u (local.get $r) (local.get $mid)) (i32.and (i32.eq (local.get $r) (local.get $mid)) (i32.and (local.get $h) (i32.const 1))))
      (then (local.set $h (i32.add (local.get $h) (i32.const 1)))))
    (return (i32.or (local.get $s) (local.get $h)))))
  (local.set $h (i32.or (i32.shl (local.get $e) (i32.const 10)) (i32.shr_u (local.get $m) (i32.const 13))))
  (local.set $r (i32.and (local.get $m) (i32.const 0x1fff)))
  (if (i32.or (i32.gt_u (local.get $r) (i32.const 0x1000)) (i32.and (i32.eq (local.get $r) (i32.const 0x1000)) (i32.and (local.get $h) (i32.const 1))))
    (then (local.set $h (i32.add (local.get $h) (i32.const 1)))))
  (i32.or (local.get $s) (local.get $h)))`;

const BF16_DEC = `(func $bf16_dec (param $h i32) (result f32)
  (f32.reinterpret_i32 (i32.shl (local.get $h) (i32.const 16))))`;

const BF16_ENC = `(func $bf16_enc (param $x f32) (result i32) (local $f i32)
  (local.set $f (i32.reinterpret_f32 (local.get $x)))
  (if (f32.ne (local.get $x) (local.get $x)) (then (return (i32.and (i32.or (i32.shr_u (local.get $f) (i32.const 16)) (i32.const 0x40)) (i32.const 0xffff)))))
  (i32.shr_u (i32.add (i32.add (local.get $f) (i32.const 0x7fff)) (i32.and (i32.shr_u (local.get $f) (i32.const 16)) (i32.const 1))) (i32.const 16)))`;

const E8M0_DEC = `(func $f8e8m0_dec (param $c i32) (result f32)
  (if (i32.eq (local.get $c) (i32.const 0xff)) (then (return (f32.const nan))))
  (if (i32.eqz (local.get $c)) (then (return (f32.reinterpret_i32 (i32.const 0x400000)))))
  (f32.reinterpret_i32 (i32.shl (local.get $c) (i32.const 23))))`;

function miniDec(name: MiniName): string {
  const f = FMT[name];
  const bits = 1 + f.e + f.m, sign = 1 << (bits - 1), emax = (1 << f.e) - 1, mmask = (1 << f.m) - 1;
  const special = f.special === 'fnuz' ? `(if (i32.eq (local.get $c) ${c32(sign)}) (then (return (f32.const nan))))`
    : f.special === 'fn' ? `(if (i32.eq (i32.and (local.get $c) ${c32(sign - 1)}) ${c32(sign - 1)}) (then (return (f32.const nan))))`
    : f.special === 'ieee' ? `(if (i32.eq (local.get $e) ${c32(emax)}) (then (return (select (f32.const nan) (f32.copysign (f32.const inf) (local.get $one)) (i32.and (local.get $c) ${c32(mmask)})))))`
    : '';
  return `(func $${name}_dec (param $c i32) (result f32) (local $e i32) (local $one f32)
  (local.set $e (i32.and (i32.shr_u (local.get $c) (i32.const ${f.m})) ${c32(emax)}))
  (local.set $one (f32.reinterpret_i32 (i32.or (i32.shl (i32.and (local.get $c) ${c32(sign)}) (i32.const ${31 - (bits - 1)})) (i32.const 0x3f800000))))
  ${special}
  (if (i32.eqz (local.get $e)) (then
    (return (f32.copysign (f32.mul (f32.convert_i32_u (i32.and (local.get $c) ${c32(mmask)})) (f32.const ${2 ** (1 - f.bias - f.m)})) (local.get $one)))))
  (f32.copysign (f32.reinterpret_i32 (i32.or (i32.shl (i32.add (local.get $e) (i32.const ${127 - f.bias})) (i32.const 23))
    (i32.shl (i32.and (local.get $c) ${c32(mmask)}) (i32.const ${23 - f.m})))) (local.get $one)))`;
}

/** f64 -> code, round to nearest even; `sat`: out-of-range values clamp to ±max. */
function miniEnc(name: MiniName, sat: boolean): string {
  const f = FMT[name];
  const bits = 1 + f.e + f.m, sign = 1 << (bits - 1), emin = 1 - f.bias;
  const maxCode = f.special === 'fn' ? (sign - 2) : f.special === 'ieee' ? (((1 << f.e) - 1) << f.m) - 1 : sign - 1;
  const nanCode = f.special === 'fnuz' ? sign : f.special === 'none' ? sign - 1 : sign - 1;
  const sgn = (e: string): string => `(i32.or ${e} (select ${c32(sign)} (i32.const 0) (local.get $neg)))`;
  let over: string;
  if (sat || f.special === 'none') over = `(return ${sgn(c32(maxCode))})`;
  else {
    const beyond = f.special === 'ieee' ? sgn(c32(((1 << f.e) - 1) << f.m)) : f.special === 'fn' ? sgn(c32(nanCode)) : c32(nanCode);
    over = `(if (f64.lt (local.get $a) (f64.const ${f.max + (f.max - f.prev) / 2})) (then (return ${sgn(c32(maxCode))})))
    (return ${beyond})`;
  }
  return `(func $${name}_enc${sat ? '_sat' : ''} (param $x f64) (result i32) (local $a f64) (local $neg i32) (local $eb i32) (local $c i32)
  (if (f64.ne (local.get $x) (local.get $x)) (then (return ${c32(nanCode)})))
  (local.set $neg (i64.lt_s (i64.reinterpret_f64 (local.get $x)) (i64.const 0)))
  (local.set $a (f64.abs (local.get $x)))
  (if (f64.gt (local.get $a) (f64.const ${f.max})) (then
    ${over}))
  (if (f64.lt (local.get $a) ${p2f64(emin)}) (then
    (local.set $c (i32.trunc_f64_u (f64.nearest (f64.mul (local.get $a) ${p2f64(f.m - emin)})))))
  (else
    (local.set $eb (i32.sub (i32.wrap_i64 (i64.shr_u (i64.reinterpret_f64 (local.get $a)) (i64.const 52))) (i32.const 1023)))
    (local.set $c (i32.add (i32.shl (i32.add (local.get $eb) (i32.const ${f.bias - 1})) (i32.const ${f.m}))
      (i32.trunc_f64_u (f64.nearest (f64.mul (local.get $a)
        (f64.reinterpret_i64 (i64.shl (i64.extend_i32_u (i32.sub (i32.const ${1023 + f.m}) (local.get $eb))) (i64.const 52))))))))))
  (if (i32.eqz (local.get $c)) (then (return ${f.special === 'fnuz' ? '(i32.const 0)' : sgn('(i32.const 0)')})))
  ${sgn('(local.get $c)')})`;
}

/** ONNX's float32 -> float8e8m0 (sign dropped; inf/NaN -> 0xff) by round_mode. */
function e8m0Enc(mode: string, sat: boolean): string {
  const guard = sat ? '(i32.ne (local.get $e) (i32.const 0xfe))' : '(i32.const 1)';
  const up = mode === 'up' ? `(i32.and (i32.ne (i32.and (local.get $f) (i32.const 0x7fffff)) (i32.const 0)) ${guard})`
    : mode === 'nearest' ? `(i32.and (i32.and (i32.ne (i32.and (local.get $f) (i32.const 0x400000)) (i32.const 0))
      (i32.or (i32.ne (i32.and (local.get $f) (i32.const 0x3fffff)) (i32.const 0)) (i32.gt_s (local.get $e) (i32.const 0)))) ${guard})`
    : '(i32.const 0)';
  return `(func $f8e8m0_enc_${mode}${sat ? '_sat' : ''} (param $x f32) (result i32) (local $f i32) (local $e i32)
  (local.set $f (i32.reinterpret_f32 (local.get $x)))
  (local.set $e (i32.and (i32.shr_u (local.get $f) (i32.const 23)) (i32.const 0xff)))
  (if (i32.eq (local.get $e) (i32.const 0xff)) (then (return (i32.const 0xff))))
  (i32.add (local.get $e) ${up}))`;
}

// Four lanes at a time (the conversions around ops on f16/bf16): i32x4 lanes holding 16-bit codes
// <-> f32x4, bit for bit as the scalar functions above (f16 encode after ryg's float_to_half_rtne).
const v4 = (n: number): string => `(v128.const i32x4 ${hex(n)} ${hex(n)} ${hex(n)} ${hex(n)})`;
const F16_DEC4 = `(func $f16_dec4 (param $h v128) (result v128) (local $e v128) (local $n v128) (local $sub v128) (local $r v128)
  (local.set $e (v128.and (local.get $h) ${v4(0x7c00)}))
  (local.set $n (i32x4.add (i32x4.shl (v128.and (local.get $h) ${v4(0x7fff)}) (i32.const 13)) ${v4(0x38000000)}))
  (local.set $sub (f32x4.mul (f32x4.convert_i32x4_u (v128.and (local.get $h) ${v4(0x3ff)})) (f32x4.splat (f32.const 0x1p-24))))
  (local.set $r (v128.bitselect (local.get $sub) (local.get $n) (i32x4.eq (local.get $e) ${v4(0)})))
  (local.set $r (v128.bitselect (i32x4.add (local.get $n) ${v4(0x38000000)}) (local.get $r) (i32x4.eq (local.get $e) ${v4(0x7c00)})))
  (local.set $r (v128.or (local.get $r) (i32x4.shl (v128.and (local.get $h) ${v4(0x8000)}) (i32.const 16))))
  (v128.bitselect ${v4(0x7fc00000)} (local.get $r)
    (v128.and (i32x4.eq (local.get $e) ${v4(0x7c00)}) (i32x4.ne (v128.and (local.get $h) ${v4(0x3ff)}) ${v4(0)}))))`;

const F16_ENC4 = `(func $f16_enc4 (param $x v128) (result v128) (local $f v128) (local $s v128) (local $big v128) (local $sub v128) (local $nrm v128) (local $r v128)
  (local.set $s (v128.and (local.get $x) ${v4(0x80000000)}))
  (local.set $f (v128.xor (local.get $x) (local.get $s)))
  (local.set $big (v128.bitselect ${v4(0x7e00)} ${v4(0x7c00)} (i32x4.gt_u (local.get $f) ${v4(0x7f800000)})))
  (local.set $sub (i32x4.sub (f32x4.add (local.get $f) ${v4(0x3f000000)}) ${v4(0x3f000000)}))
  (local.set $nrm (i32x4.shr_u (i32x4.add (i32x4.add (local.get $f) ${v4(0xc8000fff)})
    (v128.and (i32x4.shr_u (local.get $f) (i32.const 13)) ${v4(1)})) (i32.const 13)))
  (local.set $r (v128.bitselect (local.get $sub) (local.get $nrm) (i32x4.lt_u (local.get $f) ${v4(113 << 23)})))
  (local.set $r (v128.bitselect (local.get $big) (local.get $r) (i32x4.ge_u (local.get $f) ${v4(143 << 23)})))
  (v128.or (local.get $r) (i32x4.shr_u (local.get $s) (i32.const 16))))`;

const BF16_ENC4 = `(func $bf16_enc4 (param $x v128) (result v128) (local $f v128)
  (local.set $f (local.get $x))
  (v128.bitselect
    (v128.and (v128.or (i32x4.shr_u (local.get $f) (i32.const 16)) ${v4(0x40)}) ${v4(0xffff)})
    (i32x4.shr_u (i32x4.add (i32x4.add (local.get $f) ${v4(0x7fff)}) (v128.and (i32x4.shr_u (local.get $f) (i32.const 16)) ${v4(1)})) (i32.const 16))
    (f32x4.ne (local.get $x) (local.get $x))))`;

/** f32x4 from four 16-bit codes at byte address `a` (f16 or bf16). */
export function load4(k: KernelCtx, dt: 'f16' | 'bf16', a: string): string {
  const h = `(v128.load16x4_u align=2 ${a})`;
  return dt === 'bf16' ? `(i32x4.shl ${h} (i32.const 16))` : `(call ${k.moduleFunc('f16_dec4', F16_DEC4)} ${h})`;
}

/** Store the f32x4 `v` as four 16-bit codes at byte address `a`. */
export function store4(k: KernelCtx, dt: 'f16' | 'bf16', a: string, v: string): string {
  const c = dt === 'bf16' ? `(call ${k.moduleFunc('bf16_enc4', BF16_ENC4)} ${v})` : `(call ${k.moduleFunc('f16_enc4', F16_ENC4)} ${v})`;
  return `(v128.store64_lane align=2 0 ${a} (i16x8.narrow_i32x4_u ${c} ${c}))`;
}

export type Num = 'i32' | 'i64' | 'f32' | 'f64';
/** Load/store of one element in its compute type (f32 for the reduced floats). */
export interface Elem { readonly t: Num; readonly size: number; load(a: string): string; store(a: string, v: string): string }

const PLAIN: Readonly<Record<string, [Num, string, string, number]>> = {
  f32: ['f32', 'f32.load', 'f32.store', 4], f64: ['f64', 'f64.load', 'f64.store', 8],
  i32: ['i32', 'i32.load', 'i32.store', 4], u32: ['i32', 'i32.load', 'i32.store', 4],
  i64: ['i64', 'i64.load', 'i64.store', 8], u64: ['i64', 'i64.load', 'i64.store', 8],
  i16: ['i32', 'i32.load16_s', 'i32.store16', 2], u16: ['i32', 'i32.load16_u', 'i32.store16', 2],
  i8: ['i32', 'i32.load8_s', 'i32.store8', 1], u8: ['i32', 'i32.load8_u', 'i32.store8', 1], bool: ['i32', 'i32.load8_u', 'i32.store8', 1],
};

/** Function name (adding it to the module) of a decoder code -> f32. */
export function decoder(k: KernelCtx, dt: string): string {
  if (dt === 'f16') return k.moduleFunc('f16_dec', F16_DEC);
  if (dt === 'bf16') return k.moduleFunc('bf16_dec', BF16_DEC);
  if (dt === 'f8e8m0') return k.moduleFunc('f8e8m0_dec', E8M0_DEC);
  return k.moduleFunc(`${dt}_dec`, miniDec(dt as MiniName));
}

/** WAT expression: the f32 (or f64, for float8/float4) value `v` of type `vt` encoded as a code of `dt`. */
export function encode(k: KernelCtx, dt: string, v: string, vt: 'f32' | 'f64', sat = false, roundMode = 'up'): string {
  const f32 = vt === 'f64' ? `(f32.demote_f64 ${v})` : v;
  if (dt === 'f16') return `(call ${k.moduleFunc('f16_enc', F16_ENC)} ${f32})`;
  if (dt === 'bf16') return `(call ${k.moduleFunc('bf16_enc', BF16_ENC)} ${f32})`;
  if (dt === 'f8e8m0') return `(call ${k.moduleFunc(`f8e8m0_enc_${roundMode}${sat ? '_sat' : ''}`, e8m0Enc(roundMode, sat))} ${f32})`;
  const s = sat || dt === 'f4e2m1';
  return `(call ${k.moduleFunc(`${dt}_enc${s ? '_sat' : ''}`, miniEnc(dt as MiniName, s))} ${vt === 'f32' ? `(f64.promote_f32 ${v})` : v})`;
}

/** Wrap an i32 to a sub-byte integer width (sign-extending for the signed ones). */
export function wrapSub(dt: string, v: string): string {
  const s = SUBBYTE[dt]!;
  return s.signed ? `(i32.shr_s (i32.shl ${v} (i32.const ${32 - s.bits})) (i32.const ${32 - s.bits}))` : `(i32.and ${v} (i32.const ${(1 << s.bits) - 1}))`;
}

/** How elements of `dt` load and store; undefined for dtypes the wasm backend does not hold. */
export function elem(k: KernelCtx, dt: DType | string, sat = false): Elem | undefined {
  const p = PLAIN[dt];
  if (p) return { t: p[0], size: p[3], load: (a) => `(${p[1]} ${a})`, store: (a, v) => `(${p[2]} ${a} ${v})` };
  if (SUBBYTE[dt]) {
    const signed = SUBBYTE[dt]!.signed;
    return { t: 'i32', size: 1, load: (a) => `(i32.load8_${signed ? 's' : 'u'} ${a})`, store: (a, v) => `(i32.store8 ${a} ${wrapSub(dt, v)})` };
  }
  if (!LOWP.has(dt)) return undefined;
  const two = dt === 'f16' || dt === 'bf16';
  return {
    t: 'f32', size: two ? 2 : 1,
    load: (a) => `(call ${decoder(k, dt)} (i32.load${two ? '16' : '8'}_u ${a}))`,
    store: (a, v) => `(i32.store${two ? '16' : '8'} ${a} ${encode(k, dt, v, 'f32', sat)})`,
  };
}
