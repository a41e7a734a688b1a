// Kernels of the attention family (see the README's WASM backend section).

import type { KernelDef } from '../kernel-api.js';
import { ATTENTION_KERNEL } from './attention.js';
import { LOSS_KERNEL } from './loss.js';

export const EXT_ATTENTION: readonly (readonly [string, KernelDef])[] = [
  ['attention', ATTENTION_KERNEL],
  ['negative_log_likelihood_loss', LOSS_KERNEL], ['softmax_cross_entropy_loss', LOSS_KERNEL],
];
