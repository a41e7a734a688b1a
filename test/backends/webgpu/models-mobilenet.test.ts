// mobilenet_v2 compiles to WGSL (implicit-GEMM conv, depthwise conv, clip epilogues, global
// average pool, gemm) and matches PyTorch's outputs on Dawn + SwiftShader.

import { describe, it } from 'vitest';
import { checkModel } from './cli-models.js';

describe('webgpu backend on mobilenet_v2 (SwiftShader)', () => {
  it('compile --target webgpu, run --check', async () => {
    await checkModel('mobilenet_v2');
  }, 120_000);
});
