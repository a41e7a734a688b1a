// reduce_log_sum, reduce_log_sum_exp (max first, then log of the sum of exp(x - max)) over
// constant axes, and arg_max / arg_min along one axis (i64 result; ties take the first index, or
// the last with select_last_index; NaN wins arg_max and loses arg_min, as in the interpreter).

import { fail } from '../../../../ir/diagnostics.js';
import type { Op } from '../../../../ir/ir.js';
import { toNumbers } from '../../../../ir/tensor.js';
import type { Dim } from '../../../../ir/types.js';
import { add, addr, get, i32, mul } from '../emitter.js';
import type { KernelCtx, KernelDef } from '../kernel-api.js';
import { DTS, logF32, viaVec } from './generic-elementwise.js';
import { REDUCE_KERNEL } from './reduce.js';

function axesOf(k: KernelCtx, op: Op, rank: number): number[] {
  const v = op.operands[1] ?? null;
  const noop = Number(op.attrs.get('noop_with_empty_axes')?.value ?? 0) !== 0;
  const all = [...Array(rank).keys()];
  if (!v) return noop ? [] : all;
  const t = k.constant(v);
  if (!t) k.fail(op, `${op.name} needs constant axes in the wasm backend`);
  const axes = toNumbers(t).map((a) => (a < 0 ? a + rank : a));
  if (axes.length === 0) return noop ? [] : all;
  return [...new Set(axes)].sort((a, b) => a - b);
}

function stridesOf(k: KernelCtx, xd: readonly Dim[]): string[] {
  const s: string[] = [];
  let acc = i32(1);
  for (let a = xd.length - 1; a >= 0; a--) { s[a] = acc; acc = mul(acc, k.dim(xd[a]!)); }
  return s;
}

/** Nested loops over `dims` (axes of x) accumulating an element offset. */
function nest(k: KernelCtx, xd: readonly Dim[], strides: readonly string[], dims: readonly number[], off: string, body: (off: string) => void): void {
  if (dims.length === 0) { body(off); return; }
  k.em.loop('c', k.dim(xd[dims[0]!]!), (c) => {
    const l = k.em.local('off', 'i32');
    k.em.set(l, add(off, mul(c, strides[dims[0]!]!)));
    nest(k, xd, strides, dims.slice(1), get(l), body);
  });
}

function emitLogSum(k: KernelCtx, op: Op): void {
  const x = op.operands[0]!, y = op.results[0]!;
  if (y.type.dtype !== 'f32') k.fail(op, `${op.name} is f32 only in the wasm backend`);
  const xd = k.dims(x);
  const axes = axesOf(k, op, xd.length);
  const kept = xd.map((_d, a) => a).filter((a) => !axes.includes(a));
  const st = stridesOf(k, xd);
  const em = k.em;
  const lse = op.name === 'reduce_log_sum_exp';
  em.comment(`${op.name} axes=[${axes.join(',')}] of ${xd.join('x')}`);
  const m = em.local('m', 'f32'), s = em.local('s', 'f32'), o = em.local('o', 'i32');
  const xa = (off: string): string => `(f32.load ${addr(k.ptr(x), off, 4)})`;
  em.set(o, i32(0));
  nest(k, xd, st, kept, i32(0), (outer) => {
    em.set(s, '(f32.const 0)');
    if (lse) {
      em.set(m, '(f32.const -inf)');
      nest(k, xd, st, axes, outer, (inner) => em.set(m, `(f32.max ${get(m)} ${xa(inner)})`));
      // An infinite (or NaN) maximum is the result itself; exp(x - m) would be NaN.
      em.when(`(f32.eq (f32.abs ${get(m)}) (f32.const inf))`, () => em.set(s, '(f32.const 1)'));
      em.when(`(f32.lt (f32.abs ${get(m)}) (f32.const inf))`, () =>
        nest(k, xd, st, axes, outer, (inner) => em.set(s, `(f32.add ${get(s)} ${viaVec(k, 'exp4', `(f32.sub ${xa(inner)} ${get(m)})`)})`)));
      em.line(`(f32.store ${addr(k.ptr(y), get(o), 4)} (f32.add ${get(m)} ${logF32(k, get(s))}))`);
    } else {
      nest(k, xd, st, axes, outer, (inner) => em.set(s, `(f32.add ${get(s)} ${xa(inner)})`));
      em.line(`(f32.store ${addr(k.ptr(y), get(o), 4)} ${logF32(k, get(s))})`);
    }
    em.set(o, add(get(o), i32(1)));
  });
}

