// Zoo models for the quant family written by onnxruntime's quantization tools (filled by the
// quant-export helper; spread into QUANT_ZOO in models-quant.ts).

import type { ZooModel } from './models-common.js';

export const QUANT_EXPORT_ZOO: Readonly<Record<string, () => ZooModel>> = {};
