// quantize_linear / dequantize_linear (per-tensor, per-axis and blocked scales; integer targets
// u8/i8/u16/i16/u4/i4/u2/i2 and float8/float4) and dynamic_quantize_linear, with the
// interpreter's numerics (ir/ops/quant.ts): quantize divides in the wider float type of x and
// the scale (or `precision`), rounds half to even, adds the zero point and saturates; dequantize
// computes (x - zero_point) in the scale's float type (f32 unless f64), multiplies, and rounds to
// the output dtype. Per-tensor f32 <-> u8/i8 (what QDQ exports write around every activation)
// runs four lanes at a time with the same roundings: nearest-even of the f32 quotient, the zero
// point added, clamped, narrowed; (x - zero_point) times the scale. A per-tensor quantize_linear
// whose codes only a dequantize_linear reads (in a fused group: QDQ's fake-quant pair) writes that
// dequantize_linear's f32 result in the same pass, the codes staying in registers
// (conv-epilogue.ts's `takeDequantAfter`, which convs use for the same pair in their epilogue).

import type { Op, Value } from '../../../../ir/ir.js';
import { addr, get, i32, mul } from '../emitter.js';
import type { KernelCtx, KernelDef } from '../kernel-api.js';
import { takeDequantAfter } from './conv-epilogue.js';
import { decoder, elem, encode, LOWP, MINI } from './dtype-codec.js';

const RANGE: Readonly<Record<string, [number, number]>> = {
  u8: [0, 255], i8: [-128, 127], u16: [0, 65535], i16: [-32768, 32767], u4: [0, 15], i4: [-8, 7], u2: [0, 3], i2: [-2, 1],
};

/** One scale (and zero point) for the whole tensor. */
function perTensor(k: KernelCtx, op: Op, s: Value): boolean {
  const sd = k.dims(s);
  return sd.every((d) => d === 1) && (Number(op.attrs.get('block_size')?.value ?? 0) === 0 || sd.length <= 1);
}

/** i32 expression: the flat index of the scale / zero point for flat index `i` of x. */
function scaleIndex(k: KernelCtx, op: Op, x: Value, s: Value, i: string): string {
  const xd = k.dims(x), sd = k.dims(s);
  const bs = Number(op.attrs.get('block_size')?.value ?? 0);
  if (perTensor(k, op, s)) return i32(0);
  const r = xd.length;
  let axis = Number(op.attrs.get('axis')?.value ?? 1);
  if (axis < 0) axis += r;
  if (axis < 0 || axis >= r) k.fail(op, `axis ${axis} out of range`);
  const inner = k.size(xd.slice(axis + 1)), D = k.dim(xd[axis]!);
  const c = `(i32.rem_u (i32.div_u ${i} ${inner}) ${D})`;
  if (bs === 0) return c;
  const Sa = k.dim(sd[axis]!);
  const outer = `(i32.div_u ${i} ${mul(D, inner)})`;
  return `(i32.add (i32.mul (i32.add (i32.mul ${outer} ${Sa}) (i32.div_u ${c} ${i32(bs)})) ${inner}) (i32.rem_u ${i} ${inner}))`;
}

const floatRank = (d: string): number => (d === 'f64' ? 3 : d === 'f32' ? 2 : 1);

