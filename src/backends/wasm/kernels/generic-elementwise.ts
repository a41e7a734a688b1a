// Scalar fallback for elementwise ops on any dtype (and f32 ops without an f32x4 form): one loop
// over the output's flat index; each operand's element offset comes from the index by div/mod
// over the broadcast dims. f32-only chains of ops the SIMD kernel knows still go to it.
// Integer semantics follow the interpreter: wrap-around add/sub/mul, division truncates and x/0 = 0.

import type { Op, Value } from '../../../../ir/ir.js';
import { toNumbers } from '../../../../ir/tensor.js';
import { addr, f32c } from '../emitter.js';
import { type KernelCtx, type KernelDef, sameDims } from '../kernel-api.js';
import { broadcastStrides, ELEMENTWISE_KERNEL, ELEMENTWISE_OPS, rowOffset } from './elementwise.js';

export type Num = 'i32' | 'i64' | 'f32' | 'f64';
interface DT { t: Num; load: string; store: string; size: number; signed: boolean }
export const DTS: Readonly<Record<string, DT>> = {
  f32: { t: 'f32', load: 'f32.load', store: 'f32.store', size: 4, signed: true },
  f64: { t: 'f64', load: 'f64.load', store: 'f64.store', size: 8, signed: true },
  i32: { t: 'i32', load: 'i32.load', store: 'i32.store', size: 4, signed: true },
  u32: { t: 'i32', load: 'i32.load', store: 'i32.store', size: 4, signed: false },
  i64: { t: 'i64', load: 'i64.load', store: 'i64.store', size: 8, signed: true },
  u64: { t: 'i64', load: 'i64.load', store: 'i64.store', size: 8, signed: false },
  i16: { t: 'i32', load: 'i32.load16_s', store: 'i32.store16', size: 2, signed: true },
  u16: { t: 'i32', load: 'i32.load16_u', store: 'i32.store16', size: 2, signed: false },
  i8: { t: 'i32', load: 'i32.load8_s', store: 'i32.store8', size: 1, signed: true },
  u8: { t: 'i32', load: 'i32.load8_u', store: 'i32.store8', size: 1, signed: false },
  bool: { t: 'i32', load: 'i32.load8_u', store: 'i32.store8', size: 1, signed: false },
};

const isFloat = (t: Num): boolean => t === 'f32' || t === 'f64';
const su = (d: DT): string => (d.signed ? 's' : 'u');

/** Scalar natural log in f64 (frexp + atanh series), as a module function `$logf64`. */
const LOGF64 = `(func $logf64 (param $x f64) (result f64) (local $e i64) (local $m f64) (local $s f64) (local $s2 f64)
  (if (f64.ne (local.get $x) (local.get $x)) (then (return (local.get $x))))
  (if (f64.lt (local.get $x) (f64.const 0)) (then (return (f64.const nan))))
  (if (f64.eq (local.get $x) (f64.const 0)) (then (return (f64.const -inf))))
  (if (f64.eq (local.get $x) (f64.const inf)) (then (return (local.get $x))))
  (local.set $e (i64.sub (i64.and (i64.shr_u (i64.reinterpret_f64 (local.get $x)) (i64.const 52)) (i64.const 2047)) (i64.const 1023)))
  (local.set $m (f64.reinterpret_i64 (i64.or (i64.and (i64.reinterpret_f64 (local.get $x)) (i64.const 0x000fffffffffffff)) (i64.const 0x3ff0000000000000))))
  (if (f64.gt (local.get $m) (f64.const 1.4142135623730951)) (then
    (local.set $m (f64.mul (local.get $m) (f64.const 0.5)))
    (local.set $e (i64.add (local.get $e) (i64.const 1)))))
  (local.set $s (f64.div (f64.sub (local.get $m) (f64.const 1)) (f64.add (local.get $m) (f64.const 1))))
  (local.set $s2 (f64.mul (local.get $s) (local.get $s)))
  (f64.add (f64.mul (f64.convert_i64_s (local.get $e)) (f64.const 0.6931471805599453))
    (f64.mul (f64.mul (f64.const 2) (local.get $s))
      (f64.add (f64.const 1) (f64.mul (local.get $s2) (f64.add (f64.const 0.3333333333333333) (f64.mul (local.get $s2)
        (f64.add (f64.const 0.2) (f64.mul (local.get $s2) (f64.add (f64.const 0.14285714285714285) (f64.mul (local.get $s2)
          (f64.add (f64.const 0.1111111111111111) (f64.mul (local.get $s2) (f64.const 0.09090909090909091))))))))))))))`;

