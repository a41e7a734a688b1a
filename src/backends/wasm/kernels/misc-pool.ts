// Pools and norms without a kernel elsewhere, f32 and f64, computed in f64 like the interpreter:
// lp_pool (N-D windows: pads, auto_pad, strides, dilations, ceil_mode through the result's
// size; padding taps add nothing), global_lp_pool, lp_normalization (p = 1 or 2; a zero norm
// gives 0) and max_unpool (zeros, then X scattered to the flat indices I of the default unpooled
// layout, kept at the same spatial coordinates of the result; an index outside that layout is
// refused at run time as by the interpreter (index-check.ts), a coordinate past the result skipped).

import type { Op, Value } from '../../../../ir/ir.js';
import type { Dim } from '../../../../ir/types.js';
import { add, addr, get, i32, mul, sub } from '../emitter.js';
import type { KernelCtx, KernelDef } from '../kernel-api.js';
import { checkFrom0 } from './index-check.js';
import { expF64, logF64 } from './misc-unary.js';

const ints = (op: Op, n: string): readonly number[] | undefined => op.attrs.get(n)?.value as readonly number[] | undefined;

export function floatOf(k: KernelCtx, op: Op, v: Value): { t: 'f32' | 'f64'; size: number; load: (a: string) => string; store: (a: string, x: string) => string } {
  const dt = v.type.dtype;
  if (dt !== 'f32' && dt !== 'f64') k.fail(op, `${op.name} on ${dt} is not supported by the wasm backend`);
  return dt === 'f32'
    ? { t: dt, size: 4, load: (a) => `(f64.promote_f32 (f32.load ${a}))`, store: (a, x) => `(f32.store ${a} (f32.demote_f64 ${x}))` }
    : { t: dt, size: 8, load: (a) => `(f64.load ${a})`, store: (a, x) => `(f64.store ${a} ${x})` };
}

/** |v|^p for a static integer p >= 1, and s^(1/p). */
const powP = (v: string, p: number): string => (p === 1 ? `(f64.abs ${v})` : Array.from({ length: p - 1 }).reduce<string>((acc) => `(f64.mul ${acc} (f64.abs ${v}))`, `(f64.abs ${v})`));
function rootP(k: KernelCtx, s: string, p: number): string {
  if (p === 1) return s;
  if (p === 2) return `(f64.sqrt ${s})`;
  return `(select (f64.const 0) ${expF64(k, `(f64.div ${logF64(k, s)} (f64.const ${p}))`)} (f64.eq ${s} (f64.const 0)))`;
}

function pAttr(k: KernelCtx, op: Op): number {
  const p = Number(op.attrs.get('p')?.value ?? 2);
  if (!Number.isInteger(p) || p < 1 || p > 16) k.fail(op, `${op.name} with p = ${p} is not supported by the wasm backend`);
  return p;
}

