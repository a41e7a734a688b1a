// Resize on f32 for what data-resize.ts leaves out: cubic mode (cubic_coeff_a, exclude_outside; any
// coordinate transformation), linear over more than 3 axes, tf_crop_and_resize (roi, extrapolation_value); not antialias.
// Scales, sizes and roi may be constants or input data (then read at run time, and the dims are
// symbolic). Each output element sums the product of its per-axis taps (2 linear, 4 cubic, computed
// at run time with the interpreter's formulas of ir/ops/shape-resize.ts in the same order of
// operations) over the resized axes; the interpreter applies the axes one after another in f64, so
// the two differ only by the f64 rounding of that sum. Zero weights are skipped as there.
// keep_aspect_ratio_policy not_larger / not_smaller: one scale for all axes (data-resize.ts
// aspectScale), computed once before the element loop.
// Axes onnxruntime copies (ir/ops/shape-resize.ts keptAxes; data-resize.ts keptWat) are left out
// when that is known when compiling, else their coordinate is the output position's own at run time
// (and antialias does not widen them).

import type { Op, Value } from '../../../../ir/ir.js';
import { toNumbers } from '../../../../ir/tensor.js';
import type { Dim } from '../../../../ir/types.js';
import { add, addr, get, i32, mul } from '../emitter.js';
import type { KernelCtx } from '../kernel-api.js';
import { aspectScale, keptWat, sameLengths } from './data-resize.js';

/**
 * One resized axis; every field an f64 WAT expression but kept: false, or an i32 expression of
 * whether the axis is copied ('$same' stands for the all-lengths-unchanged flag until withAspect).
 */
interface Axis { a: number; inLen: string; outLen: string; scale: string; roi0: string; roi1: string; kept: string | false }
interface At { mode: string; ctm: string; a: number; exclude: boolean; extrap: number; antialias: boolean }

const f = (x: number): string => `(f64.const ${x})`;

/** The source coordinate of output position `o` (f64), as the interpreter's sourceCoord. */
function coordWat(at: At, ax: Axis, o: string): string {
  const { scale, inLen, outLen, roi0, roi1 } = ax;
  const hp = `(f64.sub (f64.div (f64.add ${o} ${f(0.5)}) ${scale}) ${f(0.5)})`;
  // The integral output length, as onnxruntime (ir/ops/shape-resize.ts sourceCoord).
  const in1 = `(f64.sub ${inLen} ${f(1)})`, w1 = `(f64.sub ${outLen} ${f(1)})`, w1eq = `(f64.eq ${outLen} ${f(1)})`;
  switch (at.ctm) {
    case 'half_pixel': return hp;
    case 'half_pixel_symmetric':
      return `(f64.sub (f64.add (f64.mul (f64.div ${inLen} ${f(2)}) (f64.sub ${f(1)} (f64.div ${outLen} (f64.mul ${scale} ${inLen})))) (f64.div (f64.add ${o} ${f(0.5)}) ${scale})) ${f(0.5)})`;
    case 'pytorch_half_pixel': return `(select ${f(0)} ${hp} ${w1eq})`;
    case 'align_corners': return `(select ${f(0)} (f64.div (f64.mul ${o} ${in1}) ${w1}) ${w1eq})`;
    case 'asymmetric': return `(f64.div ${o} ${scale})`;
    case 'tf_half_pixel_for_nn': return `(f64.div (f64.add ${o} ${f(0.5)}) ${scale})`;
    default: // tf_crop_and_resize
      return `(select (f64.mul (f64.mul ${f(0.5)} (f64.add ${roi0} ${roi1})) ${in1}) (f64.add (f64.mul ${roi0} ${in1}) (f64.div (f64.mul (f64.mul ${o} (f64.sub ${roi1} ${roi0})) ${in1}) ${w1})) ${w1eq})`;
  }
}

