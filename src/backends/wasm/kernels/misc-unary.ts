// Trigonometric and hyperbolic unary ops (sin, cos, tan, asin, acos, atan, sinh, cosh, asinh,
// acosh, atanh) on f32 and f64. WASM has no transcendental instructions: each is a scalar f64
// module function (range reduction + polynomial), so f32 results are correctly rounded in
// practice and f64 results keep ~1e-15 relative error. sin/cos reduce by Cody-Waite with a
// two-part pi/2, accurate for |x| < 2^20 (beyond that the reduction loses bits, as any f64
// two-term reduction does).

import type { Op } from '../../../../ir/ir.js';
import { addr } from '../emitter.js';
import type { KernelCtx, KernelDef } from '../kernel-api.js';

const c = (x: number): string => `(f64.const ${x})`;
const horner = (z: string, cs: readonly number[]): string => cs.slice(0, -1).reduceRight((acc, k) => `(f64.add ${c(k)} (f64.mul ${z} ${acc}))`, c(cs[cs.length - 1]!));

// fdlibm __kernel_sin / __kernel_cos coefficients on [-pi/4, pi/4].
const S = [-1.66666666666666324348e-1, 8.33333333332248946124e-3, -1.98412698298579493134e-4, 2.75573137070700676789e-6, -2.50507602534068634195e-8, 1.58969099521155010221e-10];
const C = [4.16666666666666019037e-2, -1.38888888888741095749e-3, 2.48015872894767294178e-5, -2.75573143513906633035e-7, 2.08757232129817482790e-9, -1.13596475577881948265e-11];

/** sin(x) for q = 0, cos(x) for q = 1: sin(r + (n + q) pi/2) by the quadrant of n + q. */
const SINQ = `(func $sinq64 (param $x f64) (param $q i32) (result f64) (local $n f64) (local $r f64) (local $z f64) (local $s f64) (local $co f64)
  (local.set $n (f64.nearest (f64.mul (local.get $x) ${c(2 / Math.PI)})))
  (local.set $r (f64.sub (f64.sub (local.get $x) (f64.mul (local.get $n) ${c(1.57079632673412561417)})) (f64.mul (local.get $n) ${c(6.07710050650619224932e-11)})))
  (local.set $z (f64.mul (local.get $r) (local.get $r)))
  (local.set $s (f64.add (local.get $r) (f64.mul (f64.mul (local.get $z) (local.get $r)) ${horner('(local.get $z)', S)})))
  (local.set $co (f64.add (f64.sub ${c(1)} (f64.mul ${c(0.5)} (local.get $z))) (f64.mul (f64.mul (local.get $z) (local.get $z)) ${horner('(local.get $z)', C)})))
  ;; n as i64 saturates for huge or NaN x; NaN still propagates through r
  (local.set $q (i32.and (i32.add (local.get $q) (i32.wrap_i64 (i64.trunc_sat_f64_s (local.get $n)))) (i32.const 3)))
  (if (result f64) (i32.eqz (i32.and (local.get $q) (i32.const 1)))
    (then (select (f64.neg (local.get $s)) (local.get $s) (i32.eq (local.get $q) (i32.const 2))))
    (else (select (f64.neg (local.get $co)) (local.get $co) (i32.eq (local.get $q) (i32.const 3))))))`;

/** e^x: 2^n * p(r), r = x - n ln2 in [-0.35, 0.35], Taylor to r^12; 2^n applied in two halves so subnormals work. */
const EXP = `(func $exp64 (param $x f64) (result f64) (local $n f64) (local $r f64) (local $i i64) (local $h i64)
  (if (f64.gt (local.get $x) ${c(709.8)}) (then (return (f64.const inf))))
  (if (f64.lt (local.get $x) ${c(-746)}) (then (return (f64.const 0))))
  (if (f64.ne (local.get $x) (local.get $x)) (then (return (local.get $x))))
  (local.set $n (f64.nearest (f64.mul (local.get $x) ${c(Math.LOG2E)})))
  (local.set $r (f64.sub (f64.sub (local.get $x) (f64.mul (local.get $n) ${c(6.93147180369123816490e-1)})) (f64.mul (local.get $n) ${c(1.90821492927058770002e-10)})))
  (local.set $i (i64.trunc_f64_s (local.get $n)))
  (local.set $h (i64.shr_s (local.get $i) (i64.const 1)))
  (f64.mul (f64.mul ${horner('(local.get $r)', Array.from({ length: 13 }, (_, k) => 1 / [1, 1, 2, 6, 24, 120, 720, 5040, 40320, 362880, 3628800, 39916800, 479001600][k]!))}
      (f64.reinterpret_i64 (i64.shl (i64.add (local.get $h) (i64.const 1023)) (i64.const 52))))
    (f64.reinterpret_i64 (i64.shl (i64.add (i64.sub (local.get $i) (local.get $h)) (i64.const 1023)) (i64.const 52)))))`;

