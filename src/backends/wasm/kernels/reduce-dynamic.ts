// Reductions whose axes are graph-input data (f32, any keepdims): which axes are reduced is only
// known at run time, so each axis carries a flag dim (1 = reduced; ir/ops/reduce.ts
// runtimeReducedFlags) that the runtime computes from the axes input. One scalar loop per output
// element walks the box of reduced coordinates: extent flag ? dim : 1 on every axis.

import type { Op } from '../../../../ir/ir.js';
import { runtimeReducedFlags } from '../../../../ir/ops/reduce.js';
import { dimSel } from '../../../../ir/symbolic.js';
import type { Dim } from '../../../../ir/types.js';
import { add, addr, get, i32, mul } from '../emitter.js';
import type { KernelCtx, KernelDef } from '../kernel-api.js';
import { logF32, viaVec } from './generic-elementwise.js';

interface Red { init: string; map?: (x: string) => string; combine: 'add' | 'max' | 'min' | 'mul'; fin?: (acc: string, n: string) => string }

const REDS: Readonly<Record<string, Red>> = {
  reduce_sum: { init: '0', combine: 'add' },
  reduce_mean: { init: '0', combine: 'add', fin: (a, n) => `(f32.div ${a} ${n})` },
  reduce_max: { init: '-inf', combine: 'max' },
  reduce_min: { init: 'inf', combine: 'min' },
  reduce_prod: { init: '1', combine: 'mul' },
  reduce_l1: { init: '0', map: (x) => `(f32.abs ${x})`, combine: 'add' },
  reduce_l2: { init: '0', map: (x) => `(f32.mul ${x} ${x})`, combine: 'add', fin: (a) => `(f32.sqrt ${a})` },
  reduce_sum_square: { init: '0', map: (x) => `(f32.mul ${x} ${x})`, combine: 'add' },
  reduce_log_sum: { init: '0', combine: 'add' },
  reduce_log_sum_exp: { init: '0', combine: 'add' },
};

/** Whether `op` is a reduction this kernel serves: axes given, not constant. */
export function hasRuntimeAxes(k: KernelCtx, op: Op): boolean {
  return op.name in REDS && !!op.operands[1] && !k.constant(op.operands[1]);
}

function emit(k: KernelCtx, op: Op): void {
  const x = op.operands[0]!, y = op.results[0]!;
  const r = REDS[op.name]!;
  if (x.type.dtype !== 'f32' || y.type.dtype !== 'f32') k.fail(op, `${op.name} with axes given as data is f32 only in the wasm backend`);
  const xd = k.dims(x), rank = xd.length;
  const flags = runtimeReducedFlags(rank, k.shapeValue(op.operands[1]!), Number(op.attrs.get('noop_with_empty_axes')?.value ?? 0) !== 0);
  if (!flags) return k.fail(op, `${op.name}: axes must be constant or a small integer graph input in the wasm backend`);
  const ext: Dim[] = xd.map((d, a) => dimSel(flags[a]!, d, 1));
  // Output offsets in the keepdims=1 layout: dropping size-1 dims (keepdims=0) keeps the order.
  const yd: Dim[] = xd.map((d, a) => dimSel(flags[a]!, 1, d));
  const xs: string[] = [];
  let acc = i32(1);
  for (let a = rank - 1; a >= 0; a--) { xs[a] = acc; acc = mul(acc, k.dim(xd[a]!)); }
  const em = k.em;
  em.comment(`${op.name} over axes known at run time, ${xd.join('x')}`);
  const t = em.local('t', 'i32'), base = em.local('base', 'i32'), off = em.local('off', 'i32');
  const s = em.local('s', 'f32'), m = em.local('m', 'f32');
  const count = k.size(ext);
  /** off = start + offset of flat index `idx` over `dims` (input strides). */
  const offsetOf = (dst: string, start: string, idx: string, dims: readonly Dim[]): void => {
    em.set(t, idx);
    em.set(dst, start);
    for (let a = rank - 1; a >= 0; a--) {
      em.set(dst, add(get(dst), mul(`(i32.rem_u ${get(t)} ${k.dim(dims[a]!)})`, xs[a]!)));
      if (a > 0) em.set(t, `(i32.div_u ${get(t)} ${k.dim(dims[a]!)})`);
    }
  };
  const load = (): string => `(f32.load ${addr(k.ptr(x), get(off), 4)})`;
  em.loop('o', k.size(yd), (o) => {
    offsetOf(base, i32(0), o, yd);
    const lse = op.name === 'reduce_log_sum_exp';
    if (lse) {
      // max first, then the sum of exp(x - max), as the interpreter does.
      em.set(m, '(f32.const -inf)');
      em.loop('q', count, (q) => { offsetOf(off, get(base), q, ext); em.set(m, `(f32.max ${get(m)} ${load()})`); });
    }
    em.set(s, `(f32.const ${r.init})`);
    em.loop('q', count, (q) => {
      offsetOf(off, get(base), q, ext);
      const v = lse ? viaVec(k, 'exp4', `(f32.sub ${load()} ${get(m)})`) : r.map ? r.map(load()) : load();
      em.set(s, `(f32.${r.combine} ${get(s)} ${v})`);
    });
    let v = r.fin ? r.fin(get(s), `(f32.convert_i32_u ${count})`) : get(s);
    if (op.name === 'reduce_log_sum') v = logF32(k, get(s));
    // An infinite (or NaN) maximum is the result itself (exp(x - m) would be NaN), as in reduce-extra.ts.
    if (lse) v = `(select ${get(m)} (f32.add ${get(m)} ${logF32(k, get(s))}) (f32.ne (f32.sub ${get(m)} ${get(m)}) (f32.const 0)))`;
    em.line(`(f32.store ${addr(k.ptr(y), o, 4)} ${v})`);
  });
}

export const REDUCE_DYNAMIC_KERNEL: KernelDef = { emit };
