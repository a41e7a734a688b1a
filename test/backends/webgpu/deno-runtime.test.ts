// The runtime uses only the standard WebGPU API: the same src/runtime/webgpu.ts (transpiled
// alone, without the compiler) runs a compiled tiny_bert folder in Deno, whose WebGPU is wgpu
// with naga on Mesa's lavapipe, through its default device path (navigator.gpu), and matches the
// interpreter. Inputs are i64 with symbolic batch and sequence dims.

import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { interpret } from '../../../ir/interp.js';
import { tensorFrom } from '../../../ir/tensor.js';
import { compileWebGpu, writeWebGpuArtifact } from '../../../src/backends/webgpu/index.js';
import { importOnnxFile } from '../../../src/onnx/import.js';
import { expectClose } from './helpers.js';

const REPO = resolve(import.meta.dirname, '../../..');
const DENO = join(REPO, 'node_modules', '@deno', 'linux-x64-glibc', 'deno');
const MODEL = resolve(REPO, '../shared/models/tiny_bert/model.onnx');
const tmp = mkdtempSync(join(tmpdir(), 'tenth-deno-rt-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// The runtime files as plain ES modules (what a browser or Deno would load from dist/).
function transpileRuntime(): void {
  // Every runtime file (not a fixed list: a new file webgpu.ts imports would be missing in Deno).
  for (const f of readdirSync(join(REPO, 'src/runtime')).filter((n) => n.endsWith('.ts') && !n.endsWith('.d.ts'))) {
    const src = readFileSync(join(REPO, 'src/runtime', f), 'utf8');
    const out = ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 } });
    writeFileSync(join(tmp, f.replace(/\.ts$/, '.js')), out.outputText);
  }
}

const SCRIPT = `
import { loadCompiledWebGpu } from './webgpu.js';
const job = JSON.parse(await new Response(Deno.stdin.readable).text());
const m = await loadCompiledWebGpu(job.dir);
const feeds = {};
for (const inp of job.inputs) feeds[inp.name] = { data: BigInt64Array.from(inp.data.map(BigInt)), dims: inp.dims };
const out = await m.run(feeds);
console.log(JSON.stringify(Object.fromEntries(Object.entries(out).map(([k, v]) => [k, { dims: v.dims, data: Array.from(v.data) }]))));
`;

function runDeno(job: object): Promise<Record<string, { dims: number[]; data: number[] }>> {
  const xdg = mkdtempSync(join(tmpdir(), 'tenth-deno-xdg-'));
  const env: NodeJS.ProcessEnv = { ...process.env, DENO_WEBGPU_BACKEND: 'vulkan', XDG_RUNTIME_DIR: xdg, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' };
  delete env['VK_ICD_FILENAMES'];
  return new Promise((ok, bad) => {
    const child = spawn(DENO, ['run', '--quiet', '--allow-read', join(tmp, 'run.mjs')], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', bad);
    child.on('close', (code) => {
      rmSync(xdg, { recursive: true, force: true });
      if (code !== 0) return bad(new Error(`deno exited ${code}: ${stderr}`));
      ok(JSON.parse(stdout.trim().split('\n').pop()!));
    });
    child.stdin.end(JSON.stringify(job));
  });
}

describe('webgpu runtime in Deno (wgpu + naga on lavapipe)', () => {
  it('tiny_bert at batch 2, seq 5 matches the interpreter', async () => {
    transpileRuntime();
    writeFileSync(join(tmp, 'run.mjs'), SCRIPT);
    const dir = join(tmp, 'tiny_bert');
    writeWebGpuArtifact(dir, compileWebGpu(importOnnxFile(MODEL)));
    const [n, s] = [2, 5];
    const vals = [Array.from({ length: n * s }, (_v, i) => (i * 37) % 1000), Array.from({ length: n * s }, (_v, i) => (i % 5 === 4 ? 0 : 1)), Array.from({ length: n * s }, (_v, i) => i % 2)];
    const names = ['input_ids', 'attention_mask', 'token_type_ids'];
    const got = await runDeno({ dir, inputs: names.map((name, k) => ({ name, dims: [n, s], data: vals[k] })) });
    const want = interpret(importOnnxFile(MODEL), vals.map((v) => tensorFrom('i64', [n, s], v.map(BigInt))));
    expectClose(['last_hidden_state', 'pooler_output'].map((k) => ({ dtype: 'f32' as const, shape: got[k]!.dims, data: Float32Array.from(got[k]!.data) })), want, 1e-3, 1e-5);
    expect(got['pooler_output']!.dims).toEqual([n, 128]);
  });
});