function emitQuantize(k: KernelCtx, op: Op): void {
  const [x, s, zp] = op.operands as [Value, Value, Value | null];
  const y = op.results[0]!;
  const dt = y.type.dtype;
  const sat = Number(op.attrs.get('saturate')?.value ?? 1) !== 0;
  const ex = elem(k, x.type.dtype), es = elem(k, s.type.dtype), ey = elem(k, dt), ez = zp ? elem(k, zp.type.dtype) : undefined;
  if (!ex || !es || !ey || (zp && !ez)) k.fail(op, `quantize_linear from ${x.type.dtype} to ${dt} is not supported by the wasm backend`);
  // Precision: the `precision` attribute, else the wider float of x and the scale (numpy's rule).
  const prec = String(op.attrs.get('precision')?.value ?? (floatRank(x.type.dtype) >= floatRank(s.type.dtype) ? x.type.dtype : s.type.dtype));
  const ct = prec === 'f64' ? 'f64' : 'f32';
  const toC = (v: string, t: string): string => (t === ct ? v : ct === 'f64' ? `(f64.promote_f32 ${v})` : `(f32.demote_f64 ${v})`);
  // f16/bf16 precision: round after the division too.
  const rp = (v: string): string => (LOWP.has(prec) ? `(call ${decoder(k, prec)} ${encode(k, prec, v, 'f32')})` : v);
  const em = k.em;
  const pair = takeDequantAfter(k, op);
  if (pair) {
    em.comment(`quantize_linear f32 -> ${dt} -> dequantize_linear f32 (one pass)`);
    const yp = k.ptr(pair.out), xp = k.ptr(x);
    em.vecLoop(k.size(k.dims(y)), (i) => em.line(`(v128.store align=4 ${addr(yp, i, 4)} ${pair.vec(`(v128.load align=4 ${addr(xp, i, 4)})`)})`),
      (i) => em.line(`(f32.store ${addr(yp, i, 4)} ${pair.scalar(`(f32.load ${addr(xp, i, 4)})`)})`));
    return;
  }
  em.comment(`quantize_linear ${x.type.dtype} -> ${dt} (in ${prec})`);
  const q = em.local('q', 'f64'), j = em.local('j', 'i32');
  const range = RANGE[dt];
  if (!range && !MINI.has(dt)) k.fail(op, `quantize_linear to ${dt} is not supported by the wasm backend`);
  const scalar = (i: string): void => {
    em.set(j, scaleIndex(k, op, x, s, i));
    const xv = rp(toC(ex.load(addr(k.ptr(x), i, ex.size)), ex.t)), sv = rp(toC(es.load(addr(k.ptr(s), get(j), es.size)), es.t));
    const div = rp(`(${ct}.div ${xv} ${sv})`);
    em.set(q, ct === 'f64' ? div : `(f64.promote_f32 ${div})`);
    const z = zp ? ez!.load(addr(k.ptr(zp), get(j), ez!.size)) : undefined;
    const out = addr(k.ptr(y), i, ey.size);
    if (range) {
      const zf = z ? `(f64.convert_i32_s ${z})` : '(f64.const 0)';
      // NaN stays NaN through min/max and truncates to 0.
      const v = `(f64.min (f64.const ${range[1]}) (f64.max (f64.const ${range[0]}) (f64.add (f64.nearest ${get(q)}) ${zf})))`;
      em.line(ey.store(out, `(i32.trunc_sat_f64_s ${v})`));
    } else {
      const v = z ? `(f64.add ${get(q)} (f64.promote_f32 ${z}))` : get(q);
      em.line(`(i32.store8 ${out} ${encode(k, dt, v, 'f64', sat || dt === 'f4e2m1')})`);
    }
  };
  const n = k.size(k.dims(y));
  if (!(dt === 'u8' || dt === 'i8') || prec !== 'f32' || x.type.dtype !== 'f32' || s.type.dtype !== 'f32' || (zp && zp.type.dtype !== dt) || !perTensor(k, op, s)) {
    em.loop('i', n, scalar);
    return;
  }
  // |round(x / s)| >= 2^24 may round when the zero point is added in f32, but it clamps the same.
  const sv = em.local('sv', 'v128'), zv = em.local('zv', 'v128'), t = em.local('t', 'v128');
  em.set(sv, `(f32x4.splat ${es.load(k.ptr(s))})`);
  em.set(zv, `(f32x4.splat ${zp ? `(f32.convert_i32_s ${ez!.load(k.ptr(zp))})` : '(f32.const 0)'})`);
  const sign = dt === 'u8' ? 'u' : 's';
  em.vecLoop(n, (i) => {
    const r = `(f32x4.add (f32x4.nearest (f32x4.div (v128.load align=4 ${addr(k.ptr(x), i, 4)}) ${get(sv)})) ${get(zv)})`;
    // pmax(r, lo) = r < lo ? lo : r keeps a NaN (single instructions, unlike f32x4.min/max), which truncates to 0.
    const c = `(i32x4.trunc_sat_f32x4_s (f32x4.pmin (f32x4.pmax ${r} (f32x4.splat (f32.const ${range![0]}))) (f32x4.splat (f32.const ${range![1]}))))`;
    // In range already: the narrowing steps do not saturate; lanes 0-3 hold the four bytes.
    em.set(t, `(i16x8.narrow_i32x4_s ${c} (v128.const i32x4 0 0 0 0))`);
    em.line(`(v128.store32_lane align=1 0 ${addr(k.ptr(y), i, 1)} (i8x16.narrow_i16x8_${sign} ${get(t)} ${get(t)}))`);
  }, scalar);
}

