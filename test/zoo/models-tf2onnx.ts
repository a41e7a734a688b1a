// Zoo models for the tf2onnx family (see test/zoo/README.md).

import type { ZooModel } from './models-common.js';

export const TF2ONNX_ZOO: Readonly<Record<string, () => ZooModel>> = {};