/** atan(x): fold |x| > 1 to 1/|x|, halve the angle twice (|a| <= tan(pi/16)), odd series to a^21. */
const ATAN = `(func $atan64 (param $x f64) (result f64) (local $a f64) (local $z f64) (local $flip i32) (local $r f64)
  (local.set $a (f64.abs (local.get $x)))
  (local.set $flip (f64.gt (local.get $a) ${c(1)}))
  (if (local.get $flip) (then (local.set $a (f64.div ${c(1)} (local.get $a)))))
  (local.set $a (f64.div (local.get $a) (f64.add ${c(1)} (f64.sqrt (f64.add ${c(1)} (f64.mul (local.get $a) (local.get $a)))))))
  (local.set $a (f64.div (local.get $a) (f64.add ${c(1)} (f64.sqrt (f64.add ${c(1)} (f64.mul (local.get $a) (local.get $a)))))))
  (local.set $z (f64.mul (local.get $a) (local.get $a)))
  (local.set $r (f64.mul ${c(4)} (f64.mul (local.get $a) ${horner('(local.get $z)', Array.from({ length: 11 }, (_, k) => (k % 2 ? -1 : 1) / (2 * k + 1)))})))
  (if (local.get $flip) (then (local.set $r (f64.sub ${c(Math.PI / 2)} (local.get $r)))))
  (f64.copysign (local.get $r) (local.get $x)))`;

type F = (k: KernelCtx, x: string) => string;
const sinq = (k: KernelCtx): string => k.moduleFunc('sinq64', SINQ);
const exp = (k: KernelCtx, x: string): string => `(call ${k.moduleFunc('exp64', EXP)} ${x})`;
export const expF64 = exp;
/** f64 sin(x) (q = 0) or cos(x) (q = 1). */
export const sinF64 = (k: KernelCtx, x: string, q: 0 | 1): string => `(call ${sinq(k)} ${x} (i32.const ${q}))`;
const atan = (k: KernelCtx, x: string): string => `(call ${k.moduleFunc('atan64', ATAN)} ${x})`;
/**
 * ln(x) = e ln 2 + 2 atanh(s), s = (m - 1) / (m + 1), m in [sqrt(1/2), sqrt(2)): |s| <= 0.172, so
 * the odd series to s^21 leaves ~1e-19. (The scalar fallback's `$logf64` stops at s^11, ~1e-11:
 * enough for f32, not for f64 results.) Subnormal x is scaled by 2^54 first.
 */
const LN = `(func $ln64 (param $x f64) (result f64) (local $e i64) (local $m f64) (local $s f64) (local $z f64)
  (if (f64.ne (local.get $x) (local.get $x)) (then (return (local.get $x))))
  (if (f64.lt (local.get $x) (f64.const 0)) (then (return (f64.const nan))))
  (if (f64.eq (local.get $x) (f64.const 0)) (then (return (f64.const -inf))))
  (if (f64.eq (local.get $x) (f64.const inf)) (then (return (local.get $x))))
  (if (f64.lt (local.get $x) ${c(2.2250738585072014e-308)}) (then
    (return (f64.sub (call $ln64 (f64.mul (local.get $x) ${c(2 ** 54)})) ${c(54 * Math.LN2)}))))
  (local.set $e (i64.sub (i64.shr_u (i64.reinterpret_f64 (local.get $x)) (i64.const 52)) (i64.const 1023)))
  (local.set $m (f64.reinterpret_i64 (i64.or (i64.and (i64.reinterpret_f64 (local.get $x)) (i64.const 0x000fffffffffffff)) (i64.const 0x3ff0000000000000))))
  (if (f64.gt (local.get $m) ${c(Math.SQRT2)}) (then
    (local.set $m (f64.mul (local.get $m) ${c(0.5)}))
    (local.set $e (i64.add (local.get $e) (i64.const 1)))))
  (local.set $s (f64.div (f64.sub (local.get $m) ${c(1)}) (f64.add (local.get $m) ${c(1)})))
  (local.set $z (f64.mul (local.get $s) (local.get $s)))
  (f64.add (f64.mul (f64.convert_i64_s (local.get $e)) ${c(Math.LN2)})
    (f64.mul (f64.mul ${c(2)} (local.get $s)) ${horner('(local.get $z)', Array.from({ length: 11 }, (_, k) => 1 / (2 * k + 1)))})))`;
const log = (k: KernelCtx, x: string): string => `(call ${k.moduleFunc('ln64', LN)} ${x})`;
export const logF64 = log;

