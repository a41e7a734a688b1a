// naga validation of emitted shaders for kernel tests: one Deno process (naga-validate.js, wgpu on
// Mesa lavapipe) per call. Same runner as naga.test.ts (which keeps its own copy inside the test).

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CompiledWebGpu } from '../../../src/backends/webgpu/index.js';

const REPO = resolve(import.meta.dirname, '../../..');
const DENO = join(REPO, 'node_modules', '@deno', 'linux-x64-glibc', 'deno');
const SCRIPT = join(import.meta.dirname, 'naga-validate.js');

interface NagaReport {
  fatal?: string;
  missing: string[];
  results: { name: string; errors: { stage: string; line: number; column: number; message: string }[] }[];
}

/** naga's complaints about the shaders of these artifacts, as `name: stage line:col: message` lines (none = all valid). */
export function nagaErrors(compiled: readonly { name: string; c: CompiledWebGpu }[]): Promise<string[]> {
  const shaders = compiled.flatMap(({ name, c }) => c.shaders.map((s) => ({ name: `${name}/${s.file}`, code: s.code })));
  const features = [...new Set(compiled.flatMap(({ c }) => c.manifest.features))];
  const storage = Math.max(0, ...compiled.map(({ c }) => c.manifest.workgroupStorageBytes));
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
      try {
        const r = JSON.parse(stdout.trim().split('\n').pop() ?? '') as NagaReport;
        if (r.fatal || code !== 0) { bad(new Error(`deno exited ${code}: ${r.fatal ?? ''} ${stderr}`)); return; }
        if (r.results.length !== shaders.length) { bad(new Error(`naga reported ${r.results.length} of ${shaders.length} shaders`)); return; }
        ok([...r.missing.map((m) => `missing feature ${m}`), ...r.results.flatMap((x) => x.errors.map((e) => `${x.name}: ${e.stage} ${e.line}:${e.column}: ${e.message}`))]);
      } catch {
        bad(new Error(`deno exited ${code} without a report:\n${stdout}\n${stderr}`));
      }
    });
    child.stdin.end(JSON.stringify({ shaders, features, workgroupStorageBytes: storage }));
  });
}
