// Row-wise reductions over the trailing dims: layer_normalization (mean, variance, scale, bias)
// and softmax along the last axis (max, exp, sum, scale); each pass over a row is f32x4 with a
// scalar tail, horizontal sums at the end of the row.

import type { Op, Value } from '../../../../ir/ir.js';
import { add, addr, f32c, get, mul } from '../emitter.js';
import type { KernelCtx, KernelDef } from '../kernel-api.js';

const normAxis = (axis: number, rank: number): number => (axis < 0 ? axis + rank : axis);

function emitLayerNorm(k: KernelCtx, op: Op): void {
  const [X, S, B] = op.operands;
  if (op.results.slice(1).some((r) => r)) k.fail(op, 'layer_normalization Mean/InvStdDev outputs are not supported by the wasm backend');
  const y = op.results[0]!;
  if (y.type.dtype !== 'f32') k.fail(op, 'layer_normalization is f32 only in the wasm backend');
  const xd = k.dims(X!);
  const axis = normAxis(Number(op.attrs.get('axis')?.value ?? -1), xd.length);
  const norm = xd.slice(axis);
  const sd = k.dims(S!);
  if (sd.join(',') !== norm.slice(norm.length - sd.length).join(',') || sd.length !== norm.length || (B && k.dims(B).join(',') !== norm.join(','))) {
    k.fail(op, 'layer_normalization Scale and B must have the normalised shape in the wasm backend');
  }
  const eps = Number(op.attrs.get('epsilon')?.value ?? 1e-5);
  const em = k.em;
  const L = k.size(norm);
  em.comment(`layer_normalization rows=${xd.slice(0, axis).join('x') || '1'} L=${norm.join('x')}`);
  const hsum = k.helper('hsum');
  const acc = em.local('acc', 'v128'), s = em.local('s', 'f32'), mean = em.local('mean', 'f32'), inv = em.local('inv', 'f32');
  const d = em.local('d', 'v128');
  em.loop('row', k.size(xd.slice(0, axis)), (row) => {
    const x = addr(k.ptr(X!), mul(row, L), 4), yr = addr(k.ptr(y), mul(row, L), 4);
    const sum = (vec: (i: string) => string, sc: (i: string) => string): string => {
      em.set(acc, '(v128.const i32x4 0 0 0 0)');
      em.set(s, '(f32.const 0)');
      em.vecLoop(L, (i) => em.set(acc, `(f32x4.add ${get(acc)} ${vec(i)})`), (i) => em.set(s, `(f32.add ${get(s)} ${sc(i)})`));
      return `(f32.div (f32.add (call ${hsum} ${get(acc)}) ${get(s)}) (f32.convert_i32_u ${L}))`;
    };
    em.set(mean, sum((i) => `(v128.load align=4 ${addr(x, i, 4)})`, (i) => `(f32.load ${addr(x, i, 4)})`));
    em.set(inv, sum((i) => {
      const c = `(f32x4.sub (v128.load align=4 ${addr(x, i, 4)}) (f32x4.splat ${get(mean)}))`;
      return `(f32x4.mul ${c} ${c})`;
    }, (i) => {
      const c = `(f32.sub (f32.load ${addr(x, i, 4)}) ${get(mean)})`;
      return `(f32.mul ${c} ${c})`;
    }));
    em.set(inv, `(f32.div (f32.const 1) (f32.sqrt (f32.add ${get(inv)} ${f32c(eps)})))`);
    em.vecLoop(L, (i) => {
      em.set(d, `(f32x4.mul (f32x4.mul (f32x4.sub (v128.load align=4 ${addr(x, i, 4)}) (f32x4.splat ${get(mean)})) (f32x4.splat ${get(inv)})) (v128.load align=4 ${addr(k.ptr(S!), i, 4)}))`);
      if (B) em.set(d, `(f32x4.add ${get(d)} (v128.load align=4 ${addr(k.ptr(B), i, 4)}))`);
      em.line(`(v128.store align=4 ${addr(yr, i, 4)} ${get(d)})`);
    }, (i) => {
      let e = `(f32.mul (f32.mul (f32.sub (f32.load ${addr(x, i, 4)}) ${get(mean)}) ${get(inv)}) (f32.load ${addr(k.ptr(S!), i, 4)}))`;
      if (B) e = `(f32.add ${e} (f32.load ${addr(k.ptr(B), i, 4)}))`;
      em.line(`(f32.store ${addr(yr, i, 4)} ${e})`);
    });
  });
}

