// Zoo models for the optimum family (see test/zoo/README.md).

import type { ZooModel } from './models-common.js';

export const OPTIMUM_ZOO: Readonly<Record<string, () => ZooModel>> = {};
