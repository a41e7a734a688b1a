// Unique and NonMaxSuppression: ops whose result size depends on the input values (../../data-dims.ts). The kernel
// counts, lays its results out for the count and stores it with KernelCtx.setCount.

import type { KernelDef } from '../kernel-api.js';

export const DATA_SIZED_B_KERNELS: ReadonlyArray<readonly [string, KernelDef]> = [];
