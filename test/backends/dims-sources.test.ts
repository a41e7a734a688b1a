// Where each run-time dim comes from (src/backends/dims.ts dimSources / dynamicDims, shared by the
// WASM and WebGPU lowerings): an input dim written as an expression ("n + 1") whose symbols other
// inputs bind is derived from them, and both runtimes refuse an input whose actual dim disagrees,
// naming the input; with nothing else binding its symbols it stays a plain input dim.

import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { interpret } from '../../ir/interp.js';
import type { Module } from '../../ir/ir.js';
import { parseModule } from '../../ir/parser.js';
import { tensorFrom } from '../../ir/tensor.js';
import { dimSources, dynamicDims, symbolsOf } from '../../src/backends/dims.js';
import { compileWasm } from '../../src/backends/wasm/index.js';
import { compileWebGpu } from '../../src/backends/webgpu/index.js';
import { importOnnxBytes } from '../../src/onnx/import.js';
import { buildModel } from '../../src/onnx/writer.js';
import { instantiateCompiled, type RunTensor } from '../../src/runtime/index.js';
import { instantiateWebGpu } from '../../src/runtime/webgpu.js';
import { gpuDevice } from './webgpu/helpers.js';

/** z = x + y[1:] with x: f32[n], y: f32["n + 1"]. */
const SLICE_ADD = buildModel({
  opset: 13, inputs: [{ name: 'x', dtype: 'f32', shape: ['n'] }, { name: 'y', dtype: 'f32', shape: ['n + 1'] }], outputs: [{ name: 'z', dtype: 'f32', shape: ['n'] }],
  nodes: [
    { opType: 'Constant', inputs: [], outputs: ['s'], attrs: { value: tensorFrom('i64', [1], [1n]) } },
    { opType: 'Constant', inputs: [], outputs: ['e'], attrs: { value: tensorFrom('i64', [1], [2n ** 63n - 1n]) } },
    { opType: 'Slice', inputs: ['y', 's', 'e'], outputs: ['t'] },
    { opType: 'Add', inputs: ['x', 't'], outputs: ['z'] },
  ],
});
const load = (): Module => importOnnxBytes(SLICE_ADD, { file: 'm.onnx', baseDir: '.' });

describe('dimSources', () => {
  it('input dims, data symbols, and an expression input dim whose symbols are bound elsewhere', () => {
    const m = parseModule([
      'module @m {',
      '  func @main(%x: f32[n,k], %y: f32["n+1"], %z: f32["q+1"], %s: i64[2]) -> (%o: f32[n,k]) {',
      '    return %x',
      '  }',
      '}',
    ].join('\n'), { file: 't.ir' });
    const src = dimSources(m.main);
    // n+1 is derived from n (and checked); q+1 is all the runtime knows of q, so it is an input dim.
    expect([...src.bound.entries()]).toEqual([['n', [0, 0]], ['k', [0, 1]], ['q+1', [2, 0]]]);
    expect([...src.data.entries()]).toEqual([['%s[0]', [3, 0]], ['%s[1]', [3, 1]]]);
    const { dims, unbound } = dynamicDims(m.main, symbolsOf(m.main));
    expect(Object.keys(dims.derived ?? {})).toEqual(['n+1']);
    expect(unbound).toEqual([]);
  });

  it('the WASM and WebGPU manifests carry the same dynamic part', () => {
    const w = compileWasm(load()), g = compileWebGpu(load());
    return w.then((w) => {
      expect(Object.keys(w.manifest.derived ?? {})).toContain('n + 1');
      expect(g.manifest.derived).toEqual(w.manifest.derived);
      expect(g.manifest.checks).toEqual(w.manifest.checks);
    });
  });
});

describe('an input dim written as an expression, on both runtimes', () => {
  type Run = (feeds: Record<string, RunTensor>) => Promise<Record<string, RunTensor>>;
  const runs: [string, Run][] = [];
  beforeAll(async () => {
    const w = await compileWasm(load());
    const wm = await instantiateCompiled(w.manifest, w.wasm, w.weights);
    const g = compileWebGpu(load());
    const gm = await instantiateWebGpu(g.manifest, g.shaders.map((s) => s.code), g.weights, await gpuDevice());
    runs.push(['wasm', (f) => wm.run(f)], ['webgpu', (f) => gm.run(f)]);
  }, 30_000);

  it('runs every fitting binding like the interpreter and refuses every other one', async () => {
    const m = load();
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 13 }), fc.integer({ min: 0, max: 15 }), async (n, ylen) => {
      const x = Float32Array.from({ length: n }, (_, i) => i - 3), y = Float32Array.from({ length: ylen }, (_, i) => 10 * i - 3);
      const feeds = { x: { data: x, dims: [n] }, y: { data: y, dims: [ylen] } };
      for (const [name, run] of runs) {
        if (ylen === n + 1) {
          const want = interpret(m, [tensorFrom('f32', [n], x), tensorFrom('f32', [ylen], y)])[0]!;
          const got = (await run(feeds))['z']!;
          expect(got.dims, name).toEqual([n]);
          expect(Array.from(got.data as Float32Array), name).toEqual(Array.from(want.data as Float32Array));
        } else {
          await expect(run(feeds), name).rejects.toThrow(`input 'y' dim 0 ('n + 1') is ${ylen}, but 'n + 1' = ${n + 1}`);
        }
      }
    }), { numRuns: 30 });
  });
});
