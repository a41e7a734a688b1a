// Split along one axis (dtype-generic): each result's size along the axis comes from its type
// (constant `split` or num_outputs were resolved by the shape rule), so every result copies one
// chunk per outer index, at a running offset along the input's axis.

import type { Op } from '../../../../ir/ir.js';
import { add, i32, mul } from '../emitter.js';
import { esize, type KernelCtx, type KernelDef } from '../kernel-api.js';

function emitSplit(k: KernelCtx, op: Op): void {
  const x = op.operands[0]!;
  const xd = k.dims(x);
  const axis = (Number(op.attrs.get('axis')?.value ?? 0) + xd.length) % xd.length;
  const es = esize(k, op, x);
  const em = k.em;
  em.comment(`split axis=${axis} into ${op.results.length}`);
  const inChunk = mul(k.size(xd.slice(axis)), i32(es));
  let at = i32(0);
  for (const y of op.results) {
    const chunk = mul(k.size(k.dims(y).slice(axis)), i32(es));
    const start = at;
    em.loop('outer', k.size(xd.slice(0, axis)), (o) => em.line(`(memory.copy ${add(k.ptr(y), mul(o, chunk))} ${add(add(k.ptr(x), mul(o, inChunk)), start)} ${chunk})`));
    at = add(at, chunk);
  }
}

export const SPLIT_KERNEL: KernelDef = { emit: emitSplit };
