import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tensorFrom, toNumbers } from '../../ir/tensor.js';
import { COMMANDS } from '../../src/cli/main.js';
import { readTensorProtoFile } from '../../src/onnx/tensor-proto.js';
import { hasStackTrace, runCli, tempDir, writeAddMulModel, writeMlpExample, writeTensorFile } from './helpers.js';

let mlp: string; // folder with model.onnx + test_data_set_0
let addMul: string;

beforeAll(() => {
  mlp = join(tempDir(), 'mlp');
  writeMlpExample(mlp);
  addMul = tempDir();
  writeAddMulModel(addMul);
});

describe('tenth --help', () => {
  it('lists every command with its summary', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const c of COMMANDS) expect(r.out).toContain(`  ${c.spec.name} `);
    for (const name of ['summary', 'ir', 'opt', 'run', 'stats', 'passes', 'conformance']) expect(r.out).toContain(`  ${name} `);
    expect(r.out).toContain('--version');
  });

  it('shows each command\'s arguments and every option it accepts', async () => {
    for (const c of COMMANDS) {
      const r = await runCli([c.spec.name, '--help']);
      expect(r.code).toBe(0);
      expect(r.out).toContain(`Usage: tenth ${c.spec.name}`);
      for (const o of c.spec.options) expect(r.out).toContain(`--${o.name}`);
      for (const p of c.spec.positionals) expect(r.out).toContain(p.name);
    }
    const run = await runCli(['run', '--help']);
    for (const flag of ['--data DIR', '--check', '--rtol X', '--atol X', '--backend NAME', '--json', '--out DIR']) {
      expect(run.out).toContain(flag);
    }
    expect(run.out).toContain('(default 0.001)');
  });

  it('without a command prints help to stderr and exits 2', async () => {
    const r = await runCli([]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('Commands:');
  });

  it('rejects unknown commands and options with E108', async () => {
    const a = await runCli(['frobnicate']);
    expect(a.code).toBe(2);
    expect(a.err).toContain('error E108: unknown command');
    const b = await runCli(['summary', 'x.onnx', '--frob']);
    expect(b.code).toBe(2);
    expect(b.err).toContain("error E108: unknown option '--frob'");
    const c = await runCli(['run', 'x.onnx', '--rtol', 'abc']);
    expect(c.err).toContain('--rtol expects a number');
    const d = await runCli(['summary']);
    expect(d.err).toContain("'summary' expects MODEL");
  });
});

describe('tenth summary', () => {
  it('describes the example MLP', async () => {
    const r = await runCli(['summary', join(mlp, 'model.onnx')]);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toContain('module: mlp');
    expect(r.out).toContain('opset: 13');
    expect(r.out).toContain('%input: f32[batch,64]');
    expect(r.out).toContain('logits: f32[batch,10]');
    expect(r.out).toMatch(/^ {2}gemm +2$/m);
    expect(r.out).toMatch(/^ {2}relu +1$/m);
    // 64*32 + 32 + 32*10 + 10 parameters, split between weights and inline constants.
    const s = JSON.parse((await runCli(['summary', join(mlp, 'model.onnx'), '--json'])).out);
    expect(s.weights.parameters + s.inlineConstants.elements).toBe(64 * 32 + 32 + 32 * 10 + 10);
    expect(s.weights.bytes + s.inlineConstants.bytes).toBe(4 * (64 * 32 + 32 + 32 * 10 + 10));
    expect(s.ops.find((o: { op: string }) => o.op === 'gemm').count).toBe(2);
  });
});

