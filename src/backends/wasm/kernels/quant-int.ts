// Integer matmul and conv: matmul_integer / qlinear_matmul (numpy batch broadcasting, zero points
// per tensor, per row of A or per column of B) and conv_integer / qlinear_conv (any spatial rank,
// w_zero_point per output channel, int32 bias). Products of the centred 8-bit values
// accumulate exactly in i32. When K and N are static, each batch's B is centred and transposed
// into i16 columns padded to 8 (scratch; a constant B with a constant zero point is packed so
// at compile time), each row of A likewise, and a dot product takes 8 taps per
// i32x4.dot_i16x8_s, four columns per A load; the convs do the same with input patches against
// weight rows. The q* forms requantize as the interpreter: the multiplier a_scale*b_scale/y_scale
// is rounded after each step in the scales' dtype, then round_half_even(acc * multiplier) +
// y_zero_point saturates to the output type.

import { intConvFlops, intMatmulFlops } from '../../int-flops.js';
import type { Op, Value } from '../../../../ir/ir.js';
import type { Tensor } from '../../../../ir/tensor.js';
import { add, addr, get, i32, mul, sub } from '../emitter.js';
import type { KernelCtx, KernelDef } from '../kernel-api.js';
import { geometryOf, stridesOf } from './conv-nd.js';
import { decoder, elem, encode, LOWP } from './dtype-codec.js';
import { broadcastStrides, rowOffset } from './elementwise.js';

const RANGE: Readonly<Record<string, [number, number]>> = { u8: [0, 255], i8: [-128, 127] };

/** i32 load of an 8-bit operand element. */
const load8 = (k: KernelCtx, op: Op, v: Value, idx: string): string => {
  const e = elem(k, v.type.dtype);
  if (!e || e.t !== 'i32') k.fail(op, `${op.name} on ${v.type.dtype} is not supported by the wasm backend`);
  return e.load(addr(k.ptr(v), idx, e.size));
};

/** Zero point (or 0) at index `idx` (0 when it has one element). */
const zpAt = (k: KernelCtx, op: Op, zp: Value | null | undefined, idx: string): string => {
  if (!zp) return i32(0);
  const n = k.dims(zp).reduce<number>((a, d) => a * (typeof d === 'number' ? d : 2), 1);
  return load8(k, op, zp, n === 1 ? i32(0) : idx);
};

/** A scale element as f32 (scales may be f16). */
const scaleAt = (k: KernelCtx, s: Value, idx: string): string => {
  const e = elem(k, s.type.dtype)!;
  const n = k.dims(s).reduce<number>((a, d) => a * (typeof d === 'number' ? d : 2), 1);
  return e.load(addr(k.ptr(s), n === 1 ? i32(0) : idx, e.size));
};

/** The requantized store of `acc` (i32) into y at `yi`, with scales sa[ia] * sb[ib] / sy. */
function requantize(k: KernelCtx, op: Op, y: Value, yi: string, acc: string, sa: Value, ia: string, sb: Value, ib: string, sy: Value, yzp: Value | null): string {
  const sdt = sa.type.dtype;
  if (!['f32', 'f16', 'bf16'].includes(sdt) || !elem(k, sb.type.dtype) || !elem(k, sy.type.dtype)) k.fail(op, `${op.name} with ${sdt} scales is not supported by the wasm backend`);
  const r = (v: string): string => (LOWP.has(sdt) ? `(call ${decoder(k, sdt)} ${encode(k, sdt, v, 'f32')})` : v);
  const mult = r(`(f32.div ${r(`(f32.mul ${scaleAt(k, sa, ia)} ${scaleAt(k, sb, ib)})`)} ${scaleAt(k, sy, i32(0))})`);
  const [lo, hi] = RANGE[y.type.dtype] ?? k.fail(op, `${op.name} to ${y.type.dtype} is not supported by the wasm backend`);
  const z = yzp ? `(f64.convert_i32_s ${zpAt(k, op, yzp, i32(0))})` : '(f64.const 0)';
  const v = `(f64.min (f64.const ${hi}) (f64.max (f64.const ${lo}) (f64.add (f64.nearest (f64.mul (f64.convert_i32_s ${acc}) (f64.promote_f32 ${mult}))) ${z})))`;
  return `(i32.store8 ${addr(k.ptr(y), yi, 1)} (i32.trunc_sat_f64_s ${v}))`;
}

