// The begin pads of a conv_transpose, shared by the WASM and WebGPU kernels: resolved by the
// interpreter's own rule (ir/ops/nn-conv.ts transposeGeometry: explicit pads, VALID, or, with
// output_shape / SAME_*, onnxruntime's split of the surplus), so the backends cannot drift from the reference.

import { attrReader } from '../../ir/attrs.js';
import type { Op } from '../../ir/ir.js';
import { getOpDef, type EvalCtx } from '../../ir/op-def.js';
import { transposeGeometry } from '../../ir/ops/nn-conv.js';
import type { Dim } from '../../ir/types.js';

/**
 * Whether the begin pads depend on the spatial input sizes: only with output_shape (SAME_*'s
 * surplus full - in * stride does not depend on in).
 */
export function padsNeedSizes(op: Op): boolean {
  return op.attrs.has('output_shape');
}

/**
 * Begin pads of each spatial axis for input sizes `inSp` and kernel sizes `kernel`; `bad` reports
 * an attribute the rule refuses. Symbolic sizes only where the pads do not depend on them
 * (`padsNeedSizes` false): they stand in as 1 there, which the rule never reads.
 */
export function transposePadsBegin(op: Op, inSp: readonly Dim[], kernel: readonly number[], bad: (m: string) => never): number[] {
  if (padsNeedSizes(op) && !inSp.every((d) => typeof d === 'number')) bad('conv_transpose with output_shape or auto_pad needs static spatial sizes');
  // The rule reads only the attributes and `fail` of its context.
  const ctx = { op, attrs: attrReader(getOpDef('conv_transpose')!, op.attrs, op.loc), loc: op.loc, fail: bad } as unknown as EvalCtx;
  return transposeGeometry(ctx, inSp.map((d) => (typeof d === 'number' ? d : 1)), kernel).padsBegin;
}
