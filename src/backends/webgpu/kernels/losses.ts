// Kernels for negative_log_likelihood_loss and softmax_cross_entropy_loss. Registered in index.ts (later entries override earlier ones).

import type { KernelDef } from '../kernel-api.js';

export const LOSS_KERNELS: ReadonlyArray<readonly [string, KernelDef]> = [];