/** Each op as an f64 expression of `x`, which may be evaluated several times (it is a local.get). */
const OPS: Readonly<Record<string, F>> = {
  sin: (k, x) => `(call ${sinq(k)} ${x} (i32.const 0))`,
  cos: (k, x) => `(call ${sinq(k)} ${x} (i32.const 1))`,
  tan: (k, x) => `(f64.div (call ${sinq(k)} ${x} (i32.const 0)) (call ${sinq(k)} ${x} (i32.const 1)))`,
  atan: (k, x) => atan(k, x),
  // asin = atan(x / sqrt(1 - x^2)): x = +-1 gives +-inf -> +-pi/2, |x| > 1 NaN.
  asin: (k, x) => atan(k, `(f64.div ${x} (f64.sqrt (f64.sub ${c(1)} (f64.mul ${x} ${x}))))`),
  // acos = 2 atan(sqrt((1 - x) / (1 + x))): no cancellation near x = 1; x = -1 gives pi.
  acos: (k, x) => `(f64.mul ${c(2)} ${atan(k, `(f64.sqrt (f64.div (f64.sub ${c(1)} ${x}) (f64.add ${c(1)} ${x})))`)})`,
  // Small |x|: the series, since e^x - e^-x cancels.
  sinh: (k, x) => `(select (f64.mul ${x} ${horner(`(f64.mul ${x} ${x})`, [1, 1 / 6, 1 / 120, 1 / 5040])}) (f64.mul ${c(0.5)} (f64.sub ${exp(k, x)} ${exp(k, `(f64.neg ${x})`)})) (f64.lt (f64.abs ${x}) ${c(1e-2)}))`,
  cosh: (k, x) => `(f64.mul ${c(0.5)} (f64.add ${exp(k, x)} ${exp(k, `(f64.neg ${x})`)}))`,
  // asinh = sign(x) log(|x| + sqrt(x^2 + 1)); log(2|x|) once x^2 would lose the 1 (or overflow);
  // the series for small |x|, where the log's argument rounds to 1.
  asinh: (k, x) => {
    const big = `(select ${log(k, `(f64.mul ${c(2)} (f64.abs ${x}))`)} ${log(k, `(f64.add (f64.abs ${x}) (f64.sqrt (f64.add (f64.mul ${x} ${x}) ${c(1)})))`)} (f64.gt (f64.abs ${x}) ${c(1e8)}))`;
    return `(select (f64.mul ${x} ${horner(`(f64.mul ${x} ${x})`, [1, -1 / 6, 3 / 40, -15 / 336])}) (f64.copysign ${big} ${x}) (f64.lt (f64.abs ${x}) ${c(1e-2)}))`;
  },
  acosh: (k, x) => `(select ${log(k, `(f64.mul ${c(2)} ${x})`)} ${log(k, `(f64.add ${x} (f64.sqrt (f64.sub (f64.mul ${x} ${x}) ${c(1)})))`)} (f64.gt ${x} ${c(1e8)}))`,
  // atanh = log((1 + x) / (1 - x)) / 2; the series for small |x|, where the quotient rounds to 1.
  atanh: (k, x) => `(select (f64.mul ${x} ${horner(`(f64.mul ${x} ${x})`, [1, 1 / 3, 1 / 5, 1 / 7])}) (f64.mul ${c(0.5)} ${log(k, `(f64.div (f64.add ${c(1)} ${x}) (f64.sub ${c(1)} ${x}))`)}) (f64.lt (f64.abs ${x}) ${c(1e-4)}))`,
};

export const TRIG_OPS: readonly string[] = Object.keys(OPS);

function emitTrig(k: KernelCtx, op: Op): void {
  const x = op.operands[0]!, y = op.results[0]!;
  const dt = x.type.dtype;
  if ((dt !== 'f32' && dt !== 'f64') || y.type.dtype !== dt) k.fail(op, `${op.name} on ${dt} is not supported by the wasm backend`);
  const f = OPS[op.name]!;
  const es = dt === 'f32' ? 4 : 8;
  const em = k.em;
  const v = em.local('v', 'f64');
  em.comment(`${op.name} ${dt}[${k.dims(y).join('x')}]`);
  em.loop('e', k.size(k.dims(y)), (i) => {
    em.set(v, dt === 'f32' ? `(f64.promote_f32 (f32.load ${addr(k.ptr(x), i, 4)}))` : `(f64.load ${addr(k.ptr(x), i, 8)})`);
    const r = f(k, `(local.get ${v})`);
    em.line(`(${dt}.store ${addr(k.ptr(y), i, es)} ${dt === 'f32' ? `(f32.demote_f64 ${r})` : r})`);
  });
}

/** ~20 flops per element: a polynomial of degree 6-12 plus the reduction. */
export const TRIG_KERNEL: KernelDef = { emit: emitTrig, flops: (op, numel) => 20 * numel(op.results[0]!) };
