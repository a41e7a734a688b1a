// `tenth` on WebGPU: what a user gets wrong or lacks is an E-coded error naming the cause, exit 2,
// never "internal error ... a bug in tenth" (exit 70), and the CLI leaves nothing behind (a
// new-user audit: an --f16 folder on SwiftShader, a corrupt manifest.json, a damaged weights.bin,
// --passes on a compiled folder ignored, /tmp/tenth-webgpu-* left by Ctrl-C, the Vulkan loader's
// XDG_RUNTIME_DIR complaint from conformance workers, bench --help describing the wrong timing).

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasStackTrace, REPO, runCli, SHARED } from '../../cli/helpers.js';

const MLP = join(SHARED, 'models/mlp_digits');
const tmp = mkdtempSync(join(tmpdir(), 'tenth-webgpu-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const SWIFTSHADER = { ...process.env, VK_ICD_FILENAMES: '/usr/lib/chromium/vk_swiftshader_icd.json' };

let plain: string, half: string;
beforeAll(async () => {
  process.env['VK_ICD_FILENAMES'] ??= SWIFTSHADER.VK_ICD_FILENAMES;
  plain = join(tmp, 'plain');
  half = join(tmp, 'half');
  expect((await runCli(['compile', join(MLP, 'model.onnx'), '--target', 'webgpu', '--out', plain, '--quiet'])).code).toBe(0);
  expect((await runCli(['compile', join(MLP, 'model.onnx'), '--target', 'webgpu', '--f16', '--out', half, '--quiet'])).code).toBe(0);
}, 30_000);

/** A copy of the plain folder with one file replaced. */
function damaged(file: string, text: (old: Buffer) => string | Buffer): string {
  const dir = join(tmp, `d${readdirSync(tmp).length}`);
  spawnSync('cp', ['-r', plain, dir]);
  writeFileSync(join(dir, file), text(readFileSync(join(dir, file))));
  return dir;
}

const expectUserError = (r: { code: number; err: string }, re: RegExp): void => {
  expect(r.err).toMatch(re);
  expect(r.err).not.toMatch(/internal error/);
  expect(hasStackTrace(r.err)).toBe(false);
  expect(r.code).toBe(2);
};

describe('tenth run on a webgpu folder: user errors are E-coded', () => {
  it('an --f16 folder on a device without shader-f16 (SwiftShader) says so and to recompile without --f16', async () => {
    expectUserError(await runCli(['run', half, '--data', join(MLP, 'test_data_set_0')]),
      /^error E501: cannot load .*half on WebGPU: the device lacks the WebGPU feature 'shader-f16' that .* needs \(the model was compiled with --f16; compile it without --f16 for this device\)\n$/);
  });

  it('a corrupt manifest.json names the file (E102); a truncated weights.bin is refused as a damaged file (E102)', async () => {
    const dir = damaged('manifest.json', (b) => b.toString('utf8').slice(0, 100));
    expectUserError(await runCli(['run', dir, '--data', join(MLP, 'test_data_set_0')]), /^error E102: .*\/manifest\.json is not valid JSON \(.*\): the folder is damaged; compile the model again\n$/);
    const cut = damaged('weights.bin', (b) => b.subarray(0, 1000));
    expectUserError(await runCli(['run', cut, '--data', join(MLP, 'test_data_set_0')]), /^error E102: cannot load .* on WebGPU: weights\.bin of .* has 1000 bytes, its manifest says \d+: the folder is damaged/);
  });

  it('--passes and --timing on a compiled folder are refused (were ignored)', async () => {
    expectUserError(await runCli(['run', plain, '--passes', 'O0', '--timing', '--data', join(MLP, 'test_data_set_0')]),
      /^error E108: --passes and --timing apply when tenth compiles a model; .*plain is already compiled\n/);
    expectUserError(await runCli(['run', plain, '--passes', 'O0']), /^error E108: --passes applies when tenth compiles a model/);
    expect((await runCli(['run', plain, '--data', join(MLP, 'test_data_set_0'), '--check'])).code).toBe(0);
    expectUserError(await runCli(['run', join(MLP, 'model.onnx'), '--backend', 'webgpu', '--timing']), /^error E108: --timing times the passes of an interpreter run; on --backend webgpu it would be ignored\n/);
  }, 30_000);

  it('bench --help describes the timing the WebGPU profile uses (timestamps where offered)', async () => {
    const r = await runCli(['bench', '--help']);
    expect(r.out.replace(/\s+/g, ' ')).toMatch(/GPU timestamp queries, one compute pass per kernel, where the device has timestamp-query, else each dispatch submitted and waited for/);
  });
});

describe('tenth as a process on WebGPU', () => {
  it('Ctrl-C while compiling/loading a model removes its temporary folder and ends by SIGINT', async () => {
    const own = mkdtempSync(join(tmp, 'tmpdir-'));
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'run', join(SHARED, 'models/mobilenet_v2/model.onnx'), '--backend', 'webgpu'],
      { cwd: REPO, env: { ...SWIFTSHADER, TMPDIR: own }, stdio: 'ignore' });
    const ended = new Promise<NodeJS.Signals | null>((res) => child.on('exit', (_c, sig) => res(sig)));
    const t0 = Date.now();
    while (!readdirSync(own).some((n) => n.startsWith('tenth-webgpu-')) && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 20));
    expect(readdirSync(own).filter((n) => n.startsWith('tenth-webgpu-')).length).toBe(1);
    child.kill('SIGINT');
    expect(await ended).toBe('SIGINT');
    expect(readdirSync(own).filter((n) => n.startsWith('tenth-webgpu-'))).toEqual([]);
  }, 40_000);

  it('conformance --backend webgpu without VK_ICD_FILENAMES or XDG_RUNTIME_DIR prints no loader complaint', () => {
    const env: Record<string, string | undefined> = { ...process.env, TMPDIR: mkdtempSync(join(tmp, 'xdg-')) };
    delete env['VK_ICD_FILENAMES'];
    delete env['XDG_RUNTIME_DIR'];
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'conformance', join(SHARED, 'onnx-backend-tests/node'), '--backend', 'webgpu', '--filter', '^test_relu$'],
      { cwd: REPO, env, encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).not.toMatch(/XDG_RUNTIME_DIR/);
    expect(r.stdout).toMatch(/1 passed, 0 failed/);
    expect(existsSync(join(env['TMPDIR']!, `tenth-runtime-${process.getuid!()}`))).toBe(true);
  }, 60_000);
});
