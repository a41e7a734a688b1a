// f64 transcendentals (exp, log, tanh, sigmoid, softplus) and pow on f64 and on integer bases, as
// module functions. The interpreter computes these with JS Math in f64, so the aim is a few ulp:
// exp and log use a wide-range reduction and a series long enough for full double precision
// (the f32 kernels' $logf64 stops at s^11, which is f32 accuracy only).

import type { KernelCtx } from '../kernel-api.js';

/** 1/n! for n = 14..0 (Horner from the top): e^r with |r| <= 0.347 has a Taylor tail r^15/15! < 2e-19. */
const INV_FACT: readonly number[] = Array.from({ length: 15 }, (_, i) => { let f = 1; for (let j = 2; j <= 14 - i; j++) f *= j; return 1 / f; });

/** exp(x) = 2^n * e^r, r = x - n ln2 in [-ln2/2, ln2/2] (ln2 split in two so r is exact). */
const EXP64 = `(func $odds_exp64 (param $x f64) (result f64) (local $n f64) (local $r f64) (local $p f64) (local $k i64)
  (if (f64.ne (local.get $x) (local.get $x)) (then (return (local.get $x))))
  (if (f64.gt (local.get $x) (f64.const 709.782712893384)) (then (return (f64.const inf))))
  (if (f64.lt (local.get $x) (f64.const -745.1332191019412)) (then (return (f64.const 0))))
  (local.set $n (f64.nearest (f64.mul (local.get $x) (f64.const 1.4426950408889634))))
  (local.set $r (f64.sub (f64.sub (local.get $x) (f64.mul (local.get $n) (f64.const 0.6931471803691238)))
    (f64.mul (local.get $n) (f64.const 1.9082149292705877e-10))))
  (local.set $p (f64.const ${INV_FACT[0]}))
  ${INV_FACT.slice(1).map((c) => `(local.set $p (f64.add (f64.const ${c}) (f64.mul (local.get $p) (local.get $r))))`).join('\n  ')}
  (local.set $k (i64.trunc_f64_s (local.get $n)))
  ;; 2^k in two factors so that subnormal results and k = 1024 (x near the overflow bound) work.
  (if (i64.lt_s (local.get $k) (i64.const -1000)) (then
    (local.set $p (f64.mul (local.get $p) (f64.const ${2 ** -200})))
    (local.set $k (i64.add (local.get $k) (i64.const 200)))))
  (if (i64.gt_s (local.get $k) (i64.const 1000)) (then
    (local.set $p (f64.mul (local.get $p) (f64.const ${2 ** 200})))
    (local.set $k (i64.sub (local.get $k) (i64.const 200)))))
  (f64.mul (local.get $p) (f64.reinterpret_i64 (i64.shl (i64.add (local.get $k) (i64.const 1023)) (i64.const 52)))))`;


/** log(x) = e ln2 + 2 atanh(s), s = (m-1)/(m+1), m in [sqrt(1/2), sqrt(2)): |s| <= 0.172, series to s^23. */
const LOG64 = `(func $odds_log64 (param $x f64) (result f64) (local $e i64) (local $m f64) (local $s f64) (local $s2 f64) (local $p f64)
  (if (f64.ne (local.get $x) (local.get $x)) (then (return (local.get $x))))
  (if (f64.lt (local.get $x) (f64.const 0)) (then (return (f64.const nan))))
  (if (f64.eq (local.get $x) (f64.const 0)) (then (return (f64.const -inf))))
  (if (f64.eq (local.get $x) (f64.const inf)) (then (return (local.get $x))))
  (local.set $e (i64.const 0))
  ;; Subnormals: scale into the normal range first.
  (if (f64.lt (local.get $x) (f64.const ${2 ** -1022})) (then
    (local.set $x (f64.mul (local.get $x) (f64.const ${2 ** 54})))
    (local.set $e (i64.const -54))))
  (local.set $e (i64.add (local.get $e) (i64.sub (i64.and (i64.shr_u (i64.reinterpret_f64 (local.get $x)) (i64.const 52)) (i64.const 2047)) (i64.const 1023))))
  (local.set $m (f64.reinterpret_i64 (i64.or (i64.and (i64.reinterpret_f64 (local.get $x)) (i64.const 0x000fffffffffffff)) (i64.const 0x3ff0000000000000))))
  (if (f64.gt (local.get $m) (f64.const 1.4142135623730951)) (then
    (local.set $m (f64.mul (local.get $m) (f64.const 0.5)))
    (local.set $e (i64.add (local.get $e) (i64.const 1)))))
  (local.set $s (f64.div (f64.sub (local.get $m) (f64.const 1)) (f64.add (local.get $m) (f64.const 1))))
  (local.set $s2 (f64.mul (local.get $s) (local.get $s)))
  (local.set $p (f64.const ${1 / 23}))
  ${[21, 19, 17, 15, 13, 11, 9, 7, 5, 3].map((n) => `(local.set $p (f64.add (f64.const ${1 / n}) (f64.mul (local.get $p) (local.get $s2))))`).join('\n  ')}
  ;; 2s + 2s^3 p: the leading term kept apart so its rounding is the only large one; ln2 split in two.
  (f64.add (f64.mul (f64.convert_i64_s (local.get $e)) (f64.const 0.6931471803691238))
    (f64.add (f64.add (f64.mul (f64.const 2) (local.get $s)) (f64.mul (f64.mul (f64.const 2) (f64.mul (local.get $s) (local.get $s2))) (local.get $p)))
      (f64.mul (f64.convert_i64_s (local.get $e)) (f64.const 1.9082149292705877e-10)))))`;

