// Input dims written as expressions (an ONNX dim_param "n + 1", transformers' "past_sequence +
// sequence"): the shape rules read them as the expression, so the runtime must check the input's
// actual dim against the value the expression gives and refuse a mismatch, naming the input and
// the dim, before running (zoo bug: it used to bind the dim as an opaque symbol and answer).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { interpret } from '../../ir/interp.js';
import { tensorFrom } from '../../ir/tensor.js';
import { compileWasm } from '../../src/backends/wasm/index.js';
import { importOnnxBytes } from '../../src/onnx/import.js';
import { buildModel } from '../../src/onnx/writer.js';
import { instantiateCompiled } from '../../src/runtime/index.js';
import { bindDerived } from '../../src/runtime/dims.js';

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

/** y = relu(x) with x: f32["n + 1"] only: nothing else binds n, the dim stays a plain input dim. */
const ALONE = buildModel({
  opset: 13, inputs: [{ name: 'x', dtype: 'f32', shape: ['n + 1'] }], outputs: [{ name: 'y', dtype: 'f32', shape: ['n + 1'] }],
  nodes: [{ opType: 'Relu', inputs: ['x'], outputs: ['y'] }],
});

async function load(bytes: Uint8Array) {
  const c = await compileWasm(importOnnxBytes(bytes, { file: 'm.onnx', baseDir: '.' }));
  return instantiateCompiled(c.manifest, c.wasm, c.weights);
}
const seq = (n: number, k: number): Float32Array => Float32Array.from({ length: n }, (_, i) => i * k - 3);

describe('runtime: input dims that are expressions', () => {
  it('runs every fitting binding like the interpreter and refuses every other one', async () => {
    const cm = await load(SLICE_ADD);
    const m = importOnnxBytes(SLICE_ADD, { file: 'm.onnx', baseDir: '.' });
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 13 }), fc.integer({ min: 0, max: 15 }), async (n, ylen) => {
      const x = seq(n, 1), y = seq(ylen, 10);
      if (ylen === n + 1) {
        const got = await cm.run({ x: { data: x, dims: [n] }, y: { data: y, dims: [ylen] } });
        const want = interpret(m, [tensorFrom('f32', [n], x), tensorFrom('f32', [ylen], y)])[0]!;
        expect(got['z']!.dims).toEqual([n]);
        expect(Array.from(got['z']!.data as Float32Array)).toEqual(Array.from(want.data as Float32Array));
      } else {
        await expect(cm.run({ x: { data: x, dims: [n] }, y: { data: y, dims: [ylen] } }))
          .rejects.toThrow(`input 'y' dim 0 ('n + 1') is ${ylen}, but 'n + 1' = ${n + 1}`);
      }
    }), { numRuns: 40 });
  });

  it('an expression dim whose symbols nothing else binds is taken as given', async () => {
    const cm = await load(ALONE);
    const got = await cm.run({ x: { data: Float32Array.of(-1, 2, -3, 4), dims: [4] } });
    expect(Array.from(got['y']!.data as Float32Array)).toEqual([0, 2, 0, 4]);
  });

  it('bindDerived checks a bound derived dim against its expression', () => {
    const manifest = {
      symbols: ['a', 'b', 'a + b'],
      derived: { 'a + b': { k: 'add', args: [{ k: 'sym', name: 'a' }, { k: 'sym', name: 'b' }] } },
      inputs: [{ name: 'p', shape: ['a', 'b'] }, { name: 'q', shape: [2, 'a + b'] }],
    };
    const ok: Record<string, number> = { a: 2, b: 3, 'a + b': 5 };
    bindDerived(manifest, () => [], ok, new Set());
    expect(ok['a + b']).toBe(5);
    expect(() => bindDerived(manifest, () => [], { a: 2, b: 3, 'a + b': 6 }, new Set()))
      .toThrow("input 'q' dim 1 ('a + b') is 6, but 'a + b' = 5 (from input 'p' dim 'a' = 2, input 'p' dim 'b' = 3)");
  });
});