/** f32 log through `$logf64` (denormal f32 inputs are normal in f64). */
export const logF32 = (k: KernelCtx, x: string): string => `(f32.demote_f64 (call ${k.moduleFunc('logf64', LOGF64)} (f64.promote_f32 ${x})))`;
/** f32 exp/erf/tanh/sigmoid through the f32x4 helpers, lane 0. */
export const viaVec = (k: KernelCtx, name: string, x: string): string => `(f32x4.extract_lane 0 (call ${k.helper(name)} (f32x4.splat ${x})))`;

type Scalar = (k: KernelCtx, op: Op, a: readonly string[], t: Num, d: DT) => string;
interface Def { scalar: Scalar; out?: 'bool'; floatOnly?: boolean }
const OPS: Record<string, Def> = {};
const fold = (f: (x: string, y: string, t: Num, d: DT) => string): Scalar => (_k, _o, a, t, d) => a.slice(1).reduce((acc, x) => f(acc, x, t, d), a[0]!);

OPS.add = { scalar: fold((x, y, t) => `(${t}.add ${x} ${y})`) };
OPS.sum = OPS.add;
OPS.sub = { scalar: fold((x, y, t) => `(${t}.sub ${x} ${y})`) };
OPS.mul = { scalar: fold((x, y, t) => `(${t}.mul ${x} ${y})`) };
OPS.div = {
  scalar: fold((x, y, t, d) => {
    if (isFloat(t)) return `(${t}.div ${x} ${y})`;
    // x/0 = 0 and INT_MIN/-1 wraps (WASM would trap on both): divide by 1 instead, then fix up.
    const zero = `(${t}.eqz ${y})`;
    const ovf = d.signed ? `(${t}.eq ${y} (${t}.const -1))` : '(i32.const 0)';
    const safe = `(select (${t}.const 1) ${y} (i32.or ${zero} ${ovf}))`;
    const q = `(${t}.div_${su(d)} ${x} ${safe})`;
    const fixed = d.signed ? `(select (${t}.sub (${t}.const 0) ${x}) ${q} ${ovf})` : q;
    return `(select (${t}.const 0) ${fixed} ${zero})`;
  }),
};
const minmax = (f: 'min' | 'max'): Scalar => fold((x, y, t, d) => {
  if (isFloat(t)) return `(${t}.${f} ${x} ${y})`;
  return `(select ${x} ${y} (${t}.${f === 'max' ? 'gt' : 'lt'}_${su(d)} ${x} ${y}))`;
});
OPS.max = { scalar: minmax('max') };
OPS.min = { scalar: minmax('min') };
OPS.mean = { scalar: (k, o, a, t, d) => `(${t}.div ${OPS.add!.scalar(k, o, a, t, d)} (${t}.const ${a.length}))`, floatOnly: true };
OPS.neg = { scalar: (_k, _o, [x], t) => (isFloat(t) ? `(${t}.neg ${x})` : `(${t}.sub (${t}.const 0) ${x})`) };
OPS.abs = { scalar: (_k, _o, [x], t, d) => (isFloat(t) ? `(${t}.abs ${x})` : d.signed ? `(select (${t}.sub (${t}.const 0) ${x}) ${x} (${t}.lt_s ${x} (${t}.const 0)))` : x!) };
OPS.sign = {
  scalar: (_k, _o, [x], t, d) => {
    // +-0 and NaN are their own sign (Math.sign, as the interpreter): |x| > 0 is false for exactly those.
    if (isFloat(t)) return `(select (${t}.copysign (${t}.const 1) ${x}) ${x} (${t}.gt (${t}.abs ${x}) (${t}.const 0)))`;
    const pos = `(${t}.ne ${x} (${t}.const 0))`;
    const pv = t === 'i64' ? `(i64.extend_i32_u ${pos})` : pos;
    return d.signed ? `(select (${t}.const -1) ${pv} (${t}.lt_s ${x} (${t}.const 0)))` : pv;
  },
};
const cmp = (f: string, fl: string): Def => ({ out: 'bool', scalar: (_k, _o, [x, y], t, d) => `(${t}.${isFloat(t) ? fl : `${f}_${su(d)}`} ${x} ${y})` });
OPS.equal = { out: 'bool', scalar: (_k, _o, [x, y], t) => `(${t}.eq ${x} ${y})` };
OPS.less = cmp('lt', 'lt');
OPS.greater = cmp('gt', 'gt');
OPS.less_or_equal = cmp('le', 'le');
OPS.greater_or_equal = cmp('ge', 'ge');
OPS.and = { scalar: (_k, _o, [x, y]) => `(i32.and ${x} ${y})` };
OPS.or = { scalar: (_k, _o, [x, y]) => `(i32.or ${x} ${y})` };
OPS.xor = { scalar: (_k, _o, [x, y]) => `(i32.xor ${x} ${y})` };
OPS.not = { scalar: (_k, _o, [x]) => `(i32.eqz ${x})` };
OPS.is_nan = { out: 'bool', scalar: (_k, _o, [x], t) => `(${t}.ne ${x} ${x})` };
// where(cond, x, y): the operand dtype is x's; the condition is loaded as bool.
OPS.where = { scalar: (_k, _o, [c, x, y]) => `(select ${x} ${y} ${c})` };
OPS.expand = { scalar: (_k, _o, [x]) => x! };
OPS.relu = { scalar: (_k, _o, [x], t, d) => (isFloat(t) ? `(${t}.max ${x} (${t}.const 0))` : `(select ${x} (${t}.const 0) (${t}.gt_${su(d)} ${x} (${t}.const 0)))`) };
OPS.round = { scalar: (_k, _o, [x], t) => `(${t}.nearest ${x})`, floatOnly: true };
OPS.floor = { scalar: (_k, _o, [x], t) => `(${t}.floor ${x})`, floatOnly: true };
OPS.ceil = { scalar: (_k, _o, [x], t) => `(${t}.ceil ${x})`, floatOnly: true };
OPS.sqrt = { scalar: (_k, _o, [x], t) => `(${t}.sqrt ${x})`, floatOnly: true };
OPS.reciprocal = { scalar: (_k, _o, [x], t) => `(${t}.div (${t}.const 1) ${x})`, floatOnly: true };

