// A new-user audit of the CLI: compile --out never deletes a folder tenth did not write,
// Ctrl-C leaves no temporary folder, external weights cannot escape the model folder through a
// symbolic link, hand-edited .ir files are verified, damaged compiled folders and a few other
// mistakes get errors that name the cause.

import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tensorFrom } from '../../ir/tensor.js';
import { buildModel } from '../../src/onnx/writer.js';
import { hasStackTrace, REPO, runCli, SHARED, tempDir, writeAddMulModel, writeTensorFile } from './helpers.js';

let model: string;
beforeAll(() => {
  const dir = tempDir('tenth-audit-');
  writeAddMulModel(dir);
  model = join(dir, 'model.onnx');
});

const expectUserError = (r: { code: number; err: string }, re: RegExp): void => {
  expect(r.err).toMatch(re);
  expect(r.err).not.toMatch(/internal error/);
  expect(hasStackTrace(r.err)).toBe(false);
  expect(r.code).toBe(2);
};

/** Every file under `dir` with its contents, for "touched nothing" checks. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out[join(e.parentPath, e.name).slice(dir.length)] = readFileSync(join(e.parentPath, e.name), 'utf8');
  }
  return out;
}

/** A web app: its own manifest.json (a PWA manifest), src/app.js, index.html. */
function webApp(dir: string): void {
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'manifest.json'), '{ "name": "my app", "start_url": "/" }\n');
  writeFileSync(join(dir, 'src', 'app.js'), 'console.log(1);\n');
  writeFileSync(join(dir, 'index.html'), '<html></html>\n');
}

describe('compile --out replaces only a folder tenth wrote', () => {
  it('refuses a web-app folder that has a manifest.json of its own, on both targets, touching nothing', async () => {
    for (const target of ['wasm', 'webgpu']) {
      const app = join(tempDir('tenth-audit-'), 'app');
      webApp(app);
      const before = snapshot(app);
      expectUserError(await runCli(['compile', model, '--target', target, '--out', app, '--quiet']),
        /^error E108: refusing to replace .*app: it exists and is not a compiled artifact \(its manifest\.json is not one tenth wrote \(format null\)\)/);
      expect(snapshot(app)).toEqual(before);
      // `cd app && tenth compile M --out .`
      expectUserError(await runCli(['compile', model, '--target', target, '--out', '.', '--quiet'], app), /^error E108: refusing to replace .*app \(the current folder\)/);
      expect(snapshot(app)).toEqual(before);
    }
  });

  it('refuses a folder with a tenth manifest but other files or folders beside it', async () => {
    const root = tempDir('tenth-audit-');
    const cases: Array<[string, (d: string) => void, RegExp]> = [
      ['extra', (d) => writeFileSync(join(d, 'index.html'), 'x'), /it holds index\.html, which tenth does not write/],
      ['subdir', (d) => mkdirSync(join(d, 'report.html')), /it holds report\.html, which tenth does not write/],
      ['gpu-file', (d) => writeFileSync(join(d, 'plan.json'), '{}'), /it holds plan\.json, which tenth does not write/],
    ];
    for (const [name, add, re] of cases) {
      const d = join(root, name);
      mkdirSync(d);
      writeFileSync(join(d, 'manifest.json'), JSON.stringify({ format: 'tenth-wasm/1' }));
      writeFileSync(join(d, 'model.wasm'), 'old');
      add(d);
      const before = snapshot(d);
      expectUserError(await runCli(['compile', model, '--out', d, '--quiet']), re);
      expect(snapshot(d)).toEqual(before);
    }
    expect(readdirSync(root).sort()).toEqual(['extra', 'gpu-file', 'subdir']);
  });

  it('replaces its own output: wasm (with threads) -> webgpu -> wasm, and --out . inside a compiled folder', async () => {
    const out = join(tempDir('tenth-audit-'), 'out');
    expect((await runCli(['compile', model, '--threads', '--out', out, '--quiet'])).code).toBe(0);
    expect(readdirSync(out)).toContain('model-threads.wasm');
    const r1 = await runCli(['compile', model, '--target', 'webgpu', '--out', out, '--quiet']);
    expect(r1.err).toBe('');
    expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).format).toBe('tenth-webgpu/1');
    const r2 = await runCli(['compile', model, '--target', 'wasm', '--out', '.', '--quiet'], out);
    expect(r2.err).toBe('');
    expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).format).toBe('tenth-wasm/1');
    expect(readdirSync(out).some((n) => n.endsWith('.wgsl'))).toBe(false);
    expect(readdirSync(join(out, '..'))).toEqual(['out']);
  });
});

