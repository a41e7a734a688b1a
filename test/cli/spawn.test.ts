// The real process: `npx tsx src/cli/main.ts ...` must set the exit status and keep stdout and
// stderr apart (the in-process tests cannot see either).

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { hasStackTrace, REPO, tempDir, writeAddMulModel } from './helpers.js';

function tenth(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('npx', ['tsx', 'src/cli/main.ts', ...args], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

let model: string;
beforeAll(() => {
  const dir = tempDir();
  writeAddMulModel(dir);
  model = join(dir, 'model.onnx');
});

describe('tenth as a process', () => {
  it('exits 0 after a passing check, with results on stdout only', () => {
    const r = tenth(['run', model, '--check']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('PASS');
    expect(r.status).toBe(0);
  });

  it('exits 2 with the diagnostic on stderr and nothing on stdout for a missing file', () => {
    const r = tenth(['summary', join(tempDir(), 'missing.onnx')]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error E101: file not found: /);
    expect(hasStackTrace(r.stderr)).toBe(false);
  });
});
