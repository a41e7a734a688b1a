// N-D convolution (any spatial rank, groups, strides, dilations, pads, auto_pad as the
// interpreter), with any weight (also a run-time one, where the 2-D kernels need a constant):
// f32 gathers each output position's input patch and takes f32x4 dot products with the weight
// rows (emitPatchConv); f64 runs one general loop nest (emitConvLoops): for each batch, output
// channel and output position, the taps of every input channel of the group, bounds-checked per
// spatial dim.
// 1-D and 2-D f32 convolutions with a constant weight keep the f32x4 kernels (conv.ts; 1-D as
// 2-D of height 1).

import { Op, Value } from '../../../../ir/ir.js';
import type { Dim } from '../../../../ir/types.js';
import { add, addr, get, i32, mul, sub } from '../emitter.js';
import type { KernelCtx, KernelDef } from '../kernel-api.js';
import { CONV_KERNEL } from './conv.js';
import { transposePadsBegin } from '../../conv-transpose-pads.js';
import { CONV_TRANSPOSE_KERNEL } from './conv-transpose.js';

export interface Geom {
  readonly kernel: readonly number[];
  readonly strides: readonly number[];
  readonly dilations: readonly number[];
  readonly padsBegin: readonly number[];
  readonly padsEnd: readonly number[];
}

/** Window geometry of a conv/pool op; the output sizes come from its result type. */
export function geometryOf(k: KernelCtx, op: Op, kernel: readonly number[], inSp: readonly Dim[], outSp: readonly Dim[]): Geom {
  const r = kernel.length;
  const ints = (n: string, fill: number, len: number): number[] => {
    const v = op.attrs.get(n)?.value as number[] | undefined;
    return v ? [...v] : new Array<number>(len).fill(fill);
  };
  const strides = ints('strides', 1, r), dilations = ints('dilations', 1, r), pads = ints('pads', 0, 2 * r);
  const autoPad = String(op.attrs.get('auto_pad')?.value ?? 'NOTSET');
  let padsBegin = pads.slice(0, r), padsEnd = pads.slice(r);
  if (autoPad === 'VALID') padsBegin = padsEnd = new Array<number>(r).fill(0);
  else if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const totals = kernel.map((kd, d) => {
      const size = inSp[d], out = outSp[d];
      if (typeof size !== 'number' || typeof out !== 'number') k.fail(op, 'auto_pad needs static spatial sizes in the wasm backend');
      return Math.max(0, (out - 1) * strides[d]! + (kd - 1) * dilations[d]! + 1 - size);
    });
    padsBegin = totals.map((t) => (autoPad === 'SAME_UPPER' ? Math.floor(t / 2) : t - Math.floor(t / 2)));
    padsEnd = totals.map((t, d) => t - padsBegin[d]!);
  }
  return { kernel, strides, dilations, padsBegin, padsEnd };
}

/** Row-major strides (i32 expressions) of dims. */
export function stridesOf(k: KernelCtx, dims: readonly Dim[]): string[] {
  const s: string[] = [];
  let acc = i32(1);
  for (let d = dims.length - 1; d >= 0; d--) { s[d] = acc; acc = mul(acc, k.dim(dims[d]!)); }
  return s;
}

export interface ConvSpec {
  readonly acc: 'f32' | 'f64' | 'i32';
  /** Element `idx` of X (flat), as the accumulator type. */
  loadX(idx: string): string;
  /** Element `idx` of W (flat) for output channel `m`, as the accumulator type. */
  loadW(idx: string, m: string): string;
  /** Initial accumulator for output channel m. */
  init(m: string): string;
  /** Store the accumulator for output channel m at flat output index idx. */
  store(idx: string, acc: string, m: string): void;
}

