// The pass-manager example in README.md, kept true: the first ```ts block of the "Pass manager"
// section is extracted, its package imports are pointed at the sources, and it runs in a fresh
// process (as a user would run it) and is type-checked with the project's compiler settings.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

/** The first ```ts block after the heading `## Pass manager`. */
export function readmeExample(readme: string): string {
  const section = readme.split(/^## Pass manager$/m)[1];
  if (section === undefined) throw new Error("README.md has no '## Pass manager' section");
  const m = /^```ts\n([\s\S]*?)^```$/m.exec(section.split(/^## /m)[0]!);
  if (!m) throw new Error("the 'Pass manager' section has no ```ts block");
  return m[1]!;
}

/** `from 'tenth/passes'` -> the source file, so the example runs without a build. */
function pointAtSources(code: string): string {
  const entry: Record<string, string> = { 'tenth': 'src/index.ts', 'tenth/ir': 'ir/index.ts', 'tenth/passes': 'passes/index.ts' };
  return code.replace(/from '(tenth(?:\/[\w-]+)?)'/g, (all, name: string) => {
    const file = entry[name];
    if (!file) throw new Error(`README imports unknown entry '${name}'`);
    return `from '${join(REPO, file)}'`;
  });
}

describe('README pass-manager example', () => {
  // Inside the repository so that `tsx` and `typescript` resolve from its node_modules.
  mkdirSync(join(REPO, '.tmp'), { recursive: true });
  const dir = mkdtempSync(join(REPO, '.tmp', 'readme-example-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const code = readmeExample(readFileSync(join(REPO, 'README.md'), 'utf8'));
  const file = join(dir, 'example.ts');
  writeFileSync(file, pointAtSources(code));

  it('imports only the public entries', () => {
    const imports = [...code.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
    expect(imports.length).toBeGreaterThan(0);
    for (const i of imports) expect(['tenth', 'tenth/ir', 'tenth/passes']).toContain(i);
  });

  it('runs: the new pass rewrites, dce removes the dead relu, instruments report', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: REPO, encoding: 'utf8' });
    expect(r.stderr.split('\n').filter((l) => l.startsWith('// *** '))).toEqual([
      '// *** IR after relu-of-relu{limit=10} (step 1 of 2) ***',
      '// *** IR after dce (step 2 of 2) ***',
    ]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain([
      'module @m {',
      '  func @main(%x: f32[4]) -> (%y: f32[4]) {',
      '    %y = relu(%x) : f32[4]',
      '    return %y',
      '  }',
      '}',
    ].join('\n'));
    expect(r.stdout).toContain("'relu-of-relu/rewritten': 1");
    expect(r.stdout).toContain("'dce/ops-removed': 1");
    expect(r.stdout).toMatch(/\d+\.\d{3}\s+100\.0%\s+total/);
  });

  it('type-checks under the project settings', () => {
    const tsc = join(REPO, 'node_modules/typescript/bin/tsc');
    const args = [tsc, '--noEmit', '--strict', '--target', 'ES2022', '--module', 'NodeNext', '--moduleResolution', 'NodeNext',
      '--types', 'node', '--skipLibCheck', '--allowImportingTsExtensions', file];
    const r = spawnSync(process.execPath, args, { cwd: REPO, encoding: 'utf8' });
    // Only the example's own errors: files others are editing right now may not compile.
    expect((r.stdout + r.stderr).split('\n').filter((l) => l.includes('example.ts'))).toEqual([]);
    expect(r.error).toBeUndefined();
    expect(r.status === 0 || /error TS\d+/.test(r.stdout)).toBe(true);
  });
});
