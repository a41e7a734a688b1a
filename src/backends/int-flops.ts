// FLOPs of the integer contractions (matmul_integer, qlinear_matmul, conv_integer, qlinear_conv)
// for both backends' cost reports: a multiply and an add per term, as for their float forms.

import type { Op, Value } from '../../ir/ir.js';

type Numel = (v: Value) => number;

/** 2 * |Y| * K, K the last dim of A (operand 0 in every form). */
export function intMatmulFlops(op: Op, numel: Numel): number {
  const a = op.operands[0]!.type.shape ?? [];
  return 2 * numel(op.results[0]!) * Number(a[a.length - 1] ?? 1);
}

/** 2 * |Y| * C/group * prod(kernel), from W (operand 1, or 3 in qlinear_conv). */
export function intConvFlops(op: Op, numel: Numel): number {
  const w = op.operands[op.name === 'qlinear_conv' ? 3 : 1]!.type.shape ?? [];
  return 2 * numel(op.results[0]!) * w.slice(1).reduce<number>((a, d) => a * (Number(d) || 1), 1);
}
