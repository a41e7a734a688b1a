// Zoo models for the quant family (see test/zoo/README.md).

import type { ZooModel } from './models-common.js';
import { QUANT_EXPORT_ZOO } from './models-quant-export.js';

export const QUANT_ZOO: Readonly<Record<string, () => ZooModel>> = {
  ...QUANT_EXPORT_ZOO,
};