describe('compile as a process: Ctrl-C', () => {
  it('removes the temporary folder beside --out and leaves the old output whole', async () => {
    const parent = tempDir('tenth-audit-');
    const out = join(parent, 'out');
    mkdirSync(out);
    writeFileSync(join(out, 'manifest.json'), JSON.stringify({ format: 'tenth-wasm/1' }));
    writeFileSync(join(out, 'model.wasm'), 'old');
    const before = snapshot(out);
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'compile', join(SHARED, 'models/mobilenet_v2/model.onnx'), '--out', out, '--quiet'],
      { cwd: REPO, stdio: 'ignore' });
    const ended = new Promise<{ code: number | null; sig: NodeJS.Signals | null }>((res) => child.on('exit', (code, sig) => res({ code, sig })));
    let exited = false;
    void ended.then(() => { exited = true; });
    // Signal only once the temporary folder exists (startup under load can take seconds).
    const tmpNow = (): string[] => readdirSync(parent).filter((n) => n.startsWith('.out.'));
    const t0 = Date.now();
    while (tmpNow().length === 0 && !exited && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 5));
    expect(tmpNow()).toEqual([`.out.tmp-${child.pid}`]);
    child.kill('SIGINT');
    const end = await ended;
    expect(end.sig).toBe('SIGINT');
    expect(readdirSync(parent)).toEqual(['out']);
    // Handled at the compile's first wait on the event loop, before the write: the old output is untouched.
    expect(snapshot(out)).toEqual(before);
  }, 40_000);
});

