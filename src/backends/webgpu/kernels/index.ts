// The kernel table: IR op name -> generator (conv picks depthwise or implicit GEMM per op).

import type { Op } from '../../../../ir/ir.js';
import { intAttr, type KernelDef } from '../kernel-api.js';
import { CAST_KERNEL, CONCAT_KERNEL, COPY_KERNEL, EXPAND_KERNEL, GATHER_ELEMENTS_KERNEL, GATHER_KERNEL, SHAPE_KERNEL, SIZE_KERNEL, SLICE_KERNEL, SPLIT_KERNEL, RANGE_KERNEL, CONSTANT_OF_SHAPE_KERNEL, TRANSPOSE_KERNEL, TRILU_KERNEL } from './data.js';
import { ATTENTION_KERNEL } from './attention.js';
import { CONV_TRANSPOSE_KERNEL } from './conv-transpose.js';
import { DATA_EXTRA_KERNEL, DATA_EXTRA_OPS } from './data-extra.js';
import { INDEX_OPS, INDEX_OPS_KERNEL } from './index-ops.js';
import { NORM_EXTRA_KERNEL, NORM_EXTRA_OPS } from './norm-extra.js';
import { PAD_KERNEL } from './pad.js';
import { POOL_ND_KERNEL } from './pool-nd.js';
import { SLICE_ANY_KERNEL } from './slice-dynamic.js';
import { RESIZE_KERNEL } from './resize.js';
import { UNARY_EXTRA_KERNEL, UNARY_EXTRA_OPS } from './unary-extra.js';
import { hasRuntimeAxes, REDUCE_DYNAMIC_KERNEL } from './reduce-dynamic.js';
import { ELEMENTWISE_KERNEL, ELEMENTWISE_OPS } from './elementwise.js';
import { CONV_KERNEL, GEMM_KERNEL, MATMUL_KERNEL } from './gemm.js';
import { ARG_KERNEL, HARDMAX_KERNEL, LAYER_NORM_KERNEL, REDUCE_KERNEL, REDUCE_OPS, SOFTMAX_KERNEL } from './rows.js';
import { RNN_KERNELS } from './rnn.js';
import { SPATIAL_KERNELS } from './spatial.js';
import { LOSS_KERNELS } from './losses.js';
import { INDEX_EXTRA_KERNELS } from './index-extra.js';
import { SEQ_KERNELS } from './seq.js';
import { DTYPE_KERNELS } from './dtype-ops.js';
import { MISC_A_KERNELS } from './misc-a.js';
import { MISC_B_KERNELS } from './misc-b.js';
import { DATA_SIZED_A_KERNELS } from './data-sized-a.js';
import { DATA_SIZED_B_KERNELS } from './data-sized-b.js';
import { SIGNAL_EXTRA_KERNELS } from './signal-extra.js';
import { BATCH_NORM_KERNEL, DEPTHWISE_KERNEL, isDepthwise, POOL_KERNEL } from './window.js';

export const KERNELS: ReadonlyMap<string, KernelDef> = new Map<string, KernelDef>([
  ...ELEMENTWISE_OPS.map((n) => [n, ELEMENTWISE_KERNEL] as const),
  ...['identity', 'reshape', 'flatten', 'unsqueeze', 'squeeze', 'dropout'].map((n) => [n, COPY_KERNEL] as const),
  ['cast', CAST_KERNEL], ['cast_like', CAST_KERNEL], ['expand', EXPAND_KERNEL], ['gather_elements', GATHER_ELEMENTS_KERNEL], ['trilu', TRILU_KERNEL], ['split', SPLIT_KERNEL], ['range', RANGE_KERNEL], ['constant_of_shape', CONSTANT_OF_SHAPE_KERNEL],
  ['transpose', TRANSPOSE_KERNEL], ['slice', SLICE_KERNEL], ['gather', GATHER_KERNEL], ['concat', CONCAT_KERNEL], ['shape', SHAPE_KERNEL], ['size', SIZE_KERNEL],
  ['max_pool', POOL_KERNEL], ['average_pool', POOL_KERNEL], ['batch_normalization', BATCH_NORM_KERNEL],
  ['matmul', MATMUL_KERNEL], ['gemm', GEMM_KERNEL], ['conv', CONV_KERNEL],
  ['softmax', SOFTMAX_KERNEL], ['log_softmax', SOFTMAX_KERNEL], ['layer_normalization', LAYER_NORM_KERNEL], ['rms_normalization', LAYER_NORM_KERNEL],
  ...REDUCE_OPS.map((n) => [n, REDUCE_KERNEL] as const),
  ['pad', PAD_KERNEL], ...NORM_EXTRA_OPS.map((n) => [n, NORM_EXTRA_KERNEL] as const), ...INDEX_OPS.map((n) => [n, INDEX_OPS_KERNEL] as const), ...DATA_EXTRA_OPS.map((n) => [n, DATA_EXTRA_KERNEL] as const), ['max_pool', POOL_ND_KERNEL], ['average_pool', POOL_ND_KERNEL], ['lp_pool', POOL_ND_KERNEL], ['conv_transpose', CONV_TRANSPOSE_KERNEL], ['slice', SLICE_ANY_KERNEL], ['resize', RESIZE_KERNEL], ...UNARY_EXTRA_OPS.map((n) => [n, UNARY_EXTRA_KERNEL] as const),
  ['arg_max', ARG_KERNEL], ['arg_min', ARG_KERNEL], ['hardmax', HARDMAX_KERNEL],
  ['attention', ATTENTION_KERNEL],
  ...RNN_KERNELS, ...SPATIAL_KERNELS, ...LOSS_KERNELS, ...INDEX_EXTRA_KERNELS, ...SEQ_KERNELS, ...DTYPE_KERNELS, ...MISC_A_KERNELS, ...MISC_B_KERNELS, ...DATA_SIZED_A_KERNELS, ...DATA_SIZED_B_KERNELS,
  ...SIGNAL_EXTRA_KERNELS,
]);

export function kernelFor(op: Op): KernelDef | undefined {
  if (op.name === 'conv' && isDepthwise(op)) return DEPTHWISE_KERNEL;
  if (hasRuntimeAxes(op)) return REDUCE_DYNAMIC_KERNEL;
  // The multi-result forms (misc-b.ts) are special kernels; the common one-result forms stay map
  // kernels so they chain into the dispatch of the op before them.
  if (op.name === 'batch_normalization' && op.results.length === 1 && intAttr(op, 'training_mode', 0) === 0) return BATCH_NORM_KERNEL;
  if (op.name === 'max_pool' && op.results.length === 1) return POOL_ND_KERNEL;
  return KERNELS.get(op.name);
}

/** A short name for file names: `conv2d`, `dwconv2d`, else the op name. */
export function kernelLabel(op: Op): string {
  if (op.name === 'conv') return isDepthwise(op) ? 'dwconv2d' : 'conv2d';
  return op.name.replace(/_/g, '-');
}
