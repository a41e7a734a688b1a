// Kernels of the dtypes family (see the README's WASM backend section): casts from and to the
// reduced-precision floats and sub-byte integers, ops on f16/bf16/float8 through their f32 kernels
// (dtype-promote.ts), quantisation ops, N-D conv and pools. Each entry handles its new cases and
// hands the rest to the kernel it overrides (`previous`).

import type { KernelDef } from '../kernel-api.js';
import { CONV_ND_KERNEL, CONV_TRANSPOSE_ND_KERNEL } from './conv-nd.js';
import { DTYPE_CAST_KERNEL } from './dtype-cast.js';
import { promoteLowp } from './dtype-promote.js';
import { ELEMENTWISE_KERNEL, ELEMENTWISE_OPS } from './elementwise.js';
import { EXT_ATTENTION } from './ext-attention.js';
import { EXT_INDEXING } from './ext-indexing.js';
import { GENERIC_ELEMENTWISE_KERNEL, GENERIC_OPS } from './generic-elementwise.js';
import { GEMM_KERNEL, MATMUL_KERNEL } from './matmul.js';
import { NORM_ANY_KERNEL } from './norm-layer-any.js';
import { AXIS_SOFTMAX_KERNEL } from './norm-softmax-axis.js';
import { BATCH_NORM_KERNEL } from './norm.js';
import { GLOBAL_MAX_KERNEL } from './pool-avg.js';
import { POOL_ND_KERNEL } from './pool-nd.js';
import { GLOBAL_AVG_KERNEL } from './pool.js';
import { ANY_DTYPE_REDUCE_KERNEL, LOG_SUM_KERNEL } from './reduce-extra.js';
import { INT_CONV_KERNEL, INT_MATMUL_KERNEL } from './quant-int.js';
import { DEQUANTIZE_KERNEL, DYNAMIC_QUANTIZE_KERNEL, QUANTIZE_KERNEL } from './quant-linear.js';
import { RESIZE_KERNEL } from './data-resize.js';
import { TRIG_KERNEL, TRIG_OPS } from './misc-unary.js';
import { REDUCE_KERNEL, REDUCE_OPS } from './reduce.js';
import { INSTANCE_NORM_KERNEL } from './norm-instance.js';

/**
 * The kernel an entry here overrides: the other extension tables' last entry, else `base`, which
 * must be the last entry for that name in the base table of index.ts.
 */
function previous(name: string, base: KernelDef): () => KernelDef {
  return () => [...EXT_ATTENTION, ...EXT_INDEXING].filter(([n]) => n === name).pop()?.[1] ?? base;
}

const ANY_REDUCE = ['reduce_sum', 'reduce_mean', 'reduce_max', 'reduce_min', 'reduce_prod'];
const BASE: [string, KernelDef][] = [
  // identity is a byte copy (COPY_KERNEL) for every dtype: not wrapped.
  ...ELEMENTWISE_OPS.filter((n) => n !== 'identity').map((n) => [n, ELEMENTWISE_KERNEL] as [string, KernelDef]),
  ...GENERIC_OPS.map((n) => [n, GENERIC_ELEMENTWISE_KERNEL] as [string, KernelDef]),
  ['matmul', MATMUL_KERNEL], ['gemm', GEMM_KERNEL], ['conv', CONV_ND_KERNEL], ['conv_transpose', CONV_TRANSPOSE_ND_KERNEL],
  ['max_pool', POOL_ND_KERNEL], ['average_pool', POOL_ND_KERNEL],
  ['global_average_pool', GLOBAL_AVG_KERNEL], ['global_max_pool', GLOBAL_MAX_KERNEL],
  ['softmax', AXIS_SOFTMAX_KERNEL], ['log_softmax', AXIS_SOFTMAX_KERNEL],
  ...REDUCE_OPS.map((n) => [n, ANY_REDUCE.includes(n) ? ANY_DTYPE_REDUCE_KERNEL : REDUCE_KERNEL] as [string, KernelDef]),
  ['reduce_log_sum', LOG_SUM_KERNEL], ['reduce_log_sum_exp', LOG_SUM_KERNEL],
  ['layer_normalization', NORM_ANY_KERNEL], ['rms_normalization', NORM_ANY_KERNEL],
  ['batch_normalization', BATCH_NORM_KERNEL], ['instance_normalization', INSTANCE_NORM_KERNEL],
  ['resize', RESIZE_KERNEL], ...TRIG_OPS.map((n) => [n, TRIG_KERNEL] as [string, KernelDef]),
];

export const EXT_DTYPES: readonly (readonly [string, KernelDef])[] = [
  ...[...new Map(BASE)].map(([n, base]) => [n, promoteLowp(previous(n, base))] as const),
  ['cast', DTYPE_CAST_KERNEL], ['cast_like', DTYPE_CAST_KERNEL],
  ['matmul_integer', INT_MATMUL_KERNEL], ['qlinear_matmul', INT_MATMUL_KERNEL], ['conv_integer', INT_CONV_KERNEL], ['qlinear_conv', INT_CONV_KERNEL],
  ['quantize_linear', QUANTIZE_KERNEL], ['dequantize_linear', DEQUANTIZE_KERNEL], ['dynamic_quantize_linear', DYNAMIC_QUANTIZE_KERNEL],
];
