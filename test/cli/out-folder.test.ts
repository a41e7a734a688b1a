// Where `tenth compile --out` puts things besides the output: the current folder keeps its
// identity (a shell inside it stays in a live folder), a failed compile removes the parent
// folders it created, and a compiled folder given where a model is expected is named as such.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { reserveFolder } from '../../src/backends/write-folder.js';
import { REPO, runCli, tempDir, writeAddMulModel } from './helpers.js';

let model: string;
beforeAll(() => {
  const dir = tempDir('tenth-out-');
  writeAddMulModel(dir);
  model = join(dir, 'model.onnx');
});

describe('compile --out .', () => {
  it('replaces the contents of the current folder in place: a shell in it still lists the new files', async () => {
    const out = tempDir('tenth-out-cwd-');
    // A first compile with a relaxed-SIMD variant: the second, without it, must remove that file.
    expect((await runCli(['compile', model, '--out', out, '--relaxed-simd', '--quiet'])).code).toBe(0);
    expect(readdirSync(out)).toContain('model-relaxed.wasm');
    const ino = statSync(out).ino;
    // The shell's `ls` runs in the shell's own working folder, as a user's next command would.
    const r = spawnSync('sh', ['-c', '"$TSX" "$MAIN" compile "$MODEL" --out . --quiet && ls'], {
      cwd: out, encoding: 'utf8', timeout: 60_000,
      env: { ...process.env, TSX: join(REPO, 'node_modules/.bin/tsx'), MAIN: join(REPO, 'src/cli/main.ts'), MODEL: model },
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const listed = r.stdout.split('\n').filter((l) => l && !l.startsWith('compiled '));
    expect(listed.sort()).toEqual(['manifest.json', 'model.wasm', 'model.wat', 'report.html', 'report.json', 'weights.bin']);
    expect(statSync(out).ino).toBe(ino);
    expect(readdirSync(out).sort()).toEqual(listed.sort());
    // Nothing left beside it either (no .tmp / .old folders).
    expect(readdirSync(join(out, '..')).filter((n) => n.startsWith(`.${out.split('/').pop()}.`))).toEqual([]);
  }, 60_000);
});

describe('a failed compile leaves no folders behind', () => {
  it('compile of a missing model into a deep --out creates no parent folders', async () => {
    const root = tempDir('tenth-out-deep-');
    const r = await runCli(['compile', join(root, 'nope.onnx'), '--target', 'wasm', '--out', join(root, 'a/b/c/out')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/E101/);
    expect(readdirSync(root)).toEqual([]);
  });

  it('reserveFolder\'s release removes the parents it created, and only those, and only while empty', () => {
    const root = tempDir('tenth-out-deep-');
    mkdirSync(join(root, 'a'));
    writeFileSync(join(root, 'a', 'keep.txt'), 'x');
    reserveFolder(join(root, 'a/b/c/out'))();
    expect(readdirSync(root)).toEqual(['a']);
    expect(readdirSync(join(root, 'a'))).toEqual(['keep.txt']);
    // A file put into a created parent meanwhile keeps that parent (and those above it).
    const release = reserveFolder(join(root, 'x/y/out'));
    writeFileSync(join(root, 'x', 'other.txt'), 'y');
    release();
    expect(readdirSync(join(root, 'x'))).toEqual(['other.txt']);
    expect(existsSync(join(root, 'x', 'y'))).toBe(false);
  });
});

describe('a compiled folder where a model file is expected', () => {
  it('is named as a compiled folder (E102), not as one missing manifest.json', async () => {
    const root = tempDir('tenth-out-');
    const out = join(root, 'wasm');
    expect((await runCli(['compile', model, '--out', out, '--quiet'])).code).toBe(0);
    for (const cmd of [['summary'], ['ir'], ['opt'], ['stats'], ['compile', '--out', join(root, 'again')]]) {
      const r = await runCli([cmd[0]!, out, ...cmd.slice(1)]);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`error E102: ${out} is a compiled tenth folder; this command takes a model file (.onnx or .ir)`);
    }
    expect(readdirSync(root)).toEqual(['wasm']);
  });
});
