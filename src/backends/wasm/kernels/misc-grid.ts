// Spatial sampling, f32/f64 computed in f64 like the interpreter: grid_sample (any number of
// spatial dims; linear/nearest/cubic, zeros/border/reflection padding, align_corners) and
// roi_align (avg/max, half_pixel or output_half_pixel, sampling_ratio 0 = adaptive at run time).
// Per grid point the tap indices and weights of every axis are computed once, then each channel
// sums weight * x over the taps^nd combinations (unrolled); taps of weight 0 are skipped as in the
// interpreter (so inf/NaN pixels under them do not leak in). Tap indices are always in the image:
// padding taps get weight 0 and read pixel 0. roi_align refuses a batch index outside [0, N) at
// run time, as the interpreter does (index-check.ts).

import type { Op, Value } from '../../../../ir/ir.js';
import { add, addr, get, i32, mul } from '../emitter.js';
import type { KernelCtx, KernelDef } from '../kernel-api.js';
import { loadIndexFrom0 } from './index-check.js';
import { floatOf } from './misc-pool.js';

/** Mirror x into [lo, hi] (the interpreter's `reflect`). */
const REFLECT = `(func $reflect64 (param $x f64) (param $lo f64) (param $hi f64) (result f64) (local $rng f64) (local $dx f64) (local $n f64) (local $r f64) (local $even i32)
  (local.set $rng (f64.sub (local.get $hi) (local.get $lo)))
  (if (f64.lt (local.get $x) (local.get $lo)) (then (local.set $dx (f64.sub (local.get $lo) (local.get $x))))
    (else (if (f64.gt (local.get $x) (local.get $hi)) (then (local.set $dx (f64.sub (local.get $x) (local.get $hi))))
      (else (return (local.get $x))))))
  (local.set $n (f64.trunc (f64.div (local.get $dx) (local.get $rng))))
  (local.set $r (f64.sub (local.get $dx) (f64.mul (local.get $n) (local.get $rng))))
  ;; n % 2 === 0 in JS: false for an infinite or NaN n (rng = 0), which then yields NaN anyway
  (local.set $even (f64.eq (f64.sub (local.get $n) (f64.mul (f64.const 2) (f64.floor (f64.mul (local.get $n) (f64.const 0.5))))) (f64.const 0)))
  (if (result f64) (f64.lt (local.get $x) (local.get $lo))
    (then (select (f64.add (local.get $lo) (local.get $r)) (f64.sub (local.get $hi) (local.get $r)) (local.get $even)))
    (else (select (f64.sub (local.get $hi) (local.get $r)) (f64.add (local.get $lo) (local.get $r)) (local.get $even)))))`;

const A = -0.75;
/** The 4 cubic convolution weights for fraction t (the interpreter's cubicCoeffs, A = -0.75). */
function cubic(t: string): string[] {
  const c = (x: number): string => `(f64.const ${x})`;
  const x1 = `(f64.add ${t} ${c(1)})`, y = `(f64.sub ${c(1)} ${t})`, z = `(f64.sub ${c(2)} ${t})`;
  const outer = (u: string): string => `(f64.sub (f64.mul (f64.add (f64.mul (f64.sub (f64.mul ${c(A)} ${u}) ${c(5 * A)}) ${u}) ${c(8 * A)}) ${u}) ${c(4 * A)})`;
  const inner = (u: string): string => `(f64.add (f64.mul (f64.mul (f64.sub (f64.mul ${c(A + 2)} ${u}) ${c(A + 3)}) ${u}) ${u}) ${c(1)})`;
  return [outer(x1), inner(t), inner(y), outer(z)];
}

