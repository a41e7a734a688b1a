// New-user audit fixes: closed or full standard output, unwritable outputs (E111), empty output
// folders, flags a run cannot honour, bad data for compiled folders, mismatch messages, help text,
// and the Vulkan loader's XDG_RUNTIME_DIR noise.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { tensorFrom } from '../../ir/tensor.js';
import { compareTensors, formatExact } from '../../src/check/compare.js';
import { main } from '../../src/cli/main.js';
import { buildModel } from '../../src/onnx/writer.js';
import { hasStackTrace, REPO, runCli, tempDir, writeMlpExample, writeTensorFile } from './helpers.js';

let mlp: string; // model.onnx + test_data_set_0 (input f32[batch,64] -> logits f32[batch,10])
let wasmDir: string;
let gpuDir: string;
let wrongShape: string; // input_0.pb of f32[3,65], no output_0.pb

beforeAll(async () => {
  const root = tempDir('tenth-ux-');
  mlp = join(root, 'mlp');
  writeMlpExample(mlp);
  wasmDir = join(root, 'wasm');
  gpuDir = join(root, 'gpu');
  for (const [target, out] of [['wasm', wasmDir], ['webgpu', gpuDir]] as const) {
    const r = await runCli(['compile', join(mlp, 'model.onnx'), '--target', target, '--out', out, '--quiet']);
    expect(r.code, r.err).toBe(0);
  }
  wrongShape = join(root, 'wrongshape');
  mkdirSync(wrongShape);
  writeTensorFile(join(wrongShape, 'input_0.pb'), 'input', tensorFrom('f32', [3, 65], new Array(195).fill(0.25)));
});

function sh(script: string, env: NodeJS.ProcessEnv = process.env): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('bash', ['-c', script], { cwd: REPO, encoding: 'utf8', timeout: 60_000, env });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const expectError = (r: { code: number; err: string }, code: string): void => {
  expect(r.err).toContain(`error ${code}:`);
  expect(r.code).toBe(2);
  expect(hasStackTrace(r.err)).toBe(false);
};

describe('standard output closed or full', () => {
  it('a reader that stops early (| head) ends the program quietly with status 0', () => {
    // A chain of 2000 Relu: its IR text is far beyond a pipe's 64 KiB buffer, so writes hit EPIPE.
    const dir = tempDir();
    const nodes = Array.from({ length: 2000 }, (_, i) => ({ name: `r${i}`, opType: 'Relu', inputs: [i === 0 ? 'x' : `t${i - 1}`], outputs: [i === 1999 ? 'y' : `t${i}`] }));
    writeFileSync(join(dir, 'big.onnx'), buildModel({ opset: 17, inputs: [{ name: 'x', dtype: 'f32', shape: [4] }], outputs: [{ name: 'y', dtype: 'f32', shape: [4] }], nodes }));
    const r = sh(`npx tsx src/cli/main.ts ir '${join(dir, 'big.onnx')}' 2>'${join(dir, 'err')}' | head -1; echo "status=\${PIPESTATUS[0]}"`);
    expect(r.stdout).toMatch(/^module @/);
    expect(r.stdout).toContain('status=0');
    expect(readFileSync(join(dir, 'err'), 'utf8')).toBe('');
  });

  it('a full disk on standard output is E111, exit 2, without a stack trace', () => {
    const r = sh(`npx tsx src/cli/main.ts run '${join(mlp, 'model.onnx')}' --json >/dev/full`);
    expect(r.stderr).toMatch(/^error E111: cannot write standard output: ENOSPC: no space left on device\n$/);
    expect(r.status).toBe(2);
  });
});

