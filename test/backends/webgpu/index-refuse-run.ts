// The webgpu runner shared by index-refuse.test.ts and index-refuse-more.test.ts: compile `text`
// (its op on line 3 with result %y), check its one index site and its shaders (Tint), and return
// a function running the same instance on given inputs.

import { expect } from 'vitest';
import type { Tensor } from '../../../ir/tensor.js';
import type { CompiledWebGpu } from '../../../src/backends/webgpu/index.js';
import { instantiateWebGpu, type RunTensor } from '../../../src/runtime/webgpu.js';
import { compileText, gpuDevice, validateShaders } from './helpers.js';

export async function checkedRunner(text: string, op: string, from0: boolean, seen: CompiledWebGpu[]): Promise<(inputs: Tensor[]) => Promise<Tensor[]>> {
  const c = compileText(text);
  seen.push(c);
  expect(c.manifest.indexSites).toEqual([from0 ? { site: `${op} %y at test.ir:3:5`, from: 0 } : `${op} %y at test.ir:3:5`]);
  expect(await validateShaders(c)).toEqual([]);
  const m = await instantiateWebGpu(c.manifest, c.shaders.map((s) => s.code), c.weights, await gpuDevice());
  return async (inputs) => {
    const feed: Record<string, RunTensor> = {};
    c.manifest.inputs.forEach((inp, q) => (feed[inp.name] = { data: inputs[q]!.data as RunTensor['data'], dims: inputs[q]!.shape }));
    const out = await m.run(feed);
    return c.manifest.outputs.map((o) => ({ dtype: o.dtype as Tensor['dtype'], shape: [...out[o.name]!.dims], data: out[o.name]!.data as Tensor['data'] }));
  };
}
