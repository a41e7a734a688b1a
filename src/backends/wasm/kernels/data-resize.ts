// Resize (nearest on any dtype, linear on f32) without antialias: the source coordinate of each
// output position is computed at run time in f64 with the interpreter's formulas (so symbolic
// sizes work), then 1 (nearest) or 2 (linear) edge-clamped taps per resized axis are combined.
// Scales come from the `scales` operand (a constant, or f32 input data loaded at run time), or are out/in when `sizes` is given (stretch).
// keep_aspect_ratio_policy not_larger / not_smaller: one scale for every resized axis, from `sizes`
// (constant or read at run time), see aspectScale.
// Axes onnxruntime copies (scale exactly 1, or no length changing: ir/ops/shape-resize.ts keptAxes)
// read their own coordinate; keptWat decides when compiling where it can, else at run time.

import type { Op } from '../../../../ir/ir.js';
import { toNumbers } from '../../../../ir/tensor.js';
import type { Dim } from '../../../../ir/types.js';
import { add, addr, get, i32, mul } from '../emitter.js';
import { type KernelCtx, type KernelDef } from '../kernel-api.js';
import { DTS } from './generic-elementwise.js';

const CTMS = new Set(['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_half_pixel_for_nn', 'half_pixel_symmetric']);

/**
 * The one scale of keep_aspect_ratio_policy not_larger (not_smaller): min (max) over the axes j of
 * sizes_j / in_j, an f64 expression divided in f64 as the interpreter does (its result dims are
 * floor(scale * in + 0.5) in exact integers, the symbolic dims of the result). `sizes` is a
 * constant or i64/i32 input data loaded at run time. undefined for stretch, or when `scales`
 * (which win over sizes and the policy) are given.
 */
export function aspectScale(k: KernelCtx, op: Op, axes: readonly number[], xd: readonly Dim[]): string | undefined {
  const policy = String(op.attrs.get('keep_aspect_ratio_policy')?.value ?? 'stretch');
  if (policy === 'stretch') return undefined;
  if (policy !== 'not_larger' && policy !== 'not_smaller') k.fail(op, `resize keep_aspect_ratio_policy '${policy}' is unknown`);
  const sc = op.operands[2], sz = op.operands[3];
  const scT = sc ? k.constant(sc) : undefined;
  if (sc && (scT ? scT.data.length > 0 : sc.type.shape?.[0] !== 0)) return undefined;
  if (!sz) k.fail(op, `resize keep_aspect_ratio_policy ${policy} needs sizes`);
  const szT = k.constant(sz);
  const vals = szT ? toNumbers(szT) : undefined;
  const n = vals ? vals.length : sz.type.shape?.length === 1 ? sz.type.shape[0] : undefined;
  if (n !== axes.length) k.fail(op, `resize sizes must have ${axes.length} entries (one per resized axis), known when compiling`);
  const load = (j: number): string => {
    if (vals) return `(f64.const ${vals[j]})`;
    if (sz.type.dtype === 'i64') return `(f64.convert_i64_s (i64.load ${addr(k.ptr(sz), i32(j), 8)}))`;
    if (sz.type.dtype === 'i32') return `(f64.convert_i32_s (i32.load ${addr(k.ptr(sz), i32(j), 4)}))`;
    return k.fail(op, `resize sizes must be i64, not ${sz.type.dtype}`);
  };
  const ratios = axes.map((a, j) => `(f64.div ${load(j)} (f64.convert_i32_u ${k.dim(xd[a]!)}))`);
  return ratios.reduce((p, q) => `(${policy === 'not_larger' ? 'f64.min' : 'f64.max'} ${p} ${q})`);
}

/**
 * Whether every axis keeps its length: true / false when the dims say so when compiling, else an
 * i32 WAT expression (then worth a local, computed once).
 */
export function sameLengths(k: KernelCtx, xd: readonly Dim[], yd: readonly Dim[]): boolean | string {
  const open: string[] = [];
  for (let a = 0; a < xd.length; a++) {
    if (xd[a] === yd[a]) continue;
    if (typeof xd[a] === 'number' && typeof yd[a] === 'number') return false;
    open.push(`(i32.eq ${k.dim(xd[a]!)} ${k.dim(yd[a]!)})`);
  }
  return open.length === 0 ? true : open.reduce((p, q) => `(i32.and ${p} ${q})`);
}

/**
 * Whether a resized axis is copied (keptAxes): scale exactly 1 (`scale` when known when compiling,
 * else `scaleWat`, an f64 expression) or every length unchanged (`same`, from sameLengths, an i32
 * local's get when not known). true / false, or an i32 WAT expression.
 */
export function keptWat(scale: number | undefined, scaleWat: string, same: boolean | string): boolean | string {
  if (scale === 1 || same === true) return true;
  if (scale !== undefined && same === false) return false;
  const one = scale === undefined ? `(f64.eq ${scaleWat} (f64.const 1))` : undefined;
  if (same === false) return one!;
  return one ? `(i32.or ${one} ${same})` : same;
}

