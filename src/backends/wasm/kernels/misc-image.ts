// affine_grid and col2im, f32/f64 computed in f64. Both size their loops from the result's dims,
// so a size / image_shape bound at run time works as well as a constant one.
// col2im gathers instead of scattering: each output pixel sums, in block-offset order, the column
// entries whose block covers it, which is the interpreter's summation order for that pixel;
// block_shape is read from its buffer when it is not a constant.

import type { Op, Value } from '../../../../ir/ir.js';
import { toNumbers } from '../../../../ir/tensor.js';
import { add, addr, get, i32, mul } from '../emitter.js';
import type { KernelCtx, KernelDef } from '../kernel-api.js';
import { floatOf } from './misc-pool.js';

const c64 = (x: number): string => `(f64.const ${x})`;

function emitAffineGrid(k: KernelCtx, op: Op): void {
  const theta = op.operands[0]!, y = op.results[0]!;
  const ft = floatOf(k, op, theta), fy = floatOf(k, op, y);
  const yd = k.dims(y);
  const nd = yd.length - 2;
  if (nd < 1 || yd[yd.length - 1] !== nd) k.fail(op, 'affine_grid result must be [N, spatial..., nd]');
  const align = Number(op.attrs.get('align_corners')?.value ?? 0) !== 0;
  const sp = yd.slice(1, -1);
  const points = k.size(sp);
  const em = k.em;
  em.comment(`affine_grid ${nd}-D${align ? ' align_corners' : ''}`);
  const coord = Array.from({ length: nd }, () => em.local('cd', 'f64'));
  const t = em.local('t', 'i32'), ci = em.local('ci', 'i32'), acc = em.local('acc', 'f64');
  em.loop('p', points, (p) => {
    // Normalised coordinate of pixel i along an axis of n pixels; x (the last axis) comes first.
    em.set(t, p);
    for (let a = nd - 1; a >= 0; a--) {
      const n = k.dim(sp[a]!), nf = `(f64.convert_i32_s ${n})`;
      em.set(ci, `(i32.rem_u ${get(t)} ${n})`);
      if (a > 0) em.set(t, `(i32.div_u ${get(t)} ${n})`);
      const i = `(f64.convert_i32_s ${get(ci)})`;
      em.set(coord[nd - 1 - a]!, align
        ? `(select ${c64(-1)} (f64.add ${c64(-1)} (f64.div (f64.mul ${c64(2)} ${i}) (f64.sub ${nf} ${c64(1)}))) (i32.eq ${n} (i32.const 1)))`
        : `(f64.add ${c64(-1)} (f64.div (f64.add (f64.mul ${c64(2)} ${i}) ${c64(1)}) ${nf}))`);
    }
    em.loop('b', k.dim(yd[0]!), (b) => {
      for (let r = 0; r < nd; r++) {
        const row = mul(add(mul(b, i32(nd)), i32(r)), i32(nd + 1));
        em.set(acc, c64(0));
        for (let c = 0; c <= nd; c++) {
          const th = ft.load(addr(k.ptr(theta), add(row, i32(c)), ft.size));
          em.set(acc, `(f64.add ${get(acc)} ${c < nd ? `(f64.mul ${th} ${get(coord[c]!)})` : th})`);
        }
        em.line(fy.store(addr(k.ptr(y), add(mul(add(mul(b, points), p), i32(nd)), i32(r)), fy.size), get(acc)));
      }
    });
  });
}

