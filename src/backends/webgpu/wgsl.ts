// A small WGSL emitter: statement lists with indentation and fresh names, u32 index arithmetic
// that folds constants, literals that round-trip f32 exactly, and how each IR dtype lives in a
// 32-bit word (bitcast in, bitcast out; storage.ts has the facts per dtype). Kernels print
// through this, never by splicing shader text.

import { type Reg, REG } from './storage.js';

export { GPU_ESIZE, REG, type Reg } from './storage.js';

export class Body {
  private readonly out: string[] = [];
  private depth: number;
  private readonly used: Map<string, number>;
  constructor(depth = 1, used?: Map<string, number>) {
    this.depth = depth;
    this.used = used ?? new Map();
  }
  /** A name not used before in this shader (`x`, `x1`, `x2`, ...). */
  fresh(prefix: string): string {
    const n = this.used.get(prefix) ?? 0;
    this.used.set(prefix, n + 1);
    return n === 0 ? prefix : `${prefix}${n}`;
  }
  line(s: string): void {
    this.out.push('  '.repeat(this.depth) + s);
  }
  comment(s: string): void {
    this.line(`// ${s.replace(/\n/g, ' ')}`);
  }
  /** `let p = expr;` and returns p (expressions that are already names or literals are returned as is). */
  let(prefix: string, expr: string): string {
    if (/^[A-Za-z_][A-Za-z0-9_.]*$/.test(expr) || /^\(?-?[0-9][0-9.e+-]*[uif]?\)?$/.test(expr)) return expr;
    const n = this.fresh(prefix);
    this.line(`let ${n} = ${expr};`);
    return n;
  }
  /** `var p: T = init;` returns p. */
  var(prefix: string, type: string, init?: string): string {
    const n = this.fresh(prefix);
    this.line(init === undefined ? `var ${n}: ${type};` : `var ${n}: ${type} = ${init};`);
    return n;
  }
  block(head: string, f: () => void): void {
    this.line(`${head} {`);
    this.depth++;
    f();
    this.depth--;
    this.line('}');
  }
  /** A body sharing this one's names (for a helper function emitted beside it). */
  sibling(depth = 1): Body {
    return new Body(depth, this.used);
  }
  text(): string {
    return this.out.join('\n');
  }
}

const isNum = (s: string): boolean => /^[0-9]+u$/.test(s);
const num = (s: string): number => Number(s.slice(0, -1));

/** u32 literal. */
export const u32 = (n: number): string => {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new Error(`webgpu: u32 literal out of range: ${n}`);
  return `${n}u`;
};
export function mulU(a: string, b: string): string {
  if (isNum(a) && isNum(b)) return u32(num(a) * num(b));
  if (a === '1u') return b;
  if (b === '1u') return a;
  if (a === '0u' || b === '0u') return '0u';
  return `(${a} * ${b})`;
}
export function addU(a: string, b: string): string {
  if (isNum(a) && isNum(b)) return u32(num(a) + num(b));
  if (a === '0u') return b;
  if (b === '0u') return a;
  return `(${a} + ${b})`;
}
export const divU = (a: string, b: string): string => (b === '1u' ? a : isNum(a) && isNum(b) ? u32(Math.floor(num(a) / num(b))) : `(${a} / ${b})`);
export const modU = (a: string, b: string): string => (b === '1u' ? '0u' : isNum(a) && isNum(b) ? u32(num(a) % num(b)) : `(${a} % ${b})`);

/**
 * f32 literal that denotes exactly Math.fround(x). WGSL constant expressions cannot be infinite
 * or NaN: infinities become the largest finite f32 (the init value of max/min reductions), NaN
 * is refused.
 */
export function f32Lit(x: number): string {
  if (Number.isNaN(x)) throw new Error('webgpu: NaN has no WGSL literal');
  const f = Math.fround(x);
  // At the ends of the range a short decimal may exceed the largest f32, which WGSL refuses.
  if (!Number.isFinite(f) || Math.abs(f) === 3.4028234663852886e38) return f > 0 ? 'bitcast<f32>(0x7f7fffffu)' : 'bitcast<f32>(0xff7fffffu)';
  let s = '';
  for (let p = 1; p <= 9; p++) {
    s = f.toPrecision(p);
    if (Math.fround(Number(s)) === f) break;
  }
  s = String(Number(s));
  if (Object.is(f, -0)) return '(-0.0f)';
  // WGSL f32 range for literals; subnormals are fine, exponents beyond are not written by JS anyway.
  return f < 0 ? `(${s}f)` : `${s}f`;
}

/**
 * An f32 with the given bits (an infinity, a NaN) as a run-time value: WGSL constant expressions
 * cannot be infinite or NaN, so the bits are or-ed with `dep & 0u` (dep: any u32 expression in
 * scope, e.g. lid or the operand's own bits).
 */