describe('external weights and symbolic links (E106)', () => {
  const w = tensorFrom('f32', [3], [1.5, -2, 7]);
  /** A model y = x + w with w stored externally at `location`. */
  const modelWith = (location: string): Uint8Array => buildModel({
    opset: 17,
    inputs: [{ name: 'x', dtype: 'f32', shape: [3] }],
    outputs: [{ name: 'y', dtype: 'f32', shape: [3] }],
    initializers: [{ name: 'w', tensor: w, external: { location } }],
    nodes: [{ opType: 'Add', inputs: ['x', 'w'], outputs: ['y'] }],
  });

  it('refuses a link to a file outside the model folder, or through a linked folder; accepts a link that stays inside', async () => {
    const root = tempDir('tenth-audit-');
    const secret = join(root, 'secret');
    mkdirSync(secret);
    writeFileSync(join(secret, 'w.bin'), new Uint8Array((w.data as Float32Array).buffer));
    const dir = join(root, 'model');
    mkdirSync(join(dir, 'real'), { recursive: true });
    symlinkSync(join(secret, 'w.bin'), join(dir, 'w.bin'));
    symlinkSync(secret, join(dir, 'data'));
    for (const location of ['w.bin', 'data/w.bin']) {
      writeFileSync(join(dir, 'model.onnx'), modelWith(location));
      const out = join(root, `out-${location.replace('/', '-')}`);
      const r = await runCli(['compile', join(dir, 'model.onnx'), '--out', out, '--quiet']);
      expectUserError(r, new RegExp(`error E106: external data location '${location}' resolves through a symbolic link to .*secret/w\\.bin, outside the model folder`));
      expect(existsSync(out)).toBe(false);
      expectUserError(await runCli(['run', join(dir, 'model.onnx')]), /error E106: /);
    }
    // A link to a file inside the folder is fine: the values are the file's.
    writeFileSync(join(dir, 'real', 'w.bin'), new Uint8Array((w.data as Float32Array).buffer));
    symlinkSync(join(dir, 'real', 'w.bin'), join(dir, 'inside.bin'));
    writeFileSync(join(dir, 'model.onnx'), modelWith('inside.bin'));
    const r = await runCli(['ir', join(dir, 'model.onnx')]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
  });
});

describe('hand-edited .ir files are verified on load', () => {
  it('a relu of f32[4] declared f32[5] is E303 at its line for compile (both targets), run and stats', async () => {
    const dir = tempDir('tenth-audit-');
    const bad = join(dir, 'bad.ir');
    writeFileSync(bad, 'module @bad {\n  func @main(%x: f32[4]) -> (%y: f32[5]) {\n    %y = relu(%x) : f32[5]\n    return %y\n  }\n}\n');
    mkdirSync(join(dir, 'data'));
    writeTensorFile(join(dir, 'data', 'input_0.pb'), 'x', tensorFrom('f32', [4], [1, -2, 3, -4]));
    const e303 = /bad\.ir:3:5: error E303: relu: result %y is declared f32\[5\] but the shape rule gives f32\[4\]/;
    for (const target of ['wasm', 'webgpu']) {
      expectUserError(await runCli(['compile', bad, '--target', target, '--out', join(dir, `out-${target}`), '--quiet']), e303);
    }
    for (const backend of ['interp', 'wasm']) expectUserError(await runCli(['run', bad, '--backend', backend, '--data', join(dir, 'data')]), e303);
    expectUserError(await runCli(['stats', bad]), e303);
    expect(readdirSync(dir).sort()).toEqual(['bad.ir', 'data']);
  });

  it('opt --no-verify-each reads it anyway (to look at what a broken pass wrote); opt without it, ir and summary refuse it', async () => {
    const dir = tempDir('tenth-audit-');
    const bad = join(dir, 'bad.ir');
    writeFileSync(bad, 'module @bad {\n  func @main(%x: f32[4]) -> (%y: f32[5]) {\n    %y = relu(%x) : f32[5]\n    return %y\n  }\n}\n');
    const e303 = /bad\.ir:3:5: error E303: relu: result %y is declared f32\[5\]/;
    for (const cmd of [['opt'], ['ir'], ['summary']]) expectUserError(await runCli([...cmd, bad]), e303);
    const r = await runCli(['opt', bad, '--no-verify-each']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('%y = relu(%x) : f32[5]');
  });
});

describe('damaged compiled folders are E102 naming what is wrong', () => {
  it('manifest.json deleted, or without a format, on both targets, for run and bench', async () => {
    const root = tempDir('tenth-audit-');
    for (const target of ['wasm', 'webgpu']) {
      const good = join(root, target);
      expect((await runCli(['compile', model, '--target', target, '--out', good, '--quiet'])).code).toBe(0);
      const gone = join(root, `${target}-gone`), empty = join(root, `${target}-empty`), other = join(root, `${target}-other`);
      for (const d of [gone, empty, other]) cpSync(good, d, { recursive: true });
      rmSync(join(gone, 'manifest.json'));
      writeFileSync(join(empty, 'manifest.json'), '{}');
      writeFileSync(join(other, 'manifest.json'), '{ "format": "tenth-wasm/9" }');
      for (const cmd of ['run', 'bench']) {
        expectUserError(await runCli([cmd, gone]), new RegExp(`^error E102: .*${target}-gone is not a compiled tenth folder: manifest\\.json missing`));
        expectUserError(await runCli([cmd, empty]), new RegExp(`^error E102: .*${target}-empty is not a compiled tenth folder: manifest\\.json has no format; compile the model again\n$`));
        expectUserError(await runCli([cmd, other]), /^error E102: .* is not a compiled tenth folder: manifest\.json has format "tenth-wasm\/9", not tenth-wasm\/1 or tenth-webgpu\/1/);
      }
    }
  });
});

describe('wording', () => {
  it('an --out (or -o) whose parent is a file says which file is in the way, not EEXIST', async () => {
    const dir = tempDir('tenth-audit-');
    writeFileSync(join(dir, 'f'), 'x');
    for (const target of ['wasm', 'webgpu']) {
      for (const out of [join(dir, 'f', 'out'), join(dir, 'f', 'sub', 'out')]) {
        const r = await runCli(['compile', model, '--target', target, '--out', out, '--quiet']);
        expectUserError(r, new RegExp(`^error E111: cannot write ${out}: ENOTDIR: not a directory \\(${join(dir, 'f')} is a file, not a folder\\)\n$`));
      }
    }
    expectUserError(await runCli(['ir', model, '-o', join(dir, 'f', 'm.ir')]), /^error E111: cannot write .*: ENOTDIR: not a directory \(.*\/f is a file, not a folder\)\n$/);
    expect(readdirSync(dir)).toEqual(['f']);
  });

  it('an empty input_K.pb, or one without a data type, is named as such', async () => {
    const dir = tempDir('tenth-audit-');
    const pb = join(dir, 'input_0.pb');
    writeFileSync(pb, new Uint8Array());
    expectUserError(await runCli(['run', model, '--data', dir]), new RegExp(`^error E109: ${pb} is empty: expected a serialised ONNX TensorProto\n$`));
    writeFileSync(pb, new Uint8Array([0x42, 0x01, 0x61])); // only name = 'a' (field 8, length 1)
    expectUserError(await runCli(['run', model, '--data', dir]), new RegExp(`^error E109: ${pb} has no data type \\(tensor 'a'\\): is it a serialised ONNX TensorProto\\?\n$`));
  });
});
