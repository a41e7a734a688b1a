// Kernels for batch_normalization training mode, mean_variance_normalization, max_pool indices, max_unpool, stft, mel_weight_matrix.

import type { KernelDef } from '../kernel-api.js';

export const MISC_B_KERNELS: ReadonlyArray<readonly [string, KernelDef]> = [];