function emitCol2im(k: KernelCtx, op: Op): void {
  const [x, , blockV] = op.operands as [Value, Value, Value];
  const y = op.results[0]!;
  const fx = floatOf(k, op, x), fy = floatOf(k, op, y);
  const xd = k.dims(x), yd = k.dims(y);
  const r = yd.length - 2;
  const ints = (n: string, d: number): number[] => (op.attrs.get(n)?.value as number[] | undefined) ?? new Array<number>(n === 'pads' ? 2 * r : r).fill(d);
  const strides = ints('strides', 1), dil = ints('dilations', 1), pads = ints('pads', 0);
  const em = k.em;
  em.comment(`col2im ${r}-D`);
  // Block dims: constants, or i64/i32 elements of block_shape read at run time.
  const bc = k.constant(blockV);
  const blk = Array.from({ length: r }, (_, d) => {
    if (bc) return i32(Number(toNumbers(bc)[d]));
    const l = em.local('blk', 'i32');
    em.set(l, blockV.type.dtype === 'i64' ? `(i32.wrap_i64 (i64.load ${addr(k.ptr(blockV), i32(d), 8)}))` : `(i32.load ${addr(k.ptr(blockV), i32(d), 4)})`);
    // A non-positive block dim (the interpreter rejects it) is taken as 1 so no division traps.
    em.set(l, `(select ${get(l)} (i32.const 1) (i32.gt_s ${get(l)} (i32.const 0)))`);
    return get(l);
  });
  const img = yd.slice(2).map((d) => k.dim(d));
  // Blocks per dim: floor((img + pads - ((blk - 1) dil + 1)) / stride) + 1.
  const grid = img.map((n, d) => {
    const l = em.local('grid', 'i32');
    em.set(l, `(i32.add (i32.div_s (i32.sub ${add(n, i32(pads[d]! + pads[d + r]!))} (i32.add (i32.mul (i32.sub ${blk[d]!} (i32.const 1)) ${i32(dil[d]!)}) (i32.const 1))) ${i32(strides[d]!)}) (i32.const 1))`);
    return get(l);
  });
  const K = em.local('K', 'i32');
  em.set(K, blk.reduce((a, b) => mul(a, b), i32(1)));
  const C = k.dim(yd[1]!), L = k.dim(xd[2]!), O = k.size(yd.slice(2));
  const acc = em.local('acc', 'f64'), t = em.local('t', 'i32'), kt = em.local('kt', 'i32'), p = em.local('pp', 'i32'), ok = em.local('ok', 'i32'), q = em.local('q', 'i32');
  const xc = img.map(() => em.local('xc', 'i32'));
  em.loop('n', k.dim(yd[0]!), (n) => em.loop('c', C, (c) => em.loop('o', O, (o) => {
    em.set(t, o);
    for (let d = r - 1; d >= 0; d--) {
      em.set(xc[d]!, `(i32.rem_u ${get(t)} ${img[d]!})`);
      if (d > 0) em.set(t, `(i32.div_u ${get(t)} ${img[d]!})`);
    }
    em.set(acc, c64(0));
    em.loop('k', get(K), (kk) => {
      em.set(kt, kk);
      em.set(p, i32(0));
      em.set(ok, i32(1));
      for (let d = r - 1, pstride = i32(1); d >= 0; pstride = mul(pstride, grid[d]!), d--) {
        // Block position g with g * stride + k_d * dil - pad_begin = x_d, if any.
        em.set(q, `(i32.sub (i32.add ${get(xc[d]!)} ${i32(pads[d]!)}) (i32.mul (i32.rem_u ${get(kt)} ${blk[d]!}) ${i32(dil[d]!)}))`);
        if (d > 0) em.set(kt, `(i32.div_u ${get(kt)} ${blk[d]!})`);
        em.set(ok, `(i32.and ${get(ok)} (i32.and (i32.ge_s ${get(q)} (i32.const 0)) (i32.eqz (i32.rem_u ${get(q)} ${i32(strides[d]!)}))))`);
        em.set(q, `(i32.div_u ${get(q)} ${i32(strides[d]!)})`);
        em.set(ok, `(i32.and ${get(ok)} (i32.lt_u ${get(q)} ${grid[d]!}))`);
        em.set(p, add(get(p), mul(get(q), pstride)));
      }
      // Column layout [N, C * K, L]. Row and p stay inside it even when the dims disagree
      // (C * K != input dim 1, or L != the number of blocks: the interpreter rejects both).
      const row = add(mul(add(mul(n, C), c), get(K)), kk);
      em.when(`(i32.and ${get(ok)} (i32.and (i32.lt_u ${get(p)} ${L}) (i32.lt_u ${row} ${k.size(xd.slice(0, 2))})))`, () =>
        em.set(acc, `(f64.add ${get(acc)} ${fx.load(addr(k.ptr(x), add(mul(row, L), get(p)), fx.size))})`));
    });
    em.line(fy.store(addr(k.ptr(y), add(mul(add(mul(n, C), c), O), o), fy.size), get(acc)));
  })));
}

export const AFFINE_GRID_KERNEL: KernelDef = { emit: emitAffineGrid };
export const COL2IM_KERNEL: KernelDef = { emit: emitCol2im };
