// deform_conv (2-D, f32/f64): each input channel's bilinear sample at an offset tap (times the
// mask, if any) is computed once and accumulated into every output channel of its group, in f64
// scratch (static M x OH x OW per image), then the bias is added: the interpreter's im2col + GEMM
// in the same summation order. Samples outside the image read 0, as in the interpreter.

import type { Op, Value } from '../../../../ir/ir.js';
import { add, addr, get, i32, mul, sub } from '../emitter.js';
import type { KernelCtx, KernelDef } from '../kernel-api.js';
import { floatOf } from './misc-pool.js';

/** Bilinear sample of an f32/f64 plane at byte address $img: taps outside [0, H) x [0, W) read 0. */
function bilinear(dt: 'f32' | 'f64'): string {
  const es = dt === 'f32' ? 4 : 8;
  const tap = (yy: string, xx: string): string => {
    const a = `(i32.add (local.get $img) (i32.mul (i32.add (i32.mul ${yy} (local.get $W)) ${xx}) (i32.const ${es})))`;
    const v = dt === 'f32' ? `(f64.promote_f32 (f32.load ${a}))` : `(f64.load ${a})`;
    return `(if (result f64) (i32.and (i32.lt_u ${yy} (local.get $H)) (i32.lt_u ${xx} (local.get $W))) (then ${v}) (else (f64.const 0)))`;
  };
  const y1 = '(i32.add (local.get $y0) (i32.const 1))', x1 = '(i32.add (local.get $x0) (i32.const 1))';
  return `(func $deform_bilinear_${dt} (param $img i32) (param $H i32) (param $W i32) (param $y f64) (param $x f64) (result f64)
  (local $y0 i32) (local $x0 i32) (local $ly f64) (local $lx f64)
  (if (i32.or (i32.or (f64.le (local.get $y) (f64.const -1)) (f64.ge (local.get $y) (f64.convert_i32_s (local.get $H))))
              (i32.or (f64.le (local.get $x) (f64.const -1)) (f64.ge (local.get $x) (f64.convert_i32_s (local.get $W)))))
    (then (return (f64.const 0))))
  ;; NaN offsets fail every comparison above: they give y0 = 0 (trunc_sat) and NaN weights, like the interpreter's NaN
  (local.set $y0 (i32.trunc_sat_f64_s (f64.floor (local.get $y))))
  (local.set $x0 (i32.trunc_sat_f64_s (f64.floor (local.get $x))))
  (local.set $ly (f64.sub (local.get $y) (f64.floor (local.get $y))))
  (local.set $lx (f64.sub (local.get $x) (f64.floor (local.get $x))))
  (f64.add (f64.add (f64.add
    (f64.mul (f64.mul (f64.sub (f64.const 1) (local.get $ly)) (f64.sub (f64.const 1) (local.get $lx))) ${tap('(local.get $y0)', '(local.get $x0)')})
    (f64.mul (f64.mul (f64.sub (f64.const 1) (local.get $ly)) (local.get $lx)) ${tap('(local.get $y0)', x1)}))
    (f64.mul (f64.mul (local.get $ly) (f64.sub (f64.const 1) (local.get $lx))) ${tap(y1, '(local.get $x0)')}))
    (f64.mul (f64.mul (local.get $ly) (local.get $lx)) ${tap(y1, x1)})))`;
}

