// Reductions over constant axes (reduce_sum/mean/max/min/prod/l1/l2/sum_square, f32). When the
// reduced axes are the trailing ones, each output element reduces one contiguous row in f32x4
// with a scalar tail; otherwise nested loops walk the reduced axes with strides.

import type { Op, Value } from '../../../../ir/ir.js';
import { toNumbers } from '../../../../ir/tensor.js';
import { add, addr, get, i32, mul } from '../emitter.js';
import type { KernelCtx, KernelDef } from '../kernel-api.js';

interface Red {
  init: string;
  /** Element map before combining (scalar f32 form / vector form). */
  map: (x: string) => string;
  mapV: (x: string) => string;
  combine: 'add' | 'max' | 'min' | 'mul';
  /** Final value from the combined one and the element count (f32 expression). */
  fin?: (acc: string, count: string) => string;
}

const id = (x: string): string => x;
const REDS: Readonly<Record<string, Red>> = {
  reduce_sum: { init: '0', map: id, mapV: id, combine: 'add' },
  reduce_mean: { init: '0', map: id, mapV: id, combine: 'add', fin: (a, n) => `(f32.div ${a} ${n})` },
  reduce_max: { init: '-inf', map: id, mapV: id, combine: 'max' },
  reduce_min: { init: 'inf', map: id, mapV: id, combine: 'min' },
  reduce_prod: { init: '1', map: id, mapV: id, combine: 'mul' },
  reduce_l1: { init: '0', map: (x) => `(f32.abs ${x})`, mapV: (x) => `(f32x4.abs ${x})`, combine: 'add' },
  reduce_sum_square: { init: '0', map: (x) => `(f32.mul ${x} ${x})`, mapV: (x) => `(f32x4.mul ${x} ${x})`, combine: 'add' },
  reduce_l2: { init: '0', map: (x) => `(f32.mul ${x} ${x})`, mapV: (x) => `(f32x4.mul ${x} ${x})`, combine: 'add', fin: (a) => `(f32.sqrt ${a})` },
};
export const REDUCE_OPS: readonly string[] = Object.keys(REDS);

function reducedAxes(k: KernelCtx, op: Op, rank: number): number[] {
  const axesV = op.operands[1] ?? null;
  const noop = Number(op.attrs.get('noop_with_empty_axes')?.value ?? 0) !== 0;
  if (!axesV) return noop ? [] : [...Array(rank).keys()];
  const t = k.constant(axesV);
  if (!t) k.fail(op, `${op.name} needs constant axes in the wasm backend`);
  const axes = toNumbers(t).map((a) => (a < 0 ? a + rank : a));
  if (axes.length === 0) return noop ? [] : [...Array(rank).keys()];
  return [...new Set(axes)].sort((a, b) => a - b);
}

function emitReduce(k: KernelCtx, op: Op): void {
  const r = REDS[op.name]!;
  const x = op.operands[0]!, y = op.results[0]!;
  if (y.type.dtype !== 'f32') k.fail(op, `${op.name} is f32 only in the wasm backend`);
  const xd = k.dims(x);
  const axes = reducedAxes(k, op, xd.length);
  const kept = xd.map((_d, a) => a).filter((a) => !axes.includes(a));
  const em = k.em;
  em.comment(`${op.name} axes=[${axes.join(',')}] of ${xd.join('x')}`);
  const count = k.size(axes.map((a) => xd[a]!));
  const s = em.local('s', 'f32'), o = em.local('o', 'i32');
  const comb = (a: string, b: string): string => `(f32.${r.combine} ${a} ${b})`;
  const store = (): void => {
    const v = r.fin ? r.fin(get(s), `(f32.convert_i32_u ${count})`) : get(s);
    em.line(`(f32.store ${addr(k.ptr(y), get(o), 4)} ${v})`);
    em.set(o, add(get(o), i32(1)));
  };
  em.set(o, i32(0));
  const trailing = axes.length > 0 && axes.every((a, i) => a === xd.length - axes.length + i);
  if (trailing) {
    const acc = em.local('acc', 'v128');
    const hname = `h${r.combine}4`;
    const h = k.moduleFunc(hname, `(func $${hname} (param $v v128) (result f32)\n  (f32.${r.combine} (f32.${r.combine} (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))\n    (f32.${r.combine} (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))`);
    em.loop('row', k.size(kept.map((a) => xd[a]!)), (row) => {
      const base = addr(k.ptr(x), mul(row, count), 4);
      em.set(acc, `(f32x4.splat (f32.const ${r.init}))`);
      em.set(s, `(f32.const ${r.init})`);
      em.vecLoop(count, (i) => em.set(acc, `(f32x4.${r.combine} ${get(acc)} ${r.mapV(`(v128.load align=4 ${addr(base, i, 4)})`)})`),
        (i) => em.set(s, comb(get(s), r.map(`(f32.load ${addr(base, i, 4)})`))));
      em.set(s, comb(`(call ${h} ${get(acc)})`, get(s)));
      store();
    });
    return;
  }
  const strides: string[] = [];
  let accS = i32(1);
  for (let a = xd.length - 1; a >= 0; a--) { strides[a] = accS; accS = mul(accS, k.dim(xd[a]!)); }
  const nest = (dims: readonly number[], off: string, body: (off: string) => void): void => {
    if (dims.length === 0) return body(off);
    em.loop('c', k.dim(xd[dims[0]!]!), (c) => {
      const l = em.local('off', 'i32');
      em.set(l, add(off, mul(c, strides[dims[0]!]!)));
      nest(dims.slice(1), get(l), body);
    });
  };
  nest(kept, i32(0), (outer) => {
    em.set(s, `(f32.const ${r.init})`);
    nest(axes, outer, (inner) => em.set(s, comb(get(s), r.map(`(f32.load ${addr(k.ptr(x), inner, 4)})`))));
    store();
  });
}

export const REDUCE_KERNEL: KernelDef = { emit: emitReduce, flops: (op: Op, numel: (v: Value) => number) => 2 * numel(op.operands[0]!) };