/** Every batch of a constant B as centred i16 columns of Kp (zero padded), carried in f32 words. */
function packCentredBT(t: Tensor, zb: Tensor | undefined, K: number, N: number, Kp: number): Float32Array {
  const v = t.data as ArrayLike<number>, z = zb?.data as ArrayLike<number> | undefined;
  const batches = v.length / (K * N);
  const out = new Int16Array(batches * Kp * N);
  for (let p = 0; p < batches; p++) {
    for (let kk = 0; kk < K; kk++) {
      for (let n = 0; n < N; n++) out[(p * N + n) * Kp + kk] = v[(p * K + kk) * N + n]! - (z ? z[z.length === 1 ? 0 : n]! : 0);
    }
  }
  return new Float32Array(out.buffer);
}

function emitIntMatmul(k: KernelCtx, op: Op): void {
  const q = op.name === 'qlinear_matmul';
  const o = op.operands;
  const [a, b, za, zb] = q ? [o[0]!, o[3]!, o[2] ?? null, o[5] ?? null] : [o[0]!, o[1]!, o[2] ?? null, o[3] ?? null];
  const y = op.results[0]!;
  const ad = k.dims(a), bd = k.dims(b), yd = k.dims(y);
  const as = ad.length === 1 ? [1, ad[0]!] : ad, bs = bd.length === 1 ? [bd[0]!, 1] : bd;
  const M = as[as.length - 2]!, K = as[as.length - 1]!, N = bs[bs.length - 1]!;
  const outBatch = yd.slice(0, yd.length - (ad.length > 1 ? 1 : 0) - (bd.length > 1 ? 1 : 0));
  const aStr = broadcastStrides(k, as.slice(0, -2), outBatch), bStr = broadcastStrides(k, bs.slice(0, -2), outBatch);
  const em = k.em;
  const MK = mul(k.dim(M), k.dim(K)), KN = mul(k.dim(K), k.dim(N)), MN = mul(k.dim(M), k.dim(N));
  const simd = typeof K === 'number' && typeof N === 'number';
  em.comment(`${op.name} ${ad.join('x')} x ${bd.join('x')} -> ${yd.join('x')} (i32 accumulation${simd ? ', i16x8 dot products' : ''})`);
  const acc = em.local('acc', 'i32'), ao = em.local('ao', 'i32'), bo = em.local('bo', 'i32');
  const Kp = simd ? Math.ceil(K / 8) * 8 : 0;
  // A constant B (a weight) with a constant zero point is centred and transposed once, at compile time.
  const zbT = zb ? k.constant(zb) : undefined;
  const preB = simd && k.constant(b) !== undefined && (!zb || zbT !== undefined);
  const bT = preB ? k.packed(b, `int-matmul-bT-${Kp}|${zbT ? Array.from(zbT.data as ArrayLike<number>).join(',') : ''}`, (t) => packCentredBT(t, zbT, K as number, N as number, Kp))
    : simd ? k.scratch(2 * Kp * N) : '';
  const bBase = preB ? em.local('bbase', 'i32') : '';
  const aR = simd ? k.scratch(2 * Kp) : '';
  const store = (m: string, n: string, p: string): void => {
    const yi = add(mul(p, MN), add(mul(m, k.dim(N)), n));
    if (!q) em.line(`(i32.store ${addr(k.ptr(y), yi, 4)} ${get(acc)})`);
    else em.line(requantize(k, op, y, yi, get(acc), o[1]!, m, o[4]!, n, o[6]!, o[7] ?? null));
  };
  em.loop('p', k.size(outBatch), (p) => {
    em.set(ao, mul(rowOffset(k, p, outBatch, aStr, outBatch.length), MK));
    em.set(bo, mul(rowOffset(k, p, outBatch, bStr, outBatch.length), KN));
    if (preB) {
      em.line(`(memory.fill ${aR} (i32.const 0) ${i32(2 * Kp)})`);
      em.set(bBase, add(bT, mul(rowOffset(k, p, outBatch, bStr, outBatch.length), i32(2 * Kp * (N as number)))));
    } else if (simd) {
      // Centred B^T as i16 columns of Kp (the padding stays 0 from the fill).
      em.line(`(memory.fill ${bT} (i32.const 0) ${i32(2 * Kp * N)})`);
      em.line(`(memory.fill ${aR} (i32.const 0) ${i32(2 * Kp)})`);
      em.loop('kk', i32(K), (kk) => em.loop('n', i32(N), (n) => em.line(
        `(i32.store16 ${addr(bT, add(mul(n, i32(Kp)), kk), 2)} (i32.sub ${load8(k, op, b, add(get(bo), add(mul(kk, i32(N)), n)))} ${zpAt(k, op, zb, n)}))`)));
    }
    em.loop('m', k.dim(M), (m) => {
      if (simd) {
        em.loop('kk', i32(K), (kk) => em.line(
          `(i32.store16 ${addr(aR, kk, 2)} (i32.sub ${load8(k, op, a, add(get(ao), add(mul(m, i32(K)), kk)))} ${zpAt(k, op, za, m)}))`));
        emitDotColumns(k, aR, preB ? get(bBase) : bT, Kp, N as number, acc, (n) => store(m, n, p));
        return;
      }
      em.loop('n', k.dim(N), (n) => {
        em.set(acc, i32(0));
        em.loop('kk', k.dim(K), (kk) => {
          const av = `(i32.sub ${load8(k, op, a, add(get(ao), add(mul(m, k.dim(K)), kk)))} ${zpAt(k, op, za, m)})`;
          const bv = `(i32.sub ${load8(k, op, b, add(get(bo), add(mul(kk, k.dim(N)), n)))} ${zpAt(k, op, zb, n)})`;
          em.set(acc, `(i32.add ${get(acc)} (i32.mul ${av} ${bv}))`);
        });
        store(m, n, p);
      });
    });
  });
}

