// Data movement, dtype-generic (elements copied by byte size): reshape-like copies, transpose,
// gather, slice (constant starts/steps; sizes from the result type), concat, shape, and cast.
// Shape arithmetic that fold-constants could not fold (symbolic dims) runs here on i64 buffers.

import type { Op, Value } from '../../../../ir/ir.js';
import { toNumbers } from '../../../../ir/tensor.js';
import type { Dim } from '../../../../ir/types.js';
import { add, addr, get, i32, mul } from '../emitter.js';
import { esize, type KernelCtx, type KernelDef } from '../kernel-api.js';
import { sliceDims } from '../../../../ir/ops/shape-slice.js';
import { loadCheckedIndex } from './index-check.js';
import { UNKNOWN_DIM } from '../../../../ir/types.js';

const LOAD: Readonly<Record<number, [string, string]>> = { 1: ['i32.load8_u', 'i32.store8'], 2: ['i32.load16_u', 'i32.store16'], 4: ['i32.load', 'i32.store'], 8: ['i64.load', 'i64.store'] };

/** Copy one element of `size` bytes. */
const copyElem = (size: number, to: string, from: string): string => `(${LOAD[size]![1]} ${to} (${LOAD[size]![0]} ${from}))`;

function emitCopy(k: KernelCtx, op: Op): void {
  const x = op.operands[0]!, y = op.results[0]!;
  if (op.name === 'dropout' && !inferenceDropout(k, op)) { emitTrainingDropout(k, op); return; }
  const bytes = mul(k.size(k.dims(y)), i32(esize(k, op, y)));
  k.em.comment(`${op.name}: copy`);
  k.em.line(`(memory.copy ${k.ptr(y)} ${k.ptr(x)} ${bytes})`);
  // Dropout's mask: every element kept (bool, one byte each).
  const mask = op.name === 'dropout' ? op.results[1] : undefined;
  if (mask) k.em.line(`(memory.fill ${k.ptr(mask)} (i32.const 1) ${k.size(k.dims(mask))})`);
}

/** Whether dropout is a copy by its constants: not training, or a zero ratio. */
function inferenceDropout(k: KernelCtx, op: Op): boolean {
  const training = op.operands[2] ? k.constant(op.operands[2]) : null;
  if (training === null) return true;
  const ratio = op.operands[1] ? k.constant(op.operands[1]) : null;
  if (training === undefined || ratio === undefined) return false;
  return toNumbers(training)[0] === 0 || (ratio === null ? 0.5 : toNumbers(ratio)[0]) === 0;
}

/**
 * Dropout whose training_mode or ratio is data (or training with a nonzero ratio): at run time,
 * not training or a zero ratio copies (all-true mask); otherwise a random mask, keep =
 * hash(seed, i) / 2^24 >= ratio (murmur3's finaliser of i * golden + the seed's offset, the
 * webgpu kernel's hash: both backends draw the same mask) and y = keep ? x / (1 - ratio) : 0.
 */
