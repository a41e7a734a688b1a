// resize with antialias and scales or sizes read at run time (kernels/resize-dynamic.ts): the tap
// count per axis depends on the scale, so each element loops over its taps; one artifact runs
// several scales (down and up). Linear and cubic, exclude_outside, coordinate transformations,
// against the interpreter; shapes with 1s and primes. Also resize on f16, bf16 and f64 (f32
// registers, stores round), constant and run-time scales. Shaders through Tint and naga.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { interpret } from '../../../ir/interp.js';
import { castTensor } from '../../../ir/ops/elementwise-cast.js';
import type { DType } from '../../../ir/dtype.js';
import { tensorFrom, type Tensor } from '../../../ir/tensor.js';
import { fromRunTensor, toRunTensor } from '../../../src/conformance/feeds.js';
import { instantiateWebGpu } from '../../../src/runtime/webgpu.js';
import { compileWebGpu, type CompiledWebGpu } from '../../../src/backends/webgpu/index.js';
import { importOnnxBytes } from '../../../src/onnx/import.js';
import { buildModel } from '../../../src/onnx/writer.js';
import { expectClose, gpuDevice, rand, runCompiled, validateShaders } from './helpers.js';
import { nagaErrors } from './naga-run.js';

const compiled: { name: string; c: CompiledWebGpu }[] = [];
let compared = 0;

describe('webgpu resize antialias with run-time scales or sizes vs interpreter (fast-check)', () => {
  it('one artifact, several scales', async () => {
    await fc.assert(fc.asyncProperty(
      fc.constantFrom(1, 2, 3, 5, 7), fc.constantFrom(1, 2, 3, 5, 7), fc.constantFrom('linear', 'cubic'), fc.boolean(), fc.boolean(),
      fc.constantFrom('half_pixel', 'align_corners', 'asymmetric', 'pytorch_half_pixel'),
      fc.array(fc.tuple(fc.constantFrom(0.2, 0.34, 0.5, 0.6, 0.75, 1, 1.4), fc.constantFrom(0.25, 0.5, 0.7, 1, 2)), { minLength: 2, maxLength: 2 }), fc.integer(),
      async (h, w, mode, sizes, exclude, ctm, draws, seed) => {
        const shape = [1, 2, h, w];
        const bytes = buildModel({
          opset: 19,
          inputs: [{ name: 'x', dtype: 'f32', shape }, sizes ? { name: 'sizes', dtype: 'i64', shape: [4] } : { name: 'scales', dtype: 'f32', shape: [4] }],
          outputs: [{ name: 'y', dtype: 'f32', shape: null }],
          nodes: [{ opType: 'Resize', inputs: ['x', '', sizes ? '' : 'scales', ...(sizes ? ['sizes'] : [])], outputs: ['y'],
            attrs: { mode, antialias: 1, exclude_outside: exclude ? 1 : 0, coordinate_transformation_mode: ctm } }],
        });
        const load = () => importOnnxBytes(bytes, { file: 'resize.onnx', baseDir: '.' });
        const c = compileWebGpu(load(), { passes: 'fuse' });
        expect(compileWebGpu(load(), { passes: 'fuse' }).shaders.map((s) => s.code)).toEqual(c.shaders.map((s) => s.code));
        compiled.push({ name: `resize-${compiled.length}`, c });
        const x = rand(shape, seed);
        for (const [sh, sw] of draws) {
          const oh = Math.floor(h * sh), ow = Math.floor(w * sw);
          if (oh < 1 || ow < 1) continue;
          const p = sizes ? tensorFrom('i64', [4], [1n, 2n, BigInt(oh), BigInt(ow)]) : tensorFrom('f32', [4], [1, 1, sh, sw]);
          const inputs: Tensor[] = [x, p];
          expectClose(await runCompiled(c, inputs), interpret(load(), inputs), 1e-4, 1e-5);
          compared++;
        }
      },
    ), { numRuns: 16, seed: 29 });
    expect(compared).toBeGreaterThan(16);
  }, 60_000);

  it('f16, bf16, f64: every mode, constant and run-time scales, antialias', async () => {
    const TOL: Readonly<Record<string, number>> = { f16: 3e-3, bf16: 2e-2, f64: 1e-4 };
    let ran = 0;
    await fc.assert(fc.asyncProperty(
      fc.constantFrom('f16', 'bf16', 'f64'), fc.constantFrom(1, 2, 3, 5), fc.constantFrom(1, 3, 7), fc.constantFrom('nearest', 'linear', 'cubic'),
      fc.boolean(), fc.boolean(), fc.constantFrom(0.5, 0.6, 1.5, 2), fc.integer(),
      async (dt, h, w, mode, runtime, antialias, sc, seed) => {
        const shape = [1, 1, h, w];
        const scales = tensorFrom('f32', [4], [1, 1, sc, 1 / sc]);
        if (Math.floor(h * sc) < 1 || Math.floor(w / sc) < 1) return;
        const bytes = buildModel({
          opset: 19,
          inputs: [{ name: 'x', dtype: dt as DType, shape }, ...(runtime ? [{ name: 'scales', dtype: 'f32' as DType, shape: [4] }] : [])],
          initializers: runtime ? [] : [{ name: 'scales', tensor: scales }],
          outputs: [{ name: 'y', dtype: dt as DType, shape: null }],
          nodes: [{ opType: 'Resize', inputs: ['x', '', 'scales'], outputs: ['y'], attrs: { mode, antialias: antialias ? 1 : 0 } }],
        });
        const load = () => importOnnxBytes(bytes, { file: 'resize.onnx', baseDir: '.' });
        const c = compileWebGpu(load(), { passes: 'fuse' });
        compiled.push({ name: `resize-${dt}-${compiled.length}`, c });
        const inputs: Tensor[] = [castTensor(rand(shape, seed), dt as DType), ...(runtime ? [scales] : [])];
        const m = await instantiateWebGpu(c.manifest, c.shaders.map((sh) => sh.code), c.weights, await gpuDevice());
        const out = await m.run(Object.fromEntries(c.manifest.inputs.map((inp, i) => [inp.name, toRunTensor(inputs[i]!)])));
        const got = c.manifest.outputs.map((o) => fromRunTensor(o.dtype as Tensor['dtype'], out[o.name]!));
        expect(got[0]!.dtype).toBe(dt);
        expectClose(got, interpret(load(), inputs), TOL[dt], TOL[dt]);
        ran++;
      },
    ), { numRuns: 14, seed: 31 });
    expect(ran).toBeGreaterThan(6);
  }, 60_000);

  it('the shaders pass Tint and naga', async () => {
    expect(compiled.length).toBeGreaterThan(0);
    for (const { c } of compiled) expect(await validateShaders(c)).toEqual([]);
    expect(await nagaErrors(compiled)).toEqual([]);
  }, 60_000);
});
