// Zoo models for the ms-llm family (see test/zoo/README.md).

import type { ZooModel } from './models-common.js';

export const MS_LLM_ZOO: Readonly<Record<string, () => ZooModel>> = {};