// Transcendentals: f32 only (through the f32x4 helpers, or log in f64).
const f32Only = (f: (k: KernelCtx, op: Op, a: readonly string[]) => string): Def => ({ scalar: (k, op, a) => f(k, op, a), floatOnly: true });
const attrF = (op: Op, name: string, d: number): number => Number(op.attrs.get(name)?.value ?? d);
OPS.exp = f32Only((k, _o, [x]) => viaVec(k, 'exp4', x!));
OPS.tanh = f32Only((k, _o, [x]) => viaVec(k, 'tanh4', x!));
OPS.erf = f32Only((k, _o, [x]) => viaVec(k, 'erf4', x!));
OPS.sigmoid = f32Only((k, _o, [x]) => viaVec(k, 'sigmoid4', x!));
OPS.log = f32Only((k, _o, [x]) => logF32(k, x!));
OPS.softsign = f32Only((_k, _o, [x]) => `(f32.div ${x} (f32.add (f32.const 1) (f32.abs ${x})))`);
OPS.prelu = f32Only((_k, _o, [x, s]) => `(select (f32.mul ${x} ${s}) ${x} (f32.lt ${x} (f32.const 0)))`);
OPS.elu = f32Only((k, op, [x]) => `(select (f32.mul ${f32c(attrF(op, 'alpha', 1))} (f32.sub ${viaVec(k, 'exp4', x!)} (f32.const 1))) ${x} (f32.lt ${x} (f32.const 0)))`);
OPS.selu = f32Only((k, op, [x]) => `(f32.mul ${f32c(attrF(op, 'gamma', 1.0507009873554805))} (select (f32.mul ${f32c(attrF(op, 'alpha', 1.6732632423543772))} (f32.sub ${viaVec(k, 'exp4', x!)} (f32.const 1))) ${x} (f32.le ${x} (f32.const 0))))`);
OPS.gelu = f32Only((k, op, [x]) => {
  if (String(op.attrs.get('approximate')?.value ?? 'none') === 'tanh') {
    const inner = `(f32.mul ${f32c(Math.sqrt(2 / Math.PI))} (f32.add ${x} (f32.mul ${f32c(0.044715)} (f32.mul ${x} (f32.mul ${x} ${x})))))`;
    return `(f32.mul (f32.mul (f32.const 0.5) ${x}) (f32.add (f32.const 1) ${viaVec(k, 'tanh4', inner)}))`;
  }
  return `(f32.mul (f32.mul (f32.const 0.5) ${x}) (f32.add (f32.const 1) ${viaVec(k, 'erf4', `(f32.mul ${x} ${f32c(Math.SQRT1_2)})`)}))`;
});
// pow: constant exponents 1, 2, 3, 0.5 exactly; otherwise exp(y log |x|) with the sign of odd
// integer powers of negative x (non-integer powers of negative x are NaN, as log gives).
OPS.pow = {
  floatOnly: true,
  scalar: (k, op, [x, y]) => {
    const c = k.constant(op.operands[1] ?? null);
    const vals = c ? toNumbers(c) : [];
    const e = vals.length > 0 && vals.every((v) => v === vals[0]) ? vals[0] : undefined;
    if (e === 1) return x!;
    if (e === 2) return `(f32.mul ${x} ${x})`;
    if (e === 3) return `(f32.mul ${x} (f32.mul ${x} ${x}))`;
    if (e === 0.5) return `(f32.sqrt ${x})`;
    const mag = viaVec(k, 'exp4', `(f32.mul ${y} ${logF32(k, `(f32.abs ${x})`)})`);
    const isInt = `(f32.eq (f32.nearest ${y}) ${y})`;
    const odd = `(f32.ne (f32.nearest (f32.mul ${y} (f32.const 0.5))) (f32.mul ${y} (f32.const 0.5)))`;
    const neg = `(f32.lt ${x} (f32.const 0))`;
    const r = `(select (select (f32.neg ${mag}) ${mag} ${odd}) (f32.const nan) ${isInt})`;
    // pow(0, 0) = 1 and 0^negative = inf come out of exp(y * -inf) already.
    return `(select ${r} (select (f32.const 1) ${mag} (f32.eq ${y} (f32.const 0))) ${neg})`;
  },
};

