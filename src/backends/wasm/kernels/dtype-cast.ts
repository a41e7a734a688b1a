// Cast / CastLike from or to the reduced-precision floats (f16, bf16, float8, float4) and the
// sub-byte integers (int4/uint4/int2/uint2), with the interpreter's rules (ir/ops/elementwise-cast.ts):
// floats to integers truncate (NaN and ±inf give 0) and wrap to the target width; to f16/bf16
// through f32 (as the interpreter rounds a number through Float32Array); to float8 from the exact
// f64 value, saturating when `saturate`; to float4 always saturating with NaN -> 0; to float8e8m0
// from the f32 bits by `round_mode`. f32/f64 to integers are here as well (the wrap beyond the
// target's range). Every other pair goes to the previous cast kernel.

import type { Op } from '../../../../ir/ir.js';
import { addr, get } from '../emitter.js';
import type { KernelCtx, KernelDef } from '../kernel-api.js';
import { CAST_ANY_KERNEL } from './data-cast-any.js';
import { elem, encode, LOWP, SUBBYTE, type Num } from './dtype-codec.js';

const UNSIGNED = new Set(['u8', 'u16', 'u32', 'u64', 'bool', 'u4', 'u2']);
const isF = (t: Num): boolean => t === 'f32' || t === 'f64';
const special = (d: string): boolean => LOWP.has(d) || SUBBYTE[d] !== undefined;

function toF64(v: string, t: Num, unsigned: boolean): string {
  if (t === 'f64') return v;
  if (t === 'f32') return `(f64.promote_f32 ${v})`;
  return `(f64.convert_${t}_${unsigned ? 'u' : 's'} ${v})`;
}

/** Float to f32: i64 goes through f64 first (the interpreter's Number(bigint)). */
function toF32(v: string, t: Num, unsigned: boolean): string {
  if (t === 'f32') return v;
  if (t === 'f64' || t === 'i64') return `(f32.demote_f64 ${toF64(v, t, unsigned)})`;
  return `(f32.convert_i32_${unsigned ? 'u' : 's'} ${v})`;
}

// f64 -> the low 64 bits of its truncation (NaN, ±inf -> 0): what the interpreter's wrapping typed
// array writes and BigInt conversions give, also beyond 2^63 where trunc_sat would saturate.
const TRUNC_WRAP = `(func $f64_trunc_wrap (param $x f64) (result i64) (local $b i64) (local $sh i64) (local $m i64)
  (if (f64.lt (f64.abs (local.get $x)) (f64.const 0x1p63)) (then (return (i64.trunc_f64_s (local.get $x)))))
  (if (f64.ne (f64.abs (local.get $x)) (f64.abs (local.get $x))) (then (return (i64.const 0))))
  (if (f64.eq (f64.abs (local.get $x)) (f64.const inf)) (then (return (i64.const 0))))
  (local.set $b (i64.reinterpret_f64 (local.get $x)))
  (local.set $sh (i64.sub (i64.and (i64.shr_u (local.get $b) (i64.const 52)) (i64.const 0x7ff)) (i64.const 1075)))
  (local.set $m (select (i64.const 0) (i64.shl (i64.or (i64.and (local.get $b) (i64.const 0xfffffffffffff)) (i64.const 0x10000000000000)) (local.get $sh))
    (i64.ge_u (local.get $sh) (i64.const 64))))
  (select (i64.sub (i64.const 0) (local.get $m)) (local.get $m) (i64.lt_s (local.get $b) (i64.const 0))))`;

/** Value of type `t` as an integer of compute type `to` (floats truncate and wrap; NaN/inf give 0). */
function toInt(k: KernelCtx, v: string, t: Num, unsigned: boolean, to: 'i32' | 'i64'): string {
  if (isF(t)) {
    const q = `(call ${k.moduleFunc('f64_trunc_wrap', TRUNC_WRAP)} ${toF64(v, t, false)})`;
    return to === 'i64' ? q : `(i32.wrap_i64 ${q})`;
  }
  if (t === to) return v;
  return to === 'i32' ? `(i32.wrap_i64 ${v})` : `(i64.extend_i32_${unsigned ? 'u' : 's'} ${v})`;
}

function emitCast(k: KernelCtx, op: Op): void {
  const x = op.operands[0]!, y = op.results[0]!;
  const from = x.type.dtype, to = y.type.dtype;
  // Floats to integers are here too: out-of-range values and ±inf wrap / give 0 as in the interpreter.
  const floatToInt = (from === 'f32' || from === 'f64') && to !== 'bool' && !to.startsWith('f');
  if (!special(from) && !special(to) && !floatToInt) return CAST_ANY_KERNEL.emit(k, op);
  const sat = Number(op.attrs.get('saturate')?.value ?? 1) !== 0;
  const mode = String(op.attrs.get('round_mode')?.value ?? 'up');
  const src = elem(k, from), dst = elem(k, to, sat);
  if (!src || !dst) k.fail(op, `cast from ${from} to ${to} is not supported by the wasm backend`);
  const em = k.em;
  em.comment(`cast ${from} -> ${to}${LOWP.has(to) && to !== 'f16' && to !== 'bf16' ? ` saturate=${sat ? 1 : 0}` : ''}`);
  const v = em.local('v', src.t);
  const uns = UNSIGNED.has(from);
  const two = to === 'f16' || to === 'bf16';
  em.loop('i', k.size(k.dims(y)), (i) => {
    em.set(v, src.load(addr(k.ptr(x), i, src.size)));
    const a = addr(k.ptr(y), i, dst.size), val = get(v);
    let out: string;
    if (LOWP.has(to)) {
      let code: string;
      if (two || to === 'f8e8m0') code = encode(k, to, toF32(val, src.t, uns), 'f32', sat, mode);
      else code = encode(k, to, toF64(val, src.t, uns), 'f64', sat);
      // float4 has no NaN: Cast maps NaN to 0.
      if (to === 'f4e2m1' && isF(src.t)) code = `(select (i32.const 0) ${code} (${src.t}.ne ${val} ${val}))`;
      out = `(i32.store${two ? '16' : '8'} ${a} ${code})`;
    } else if (to === 'bool') {
      out = dst.store(a, `(${src.t}.ne ${val} (${src.t}.const 0))`);
    } else if (dst.t === 'f32') out = dst.store(a, toF32(val, src.t, uns));
    else if (dst.t === 'f64') out = dst.store(a, toF64(val, src.t, uns));
    else out = dst.store(a, toInt(k, val, src.t, uns, dst.t as 'i32' | 'i64'));
    em.line(out);
  });
}

export const DTYPE_CAST_KERNEL: KernelDef = { emit: emitCast };
