// pad with its axes read at run time (kernels/pad.ts): one artifact runs several axes lists
// (negative ones, any order), with pads constant or read at run time too, every mode, a fill value,
// on f32 and integer data, against the interpreter. Shapes with 1s and primes; negative pads crop.
// Shaders through Tint and naga.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { interpret } from '../../../ir/interp.js';
import type { DType } from '../../../ir/dtype.js';
import { tensorFrom, type Tensor } from '../../../ir/tensor.js';
import { compileWebGpu, type CompiledWebGpu } from '../../../src/backends/webgpu/index.js';
import { fromRunTensor, toRunTensor } from '../../../src/conformance/feeds.js';
import { importOnnxBytes } from '../../../src/onnx/import.js';
import { buildModel } from '../../../src/onnx/writer.js';
import { instantiateWebGpu } from '../../../src/runtime/webgpu.js';
import { expectClose, gpuDevice, rand, validateShaders } from './helpers.js';
import { nagaErrors } from './naga-run.js';

const compiled: { name: string; c: CompiledWebGpu }[] = [];
let compared = 0;

async function run(c: CompiledWebGpu, inputs: readonly Tensor[]): Promise<Tensor[]> {
  const m = await instantiateWebGpu(c.manifest, c.shaders.map((s) => s.code), c.weights, await gpuDevice());
  const out = await m.run(Object.fromEntries(c.manifest.inputs.map((inp, i) => [inp.name, toRunTensor(inputs[i]!)])));
  return c.manifest.outputs.map((o) => fromRunTensor(o.dtype as Tensor['dtype'], out[o.name]!));
}

describe('webgpu pad with run-time axes vs interpreter (fast-check)', () => {
  it('one artifact, several axes and pads', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.constantFrom(1, 2, 3, 5, 7), { minLength: 1, maxLength: 3 }), fc.integer({ min: 1, max: 3 }),
      fc.constantFrom('constant', 'edge', 'reflect', 'wrap'), fc.constantFrom('f32', 'i32', 'u8'), fc.boolean(), fc.boolean(),
      fc.array(fc.tuple(fc.array(fc.integer({ min: -3, max: 2 }), { minLength: 3, maxLength: 3 }), fc.array(fc.integer({ min: -1, max: 3 }), { minLength: 6, maxLength: 6 })), { minLength: 2, maxLength: 2 }),
      fc.integer(),
      async (shape, n0, mode, dt, runtimePads, fill, draws, seed) => {
        const r = shape.length, n = Math.min(n0, r);
        const constPads = draws[0]![1].slice(0, 2 * n);
        const bytes = buildModel({
          opset: 19,
          inputs: [{ name: 'x', dtype: dt as DType, shape }, ...(runtimePads ? [{ name: 'pads', dtype: 'i64' as DType, shape: [2 * n] }] : []),
            ...(fill ? [{ name: 'v', dtype: dt as DType, shape: [] }] : []), { name: 'axes', dtype: 'i64', shape: [n] }],
          initializers: runtimePads ? [] : [{ name: 'pads', tensor: tensorFrom('i64', [2 * n], constPads.map(BigInt)) }],
          outputs: [{ name: 'y', dtype: dt as DType, shape: null }],
          nodes: [{ opType: 'Pad', inputs: ['x', 'pads', fill ? 'v' : '', 'axes'], outputs: ['y'], attrs: { mode } }],
        });
        const load = () => importOnnxBytes(bytes, { file: 'pad.onnx', baseDir: '.' });
        const c = compileWebGpu(load(), { passes: 'fuse' });
        expect(compileWebGpu(load(), { passes: 'fuse' }).shaders.map((s) => s.code)).toEqual(c.shaders.map((s) => s.code));
        compiled.push({ name: `pad-${compiled.length}`, c });
        const xf = rand(shape, seed);
        const x = dt === 'f32' ? xf : tensorFrom(dt as DType, shape, Array.from(xf.data as Float32Array, (v) => Math.floor((v + 1) * 50)));
        for (const [raw, pads] of draws) {
          // n distinct axes, each written negative when its draw was.
          const picked: number[] = [];
          for (const a of [...raw, 0, 1, 2]) if (picked.length < n && !picked.includes(((a % r) + r) % r)) picked.push(((a % r) + r) % r);
          const axes = picked.map((a, j) => ((raw[j] ?? 0) < 0 ? a - r : a));
          const p = runtimePads ? pads.slice(0, 2 * n) : constPads;
          // The modular modes need a kept element on each padded axis; the interpreter refuses an empty one.
          const kept = shape.map((d, a) => d + axes.reduce((s, b, j) => s + ((((b % r) + r) % r) === a ? Math.min(p[j]!, 0) + Math.min(p[j + n]!, 0) : 0), 0));
          if (kept.some((d) => d < 1)) continue;
          const inputs: Tensor[] = [x, ...(runtimePads ? [tensorFrom('i64', [2 * n], p.map(BigInt))] : []),
            ...(fill ? [tensorFrom(dt as DType, [], [dt === 'f32' ? -2.5 : 9])] : []), tensorFrom('i64', [n], axes.map(BigInt))];
          expectClose(await run(c, inputs), interpret(load(), inputs), 0, 0);
          compared++;
        }
      },
    ), { numRuns: 16, seed: 13 });
    expect(compared).toBeGreaterThan(16);
  }, 60_000);

  it('the shaders pass Tint and naga', async () => {
    expect(compiled.length).toBeGreaterThan(0);
    for (const { c } of compiled) expect(await validateShaders(c)).toEqual([]);
    expect(await nagaErrors(compiled)).toEqual([]);
  }, 60_000);
});
