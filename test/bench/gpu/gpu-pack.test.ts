// The pieces of the GPU pack (test/bench/gpu/) that can be checked in seconds: the Dawn flags from
// TENTH_DAWN_FLAGS, the bench's --parts / --f16 options that run.sh drives one step at a time (one
// real MatMul-only run on SwiftShader, JSON checked), the fast exit run.sh relies on, and run.sh's
// stop on a pack it cannot unpack. The whole pack end to end (no Node on PATH, SwiftShader) takes
// minutes: test/bench/gpu/selftest.sh.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NODE_DAWN_FLAGS } from '../../../src/runtime/webgpu-node.js';
import { dawnFlags } from '../webgpu-models.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const bench = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'test/bench/run.ts'), ...args], { cwd: REPO, encoding: 'utf8', env: { ...process.env, ...env } });

describe('dawnFlags', () => {
  it('is the runtime default without TENTH_DAWN_FLAGS (or with only blanks)', () => {
    expect(dawnFlags({})).toEqual(NODE_DAWN_FLAGS);
    expect(dawnFlags({ TENTH_DAWN_FLAGS: ' \n ' })).toEqual(NODE_DAWN_FLAGS);
  });
  it('splits TENTH_DAWN_FLAGS on any white space, commas kept inside a flag', () => {
    expect(dawnFlags({ TENTH_DAWN_FLAGS: ' backend=vulkan\n enable-dawn-features=a,b   disable-dawn-features=c ' }))
      .toEqual(['backend=vulkan', 'enable-dawn-features=a,b', 'disable-dawn-features=c']);
  });
});

describe('npm run bench: the options run.sh uses', () => {
  it('rejects an unknown part and --f16 / --subgroups outside --target webgpu', () => {
    const p = bench(['--parts', 'models,latency']);
    expect(p.status).toBe(2);
    expect(p.stderr).toContain("--parts expects some of figures,models,matmul, got 'models,latency'");
    const f = bench(['--target', 'wasm', '--f16']);
    expect(f.status).toBe(2);
    expect(f.stderr).toContain('--f16 applies to --target webgpu only');
    const s = bench(['--subgroups']);
    expect(s.status).toBe(2);
    expect(s.stderr).toContain('--subgroups applies to --target webgpu only');
  });

  it('--parts matmul on SwiftShader: only the MatMul figures, checked against the naive loop; fast exit names the status', () => {
    const r = bench(['--target', 'webgpu', '--parts', 'matmul', '--sizes', '8,17', '--runs', '1', '--json'], { TENTH_BENCH_FAST_EXIT: '1' });
    // Killed by itself right after the report, the status in stderr's last line.
    expect(r.signal).toBe('SIGKILL');
    expect(r.stderr.trimEnd().split('\n').at(-1)).toBe('bench: exit status 0');
    const j = JSON.parse(r.stdout) as Record<string, unknown> & { webgpuMatmul: { results: { size: number; maxRelErr: number; gflops: number }[] } };
    expect(Object.keys(j).sort()).toEqual(['adapter', 'webgpuMatmul']);
    expect(j['adapter']).toMatch(/SwiftShader/);
    expect(j.webgpuMatmul.results.map((x) => x.size)).toEqual([8, 17]);
    for (const x of j.webgpuMatmul.results) {
      expect(x.maxRelErr).toBeLessThan(1e-5);
      expect(x.gflops).toBeGreaterThan(0);
    }
  });
});

describe('run.sh', () => {
  it('stops with exit 1 and a steps.tsv row when the payload cannot be unpacked', () => {
    const t = mkdtempSync(join(tmpdir(), 'tenth-gpu-runsh-'));
    try {
      const out = join(t, 'out');
      mkdirSync(out);
      const r = spawnSync('bash', [join(REPO, 'test/bench/gpu/run.sh')], { cwd: t, encoding: 'utf8', env: { ...process.env, OUT: out, TENTH_GPU_WORK: join(t, 'work') } });
      expect(r.status).toBe(1);
      expect(r.stdout).toContain('cannot unpack the payload: stop');
      const rows = readFileSync(join(out, 'steps.tsv'), 'utf8').trim().split('\n').map((l) => l.split('\t'));
      expect(rows[0]).toEqual(['step', 'exit', 'seconds']);
      expect(rows[1]![0]).toBe('unpack');
      expect(rows[1]![1]).not.toBe('0');
    } finally {
      rmSync(t, { recursive: true, force: true });
    }
  });
});
