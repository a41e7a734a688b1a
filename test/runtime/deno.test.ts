// The runtime in Deno: `import { loadCompiled } from 'tenth'` resolves (package.json's "deno"
// condition) to the runtime alone, which loads compiled shared models from a path and from a
// file: URL and over http, and matches their expected outputs (PyTorch's, from the .pb files).
// One Deno process runs every data set: the job goes in on stdin, the outputs come back as JSON.

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tensorFrom } from '../../ir/tensor.js';
import { compareTensors } from '../../src/check/compare.js';
import { compileShared, loadDataSet, REPO, tensorToJson, writeRuntimePackage, type DataSet } from '../web/runtime-package.js';
import { serveFolder, type StaticServer } from '../web/static-server.js';

const DENO = join(REPO, 'node_modules', '.bin', 'deno');
const TOL = { rtol: 1e-3, atol: 1e-5 };

// Runs in Deno, type-checked first (`deno run --check`: the package's "deno" condition must lead to
// the runtime's declarations too). Loads each model by path or by file: URL, as the job says, and
// prints {sameModule: whether 'tenth' is the runtime file itself, results: [{name: {dims, data}}]}.
const SCRIPT = `
import * as tenth from 'tenth';
import type { CompiledModel, RunTensor, TypedArray } from 'tenth';
// @ts-ignore: a plain .js file, imported only to compare module identity
import * as direct from './node_modules/tenth/dist/src/runtime/index.js';

interface JsonTensor { dtype: string; dims: number[]; data: (number | string)[] }
interface Job { cases: { dir: string; urlObject: boolean; inputs: Record<string, JsonTensor> }[] }

function toArray(t: JsonTensor): TypedArray {
  switch (t.dtype) {
    case 'f32': return Float32Array.from(t.data, Number);
    case 'i32': return Int32Array.from(t.data, Number);
    case 'i64': return BigInt64Array.from(t.data, (v) => BigInt(v));
    default: throw new Error('job: dtype ' + t.dtype);
  }
}

const job = JSON.parse(await new Response(Deno.stdin.readable).text()) as Job;
const results: Record<string, { dims: readonly number[]; data: number[] }>[] = [];
for (const c of job.cases) {
  const model: CompiledModel = await tenth.loadCompiled(c.urlObject ? new URL(c.dir) : c.dir);
  const feeds: Record<string, RunTensor> = {};
  for (const [name, t] of Object.entries(c.inputs)) feeds[name] = { dims: t.dims, data: toArray(t) };
  const out = await model.run(feeds);
  results.push(Object.fromEntries(Object.entries(out).map(([k, v]) => [k, { dims: v.dims, data: Array.from(v.data as ArrayLike<number | bigint>, Number) }])));
}
console.log(JSON.stringify({ sameModule: (tenth as object) === direct, hasCompiler: 'importOnnxFile' in tenth, results }));
`;

// Where the model is loaded from: a path (node:fs in Deno), a file: URL object, an http: URL string (fetch).
interface Case { name: string; dir: string; set: DataSet; from: 'path' | 'file' | 'http' }

const tmp = mkdtempSync(join(tmpdir(), 'tenth-deno-'));
const cases: Case[] = [];
let server: StaticServer | undefined;

beforeAll(async () => {
  writeRuntimePackage(tmp);
  writeFileSync(join(tmp, 'job.ts'), SCRIPT);
  mkdirSync(join(tmp, 'models'));
  for (const name of ['cnn_digits', 'tiny_bert']) {
    await compileShared(name, join(tmp, 'models', name));
    // The two data sets differ in batch (and seq), bound from the inputs at run time.
    cases.push({ name, dir: name, set: loadDataSet(name, 0), from: 'path' }, { name, dir: name, set: loadDataSet(name, 1), from: 'file' },
      { name, dir: name, set: loadDataSet(name, 1), from: 'http' });
  }
  // Deno's V8 has relaxed SIMD: the runtime must pick model-relaxed.wasm (seen in the server's log).
  await compileShared('cnn_digits', join(tmp, 'models', 'cnn_relaxed'), { relaxedSimd: true });
  cases.push({ name: 'cnn_digits', dir: 'cnn_relaxed', set: loadDataSet('cnn_digits', 0), from: 'http' });
  server = await serveFolder(join(tmp, 'models'));
});
afterAll(async () => {
  await server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

function runDeno(stdin: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const xdg = join(tmp, 'xdg');
  mkdirSync(xdg, { recursive: true });
  const net = `--allow-net=${new URL(server!.url).host}`;
  const child = spawn(DENO, ['run', '--quiet', '--check', '--no-lock', '--node-modules-dir=manual', '--allow-read', net, 'job.ts'], {
    cwd: tmp,
    env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', XDG_RUNTIME_DIR: xdg, DENO_DIR: join(tmp, 'deno-dir'), NO_COLOR: '1' },
  });
  let stdout = '', stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  child.stdin.end(stdin);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

describe('runtime in Deno', () => {
  it("import 'tenth' is the runtime (code and types); shared models match their expected outputs from a path, a file: URL and an http: URL; relaxed SIMD picked", async () => {
    const job = {
      cases: cases.map((c) => {
        const path = join(tmp, 'models', c.dir);
        const dir = c.from === 'path' ? path : c.from === 'file' ? pathToFileURL(`${path}/`).href : `${server!.url}${c.dir}`;
        return { dir, urlObject: c.from === 'file', inputs: Object.fromEntries(c.set.inputs.map((t) => [t.name, tensorToJson(t.tensor)])) };
      }),
    };
    const r = await runDeno(JSON.stringify(job));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(server!.requests).toEqual(expect.arrayContaining(['/cnn_digits/manifest.json', '/tiny_bert/weights.bin', '/cnn_relaxed/model-relaxed.wasm']));
    expect(server!.requests).not.toContain('/cnn_relaxed/model.wasm');
    const got = JSON.parse(r.stdout) as { sameModule: boolean; hasCompiler: boolean; results: Record<string, { dims: number[]; data: number[] }>[] };
    expect(got.sameModule).toBe(true);
    expect(got.hasCompiler).toBe(false);
    expect(got.results).toHaveLength(cases.length);
    cases.forEach((c, i) => {
      const outs = got.results[i]!;
      expect(Object.keys(outs).sort()).toEqual(c.set.outputs.map((o) => o.name).sort());
      for (const want of c.set.outputs) {
        const o = outs[want.name]!;
        const cmp = compareTensors(tensorFrom('f32', o.dims, o.data), want.tensor, TOL);
        expect(cmp.reason, `${c.dir} ${c.set.dir} from ${c.from}: ${want.name}`).toBe('');
        expect(cmp.ok).toBe(true);
      }
    });
  });
});
