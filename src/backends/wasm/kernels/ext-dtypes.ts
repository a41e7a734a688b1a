// Kernels of the dtypes family (see the README's WASM backend section).

import type { KernelDef } from '../kernel-api.js';

export const EXT_DTYPES: readonly (readonly [string, KernelDef])[] = [];