describe('outputs that cannot be written: E111, exit 2, nothing left behind', () => {
  it('compile --out under /proc (wasm and webgpu)', async () => {
    for (const target of ['wasm', 'webgpu']) {
      const r = await runCli(['compile', join(mlp, 'model.onnx'), '--target', target, '--out', '/proc/tenth-forbidden', '--quiet']);
      expectError(r, 'E111');
      expect(r.err).toContain('cannot write /proc/tenth-forbidden: ENOENT: no such file or directory');
      expect(existsSync('/proc/tenth-forbidden')).toBe(false);
    }
  });

  it('compile --out through a plain file (ENOTDIR)', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'f'), 'x');
    for (const target of ['wasm', 'webgpu']) {
      const r = await runCli(['compile', join(mlp, 'model.onnx'), '--target', target, '--out', join(dir, 'f', 'sub', 'out'), '--quiet']);
      expectError(r, 'E111');
      expect(r.err).toContain(`cannot write ${join(dir, 'f', 'sub', 'out')}: ENOTDIR: not a directory`);
    }
    expect(readdirSync(dir)).toEqual(['f']);
  });

  it('calibrate --out into a missing folder creates it; through a file it is E111', async () => {
    const dir = tempDir();
    const ok = await runCli(['calibrate', wasmDir, '--out', join(dir, 'nodir', 'p.json'), '--runs', '3', '--warmup', '1']);
    expect(ok.code, ok.err).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'nodir', 'p.json'), 'utf8'))).toHaveProperty('name');
    writeFileSync(join(dir, 'f'), 'x');
    expectError(await runCli(['calibrate', wasmDir, '--out', join(dir, 'f', 'p.json'), '--runs', '3', '--warmup', '1']), 'E111');
  });

  it('a Node system error that escapes is E111 when writing, E102 when reading, not an internal error', async () => {
    const sysErr = (code: string, syscall: string, path: string): Error =>
      Object.assign(new Error(`${code}: some reason, ${syscall} '${path}'`), { code, syscall, path, errno: -1 });
    for (const [syscall, want] of [['mkdir', 'E111: cannot write /x/y: EROFS: some reason'], ['open', 'E102: cannot read /x/y: EROFS: some reason']] as const) {
      let err = '';
      const io = { out: (): void => { throw sysErr('EROFS', syscall, '/x/y'); }, err: (s: string): void => { err += s; } };
      expect(await main(['--version'], io)).toBe(2);
      expect(err).toBe(`error ${want}\n`);
    }
  });
});

describe('compile into an existing folder', () => {
  it('replaces an empty folder (wasm and webgpu) but refuses one with other files', async () => {
    for (const target of ['wasm', 'webgpu']) {
      const dir = tempDir();
      const out = join(dir, 'out');
      mkdirSync(out);
      const r = await runCli(['compile', join(mlp, 'model.onnx'), '--target', target, '--out', out, '--quiet']);
      expect(r.code, r.err).toBe(0);
      expect(readdirSync(out)).toContain('manifest.json');
      const other = join(dir, 'other');
      mkdirSync(other);
      writeFileSync(join(other, 'notes.txt'), 'mine');
      const refused = await runCli(['compile', join(mlp, 'model.onnx'), '--target', target, '--out', other, '--quiet']);
      expectError(refused, 'E108');
      expect(refused.err).toContain('it exists and is not a compiled artifact');
      expect(readdirSync(other)).toEqual(['notes.txt']);
      expect(readdirSync(dir).sort()).toEqual(['other', 'out']);
    }
  });
});

describe('run: flags the run cannot honour are E108', () => {
  const data = (): string => join(mlp, 'test_data_set_0');
  it('--threads off the wasm backend', async () => {
    for (const args of [[join(mlp, 'model.onnx')], [join(mlp, 'model.onnx'), '--backend', 'webgpu'], [gpuDir]]) {
      const r = await runCli(['run', ...args, '--data', data(), '--threads', '4']);
      expectError(r, 'E108');
      expect(r.err).toMatch(/--threads applies to the wasm backend; this run is on (interp|webgpu)/);
    }
    // On wasm it is accepted (a model is compiled with threads).
    expect((await runCli(['run', join(mlp, 'model.onnx'), '--backend', 'wasm', '--data', data(), '--threads', '2', '--check'])).code).toBe(0);
  });

  it('--backend other than the one a compiled folder was built for', async () => {
    for (const [dir, folder, other] of [[wasmDir, 'wasm', 'webgpu'], [gpuDir, 'webgpu', 'wasm'], [wasmDir, 'wasm', 'interp']] as const) {
      const r = await runCli(['run', dir, '--backend', other, '--data', data()]);
      expectError(r, 'E108');
      expect(r.err).toContain(`was compiled for ${folder}; it cannot run on --backend ${other}`);
    }
    const same = await runCli(['run', wasmDir, '--backend', 'wasm', '--data', data(), '--check']);
    expect(same.code, same.err).toBe(0);
  });
});

