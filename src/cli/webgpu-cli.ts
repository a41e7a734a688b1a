// The CLI's WebGPU paths: `tenth compile --target webgpu` and `tenth run` on a webgpu folder or
// with `--backend webgpu` (Node: Dawn through the `webgpu` package, see runtime/webgpu-node.ts).

import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fail } from '../../ir/diagnostics.js';
import { compileWebGpu, writeWebGpuArtifact, type CompileOptions } from '../backends/webgpu/index.js';
import { checkReplaceable } from '../backends/write-folder.js';
import { fmtBytes, fmtCount, formatBatching, formatReport } from '../report/table.js';
import type { CompiledModel } from '../runtime/index.js';
import { FORMAT } from '../runtime/common.js';
import { loadCompiledWebGpu } from '../runtime/webgpu.js';
import { nodeDevice } from '../runtime/webgpu-node.js';
import type { ParsedArgs } from './args.js';
import { type CliContext, EXIT } from './context.js';
import { loadModule } from './files.js';
import { folderFormat, runtimeErrors } from './run-compiled.js';
import { makeTempDir, removeTempDir } from './temp-dir.js';

/** A folder written by `tenth compile --target webgpu`. */
export function isWebGpuDir(path: string): boolean {
  if (!existsSync(path) || !statSync(path).isDirectory() || !existsSync(join(path, 'manifest.json'))) return false;
  return folderFormat(path) === FORMAT.webgpu;
}


export async function compileForWebGpu(args: ParsedArgs, ctx: CliContext, report: Pick<CompileOptions, 'profile' | 'bind' | 'batching'> = {}): Promise<number> {
  const o = args.options;
  if (typeof o['out'] !== 'string') fail('E108', 'compile needs --out DIR');
  if (o['relaxed-simd'] === true) fail('E108', '--relaxed-simd applies to --target wasm only');
  if (o['threads'] === true) fail('E108', '--threads applies to --target wasm only');
  const out = resolve(ctx.cwd, o['out']);
  checkReplaceable(out, ctx.cwd); // before the compile, which may take minutes
  const module = await loadModule(ctx.cwd, args.positionals[0]!);
  const compiled = compileWebGpu(module, { passes: typeof o['passes'] === 'string' ? o['passes'] : undefined, f16: o['f16'] === true, subgroups: o['subgroups'] === true, ...report });
  writeWebGpuArtifact(out, compiled);
  const r = compiled.cost;
  const bind = Object.entries(r.bind).map(([k, v]) => `${k}=${v}`).join(', ');
  ctx.io.out(`compiled ${r.kernels.length} WGSL kernels, ${fmtCount(r.totals.flops)} FLOPs per run${bind ? ` at ${bind}` : ''}, ` +
    `weights ${fmtBytes(compiled.weights.length)} -> ${o['out']}\n`);
  if (o['quiet'] !== true) {
    ctx.io.out(`\n${formatReport(r)}\n`);
    if (compiled.batching) ctx.io.out(`\n${formatBatching(compiled.batching, compiled.batchDim ?? null)}\n`);
  }
  return EXIT.ok;
}

/** A Dawn device for the CLI; no adapter (no GPU, no SwiftShader driver) is a setup problem, not a bug. */
export async function cliDevice(): Promise<Awaited<ReturnType<typeof nodeDevice>>> {
  try {
    return await nodeDevice();
  } catch (e) {
    const msg = (e as Error).message;
    return fail('E501', `no WebGPU device: ${msg}`, undefined, msg.includes("'webgpu'") ? [] :
      ['on a machine without a GPU, install Debian\'s chromium (it ships the SwiftShader Vulkan driver) and set VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json']);
  }
}

/**
 * Load a webgpu folder, or compile `model` into a temporary one (removed after loading), on a
 * Dawn device. The result has the wasm runtime's `run` contract, so the same checking code runs it.
 */
export async function loadForWebGpu(cwd: string, path: string, model: string, passes: string | undefined): Promise<CompiledModel> {
  const device = await cliDevice();
  const load = async (dir: string, what: string): Promise<CompiledModel> => {
    const m = await runtimeErrors(what, 'WebGPU', () => loadCompiledWebGpu(dir, { device }));
    return m as unknown as CompiledModel;
  };
  if (isWebGpuDir(path)) return load(path, model);
  const module = await loadModule(cwd, model);
  const tmp = makeTempDir('tenth-webgpu-');
  try {
    const out = join(tmp, 'compiled');
    writeWebGpuArtifact(out, compileWebGpu(module, { passes }));
    return await load(out, model);
  } finally {
    removeTempDir(tmp);
  }
}