function emitDequantize(k: KernelCtx, op: Op): void {
  const [x, s, zp] = op.operands as [Value, Value, Value | null];
  const y = op.results[0]!;
  const ex = elem(k, x.type.dtype), es = elem(k, s.type.dtype), ey = elem(k, y.type.dtype), ez = zp ? elem(k, zp.type.dtype) : undefined;
  if (!ex || !es || !ey || (zp && !ez) || (ey.t !== 'f32' && ey.t !== 'f64')) k.fail(op, `dequantize_linear from ${x.type.dtype} to ${y.type.dtype} is not supported by the wasm backend`);
  const ct = s.type.dtype === 'f64' ? 'f64' : 'f32';
  const f64 = (v: string, t: string): string => (t === 'f64' ? v : t === 'f32' ? `(f64.promote_f32 ${v})` : t === 'i64' ? `(f64.convert_i64_s ${v})` : `(f64.convert_i32_s ${v})`);
  const em = k.em;
  em.comment(`dequantize_linear ${x.type.dtype} -> ${y.type.dtype}`);
  const j = em.local('j', 'i32');
  const scalar = (i: string): void => {
    em.set(j, scaleIndex(k, op, x, s, i));
    let d = f64(ex.load(addr(k.ptr(x), i, ex.size)), ex.t);
    if (zp) d = `(f64.sub ${d} ${f64(ez!.load(addr(k.ptr(zp), get(j), ez!.size)), ez!.t)})`;
    const sv = es.load(addr(k.ptr(s), get(j), es.size));
    const v = ct === 'f64' ? `(f64.mul ${d} ${f64(sv, es.t)})` : `(f32.mul (f32.demote_f64 ${d}) ${es.t === 'f32' ? sv : `(f32.demote_f64 ${sv})`})`;
    const out = ey.t === ct ? v : ey.t === 'f64' ? `(f64.promote_f32 ${v})` : `(f32.demote_f64 ${v})`;
    em.line(ey.store(addr(k.ptr(y), i, ey.size), out));
  };
  const n = k.size(k.dims(y)), xt = x.type.dtype;
  if (!(xt === 'u8' || xt === 'i8') || s.type.dtype !== 'f32' || y.type.dtype !== 'f32' || (zp && zp.type.dtype !== xt) || !perTensor(k, op, s)) {
    em.loop('i', n, scalar);
    return;
  }
  // x - zero_point is exact in i32 and in f32: the scalar loop's f64 difference, demoted, is the same.
  const sv = em.local('sv', 'v128'), zv = em.local('zv', 'v128');
  em.set(sv, `(f32x4.splat ${es.load(k.ptr(s))})`);
  em.set(zv, `(i32x4.splat ${zp ? ez!.load(k.ptr(zp)) : i32(0)})`);
  const sign = xt === 'u8' ? 'u' : 's';
  em.vecLoop(n, (i) => {
    const xi = `(i32x4.extend_low_i16x8_${sign} (i16x8.extend_low_i8x16_${sign} (v128.load32_zero align=1 ${addr(k.ptr(x), i, 1)})))`;
    em.line(`(v128.store align=4 ${addr(k.ptr(y), i, 4)} (f32x4.mul (f32x4.convert_i32x4_s (i32x4.sub ${xi} ${get(zv)})) ${get(sv)}))`);
  }, scalar);
}

