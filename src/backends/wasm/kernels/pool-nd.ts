// max_pool and average_pool of any spatial rank as one loop nest (strides, dilations, pads,
// auto_pad; ceil_mode through the output size of the result type; count_include_pad counts the
// taps inside the padded extent, as the interpreter). max_pool also takes integer dtypes and
// gives the Indices output (flat input index of the first maximum, storage_order 1:
// column-major); NaN wins as in the interpreter. Average pools sum in f64. 1-D and 2-D f32 pools
// without Indices keep their kernels (pool.ts, pool-avg.ts).

import type { Op } from '../../../../ir/ir.js';
import { add, addr, get, i32, mul, sub } from '../emitter.js';
import type { KernelCtx, KernelDef } from '../kernel-api.js';
import { geometryOf, stridesOf } from './conv-nd.js';
import { elem } from './dtype-codec.js';
import { AVG_POOL_KERNEL, MAX_POOL_1D_KERNEL } from './pool-avg.js';

function emitPoolND(k: KernelCtx, op: Op): void {
  const x = op.operands[0]!, y = op.results[0]!, ind = op.results[1] ?? null;
  const isMax = op.name === 'max_pool';
  const xd = k.dims(x), yd = k.dims(y);
  const r = xd.length - 2;
  const dt = y.type.dtype;
  if ((r === 1 || r === 2) && dt === 'f32' && !ind) return (isMax ? MAX_POOL_1D_KERNEL : AVG_POOL_KERNEL).emit(k, op);
  const e = elem(k, dt);
  if (!e || r < 1 || (!isMax && e.t !== 'f32' && e.t !== 'f64')) k.fail(op, `${op.name} on ${dt}[${xd.join('x')}] is not supported by the wasm backend`);
  const kernel = op.attrs.get('kernel_shape')!.value as number[];
  const inSp = xd.slice(2), outSp = yd.slice(2);
  const g = geometryOf(k, op, kernel, inSp, outSp);
  const includePad = Number(op.attrs.get('count_include_pad')?.value ?? 0) !== 0;
  const colMajor = Number(op.attrs.get('storage_order')?.value ?? 0) === 1;
  const em = k.em;
  em.comment(`${op.name} ${xd.join('x')} -> ${yd.join('x')} k=${kernel.join('x')} (N-D loops)`);
  const inStr = stridesOf(k, inSp);
  const colStr: string[] = [];
  inSp.forEach((_, d) => (colStr[d] = d === 0 ? i32(1) : mul(colStr[d - 1]!, k.dim(inSp[d - 1]!))));
  const I = k.size(inSp);
  const ic = inSp.map(() => em.local('ic', 'i32'));
  const best = em.local('best', e.t), v = em.local('v', e.t), first = em.local('first', 'i32'), arg = em.local('arg', 'i32');
  const sum = em.local('sum', 'f64'), cnt = em.local('cnt', 'i32'), cd = em.local('cd', 'i32');
  const unsigned = dt === 'u32' || dt === 'u64';
  const isF = e.t === 'f32' || e.t === 'f64';
  const tapAt = (o: string, kk: string, d: number): string => sub(add(mul(o, i32(g.strides[d]!)), mul(kk, i32(g.dilations[d]!))), i32(g.padsBegin[d]!));
  em.loop('p', k.size(xd.slice(0, 2)), (p) => {
    const plane = mul(p, I);
    const outLoop = (d: number, oc: string[]): void => {
      if (d < r) { em.loop(`o${d}`, k.dim(outSp[d]!), (o) => outLoop(d + 1, [...oc, o])); return; }
      if (isMax) {
        em.set(best, isF ? `(${e.t}.const -inf)` : `(${e.t}.const 0)`);
        em.set(first, i32(1));
        em.set(arg, i32(-1));
      } else {
        em.set(sum, '(f64.const 0)');
        // Divisor: per dim, the taps inside the image (or inside the padded extent).
        em.set(cnt, i32(1));
        for (let dd = 0; dd < r; dd++) {
          em.set(cd, i32(0));
          em.loop(`c${dd}`, i32(kernel[dd]!), (kk) => {
            const t = tapAt(oc[dd]!, kk, dd);
            const inside = includePad
              ? `(i32.and (i32.ge_s ${t} ${i32(-g.padsBegin[dd]!)}) (i32.lt_s ${t} ${add(k.dim(inSp[dd]!), i32(g.padsEnd[dd]!))}))`
              : `(i32.lt_u ${t} ${k.dim(inSp[dd]!)})`;
            em.set(cd, add(get(cd), inside));
          });
          em.set(cnt, mul(get(cnt), get(cd)));
        }
      }
      const tapLoop = (dd: number): void => {
        if (dd === r) {
          const off = ic.reduce<string>((a, l, j) => add(a, mul(get(l), inStr[j]!)), i32(0));
          em.set(v, e.load(addr(k.ptr(x), add(plane, off), e.size)));
          if (!isMax) { em.set(sum, `(f64.add ${get(sum)} ${e.t === 'f64' ? get(v) : `(f64.promote_f32 ${get(v)})`})`); return; }
          const gt = `(${e.t}.gt${isF ? '' : unsigned ? '_u' : '_s'} ${get(v)} ${get(best)})`;
          const better = isF ? `(i32.and (${e.t}.eq ${get(best)} ${get(best)}) (i32.or ${gt} (${e.t}.ne ${get(v)} ${get(v)})))` : gt;
          em.when(`(i32.or ${get(first)} ${better})`, () => {
            em.set(best, get(v));
            em.set(first, i32(0));
            if (ind) em.set(arg, colMajor ? ic.reduce<string>((a, l, j) => add(a, mul(get(l), colStr[j]!)), i32(0)) : off);
          });
          return;
        }
        em.loop(`k${dd}`, i32(kernel[dd]!), (kk) => {
          em.set(ic[dd]!, tapAt(oc[dd]!, kk, dd));
          em.when(`(i32.lt_u ${get(ic[dd]!)} ${k.dim(inSp[dd]!)})`, () => tapLoop(dd + 1));
        });
      };
      tapLoop(0);
      const oi = oc.reduce<string>((a, o, j) => add(mul(a, k.dim(outSp[j]!)), o), p);
      if (isMax) {
        em.line(e.store(addr(k.ptr(y), oi, e.size), get(best)));
        if (ind) em.line(`(i64.store ${addr(k.ptr(ind), oi, 8)} (select (i64.extend_i32_s (i32.add ${plane} ${get(arg)})) (i64.const -1) (i32.ge_s ${get(arg)} (i32.const 0))))`);
      } else {
        const avg = `(f64.div ${get(sum)} (f64.convert_i32_s ${get(cnt)}))`;
        em.line(e.store(addr(k.ptr(y), oi, e.size), e.t === 'f64' ? avg : `(f32.demote_f64 ${avg})`));
      }
    };
    outLoop(0, []);
  });
}

export const POOL_ND_KERNEL: KernelDef = {
  emit: emitPoolND,
  flops: (op, numel) => numel(op.results[0]!) * ((op.attrs.get('kernel_shape')?.value as number[]) ?? [1]).reduce((a, b) => a * b, 1),
};