const LOADS: Readonly<Record<string, ['f32' | 'i32' | 'i64', string, number, boolean]>> = {
  f32: ['f32', 'f32.load', 4, true], i32: ['i32', 'i32.load', 4, true], i64: ['i64', 'i64.load', 8, true], u8: ['i32', 'i32.load8_u', 1, false],
  i8: ['i32', 'i32.load8_s', 1, true], u32: ['i32', 'i32.load', 4, false],
};

function emitArg(k: KernelCtx, op: Op): void {
  const x = op.operands[0]!, y = op.results[0]!;
  const ld = LOADS[x.type.dtype];
  if (!ld) k.fail(op, `${op.name} on ${x.type.dtype} is not supported by the wasm backend`);
  const [t, load, es, signed] = ld;
  const xd = k.dims(x);
  const a0 = Number(op.attrs.get('axis')?.value ?? 0);
  const axis = a0 < 0 ? a0 + xd.length : a0;
  const last = Number(op.attrs.get('select_last_index')?.value ?? 0) !== 0;
  const isMax = op.name === 'arg_max';
  const em = k.em;
  em.comment(`${op.name} axis=${axis} of ${xd.join('x')}`);
  // An empty axis has no arg: the interpreter refuses it, and the loop below would read x[base]
  // past an empty buffer. Refused here when the dim is known (E205, an invalid shape for the op,
  // as the webgpu backend), else by the runtime before the run (a dims check, src/backends/dims.ts);
  // the trap stays as a last guard.
  if (xd[axis] === 0) fail('E205', `${op.name} %${op.results[0]!.name}: cannot take the arg of an empty axis (axis ${axis} has size 0)`, op.loc);
  const n = k.dim(xd[axis]!), inner = k.size(xd.slice(axis + 1));
  if (typeof xd[axis] !== 'number') em.when(`(i32.eqz ${n})`, () => em.line('unreachable'));
  const bv = em.local('bv', t), v = em.local('v', t), best = em.local('best', 'i32'), base = em.local('base', 'i32');
  const flt = t === 'f32';
  const cmp = (op2: 'gt' | 'lt', a: string, b: string): string => `(${t}.${op2}${flt ? '' : signed ? '_s' : '_u'} ${a} ${b})`;
  const nan = (a: string): string => (flt ? `(f32.ne ${a} ${a})` : '(i32.const 0)');
  // better(a, b) as in the interpreter: arg_max: a > b or (a NaN, b not); arg_min: greater(b, a).
  const better = (a: string, b: string): string => (isMax
    ? `(i32.or ${cmp('gt', a, b)} (i32.and ${nan(a)} (i32.eqz ${nan(b)})))`
    : `(i32.or ${cmp('lt', a, b)} (i32.and ${nan(b)} (i32.eqz ${nan(a)})))`);
  em.loop('o', k.size(xd.slice(0, axis)), (o) => em.loop('in', inner, (i) => {
    em.set(base, add(mul(mul(o, n), inner), i));
    em.set(best, i32(0));
    em.set(bv, `(${load} ${addr(k.ptr(x), get(base), es)})`);
    const j = em.local('j', 'i32');
    em.forRange(j, i32(1), n, 1, () => {
      em.set(v, `(${load} ${addr(k.ptr(x), add(get(base), mul(get(j), inner)), es)})`);
      const cond = last ? `(i32.or ${better(get(v), get(bv))} (i32.eqz ${better(get(bv), get(v))}))` : better(get(v), get(bv));
      em.when(cond, () => { em.set(best, get(j)); em.set(bv, get(v)); });
    });
    em.line(`(i64.store ${addr(k.ptr(y), add(mul(o, inner), i), 8)} (i64.extend_i32_u ${get(best)}))`);
  }));
}

export const LOG_SUM_KERNEL: KernelDef = { emit: emitLogSum, flops: (op, numel) => 14 * numel(op.operands[0]!) };
export const ARG_KERNEL: KernelDef = { emit: emitArg, flops: (op, numel) => numel(op.operands[0]!) };

