// On the GPU machine (bundled into .gpu-zoo/run.mjs by prep.ts): load each zoo model's WebGPU
// artifact on the adapter Dawn gives there (NVIDIA through Vulkan; workgroup zero-initialisation
// off, as in the tests), run every binding and compare with onnxruntime-node's outputs computed
// here (the zoo's tolerance, rtol 1e-3 / atol 1e-4). Prints one line per case and a last line
// `N cases of M models: ALL OK` or `K FAILED`; exit 1 when any failed.

import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { DType } from '../../../ir/dtype.js';
import type { Tensor } from '../../../ir/tensor.js';
import { compareTensors } from '../../../src/check/compare.js';
import type { GpuManifest } from '../../../src/backends/webgpu/artifact.js';
import { instantiateWebGpu } from '../../../src/runtime/webgpu.js';
import { nodeDevice, NODE_DAWN_FLAGS } from '../../../src/runtime/webgpu-node.js';
import { TOLERANCE } from '../harness.js';
import type { Encoded, ZooGpuModel } from './prep.js';

const ARR: Readonly<Record<string, new (b: ArrayBuffer) => ArrayBufferView>> = {
  f32: Float32Array, i64: BigInt64Array, i32: Int32Array, bool: Uint8Array, u8: Uint8Array, i8: Int8Array,
};
function decode(t: Encoded): Tensor {
  const b = Buffer.from(t.data, 'base64');
  const u = new Uint8Array(b.length);
  u.set(b);
  const make = ARR[t.dtype];
  if (!make) throw new Error(`dtype ${t.dtype} not handled`);
  return { dtype: t.dtype as DType, shape: t.shape, data: new make(u.buffer) } as unknown as Tensor;
}

const models = JSON.parse(gunzipSync(readFileSync(process.argv[2] ?? 'data.json.gz')).toString('utf8')) as ZooGpuModel[];
const device = await nodeDevice(NODE_DAWN_FLAGS);
let bad = 0, cases = 0;
for (const m of models) {
  try {
    const gm = await instantiateWebGpu(m.manifest as GpuManifest, m.shaders, new Uint8Array(Buffer.from(m.weights, 'base64')), device);
    for (const c of m.cases) {
      cases++;
      const ins = c.inputs.map(decode);
      const feeds = Object.fromEntries(m.manifest.inputs.map((inp, k) => [inp.name, { data: ins[k]!.data as Float32Array, dims: ins[k]!.shape }]));
      const out = await gm.run(feeds);
      const wrong = m.manifest.outputs.flatMap((o, k) => {
        const got = { dtype: o.dtype, shape: [...out[o.name]!.dims], data: out[o.name]!.data } as unknown as Tensor;
        const r = compareTensors(got, decode(c.want[k]!), TOLERANCE);
        return r.ok ? [] : [`${o.name}: ${r.reason ?? 'mismatch'} (max abs ${r.maxAbs})`];
      });
      if (wrong.length > 0) bad++;
      console.log(m.name, c.label || '(static)', wrong.length > 0 ? `FAIL ${wrong.join('; ')}` : 'OK');
    }
  } catch (e) {
    bad++;
    console.log(m.name, 'ERROR', String(e).split('\n')[0]);
  }
}
console.log(`${cases} cases of ${models.length} models: ${bad > 0 ? `${bad} FAILED` : 'ALL OK'}`);
process.exit(bad > 0 ? 1 : 0);