function emitGridSample(k: KernelCtx, op: Op): void {
  const [x, grid] = op.operands as [Value, Value];
  const y = op.results[0]!;
  const f = floatOf(k, op, x), fg = floatOf(k, op, grid);
  const xd = k.dims(x), gd = k.dims(grid);
  const nd = xd.length - 2;
  if (nd < 1 || gd[gd.length - 1] !== nd) k.fail(op, `grid_sample grid must end in ${nd}`);
  const mode = String(op.attrs.get('mode')?.value ?? 'linear');
  const pad = String(op.attrs.get('padding_mode')?.value ?? 'zeros');
  const align = Number(op.attrs.get('align_corners')?.value ?? 0) !== 0;
  const taps = mode === 'cubic' ? 4 : mode === 'linear' ? 2 : 1;
  if (!['linear', 'nearest', 'cubic'].includes(mode) || !['zeros', 'border', 'reflection'].includes(pad)) k.fail(op, `grid_sample mode ${mode} / padding ${pad}`);
  const nTaps = taps ** nd;
  if (nTaps > 256) k.fail(op, `grid_sample with ${nd} spatial dims in ${mode} mode has too many taps for the wasm backend`);
  const dims = xd.slice(2);
  const points = k.size(gd.slice(1, -1)), img = k.size(dims);
  const em = k.em;
  em.comment(`grid_sample ${mode} ${pad}${align ? ' align_corners' : ''} ${nd}-D`);
  const reflect = (v: string, lo: string, hi: string): string => `(call ${k.moduleFunc('reflect64', REFLECT)} ${v} ${lo} ${hi})`;
  const v = em.local('v', 'f64'), fl = em.local('fl', 'f64'), t = em.local('t', 'f64'), base = em.local('base', 'i32'), ii = em.local('ii', 'i32');
  const idx = dims.map(() => Array.from({ length: taps }, () => em.local('ix', 'i32')));
  const wt = dims.map(() => Array.from({ length: taps }, () => em.local('wt', 'f64')));
  const cOff = Array.from({ length: nTaps }, () => em.local('co', 'i32')), cW = Array.from({ length: nTaps }, () => em.local('cw', 'f64'));
  const acc = em.local('acc', 'f64');
  em.loop('n', k.dim(xd[0]!), (n) => em.loop('p', points, (p) => {
    for (let a = 0; a < nd; a++) {
      const dI = k.dim(dims[a]!), d = `(f64.convert_i32_s ${dI})`;
      const lo = align ? '(f64.const 0)' : '(f64.const -0.5)';
      const hi = align ? `(f64.sub ${d} (f64.const 1))` : `(f64.sub ${d} (f64.const 0.5))`;
      // The grid holds (x, y[, z]): reversed relative to the spatial axes of X.
      const g = fg.load(addr(k.ptr(grid), add(mul(add(mul(n, points), p), i32(nd)), i32(nd - 1 - a)), fg.size));
      em.set(v, align ? `(f64.mul (f64.mul (f64.add ${g} (f64.const 1)) (f64.const 0.5)) (f64.sub ${d} (f64.const 1)))` : `(f64.mul (f64.sub (f64.mul (f64.add ${g} (f64.const 1)) ${d}) (f64.const 1)) (f64.const 0.5))`);
      if (mode === 'nearest') em.set(v, `(f64.nearest ${get(v)})`);
      const outside = `(i32.or (f64.lt ${get(v)} ${lo}) (f64.gt ${get(v)} ${hi}))`;
      if (pad === 'border') em.when(outside, () => em.set(v, `(f64.min (f64.max ${get(v)} (f64.const 0)) (f64.sub ${d} (f64.const 1)))`));
      if (pad === 'reflection') em.when(outside, () => em.set(v, reflect(get(v), lo, hi)));
      // Like the interpreter's Int32Array store: NaN becomes 0 (trunc_sat never traps).
      if (mode === 'nearest') {
        em.set(base, `(i32.trunc_sat_f64_s ${get(v)})`);
        em.set(wt[a]![0]!, '(f64.const 1)');
      } else {
        em.set(fl, `(f64.floor ${get(v)})`);
        em.set(t, `(f64.sub ${get(v)} ${get(fl)})`);
        em.set(base, `(i32.trunc_sat_f64_s ${get(fl)})`);
        if (mode === 'linear') {
          em.set(wt[a]![0]!, `(f64.sub (f64.const 1) ${get(t)})`);
          em.set(wt[a]![1]!, get(t));
        } else {
          em.set(base, `(i32.sub ${get(base)} (i32.const 1))`);
          cubic(get(t)).forEach((w, j) => em.set(wt[a]![j]!, w));
        }
      }
      for (let j = 0; j < taps; j++) {
        em.set(ii, add(get(base), i32(j)));
        if (pad === 'border') em.set(ii, `(select (i32.const 0) (select ${get(ii)} (i32.sub ${dI} (i32.const 1)) (i32.lt_s ${get(ii)} ${dI})) (i32.lt_s ${get(ii)} (i32.const 0)))`);
        if (pad === 'reflection') em.set(ii, `(i32.trunc_sat_f64_s ${reflect(`(f64.convert_i32_s ${get(ii)})`, lo, hi)})`);
        // -1 marks a tap outside the image (zeros padding; border/reflection land inside).
        em.set(idx[a]![j]!, `(select ${get(ii)} (i32.const -1) (i32.lt_u ${get(ii)} ${dI}))`);
      }
    }
    for (let q = 0; q < nTaps; q++) {
      let rem = q, off = i32(0), w = '(f64.const 1)', valid = '(i32.const 1)';
      for (let a = nd - 1, stride = i32(1); a >= 0; stride = mul(stride, k.dim(dims[a]!)), a--) {
        const j = rem % taps;
        rem = Math.floor(rem / taps);
        off = add(off, mul(get(idx[a]![j]!), stride));
        w = `(f64.mul ${w} ${get(wt[a]![j]!)})`;
        valid = `(i32.and ${valid} (i32.ge_s ${get(idx[a]![j]!)} (i32.const 0)))`;
      }
      em.set(cOff[q]!, `(select ${off} (i32.const 0) ${valid})`);
      em.set(cW[q]!, `(select ${w} (f64.const 0) ${valid})`);
    }
    em.loop('c', k.dim(xd[1]!), (c) => {
      const plane = add(mul(n, k.dim(xd[1]!)), c);
      em.set(acc, '(f64.const 0)');
      for (let q = 0; q < nTaps; q++) {
        const px = f.load(addr(k.ptr(x), add(mul(plane, img), get(cOff[q]!)), f.size));
        em.set(acc, `(f64.add ${get(acc)} (select (f64.mul ${get(cW[q]!)} ${px}) (f64.const 0) (f64.ne ${get(cW[q]!)} (f64.const 0))))`);
      }
      em.line(f.store(addr(k.ptr(y), add(mul(plane, points), p), f.size), get(acc)));
    });
  }));
}

