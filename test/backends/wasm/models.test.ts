// Every shared model compiles to WASM and matches PyTorch's expected outputs on every
// test_data_set (same tolerances as `tenth run --check`), through the CLI's compile and run paths;
// compiling twice gives byte-identical folders; an unsupported op fails with E201 and no folder.

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';

const MODELS = '/work/shared/models';
const tmp = mkdtempSync(join(tmpdir(), 'tenth-wasm-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const code = await main(args, { out: (s) => (out += s), err: (s) => (err += s), cwd: process.cwd() });
  return { code, out, err };
}

describe('wasm backend on the shared models', () => {
  for (const name of ['mlp_digits', 'cnn_digits', 'tiny_bert', 'mobilenet_v2']) {
    it(`${name}: compile, then run --check on every test_data_set`, async () => {
      const dir = join(tmp, name);
      const c = await cli(['compile', join(MODELS, name, 'model.onnx'), '--target', 'wasm', '--out', dir]);
      expect(c.err).toBe('');
      expect(c.code).toBe(0);
      expect(readdirSync(dir).sort()).toEqual(['manifest.json', 'model.wasm', 'model.wat', 'report.html', 'report.json', 'weights.bin']);
      const r = await cli(['run', dir, '--data', join(MODELS, name), '--check', '--json']);
      const json = JSON.parse(r.out) as { ok: boolean; runs: { outputs: { status: string }[] }[] };
      expect(r.code, r.out + r.err).toBe(0);
      expect(json.ok).toBe(true);
      const sets = readdirSync(join(MODELS, name)).filter((n) => n.startsWith('test_data_set_'));
      expect(json.runs.length).toBe(sets.length);
      expect(json.runs.flatMap((x) => x.outputs).every((o) => o.status === 'PASS')).toBe(true);
      const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { kernels: { flops: number; bytes: number }[] };
      expect(report.kernels.length).toBeGreaterThan(0);
      expect(report.kernels.every((k) => Number.isFinite(k.flops) && k.bytes > 0)).toBe(true);
    });
  }

  for (const passes of ['O0', 'O1']) {
    it(`every model passes --check compiled with --passes ${passes} (unfused: one kernel per op)`, async () => {
      for (const name of ['mlp_digits', 'cnn_digits', 'tiny_bert', 'mobilenet_v2']) {
        const r = await cli(['run', join(MODELS, name, 'model.onnx'), '--backend', 'wasm', '--passes', passes, '--check']);
        expect(r.code, `${name}: ${r.out}${r.err}`).toBe(0);
      }
    });
  }

  it('run MODEL.onnx --backend wasm --check compiles on the fly', async () => {
    const r = await cli(['run', join(MODELS, 'tiny_bert', 'model.onnx'), '--backend', 'wasm', '--check']);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toContain('4 of 4 outputs match');
  });

  it('compiling twice gives byte-identical folders', async () => {
    const a = join(tmp, 'det-a'), b = join(tmp, 'det-b');
    for (const d of [a, b]) expect((await cli(['compile', join(MODELS, 'cnn_digits', 'model.onnx'), '--out', d])).code).toBe(0);
    for (const f of readdirSync(a)) expect(Buffer.compare(readFileSync(join(a, f)), readFileSync(join(b, f))), f).toBe(0);
  });

  it('an unsupported op is E201 naming the op and node, and leaves no folder', async () => {
    const ir = join(tmp, 'bad.ir');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(ir, [
      'module @m {',
      '  func @main(%x: f32[4]) -> (%y: f32[4]) {',
      '    %y = bernoulli(%x) : f32[4] loc("m.onnx":"/the/Bernoulli")',
      '    return %y',
      '  }',
      '}',
    ].join('\n'));
    const out = join(tmp, 'bad-out');
    const r = await cli(['compile', ir, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('E201');
    expect(r.err).toContain('bernoulli');
    expect(r.err).toContain('/the/Bernoulli');
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(tmp).some((n) => n.includes('bad-out'))).toBe(false);
  });
});
