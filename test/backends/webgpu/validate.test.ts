// Every WGSL shader emitted for the shared models passes Tint and pipeline creation (Dawn's null
// backend: compiles, never executes; pipeline creation checks workgroup storage limits), fused
// (O2) and unfused (O0: one dispatch per op), and fused with --f16 (f16 weights and intermediates:
// the null backend offers shader-f16); compiling twice gives identical bytes, with --f16 too.

import { describe, expect, it } from 'vitest';
import { importOnnxFile } from '../../../src/onnx/import.js';
import { compileWebGpu, dispatchPlan } from '../../../src/backends/webgpu/index.js';
import { validateShaders } from './helpers.js';

const MODELS = '/work/shared/models';
const NAMES = ['mlp_digits', 'cnn_digits', 'tiny_bert', 'mobilenet_v2'];

describe('webgpu shaders of the shared models validate (Tint, null backend)', () => {
  for (const [passes, f16] of [['O2', false], ['O0', false], ['O2', true]] as const) {
    it(`all four models, --passes ${passes}${f16 ? ' --f16' : ''}`, async () => {
      for (const name of NAMES) {
        const c = compileWebGpu(importOnnxFile(`${MODELS}/${name}/model.onnx`), { passes, f16 });
        expect(c.shaders.length).toBeGreaterThan(0);
        expect(await validateShaders(c), name).toEqual([]);
      }
    });
  }
});

describe('the validation catches broken shaders', () => {
  it('a shader with an undefined name, or too much workgroup memory, fails with its file and line', async () => {
    const c = compileWebGpu(importOnnxFile(`${MODELS}/mlp_digits/model.onnx`));
    const bad = { ...c, shaders: c.shaders.map((s, i) => (i === 0 ? { ...s, code: s.code.replace('fn epi(', 'fn epi_(') } : s)) };
    const errs = await validateShaders(bad);
    expect(errs.join('\n')).toMatch(/000-[a-z-]+\.wgsl:\d+:\d+: .*epi/);
    // 64 KiB of workgroup memory is over every adapter's limit: only pipeline creation sees it.
    const big = { ...c, shaders: c.shaders.map((s, i) => (i === 0 ? { ...s, code: s.code.replace('var<workgroup> As: array<vec4<f32>, 128>;', 'var<workgroup> As: array<vec4<f32>, 4096>;') } : s)) };
    expect(big.shaders[0]!.code).toContain('array<vec4<f32>, 4096>');
    expect((await validateShaders(big)).length).toBe(1);
  });
});

describe('webgpu compile is deterministic', () => {
  it('compiling twice gives byte-identical shaders, weights, manifest, plan and report', () => {
    for (const [name, f16] of NAMES.flatMap((n) => [[n, false], [n, true]] as const)) {
      const a = compileWebGpu(importOnnxFile(`${MODELS}/${name}/model.onnx`), { f16 });
      const b = compileWebGpu(importOnnxFile(`${MODELS}/${name}/model.onnx`), { f16 });
      expect(b.shaders).toEqual(a.shaders);
      expect(Buffer.from(b.weights).equals(Buffer.from(a.weights))).toBe(true);
      expect(JSON.stringify(b.manifest)).toBe(JSON.stringify(a.manifest));
      expect(JSON.stringify(dispatchPlan(b.manifest))).toBe(JSON.stringify(dispatchPlan(a.manifest)));
      expect(JSON.stringify(b.report)).toBe(JSON.stringify(a.report));
      // Stable descriptive file names: step number and the ops of the dispatch.
      expect(a.shaders.every((s, i) => s.file.startsWith(`${String(i).padStart(3, '0')}-`) && /^[0-9]{3}-[a-z0-9-]+\.wgsl$/.test(s.file))).toBe(true);
    }
  });
});
