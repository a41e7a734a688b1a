// Zoo models for the legacy family (see test/zoo/README.md).

import type { ZooModel } from './models-common.js';

export const LEGACY_ZOO: Readonly<Record<string, () => ZooModel>> = {};
