// Shared by index-extra.test.ts and seq.test.ts: an IR module with several results, and one check
// that compiles it, validates the shaders with Tint, compiles again for identical bytes, runs it on
// Dawn + SwiftShader and compares every result with the interpreter; naga over all shaders seen.

import { expect } from 'vitest';
import type { Tensor } from '../../../ir/tensor.js';
import { type CompiledWebGpu } from '../../../src/backends/webgpu/index.js';
import { compileText, expectClose, interpText, runCompiled, validateShaders } from './helpers.js';
import { nagaValidate } from './naga-run.js';

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
 * naga (naga-run.ts) over the shaders of every module checked so far (identical texts once): the
 * failures as `name: stage line:col message` lines.
 */
export async function nagaFailures(): Promise<string[]> {
  const seen = new Set<string>();
  const shaders = compiled.flatMap((c, n) => c.shaders.filter((s) => !seen.has(s.code) && seen.add(s.code)).map((s) => ({ name: `${n}/${s.file}`, code: s.code })));
  const r = await nagaValidate(shaders);
  return r.results.filter((x) => x.errors.length > 0).map((x) => `${x.name}: ${x.errors.map((e) => `${e.stage} ${e.line}:${e.column} ${e.message}`).join('; ')}`);
}

/** One compile of a module with symbolic dims, run for each input set (each binding of the symbols). */
export async function checkBindings(text: string, inputSets: readonly Tensor[][], rtol?: number, atol?: number): Promise<void> {
  const c = compileText(text);
  compiled.push(c);
  expect(await validateShaders(c)).toEqual([]);
  for (const inputs of inputSets) expectClose(await runCompiled(c, inputs), interpText(text, inputs), rtol, atol);
}