/**
 * The dot products of the centred i16 row at `aR` with each of N centred i16 columns of Kp at
 * `bT`, four columns at a time (each A load feeds four i32x4.dot_i16x8_s), then one at a time;
 * `store(n)` writes `acc` for column n.
 */
function emitDotColumns(k: KernelCtx, aR: string, bT: string, Kp: number, N: number, acc: string, store: (n: string) => void): void {
  const em = k.em;
  const n = em.local('n', 'i32'), off = em.local('off', 'i32'), va = em.local('va', 'v128');
  const cols = [0, 1, 2, 3].map(() => [em.local('vacc', 'v128'), em.local('bp', 'i32')] as const);
  const hsum = (v: string): string => `(i32.add (i32.add (i32x4.extract_lane 0 ${get(v)}) (i32x4.extract_lane 1 ${get(v)})) (i32.add (i32x4.extract_lane 2 ${get(v)}) (i32x4.extract_lane 3 ${get(v)})))`;
  const block = (w: number): void => {
    const used = cols.slice(0, w);
    used.forEach(([v, bp], j) => { em.set(v, '(v128.const i32x4 0 0 0 0)'); em.set(bp, add(bT, mul(add(get(n), i32(j)), i32(2 * Kp)))); });
    em.forRange(off, i32(0), i32(2 * Kp), 16, () => {
      em.set(va, `(v128.load (i32.add ${aR} ${get(off)}))`);
      for (const [v, bp] of used) em.set(v, `(i32x4.add ${get(v)} (i32x4.dot_i16x8_s ${get(va)} (v128.load (i32.add ${get(bp)} ${get(off)}))))`);
    });
    used.forEach(([v], j) => { em.set(acc, hsum(v)); store(add(get(n), i32(j))); });
  };
  const N4 = N - (N % 4);
  if (N4 > 0) em.forRange(n, i32(0), i32(N4), 4, () => block(4));
  if (N4 < N) em.forRange(n, i32(N4), i32(N), 1, () => block(1));
}

/**
 * Integer conv: per output position, the centred input patch (Cg * K taps; padding taps are 0 after
 * centring, as the interpreter skips them) goes into an i16 scratch row padded to 8, and each
 * output channel of the group takes its dot product with that channel's centred i16 weight row.
 */
