// Every WGSL shader the backend emits for the shared models and the examples (fused, O2, and one
// dispatch per op, O0; and O2 with --f16, f16 weights and intermediates) also passes a second implementation: naga, through Deno's WebGPU (wgpu) on
// Mesa's lavapipe, in one Deno process (naga-run.ts's nagaValidate). Dawn/Tint checks
// the same shaders in validate.test.ts; the two parsers disagree on enough corners (implicit
// conversions, uniformity analysis, reserved words, limits) that passing one says little about the
// other. Deliberately broken shaders must be reported, with line and column, so the check can fail.
//
// naga (Deno 2.9.6) offers shader-f16 but no subgroups; a shader needing a missing feature would be
// listed under `missing` and fail here.

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tensorFrom } from '../../../ir/tensor.js';
import { compileWebGpu } from '../../../src/backends/webgpu/index.js';
import { importOnnxFile } from '../../../src/onnx/import.js';
import { encodeTensorProto } from '../../../src/onnx/tensor-proto.js';
import { buildModel } from '../../../src/onnx/writer.js';
import { makeCnn, makeMlp, type ExampleLib } from '../../../examples/make-examples.mjs';
import { type NagaError, type NagaReport, type NagaShader as Shader, nagaValidate } from './naga-run.js';

const REPO = resolve(import.meta.dirname, '../../..');
const MODELS = resolve(REPO, '../shared/models');

const lib = { buildModel, encodeTensorProto, tensorFrom } as unknown as ExampleLib;
const tmp = mkdtempSync(join(tmpdir(), 'tenth-naga-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const shaders: Shader[] = [];
const features = new Set<string>();
let storage = 0;
let report: NagaReport;
const perModel: Record<string, number> = {};

// A shader naga must refuse in the module (an unknown name), one it must refuse only when the
// pipeline is made (512 invocations per workgroup, over WebGPU's 256), and one whose binding
// contradicts the runtime's layout (binding 2 is read-only storage there). wgpu (Deno 2.9.6) does
// NOT check the workgroup storage size at pipeline creation (1 MiB of var<workgroup> passes), so
// that limit is left to Dawn (validate.test.ts).
const BROKEN: Shader[] = [
  { name: 'broken/unknown-name', code: '@compute @workgroup_size(64)\nfn main() {\n  let x = 1u;\n  let y = x + nope;\n}\n' },
  { name: 'broken/workgroup-size', code: 'var<workgroup> t: array<f32, 512>;\n@compute @workgroup_size(512)\nfn main(@builtin(local_invocation_index) i: u32) {\n  t[i] = 1.0;\n}\n' },
  { name: 'broken/binding-type', code: '@group(0) @binding(2) var<storage, read_write> W: array<u32>;\n@compute @workgroup_size(64)\nfn main(@builtin(global_invocation_id) g: vec3<u32>) {\n  W[g.x] = 1u;\n}\n' },
];

beforeAll(async () => {
  const models: [string, string][] = readdirSync(MODELS).filter((n) => !n.endsWith('.md')).sort().map((n) => [n, join(MODELS, n, 'model.onnx')]);
  makeMlp(join(tmp, 'mlp'), lib);
  makeCnn(join(tmp, 'cnn'), lib);
  models.push(['examples/mlp', join(tmp, 'mlp', 'model.onnx')], ['examples/cnn', join(tmp, 'cnn', 'model.onnx')]);
  const seen = new Set<string>();
  for (const [name, path] of models) {
    for (const [passes, f16] of [['O2', false], ['O0', false], ['O2', true]] as const) {
      const c = compileWebGpu(importOnnxFile(path), { passes, f16 });
      const variant = f16 ? `${passes} --f16` : passes;
      perModel[`${name} ${variant}`] = c.shaders.length;
      c.manifest.features.forEach((f) => features.add(f));
      storage = Math.max(storage, c.manifest.workgroupStorageBytes);
      // Identical texts (O0 and O2 often share kernels) are validated once.
      for (const s of c.shaders.filter((x) => !seen.has(x.code))) {
        seen.add(s.code);
        shaders.push({ name: `${name}/${variant}/${s.file}`, code: s.code });
      }
    }
  }
  // An emitted shader with its epilogue's name changed: the call site no longer resolves.
  const gemm = shaders.find((s) => s.code.includes('fn epi('))!;
  const renamed = { name: 'broken/renamed-epi', code: gemm.code.replace('fn epi(', 'fn epi_(') };
  report = await nagaValidate([...shaders, ...BROKEN, renamed], [...features], storage);
}, 60_000);

describe('naga (Deno, wgpu on lavapipe) accepts every emitted shader', () => {
  it('the shared models and the examples, O2 and O0: no module or pipeline errors', () => {
    expect(Object.keys(perModel)).toEqual(expect.arrayContaining(['mobilenet_v2 O2', 'tiny_bert O0', 'examples/cnn O2', 'examples/mlp O0', 'mobilenet_v2 O2 --f16', 'tiny_bert O2 --f16']));
    // --f16: the f16 intermediates (array<f16> in the half arena, binding 3) are read and written.
    expect(shaders.filter((s) => s.name.includes('--f16') && s.code.includes('var<storage, read_write> AH: array<f16>;')).length).toBeGreaterThan(50);
    expect(Object.values(perModel).every((n) => n > 0)).toBe(true);
    expect(report.missing).toEqual([]);
    const real = report.results.filter((r) => !r.name.startsWith('broken/'));
    expect(real.map((r) => r.name)).toEqual(shaders.map((s) => s.name));
    const failures = real.filter((r) => r.errors.length > 0).map((r) => `${r.name}: ${r.errors.map((e) => `${e.stage} ${e.line}:${e.column}: ${e.message}`).join('; ')}`);
    expect(failures).toEqual([]);
  });

  it('the adapter is wgpu on Vulkan with shader-f16 and without subgroups', () => {
    expect(report.features).toContain('shader-f16');
    expect(report.features).not.toContain('subgroups');
  });
});

describe('the naga check can fail', () => {
  const errorsOf = (name: string): NagaError[] => report.results.find((r) => r.name === name)!.errors;

  it('an unknown identifier: a module error at its line and column', () => {
    expect(errorsOf('broken/unknown-name')).toEqual([expect.objectContaining({ stage: 'module', line: 4, column: 15, message: expect.stringContaining('nope') })]);
  });

  it('an emitted GEMM shader whose epilogue is renamed: a module error naming epi', () => {
    expect(errorsOf('broken/renamed-epi')).toEqual([expect.objectContaining({ stage: 'module', line: expect.any(Number), message: expect.stringContaining('epi') })]);
    expect(errorsOf('broken/renamed-epi')[0]!.line).toBeGreaterThan(1);
  });

  it('512 invocations per workgroup: refused when the pipeline is made', () => {
    expect(errorsOf('broken/workgroup-size')).toEqual([expect.objectContaining({ stage: 'pipeline', message: expect.stringMatching(/workgroup size/) })]);
  });

  it('a read_write binding where the layout has read-only storage: refused at the pipeline', () => {
    expect(errorsOf('broken/binding-type')).toEqual([expect.objectContaining({ stage: 'pipeline', message: expect.stringMatching(/binding: 2/) })]);
  });
});