function emitLpPool(k: KernelCtx, op: Op): void {
  const x = op.operands[0]!, y = op.results[0]!;
  const f = floatOf(k, op, x);
  const xd = k.dims(x), yd = k.dims(y);
  const sp = xd.length - 2;
  if (sp < 1) k.fail(op, 'lp_pool needs rank >= 3');
  const kernel = ints(op, 'kernel_shape')!;
  const strides = ints(op, 'strides') ?? kernel.map(() => 1);
  const dil = ints(op, 'dilations') ?? kernel.map(() => 1);
  const autoPad = String(op.attrs.get('auto_pad')?.value ?? 'NOTSET');
  const pads = ints(op, 'pads') ?? new Array<number>(2 * sp).fill(0);
  const begin = kernel.map((kk, d) => {
    if (autoPad === 'VALID') return 0;
    if (autoPad !== 'SAME_UPPER' && autoPad !== 'SAME_LOWER') return pads[d]!;
    const size = xd[d + 2], out = yd[d + 2];
    if (typeof size !== 'number' || typeof out !== 'number') return k.fail(op, 'auto_pad needs static spatial sizes');
    const total = Math.max(0, (out - 1) * strides[d]! + (kk - 1) * dil[d]! + 1 - size);
    return autoPad === 'SAME_UPPER' ? Math.floor(total / 2) : total - Math.floor(total / 2);
  });
  const p = pAttr(k, op);
  const em = k.em;
  em.comment(`lp_pool p=${p} ${xd.join('x')} -> ${yd.join('x')}`);
  const inSp = xd.slice(2), outSp = yd.slice(2);
  const I = k.size(inSp), P = k.size(outSp);
  const s = em.local('s', 'f64'), t = em.local('t', 'i32');
  const oc = outSp.map(() => em.local('oc', 'i32')), ic = inSp.map(() => em.local('ic', 'i32'));
  em.loop('p', k.size(xd.slice(0, 2)), (pl) => em.loop('q', P, (q) => {
    em.set(t, q);
    for (let d = sp - 1; d >= 0; d--) {
      em.set(oc[d]!, `(i32.rem_u ${get(t)} ${k.dim(outSp[d]!)})`);
      if (d > 0) em.set(t, `(i32.div_u ${get(t)} ${k.dim(outSp[d]!)})`);
    }
    em.set(s, '(f64.const 0)');
    const taps = (d: number, off: string): void => {
      if (d === sp) {
        em.set(s, `(f64.add ${get(s)} ${powP(f.load(addr(k.ptr(x), add(mul(pl, I), off), f.size)), p)})`);
        return;
      }
      em.loop('kt', i32(kernel[d]!), (kt) => {
        em.set(ic[d]!, sub(add(mul(get(oc[d]!), i32(strides[d]!)), mul(kt, i32(dil[d]!))), i32(begin[d]!)));
        em.when(`(i32.lt_u ${get(ic[d]!)} ${k.dim(inSp[d]!)})`, () => taps(d + 1, add(mul(off, k.dim(inSp[d]!)), get(ic[d]!))));
      });
    };
    taps(0, i32(0));
    em.line(f.store(addr(k.ptr(y), add(mul(pl, P), q), f.size), rootP(k, get(s), p)));
  }));
}

function emitGlobalLpPool(k: KernelCtx, op: Op): void {
  const x = op.operands[0]!, y = op.results[0]!;
  const f = floatOf(k, op, x);
  const xd = k.dims(x);
  const p = pAttr(k, op);
  const L = k.size(xd.slice(2));
  const em = k.em;
  em.comment(`global_lp_pool p=${p}`);
  const s = em.local('s', 'f64');
  em.loop('p', k.size(xd.slice(0, 2)), (pl) => {
    em.set(s, '(f64.const 0)');
    em.loop('i', L, (i) => em.set(s, `(f64.add ${get(s)} ${powP(f.load(addr(k.ptr(x), add(mul(pl, L), i), f.size)), p)})`));
    em.line(f.store(addr(k.ptr(y), pl, f.size), rootP(k, get(s), p)));
  });
}

function emitLpNorm(k: KernelCtx, op: Op): void {
  const x = op.operands[0]!, y = op.results[0]!;
  const f = floatOf(k, op, x);
  const xd = k.dims(x);
  const a0 = Number(op.attrs.get('axis')?.value ?? -1);
  const axis = a0 < 0 ? a0 + xd.length : a0;
  const p = Number(op.attrs.get('p')?.value ?? 2);
  if (p !== 1 && p !== 2) k.fail(op, `lp_normalization with p = ${p}`);
  const n = k.dim(xd[axis]!), inner = k.size(xd.slice(axis + 1));
  const em = k.em;
  em.comment(`lp_normalization p=${p} axis=${axis}`);
  const s = em.local('s', 'f64'), b = em.local('b', 'i32');
  const at = (ptr: string, j: string): string => addr(ptr, add(get(b), mul(j, inner)), f.size);
  em.loop('o', k.size(xd.slice(0, axis)), (o) => em.loop('in', inner, (i) => {
    em.set(b, add(mul(mul(o, n), inner), i));
    em.set(s, '(f64.const 0)');
    em.loop('j', n, (j) => em.set(s, `(f64.add ${get(s)} ${powP(f.load(at(k.ptr(x), j)), p)})`));
    if (p === 2) em.set(s, `(f64.sqrt ${get(s)})`);
    em.loop('j', n, (j) => em.line(f.store(at(k.ptr(y), j), `(select (f64.const 0) (f64.div ${f.load(at(k.ptr(x), j))} ${get(s)}) (f64.eq ${get(s)} (f64.const 0)))`)));
  }));
}