function emitDynamic(k: KernelCtx, op: Op): void {
  const x = op.operands[0]!;
  const [y, ys, yz] = op.results as [Value, Value | undefined, Value | undefined];
  if (x.type.dtype !== 'f32') k.fail(op, `dynamic_quantize_linear on ${x.type.dtype} is not supported by the wasm backend`);
  const em = k.em;
  const n = k.size(k.dims(x));
  em.comment('dynamic_quantize_linear: range (widened to 0), scale, zero point, then quantize');
  const lo = em.local('lo', 'f32'), hi = em.local('hi', 'f32'), sc = em.local('scale', 'f32'), z = em.local('zp', 'f32'), v = em.local('v', 'f32');
  em.set(lo, '(f32.const 0)');
  em.set(hi, '(f32.const 0)');
  // Four lanes at a time, then the lanes folded in: min and max (NaN-propagating) do not depend on the order.
  const vlo = em.local('vlo', 'v128'), vhi = em.local('vhi', 'v128'), vz = em.local('vz', 'v128'), vs = em.local('vs', 'v128'), keep = em.local('keep', 'v128');
  em.set(vlo, '(v128.const i32x4 0 0 0 0)');
  em.set(vhi, '(v128.const i32x4 0 0 0 0)');
  em.vecLoop(n, (i) => {
    em.set(vs, `(v128.load align=4 ${addr(k.ptr(x), i, 4)})`);
    em.set(vlo, `(f32x4.min ${get(vlo)} ${get(vs)})`);
    em.set(vhi, `(f32x4.max ${get(vhi)} ${get(vs)})`);
  }, (i) => {
    em.set(v, `(f32.load ${addr(k.ptr(x), i, 4)})`);
    em.set(lo, `(f32.min ${get(lo)} ${get(v)})`);
    em.set(hi, `(f32.max ${get(hi)} ${get(v)})`);
  });
  for (let l = 0; l < 4; l++) {
    em.set(lo, `(f32.min ${get(lo)} (f32x4.extract_lane ${l} ${get(vlo)}))`);
    em.set(hi, `(f32.max ${get(hi)} (f32x4.extract_lane ${l} ${get(vhi)}))`);
  }
  em.set(sc, `(f32.div (f32.sub ${get(hi)} ${get(lo)}) (f32.const 255))`);
  const clamp = (e: string): string => `(f32.min (f32.const 255) (f32.max (f32.const 0) ${e}))`;
  em.set(z, `(select (f32.const 0) ${clamp(`(f32.nearest (f32.neg (f32.div ${get(lo)} ${get(sc)})))`)} (f32.eq ${get(sc)} (f32.const 0)))`);
  // A zero scale (all zeros) writes the zero point everywhere: `keep` selects it lane-wise.
  em.set(vs, `(f32x4.splat ${get(sc)})`);
  em.set(vz, `(f32x4.splat ${get(z)})`);
  em.set(keep, `(i32x4.splat (i32.sub (i32.const 0) (f32.eq ${get(sc)} (f32.const 0))))`);
  const vclamp = (e: string): string => `(f32x4.min (f32x4.splat (f32.const 255)) (f32x4.max (f32x4.splat (f32.const 0)) ${e}))`;
  em.vecLoop(n, (i) => {
    const q = vclamp(`(f32x4.add (f32x4.nearest (f32x4.div (v128.load align=4 ${addr(k.ptr(x), i, 4)}) ${get(vs)})) ${get(vz)})`);
    const u = `(i32x4.trunc_sat_f32x4_u (v128.bitselect ${get(vz)} ${q} ${get(keep)}))`;
    em.line(`(v128.store32_lane align=1 0 ${addr(k.ptr(y), i, 1)} (i8x16.narrow_i16x8_u (i16x8.narrow_i32x4_s ${u} (v128.const i32x4 0 0 0 0)) (v128.const i32x4 0 0 0 0)))`);
  }, (i) => {
    const q = clamp(`(f32.add (f32.nearest (f32.div (f32.load ${addr(k.ptr(x), i, 4)}) ${get(sc)})) ${get(z)})`);
    em.line(`(i32.store8 ${addr(k.ptr(y), i, 1)} (i32.trunc_sat_f32_u (select ${get(z)} ${q} (f32.eq ${get(sc)} (f32.const 0)))))`);
  });
  if (ys) em.line(`(f32.store ${k.ptr(ys)} ${get(sc)})`);
  if (yz) em.line(`(i32.store8 ${k.ptr(yz)} (i32.trunc_sat_f32_u ${get(z)}))`);
}

export const QUANTIZE_KERNEL: KernelDef = { emit: emitQuantize };
export const DEQUANTIZE_KERNEL: KernelDef = { emit: emitDequantize };
export const DYNAMIC_QUANTIZE_KERNEL: KernelDef = { emit: emitDynamic };