// log(1 + e^-|x|) + max(x, 0), the log taken in f64 so that tiny e^-|x| keeps its digits.
const softplus = (k: KernelCtx, x: string): string =>
  `(f32.add (f32.max ${x} (f32.const 0)) (f32.demote_f64 (call ${k.moduleFunc('logf64', LOGF64)} (f64.add (f64.const 1) (f64.promote_f32 ${viaVec(k, 'exp4', `(f32.neg (f32.abs ${x}))`)})))))`;
OPS.softplus = f32Only((k, _o, [x]) => softplus(k, x!));
OPS.mish = f32Only((k, _o, [x]) => `(f32.mul ${x} ${viaVec(k, 'tanh4', softplus(k, x!))})`);
OPS.swish = f32Only((k, op, [x]) => `(f32.mul ${x} ${viaVec(k, 'sigmoid4', `(f32.mul ${f32c(attrF(op, 'alpha', 1))} ${x})`)})`);
OPS.celu = f32Only((k, op, [x]) => {
  const a = attrF(op, 'alpha', 1);
  return `(f32.add (f32.max ${x} (f32.const 0)) (f32.min (f32.const 0) (f32.mul ${f32c(a)} (f32.sub ${viaVec(k, 'exp4', `(f32.div ${x} ${f32c(a)})`)} (f32.const 1)))))`;
});
OPS.thresholded_relu = f32Only((_k, op, [x]) => `(select ${x} (f32.const 0) (f32.gt ${x} ${f32c(attrF(op, 'alpha', 1))}))`);
OPS.shrink = f32Only((_k, op, [x]) => {
  const b = f32c(attrF(op, 'bias', 0)), l = attrF(op, 'lambd', 0.5);
  return `(select (f32.add ${x} ${b}) (select (f32.sub ${x} ${b}) (f32.const 0) (f32.gt ${x} ${f32c(l)})) (f32.lt ${x} ${f32c(-l)}))`;
});
OPS.is_inf = {
  out: 'bool', floatOnly: true,
  scalar: (_k, op, [x], t) => {
    const pos = attrF(op, 'detect_positive', 1) !== 0, neg = attrF(op, 'detect_negative', 1) !== 0;
    const p = pos ? `(${t}.eq ${x} (${t}.const inf))` : '(i32.const 0)', n = neg ? `(${t}.eq ${x} (${t}.const -inf))` : '(i32.const 0)';
    return `(i32.or ${p} ${n})`;
  },
};
const intOnly = (f: (x: string, y: string, t: Num) => string): Def => ({ scalar: (k, op, a, t) => { if (isFloat(t)) k.fail(op, `${op.name} on floats`); return f(a[0]!, a[1] ?? '', t); } });
OPS.bitwise_and = intOnly((x, y, t) => `(${t}.and ${x} ${y})`);
OPS.bitwise_or = intOnly((x, y, t) => `(${t}.or ${x} ${y})`);
OPS.bitwise_xor = intOnly((x, y, t) => `(${t}.xor ${x} ${y})`);
OPS.bitwise_not = intOnly((x, _y, t) => `(${t}.xor ${x} (${t}.const -1))`);
/**
 * Exact floating-point remainder with the sign of the dividend (C fmod, JS %): shift-and-subtract,
 * each subtraction exact (x in [t, 2t) gives x - t exactly), so no rounding at any magnitude.
 * NaN for a NaN operand, an infinite dividend or a zero divisor; x for an infinite divisor.
 */
