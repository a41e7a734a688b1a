// Shared by the model tests: compile a shared model for webgpu through the CLI, then run the
// folder with --check on every test_data_set (Dawn + SwiftShader), as a user would.

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { main } from '../../../src/cli/main.js';

export const MODELS = '/work/shared/models';

export async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const code = await main(args, { out: (s) => (out += s), err: (s) => (err += s), cwd: process.cwd() });
  return { code, out, err };
}

/** Compile, check the folder's files, run --check on every data set; returns the run's ms. */
export async function checkModel(name: string, passes?: string): Promise<number> {
  const tmp = mkdtempSync(join(tmpdir(), 'tenth-webgpu-test-'));
  try {
    const dir = join(tmp, name);
    const c = await cli(['compile', join(MODELS, name, 'model.onnx'), '--target', 'webgpu', '--out', dir, ...(passes ? ['--passes', passes] : [])]);
    expect(c.err).toBe('');
    expect(c.code).toBe(0);
    const files = readdirSync(dir).sort();
    expect(files.filter((f) => !f.endsWith('.wgsl'))).toEqual(['manifest.json', 'plan.json', 'report.html', 'report.json', 'weights.bin']);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { kernels: { file: string }[] };
    expect(files.filter((f) => f.endsWith('.wgsl'))).toEqual(manifest.kernels.map((k) => k.file).sort());
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { kernels: { flops: number; bytes: number }[] };
    expect(report.kernels.length).toBe(manifest.kernels.length);
    expect(report.kernels.every((k) => Number.isFinite(k.flops) && k.bytes > 0)).toBe(true);
    const t0 = performance.now();
    const r = await cli(['run', dir, '--data', join(MODELS, name), '--check', '--json']);
    const ms = performance.now() - t0;
    expect(r.code, r.out + r.err).toBe(0);
    const json = JSON.parse(r.out) as { ok: boolean; runs: { outputs: { status: string }[] }[] };
    expect(json.ok).toBe(true);
    const sets = readdirSync(join(MODELS, name)).filter((n) => n.startsWith('test_data_set_'));
    expect(json.runs.length).toBe(sets.length);
    expect(json.runs.flatMap((x) => x.outputs).every((o) => o.status === 'PASS')).toBe(true);
    return ms;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
