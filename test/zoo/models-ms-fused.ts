// Zoo models for the ms-fused family (see test/zoo/README.md).

import type { ZooModel } from './models-common.js';

export const MS_FUSED_ZOO: Readonly<Record<string, () => ZooModel>> = {};
