// Shared by index-extra.test.ts and seq.test.ts: an IR module with several results, and one check
// that compiles it, validates the shaders with Tint, compiles again for identical bytes, runs it on
// Dawn + SwiftShader and compares every result with the interpreter; naga over all shaders seen.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { Tensor } from '../../../ir/tensor.js';
import { type CompiledWebGpu } from '../../../src/backends/webgpu/index.js';
import { compileText, expectClose, interpText, runCompiled, validateShaders } from './helpers.js';

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

interface NagaReport { fatal?: string; results: { name: string; errors: { stage: string; line: number; column: number; message: string }[] }[] }

/**
 * naga (Deno's wgpu on lavapipe, naga-validate.js) over the shaders of every module checked so far
 * (identical texts once): the failures as `name: stage line:col message` lines. Same job format
 * and environment as naga.test.ts.
 */
export function nagaFailures(): Promise<string[]> {
  const seen = new Set<string>();
  const shaders = compiled.flatMap((c, n) => c.shaders.filter((s) => !seen.has(s.code) && seen.add(s.code)).map((s) => ({ name: `${n}/${s.file}`, code: s.code })));
  const xdg = mkdtempSync(join(tmpdir(), 'tenth-naga-xdg-'));
  const env: NodeJS.ProcessEnv = { ...process.env, DENO_WEBGPU_BACKEND: 'vulkan', XDG_RUNTIME_DIR: xdg, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' };
  delete env['VK_ICD_FILENAMES'];
  const deno = join(import.meta.dirname, '../../../node_modules/@deno/linux-x64-glibc/deno');
  return new Promise((ok, bad) => {
    const child = spawn(deno, ['run', '--quiet', '--allow-read', '--allow-env', join(import.meta.dirname, 'naga-validate.js')], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', bad);
    child.on('close', (code) => {
      rmSync(xdg, { recursive: true, force: true });
      try {
        const r = JSON.parse(stdout.trim().split('\n').pop() ?? '') as NagaReport;
        if (r.fatal || code !== 0 || r.results.length !== shaders.length) bad(new Error(`deno exited ${code}: ${r.fatal ?? ''} ${stderr}`));
        else ok(r.results.filter((x) => x.errors.length > 0).map((x) => `${x.name}: ${x.errors.map((e) => `${e.stage} ${e.line}:${e.column} ${e.message}`).join('; ')}`));
      } catch {
        bad(new Error(`deno exited ${code} without a report:\n${stdout}\n${stderr}`));
      }
    });
    child.stdin.end(JSON.stringify({ shaders, features: [], workgroupStorageBytes: 0 }));
  });
}

/** One compile of a module with symbolic dims, run for each input set (each binding of the symbols). */
export async function checkBindings(text: string, inputSets: readonly Tensor[][], rtol?: number, atol?: number): Promise<void> {
  const c = compileText(text);
  compiled.push(c);
  expect(await validateShaders(c)).toEqual([]);
  for (const inputs of inputSets) expectClose(await runCompiled(c, inputs), interpText(text, inputs), rtol, atol);
}