function emitTrainingDropout(k: KernelCtx, op: Op): void {
  const [x, ratioV, trainV] = op.operands as [Value, Value | null, Value];
  const [y, mask] = op.results as [Value, Value | undefined];
  const ft = x.type.dtype;
  if (ft !== 'f32' && ft !== 'f64') k.fail(op, `dropout in training mode on ${ft} (f32 and f64 only)`);
  const rt = ratioV?.type.dtype;
  if (rt !== undefined && rt !== 'f32' && rt !== 'f64') k.fail(op, `dropout ratio of ${rt} (f32 and f64 only)`);
  const em = k.em;
  em.comment('dropout (training mode or ratio at run time)');
  const r = em.local('ratio', 'f64'), drop = em.local('drop', 'i32'), h = em.local('h', 'i32'), keep = em.local('keep', 'i32');
  em.set(r, !ratioV ? '(f64.const 0.5)' : rt === 'f64' ? `(f64.load ${k.ptr(ratioV)})` : `(f64.promote_f32 (f32.load ${k.ptr(ratioV)}))`);
  em.set(drop, `(i32.and (i32.ne (i32.load8_u ${k.ptr(trainV)}) (i32.const 0)) (f64.ne ${get(r)} (f64.const 0)))`);
  const n = k.size(k.dims(y)), size = ft === 'f32' ? 4 : 8;
  em.when(`(i32.eqz ${get(drop)})`, () => {
    em.line(`(memory.copy ${k.ptr(y)} ${k.ptr(x)} ${mul(n, i32(size))})`);
    if (mask) em.line(`(memory.fill ${k.ptr(mask)} (i32.const 1) ${n})`);
  });
  const seed = Number(op.attrs.get('seed')?.value ?? 0);
  const off = (Math.imul(seed | 0, 0x9e3779b9) + 0x7f4a7c15) | 0;
  // 1 / (1 - ratio) as x / (1 - ratio) in x's precision (ratio rounded to it first).
  const scale = ft === 'f32' ? `(f32.sub (f32.const 1) (f32.demote_f64 ${get(r)}))` : `(f64.sub (f64.const 1) ${get(r)})`;
  em.when(get(drop), () => em.loop('e', n, (e) => {
    em.set(h, `(i32.add (i32.mul ${e} (i32.const ${0x9e3779b1 | 0})) (i32.const ${off}))`);
    em.set(h, `(i32.mul (i32.xor ${get(h)} (i32.shr_u ${get(h)} (i32.const 16))) (i32.const ${0x85ebca6b | 0}))`);
    em.set(h, `(i32.mul (i32.xor ${get(h)} (i32.shr_u ${get(h)} (i32.const 13))) (i32.const ${0xc2b2ae35 | 0}))`);
    em.set(h, `(i32.xor ${get(h)} (i32.shr_u ${get(h)} (i32.const 16)))`);
    em.set(keep, `(f64.ge (f64.mul (f64.convert_i32_u (i32.shr_u ${get(h)} (i32.const 8))) (f64.const ${2 ** -24})) ${get(r)})`);
    const at = (v: Value): string => addr(k.ptr(v), e, size);
    em.line(`(${ft}.store ${at(y)} (select (${ft}.div (${ft}.load ${at(x)}) ${scale}) (${ft}.const 0) ${get(keep)}))`);
    if (mask) em.line(`(i32.store8 ${add(k.ptr(mask), e)} ${get(keep)})`);
  }));
}

/** Nested loops over `out` dims with a running input offset: inOff = sum c[a] * inStride[a]. */
function strided(k: KernelCtx, out: readonly Dim[], inStride: readonly string[], base: string, body: (inOff: string, outIdx: string) => void): void {
  const em = k.em;
  const outIdx = em.local('o', 'i32');
  em.set(outIdx, i32(0));
  const rec = (a: number, off: string): void => {
    if (a === out.length) {
      body(off, get(outIdx));
      em.set(outIdx, add(get(outIdx), i32(1)));
      return;
    }
    em.loop('c', k.dim(out[a]!), (c) => {
      const l = em.local('in', 'i32');
      em.set(l, add(off, mul(c, inStride[a]!)));
      rec(a + 1, get(l));
    });
  };
  rec(0, base);
}

function stridesOf(k: KernelCtx, dims: readonly Dim[]): string[] {
  const s: string[] = [];
  let acc = i32(1);
  for (let a = dims.length - 1; a >= 0; a--) { s[a] = acc; acc = mul(acc, k.dim(dims[a]!)); }
  return s;
}

function emitTranspose(k: KernelCtx, op: Op): void {
  const x = op.operands[0]!, y = op.results[0]!;
  const xd = k.dims(x), yd = k.dims(y);
  const perm = (op.attrs.get('perm')?.value as number[] | undefined) ?? xd.map((_d, i) => xd.length - 1 - i);
  const xs = stridesOf(k, xd);
  const es = esize(k, op, y);
  k.em.comment(`transpose perm=[${perm.join(',')}]`);
  strided(k, yd, perm.map((p) => xs[p]!), i32(0), (inOff, o) => k.em.line(copyElem(es, addr(k.ptr(y), o, es), addr(k.ptr(x), inOff, es))));
}