function emitDeformConv(k: KernelCtx, op: Op): void {
  const [x, w, offset, b, mask] = op.operands as [Value, Value, Value, Value | null, Value | null];
  const y = op.results[0]!;
  const f = floatOf(k, op, x), fw = floatOf(k, op, w), fo = floatOf(k, op, offset);
  const fb = b ? floatOf(k, op, b) : undefined, fm = mask ? floatOf(k, op, mask) : undefined;
  const xd = k.dims(x), wd = k.dims(w), yd = k.dims(y);
  if (xd.length !== 4) k.fail(op, 'only 2-D deform_conv is supported by the wasm backend');
  const [M, Cg, KH, KW] = wd, [, , OH, OW] = yd;
  const C = xd[1];
  const group = Number(op.attrs.get('group')?.value ?? 1), og = Number(op.attrs.get('offset_group')?.value ?? 1);
  if ([M, Cg, KH, KW, OH, OW, C].some((d) => typeof d !== 'number')) k.fail(op, 'deform_conv needs static channel, kernel and output dims in the wasm backend');
  const [m, cg, kh, kw, oh, ow, c] = [M, Cg, KH, KW, OH, OW, C] as number[];
  if (c! % og !== 0 || m! % group !== 0 || cg! * group !== c) k.fail(op, 'deform_conv channels do not divide into groups');
  const ints = (n: string, d: number[]): number[] => (op.attrs.get(n)?.value as number[] | undefined) ?? d;
  const [sh, sw] = ints('strides', [1, 1]), [dh, dw] = ints('dilations', [1, 1]), [pt, pl] = ints('pads', [0, 0, 0, 0]);
  const K = kh! * kw!, P = oh! * ow!, Mg = m! / group, Cog = c! / og;
  const H = k.dim(xd[2]!), W = k.dim(xd[3]!);
  const acc = k.scratch(m! * P * 8);
  const em = k.em;
  em.comment(`deform_conv ${xd.join('x')} * ${wd.join('x')} group=${group} offset_group=${og}`);
  const fn = k.moduleFunc(`deform_bilinear_${f.t}`, bilinear(f.t));
  const v = em.local('v', 'f64'), oy = em.local('oy', 'i32'), at = em.local('at', 'i32');
  em.loop('n', k.dim(xd[0]!), (n) => {
    em.line(`(memory.fill ${acc} (i32.const 0) ${i32(m! * P * 8)})`);
    for (let grp = 0; grp < group; grp++) {
      em.loop('ci', i32(cg!), (ci) => {
        const ch = add(i32(grp * cg!), ci);
        const o = `(i32.div_u ${ch} ${i32(Cog)})`;
        const img = addr(k.ptr(x), mul(add(mul(n, i32(c!)), ch), mul(H, W)), f.size);
        em.loop('kh', i32(kh!), (ky) => em.loop('kw', i32(kw!), (kx) => {
          const kk = add(mul(ky, i32(kw!)), kx);
          em.set(oy, mul(add(mul(add(mul(n, i32(og)), o), i32(2 * K)), mul(i32(2), kk)), i32(P)));
          em.loop('oh', i32(oh!), (py) => em.loop('ow', i32(ow!), (px) => {
            const p = add(mul(py, i32(ow!)), px);
            const yy = `(f64.add (f64.convert_i32_s ${sub(add(mul(py, i32(sh!)), mul(ky, i32(dh!))), i32(pt!))}) ${fo.load(addr(k.ptr(offset), add(get(oy), p), fo.size))})`;
            const xx = `(f64.add (f64.convert_i32_s ${sub(add(mul(px, i32(sw!)), mul(kx, i32(dw!))), i32(pl!))}) ${fo.load(addr(k.ptr(offset), add(add(get(oy), i32(P)), p), fo.size))})`;
            em.set(v, `(call ${fn} ${img} ${H} ${W} ${yy} ${xx})`);
            if (mask) em.set(v, `(f64.mul ${get(v)} ${fm!.load(addr(k.ptr(mask), add(mul(add(mul(add(mul(n, i32(og)), o), i32(K)), kk), i32(P)), p), fm!.size))})`);
            em.loop('mi', i32(Mg), (mi) => {
              const mo = add(i32(grp * Mg), mi);
              em.set(at, addr(acc, add(mul(mo, i32(P)), p), 8));
              em.line(`(f64.store ${get(at)} (f64.add (f64.load ${get(at)}) (f64.mul ${fw.load(addr(k.ptr(w), add(mul(add(mul(mo, i32(cg!)), ci), i32(K)), kk), fw.size))} ${get(v)})))`);
            });
          }));
        }));
      });
    }
    em.loop('m', i32(m!), (mo) => em.loop('p', i32(P), (p) => {
      const s = `(f64.load ${addr(acc, add(mul(mo, i32(P)), p), 8)})`;
      em.line(f.store(addr(k.ptr(y), add(mul(add(mul(n, i32(m!)), mo), i32(P)), p), f.size), fb ? `(f64.add ${s} ${fb.load(addr(k.ptr(b!), mo, fb.size))})` : s));
    }));
  });
}

export const DEFORM_CONV_KERNEL: KernelDef = {
  emit: emitDeformConv,
  // A multiply-add per weight tap and output pixel: 2 * |Y| * Cg * KH * KW (= |W| / M).
  flops: (op, numel) => {
    const M = op.operands[1]!.type.shape?.[0];
    return 2 * numel(op.results[0]!) * numel(op.operands[1]!) / (typeof M === 'number' && M > 0 ? M : 1);
  },
};
