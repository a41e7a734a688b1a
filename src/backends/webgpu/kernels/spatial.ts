// Kernels for sampling and spatial ops (grid_sample, affine_grid, roi_align, deform_conv, col2im, center_crop_pad). Registered in index.ts (later entries override earlier ones).

import type { KernelDef } from '../kernel-api.js';

export const SPATIAL_KERNELS: ReadonlyArray<readonly [string, KernelDef]> = [];
