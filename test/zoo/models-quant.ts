// Zoo models for the quant family (see test/zoo/README.md).

import type { ZooModel } from './models-common.js';

export const QUANT_ZOO: Readonly<Record<string, () => ZooModel>> = {};
