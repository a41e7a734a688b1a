// Kernels for quantisation, bit and integer ops over every storage dtype. Registered in index.ts (later entries override earlier ones).

import type { KernelDef } from '../kernel-api.js';

export const DTYPE_KERNELS: ReadonlyArray<readonly [string, KernelDef]> = [];