/** Bilinear sample of the f32/f64 plane at $img (byte address) at (y, x): sum of the 4 taps, or their max. */
function bilinear(dt: 'f32' | 'f64', isMax: boolean): string {
  const es = dt === 'f32' ? 4 : 8;
  const ld = (r: string, c: string): string => {
    const a = `(i32.add (local.get $img) (i32.mul (i32.add (i32.mul ${r} (local.get $W)) ${c}) (i32.const ${es})))`;
    return dt === 'f32' ? `(f64.promote_f32 (f32.load ${a}))` : `(f64.load ${a})`;
  };
  const g = (n: string): string => `(local.get $${n})`;
  const a = `(f64.mul (f64.mul ${g('hy')} ${g('hx')}) ${ld(g('yl'), g('xl'))})`, b = `(f64.mul (f64.mul ${g('hy')} ${g('lx')}) ${ld(g('yl'), g('xh'))})`;
  const c = `(f64.mul (f64.mul ${g('ly')} ${g('hx')}) ${ld(g('yh'), g('xl'))})`, d = `(f64.mul (f64.mul ${g('ly')} ${g('lx')}) ${ld(g('yh'), g('xh'))})`;
  return `(func $roi_bilinear_${dt}_${isMax ? 'max' : 'avg'} (param $img i32) (param $H i32) (param $W i32) (param $y f64) (param $x f64) (result f64)
  (local $yl i32) (local $xl i32) (local $yh i32) (local $xh i32) (local $ly f64) (local $lx f64) (local $hy f64) (local $hx f64)
  (if (i32.or (i32.or (f64.lt (local.get $y) (f64.const -1)) (f64.gt (local.get $y) (f64.convert_i32_s (local.get $H))))
              (i32.or (f64.lt (local.get $x) (f64.const -1)) (f64.gt (local.get $x) (f64.convert_i32_s (local.get $W)))))
    (then (return (f64.const 0))))
  (local.set $y (f64.max (local.get $y) (f64.const 0)))
  (local.set $x (f64.max (local.get $x) (f64.const 0)))
  (local.set $yl (i32.trunc_sat_f64_s (local.get $y)))
  (local.set $xl (i32.trunc_sat_f64_s (local.get $x)))
  (if (i32.ge_s (local.get $yl) (i32.sub (local.get $H) (i32.const 1)))
    (then (local.set $yl (i32.sub (local.get $H) (i32.const 1))) (local.set $yh (local.get $yl)) (local.set $y (f64.convert_i32_s (local.get $yl))))
    (else (local.set $yh (i32.add (local.get $yl) (i32.const 1)))))
  (if (i32.ge_s (local.get $xl) (i32.sub (local.get $W) (i32.const 1)))
    (then (local.set $xl (i32.sub (local.get $W) (i32.const 1))) (local.set $xh (local.get $xl)) (local.set $x (f64.convert_i32_s (local.get $xl))))
    (else (local.set $xh (i32.add (local.get $xl) (i32.const 1)))))
  (local.set $ly (f64.sub (local.get $y) (f64.convert_i32_s (local.get $yl))))
  (local.set $lx (f64.sub (local.get $x) (f64.convert_i32_s (local.get $xl))))
  (local.set $hy (f64.sub (f64.const 1) (local.get $ly)))
  (local.set $hx (f64.sub (f64.const 1) (local.get $lx)))
  ${isMax ? `(f64.max (f64.max ${a} ${b}) (f64.max ${c} ${d}))` : `(f64.add (f64.add (f64.add ${a} ${b}) ${c}) ${d})`})`;
}