/** The loop nest; X [N, C, ...in], W [M, C/group, ...kernel], Y [N, M, ...out]. */
export function emitConvLoops(k: KernelCtx, op: Op, X: Value, W: Value, y: Value, spec: ConvSpec): void {
  const xd = k.dims(X), wd = k.dims(W), yd = k.dims(y);
  const r = xd.length - 2;
  if (r < 1 || wd.length !== xd.length) k.fail(op, `${op.name} needs input [N,C,...] and weight [M,C/group,...] of the same rank`);
  if (!wd.every((d): d is number => typeof d === 'number')) k.fail(op, `${op.name} needs a weight of static shape in the wasm backend`);
  const kernel = wd.slice(2) as number[];
  const group = Number(op.attrs.get('group')?.value ?? 1);
  const M = wd[0] as number, Cg = wd[1] as number, Mg = M / group;
  const inSp = xd.slice(2), outSp = yd.slice(2);
  const g = geometryOf(k, op, kernel, inSp, outSp);
  const em = k.em;
  em.comment(`${op.name} ${xd.join('x')} * ${wd.join('x')} -> ${yd.join('x')} group=${group} (N-D loops, ${spec.acc})`);
  const inStr = stridesOf(k, inSp), kStr = stridesOf(k, kernel);
  const I = k.size(inSp), K = kernel.reduce((a, b) => a * b, 1);
  const acc = em.local('acc', spec.acc);
  const ic = inSp.map(() => em.local('ic', 'i32'));
  const xo = em.local('xo', 'i32'), wo = em.local('wo', 'i32');
  const C = k.dim(xd[1]!);
  em.loop('n', k.dim(xd[0]!), (n) => em.loop('m', i32(M), (m) => {
    const grp = `(i32.div_u ${m} ${i32(Mg)})`;
    // Output positions as nested loops, one per spatial dim.
    const outLoop = (d: number, oc: string[]): void => {
      if (d < r) { em.loop(`o${d}`, k.dim(outSp[d]!), (o) => outLoop(d + 1, [...oc, o])); return; }
      em.set(acc, spec.init(m));
      em.loop('c', i32(Cg), (c) => {
        em.set(xo, mul(add(mul(n, C), add(mul(grp, i32(Cg)), c)), I));
        em.set(wo, mul(add(mul(m, i32(Cg)), c), i32(K)));
        const kernelIdx: string[] = [];
        const tapLoop = (dd: number): void => {
          if (dd === r) {
            const xi = ic.reduce<string>((a, l, j) => add(a, mul(get(l), inStr[j]!)), get(xo));
            const wi = kernelIdx.reduce<string>((a, l, j) => add(a, mul(l, kStr[j]!)), get(wo));
            em.set(acc, `(${spec.acc}.add ${get(acc)} (${spec.acc}.mul ${spec.loadX(xi)} ${spec.loadW(wi, m)}))`);
            return;
          }
          em.loop(`k${dd}`, i32(kernel[dd]!), (kk) => {
            kernelIdx[dd] = kk;
            em.set(ic[dd]!, sub(add(mul(oc[dd]!, i32(g.strides[dd]!)), mul(kk, i32(g.dilations[dd]!))), i32(g.padsBegin[dd]!)));
            em.when(`(i32.lt_u ${get(ic[dd]!)} ${k.dim(inSp[dd]!)})`, () => tapLoop(dd + 1));
          });
        };
        tapLoop(0);
      });
      const oi = oc.reduce<string>((a, o, j) => add(mul(a, k.dim(outSp[j]!)), o), add(mul(n, i32(M)), m));
      spec.store(oi, get(acc), m);
    };
    outLoop(0, []);
  }));
}

/**
 * A 1-D conv as a 2-D one of height 1 on the same buffers (stand-in values of rank 4, the
 * constant weight re-shaped for packing), so it gets the f32x4 kernels.
 */
