// Kernels of the attention family (see the README's WASM backend section). Each is an f32 kernel;
// f16/bf16 operands and results go through it by promoteLowp (decoded to f32 scratch, results
// rounded back), which needs static shapes.

import type { KernelDef } from '../kernel-api.js';
import { ATTENTION_KERNEL } from './attention.js';
import { CAUSAL_CONV_KERNEL, LINEAR_ATTENTION_KERNEL } from './attention-linear.js';
import { ROTARY_KERNEL } from './attention-rotary.js';
import { promoteLowp } from './dtype-promote.js';
import { EINSUM_KERNEL } from './einsum.js';
import { HARDMAX_KERNEL } from './hardmax.js';
import { LOSS_KERNEL } from './loss.js';
import { SWIGLU_KERNEL } from './swiglu.js';

const F32_KERNELS: [string, KernelDef][] = [
  ['attention', ATTENTION_KERNEL],
  ['negative_log_likelihood_loss', LOSS_KERNEL], ['softmax_cross_entropy_loss', LOSS_KERNEL],
  ['rotary_embedding', ROTARY_KERNEL], ['swiglu', SWIGLU_KERNEL], ['hardmax', HARDMAX_KERNEL],
  ['einsum', EINSUM_KERNEL],
  ['linear_attention', LINEAR_ATTENTION_KERNEL], ['causal_conv_with_state', CAUSAL_CONV_KERNEL],
];

export const EXT_ATTENTION: readonly (readonly [string, KernelDef])[] = F32_KERNELS.map(([n, kd]) => [n, promoteLowp(() => kd)] as const);