describe('run: data that does not fit a compiled folder is E104 naming the file', () => {
  it('wrong dim on wasm and webgpu folders, with and without --check', async () => {
    for (const dir of [wasmDir, gpuDir]) {
      for (const check of [[], ['--check']]) {
        const r = await runCli(['run', dir, '--data', wrongShape, ...check]);
        expectError(r, 'E104');
        expect(r.err).toContain(`${join(wrongShape, 'input_0.pb')} does not match input 0 ('input'): dim 1 is 65, expected 64`);
        expect(r.err).toContain('expected f32[batch,64], got f32[3,65]');
        expect(r.err).not.toMatch(/wasm run failed|E105|XDG_RUNTIME_DIR/);
      }
    }
  });

  it('wrong dtype and rank, an extra input file, and a symbol bound twice differently', async () => {
    const d = tempDir();
    writeTensorFile(join(d, 'input_0.pb'), 'input', tensorFrom('f64', [1, 64], new Array(64).fill(0)));
    expect((await runCli(['run', wasmDir, '--data', d])).err).toContain("input 0 ('input'): dtype f64 does not match f32");
    writeTensorFile(join(d, 'input_0.pb'), 'input', tensorFrom('f32', [64], new Array(64).fill(0)));
    expect((await runCli(['run', wasmDir, '--data', d])).err).toContain('rank 1 does not match 2');
    writeTensorFile(join(d, 'input_0.pb'), 'input', tensorFrom('f32', [1, 64], new Array(64).fill(0)));
    writeTensorFile(join(d, 'input_1.pb'), 'extra', tensorFrom('f32', [1], [0]));
    const extra = await runCli(['run', wasmDir, '--data', d]);
    expectError(extra, 'E104');
    expect(extra.err).toContain(`${d} has input_1.pb but the model takes 1 input`);

    // y = a + b with a, b: f32[n,3]: a's n and b's n must agree.
    const m = tempDir();
    writeFileSync(join(m, 'model.onnx'), buildModel({
      opset: 17,
      inputs: [{ name: 'a', dtype: 'f32', shape: ['n', 3] }, { name: 'b', dtype: 'f32', shape: ['n', 3] }],
      outputs: [{ name: 'y', dtype: 'f32', shape: ['n', 3] }],
      nodes: [{ name: 'add', opType: 'Add', inputs: ['a', 'b'], outputs: ['y'] }],
    }));
    expect((await runCli(['compile', join(m, 'model.onnx'), '--out', join(m, 'w'), '--quiet'])).code).toBe(0);
    writeTensorFile(join(m, 'input_0.pb'), 'a', tensorFrom('f32', [2, 3], [1, 2, 3, 4, 5, 6]));
    writeTensorFile(join(m, 'input_1.pb'), 'b', tensorFrom('f32', [3, 3], new Array(9).fill(1)));
    const r = await runCli(['run', join(m, 'w'), '--data', m]);
    expectError(r, 'E104');
    expect(r.err).toContain("input_1.pb does not match input 1 ('b'): dim 0 ('n') is 3, but 'n' is 2 in input 0 ('a')");
  });
});