/** e^x - 1: the Taylor series near 0 (where exp(x) - 1 would cancel), exp(x) - 1 elsewhere. */
const EXPM1_64 = (exp: string): string => `(func $odds_expm1_64 (param $x f64) (result f64) (local $p f64)
  (if (f64.gt (f64.abs (local.get $x)) (f64.const 0.25)) (then (return (f64.sub (call ${exp} (local.get $x)) (f64.const 1)))))
  (local.set $p (f64.const ${1 / 6227020800}))
  ${[479001600, 39916800, 3628800, 362880, 40320, 5040, 720, 120, 24, 6, 2, 1].map((f) => `(local.set $p (f64.add (f64.const ${1 / f}) (f64.mul (local.get $p) (local.get $x))))`).join('\n  ')}
  (f64.mul (local.get $p) (local.get $x)))`;

const exp64 = (k: KernelCtx): string => k.moduleFunc('odds_exp64', EXP64);
const log64 = (k: KernelCtx): string => k.moduleFunc('odds_log64', LOG64);
const expm1_64 = (k: KernelCtx): string => k.moduleFunc('odds_expm1_64', EXPM1_64(exp64(k)));

/** log(1 + x) for x >= 0: u = 1 + x rounded, corrected by (x - (u - 1)) / u (the classic trick). */
const log1p64 = (k: KernelCtx, x: string): string => {
  const u = k.em.local('u', 'f64'), xv = k.em.local('xv', 'f64');
  return `(f64.add (call ${log64(k)} (local.tee ${u} (f64.add (f64.const 1) (local.tee ${xv} ${x})))) (f64.div (f64.sub (local.get ${xv}) (f64.sub (local.get ${u}) (f64.const 1))) (local.get ${u})))`;
};

/** Scalar f64 expressions for the unary ops the f32 fallback refuses on f64. */
export const F64_UNARY: Readonly<Record<string, (k: KernelCtx, x: string) => string>> = {
  exp: (k, x) => `(call ${exp64(k)} ${x})`,
  log: (k, x) => `(call ${log64(k)} ${x})`,
  // tanh(x) = sign(x) * t / (t + 2), t = expm1(2|x|) (1 beyond |x| = 20, where t overflows eventually).
  tanh: (k, x) => {
    const a = k.em.local('ta', 'f64'), t = k.em.local('tt', 'f64');
    const body = `(f64.div (local.tee ${t} (call ${expm1_64(k)} (f64.mul (f64.const 2) (f64.abs (local.tee ${a} ${x}))))) (f64.add (local.get ${t}) (f64.const 2)))`;
    return `(f64.copysign (select (f64.const 1) ${body} (f64.gt (f64.abs (local.get ${a})) (f64.const 20))) (local.get ${a}))`;
  },
  // As ir/ops/elementwise-math.ts: 1/(1+e^-x) for x >= 0, e^x/(1+e^x) below.
  sigmoid: (k, x) => {
    const a = k.em.local('sa', 'f64'), e = k.em.local('se', 'f64');
    const ex = `(local.tee ${e} (call ${exp64(k)} (f64.neg (f64.abs (local.tee ${a} ${x})))))`;
    return `(select (f64.div (f64.const 1) (f64.add (f64.const 1) ${ex})) (f64.div (local.get ${e}) (f64.add (f64.const 1) (local.get ${e}))) (f64.ge (local.get ${a}) (f64.const 0)))`;
  },
  // max(x, 0) + log1p(e^-|x|), as the interpreter's x + log1p(e^-x) / log1p(e^x).
  softplus: (k, x) => {
    const a = k.em.local('pa', 'f64');
    const lp = log1p64(k, `(call ${exp64(k)} (f64.neg (f64.abs (local.tee ${a} ${x}))))`);
    // The log term first: it sets $pa, which the max then reads.
    return `(f64.add ${lp} (f64.max (local.get ${a}) (f64.const 0)))`;
  },
};

