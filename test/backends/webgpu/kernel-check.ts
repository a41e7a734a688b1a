// Shared by index-extra.test.ts and seq.test.ts: an IR module with several results, and one check
// that compiles it, validates the shaders with Tint, compiles again for identical bytes, runs it on
// Dawn + SwiftShader and compares every result with the interpreter; naga over all shaders seen.

import { expect } from 'vitest';
import type { Tensor } from '../../../ir/tensor.js';
import { type CompiledWebGpu } from '../../../src/backends/webgpu/index.js';
import { compileText, expectClose, interpText, runCompiled, validateShaders } from './helpers.js';
import { nagaErrors } from './naga-run.js';

export const irModule = (args: string, results: readonly (readonly [string, string])[], body: readonly string[]): string =>
  ['module @m {', `  func @main(${args}) -> (${results.map(([n, t]) => `%${n}: ${t}`).join(', ')}) {`, ...body.map((l) => `    ${l}`),
    `    return ${results.map(([n]) => `%${n}`).join(', ')}`, '  }', '}'].join('\n');

/** Every compiled module the checks saw (for a naga pass over all their shaders). */
export const compiled: CompiledWebGpu[] = [];

export async function checkAll(text: string, inputs: Tensor[], rtol?: number, atol?: number): Promise<void> {
  const c = compileText(text);
  compiled.push(c);
  expect(await validateShaders(c)).toEqual([]);
  expect(compileText(text).shaders).toEqual(c.shaders);
  expectClose(await runCompiled(c, inputs), interpText(text, inputs), rtol, atol);
}

/**
 * naga (naga-run.ts nagaErrors: features and workgroup storage as the modules declare them) over
 * every module checked so far; refuses to pass on none (the checks before it were filtered out).
 */
export async function nagaFailures(): Promise<string[]> {
  expect(compiled.length, 'no module was checked before the naga pass').toBeGreaterThan(0);
  return nagaErrors(compiled.map((c, n) => ({ name: String(n), c })));
}

/** One compile of a module with symbolic dims, run for each input set (each binding of the symbols). */
export async function checkBindings(text: string, inputSets: readonly Tensor[][], rtol?: number, atol?: number): Promise<void> {
  const c = compileText(text);
  compiled.push(c);
  expect(await validateShaders(c)).toEqual([]);
  for (const inputs of inputSets) expectClose(await runCompiled(c, inputs), interpText(text, inputs), rtol, atol);
}