const FMOD64 = `(func $fmod64 (param $a f64) (param $b f64) (result f64) (local $x f64) (local $y f64) (local $t f64)
  (if (i32.or (f64.ne (local.get $a) (local.get $a)) (f64.ne (local.get $b) (local.get $b))) (then (return (f64.const nan))))
  (if (f64.eq (local.get $b) (f64.const 0)) (then (return (f64.const nan))))
  (local.set $x (f64.abs (local.get $a)))
  (local.set $y (f64.abs (local.get $b)))
  (if (f64.eq (local.get $x) (f64.const inf)) (then (return (f64.const nan))))
  (if (f64.lt (local.get $x) (local.get $y)) (then (return (local.get $a))))
  (local.set $t (local.get $y))
  (block $up_done (loop $up
    (br_if $up_done (f64.gt (local.get $t) (f64.mul (local.get $x) (f64.const 0.5))))
    (local.set $t (f64.mul (local.get $t) (f64.const 2)))
    (br $up)))
  (block $down_done (loop $down
    (br_if $down_done (f64.lt (local.get $t) (local.get $y)))
    (if (f64.ge (local.get $x) (local.get $t)) (then (local.set $x (f64.sub (local.get $x) (local.get $t)))))
    (local.set $t (f64.mul (local.get $t) (f64.const 0.5)))
    (br $down)))
  (f64.copysign (local.get $x) (local.get $a)))`;

// Integer mod (x mod 0 = 0): the remainder of a truncating division; fmod=0 moves it to the divisor's sign.
// Float mod as the interpreter: the exact remainder in f64 (f32 operands promoted), fmod=0 adding the
// divisor when the signs differ (rounded once, to f32 for f32), NaN where JS's % gives NaN.
OPS.mod = {
  scalar: (k, op, [x, y], t, d) => {
    if (isFloat(t)) {
      const fm = k.moduleFunc('fmod64', FMOD64);
      const a = t === 'f32' ? `(f64.promote_f32 ${x})` : x, b = t === 'f32' ? `(f64.promote_f32 ${y})` : y;
      const r = k.em.local('fr', 'f64'), bl = k.em.local('fb', 'f64');
      let v = `(call ${fm} ${a} (local.tee ${bl} ${b}))`;
      if (attrF(op, 'fmod', 0) !== 1) {
        // select evaluates its operands in order: the first one sets $fr for the others.
        const fix = `(i32.and (f64.ne (local.get ${r}) (f64.const 0)) (i32.xor (f64.lt (local.get ${r}) (f64.const 0)) (f64.lt (local.get ${bl}) (f64.const 0))))`;
        v = `(select (f64.add (local.tee ${r} ${v}) (local.get ${bl})) (local.get ${r}) ${fix})`;
      }
      return t === 'f32' ? `(f32.demote_f64 ${v})` : v;
    }
    const zero = `(${t}.eqz ${y})`;
    const safe = `(select (${t}.const 1) ${y} ${zero})`;
    const r = `(${t}.rem_${su(d)} ${x} ${safe})`;
    if (attrF(op, 'fmod', 0) === 1 || !d.signed) return `(select (${t}.const 0) ${r} ${zero})`;
    const rl = k.em.local('r', t);
    // select evaluates its operands in order: the first one sets $r for the other two.
    const fix = `(i32.and (${t}.ne (local.get ${rl}) (${t}.const 0)) (i32.xor (${t}.lt_s (local.get ${rl}) (${t}.const 0)) (${t}.lt_s ${y} (${t}.const 0))))`;
    return `(select (${t}.const 0) (select (${t}.add (local.tee ${rl} ${r}) ${y}) (local.get ${rl}) ${fix}) ${zero})`;
  },
};