/**
 * pow in f64 as ir/ops powF: pow(1, y) = pow(x, 0) = 1, pow(-1, ±inf) = 1. For |y| < 2^31,
 * y = n + f (n an integer): x^n by repeated squaring (exact where the result is) times x^f, f = ±0.5
 * through sqrt and other f through exp(f log x), so the log's rounding is not multiplied by a large
 * y (4^1.5 is 8 exactly, which an integer base truncates). Larger y through exp(y log |x|).
 */
const POW64 = (exp: string, log: string): string => `(func $odds_pow64 (param $x f64) (param $y f64) (result f64) (local $r f64) (local $b f64) (local $e i64) (local $n f64) (local $f f64) (local $m f64)
  (if (i32.or (f64.eq (local.get $x) (f64.const 1)) (f64.eq (local.get $y) (f64.const 0))) (then (return (f64.const 1))))
  (if (i32.and (f64.eq (local.get $x) (f64.const -1)) (f64.eq (f64.abs (local.get $y)) (f64.const inf))) (then (return (f64.const 1))))
  (if (i32.or (f64.ne (local.get $x) (local.get $x)) (f64.ne (local.get $y) (local.get $y))) (then (return (f64.const nan))))
  ;; Negative x to a finite non-integer power.
  (if (i32.and (i32.and (f64.lt (local.get $x) (f64.const 0)) (f64.ne (f64.nearest (local.get $y)) (local.get $y))) (f64.ne (f64.abs (local.get $y)) (f64.const inf)))
    (then (return (f64.const nan))))
  (if (f64.lt (f64.abs (local.get $y)) (f64.const 2147483648)) (then
    (local.set $n (f64.trunc (local.get $y)))
    (local.set $f (f64.sub (local.get $y) (local.get $n)))
    (local.set $r (f64.const 1))
    (local.set $b (local.get $x))
    (local.set $e (i64.trunc_f64_s (f64.abs (local.get $n))))
    (block $done (loop $sq
      (br_if $done (i64.eqz (local.get $e)))
      (if (i32.wrap_i64 (i64.and (local.get $e) (i64.const 1))) (then (local.set $r (f64.mul (local.get $r) (local.get $b)))))
      (local.set $b (f64.mul (local.get $b) (local.get $b)))
      (local.set $e (i64.shr_u (local.get $e) (i64.const 1)))
      (br $sq)))
    (if (f64.lt (local.get $n) (f64.const 0)) (then (local.set $r (f64.div (f64.const 1) (local.get $r)))))
    (if (f64.eq (local.get $f) (f64.const 0)) (then (return (local.get $r))))
    (if (f64.eq (local.get $f) (f64.const 0.5)) (then (return (f64.mul (local.get $r) (f64.sqrt (local.get $x))))))
    (if (f64.eq (local.get $f) (f64.const -0.5)) (then (return (f64.div (local.get $r) (f64.sqrt (local.get $x))))))
    (return (f64.mul (local.get $r) (call ${exp} (f64.mul (local.get $f) (call ${log} (local.get $x))))))))
  (local.set $m (call ${exp} (f64.mul (local.get $y) (call ${log} (f64.abs (local.get $x))))))
  ;; Negative x here: y is infinite or a huge integer; odd ones keep the sign.
  (if (f64.ge (local.get $x) (f64.const 0)) (then (return (local.get $m))))
  (select (f64.neg (local.get $m)) (local.get $m) (f64.ne (f64.nearest (f64.mul (local.get $y) (f64.const 0.5))) (f64.mul (local.get $y) (f64.const 0.5)))))`;

export const pow64 = (k: KernelCtx, x: string, y: string): string => `(call ${k.moduleFunc('odds_pow64', POW64(exp64(k), log64(k)))} ${x} ${y})`;
