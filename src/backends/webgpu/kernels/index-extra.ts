// Kernels for top_k, scatter_nd, gather_nd, tensor_scatter. Registered in index.ts (later entries override earlier ones).

import type { KernelDef } from '../kernel-api.js';

export const INDEX_EXTRA_KERNELS: ReadonlyArray<readonly [string, KernelDef]> = [];
