// Reductions whose axes are graph-input data on f64 and integer/bool tensors (reduce-dynamic.ts
// serves f32): the same walk (one scalar loop per output element over the box of reduced
// coordinates, a run-time flag per axis from ir/ops/reduce.ts runtimeReducedFlags), with the
// accumulator in the element's own arithmetic. Integers wrap like the interpreter's typed arrays;
// an empty box gives the interpreter's identity (lowest/highest value of the dtype for max/min).

import type { Op } from '../../../../ir/ir.js';
import { runtimeReducedFlags } from '../../../../ir/ops/reduce.js';
import { dimSel } from '../../../../ir/symbolic.js';
import type { Dim } from '../../../../ir/types.js';
import { add, addr, get, i32, mul } from '../emitter.js';
import type { KernelCtx, KernelDef } from '../kernel-api.js';
import { DTS, type Num } from './generic-elementwise.js';
import { F64_UNARY } from './odds-f64.js';

type Combine = 'add' | 'max' | 'min' | 'mul';
interface Red { combine: Combine; map?: 'abs' | 'square'; floatOnly?: boolean }
const REDS: Readonly<Record<string, Red>> = {
  reduce_sum: { combine: 'add' }, reduce_mean: { combine: 'add', floatOnly: true },
  reduce_max: { combine: 'max' }, reduce_min: { combine: 'min' }, reduce_prod: { combine: 'mul' },
  reduce_l1: { combine: 'add', map: 'abs' }, reduce_sum_square: { combine: 'add', map: 'square' },
  reduce_l2: { combine: 'add', map: 'square', floatOnly: true },
  reduce_log_sum: { combine: 'add', floatOnly: true }, reduce_log_sum_exp: { combine: 'add', floatOnly: true },
};
export const ODDS_REDUCE_OPS: readonly string[] = Object.keys(REDS);

/** Smallest and largest value of an integer dtype, as the i32/i64 constant text. */
const RANGE: Readonly<Record<string, [string, string]>> = {
  bool: ['0', '1'], u8: ['0', '255'], i8: ['-128', '127'], u16: ['0', '65535'], i16: ['-32768', '32767'],
  i32: ['-2147483648', '2147483647'], u32: ['0', '-1'], i64: ['-9223372036854775808', '9223372036854775807'], u64: ['0', '-1'],
};

/** Whether this kernel serves `op` (its dtype; the caller checks that the axes are run-time data). */
export function oddsReduceServes(op: Op): boolean {
  const r = REDS[op.name], dt = op.operands[0]!.type.dtype;
  if (!r || dt === 'f32' || !DTS[dt] || op.results[0]!.type.dtype !== dt) return false;
  return dt === 'f64' || (!r.floatOnly && dt in RANGE);
}

function emit(k: KernelCtx, op: Op): void {
  const x = op.operands[0]!, y = op.results[0]!, dn = x.type.dtype, d = DTS[dn]!, t: Num = d.t;
  const r = REDS[op.name]!, float = t === 'f64', su = d.signed ? 's' : 'u';
  const xd = k.dims(x), rank = xd.length;
  const flags = runtimeReducedFlags(rank, k.shapeValue(op.operands[1]!), Number(op.attrs.get('noop_with_empty_axes')?.value ?? 0) !== 0);
  if (!flags) return k.fail(op, `${op.name}: axes must be constant or a small integer graph input in the wasm backend`);
  const ext: Dim[] = xd.map((dd, a) => dimSel(flags[a]!, dd, 1));
  const yd: Dim[] = xd.map((dd, a) => dimSel(flags[a]!, 1, dd));
  const xs: string[] = [];
  let acc = i32(1);
  for (let a = rank - 1; a >= 0; a--) { xs[a] = acc; acc = mul(acc, k.dim(xd[a]!)); }
  const em = k.em;
  em.comment(`${op.name} ${dn} over axes known at run time, ${xd.join('x')}`);
  const tl = em.local('t', 'i32'), base = em.local('base', 'i32'), off = em.local('off', 'i32');
  const s = em.local('s', t), m = em.local('m', t);
  const count = k.size(ext);
  const offsetOf = (dst: string, start: string, idx: string, dims: readonly Dim[]): void => {
    em.set(tl, idx);
    em.set(dst, start);
    for (let a = rank - 1; a >= 0; a--) {
      em.set(dst, add(get(dst), mul(`(i32.rem_u ${get(tl)} ${k.dim(dims[a]!)})`, xs[a]!)));
      if (a > 0) em.set(tl, `(i32.div_u ${get(tl)} ${k.dim(dims[a]!)})`);
    }
  };
  const load = (): string => `(${d.load} ${addr(k.ptr(x), get(off), d.size)})`;
  const combine = (c: Combine, a: string, b: string): string => {
    if (float || c === 'add' || c === 'mul') return `(${t}.${c} ${a} ${b})`;
    return `(select ${a} ${b} (${t}.${c === 'max' ? 'gt' : 'lt'}_${su} ${a} ${b}))`;
  };
  const init = r.combine === 'max' ? (float ? '-inf' : RANGE[dn]![0]) : r.combine === 'min' ? (float ? 'inf' : RANGE[dn]![1]) : r.combine === 'mul' ? '1' : '0';
  const lse = op.name === 'reduce_log_sum_exp';
  em.loop('o', k.size(yd), (o) => {
    offsetOf(base, i32(0), o, yd);
    if (lse) {
      em.set(m, '(f64.const -inf)');
      em.loop('q', count, (q) => { offsetOf(off, get(base), q, ext); em.set(m, `(f64.max ${get(m)} ${load()})`); });
    }
    em.set(s, `(${t}.const ${init})`);
    em.loop('q', count, (q) => {
      offsetOf(off, get(base), q, ext);
      let v = lse ? F64_UNARY.exp!(k, `(f64.sub ${load()} ${get(m)})`) : load();
      if (r.map === 'square') { const l = em.local('v', t); v = `(${t}.mul (local.tee ${l} ${v}) (local.get ${l}))`; }
      if (r.map === 'abs' && float) v = `(f64.abs ${v})`;
      if (r.map === 'abs' && !float && d.signed) {
        const l = em.local('v', t);
        em.set(l, v);
        v = `(select (${t}.sub (${t}.const 0) (local.get ${l})) (local.get ${l}) (${t}.lt_s (local.get ${l}) (${t}.const 0)))`;
      }
      em.set(s, combine(r.combine, get(s), v));
    });
    let v = get(s);
    if (op.name === 'reduce_mean') v = `(f64.div ${v} (f64.convert_i32_u ${count}))`;
    if (op.name === 'reduce_l2') v = `(f64.sqrt ${v})`;
    if (op.name === 'reduce_log_sum') v = F64_UNARY.log!(k, v);
    // An infinite (or NaN) maximum is the result itself (exp(x - m) would be NaN), as reduce-dynamic.ts.
    if (lse) v = `(select ${get(m)} (f64.add ${get(m)} ${F64_UNARY.log!(k, get(s))}) (f64.ne (f64.sub ${get(m)} ${get(m)}) (f64.const 0)))`;
    em.line(`(${d.store} ${addr(k.ptr(y), o, d.size)} ${v})`);
  });
}

/** The run-time-axes reduction kernel for every dtype: this one for f64/integers, `f32` otherwise. */
export function runtimeAxesReduce(f32: KernelDef): KernelDef {
  return { emit: (k, op) => (oddsReduceServes(op) ? emit(k, op) : f32.emit(k, op)), flops: f32.flops };
}
