// Bit-exact conversions for reduced-precision floats (float16, bfloat16, the float8 variants,
// float4e2m1). Decoding follows the ONNX specification of each format; encoding rounds to nearest,
// ties to even, and either saturates or overflows to Inf/NaN as the format and `saturate` say.

const f32buf = new Float32Array(1);
const u32buf = new Uint32Array(f32buf.buffer);

export function f16BitsToNumber(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 0x1f) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

export function numberToF16Bits(x: number): number {
  f32buf[0] = x;
  const f = u32buf[0]!;
  const sign = (f >>> 16) & 0x8000;
  const exp = (f >>> 23) & 0xff;
  let man = f & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (man ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    man |= 0x800000;
    const shift = 14 - e;
    let half = man >>> shift;
    const rem = man & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && (half & 1))) half++;
    return sign | half;
  }
  let half = (e << 10) | (man >>> 13);
  const rem = man & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1))) half++;
  return sign | half;
}

export const roundF16 = (x: number): number => f16BitsToNumber(numberToF16Bits(x));

export function bf16BitsToNumber(b: number): number {
  u32buf[0] = (b & 0xffff) << 16;
  return f32buf[0]!;
}

export function numberToBF16Bits(x: number): number {
  f32buf[0] = x;
  const f = u32buf[0]!;
  if ((f & 0x7f800000) === 0x7f800000 && (f & 0x7fffff)) return ((f >>> 16) | 0x40) & 0xffff;
  const rounded = f + 0x7fff + ((f >>> 16) & 1);
  return (rounded >>> 16) & 0xffff;
}

export const roundBF16 = (x: number): number => bf16BitsToNumber(numberToBF16Bits(x));

/** Description of a small float format. */
interface MiniFloat {
  readonly expBits: number;
  readonly manBits: number;
  readonly bias: number;
  /** 'ieee': all-ones exponent is Inf/NaN; 'fn': only S.1111.111 is NaN, no Inf; 'fnuz': 0x80 is NaN, no -0, no Inf. */
  readonly special: 'ieee' | 'fn' | 'fnuz' | 'none';
}

const FORMATS = {
  f8e4m3fn: { expBits: 4, manBits: 3, bias: 7, special: 'fn' },
  f8e4m3fnuz: { expBits: 4, manBits: 3, bias: 8, special: 'fnuz' },
  f8e5m2: { expBits: 5, manBits: 2, bias: 15, special: 'ieee' },
  f8e5m2fnuz: { expBits: 5, manBits: 2, bias: 16, special: 'fnuz' },
  f4e2m1: { expBits: 2, manBits: 1, bias: 1, special: 'none' },
} as const satisfies Record<string, MiniFloat>;

export type MiniFloatName = keyof typeof FORMATS | 'f8e8m0';

function decodeMini(fmt: MiniFloat, code: number): number {
  const bits = 1 + fmt.expBits + fmt.manBits;
  const signBit = 1 << (bits - 1);
  const e = (code >> fmt.manBits) & ((1 << fmt.expBits) - 1);
  const m = code & ((1 << fmt.manBits) - 1);
  const s = code & signBit ? -1 : 1;
  const eMax = (1 << fmt.expBits) - 1;
  if (fmt.special === 'fnuz' && code === signBit) return NaN;
  if (fmt.special === 'fn' && e === eMax && m === (1 << fmt.manBits) - 1) return NaN;
  if (fmt.special === 'ieee' && e === eMax) return m ? NaN : s * Infinity;
  if (e === 0) return s * m * 2 ** (1 - fmt.bias - fmt.manBits);
  return s * (1 + m / (1 << fmt.manBits)) * 2 ** (e - fmt.bias);
}

interface Table { readonly decode: Float64Array; readonly finite: { v: number; code: number }[]; readonly max: number }
const tables = new Map<string, Table>();