describe('tenth ir / opt', () => {
  it('prints IR that opt reads back unchanged, via -o files', async () => {
    const dir = tempDir();
    copyFileSync(join(addMul, 'model.onnx'), join(dir, 'model.onnx'));
    const a = await runCli(['ir', join(dir, 'model.onnx'), '-o', join(dir, 'a.ir')]);
    expect(a.code).toBe(0);
    expect(a.out).toBe('');
    const text = readFileSync(join(dir, 'a.ir'), 'utf8');
    expect(text).toMatch(/= add\(%a, %b\)/);
    expect(text).toMatch(/= mul\(/);
    const b = await runCli(['opt', join(dir, 'a.ir')]);
    expect(b.code).toBe(0);
    expect(b.out).toBe(text);
    const c = await runCli(['opt', join(dir, 'model.onnx')]);
    expect(c.out).toBe(text);
  });

  it('rebases weight file paths to where the IR text is written (-o folder or the working directory)', async () => {
    const src = tempDir();
    writeMlpExample(src);
    const elsewhere = join(tempDir(), 'nested');
    mkdirSync(elsewhere);
    const a = await runCli(['ir', join(src, 'model.onnx'), '-o', join(elsewhere, 'm.ir')]);
    expect(a.code).toBe(0);
    const text = readFileSync(join(elsewhere, 'm.ir'), 'utf8');
    expect(text).toMatch(/= file\("\.\.\/\.\.\/[^"]+\/model\.onnx", offset = \d+/);
    const r = await runCli(['run', join(elsewhere, 'm.ir'), '--data', join(src, 'test_data_set_0'), '--check']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const cwd = tempDir();
    const b = await runCli(['ir', join(src, 'model.onnx')], cwd);
    writeFileSync(join(cwd, 'stdout.ir'), b.out);
    const r2 = await runCli(['run', 'stdout.ir', '--data', join(src, 'test_data_set_0'), '--check'], cwd);
    expect(r2.code).toBe(0);
  });

  it('runs a module read from IR text', async () => {
    const dir = tempDir();
    copyFileSync(join(addMul, 'model.onnx'), join(dir, 'model.onnx'));
    await runCli(['ir', join(dir, 'model.onnx'), '-o', join(dir, 'm.ir')]);
    const r = await runCli(['run', join(dir, 'm.ir'), '--data', join(addMul, 'test_data_set_0'), '--check']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('PASS');
  });

  it('reports IR syntax errors with a line and column', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'bad.ir'), 'module @m {\n  func @main() -> () {\n    %x = = add\n  }\n}\n');
    const r = await runCli(['opt', join(dir, 'bad.ir')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/bad\.ir:3:\d+: error E401/);
  });

  it('rejects an unknown pass in --passes with E108 (more in test/cli/passes.test.ts)', async () => {
    const r = await runCli(['opt', join(mlp, 'model.onnx'), '--passes', 'fold-constants,frob']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("error E108: invalid pipeline: unknown pass 'frob' (column 16)");
  });
});

describe('tenth run', () => {
  it('checks the example against the outputs computed by plain loops', async () => {
    const r = await runCli(['run', join(mlp, 'model.onnx'), '--data', join(mlp, 'test_data_set_0'), '--check']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/output 0 'logits' f32\[3,10\] +max abs \S+ +max rel \S+ +PASS/);
    expect(r.out).toContain('1 of 1 outputs match');
  });

  it('uses the data sets beside the model when --data is omitted, and prints JSON', async () => {
    const r = await runCli(['run', join(addMul, 'model.onnx'), '--check', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.ok).toBe(true);
    expect(j.runs).toHaveLength(1);
    expect(j.runs[0].outputs[0]).toMatchObject({ name: 'y', dtype: 'f32', shape: [2, 3], status: 'PASS', maxAbs: 0 });
  });

  it('without --check prints shapes and values, and --out writes output_K.pb', async () => {
    const out = join(tempDir(), 'outs');
    const r = await runCli(['run', join(addMul, 'model.onnx'), '--data', join(addMul, 'test_data_set_0'), '--out', out]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("output 0 'y' f32[2,3]  [22, 44, 66, 28, 50, 72]");
    const t = readTensorProtoFile(join(out, 'output_0.pb'));
    expect(t.name).toBe('y');
    expect(toNumbers(t.tensor)).toEqual([22, 44, 66, 28, 50, 72]);
  });

  it('fails with exit 1 and names the first mismatch when an output is wrong', async () => {
    const dir = tempDir();
    copyFileSync(join(addMul, 'test_data_set_0', 'input_0.pb'), join(dir, 'input_0.pb'));
    copyFileSync(join(addMul, 'test_data_set_0', 'input_1.pb'), join(dir, 'input_1.pb'));
    writeTensorFile(join(dir, 'output_0.pb'), 'y', tensorFrom('f32', [2, 3], [22, 44, 66, 28, 51, 72]));
    const r = await runCli(['run', join(addMul, 'model.onnx'), '--data', dir, '--check']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('FAIL');
    expect(r.out).toContain('first at element [1,1]: got 50, expected 51');
    expect(r.err).toContain('E601');
    // A looser tolerance accepts it: |50 - 51| <= 0 + 0.05 * 51.
    const loose = await runCli(['run', join(addMul, 'model.onnx'), '--data', dir, '--check', '--rtol', '0.05', '--atol=0']);
    expect(loose.code).toBe(0);
  });

  it('rejects backends that do not exist', async () => {
    const r = await runCli(['run', join(mlp, 'model.onnx'), '--backend', 'cuda']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/E108: unknown backend .cuda. \(available: interp, wasm, webgpu\)/);
  });
});

describe('errors: stable code, exit 2, no stack trace, no partial output', () => {
  const expectError = async (args: string[], code: string): Promise<string> => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`error ${code}`);
    expect(hasStackTrace(r.err)).toBe(false);
    return r.err;
  };

  it('random bytes, a truncated model and a missing file', async () => {
    const dir = tempDir();
    // Bytes of a protobuf field with a wire type that does not exist (7): not a model.
    const random = Uint8Array.from({ length: 256 }, (_, i) => (i * 37 + 0x0f) & 0xff);
    random[0] = 0x0f;
    writeFileSync(join(dir, 'random.onnx'), random);
    await expectError(['summary', join(dir, 'random.onnx')], 'E103');
    const model = readFileSync(join(mlp, 'model.onnx'));
    writeFileSync(join(dir, 'truncated.onnx'), model.subarray(0, Math.floor(model.length / 2)));
    await expectError(['summary', join(dir, 'truncated.onnx')], 'E103');
    await expectError(['summary', join(dir, 'missing.onnx')], 'E101');
    await expectError(['run', join(mlp, 'model.onnx'), '--data', join(dir, 'nope')], 'E101');
  });

  it('a missing data file', async () => {
    const dir = tempDir();
    copyFileSync(join(addMul, 'test_data_set_0', 'input_0.pb'), join(dir, 'input_0.pb'));
    const err = await expectError(['run', join(addMul, 'model.onnx'), '--data', dir], 'E105');
    expect(err).toContain('input_1.pb');
    copyFileSync(join(addMul, 'test_data_set_0', 'input_1.pb'), join(dir, 'input_1.pb'));
    const err2 = await expectError(['run', join(addMul, 'model.onnx'), '--data', dir, '--check'], 'E105');
    expect(err2).toContain('output_0.pb');
  });

  it('a data file with the wrong dtype or shape', async () => {
    const dir = tempDir();
    copyFileSync(join(addMul, 'test_data_set_0', 'input_1.pb'), join(dir, 'input_1.pb'));
    writeTensorFile(join(dir, 'input_0.pb'), 'a', tensorFrom('f64', [2, 3], [1, 2, 3, 4, 5, 6]));
    const e1 = await expectError(['run', join(addMul, 'model.onnx'), '--data', dir], 'E104');
    expect(e1).toContain('input_0.pb');
    expect(e1).toContain('dtype f64 does not match f32');
    writeTensorFile(join(dir, 'input_0.pb'), 'a', tensorFrom('f32', [3, 2], [1, 2, 3, 4, 5, 6]));
    const e2 = await expectError(['run', join(addMul, 'model.onnx'), '--data', dir], 'E104');
    expect(e2).toContain('dim 0 is 3, expected 2');
    writeTensorFile(join(dir, 'input_0.pb'), 'a', tensorFrom('f32', [2, 3], [1, 2, 3, 4, 5, 6]));
    writeTensorFile(join(dir, 'input_2.pb'), 'c', tensorFrom('f32', [1], [1]));
    await expectError(['run', join(addMul, 'model.onnx'), '--data', dir], 'E104');
  });

  it('a failing command leaves no -o file and no temporary file', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'random.onnx'), Uint8Array.from([0x0f, 1, 2, 3]));
    await expectError(['ir', join(dir, 'random.onnx'), '-o', join(dir, 'out.ir')], 'E103');
    expect(readdirSync(dir)).toEqual(['random.onnx']);
    // An existing file is not clobbered either.
    writeFileSync(join(dir, 'out.ir'), 'old');
    await expectError(['ir', join(dir, 'random.onnx'), '-o', join(dir, 'out.ir')], 'E103');
    expect(readFileSync(join(dir, 'out.ir'), 'utf8')).toBe('old');
    expect(readdirSync(dir).sort()).toEqual(['out.ir', 'random.onnx']);
  });

  it('any other exception is an internal error: exit 70, stack only with --debug', async () => {
    const { main } = await import('../../src/cli/main.js');
    let err = '';
    const io = { out: (): void => { throw new Error('stdout closed'); }, err: (s: string): void => { err += s; } };
    expect(await main(['--version'], io)).toBe(70);
    expect(err).toContain('internal error: stdout closed');
    expect(hasStackTrace(err)).toBe(false);
    err = '';
    expect(await main(['--version', '--debug'], io)).toBe(70);
    expect(hasStackTrace(err)).toBe(true);
  });

  it('--debug adds the stack trace', async () => {
    const r = await runCli(['summary', '/nonexistent/model.onnx', '--debug']);
    expect(r.code).toBe(2);
    expect(hasStackTrace(r.err)).toBe(true);
  });

  it('an unwritable -o path is E111 naming the path and the reason, and leaves nothing behind', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a-file'), 'x');
    // A folder path through a plain file: ENOTDIR even for root (permission bits do not stop root).
    const target = join(dir, 'a-file', 'sub', 'x.ir');
    const err = await expectError(['ir', join(mlp, 'model.onnx'), '-o', target], 'E111');
    expect(err).toContain(`cannot write ${target}: ENOTDIR`);
    expect(readdirSync(dir)).toEqual(['a-file']);
  });

  it('-o into a missing folder creates it', async () => {
    const dir = tempDir();
    const r = await runCli(['ir', join(mlp, 'model.onnx'), '-o', join(dir, 'new', 'deeper', 'x.ir')]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'new', 'deeper', 'x.ir'), 'utf8')).toMatch(/^module @mlp/);
    expect(readdirSync(join(dir, 'new', 'deeper'))).toEqual(['x.ir']);
  });
});
