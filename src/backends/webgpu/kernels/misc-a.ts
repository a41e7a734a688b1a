// Kernels for einsum (general), det, reverse_sequence, tf_idf_vectorizer.

import type { KernelDef } from '../kernel-api.js';

export const MISC_A_KERNELS: ReadonlyArray<readonly [string, KernelDef]> = [];