function emitRoiAlign(k: KernelCtx, op: Op): void {
  const [x, rois, bi] = op.operands as [Value, Value, Value];
  const y = op.results[0]!;
  const f = floatOf(k, op, x), fr = floatOf(k, op, rois);
  const xd = k.dims(x), yd = k.dims(y);
  if (xd.length !== 4) k.fail(op, 'roi_align needs a 4-D X');
  const PH = Number(op.attrs.get('output_height')?.value ?? 1), PW = Number(op.attrs.get('output_width')?.value ?? 1);
  const ratio = Number(op.attrs.get('sampling_ratio')?.value ?? 0);
  const scale = Number(op.attrs.get('spatial_scale')?.value ?? 1);
  const isMax = String(op.attrs.get('mode')?.value ?? 'avg') === 'max';
  const halfPixel = String(op.attrs.get('coordinate_transformation_mode')?.value ?? 'half_pixel') === 'half_pixel';
  const [N, C, H, W] = xd.map((d) => k.dim(d!)) as [string, string, string, string];
  const em = k.em;
  em.comment(`roi_align ${isMax ? 'max' : 'avg'} ${PH}x${PW}`);
  const fn = k.moduleFunc(`roi_bilinear_${f.t}_${isMax ? 'max' : 'avg'}`, bilinear(f.t, isMax));
  const b = em.local('b', 'i32'), x0 = em.local('x0', 'f64'), y0 = em.local('y0', 'f64'), rw = em.local('rw', 'f64'), rh = em.local('rh', 'f64');
  const bh = em.local('bh', 'f64'), bw = em.local('bw', 'f64'), gh = em.local('gh', 'i32'), gw = em.local('gw', 'i32');
  const acc = em.local('acc', 'f64'), sv = em.local('sv', 'f64'), seen = em.local('seen', 'i32'), yy = em.local('yy', 'f64');
  const c64 = (n: number): string => `(f64.const ${n})`;
  const off = halfPixel ? 0.5 : 0;
  em.loop('r', k.dim(yd[0]!), (r) => {
    const roi = (j: number): string => `(f64.sub (f64.mul ${fr.load(addr(k.ptr(rois), add(mul(r, i32(4)), i32(j)), fr.size))} ${c64(scale)}) ${c64(off)})`;
    loadIndexFrom0(k, op, bi, r, N, b);
    em.set(x0, roi(0));
    em.set(y0, roi(1));
    em.set(rw, `(f64.sub ${roi(2)} ${get(x0)})`);
    em.set(rh, `(f64.sub ${roi(3)} ${get(y0)})`);
    if (!halfPixel) { em.set(rw, `(f64.max ${get(rw)} ${c64(1)})`); em.set(rh, `(f64.max ${get(rh)} ${c64(1)})`); }
    em.set(bh, `(f64.div ${get(rh)} ${c64(PH)})`);
    em.set(bw, `(f64.div ${get(rw)} ${c64(PW)})`);
    em.set(gh, ratio > 0 ? i32(ratio) : `(i32.trunc_sat_f64_s (f64.ceil ${get(bh)}))`);
    em.set(gw, ratio > 0 ? i32(ratio) : `(i32.trunc_sat_f64_s (f64.ceil ${get(bw)}))`);
    em.loop('c', C, (c) => {
      const img = addr(k.ptr(x), mul(add(mul(get(b), C), c), mul(H, W)), f.size);
      em.loop('ph', i32(PH), (ph) => em.loop('pw', i32(PW), (pw) => {
        em.set(acc, c64(0));
        em.set(seen, i32(0));
        em.loop('iy', get(gh), (iy) => {
          em.set(yy, `(f64.add (f64.add ${get(y0)} (f64.mul (f64.convert_i32_s ${ph}) ${get(bh)})) (f64.div (f64.mul (f64.add (f64.convert_i32_s ${iy}) ${c64(0.5)}) ${get(bh)}) (f64.convert_i32_s ${get(gh)})))`);
          em.loop('ix', get(gw), (ix) => {
            const xx = `(f64.add (f64.add ${get(x0)} (f64.mul (f64.convert_i32_s ${pw}) ${get(bw)})) (f64.div (f64.mul (f64.add (f64.convert_i32_s ${ix}) ${c64(0.5)}) ${get(bw)}) (f64.convert_i32_s ${get(gw)})))`;
            em.set(sv, `(call ${fn} ${img} ${H} ${W} ${get(yy)} ${xx})`);
            em.set(acc, isMax ? `(select (f64.max ${get(acc)} ${get(sv)}) ${get(sv)} ${get(seen)})` : `(f64.add ${get(acc)} ${get(sv)})`);
            em.set(seen, i32(1));
          });
        });
        const res = isMax ? get(acc) : `(f64.div ${get(acc)} (f64.convert_i32_s (select (i32.mul ${get(gh)} ${get(gw)}) (i32.const 1) (i32.gt_s (i32.mul ${get(gh)} ${get(gw)}) (i32.const 1)))))`;
        em.line(f.store(addr(k.ptr(y), add(mul(add(mul(add(mul(r, C), c), i32(PH)), ph), i32(PW)), pw), f.size), res));
      }));
    });
  });
}

export const GRID_SAMPLE_KERNEL: KernelDef = { emit: emitGridSample };
export const ROI_ALIGN_KERNEL: KernelDef = { emit: emitRoiAlign };
