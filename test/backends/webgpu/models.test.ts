// mlp_digits, cnn_digits and tiny_bert compile to WGSL and match PyTorch's outputs on every
// test_data_set (`tenth run --check` tolerances) on Dawn + SwiftShader; tiny_bert's data sets
// have different batch and sequence lengths, so one set of shaders serves several bindings.
// mobilenet_v2 has its own file (it alone takes ~20 s on SwiftShader).

import { describe, it } from 'vitest';
import { checkModel } from './cli-models.js';

describe('webgpu backend on the shared models (SwiftShader)', () => {
  for (const name of ['mlp_digits', 'cnn_digits', 'tiny_bert']) {
    it(`${name}: compile --target webgpu, run --check on every test_data_set`, async () => {
      await checkModel(name);
    });
  }
  it('tiny_bert unfused (--passes O1): one dispatch per op also passes', async () => {
    await checkModel('tiny_bert', 'O1');
  });
});