describe('mismatch messages', () => {
  it('formatExact reads back as the same f32 (and f64), so different values never print alike', () => {
    fc.assert(fc.property(fc.float({ noNaN: true, noDefaultInfinity: true }), (x) => {
      const s = formatExact(x, 'f32');
      expect(Math.fround(Number(s))).toBe(Object.is(x, -0) ? 0 : x);
      // At most 9 significant digits (f32 never needs more), except integers, which print exactly in full.
      if (!Number.isInteger(x)) expect(s.replace(/^-/, '').replace(/e.*$/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '').length).toBeLessThanOrEqual(9);
    }));
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
      expect(Number(formatExact(x, 'f64'))).toBe(x === 0 ? 0 : x);
    }));
    // Neighbouring f32 values (one ulp apart) print differently.
    const a = Math.fround(0.00840806), b = new Float32Array(new Uint32Array([new Uint32Array(new Float32Array([a]).buffer)[0]! + 1]).buffer)[0]!;
    const c = compareTensors(tensorFrom('f32', [1], [b]), tensorFrom('f32', [1], [a]), { rtol: 0, atol: 0 });
    expect(c.reason).toContain(`got ${formatExact(b, 'f32')}, expected ${formatExact(a, 'f32')}`);
    expect(formatExact(a, 'f32')).not.toBe(formatExact(b, 'f32'));
  });

  it('counts outputs with the right grammar', async () => {
    const d = tempDir();
    writeFileSync(join(d, 'model.onnx'), buildModel({
      opset: 17,
      inputs: [{ name: 'x', dtype: 'f32', shape: [2] }],
      outputs: [{ name: 'y', dtype: 'f32', shape: [2] }, { name: 'z', dtype: 'f32', shape: [2] }],
      nodes: [{ name: 'i1', opType: 'Identity', inputs: ['x'], outputs: ['y'] }, { name: 'i2', opType: 'Neg', inputs: ['x'], outputs: ['z'] }],
    }));
    writeTensorFile(join(d, 'input_0.pb'), 'x', tensorFrom('f32', [2], [1, 2]));
    writeTensorFile(join(d, 'output_0.pb'), 'y', tensorFrom('f32', [2], [1, 2.5]));
    writeTensorFile(join(d, 'output_1.pb'), 'z', tensorFrom('f32', [2], [-1, -2]));
    const one = await runCli(['run', join(d, 'model.onnx'), '--data', d, '--check']);
    expect(one.code).toBe(1);
    expect(one.err).toBe('error E601: 1 output does not match the expected values\n');
    writeTensorFile(join(d, 'output_1.pb'), 'z', tensorFrom('f32', [2], [-1, -3]));
    const two = await runCli(['run', join(d, 'model.onnx'), '--data', d, '--check']);
    expect(two.err).toBe('error E601: 2 outputs do not match the expected values\n');
  });
});

describe('help and version', () => {
  it('--version is package.json\'s version', async () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
    expect((await runCli(['--version'])).out).toBe(`tenth ${pkg.version}\n`);
  });

  it('the top-level help names both backends and the cost report; run takes MODEL|DIR', async () => {
    const top = (await runCli(['--help'])).out;
    expect(top).toMatch(/WASM-SIMD/);
    expect(top).toMatch(/WebGPU/);
    expect(top).toMatch(/cost report/);
    expect((await runCli(['run', '--help'])).out).toMatch(/^Usage: tenth run MODEL\|DIR \[options\]/);
  });
});

describe('WebGPU runs in Node', () => {
  it('print nothing about XDG_RUNTIME_DIR when it is unset or names no folder', () => {
    for (const xdg of [undefined, '/nonexistent/xdg']) {
      const env = { ...process.env };
      if (xdg === undefined) delete env['XDG_RUNTIME_DIR'];
      else env['XDG_RUNTIME_DIR'] = xdg;
      const r = sh(`npx tsx src/cli/main.ts run '${gpuDir}' --data '${join(mlp, 'test_data_set_0')}' --check`, env);
      expect(r.stdout).toContain('1 of 1 outputs match');
      // Only the one line naming the adapter.
      expect(r.stderr).toMatch(/^webgpu: [^\n]+\n$/);
      expect(r.status).toBe(0);
    }
  });
});