// clip(x, min?, max?) on integers (f32 stays on the f32x4 kernel); absent bounds are skipped.
// Floats compare and select like the interpreter: a NaN bound clips nothing, NaN x passes.
OPS.clip = {
  scalar: (_k, op, a, t, d) => {
    let e = a[0]!, j = 1;
    const c = (cmp: string): string => (isFloat(t) ? `${t}.${cmp}` : `${t}.${cmp}_${d.signed ? 's' : 'u'}`);
    if (op.operands[1]) { const lo = a[j++]!; e = `(select ${lo} ${e} (${c('lt')} ${e} ${lo}))`; }
    if (op.operands[2]) { const hi = a[j++]!; e = `(select ${hi} ${e} (${c('gt')} ${e} ${hi}))`; }
    return e;
  },
};

export const GENERIC_OPS: readonly string[] = Object.keys(OPS);

function emitGeneric(k: KernelCtx, op: Op): void {
  const def = OPS[op.name]!;
  const y = op.results[0]!;
  const operands: Value[] = op.name === 'expand' ? [op.operands[0]!] : op.operands.filter((v): v is Value => v !== null);
  // The compute dtype: the first non-condition operand's.
  const dataV = op.name === 'where' ? operands[1]! : operands[0]!;
  const d = DTS[dataV.type.dtype];
  const yd = DTS[y.type.dtype];
  if (!d || !yd || operands.some((v) => !DTS[v.type.dtype])) k.fail(op, `${op.name} on ${dataV.type.dtype} is not supported by the wasm backend`);
  if (def.floatOnly && !isFloat(d.t)) k.fail(op, `${op.name} on ${dataV.type.dtype} is not supported by the wasm backend`);
  if (isFloat(d.t) && d.t === 'f64' && !['add', 'sub', 'mul', 'div', 'max', 'min', 'neg', 'abs', 'equal', 'less', 'greater', 'less_or_equal', 'greater_or_equal', 'where', 'expand', 'identity', 'relu', 'sqrt', 'floor', 'ceil', 'round', 'sum', 'mean', 'sign', 'reciprocal', 'is_nan', 'mod'].includes(op.name)) {
    k.fail(op, `${op.name} on f64 is not supported by the wasm backend`);
  }
  const em = k.em;
  const out = k.dims(y);
  const r = out.length;
  const ins = operands.map((v) => ({ v, dt: DTS[v.type.dtype]!, same: sameDims(k.dims(v), out), strides: broadcastStrides(k, k.dims(v), out) }));
  em.comment(`${op.name} ${y.type.dtype}[${out.join('x')}] (scalar)`);
  em.loop('e', k.size(out), (i) => {
    const args = ins.map((x) => {
      const off = x.same ? i : rowOffset(k, i, out, x.strides, r);
      const v = `(${x.dt.load} ${addr(k.ptr(x.v), off, x.dt.size)})`;
      // pow's exponent may be an integer tensor under a float base: convert it to the base's type.
      if (op.name === 'pow' && x !== ins[0] && x.dt.t !== d.t) return `(${d.t}.convert_${x.dt.t}_${su(x.dt)} ${v})`;
      return v;
    });
    const val = def.scalar(k, op, args, d.t, d);
    // Narrow integer results (i8/u8/i16/...) are stored by store8/16, which truncates like the interpreter's arrays.
    em.line(`(${yd.store} ${addr(k.ptr(y), i, yd.size)} ${val})`);
  });
}

const SIMD = new Set(ELEMENTWISE_OPS);

export const GENERIC_ELEMENTWISE_KERNEL: KernelDef = {
  emit: (k, op) => {
    const allF32 = [...op.operands, ...op.results].every((v) => !v || v.type.dtype === 'f32');
    const variadic = (op.name === 'max' || op.name === 'min') && op.operands.length !== 2;
    if (SIMD.has(op.name) && allF32 && !variadic) {
      ELEMENTWISE_KERNEL.emit(k, op);
      return;
    }
    emitGeneric(k, op);
  },
  flops: (op, numel) => ELEMENTWISE_KERNEL.flops!(op, numel),
};
