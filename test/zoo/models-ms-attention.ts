// Zoo models for the ms-attention family (see test/zoo/README.md).

import type { ZooModel } from './models-common.js';

export const MS_ATTENTION_ZOO: Readonly<Record<string, () => ZooModel>> = {};