function emitLifted1d(k: KernelCtx, op: Op): void {
  const [X, Wt, B] = op.operands;
  const y = op.results[0]!;
  const orig = new Map<Value, Value>();
  const lift = (v: Value): Value => {
    const [a, b, c] = v.type.shape!;
    const s = new Value(v.name, { dtype: v.type.dtype, shape: [a!, b!, 1, c!] });
    orig.set(s, v);
    return s;
  };
  const attrs = new Map(op.attrs);
  const ints = (n: string): number[] | undefined => op.attrs.get(n)?.value as number[] | undefined;
  const put = (n: string, v: number[] | undefined): void => { if (v) attrs.set(n, { kind: 'ints', value: v }); };
  put('strides', ints('strides') && [1, ...ints('strides')!]);
  put('dilations', ints('dilations') && [1, ...ints('dilations')!]);
  put('kernel_shape', ints('kernel_shape') && [1, ...ints('kernel_shape')!]);
  put('pads', ints('pads') && [0, ints('pads')![0]!, 0, ints('pads')![1]!]);
  const [x2, w2, y2] = [lift(X!), lift(Wt!), lift(y)];
  const fake = new Op(op.name, [x2, w2, B ?? null], [y2], attrs, [], op.loc);
  y.def = op;
  const kk: KernelCtx = {
    ...k,
    ptr: (v) => k.ptr(orig.get(v) ?? v),
    constant: (v) => {
      const o = v ? orig.get(v) : undefined;
      const t = k.constant(o ?? v);
      return t && o ? { ...t, shape: v!.type.shape as number[] } : t;
    },
    packed: (v, key, pack) => {
      const o = orig.get(v);
      return o ? k.packed(o, `${key}|1d`, (t) => pack({ ...t, shape: v.type.shape as number[] })) : k.packed(v, key, pack);
    },
  };
  CONV_KERNEL.emit(kk, fake);
}

function emitConvND(k: KernelCtx, op: Op): void {
  const [X, Wt, B] = op.operands;
  const y = op.results[0]!;
  const dt = y.type.dtype;
  const rank = k.dims(X!).length;
  const fast = (rank === 4 || rank === 3) && dt === 'f32' && k.constant(Wt!) !== undefined && (!B || k.constant(B) !== undefined);
  if (fast && rank === 4) return CONV_KERNEL.emit(k, op);
  if (fast && rank === 3 && k.dims(Wt!).every((d) => typeof d === 'number')) return emitLifted1d(k, op);
  if (dt !== 'f32' && dt !== 'f64') k.fail(op, `conv on ${dt} is not supported by the wasm backend`);
  if (dt === 'f32' && k.dims(Wt!).every((d) => typeof d === 'number')) return emitPatchConv(k, op);
  const es = dt === 'f32' ? 4 : 8;
  emitConvLoops(k, op, X!, Wt!, y, {
    acc: dt,
    loadX: (i) => `(${dt}.load ${addr(k.ptr(X!), i, es)})`,
    loadW: (i) => `(${dt}.load ${addr(k.ptr(Wt!), i, es)})`,
    init: (m) => (B ? `(${dt}.load ${addr(k.ptr(B), m, es)})` : `(${dt}.const 0)`),
    store: (i, acc) => k.em.line(`(${dt}.store ${addr(k.ptr(y), i, es)} ${acc})`),
  });
}

/**
 * f32 conv of any rank with any weight: per output position, the input patch (Cg * K taps, 0 in
 * the padding) is gathered into a scratch row padded to 4 lanes; each output channel of the group
 * is the f32x4 dot product of that row with its weight row (copied once per run into rows of the
 * same padded length).
 */
