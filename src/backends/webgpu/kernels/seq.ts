// Kernels for sequence-model ops (rotary_embedding, linear_attention, causal_conv_with_state, dft, window functions). Registered in index.ts (later entries override earlier ones).

import type { KernelDef } from '../kernel-api.js';

export const SEQ_KERNELS: ReadonlyArray<readonly [string, KernelDef]> = [];