const CTMS = new Set(['half_pixel', 'half_pixel_symmetric', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_half_pixel_for_nn', 'tf_crop_and_resize']);

/** The plan of `op`'s axes when this kernel serves it (rather than data-resize.ts). */
export function planResize(k: KernelCtx, op: Op): { at: At; axes: Axis[]; aspect?: string; same?: string } | undefined {
  const x = op.operands[0]!, y = op.results[0]!;
  const str = (n: string, d: string): string => String(op.attrs.get(n)?.value ?? d);
  const num = (n: string, d: number): number => Number(op.attrs.get(n)?.value ?? d);
  const at: At = { mode: str('mode', 'nearest'), ctm: str('coordinate_transformation_mode', 'half_pixel'), a: num('cubic_coeff_a', -0.75),
    exclude: num('exclude_outside', 0) !== 0, extrap: num('extrapolation_value', 0), antialias: num('antialias', 0) !== 0 };
  if (x.type.dtype !== 'f32' || y.type.dtype !== 'f32' || (at.mode !== 'linear' && at.mode !== 'cubic') || !CTMS.has(at.ctm)) return undefined;
  const xd = k.dims(x), yd = k.dims(y), r = xd.length;
  const axesList = ((op.attrs.get('axes')?.value as number[] | undefined) ?? [...Array(r).keys()]).map((a) => (a < 0 ? a + r : a));
  const aspect = aspectScale(k, op, axesList, xd);
  // An operand: its constant values, or a loader of its f32 elements at run time; absent or empty: undefined.
  const src = (i: number): ((j: number) => string) | undefined | null => {
    const v: Value | null | undefined = op.operands[i];
    if (!v) return undefined;
    const t = k.constant(v);
    if (t) { const n = toNumbers(t); return n.length > 0 ? (j) => f(n[j]!) : undefined; }
    if (v.type.dtype !== 'f32' || (v.type.shape?.[0] ?? 0) === 0) return null;
    return (j) => `(f64.promote_f32 (f32.load ${addr(k.ptr(v), i32(j), 4)}))`;
  };
  const roi = src(1), scales = src(2), sizes = op.operands[3] ? op.operands[3] : undefined;
  if (roi === null || scales === null || (!scales && !sizes)) return undefined;
  if (at.ctm === 'tf_crop_and_resize' && !roi) return undefined;
  if (axesList.length === 0) return undefined;
  // data-resize.ts resizes every listed axis under a policy (its scale need not be 1 where the size stays).
  const changed = aspect ? axesList.length : axesList.filter((a) => xd[a] !== yd[a]).length;
  if (at.mode === 'linear' && !at.exclude && !at.antialias && at.ctm !== 'tf_crop_and_resize' && changed <= 3) return undefined;
  const d64 = (d: Dim): string => `(f64.convert_i32_u ${k.dim(d)})`;
  const same = sameLengths(k, xd, yd);
  const scalesC = op.operands[2] ? k.constant(op.operands[2]) : undefined;
  const scaleNums = scalesC && scalesC.data.length > 0 ? toNumbers(scalesC) : undefined;
  const axes = axesList.flatMap((a, i): Axis[] => {
    const inLen = d64(xd[a]!), outLen = d64(yd[a]!);
    const scale = scales ? scales(i) : aspect ? ASPECT : `(f64.div ${outLen} ${inLen})`;
    const known = scaleNums ? scaleNums[i] : scales || aspect ? undefined : typeof xd[a] === 'number' && typeof yd[a] === 'number' ? yd[a] / xd[a] : undefined;
    const kept = keptWat(known, scale, typeof same === 'string' ? '$same' : same);
    if (kept === true) return [];
    return [{ a, inLen, outLen, scale, roi0: roi ? roi(i) : f(0), roi1: roi ? roi(i + axesList.length) : f(1), kept }];
  });
  return { at, axes, ...(aspect ? { aspect } : {}), ...(typeof same === 'string' ? { same } : {}) };
}

/** Stands for the policy's scale in a plan until an emitter has put it in a local. */
const ASPECT = '$aspect';

/** The plan's axes with the policy's scale and the run-time same-lengths flag set once into locals (before the element loop). */
function withAspect(k: KernelCtx, p: NonNullable<ReturnType<typeof planResize>>): Axis[] {
  let axes = p.axes;
  if (p.aspect) {
    const l = k.em.local('as', 'f64');
    k.em.set(l, p.aspect);
    axes = axes.map((ax) => (ax.scale === ASPECT ? { ...ax, scale: get(l), kept: ax.kept && ax.kept.replaceAll(ASPECT, get(l)) } : ax));
  }
  if (p.same) {
    const l = k.em.local('same', 'i32');
    k.em.set(l, p.same);
    axes = axes.map((ax) => ({ ...ax, kept: ax.kept && ax.kept.replaceAll('$same', get(l)) }));
  }
  return axes;
}

/** The interpreter's tap weight at distance `dl` (a local, overwritten by |dl| for cubic). */
function weight(k: KernelCtx, at: At, dl: string): string {
  if (at.mode !== 'cubic') return `(f64.max ${f(0)} (f64.sub ${f(1)} (f64.abs ${get(dl)})))`;
  const a = at.a;
  k.em.set(dl, `(f64.abs ${get(dl)})`);
  const near = `(f64.add (f64.mul (f64.mul (f64.sub (f64.mul ${f(a + 2)} ${get(dl)}) ${f(a + 3)}) ${get(dl)}) ${get(dl)}) ${f(1)})`;
  const far = `(f64.sub (f64.mul (f64.add (f64.mul (f64.sub (f64.mul ${f(a)} ${get(dl)}) ${f(5 * a)}) ${get(dl)}) ${f(8 * a)}) ${get(dl)}) ${f(4 * a)})`;
  return `(select ${near} (select ${far} ${f(0)} (f64.lt ${get(dl)} ${f(2)})) (f64.le ${get(dl)} ${f(1)}))`;
}

export function emitResizeTaps(k: KernelCtx, op: Op, p: NonNullable<ReturnType<typeof planResize>>): void {
  if (p.at.antialias) return emitResizeAntialias(k, op, p);
  const at = p.at, axes = withAspect(k, p);
  const x = op.operands[0]!, y = op.results[0]!, em = k.em;
  const xd = k.dims(x), yd = k.dims(y), r = xd.length;
  em.comment(`resize ${at.mode} ${at.ctm} ${xd.join('x')} -> ${yd.join('x')} (taps)`);
  const xs: string[] = [];
  let stride = i32(1);
  for (let a = r - 1; a >= 0; a--) { xs[a] = stride; stride = mul(stride, k.dim(xd[a]!)); }
  const t = em.local('t', 'i32'), coords = xd.map(() => em.local('c', 'i32'));
  const v = em.local('v', 'f64'), xf = em.local('xf', 'f64'), ratio = em.local('ratio', 'f64'), i0 = em.local('i0', 'i32');
  const dl = em.local('d', 'f64'), sum = em.local('wsum', 'f64'), acc = em.local('acc', 'f64'), wp = em.local('wp', 'f64');
  const out = em.local('out', 'i32');
  const ks = at.mode === 'cubic' ? [-1, 0, 1, 2] : [0, 1];
  const taps = axes.map(() => ({ idx: ks.map(() => em.local('ti', 'i32')), w: ks.map(() => em.local('tw', 'f64')) }));
  em.loop('e', k.size(yd), (e) => {
    em.set(t, e);
    for (let a = r - 1; a >= 0; a--) {
      em.set(coords[a]!, `(i32.rem_u ${get(t)} ${k.dim(yd[a]!)})`);
      if (a > 0) em.set(t, `(i32.div_u ${get(t)} ${k.dim(yd[a]!)})`);
    }
    em.set(out, i32(0));
    axes.forEach((ax, j) => {
      const { idx, w } = taps[j]!;
      const n = k.dim(xd[ax.a]!);
      em.set(v, coordWat(at, ax, `(f64.convert_i32_u ${get(coords[ax.a]!)})`));
      if (ax.kept) em.set(v, `(select (f64.convert_i32_u ${get(coords[ax.a]!)}) ${get(v)} ${ax.kept})`);
      if (at.ctm === 'tf_crop_and_resize') em.set(out, `(i32.or ${get(out)} (i32.or (f64.lt ${get(v)} ${f(0)}) (f64.gt ${get(v)} (f64.sub ${ax.inLen} ${f(1)}))))`);
      em.set(xf, `(f64.floor ${get(v)})`);
      em.set(ratio, `(f64.sub ${get(v)} ${get(xf)})`);
      em.set(i0, `(i32.trunc_sat_f64_s ${get(xf)})`);
      // The reference's neighbour choice for an integral coordinate.
      em.when(`(f64.eq ${get(ratio)} ${f(0)})`, () => { em.set(ratio, f(1)); em.set(i0, `(i32.sub ${get(i0)} (i32.const 1))`); });
      ks.forEach((kk, m) => {
        em.set(dl, `(f64.sub ${f(kk)} ${get(ratio)})`);
        em.set(w[m]!, weight(k, at, dl));
        em.set(idx[m]!, `(i32.add ${get(i0)} (i32.const ${kk}))`);
        if (at.exclude) em.set(w[m]!, `(select ${f(0)} ${get(w[m]!)} (i32.or (i32.lt_s ${get(idx[m]!)} (i32.const 0)) (i32.ge_s ${get(idx[m]!)} ${n})))`);
      });
      if (at.exclude) {
        em.set(sum, w.map(get).reduce((p2, q2) => `(f64.add ${p2} ${q2})`));
        em.when(`(f64.ne ${get(sum)} ${f(0)})`, () => w.forEach((wl) => em.set(wl, `(f64.div ${get(wl)} ${get(sum)})`)));
      }
      idx.forEach((il) => {
        em.set(il, `(select (i32.const 0) ${get(il)} (i32.lt_s ${get(il)} (i32.const 0)))`);
        em.set(il, `(select (i32.sub ${n} (i32.const 1)) ${get(il)} (i32.ge_s ${get(il)} ${n}))`);
      });
    });
    em.set(acc, f(0));
    const byAxis = new Map(axes.map((ax, j) => [ax.a, j]));
    const combos = ks.length ** axes.length;
    for (let c = 0; c < combos; c++) {
      const pick = axes.map((_ax, j) => Math.floor(c / ks.length ** j) % ks.length);
      const off = xd.reduce<string>((s2, _d, a) => {
        const j = byAxis.get(a);
        return add(s2, mul(get(j === undefined ? coords[a]! : taps[j]!.idx[pick[j]!]!), xs[a]!));
      }, i32(0));
      // Every axis copied (kept): one term of weight 1.
      const ws = axes.map((_ax, j) => get(taps[j]!.w[pick[j]!]!));
      em.set(wp, ws.length > 0 ? ws.reduce((p2, q2) => `(f64.mul ${p2} ${q2})`) : f(1));
      em.set(acc, `(select ${get(acc)} (f64.add ${get(acc)} (f64.mul ${get(wp)} (f64.promote_f32 (f32.load ${addr(k.ptr(x), off, 4)})))) (f64.eq ${get(wp)} ${f(0)}))`);
    }
    em.line(`(f32.store ${addr(k.ptr(y), e, 4)} (select (f32.const ${at.extrap}) (f32.demote_f64 ${get(acc)}) ${get(out)}))`);
  });
}

/**
 * Antialias: the kernel is widened by 1/s (s = min(scale, 1), known at run time only), so each
 * axis has 2 - 2 start taps, start = floor(-R / s) + 1 (R = 2 cubic, 1 linear): nested run-time
 * loops over the axes' taps, each weight (k - ratio) s through the kernel, divided by the axis's
 * weight sum (taken first, left to right like the interpreter) when that is not 0.
 */
function emitResizeAntialias(k: KernelCtx, op: Op, p: NonNullable<ReturnType<typeof planResize>>): void {
  const at = p.at, axes = withAspect(k, p);
  const x = op.operands[0]!, y = op.results[0]!, em = k.em;
  const xd = k.dims(x), yd = k.dims(y), r = xd.length;
  em.comment(`resize ${at.mode} ${at.ctm} antialias ${xd.join('x')} -> ${yd.join('x')}`);
  const xs: string[] = [];
  let stride = i32(1);
  for (let a = r - 1; a >= 0; a--) { xs[a] = stride; stride = mul(stride, k.dim(xd[a]!)); }
  const t = em.local('t', 'i32'), coords = xd.map(() => em.local('c', 'i32'));
  const v = em.local('v', 'f64'), xf = em.local('xf', 'f64'), dl = em.local('d', 'f64'), acc = em.local('acc', 'f64'), out = em.local('out', 'i32');
  const R = at.mode === 'cubic' ? 2 : 1;
  const st = axes.map(() => ({ ratio: em.local('ratio', 'f64'), i0: em.local('i0', 'i32'), s: em.local('s', 'f64'), start: em.local('st', 'i32'), sum: em.local('wsum', 'f64'), kk: em.local('kk', 'i32'), w: em.local('w', 'f64'), idx: em.local('ix', 'i32') }));
  const wp = axes.map(() => em.local('wp', 'f64'));
  /** Weight of tap kk on axis j into st[j].w (excluded and normalised when asked). */
  const tapWeight = (j: number, kk: string, normalise: boolean): void => {
    const q = st[j]!, n = k.dim(xd[axes[j]!.a]!);
    em.set(dl, `(f64.mul (f64.sub (f64.convert_i32_s ${kk}) ${get(q.ratio)}) ${get(q.s)})`);
    em.set(q.w, weight(k, at, dl));
    em.set(q.idx, `(i32.add ${get(q.i0)} ${kk})`);
    if (at.exclude) em.set(q.w, `(select ${f(0)} ${get(q.w)} (i32.or (i32.lt_s ${get(q.idx)} (i32.const 0)) (i32.ge_s ${get(q.idx)} ${n})))`);
    if (normalise) em.set(q.w, `(select (f64.div ${get(q.w)} ${get(q.sum)}) ${get(q.w)} (f64.ne ${get(q.sum)} ${f(0)}))`);
  };
  em.loop('e', k.size(yd), (e) => {
    em.set(t, e);
    for (let a = r - 1; a >= 0; a--) {
      em.set(coords[a]!, `(i32.rem_u ${get(t)} ${k.dim(yd[a]!)})`);
      if (a > 0) em.set(t, `(i32.div_u ${get(t)} ${k.dim(yd[a]!)})`);
    }
    em.set(out, i32(0));
    axes.forEach((ax, j) => {
      const q = st[j]!;
      em.set(v, coordWat(at, ax, `(f64.convert_i32_u ${get(coords[ax.a]!)})`));
      if (ax.kept) em.set(v, `(select (f64.convert_i32_u ${get(coords[ax.a]!)}) ${get(v)} ${ax.kept})`);
      if (at.ctm === 'tf_crop_and_resize') em.set(out, `(i32.or ${get(out)} (i32.or (f64.lt ${get(v)} ${f(0)}) (f64.gt ${get(v)} (f64.sub ${ax.inLen} ${f(1)}))))`);
      em.set(xf, `(f64.floor ${get(v)})`);
      em.set(q.ratio, `(f64.sub ${get(v)} ${get(xf)})`);
      em.set(q.i0, `(i32.trunc_sat_f64_s ${get(xf)})`);
      em.when(`(f64.eq ${get(q.ratio)} ${f(0)})`, () => { em.set(q.ratio, f(1)); em.set(q.i0, `(i32.sub ${get(q.i0)} (i32.const 1))`); });
      em.set(q.s, ax.kept ? `(f64.min (select ${f(1)} ${ax.scale} ${ax.kept}) ${f(1)})` : `(f64.min ${ax.scale} ${f(1)})`);
      em.set(q.start, `(i32.add (i32.trunc_sat_f64_s (f64.floor (f64.div ${f(-R)} ${get(q.s)}))) (i32.const 1))`);
      em.set(q.sum, f(0));
      em.forRange(q.kk, get(q.start), `(i32.sub (i32.const 2) ${get(q.start)})`, 1, () => { tapWeight(j, get(q.kk), false); em.set(q.sum, `(f64.add ${get(q.sum)} ${get(q.w)})`); });
    });
    em.set(acc, f(0));
    const level = (j: number): void => {
      if (j === axes.length) {
        const byAxis = new Map(axes.map((ax, i) => [ax.a, i]));
        const off = xd.reduce<string>((s2, _d, a) => { const i = byAxis.get(a); return add(s2, mul(get(i === undefined ? coords[a]! : st[i]!.idx), xs[a]!)); }, i32(0));
        const w = get(wp[j - 1]!);
        em.set(acc, `(select ${get(acc)} (f64.add ${get(acc)} (f64.mul ${w} (f64.promote_f32 (f32.load ${addr(k.ptr(x), off, 4)})))) (f64.eq ${w} ${f(0)}))`);
        return;
      }
      const q = st[j]!, n = k.dim(xd[axes[j]!.a]!);
      em.forRange(q.kk, get(q.start), `(i32.sub (i32.const 2) ${get(q.start)})`, 1, () => {
        tapWeight(j, get(q.kk), true);
        em.set(q.idx, `(select (i32.const 0) ${get(q.idx)} (i32.lt_s ${get(q.idx)} (i32.const 0)))`);
        em.set(q.idx, `(select (i32.sub ${n} (i32.const 1)) ${get(q.idx)} (i32.ge_s ${get(q.idx)} ${n}))`);
        em.set(wp[j]!, j === 0 ? get(q.w) : `(f64.mul ${get(wp[j - 1]!)} ${get(q.w)})`);
        level(j + 1);
      });
    };
    if (axes.length === 0) em.set(acc, `(f64.promote_f32 (f32.load ${addr(k.ptr(x), e, 4)}))`);
    else level(0);
    em.line(`(f32.store ${addr(k.ptr(y), e, 4)} (select (f32.const ${at.extrap}) (f32.demote_f64 ${get(acc)}) ${get(out)}))`);
  });
}
