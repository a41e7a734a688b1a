// `npx tsx test/zoo/gpu/prep.ts` (after `npm run bench:gpu-pack`, whose node and Vulkan .debs it
// reuses): builds the git-ignored .gpu-zoo/ to check the whole zoo on a real GPU machine (no Node,
// no network there): every zoo model compiled for WebGPU here with onnxruntime-node's outputs at
// each binding (data.json.gz; models the backend refuses are listed and left out), run-zoo.ts
// bundled as run.mjs, the webgpu package (linux-x64 Dawn only), node.xz and the .debs from .gpu/,
// and run.sh. On the GPU machine: `bash .gpu-zoo/run.sh` with `.gpu-zoo` carried over.

import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { compileWebGpu } from '../../../src/backends/webgpu/index.js';
import { importZoo, referenceCases } from '../harness.js';
import { ZOO } from '../models.js';

export interface Encoded { readonly dtype: string; readonly shape: number[]; readonly data: string }
export interface ZooGpuModel {
  readonly name: string;
  readonly manifest: { readonly inputs: readonly { name: string }[]; readonly outputs: readonly { name: string; dtype: string }[] };
  readonly shaders: string[];
  readonly weights: string;
  readonly cases: { readonly label: string; readonly inputs: Encoded[]; readonly want: Encoded[] }[];
}

const b64 = (d: ArrayBufferView): string => Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('base64');
function encode(t: { dtype: string; shape: readonly number[]; data: unknown }): Encoded {
  const d = t.data as ArrayLike<number> & ArrayBufferView;
  return { dtype: t.dtype, shape: [...t.shape], data: b64(t.dtype === 'bool' ? Uint8Array.from(d, (x) => (x ? 1 : 0)) : d) };
}

async function main(): Promise<void> {
  const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
  const out = join(repo, '.gpu-zoo'), pack = join(repo, '.gpu');
  if (!existsSync(join(pack, 'node.xz'))) throw new Error('run `npm run bench:gpu-pack` first (node.xz and the .debs come from .gpu/)');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'node_modules/webgpu/dist'), { recursive: true });
  const models: ZooGpuModel[] = [];
  for (const [name, build] of Object.entries(ZOO)) {
    const m = build();
    const cases = await referenceCases(m);
    let c;
    try {
      c = compileWebGpu(importZoo(m));
    } catch (e) {
      process.stderr.write(`zoo-gpu: ${name} left out: ${String(e).split('\n')[0]}\n`);
      continue;
    }
    models.push({ name, manifest: c.manifest, shaders: c.shaders.map((s) => s.code), weights: b64(c.weights as Uint8Array),
      cases: cases.map((k) => ({ label: k.label, inputs: k.inputs.map(encode), want: k.want.map(encode) })) });
  }
  writeFileSync(join(out, 'data.json.gz'), gzipSync(JSON.stringify(models)));
  const esbuild = await import('esbuild');
  await esbuild.build({ entryPoints: [join(repo, 'test/zoo/gpu/run-zoo.ts')], bundle: true, platform: 'node', format: 'esm', external: ['webgpu'], outfile: join(out, 'run.mjs'), logLevel: 'warning' });
  const wg = join(repo, 'node_modules/webgpu');
  for (const f of ['package.json', 'index.js']) cpSync(join(wg, f), join(out, 'node_modules/webgpu', f));
  cpSync(join(wg, 'dist/linux-x64'), join(out, 'node_modules/webgpu/dist/linux-x64'), { recursive: true });
  cpSync(join(pack, 'node.xz'), join(out, 'node.xz'));
  cpSync(join(pack, 'debs'), join(out, 'debs'), { recursive: true });
  cpSync(join(repo, 'test/zoo/gpu/run.sh'), join(out, 'run.sh'));
  process.stderr.write(`zoo-gpu: ${models.length} models, ${models.reduce((a, m) => a + m.cases.length, 0)} cases -> ${out}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
  process.exit(0);
}
