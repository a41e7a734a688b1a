// Golden files of the example models (examples/<model>/golden/<target>/) match a fresh compile,
// and a compile is byte-identical across separate processes.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkGoldens, EXAMPLES, REPO } from './goldens.js';

describe('golden files', () => {
  it('match a fresh compile of every example for every target (npm run golden)', async () => {
    const r = await checkGoldens();
    expect(r.ok, r.text).toBe(true);
  });

  it.each([
    ['wasm', ['--relaxed-simd', '--threads']],
    ['webgpu', []],
  ])('a %s compile is byte-identical in two separate processes', (target, extra) => {
    const root = mkdtempSync(join(tmpdir(), 'tenth-determinism-'));
    const model = join(REPO, 'examples', 'cnn', 'model.onnx');
    expect(Object.keys(EXAMPLES)).toContain('cnn');
    const outs = ['a', 'b'].map((n) => join(root, n));
    for (const out of outs) {
      execFileSync(process.execPath, ['--import', 'tsx', join(REPO, 'src/cli/main.ts'), 'compile', model, '--target', target, '--out', out,
        ...extra, '--quiet'], { cwd: REPO, stdio: 'pipe' });
    }
    const files = readdirSync(outs[0]!).sort();
    expect(readdirSync(outs[1]!).sort()).toEqual(files);
    expect(files).toContain('report.html');
    expect(files.some((f) => f.endsWith(target === 'wasm' ? '.wasm' : '.wgsl'))).toBe(true);
    for (const f of files) expect(readFileSync(join(outs[0]!, f)).equals(readFileSync(join(outs[1]!, f))), f).toBe(true);
  });
});