// Integer reductions (i32/i64/u8/bool...): sum, prod, max, min, mean (truncating; empty set 0),
// each in its own width, except that a 32-bit mean sums in i64: the interpreter divides the exact
// sum (n values near 2^31 overflow 32 bits); f32 keeps the f32x4 kernel of reduce.ts.
const INT_INIT: Readonly<Record<string, (t: string, signed: boolean) => string>> = {
  reduce_sum: (t) => `(${t}.const 0)`, reduce_mean: (t) => `(${t}.const 0)`, reduce_prod: (t) => `(${t}.const 1)`,
  reduce_max: (t, sg) => (sg ? (t === 'i64' ? '(i64.const -9223372036854775808)' : '(i32.const -2147483648)') : `(${t}.const 0)`),
  reduce_min: (t, sg) => (sg ? (t === 'i64' ? '(i64.const 9223372036854775807)' : '(i32.const 2147483647)') : `(${t}.const -1)`),
};

function emitIntReduce(k: KernelCtx, op: Op): void {
  const x = op.operands[0]!, y = op.results[0]!;
  const d = DTS[x.type.dtype];
  const init = INT_INIT[op.name];
  if (!d || d.t === 'f32' || d.t === 'f64' || !init) k.fail(op, `${op.name} on ${x.type.dtype} is not supported by the wasm backend`);
  // The accumulator's width: 64 bits for a mean (see above).
  const t = op.name === 'reduce_mean' ? 'i64' : d.t;
  const sg = d.signed ? 's' : 'u';
  const widen = (v: string): string => (t !== d.t ? `(i64.extend_i32_${sg} ${v})` : v);
  const xd = k.dims(x);
  const axes = axesOf(k, op, xd.length);
  const kept = xd.map((_d, a) => a).filter((a) => !axes.includes(a));
  const st = stridesOf(k, xd);
  const em = k.em;
  em.comment(`${op.name} ${x.type.dtype} axes=[${axes.join(',')}] of ${xd.join('x')}`);
  const acc = em.local('acc', t), o = em.local('o', 'i32');
  // Narrow unsigned types (u8, bool, u16) load zero-extended, so a max/min init of 0 / all-ones works in i32 only for those widths.
  const minInit = d.size < 4 && !d.signed ? `(i32.const ${2 ** (8 * d.size) - 1})` : init(t, d.signed);
  const combine = (a: string, v: string): string => {
    switch (op.name) {
      case 'reduce_max': return `(select ${a} ${v} (${t}.gt_${sg} ${a} ${v}))`;
      case 'reduce_min': return `(select ${a} ${v} (${t}.lt_${sg} ${a} ${v}))`;
      case 'reduce_prod': return `(${t}.mul ${a} ${v})`;
      default: return `(${t}.add ${a} ${v})`;
    }
  };
  const count = k.size(axes.map((a) => xd[a]!));
  em.set(o, i32(0));
  nest(k, xd, st, kept, i32(0), (outer) => {
    em.set(acc, op.name === 'reduce_min' ? minInit : init(t, d.signed));
    nest(k, xd, st, axes, outer, (inner) => em.set(acc, combine(get(acc), widen(`(${d.load} ${addr(k.ptr(x), inner, d.size)})`))));
    if (op.name === 'reduce_mean') {
      const n = `(i64.extend_i32_u ${count})`;
      em.set(acc, `(select (${t}.const 0) (${t}.div_${sg} ${get(acc)} (select (${t}.const 1) ${n} (${t}.eqz ${n}))) (${t}.eqz ${n}))`);
    }
    em.line(`(${d.store} ${addr(k.ptr(y), get(o), d.size)} ${t !== d.t ? `(i32.wrap_i64 ${get(acc)})` : get(acc)})`);
    em.set(o, add(get(o), i32(1)));
  });
}

/** reduce_* : f32 through reduce.ts, integer dtypes here. */
export const ANY_DTYPE_REDUCE_KERNEL: KernelDef = {
  emit: (k, op) => (op.operands[0]!.type.dtype === 'f32' ? REDUCE_KERNEL.emit(k, op) : emitIntReduce(k, op)),
  flops: (op, numel) => REDUCE_KERNEL.flops!(op, numel),
};
