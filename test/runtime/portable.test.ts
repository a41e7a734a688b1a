// What keeps the runtime portable to browsers and Deno: its modules import only each other (not
// the compiler, no package, no literal node: specifier a browser bundler would try to resolve),
// and isomorphic code that loads `new URL('./model/', import.meta.url)` works in Node too.

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tensorFrom } from '../../ir/tensor.js';
import { compareTensors } from '../../src/check/compare.js';
import { loadCompiled } from '../../src/runtime/index.js';
import { compileShared, loadDataSet, REPO } from '../web/runtime-package.js';

const RUNTIME = join(REPO, 'src', 'runtime');
const tmp = mkdtempSync(join(tmpdir(), 'tenth-portable-'));
const dir = join(tmp, 'cnn');

beforeAll(() => compileShared('cnn_digits', dir));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Specifiers of the imports that survive compilation: not `import type`, not `typeof import()`. */
function emittedImports(source: string): string[] {
  const out: string[] = [];
  const visit = (n: ts.Node): void => {
    if ((ts.isImportDeclaration(n) && !n.importClause?.isTypeOnly) || (ts.isExportDeclaration(n) && !n.isTypeOnly)) {
      if (n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) out.push(n.moduleSpecifier.text);
    } else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = n.arguments[0];
      if (arg && ts.isStringLiteralLike(arg)) out.push(arg.text);
    }
    ts.forEachChild(n, visit);
  };
  visit(ts.createSourceFile('x.ts', source, ts.ScriptTarget.ES2022, true));
  return out;
}

describe('runtime portability', () => {
  it('the runtime entry and all it imports import only runtime files (static and literal dynamic imports)', () => {
    const files = readdirSync(RUNTIME).filter((f) => f.endsWith('.ts'));
    // index.ts, webgpu.ts and their imports ship to browsers and Deno (*-node.ts files are
    // Node-only by name; files are read through fetch.ts's non-literal import).
    const seen = new Set<string>(), todo = ['index.ts', 'webgpu.ts'];
    for (let f = todo.pop(); f !== undefined; f = todo.pop()) {
      if (seen.has(f)) continue;
      seen.add(f);
      for (const s of emittedImports(readFileSync(join(RUNTIME, f), 'utf8'))) {
        expect(s, `${f} imports ${s}`).toMatch(/^\.\/[\w.-]+\.js$/);
        const target = s.slice(2).replace(/\.js$/, '.ts');
        expect(files, `${f} imports ${s}`).toContain(target);
        todo.push(target);
      }
    }
    expect([...seen].sort()).toEqual(expect.arrayContaining(['fetch.ts', 'index.ts', 'plan.ts']));
  });

  it('the Node-only files (*-node.ts) import only runtime files, node: builtins and the webgpu package (nothing of the compiler)', () => {
    const files = readdirSync(RUNTIME).filter((f) => f.endsWith('.ts'));
    const nodeOnly = files.filter((f) => f.endsWith('-node.ts'));
    expect(nodeOnly).toContain('webgpu-node.ts');
    const seen = new Set<string>(), todo = [...nodeOnly];
    for (let f = todo.pop(); f !== undefined; f = todo.pop()) {
      if (seen.has(f)) continue;
      seen.add(f);
      // What a Node-only file imports from the runtime ships to browsers too: the strict rule there.
      const allowed = f.endsWith('-node.ts') ? /^(\.\/[\w.-]+\.js|node:[\w/]+|webgpu)$/ : /^\.\/[\w.-]+\.js$/;
      for (const s of emittedImports(readFileSync(join(RUNTIME, f), 'utf8'))) {
        expect(s, `${f} imports ${s}`).toMatch(allowed);
        if (!s.startsWith('./')) continue;
        const target = s.slice(2).replace(/\.js$/, '.ts');
        expect(files, `${f} imports ${s}`).toContain(target);
        todo.push(target);
      }
    }
  });

  it('loads from a file: URL (object and string) in Node, same outputs as from a path', async () => {
    const set = loadDataSet('cnn_digits', 1);
    const x = set.inputs[0]!.tensor;
    const feeds = { input: { data: x.data as Float32Array, dims: x.shape } };
    const byPath = await (await loadCompiled(dir)).run(feeds);
    const got = byPath['logits']!;
    expect(compareTensors(tensorFrom('f32', got.dims, got.data as Float32Array), set.outputs[0]!.tensor, { rtol: 1e-3, atol: 1e-5 }).reason).toBe('');
    const url = pathToFileURL(`${dir}/`);
    for (const where of [url, url.href, url.href.slice(0, -1)]) {
      const out = await (await loadCompiled(where)).run(feeds);
      expect(Array.from(out['logits']!.data as Float32Array)).toEqual(Array.from(byPath['logits']!.data as Float32Array));
    }
    await expect(loadCompiled(pathToFileURL(join(tmp, 'missing/')))).rejects.toThrow(/ENOENT/);
  });
});
