// index-check.ts's clamps (wrapIndex, index0) evaluated on Dawn + SwiftShader for dims bound at
// run time, 0 included: the run is refused then (the status buffer), but the clamped index must
// still lie in the buffer, i.e. 0 for an empty dim (clamp(j, 0, d - 1) gave u32(-1) there).

import { describe, expect, it } from 'vitest';
import type { Op, Value } from '../../../ir/ir.js';
import { index0, wrapIndex } from '../../../src/backends/webgpu/index-check.js';
import type { KernelCtx } from '../../../src/backends/webgpu/kernel-api.js';
import { Body } from '../../../src/backends/webgpu/wgsl.js';
import { USAGE } from '../../../src/runtime/webgpu-device.js';
import { gpuDevice } from './helpers.js';

/** The two clamped indices for (d, j) pairs, computed by the emitted WGSL on the device. */
async function clamped(pairs: readonly (readonly [number, number])[]): Promise<[number, number][]> {
  const body = new Body(2);
  const k = { body, indexCheck: () => undefined, load: () => 'jin' } as unknown as KernelCtx;
  const op = {} as Op;
  const w = wrapIndex(k, op, 'jin', 'd');
  const z = index0(k, op, {} as Value, '0u', 'd').idx;
  const code = ['@group(0) @binding(0) var<storage, read_write> io: array<i32>;', '@compute @workgroup_size(1)',
    'fn main() {', `  for (var q = 0u; q < ${pairs.length}u; q++) {`, '    let d = bitcast<u32>(io[4u * q]);', '    let jin = io[4u * q + 1u];',
    body.text(), `    io[4u * q + 2u] = bitcast<i32>(${w});`, `    io[4u * q + 3u] = bitcast<i32>(${z});`, '  }', '}'].join('\n');
  const dev = await gpuDevice();
  const data = new Int32Array(pairs.flatMap(([d, j]) => [d, j, 0, 0]));
  const buf = dev.createBuffer({ size: data.byteLength, usage: USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST });
  const read = dev.createBuffer({ size: data.byteLength, usage: USAGE.MAP_READ | USAGE.COPY_DST });
  dev.queue.writeBuffer(buf, 0, data);
  dev.pushErrorScope('validation');
  const pipeline = await dev.createComputePipelineAsync({ layout: 'auto', compute: { module: dev.createShaderModule({ code }), entryPoint: 'main' } });
  const layout = (pipeline as { getBindGroupLayout(i: number): unknown }).getBindGroupLayout(0);
  const group = dev.createBindGroup({ layout, entries: [{ binding: 0, resource: { buffer: buf } }] });
  const enc = dev.createCommandEncoder();
  const pass = enc.beginComputePass();
  pass.setPipeline(pipeline); pass.setBindGroup(0, group); pass.dispatchWorkgroups(1); pass.end();
  enc.copyBufferToBuffer(buf, 0, read, 0, data.byteLength);
  dev.queue.submit([enc.finish()]);
  expect(await dev.popErrorScope()).toBeNull();
  await read.mapAsync(1);
  const out = new Uint32Array(read.getMappedRange().slice(0));
  read.unmap(); buf.destroy(); read.destroy();
  return pairs.map((_p, q) => [out[4 * q + 2]!, out[4 * q + 3]!]);
}

describe('webgpu index clamps stay in [0, max(d, 1))', () => {
  it('every index into dims 0, 1, 3, 7 (in range, negative, too large)', async () => {
    const pairs = [0, 1, 3, 7].flatMap((d) => [-9, -d, -1, 0, 1, d - 1, d, 100].map((j) => [d, j] as const));
    const got = await clamped(pairs);
    pairs.forEach(([d, j], q) => {
      const [wrapped, plain] = got[q]!;
      const hi = Math.max(d - 1, 0);
      // In range: the index itself (negative ones wrapped once); out of range: somewhere in the buffer.
      expect(wrapped, `wrapIndex d=${d} j=${j}`).toBeLessThanOrEqual(hi);
      expect(plain, `index0 d=${d} j=${j}`).toBeLessThanOrEqual(hi);
      if (j >= 0 && j < d) expect([wrapped, plain]).toEqual([j, j]);
      if (j < 0 && j >= -d) expect(wrapped).toBe(j + d);
    });
  });
});