function emitSoftmax(k: KernelCtx, op: Op): void {
  const X = op.operands[0]!, y = op.results[0]!;
  const xd = k.dims(X);
  if (y.type.dtype !== 'f32') k.fail(op, `${op.name} is f32 only in the wasm backend`);
  const axis = normAxis(Number(op.attrs.get('axis')?.value ?? -1), xd.length);
  if (axis !== xd.length - 1) k.fail(op, `${op.name} along axis ${axis} of ${xd.length} (not the last) is not supported by the wasm backend`);
  const em = k.em;
  const L = k.dim(xd[axis]!);
  em.comment(`softmax rows=${xd.slice(0, -1).join('x') || '1'} L=${xd[axis]}`);
  const exp4 = k.helper('exp4'), hmax = k.helper('hmax'), hsum = k.helper('hsum');
  const acc = em.local('acc', 'v128'), s = em.local('s', 'f32'), mx = em.local('mx', 'f32'), e = em.local('e', 'v128');
  em.loop('row', k.size(xd.slice(0, -1)), (row) => {
    const x = addr(k.ptr(X), mul(row, L), 4), yr = addr(k.ptr(y), mul(row, L), 4);
    em.set(acc, '(f32x4.splat (f32.const -inf))');
    em.set(s, '(f32.const -inf)');
    em.vecLoop(L, (i) => em.set(acc, `(f32x4.max ${get(acc)} (v128.load align=4 ${addr(x, i, 4)}))`), (i) => em.set(s, `(f32.max ${get(s)} (f32.load ${addr(x, i, 4)}))`));
    em.set(mx, `(f32.max (call ${hmax} ${get(acc)}) ${get(s)})`);
    em.set(acc, '(v128.const i32x4 0 0 0 0)');
    em.set(s, '(f32.const 0)');
    em.vecLoop(L, (i) => {
      em.set(e, `(call ${exp4} (f32x4.sub (v128.load align=4 ${addr(x, i, 4)}) (f32x4.splat ${get(mx)})))`);
      em.line(`(v128.store align=4 ${addr(yr, i, 4)} ${get(e)})`);
      em.set(acc, `(f32x4.add ${get(acc)} ${get(e)})`);
    }, (i) => {
      em.set(e, `(call ${exp4} (f32x4.splat (f32.sub (f32.load ${addr(x, i, 4)}) ${get(mx)})))`);
      em.line(`(f32.store ${addr(yr, i, 4)} (f32x4.extract_lane 0 ${get(e)}))`);
      em.set(s, `(f32.add ${get(s)} (f32x4.extract_lane 0 ${get(e)}))`);
    });
    em.set(s, `(f32.div (f32.const 1) (f32.add (call ${hsum} ${get(acc)}) ${get(s)}))`);
    em.vecLoop(L, (i) => em.line(`(v128.store align=4 ${addr(yr, i, 4)} (f32x4.mul (v128.load align=4 ${addr(yr, i, 4)}) (f32x4.splat ${get(s)})))`),
      (i) => em.line(`(f32.store ${addr(yr, i, 4)} (f32.mul (f32.load ${addr(yr, i, 4)}) ${get(s)}))`));
  });
}

// Inference batch normalization: per channel c, y = x * a + b with a = scale / sqrt(var + eps),
// b = B - mean * a, over the spatial dims in f32x4.
function emitBatchNorm(k: KernelCtx, op: Op): void {
  const [X, scale, B, mean, variance] = op.operands;
  const y = op.results[0]!;
  if (Number(op.attrs.get('training_mode')?.value ?? 0) !== 0 || op.results.slice(1).some((r) => r)) k.fail(op, 'batch_normalization in training mode is not supported by the wasm backend');
  if (y.type.dtype !== 'f32') k.fail(op, 'batch_normalization is f32 only in the wasm backend');
  const xd = k.dims(X!);
  const eps = Number(op.attrs.get('epsilon')?.value ?? 1e-5);
  const em = k.em;
  const C = k.dim(xd.length > 1 ? xd[1]! : 1);
  const L = k.size(xd.slice(2));
  em.comment(`batch_normalization ${xd.join('x')}`);
  const a = em.local('a', 'f32'), b = em.local('b', 'f32');
  const ld = (v: typeof X, c: string): string => `(f32.load ${addr(k.ptr(v!), c, 4)})`;
  em.loop('n', k.dim(xd[0]!), (n) => em.loop('c', C, (c) => {
    em.set(a, `(f32.div ${ld(scale, c)} (f32.sqrt (f32.add ${ld(variance, c)} ${f32c(eps)})))`);
    em.set(b, `(f32.sub ${ld(B, c)} (f32.mul ${ld(mean, c)} ${get(a)}))`);
    const base = mul(add(mul(n, C), c), L);
    em.vecLoop(L,
      (i) => em.line(`(v128.store align=4 ${addr(k.ptr(y), add(base, i), 4)} (f32x4.add (f32x4.mul (v128.load align=4 ${addr(k.ptr(X!), add(base, i), 4)}) (f32x4.splat ${get(a)})) (f32x4.splat ${get(b)})))`),
      (i) => em.line(`(f32.store ${addr(k.ptr(y), add(base, i), 4)} (f32.add (f32.mul (f32.load ${addr(k.ptr(X!), add(base, i), 4)}) ${get(a)}) ${get(b)}))`));
  }));
}

export const BATCH_NORM_KERNEL: KernelDef = { emit: emitBatchNorm, flops: (op: Op, numel: (v: Value) => number) => 2 * numel(op.results[0]!) };
export const LAYER_NORM_KERNEL: KernelDef = { emit: emitLayerNorm, flops: (op: Op, numel: (v: Value) => number) => 8 * numel(op.results[0]!) };
export const SOFTMAX_KERNEL: KernelDef = { emit: emitSoftmax, flops: (op: Op, numel: (v: Value) => number) => 16 * numel(op.results[0]!) };
