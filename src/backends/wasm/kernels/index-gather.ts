// gather_nd (batch_dims, any dtype: slices are byte copies) and the index helpers shared by the
// scatter kernels. Indices the interpreter rejects (outside [-dim, dim)) are CLAMPED into
// [0, dim) after negative wrap-around, so no kernel ever reads or writes outside its buffers;
// in-range indices behave exactly as in the interpreter.

import type { Op, Value } from '../../../../ir/ir.js';
import type { Dim } from '../../../../ir/types.js';
import { add, addr, get, i32, mul } from '../emitter.js';
import { esize, type KernelCtx, type KernelDef } from '../kernel-api.js';

/** Row-major element strides of `dims` as i32 expressions. */
export function stridesOf(k: KernelCtx, dims: readonly Dim[]): string[] {
  return dims.map((_d, a) => k.size(dims.slice(a + 1)));
}

/**
 * Set local `dst` to index element `e` of `idx` (i32 or i64), negative values wrapped by `dim`,
 * then clamped into [0, dim) (memory safety for indices the interpreter would reject).
 */
export function loadIndex(k: KernelCtx, op: Op, idx: Value, e: string, dim: string, dst: string): void {
  const es = esize(k, op, idx);
  if (idx.type.dtype !== 'i64' && idx.type.dtype !== 'i32') k.fail(op, `${op.name} indices of ${idx.type.dtype} are not supported by the wasm backend`);
  const em = k.em;
  if (es === 8) {
    // Clamp in i64 first so that huge values do not wrap back into range when narrowed.
    const w = em.local('w', 'i64');
    em.set(w, `(i64.load ${addr(k.ptr(idx), e, 8)})`);
    em.set(w, `(select (i64.const -2147483648) (local.get ${w}) (i64.lt_s (local.get ${w}) (i64.const -2147483648)))`);
    em.set(w, `(select (i64.const 2147483647) (local.get ${w}) (i64.gt_s (local.get ${w}) (i64.const 2147483647)))`);
    em.set(dst, `(i32.wrap_i64 (local.get ${w}))`);
  } else em.set(dst, `(i32.load ${addr(k.ptr(idx), e, 4)})`);
  em.set(dst, `(select ${add(get(dst), dim)} ${get(dst)} (i32.lt_s ${get(dst)} (i32.const 0)))`);
  em.set(dst, `(select (i32.const 0) ${get(dst)} (i32.lt_s ${get(dst)} (i32.const 0)))`);
  em.set(dst, `(select (i32.sub ${dim} (i32.const 1)) ${get(dst)} (i32.ge_s ${get(dst)} ${dim}))`);
}

function emitGatherNd(k: KernelCtx, op: Op): void {
  const [data, idx] = op.operands as [Value, Value];
  const y = op.results[0]!;
  const es = esize(k, op, y);
  const dd = k.dims(data), id = k.dims(idx);
  const b = Number(op.attrs.get('batch_dims')?.value ?? 0);
  const kk = id[id.length - 1];
  if (typeof kk !== 'number') k.fail(op, 'gather_nd needs a static last dim of indices');
  if (b + kk > dd.length) k.fail(op, `gather_nd indices address ${kk} dims after ${b} batch dims of a rank-${dd.length} tensor`);
  const st = stridesOf(k, dd);
  const inner = k.size(dd.slice(b + kk));
  const tuples = k.size(id.slice(b, -1));
  const batchSize = k.size(dd.slice(b));
  const em = k.em;
  em.comment(`gather_nd batch_dims=${b} k=${kk}`);
  const off = em.local('off', 'i32'), v = em.local('v', 'i32');
  em.loop('b', k.size(dd.slice(0, b)), (bi) => em.loop('t', tuples, (t) => {
    const row = add(mul(bi, tuples), t);
    em.set(off, mul(bi, batchSize));
    for (let j = 0; j < kk; j++) {
      loadIndex(k, op, idx, add(mul(row, i32(kk)), i32(j)), k.dim(dd[b + j]!), v);
      em.set(off, add(get(off), mul(get(v), st[b + j]!)));
    }
    em.line(`(memory.copy ${addr(k.ptr(y), mul(row, inner), es)} ${addr(k.ptr(data), get(off), es)} ${mul(inner, i32(es))})`);
  }));
}

export const GATHER_ND_KERNEL: KernelDef = { emit: emitGatherNd };