function emitSlice(k: KernelCtx, op: Op): void {
  const [x, starts, , axesV, stepsV] = op.operands;
  const y = op.results[0]!;
  const xd = k.dims(x!), yd = k.dims(y);
  const st = k.constant(starts!), ax = axesV ? k.constant(axesV) : undefined, sp = stepsV ? k.constant(stepsV) : undefined;
  if (!st || (axesV && !ax) || (stepsV && !sp)) return emitSliceDynamic(k, op);
  const s0 = toNumbers(st);
  const axes = ax ? toNumbers(ax).map((a) => (a < 0 ? a + xd.length : a)) : s0.map((_v, i) => i);
  const steps = sp ? toNumbers(sp) : s0.map(() => 1);
  const start = xd.map(() => 0), step = xd.map(() => 1);
  axes.forEach((a, i) => {
    let s = s0[i]!;
    const d = xd[a]!, dir = steps[i]!;
    if (typeof d === 'number') {
      if (s < 0) s += d;
      s = dir > 0 ? Math.min(Math.max(s, 0), d) : Math.min(Math.max(s, -1), d - 1);
    } else if (s < 0 || s >= 2 ** 31) return emitSliceDynamic(k, op);
    start[a] = s; step[a] = dir;
  });
  const xs = stridesOf(k, xd);
  const es = esize(k, op, y);
  const base = xs.reduce((acc, s, a) => add(acc, mul(i32(start[a]!), s)), i32(0));
  k.em.comment(`slice starts=[${start.join(',')}] steps=[${step.join(',')}]`);
  strided(k, yd, xs.map((s, a) => mul(s, i32(step[a]!))), base, (inOff, o) => k.em.line(copyElem(es, addr(k.ptr(y), o, es), addr(k.ptr(x!), inOff, es))));
}

/** Slice whose first index or step per axis is only known at run time (operands given as data, or a negative start on a symbolic dim). */
function emitSliceDynamic(k: KernelCtx, op: Op): void {
  const [x, starts, ends, axesV, stepsV] = op.operands;
  const y = op.results[0]!;
  const xd = k.dims(x!), yd = k.dims(y);
  const val = (v: typeof x): Dim[] | undefined => (v ? k.shapeValue(v) ?? [UNKNOWN_DIM] : undefined);
  const d = sliceDims(xd, val(starts)!, val(ends)!, val(axesV), val(stepsV), (m) => k.fail(op, m));
  if (!d) return k.fail(op, 'slice operands must be constants or small integer graph inputs in the wasm backend');
  const xs = stridesOf(k, xd);
  const es = esize(k, op, y);
  const base = xs.reduce((acc, s, a) => add(acc, mul(k.dim(d.start[a]!), s)), i32(0));
  k.em.comment(`slice starts=[${d.start.join(',')}] steps=[${d.step.join(',')}]`);
  strided(k, yd, xs.map((s, a) => mul(s, k.dim(d.step[a]!))), base, (inOff, o) => k.em.line(copyElem(es, addr(k.ptr(y), o, es), addr(k.ptr(x!), inOff, es))));
}

function emitGather(k: KernelCtx, op: Op): void {
  const [data, idx] = op.operands as Value[];
  const y = op.results[0]!;
  const dd = k.dims(data!), id = k.dims(idx!);
  const axis = ((Number(op.attrs.get('axis')?.value ?? 0)) + dd.length) % dd.length;
  const es = esize(k, op, y);
  const em = k.em;
  const K = k.dim(dd[axis]!);
  const inner = mul(k.size(dd.slice(axis + 1)), i32(es));
  const nIdx = k.size(id);
  em.comment(`gather axis=${axis}`);
  const j = em.local('j', 'i32');
  em.loop('outer', k.size(dd.slice(0, axis)), (o) => em.loop('q', nIdx, (q) => {
    loadCheckedIndex(k, op, idx!, q, K, j);
    const dst = add(k.ptr(y), mul(add(mul(o, nIdx), q), inner));
    const src = add(k.ptr(data!), mul(add(mul(o, K), get(j)), inner));
    em.line(`(memory.copy ${dst} ${src} ${inner})`);
  }));
}

