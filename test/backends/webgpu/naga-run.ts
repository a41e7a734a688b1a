// The one naga runner of the webgpu tests: a Deno process (naga-validate.js, Deno's wgpu on Mesa
// lavapipe) fed a JSON job on stdin, which compiles each shader and makes its pipeline and reports
// module and pipeline errors with line and column. naga.test.ts, rnn.test.ts, kernel-check.ts and
// the kernel tests all go through nagaValidate (or nagaErrors over compiled artifacts).

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CompiledWebGpu } from '../../../src/backends/webgpu/index.js';

const REPO = resolve(import.meta.dirname, '../../..');
const DENO = join(REPO, 'node_modules', '@deno', 'linux-x64-glibc', 'deno');
const SCRIPT = join(import.meta.dirname, 'naga-validate.js');

export interface NagaError { stage: 'module' | 'pipeline'; line: number; column: number; message: string }
export interface NagaReport {
  fatal?: string;
  adapter: Record<string, string | undefined>;
  features: string[];
  missing: string[];
  results: { name: string; errors: NagaError[] }[];
}
export interface NagaShader { name: string; code: string }

/**
 * Run naga-validate.js once on these shaders; rejects when Deno fails or reports on fewer shaders
 * than it was given. lavapipe: VK_ICD_FILENAMES (SwiftShader, for Dawn) is removed from its env.
 */
export function nagaValidate(shaders: readonly NagaShader[], features: readonly string[] = [], workgroupStorageBytes = 0): Promise<NagaReport> {
  const xdg = mkdtempSync(join(tmpdir(), 'tenth-naga-xdg-'));
  const env: NodeJS.ProcessEnv = { ...process.env, DENO_WEBGPU_BACKEND: 'vulkan', XDG_RUNTIME_DIR: xdg, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' };
  delete env['VK_ICD_FILENAMES'];
  return new Promise((ok, bad) => {
    const child = spawn(DENO, ['run', '--quiet', '--allow-read', '--allow-env', SCRIPT], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', bad);
    child.on('close', (code) => {
      rmSync(xdg, { recursive: true, force: true });
      let r: NagaReport;
      try {
        r = JSON.parse(stdout.trim().split('\n').pop() ?? '') as NagaReport;
      } catch {
        bad(new Error(`deno exited ${code} without a report:\n${stdout}\n${stderr}`));
        return;
      }
      if (r.fatal || code !== 0) bad(new Error(`deno exited ${code}: ${r.fatal ?? ''} ${stderr}`));
      else if (r.results.length !== shaders.length) bad(new Error(`naga reported ${r.results.length} of ${shaders.length} shaders`));
      else ok(r);
    });
    child.stdin.end(JSON.stringify({ shaders, features, workgroupStorageBytes }));
  });
}

/** `name: stage line:col: message` for each error of a report (none = all valid). */
export const nagaLines = (r: NagaReport): string[] => r.results.flatMap((x) => x.errors.map((e) => `${x.name}: ${e.stage} ${e.line}:${e.column}: ${e.message}`));

/** naga's complaints about the shaders of these artifacts (missing features first; none = all valid). */
export async function nagaErrors(compiled: readonly { name: string; c: CompiledWebGpu }[]): Promise<string[]> {
  const shaders = compiled.flatMap(({ name, c }) => c.shaders.map((s) => ({ name: `${name}/${s.file}`, code: s.code })));
  const features = [...new Set(compiled.flatMap(({ c }) => c.manifest.features))];
  const storage = Math.max(0, ...compiled.map(({ c }) => c.manifest.workgroupStorageBytes));
  const r = await nagaValidate(shaders, features, storage);
  return [...r.missing.map((m) => `missing feature ${m}`), ...nagaLines(r)];
}
