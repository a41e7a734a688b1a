// Kernels of the attention family (see the README's WASM backend section).

import type { KernelDef } from '../kernel-api.js';
import { ATTENTION_KERNEL } from './attention.js';

export const EXT_ATTENTION: readonly (readonly [string, KernelDef])[] = [
  ['attention', ATTENTION_KERNEL],
];
