// Kernels of the indexing family (see the README's WASM backend section).

import type { KernelDef } from '../kernel-api.js';

export const EXT_INDEXING: readonly (readonly [string, KernelDef])[] = [];