function emitMaxUnpool(k: KernelCtx, op: Op): void {
  const [x, ind] = op.operands as [Value, Value];
  const y = op.results[0]!;
  const f = floatOf(k, op, x);
  const xd = k.dims(x), yd = k.dims(y);
  const sp = xd.length - 2;
  const kernel = ints(op, 'kernel_shape')!;
  const strides = ints(op, 'strides') ?? kernel.map(() => 1);
  const pads = ints(op, 'pads') ?? new Array<number>(2 * sp).fill(0);
  // The default unpooled dims, which the indices address.
  const def: Dim[] = xd.slice(2).map((d, i) => (typeof d === 'number' ? (d - 1) * strides[i]! + kernel[i]! - pads[i]! - pads[i + sp]! : k.fail(op, 'max_unpool needs static spatial input dims')));
  if (ind.type.dtype !== 'i64') k.fail(op, 'max_unpool indices must be i64');
  const inPlane = k.size(def), outPlane = k.size(yd.slice(2));
  const planes = k.size(xd.slice(0, 2));
  const em = k.em;
  em.comment(`max_unpool ${xd.join('x')} -> ${yd.join('x')}`);
  // output_shape may name other batch/channel counts than X (data read at run time): the result
  // is filled whole, and a plane past its end is dropped (as the interpreter's writes are).
  em.line(`(memory.fill ${k.ptr(y)} (i32.const 0) ${mul(k.size(yd), i32(f.size))})`);
  const w = em.local('w', 'i64'), j = em.local('j', 'i32'), pos = em.local('pos', 'i32'), ok = em.local('ok', 'i32'), c = em.local('c', 'i32');
  em.loop('e', k.size(xd), (e) => {
    em.set(w, `(i64.load ${addr(k.ptr(ind), e, 8)})`);
    // An index outside the default unpooled tensor is refused at run time, as by the interpreter.
    checkFrom0(k, op, get(w), mul(planes, inPlane));
    em.set(j, `(i32.wrap_i64 ${get(w)})`);
    em.set(pos, i32(0));
    em.set(ok, `(i32.lt_u (i32.div_u ${get(j)} ${inPlane}) ${k.size(yd.slice(0, 2))})`);
    // Spatial coordinates of j's place in its plane, last dim first; each must fit the result.
    const rest = em.local('rest', 'i32');
    em.set(rest, `(i32.rem_u ${get(j)} ${inPlane})`);
    for (let d = sp - 1, outStride = i32(1); d >= 0; outStride = mul(outStride, k.dim(yd[d + 2]!)), d--) {
      em.set(c, `(i32.rem_u ${get(rest)} ${k.dim(def[d]!)})`);
      em.set(rest, `(i32.div_u ${get(rest)} ${k.dim(def[d]!)})`);
      em.set(ok, `(i32.and ${get(ok)} (i32.lt_u ${get(c)} ${k.dim(yd[d + 2]!)}))`);
      em.set(pos, add(get(pos), mul(get(c), outStride)));
    }
    em.when(get(ok), () => em.line(f.store(addr(k.ptr(y), add(mul(`(i32.div_u ${get(j)} ${inPlane})`, outPlane), get(pos)), f.size), f.load(addr(k.ptr(x), e, f.size)))));
  });
}

export const LP_POOL_KERNEL: KernelDef = { emit: emitLpPool };
export const GLOBAL_LP_POOL_KERNEL: KernelDef = { emit: emitGlobalLpPool };
export const LP_NORM_KERNEL: KernelDef = { emit: emitLpNorm };
export const MAX_UNPOOL_KERNEL: KernelDef = { emit: emitMaxUnpool };
