// Shared by the wasm backend tests: compile a module in memory, instantiate it through the
// runtime, run it, and compare with the interpreter.

import { expect } from 'vitest';
import { interpret } from '../../../ir/interp.js';
import type { Module } from '../../../ir/ir.js';
import { parseModule } from '../../../ir/parser.js';
import type { Tensor } from '../../../ir/tensor.js';
import { compileWasm } from '../../../src/backends/wasm/index.js';
import { instantiateCompiled, type RunTensor } from '../../../src/runtime/index.js';

/** Compile IR text with `passes`, run it on `inputs` (in argument order), return the outputs. */
export async function runWasm(text: string, inputs: readonly Tensor[], passes = 'fuse'): Promise<Tensor[]> {
  const m = parseModule(text, { file: 'test.ir' });
  const c = await compileWasm(m, { passes, verifyEach: true });
  const cm = await instantiateCompiled(c.manifest, c.wasm, c.weights);
  const feed: Record<string, RunTensor> = {};
  c.manifest.inputs.forEach((inp, i) => (feed[inp.name] = { data: inputs[i]!.data as RunTensor['data'], dims: inputs[i]!.shape }));
  const out = await cm.run(feed);
  return c.manifest.outputs.map((o) => ({ dtype: o.dtype as Tensor['dtype'], shape: [...out[o.name]!.dims], data: out[o.name]!.data as Tensor['data'] }));
}

export function interpText(text: string, inputs: readonly Tensor[]): Tensor[] {
  const m: Module = parseModule(text, { file: 'test.ir' });
  return interpret(m, [...inputs]);
}

/** |got - want| <= atol + rtol * |want| everywhere, same shapes. */
export function expectClose(got: readonly Tensor[], want: readonly Tensor[], rtol = 1e-4, atol = 1e-5): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, k) => {
    const w = want[k]!;
    expect(g.shape).toEqual(w.shape);
    const a = g.data as Float32Array, b = w.data as Float32Array;
    for (let i = 0; i < b.length; i++) {
      // An infinity must be matched exactly: |x - inf| <= atol + rtol * inf would accept any x.
      const ok = a[i] === b[i] || (Number.isFinite(b[i]!) && Math.abs(a[i]! - b[i]!) <= atol + rtol * Math.abs(b[i]!)) || (Number.isNaN(a[i]!) && Number.isNaN(b[i]!));
      if (!ok) expect.fail(`output ${k} element ${i}: got ${a[i]}, want ${b[i]} (shape [${w.shape}])`);
    }
  });
}

export const hexF32 = (xs: Float32Array): string => `0x${Buffer.from(xs.buffer, xs.byteOffset, xs.byteLength).toString('hex')}`;
export const fmtShape = (s: readonly (number | string)[]): string => `f32[${s.join(',')}]`;
