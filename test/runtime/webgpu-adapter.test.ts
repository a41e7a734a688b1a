// Which WebGPU adapter `tenth run`, `bench` and `conformance --backend webgpu` use in Node: the
// system's Vulkan drivers when they give an adapter, SwiftShader only when they give none (or when
// VK_ICD_FILENAMES asks for it), named in one stderr line; Dawn's warnings about drivers it cannot
// use (with its build machine's source paths) stay out of the output (a new-user audit found
// conformance always on SwiftShader, run/bench failing with E501 without VK_ICD_FILENAMES, and
// no command naming its adapter).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapterLine, dawnWarnings, SWIFTSHADER_ICD } from '../../src/runtime/webgpu-node.js';
import { REPO, runCli, SHARED } from '../cli/helpers.js';

const MLP = join(SHARED, 'models/mlp_digits');
const tmp = mkdtempSync(join(tmpdir(), 'tenth-adapter-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const dir = join(tmp, 'mlp');
// This machine has no GPU device nodes: the system's drivers give no adapter, SwiftShader is used.
const GPU = existsSync('/dev/nvidia0') || existsSync('/dev/dri');
const ADAPTER = /^webgpu: \S.*$/;

beforeAll(async () => {
  expect((await runCli(['compile', join(MLP, 'model.onnx'), '--target', 'webgpu', '--out', dir, '--quiet'])).code).toBe(0);
}, 30_000);

function tenth(args: readonly string[], env: Record<string, string | undefined>): { status: number | null; stdout: string; stderr: string } {
  const full: Record<string, string | undefined> = { ...process.env, ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete full[k];
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: REPO, env: full, encoding: 'utf8', timeout: 60_000 });
}

describe('webgpu in Node: the adapter, chosen and named', () => {
  it('run without VK_ICD_FILENAMES: the system adapter, else SwiftShader; one line names it, no Dawn warning', () => {
    const r = tenth(['run', dir, '--data', join(MLP, 'test_data_set_0'), '--check'], { VK_ICD_FILENAMES: undefined });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/1 of 1 outputs match/);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(ADAPTER);
    expect(lines[0]!.includes('(SwiftShader fallback')).toBe(!GPU);
    expect(r.stderr).not.toMatch(/\/home\/runner|Warning|XDG_RUNTIME_DIR/);
  }, 60_000);

  it('VK_ICD_FILENAMES set is used as it is, and said so', () => {
    const r = tenth(['run', dir, '--data', join(MLP, 'test_data_set_0')], { VK_ICD_FILENAMES: SWIFTSHADER_ICD });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^webgpu: google swiftshader, SwiftShader driver [\d.]+ \(driver from VK_ICD_FILENAMES\)\n$/);
  }, 60_000);

  it('conformance names its adapter once, before the tests (workers get the same driver)', () => {
    const r = tenth(['conformance', join(SHARED, 'onnx-backend-tests/node'), '--backend', 'webgpu', '--filter', '^test_relu$'], { VK_ICD_FILENAMES: undefined });
    expect(r.stdout).toMatch(/1 passed, 0 failed/);
    const first = r.stderr.split('\n')[0]!;
    expect(first).toMatch(ADAPTER);
    expect(first.includes('(SwiftShader fallback')).toBe(!GPU);
    expect(r.stderr.match(/^webgpu: /gm)).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\/home\/runner|Warning/);
  }, 60_000);

  it('nodeDevice hands the line to `log` (null: nowhere); the null backend names none', () => {
    // In a child whose VK_ICD_FILENAMES is set here (the driver choice is made once per process
    // from its environment, so this test's own process could have either).
    const script = [
      `const { nodeDevice, NODE_DAWN_FLAGS } = await import(${JSON.stringify(join(REPO, 'src/runtime/webgpu-node.ts'))});`,
      'const got = [];',
      'await nodeDevice(NODE_DAWN_FLAGS, { log: (l) => got.push(l) });',
      'await nodeDevice(NODE_DAWN_FLAGS, { log: null });',
      "await nodeDevice(['backend=null'], { log: (l) => got.push(l) });",
      "process.stdout.write(JSON.stringify(got) + '\\n');",
      'process.exit(0);',
    ].join('\n');
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: REPO, env: { ...process.env, VK_ICD_FILENAMES: SWIFTSHADER_ICD, VK_DRIVER_FILES: undefined }, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const got = JSON.parse(r.stdout.trim().split('\n').pop()!) as string[];
    expect(got).toHaveLength(1);
    expect(got[0]).toMatch(/^webgpu: .*swiftshader.* \(driver from VK_ICD_FILENAMES\)$/i);
  }, 60_000);

  it('adapterLine and dawnWarnings: the source said, build paths and loader noise removed', () => {
    expect(adapterLine('nvidia hopper, NVIDIA H100', 'system')).toBe('webgpu: nvidia hopper, NVIDIA H100');
    expect(adapterLine('google swiftshader', 'fallback')).toBe("webgpu: google swiftshader (SwiftShader fallback: no adapter on the system's drivers)");
    const dawn = [
      'error: XDG_RUNTIME_DIR is invalid or not set in the environment.',
      'Warning: Vulkan shaderUniform*ArrayDynamicIndexing required.',
      ' - While initializing adapter (backend=BackendType::Vulkan)',
      '    at InitializeImpl (/home/runner/work/node-webgpu/node-webgpu/third_party/dawn/src/dawn/native/vulkan/PhysicalDeviceVk.cpp:257)',
      '',
    ].join('\n');
    expect(dawnWarnings(dawn)).toBe('Warning: Vulkan shaderUniform*ArrayDynamicIndexing required. - While initializing adapter (backend=BackendType::Vulkan)');
  });
});
