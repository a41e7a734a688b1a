// The wasm runner shared by index-refuse.test.ts and index-refuse-more.test.ts: compile `text`
// (passes 'fuse', verified) and return a function running the same instance on given inputs,
// answering its f32 result %y.

import { parseModule } from '../../../ir/parser.js';
import type { Tensor } from '../../../ir/tensor.js';
import { compileWasm } from '../../../src/backends/wasm/index.js';
import { instantiateCompiled, type RunTensor } from '../../../src/runtime/index.js';

export async function wasmRunner(text: string): Promise<(inputs: Tensor[]) => Promise<Tensor[]>> {
  const c = await compileWasm(parseModule(text, { file: 'test.ir' }), { passes: 'fuse', verifyEach: true });
  const m = await instantiateCompiled(c.manifest, c.wasm, c.weights);
  return async (inputs) => {
    const feed: Record<string, RunTensor> = {};
    c.manifest.inputs.forEach((inp, q) => (feed[inp.name] = { data: inputs[q]!.data as RunTensor['data'], dims: inputs[q]!.shape }));
    const out = (await m.run(feed))['y']!;
    return [{ dtype: 'f32', shape: [...out.dims], data: out.data as Float32Array }];
  };
}
