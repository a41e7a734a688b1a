// Run compiled webgpu folders in Deno (wgpu + naga on Mesa lavapipe, which offers shader-f16,
// unlike SwiftShader under Dawn): the runtime transpiled alone, as a browser would load it, one
// Deno process for a batch of jobs (its start-up dominates small runs). Tensors travel as base64.

import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { type Tensor, tensorFrom } from '../../../ir/tensor.js';

const REPO = resolve(import.meta.dirname, '../../..');
const DENO = join(REPO, 'node_modules', '@deno', 'linux-x64-glibc', 'deno');

const SCRIPT = `
import { loadCompiledWebGpu } from './webgpu.js';
const job = JSON.parse(await new Response(Deno.stdin.readable).text());
const CTOR = { f32: Float32Array, i64: BigInt64Array, i32: Int32Array };
const b64 = (u) => { let s = ''; for (let i = 0; i < u.length; i += 8192) s += String.fromCharCode(...u.subarray(i, i + 8192)); return btoa(s); };
const results = [];
for (const j of job.jobs) {
  try {
    const m = await loadCompiledWebGpu(j.dir);
    const feeds = {};
    for (const t of j.inputs) {
      const raw = Uint8Array.from(atob(t.b64), (c) => c.charCodeAt(0));
      feeds[t.name] = { data: new CTOR[t.dtype](raw.buffer), dims: t.dims };
    }
    const out = await m.run(feeds);
    results.push({ outputs: Object.entries(out).map(([name, v]) => ({ name, dims: v.dims, b64: b64(new Uint8Array(Float32Array.from(v.data, Number).buffer)) })) });
  } catch (e) {
    results.push({ error: String(e && e.message || e) });
  }
}
console.log(JSON.stringify(results));
`;

export interface DenoJob { readonly dir: string; readonly inputs: readonly { readonly name: string; readonly tensor: Tensor }[] }
export type DenoResult = { error: string } | { outputs: { name: string; tensor: Tensor }[] };

/** A folder with the runtime as plain ES modules and the job script; remove it when done. */
export function denoRuntimeDir(): string {
  const tmp = mkdtempSync(join(tmpdir(), 'tenth-deno-jobs-'));
  // Every runtime file (not a fixed list: a new file webgpu.ts imports would be missing in Deno).
  for (const f of readdirSync(join(REPO, 'src/runtime')).filter((n) => n.endsWith('.ts') && !n.endsWith('.d.ts'))) {
    const src = readFileSync(join(REPO, 'src/runtime', f), 'utf8');
    writeFileSync(join(tmp, f.replace(/\.ts$/, '.js')), ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 } }).outputText);
  }
  writeFileSync(join(tmp, 'run.mjs'), SCRIPT);
  return tmp;
}

/** Run the jobs in one Deno process; each job's outputs come back as f32 tensors (or its error). */
export function runDenoJobs(runtimeDir: string, jobs: readonly DenoJob[]): Promise<DenoResult[]> {
  const xdg = mkdtempSync(join(tmpdir(), 'tenth-deno-xdg-'));
  const env: NodeJS.ProcessEnv = { ...process.env, DENO_WEBGPU_BACKEND: 'vulkan', XDG_RUNTIME_DIR: xdg, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' };
  delete env['VK_ICD_FILENAMES'];
  const payload = {
    jobs: jobs.map((j) => ({
      dir: j.dir,
      inputs: j.inputs.map(({ name, tensor: t }) => {
        const d = t.data as unknown as { buffer: ArrayBuffer; byteOffset: number; byteLength: number };
        return { name, dtype: t.dtype, dims: t.shape, b64: Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('base64') };
      }),
    })),
  };
  return new Promise((ok, bad) => {
    const child = spawn(DENO, ['run', '--quiet', '--allow-read', join(runtimeDir, 'run.mjs')], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', bad);
    child.on('close', (code) => {
      rmSync(xdg, { recursive: true, force: true });
      if (code !== 0) return bad(new Error(`deno exited ${code}: ${stderr}`));
      const raw = JSON.parse(stdout.trim().split('\n').pop()!) as ({ error: string } | { outputs: { name: string; dims: number[]; b64: string }[] })[];
      ok(raw.map((r) => ('error' in r ? r : {
        outputs: r.outputs.map((o) => {
          const b = Buffer.from(o.b64, 'base64');
          return { name: o.name, tensor: tensorFrom('f32', o.dims, new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength))) };
        }),
      })));
    });
    child.stdin.end(JSON.stringify(payload));
  });
}