function emitConcat(k: KernelCtx, op: Op): void {
  const y = op.results[0]!;
  const yd = k.dims(y);
  const axis = ((Number(op.attrs.get('axis')?.value ?? 0)) + yd.length) % yd.length;
  const es = esize(k, op, y);
  const em = k.em;
  em.comment(`concat axis=${axis}`);
  const outChunk = mul(k.size(yd.slice(axis)), i32(es));
  let off = i32(0);
  for (const v of op.operands) {
    if (!v) continue;
    const chunk = mul(k.size(k.dims(v).slice(axis)), i32(es));
    const at = off;
    em.loop('outer', k.size(yd.slice(0, axis)), (o) => em.line(`(memory.copy ${add(add(k.ptr(y), mul(o, outChunk)), at)} ${add(k.ptr(v), mul(o, chunk))} ${chunk})`));
    off = add(off, chunk);
  }
}

function emitShape(k: KernelCtx, op: Op): void {
  const xd = k.dims(op.operands[0]!);
  const r = xd.length;
  const norm = (v: number): number => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
  const start = norm(Number(op.attrs.get('start')?.value ?? 0));
  const end = norm(Number(op.attrs.get('end')?.value ?? r));
  const y = op.results[0]!;
  k.em.comment('shape');
  for (let a = start; a < end; a++) k.em.line(`(i64.store ${addr(k.ptr(y), i32(a - start), 8)} (i64.extend_i32_u ${k.dim(xd[a]!)}))`);
}

const CONVERT: Readonly<Record<string, Readonly<Record<string, (e: string) => string>>>> = {
  f32: { f32: (e) => e, i64: (e) => `(f32.convert_i64_s ${e})`, i32: (e) => `(f32.convert_i32_s ${e})`, bool: (e) => `(f32.convert_i32_u ${e})` },
  i64: { f32: (e) => `(i64.trunc_sat_f32_s ${e})`, i64: (e) => e, i32: (e) => `(i64.extend_i32_s ${e})`, bool: (e) => `(i64.extend_i32_u ${e})` },
  i32: { f32: (e) => `(i32.trunc_sat_f32_s ${e})`, i64: (e) => `(i32.wrap_i64 ${e})`, i32: (e) => e, bool: (e) => e },
  bool: { f32: (e) => `(f32.ne ${e} (f32.const 0))`, i64: (e) => `(i64.ne ${e} (i64.const 0))`, i32: (e) => `(i32.ne ${e} (i32.const 0))`, bool: (e) => e },
};
const LOAD_T: Readonly<Record<string, string>> = { f32: 'f32.load', i64: 'i64.load', i32: 'i32.load', bool: 'i32.load8_u' };
const STORE_T: Readonly<Record<string, string>> = { f32: 'f32.store', i64: 'i64.store', i32: 'i32.store', bool: 'i32.store8' };

function emitCast(k: KernelCtx, op: Op): void {
  const x = op.operands[0]!, y = op.results[0]!;
  const from = x.type.dtype, to = y.type.dtype;
  const conv = CONVERT[to]?.[from];
  if (!conv) k.fail(op, `cast from ${from} to ${to} is not supported by the wasm backend`);
  const ei = esize(k, op, x), eo = esize(k, op, y);
  k.em.comment(`cast ${from} -> ${to}`);
  k.em.loop('i', k.size(k.dims(y)), (i) => k.em.line(`(${STORE_T[to]} ${addr(k.ptr(y), i, eo)} ${conv(`(${LOAD_T[from]} ${addr(k.ptr(x), i, ei)})`)})`));
}

export const COPY_KERNEL: KernelDef = { emit: emitCopy };
export const TRANSPOSE_KERNEL: KernelDef = { emit: emitTranspose };
export const SLICE_KERNEL: KernelDef = { emit: emitSlice };
export const GATHER_KERNEL: KernelDef = { emit: emitGather };
export const CONCAT_KERNEL: KernelDef = { emit: emitConcat };
export const SHAPE_KERNEL: KernelDef = { emit: emitShape };
export const CAST_KERNEL: KernelDef = { emit: emitCast };