export const runtimeF32 = (bits: string, dep: string): string => `bitcast<f32>(${bits} | (${dep} & 0u))`;

export function i32Lit(x: number): string {
  const v = Math.max(-2147483648, Math.min(2147483647, Math.trunc(x)));
  return v < 0 ? (v === -2147483648 ? 'i32(-2147483647 - 1)' : `(${v}i)`) : `${v}i`;
}

export function literal(x: number, reg: Reg): string {
  switch (reg) {
    case 'f32': return f32Lit(x);
    case 'i32': return i32Lit(x);
    // u64 constants beyond 32 bits keep their low word, as the u32 register does.
    case 'u32': return u32(!Number.isFinite(x) ? 0 : x >= 2 ** 32 ? Math.trunc(x) % 2 ** 32 : Math.max(0, Math.trunc(x)));
    case 'bool': return x !== 0 ? 'true' : 'false';
  }
}

/** Load element `idx` of a buffer stored as u32 words at word offset `base` in array `arr`. */
export function loadWord(arr: string, base: string, idx: string, dtype: string): string {
  if (dtype === 'i64') return `bitcast<i32>(${arr}[${addU(base, mulU('2u', idx))}])`;
  if (dtype === 'u64') return `${arr}[${addU(base, mulU('2u', idx))}]`;
  const w = `${arr}[${addU(base, idx)}]`;
  switch (REG[dtype]) {
    case 'f32': return `bitcast<f32>(${w})`;
    case 'i32': return `bitcast<i32>(${w})`;
    case 'bool': return `(${w} != 0u)`;
    default: return w;
  }
}

/** Store statements for one element. */
export function storeWord(base: string, idx: string, dtype: string, value: string): string[] {
  if (dtype === 'i64') {
    const at = addU(base, mulU('2u', idx));
    return [`A[${at}] = bitcast<u32>(${value});`, `A[${addU(at, '1u')}] = select(0u, 0xffffffffu, ${value} < 0i);`];
  }
  if (dtype === 'u64') {
    const at = addU(base, mulU('2u', idx));
    return [`A[${at}] = ${value};`, `A[${addU(at, '1u')}] = 0u;`];
  }
  switch (REG[dtype]) {
    case 'f32': case 'i32': return [`A[${addU(base, idx)}] = bitcast<u32>(${value});`];
    case 'bool': return [`A[${addU(base, idx)}] = select(0u, 1u, ${value});`];
    default: return [`A[${addU(base, idx)}] = ${value};`];
  }
}

/**
 * Load element `idx` of an f32 tensor stored as f16 (two per word, element 2n in the low half,
 * as little-endian bytes put it) and widen it to f32: the arithmetic after it stays f32, so
 * accumulations (GEMM, conv, reductions) keep f32 precision.
 */
export function loadHalf(arr: string, base: string, idx: string): string {
  // unpack2x16float is exact for f16 values; naga (Deno, Firefox) rejects any access into
  // bitcast<vec2<f16>>(u32), so that spelling is avoided.
  const j = /^[A-Za-z_0-9]+$/.test(idx) ? idx : `(${idx})`;
  return `unpack2x16float(${arr}[${addU(base, divU(j, '2u'))}])[${modU(j, '2u')}]`;
}

/**
 * --f16 activations: an f32 intermediate stored as f16 in the half arena `AH` (array<f16>, one
 * element each, so threads write their own elements without sharing a word). Registers stay f32:
 * the value widens on load and narrows (round to nearest) only when stored. A finite value beyond
 * f16's range (|x| >= 65520 after rounding) becomes +-inf, as WGSL's f32 -> f16 conversion gives.
 */
export const loadHalfArena = (base: string, idx: string): string => `f32(AH[${addU(base, idx)}])`;
export const storeHalfArena = (base: string, idx: string, value: string): string[] => [`AH[${addU(base, idx)}] = f16(${value});`];

/** Shader text that uses f16 needs the extension enabled before any declaration. */
export const enableF16 = (code: string): string => (/\bf16\b/.test(code) ? `enable f16;\n${code}` : code);

/** A shader whose main uses subgroup operations: the extension and the subgroup builtins. */
export function withSubgroups(code: string): string {
  const head = '@builtin(local_invocation_index) lid: u32) {';
  if (!code.includes(head)) throw new Error('webgpu: no main to add subgroup builtins to');
  return `enable subgroups;\n${code.replace(head, '@builtin(local_invocation_index) lid: u32,\n        @builtin(subgroup_size) sgsize: u32, @builtin(subgroup_invocation_id) sgid: u32) {')}`;
}