function emitIntConv(k: KernelCtx, op: Op): void {
  const q = op.name === 'qlinear_conv';
  const o = op.operands;
  const [x, w, zx, zw] = q ? [o[0]!, o[3]!, o[2] ?? null, o[5] ?? null] : [o[0]!, o[1]!, o[2] ?? null, o[3] ?? null];
  const B = q ? o[8] ?? null : null;
  const y = op.results[0]!;
  if (zx && k.dims(zx).some((d) => d !== 1)) k.fail(op, `${op.name} with a non-scalar x_zero_point is not supported by the wasm backend`);
  const xd = k.dims(x), wd = k.dims(w), yd = k.dims(y);
  const r = xd.length - 2;
  if (r < 1 || wd.length !== xd.length || !wd.every((d): d is number => typeof d === 'number')) k.fail(op, `${op.name} needs input [N,C,...] and a weight of static shape [M,C/group,...]`);
  const kernel = wd.slice(2) as number[];
  const group = Number(op.attrs.get('group')?.value ?? 1);
  const M = wd[0] as number, Cg = wd[1] as number, Mg = M / group, K = kernel.reduce((a, b) => a * b, 1);
  const Kt = Cg * K, Kp = Math.ceil(Kt / 8) * 8;
  const inSp = xd.slice(2), outSp = yd.slice(2);
  const g = geometryOf(k, op, kernel, inSp, outSp);
  const inStr = stridesOf(k, inSp), kStr = stridesOf(k, kernel);
  const em = k.em;
  em.comment(`${op.name} ${xd.join('x')} * ${wd.join('x')} -> ${yd.join('x')} group=${group} (i16 patches, i32x4.dot_i16x8_s)`);
  const wT = k.scratch(2 * Kp * M), patch = k.scratch(2 * Kp);
  em.line(`(memory.fill ${wT} (i32.const 0) ${i32(2 * Kp * M)})`);
  em.loop('m', i32(M), (m) => em.loop('j', i32(Kt), (j) => em.line(
    `(i32.store16 ${addr(wT, add(mul(m, i32(Kp)), j), 2)} (i32.sub ${load8(k, op, w, add(mul(m, i32(Kt)), j))} ${zpAt(k, op, zw, m)}))`)));
  const I = k.size(inSp), C = k.dim(xd[1]!);
  const ic = inSp.map(() => em.local('ic', 'i32'));
  const acc = em.local('acc', 'i32'), vacc = em.local('vacc', 'v128'), xo = em.local('xo', 'i32');
  const xz = zpAt(k, op, zx, i32(0));
  em.loop('n', k.dim(xd[0]!), (n) => em.loop('grp', i32(group), (grp) => {
    const outLoop = (d: number, oc: string[]): void => {
      if (d < r) { em.loop(`o${d}`, k.dim(outSp[d]!), (od) => outLoop(d + 1, [...oc, od])); return; }
      em.line(`(memory.fill ${patch} (i32.const 0) ${i32(2 * Kp)})`);
      em.loop('c', i32(Cg), (c) => {
        em.set(xo, mul(add(mul(n, C), add(mul(grp, i32(Cg)), c)), I));
        const kIdx: string[] = [];
        const tapLoop = (dd: number): void => {
          if (dd === r) {
            const xi = ic.reduce<string>((a, l, j) => add(a, mul(get(l), inStr[j]!)), get(xo));
            const pi = kIdx.reduce<string>((a, kk, j) => add(a, mul(kk, kStr[j]!)), mul(c, i32(K)));
            em.line(`(i32.store16 ${addr(patch, pi, 2)} (i32.sub ${load8(k, op, x, xi)} ${xz}))`);
            return;
          }
          em.loop(`k${dd}`, i32(kernel[dd]!), (kk) => {
            kIdx[dd] = kk;
            em.set(ic[dd]!, sub(add(mul(oc[dd]!, i32(g.strides[dd]!)), mul(kk, i32(g.dilations[dd]!))), i32(g.padsBegin[dd]!)));
            em.when(`(i32.lt_u ${get(ic[dd]!)} ${k.dim(inSp[dd]!)})`, () => tapLoop(dd + 1));
          });
        };
        tapLoop(0);
      });
      em.loop('ml', i32(Mg), (ml) => {
        const m = add(mul(grp, i32(Mg)), ml);
        em.set(vacc, '(v128.const i32x4 0 0 0 0)');
        em.loop('k8', i32(Kp / 8), (k8) => em.set(vacc, `(i32x4.add ${get(vacc)} (i32x4.dot_i16x8_s (v128.load ${addr(patch, mul(k8, i32(8)), 2)}) (v128.load ${addr(wT, add(mul(m, i32(Kp)), mul(k8, i32(8))), 2)})))`));
        em.set(acc, `(i32.add (i32.add (i32x4.extract_lane 0 ${get(vacc)}) (i32x4.extract_lane 1 ${get(vacc)})) (i32.add (i32x4.extract_lane 2 ${get(vacc)}) (i32x4.extract_lane 3 ${get(vacc)})))`);
        if (B) em.set(acc, `(i32.add ${get(acc)} (i32.load ${addr(k.ptr(B), m, 4)}))`);
        const yi = oc.reduce<string>((a, od, j) => add(mul(a, k.dim(outSp[j]!)), od), add(mul(n, i32(M)), m));
        em.line(q ? requantize(k, op, y, yi, get(acc), o[1]!, i32(0), o[4]!, m, o[6]!, o[7] ?? null) : `(i32.store ${addr(k.ptr(y), yi, 4)} ${get(acc)})`);
      });
    };
    outLoop(0, []);
  }));
}

export const INT_MATMUL_KERNEL: KernelDef = { emit: emitIntMatmul, flops: intMatmulFlops };
export const INT_CONV_KERNEL: KernelDef = { emit: emitIntConv, flops: intConvFlops };