function emitPatchConv(k: KernelCtx, op: Op): void {
  const [X, Wt, B] = op.operands;
  const y = op.results[0]!;
  const xd = k.dims(X!), wd = k.dims(Wt!) as number[], yd = k.dims(y);
  const r = xd.length - 2;
  if (r < 1 || wd.length !== xd.length) k.fail(op, 'conv needs input [N,C,...] and weight [M,C/group,...] of the same rank');
  const kernel = wd.slice(2);
  const group = Number(op.attrs.get('group')?.value ?? 1);
  const M = wd[0]!, Cg = wd[1]!, Mg = M / group, K = kernel.reduce((a, b) => a * b, 1);
  const Kt = Cg * K, Kp = Math.ceil(Kt / 4) * 4;
  const inSp = xd.slice(2), outSp = yd.slice(2);
  const g = geometryOf(k, op, kernel, inSp, outSp);
  const inStr = stridesOf(k, inSp), kStr = stridesOf(k, kernel);
  const em = k.em;
  em.comment(`conv ${xd.join('x')} * ${wd.join('x')} -> ${yd.join('x')} group=${group} (f32 patches, f32x4 dot products)`);
  const wR = k.scratch(4 * Kp * M), patch = k.scratch(4 * Kp);
  em.line(`(memory.fill ${wR} (i32.const 0) ${i32(4 * Kp * M)})`);
  em.loop('m', i32(M), (m) => em.line(`(memory.copy ${addr(wR, mul(m, i32(Kp)), 4)} ${addr(k.ptr(Wt!), mul(m, i32(Kt)), 4)} ${i32(4 * Kt)})`));
  const I = k.size(inSp), C = k.dim(xd[1]!);
  const ic = inSp.map(() => em.local('ic', 'i32'));
  const vacc = em.local('vacc', 'v128'), xo = em.local('xo', 'i32');
  const hsum = k.helper('hsum');
  em.loop('n', k.dim(xd[0]!), (n) => em.loop('grp', i32(group), (grp) => {
    const outLoop = (d: number, oc: string[]): void => {
      if (d < r) { em.loop(`o${d}`, k.dim(outSp[d]!), (od) => outLoop(d + 1, [...oc, od])); return; }
      em.line(`(memory.fill ${patch} (i32.const 0) ${i32(4 * Kp)})`);
      em.loop('c', i32(Cg), (c) => {
        em.set(xo, mul(add(mul(n, C), add(mul(grp, i32(Cg)), c)), I));
        const kIdx: string[] = [];
        const tapLoop = (dd: number): void => {
          if (dd === r) {
            const xi = ic.reduce<string>((a, l, j) => add(a, mul(get(l), inStr[j]!)), get(xo));
            const pi = kIdx.reduce<string>((a, kk, j) => add(a, mul(kk, kStr[j]!)), mul(c, i32(K)));
            em.line(`(f32.store ${addr(patch, pi, 4)} (f32.load ${addr(k.ptr(X!), xi, 4)}))`);
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
        em.loop('k4', i32(Kp / 4), (k4) => em.set(vacc, `(f32x4.add ${get(vacc)} (f32x4.mul (v128.load ${addr(patch, mul(k4, i32(4)), 4)}) (v128.load ${addr(wR, add(mul(m, i32(Kp)), mul(k4, i32(4))), 4)})))`));
        const v = `(call ${hsum} ${get(vacc)})`;
        const yi = oc.reduce<string>((a, od, j) => add(mul(a, k.dim(outSp[j]!)), od), add(mul(n, i32(M)), m));
        em.line(`(f32.store ${addr(k.ptr(y), yi, 4)} ${B ? `(f32.add ${v} (f32.load ${addr(k.ptr(B), m, 4)}))` : v})`);
      });
    };
    outLoop(0, []);
  }));
}

export const CONV_ND_KERNEL: KernelDef = { emit: emitConvND, flops: CONV_KERNEL.flops };

// ---------------------------------------------------------------------------------------------
// conv_transpose of any spatial rank, gather form: each output element sums the taps whose input
// position (o + pad_begin - k * dilation) / stride is integral and inside the input. Pads come
// from the interpreter's rule (../../conv-transpose-pads.ts, shared with the 1-D/2-D kernel); output sizes from
// the result type. 1-D and 2-D f32 keep the scatter kernel (conv-transpose.ts).

function emitConvTransposeND(k: KernelCtx, op: Op): void {
  const [X, Wt, B] = op.operands;
  const y = op.results[0]!;
  const dt = y.type.dtype;
  const xd = k.dims(X!), wd = k.dims(Wt!), yd = k.dims(y);
  const r = xd.length - 2;
  if ((r === 1 || r === 2) && dt === 'f32') return CONV_TRANSPOSE_KERNEL.emit(k, op);
  if ((dt !== 'f32' && dt !== 'f64') || r < 1 || !wd.every((d): d is number => typeof d === 'number') || typeof xd[1] !== 'number') {
    k.fail(op, `conv_transpose on ${dt}[${xd.join('x')}] is not supported by the wasm backend`);
  }
  const kernel = wd.slice(2) as number[];
  const group = Number(op.attrs.get('group')?.value ?? 1);
  const C = xd[1] as number, Mg = wd[1] as number, Cg = C / group, M = Mg * group;
  const ints = (n: string, fill: number): number[] => (op.attrs.get(n)?.value as number[] | undefined) ?? new Array<number>(r).fill(fill);
  const st = ints('strides', 1), dl = ints('dilations', 1);
  const inSp = xd.slice(2), outSp = yd.slice(2);
  const pb = transposePadsBegin(op, inSp, kernel, (m) => k.fail(op, m));
  const es = dt === 'f32' ? 4 : 8;
  const em = k.em;
  em.comment(`conv_transpose ${xd.join('x')} * ${wd.join('x')} -> ${yd.join('x')} group=${group} (N-D gather loops)`);
  const inStr = stridesOf(k, inSp), kStr = stridesOf(k, kernel);
  const I = k.size(inSp), K = kernel.reduce((a, b) => a * b, 1);
  const acc = em.local('acc', dt), t = inSp.map(() => em.local('t', 'i32'));
  em.loop('n', k.dim(xd[0]!), (n) => em.loop('m', i32(M), (m) => {
    const grp = `(i32.div_u ${m} ${i32(Mg)})`, ml = `(i32.rem_u ${m} ${i32(Mg)})`;
    const outLoop = (d: number, oc: string[]): void => {
      if (d < r) { em.loop(`o${d}`, k.dim(outSp[d]!), (o) => outLoop(d + 1, [...oc, o])); return; }
      em.set(acc, B ? `(${dt}.load ${addr(k.ptr(B), m, es)})` : `(${dt}.const 0)`);
      em.loop('c', i32(Cg), (c) => {
        const ci = add(mul(grp, i32(Cg)), c);
        const kIdx: string[] = [];
        const tapLoop = (dd: number): void => {
          if (dd === r) {
            const xi = t.reduce<string>((a, l, j) => add(a, mul(`(i32.div_u ${get(l)} ${i32(st[j]!)})`, inStr[j]!)), mul(add(mul(n, i32(C)), ci), I));
            const wi = kIdx.reduce<string>((a, kk, j) => add(a, mul(kk, kStr[j]!)), mul(add(mul(ci, i32(Mg)), ml), i32(K)));
            em.set(acc, `(${dt}.add ${get(acc)} (${dt}.mul (${dt}.load ${addr(k.ptr(X!), xi, es)}) (${dt}.load ${addr(k.ptr(Wt!), wi, es)})))`);
            return;
          }
          em.loop(`k${dd}`, i32(kernel[dd]!), (kk) => {
            kIdx[dd] = kk;
            em.set(t[dd]!, sub(add(oc[dd]!, i32(pb[dd]!)), mul(kk, i32(dl[dd]!))));
            const ok = `(i32.and (i32.ge_s ${get(t[dd]!)} (i32.const 0)) (i32.and (i32.eqz (i32.rem_u ${get(t[dd]!)} ${i32(st[dd]!)})) (i32.lt_u (i32.div_u ${get(t[dd]!)} ${i32(st[dd]!)}) ${k.dim(inSp[dd]!)})))`;
            em.when(ok, () => tapLoop(dd + 1));
          });
        };
        tapLoop(0);
      });
      const oi = oc.reduce<string>((a, o, j) => add(mul(a, k.dim(outSp[j]!)), o), add(mul(n, i32(M)), m));
      em.line(`(${dt}.store ${addr(k.ptr(y), oi, es)} ${get(acc)})`);
    };
    outLoop(0, []);
  }));
}

export const CONV_TRANSPOSE_ND_KERNEL: KernelDef = { emit: emitConvTransposeND, flops: CONV_TRANSPOSE_KERNEL.flops };
