// Index-driven writes, any dtype: scatter_elements and scatter_nd (reduction none/add/mul/max/min)
// and tensor_scatter (KV-cache update, linear or circular). The output starts as a byte copy of
// the data; updates are applied in index order, so with reduction none a repeated index keeps the
// last update, as in the interpreter. Out-of-range indices and linear write positions (the
// interpreter fails on them) make the run fail naming the op (index-check.ts): no write leaves
// the output.

import type { Op, Value } from '../../../../ir/ir.js';
import { add, addr, get, i32, mul } from '../emitter.js';
import { esize, type KernelCtx, type KernelDef } from '../kernel-api.js';
import { DTS } from './generic-elementwise.js';
import { checkWriteStart, loadCheckedIndex } from './index-check.js';
import { stridesOf } from './index-gather.js';

type DT = NonNullable<(typeof DTS)[string]>;

/** The combined value of `a` (current) and `b` (update) for `reduction`, as the interpreter's reducer. */
function combine(k: KernelCtx, op: Op, red: string, d: DT, a: string, b: string): string {
  const t = d.t, fl = t === 'f32' || t === 'f64';
  const su = d.signed ? 's' : 'u';
  switch (red) {
    case 'none': return b;
    case 'add': return `(${t}.add ${a} ${b})`;
    case 'mul': return `(${t}.mul ${a} ${b})`;
    // a >= b || a !== a ? a : b (a NaN current value stays; a NaN update wins over numbers).
    case 'max': return fl ? `(select ${a} ${b} (i32.or (${t}.ge ${a} ${b}) (${t}.ne ${a} ${a})))` : `(select ${a} ${b} (${t}.ge_${su} ${a} ${b}))`;
    case 'min': return fl ? `(select ${a} ${b} (i32.or (${t}.le ${a} ${b}) (${t}.ne ${a} ${a})))` : `(select ${a} ${b} (${t}.le_${su} ${a} ${b}))`;
    default: return k.fail(op, `${op.name} reduction '${red}' is not supported by the wasm backend`);
  }
}

function dtypeOf(k: KernelCtx, op: Op, v: Value, red: string): DT {
  const d = DTS[v.type.dtype];
  if (!d) k.fail(op, `${op.name} on ${v.type.dtype} is not supported by the wasm backend`);
  if (red !== 'none' && v.type.dtype === 'bool') k.fail(op, `${op.name} reduction '${red}' on bool is not supported by the wasm backend`);
  return d;
}

function copyData(k: KernelCtx, data: Value, y: Value, es: number): void {
  k.em.line(`(memory.copy ${k.ptr(y)} ${k.ptr(data)} ${mul(k.size(k.dims(y)), i32(es))})`);
}

function emitScatterElements(k: KernelCtx, op: Op): void {
  const [data, idx, upd] = op.operands as [Value, Value, Value];
  const y = op.results[0]!;
  const red = String(op.attrs.get('reduction')?.value ?? 'none');
  const d = dtypeOf(k, op, y, red);
  const dd = k.dims(data), id = k.dims(idx);
  const r = dd.length;
  if (id.length !== r) k.fail(op, 'scatter_elements indices must have the rank of data');
  const a0 = Number(op.attrs.get('axis')?.value ?? 0);
  const axis = a0 < 0 ? a0 + r : a0;
  const st = stridesOf(k, dd);
  const em = k.em;
  em.comment(`scatter_elements axis=${axis} reduction=${red}`);
  copyData(k, data, y, d.size);
  const t = em.local('t', 'i32'), off = em.local('off', 'i32'), j = em.local('j', 'i32');
  em.loop('e', k.size(id), (e) => {
    em.set(t, e);
    em.set(off, i32(0));
    for (let a = r - 1; a >= 0; a--) {
      // Coordinates past the data's dim (indices larger than data off the axis) are clamped too.
      em.set(j, `(i32.rem_u ${get(t)} ${k.dim(id[a]!)})`);
      if (a > 0) em.set(t, `(i32.div_u ${get(t)} ${k.dim(id[a]!)})`);
      if (a === axis) loadCheckedIndex(k, op, idx, e, k.dim(dd[a]!), j);
      else em.set(j, `(select (i32.sub ${k.dim(dd[a]!)} (i32.const 1)) ${get(j)} (i32.ge_u ${get(j)} ${k.dim(dd[a]!)}))`);
      em.set(off, add(get(off), mul(get(j), st[a]!)));
    }
    const at = addr(k.ptr(y), get(off), d.size);
    em.line(`(${d.store} ${at} ${combine(k, op, red, d, `(${d.load} ${at})`, `(${d.load} ${addr(k.ptr(upd), e, d.size)})`)})`);
  });
}

