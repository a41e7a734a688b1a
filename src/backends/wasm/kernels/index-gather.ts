// gather_nd (batch_dims, any dtype: slices are byte copies) and the strides helper shared by the
// scatter kernels. Indices the interpreter rejects (outside [-dim, dim)) make the run fail naming
// the op (index-check.ts loadCheckedIndex), so no kernel reads or writes outside its buffers;
// in-range ones, negative ones wrapped, behave exactly as in the interpreter.

import type { Op, Value } from '../../../../ir/ir.js';
import type { Dim } from '../../../../ir/types.js';
import { add, addr, get, i32, mul } from '../emitter.js';
import { esize, type KernelCtx, type KernelDef } from '../kernel-api.js';
import { loadCheckedIndex } from './index-check.js';

/** Row-major element strides of `dims` as i32 expressions. */
export function stridesOf(k: KernelCtx, dims: readonly Dim[]): string[] {
  return dims.map((_d, a) => k.size(dims.slice(a + 1)));
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
      loadCheckedIndex(k, op, idx, add(mul(row, i32(kk)), i32(j)), k.dim(dd[b + j]!), v);
      em.set(off, add(get(off), mul(get(v), st[b + j]!)));
    }
    em.line(`(memory.copy ${addr(k.ptr(y), mul(row, inner), es)} ${addr(k.ptr(data), get(off), es)} ${mul(inner, i32(es))})`);
  }));
}

export const GATHER_ND_KERNEL: KernelDef = { emit: emitGatherNd };
