// Kernels for RNN, LSTM and GRU. Registered in index.ts (later entries override earlier ones).

import type { KernelDef } from '../kernel-api.js';

export const RNN_KERNELS: ReadonlyArray<readonly [string, KernelDef]> = [];
