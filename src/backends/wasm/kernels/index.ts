// The kernel table: IR op name -> generator. One op family per file.

import type { KernelDef } from '../kernel-api.js';
import { CAST_KERNEL, CONCAT_KERNEL, COPY_KERNEL, GATHER_KERNEL, SHAPE_KERNEL, SLICE_KERNEL, TRANSPOSE_KERNEL } from './data.js';
import { CONV_KERNEL } from './conv.js';
import { ELEMENTWISE_KERNEL, ELEMENTWISE_OPS } from './elementwise.js';
import { PAD_KERNEL, TILE_KERNEL } from './data-pad.js';
import { AXIS_SOFTMAX_KERNEL } from './norm-softmax-axis.js';
import { AVG_POOL_KERNEL, GLOBAL_MAX_KERNEL, MAX_POOL_1D_KERNEL } from './pool-avg.js';
import { ANY_DTYPE_REDUCE_KERNEL, ARG_KERNEL, LOG_SUM_KERNEL } from './reduce-extra.js';
import { RESIZE_KERNEL } from './data-resize.js';
import { RNN_KERNEL } from './rnn-cells.js';
import { SPLIT_KERNEL } from './data-split.js';
import { INSTANCE_NORM_KERNEL } from './norm-instance.js';
import { CONSTANT_OF_SHAPE_KERNEL, RANGE_KERNEL } from './data-fill.js';
import { CUM_KERNEL } from './reduce-cum.js';
import { GATHER_ELEMENTS_KERNEL, SIZE_KERNEL, TRILU_KERNEL } from './data-index.js';
import { SPACE_KERNEL } from './data-space.js';
import { NORM_ANY_KERNEL } from './norm-layer-any.js';
import { CAST_ANY_KERNEL } from './data-cast-any.js';
import { CONV_TRANSPOSE_KERNEL } from './conv-transpose.js';
import { GENERIC_ELEMENTWISE_KERNEL, GENERIC_OPS } from './generic-elementwise.js';
import { GEMM_KERNEL, MATMUL_KERNEL } from './matmul.js';
import { BATCH_NORM_KERNEL, LAYER_NORM_KERNEL, SOFTMAX_KERNEL } from './norm.js';
import { GLOBAL_AVG_KERNEL, MAX_POOL_KERNEL } from './pool.js';
import { REDUCE_KERNEL, REDUCE_OPS } from './reduce.js';
import { EXT_ATTENTION } from './ext-attention.js';
import { EXT_INDEXING } from './ext-indexing.js';
import { EXT_DTYPES } from './ext-dtypes.js';
import { controlKernels } from './control-flow.js';
import { EXT_ODDS } from './ext-odds.js';
import { DATA_SIZED_A_KERNELS } from './data-sized-a.js';
import { DATA_SIZED_B_KERNELS } from './data-sized-b.js';

export const KERNELS: ReadonlyMap<string, KernelDef> = new Map<string, KernelDef>([
  ...ELEMENTWISE_OPS.map((n) => [n, ELEMENTWISE_KERNEL] as const),
  ['matmul', MATMUL_KERNEL],
  ['gemm', GEMM_KERNEL],
  ['conv', CONV_KERNEL],
  ['max_pool', MAX_POOL_KERNEL],
  ['global_average_pool', GLOBAL_AVG_KERNEL],
  ...REDUCE_OPS.map((n) => [n, REDUCE_KERNEL] as const),
  ['batch_normalization', BATCH_NORM_KERNEL],
  ['layer_normalization', LAYER_NORM_KERNEL],
  ['softmax', SOFTMAX_KERNEL],
  ['identity', COPY_KERNEL], ['reshape', COPY_KERNEL], ['flatten', COPY_KERNEL], ['unsqueeze', COPY_KERNEL], ['squeeze', COPY_KERNEL], ['dropout', COPY_KERNEL],
  ['transpose', TRANSPOSE_KERNEL],
  ['slice', SLICE_KERNEL],
  ['gather', GATHER_KERNEL],
  ['concat', CONCAT_KERNEL],
  ['shape', SHAPE_KERNEL],
  ['cast', CAST_KERNEL],
  // After the f32x4 entries: f32 ops still go to them, other dtypes and ops to the scalar fallback.
  ...GENERIC_OPS.map((n) => [n, GENERIC_ELEMENTWISE_KERNEL] as const),
  ['softmax', AXIS_SOFTMAX_KERNEL], ['log_softmax', AXIS_SOFTMAX_KERNEL],
  ['rnn', RNN_KERNEL], ['gru', RNN_KERNEL], ['lstm', RNN_KERNEL],
  ['cum_sum', CUM_KERNEL], ['cum_prod', CUM_KERNEL],
  ['trilu', TRILU_KERNEL], ['gather_elements', GATHER_ELEMENTS_KERNEL], ['size', SIZE_KERNEL], ['cast', CAST_ANY_KERNEL], ['cast_like', CAST_ANY_KERNEL],
  ['depth_to_space', SPACE_KERNEL], ['space_to_depth', SPACE_KERNEL],
  ['layer_normalization', NORM_ANY_KERNEL], ['rms_normalization', NORM_ANY_KERNEL],
  ['conv_transpose', CONV_TRANSPOSE_KERNEL],
  ['range', RANGE_KERNEL], ['constant_of_shape', CONSTANT_OF_SHAPE_KERNEL],
  ['split', SPLIT_KERNEL], ['instance_normalization', INSTANCE_NORM_KERNEL],
  ['pad', PAD_KERNEL], ['tile', TILE_KERNEL], ['resize', RESIZE_KERNEL],
  ['average_pool', AVG_POOL_KERNEL], ['max_pool', MAX_POOL_1D_KERNEL], ['global_max_pool', GLOBAL_MAX_KERNEL],
  ...['reduce_sum', 'reduce_mean', 'reduce_max', 'reduce_min', 'reduce_prod'].map((n) => [n, ANY_DTYPE_REDUCE_KERNEL] as const),
  ['reduce_log_sum', LOG_SUM_KERNEL], ['reduce_log_sum_exp', LOG_SUM_KERNEL], ['arg_max', ARG_KERNEL], ['arg_min', ARG_KERNEL],
  ...EXT_ATTENTION, ...EXT_INDEXING, ...EXT_DTYPES, ...EXT_ODDS, ...DATA_SIZED_A_KERNELS, ...DATA_SIZED_B_KERNELS,
  // Bodies are emitted with this same table (nested control ops included).
  ...controlKernels(() => KERNELS),
]);