function table(name: keyof typeof FORMATS): Table {
  let t = tables.get(name);
  if (t) return t;
  const fmt = FORMATS[name];
  const n = 1 << (1 + fmt.expBits + fmt.manBits);
  const decode = new Float64Array(n);
  const finite: { v: number; code: number }[] = [];
  for (let c = 0; c < n; c++) {
    decode[c] = decodeMini(fmt, c);
    const v = decode[c]!;
    if (Number.isFinite(v) && !(Object.is(v, -0))) finite.push({ v, code: c });
  }
  finite.sort((a, b) => a.v - b.v);
  t = { decode, finite, max: finite[finite.length - 1]!.v };
  tables.set(name, t);
  return t;
}

export function miniFloatToNumber(name: MiniFloatName, code: number): number {
  if (name === 'f8e8m0') return code === 0xff ? NaN : 2 ** (code - 127);
  return table(name).decode[code]!;
}

/** Encode with round-to-nearest-even. `saturate` clamps out-of-range values to ±max (ONNX Cast's default). */
export function numberToMiniFloat(name: MiniFloatName, x: number, saturate = true): number {
  if (name === 'f8e8m0') {
    if (Number.isNaN(x) || x <= 0) return x === 0 ? 0 : 0xff;
    if (!Number.isFinite(x)) return saturate ? 0xfe : 0xff;
    // Round up (ONNX's default rounding mode "up" for e8m0).
    let e = Math.ceil(Math.log2(x));
    if (2 ** (e - 1) >= x) e -= 1;
    return Math.max(0, Math.min(saturate ? 0xfe : 0xff, e + 127));
  }
  const fmt = FORMATS[name];
  const t = table(name);
  const bits = 1 + fmt.expBits + fmt.manBits;
  const signBit = 1 << (bits - 1);
  const nanCode = fmt.special === 'fnuz' ? signBit : fmt.special === 'fn' ? (1 << (bits - 1)) - 1 : fmt.special === 'ieee' ? ((1 << (bits - 1)) - 1) : 0;
  if (Number.isNaN(x)) return fmt.special === 'none' ? (signBit - 1) : nanCode;
  const neg = x < 0 || Object.is(x, -0);
  const a = Math.abs(x);
  const signed = (code: number): number => (neg ? code | signBit : code);
  if (a > t.max) {
    if (saturate || fmt.special === 'none') {
      // Values beyond max but that round to max (within half an ulp) also land here for saturate=false.
      return signed(maxCode(t));
    }
    if (fmt.special === 'ieee') {
      const ulpHalf = (t.max - prevFinite(t)) / 2;
      if (a < t.max + ulpHalf && Number.isFinite(a)) return signed(maxCode(t));
      return (neg ? signBit : 0) | (((1 << fmt.expBits) - 1) << fmt.manBits);
    }
    if (Number.isFinite(a)) {
      const ulpHalf = (t.max - prevFinite(t)) / 2;
      if (a < t.max + ulpHalf) return signed(maxCode(t));
    }
    return fmt.special === 'fnuz' ? nanCode : (neg ? signBit : 0) | nanCode;
  }
  // Nearest non-negative representable value, ties to the even code.
  const pos = t.finite.filter((e) => e.v >= 0);
  let lo = 0, hi = pos.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (pos[mid]!.v <= a) lo = mid; else hi = mid;
  }
  const L = pos[lo]!, H = pos[hi]!;
  let pick: { v: number; code: number };
  if (a <= L.v) pick = L;
  else if (a >= H.v) pick = H;
  else {
    const dl = a - L.v, dh = H.v - a;
    pick = dl < dh ? L : dh < dl ? H : (L.code & 1) === 0 ? L : H;
  }
  if (pick.code === 0) return fmt.special === 'fnuz' ? 0 : neg ? signBit : 0;
  return neg ? pick.code | signBit : pick.code;
}

function maxCode(t: Table): number { return t.finite[t.finite.length - 1]!.code; }
function prevFinite(t: Table): number { return t.finite[t.finite.length - 2]!.v; }

export const roundMiniFloat = (name: MiniFloatName, x: number, saturate = true): number =>
  miniFloatToNumber(name, numberToMiniFloat(name, x, saturate));