function emitResize(k: KernelCtx, op: Op): void {
  const x = op.operands[0]!, y = op.results[0]!;
  const str = (n: string, d: string): string => String(op.attrs.get(n)?.value ?? d);
  const mode = str('mode', 'nearest'), ctm = str('coordinate_transformation_mode', 'half_pixel'), nm = str('nearest_mode', 'round_prefer_floor');
  const dt = DTS[x.type.dtype];
  if (!dt || (mode === 'linear' && x.type.dtype !== 'f32') || (mode !== 'nearest' && mode !== 'linear')) k.fail(op, `resize mode ${mode} on ${x.type.dtype} is not supported by the wasm backend`);
  if (!CTMS.has(ctm) || Number(op.attrs.get('antialias')?.value ?? 0) !== 0 || Number(op.attrs.get('exclude_outside')?.value ?? 0) !== 0) {
    k.fail(op, `resize with ${ctm}/antialias/exclude_outside is not supported by the wasm backend`);
  }
  const xd = k.dims(x), yd = k.dims(y);
  const r = xd.length;
  const axes = ((op.attrs.get('axes')?.value as number[] | undefined) ?? [...Array(r).keys()]).map((a) => (a < 0 ? a + r : a));
  const aspect = aspectScale(k, op, axes, xd);
  const scalesT = op.operands[2] ? k.constant(op.operands[2]) : undefined;
  const scales = scalesT && scalesT.data.length > 0 ? toNumbers(scalesT) : undefined;
  // Scales given as input data (f32) are loaded at run time.
  const scalesV = op.operands[2] && !scalesT && (op.operands[2].type.shape?.[0] ?? 0) !== 0 ? op.operands[2] : undefined;
  if (scalesV && scalesV.type.dtype !== 'f32') k.fail(op, 'resize scales must be f32 in the wasm backend');
  if (op.operands[2] && !scalesT && !scalesV && !op.operands[3]) k.fail(op, 'resize needs constant scales in the wasm backend');
  const em = k.em;
  em.comment(`resize ${mode} ${ctm} ${xd.join('x')} -> ${yd.join('x')}`);
  const xs: string[] = [];
  let acc = i32(1);
  for (let a = r - 1; a >= 0; a--) { xs[a] = acc; acc = mul(acc, k.dim(xd[a]!)); }
  const t = em.local('t', 'i32');
  const f = em.local('f', 'f64'), xf = em.local('xf', 'f64');
  const coords = xd.map(() => em.local('c', 'i32'));
  // The policy's scale is the same for every element: computed once, before the loop.
  const aspectL = aspect ? em.local('as', 'f64') : undefined;
  if (aspectL) em.set(aspectL, aspect!);
  interface Ax { a: number; i0: string; i1?: string; w?: string; kept: string | false }
  const resized: Ax[] = [];
  const same0 = sameLengths(k, xd, yd);
  let same: boolean | string = same0;
  if (typeof same0 === 'string') { const l = em.local('same', 'i32'); em.set(l, same0); same = get(l); }
  // The axes left out of `axes` have scale 1: copied. A policy's scale is known at run time only.
  for (const [i, a] of axes.entries()) {
    const sc = scales ? scales[i] : scalesV || aspectL ? undefined : typeof xd[a] === 'number' && typeof yd[a] === 'number' ? yd[a] / xd[a] : undefined;
    const kept = keptWat(sc, '$scale', same);
    if (kept === true) continue;
    resized.push({ a, i0: em.local('i0', 'i32'), ...(mode === 'linear' ? { i1: em.local('i1', 'i32'), w: em.local('w', 'f64') } : {}), kept });
  }
  if (mode === 'linear' && resized.length > 3) k.fail(op, 'linear resize of more than 3 axes is not supported by the wasm backend');
  const f64 = (e: string): string => `(f64.convert_i32_u ${e})`;
  const clamp = (e: string, n: string): string => {
    const l = em.local('q', 'i32');
    em.set(l, e);
    em.set(l, `(select (i32.const 0) ${get(l)} (i32.lt_s ${get(l)} (i32.const 0)))`);
    em.set(l, `(select (i32.sub ${n} (i32.const 1)) ${get(l)} (i32.ge_s ${get(l)} ${n}))`);
    return get(l);
  };
  em.loop('e', k.size(yd), (e) => {
    em.set(t, e);
    for (let a = r - 1; a >= 0; a--) {
      em.set(coords[a]!, `(i32.rem_u ${get(t)} ${k.dim(yd[a]!)})`);
      if (a > 0) em.set(t, `(i32.div_u ${get(t)} ${k.dim(yd[a]!)})`);
    }
    for (const ax of resized) {
      const inL = f64(k.dim(xd[ax.a]!)), outL = f64(k.dim(yd[ax.a]!));
      const si = axes.indexOf(ax.a);
      const scale = si < 0 ? '(f64.const 1)' : scales ? `(f64.const ${scales[si]})` : scalesV ? `(f64.promote_f32 (f32.load ${addr(k.ptr(scalesV), i32(si), 4)}))`
        : aspectL ? get(aspectL) : `(f64.div ${outL} ${inL})`;
      const o = f64(get(coords[ax.a]!));
      const hp = `(f64.sub (f64.div (f64.add ${o} (f64.const 0.5)) ${scale}) (f64.const 0.5))`;
      let src: string;
      switch (ctm) {
        case 'half_pixel': src = hp; break;
        // Same association as the interpreter: (in/2 * (1 - adj) + (o + 0.5) / scale) - 0.5.
        case 'half_pixel_symmetric': src = `(f64.sub (f64.add (f64.mul (f64.div ${inL} (f64.const 2)) (f64.sub (f64.const 1) (f64.div ${outL} (f64.mul ${scale} ${inL})))) (f64.div (f64.add ${o} (f64.const 0.5)) ${scale})) (f64.const 0.5))`; break;
        case 'pytorch_half_pixel': src = `(select (f64.const 0) ${hp} (f64.eq ${outL} (f64.const 1)))`; break;
        case 'align_corners': src = `(select (f64.const 0) (f64.div (f64.mul ${o} (f64.sub ${inL} (f64.const 1))) (f64.sub ${outL} (f64.const 1))) (f64.eq ${outL} (f64.const 1)))`; break;
        case 'asymmetric': src = `(f64.div ${o} ${scale})`; break;
        default: src = `(f64.div (f64.add ${o} (f64.const 0.5)) ${scale})`;
      }
      em.set(f, src);
      if (ax.kept) em.set(f, `(select ${o} ${get(f)} ${ax.kept.replaceAll('$scale', scale)})`);
      em.set(xf, `(f64.floor ${get(f)})`);
      const n = k.dim(xd[ax.a]!);
      if (mode === 'nearest') {
        const round = `(f64.floor (f64.add ${get(f)} (f64.const 0.5)))`;
        const idx = nm === 'floor' ? get(xf) : nm === 'ceil' ? `(f64.ceil ${get(f)})` : nm === 'round_prefer_ceil' ? round
          : `(select ${get(xf)} ${round} (f64.eq (f64.sub ${get(f)} ${get(xf)}) (f64.const 0.5)))`;
        em.set(ax.i0, clamp(`(i32.trunc_sat_f64_s ${idx})`, n));
      } else {
        em.set(ax.w!, `(f64.sub ${get(f)} ${get(xf)})`);
        em.set(ax.i1!, clamp(`(i32.add (i32.trunc_sat_f64_s ${get(xf)}) (i32.const 1))`, n));
        em.set(ax.i0, clamp(`(i32.trunc_sat_f64_s ${get(xf)})`, n));
      }
    }
    const offset = (pick: (a: number) => string): string => xd.reduce<string>((s, _d, a) => add(s, mul(pick(a), xs[a]!)), i32(0));
    const byAxis = new Map(resized.map((ax) => [ax.a, ax]));
    if (mode === 'nearest') {
      const off = offset((a) => get(byAxis.get(a)?.i0 ?? coords[a]!));
      em.line(`(${dt.store} ${addr(k.ptr(y), e, dt.size)} (${dt.load} ${addr(k.ptr(x), off, dt.size)}))`);
      return;
    }
    const terms: string[] = [];
    // No axis resized (sizes equal to the input's): the copy below, no weights.
    for (let m = 0; resized.length > 0 && m < 1 << resized.length; m++) {
      const hi = (j: number): boolean => ((m >> j) & 1) === 1;
      const off = offset((a) => {
        const j = resized.findIndex((ax) => ax.a === a);
        return j < 0 ? get(coords[a]!) : get(hi(j) ? resized[j]!.i1! : resized[j]!.i0);
      });
      const w = resized.map((ax, j) => (hi(j) ? get(ax.w!) : `(f64.sub (f64.const 1) ${get(ax.w!)})`)).reduce((p, q) => `(f64.mul ${p} ${q})`);
      terms.push(`(f64.mul ${w} (f64.promote_f32 (f32.load ${addr(k.ptr(x), off, 4)})))`);
    }
    const val = resized.length === 0 ? `(f32.load ${addr(k.ptr(x), offset((a) => get(coords[a]!)), 4)})` : `(f32.demote_f64 ${terms.reduce((p, q) => `(f64.add ${p} ${q})`)})`;
    em.line(`(f32.store ${addr(k.ptr(y), e, 4)} ${val})`);
  });
}

export const RESIZE_KERNEL: KernelDef = { emit: emitResize, flops: (op, numel) => 4 * numel(op.results[0]!) };
