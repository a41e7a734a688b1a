// More index-driven data movement, any dtype (elements moved by their byte width):
// reverse_sequence (per-batch prefix reversal along the time axis; lengths past the time dim are
// cut to it, negative ones reverse nothing, as in the interpreter), one_hot (indices of any
// numeric dtype truncated; outside [-depth, depth) give all `off`) and center_crop_pad (crop or
// zero-pad the listed axes to the result's dims, centred; dims may be symbols).

import type { Op, Value } from '../../../../ir/ir.js';
import { add, addr, get, i32, mul } from '../emitter.js';
import { esize, type KernelCtx, type KernelDef } from '../kernel-api.js';
import { DTS } from './generic-elementwise.js';
import { stridesOf } from './index-gather.js';

const MOVE: Readonly<Record<number, readonly [string, string]>> = {
  1: ['i32.load8_u', 'i32.store8'], 2: ['i32.load16_u', 'i32.store16'], 4: ['i32.load', 'i32.store'], 8: ['i64.load', 'i64.store'],
};

/** Load/store instructions moving one element of `v` unchanged. */
function moveOf(k: KernelCtx, op: Op, v: Value): { size: number; load: string; store: string } {
  const size = esize(k, op, v);
  const [load, store] = MOVE[size]!;
  return { size, load, store };
}

/** i32 expression: integer element `e` of an i32/i64 buffer (i64 values past i32 saturate). */
function intAt(k: KernelCtx, v: Value, e: string): string {
  return v.type.dtype === 'i64' ? i64ToI32(k.em, `(i64.load ${addr(k.ptr(v), e, 8)})`) : `(i32.load ${addr(k.ptr(v), e, 4)})`;
}

function emitReverseSequence(k: KernelCtx, op: Op): void {
  const [x, lens] = op.operands as [Value, Value];
  const y = op.results[0]!;
  const mv = moveOf(k, op, x);
  const xd = k.dims(x);
  const r = xd.length;
  const norm = (a: number): number => (a < 0 ? a + r : a);
  const ba = norm(Number(op.attrs.get('batch_axis')?.value ?? 1)), ta = norm(Number(op.attrs.get('time_axis')?.value ?? 0));
  if (lens.type.dtype !== 'i64' && lens.type.dtype !== 'i32') k.fail(op, `reverse_sequence lengths of ${lens.type.dtype}`);
  const st = stridesOf(k, xd);
  const T = k.dim(xd[ta]!), ts = st[ta]!;
  const em = k.em;
  em.comment(`reverse_sequence batch_axis=${ba} time_axis=${ta}`);
  const len = em.local('len', 'i32'), t = em.local('t', 'i32'), src = em.local('src', 'i32');
  em.loop('e', k.size(xd), (i) => {
    em.set(len, intAt(k, lens, `(i32.rem_u (i32.div_u ${i} ${st[ba]!}) ${k.dim(xd[ba]!)})`));
    em.set(len, `(select ${get(len)} ${T} (i32.lt_s ${get(len)} ${T}))`);
    em.set(t, `(i32.rem_u (i32.div_u ${i} ${ts}) ${T})`);
    em.set(src, `(select ${add(i, mul(`(i32.sub (i32.sub ${get(len)} (i32.const 1)) (i32.shl ${get(t)} (i32.const 1)))`, ts))} ${i} (i32.lt_s ${get(t)} ${get(len)}))`);
    em.line(`(${mv.store} ${addr(k.ptr(y), i, mv.size)} (${mv.load} ${addr(k.ptr(x), get(src), mv.size)}))`);
  });
}

