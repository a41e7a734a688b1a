// Module-level helper functions shared by kernels: vector exp, erf, tanh, sigmoid (WASM has no
// transcendental instructions) and a bounds-checked 4-lane strided load for window kernels.
// exp: 2^k * p(r), r = x - k ln2, degree-6 polynomial: relative error ~2e-7; x is clamped to
// [-87.3, 88.8], so large x overflows to inf as it should and very negative x gives ~1e-38 or 0.
// erf: Abramowitz-Stegun 7.1.26 (absolute error <= 1.5e-7).

import { fmtF32 } from '../emitter.js';

const s = (x: number): string => `(f32x4.splat (f32.const ${fmtF32(x)}))`;

const EXP4 = `  (func $exp4 (param $x v128) (result v128) (local $k v128) (local $r v128) (local $p v128)
    (local.set $x (f32x4.min (f32x4.max (local.get $x) ${s(-87.3)}) ${s(88.8)}))
    (local.set $k (f32x4.nearest (f32x4.mul (local.get $x) ${s(1.4426950408889634)})))
    (local.set $r (f32x4.sub (local.get $x) (f32x4.mul (local.get $k) ${s(0.693145751953125)})))
    (local.set $r (f32x4.sub (local.get $r) (f32x4.mul (local.get $k) ${s(1.428606765330187e-6)})))
    (local.set $p ${s(1 / 720)})
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) ${s(1 / 120)}))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) ${s(1 / 24)}))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) ${s(1 / 6)}))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) ${s(0.5)}))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) ${s(1)}))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) ${s(1)}))
    ;; p * 2 * 2^(k-1): 2^k itself would be inf at k = 128, where exp(x) is still finite
    (f32x4.mul (f32x4.add (local.get $p) (local.get $p))
      (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $k)) (i32x4.splat (i32.const 126))) (i32.const 23))))`;

const SIGN = '(v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000)';

const ERF4 = `  (func $erf4 (param $x v128) (result v128) (local $a v128) (local $t v128) (local $p v128)
    (local.set $a (f32x4.abs (local.get $x)))
    (local.set $t (f32x4.div ${s(1)} (f32x4.add ${s(1)} (f32x4.mul ${s(0.3275911)} (local.get $a)))))
    (local.set $p ${s(1.061405429)})
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $t)) ${s(-1.453152027)}))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $t)) ${s(1.421413741)}))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $t)) ${s(-0.284496736)}))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $t)) ${s(0.254829592)}))
    (local.set $p (f32x4.mul (local.get $p) (local.get $t)))
    (local.set $p (f32x4.sub ${s(1)} (f32x4.mul (local.get $p) (call $exp4 (f32x4.neg (f32x4.mul (local.get $a) (local.get $a)))))))
    (v128.or (local.get $p) (v128.and (local.get $x) ${SIGN})))`;

const TANH4 = `  (func $tanh4 (param $x v128) (result v128) (local $e v128)
    (local.set $e (call $exp4 (f32x4.mul ${s(-2)} (f32x4.abs (local.get $x)))))
    (v128.or (f32x4.div (f32x4.sub ${s(1)} (local.get $e)) (f32x4.add ${s(1)} (local.get $e)))
      (v128.and (local.get $x) ${SIGN})))`;

const SIGMOID4 = `  (func $sigmoid4 (param $x v128) (result v128)
    (f32x4.div ${s(1)} (f32x4.add ${s(1)} (call $exp4 (f32x4.neg (local.get $x))))))`;

// Lanes i, i+s, i+2s, i+3s of the f32 row at $p; lanes outside [0, n) read as `fill`.
const LOAD4 = `  (func $load4 (param $p i32) (param $i i32) (param $s i32) (param $n i32) (param $fill f32) (result v128) (local $v v128) (local $j i32)
    (if (i32.and (i32.eq (local.get $s) (i32.const 1))
          (i32.and (i32.ge_s (local.get $i) (i32.const 0)) (i32.le_s (i32.add (local.get $i) (i32.const 4)) (local.get $n))))
      (then (return (v128.load align=4 (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 2)))))))
    (local.set $v (f32x4.splat (local.get $fill)))
    (if (i32.lt_u (local.get $i) (local.get $n)) (then (local.set $v (f32x4.replace_lane 0 (local.get $v) (f32.load (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 2))))))))
    (local.set $j (i32.add (local.get $i) (local.get $s)))
    (if (i32.lt_u (local.get $j) (local.get $n)) (then (local.set $v (f32x4.replace_lane 1 (local.get $v) (f32.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))))))))
    (local.set $j (i32.add (local.get $j) (local.get $s)))
    (if (i32.lt_u (local.get $j) (local.get $n)) (then (local.set $v (f32x4.replace_lane 2 (local.get $v) (f32.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))))))))
    (local.set $j (i32.add (local.get $j) (local.get $s)))
    (if (i32.lt_u (local.get $j) (local.get $n)) (then (local.set $v (f32x4.replace_lane 3 (local.get $v) (f32.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))))))))
    (local.get $v))`;

const HSUM = `  (func $hsum (param $v v128) (result f32)
    (f32.add (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))`;

const HMAX = `  (func $hmax (param $v v128) (result f32)
    (f32.max (f32.max (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.max (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))`;

/** Helper name -> [WAT text, helpers it calls]. */
export const HELPERS: Readonly<Record<string, readonly [string, readonly string[]]>> = {
  exp4: [EXP4, []],
  erf4: [ERF4, ['exp4']],
  tanh4: [TANH4, ['exp4']],
  sigmoid4: [SIGMOID4, ['exp4']],
  load4: [LOAD4, []],
  hsum: [HSUM, []],
  hmax: [HMAX, []],
};