function emitScatterNd(k: KernelCtx, op: Op): void {
  const [data, idx, upd] = op.operands as [Value, Value, Value];
  const y = op.results[0]!;
  const red = String(op.attrs.get('reduction')?.value ?? 'none');
  const d = dtypeOf(k, op, y, red);
  const dd = k.dims(data), id = k.dims(idx);
  const kk = id[id.length - 1];
  if (typeof kk !== 'number' || kk > dd.length) k.fail(op, 'scatter_nd needs a static last dim of indices, at most the rank of data');
  const st = stridesOf(k, dd);
  const inner = k.size(dd.slice(kk));
  const em = k.em;
  em.comment(`scatter_nd k=${kk} reduction=${red}`);
  copyData(k, data, y, d.size);
  const off = em.local('off', 'i32'), v = em.local('v', 'i32');
  em.loop('t', k.size(id.slice(0, -1)), (t) => {
    em.set(off, i32(0));
    for (let j = 0; j < kk; j++) {
      loadCheckedIndex(k, op, idx, add(mul(t, i32(kk)), i32(j)), k.dim(dd[j]!), v);
      em.set(off, add(get(off), mul(get(v), st[j]!)));
    }
    if (red === 'none') {
      em.line(`(memory.copy ${addr(k.ptr(y), get(off), d.size)} ${addr(k.ptr(upd), mul(t, inner), d.size)} ${mul(inner, i32(d.size))})`);
      return;
    }
    em.loop('i', inner, (i) => {
      const at = addr(k.ptr(y), add(get(off), i), d.size);
      em.line(`(${d.store} ${at} ${combine(k, op, red, d, `(${d.load} ${at})`, `(${d.load} ${addr(k.ptr(upd), add(mul(t, inner), i), d.size)})`)})`);
    });
  });
}

function emitTensorScatter(k: KernelCtx, op: Op): void {
  const [past, upd, wi] = op.operands as [Value, Value, Value | null];
  const y = op.results[0]!;
  const es = esize(k, op, y);
  const pd = k.dims(past), ud = k.dims(upd);
  const r = pd.length;
  const a0 = Number(op.attrs.get('axis')?.value ?? -2);
  const axis = a0 < 0 ? a0 + r : a0;
  if (axis <= 0 || axis >= r) k.fail(op, 'tensor_scatter axis must not be the batch axis 0');
  const circular = String(op.attrs.get('mode')?.value ?? 'linear') === 'circular';
  const maxSeq = k.dim(pd[axis]!), seq = k.dim(ud[axis]!);
  const inner = k.size(pd.slice(axis + 1));
  const perBatch = k.size(pd.slice(1, axis));
  const em = k.em;
  em.comment(`tensor_scatter axis=${axis} ${circular ? 'circular' : 'linear'}`);
  copyData(k, past, y, es);
  const w = em.local('w', 'i32'), pos = em.local('pos', 'i32');
  const batches = (body: (p: string) => void): void => void em.loop('p', k.size(pd.slice(0, axis)), body);
  // An empty cache has nowhere to write: circular mode (which would divide by 0) skips it, no
  // early return (a fused group's later ops share this function). Linear mode runs its check
  // on it as the interpreter does (a nonempty update is refused: the check traps before any
  // write; an empty one writes nothing).
  const guarded = (body: (p: string) => void): void => {
    if (circular) em.when(`(i32.ne ${maxSeq} (i32.const 0))`, () => batches(body));
    else batches(body);
  };
  guarded((p) => {
    if (wi) {
      // write_indices[b] is not wrapped like an index: checked raw in linear mode.
      const b = `(i32.div_u ${p} ${perBatch})`;
      const raw = wi.type.dtype === 'i64' ? `(i64.load ${addr(k.ptr(wi), b, 8)})` : `(i64.extend_i32_s (i32.load ${addr(k.ptr(wi), b, 4)}))`;
      if (!circular) {
        checkWriteStart(k, op, raw, seq, maxSeq);
        em.set(w, `(i32.wrap_i64 ${raw})`);
      } else {
        // Reduce into [0, maxSeq) at full width first, as the interpreter does: the low word of
        // 2^32 + 1 is not 1 (mod 3), and w + s in i32 would overflow for w near 2^31.
        const mx = `(i64.extend_i32_u ${maxSeq})`, rm = em.local('rm', 'i64');
        em.set(rm, `(i64.rem_s ${raw} ${mx})`);
        em.set(w, `(i32.wrap_i64 (select (i64.add ${get(rm)} ${mx}) ${get(rm)} (i64.lt_s ${get(rm)} (i64.const 0))))`);
      }
    } else {
      // Without write_indices every batch writes from 0: only an update longer than the cache is outside.
      const fits = typeof pd[axis] === 'number' && typeof ud[axis] === 'number' && ud[axis] <= pd[axis];
      if (!circular && !fits) checkWriteStart(k, op, '(i64.const 0)', seq, maxSeq);
      em.set(w, i32(0));
    }
    em.loop('s', seq, (s) => {
      em.set(pos, add(get(w), s));
      if (circular) {
        em.set(pos, `(i32.rem_s ${get(pos)} ${maxSeq})`);
        em.set(pos, `(select ${add(get(pos), maxSeq)} ${get(pos)} (i32.lt_s ${get(pos)} (i32.const 0)))`);
      } else {
        em.set(pos, `(select (i32.const 0) ${get(pos)} (i32.lt_s ${get(pos)} (i32.const 0)))`);
        em.set(pos, `(select (i32.sub ${maxSeq} (i32.const 1)) ${get(pos)} (i32.ge_s ${get(pos)} ${maxSeq}))`);
      }
      em.line(`(memory.copy ${addr(k.ptr(y), mul(add(mul(p, maxSeq), get(pos)), inner), es)} ${addr(k.ptr(upd), mul(add(mul(p, seq), s), inner), es)} ${mul(inner, i32(es))})`);
    });
  });
}

export const SCATTER_ELEMENTS_KERNEL: KernelDef = { emit: emitScatterElements };
export const SCATTER_ND_KERNEL: KernelDef = { emit: emitScatterNd };
export const TENSOR_SCATTER_KERNEL: KernelDef = { emit: emitTensorScatter };