function emitOneHot(k: KernelCtx, op: Op): void {
  const [ind, , vals] = op.operands as [Value, Value, Value];
  const y = op.results[0]!;
  const mv = moveOf(k, op, y);
  const idt = DTS[ind.type.dtype];
  if (!idt) k.fail(op, `one_hot indices of ${ind.type.dtype}`);
  const yd = k.dims(y);
  const a0 = Number(op.attrs.get('axis')?.value ?? -1);
  const axis = a0 < 0 ? a0 + yd.length : a0;
  const depth = k.dim(yd[axis]!), inner = k.size(yd.slice(axis + 1));
  const em = k.em;
  em.comment(`one_hot axis=${axis}`);
  const v = em.local('v', 'i32');
  const off = `(${mv.load} ${k.ptr(vals)})`, on = `(${mv.load} ${addr(k.ptr(vals), i32(1), mv.size)})`;
  em.loop('e', k.size(yd), (i) => em.line(`(${mv.store} ${addr(k.ptr(y), i, mv.size)} ${off})`));
  em.loop('o', k.size(yd.slice(0, axis)), (o) => em.loop('j', inner, (j) => {
    const x = `(${idt.load} ${addr(k.ptr(ind), add(mul(o, inner), j), idt.size)})`;
    // Math.trunc of the index; values past i32 saturate (and then miss [0, depth)).
    em.set(v, idt.t === 'i32' ? x : idt.t === 'i64' ? i64ToI32(em, x) : `(i32.trunc_sat_${idt.t}_s ${x})`);
    em.set(v, `(select ${add(get(v), depth)} ${get(v)} (i32.lt_s ${get(v)} (i32.const 0)))`);
    em.when(`(i32.lt_u ${get(v)} ${depth})`, () => em.line(`(${mv.store} ${addr(k.ptr(y), add(mul(add(mul(o, depth), get(v)), inner), j), mv.size)} ${on})`));
  }));
}

/** i32 of an i64 expression, saturating (evaluates `x` once through a local). */
function i64ToI32(em: KernelCtx['em'], x: string): string {
  const w = em.local('w', 'i64');
  em.set(w, x);
  em.set(w, `(select (i64.const -2147483648) (local.get ${w}) (i64.lt_s (local.get ${w}) (i64.const -2147483648)))`);
  return `(i32.wrap_i64 (select (i64.const 2147483647) (local.get ${w}) (i64.gt_s (local.get ${w}) (i64.const 2147483647))))`;
}

function emitCenterCropPad(k: KernelCtx, op: Op): void {
  const x = op.operands[0]!, y = op.results[0]!;
  const mv = moveOf(k, op, y);
  const xd = k.dims(x), yd = k.dims(y);
  const r = xd.length;
  const axesAttr = op.attrs.get('axes')?.value as number[] | undefined;
  const axes = new Set((axesAttr ?? xd.map((_d, i) => i)).map((a) => (a < 0 ? a + r : a)));
  const st = stridesOf(k, xd);
  const em = k.em;
  em.comment(`center_crop_pad ${xd.join('x')} -> ${yd.join('x')}`);
  const t = em.local('t', 'i32'), c = em.local('c', 'i32'), src = em.local('src', 'i32'), ok = em.local('ok', 'i32');
  em.loop('e', k.size(yd), (i) => {
    em.set(t, i);
    em.set(src, i32(0));
    em.set(ok, i32(1));
    for (let a = r - 1; a >= 0; a--) {
      em.set(c, `(i32.rem_u ${get(t)} ${k.dim(yd[a]!)})`);
      if (a > 0) em.set(t, `(i32.div_u ${get(t)} ${k.dim(yd[a]!)})`);
      if (axes.has(a)) {
        const dim = k.dim(xd[a]!), want = k.dim(yd[a]!);
        // Crop (want <= dim): read o + off; pad: read o - off when inside, else write 0.
        const off = `(i32.shr_u (select (i32.sub ${dim} ${want}) (i32.sub ${want} ${dim}) (i32.le_s ${want} ${dim})) (i32.const 1))`;
        em.set(c, `(select (i32.add ${get(c)} ${off}) (i32.sub ${get(c)} ${off}) (i32.le_s ${want} ${dim}))`);
        em.set(ok, `(i32.and ${get(ok)} (i32.lt_u ${get(c)} ${dim}))`);
      }
      em.set(src, add(get(src), mul(get(c), st[a]!)));
    }
    const zero = mv.size === 8 ? '(i64.const 0)' : '(i32.const 0)';
    em.line(`(${mv.store} ${addr(k.ptr(y), i, mv.size)} (select (${mv.load} ${addr(k.ptr(x), `(select ${get(src)} (i32.const 0) ${get(ok)})`, mv.size)}) ${zero} ${get(ok)}))`);
  });
}

export const REVERSE_SEQUENCE_KERNEL: KernelDef = { emit: emitReverseSequence };
export const ONE_HOT_KERNEL: KernelDef = { emit: emitOneHot };
export const CENTER_CROP_PAD_KERNEL: KernelDef = { emit: emitCenterCropPad };
