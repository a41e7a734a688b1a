// `tenth compile --relaxed-simd`: a second module using f32x4.relaxed_madd beside the plain SIMD
// one, both in the manifest. Each variant, forced through the runtime, matches the interpreter on
// the shared models' test data; compiles are byte-identical; the runtime falls back to the plain
// module in an engine without relaxed SIMD (a child Node without the flag).

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { afterAll, describe, expect, it } from 'vitest';
import { interpret } from '../../../ir/interp.js';
import type { Tensor } from '../../../ir/tensor.js';
import { relaxWat } from '../../../src/backends/wasm/index.js';
import { importOnnxFile } from '../../../src/onnx/import.js';
import { readTensorProtoFile } from '../../../src/onnx/tensor-proto.js';
import { loadCompiled, pickModule, supportsRelaxedSimd, type RunTensor } from '../../../src/runtime/index.js';
import { REPO, runCli } from '../../cli/helpers.js';
import { expectClose } from './helpers.js';

// Node 20 runs relaxed SIMD only behind this flag; it must be set before any module is compiled.
setFlagsFromString('--experimental-wasm-relaxed-simd');

const MODELS = '/work/shared/models';
const tmp = mkdtempSync(join(tmpdir(), 'tenth-relaxed-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function compile(name: string, out: string): Promise<void> {
  const c = await runCli(['compile', join(MODELS, name, 'model.onnx'), '--target', 'wasm', '--relaxed-simd', '--out', out]);
  expect(c.err).toBe('');
  expect(c.code).toBe(0);
}

describe('relaxed-SIMD variant', () => {
  it('rewrites folded multiply-adds only when their operands have no side effects', () => {
    const r = relaxWat([
      '(local.set $a (f32x4.add (local.get $a) (f32x4.mul (local.get $x) (local.get $y))))',
      '(f32x4.add (f32x4.mul (v128.load (local.get $p)) (local.get $w)) (local.get $b))',
      '(f32x4.add (local.tee $q (local.get $a)) (f32x4.mul (local.get $x) (local.get $y)))',
      '(f32x4.add (local.get $a) (f32x4.sub (local.get $x) (local.get $y)))',
    ].join('\n'));
    expect(r.count).toBe(2);
    expect(r.wat.split('\n')).toEqual([
      '(local.set $a (f32x4.relaxed_madd (local.get $x) (local.get $y) (local.get $a)))',
      '(f32x4.relaxed_madd (v128.load (local.get $p)) (local.get $w) (local.get $b))',
      '(f32x4.add (local.tee $q (local.get $a)) (f32x4.mul (local.get $x) (local.get $y)))',
      '(f32x4.add (local.get $a) (f32x4.sub (local.get $x) (local.get $y)))',
    ]);
  });

  for (const name of ['mlp_digits', 'cnn_digits', 'tiny_bert']) {
    it(`${name}: both variants match the interpreter on every test_data_set`, async () => {
      const dir = join(tmp, name);
      await compile(name, dir);
      expect(readdirSync(dir).sort()).toEqual(['manifest.json', 'model-relaxed.wasm', 'model-relaxed.wat', 'model.wasm', 'model.wat', 'report.html', 'report.json', 'weights.bin']);
      const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { modules: { file: string; features: string[] }[] };
      expect(manifest.modules.map((m) => m.file)).toEqual(['model-relaxed.wasm', 'model.wasm']);
      expect(manifest.modules[0]!.features).toContain('relaxed-simd');
      expect(manifest.modules[1]!.features).not.toContain('relaxed-simd');
      expect(readFileSync(join(dir, 'model.wat'), 'utf8')).not.toContain('relaxed_madd');
      expect(readFileSync(join(dir, 'model-relaxed.wat'), 'utf8')).toContain('f32x4.relaxed_madd');

      const module = importOnnxFile(join(MODELS, name, 'model.onnx'));
      const plain = await loadCompiled(dir, { simd: 'simd' });
      const relaxed = await loadCompiled(dir, { simd: 'relaxed' });
      const sets = readdirSync(join(MODELS, name)).filter((n) => n.startsWith('test_data_set_')).sort();
      expect(sets.length).toBeGreaterThan(0);
      for (const set of sets) {
        const files = readdirSync(join(MODELS, name, set)).filter((f) => f.startsWith('input_')).sort();
        const inputs = files.map((f) => readTensorProtoFile(join(MODELS, name, set, f)).tensor);
        const want = interpret(module, inputs);
        for (const m of [plain, relaxed]) {
          const feed: Record<string, RunTensor> = {};
          m.manifest.inputs.forEach((inp, i) => (feed[inp.name] = { data: inputs[i]!.data as RunTensor['data'], dims: inputs[i]!.shape }));
          const out = await m.run(feed);
          const got: Tensor[] = m.manifest.outputs.map((o) => ({ dtype: o.dtype as Tensor['dtype'], shape: [...out[o.name]!.dims], data: out[o.name]!.data as Tensor['data'] }));
          expectClose(got, want, 1e-3, 1e-5);
        }
      }
    });
  }

  it('compiling twice gives byte-identical folders', async () => {
    const a = join(tmp, 'det-a'), b = join(tmp, 'det-b');
    await compile('cnn_digits', a);
    await compile('cnn_digits', b);
    const files = readdirSync(a).sort();
    expect(readdirSync(b).sort()).toEqual(files);
    for (const f of files) expect(readFileSync(join(b, f)).equals(readFileSync(join(a, f))), f).toBe(true);
  });

  it('auto picks the relaxed module here, and the plain one in an engine without relaxed SIMD', async () => {
    const dir = join(tmp, 'pick');
    await compile('mlp_digits', dir);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Parameters<typeof pickModule>[0];
    expect(supportsRelaxedSimd()).toBe(true);
    expect(pickModule(manifest)).toBe('model-relaxed.wasm');
    expect(pickModule(manifest, 'simd')).toBe('model.wasm');
    expect(pickModule({ ...manifest, modules: undefined }, 'auto')).toBe('model.wasm');
    expect(() => pickModule({ ...manifest, modules: undefined }, 'relaxed')).toThrow(/no relaxed-SIMD module/);
    // A fresh Node without the flag: no relaxed SIMD, so auto loads model.wasm and it runs.
    const script = [
      `const rt = await import(${JSON.stringify(join(REPO, 'src/runtime/index.ts'))});`,
      `const fs = await import('node:fs');`,
      `const man = JSON.parse(fs.readFileSync(${JSON.stringify(join(dir, 'manifest.json'))}, 'utf8'));`,
      `const m = await rt.loadCompiled(${JSON.stringify(dir)});`,
      `const inp = m.manifest.inputs[0];`,
      `const dims = inp.shape.map((d) => (typeof d === 'number' ? d : 1));`,
      `const out = await m.run({ [inp.name]: { data: new Float32Array(dims.reduce((a, b) => a * b, 1)), dims } });`,
      `console.log(JSON.stringify({ supported: rt.supportsRelaxedSimd(), file: rt.pickModule(man), ran: Object.keys(out).length }));`,
    ].join('\n');
    const tsx = join(REPO, 'node_modules', '.bin', 'tsx');
    const res = JSON.parse(execFileSync(tsx, ['--input-type=module', '-e', script], { encoding: 'utf8', cwd: REPO })) as { supported: boolean; file: string; ran: number };
    expect(res).toEqual({ supported: false, file: 'model.wasm', ran: 1 });
  });
});
